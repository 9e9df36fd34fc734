"""Tiered approval: a volunteer's scanned minutes in a day decide who approves (approved at
check-out up to 8 h, a station manager up to 12 h, the district above), hand-added minutes are
honour hours (荣誉时) for the station manager, and the quality evaluation recorded at approval."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.concurrency import run_at_once
from tests.conftest import page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local
from timebank.config import DEFAULTS
from timebank.extensions import db
from timebank.ledger.models import Transfer
from timebank.notifications.models import Notification
from volunteers.checkins import services as checkins
from volunteers.checkins.models import ApprovalPolicy, CheckIn, Purpose

DAY = "2026-12-16"  # the suite's day (SUITE_INSTANT is 10:00 that day, Shanghai)


@pytest.fixture
def tiers(make_station, make_staff, make_user, make_volunteer, make_activity):
    """A station approving at check-out with the district's tiers (480 / 720 minutes), its
    social worker and manager, a district administrator and a volunteer."""
    station, other = make_station(name="南沙街道"), make_station(name="黄阁镇")
    worker = make_staff(station, name="李社工")
    manager = make_staff(station, Role.STATION_MANAGER, name="黄主管")
    other_manager = make_staff(other, Role.STATION_MANAGER, name="王主管")
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    checkins.set_policy(station.id, by=admin, auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=True)
    db.session.commit()

    def serve(start: str, hours: float, *, title="长者探访", at=None, who=None):
        """Check `who` in at the start and out at the end of an activity at `start` today."""
        activity = make_activity(station, worker, title=title, start=f"{DAY}T{start}",
                                 hours=hours, allow_walk_ins=True)
        checkin, _created = checkins.check_in(activity, who or volunteer, at=activity.starts_at)
        checkins.check_out(checkin, activity, at=activity.ends_at)
        db.session.commit()
        return checkin

    return {"station": station, "other": other, "worker": worker, "manager": manager,
            "other_manager": other_manager, "admin": admin, "volunteer": volunteer,
            "serve": serve}


def approve_over_api(client, api_token, user, checkin, **body):
    return client.post(f"/api/v1/checkins/{checkin.id}/approve", headers=api_token(user),
                       json=body)


# --- approved at check-out --------------------------------------------------------------------

def test_a_two_hour_check_out_is_approved_at_once_with_no_ones_click(tiers):
    checkin = tiers["serve"]("08:00", 2)
    db.session.refresh(checkin)
    assert (checkin.status, checkin.minutes, checkin.decided_by_id) == ("approved", 120, None)
    transfer = db.session.get(Transfer, checkin.transfer_id)
    assert transfer.idempotency_key == f"checkin:{checkin.id}" and transfer.kind == "earn"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "checkin.approve"))
    assert entry.actor_id is None and entry.details["auto"] is True
    assert entry.subject == f"checkin:{checkin.id}"
    assert db.session.scalar(select(Notification.kind).where(
        Notification.user_id == tiers["volunteer"].id)) == "hours_approved"
    # Approving it again (a social worker's late click) posts nothing more.
    checkins.approve(checkin, by=tiers["worker"])
    assert db.session.scalar(select(func.count(Transfer.id))) == 1


def test_a_check_out_over_the_api_comes_back_approved(client, api_token, tiers, make_activity):
    from volunteers.checkins.services import make_code

    activity = make_activity(tiers["station"], tiers["worker"], start=f"{DAY}T08:30", hours=2,
                             allow_walk_ins=True)
    checkin, _ = checkins.check_in(activity, tiers["volunteer"], at=activity.starts_at)
    db.session.commit()
    headers = api_token(tiers["volunteer"])
    done = client.post(f"/api/v1/checkins/{checkin.id}/checkout", headers=headers,
                       json={"token": make_code(activity, Purpose.CHECKOUT)})
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "approved" and body["honour_minutes"] == 0
    assert body["evaluation"] is None


def test_a_station_that_does_not_approve_at_check_out_leaves_it_waiting(tiers):
    checkins.set_policy(tiers["station"].id, by=tiers["manager"], auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=False)
    db.session.commit()
    checkin = tiers["serve"]("08:00", 2)
    assert checkin.status == "closed"
    assert checkins.approve(checkin, by=tiers["worker"]).status == "approved"


def test_the_production_default_approves_at_check_out(app, make_station):
    assert DEFAULTS["APPROVE_AT_CHECKOUT"] is True
    assert (DEFAULTS["APPROVAL_AUTO_DAILY_MINUTES"],
            DEFAULTS["APPROVAL_MANAGER_DAILY_MINUTES"]) == (480, 720)
    station = make_station()
    app.config["APPROVE_AT_CHECKOUT"] = DEFAULTS["APPROVE_AT_CHECKOUT"]
    policy = checkins.policy_of(station.id)
    assert policy.approve_at_checkout is True and not policy.stored
    assert (policy.auto_approve_daily_minutes, policy.manager_limit_daily_minutes) == (480, 720)


# --- the tiers --------------------------------------------------------------------------------

def test_a_second_activity_over_eight_hours_waits_for_the_station_manager(
        client, api_token, tiers):
    first = tiers["serve"]("06:00", 2)
    second = tiers["serve"]("09:00", 7, title="社区运动会")  # 2 h + 7 h = 9 h that day
    db.session.refresh(first)
    assert first.status == "approved" and second.status == "closed"
    assert checkins.approval_need(second).tier == checkins.TIER_MANAGER

    refused = approve_over_api(client, api_token, tiers["worker"], second)
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "approval_tier"
    assert error["message"] == "当天累计超过8小时，需由社工站项目主管审核。"
    assert db.session.get(CheckIn, second.id).status == "closed"

    done = approve_over_api(client, api_token, tiers["manager"], second, evaluation="excellent")
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "approved"
    assert done.get_json()["evaluation"] == "excellent"


def test_another_stations_manager_cannot_approve_it(tiers):
    tiers["serve"]("06:00", 2)
    second = tiers["serve"]("09:00", 7)
    with pytest.raises(checkins.PermissionDenied):
        checkins.approve(second, by=tiers["other_manager"])


def test_the_day_counts_every_station_and_leaves_out_rejected_hours(
        tiers, make_staff, make_activity):
    other_worker = make_staff(tiers["other"], name="王社工")
    elsewhere = make_activity(tiers["other"], other_worker, start=f"{DAY}T06:00", hours=5,
                              allow_walk_ins=True)
    checkin, _ = checkins.check_in(elsewhere, tiers["volunteer"], at=elsewhere.starts_at)
    checkins.check_out(checkin, elsewhere, at=elsewhere.ends_at)  # 5 h: approved at once
    db.session.commit()
    here = tiers["serve"]("12:00", 4)  # 9 h across two stations
    assert here.status == "closed"
    checkins.reject(here, by=tiers["worker"], reason="未参与服务")
    db.session.commit()
    assert checkins.day_minutes(tiers["volunteer"].id, local(here.activity.starts_at).date()) == 300


def test_over_twelve_hours_needs_the_district_administrator(client, api_token, tiers):
    tiers["serve"]("05:00", 4)
    second = tiers["serve"]("09:00", 6)  # 10 h
    third = tiers["serve"]("15:00", 3)   # 13 h
    assert checkins.approval_need(third).tier == checkins.TIER_DISTRICT
    refused = approve_over_api(client, api_token, tiers["manager"], third)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == {
        "code": "approval_tier", "message": "当天累计超过12小时，需由区级管理员审核。",
        "fields": {}}
    done = approve_over_api(client, api_token, tiers["admin"], third)
    assert done.status_code == 200, done.get_json()
    # The day counts every waiting or approved check-in, whatever the order: the second one
    # is over 12 h as well.
    assert approve_over_api(client, api_token, tiers["manager"], second).status_code == 403
    assert approve_over_api(client, api_token, tiers["admin"], second).status_code == 200


def test_concurrent_check_outs_cannot_together_slip_under_the_limit(app, tiers, make_activity):
    """Two activities the same day, five hours each, checked out of at the same moment: one is
    approved at once, the other waits (real threads: on PostgreSQL the day total is read under
    the volunteer's row lock; SQLite writes one transaction at a time)."""
    volunteer_id = tiers["volunteer"].id
    ids = []
    for start in ("07:00", "12:00"):
        activity = make_activity(tiers["station"], tiers["worker"], start=f"{DAY}T{start}",
                                 hours=5, allow_walk_ins=True)
        checkin, _ = checkins.check_in(activity, tiers["volunteer"], at=activity.starts_at)
        ids.append(checkin.id)
    db.session.commit()

    def check_out(i):
        checkin = db.session.get(CheckIn, ids[i])
        return checkins.check_out(checkin, checkin.activity, at=checkin.activity.ends_at).status

    results = run_at_once(app, check_out, threads=2)
    assert sorted(results) == ["approved", "closed"], results
    assert db.session.scalar(select(func.count(Transfer.id))) == 1
    day = local(db.session.get(CheckIn, ids[0]).activity.starts_at).date()
    assert checkins.day_minutes(volunteer_id, day) == 600


# --- hand-entered and reduced minutes ---------------------------------------------------------

def _hours_export(client, login, user) -> list[str]:
    login(user)
    client.get("/lang/en")
    response = client.get("/reports/exports/hours.csv?month=2026-12", buffered=True)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    return dict(zip(rows[0], rows[-1], strict=True))


def test_an_addition_by_hand_needs_the_station_manager_and_counts_as_honour_hours(
        client, login, api_token, tiers, make_activity):
    def attend(start: str, *, late=0):
        activity = make_activity(tiers["station"], tiers["worker"], start=f"{DAY}T{start}",
                                 hours=2, allow_walk_ins=True)
        checkin, _ = checkins.check_in(activity, tiers["volunteer"],
                                       at=activity.starts_at + timedelta(minutes=late))
        checkins.check_out(checkin, activity, at=activity.ends_at)
        db.session.commit()
        return checkin

    first = attend("08:00", late=60)
    assert (first.minutes, first.status) == (60, "approved")  # scanned, approved at check-out
    checkins.set_policy(tiers["station"].id, by=tiers["manager"], auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=False)
    db.session.commit()

    # Scanned an hour late; the full two hours by hand are 60 minutes of 荣誉时.
    added = attend("14:00", late=60)
    assert (added.minutes, added.status) == (60, "closed")
    refused = approve_over_api(client, api_token, tiers["worker"], added, minutes=120,
                               reason="签到迟扫，社工确认全程在场")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "approval_tier"
    assert "项目主管" in refused.get_json()["error"]["message"]
    done = approve_over_api(client, api_token, tiers["manager"], added, minutes=120,
                            reason="签到迟扫，社工确认全程在场")
    assert done.status_code == 200
    assert (done.get_json()["minutes"], done.get_json()["honour_minutes"]) == (120, 60)

    # A reduction (left early) by the social worker stays scanned time (信用时).
    reduced = attend("17:00")
    cut = approve_over_api(client, api_token, tiers["worker"], reduced, minutes=90,
                           reason="中途离场半小时")
    assert cut.status_code == 200
    assert (cut.get_json()["minutes"], cut.get_json()["honour_minutes"]) == (90, 0)
    db.session.expire_all()
    assert db.session.get(CheckIn, reduced.id).adjusted  # changed by hand, still 信用时

    totals = _hours_export(client, login, tiers["admin"])
    assert totals["Scanned minutes"] == str(60 + 60 + 90)
    assert totals["Honour minutes"] == "60"
    assert totals["Total minutes"] == str(60 + 120 + 90)


# --- evaluation -------------------------------------------------------------------------------

def test_an_evaluation_is_recorded_at_approval_and_can_be_set_later(client, api_token, tiers):
    checkins.set_policy(tiers["station"].id, by=tiers["manager"], auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=False)
    db.session.commit()
    waiting = tiers["serve"]("08:00", 2)
    bad = approve_over_api(client, api_token, tiers["worker"], waiting, evaluation="superb")
    assert bad.status_code == 422 and "evaluation" in bad.get_json()["error"]["fields"]
    long = approve_over_api(client, api_token, tiers["worker"], waiting, evaluation="good",
                            evaluation_comment="好" * 301)
    assert long.status_code == 422 and "evaluation_comment" in long.get_json()["error"]["fields"]
    done = approve_over_api(client, api_token, tiers["worker"], waiting, evaluation="good",
                            evaluation_comment="准时到场，耐心细致")
    assert done.status_code == 200
    db.session.expire_all()
    checkin = db.session.get(CheckIn, waiting.id)
    assert (checkin.evaluation, checkin.evaluation_comment, checkin.recorded_by_id) == (
        "good", "准时到场，耐心细致", tiers["worker"].id)

    checkins.record_evaluation(checkin, by=tiers["manager"], evaluation="excellent",
                               comment="表现突出")
    db.session.commit()
    assert (checkin.evaluation, checkin.recorded_by_id) == ("excellent", tiers["manager"].id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "checkin.evaluate"))
    assert entry.details["evaluation"] == ["good", "excellent"]
    with pytest.raises(checkins.InvalidInput):
        checkins.record_evaluation(checkin, by=tiers["manager"], evaluation="bad")


