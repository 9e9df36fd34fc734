"""Matching through HTTP: a social worker runs matching for a month (page, API, CLI, the
monthly job), reads proposals with their reasons in Chinese, invites; the volunteer accepts or
declines, and a declined place is offered to the next best candidate."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import post_form
from timebank.accounts.permissions import Role
from timebank.clock import local, now, shift_month
from timebank.extensions import db
from timebank.notifications.models import Notification
from volunteers import jobs
from volunteers.activities.models import SignUp, SignUpStatus
from volunteers.matching import scoring as matching
from volunteers.matching.models import MatchProposal, MatchRun, ProposalStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")


def month_of(activity) -> str:
    return local(activity.starts_at).strftime("%Y-%m")


def slots_for(activity) -> list[str]:
    """Weekly availability covering the activity, such as ["sat-am"]."""
    opening = matching.Opening(id=activity.id, starts_at=activity.starts_at,
                               ends_at=activity.ends_at, slots=1)
    return sorted(matching.day_slots(opening, SHANGHAI))


def fresh(model, **where) -> list:
    db.session.rollback()  # read what the requests committed
    return list(db.session.scalars(select(model).filter_by(**where).order_by(model.id)))


def notifications_for(user) -> list[Notification]:
    return fresh(Notification, user_id=user.id)




@pytest.fixture
def activity(station, worker, make_activity):
    """Tomorrow 09:00-11:00 in the station's first community: first aid, for the elderly; one place."""
    return make_activity(station, worker, title="长者义诊", slots=1, target_group="elderly",
                         required_skills=["first_aid"])


@pytest.fixture
def people(station, activity, make_volunteer):
    """The best fit (same community, first aid), a second best (same town), and one who did not
    consent (never matched)."""
    first, second = station.town.communities
    free = slots_for(activity)
    return {
        "best": make_volunteer(first, name="陈急救", consent=True, skills=["first_aid"],
                               interest_groups=["elderly"], availability=free),
        "next": make_volunteer(second, name="黄热心", consent=True, availability=free),
        "private": make_volunteer(first, name="周隐私", skills=["first_aid"], availability=free),
    }


