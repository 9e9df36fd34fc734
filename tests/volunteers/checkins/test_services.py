"""QR check-in and check-out, minutes, approval into the ledger, and the scheduled jobs."""

import io
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.concurrency import run_at_once
from tests.conftest import log_in, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import now
from timebank.errors import Conflict
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer
from timebank.notifications.models import Notification
from volunteers import jobs
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn, Purpose

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def event(make_station, make_staff, make_volunteer, make_activity):
    """An activity running now (started 30 minutes ago, 2 hours long) with one signed-up volunteer."""
    station = make_station()
    worker = make_staff(station, name="李社工")
    start = now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    activity = make_activity(station, worker, title="重阳敬老探访", start=start, hours=2)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activities.sign_up(activity, volunteer)
    db.session.commit()
    return {"station": station, "worker": worker, "activity": activity, "volunteer": volunteer}


def count_checkins() -> int:
    return db.session.scalar(select(func.count(CheckIn.id)))


def path_of(url: str) -> str:
    return urlsplit(url).path


# --- scanning through HTTP --------------------------------------------------------------------

def test_the_event_qr_decodes_to_a_url_that_checks_the_volunteer_in(app, client, event, login):
    import zxingcpp
    from PIL import Image

    login(event["worker"])
    png = client.get(f"/station/activities/{event['activity'].id}/code.png?purpose=checkin")
    assert png.status_code == 200 and png.mimetype == "image/png"
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    url = barcode.text
    assert url.startswith("http://localhost/c/")

    volunteer = app.test_client()
    log_in(volunteer, event["volunteer"])
    page = volunteer.get(path_of(url)).get_data(as_text=True)
    assert "重阳敬老探访" in page and "立即签到" in page
    done = post_form(volunteer, path_of(url), {})
    assert "已签到" in done.get_data(as_text=True)
    checkin = db.session.scalar(select(CheckIn))
    assert checkin.user_id == event["volunteer"].id and checkin.status == "open"
    assert activities.live_sign_up(event["activity"], event["volunteer"]).attendance == "attended"


def test_a_volunteer_who_is_not_logged_in_logs_in_and_lands_back(app, client, event):
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    response = client.get(f"/c/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/login?next=/c/{token}")
    login_page = post_form(client, "/login", {"phone": event["volunteer"].phone,
                                              "password": "correct horse 9", "next": f"/c/{token}"})
    assert login_page.headers["Location"] == f"/c/{token}"
    assert "立即签到" in client.get(f"/c/{token}").get_data(as_text=True)


def test_a_code_seen_fresh_still_works_after_a_slow_login(app, client, event, monkeypatch):
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    client.get(f"/c/{token}")  # seen while fresh, then the volunteer logs in slowly
    monkeypatch.setattr(checkins, "ROTATING_CODE_LIFETIME", -1)
    log_in(client, event["volunteer"])
    assert "已签到" in post_form(client, f"/c/{token}", {}).get_data(as_text=True)
    other = app.test_client()  # a phone that never saw it fresh
    log_in(other, event["worker"])
    assert other.get(f"/c/{token}").status_code == 400


@pytest.mark.parametrize("mangle", [lambda t: t[:-4] + "AAAA", lambda t: "not-a-code-at-all-xyz"])
def test_forged_codes_are_refused_and_change_nothing(client, event, login, mangle):
    login(event["volunteer"])
    token = mangle(checkins.make_code(event["activity"], Purpose.CHECKIN))
    page = client.get(f"/c/{token}")
    assert page.status_code == 400 and "二维码无效" in page.get_data(as_text=True)
    assert post_form(client, f"/c/{token}", {}, page="/").status_code == 400
    assert count_checkins() == 0


def test_expired_code_is_refused_and_changes_nothing(client, event, login, monkeypatch):
    login(event["volunteer"])
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    monkeypatch.setattr(checkins, "ROTATING_CODE_LIFETIME", -1)
    response = client.get(f"/c/{token}")
    assert response.status_code == 400 and "二维码已过期" in response.get_data(as_text=True)
    assert count_checkins() == 0


def test_scanning_again_shows_the_existing_check_in(client, event, login):
    login(event["volunteer"])
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    post_form(client, f"/c/{token}", {})
    again = client.get(f"/c/{token}").get_data(as_text=True)
    assert "您已于" in again and "立即签到" not in again
    assert "已签到" in post_form(client, f"/c/{token}", {}).get_data(as_text=True)
    assert count_checkins() == 1


