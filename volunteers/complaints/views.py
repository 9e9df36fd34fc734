"""The public complaint form (no login, on a phone), its result page with the number, and a
status look-up by number and contact phone; and the form staff fill in for a complaint taken by
phone, in person or by letter (in `station.py`)."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from timebank.extensions import limiter
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from volunteers.complaints import limits
from volunteers.complaints import services as complaints
from volunteers.complaints.models import STATUS_LABELS
from volunteers.complaints.schemas import ComplaintFileSchema

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

#: The session key of the number just filed, for the result page.
FILED = "complaint_filed"


def _stations():
    return org.all_stations()


@bp.route("/new", methods=["GET", "POST"])
@limits.per_address
@limits.per_phone
def new():
    form = request.form if request.method == "POST" else {
        "station_id": request.args.get("station_id", "")}
    errors: dict = {}
    if request.method == "POST":
        data, errors = load_form(ComplaintFileSchema())
        if data is not None:
            data.pop("channel", None)
            by = current_user if current_user.is_authenticated else None
            outcome = attempt(lambda: complaints.file_complaint(by=by, **data))
            if outcome.error is None:
                session[FILED] = outcome.result.number
                return redirect(url_for(".filed"))
            errors = form_errors(outcome.error)
    return render_template("complaints/new.html", stations=_stations(), form=form,
                           errors=errors, text_max=complaints.TEXT_MAX), 422 if errors else 200


@bp.get("/filed")
def filed():
    number = session.get(FILED)
    if not number:
        return redirect(url_for(".new"))
    complaint = complaints.by_number_only(number)
    if complaint is None:
        return redirect(url_for(".new"))
    return render_template("complaints/filed.html", complaint=complaint, labels=STATUS_LABELS)


@bp.get("/status")
@limiter.limit("30 per hour", exempt_when=lambda: not request.args.get("number"))
def status():
    number, contact = request.args.get("number", ""), request.args.get("contact", "")
    found = complaints.by_number(number, contact) if number and contact else None
    return render_template("complaints/status.html", number=number, contact=contact,
                           asked=bool(number and contact), complaint=found,
                           labels=STATUS_LABELS)
