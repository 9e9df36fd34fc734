"""Demo teams (`seed.seed` calls `seed_teams`): every demo team gets a captain (队长) from its
members (陈晓敏 leads the first team of the demo town, so the demo login shows the captain's
side), and that team is signed up for an upcoming activity of its station with a party of
three, one teammate named. Deterministic, and added only once."""

from sqlalchemy import func, select

from timebank.accounts import services as users
from timebank.clock import now
from timebank.errors import ServiceError
from timebank.extensions import db
from volunteers.activities.models import Activity
from volunteers.demo.data import RESIDENT_PHONE
from volunteers.teams import services as teams
from volunteers.teams.models import TeamSignUp, VolunteerTeam

PARTY = 3


def seed_teams() -> None:
    resident = users.get_by_phone(RESIDENT_PHONE)
    first = None
    for team in db.session.scalars(select(VolunteerTeam).order_by(VolunteerTeam.id)):
        if team.captain_id is None and team.members:
            ids = [member.id for member in team.members]
            team.captain_id = resident.id if resident is not None and resident.id in ids \
                else ids[0]
        if first is None and resident is not None and team.captain_id == resident.id:
            first = team
    db.session.flush()
    if first is None or db.session.scalar(select(func.count(TeamSignUp.id))):
        return
    upcoming = db.session.scalars(select(Activity).where(
        Activity.station_id == first.station_id, Activity.starts_at > now())
        .order_by(Activity.starts_at, Activity.id).limit(20))
    # One teammate comes by name (the captain's own sign-ups are the demo login's: left as
    # they are); the rest of the party holds places.
    named = [member.id for member in first.members if member.id != first.captain_id][:1]
    for activity in upcoming:
        if not activity.open_for_sign_up:
            continue
        try:
            with db.session.begin_nested():
                teams.sign_up_team(first, activity, first.captain, party_size=PARTY,
                                   member_ids=named)
        except ServiceError:
            continue  # full, or the captain is busy then: try the next one
        return
