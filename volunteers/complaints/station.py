"""The station's side (投诉处理): its complaints, escalated and overdue ones first, the page of
one with the form of its next step, and the form for a complaint taken by phone, in person or by
letter. A district administrator without a post sees every station's (or one, ?station_id=)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.accounts.services import mask_phone
from timebank.extensions import db
from timebank.web.actions import attempt, form_errors, messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from volunteers.complaints import services as complaints
from volunteers.complaints.models import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    STEPS,
    ComplaintStatus,
)
from volunteers.complaints.schemas import ComplaintFileSchema, ComplaintStepFormSchema
from volunteers.pages import can_choose_station, my_station
from volunteers.pages import station_bp as bp

PER_PAGE = 30


def _scope():
    """The station the list is of: the viewer's; for a district administrator without a post
    the one asked for with ?station_id=, else None (every station)."""
    if can_choose_station(current_user):
        asked = request.args.get("station_id", type=db_int)
        return complaints.find_station(asked) if asked is not None else None
    return my_station()


@bp.get("/complaints")
@role_required(Role.SOCIAL_WORKER)
def complaints_list():
    station = _scope()
    status = request.args.get("status") or None
    if status not in (None, *[value.value for value in ComplaintStatus]):
        status = None
    overdue = request.args.get("overdue") == "1"
    page = paginate(complaints.statement(station.id if station else None, status=status,
                                         overdue=overdue), PER_PAGE)
    args = {key: value for key, value in (("status", status), ("overdue", "1" if overdue else None),
            ("station_id", station.id if station and can_choose_station(current_user) else None))
            if value}
    return render_template(
        "station/complaints.html", station=station, page=page, status=status, overdue=overdue,
        labels=STATUS_LABELS, args=args, mask=mask_phone,
        all_stations=can_choose_station(current_user))


@bp.get("/complaints/<int:complaint_id>")
@role_required(Role.SOCIAL_WORKER)
def complaint(complaint_id: int):
    ticket = complaints.station_complaint(current_user, complaint_id)
    return _complaint_page(ticket, mask_phone(ticket.contact) if ticket.contact else "")


@bp.post("/complaints/<int:complaint_id>/contact")
@role_required(Role.SOCIAL_WORKER)
def reveal_complaint_contact(complaint_id: int):
    """The page again with the contact in full, to call back (audited)."""
    ticket = complaints.station_complaint(current_user, complaint_id)
    contact = complaints.reveal_contact(ticket, by=current_user)
    db.session.commit()
    return _complaint_page(ticket, contact, revealed=True)


def _complaint_page(ticket, contact: str, revealed: bool = False):
    following = [step for step, (before, _after) in STEPS.items() if ticket.status in before]
    return render_template(
        "station/complaint.html", station=ticket.station, ticket=ticket, contact=contact,
        labels=STATUS_LABELS, step_labels=STEP_LABELS, channels=CHANNEL_LABELS,
        following=following, revealed=revealed)


@bp.post("/complaints/<int:complaint_id>/steps")
@role_required(Role.SOCIAL_WORKER)
def complaint_step(complaint_id: int):
    back = url_for(".complaint", complaint_id=complaint_id)
    ticket = complaints.station_complaint(current_user, complaint_id)
    data = load_form_or_flash(ComplaintStepFormSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: complaints.take_step(ticket, by=current_user, **data),
                   success=_("Saved. The complainant has been told."), back_to=back,
                   say=messages_of)


@bp.route("/complaints/new", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def complaint_taken():
    """A complaint taken by phone, in person or by letter, for the viewer's station."""
    station = my_station()
    form = request.form if request.method == "POST" else {"channel": "phone"}
    errors: dict = {}
    if request.method == "POST":
        data, errors = load_form(ComplaintFileSchema())
        if data is not None:
            data["station_id"] = station.id
            if data.get("channel") in (None, "online"):
                data["channel"] = "phone"
            outcome = attempt(lambda: complaints.file_complaint(by=current_user, **data))
            if outcome.error is None:
                flash(_("Complaint %(number)s recorded.", number=outcome.result.number),
                      "success")
                return redirect(url_for(".complaint", complaint_id=outcome.result.id))
            errors = form_errors(outcome.error)
    return render_template("station/complaint_new.html", station=station, form=form,
                           errors=errors, channels={key: label for key, label
                                                    in CHANNEL_LABELS.items() if key != "online"},
                           text_max=complaints.TEXT_MAX), 422 if errors else 200