def test_check_out_then_a_replayed_check_in_code_is_refused(client, event, login):
    login(event["volunteer"])
    code_in = checkins.make_code(event["activity"], Purpose.CHECKIN)
    post_form(client, f"/c/{code_in}", {})
    code_out = checkins.make_code(event["activity"], Purpose.CHECKOUT)
    done = post_form(client, f"/c/{code_out}", {}).get_data(as_text=True)
    assert "已签退" in done
    checkin = db.session.scalar(select(CheckIn))
    before = (checkin.status, checkin.checked_out_at, checkin.minutes)
    replay = post_form(client, f"/c/{code_in}", {}, page="/")
    assert replay.status_code == 409 and "您已签退" in replay.get_data(as_text=True)
    db.session.refresh(checkin)
    assert (checkin.status, checkin.checked_out_at, checkin.minutes) == before
    assert count_checkins() == 1


def test_not_signed_up_is_refused_unless_walk_ins_are_allowed(client, event, login, make_volunteer):
    stranger = make_volunteer(event["station"].town.communities[0], name="路人")
    login(stranger)
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    refused = post_form(client, f"/c/{token}", {})
    assert refused.status_code == 409 and "您没有报名" in refused.get_data(as_text=True)
    assert count_checkins() == 0
    activities.update_activity(event["activity"], event["worker"], {"allow_walk_ins": True})
    db.session.commit()
    assert "已签到" in post_form(client, f"/c/{token}", {}).get_data(as_text=True)
    assert activities.live_sign_up(event["activity"], stranger).status == "confirmed"


def test_a_resident_with_no_volunteer_profile_walks_in_by_the_age_rule(event, make_user):
    """An account with no volunteer profile (an age unknown) was a 500; it is checked as any
    other unknown age: in without a minimum age, refused with a reason under one."""
    resident = make_user(Role.RESIDENT, name="新居民")
    activity = event["activity"]
    activities.update_activity(activity, event["worker"], {"allow_walk_ins": True, "min_age": 16})
    with pytest.raises(Conflict) as refused:
        checkins.check_in(activity, resident)
    assert refused.value.code == "age_unknown" and count_checkins() == 0
    activities.update_activity(activity, event["worker"], {"min_age": None})
    checkin, created = checkins.check_in(activity, resident)
    assert created and checkin.user_id == resident.id


