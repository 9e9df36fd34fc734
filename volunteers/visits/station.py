"""The station's side: record a visit to a household of the register, and the queue of
volunteers' visits waiting for the grid social worker's decision (探访审核)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form
from timebank.web.pagination import paginate
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp
from volunteers.visits import services as visits
from volunteers.visits.models import VisitStatus
from volunteers.visits.schemas import VisitRejectSchema
from volunteers.visits.views import form_values, record_from_form

PER_PAGE = 30


@bp.route("/households/<int:household_id>/visits/new", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def record_household_visit(household_id: int):
    household = visits.household_for_visit(current_user, household_id)
    errors = {}
    if request.method == "POST":
        visit, errors = record_from_form(household)
        if visit is not None:
            flash(_("The visit is recorded."), "success")
            return redirect(url_for("station.visits_list", status=visit.status))
    return render_template(
        "visits/form.html", household=household, pairing=None, staff=True,
        action=url_for("station.record_household_visit", household_id=household.id),
        back=url_for("station.visits_list"), values=form_values(request.form if errors else None),
        errors=errors, needs=visits.NEEDS, ways=visits.way_labels()), 422 if errors else 200


@bp.get("/visits")
@role_required(Role.SOCIAL_WORKER)
def visits_list():
    station = my_station()
    status = request.args.get("status") or VisitStatus.WAITING.value
    if status not in visits.status_labels():
        status = VisitStatus.WAITING.value
    page = paginate(visits.station_statement(current_user, station.id, status=status), PER_PAGE)
    return render_template("visits/station.html", station=station, page=page, status=status,
                           labels=visits.status_labels(), ways=visits.way_labels(), needs=visits.NEEDS,
                           may_decide=visits.may_decide)


@bp.post("/visits/<int:visit_id>/approve")
@role_required(Role.SOCIAL_WORKER)
def approve_visit(visit_id: int):
    visit = visits.visit_to_decide(current_user, visit_id)
    return perform(lambda: visits.approve(visit, by=current_user),
                   success=_("Approved. The volunteer's hours are in their account."),
                   back_to=url_for("station.visits_list"), say=messages_of)


@bp.post("/visits/<int:visit_id>/reject")
@role_required(Role.SOCIAL_WORKER)
def reject_visit(visit_id: int):
    visit = visits.visit_to_decide(current_user, visit_id)
    data, _errors = load_form(VisitRejectSchema())
    return perform(lambda: visits.reject(visit, by=current_user,
                                         reason=(data or {}).get("reason", "")),
                   success=_("Rejected. The volunteer has been told why."),
                   back_to=url_for("station.visits_list"), say=messages_of)
