"""The rules of visits: who records one, the dates it moves, who decides it, and what an
approval posts."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Transfer
from timebank.notifications.models import Notification
from volunteers.activities import services as activities
from volunteers.activities.models import Activity
from volunteers.checkins.models import CheckIn
from volunteers.visits import services as visits
from volunteers.visits.models import Visit


def today():
    return local(now()).date()


def record(household, by, **fields):
    data = {"visited_on": today(), "minutes": 90, "way": "in_person",
            "findings": "独居，精神好，厨房灯坏了", "needs_found": ["repairs"],
            "follow_up": "下周带灯泡来换", "referrals": ""}
    return visits.record_visit(household, by, **{**data, **fields})


def test_a_paired_volunteer_records_a_visit_waiting_and_the_dates_move(paired):
    household, pairing = paired["household"], paired["pairing"]
    visit = record(household, paired["volunteer"], visited_on=today() - timedelta(days=2))
    db.session.commit()
    assert visit.status == "waiting" and visit.pairing_id == pairing.id
    assert household.last_visited_on == today() - timedelta(days=2)
    assert household.next_visit_due == today() + timedelta(days=28)
    assert pairing.next_contact_due == today() + timedelta(days=5)
    # An older visit recorded later moves nothing back.
    record(household, paired["volunteer"], visited_on=today() - timedelta(days=10))
    assert household.last_visited_on == today() - timedelta(days=2)
    assert pairing.next_contact_due == today() + timedelta(days=5)


def test_staff_record_the_stations_own_visit_with_no_hours(paired):
    visit = record(paired["household"], paired["worker"], way="phone")
    db.session.commit()
    assert visit.status == "recorded" and visit.pairing_id is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "visit.record",
                                                      AuditEntry.subject == f"visit:{visit.id}"))
    with pytest.raises(Conflict):
        visits.approve(visit, by=paired["worker"])


def test_a_volunteer_without_a_live_pairing_finds_no_household(paired, make_volunteer,
                                                              make_household):
    stranger = make_volunteer(paired["station"].town.communities[0], name="路人")
    with pytest.raises(NotFound):
        visits.household_for_visit(stranger, paired["household"].id)
    with pytest.raises(NotFound):
        record(paired["household"], stranger)
    pairing = paired["pairing"]
    pairing.ended_at, pairing.end_reason = now(), "志愿者搬走了"
    db.session.commit()
    with pytest.raises(NotFound):
        visits.household_for_visit(paired["volunteer"], paired["household"].id)
    with pytest.raises(NotFound):
        record(paired["household"], paired["volunteer"])
    with pytest.raises(NotFound):
        visits.own_pairing(paired["volunteer"], pairing.id)
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_another_stations_staff_are_refused(paired, make_station, make_staff):
    other = make_staff(make_station(), name="乙站社工")
    with pytest.raises(PermissionDenied):
        visits.household_for_visit(other, paired["household"].id)
    with pytest.raises(PermissionDenied):
        record(paired["household"], other)
    visit = record(paired["household"], paired["volunteer"])
    db.session.commit()
    with pytest.raises(PermissionDenied):
        visits.visit_to_decide(other, visit.id)
    with pytest.raises(PermissionDenied):
        visits.approve(visit, by=other)


@pytest.mark.parametrize(("fields", "field"), [
    ({"visited_on": "tomorrow"}, "visited_on"),
    ({"visited_on": 31}, "visited_on"),
    ({"minutes": 0}, "minutes"),
    ({"minutes": 721}, "minutes"),
    ({"way": "letter"}, "way"),
    ({"needs_found": ["money"]}, "needs_found"),
    ({"findings": "很" * 2001}, "findings"),
])
def test_invalid_visits_are_422_and_change_nothing(paired, fields, field):
    if fields.get("visited_on") == "tomorrow":
        fields = {"visited_on": today() + timedelta(days=1)}
    elif fields.get("visited_on") == 31:
        fields = {"visited_on": today() - timedelta(days=31)}
    household = paired["household"]
    before = (household.last_visited_on, household.next_visit_due)
    with pytest.raises(InvalidInput) as refused:
        record(household, paired["volunteer"], **fields)
    assert field in refused.value.fields
    db.session.rollback()
    assert (household.last_visited_on, household.next_visit_due) == before
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_staff_may_record_further_back_than_a_volunteer(paired):
    visit = record(paired["household"], paired["worker"], visited_on=today() - timedelta(days=60))
    assert visit.status == "recorded"


def test_approval_posts_the_minutes_as_a_checkin_with_the_household_as_people_served(paired):
    volunteer = paired["volunteer"]
    visit = record(paired["household"], volunteer, minutes=75)
    db.session.commit()
    visits.approve(visit, by=paired["worker"])
    db.session.commit()
    assert visit.status == "approved" and visit.decided_by_id == paired["worker"].id
    checkin = db.session.get(CheckIn, visit.checkin_id)
    assert checkin.status == "approved" and checkin.minutes == 75 and checkin.method == "visit"
    assert checkin.user_id == volunteer.id
    transfer = db.session.get(Transfer, checkin.transfer_id)
    assert transfer.idempotency_key == f"checkin:{checkin.id}"
    activity = checkin.activity
    assert activity.kind == "visit" and activity.people_served == 1
    assert activity.served_names == "李阿姨" and "李秀英" not in activity.title
    assert "蕉门河路" not in activity.place + activity.service_content + activity.title
    assert ledger_queries.balance(ledger.member_account(volunteer)) == 75
    notice = db.session.scalar(select(Notification).where(
        Notification.user_id == volunteer.id, Notification.kind == "hours_approved"))
    assert notice is not None and "李阿姨" in notice.title
    for action in ("visit.approve", "checkin.approve"):
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == action))
    assert ledger_queries.verify() == []
    with pytest.raises(Conflict):
        visits.approve(visit, by=paired["worker"])
    with pytest.raises(Conflict):
        visits.reject(visit, by=paired["worker"], reason="重复")


def test_rejection_posts_nothing_and_tells_the_volunteer(paired):
    visit = record(paired["household"], paired["volunteer"])
    db.session.commit()
    with pytest.raises(InvalidInput):
        visits.reject(visit, by=paired["worker"], reason="  ")
    visits.reject(visit, by=paired["manager"], reason="当天阿姨住院，未能入户")
    db.session.commit()
    assert visit.status == "rejected" and visit.checkin_id is None
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    notice = db.session.scalar(select(Notification).where(
        Notification.user_id == paired["volunteer"].id, Notification.kind == "hours_rejected"))
    assert notice is not None and "住院" in notice.body
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "visit.reject"))
    with pytest.raises(Conflict):
        visits.reject(visit, by=paired["manager"], reason="再次")


def test_only_the_grid_social_worker_or_the_manager_decides(paired, make_staff, make_station):
    from timebank.org.models import GridTeam
    from timebank.org.services import assign_post

    station = paired["station"]
    # A social worker of the station in a grid team that does not cover the household.
    team = GridTeam(station=station, name="另一片区", communities=[station.town.communities[1]])
    db.session.add(team)
    outsider = make_staff(station, name="王社工")
    assign_post(outsider, station, team)
    db.session.commit()
    visit = record(paired["household"], paired["volunteer"])
    db.session.commit()
    assert not visits.may_decide(outsider, visit)
    with pytest.raises(PermissionDenied):
        visits.approve(visit, by=outsider)
    # Named as the household's social worker, they decide.
    paired["household"].social_worker_id = outsider.id
    db.session.commit()
    assert visits.may_decide(outsider, visit)
    assert visits.may_decide(paired["manager"], visit)


def test_a_visit_activity_is_never_listed_matched_or_open(paired):
    visit = record(paired["household"], paired["volunteer"])
    db.session.commit()
    visits.approve(visit, by=paired["worker"])
    db.session.commit()
    activity = db.session.get(CheckIn, visit.checkin_id).activity
    moment = local(activity.starts_at)
    assert activity not in activities.browse(year=moment.year, month=moment.month)
    assert activity not in activities.station_activities(
        paired["station"].id, by=paired["worker"], months=[(moment.year, moment.month)])
    assert activity not in db.session.scalars(activities.public_activities_statement()).all()
    assert not activity.open_for_sign_up
    with pytest.raises(NotFound):
        activities.public_activity(activity.id)
    with pytest.raises(NotFound):
        activities.visible_activity(paired["volunteer"], activity.id)
    from volunteers.matching import services as matching

    _openings, found = matching._openings(moment.year, moment.month, paired["station"].id,
                                          activity_ids=[activity.id], keep_full=True)
    assert activity.id not in found
    assert db.session.scalar(select(func.count(Activity.id)).where(Activity.kind == "visit")) == 1


def test_a_district_administrator_decides_any_station(paired, make_user):
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    visit = record(paired["household"], paired["volunteer"], minutes=30)
    db.session.commit()
    visits.approve(visit, by=admin)
    assert visit.status == "approved"


def test_approval_keeps_the_check_in_tiers(paired):
    """A visit longer than the station's automatic tier needs its manager, as a check-in does;
    a refused approval leaves nothing behind once rolled back."""
    from volunteers.checkins import services as checkins

    checkins.set_policy(paired["station"].id, by=paired["manager"], auto_approve_daily_minutes=60,
                        manager_limit_daily_minutes=480)
    visit = record(paired["household"], paired["volunteer"], minutes=120)
    db.session.commit()
    with pytest.raises(checkins.ApprovalTierRefused):
        visits.approve(visit, by=paired["worker"])
    db.session.rollback()
    assert visit.status == "waiting" and visit.checkin_id is None
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    visits.approve(visit, by=paired["manager"], evaluation="good")
    db.session.commit()
    assert db.session.get(CheckIn, visit.checkin_id).evaluation == "good"


def test_a_start_time_must_fall_on_the_day_of_the_visit(paired):
    from datetime import datetime, time

    from timebank.clock import zone

    day = today() - timedelta(days=3)
    with pytest.raises(InvalidInput) as refused:
        record(paired["household"], paired["volunteer"], visited_on=day,
               started_at=datetime.combine(day - timedelta(days=1), time(15), tzinfo=zone()))
    assert "started_at" in refused.value.fields
    visit = record(paired["household"], paired["volunteer"], visited_on=day,
                   started_at=datetime.combine(day, time(15), tzinfo=zone()))
    db.session.commit()
    visits.approve(visit, by=paired["worker"])
    activity = db.session.get(CheckIn, visit.checkin_id).activity
    assert local(activity.starts_at).hour == 15 and activity.minutes_long == 90


def test_a_visit_counts_in_hours_served_but_not_in_activities_held(paired):
    from volunteers.reporting import services as reporting
    from volunteers.reporting.filters import ReportFilters

    visit = record(paired["household"], paired["volunteer"], minutes=90)
    db.session.commit()
    visits.approve(visit, by=paired["worker"])
    db.session.commit()
    moment = local(db.session.get(CheckIn, visit.checkin_id).activity.starts_at)
    month = (moment.year, moment.month)
    filters = ReportFilters(first_month=month, last_month=month, station_id=paired["station"].id)
    assert sum(row.activities for row in reporting.activities_by_theme(filters)) == 0
    assert sum(row.served.total for row in reporting.hours_by_theme(filters)) == 90
