# PLACEHOLDER until h/report merges
"""A station's report for a month range, as plain JSON (the shape the evaluation freezes)."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from timebank.clock import month_bounds, now
from timebank.extensions import db
from timebank.org import services as org
from volunteers.activities.models import Activity, ActivityStatus
from volunteers.reporting import services as reporting
from volunteers.reporting.filters import ReportFilters


@dataclass
class StationReport:
    station: dict
    first: tuple[int, int]
    last: tuple[int, int]
    generated_at: str
    sections: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"station": self.station, "first": "{:04d}-{:02d}".format(*self.first),
                "last": "{:04d}-{:02d}".format(*self.last), "generated_at": self.generated_at,
                "sections": self.sections}


def station_report(station_id: int, first: tuple[int, int],
                   last: tuple[int, int] | None = None) -> StationReport:
    last = last or first
    station = org.get_station(station_id)
    start, end = month_bounds(*first)[0], month_bounds(*last)[1]
    held = db.session.scalar(select(func.count(Activity.id)).where(
        Activity.station_id == station_id, Activity.starts_at >= start,
        Activity.starts_at < min(end, now()), Activity.status != ActivityStatus.CANCELLED.value,
        Activity.status != ActivityStatus.DRAFT.value)) or 0
    figures = reporting.dashboard(ReportFilters(first, last, station_id))
    return StationReport(
        station={"id": station.id, "name": station.name}, first=first, last=last,
        generated_at=now().isoformat(),
        sections=[{"key": "service", "title": _("Service"), "figures": [
            {"key": "activities_held", "label": _("Activities held"), "value": held,
             "unit": "count", "definition": _("Activities of the months that started and were "
                                              "not cancelled.")},
            {"key": "minutes_served", "label": _("Minutes served"),
             "value": figures.served.total, "unit": "minutes",
             "definition": _("Minutes of approved check-ins at the station's activities.")},
            {"key": "volunteers_registered", "label": _("Volunteers registered"),
             "value": figures.registered, "unit": "count",
             "definition": _("Volunteers whose home community is the station's.")},
        ], "table": None}])
