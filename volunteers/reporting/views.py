"""Station and district dashboards: the page `/reports/` and `GET /api/v1/reports/summary`.

A station manager sees their own station; a district administrator every station at once, or
one they choose. The figures come from `volunteers.reports`; this module only reads the filters,
and lays the figures out as charts (drawn by ``static/js/dashboard.js`` from a JSON block, since
the Content-Security-Policy allows no inline script) and as tables with the same numbers, or as
JSON in whole minutes.
"""

from datetime import date

from babel.dates import format_skeleton
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields

from timebank.accounts.permissions import Role, role_required
from timebank.errors import InvalidInput
from timebank.web.api import api_blueprint
from timebank.web.openapi import doc
from timebank.web.schemas import BaseSchema
from volunteers.corrections import services as corrections
from volunteers.households import services as households
from volunteers.reporting import filters as report_filters
from volunteers.reporting import services as reports
from volunteers.reporting import summaries

bp = Blueprint("reports", __name__, url_prefix="/reports")
report_api_bp = api_blueprint("report_api", __name__)

#: The ledger figures in the order the chart and the table show them, with their labels.
LEDGER_LABELS = {
    "issued": _l("Issued"),
    "spent": _l("Spent"),
    "redeemed": _l("Redeemed"),
    "donated": _l("Donated"),
    "granted": _l("Granted from pools"),
    "adjusted": _l("Adjusted"),
    "in_pools": _l("In pools"),
    "opening": _l("Hours before the platform"),
}


def month_name(year: int, month: int) -> str:
    """``2026年3月`` or ``Mar 2026``."""
    return format_skeleton("yMMM", date(year, month, 1), locale=get_locale())


def _month_value(month: tuple[int, int] | None) -> str:
    return "{:04d}-{:02d}".format(*month) if month else ""


def theme_choice(theme, stations: dict) -> str:
    """How the theme menu names a theme: its title and month, and the station for a station's own."""
    label = _("%(title)s (%(year)d-%(month)02d)", title=theme.title, year=theme.year,
              month=theme.month)
    if theme.station_id is not None:
        label = _("%(theme)s, %(station)s", theme=label, station=stations.get(theme.station_id, ""))
    return label


def chart_data(figures: reports.Dashboard, *, whole_district: bool) -> dict:
    """What dashboard.js draws: for each chart its labels, datasets and axis title. The same
    numbers as the tables: hours with one decimal (`reports.hours`), people and sign-ups counted."""
    scanned, honour = str(_("Scanned hours (信用时)")), str(_("Honour hours (荣誉时)"))
    hours_axis = str(_("Hours"))
    coverage_labels = [f"{row.community} · {row.station}" if whole_district else row.community
                       for row in figures.coverage]
    return {
        "coverage": {
            "horizontal": True, "axis": str(_("Volunteers")), "labels": coverage_labels,
            "datasets": [
                {"label": str(_("Registered volunteers")),
                 "data": [row.registered for row in figures.coverage]},
                {"label": str(_("Active volunteers")),
                 "data": [row.active for row in figures.coverage]},
            ]},
        "hours_by_month": {
            "stacked": True, "axis": hours_axis,
            "labels": [month_name(row.year, row.month) for row in figures.hours_by_month],
            "datasets": [
                {"label": scanned,
                 "data": [reports.hours(row.served.scanned) for row in figures.hours_by_month]},
                {"label": honour,
                 "data": [reports.hours(row.served.honour) for row in figures.hours_by_month]},
            ]},
        "hours_by_theme": {
            "stacked": True, "horizontal": True, "axis": hours_axis,
            "labels": [row.label for row in figures.hours_by_theme],
            "datasets": [
                {"label": scanned,
                 "data": [reports.hours(row.served.scanned) for row in figures.hours_by_theme]},
                {"label": honour,
                 "data": [reports.hours(row.served.honour) for row in figures.hours_by_theme]},
            ]},
        "activities_by_theme": {
            "horizontal": True, "axis": str(_("Activities")),
            "labels": [row.label for row in figures.activities_by_theme],
            "datasets": [{"label": str(_("Activities")),
                          "data": [row.activities for row in figures.activities_by_theme]}]},
        "attendance": {
            "stacked": True, "axis": str(_("Confirmed sign-ups")),
            "labels": [month_name(row.year, row.month) for row in figures.attendance_by_month],
            "datasets": [
                {"label": str(_("Attended")),
                 "data": [row.attended for row in figures.attendance_by_month]},
                {"label": str(_("No-show")),
                 "data": [row.no_show for row in figures.attendance_by_month]},
                {"label": str(_("Not recorded")),
                 "data": [row.unknown for row in figures.attendance_by_month]},
            ]},
        "ledger": {
            "axis": hours_axis, "colours": True,
            "labels": [str(label) for label in LEDGER_LABELS.values()],
            "datasets": [{"label": hours_axis,
                          "data": [reports.hours(getattr(figures.ledger.total, name))
                                   for name in LEDGER_LABELS]}]},
    }


