"""The station's side (服务对象台账): the register of households with its filters, a household's
page (details, members, pairings, visits), the forms to register, edit and close one, to pair a
volunteer and end a pairing, a grid team's due and overdue visits, the coverage of the quarter
and the Excel export of the register (ID numbers masked, audited)."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.clock import day_start, local
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.org import services as org
from timebank.privacy.services import mask_id_number
from timebank.web.actions import attempt, messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from volunteers.households import services as households
from volunteers.households.models import (
    CATEGORIES,
    LAWFUL_BASES,
    NEEDS,
    RHYTHM_LABELS,
    RISK_LABELS,
)
from volunteers.households.schemas import (
    HouseholdFormSchema,
    HouseholdMemberFormSchema,
    HouseholdPairingFormSchema,
    HouseholdReasonSchema,
    RegisterQuerySchema,
)
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp

PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _household_labels() -> dict:
    return {"CATEGORIES": CATEGORIES, "NEEDS": NEEDS, "RISK_LABELS": RISK_LABELS,
            "RHYTHM_LABELS": RHYTHM_LABELS, "LAWFUL_BASES": LAWFUL_BASES,
            "mask_id_number": mask_id_number}


def _say(error) -> str:
    return messages_of(error)


@bp.get("/households")
@role_required(Role.SOCIAL_WORKER)
def households_list():
    station = my_station()
    query, errors = load_form(RegisterQuerySchema(), request.args)
    if query is None:
        query = {"community_id": None, "category": None, "risk": None, "overdue": False,
                 "closed": False}
    query.pop("station_id", None)
    page = paginate(households.register_statement(station.id, **query), PER_PAGE)
    args = {key: value for key, value in query.items() if value}
    return render_template(
        "station/households.html", station=station, page=page, query=query, errors=errors,
        args=args, communities=station.town.communities, today=households.today(),
    ), 422 if errors else 200


def _form_data() -> tuple[dict | None, dict]:
    """The household form: the schema's fields, and the day consent was recorded."""
    data, errors = load_form(HouseholdFormSchema())
    day = request.form.get("consent_recorded_on", "").strip()
    if data is not None and day:
        try:
            from datetime import date

            data["consent_recorded_at"] = day_start(date.fromisoformat(day))
        except ValueError:
            errors = {"consent_recorded_on": [_("Enter a date as YYYY-MM-DD.")]}
            data = None
    elif data is not None and "consent_recorded_on" in request.form:
        data["consent_recorded_at"] = None
    return data, errors


def _form_page(station, household, values, errors, status=200):
    if hasattr(values, "getlist"):  # the posted form, shown again
        values = {**values.to_dict(), "categories": values.getlist("categories"),
                  "needs": values.getlist("needs")}
    return render_template(
        "station/household_form.html", station=station, household=household, values=values,
        errors=errors,
        community_options=[(row.id, row.name) for row in station.town.communities],
        worker_options=[(row.id, row.name) for row in org.social_workers_at(station.id)]), status


