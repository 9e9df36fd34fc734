"""Every page names its icon, and /favicon.ico answers, so browsers stop asking into a 404."""

from tests.conftest import page


def test_favicon_is_served_and_linked_from_every_page(client):
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
        assert icon.mimetype == "image/vnd.microsoft.icon"
    html = page(client, "/login")
    assert 'rel="icon" href="/static/favicon.svg"' in html and 'href="/favicon.ico"' in html
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and b"<svg" in svg.data
