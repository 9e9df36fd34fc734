"""An activity's record fields (服务类别, 服务内容, 服务对象人数, 活动负责人): through the station's
form, the API and the activity pages."""

import pytest
from sqlalchemy import func, select

from tests.conftest import page, post_form
from tests.volunteers.activities.test_api import error_of, new_activity  # noqa: F401 (fixture)
from tests.volunteers.activities.test_station import activity_form
from timebank.extensions import db
from volunteers.activities.models import Activity

RECORD_FIELDS = {"service_category", "service_content", "people_served", "person_in_charge"}


# --- the API ----------------------------------------------------------------------------------

def test_the_api_creates_with_the_record_fields_and_reads_them_back(client, worker, api_token,
                                                                    new_activity):  # noqa: F811
    body = {**new_activity, "service_category": "elderly_disabled",
            "service_content": "两人一组上门探访独居长者，检查家居安全", "people_served": 12,
            "person_in_charge": "黄主任"}
    response = client.post("/api/v1/activities", headers=api_token(worker), json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert {name: created[name] for name in RECORD_FIELDS} == {
        name: body[name] for name in RECORD_FIELDS}
    read = client.get(f"/api/v1/activities/{created['id']}", headers=api_token(worker)).get_json()
    assert {name: read[name] for name in RECORD_FIELDS} == {name: body[name] for name in RECORD_FIELDS}


def test_an_older_client_that_omits_the_category_still_creates_a_community_service(
        client, worker, api_token, new_activity):  # noqa: F811
    response = client.post("/api/v1/activities", headers=api_token(worker), json=new_activity)
    assert response.status_code == 201
    created = response.get_json()
    assert created["service_category"] == "community"
    assert created["person_in_charge"] == "李社工"  # the social worker who created it
    assert created["people_served"] is None and created["service_content"] == ""


@pytest.mark.parametrize(("change", "field"), [
    ({"service_category": "juggling"}, "service_category"),
    ({"service_content": "长" * 501}, "service_content"),
    ({"people_served": -1}, "people_served"),
    ({"people_served": "12"}, "people_served"),
    ({"person_in_charge": "名" * 41}, "person_in_charge"),
])
def test_bad_record_fields_are_422_and_nothing_is_made(client, worker, api_token, new_activity,  # noqa: F811
                                                      change, field):
    response = client.post("/api/v1/activities", headers=api_token(worker),
                           json={**new_activity, **change})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {field}
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_people_served_is_filled_in_after_the_activity(client, station, worker, make_activity,
                                                       api_token):
    activity = make_activity(station, worker, start="2026-12-01 09:00")
    url = f"/api/v1/activities/{activity.id}"
    response = client.patch(url, headers=api_token(worker),
                            json={"people_served": 35, "service_content": "为长者义剪、量血压"})
    assert response.status_code == 200
    assert (response.get_json()["people_served"], response.get_json()["service_content"]) == (
        35, "为长者义剪、量血压")
    assert client.patch(url, headers=api_token(worker),
                        json={"service_category": "nope"}).status_code == 422


# --- the station's form and the pages ---------------------------------------------------------

def test_the_form_requires_a_category_for_a_new_activity(client, login, station, worker):
    login(worker)
    form = activity_form(community_id=str(station.town.communities[0].id), service_category="")
    response = post_form(client, "/station/activities/new", form)
    assert response.status_code == 422
    assert "请从列表中选择服务类别" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Activity.id))) == 0

    filled = activity_form(community_id=str(station.town.communities[0].id),
                           service_category="education", people_served="20",
                           service_content="辅导小学生完成作业")
    assert post_form(client, "/station/activities/new", filled).status_code == 302
    created = db.session.scalar(select(Activity))
    assert (created.service_category, created.service_content, created.people_served,
            created.person_in_charge) == ("education", "辅导小学生完成作业", 20, "李社工")


def test_the_form_shows_the_record_fields_and_edits_them(client, login, station, worker,
                                                         make_activity):
    activity = make_activity(station, worker, start="2030-10-11 09:00",
                             service_category="culture", service_content="写挥春、派春联")
    login(worker)
    html = page(client, f"/station/activities/{activity.id}/edit")
    assert "服务类别" in html and "写挥春、派春联" in html and "服务对象人数" in html
    assert 'value="culture" selected' in html
    form = activity_form(community_id=str(station.town.communities[0].id),
                         service_category="culture", people_served="48", person_in_charge="黄主任")
    assert post_form(client, f"/station/activities/{activity.id}/edit", form).status_code == 302
    db.session.refresh(activity)
    assert (activity.people_served, activity.person_in_charge) == (48, "黄主任")
    assert "黄主任" in page(client, f"/station/activities/{activity.id}")


def test_the_volunteer_and_public_pages_show_the_record_fields(client, login, station, worker,
                                                               make_activity, make_user):
    activity = make_activity(station, worker, service_category="environment",
                             service_content="清理河涌两岸垃圾", people_served=30)
    public = page(client, f"/activities/{activity.id}")
    for text in ("环境保护", "清理河涌两岸垃圾", "30", "李社工"):
        assert text in public, text
    login(make_user(name="居民"))
    mine = page(client, f"/volunteer/activities/{activity.id}")
    assert "环境保护" in mine and "清理河涌两岸垃圾" in mine and "活动负责人" in mine