def test_an_auto_approved_check_in_is_evaluated_afterwards_on_the_station_page(
        client, login, tiers):
    checkin = tiers["serve"]("08:00", 2)
    assert checkin.evaluation is None and checkin.recorded_by_id is None
    login(tiers["worker"])
    response = post_form(client, f"/station/checkins/{checkin.id}/evaluation",
                         {"evaluation": "pass", "evaluation_comment": "",
                          "next": "/station/approvals?status=approved"},
                         page="/station/approvals?status=approved")
    assert response.headers["Location"] == "/station/approvals?status=approved"
    html = page(client, "/station/approvals?status=approved")
    assert "合格" in html and "签退时自动审核" in html
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).recorded_by_id == tiers["worker"].id


# --- the inbox --------------------------------------------------------------------------------

def test_the_inbox_names_who_must_approve_and_its_bulk_approval_skips_those_rows(
        client, login, tiers, make_volunteer):
    checkins.set_policy(tiers["station"].id, by=tiers["manager"], auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=False)
    db.session.commit()
    neighbour = make_volunteer(tiers["station"].town.communities[0], name="黄志强")
    short = tiers["serve"]("06:00", 2, who=neighbour)
    tiers["serve"]("06:00", 2)
    long = tiers["serve"]("09:00", 7)  # 陈晓敏: 9 h that day, both her check-ins wait
    login(tiers["worker"])
    html = page(client, "/station/approvals")
    assert "需项目主管审核（当天9小时）" in html
    response = post_form(client, "/station/approvals/approve",
                         {"checkin_ids": [short.id, long.id], "evaluation": "good"},
                         page="/station/approvals", follow_redirects=True)
    html = response.data.decode()
    assert "陈晓敏" in html and "需由社工站项目主管审核" in html
    db.session.expire_all()
    assert db.session.get(CheckIn, short.id).status == "approved"
    assert db.session.get(CheckIn, short.id).evaluation == "good"
    assert db.session.get(CheckIn, long.id).status == "closed"


