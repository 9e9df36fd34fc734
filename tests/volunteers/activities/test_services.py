"""Who may see an activity, when it is open for sign-up, and who may answer an invitation:
each rule has one owner in `volunteers.activities` (the pages and the API call it)."""

from datetime import timedelta

import pytest

from timebank.clock import now
from timebank.errors import Conflict, NotFound, PermissionDenied
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUpStatus
from volunteers.matching import services as match_runs


def test_a_draft_is_seen_only_by_its_stations_staff(station, worker, make_station, make_staff,
                                                     make_volunteer, make_activity):
    draft = make_activity(station, worker, status="draft")
    published = make_activity(station, worker, start=now() + timedelta(days=2))
    volunteer, stranger = make_volunteer(), make_staff(make_station())
    assert activities.visible_activity(worker, draft.id) == draft
    assert activities.visible_activity(volunteer, published.id) == published
    for outsider in (volunteer, stranger):
        with pytest.raises(NotFound) as refused:
            activities.visible_activity(outsider, draft.id)
        assert refused.value.code == "activity_not_found"


def test_only_its_stations_staff_manage_an_activity(station, worker, make_station, make_staff,
                                                    make_activity):
    activity = make_activity(station, worker)
    assert activities.station_activity(worker, activity.id) == activity
    with pytest.raises(PermissionDenied):
        activities.station_activity(make_staff(make_station()), activity.id)
    with pytest.raises(NotFound):
        activities.station_activity(worker, activity.id + 1000)


def test_open_for_sign_up_means_published_and_not_over(station, worker, make_activity):
    assert make_activity(station, worker).open_for_sign_up
    assert not make_activity(station, worker, status="draft").open_for_sign_up
    over = make_activity(station, worker, start=now() - timedelta(hours=3), hours=1)
    assert over.has_started and over.has_ended and not over.open_for_sign_up


def test_only_the_invited_volunteer_answers_an_invitation(station, worker, make_volunteer,
                                                          make_activity):
    activity = make_activity(station, worker)
    volunteer, other = make_volunteer(), make_volunteer()
    entry = activities.sign_up(activity, volunteer, status=SignUpStatus.INVITED)
    db.session.commit()
    assert entry.is_invitation
    for answer in (match_runs.accept_invitation, match_runs.decline_invitation):
        with pytest.raises(Conflict) as refused:
            answer(entry, by=other)
        assert refused.value.code == "no_invitation"
    assert match_runs.accept_invitation(entry, by=volunteer).status == SignUpStatus.CONFIRMED
    with pytest.raises(Conflict):
        match_runs.decline_invitation(entry, by=volunteer)


def test_a_volunteers_own_sign_up_is_not_found_for_anyone_else(station, worker, make_volunteer,
                                                               make_activity):
    volunteer, other = make_volunteer(), make_volunteer()
    entry = activities.sign_up(make_activity(station, worker), volunteer)
    db.session.commit()
    assert activities.own_sign_up(volunteer, entry.id) == entry
    with pytest.raises(NotFound):
        activities.own_sign_up(other, entry.id)
