"""The station's follow-up calls (群众随访): the month's queue with its progress, the button that
draws it (生成本月随访名单) and the form of each call's outcome."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.accounts.services import mask_phone
from timebank.privacy.services import shown_phone
from timebank.web.actions import messages_of, perform
from timebank.web.forms import load_form_or_flash
from timebank.web.pagination import paginate
from volunteers.followups import services as followups
from volunteers.followups.models import OUTCOMES, STATUS_LABELS
from volunteers.followups.schemas import FollowUpOutcomeSchema
from volunteers.pages import my_station
from volunteers.pages import station_bp as bp

PER_PAGE = 50


def _month() -> str:
    month = request.values.get("month") or followups.last_month()
    try:
        followups.parse_month(month)
    except Exception:  # noqa: BLE001 - a bad month in the address shows last month
        return followups.last_month()
    return month


def _phone_of(person) -> str:
    if person is None or not getattr(person, "phone", ""):
        return ""
    if hasattr(person, "role_names"):
        return shown_phone(current_user, person)
    return mask_phone(person.phone)


@bp.get("/follow-ups")
@role_required(Role.SOCIAL_WORKER)
def follow_ups():
    station = my_station()
    month = _month()
    page = paginate(followups.month_statement(station.id, month), PER_PAGE)
    return render_template(
        "station/follow_ups.html", station=station, month=month, page=page,
        progress=followups.progress(station.id, month), labels=STATUS_LABELS,
        outcomes={outcome.value: STATUS_LABELS[outcome] for outcome in OUTCOMES},
        average=followups.average_satisfaction(station.id, month), who=followups.who,
        phone_of=_phone_of)


@bp.post("/follow-ups/generate")
@role_required(Role.SOCIAL_WORKER)
def generate_follow_ups():
    station = my_station()
    month = _month()
    back = url_for(".follow_ups", month=month)
    return perform(lambda: followups.queue_month(station.id, month, by=current_user),
                   success=lambda added: _("%(num)d residents added to the queue.",
                                          num=len(added)),
                   back_to=back, say=messages_of)


@bp.post("/follow-ups/<int:follow_up_id>/outcome")
@role_required(Role.SOCIAL_WORKER)
def follow_up_outcome(follow_up_id: int):
    row = followups.station_follow_up(current_user, follow_up_id)
    back = url_for(".follow_ups", month=row.month)
    data = load_form_or_flash(FollowUpOutcomeSchema())
    if data is None:
        return redirect(back)
    return perform(lambda: followups.record_outcome(row, by=current_user, **data),
                   success=_("Call recorded."), back_to=back, say=messages_of)
