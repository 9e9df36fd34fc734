"""The rules of training and qualifications, through the services."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local, now
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer
from volunteers.activities import services as activities
from volunteers.training import services as training
from volunteers.training.models import TrainingAttendance, VolunteerQualification


def test_add_months_keeps_the_day_or_takes_the_last():
    assert training.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert training.add_months(date(2026, 12, 16), 36) == date(2029, 12, 16)


def test_scanning_in_the_window_records_once_and_grants_the_qualification(
        station, worker, make_volunteer, make_session, first_aid):
    session = make_session(station, worker, qualification=first_aid)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    token = training.make_code(session)
    first, new = training.scan(token, volunteer)
    again, new_again = training.scan(token, volunteer)
    db.session.commit()
    assert new and not new_again and again.id == first.id
    assert first.method == "scan" and first.minutes == 120
    grants = training.qualifications_of(volunteer.id)
    assert len(grants) == 1
    grant = grants[0]
    day = local(session.starts_at).date()
    assert (grant.obtained_on, grant.source, grant.attendance_id) == (day, "training", first.id)
    assert grant.expires_on == training.add_months(day, 36) - timedelta(days=1)
    assert training.holds(volunteer.id, first_aid.id, day)
    assert training.training_minutes(volunteer.id) == 120


@pytest.mark.parametrize("start", [timedelta(minutes=45), timedelta(hours=-3)])
def test_scanning_outside_the_window_is_refused(station, worker, make_volunteer, make_session,
                                                start):
    session = make_session(station, worker, start=start)
    volunteer = make_volunteer(station.town.communities[0])
    with pytest.raises(Conflict) as refused:
        training.scan(training.make_code(session), volunteer)
    assert refused.value.code == "outside_session_window"
    assert db.session.scalar(select(func.count(TrainingAttendance.id))) == 0


def test_scanning_opens_thirty_minutes_before_the_start(station, worker, make_volunteer,
                                                        make_session):
    session = make_session(station, worker, start=timedelta(minutes=29))
    attendance, new = training.scan(training.make_code(session), make_volunteer())
    assert new and attendance.session_id == session.id


def test_a_forged_code_is_refused(station, worker, make_volunteer, make_session):
    session = make_session(station, worker)
    token = training.make_code(session)
    with pytest.raises(Exception) as refused:
        training.scan(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), make_volunteer())
    assert getattr(refused.value, "code", None) == "invalid_code"


def test_staff_cannot_record_attendance_of_a_session_not_yet_held(
        station, worker, make_volunteer, make_session):
    session = make_session(station, worker, start=timedelta(days=2))
    volunteer = make_volunteer(station.town.communities[0])
    with pytest.raises(Conflict) as refused:
        training.record_attendance(session, volunteer.id, by=worker)
    assert refused.value.code == "session_not_held"
    assert db.session.scalar(select(func.count(TrainingAttendance.id))) == 0


def test_staff_record_attendance_after_the_session_once(station, worker, make_volunteer,
                                                        make_session, first_aid):
    session = make_session(station, worker, start=timedelta(days=-3), qualification=first_aid)
    volunteer = make_volunteer(station.town.communities[0])
    first, new = training.record_attendance(session, volunteer.id, by=worker)
    again, new_again = training.record_attendance(session, volunteer.id, by=worker)
    db.session.commit()
    assert new and not new_again and first.id == again.id and first.method == "staff"
    assert db.session.scalar(select(func.count(VolunteerQualification.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "training.attend")) == 1


def test_another_stations_staff_may_not_record(station, worker, make_station, make_staff,
                                               make_volunteer, make_session):
    session = make_session(station, worker)
    other = make_staff(make_station(), name="别站社工")
    with pytest.raises(PermissionDenied):
        training.record_attendance(session, make_volunteer().id, by=other)


def test_a_full_session_refuses_one_more(station, worker, make_volunteer, make_session):
    session = make_session(station, worker, capacity=1)
    training.scan(training.make_code(session), make_volunteer())
    with pytest.raises(Conflict) as refused:
        training.scan(training.make_code(session), make_volunteer())
    assert refused.value.code == "session_full"


def test_training_minutes_never_reach_the_ledger(station, worker, make_volunteer, make_session):
    volunteer = make_volunteer(station.town.communities[0])
    transfers = db.session.scalar(select(func.count(Transfer.id)))
    for start in (timedelta(days=-3), timedelta(days=-2)):
        training.record_attendance(make_session(station, worker, start=start), volunteer.id,
                                   by=worker)
    db.session.commit()
    assert training.training_minutes(volunteer.id) == 240
    assert db.session.scalar(select(func.count(Transfer.id))) == transfers
    account = ledger.find_member_account(volunteer)
    totals = ledger_queries.totals(account) if account else {"earned": 0, "balance": 0}
    assert totals["earned"] == 0 and totals["balance"] == 0


def test_only_the_district_adds_a_qualification(station, worker, make_user):
    with pytest.raises(PermissionDenied):
        training.create_qualification(worker, name="潜水证")
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    made = training.create_qualification(admin, name="潜水证", valid_months=24)
    assert made.id and made.valid_months == 24
    with pytest.raises(Conflict):
        training.create_qualification(admin, name="潜水证")


def test_paper_qualification_needs_a_number_and_a_past_day(station, worker, make_volunteer,
                                                           first_aid):
    volunteer = make_volunteer(station.town.communities[0])
    today = local(now()).date()
    with pytest.raises(InvalidInput) as refused:
        training.record_paper(worker, volunteer, qualification_id=first_aid.id,
                              obtained_on=today + timedelta(days=1), certificate_number="")
    assert set(refused.value.fields) == {"obtained_on", "certificate_number"}
    grant = training.record_paper(worker, volunteer, qualification_id=first_aid.id,
                                  obtained_on=today - timedelta(days=10),
                                  certificate_number="HK-2026-0088")
    assert grant.source == "paper" and grant.recorded_by_id == worker.id
    assert grant.expires_on == training.add_months(today - timedelta(days=10), 36) - \
        timedelta(days=1)


def test_held_on_a_day_respects_obtained_expiry_and_revocation(station, worker, make_volunteer,
                                                               first_aid):
    volunteer = make_volunteer(station.town.communities[0])
    today = local(now()).date()
    grant = training.record_paper(worker, volunteer, qualification_id=first_aid.id,
                                  obtained_on=today - timedelta(days=400),
                                  expires_on=today, certificate_number="X1")
    assert training.holds(volunteer.id, first_aid.id, today)
    assert not training.holds(volunteer.id, first_aid.id, today + timedelta(days=1))
    assert not training.holds(volunteer.id, first_aid.id, today - timedelta(days=401))
    grant.revoked_at = now()
    db.session.flush()
    assert not training.holds(volunteer.id, first_aid.id, today)


def test_sign_up_needs_the_required_qualification_on_the_activity_day(
        station, worker, make_volunteer, make_activity, first_aid):
    activity = make_activity(station, worker, required_qualification_id=first_aid.id)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    with pytest.raises(Conflict) as refused:
        activities.sign_up(activity, volunteer)
    assert refused.value.code == "qualification_required"
    assert "急救证" in refused.value.message
    # Expiring the day before the activity does not count; valid on the day does.
    day = local(activity.starts_at).date()
    training.record_paper(worker, volunteer, qualification_id=first_aid.id,
                          obtained_on=day - timedelta(days=800),
                          expires_on=day - timedelta(days=1), certificate_number="OLD-1")
    with pytest.raises(Conflict):
        activities.sign_up(activity, volunteer)
    training.record_paper(worker, volunteer, qualification_id=first_aid.id,
                          obtained_on=day - timedelta(days=30), certificate_number="NEW-1")
    assert activities.sign_up(activity, volunteer).status == "confirmed"


def test_a_waiver_lets_the_volunteer_sign_up_and_is_audited(station, worker, make_volunteer,
                                                            make_activity, first_aid):
    activity = make_activity(station, worker, required_qualification_id=first_aid.id)
    volunteer = make_volunteer(station.town.communities[0])
    with pytest.raises(InvalidInput):
        training.grant_waiver(activity, volunteer.id, reason=" ", by=worker)
    training.grant_waiver(activity, volunteer.id, reason="注册护士，已查验执业证", by=worker)
    with pytest.raises(Conflict) as twice:
        training.grant_waiver(activity, volunteer.id, reason="again", by=worker)
    assert twice.value.code == "waiver_exists"
    assert activities.sign_up(activity, volunteer).status == "confirmed"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "qualification.waive"))
    assert entry.reason == "注册护士，已查验执业证"


def test_a_waiver_on_an_activity_requiring_nothing_is_refused(station, worker, make_volunteer,
                                                              make_activity):
    activity = make_activity(station, worker)
    with pytest.raises(Conflict) as refused:
        training.grant_waiver(activity, make_volunteer().id, reason="x", by=worker)
    assert refused.value.code == "no_qualification_required"


def test_an_unknown_required_qualification_is_422(station, worker, make_activity):
    with pytest.raises(InvalidInput) as refused:
        make_activity(station, worker, required_qualification_id=99999)
    assert "required_qualification_id" in refused.value.fields
