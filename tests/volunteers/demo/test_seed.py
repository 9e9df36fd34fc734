"""The demo data: `flask seed-demo` loads a varied, consistent coordination demo, once."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from tests.conftest import EDGE_INSTANTS, SHANGHAI, instant_id
from timebank import demo as core_demo
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.accounts.services import get_by_phone
from timebank.clock import local, now
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.exchange.pools.models import PoolGrant
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, Entry, Transfer, TransferKind
from timebank.org.models import Community, GridTeam, StaffPost, Station
from volunteers import vocabulary
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, SignUp
from volunteers.certificates import services as certificates
from volunteers.checkins.models import CheckIn
from volunteers.demo import seed as volunteers_demo
from volunteers.profiles import services as profiles
from volunteers.profiles.models import VolunteerProfile
from volunteers.teams.models import TeamSignUp, VolunteerTeam
from volunteers.themes import services as themes
from volunteers.themes.models import Theme


def _counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, StaffPost, GridTeam, VolunteerProfile, VolunteerTeam, Theme, Activity,
                          SignUp, CheckIn, Account, Transfer, Entry, PoolGrant, HelpRequest)}


@pytest.mark.frozen_clock  # seeding takes a while: 23:59 must not become tomorrow in between
@pytest.mark.parametrize("instant", EDGE_INSTANTS, ids=instant_id)
def test_seed_demo_loads_a_consistent_demo_once(runner, instant):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    counts = _counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert _counts() == counts

    # Every station: a manager and grid teams of three social workers covering all its communities.
    stations = list(db.session.scalars(select(Station)))
    assert len(stations) == 9
    for station in stations:
        assert len(station.grid_teams) >= 2
        covered = set()
        for team in station.grid_teams:
            workers = [post.user for post in team.posts if has_role(post.user, Role.SOCIAL_WORKER)]
            assert len(workers) == 3, team.name
            covered |= {community.id for community in team.communities}
        assert covered == {community.id for community in station.town.communities}
        managers = db.session.scalars(select(StaffPost).where(StaffPost.station_id == station.id,
                                                              StaffPost.grid_team_id.is_(None)))
        assert any("station_manager" in post.user.role_names for post in managers)

    # About 300 volunteers, all linked; no consent means no skills, interests or availability.
    volunteers = list(db.session.scalars(select(VolunteerProfile)))
    assert 290 <= len(volunteers) <= 320
    assert all(profile.linked_social_worker_id for profile in volunteers)
    assert all(profile.community_id for profile in volunteers)
    assert {profile.community_id for profile in volunteers} == set(db.session.scalars(select(Community.id)))
    for profile in volunteers:
        if profile.consent_at is None:
            assert not (profile.skills or profile.interest_groups or profile.availability
                        or profile.interest_themes)
        assert set(profile.skills) <= set(vocabulary.SKILLS)
        assert set(profile.interest_groups) <= set(vocabulary.TARGET_GROUPS)
        assert set(profile.availability) <= set(vocabulary.SLOTS)
        assert 1 <= profile.monthly_limit <= 4
        if profile.id_number:
            assert profiles.valid_id_number(profile.id_number)
            assert profile.id_number.startswith("440115")
    assert sum(1 for profile in volunteers if profile.consent_at) > 0.8 * len(volunteers)
    assert sum(1 for profile in volunteers if profile.id_number) > 0.5 * len(volunteers)
    assert db.session.scalar(select(func.count()).select_from(VolunteerTeam)) >= 27
    for team in db.session.scalars(select(VolunteerTeam)):
        assert team.captain_id in {member.id for member in team.members}
    assert db.session.scalar(select(func.count()).select_from(TeamSignUp)) == 1

    # One theme a month: the district's whole year, and some station calendars.
    today = local(now())
    assert len(themes.calendar(None, today.year)) == 12
    assert all(2 <= len(theme.tags) <= 4 for theme in themes.calendar(None, today.year).values())
    assert db.session.scalar(select(func.count(Theme.id)).where(Theme.station_id.is_not(None))) >= 3
    # Guangdong's 敬老月 is October (重阳), 清明 is in April and 冬至 in December (FIELD.md).
    calendar = themes.calendar(None, today.year)
    assert "敬老月" in calendar[10].title and "重阳" in calendar[10].title
    assert "清明" in calendar[4].title and "冬至" in calendar[12].title
    for word, month in (("敬老月", 10), ("清明", 4), ("冬至", 12)):
        assert not any(word in theme.title for number, theme in calendar.items() if number != month)

    # Activities this month at every station, all under a theme, none over its places.
    start, end = activities.month_bounds(today.year, today.month)
    for station in stations:
        this_month = db.session.scalar(select(func.count(Activity.id)).where(
            Activity.station_id == station.id, Activity.starts_at >= start, Activity.starts_at < end))
        assert this_month >= 6, station.name
    assert db.session.scalar(select(func.count(Activity.id)).where(
        Activity.theme_id.is_(None), Activity.kind == "event")) == 0  # a visit's record has none
    # Its history is the last eight weeks and its future the next six, whatever the day.
    day = today.date()
    days = [local(start).date() for start in db.session.scalars(select(Activity.starts_at))]
    assert min(days) >= min(day - timedelta(days=volunteers_demo.HISTORY_DAYS), day.replace(day=1))
    assert min(days) < day - timedelta(days=volunteers_demo.HISTORY_DAYS - 7)
    assert max(days) >= day + timedelta(days=volunteers_demo.AHEAD_DAYS - 7)
    assert sum(1 for start in days if start < day) >= 100
    taken = activities.places_taken(db.session.scalars(select(Activity.id)))
    for activity in db.session.scalars(select(Activity).where(Activity.kind == "event")):
        assert taken.get(activity.id, 0) <= activity.slots, activity.title
        assert local(activity.starts_at).hour >= 8 and local(activity.ends_at).hour <= 22
        assert 120 <= activity.minutes_long <= 240
    assert db.session.scalar(select(func.count(SignUp.id)).where(SignUp.attendance == "attended")) > 100

    # Nobody holds two overlapping live sign-ups.
    first, second = aliased(SignUp), aliased(SignUp)
    first_activity, second_activity = aliased(Activity), aliased(Activity)
    overlaps = db.session.scalar(
        select(func.count()).select_from(first)
        .join(second, (second.user_id == first.user_id) & (second.id > first.id))
        .join(first_activity, first_activity.id == first.activity_id)
        .join(second_activity, second_activity.id == second.activity_id)
        .where(first.status.in_(activities.HOLDING), second.status.in_(activities.HOLDING),
               first_activity.starts_at < second_activity.ends_at,
               second_activity.starts_at < first_activity.ends_at))
    assert overlaps == 0

    # The demo logins fit in.
    resident, social_worker = get_by_phone("13800000001"), get_by_phone("13800000002")
    profile = profiles.profile_for(resident)
    assert profile.linked_social_worker_id == social_worker.id
    assert profile.community.name == "金洲社区" and profile.consent_at is not None
    assert profile.skills and profile.interest_groups and profile.availability
    home = profile.community.station
    assert db.session.get(StaffPost, social_worker.id).grid_team == home.grid_teams[0]
    assert db.session.get(StaffPost, get_by_phone("13800000003").id).station_id == home.id
    assert profiles.profile_for(get_by_phone("13800000006")).community.name == "港湾社区"
    coming = activities.next_sign_ups(resident)
    assert 1 <= len([entry for entry in coming if entry.status == "confirmed"]) <= 2
    assert db.session.scalar(select(func.count(SignUp.id)).where(
        SignUp.user_id == resident.id, SignUp.attendance == "attended")) >= 1

    # A newcomer in 金洲社区 finds coming activities with places left.
    open_here = [activity for activity in db.session.scalars(select(Activity).where(
        Activity.station_id == home.id, Activity.community_id == profile.community_id,
        Activity.status == "published", Activity.starts_at > now()))
        if activities.slots_left(activity) > 0]
    assert len(open_here) >= 2

    # Past activities have check-ins, mostly approved into the ledger (key checkin:<id>), some
    # with minutes set by hand and a reason (荣誉时), a few rejected or waiting; and no-shows.
    statuses = dict(db.session.execute(select(CheckIn.status, func.count(CheckIn.id))
                                       .group_by(CheckIn.status)).all())
    assert statuses["approved"] > 500 and statuses.get("closed", 0) + statuses.get("auto_closed", 0) > 0
    assert statuses["rejected"] > 0
    approved = list(db.session.scalars(select(CheckIn).where(CheckIn.status == "approved")))
    assert all(checkin.transfer_id and checkin.minutes > 0 for checkin in approved)
    assert all(checkin.decision_reason for checkin in approved if checkin.adjusted)
    assert 0 < sum(checkin.adjusted for checkin in approved) < len(approved) / 5
    keys = set(db.session.scalars(select(Transfer.idempotency_key).where(Transfer.kind == "earn")))
    assert {f"checkin:{checkin.id}" for checkin in approved} <= keys
    for checkin in approved[:50]:
        assert local(checkin.activity.starts_at) < local(checkin.activity.ends_at) <= \
            local(db.session.get(Transfer, checkin.transfer_id).posted_at) <= now()
        assert checkin.decided_at == db.session.get(Transfer, checkin.transfer_id).posted_at
    assert db.session.scalar(select(func.count(SignUp.id)).where(SignUp.attendance == "no_show")) > 20
    assert db.session.scalar(select(func.count(CheckIn.id)).join(CheckIn.activity).where(
        Activity.ends_at > now())) == 0
    # Some hours went to community pools, one pool granted some, one neighbour paid another.
    assert db.session.scalar(select(func.sum(Account.balance)).where(
        Account.key.like("pool:community:%"))) > 0
    assert db.session.scalar(select(func.count(PoolGrant.id))) == 1
    assert db.session.scalar(select(HelpRequest.status)) == "done"

    assert_every_hour_has_its_record(resident)
    assert_records_are_complete(resident)

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def assert_records_are_complete(resident):
    """Every activity carries its record fields (past ones the people served), the stations
    but one are run by agencies, every approved record has its evaluation and recorder, and the
    resident's certificate is issued by her station's."""
    made = list(db.session.scalars(select(Activity)))
    assert all(activity.service_category in vocabulary.SERVICE_CATEGORIES for activity in made)
    assert all(activity.service_content and activity.person_in_charge for activity in made)
    assert all(activity.people_served for activity in made if activity.ends_at <= now())
    assert len({activity.service_category for activity in made}) >= 6
    approved = list(db.session.scalars(select(CheckIn).where(CheckIn.status == "approved")))
    assert approved and all(checkin.evaluation in vocabulary.EVALUATIONS
                            and checkin.recorded_by_id for checkin in approved)
    stations = list(db.session.scalars(select(Station)))
    assert sum(1 for station in stations if station.agency is not None) == 8
    record = certificates.service_record(resident)
    assert all(line.content and line.place for line in record.lines)
    station_id = certificates.default_organiser(resident, record)
    certificate, _record = certificates.issue(resident, by=resident, station_id=station_id)
    assert certificate.agency is not None and certificate.agency.credit_code
    assert certificate.agency.name == certificates.issuer_name(certificate)
    db.session.rollback()


def assert_every_hour_has_its_record(resident):
    """Service hours come from check-ins only: 我的时间's service figure is the certificate's,
    and the hours before the platform are an opening balance; training earns nothing."""
    assert all(key.startswith("checkin:") for key in db.session.scalars(
        select(Transfer.idempotency_key).where(Transfer.kind == TransferKind.EARN)))
    account = ledger.member_account(resident)
    record = certificates.service_record(resident)
    assert record.lines and ledger_queries.minutes_served(account) == record.total_minutes
    opening = db.session.scalar(select(Transfer).where(
        Transfer.kind == TransferKind.OPENING_BALANCE,
        Transfer.idempotency_key == f"opening_balance:{resident.id}"))
    assert opening is not None
    assert [entry.minutes for entry in opening.entries if entry.account_id == account.id] == [
        core_demo.DEMO_OPENING_MINUTES]
    trained = db.session.scalar(select(func.count(CheckIn.id)).join(CheckIn.activity).where(
        or_(*(Activity.title.contains(title) for title in volunteers_demo.TRAINING_TITLES))))
    assert trained == 0, "nobody checks in for hours at a training session"


@pytest.mark.frozen_clock
@pytest.mark.parametrize("instant", [datetime(2027, 4, 10, 10, tzinfo=SHANGHAI),
                                     datetime(2027, 9, 4, 10, tzinfo=SHANGHAI)], ids=instant_id)
def test_training_sessions_in_the_past_record_attendance_but_no_hours(runner, instant):
    """In April the March 新志愿者入门培训 are past, in September the August 家庭急救技能培训."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    past_training = [activity for activity in db.session.scalars(select(Activity).where(
        Activity.ends_at < now())) if volunteers_demo.is_training(activity)]
    assert past_training, "the demo's history holds a training session"
    attended = db.session.scalar(select(func.count(SignUp.id)).where(
        SignUp.activity_id.in_([activity.id for activity in past_training]), SignUp.attendance == "attended"))
    assert attended > 0
    assert_every_hour_has_its_record(get_by_phone("13800000001"))
