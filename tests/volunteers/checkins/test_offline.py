"""Cards scanned without network and sent later: each scan checked against its time and counted
once (`volunteers.checkins.offline`), and the API that receives them."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.concurrency import run_at_once
from tests.conftest import csrf_token
from timebank.accounts.models import User
from timebank.audit.models import AuditEntry
from timebank.clock import now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import Activity
from volunteers.checkins import offline
from volunteers.checkins.models import CheckIn, OfflineScan
from volunteers.checkins.services import card_code


@pytest.fixture
def event(make_station, make_staff, make_volunteer, make_activity):
    """An activity running now (started 30 minutes ago, 2 hours long) with one signed-up volunteer."""
    station = make_station()
    worker = make_staff(station, name="李社工")
    start = now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    activity = make_activity(station, worker, title="乡村长者探访", start=start, hours=2)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activities.sign_up(activity, volunteer)
    db.session.commit()
    return {"station": station, "worker": worker, "activity": activity, "volunteer": volunteer}


def scan(volunteer, at, purpose="in", *, code_at=None, scan_id=None) -> dict:
    """A scan as the phone stores it: the card's code at `code_at` (default `at`), scanned at `at`."""
    return {"scan_id": scan_id or str(uuid.uuid4()), "card_code": card_code(volunteer, code_at or at),
            "scanned_at": at.isoformat(), "purpose": purpose}


def send(event, scans, activity=None):
    results = offline.record_offline_scans(activity or event["activity"], scans,
                                           by=event["worker"])
    db.session.commit()
    return results


def counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (CheckIn, OfflineScan, AuditEntry))


def test_scans_in_and_out_are_recorded_at_their_time_and_audited(event):
    volunteer, t = event["volunteer"], now()
    scanned_in, scanned_out = t - timedelta(minutes=20), t - timedelta(minutes=1)
    results = send(event, [scan(volunteer, scanned_out, "out"), scan(volunteer, scanned_in)])
    assert [r["status"] for r in results] == ["recorded", "recorded"]
    checkin = db.session.scalar(select(CheckIn))
    assert results[0]["checkin_id"] == results[1]["checkin_id"] == checkin.id
    assert checkin.method == "offline" and checkin.status == "closed"
    assert checkin.checked_in_at == scanned_in and checkin.checked_out_at == scanned_out
    actions = db.session.execute(select(AuditEntry.action, AuditEntry.actor_id)
                                 .where(AuditEntry.action.like("checkin.%"))).all()
    assert sorted(actions) == sorted([("checkin.in", volunteer.id), ("checkin.out", volunteer.id),
                                      ("checkin.offline_scan", event["worker"].id),
                                      ("checkin.offline_scan", event["worker"].id)])


def test_the_same_scan_id_again_is_a_duplicate_and_changes_nothing(event):
    volunteer, t = event["volunteer"], now()
    batch = [scan(volunteer, t), scan(volunteer, t, "in", code_at=t - timedelta(hours=1))]
    first = send(event, batch)
    assert [r["status"] for r in first] == ["recorded", "refused"]
    before = counts()
    again = send(event, batch)
    assert [(r["status"], r["outcome"]) for r in again] == [("duplicate", "recorded"),
                                                            ("duplicate", "refused")]
    assert again[0]["checkin_id"] == first[0]["checkin_id"]
    assert again[1]["error"] == first[1]["error"]
    assert counts() == before


def test_a_card_code_must_have_been_shown_when_it_was_scanned_give_or_take_the_skew(event):
    volunteer, t = event["volunteer"], now()
    minutes = (-4, -5, 2, 3)  # the card's minute, against the scan's: -2 - skew .. +skew pass
    results = send(event, [scan(volunteer, t, code_at=t + timedelta(minutes=m)) for m in minutes])
    assert [(r["status"], r.get("error", {}).get("code")) for r in results] == [
        ("recorded", None), ("refused", "bad_card"), ("recorded", None), ("refused", "bad_card")]
    assert "扫描" in results[1]["error"]["message"]  # translated


def test_a_scan_in_the_future_or_too_old_is_refused(event):
    volunteer, t = event["volunteer"], now()
    results = send(event, [scan(volunteer, t + timedelta(minutes=3)),
                           scan(volunteer, t - timedelta(hours=25)),
                           scan(volunteer, t + timedelta(minutes=1))])
    assert [(r["status"], r.get("error", {}).get("code")) for r in results] == [
        ("refused", "scanned_in_future"), ("refused", "scan_too_old"), ("recorded", None)]


def test_a_scan_outside_the_activitys_window_is_refused_and_changes_nothing(event):
    activity = event["activity"]
    before = counts()
    (result,) = send(event, [scan(event["volunteer"], activity.starts_at - timedelta(minutes=40))])
    assert (result["status"], result["error"]["code"]) == ("refused", "too_early")
    stored = db.session.scalar(select(OfflineScan))
    assert (stored.status, stored.checkin_id) == ("refused", None)
    assert counts() == (before[0], before[1] + 1, before[2])  # only the refusal, kept once


