"""The audit log viewer: district administrators only, filtered by user, action and date."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import log_in
from timebank.accounts.permissions import Role
from timebank.audit import services as audit
from timebank.audit.models import AuditEntry
from timebank.clock import zone
from timebank.extensions import db


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=zone())


@pytest.fixture
def log(make_user):
    """Four entries by two people and the system on three days."""
    admin = make_user(Role.DISTRICT_ADMIN, name="黄建国")
    worker = make_user(Role.SOCIAL_WORKER, name="李志华")
    volunteer = make_user(name="陈晓敏")
    db.session.query(AuditEntry).delete()
    for action, actor, day, reason in (
            ("checkin.approve", worker, "2026-11-01", "按签到时长"),
            ("ledger.adjust", worker, "2026-11-05", "<script>alert(1)</script>补录"),
            ("ledger.transfer", volunteer, "2026-11-05", None),
            ("scheduler.close_open_checkins", None, "2026-11-09", None)):
        entry = audit.record(action, "checkin:1", actor=actor, reason=reason, minutes=60)
        entry.at = at(day)
    db.session.commit()
    return {"admin": admin, "worker": worker, "volunteer": volunteer}


def rows(client, **query) -> list[str]:
    response = client.get("/admin/audit/", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [action for action in ("checkin.approve", "ledger.adjust", "ledger.transfer",
                                  "scheduler.close_open_checkins") if f"<code>{action}</code>" in html]


def test_a_district_administrator_sees_every_entry_newest_first(client, log):
    log_in(client, log["admin"])
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert html.index("<code>scheduler.close_open_checkins</code>") < html.index(
        "<code>ledger.transfer</code>") < html.index("<code>checkin.approve</code>")
    assert "系统" in html and "李志华" in html and log["worker"].phone in html


def test_filters_by_user_action_and_day(client, log):
    log_in(client, log["admin"])
    assert rows(client, user="李志华") == ["checkin.approve", "ledger.adjust"]
    assert rows(client, user=log["volunteer"].phone) == ["ledger.transfer"]
    assert rows(client, user=str(log["volunteer"].id)) == ["ledger.transfer"]
    assert rows(client, action="ledger.") == ["ledger.adjust", "ledger.transfer"]
    assert rows(client, action="checkin.approve") == ["checkin.approve"]
    assert rows(client, **{"from": "2026-11-05", "to": "2026-11-05"}) == ["ledger.adjust", "ledger.transfer"]
    assert rows(client, user="李志华", action="ledger.", **{"from": "2026-11-02"}) == ["ledger.adjust"]
    assert rows(client, user="没有这个人") == []


def test_the_day_filter_follows_the_platform_zone(client, log):
    """An entry at 07:30 Shanghai time on the 10th is 23:30 UTC on the 9th: it belongs to the 10th."""
    entry = audit.record("test.early", None, actor=log["worker"])
    entry.at = at("2026-11-10", 7) + timedelta(minutes=30)
    db.session.commit()
    log_in(client, log["admin"])
    html = client.get("/admin/audit/", query_string={"from": "2026-11-10", "to": "2026-11-10"}).get_data(
        as_text=True)
    assert "<code>test.early</code>" in html
    assert "<code>scheduler.close_open_checkins</code>" not in html


def test_bad_dates_are_explained_and_output_is_escaped(client, log):
    log_in(client, log["admin"])
    html = client.get("/admin/audit/", query_string={"from": "2026-02-30"}).get_data(as_text=True)
    assert "请按 YYYY-MM-DD 格式填写日期" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_only_district_administrators_may_read_it(app, client, log, make_user):
    for role in (Role.STATION_MANAGER, Role.SOCIAL_WORKER, Role.RESIDENT):
        other = app.test_client()
        log_in(other, make_user(role))
        assert other.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/").status_code == 302


def test_actions_read_as_words_and_details_as_old_to_new_lines(client, make_user):
    admin = make_user(Role.DISTRICT_ADMIN, name="黄建国")
    audit.record("org.station.update", "stations:3", actor=admin, reason="搬迁",
                 changes={"address": ["黄阁大道 1 号", "黄阁大道 9 号"], "phone": [None, "020-1234"]})
    audit.record("checkin.approve", "checkin:7", actor=admin, minutes=90, adjusted=True)
    audit.record("activity.update", "activity:5", actor=admin, fields=["place", "starts_at"])
    audit.record("merchant.approve", "user:9", actor=admin, old="pending", new="approved")
    audit.record("something.new", None, actor=admin, note="x")
    db.session.commit()
    log_in(client, admin)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "修改社工站" in html and "审核通过时长" in html and "商家审核通过" in html
    assert "<code>something.new</code>" in html, "an unknown code is shown as it is"
    assert "<span>地址: 黄阁大道 1 号 → 黄阁大道 9 号</span>" in html
    assert "<span>电话: — → 020-1234</span>" in html
    assert "<span>分钟: 90</span>" in html and "<span>修改的字段: 地点、开始时间</span>" in html
    assert "<span>状态: pending → approved</span>" in html
    assert "签到记录 #7" in html and "活动 #5" in html and "社工站 #3" in html
    assert "<span>人工调整: 是</span>" in html
    assert "{&#39;" not in html and "[&#39;" not in html, "no Python dicts or lists"
