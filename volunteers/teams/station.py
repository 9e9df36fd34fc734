"""The station's side of teams (1366 wide): the list with a form to create one, and a team's
page to edit it, set the captain and the guiding social worker, add and remove members, decide
requests to join and issue the team certificate."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form, parse_day
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.teams import services as teams
from volunteers.teams.models import JoinRequestStatus
from volunteers.teams.schemas import TeamFormSchema


def _list_page(station, values=None, errors=None, status=200):
    rows = list(db.session.scalars(teams.teams_statement(current_user, station_id=station.id,
                                                         include_inactive=True)))
    return render_template(
        "teams/station.html", station=station, teams=rows,
        counts=teams.member_counts([team.id for team in rows]),
        workers=org.social_workers_at(station.id),
        waiting=db.session.scalar(teams.waiting_count_statement(station.id)),
        values=values or {"social_worker_id": current_user.id}, errors=errors or {}), status


@bp.get("/teams")
@role_required(Role.SOCIAL_WORKER)
def teams_station():
    return _list_page(my_station())


@bp.post("/teams")
@role_required(Role.SOCIAL_WORKER)
def team_create():
    station = my_station()
    data, errors = load_form(TeamFormSchema())
    if data is not None:
        outcome = attempt(lambda: teams.create_team(current_user, station, data))
        if outcome.error is None:
            flash(_("The team %(name)s is created.", name=outcome.result.name), "success")
            return redirect(url_for("station.team_edit", team_id=outcome.result.id))
        errors = form_errors(outcome.error)
    return _list_page(station, request.form, errors, 422)


def _team_page(team, values=None, errors=None, status=200):
    return render_template(
        "teams/station_team.html", station=team.station, team=team,
        hours=teams.team_hours(team), workers=org.social_workers_at(team.station_id),
        requests=list(db.session.scalars(teams.requests_statement(
            team=team, status=JoinRequestStatus.PENDING))),
        upcoming=teams.team_sign_ups(team, upcoming=True),
        values=values or {"name": team.name, "description": team.description,
                          "social_worker_id": team.leader_id, "captain_id": team.captain_id},
        errors=errors or {}), status


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def team_edit(team_id: int):
    team = teams.team_to_manage(current_user, team_id)
    if request.method == "GET":
        return _team_page(team)
    data, errors = load_form(TeamFormSchema())
    if data is not None:
        outcome = attempt(lambda: teams.update_team(team, current_user, data))
        if outcome.error is None:
            flash(_("The team is saved."), "success")
            return redirect(url_for("station.team_edit", team_id=team.id))
        errors = form_errors(outcome.error)
        team = teams.team_to_manage(current_user, team_id)
    return _team_page(team, request.form, errors, 422)


@bp.post("/teams/<int:team_id>/active")
@role_required(Role.SOCIAL_WORKER)
def team_active(team_id: int):
    team = teams.team_to_manage(current_user, team_id)
    active = request.form.get("active") == "1"
    return perform(lambda: teams.update_team(team, current_user, {"active": active}),
                   success=_("The team is active again.") if active
                   else _("The team is deactivated."),
                   back_to=url_for("station.team_edit", team_id=team.id), say=messages_of)


@bp.post("/teams/<int:team_id>/members")
@role_required(Role.SOCIAL_WORKER)
def team_member_add(team_id: int):
    team = teams.team_to_manage(current_user, team_id)
    return perform(lambda: teams.add_member(team, current_user,
                                            teams.person_by_phone(request.form.get("phone"))),
                   success=_("The member is added."),
                   back_to=url_for("station.team_edit", team_id=team.id), say=messages_of)


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@role_required(Role.SOCIAL_WORKER)
def team_member_remove(team_id: int, user_id: int):
    team = teams.team_to_manage(current_user, team_id)
    person = next((member for member in team.members if member.id == user_id), None)
    if person is None:
        flash(_("This person is not a member of the team."), "error")
        return redirect(url_for("station.team_edit", team_id=team.id))
    return perform(lambda: teams.remove_member(team, current_user, person),
                   success=_("%(name)s is no longer a member.", name=person.name),
                   back_to=url_for("station.team_edit", team_id=team.id), say=messages_of)


@bp.post("/teams/<int:team_id>/certificate")
@role_required(Role.SOCIAL_WORKER)
def team_certificate(team_id: int):
    team = teams.team_to_manage(current_user, team_id)
    start, start_problem = parse_day(request.form.get("start"))
    end, end_problem = parse_day(request.form.get("end"))
    if start_problem or end_problem:
        flash(start_problem or end_problem, "error")
        return redirect(url_for("station.team_edit", team_id=team.id))
    outcome = attempt(lambda: teams.issue_certificate(team, current_user, start, end))
    if outcome.error is not None:
        flash(messages_of(outcome.error), "error")
        return redirect(url_for("station.team_edit", team_id=team.id))
    return Response(outcome.result, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="team-{team.id}-certificate.pdf"'})
