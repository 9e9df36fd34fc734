"""The coordination API through HTTP: registration with a home community, themes, activities,
sign-ups, the volunteer profile, and the OpenAPI document."""

from datetime import UTC, datetime, timedelta

import pytest
from openapi_spec_validator import validate
from sqlalchemy import event, func, select

from tests.conftest import PASSWORD
from timebank.accounts.permissions import Role
from timebank.accounts.services import get_by_phone
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, SignUp, SignUpStatus
from volunteers.themes import services as themes

ACTIVITY_FIELDS = {"id", "title", "description", "theme_id", "station_id", "community_id",
                   "target_group", "starts_at", "ends_at", "slots", "slots_left",
                   "required_skills", "allow_walk_ins", "status"}
SIGN_UP_FIELDS = {"id", "activity_id", "user_id", "status"}
THEME_FIELDS = {"id", "station_id", "month", "title", "description", "tags"}


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def month_of(activity) -> str:
    return local(activity.starts_at).strftime("%Y-%m")


def sign_ups(**where) -> list[SignUp]:
    db.session.rollback()  # read what the requests committed
    return list(db.session.scalars(select(SignUp).filter_by(**where).order_by(SignUp.id)))




@pytest.fixture
def new_activity(station, worker):
    """A body for POST /activities: next week at the station's first community, 09:00-11:00."""
    start = local(now()).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=7)
    return {"title": "重阳敬老探访", "community_id": station.town.communities[0].id,
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "slots": 5, "target_group": "elderly", "required_skills": ["elderly_companionship"],
            "place": "金洲社区服务点", "description": "探访独居长者"}


# --- registration with a home community -----------------------------------------------------------

def test_registering_with_a_community_links_a_social_worker_shown_in_me(client, station, worker):
    community = station.town.communities[1]
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138000", "password": "a-long-pass", "name": "陈晓敏",
        "community_id": community.id})
    assert response.status_code == 201
    user = response.get_json()
    assert (user["community_id"], user["station_id"], user["linked_social_worker_id"]) == (
        community.id, station.id, worker.id)
    token = client.post("/api/v1/auth/token",
                        json={"phone": "13800138000", "password": "a-long-pass"}).get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["community_id"] == community.id
    assert me["station_id"] == station.id
    assert me["linked_social_worker_id"] == worker.id


def test_registering_with_an_unknown_community_is_422_and_creates_nothing(client, station):
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138000", "password": "a-long-pass", "name": "陈晓敏", "community_id": 99999})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert error["fields"] == {"community_id": ["没有该社区。"]}
    db.session.rollback()
    assert get_by_phone("13800138000") is None
    # The phone is still free: registering properly afterwards works.
    response = client.post("/api/v1/auth/register", json={
        "phone": "13800138000", "password": "a-long-pass", "name": "陈晓敏"})
    assert response.status_code == 201
    assert response.get_json()["community_id"] is None


# --- themes ---------------------------------------------------------------------------------------

def test_a_months_themes_are_listed_district_wide_and_per_station(client, make_station, make_user):
    here, there = make_station(), make_station()
    admin = make_user(Role.DISTRICT_ADMIN)
    district = themes.set_theme(None, 2026, 3, title="学雷锋志愿服务月", tags=["志愿"], by=admin)
    ours = themes.set_theme(here.id, 2026, 3, title="长者关爱月", description="探访独居长者",
                            tags=["敬老", "探访"], by=admin)
    themes.set_theme(there.id, 2026, 3, title="禁毒宣传月", by=admin)
    themes.set_theme(None, 2026, 4, title="四月主题", by=admin)
    db.session.commit()

    body = client.get("/api/v1/themes?month=2026-03").get_json()
    assert body["month"] == "2026-03"
    assert [theme["title"] for theme in body["items"]] == ["学雷锋志愿服务月", "长者关爱月", "禁毒宣传月"]
    assert all(set(theme) == THEME_FIELDS for theme in body["items"])
    assert body["items"][0] == {"id": district.id, "station_id": None, "month": "2026-03",
                                "title": "学雷锋志愿服务月", "description": "", "tags": ["志愿"]}
    assert body["items"][1]["station_id"] == here.id and body["items"][1]["tags"] == ["敬老", "探访"]

    body = client.get(f"/api/v1/themes?month=2026-03&station_id={here.id}").get_json()
    assert [theme["id"] for theme in body["items"]] == [district.id, ours.id]


