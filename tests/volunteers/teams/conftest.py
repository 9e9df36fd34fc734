"""The team tests' fixtures: a station with a social worker, a team with a captain and two
more members, and an activity tomorrow with five places."""

import pytest

from timebank.extensions import db
from volunteers.teams import services as teams


@pytest.fixture
def crew(station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    captain = make_volunteer(community, name="张队长")
    members = [make_volunteer(community, name=name) for name in ("王小明", "刘小红")]
    team = teams.create_team(worker, station, {"name": "蒲公英志愿服务队",
                                               "description": "关爱长者", "captain_id": captain.id})
    for member in members:
        teams.add_member(team, worker, member)
    activity = make_activity(station, worker, title="长者饭堂帮厨", slots=5)
    db.session.commit()
    return {"station": station, "worker": worker, "team": team, "captain": captain,
            "members": members, "activity": activity}
