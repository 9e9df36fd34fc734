"""The volunteer's side, on the phone: record a visit from one of their pairings (我的结对),
and 我的探访, the visits they recorded and what became of them."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.clock import local, now, zone
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from timebank.web.pagination import paginate
from volunteers.households import services as households
from volunteers.pages import volunteer_bp as bp
from volunteers.visits import services as visits
from volunteers.visits.schemas import VisitFormSchema

PER_PAGE = 20


def form_values(form=None) -> dict:
    """What the visit form shows: what was posted, else today and an hour in person."""
    if form is None:
        return {"visited_on": local(now()).date().isoformat(), "minutes": "60",
                "way": "in_person", "needs_found": []}
    values = form.to_dict()
    values["needs_found"] = form.getlist("needs_found")
    return values


def record_from_form(household):
    """Load the visit form and record it for `household` (committed), or the field errors."""
    data, errors = load_form(VisitFormSchema())
    if data is None:
        return None, errors
    if data["started_at"] is not None:
        data["started_at"] = datetime.combine(data["visited_on"], data["started_at"],
                                              tzinfo=zone())
    outcome = attempt(lambda: visits.record_visit(household, current_user, **data))
    if outcome.error is not None:
        return None, form_errors(outcome.error)
    return outcome.result, {}


@bp.route("/pairings/<int:pairing_id>/visits/new", methods=["GET", "POST"])
@login_required
def record_visit(pairing_id: int):
    pairing = visits.own_pairing(current_user, pairing_id)  # 404 for anyone else's
    errors = {}
    if request.method == "POST":
        visit, errors = record_from_form(pairing.household)
        if visit is not None:
            flash(_("Your visit is recorded. The social worker will approve your hours."),
                  "success")
            return redirect(url_for("volunteer.my_visits"))
    return render_template(
        "visits/form.html", household=pairing.household, pairing=pairing, staff=False,
        action=url_for("volunteer.record_visit", pairing_id=pairing.id),
        back=url_for("volunteer.my_visits"), values=form_values(request.form if errors else None),
        errors=errors, needs=visits.NEEDS, ways=visits.way_labels()), 422 if errors else 200


@bp.get("/visits")
@login_required
def my_visits():
    page = paginate(visits.mine_statement(current_user), PER_PAGE)
    return render_template("visits/mine.html", page=page, pairings=households.my_pairings(current_user),
                           labels=visits.status_labels(), ways=visits.way_labels())
