"""Teams through HTTP: the JSON API and the pages (create a team, ask to join, accept; joining
twice refused; a team sign-up reserving places; a party above the places left refused with
nothing changed; team hours; the certificate)."""

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.teams import services as teams
from volunteers.teams.models import TeamJoinRequest, TeamSignUp, VolunteerTeam


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_ask_to_join_accept_through_the_api(client, crew, make_volunteer, api_token):
    worker, captain = crew["worker"], crew["captain"]
    response = client.post("/api/v1/teams", json={"name": "海风志愿服务队", "captain_id": captain.id,
                                                   "description": "海边清洁"},
                           headers=api_token(worker))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["social_worker_id"] == worker.id and created["captain_id"] == captain.id
    assert created["member_count"] == 1
    team_id = created["id"]

    newcomer = make_volunteer(crew["station"].town.communities[0], name="新队员")
    mine = api_token(newcomer)
    response = client.post(f"/api/v1/teams/{team_id}/join-requests", json={"message": "想参加"},
                           headers=mine)
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    request_id = response.get_json()["id"]

    # Asking again while the request waits: 409, and still one request.
    again = client.post(f"/api/v1/teams/{team_id}/join-requests", json={}, headers=mine)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_requested"
    assert count(TeamJoinRequest) == 1

    # A plain volunteer cannot decide; the captain can.
    assert client.post(f"/api/v1/team-join-requests/{request_id}/accept",
                       headers=mine).status_code == 403
    response = client.post(f"/api/v1/team-join-requests/{request_id}/accept",
                           headers=api_token(captain))
    assert response.status_code == 200 and response.get_json()["status"] == "accepted"
    detail = client.get(f"/api/v1/teams/{team_id}", headers=mine).get_json()
    assert newcomer.id in [m["id"] for m in detail["members"]]
    joined_twice = client.post(f"/api/v1/teams/{team_id}/join-requests", json={}, headers=mine)
    assert joined_twice.status_code == 409
    assert joined_twice.get_json()["error"]["code"] == "already_member"
    listed = client.get("/api/v1/teams?mine=true", headers=mine).get_json()
    assert [team["id"] for team in listed["items"]] == [team_id]


def test_decline_needs_a_reason_and_tells_why(client, crew, make_volunteer, api_token):
    newcomer = make_volunteer(name="新队员")
    entry = teams.ask_to_join(crew["team"], newcomer)
    db.session.commit()
    url = f"/api/v1/team-join-requests/{entry.id}/decline"
    assert client.post(url, json={}, headers=api_token(crew["worker"])).status_code == 422
    response = client.post(url, json={"reason": "本期已满员"}, headers=api_token(crew["worker"]))
    assert response.status_code == 200 and response.get_json()["reason"] == "本期已满员"


def test_staff_of_another_station_get_403(client, crew, make_station, make_staff, api_token):
    other = make_staff(make_station(), name="外站社工")
    response = client.patch(f"/api/v1/teams/{crew['team'].id}", json={"name": "改名"},
                            headers=api_token(other))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(VolunteerTeam, crew["team"].id).name == "蒲公英志愿服务队"


