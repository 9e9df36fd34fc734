"""Monthly summaries of the dashboard figures, so a city's year reads in well under 2 seconds.

The rule that keeps them equal to the live figures:

* They are computed, month by month, by the very functions of `reporting.services` that
  compute the live figures (called while the summaries are set aside, so they read live), and
  stored per month, station and theme. Rebuilding a month replaces its rows: it is idempotent.
* Two scheduled jobs (`volunteers.jobs`) rebuild them: every 15 minutes the current and the
  previous month (`RECENT_MONTHS`: where check-ins are approved and corrected), and every night
  every month from the first with data, which also follows what changes an older month in
  place: a late approval or a reversal of a check-in of that month, a ledger entry posted with an
  earlier date, a volunteer who moved to another community (the ledger places members by their
  home community today).
* `SummaryState` records the last month built. The dashboard reads summaries up to it and live
  data after it (a month that began since the last run is read live); with no state (never
  built, or set aside during a rebuild) it reads everything live.
* So a summarised figure is the live figure as of the last run: a change shows within 15 minutes
  in the current and the previous month, and after the night's rebuild in older months.
* With a theme chosen, every figure is read live (the per-month attendance and the served
  volunteers are not kept per theme; a theme's dashboard is a small part of the data).

Why jobs and not the transactions that write the facts: the figures depend on many writers
(approvals, reversals in the ledger, adjustments, sign-up changes, a volunteer's move), the
ledger's own package may not import this one, and a rebuild from the live definitions cannot
drift from them.
"""

from sqlalchemy import delete, func, insert, select, text

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

#: The months a refresh rebuilds: the current one and the one before.
RECENT_MONTHS = 2


def month_number(year: int, month: int) -> int:
    return year * 12 + month - 1


def summarised_through() -> tuple[int, int] | None:
    """The last month the dashboard reads from summaries, or None: no summaries."""
    state = db.session.get(SummaryState, 1)
    return None if state is None else (state.through_year, state.through_month)


def as_of(filters: ReportFilters):
    """When the summaries `filters` read were built (for the page to say how fresh its figures
    are), or None when every figure is read live."""
    summarised, _live = split(filters)
    if summarised is None:
        return None
    return db.session.get(SummaryState, 1).built_at


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


def rebuild(recent: int | None = None) -> int:
    """Rebuild the summaries of the last `recent` months (the current one included), or of every
    month when `recent` is None or nothing was built yet. Returns the number of months built."""
    from volunteers.reporting import services as reports  # it reads this module

    current = this_month()
    built = db.session.get(SummaryState, 1)
    if recent is None or built is None:
        first = min(_first_month() or current, current)
        for model in SUMMARY_TABLES:
            db.session.execute(delete(model))
    else:
        first = shift_month(*current, 1 - recent)
        for model in (ThemeMonth, AttendanceMonth, LedgerMonth):
            db.session.execute(delete(model).where(
                model.year * 12 + model.month - 1 >= month_number(*first)))
    if built is not None:
        db.session.delete(built)  # the functions below read live
    db.session.flush()
    stations = list(db.session.scalars(select(Station.id).order_by(Station.id)))
    served: dict[int, dict[int, int]] = {}  # year → user → months
    count = 0
    month = first
    while month <= current:
        count += 1
        _build_month(reports, month, stations)
        bit = 1 << (month[1] - 1)
        of_year = served.setdefault(month[0], {})
        for user_id in db.session.scalars(reports.served_users(ReportFilters(month, month))):
            of_year[user_id] = of_year.get(user_id, 0) | bit
        month = shift_month(*month, 1)
    for year, users in served.items():
        _store_served(year, users, rebuilt=sum(1 << (number % 12) for number in range(
            max(month_number(*first), year * 12), month_number(*current) + 1)
            if number // 12 == year), everything=recent is None or built is None)
    db.session.add(SummaryState(id=1, through_year=current[0], through_month=current[1],
                                built_at=now()))
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # New rows have no statistics until autovacuum comes by; without them the planner
        # guesses a handful of served volunteers and looks each one up (seconds at city scale).
        for model in SUMMARY_TABLES:
            db.session.execute(text(f"ANALYZE {model.__tablename__}"))
    return count


def _build_month(reports, month: tuple[int, int], stations: list[int]) -> None:
    """The summary rows of one month, from the live figures."""
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
    whole = ReportFilters(month, month)
    sponsored = reports.sponsorships_by_station(whole)
    for station_id, _name, figures in reports.ledger_figures(whole).by_station:
        ledger_rows.append({"year": month[0], "month": month[1], "station_id": station_id,
                            **vars(figures), "sponsored": sponsored.pop(station_id, 0)})
    if sponsored:  # into pools of no station, in a month with no other figure of no station
        ledger_rows.append({"year": month[0], "month": month[1], "station_id": None,
                            **vars(reports.LedgerFigures()), "sponsored": sponsored[None]})
    for model, rows in ((ThemeMonth, theme_rows), (AttendanceMonth, attendance_rows),
                        (LedgerMonth, ledger_rows)):
        if rows:
            db.session.execute(insert(model), rows)


def _store_served(year: int, users: dict[int, int], *, rebuilt: int, everything: bool) -> None:
    """Write the served months of `year`: `users` holds, for the `rebuilt` months (a bit mask),
    who served in them; the bits of other months are kept."""
    if everything:
        changed = users
    else:
        kept = dict(db.session.execute(select(ServedYear.user_id, ServedYear.months)
                                       .where(ServedYear.year == year)).all())
        changed = {}
        for user_id in set(kept) | set(users):
            months = (kept.get(user_id, 0) & ~rebuilt) | users.get(user_id, 0)
            if months != kept.get(user_id):
                changed[user_id] = months
        ids = list(changed)
        for start in range(0, len(ids), 5_000):
            db.session.execute(delete(ServedYear).where(
                ServedYear.year == year, ServedYear.user_id.in_(ids[start:start + 5_000])))
    rows = [{"user_id": user_id, "year": year, "months": months}
            for user_id, months in changed.items() if months]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(ServedYear), rows[start:start + 10_000])
