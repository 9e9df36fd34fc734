"""The coordination rules, called as views, the API and jobs call them."""

import pytest
from sqlalchemy import select

from timebank.accounts.permissions import Role
from timebank.errors import Conflict, PermissionDenied
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes


def test_a_new_volunteer_is_linked_to_the_least_busy_social_worker_of_the_grid(
        make_station, make_staff, make_volunteer):
    station = make_station()
    first, second = make_staff(station, name="甲社工"), make_staff(station, name="乙社工")
    community = station.town.communities[0]
    linked = [profiles.profile_for(make_volunteer(community)).linked_social_worker_id
              for _ in range(4)]
    assert sorted(linked) == sorted([first.id, second.id, first.id, second.id])


def test_moving_community_relinks_and_staff_can_change_the_link(
        make_station, make_staff, make_volunteer):
    north, south = make_station(), make_station()
    north_worker, south_worker = make_staff(north), make_staff(south)
    volunteer = make_volunteer(north.town.communities[0])
    profile = profiles.profile_for(volunteer)
    assert profile.linked_social_worker_id == north_worker.id
    profiles.update_profile(profile, {"community_id": south.town.communities[1].id})
    assert profile.linked_social_worker_id == south_worker.id
    other = make_staff(south, name="丙社工")
    with pytest.raises(PermissionDenied):
        profiles.relink(profile, other, by=north_worker)
    profiles.relink(profile, other, by=south_worker, reason="更熟悉长者服务")
    assert profile.linked_social_worker_id == other.id


def test_id_numbers_are_masked_except_for_the_volunteer(
        make_station, make_staff, make_volunteer, make_user):
    """Minimum necessary (issue #21): staff of the volunteer's station reveal it, audited."""
    here, there = make_station(), make_station()
    volunteer = make_volunteer(here.town.communities[0], id_number="44011519900101123X")
    profile = profiles.profile_for(volunteer)
    assert profiles.shown_id_number(volunteer, profile) == "44011519900101123X"
    assert profiles.shown_id_number(make_staff(here), profile) == "4401**********123X"
    assert profiles.shown_id_number(make_staff(there), profile) == "4401**********123X"
    assert profiles.shown_id_number(make_user(), profile) == "4401**********123X"


def test_id_number_check_digit():
    assert profiles.valid_id_number("11010519491231002X")
    assert not profiles.valid_id_number("110105194912310021")
    assert not profiles.valid_id_number("1101051949123100")


def test_overlapping_sign_up_is_refused_with_the_clashing_activity_named(
        make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    morning = make_activity(station, worker, title="长者探访", start="2030-03-05 09:00", hours=2)
    overlapping = make_activity(station, worker, title="义剪", start="2030-03-05 10:30")
    later = make_activity(station, worker, title="禁毒宣传", start="2030-03-05 11:00")
    volunteer = make_volunteer(station.town.communities[0])
    activities.sign_up(morning, volunteer)
    with pytest.raises(Conflict) as refused:
        activities.sign_up(overlapping, volunteer)
    assert refused.value.code == "overlapping"
    assert "长者探访" in refused.value.message and "2030-03-05 09:00" in refused.value.message
    assert activities.sign_up(later, volunteer).status == "confirmed"  # touching is fine


def test_full_activity_waitlists_and_cancellation_promotes_the_first_waiting(
        make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker, slots=2)
    people = [make_volunteer(station.town.communities[0], name=f"志愿者{i}") for i in range(4)]
    statuses = [activities.sign_up(activity, person).status for person in people]
    db.session.commit()
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert activities.slots_left(activity) == 0
    first = activities.live_sign_up(activity, people[0])
    activities.cancel_sign_up(first, by=people[0])
    db.session.commit()
    by_person = {entry.user_id: entry.status for entry in db.session.scalars(select(SignUp))}
    assert by_person[people[0].id] == "cancelled"
    assert by_person[people[2].id] == "confirmed"
    assert by_person[people[3].id] == "waitlisted"


def test_more_places_promote_waiting_volunteers(make_station, make_staff, make_volunteer,
                                                make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker, slots=1)
    people = [make_volunteer(station.town.communities[0]) for _ in range(3)]
    for person in people:
        activities.sign_up(activity, person)
    activities.update_activity(activity, worker, {"slots": 3})
    assert [e.status for e in activities.live_sign_ups(activity)] == ["confirmed"] * 3


def test_signing_up_twice_returns_the_same_sign_up(make_station, make_staff, make_volunteer,
                                                   make_activity):
    station = make_station()
    activity = make_activity(station, make_staff(station))
    volunteer = make_volunteer(station.town.communities[0])
    assert activities.sign_up(activity, volunteer).id == activities.sign_up(activity, volunteer).id


def test_a_social_worker_cannot_edit_another_stations_activity(make_station, make_staff,
                                                               make_activity, make_user):
    here, there = make_station(), make_station()
    activity = make_activity(here, make_staff(here))
    with pytest.raises(PermissionDenied):
        activities.update_activity(activity, make_staff(there), {"title": "改名"})
    with pytest.raises(PermissionDenied):
        make_activity(here, make_staff(there))
    admin = make_user(Role.DISTRICT_ADMIN)
    assert activities.update_activity(activity, admin, {"title": "改名"}).title == "改名"


def test_cancelled_activity_cancels_its_sign_ups(make_station, make_staff, make_volunteer,
                                                 make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker)
    volunteer = make_volunteer(station.town.communities[0])
    activities.sign_up(activity, volunteer)
    activities.update_activity(activity, worker, {"status": "cancelled"})
    assert activities.live_sign_ups(activity) == []
    with pytest.raises(Conflict):
        activities.sign_up(activity, volunteer)


def test_activity_rules_are_checked(make_station, make_staff, make_activity):
    station, other = make_station(), make_station()
    worker = make_staff(station)
    from timebank.errors import InvalidInput

    with pytest.raises(InvalidInput) as bad:
        make_activity(station, worker, hours=-1, slots=0, target_group="cats",
                      required_skills=["juggling"])
    assert set(bad.value.fields) == {"ends_at", "slots", "target_group", "required_skills"}
    with pytest.raises(InvalidInput) as elsewhere:
        make_activity(station, worker, community=other.town.communities[0])
    assert "community_id" in elsewhere.value.fields


def test_theme_calendar_permissions_and_month_listing(make_station, make_staff, make_user):
    station, other = make_station(), make_station()
    manager = make_staff(station, Role.STATION_MANAGER)
    themes.set_theme(station.id, 2030, 3, title="学雷锋", tags=["志愿", "便民"], by=manager)
    themes.set_theme(None, 2030, 3, title="学雷锋月", by=make_user(Role.DISTRICT_ADMIN))
    with pytest.raises(PermissionDenied):
        themes.set_theme(other.id, 2030, 3, title="不行", by=manager)
    with pytest.raises(PermissionDenied):
        themes.set_theme(station.id, 2030, 4, title="不行", by=make_staff(station))
    assert [t.title for t in themes.themes_for_month(2030, 3, station.id)] == ["学雷锋月", "学雷锋"]
    assert [t.title for t in themes.themes_for_month(2030, 3, other.id)] == ["学雷锋月"]
    replaced = themes.set_theme(station.id, 2030, 3, title="学雷锋·便民服务", by=manager)
    assert replaced.tags == [] and len(themes.themes_for_month(2030, 3)) == 2