def test_themes_default_to_this_month_in_shanghai(client, make_user):
    today = local(now())
    themes.set_theme(None, today.year, today.month, title="本月主题", by=make_user(Role.DISTRICT_ADMIN))
    db.session.commit()
    body = client.get("/api/v1/themes").get_json()
    assert body["month"] == today.strftime("%Y-%m")
    assert [theme["title"] for theme in body["items"]] == ["本月主题"]


@pytest.mark.parametrize("month", ["2026-13", "March", "2026-3-1", "26-03"])
def test_a_bad_month_is_422(client, month):
    response = client.get(f"/api/v1/themes?month={month}")
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"month"}
    assert client.get(f"/api/v1/activities?month={month}").status_code == 422


# --- reading activities ----------------------------------------------------------------------------

def test_activities_have_the_contract_shape_with_places_left(client, station, worker, make_activity,
                                                             make_volunteer):
    activity = make_activity(station, worker, slots=3, required_skills=["first_aid"],
                             place="金洲社区服务点")
    activities.sign_up(activity, make_volunteer())
    db.session.commit()

    body = client.get(f"/api/v1/activities?month={month_of(activity)}").get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["total"] == 1
    item = body["items"][0]
    assert ACTIVITY_FIELDS <= set(item)
    assert item["id"] == activity.id
    assert (item["station_id"], item["community_id"]) == (station.id, activity.community_id)
    assert (item["slots"], item["slots_left"]) == (3, 2)
    assert item["required_skills"] == ["first_aid"]
    assert item["status"] == "published" and item["allow_walk_ins"] is False
    assert item["starts_at"].endswith("+08:00") and "T09:00:00" in item["starts_at"]
    assert item["ends_at"].endswith("+08:00") and "T11:00:00" in item["ends_at"]
    assert item["place"] == "金洲社区服务点"

    single = client.get(f"/api/v1/activities/{activity.id}")
    assert single.status_code == 200
    assert single.get_json() == item


def test_activities_list_only_published_and_closed_and_filter(client, make_station, make_staff,
                                                             make_activity, make_user):
    here, there = make_station(), make_station()
    ours, theirs = make_staff(here), make_staff(there)
    start = local(now()).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    theme = themes.set_theme(here.id, start.year, start.month, title="长者关爱月",
                             by=make_user(Role.DISTRICT_ADMIN))
    db.session.commit()
    themed = make_activity(here, ours, start=start, theme_id=theme.id, title="长者探访")
    plain = make_activity(here, ours, start=start + timedelta(hours=3), title="社区清洁")
    closed = make_activity(here, ours, start=start + timedelta(hours=6), status="closed",
                           title="已截止")
    make_activity(here, ours, start=start, status="draft", title="草稿")
    cancelled = make_activity(here, ours, start=start, title="取消了")
    activities.update_activity(cancelled, ours, {"status": "cancelled"})
    elsewhere = make_activity(there, theirs, start=start, title="别的站")
    db.session.commit()

    month = start.strftime("%Y-%m")
    listed = client.get(f"/api/v1/activities?month={month}").get_json()["items"]
    assert {item["id"] for item in listed} == {themed.id, plain.id, closed.id, elsewhere.id}
    by_station = client.get(f"/api/v1/activities?month={month}&station_id={here.id}").get_json()
    assert [item["id"] for item in by_station["items"]] == [themed.id, plain.id, closed.id]
    by_theme = client.get(f"/api/v1/activities?theme_id={theme.id}").get_json()
    assert [item["id"] for item in by_theme["items"]] == [themed.id]
    other_month = (start.replace(day=1) + timedelta(days=40)).strftime("%Y-%m")
    assert client.get(f"/api/v1/activities?month={other_month}").get_json()["items"] == []
    assert client.get("/api/v1/activities?station_id=abc").status_code == 422


