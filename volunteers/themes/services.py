"""One theme a month (一月一主题): a calendar per station, and district-wide themes.

Each station has at most one theme a month, and the district at most one; station managers
edit their station's calendar, district administrators the district's.
"""

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from timebank.accounts.permissions import Role, has_role
from timebank.clock import MAX_YEAR, MIN_YEAR
from timebank.errors import InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.org.services import station_id_of
from volunteers.themes.models import (  # noqa: F401 (the models, for callers of this module)
    Theme,
)


def parse_month(value: str) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; raises ValueError for anything else, and for a year
    outside the platform's range (`timebank.clock.MIN_YEAR` to `MAX_YEAR`)."""
    year, month = value.split("-")
    if len(year) != 4 or not 1 <= int(month) <= 12 or not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ValueError(value)
    return int(year), int(month)


def themes_for_month(year: int, month: int, station_id: int | None = None) -> list[Theme]:
    """The month's district theme and station themes (only `station_id`'s if given)."""
    statement = select(Theme).where(Theme.year == year, Theme.month == month)
    if station_id is not None:
        statement = statement.where(or_(Theme.station_id.is_(None), Theme.station_id == station_id))
    return list(db.session.scalars(statement.order_by(Theme.station_id.is_not(None), Theme.id)))


def calendar(station_id: int | None, year: int) -> dict[int, Theme]:
    """Month number → theme, for one station's (or the district's) year."""
    statement = select(Theme).where(Theme.year == year)
    statement = statement.where(Theme.station_id.is_(None) if station_id is None
                                else Theme.station_id == station_id)
    return {theme.month: theme for theme in db.session.scalars(statement)}


def themes_to_filter_by(station_id: int | None, *, every_station: bool = False) -> list[Theme]:
    """Themes a report can be filtered by, newest month first: every one (`every_station`), or
    the district's and `station_id`'s, with their stations loaded."""
    statement = (select(Theme).options(joinedload(Theme.station))
                 .order_by(Theme.year.desc(), Theme.month.desc(), Theme.station_id.is_not(None),
                           Theme.id))
    if not every_station:
        statement = statement.where(or_(Theme.station_id.is_(None), Theme.station_id == station_id))
    return list(db.session.scalars(statement))


def get_theme(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(_("There is no such theme."), code="theme_not_found",
                       fields={"theme_id": [_("There is no such theme.")]})
    return theme


def can_edit_calendar(user, station_id: int | None) -> bool:
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    return station_id is not None and has_role(user, Role.STATION_MANAGER) \
        and station_id_of(user) == station_id


def set_theme(station_id: int | None, year: int, month: int, *, title: str, description: str = "",
              tags=(), by) -> Theme:
    """Create or replace the theme of a month in a station's (or the district's) calendar."""
    if not can_edit_calendar(by, station_id):
        raise PermissionDenied(_("Only the station's manager can edit its theme calendar."))
    if not title.strip():
        raise InvalidInput(fields={"title": [_("A theme needs a title.")]})
    theme = calendar(station_id, year).get(month)
    if theme is None:
        theme = Theme(station_id=station_id, year=year, month=month)
        db.session.add(theme)
    theme.title, theme.description = title.strip(), description.strip()
    theme.tags = [tag.strip() for tag in tags if tag.strip()]
    db.session.flush()
    return theme