@bp.route("/households/new", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def new_household():
    station = my_station()
    if request.method == "GET":
        return _form_page(station, None, {"visit_every_days": 30, "risk_level": "low",
                                          "lawful_basis": "consent",
                                          "consent_recorded_on": households.today().isoformat(),
                                          "social_worker_id": current_user.id}, {})
    data, errors = _form_data()
    if data is None:
        return _form_page(station, None, request.form, errors, 422)
    outcome = attempt(lambda: households.create_household(station, data, by=current_user))
    if outcome.error is not None:
        return _form_page(station, None, request.form, outcome.error.fields or {
            "_schema": [outcome.error.message]}, outcome.error.status)
    flash(_("The household is on the register."), "success")
    return redirect(url_for(".household", household_id=outcome.result.id))


@bp.get("/households/<int:household_id>")
@role_required(Role.SOCIAL_WORKER)
def household(household_id: int):
    found = households.station_household(current_user, household_id)
    visits = households.visits_of(found)
    return render_template(
        "station/household.html", station=found.station, household=found,
        pairings=households.pairings_of(found), visits=visits,
        today=households.today(),
        volunteers=households.volunteers_to_pair(found.station_id) if found.is_open else [])


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def edit_household(household_id: int):
    found = households.station_household(current_user, household_id)
    if request.method == "GET":
        values = {name: getattr(found, name) for name in households.FIELDS}
        values["id_number"] = ""
        values["consent_recorded_on"] = local(found.consent_recorded_at).date().isoformat() \
            if found.consent_recorded_at else ""
        return _form_page(found.station, found, values, {})
    data, errors = _form_data()
    if data is not None and not data.get("id_number"):
        data.pop("id_number", None)  # left blank: the number kept stays (it is never shown)
    if data is None:
        return _form_page(found.station, found, request.form, errors, 422)
    outcome = attempt(lambda: households.update_household(found, data, by=current_user))
    if outcome.error is not None:
        return _form_page(found.station, found, request.form, outcome.error.fields or {
            "_schema": [outcome.error.message]}, outcome.error.status)
    flash(_("Saved."), "success")
    return redirect(url_for(".household", household_id=found.id))


@bp.post("/households/<int:household_id>/close")
@role_required(Role.SOCIAL_WORKER)
def close_household(household_id: int):
    back = url_for(".household", household_id=household_id)
    found = households.station_household(current_user, household_id)
    data = load_form_or_flash(HouseholdReasonSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: households.close_household(found, data["reason"], by=current_user),
                   success=_("The household is off the register."), back_to=back, say=_say)


@bp.post("/households/<int:household_id>/members")
@role_required(Role.SOCIAL_WORKER)
def add_household_member(household_id: int):
    back = url_for(".household", household_id=household_id)
    found = households.station_household(current_user, household_id)
    data = load_form_or_flash(HouseholdMemberFormSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: households.add_member(found, data, by=current_user),
                   success=_("Member added."), back_to=back, say=_say)


@bp.post("/households/<int:household_id>/members/remove")
@role_required(Role.SOCIAL_WORKER)
def remove_household_member(household_id: int):
    back = url_for(".household", household_id=household_id)
    found = households.station_household(current_user, household_id)
    member_id = request.form.get("member_id", type=db_int) or 0
    return perform(lambda: households.remove_member(found, member_id, by=current_user),
                   success=_("Member removed."), back_to=back, say=_say)


@bp.post("/households/<int:household_id>/pairings")
@role_required(Role.SOCIAL_WORKER)
def pair_volunteer(household_id: int):
    back = url_for(".household", household_id=household_id)
    found = households.station_household(current_user, household_id)
    data = load_form_or_flash(HouseholdPairingFormSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: households.pair(found, by=current_user, **data),
                   success=_("Paired. The volunteer sees the household under 我的结对."),
                   back_to=back, say=_say)


@bp.post("/pairings/<int:pairing_id>/end")
@role_required(Role.SOCIAL_WORKER)
def end_pairing(pairing_id: int):
    pairing = households.station_pairing(current_user, pairing_id)
    back = url_for(".household", household_id=pairing.household_id)
    data = load_form_or_flash(HouseholdReasonSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: households.end_pairing(pairing, data["reason"], by=current_user),
                   success=_("The pairing has ended."), back_to=back, say=_say)


@bp.get("/households/due")
@role_required(Role.SOCIAL_WORKER)
def households_due():
    station = my_station()
    teams = households.teams_of(station.id)
    team_id = request.args.get("grid_team_id", type=db_int)
    if team_id is None:
        post = org.post_of(current_user)
        team_id = post.grid_team_id if post is not None and post.grid_team_id else (
            teams[0].id if teams else None)
    due = None
    if team_id is not None:
        if team_id not in {team.id for team in teams}:
            households.require_register(current_user, org.get_grid_team(team_id).station_id)
        due = households.due_for_team(current_user, team_id)
    return render_template("station/households_due.html", station=station, teams=teams,
                           due=due, team_id=team_id)


@bp.get("/households/coverage")
@role_required(Role.SOCIAL_WORKER)
def households_coverage():
    station = my_station()
    try:
        quarter = households.parse_quarter(request.args.get("quarter"))
    except InvalidInput as error:
        return render_template("station/households_coverage.html", station=station,
                               figures=None, errors=error.fields,
                               quarter=request.args.get("quarter", "")), 422
    return render_template("station/households_coverage.html", station=station, errors={},
                           figures=households.coverage(station.id, quarter),
                           quarter=str(quarter))


@bp.get("/households/export.xlsx")
@role_required(Role.SOCIAL_WORKER)
def export_households():
    station = my_station()
    handle = households.export_households(current_user, station.id)
    db.session.commit()
    data = handle.read()
    handle.close()
    return Response(data, content_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="households-station{station.id}.xlsx"',
        "Cache-Control": "no-store"})