def test_activities_are_paginated(client, station, worker, make_activity):
    start = local(now()).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=1)
    made = [make_activity(station, worker, start=start + timedelta(hours=2 * i), hours=1,
                          title=f"活动{i}").id for i in range(5)]
    month = start.strftime("%Y-%m")
    first = client.get(f"/api/v1/activities?month={month}&per_page=2").get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    assert [item["id"] for item in first["items"]] == made[:2]
    last = client.get(f"/api/v1/activities?month={month}&per_page=2&page=3").get_json()
    assert [item["id"] for item in last["items"]] == made[4:]
    beyond = client.get(f"/api/v1/activities?month={month}&per_page=2&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 5
    assert client.get(f"/api/v1/activities?month={month}&per_page=1000").get_json()["per_page"] == 100


def test_listing_activities_takes_the_same_number_of_queries_for_one_or_many(
        app, client, station, worker, make_activity, make_volunteer):
    start = local(now()).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=1)
    month = start.strftime("%Y-%m")
    volunteer = make_volunteer()

    def queries() -> int:
        statements = []

        def count(*args):
            statements.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/api/v1/activities?month={month}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    first = make_activity(station, worker, start=start, hours=1)
    activities.sign_up(first, volunteer)
    db.session.commit()
    one = queries()
    for i in range(1, 6):
        activities.sign_up(make_activity(station, worker, start=start + timedelta(hours=2 * i),
                                         hours=1), volunteer)
        db.session.commit()
    assert queries() == one


def test_a_draft_is_seen_only_by_its_stations_staff(client, station, worker, make_activity,
                                                    make_station, make_staff, make_user, api_token):
    draft = make_activity(station, worker, status="draft")
    url = f"/api/v1/activities/{draft.id}"
    assert client.get(url).status_code == 404
    assert error_of(client.get(url))["code"] == "activity_not_found"
    assert client.get(url, headers=api_token(make_user())).status_code == 404
    assert client.get(url, headers=api_token(make_staff(make_station()))).status_code == 404
    shown = client.get(url, headers=api_token(worker))
    assert shown.status_code == 200 and shown.get_json()["status"] == "draft"
    assert client.get("/api/v1/activities/99999").status_code == 404


# --- creating and changing activities --------------------------------------------------------------

def test_a_social_worker_creates_an_activity_at_their_station(client, station, worker, api_token,
                                                              new_activity):
    response = client.post("/api/v1/activities", headers=api_token(worker),
                           json={**new_activity, "status": "published"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert ACTIVITY_FIELDS <= set(created)
    assert created["station_id"] == station.id
    assert created["status"] == "published"
    assert created["slots_left"] == 5
    assert created["starts_at"] == new_activity["starts_at"]
    assert created["required_skills"] == ["elderly_companionship"]
    # Without a status it is a draft.
    draft = client.post("/api/v1/activities", headers=api_token(worker), json=new_activity)
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"


def test_times_in_another_offset_mean_the_same_moment(client, worker, api_token, new_activity):
    start = datetime.fromisoformat(new_activity["starts_at"])
    body = {**new_activity, "starts_at": start.astimezone(UTC).isoformat()}
    assert body["starts_at"].endswith("+00:00")
    created = client.post("/api/v1/activities", headers=api_token(worker), json=body).get_json()
    assert created["starts_at"] == new_activity["starts_at"]


def test_a_resident_cannot_create_an_activity(client, make_user, api_token, new_activity):
    response = client.post("/api/v1/activities", headers=api_token(make_user()), json=new_activity)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert client.post("/api/v1/activities", json=new_activity).status_code == 401
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_a_district_administrator_names_the_station(client, station, make_user, api_token,
                                                    new_activity):
    headers = api_token(make_user(Role.DISTRICT_ADMIN))
    response = client.post("/api/v1/activities", headers=headers, json=new_activity)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"station_id"}
    response = client.post("/api/v1/activities", headers=headers,
                           json={**new_activity, "station_id": 99999})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"station_id"}
    response = client.post("/api/v1/activities", headers=headers,
                           json={**new_activity, "station_id": station.id})
    assert response.status_code == 201
    assert response.get_json()["station_id"] == station.id