def test_team_sign_up_reserves_places_and_too_large_a_party_changes_nothing(
        client, crew, make_volunteer, api_token):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    headers = api_token(captain)
    url = f"/api/v1/teams/{team.id}/sign-ups"
    response = client.post(url, json={"activity_id": activity.id, "party_size": 3,
                                      "member_ids": [captain.id]}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["member_ids"] == [captain.id]
    shown = client.get(f"/api/v1/activities/{activity.id}", headers=headers).get_json()
    assert activities.slots_left(db.session.get(type(activity), activity.id)) == 2, shown

    # Another team asks for three of the two places left: 409, nothing changed.
    other = teams.create_team(crew["worker"], crew["station"], {"name": "第二队",
                                                                "captain_id": crew["members"][0].id})
    db.session.commit()
    before = (count(TeamSignUp), count(SignUp))
    refused = client.post(f"/api/v1/teams/{other.id}/sign-ups",
                          json={"activity_id": activity.id, "party_size": 3,
                                "member_ids": [crew["members"][0].id]},
                          headers=api_token(crew["members"][0]))
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "not_enough_places" and "2" in error["message"]
    assert (count(TeamSignUp), count(SignUp)) == before

    # Bad input: 422.
    for body in ({"activity_id": activity.id, "party_size": 0},
                 {"activity_id": activity.id, "party_size": 2, "member_ids": [10 ** 6]}):
        assert client.post(f"/api/v1/teams/{other.id}/sign-ups", json=body,
                           headers=api_token(crew["members"][0])).status_code == 422

    # Cancelling frees the places.
    entry_id = response.get_json()["id"]
    cancelled = client.post(f"/api/v1/team-sign-ups/{entry_id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert activities.slots_left(db.session.get(type(activity), activity.id)) == 5


def test_team_hours_through_the_api_equal_the_hand_worked_sum(client, crew, api_token,
                                                              pinned_clock):
    team, activity, worker, captain = crew["team"], crew["activity"], crew["worker"], crew["captain"]
    first = crew["members"][0]
    teams.sign_up_team(team, activity, captain, party_size=2, member_ids=[captain.id, first.id])
    db.session.commit()
    pinned_clock.move_to(activity.ends_at + timedelta(hours=1))
    for person, minutes in ((captain, 100), (first, 80)):
        checkin, _made = checkins.check_in(activity, person, at=activity.starts_at)
        checkins.check_out(checkin, activity, at=activity.ends_at)
        checkins.approve(checkin, by=worker, minutes=minutes, reason="按实际时长认定")
    db.session.commit()
    body = client.get(f"/api/v1/teams/{team.id}/hours", headers=api_token(first)).get_json()
    assert body["team_minutes"] == 180 and body["members_minutes"] == 180
    assert body["lines"] == [{"activity_id": activity.id, "title": "长者饭堂帮厨",
                              "minutes": 180, "people": 2}]

    # The staff page issues the certificate naming the team and its hours.
    log_in(client, worker)
    response = post_form(client, f"/station/teams/{team.id}/certificate", {},
                         page=f"/station/teams/{team.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "蒲公英志愿服务队" in text and "3" in text and "长者饭堂帮厨" in text


def test_staff_create_a_team_on_the_page(client, crew):
    log_in(client, crew["worker"])
    html = page(client, "/station/teams")
    assert "蒲公英志愿服务队" in html
    response = post_form(client, "/station/teams", {"name": "", "social_worker_id": ""},
                         page="/station/teams")
    assert response.status_code == 422
    response = post_form(client, "/station/teams",
                         {"name": "晨曦志愿服务队", "social_worker_id": crew["worker"].id,
                          "description": "助学"}, page="/station/teams")
    assert response.status_code == 302
    team = db.session.scalar(select(VolunteerTeam).where(VolunteerTeam.name == "晨曦志愿服务队"))
    assert team is not None and team.leader_id == crew["worker"].id
    response = post_form(client, f"/station/teams/{team.id}/members",
                         {"phone": crew["captain"].phone}, page=f"/station/teams/{team.id}")
    assert response.status_code == 302
    response = post_form(client, f"/station/teams/{team.id}",
                         {"name": "晨曦志愿服务队", "social_worker_id": crew["worker"].id,
                          "captain_id": crew["captain"].id, "description": "助学"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(VolunteerTeam, team.id).captain_id == crew["captain"].id


def test_volunteer_asks_to_join_and_the_captain_signs_up_on_the_pages(app, client, crew,
                                                                      make_volunteer):
    team, activity, captain = crew["team"], crew["activity"], crew["captain"]
    newcomer = make_volunteer(crew["station"].town.communities[0], name="新队员")
    log_in(client, newcomer)
    assert "蒲公英志愿服务队" in page(client, "/volunteer/teams")
    url = f"/volunteer/teams/{team.id}"
    assert post_form(client, f"{url}/join", {"message": "我会做饭"}, page=url).status_code == 302
    again = post_form(client, f"{url}/join", {}, page="/volunteer/teams")
    assert again.status_code == 302 and count(TeamJoinRequest) == 1
    client = app.test_client()  # the captain, on their own phone
    log_in(client, captain)
    html = page(client, url)
    assert "新队员" in html and "我会做饭" in html
    entry = db.session.scalar(select(TeamJoinRequest))
    assert post_form(client, f"/volunteer/team-join-requests/{entry.id}/accept", {},
                     page=url).status_code == 302
    response = post_form(client, f"{url}/sign-ups",
                         {"activity_id": activity.id, "party_size": "4",
                          "member_ids": [captain.id, newcomer.id]}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert activities.places_taken([activity.id])[activity.id] == 4
    assert activities.live_sign_up(activity, newcomer).team_sign_up_id is not None
    assert "长者饭堂帮厨" in page(client, url)