@bp.get("/")
@role_required(Role.STATION_MANAGER)
def dashboard():
    stations = report_filters.stations_visible_to(current_user)
    every_station = report_filters.sees_every_station(current_user)
    station_names = {station.id: station.name for station in stations}
    context = {"stations": stations, "every_station": every_station, "errors": {},
               "figures": None, "LEDGER_LABELS": LEDGER_LABELS, "hours": reports.hours_text,
               "percent": reports.percent_text, "month_name": month_name,
               "has_exports": "exports.index" in current_app.view_functions,
               # Correction requests past their due date, of the stations this person sees.
               "overdue": corrections.overdue(None if every_station else station_names)}
    try:
        filters = reports.resolve_period(report_filters.filters_for(current_user, request.args))
    except InvalidInput as error:
        # Show the form again with what was typed and why it is wrong; no figures.
        context.update(errors=error.fields, values=request.args, themes=[])
        return render_template("reports/dashboard.html", **context), 422
    figures = reports.dashboard(filters)
    context.update(
        filters=figures.filters, figures=figures,
        values={"from": _month_value(filters.first_month), "to": _month_value(filters.last_month),
                "station_id": filters.station_id or "", "theme_id": filters.theme_id or ""},
        themes=[(theme.id, theme_choice(theme, station_names))
                for theme in reports.themes_in(filters)],
        station_name=station_names.get(filters.station_id),
        chart_data=chart_data(figures, whole_district=filters.station_id is None),
        household_coverage=households.coverage_for_report(figures.filters),
        as_of=summaries.as_of(figures.filters),
    )
    return render_template("reports/dashboard.html", **context)


# --- JSON -------------------------------------------------------------------------------------

def _month_key(row) -> str | None:
    return f"{row.year:04d}-{row.month:02d}" if row.year else None


class ServedSchema(BaseSchema):
    scanned = fields.Integer(metadata={"description": "minutes scanned in and out (信用时)"})
    honour = fields.Integer(metadata={"description": "minutes set by staff with a reason (荣誉时)"})
    total = fields.Integer()


class CoverageSchema(BaseSchema):
    station_id = fields.Integer()
    station = fields.String()
    community_id = fields.Integer()
    community = fields.String()
    registered = fields.Integer()
    active = fields.Integer()
    share = fields.Float(allow_none=True, metadata={"description": "active / registered, in %"})


class MonthServedSchema(BaseSchema):
    month = fields.Function(_month_key, metadata={"example": "2026-03"})
    served = fields.Nested(ServedSchema)


class ThemeSchema(BaseSchema):
    theme_id = fields.Integer(allow_none=True, metadata={"description": "null: no theme"})
    title = fields.Function(lambda row: row.title if row.theme_id else None, allow_none=True)
    month = fields.Function(_month_key, allow_none=True)
    station_id = fields.Integer(allow_none=True, metadata={"description": "null: a district theme"})


