"""`flask users create`: an operator's accounts, and staff posted to their station."""

import pytest
from sqlalchemy import func, select

from timebank.accounts.models import User
from timebank.accounts.services import get_by_phone
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.org import services as org

PASSWORD = "a-long-pass"  # noqa: S105


def _create(runner, *extra, role="social_worker", phone="13800000091", name="李社工"):
    return runner.invoke(args=["users", "create", "--role", role, "--phone", phone,
                               "--password", PASSWORD, "--name", name, *extra])


def _users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_a_social_worker_is_posted_to_the_station_and_grid_team_given(runner, make_station):
    station = make_station()
    team = station.grid_teams[0]
    result = _create(runner, "--station", str(station.id), "--grid-team", str(team.id))
    assert result.exit_code == 0, result.output
    assert f"posted at station {station.id}" in result.stdout
    worker = get_by_phone("13800000091")
    post = org.post_of(worker)
    assert (post.station_id, post.grid_team_id) == (station.id, team.id)
    # The post is what lets them work: the station's checks now answer for them.
    assert org.station_of(worker) == station.id
    assert org.can_manage_station(worker, station.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.details == {"roles": ["social_worker"], "via": "cli", "station_id": station.id,
                             "grid_team_id": team.id}


def test_a_station_manager_may_be_posted_without_a_grid_team(runner, make_station):
    station = make_station()
    result = _create(runner, "--station", str(station.id), role="station_manager")
    assert result.exit_code == 0, result.output
    post = org.post_of(get_by_phone("13800000091"))
    assert (post.station_id, post.grid_team_id) == (station.id, None)


def test_staff_without_a_station_are_created_with_a_note(runner):
    result = _create(runner)
    assert result.exit_code == 0
    assert "no station yet" in result.stderr
    assert org.post_of(get_by_phone("13800000091")) is None
    admin = _create(runner, role="district_admin", phone="13800000092")
    assert admin.exit_code == 0 and "no station" not in admin.stderr


@pytest.mark.parametrize(("extra", "role", "field"), [
    (("--station", "999999"), "social_worker", "station_id"),
    (("--station", "STATION", "--grid-team", "999999"), "social_worker", "grid_team_id"),
    (("--station", "STATION", "--grid-team", "OTHER_TEAM"), "social_worker", "grid_team_id"),
    (("--station", "STATION"), "resident", "station_id"),
    (("--station", "STATION"), "merchant", "station_id"),
])
def test_a_post_that_cannot_be_made_creates_nobody(runner, make_station, extra, role, field):
    station, other = make_station(), make_station()
    ids = {"STATION": str(station.id), "OTHER_TEAM": str(other.grid_teams[0].id)}
    before = _users()
    result = _create(runner, *(ids.get(word, word) for word in extra), role=role)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {field}:")
    db.session.rollback()
    assert _users() == before
    assert get_by_phone("13800000091") is None


@pytest.mark.parametrize("extra", [("--grid-team", "1"), ("--station", "0"),
                                   ("--station", "3000000000"), ("--station", "abc")])
def test_bad_station_options_are_usage_errors(runner, extra):
    before = _users()
    result = _create(runner, *extra)
    assert result.exit_code == 2
    assert _users() == before


def test_an_operators_merchant_is_approved_at_once(runner):
    from timebank.exchange.merchants import services as merchants

    result = _create(runner, role="merchant", name="爱心超市")
    assert result.exit_code == 0, result.output
    merchant = get_by_phone("13800000091")
    assert merchants.profile_of(merchant).status == "approved"
    assert merchants.may_trade(merchant)
