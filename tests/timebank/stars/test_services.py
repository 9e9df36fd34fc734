"""The rules of star levels: thresholds, applying, deciding, and one pending per member."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.concurrency import run_at_once
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.notifications.models import Notification
from timebank.stars import services as stars
from timebank.stars.models import StarApplication, StarStatus


@pytest.mark.parametrize(("hours", "level"), [(0, 0), (99, 0), (100, 1), (299, 1), (300, 2),
                                              (600, 3), (1000, 4), (1499, 4), (1500, 5), (4000, 5)])
def test_the_level_reached_follows_the_thresholds(hours, level):
    assert stars.level_reached(hours * 60) == level


def test_one_minute_short_of_a_threshold_does_not_reach_it():
    assert stars.level_reached(100 * 60 - 1) == 0


def test_nobody_holds_a_level_they_were_not_awarded(volunteer, serve):
    serve(volunteer, 700)
    assert stars.awarded_level(volunteer) == 0
    assert stars.award_of(volunteer) is None
    standing = stars.standing(volunteer)
    assert (standing.reached, standing.eligible_level, standing.may_apply) == (3, 3, True)


def test_applying_asks_for_the_highest_level_reached(volunteer, serve, station):
    serve(volunteer, 320)
    application = stars.apply(volunteer)
    assert (application.level, application.status, application.station_id) == (2, "pending", station.id)
    assert application.served_minutes == 320 * 60


def test_applying_below_the_threshold_names_the_hours_still_needed(volunteer, serve):
    serve(volunteer, 60)
    with pytest.raises(Conflict) as refused:
        stars.apply(volunteer)
    assert refused.value.code == "star_level_not_reached"
    assert "40" in refused.value.message  # 100 h needed, 60 h served
    assert db.session.scalar(select(func.count(StarApplication.id))) == 0


def test_gifts_received_are_not_hours_of_service(volunteer, make_user, serve):
    giver = make_user()
    serve(giver, 200)
    ledger.transfer_between(ledger.member_account(giver), ledger.member_account(volunteer), 150 * 60,
                            "donate", idempotency_key="gift", memo="送时间")
    db.session.commit()
    assert stars.minutes_served(volunteer) == 0
    with pytest.raises(Conflict):
        stars.apply(volunteer)


def test_a_second_application_while_one_is_pending_is_refused(volunteer, serve):
    serve(volunteer, 100)
    stars.apply(volunteer)
    with pytest.raises(Conflict) as refused:
        stars.apply(volunteer)
    assert refused.value.code == "star_application_pending"


def test_the_database_holds_one_pending_application_per_member(volunteer, station):
    db.session.add(StarApplication(user_id=volunteer.id, level=1, station_id=station.id,
                                   served_minutes=6000))
    db.session.commit()
    db.session.add(StarApplication(user_id=volunteer.id, level=1, station_id=station.id,
                                   served_minutes=6000))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_applications_at_once_make_one_pending(app, volunteer, serve):
    serve(volunteer, 100)
    user_id = volunteer.id

    def apply(_i):
        return stars.apply(users.get_user(user_id)).id

    results = run_at_once(app, apply, threads=2)
    made = [result for result in results if isinstance(result, int)]
    refused = [result for result in results if isinstance(result, Conflict)]
    assert len(made) == 1 and len(refused) == 1, results
    assert db.session.scalar(select(func.count(StarApplication.id)).where(
        StarApplication.user_id == user_id, StarApplication.status == StarStatus.PENDING)) == 1


def test_the_station_manager_awards_and_the_volunteer_holds_the_level(volunteer, serve, manager):
    serve(volunteer, 120)
    application = stars.apply(volunteer)
    stars.award(application, by=manager)
    db.session.commit()
    assert stars.awarded_level(volunteer) == 1
    assert stars.award_of(volunteer).awarded_at is not None
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.subject == f"star_application:{application.id}",
        AuditEntry.actor_id == manager.id)) == "stars.award"
    told = db.session.scalar(select(Notification).where(Notification.user_id == volunteer.id))
    assert told.key == f"star_awarded:{application.id}" and "一星志愿者" in told.title


def test_the_hours_are_checked_again_when_awarding(volunteer, serve, manager):
    transfer = serve(volunteer, 100)
    application = stars.apply(volunteer)
    ledger.reverse(transfer, "记录有误")
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        stars.award(application, by=manager)
    assert refused.value.code == "star_level_not_reached"
    db.session.rollback()
    assert stars.awarded_level(volunteer) == 0


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER])
def test_a_social_worker_cannot_award(volunteer, serve, station, make_staff, role):
    worker = make_staff(station, role)
    serve(volunteer, 100)
    application = stars.apply(volunteer)
    with pytest.raises(PermissionDenied) as refused:
        stars.award(application, by=worker)
    assert "项目主管" in refused.value.message


def test_another_stations_manager_cannot_award(volunteer, serve, make_station, make_staff):
    other = make_staff(make_station(), Role.STATION_MANAGER)
    serve(volunteer, 100)
    with pytest.raises(PermissionDenied):
        stars.award(stars.apply(volunteer), by=other)


def test_a_district_administrator_may_award_anywhere(volunteer, serve, make_user):
    admin = make_user(Role.DISTRICT_ADMIN)
    serve(volunteer, 100)
    stars.award(stars.apply(volunteer), by=admin)
    assert stars.awarded_level(volunteer) == 1


def test_declining_needs_a_reason_and_tells_the_volunteer_it(volunteer, serve, manager):
    serve(volunteer, 100)
    application = stars.apply(volunteer)
    with pytest.raises(InvalidInput):
        stars.decline(application, by=manager, reason="  ")
    stars.decline(application, by=manager, reason="服务记录待核实")
    db.session.commit()
    assert application.status == "declined" and stars.awarded_level(volunteer) == 0
    told = db.session.scalar(select(Notification).where(Notification.user_id == volunteer.id))
    assert told.key == f"star_declined:{application.id}" and "服务记录待核实" in told.body


def test_a_decided_application_is_not_decided_again(volunteer, serve, manager):
    serve(volunteer, 100)
    application = stars.apply(volunteer)
    stars.award(application, by=manager)
    with pytest.raises(Conflict):
        stars.decline(application, by=manager, reason="重复")


def test_after_an_award_the_next_application_is_for_a_higher_level(volunteer, serve, manager):
    serve(volunteer, 100)
    stars.award(stars.apply(volunteer), by=manager)
    with pytest.raises(Conflict):
        stars.apply(volunteer)  # 100 h: level 1 held, nothing above it reached
    serve(volunteer, 250)
    assert stars.apply(volunteer).level == 2
    standing = stars.standing(volunteer)
    assert (standing.awarded_level, standing.next_level, standing.hours_to_next) == (1, 3, 250)


def test_without_a_home_community_there_is_no_station_to_apply_to(make_user, serve):
    loner = make_user()
    serve(loner, 100)
    with pytest.raises(Conflict) as refused:
        stars.apply(loner)
    assert refused.value.code == "no_station"
