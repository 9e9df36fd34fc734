"""Time in one place: aware UTC in the database, the platform's zone on screen.

SQLite keeps no zone with a timestamp, so `UTCDateTime` stores naive UTC and hands back
aware UTC datetimes on every database alike.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

#: The years the platform accepts in dates and months from outside (query strings, forms, JSON).
#: Anything else is refused as invalid input before any arithmetic can overflow.
MIN_YEAR, MAX_YEAR = 2000, 2100


def supported(moment: date | datetime) -> bool:
    """Whether a date or datetime from outside lies in the years the platform accepts."""
    return MIN_YEAR <= moment.year <= MAX_YEAR


def now() -> datetime:
    """The current moment, aware, in UTC. Tests patch this one function to move time."""
    return datetime.now(UTC)


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime) -> datetime:
    """`moment` in the platform's zone (Asia/Shanghai unless configured)."""
    return moment.astimezone(zone())


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's, in the platform's zone."""
    start = datetime(year, month, 1, tzinfo=zone())
    following_year, following_month = shift_month(year, month, 1)
    return start, start.replace(year=following_year, month=following_month)


def day_start(day: date) -> datetime:
    """The first moment of `day` in the platform's zone (a day filter's lower bound)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    """The month `by` months after (or, negative, before) ``year-month``."""
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def this_month() -> tuple[int, int]:
    """(year, month) today in the platform's zone."""
    today = local(now())
    return today.year, today.month


def render_migration_item(type_, obj, autogen_context):
    """Migrations spell `UTCDateTime` as a plain DateTime, so they never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False