def test_too_early_and_too_late(make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    volunteer = make_volunteer(station.town.communities[0])
    start = now() + timedelta(hours=2)
    activity = make_activity(station, worker, start=start, hours=1)
    activities.sign_up(activity, volunteer)
    with pytest.raises(checkins.CheckInRefused) as early:
        checkins.check_in(activity, volunteer)
    assert early.value.code == "too_early"
    checkin, created = checkins.check_in(activity, volunteer, at=start - timedelta(minutes=20))
    assert created
    with pytest.raises(checkins.CheckInRefused) as late:
        checkins.check_in(activity, make_volunteer(station.town.communities[0]),
                          at=start + timedelta(hours=1))
    assert late.value.code in ("too_late", "not_signed_up")


def test_wrong_event_and_wrong_purpose_codes_are_refused_by_the_api(
        client, event, api_token, make_activity):
    other = make_activity(event["station"], event["worker"], title="别的活动",
                          start=event["activity"].starts_at + timedelta(hours=3))
    headers = api_token(event["volunteer"])
    code_out = checkins.make_code(event["activity"], Purpose.CHECKOUT)
    wrong_purpose = client.post("/api/v1/checkins", json={"token": code_out}, headers=headers)
    assert wrong_purpose.status_code == 400
    assert wrong_purpose.get_json()["error"]["code"] == "wrong_purpose"
    created = client.post("/api/v1/checkins", headers=headers, json={
        "token": checkins.make_code(event["activity"], Purpose.CHECKIN)})
    assert created.status_code == 201
    checkin_id = created.get_json()["id"]
    wrong_event = client.post(f"/api/v1/checkins/{checkin_id}/checkout", headers=headers, json={
        "token": checkins.make_code(other, Purpose.CHECKOUT)})
    assert wrong_event.status_code == 400
    assert wrong_event.get_json()["error"]["code"] == "wrong_event"
    assert db.session.get(CheckIn, checkin_id).status == "open"


def test_api_check_in_twice_returns_the_same_check_in_with_200(client, event, api_token):
    headers = api_token(event["volunteer"])
    token = checkins.make_code(event["activity"], Purpose.CHECKIN)
    first = client.post("/api/v1/checkins", json={"token": token}, headers=headers)
    again = client.post("/api/v1/checkins", json={"token": token}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    body = first.get_json()
    assert set(body) >= {"id", "activity_id", "user_id", "status", "checked_in_at",
                         "checked_out_at", "minutes"}
    assert body["status"] == "open" and body["minutes"] is None


def test_api_checkin_code_is_for_staff_of_the_station(client, event, api_token, make_station,
                                                      make_staff):
    response = client.get(f"/api/v1/activities/{event['activity'].id}/checkin-code?purpose=checkout",
                          headers=api_token(event["worker"]))
    body = response.get_json()
    assert response.status_code == 200 and set(body) == {"token", "url", "expires_at"}
    assert body["url"].endswith(f"/c/{body['token']}")
    stranger = make_staff(make_station())
    assert client.get(f"/api/v1/activities/{event['activity'].id}/checkin-code",
                      headers=api_token(stranger)).status_code == 403
    assert client.get(f"/api/v1/activities/{event['activity'].id}/checkin-code",
                      headers=api_token(event["volunteer"])).status_code == 403


# --- minutes ----------------------------------------------------------------------------------

def _activity(start: str, end: str, **fields):
    starts = datetime.fromisoformat(start).replace(tzinfo=SHANGHAI)
    ends = datetime.fromisoformat(end).replace(tzinfo=SHANGHAI)
    return activities.Activity(starts_at=starts, ends_at=ends, credit_mode="scanned", **fields)


def _at(moment: str) -> datetime:
    return datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(("checked_in", "checked_out", "expected"), [
    ("2030-03-05 09:00", "2030-03-05 11:00", 120),   # on time
    ("2030-03-05 08:20", "2030-03-05 10:00", 60),    # early arrival earns nothing extra
    ("2030-03-05 09:00", "2030-03-05 13:30", 120),   # late check-out stops at the end
    ("2030-03-05 09:07", "2030-03-05 10:50", 90),    # 103 minutes round down to 90
    ("2030-03-05 10:00", "2030-03-05 10:14", 0),     # under one step
])
def test_minutes_are_clipped_to_the_window_and_rounded_down(app, checked_in, checked_out,
                                                             expected):
    activity = _activity("2030-03-05 09:00", "2030-03-05 11:00")
    assert checkins.credited_minutes(activity, _at(checked_in), _at(checked_out)) == expected


def test_minutes_across_midnight(app):
    activity = _activity("2030-03-05 22:00", "2030-03-06 02:00")
    assert checkins.credited_minutes(activity, _at("2030-03-05 21:40"),
                                     _at("2030-03-06 01:35")) == 210


def test_rounding_is_configurable_and_fixed_credit_wins(app):
    app.config["CHECKIN_ROUNDING_MINUTES"] = 1
    activity = _activity("2030-03-05 09:00", "2030-03-05 11:00")
    assert checkins.credited_minutes(activity, _at("2030-03-05 09:07"), _at("2030-03-05 10:50")) == 103
    fixed = _activity("2030-03-05 09:00", "2030-03-05 11:00")
    fixed.credit_mode, fixed.fixed_minutes = "fixed", 60
    assert checkins.credited_minutes(fixed, _at("2030-03-05 09:30"), _at("2030-03-05 09:45")) == 60


def test_forgotten_check_out_is_closed_with_no_minutes_and_flagged(event, make_staff):
    checkin, _ = checkins.check_in(event["activity"], event["volunteer"])
    db.session.commit()
    later = event["activity"].ends_at + checkins.CHECKOUT_GRACE + timedelta(minutes=1)
    assert checkins.close_forgotten(at=event["activity"].ends_at) == 0
    assert checkins.close_forgotten(at=later) == 1
    assert checkins.close_forgotten(at=later) == 0
    db.session.refresh(checkin)
    assert (checkin.status, checkin.minutes, checkin.flagged) == ("auto_closed", 0, True)
    with pytest.raises(checkins.InvalidInput):
        checkins.approve(checkin, by=event["worker"])
    with pytest.raises(checkins.InvalidInput):
        checkins.approve(checkin, by=event["worker"], minutes=90)
    # Minutes typed in for a forgotten check-out are hand-entered (荣誉时): the station manager's.
    with pytest.raises(checkins.ApprovalTierRefused):
        checkins.approve(checkin, by=event["worker"], minutes=90, reason="忘记签退，社工确认在场")
    manager = make_staff(event["station"], Role.STATION_MANAGER, name="黄主管")
    approved = checkins.approve(checkin, by=manager, minutes=90, reason="忘记签退，社工确认在场")
    assert approved.adjusted and approved.minutes == 90 and approved.honour_minutes == 90


# --- approval ---------------------------------------------------------------------------------

def _closed(event, minutes_in=0, minutes_out=90):
    start = event["activity"].starts_at
    checkin, _ = checkins.check_in(event["activity"], event["volunteer"],
                                   at=start + timedelta(minutes=minutes_in))
    checkins.check_out(checkin, event["activity"], at=start + timedelta(minutes=minutes_out))
    db.session.commit()
    return checkin


def test_approval_posts_once_and_the_volunteer_sees_the_hours(client, event, login, app):
    checkin = _closed(event)
    login(event["worker"])
    page = client.get(f"/station/activities/{event['activity'].id}/approvals").get_data(as_text=True)
    assert "陈晓敏" in page and "90" in page
    for _ in range(2):
        post_form(client, f"/station/checkins/{checkin.id}/approve", {"minutes": "", "reason": ""},
                  page=f"/station/activities/{event['activity'].id}/approvals")
    assert db.session.scalar(select(func.count(Transfer.id))) == 1
    transfer = ledger.find_transfer(f"checkin:{checkin.id}")
    assert transfer.kind == "earn" and transfer.posted_by_id == event["worker"].id
    assert ledger_queries.balance(ledger.member_account(event["volunteer"])) == 90
    volunteer = app.test_client()
    log_in(volunteer, event["volunteer"])
    statement = volunteer.get("/hours/").get_data(as_text=True)
    assert "重阳敬老探访" in statement and "1小时30分钟" in statement
    assert ledger_queries.verify() == []


def test_a_social_worker_of_another_station_cannot_approve(client, event, login, make_station,
                                                           make_staff, api_token):
    checkin = _closed(event)
    outsider = make_staff(make_station())
    headers = api_token(outsider)
    assert client.post(f"/api/v1/checkins/{checkin.id}/approve", json={},
                       headers=headers).status_code == 403
    login(outsider)
    assert client.get(f"/station/activities/{event['activity'].id}/approvals").status_code == 403
    db.session.refresh(checkin)
    assert checkin.status == "closed" and ledger.find_transfer(f"checkin:{checkin.id}") is None


def test_changing_minutes_needs_a_reason_and_rejecting_too(client, event, api_token):
    checkin = _closed(event)
    headers = api_token(event["worker"])
    url = f"/api/v1/checkins/{checkin.id}"
    no_reason = client.post(f"{url}/approve", json={"minutes": 60}, headers=headers)
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    assert client.post(f"{url}/reject", json={}, headers=headers).status_code == 422
    approved = client.post(f"{url}/approve", json={"minutes": 60, "reason": "中途离开"},
                           headers=headers)
    assert approved.status_code == 200 and approved.get_json()["minutes"] == 60
    assert approved.get_json()["status"] == "approved"
    assert client.post(f"{url}/reject", json={"reason": "晚了"}, headers=headers).status_code == 409


def test_approve_all_skips_flagged_and_open_check_ins(event, make_volunteer):
    checkin = _closed(event)
    other = make_volunteer(event["station"].town.communities[0])
    activities.sign_up(event["activity"], other)
    checkins.check_in(event["activity"], other)
    assert checkins.approve_all(event["activity"], by=event["worker"]) == 1
    assert checkin.status == "approved"


def test_an_approval_given_its_moment_is_decided_and_posted_then(event):
    checkin = _closed(event)
    moment = now() - timedelta(days=3, hours=2)
    checkins.approve(checkin, by=event["worker"], at=moment)
    db.session.commit()
    transfer = ledger.find_transfer(f"checkin:{checkin.id}")
    assert transfer.posted_at == moment and checkin.decided_at == moment
    assert checkins.approve(checkin, by=event["worker"]).decided_at == moment
    assert db.session.scalar(select(func.count(Transfer.id))) == 1


# --- reverse mode -----------------------------------------------------------------------------

def test_staff_check_a_volunteer_in_and_out_by_their_card_code(app, client, event, login):
    volunteer = app.test_client()
    log_in(volunteer, event["volunteer"])
    card = volunteer.get("/card").get_data(as_text=True)
    code = re.search(r"<strong>(\d+-\d{6})</strong>", card).group(1)
    login(event["worker"])
    scanner = f"/station/activities/{event['activity'].id}/scan"
    response = post_form(client, scanner, {"code": code}, follow_redirects=True)
    assert "陈晓敏 已于" in response.get_data(as_text=True)
    response = post_form(client, scanner, {"code": code}, follow_redirects=True)
    assert "陈晓敏 已签退" in response.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn)).method == "code"
    bad = post_form(client, scanner, {"code": f"{event['volunteer'].id}-000000"},
                    follow_redirects=True)
    assert "签到码无效" in bad.get_data(as_text=True)


