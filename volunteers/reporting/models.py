"""Monthly summaries of the dashboard's figures, for closed months (`reporting.summaries`).

Each row holds what `reporting.services` computes live for one month (and one station, one
theme), so a closed month is read from a few rows instead of its check-ins and ledger entries.
They are rebuilt whole by a nightly job; `SummaryState` says up to which month they hold.
"""

from typing import Any

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from timebank.clock import UTCDateTime
from timebank.extensions import db


class SummaryState(db.Model):
    """One row: the last month the summaries cover (every month up to it, from the first month
    with data), and when they were built. No row: no summaries, every figure is read live."""

    __tablename__ = "report_summary_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_year: Mapped[int]
    through_month: Mapped[int]
    built_at: Mapped[Any] = mapped_column(UTCDateTime)


class ThemeMonth(db.Model):
    """A station's activities starting in a month, of one theme (None: no theme): the figures of
    `hours_by_theme`, `activities_by_theme` and `service_by_theme` for that month."""

    __tablename__ = "report_theme_months"
    __table_args__ = (Index("ix_report_theme_months_month_station", "year", "month", "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    scanned: Mapped[int] = mapped_column(default=0)
    honour: Mapped[int] = mapped_column(default=0)
    activities: Mapped[int] = mapped_column(default=0)
    people_served: Mapped[int] = mapped_column(default=0)
    participations: Mapped[int] = mapped_column(default=0)


class AttendanceMonth(db.Model):
    """A station's confirmed sign-ups of held activities starting in a month (`attendance`)."""

    __tablename__ = "report_attendance_months"
    __table_args__ = (Index("ix_report_attendance_months_month_station", "year", "month",
                            "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    confirmed: Mapped[int] = mapped_column(default=0)
    attended: Mapped[int] = mapped_column(default=0)
    no_show: Mapped[int] = mapped_column(default=0)


class LedgerMonth(db.Model):
    """The ledger figures of one station (None: what belongs to no station) for one month
    (`ledger_figures` and `pool_sponsorships`); `in_pools` is the balance at the month's end."""

    __tablename__ = "report_ledger_months"
    __table_args__ = (Index("ix_report_ledger_months_month_station", "year", "month",
                            "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    issued: Mapped[int] = mapped_column(default=0)
    spent: Mapped[int] = mapped_column(default=0)
    redeemed: Mapped[int] = mapped_column(default=0)
    donated: Mapped[int] = mapped_column(default=0)
    granted: Mapped[int] = mapped_column(default=0)
    adjusted: Mapped[int] = mapped_column(default=0)
    in_pools: Mapped[int] = mapped_column(default=0)
    opening: Mapped[int] = mapped_column(default=0)
    sponsored: Mapped[int] = mapped_column(default=0)


class ServedYear(db.Model):
    """The months of a year in which a volunteer served (a check-in counted as hours at an
    activity starting in that month, at any station): bit ``month - 1`` of `months`."""

    __tablename__ = "report_served_years"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    months: Mapped[int]


#: The kinds of rows kept, for rebuilding: every table above but the state.
SUMMARY_TABLES = (ThemeMonth, AttendanceMonth, LedgerMonth, ServedYear)
