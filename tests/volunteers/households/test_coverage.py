"""Coverage on known data, counted by hand, at the turn of the year in Asia/Shanghai."""

from datetime import date, datetime

import pytest

from tests.conftest import SHANGHAI
from timebank.errors import InvalidInput
from timebank.extensions import db
from volunteers.households import services as households
from volunteers.households.services import Quarter
from volunteers.visits.models import Visit

LAST_MINUTE = datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)


def visit(household, worker, day: date, status: str = "recorded") -> None:
    db.session.add(Visit(household_id=household.id, station_id=household.station_id,
                         visitor_id=worker.id, visited_on=day, minutes=30, status=status))


@pytest.fixture
def known(make_station, make_staff, register_household):
    """Community 1: A (visited 31 Dec), B (approved visit 1 Oct), C (a visit waiting),
    D (a visit rejected). Community 2: E (visited 30 Sep only), F (off the register since
    September: not counted), G (never visited, due 30 Dec: overdue)."""
    station = make_station()
    worker = make_staff(station)
    first, second = station.town.communities
    made = {}
    for name, community in (("A", first), ("B", first), ("C", first), ("D", first),
                            ("E", second), ("F", second), ("G", second)):
        made[name] = register_household(station, worker, name=name, community_id=community.id,
                                        next_visit_due=date(2027, 2, 1))
        made[name].created_at = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)  # long registered
    made["G"].next_visit_due = date(2026, 12, 30)
    made["F"].closed_at, made["F"].closed_reason = datetime(2026, 9, 1, tzinfo=SHANGHAI), "搬走"
    visit(made["A"], worker, date(2026, 12, 31))
    visit(made["B"], worker, date(2026, 10, 1), "approved")
    visit(made["C"], worker, date(2026, 12, 1), "waiting")
    visit(made["D"], worker, date(2026, 12, 2), "rejected")
    visit(made["E"], worker, date(2026, 9, 30))
    db.session.commit()
    return station, made


def figures_of(coverage) -> list:
    return [(row.label, row.registered, row.visited, row.share,
             [household.name for household in row.overdue]) for row in coverage.communities]


@pytest.mark.parametrize("instant", [LAST_MINUTE])
def test_the_last_minute_of_the_quarter(known, instant):
    station, _made = known
    coverage = households.coverage(station.id)
    assert str(coverage.quarter) == "2026Q4"
    assert figures_of(coverage) == [("第1社区", 4, 2, 50.0, []), ("第2社区", 2, 0, 0.0, ["G"])]
    assert (coverage.total.registered, coverage.total.visited, coverage.total.share) == (6, 2, 33.3)
    [team] = coverage.teams
    assert (team.registered, team.visited, [row.name for row in team.overdue]) == (6, 2, ["G"])


@pytest.mark.parametrize("instant", [NEW_YEAR])
def test_the_first_minute_of_the_next_quarter(known, instant):
    station, _made = known
    coverage = households.coverage(station.id)
    assert str(coverage.quarter) == "2027Q1"
    assert figures_of(coverage) == [("第1社区", 4, 0, 0.0, []), ("第2社区", 2, 0, 0.0, ["G"])]
    # The past quarter, asked for by name, still counts as it did.
    past = households.coverage(station.id, households.parse_quarter("2026q4"))
    assert (past.total.registered, past.total.visited) == (6, 2)


def test_a_household_is_counted_in_the_quarters_it_was_on_the_register(known):
    station, _made = known
    assert households.coverage(station.id, Quarter(2026, 1)).total.registered == 0
    # In the third quarter F was still on the register, and E was visited.
    third = households.coverage(station.id, Quarter(2026, 3))
    assert (third.total.registered, third.total.visited) == (7, 1)


@pytest.mark.parametrize("text", ["2026Q5", "26Q1", "Q4", "1999Q1", "2026-12"])
def test_quarters_are_written_like_2026Q4(text):
    with pytest.raises(InvalidInput):
        households.parse_quarter(text)


def test_quarter_bounds():
    assert (Quarter(2026, 4).first_day, Quarter(2026, 4).last_day) == (date(2026, 10, 1),
                                                                       date(2026, 12, 31))
    assert households.quarter_of(date(2027, 3, 31)) == Quarter(2027, 1)
