"""GET /api/v1/me/notifications and the member's channel choice on the profile page."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import page, post_form
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.notifications import services as notifications
from timebank.notifications.models import Delivery


def test_my_notifications_newest_first_paginated_and_not_marked_read(client, make_user, api_token,
                                                                       pinned_clock):
    me, other = make_user(), make_user()
    for number in range(3):
        notifications.notify(me.id, f"reminder:{number}", f"提醒{number}", f"内容{number}",
                             link=f"/volunteer/activities/{number}")
        pinned_clock.shift(timedelta(minutes=1))
    notifications.notify(other.id, "reminder:other", "别人的")
    db.session.commit()
    headers = api_token(me)
    response = client.get("/api/v1/me/notifications?per_page=2", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 2, 3)
    assert [item["title"] for item in body["items"]] == ["提醒2", "提醒1"]
    item = body["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    assert (item["kind"], item["body"], item["read_at"]) == ("reminder", "内容2", None)
    assert item["created_at"].endswith("+00:00")
    second = client.get("/api/v1/me/notifications?per_page=2&page=2", headers=headers).get_json()
    assert [item["title"] for item in second["items"]] == ["提醒0"]
    again = client.get("/api/v1/me/notifications", headers=headers).get_json()
    assert all(item["read_at"] is None for item in again["items"])  # GET marks nothing read


def test_the_inbox_page_marks_read_and_the_api_shows_it(client, make_user, login, api_token):
    me = make_user()
    notifications.notify(me.id, "reminder:1", "明天：长者探访")
    db.session.commit()
    headers = api_token(me)
    login(me)
    assert "明天：长者探访" in page(client, "/notifications/")
    [item] = client.get("/api/v1/me/notifications", headers=headers).get_json()["items"]
    assert item["read_at"] is not None


def test_my_notifications_need_a_login_and_are_in_the_openapi_document(client):
    assert client.get("/api/v1/me/notifications").status_code == 401
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/me/notifications"]["get"]
    assert "notifications" in operation["tags"]
    assert "NotificationPage" in str(operation["responses"]["200"])


def test_a_member_turns_sms_off_on_the_profile_page(client, make_user, login):
    me = make_user()
    login(me)
    html = page(client, "/profile")
    assert 'name="sms" value="on" checked' in html and "短信" in html and "微信" in html
    response = post_form(client, "/notifications/channels", {"wechat": "on"}, page="/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("#notice-channels")
    db.session.refresh(me)
    assert (me.notice_sms, me.notice_wechat) == (False, True)
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject == f"user:{me.id}", AuditEntry.action == "notifications.channels"))
    assert 'name="sms" value="on" checked' not in page(client, "/profile")
    notifications.notify(me.id, "reminder:2", "明天")
    db.session.commit()
    assert db.session.scalars(select(Delivery)).all() == []  # no SMS, and no openid for WeChat
