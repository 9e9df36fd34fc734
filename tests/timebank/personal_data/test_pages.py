"""我的数据 and the staff pages: the download, a correction request answered by the station,
an erasure carried out by the station manager from a paper request, and the retention review."""

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import PASSWORD, page, post_form
from tests.timebank.personal_data.conftest import NAME
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import now
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.personal_data import services as personal
from timebank.personal_data.models import (
    ProfileCorrectionRequest,
    RetentionReview,
)


def test_my_data_page_summarises_and_downloads(client, login, person):
    login(person["volunteer"])
    html = page(client, "/me/data/")
    assert "我的数据" in html and "签到记录" in html and "下载我的数据" in html
    assert "捐给社区互助池" in html or "互助池" in html
    response = client.get("/me/data/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_json()["user_id"] == person["volunteer"].id


def test_the_export_is_rate_limited(make_app, person):
    limited = make_app(RATELIMIT_ENABLED=True, PERSONAL_DATA_EXPORT_LIMIT="2 per hour")
    client = limited.test_client()
    token = client.post("/api/v1/auth/token", json={"phone": person["volunteer"].phone,
                                                    "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [client.get("/api/v1/me/export", headers=headers).status_code for _i in range(3)]
    assert statuses == [200, 200, 429]


def test_a_correction_request_is_answered_by_the_station(client, login, person):
    volunteer, worker = person["volunteer"], person["worker"]
    login(volunteer)
    response = post_form(client, "/me/data/corrections",
                         {"field": "name", "problem": "错了一个字", "correct_value": "陈晓明"},
                         page="/me/data/")
    assert response.status_code == 302
    post_form(client, "/logout", {}, page="/me/data/")
    login(worker)
    html = page(client, "/station/personal-data/")
    assert "错了一个字" in html and "陈晓明" in html
    request = db.session.scalar(select(ProfileCorrectionRequest).where(
        ProfileCorrectionRequest.field == "name"))
    response = post_form(client, f"/station/personal-data/corrections/{request.id}/resolve",
                         {"outcome": "refused", "reason": "请带身份证到站点核对"},
                         page="/station/personal-data/")
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == "refused" and request.resolved_by_id == worker.id
    assert db.session.scalar(select(AuditEntry.actor_id).where(
        AuditEntry.action == "personal_data.correction_resolved")) == worker.id
    told = db.session.scalar(select(Notification).where(
        Notification.user_id == volunteer.id,
        Notification.key == f"profile-correction:{request.id}:answer"))
    assert told is not None and "请带身份证到站点核对" in told.body


def test_the_station_manager_carries_out_a_paper_request(client, login, person):
    volunteer, manager = person["volunteer"], person["manager"]
    login(manager)
    html = page(client, f"/station/personal-data/members/{volunteer.id}/erase")
    assert NAME in html
    response = post_form(client, f"/station/personal-data/members/{volunteer.id}/erase",
                         {"paper_date": "2026-12-15", "reason": "本人书面申请注销"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(personal.User, volunteer.id).erased_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "personal_data.erased"))
    assert entry.actor_id == manager.id and entry.details["paper_date"] == "2026-12-15"
    assert entry.reason == "本人书面申请注销"


def test_a_social_worker_cannot_erase_and_another_station_cannot(
        client, login, person, make_station, make_staff):
    volunteer = person["volunteer"]
    login(person["worker"])
    assert client.get(f"/station/personal-data/members/{volunteer.id}/erase").status_code == 403
    post_form(client, "/logout", {}, page="/station/personal-data/")
    other = make_staff(make_station(), Role.STATION_MANAGER, name="别站主管")
    login(other)
    assert client.get(f"/station/personal-data/members/{volunteer.id}/erase").status_code == 403


def test_inactive_accounts_are_flagged_and_decided(client, login, runner, make_user, app):
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    sleeper = make_user(name="久未登录")
    sleeper.created_at = now() - timedelta(days=365 * 4)
    sleeper.last_seen_at = now() - timedelta(days=365 * 4)
    db.session.commit()
    result = runner.invoke(args=["personal-data", "review"])
    assert result.exit_code == 0 and "flagged 1" in result.output
    assert runner.invoke(args=["personal-data", "review"]).output.startswith("flagged 0")
    review = db.session.scalar(select(RetentionReview))
    login(admin)
    html = page(client, "/admin/retention/")
    assert "久未登录" in html
    response = post_form(client, f"/admin/retention/{review.id}/decide",
                         {"decision": "erase", "reason": "超过保存期限"}, page="/admin/retention/")
    assert response.status_code == 302
    db.session.expire_all()
    assert review.status == "erased"
    assert db.session.get(personal.User, sleeper.id).name == f"已注销用户 #{sleeper.id}"


def test_last_seen_is_written_once_a_day(client, login, make_user):
    user = make_user(name="常来")
    login(user)
    page(client, "/me/data/")
    db.session.expire_all()
    first = db.session.get(personal.User, user.id).last_seen_at
    assert first is not None
    page(client, "/me/data/")
    db.session.expire_all()
    assert db.session.get(personal.User, user.id).last_seen_at == first
