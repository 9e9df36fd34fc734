"""Monthly summaries of the dashboard figures, so a city's year reads in well under 2 seconds.

The rule that keeps them equal to the live figures:

* A nightly job (`rebuild`, in `volunteers.jobs`) throws every summary row away and computes
  them again, month by month, with the very functions of `reporting.services` that compute the
  live figures (called while no summary exists, so they read live). It covers every month from
  the first with data up to the month *before the previous one* ("closed" months), and records
  that month (`SummaryState`). Rebuilding the whole is idempotent and also follows what changes
  a closed month's figures in place: a late approval or a reversal of a check-in of that month,
  a ledger entry posted with an earlier date, a volunteer who moved to another community (the
  ledger places members by their home community today).
* The dashboard reads summaries only for closed months the summaries cover (`summarised_through`),
  and live data for the others: the current and the previous month, where approvals and
  corrections happen, always show what the database holds now. A change to a closed month shows
  on the dashboard after the next night's rebuild.
* With a theme chosen, every figure is read live (the summaries keep themes apart only where the
  live figures do, and a theme's dashboard is a small part of the data).

Why a job and not the transactions that write the facts: the figures depend on many writers
(approvals, reversals in the ledger, adjustments, sign-up changes, a volunteer's move), and the
ledger's own package may not import this one; one rebuild from the live definitions cannot
drift from them.
"""

from sqlalchemy import delete, func, insert, select

from timebank.clock import local, now, shift_month, this_month
from timebank.extensions import db
from timebank.ledger.models import Transfer
from timebank.org.models import Station
from volunteers.activities.models import Activity
from volunteers.reporting.filters import ReportFilters
from volunteers.reporting.models import (
    SUMMARY_TABLES,
    AttendanceMonth,
    LedgerMonth,
    ServedYear,
    SummaryState,
    ThemeMonth,
)

#: Months counted as open (read live): the current one and this many before it.
OPEN_MONTHS_BEFORE = 1


def month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def summarised_through() -> tuple[int, int] | None:
    """The last month the dashboard may read from summaries: the month the last rebuild
    covered, but never an open month (the current one and the one before). None: no summaries."""
    state = db.session.get(SummaryState, 1)
    if state is None:
        return None
    last_closed = shift_month(*this_month(), -1 - OPEN_MONTHS_BEFORE)
    return min((state.through_year, state.through_month), last_closed)


def split(filters: ReportFilters) -> tuple[tuple[int, int] | None, ReportFilters | None]:
    """A resolved period cut in two: the months read from summaries (``(first, last)`` month
    numbers, see `month_number`, or None) and the filters of the months read live (or None)."""
    first, last = filters.first_month, filters.last_month
    through = summarised_through() if filters.theme_id is None else None
    if through is None or first > through:
        return None, filters
    summarised = (month_number(*first), month_number(*min(last, through)))
    if last <= through:
        return summarised, None
    return summarised, ReportFilters(shift_month(*through, 1), last, filters.station_id,
                                     filters.theme_id)


def in_months(model, months: tuple[int, int]):
    return (model.year * 12 + model.month - 1).between(*months)


# --- rebuilding -----------------------------------------------------------------------------------

def _first_month() -> tuple[int, int] | None:
    earliest = [moment for moment in (db.session.scalar(select(func.min(Activity.starts_at))),
                                      db.session.scalar(select(func.min(Transfer.posted_at))))
                if moment is not None]
    if not earliest:
        return None
    first = local(min(earliest))
    return first.year, first.month


def rebuild() -> int:
    """Every summary row again, for every closed month; the number of months summarised."""
    from volunteers.reporting import services as reports  # it reads this module

    for model in (*SUMMARY_TABLES, SummaryState):
        db.session.execute(delete(model))
    db.session.flush()
    through = shift_month(*this_month(), -1 - OPEN_MONTHS_BEFORE)
    first = _first_month()
    if first is None or first > through:
        first = through
    stations = list(db.session.scalars(select(Station.id).order_by(Station.id)))
    count = 0
    served: dict[tuple[int, int], int] = {}
    month = first
    while month <= through:
        count += 1
        theme_rows, attendance_rows, ledger_rows = [], [], []
        for station_id in stations:
            filters = ReportFilters(month, month, station_id)
            rows: dict = {}
            for row in reports.hours_by_theme(filters):
                rows.setdefault(row.theme_id, {}).update(scanned=row.served.scanned,
                                                         honour=row.served.honour)
            for row in reports.activities_by_theme(filters):
                rows.setdefault(row.theme_id, {})["activities"] = row.activities
            for theme_id, row in reports.service_by_theme(filters).items():
                rows.setdefault(theme_id, {}).update(people_served=row.people_served,
                                                     participations=row.participations)
            theme_rows += [{"year": month[0], "month": month[1], "station_id": station_id,
                            "theme_id": theme_id, "scanned": 0, "honour": 0, "activities": 0,
                            "people_served": 0, "participations": 0, **figures}
                           for theme_id, figures in rows.items()]
            _by_month, total = reports.attendance(filters)
            if total.confirmed:
                attendance_rows.append({"year": month[0], "month": month[1],
                                        "station_id": station_id, "confirmed": total.confirmed,
                                        "attended": total.attended, "no_show": total.no_show})
        ledger = reports.ledger_figures(ReportFilters(month, month))
        sponsored_total = reports.pool_sponsorships(ReportFilters(month, month))
        stations_sponsored = 0
        for station_id, _name, figures in ledger.by_station:
            if station_id is None:
                continue
            sponsored = reports.pool_sponsorships(ReportFilters(month, month, station_id))
            stations_sponsored += sponsored
            ledger_rows.append({"year": month[0], "month": month[1], "station_id": station_id,
                                **vars(figures), "sponsored": sponsored})
        if any(station_id is None for station_id, _name, _figures in ledger.by_station) \
                or sponsored_total != stations_sponsored:
            rest = next((figures for station_id, _name, figures in ledger.by_station
                         if station_id is None), reports.LedgerFigures())
            ledger_rows.append({"year": month[0], "month": month[1], "station_id": None,
                                **vars(rest), "sponsored": sponsored_total - stations_sponsored})
        bit = 1 << (month[1] - 1)
        for user_id in db.session.scalars(reports.served_users(ReportFilters(month, month))):
            key = (user_id, month[0])
            served[key] = served.get(key, 0) | bit
        for model, rows in ((ThemeMonth, theme_rows), (AttendanceMonth, attendance_rows),
                            (LedgerMonth, ledger_rows)):
            if rows:
                db.session.execute(insert(model), rows)
        month = shift_month(*month, 1)
    rows = [{"user_id": user_id, "year": year, "months": months}
            for (user_id, year), months in served.items()]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(ServedYear), rows[start:start + 10_000])
    db.session.add(SummaryState(id=1, through_year=through[0], through_month=through[1],
                                built_at=now()))
    db.session.flush()
    return count