# --- the policy -------------------------------------------------------------------------------

def test_the_approval_policy_api(client, api_token, tiers, make_station):
    station = tiers["station"]
    url = f"/api/v1/stations/{station.id}/approval-policy"
    read = client.get(url, headers=api_token(tiers["worker"]))
    assert read.status_code == 200
    assert read.get_json() == {"station_id": station.id, "auto_approve_daily_minutes": 480,
                               "manager_limit_daily_minutes": 720, "approve_at_checkout": True}
    assert client.get(url, headers=api_token(tiers["other_manager"])).status_code == 403
    assert client.get(f"/api/v1/stations/{station.id + 999}/approval-policy",
                      headers=api_token(tiers["admin"])).status_code == 404

    change = {"auto_approve_daily_minutes": 360, "manager_limit_daily_minutes": 600}
    assert client.put(url, headers=api_token(tiers["worker"]), json=change).status_code == 403
    assert client.put(url, headers=api_token(tiers["other_manager"]),
                      json=change).status_code == 403
    for body, field in (({"auto_approve_daily_minutes": 800, "manager_limit_daily_minutes": 600},
                         "auto_approve_daily_minutes"),
                        ({"auto_approve_daily_minutes": 60, "manager_limit_daily_minutes": 1441},
                         "manager_limit_daily_minutes"),
                        ({"auto_approve_daily_minutes": -1, "manager_limit_daily_minutes": 600},
                         "auto_approve_daily_minutes"),
                        ({"auto_approve_daily_minutes": 1.5, "manager_limit_daily_minutes": 600},
                         "auto_approve_daily_minutes")):
        refused = client.put(url, headers=api_token(tiers["manager"]), json=body)
        assert refused.status_code == 422, body
        assert field in refused.get_json()["error"]["fields"]
    done = client.put(url, headers=api_token(tiers["manager"]), json=change)
    assert done.status_code == 200
    assert done.get_json() == {"station_id": station.id, "auto_approve_daily_minutes": 360,
                               "manager_limit_daily_minutes": 600, "approve_at_checkout": True}
    row = db.session.get(ApprovalPolicy, station.id)
    assert (row.auto_approve_daily_minutes, row.updated_by_id) == (360, tiers["manager"].id)
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "approval_policy.update").order_by(AuditEntry.id.desc())).first()
    assert entry.actor_id == tiers["manager"].id
    assert entry.details["changes"] == {"auto_approve_daily_minutes": [480, 360],
                                        "manager_limit_daily_minutes": [720, 600]}
    # A station that never set its own follows the district.
    fresh = make_station()
    assert client.get(f"/api/v1/stations/{fresh.id}/approval-policy",
                      headers=api_token(tiers["admin"])).get_json()["approve_at_checkout"] is False


