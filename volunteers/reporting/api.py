"""``GET /api/v1/reports/station-monthly``: the monthly station report as JSON, with the station
scope of ``/api/v1/reports/summary`` (a station manager their own station, a district
administrator any station, which they must name)."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.errors import InvalidInput
from timebank.web.openapi import doc
from volunteers.reporting import filters as report_filters
from volunteers.reporting import monthly
from volunteers.reporting.schemas import StationReportSchema
from volunteers.reporting.views import report_api_bp as bp

PARAMETERS = (
    {"in": "query", "name": "month", "required": True,
     "schema": {"type": "string", "example": "2026-11"}, "description": "the month (YYYY-MM)"},
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "district administrators: the station (required); others: only their own"},
)


@bp.get("/reports/station-monthly")
@role_required(Role.STATION_MANAGER)
@doc(summary="The monthly station report: every figure with its definition", tags=["reports"],
     response=StationReportSchema, errors=(400, 403, 422), parameters=PARAMETERS)
def station_monthly():
    args = request.args
    if not args.get("month"):
        raise InvalidInput(fields={"month": [_("Enter a month as YYYY-MM.")]})
    filters = report_filters.filters_for(current_user, {"month": args.get("month"),
                                                        "station_id": args.get("station_id")})
    if filters.station_id is None:
        raise InvalidInput(fields={"station_id": [_("Choose a station.")]})
    monthly.require_reader(current_user, filters.station_id)
    report = monthly.station_report(filters.station_id, filters.first_month)
    return jsonify(StationReportSchema().dump(report.to_dict()))
