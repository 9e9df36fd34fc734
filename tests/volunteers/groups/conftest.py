"""Fixtures of group members: a station with staff, a group with a contact, and a helper that
records approved service for a volunteer."""

from datetime import timedelta

import pytest

from timebank.accounts.permissions import Role
from timebank.extensions import db


@pytest.fixture
def make_group():
    """``make_group(station, by, name=..., kind=...)``: a registered group (committed)."""
    from volunteers.groups import services as groups

    def make(station, by, name="南沙爱心科技有限公司", kind="company", **fields):
        group = groups.create_group({"name": name, "kind": kind, "station_id": station.id,
                                     **fields}, by=by)
        db.session.commit()
        return group

    return make


@pytest.fixture
def serve(make_activity):
    """``serve(station, by, volunteers, days_ago=..., hours=...)``: an activity that started
    `days_ago` days before the suite's instant, each volunteer checked in at its start and out
    `minutes` later, approved by a station manager. Returns the activity."""
    from volunteers.activities import services as activities
    from volunteers.checkins import services as checkins

    def make(station, manager, volunteers, *, days_ago=5, minutes=90, title="长者探访"):
        activity = make_activity(station, manager, title=title, hours=3)
        for volunteer in volunteers:
            activities.sign_up(activity, volunteer)
        activity.starts_at -= timedelta(days=days_ago + 1)
        activity.ends_at -= timedelta(days=days_ago + 1)
        for volunteer in volunteers:
            checkin, _ = checkins.check_in(activity, volunteer, at=activity.starts_at)
            checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=minutes))
            checkins.approve(checkin, by=manager)
        db.session.commit()
        return activity

    return make


@pytest.fixture
def manager(station, make_staff):
    return make_staff(station, Role.STATION_MANAGER, name="项目主管")
