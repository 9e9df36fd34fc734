"""The station's side (更正申请): the requests its volunteers made about records it organised,
open ones first and the overdue ones marked, and the page to answer one.

Any staff member of the station may refuse a request with a reason or add a note; reversing or
adjusting hours is for the station manager or a district administrator (`services.resolve`)."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form, load_form_or_flash
from timebank.web.pagination import paginate
from volunteers.corrections import services as corrections
from volunteers.corrections.models import STATUS_LABELS
from volunteers.corrections.schemas import (
    CorrectionNoteFormSchema,
    CorrectionQuerySchema,
    CorrectionResolveSchema,
)
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp

PER_PAGE = 30

#: What the station's answer says in the volunteer's words.
ACTION_LABELS = {"reverse": STATUS_LABELS["reversed"], "adjust": STATUS_LABELS["adjusted"],
                 "refuse": STATUS_LABELS["refused"]}


@bp.get("/corrections")
@role_required(Role.SOCIAL_WORKER)
def corrections_list():
    station = my_station()
    query, errors = load_form(CorrectionQuerySchema(), request.args)
    if query is None:
        query = {"status": None}
    page = paginate(corrections.station_statement(station.id, query["status"]), PER_PAGE)
    return render_template(
        "station/corrections.html", station=station, page=page, query=query, errors=errors,
        labels=STATUS_LABELS, describe=corrections.describe,
        days_overdue=corrections.days_overdue,
        overdue_count=len(corrections.overdue([station.id]))), 422 if errors else 200


@bp.get("/corrections/<int:correction_id>")
@role_required(Role.SOCIAL_WORKER)
def correction(correction_id: int):
    ticket = corrections.station_correction(current_user, correction_id)
    return render_template(
        "station/correction.html", station=ticket.station, ticket=ticket,
        what=corrections.describe(ticket), labels=STATUS_LABELS, actions=ACTION_LABELS,
        may_change=corrections.may_change_hours(current_user, ticket),
        overdue=corrections.days_overdue(ticket))


@bp.post("/corrections/<int:correction_id>/resolve")
@role_required(Role.SOCIAL_WORKER)
def resolve_correction(correction_id: int):
    back = url_for(".correction", correction_id=correction_id)
    ticket = corrections.station_correction(current_user, correction_id)
    data = load_form_or_flash(CorrectionResolveSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: corrections.resolve(ticket, by=current_user, **data),
                   success=_("Answered. The volunteer has been told."), back_to=back,
                   say=messages_of)


@bp.post("/corrections/<int:correction_id>/notes")
@role_required(Role.SOCIAL_WORKER)
def add_correction_note(correction_id: int):
    back = url_for(".correction", correction_id=correction_id)
    ticket = corrections.station_correction(current_user, correction_id)
    data, _errors = load_form(CorrectionNoteFormSchema())
    return perform(lambda: corrections.add_note(ticket, by=current_user,
                                                body=(data or {}).get("body", "")),
                   success=_("Note added."), back_to=back, say=messages_of)