def run_by_api(client, headers, month, **extra):
    response = client.post("/api/v1/matching/runs", json={"month": month, **extra}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- the API ----------------------------------------------------------------------------------

def test_api_run_proposes_the_best_fit_with_reasons_in_chinese(client, api_token, worker, activity,
                                                              people):
    body = run_by_api(client, api_token(worker), month_of(activity))
    assert {"id", "month", "proposals"} <= set(body)
    assert body["month"] == month_of(activity)
    [proposal] = body["proposals"]
    assert {"activity_id", "user_id", "score", "reasons"} <= set(proposal)
    assert proposal["activity_id"] == activity.id and proposal["user_id"] == people["best"].id
    assert {"擅长急救", "同社区", "关注长者", "本月尚未参与"} <= set(proposal["reasons"])
    assert proposal["status"] == "proposed" and proposal["score"] > 0
    assert {"code": "skill", "detail": "first_aid"} in proposal["reason_codes"]

    again = client.get(f"/api/v1/matching/runs/{body['id']}", headers=api_token(worker))
    assert again.status_code == 200 and again.get_json()["proposals"] == body["proposals"]


def test_people_without_consent_are_never_proposed(client, api_token, worker, activity, people,
                                                   make_activity, station):
    make_activity(station, worker, title="另一场", slots=5, start=activity.starts_at
                  + timedelta(hours=3))
    body = run_by_api(client, api_token(worker), month_of(activity))
    assert people["private"].id not in {p["user_id"] for p in body["proposals"]}


def test_accepting_a_proposal_invites_and_notifies_the_volunteer(client, api_token, worker,
                                                                 activity, people):
    headers = api_token(worker)
    proposal = run_by_api(client, headers, month_of(activity))["proposals"][0]
    response = client.post(f"/api/v1/matching/proposals/{proposal['id']}/accept", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["proposal"]["status"] == "invited"
    assert body["sign_up"]["status"] == "invited" and body["sign_up"]["user_id"] == people["best"].id
    [note] = notifications_for(people["best"])
    assert note.key == f"invite:{body['sign_up']['id']}" and note.kind == "invite"
    assert note.link == f"/volunteer/activities/{activity.id}"
    repeat = client.post(f"/api/v1/matching/proposals/{proposal['id']}/accept", headers=headers)
    assert repeat.status_code == 409


def test_matching_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/matching/runs"]
    assert "get" in paths["/api/v1/matching/runs/{run_id}"]
    assert "post" in paths["/api/v1/matching/proposals/{proposal_id}/accept"]


def test_a_social_worker_of_another_station_cannot_see_or_accept(
        client, api_token, login, worker, activity, people, make_station, make_staff):
    proposal_id = run_by_api(client, api_token(worker), month_of(activity))["proposals"][0]["id"]
    run_id = fresh(MatchRun)[0].id
    stranger = make_staff(make_station(), name="外站社工")
    headers = api_token(stranger)
    assert client.post(f"/api/v1/matching/proposals/{proposal_id}/accept",
                       headers=headers).status_code == 403
    assert client.get(f"/api/v1/matching/runs/{run_id}", headers=headers).status_code == 403
    assert client.post("/api/v1/matching/runs", json={"month": month_of(activity),
                                                      "station_id": activity.station_id},
                       headers=headers).status_code == 403
    login(stranger)
    assert post_form(client, f"/station/matching/proposals/{proposal_id}/accept", {},
                     page="/station/matching").status_code == 403
    assert fresh(SignUp) == []


def test_residents_get_403_on_matching_api_and_pages(client, api_token, login, make_user, worker,
                                                     activity, people):
    proposal_id = run_by_api(client, api_token(worker), month_of(activity))["proposals"][0]["id"]
    resident = people["best"]
    headers = api_token(resident)
    assert client.post("/api/v1/matching/runs", json={"month": month_of(activity)},
                       headers=headers).status_code == 403
    assert client.post(f"/api/v1/matching/proposals/{proposal_id}/accept",
                       headers=headers).status_code == 403
    login(resident)
    assert client.get("/station/matching").status_code == 403
    for url in ("/station/matching/run", f"/station/matching/proposals/{proposal_id}/accept",
                f"/station/matching/proposals/{proposal_id}/swap"):
        assert post_form(client, url, {"month": month_of(activity)}, page="/").status_code == 403, url


def test_a_district_admin_matches_every_station_at_once(client, api_token, make_user, worker,
                                                        activity, people):
    admin = make_user(Role.DISTRICT_ADMIN)
    body = run_by_api(client, api_token(admin), month_of(activity))
    assert body["station_id"] is None and len(body["proposals"]) == 1


def test_a_bad_month_is_a_field_error(client, api_token, worker):
    response = client.post("/api/v1/matching/runs", json={"month": "2026-13"}, headers=api_token(worker))
    assert response.status_code == 422
    assert "month" in response.get_json()["error"]["fields"]


# --- the pages and the volunteer's answer -----------------------------------------------------

def test_social_worker_runs_matching_invites_and_the_volunteer_accepts(
        app, client, login, worker, activity, people):
    month = month_of(activity)
    page_url = f"/station/matching?month={month}"
    login(worker)
    html = client.get(page_url).get_data(as_text=True)
    assert "运行匹配" in html and 'href="/station/matching"' in html
    response = post_form(client, "/station/matching/run", {"month": month}, page=page_url)
    assert response.status_code == 302
    html = client.get(page_url).get_data(as_text=True)
    assert "长者义诊" in html and "陈急救" in html and "同社区" in html and "擅长急救" in html
    assert "周隐私" not in html
    assert "黄热心" in html  # offered as the alternative to swap in
    [proposal] = fresh(MatchProposal)
    response = post_form(client, f"/station/matching/proposals/{proposal.id}/accept", {},
                         page=page_url)
    assert response.status_code == 302
    assert "已邀请" in client.get(page_url).get_data(as_text=True)
    [entry] = fresh(SignUp)
    assert entry.status == SignUpStatus.INVITED and entry.user_id == people["best"].id

    volunteer = app.test_client()
    login_volunteer = post_form(volunteer, "/login", {"phone": people["best"].phone,
                                                      "password": "correct horse 9"})
    assert login_volunteer.status_code == 302
    assert "待您答复的邀请" in volunteer.get("/volunteer/").get_data(as_text=True)
    activity_page = f"/volunteer/activities/{activity.id}"
    assert f"/volunteer/sign-ups/{entry.id}/accept" in volunteer.get(activity_page).get_data(as_text=True)
    response = post_form(volunteer, f"/volunteer/sign-ups/{entry.id}/accept", {}, page=activity_page)
    assert response.status_code == 302
    [entry] = fresh(SignUp)
    assert entry.status == SignUpStatus.CONFIRMED
    assert fresh(MatchProposal)[0].status == ProposalStatus.ACCEPTED


def test_swapping_proposes_the_chosen_alternative(client, login, worker, activity, people):
    month = month_of(activity)
    page_url = f"/station/matching?month={month}"
    login(worker)
    post_form(client, "/station/matching/run", {"month": month}, page=page_url)
    [proposal] = fresh(MatchProposal)
    response = post_form(client, f"/station/matching/proposals/{proposal.id}/swap",
                         {"user_id": people["private"].id}, page=page_url)
    assert response.status_code == 302  # refused: not a candidate (no consent)
    assert [p.status for p in fresh(MatchProposal)] == [ProposalStatus.PROPOSED]
    post_form(client, f"/station/matching/proposals/{proposal.id}/swap",
              {"user_id": people["next"].id}, page=page_url)
    old, new = fresh(MatchProposal)
    assert old.status == ProposalStatus.REPLACED
    assert (new.user_id, new.status, new.replaces_id) == (people["next"].id, "proposed", old.id)
    assert "同镇街" in [reason["text"] for reason in new.reasons]


def test_a_decline_offers_the_place_to_the_next_best_candidate(
        app, client, api_token, worker, activity, people):
    headers = api_token(worker)
    proposal = run_by_api(client, headers, month_of(activity))["proposals"][0]
    invited = client.post(f"/api/v1/matching/proposals/{proposal['id']}/accept",
                          headers=headers).get_json()["sign_up"]
    volunteer = app.test_client()
    post_form(volunteer, "/login", {"phone": people["best"].phone, "password": "correct horse 9"})
    activity_page = f"/volunteer/activities/{activity.id}"
    response = post_form(volunteer, f"/volunteer/sign-ups/{invited['id']}/decline", {},
                         page=activity_page)
    assert response.status_code == 302

    declined, offered = fresh(MatchProposal)
    assert declined.status == ProposalStatus.DECLINED
    assert (offered.user_id, offered.status) == (people["next"].id, ProposalStatus.INVITED)
    entry = db.session.get(SignUp, offered.sign_up_id)
    assert entry.status == SignUpStatus.INVITED and entry.user_id == people["next"].id
    assert [n.key for n in notifications_for(people["next"])] == [f"invite:{entry.id}"]

    # The second declines too: nobody else fits, so the social worker hears of it.
    second = app.test_client()
    post_form(second, "/login", {"phone": people["next"].phone, "password": "correct horse 9"})
    post_form(second, f"/volunteer/sign-ups/{entry.id}/decline", {}, page=activity_page)
    assert [p.status for p in fresh(MatchProposal)] == [ProposalStatus.DECLINED] * 2
    assert [n.key for n in notifications_for(worker)] == [f"matching-unfilled:{offered.id}"]


def test_through_the_api_accepting_accepts_the_proposal_and_declining_reoffers_the_place(
        client, api_token, worker, activity, people):
    headers = api_token(worker)
    proposal = run_by_api(client, headers, month_of(activity))["proposals"][0]
    invited = client.post(f"/api/v1/matching/proposals/{proposal['id']}/accept",
                          headers=headers).get_json()["sign_up"]
    response = client.delete(f"/api/v1/signups/{invited['id']}", headers=api_token(people["best"]))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    declined, offered = fresh(MatchProposal)
    assert declined.status == ProposalStatus.DECLINED
    assert (offered.user_id, offered.status) == (people["next"].id, ProposalStatus.INVITED)

    response = client.post(f"/api/v1/signups/{offered.sign_up_id}/accept", headers=api_token(people["next"]))
    assert response.status_code == 200 and response.get_json()["status"] == "confirmed"
    assert [p.status for p in fresh(MatchProposal)] == [ProposalStatus.DECLINED, ProposalStatus.ACCEPTED]


# --- the operator command and the monthly job -------------------------------------------------

def test_cli_prints_a_summary(runner, activity, people):
    result = runner.invoke(args=["match", "run", "--month", month_of(activity)])
    assert result.exit_code == 0, result.output
    assert f"for {month_of(activity)} (all stations)" in result.output
    assert "activities with places left: 1" in result.output
    assert "proposals:                   1" in result.output
    assert "total score:" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(MatchProposal.id))) == 1
    assert runner.invoke(args=["match", "run", "--month", "March"]).exit_code != 0
    assert runner.invoke(args=["match", "run", "--month", month_of(activity),
                               "--station", "999999"]).exit_code != 0