# --- concurrency ------------------------------------------------------------------------------

def test_twenty_concurrent_scans_make_one_check_in(app, event):
    activity_id, user_id = event["activity"].id, event["volunteer"].id

    def scan(i):
        activity = db.session.get(activities.Activity, activity_id)
        checkin, _ = checkins.check_in(activity, db.session.get(activities.User, user_id))
        return checkin.id

    results = run_at_once(app, scan)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1 and count_checkins() == 1


def test_concurrent_approvals_of_one_check_in_post_and_audit_once(app, event):
    checkin_id, worker_id = _closed(event).id, event["worker"].id
    db.session.commit()

    def approve(i):
        checkin = db.session.get(CheckIn, checkin_id)
        return checkins.approve(checkin, by=db.session.get(activities.User, worker_id)).status

    results = run_at_once(app, approve, threads=10)
    assert results == ["approved"] * 10, results
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "checkin.approve")) == 1
    assert db.session.scalar(select(func.count(Transfer.id)).where(Transfer.kind == "earn")) == 1


# --- jobs and the poster ----------------------------------------------------------------------

def test_reminders_are_sent_once_and_no_shows_are_marked(runner, make_station, make_staff,
                                                         make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    tomorrow = (now().astimezone(SHANGHAI) + timedelta(days=1)).replace(hour=15, minute=0,
                                                                        second=0, microsecond=0)
    activity = make_activity(station, worker, title="禁毒宣传", start=tomorrow)
    volunteer = make_volunteer(station.town.communities[0])
    activities.sign_up(activity, volunteer)
    db.session.commit()
    assert jobs.remind_tomorrow() == 1
    assert jobs.remind_tomorrow() == 0
    note = db.session.scalar(select(Notification).where(Notification.kind == "reminder"))
    assert note.user_id == volunteer.id and "明天" in note.title and "禁毒宣传" in note.title
    result = runner.invoke(args=["scheduler", "run-once", "mark-no-shows"])
    assert result.exit_code == 0 and "mark-no-shows: 0" in result.output
    assert checkins.mark_no_shows(at=activity.ends_at + timedelta(minutes=1)) == 1
    assert checkins.mark_no_shows(at=activity.ends_at + timedelta(minutes=1)) == 0


def test_the_scheduler_registers_every_job_in_its_database_store(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from timebank.scheduler import build_scheduler

    scheduler = build_scheduler(app, BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        assert {job.id for job in scheduler.get_jobs()} == set(app.extensions["timebank.jobs"])
        # The coordination layer's jobs and the core's own (notices, the retention review).
        core = {"deliver-notices", "personal-data-review"}
        assert set(jobs.JOBS) | core == set(app.extensions["timebank.jobs"])
        assert {"escalate-overdue-complaints", "queue-follow-ups",
                "sweep-evidence-files", "refresh-report-summaries",
                "rebuild-report-summaries"} <= set(jobs.JOBS)
    finally:
        scheduler.shutdown(wait=False)
        scheduler._jobstores["default"].engine.dispose()


def test_printable_poster_is_a_pdf_for_staff(client, event, login):
    login(event["worker"])
    response = client.get(f"/station/activities/{event['activity'].id}/poster.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.mimetype == "application/pdf"
