"""The station's activity list: any month, a title search across months, filters."""

import re

import pytest

from tests.conftest import page
from timebank.accounts.permissions import Role
from timebank.extensions import db
from volunteers.themes import services as themes


def _titles(html):
    return re.findall(r'/station/activities/\d+">([^<]+)</a>', html)


@pytest.fixture
def year_of_activities(station, worker, make_staff, make_activity):
    colleague = make_staff(station, name="王社工")
    manager = make_staff(station, Role.STATION_MANAGER, name="项目主管")
    theme = themes.set_theme(station.id, 2026, 12, title="冬日暖心", by=manager)
    db.session.commit()
    make_activity(station, worker, title="三月学雷锋", start="2026-03-05T09:00")
    make_activity(station, colleague, title="十二月探访长者", start="2026-12-20T09:00",
                  theme_id=theme.id)
    make_activity(station, worker, title="十二月义剪", start="2026-12-21T09:00", status="draft")
    make_activity(station, worker, title="一月探访长者", start="2027-01-10T09:00")
    return {"colleague": colleague, "theme": theme}


def test_by_default_this_month_and_the_next(client, login, worker, year_of_activities):
    login(worker)
    assert _titles(page(client, "/station/activities")) == ["十二月探访长者", "十二月义剪",
                                                            "一月探访长者"]


def test_any_month_can_be_shown(client, login, worker, year_of_activities):
    login(worker)
    html = page(client, "/station/activities?month=2026-03")
    assert _titles(html) == ["三月学雷锋"]
    assert "month=2026-02" in html and "month=2026-04" in html  # earlier and later months


def test_a_title_search_looks_at_every_month_newest_first(client, login, worker,
                                                          year_of_activities):
    login(worker)
    assert _titles(page(client, "/station/activities?q=探访 长者")) == ["一月探访长者",
                                                                      "十二月探访长者"]
    assert _titles(page(client, "/station/activities?q=100%")) == []  # a literal %, not a wildcard


def test_filters_by_theme_status_and_social_worker(client, login, worker, year_of_activities):
    login(worker)
    theme, colleague = year_of_activities["theme"], year_of_activities["colleague"]
    assert _titles(page(client, f"/station/activities?theme_id={theme.id}")) == ["十二月探访长者"]
    assert _titles(page(client, "/station/activities?status=draft")) == ["十二月义剪"]
    assert _titles(page(client, f"/station/activities?worker_id={colleague.id}")) == [
        "十二月探访长者"]


@pytest.mark.parametrize("query", ["month=2026-13", "month=1899-01", "status=gone",
                                   "theme_id=x", "q=" + "长" * 81])
def test_a_bad_filter_is_a_clear_error(client, login, worker, year_of_activities, query):
    login(worker)
    response = client.get(f"/station/activities?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert len(_titles(html)) == 3  # the default view


def test_another_stations_activities_are_not_listed(client, login, make_station, make_staff,
                                                    year_of_activities):
    outsider = make_staff(make_station(), name="外站社工")
    login(outsider)
    assert _titles(page(client, "/station/activities?q=探访")) == []
