"""The station's page of star-level applications (星级评定): the pending ones with the hours
served now, each awarded or declined with a reason; the recent decisions below."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.org import services as org
from timebank.stars import services as stars
from timebank.stars.schemas import DeclineSchema
from timebank.web.actions import perform
from timebank.web.forms import load_form_or_flash
from timebank.web.stations import station_in_view

bp = Blueprint("star_levels", __name__, url_prefix="/station/stars")

@bp.get("/")
@role_required(Role.SOCIAL_WORKER)
def index():
    station_id = station_in_view()
    if station_id is None and has_role(current_user, Role.DISTRICT_ADMIN):
        return redirect(url_for("station.choose_station", next=request.full_path.rstrip("?")))
    stars.require_decider(current_user, station_id)
    station = org.get_station(station_id)
    pending = stars.pending_at(station.id)
    served = {row.id: stars.minutes_served(row.user) for row in pending}
    return render_template(
        "stars/station.html", station=station, pending=pending, served=served,
        decided=stars.recent_decisions(station.id),
        thresholds=stars.STAR_LEVELS, level_name=stars.level_name, stars_of=stars.stars_of,
        level_reached=stars.level_reached, STATUS_LABELS=stars.STATUS_LABELS)


def _back(application) -> str:
    return url_for("star_levels.index", station_id=application.station_id)


@bp.post("/<int:application_id>/award")
@role_required(Role.SOCIAL_WORKER)
def award(application_id: int):
    application = stars.application_for(current_user, application_id)
    back = _back(application)
    return perform(
        lambda: stars.award(application, by=current_user, note=request.form.get("note")),
        success=lambda row: _("%(level)s awarded to %(name)s.", level=stars.level_name(row.level),
                              name=row.user.name),
        back_to=back)


@bp.post("/<int:application_id>/decline")
@role_required(Role.SOCIAL_WORKER)
def decline(application_id: int):
    application = stars.application_for(current_user, application_id)
    back = _back(application)
    data = load_form_or_flash(DeclineSchema())
    if data is None:
        return redirect(back)
    return perform(
        lambda: stars.decline(application, by=current_user, reason=data["reason"]),
        success=lambda row: _("The application of %(name)s was declined; they have been told why.",
                              name=row.user.name),
        back_to=back)