def test_a_check_out_with_no_check_in_is_refused(event):
    (result,) = send(event, [scan(event["volunteer"], now(), "out")])
    assert (result["status"], result["error"]["code"]) == ("refused", "not_checked_in")
    assert "陈晓敏" in result["error"]["message"]
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_a_card_code_recorded_for_one_activity_is_refused_for_another(event, make_activity):
    other = make_activity(event["station"], event["worker"], title="村口清洁",
                          start=event["activity"].starts_at, hours=2, allow_walk_ins=True)
    the_scan = scan(event["volunteer"], now())
    assert send(event, [the_scan])[0]["status"] == "recorded"
    (replayed,) = send(event, [{**the_scan, "scan_id": str(uuid.uuid4())}], activity=other)
    assert (replayed["status"], replayed["error"]["code"]) == ("refused", "card_code_used")
    assert activities.live_sign_up(other, event["volunteer"]) is None
    assert db.session.scalar(select(func.count(CheckIn.id)).where(
        CheckIn.activity_id == other.id)) == 0


def test_wrong_card_codes_count_as_wrong_tries(event):
    volunteer, t = event["volunteer"], now()
    wrong = [{**scan(volunteer, t), "card_code": f"{volunteer.id}-00000{i}"} for i in range(5)]
    right = scan(volunteer, t)
    results = send(event, [*wrong, right])
    assert [r["error"]["code"] for r in results] == ["bad_card"] * 5 + ["too_many_wrong_tries"]
    # Not kept: that scan may be sent again when the lock is over.
    assert _stored_ids() == {w["scan_id"] for w in wrong}


def _stored_ids() -> set:
    return set(db.session.scalars(select(OfflineScan.scan_id)))


def test_an_unreadable_scan_is_refused_alone(event):
    good = scan(event["volunteer"], now())
    naive = {**scan(event["volunteer"], now()), "scanned_at": "2026-12-16T10:00:00"}
    results = send(event, [{**good, "scan_id": "not-a-uuid"}, naive, "text", good])
    assert [(r["status"], r.get("error", {}).get("code")) for r in results] == [
        ("refused", "invalid_scan"), ("refused", "invalid_scan"), ("refused", "invalid_scan"),
        ("recorded", None)]
    assert results[0]["scan_id"] == "not-a-uuid" and results[2]["scan_id"] is None
    assert _stored_ids() == {good["scan_id"]}


def test_concurrent_sends_of_one_batch_record_once(app, event):
    batch = [scan(event["volunteer"], now() - timedelta(minutes=5)),
             scan(event["volunteer"], now(), "out")]
    activity_id, worker_id = event["activity"].id, event["worker"].id

    def sync(i):
        return offline.record_offline_scans(db.session.get(Activity, activity_id), batch,
                                            by=db.session.get(User, worker_id))

    results = run_at_once(app, sync, threads=6)
    assert all(isinstance(r, list) for r in results), results
    statuses = sorted(tuple(r["status"] for r in result) for result in results)
    assert statuses == [("duplicate", "duplicate")] * 5 + [("recorded", "recorded")]
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "checkin.offline_scan")) == 2


# --- the API ------------------------------------------------------------------------------------

def url(event) -> str:
    return f"/api/v1/activities/{event['activity'].id}/offline-scans"


def test_the_api_records_for_staff_of_the_station_with_a_bearer_token(client, event, api_token):
    the_scan = scan(event["volunteer"], now())
    response = client.post(url(event), json={"scans": [the_scan]}, headers=api_token(event["worker"]))
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["status"] == "recorded" and result["scan_id"] == the_scan["scan_id"]
    assert result["checkin_id"] == db.session.scalar(select(CheckIn.id))


def test_the_api_refuses_other_people_and_a_batch_too_big(client, event, api_token, make_station,
                                                         make_staff):
    body = {"scans": [scan(event["volunteer"], now())]}
    assert client.post(url(event), json=body).status_code == 401
    outsider = make_staff(make_station(), name="外站社工")
    assert client.post(url(event), json=body, headers=api_token(outsider)).status_code == 403
    assert client.post(url(event), json=body,
                       headers=api_token(event["volunteer"])).status_code == 403
    too_many = client.post(url(event), json={"scans": body["scans"] * 501},
                           headers=api_token(event["worker"]))
    assert (too_many.status_code, too_many.get_json()["error"]["code"]) == (413, "too_many_scans")
    assert client.post(url(event), json={"scans": "all"},
                       headers=api_token(event["worker"])).status_code == 422
    assert db.session.scalar(select(func.count(OfflineScan.id))) == 0


def test_a_logged_in_browser_sends_the_csrf_token(client, event, login):
    login(event["worker"])
    body = {"scans": [scan(event["volunteer"], now())]}
    refused = client.post(url(event), json=body)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "csrf_failed")
    token = csrf_token(client, f"/station/activities/{event['activity'].id}/scan")
    response = client.post(url(event), json=body, headers={"X-CSRFToken": token})
    assert response.get_json()["results"][0]["status"] == "recorded"