def test_the_policy_page_edits_for_the_manager_and_shows_read_only_to_social_workers(
        client, login, tiers):
    login(tiers["worker"])
    html = page(client, "/station/approval-policy")
    assert "审核规则" in html and "disabled" in html and 'type="submit"' not in html.split(
        "<form method=\"post\" novalidate>")[1]
    assert post_form(client, "/station/approval-policy",
                     {"auto_approve_daily_minutes": "60", "manager_limit_daily_minutes": "120"},
                     page="/station/approval-policy").status_code == 403


def test_the_station_manager_changes_the_rules_on_the_policy_page(client, login, tiers):
    login(tiers["manager"])
    bad = post_form(client, "/station/approval-policy",
                    {"auto_approve_daily_minutes": "900", "manager_limit_daily_minutes": "600"},
                    page="/station/approval-policy")
    assert bad.status_code == 422 and "不能超过" in bad.data.decode()
    done = post_form(client, "/station/approval-policy",
                     {"auto_approve_daily_minutes": "240", "manager_limit_daily_minutes": "600"},
                     page="/station/approval-policy")
    assert done.status_code == 302
    policy = checkins.policy_of(tiers["station"].id)
    assert (policy.auto_approve_daily_minutes, policy.manager_limit_daily_minutes,
            policy.approve_at_checkout) == (240, 600, False)  # the box was left unticked


def test_the_volunteer_sees_the_hours_approved_when_checking_out(client, login, tiers,
                                                                 make_activity):
    from volunteers.checkins.services import make_code

    activity = make_activity(tiers["station"], tiers["worker"], start=f"{DAY}T08:30", hours=2,
                             allow_walk_ins=True)
    checkins.check_in(activity, tiers["volunteer"], at=activity.starts_at)
    db.session.commit()
    login(tiers["volunteer"])
    token = make_code(activity, Purpose.CHECKOUT)
    response = post_form(client, f"/c/{token}", {}, page=f"/c/{token}")
    assert response.status_code == 200
    assert "已审核通过，时长已计入您的账户。" in response.data.decode()
