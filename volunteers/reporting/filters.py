"""What a report covers: a month range, a station (or every station) and a theme.

Shared by the dashboards, the exports and their CLI. District administrators see every
station; other staff see only their own station, and asking for another is refused (403).
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from timebank.accounts.permissions import Role, has_role
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Station
from timebank.web.inputs import db_int
from volunteers.activities import services as activities
from volunteers.themes import services as themes


@dataclass(frozen=True)
class ReportFilters:
    #: ``(year, month)`` of the first and last month covered, both included; None = all time.
    first_month: tuple[int, int] | None = None
    last_month: tuple[int, int] | None = None
    #: None = every station the viewer may see (for a district administrator: all of them).
    station_id: int | None = None
    theme_id: int | None = None

    @property
    def start(self) -> datetime | None:
        """The first moment covered (platform zone), or None for no lower bound."""
        return activities.month_bounds(*self.first_month)[0] if self.first_month else None

    @property
    def end(self) -> datetime | None:
        """The first moment no longer covered, or None for no upper bound."""
        return activities.month_bounds(*self.last_month)[1] if self.last_month else None

    def query_args(self) -> dict:
        """The filters as query-string arguments (for links to exports of the same figures)."""
        args = {}
        if self.first_month:
            args["from"] = "{:04d}-{:02d}".format(*self.first_month)
        if self.last_month:
            args["to"] = "{:04d}-{:02d}".format(*self.last_month)
        if self.station_id:
            args["station_id"] = self.station_id
        if self.theme_id:
            args["theme_id"] = self.theme_id
        return args


def sees_every_station(user) -> bool:
    return has_role(user, Role.DISTRICT_ADMIN)


def stations_visible_to(user) -> list[Station]:
    """The stations whose reports `user` may read, by name."""
    if sees_every_station(user):
        return list(db.session.scalars(select(Station).order_by(Station.id)))
    station_id = org.station_id_of(user)
    return [org.get_station(station_id)] if station_id else []


def _month(value: str | None, field: str) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        return themes.parse_month(value.strip())
    except ValueError:
        raise InvalidInput(fields={field: [_("Enter a month as YYYY-MM.")]}) from None


def _id(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return db_int(value)
    except (TypeError, ValueError):
        raise InvalidInput(fields={field: [_("Choose from the list.")]}) from None


def filters_for(user, args) -> ReportFilters:
    """Read `month` (or `from`/`to`), `station_id` and `theme_id` from a mapping such as
    `request.args`, and fix the station for staff who see only their own."""
    month = _month(args.get("month"), "month")
    first = _month(args.get("from"), "from") or month
    last = _month(args.get("to"), "to") or month
    if first and last and first > last:
        raise InvalidInput(fields={"to": [_("The last month comes before the first.")]})
    station_id = _id(args.get("station_id"), "station_id")
    theme_id = _id(args.get("theme_id"), "theme_id")
    if not sees_every_station(user):
        own = org.station_id_of(user)
        if own is None:
            raise PermissionDenied(_("You are not posted at a station yet. Ask your station manager "
                                     "to add you."))
        if station_id not in (None, own):
            raise PermissionDenied(_("Only staff of this station can do this."))
        station_id = own
    elif station_id is not None and db.session.get(Station, station_id) is None:
        raise InvalidInput(fields={"station_id": [_("Choose from the list.")]})
    return ReportFilters(first, last, station_id, theme_id)