class ThemeHoursSchema(ThemeSchema):
    served = fields.Nested(ServedSchema)


class ThemeActivitiesSchema(ThemeSchema):
    activities = fields.Integer()


class AttendanceSchema(BaseSchema):
    month = fields.Function(_month_key, allow_none=True)
    confirmed = fields.Integer()
    attended = fields.Integer()
    no_show = fields.Integer()
    unknown = fields.Integer()
    attended_rate = fields.Float(allow_none=True)
    no_show_rate = fields.Float(allow_none=True)
    unknown_rate = fields.Float(allow_none=True)


class LedgerFiguresSchema(BaseSchema):
    issued = fields.Integer()
    spent = fields.Integer()
    redeemed = fields.Integer()
    donated = fields.Integer()
    granted = fields.Integer()
    adjusted = fields.Integer()
    in_pools = fields.Integer()
    opening = fields.Integer(metadata={"description": "opening balances of imported volunteers: "
                                                      "hours served before the platform"})


class LedgerStationSchema(LedgerFiguresSchema):
    station_id = fields.Integer(allow_none=True, metadata={"description": "null: no station"})
    station = fields.String(allow_none=True)


class ReportFiltersSchema(BaseSchema):
    from_ = fields.String(data_key="from", metadata={"example": "2026-01"})
    to = fields.String(metadata={"example": "2026-06"})
    station_id = fields.Integer(allow_none=True)
    theme_id = fields.Integer(allow_none=True)


class DashboardSchema(BaseSchema):
    filters = fields.Nested(ReportFiltersSchema)
    coverage = fields.List(fields.Nested(CoverageSchema))
    hours_by_month = fields.List(fields.Nested(MonthServedSchema))
    hours_by_theme = fields.List(fields.Nested(ThemeHoursSchema))
    activities_by_theme = fields.List(fields.Nested(ThemeActivitiesSchema))
    attendance_by_month = fields.List(fields.Nested(AttendanceSchema))
    attendance = fields.Nested(AttendanceSchema)
    ledger = fields.Nested(LedgerFiguresSchema)
    ledger_by_station = fields.List(fields.Nested(LedgerStationSchema))


def summary_json(figures: reports.Dashboard) -> dict:
    filters = figures.filters
    return DashboardSchema().dump({
        "filters": {"from_": _month_value(filters.first_month), "to": _month_value(filters.last_month),
                    "station_id": filters.station_id, "theme_id": filters.theme_id},
        "coverage": figures.coverage, "hours_by_month": figures.hours_by_month,
        "hours_by_theme": figures.hours_by_theme, "activities_by_theme": figures.activities_by_theme,
        "attendance_by_month": figures.attendance_by_month, "attendance": figures.attendance,
        "ledger": figures.ledger.total,
        "ledger_by_station": [{"station_id": station_id, "station": name, **vars(row)}
                              for station_id, name, row in figures.ledger.by_station],
    })


FILTER_PARAMETERS = (
    {"in": "query", "name": "from", "schema": {"type": "string", "example": "2026-01"},
     "description": "first month (YYYY-MM); default: five months before `to`"},
    {"in": "query", "name": "to", "schema": {"type": "string", "example": "2026-06"},
     "description": "last month (YYYY-MM); default: this month"},
    {"in": "query", "name": "month", "schema": {"type": "string"},
     "description": "one month: the same as from=to=month"},
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "district administrators: one station (default every station); others: "
                    "only their own"},
    {"in": "query", "name": "theme_id", "schema": {"type": "integer"}},
)


@report_api_bp.get("/reports/summary")
@role_required(Role.STATION_MANAGER)
@doc(summary="The dashboard's figures (whole minutes) for a period, station and theme",
     tags=["reports"], response=DashboardSchema, errors=(403, 422), parameters=FILTER_PARAMETERS)
def summary():
    filters = reports.resolve_period(report_filters.filters_for(current_user, request.args))
    return jsonify(summary_json(reports.dashboard(filters)))