def test_the_monthly_job_proposes_next_month_once_per_station(station, worker, make_activity,
                                                              make_volunteer, make_station):
    today = local(now())
    year, month = shift_month(today.year, today.month, 1)
    start = today.replace(year=year, month=month, day=5, hour=9, minute=0, second=0, microsecond=0)
    upcoming = make_activity(station, worker, start=start, slots=2)
    make_volunteer(station.town.communities[0], consent=True, availability=slots_for(upcoming))
    make_station()  # a station with nothing to match still gets its (empty) run

    assert jobs.propose_next_month() == 2
    db.session.commit()
    assert jobs.propose_next_month() == 0
    db.session.commit()
    runs = fresh(MatchRun)
    assert [(run.year, run.month, run.source) for run in runs] == [(year, month, "job")] * 2
    ours = next(run for run in runs if run.station_id == station.id)
    assert ours.proposal_count == 1
    assert [n.key for n in notifications_for(worker)] == [f"matching:{ours.id}:{worker.id}"]


def test_an_activity_already_under_way_is_never_proposed(client, api_token, worker, station,
                                                         make_activity, make_volunteer):
    """It started 30 minutes ago, has places left and a volunteer free at that time; one starting
    in an hour is proposed to her instead."""
    start = now().replace(second=0, microsecond=0)
    started = make_activity(station, worker, title="进行中的活动", slots=5,
                            start=start - timedelta(minutes=30))
    coming = make_activity(station, worker, title="稍后开始的活动", slots=5,
                           start=start + timedelta(hours=1))
    make_volunteer(station.town.communities[0], name="陈有空", consent=True,
                   availability=sorted(set(slots_for(started)) | set(slots_for(coming))))
    proposed = set()
    for month in {month_of(started), month_of(coming)}:
        proposed |= {p["activity_id"] for p in run_by_api(client, api_token(worker), month)["proposals"]}
    assert started.id not in proposed and coming.id in proposed


def test_a_proposal_is_not_accepted_once_its_activity_has_started(client, api_token, worker, activity,
                                                                  people, pinned_clock):
    headers = api_token(worker)
    proposal = run_by_api(client, headers, month_of(activity))["proposals"][0]
    pinned_clock.move_to(activity.starts_at + timedelta(minutes=5))
    response = client.post(f"/api/v1/matching/proposals/{proposal['id']}/accept", headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "activity_started"
    assert notifications_for(people["best"]) == []
