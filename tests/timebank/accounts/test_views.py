"""Registering, logging in and out through the HTML pages."""

from sqlalchemy import func, select

from tests.conftest import PASSWORD, log_in, post_form, registration_code
from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db

NEW = {"name": "陈晓敏", "phone": "138 0013 8000", "password": "a-long-pass",
       "privacy_version": "2026-12", "agree": "1"}


def with_code(client, sms, form: dict) -> dict:
    """The form as a person fills it in: 获取验证码 first, then the texted code typed in."""
    return {**form, "sms_code": registration_code(client, sms, form["phone"])}


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_register_creates_a_resident_and_logs_them_in(client, sms):
    response = post_form(client, "/register", with_code(client, sms, NEW))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.phone == "13800138000"))
    assert user.name == "陈晓敏"
    assert user.role_names == ["resident"]
    assert user.password_hash != NEW["password"]
    assert user.check_password(NEW["password"])
    home = client.get("/").get_data(as_text=True)
    assert "陈晓敏，您好" in home
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.register"))


def test_duplicate_phone_is_refused_with_a_clear_message(client, make_user, sms):
    make_user(phone="13800138000")
    response = post_form(client, "/register", with_code(client, sms, NEW))
    assert response.status_code == 200
    assert "该手机号已注册" in response.get_data(as_text=True)
    assert count_users() == 1


def test_invalid_registration_shows_each_problem_and_changes_nothing(client):
    response = post_form(client, "/register", {"name": "", "phone": "12345", "password": "short"})
    page = response.get_data(as_text=True)
    assert "请输入 11 位手机号码" in page
    assert "长度须在 8 到 128 位之间" in page
    assert "此项为必填项" in page or "请输入真实姓名" in page
    assert count_users() == 0


def test_login_and_logout(client, make_user):
    user = make_user(name="李志华")
    response = post_form(client, "/login", {"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert "李志华，您好" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/logout", {}, page="/")
    assert response.status_code == 302
    assert "李志华" not in client.get("/").get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_wrong_password_is_refused_and_audited(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"phone": user.phone, "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号或密码不正确" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    failed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login_failed"))
    assert failed.details == {"phone_tail": user.phone[-4:]}


def test_unknown_phone_gets_the_same_answer_as_a_wrong_password(client):
    response = post_form(client, "/login", {"phone": "13912345678", "password": "whatever-1"})
    assert "手机号或密码不正确" in response.get_data(as_text=True)


def test_form_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"phone": user.phone, "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302
    response = client.post("/register", data=NEW)
    assert response.status_code == 400
    assert count_users() == 1


def test_login_redirects_back_to_the_page_asked_for(client, make_user):
    user = make_user()
    response = client.get("/profile")
    assert "/login?next=/profile" in response.headers["Location"]
    response = post_form(client, "/login", {"phone": user.phone, "password": PASSWORD,
                                            "next": "/profile"})
    assert response.headers["Location"] == "/profile"


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user()
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = post_form(client, "/login?next=x", {"phone": user.phone, "password": PASSWORD,
                                                       "next": target})
        assert response.headers["Location"] == "/"
        post_form(client, "/logout", {}, page="/")


def test_changing_the_password(client, make_user, login):
    user = make_user()
    login(user)
    response = post_form(client, "/profile", {"current_password": "nope-nope",
                                              "new_password": "another-pass"})
    assert "当前密码不正确" in response.get_data(as_text=True)
    response = post_form(client, "/profile", {"current_password": PASSWORD,
                                              "new_password": "another-pass"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("another-pass")


def test_changing_the_password_ends_other_browsers_and_remember_me_cookies(app, client, make_user, login):
    user = make_user()
    other_browser, remembered = app.test_client(), app.test_client()
    log_in(other_browser, user)
    response = post_form(remembered, "/login", {"phone": user.phone, "password": PASSWORD,
                                                "remember": "y"})
    assert response.status_code == 302 and remembered.get_cookie("remember_token") is not None
    remembered.delete_cookie("session")  # the browser was closed; only remember-me is left
    assert remembered.get("/profile").status_code == 200
    login(user)
    assert post_form(client, "/profile", {"current_password": PASSWORD,
                                          "new_password": "another-pass"}).status_code == 302
    assert client.get("/profile").status_code == 200  # this browser stays logged in
    for browser in (other_browser, remembered):
        response = browser.get("/profile")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_for_a_logged_in_person_are_not_stored(client, make_user, login):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(make_user(Role.SOCIAL_WORKER))
    for page in ("/", "/staff/members", "/profile"):
        assert client.get(page).headers["Cache-Control"] == "no-store", page


def test_login_is_rate_limited(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    user = make_user()
    statuses = [post_form(client, "/login", {"phone": user.phone, "password": "bad-pass-1"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "尝试次数过多" in post_form(client, "/login", {"phone": user.phone,
                                                       "password": PASSWORD}).get_data(as_text=True)
