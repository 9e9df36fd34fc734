"""The volunteer's side, on the phone: 志愿服务队 (teams of my station, my teams, my requests),
a team's page with its hours and upcoming team sign-ups, 申请加入, and for the captain (or the
guiding social worker) the requests to decide and the team sign-up form."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form
from volunteers.activities import services as activities
from volunteers.pages import volunteer_bp as bp
from volunteers.teams import services as teams
from volunteers.teams.models import JoinRequestStatus
from volunteers.teams.schemas import JoinDeclineSchema, JoinRequestCreateSchema


@bp.get("/teams")
@login_required
def teams_list():
    station_id = teams.station_of(current_user)
    mine = list(db.session.scalars(teams.teams_statement(current_user, mine=True)))
    nearby = list(db.session.scalars(teams.teams_statement(
        current_user, station_id=station_id))) if station_id is not None else []
    requests = list(db.session.scalars(teams.requests_statement(volunteer=current_user)
                                             .limit(20)))
    counts = teams.member_counts([team.id for team in mine + nearby])
    return render_template("teams/mine.html", mine=mine, nearby=nearby, requests=requests,
                           counts=counts, labels=teams.status_labels())


@bp.get("/teams/<int:team_id>")
@login_required
def team_page(team_id: int):
    team = teams.visible_team(current_user, team_id)
    leading = teams.may_lead(current_user, team)
    upcoming = teams.team_sign_ups(team, upcoming=True)
    open_activities = teams.open_activities_for(team) if leading and team.active else []
    return render_template(
        "teams/team.html", team=team, hours=teams.team_hours(team), upcoming=upcoming,
        named={entry.id: teams.named_sign_ups(entry) for entry in upcoming},
        member=teams.is_member(team, current_user), leading=leading,
        pending=teams.pending_request(team, current_user),
        to_decide=list(db.session.scalars(teams.requests_statement(
            team=team, status=JoinRequestStatus.PENDING))) if leading else [],
        open_activities=open_activities,
        taken=activities.places_taken([activity.id for activity in open_activities]))


@bp.post("/teams/<int:team_id>/join")
@login_required
def ask_to_join(team_id: int):
    team = teams.visible_team(current_user, team_id)
    data, _errors = load_form(JoinRequestCreateSchema())
    return perform(lambda: teams.ask_to_join(team, current_user, (data or {}).get("message", "")),
                   success=_("Your request is sent. The captain or the social worker will "
                             "answer soon."),
                   back_to=url_for("volunteer.team_page", team_id=team.id), say=messages_of)


@bp.post("/team-join-requests/<int:join_request_id>/accept")
@login_required
def accept_join_request(join_request_id: int):
    entry = teams.request_to_decide(current_user, join_request_id)
    return perform(lambda: teams.accept(entry, current_user),
                   success=_("Accepted: %(name)s is now a member.", name=entry.volunteer.name),
                   back_to=request.form.get("back") == "station"
                   and url_for("station.team_edit", team_id=entry.team_id)
                   or url_for("volunteer.team_page", team_id=entry.team_id), say=messages_of)


@bp.post("/team-join-requests/<int:join_request_id>/decline")
@login_required
def decline_join_request(join_request_id: int):
    entry = teams.request_to_decide(current_user, join_request_id)
    data, _errors = load_form(JoinDeclineSchema())
    return perform(lambda: teams.decline(entry, current_user, (data or {}).get("reason", "")),
                   success=_("Declined. The volunteer has been told why."),
                   back_to=request.form.get("back") == "station"
                   and url_for("station.team_edit", team_id=entry.team_id)
                   or url_for("volunteer.team_page", team_id=entry.team_id), say=messages_of)


def _whole(value: str | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/teams/<int:team_id>/sign-ups")
@login_required
def sign_up_team(team_id: int):
    team = teams.team_to_lead(current_user, team_id)
    activity_id, party = _whole(request.form.get("activity_id")), request.form.get("party_size")
    members = [_whole(value) for value in request.form.getlist("member_ids")]

    def act():
        activity = activities.get_activity(activity_id) if activity_id is not None else None
        if activity is None:
            raise InvalidInput(fields={"activity_id": [_("Choose an activity.")]})
        return teams.sign_up_team(team, activity, current_user, party_size=_whole(party),
                                  member_ids=members)

    return perform(act, success=lambda entry: _("%(team)s is signed up for “%(title)s” with "
                                                "%(party)d places.", team=team.name,
                                                title=entry.activity.title,
                                                party=entry.party_size),
                   back_to=url_for("volunteer.team_page", team_id=team.id), say=messages_of)


@bp.post("/team-sign-ups/<int:team_sign_up_id>/cancel")
@login_required
def cancel_team_sign_up(team_sign_up_id: int):
    entry = teams.get_team_sign_up(team_sign_up_id)
    teams.team_to_lead(current_user, entry.team_id)
    return perform(lambda: teams.cancel_team_sign_up(entry, current_user),
                   success=_("The team sign-up is cancelled."),
                   back_to=url_for("volunteer.team_page", team_id=entry.team_id))
