"""The station's theme calendar (一月一主题): the district's themes and the station's own."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.clock import MAX_YEAR, MIN_YEAR, local, month_bounds, now
from timebank.errors import InvalidInput
from timebank.web.actions import attempt, form_errors
from timebank.web.forms import load_form
from volunteers.pages import chosen_station, hold_post, month_label, my_station
from volunteers.pages import station_bp as bp
from volunteers.themes import services as themes
from volunteers.themes.schemas import ThemeFormSchema


@bp.route("/themes", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def theme_calendar():
    # A district administrator needs no post to set the district's themes: without one, the
    # page shows the district's calendar alone, beside the station they chose if any.
    district = has_role(current_user, Role.DISTRICT_ADMIN)
    station = my_station() if not district or hold_post() is not None else chosen_station()
    year = request.values.get("year", type=int)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        year = local(now()).year
    errors, failed = {}, None
    if request.method == "POST":
        data, errors = load_form(ThemeFormSchema())
        if data is not None:
            year = data["year"]
            station_id = None if data["scope"] == "district" or station is None else station.id
            saved = attempt(lambda: themes.set_theme(
                station_id, year, data["month"], title=data["title"],
                description=data["description"], tags=data["tags"], by=current_user),
                refused=InvalidInput)
            if saved.error is not None:
                errors = form_errors(saved.error)
            else:
                flash(_("The theme for %(month)s is saved.",
                        month=month_label(month_bounds(year, data["month"])[0])),
                      "success")
                return redirect(url_for(".theme_calendar", year=year))
        failed = (request.form.get("scope", "station"), request.form.get("month", type=int))
    station_themes = themes.calendar(station.id, year) if station else {}
    district_themes = themes.calendar(None, year)
    return render_template(
        "station/themes.html", station=station, year=year, errors=errors, failed=failed,
        form=request.form,
        months=[(month, month_label(month_bounds(year, month)[0]))
                for month in range(1, 13)],
        station_themes=station_themes, district_themes=district_themes,
        can_edit_station=station is not None
        and themes.can_edit_calendar(current_user, station.id),
        can_edit_district=themes.can_edit_calendar(current_user, None),
    ), 422 if errors else 200
