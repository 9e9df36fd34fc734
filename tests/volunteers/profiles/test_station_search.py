"""Searching the station's volunteers by name, phone, skill and community."""

import re

import pytest

from tests.conftest import page


def _names(html):
    return re.findall(r"<tr>\s*<td>([^<]+)<br>", html)


@pytest.fixture
def volunteers_of_the_station(station, worker, make_volunteer, make_station):
    first, second = station.town.communities
    people = {
        "chen": make_volunteer(first, name="陈晓敏", skills=["first_aid"], consent=True),
        "huang": make_volunteer(second, name="黄志强", skills=["tutoring"], consent=True),
        "lin": make_volunteer(second, name="林美华", skills=[], skills_other="急救证书，会手语",
                              consent=True),
    }
    make_volunteer(make_station().town.communities[0], name="陈外站")
    return people


def test_searching_by_name_phone_skill_and_community(client, login, worker,
                                                     volunteers_of_the_station, station):
    login(worker)
    people = volunteers_of_the_station
    assert _names(page(client, "/station/volunteers?q=陈")) == ["陈晓敏"]  # not 陈外站
    phone = people["huang"].phone
    assert _names(page(client, f"/station/volunteers?q={phone[-4:]}")) == ["黄志强"]
    assert _names(page(client, "/station/volunteers?skill=first_aid")) == ["林美华", "陈晓敏"]
    second = station.town.communities[1]
    assert _names(page(client, f"/station/volunteers?community_id={second.id}")) == [
        "林美华", "黄志强"]


def test_without_a_search_the_page_shows_my_linked_volunteers(client, login, worker,
                                                              volunteers_of_the_station):
    login(worker)
    html = page(client, "/station/volunteers")
    assert "我联系的志愿者" in html or "我的志愿者" in html
    assert "本站志愿者" not in html.split("<h1>")[1]


@pytest.mark.parametrize("query", ["skill=flying", "community_id=abc", "q=" + "陈" * 61])
def test_a_bad_search_is_a_clear_error(client, login, worker, volunteers_of_the_station, query):
    login(worker)
    response = client.get(f"/station/volunteers?{query}")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
