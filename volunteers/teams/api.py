"""JSON API of teams: staff of the station run them; volunteers ask to join; the captain or the
guiding social worker decides requests and signs the team up for activities."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts import services as accounts
from timebank.accounts.permissions import Role, has_role, is_staff, login_required, role_required
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.activities import services as activities
from volunteers.teams import services as teams
from volunteers.teams.schemas import (
    JoinDeclineSchema,
    JoinRequestCreateSchema,
    JoinRequestPageSchema,
    JoinRequestSchema,
    PeriodQuerySchema,
    TeamCreateSchema,
    TeamDetailSchema,
    TeamHoursSchema,
    TeamMemberSchema,
    TeamPageSchema,
    TeamQuerySchema,
    TeamSchema,
    TeamSignUpCreateSchema,
    TeamSignUpSchema,
    TeamUpdateSchema,
)

bp = api_blueprint("teams_api", __name__)

_LIST_PARAMETERS = (
    *PAGE_PARAMETERS,
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "the station's teams (default: staff see their own station's, deactivated "
                    "ones too; others every active team)"},
    {"in": "query", "name": "mine", "schema": {"type": "boolean"},
     "description": "only the teams the caller is a member of"},
)
_PERIOD_PARAMETERS = (
    {"in": "query", "name": "start", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "end", "schema": {"type": "string", "format": "date"}},
)


@bp.get("/teams")
@login_required
@doc(summary="Teams (志愿服务队) by name: a station's, or the caller's own (mine)",
     tags=["teams"], response=TeamPageSchema, parameters=_LIST_PARAMETERS, errors=(422,))
def list_teams():
    query = TeamQuerySchema().load(request.args.to_dict())
    station_id, inactive = query["station_id"], False
    if station_id is None and is_staff(current_user) \
            and not has_role(current_user, Role.DISTRICT_ADMIN):
        station_id = org.station_id_of(current_user)
    if station_id is not None and org.can_manage_station(current_user, station_id):
        inactive = True
    statement = teams.teams_statement(current_user, station_id=station_id, mine=query["mine"],
                                      include_inactive=inactive)
    return jsonify(paginated(statement, TeamSchema()))


@bp.post("/teams")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Create a team of a station (its staff; a district administrator names the "
             "station): the guiding social worker must be staff there; a captain named here "
             "becomes the first member; 409 for a name the station already has",
     tags=["teams"], body=TeamCreateSchema, response=TeamDetailSchema, status=201,
     errors=(403, 404, 409, 422))
def create_team():
    data = json_body(TeamCreateSchema())
    station_id = data.pop("station_id") or org.station_id_of(current_user)
    if station_id is None:
        raise InvalidInput(fields={"station_id": [_("Choose the team's station.")]})
    station = org.get_station(station_id)
    team = teams.create_team(current_user, station, data)
    body = TeamDetailSchema().dump(team)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/teams/<int:team_id>")
@login_required
@doc(summary="A team with its members' names (a deactivated one: its staff and members only)",
     tags=["teams"], response=TeamDetailSchema, errors=(404,))
def read_team(team_id: int):
    return jsonify(TeamDetailSchema().dump(teams.visible_team(current_user, team_id)))


@bp.patch("/teams/<int:team_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Edit a team (staff of its station): name, description, guiding social worker, "
             "captain (a member, or null), active (false deactivates it)",
     tags=["teams"], body=TeamUpdateSchema, response=TeamDetailSchema,
     errors=(403, 404, 409, 422))
def update_team(team_id: int):
    data = json_body(TeamUpdateSchema())
    team = teams.team_to_manage(current_user, team_id)
    teams.update_team(team, current_user, data)
    body = TeamDetailSchema().dump(team)
    db.session.commit()
    return jsonify(body)


@bp.post("/teams/<int:team_id>/members")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Add a member (staff of the team's station); 409 if already one",
     tags=["teams"], body=TeamMemberSchema, response=TeamDetailSchema, status=201,
     errors=(403, 404, 409, 422))
def add_member(team_id: int):
    data = json_body(TeamMemberSchema())
    team = teams.team_to_manage(current_user, team_id)
    teams.add_member(team, current_user, accounts.get_user(data["user_id"]))
    body = TeamDetailSchema().dump(team)
    db.session.commit()
    return jsonify(body), 201


@bp.delete("/teams/<int:team_id>/members/<int:user_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Remove a member (staff of the team's station); a captain removed leaves the team "
             "without one", tags=["teams"], response=TeamDetailSchema, errors=(403, 404))
def remove_member(team_id: int, user_id: int):
    team = teams.team_to_manage(current_user, team_id)
    teams.remove_member(team, current_user, accounts.get_user(user_id))
    body = TeamDetailSchema().dump(team)
    db.session.commit()
    return jsonify(body)


@bp.get("/teams/<int:team_id>/join-requests")
@login_required
@doc(summary="Requests to join the team, newest first (its captain, social worker or station "
             "staff)", tags=["teams"], response=JoinRequestPageSchema, parameters=PAGE_PARAMETERS,
     errors=(403, 404, 422))
def list_join_requests(team_id: int):
    team = teams.team_to_lead(current_user, team_id)
    return jsonify(paginated(teams.requests_statement(team=team), JoinRequestSchema()))


@bp.post("/teams/<int:team_id>/join-requests")
@login_required
@doc(summary="Ask to join a team; 409 already_member or already_requested (one pending "
             "request per volunteer and team), team_inactive",
     tags=["teams"], body=JoinRequestCreateSchema, response=JoinRequestSchema, status=201,
     errors=(404, 409, 422))
def ask_to_join(team_id: int):
    data = json_body(JoinRequestCreateSchema())
    team = teams.visible_team(current_user, team_id)
    entry = teams.ask_to_join(team, current_user, data["message"])
    body = JoinRequestSchema().dump(entry)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/team-join-requests/<int:join_request_id>/accept")
@login_required
@doc(summary="Accept a request to join (the captain, the guiding social worker or station "
             "staff): the volunteer becomes a member and is told; 409 once answered",
     tags=["teams"], response=JoinRequestSchema, errors=(403, 404, 409))
def accept_join_request(join_request_id: int):
    entry = teams.request_to_decide(current_user, join_request_id)
    teams.accept(entry, current_user)
    body = JoinRequestSchema().dump(entry)
    db.session.commit()
    return jsonify(body)


@bp.post("/team-join-requests/<int:join_request_id>/decline")
@login_required
@doc(summary="Decline a request to join with a reason (the volunteer is told); 409 once "
             "answered", tags=["teams"], body=JoinDeclineSchema, response=JoinRequestSchema,
     errors=(403, 404, 409, 422))
def decline_join_request(join_request_id: int):
    data = json_body(JoinDeclineSchema())
    entry = teams.request_to_decide(current_user, join_request_id)
    teams.decline(entry, current_user, data["reason"])
    body = JoinRequestSchema().dump(entry)
    db.session.commit()
    return jsonify(body)


@bp.get("/teams/<int:team_id>/sign-ups")
@login_required
@doc(summary="The team's live sign-ups for activities, by start", tags=["teams"],
     response=TeamSignUpSchema(many=True), errors=(404,))
def list_team_sign_ups(team_id: int):
    team = teams.visible_team(current_user, team_id)
    return jsonify(TeamSignUpSchema(many=True).dump(teams.team_sign_ups(team)))


@bp.post("/teams/<int:team_id>/sign-ups")
@login_required
@doc(summary="Sign the team up for an activity (its captain, guiding social worker or station "
             "staff) with a party size of 1 to 50 and the active members who come by name; "
             "each named member gets their own sign-up under every sign-up rule, the rest of "
             "the party reserves places. 409 not_enough_places (nothing changed), "
             "team_already_signed_up, member_already_signed_up, not_open",
     tags=["teams"], body=TeamSignUpCreateSchema, response=TeamSignUpSchema, status=201,
     errors=(403, 404, 409, 422))
def sign_up_team(team_id: int):
    data = json_body(TeamSignUpCreateSchema())
    team = teams.team_to_lead(current_user, team_id)
    activity = activities.get_activity(data["activity_id"])
    entry = teams.sign_up_team(team, activity, current_user, party_size=data["party_size"],
                               member_ids=data["member_ids"])
    body = TeamSignUpSchema().dump(entry)
    db.session.commit()
    return jsonify(body), 201


@bp.post("/team-sign-ups/<int:team_sign_up_id>/cancel")
@login_required
@doc(summary="Cancel a team sign-up and its named members' sign-ups; the places go to the "
             "waiting list. Repeating is harmless",
     tags=["teams"], response=TeamSignUpSchema, errors=(403, 404))
def cancel_team_sign_up(team_sign_up_id: int):
    entry = teams.get_team_sign_up(team_sign_up_id)
    teams.team_to_lead(current_user, entry.team_id)
    teams.cancel_team_sign_up(entry, current_user)
    body = TeamSignUpSchema().dump(entry)
    db.session.commit()
    return jsonify(body)


@bp.get("/teams/<int:team_id>/hours")
@login_required
@doc(summary="Team hours over a period (whole history by default): approved minutes of named "
             "members on the activities the team signed up for, by activity, and all approved "
             "minutes of its current members", tags=["teams"], response=TeamHoursSchema,
     parameters=_PERIOD_PARAMETERS, errors=(404, 422))
def team_hours(team_id: int):
    query = PeriodQuerySchema().load(request.args.to_dict())
    team = teams.visible_team(current_user, team_id)
    return jsonify(TeamHoursSchema().dump(teams.team_hours(team, query["start"], query["end"])))
