"""The larger-text setting: chosen on the profile page, remembered for the user, applied on
every page as a class on <html>."""

from tests.conftest import page, post_form
from timebank.extensions import db


def test_a_chosen_text_size_is_kept_and_applied_on_every_page(client, login, make_user):
    user = make_user()
    login(user)
    profile = page(client, "/profile")
    assert 'name="text_size" value="normal" checked' in profile and "特大" in profile
    assert '<html lang="zh-CN">' in profile

    response = post_form(client, "/profile/text-size", {"text_size": "xlarge"}, page="/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile#text-size")
    db.session.expire_all()
    assert user.text_size == "xlarge"
    for url in ("/profile", "/hours/", "/volunteer/"):
        assert '<html lang="zh-CN" class="text-xlarge">' in page(client, url)
    assert 'value="xlarge" checked' in page(client, "/profile")


def test_an_unknown_text_size_is_refused_and_changes_nothing(client, login, make_user):
    user = make_user()
    login(user)
    post_form(client, "/profile/text-size", {"text_size": "large"}, page="/profile")
    html = post_form(client, "/profile/text-size", {"text_size": "huge"}, page="/profile",
                     follow_redirects=True).get_data(as_text=True)
    assert "请选择一种字号" in html
    db.session.expire_all()
    assert user.text_size == "large"


def test_the_text_size_needs_a_login(client):
    response = client.post("/profile/text-size", data={"text_size": "large"})
    assert response.status_code in (302, 400)
    assert '<html lang="zh-CN">' in page(client, "/")