def test_a_social_worker_cannot_create_at_another_station(client, worker, make_station, api_token,
                                                          new_activity):
    other = make_station()
    response = client.post("/api/v1/activities", headers=api_token(worker),
                           json={**new_activity, "station_id": other.id,
                                 "community_id": other.town.communities[0].id})
    assert response.status_code == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"starts_at": "2026-12-01T09:00:00"}, "starts_at"),  # no offset
    ({"ends_at": "not a time"}, "ends_at"),
    ({"slots": 0}, "slots"),
    ({"slots": "5"}, "slots"),
    ({"status": "closed"}, "status"),
    ({"target_group": "aliens"}, "target_group"),
    ({"required_skills": ["juggling"]}, "required_skills"),
    ({"community_id": 99999}, "community_id"),
    ({"theme_id": 99999}, "theme_id"),
    ({"title": None}, "title"),
])
def test_invalid_activity_fields_are_422(client, worker, api_token, new_activity, change, field):
    response = client.post("/api/v1/activities", headers=api_token(worker),
                           json={**new_activity, **change})
    assert response.status_code == 422, response.get_json()
    error = error_of(response)
    assert set(error["fields"]) == {field}
    assert all(error["fields"][field])


def test_the_services_rules_come_back_as_field_messages(client, station, worker, make_station,
                                                        api_token, new_activity):
    ends_first = {**new_activity, "ends_at": new_activity["starts_at"]}
    response = client.post("/api/v1/activities", headers=api_token(worker), json=ends_first)
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"ends_at": ["结束时间必须晚于开始时间。"]}
    elsewhere = {**new_activity, "community_id": make_station().town.communities[0].id}
    response = client.post("/api/v1/activities", headers=api_token(worker), json=elsewhere)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"community_id"}
    response = client.post("/api/v1/activities", headers=api_token(worker), json={})
    assert response.status_code == 422
    assert {"title", "community_id", "starts_at", "ends_at", "slots"} <= set(
        error_of(response)["fields"])


def test_staff_of_the_station_edit_an_activity(client, station, worker, make_staff, make_activity,
                                               api_token):
    activity = make_activity(station, worker, slots=2)
    colleague = make_staff(station, name="王社工")
    response = client.patch(f"/api/v1/activities/{activity.id}", headers=api_token(colleague),
                            json={"title": "长者探访（改期）", "slots": 4, "allow_walk_ins": True})
    assert response.status_code == 200
    edited = response.get_json()
    assert (edited["title"], edited["slots"], edited["slots_left"], edited["allow_walk_ins"]) == (
        "长者探访（改期）", 4, 4, True)
    assert edited["starts_at"] == local(activity.starts_at).isoformat()
    response = client.patch(f"/api/v1/activities/{activity.id}", headers=api_token(colleague),
                            json={"slots": 0})
    assert response.status_code == 422 and set(error_of(response)["fields"]) == {"slots"}


