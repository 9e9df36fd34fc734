"""Team sign-ups at the same moment never overbook: each locks the activity row (PostgreSQL
``SELECT ... FOR UPDATE``; SQLite writes under ``BEGIN IMMEDIATE``) before counting places."""

from sqlalchemy import select

from tests.concurrency import run_at_once
from timebank.accounts.models import User
from timebank.errors import Conflict
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.activities.models import Activity
from volunteers.teams import services as teams
from volunteers.teams.models import TeamSignUp, TeamSignUpStatus, VolunteerTeam

TEAMS = 10


def test_ten_teams_of_four_at_once_on_twelve_places_never_overbook(
        app, station, worker, make_volunteer, make_activity):
    activity = make_activity(station, worker, title="大型义诊", slots=12)
    made = []
    for index in range(TEAMS):
        captain = make_volunteer(name=f"队长{index}")
        team = teams.create_team(worker, station, {"name": f"第{index}队", "captain_id": captain.id})
        made.append((team.id, captain.id))
    db.session.commit()
    activity_id = activity.id

    def sign_up(i):
        team_id, captain_id = made[i]
        return teams.sign_up_team(db.session.get(VolunteerTeam, team_id),
                                  db.session.get(Activity, activity_id),
                                  db.session.get(User, captain_id), party_size=4,
                                  member_ids=[captain_id]).id

    results = run_at_once(app, sign_up, threads=TEAMS)
    done = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 3 and len(refused) == TEAMS - 3, results
    assert all(error.code == "not_enough_places" for error in refused)
    live = db.session.scalars(select(TeamSignUp).where(
        TeamSignUp.status == TeamSignUpStatus.LIVE)).all()
    assert sorted(entry.id for entry in live) == sorted(done)
    assert activities.places_taken([activity_id])[activity_id] == 12


def test_one_team_twenty_times_at_once_holds_one_team_sign_up(
        app, station, worker, make_volunteer, make_activity):
    activity = make_activity(station, worker, slots=40)
    captain = make_volunteer(name="队长")
    team = teams.create_team(worker, station, {"name": "同一队", "captain_id": captain.id})
    db.session.commit()
    team_id, captain_id, activity_id = team.id, captain.id, activity.id

    def sign_up(i):
        return teams.sign_up_team(db.session.get(VolunteerTeam, team_id),
                                  db.session.get(Activity, activity_id),
                                  db.session.get(User, captain_id), party_size=2).id

    results = run_at_once(app, sign_up)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, (int, Conflict)) for r in results), results
    assert activities.places_taken([activity_id])[activity_id] == 2