def test_staff_of_another_station_cannot_edit(client, station, worker, make_station, make_staff,
                                              make_user, make_activity, api_token):
    activity = make_activity(station, worker)
    url = f"/api/v1/activities/{activity.id}"
    outsider = make_staff(make_station(), name="外站社工")
    response = client.patch(url, headers=api_token(outsider), json={"title": "改掉"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert client.patch(url, headers=api_token(make_user()), json={"title": "改掉"}).status_code == 403
    assert client.patch(url, json={"title": "改掉"}).status_code == 401
    assert client.patch("/api/v1/activities/99999", headers=api_token(worker),
                        json={"title": "改掉"}).status_code == 404
    db.session.rollback()
    assert db.session.get(Activity, activity.id).title == "长者探访"


def test_cancelling_an_activity_cancels_its_sign_ups(client, station, worker, make_activity,
                                                     make_volunteer, api_token):
    activity = make_activity(station, worker)
    activities.sign_up(activity, make_volunteer())
    db.session.commit()
    response = client.patch(f"/api/v1/activities/{activity.id}", headers=api_token(worker),
                            json={"status": "cancelled"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert [entry.status for entry in sign_ups(activity_id=activity.id)] == ["cancelled"]


# --- sign-ups ----------------------------------------------------------------------------------------

def test_signing_up_is_201_then_repeating_is_200_with_the_same_sign_up(client, station, worker,
                                                                      make_activity, make_volunteer,
                                                                      api_token):
    activity = make_activity(station, worker)
    volunteer = make_volunteer()
    headers = api_token(volunteer)
    first = client.post(f"/api/v1/activities/{activity.id}/signups", headers=headers)
    assert first.status_code == 201
    entry = first.get_json()
    assert set(entry) == SIGN_UP_FIELDS
    assert entry["activity_id"] == activity.id and entry["user_id"] == volunteer.id
    assert entry["status"] == "confirmed"
    again = client.post(f"/api/v1/activities/{activity.id}/signups", headers=headers)
    assert again.status_code == 200
    assert again.get_json() == entry
    assert len(sign_ups(activity_id=activity.id)) == 1


def test_a_full_activity_puts_volunteers_on_the_waiting_list(client, station, worker, make_activity,
                                                            make_volunteer, api_token):
    activity = make_activity(station, worker, slots=1)
    url = f"/api/v1/activities/{activity.id}/signups"
    assert client.post(url, headers=api_token(make_volunteer())).get_json()["status"] == "confirmed"
    response = client.post(url, headers=api_token(make_volunteer()))
    assert response.status_code == 201
    assert response.get_json()["status"] == "waitlisted"
    assert client.get(f"/api/v1/activities/{activity.id}").get_json()["slots_left"] == 0


def test_an_overlapping_sign_up_is_409_and_creates_nothing(client, station, worker, make_activity,
                                                          make_volunteer, api_token):
    morning = make_activity(station, worker, title="长者探访", hours=2)
    overlapping = make_activity(station, worker, title="社区义诊",
                                start=local(morning.starts_at) + timedelta(hours=1))
    volunteer = make_volunteer()
    headers = api_token(volunteer)
    assert client.post(f"/api/v1/activities/{morning.id}/signups", headers=headers).status_code == 201
    response = client.post(f"/api/v1/activities/{overlapping.id}/signups", headers=headers)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "overlapping"
    assert "长者探访" in error["message"] and "时间冲突" in error["message"]
    english = client.post(f"/api/v1/activities/{overlapping.id}/signups",
                          headers={**headers, "Accept-Language": "en"})
    assert "which overlaps this one" in error_of(english)["message"]
    assert sign_ups(activity_id=overlapping.id) == []


def test_signing_up_needs_a_login_and_a_visible_open_activity(client, station, worker, make_activity,
                                                             make_volunteer, api_token):
    activity = make_activity(station, worker)
    assert client.post(f"/api/v1/activities/{activity.id}/signups").status_code == 401
    headers = api_token(make_volunteer())
    draft = make_activity(station, worker, status="draft")
    assert client.post(f"/api/v1/activities/{draft.id}/signups", headers=headers).status_code == 404
    assert client.post("/api/v1/activities/99999/signups", headers=headers).status_code == 404
    closed = make_activity(station, worker, status="closed")
    response = client.post(f"/api/v1/activities/{closed.id}/signups", headers=headers)
    assert response.status_code == 409 and error_of(response)["code"] == "not_open"


def test_cancelling_promotes_the_first_on_the_waiting_list(client, station, worker, make_activity,
                                                          make_volunteer, api_token):
    activity = make_activity(station, worker, slots=1)
    url = f"/api/v1/activities/{activity.id}/signups"
    alice, bob, chen = make_volunteer(name="甲"), make_volunteer(name="乙"), make_volunteer(name="丙")
    place = client.post(url, headers=api_token(alice)).get_json()
    first_waiting = client.post(url, headers=api_token(bob)).get_json()
    second_waiting = client.post(url, headers=api_token(chen)).get_json()
    assert first_waiting["status"] == second_waiting["status"] == "waitlisted"

    response = client.delete(f"/api/v1/signups/{place['id']}", headers=api_token(alice))
    assert response.status_code == 200
    assert response.get_json() == {**place, "status": "cancelled"}
    statuses = {entry.id: entry.status for entry in sign_ups(activity_id=activity.id)}
    assert statuses == {place["id"]: "cancelled", first_waiting["id"]: "confirmed",
                        second_waiting["id"]: "waitlisted"}
    # Cancelling again changes nothing.
    again = client.delete(f"/api/v1/signups/{place['id']}", headers=api_token(alice))
    assert again.status_code == 200 and again.get_json()["status"] == "cancelled"


def test_only_the_volunteer_or_the_stations_staff_cancel_a_sign_up(
        client, station, worker, make_activity, make_volunteer, make_station, make_staff,
        make_user, api_token):
    activity = make_activity(station, worker)
    entry = activities.sign_up(activity, make_volunteer())
    db.session.commit()
    url = f"/api/v1/signups/{entry.id}"
    assert client.delete(url).status_code == 401
    response = client.delete(url, headers=api_token(make_user()))
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert client.delete(url, headers=api_token(make_staff(make_station()))).status_code == 403
    assert sign_ups(id=entry.id)[0].status == "confirmed"
    response = client.delete(url, headers=api_token(worker))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert client.delete("/api/v1/signups/99999", headers=api_token(worker)).status_code == 404


def test_a_volunteer_accepts_an_invitation(client, station, worker, make_activity, make_volunteer,
                                           make_user, api_token):
    activity = make_activity(station, worker)
    volunteer = make_volunteer()
    invited = activities.sign_up(activity, volunteer, status=SignUpStatus.INVITED)
    db.session.commit()
    url = f"/api/v1/signups/{invited.id}/accept"
    response = client.post(url, headers=api_token(make_user()))
    assert response.status_code == 409 and error_of(response)["code"] == "no_invitation"
    response = client.post(url, headers=api_token(volunteer))
    assert response.status_code == 200
    assert response.get_json() == {"id": invited.id, "activity_id": activity.id,
                                   "user_id": volunteer.id, "status": "confirmed"}
    assert client.post(url, headers=api_token(volunteer)).status_code == 409
    assert client.post("/api/v1/signups/99999/accept", headers=api_token(volunteer)).status_code == 404


def test_my_sign_ups_list_the_live_ones_with_their_activity(client, station, worker, make_activity,
                                                           make_volunteer, api_token):
    volunteer = make_volunteer()
    later = make_activity(station, worker, title="社区清洁",
                          start=local(now() + timedelta(days=3)).strftime("%Y-%m-%dT14:00"))
    sooner = make_activity(station, worker, title="长者探访")
    dropped = make_activity(station, worker, title="已取消的报名",
                            start=local(now() + timedelta(days=5)).strftime("%Y-%m-%dT14:00"))
    for activity in (later, sooner, dropped):
        activities.sign_up(activity, volunteer)
    activities.cancel_sign_up(activities.live_sign_up(dropped, volunteer), by=volunteer)
    activities.sign_up(sooner, make_volunteer())  # somebody else's
    db.session.commit()

    body = client.get("/api/v1/me/signups", headers=api_token(volunteer)).get_json()
    assert body["total"] == 2
    assert [item["activity"]["title"] for item in body["items"]] == ["长者探访", "社区清洁"]
    assert SIGN_UP_FIELDS <= set(body["items"][0])
    assert body["items"][0]["activity"]["starts_at"].endswith("+08:00")
    assert client.get("/api/v1/me/signups").status_code == 401


# --- the volunteer profile --------------------------------------------------------------------------

def test_a_new_member_sees_an_empty_profile_without_one_being_created(client, make_user, api_token):
    from volunteers.profiles.models import VolunteerProfile

    user = make_user()
    body = client.get("/api/v1/me/volunteer-profile", headers=api_token(user)).get_json()
    assert body["user_id"] == user.id
    assert (body["community_id"], body["linked_social_worker_id"], body["id_number"]) == (None, None, "")
    assert body["skills"] == [] and body["consent"] is False
    db.session.rollback()
    assert db.session.get(VolunteerProfile, user.id) is None


def test_skills_interests_and_availability_need_consent(client, make_user, api_token):
    from volunteers.profiles.models import VolunteerProfile

    user = make_user()
    headers = api_token(user)
    response = client.put("/api/v1/me/volunteer-profile", headers=headers,
                          json={"skills": ["first_aid"], "availability": ["sat-am"]})
    assert response.status_code == 422
    error = error_of(response)
    assert set(error["fields"]) == {"consent"}
    assert "同意" in error["fields"]["consent"][0]
    db.session.rollback()
    assert db.session.get(VolunteerProfile, user.id) is None

    response = client.put("/api/v1/me/volunteer-profile", headers=headers, json={
        "consent": True, "skills": ["first_aid"], "availability": ["sat-am", "sun-pm"],
        "interest_themes": ["敬老"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["consent"] is True and body["consent_at"]
    assert body["skills"] == ["first_aid"] and body["availability"] == ["sat-am", "sun-pm"]
    # Consent once given holds for later changes that do not mention it.
    response = client.put("/api/v1/me/volunteer-profile", headers=headers,
                          json={"skills": ["first_aid", "cooking"]})
    assert response.status_code == 200 and response.get_json()["skills"] == ["first_aid", "cooking"]
    response = client.put("/api/v1/me/volunteer-profile", headers=headers,
                          json={"consent": False, "skills": ["cooking"]})
    assert response.status_code == 422 and set(error_of(response)["fields"]) == {"consent"}


def test_updating_the_profile_links_a_social_worker_and_keeps_what_is_left_out(
        client, station, worker, make_user, api_token):
    user = make_user()
    headers = api_token(user)
    community = station.town.communities[0]
    response = client.put("/api/v1/me/volunteer-profile", headers=headers, json={
        "community_id": community.id, "id_number": "11010519491231002x", "gender": "female",
        "birth_date": "1949-12-31", "monthly_limit": 3})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["community_id"], body["station_id"], body["linked_social_worker_id"]) == (
        community.id, station.id, worker.id)
    assert body["id_number"] == "11010519491231002X"  # the volunteer sees their own in full
    assert (body["gender"], body["birth_date"], body["monthly_limit"]) == ("female", "1949-12-31", 3)

    response = client.put("/api/v1/me/volunteer-profile", headers=headers, json={"monthly_limit": 1})
    assert response.get_json()["community_id"] == community.id
    assert response.get_json()["linked_social_worker_id"] == worker.id
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert (me["community_id"], me["linked_social_worker_id"]) == (community.id, worker.id)


@pytest.mark.parametrize(("change", "field"), [
    ({"id_number": "440115199001011234"}, "id_number"),  # wrong check digit
    ({"community_id": 99999}, "community_id"),
    ({"gender": "robot"}, "gender"),
    ({"monthly_limit": 99}, "monthly_limit"),
    ({"consent": True, "availability": ["someday"]}, "availability"),
])
def test_invalid_profile_fields_are_422(client, make_user, api_token, change, field):
    response = client.put("/api/v1/me/volunteer-profile", headers=api_token(make_user()), json=change)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {field}


def test_id_numbers_are_shown_in_full_only_to_the_volunteer(
        app, client, station, worker, make_station, make_staff, make_volunteer, make_user, api_token):
    """Minimum necessary (issue #21): staff of the volunteer's station see it masked too, and
    reveal it by the audited reveal (tests/timebank/privacy)."""
    from flask_login import login_user

    from volunteers.profiles.api import profile_json
    from volunteers.profiles.models import VolunteerProfile

    volunteer = make_volunteer(station.town.communities[0], id_number="44011519900101123X")
    url = f"/api/v1/volunteers/{volunteer.id}/profile"
    mine = client.get("/api/v1/me/volunteer-profile", headers=api_token(volunteer)).get_json()
    assert mine["id_number"] == "44011519900101123X"
    assert client.get(url, headers=api_token(worker)).get_json()["id_number"] == "4401**********123X"
    outsider = make_staff(make_station())
    assert client.get(url, headers=api_token(outsider)).get_json()["id_number"] == "4401**********123X"
    assert client.get(url, headers=api_token(make_user())).status_code == 403
    assert client.get(f"/api/v1/volunteers/{worker.id}/profile",
                      headers=api_token(worker)).status_code == 404
    with app.test_request_context():
        login_user(make_user())
        shown = profile_json(db.session.get(VolunteerProfile, volunteer.id))
        assert shown["id_number"] == "4401**********123X"


# --- the OpenAPI document --------------------------------------------------------------------------

def test_the_openapi_document_is_valid_and_has_every_coordination_path(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert {"/api/v1/communities", "/api/v1/themes", "/api/v1/activities",
            "/api/v1/activities/{activity_id}", "/api/v1/activities/{activity_id}/signups",
            "/api/v1/signups/{sign_up_id}", "/api/v1/signups/{sign_up_id}/accept",
            "/api/v1/me/signups", "/api/v1/me/volunteer-profile",
            "/api/v1/volunteers/{user_id}/profile"} <= set(paths)
    assert {"get", "post"} <= set(paths["/api/v1/activities"])
    assert {"get", "patch"} <= set(paths["/api/v1/activities/{activity_id}"])
    assert {"get", "put"} <= set(paths["/api/v1/me/volunteer-profile"])
    assert {"201", "403", "422"} <= set(paths["/api/v1/activities"]["post"]["responses"])
    assert {"201", "404", "409"} <= set(paths["/api/v1/activities/{activity_id}/signups"]["post"]
                                        ["responses"])
    assert {"200", "403", "404"} <= set(paths["/api/v1/signups/{sign_up_id}"]["delete"]["responses"])
    assert "security" not in paths["/api/v1/activities"]["get"]
    schemas = document["components"]["schemas"]
    assert ACTIVITY_FIELDS <= set(schemas["Activity"]["properties"])
    assert SIGN_UP_FIELDS <= set(schemas["SignUp"]["properties"])
    assert THEME_FIELDS <= set(schemas["Theme"]["properties"])
    assert "community_id" in schemas["Register"]["properties"]


def test_register_still_logs_in_with_the_password(client, station):
    """The registration's extra field leaves the rest of registration as it was."""
    client.post("/api/v1/auth/register", json={"phone": "13800138001", "password": PASSWORD,
                                               "name": "梁伯", "community_id": None})
    assert client.post("/api/v1/auth/token",
                       json={"phone": "13800138001", "password": PASSWORD}).status_code == 200
