"""The figures of the station and district dashboards, computed for a `ReportFilters`.

Every figure is one plain function that reads the database with aggregated queries (a fixed
number of queries however many volunteers, activities or entries there are) and works alike on
SQLite and PostgreSQL. The dashboard page, its charts and tables, and the JSON summary all show
what these functions return, so a figure has exactly one definition: the docstring beside it.

Scope, the same for every figure:

* Period: the months from ``filters.first_month`` to ``filters.last_month``, both included, in
  the platform's zone. `resolve_period` fills in a missing end (by default the last six months up
  to the current one). Activity figures place an activity in the month it *starts*; ledger
  figures place a transfer in the month it was *posted*.
* Station: ``filters.station_id``, or every station when it is None (district administrators).
  Activity figures take the activities *of* the station; volunteers belong to the station of
  their home community (their volunteer profile's community).
* Theme: ``filters.theme_id`` narrows the activity figures (coverage's "active", hours, activities,
  attendance) to that theme's activities. The ledger does not know about themes, so the ledger
  figures ignore it.

Minutes are whole numbers everywhere; `hours` turns them into hours with one decimal for show.

Closed months are read from monthly summaries when they exist (`reporting.summaries`: rebuilt
nightly by these same functions, so a summarised figure is the live figure of the night before;
the current and the previous month are always live). Each function adds the two parts.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import and_, case, distinct, func, or_, select, union
from sqlalchemy.orm import aliased

from timebank.accounts.models import User
from timebank.clock import local, now, shift_month
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind
from timebank.org import services as org
from timebank.org.models import Community, Station
from volunteers.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    SignUp,
    SignUpStatus,
)
from volunteers.activities.services import month_bounds
from volunteers.checkins.models import CheckIn, CheckInStatus, counted_as_hours
from volunteers.complaints.models import Complaint, ComplaintStatus
from volunteers.matching.models import MatchProposal, MatchRun, ProposalStatus
from volunteers.profiles.models import VolunteerProfile
from volunteers.reporting import summaries
from volunteers.reporting.filters import ReportFilters
from volunteers.reporting.models import AttendanceMonth, LedgerMonth, ServedYear, ThemeMonth
from volunteers.themes.models import Theme

#: Months shown when the viewer does not choose: the current one and the five before it.
DEFAULT_MONTHS = 6
#: The longest period one dashboard covers (the month-by-month figures have a column a month).
MAX_MONTHS = 60
#: Activities that took place (or will): not drafts, not cancelled.
HELD = (ActivityStatus.PUBLISHED, ActivityStatus.CLOSED)
#: Check-ins that prove the volunteer came (for attendance); approved ones also earned hours.
CAME = (CheckInStatus.APPROVED, CheckInStatus.CLOSED)


# --- period -----------------------------------------------------------------------------------

def _count(first: tuple[int, int], last: tuple[int, int]) -> int:
    return (last[0] * 12 + last[1]) - (first[0] * 12 + first[1]) + 1


def resolve_period(filters: ReportFilters, today: date | None = None) -> ReportFilters:
    """`filters` with both months set: a missing last month is the current month (or the first
    month, if that is later), a missing first month is five months before the last. Refuses a
    period longer than `MAX_MONTHS`."""
    today = today or local(now()).date()
    current = (today.year, today.month)
    last = filters.last_month or max(filters.first_month or current, current)
    first = filters.first_month or shift_month(*last, 1 - DEFAULT_MONTHS)
    if _count(first, last) > MAX_MONTHS:
        raise InvalidInput(fields={"to": [_("Choose at most %(count)d months.", count=MAX_MONTHS)]})
    return replace(filters, first_month=first, last_month=last)


def months(filters: ReportFilters) -> list[tuple[int, int]]:
    """Every ``(year, month)`` of a resolved period, in order."""
    return [shift_month(*filters.first_month, step)
            for step in range(_count(filters.first_month, filters.last_month))]


def _month_index(column, filters: ReportFilters):
    """A SQL expression: the position in `months(filters)` of the month `column` falls in (in
    the platform's zone, whatever the database's), or NULL outside the period."""
    ends = [month_bounds(*month)[1] for month in months(filters)]
    return case(*[(column < end, index) for index, end in enumerate(ends)], else_=None)


def _in_period(column, filters: ReportFilters):
    return and_(column >= filters.start, column < filters.end)


def _activity_scope(statement, filters: ReportFilters):
    """Activities of the period (by start), of the station in scope, of the theme if chosen."""
    statement = statement.where(_in_period(Activity.starts_at, filters))
    if filters.station_id is not None:
        statement = statement.where(Activity.station_id == filters.station_id)
    if filters.theme_id is not None:
        statement = statement.where(Activity.theme_id == filters.theme_id)
    return statement


# --- presentation -----------------------------------------------------------------------------

def hours(minutes: int) -> float:
    """Minutes as hours rounded half up to one decimal: 125 → 2.1. Charts and tables both use it."""
    return float((Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def hours_text(minutes: int) -> str:
    """``2.1`` (``1,234.5`` for big numbers), in the reader's locale."""
    return format_decimal(hours(minutes), format="#,##0.0")


def percent(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent with one decimal, or None when `whole` is 0."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_text(part: int, whole: int) -> str:
    value = percent(part, whole)
    return "–" if value is None else format_decimal(value, format="#,##0.0") + "%"


# --- coverage ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CommunityCoverage:
    station_id: int
    station: str
    community_id: int
    community: str
    #: Volunteer profiles whose home community this is (today).
    registered: int
    #: Of those, volunteers with hours served (an approved check-in) in the period.
    active: int

    @property
    def share(self) -> float | None:
        return percent(self.active, self.registered)


def coverage(filters: ReportFilters) -> list[CommunityCoverage]:
    """Registered and active volunteers in every community of the station(s) in scope.

    * registered: volunteer profiles whose home community is the community, as they are now
      (the period does not change it);
    * active: those of them with at least one check-in that counts as hours served (approved,
      and its ledger transfer not reversed: `checkins.counted_as_hours`) at an activity that
      starts in the period (of the chosen theme, if any), at whichever station it took place;
    * share active: active / registered, in percent (`CommunityCoverage.share`).

    Communities with no volunteers are listed too, with zeros.
    """
    registered = select(VolunteerProfile.community_id.label("community_id"),
                        func.count(VolunteerProfile.user_id).label("count")) \
        .where(VolunteerProfile.community_id.is_not(None))
    served = served_users(filters).subquery()
    active = select(VolunteerProfile.community_id.label("community_id"),
                    func.count(served.c.user_id).label("count")) \
        .join(served, served.c.user_id == VolunteerProfile.user_id)
    if filters.station_id is not None:
        communities = select(Community.id).join(Station, Station.town_id == Community.town_id) \
            .where(Station.id == filters.station_id)
        registered = registered.where(VolunteerProfile.community_id.in_(communities))
        active = active.where(VolunteerProfile.community_id.in_(communities))
    registered = registered.group_by(VolunteerProfile.community_id).subquery()
    active = active.group_by(VolunteerProfile.community_id).subquery()
    statement = (select(Station.id, Station.name, Community.id, Community.name,
                        func.coalesce(registered.c.count, 0), func.coalesce(active.c.count, 0))
                 .join(Community, Community.town_id == Station.town_id)
                 .outerjoin(registered, registered.c.community_id == Community.id)
                 .outerjoin(active, active.c.community_id == Community.id)
                 .order_by(Station.id, Community.id))
    if filters.station_id is not None:
        statement = statement.where(Station.id == filters.station_id)
    return [CommunityCoverage(*row) for row in db.session.execute(statement)]


def served_users(filters: ReportFilters):
    """The volunteers with hours served in the period (coverage's "active"): a query of user
    ids, each once. Live months: a check-in that counts as hours at an activity starting in the
    period (of the theme, if chosen), at any station; summarised months: `ServedYear`."""
    summarised, live = summaries.split(filters)
    parts = []
    if live is not None:
        statement = select(CheckIn.user_id).join(Activity, Activity.id == CheckIn.activity_id) \
            .where(counted_as_hours(), _in_period(Activity.starts_at, live))
        if live.theme_id is not None:
            statement = statement.where(Activity.theme_id == live.theme_id)
        parts.append(statement)
    if summarised is not None:
        first, last = summarised
        for year in range(first // 12, last // 12 + 1):
            mask = sum(1 << (number % 12)
                       for number in range(max(first, year * 12), min(last, year * 12 + 11) + 1))
            statement = select(ServedYear.user_id).where(ServedYear.year == year)
            if mask != 0xFFF:  # a whole year needs no test (and the planner cannot guess it)
                statement = statement.where(ServedYear.months.op("&")(mask) != 0)
            parts.append(statement)
    if len(parts) > 1:
        return union(*parts)
    # One year's summary holds each volunteer once.
    return parts[0] if live is None else parts[0].distinct()


# --- hours served -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Served:
    """Minutes of check-ins that count as hours served (`checkins.counted_as_hours`: approved,
    and the approval's ledger transfer not reversed), the way the exports count them too."""

    #: Scanned minutes (信用时): check-ins whose minutes were not changed by hand.
    scanned: int = 0
    #: Honour minutes (荣誉时): check-ins whose minutes staff set by hand, with a reason.
    honour: int = 0

    @property
    def total(self) -> int:
        return self.scanned + self.honour


@dataclass(frozen=True)
class MonthServed:
    year: int
    month: int
    served: Served


def _split(rows) -> dict:
    """``(key, scanned, honour)`` rows → key → `Served`."""
    found: dict = {}
    for key, scanned, honour in rows:
        before = found.get(key, Served())
        found[key] = replace(before, scanned=before.scanned + int(scanned or 0),
                             honour=before.honour + int(honour or 0))
    return found


def _scanned():
    """A check-in's scanned minutes (信用时): its minutes less those added by hand (荣誉时)."""
    return func.coalesce(CheckIn.minutes, 0) - CheckIn.honour_minutes


def hours_by_month(filters: ReportFilters) -> list[MonthServed]:
    """Minutes served per month: the minutes of check-ins that count as hours (approved, and the
    approval not reversed in the ledger since) at activities in scope, in the month the activity
    starts, scanned (信用时) and honour (``CheckIn.honour_minutes``, 荣誉时) apart.
    Every month of the period is listed, zeros included."""
    summarised, live = summaries.split(filters)
    found: dict = {}
    if live is not None:
        rows = _activity_scope(
            select(_month_index(Activity.starts_at, live).label("month"),
                   _scanned().label("scanned"), CheckIn.honour_minutes.label("honour"))
            .join(Activity, Activity.id == CheckIn.activity_id)
            .where(counted_as_hours()), live).subquery()
        live_months = months(live)
        found = {live_months[index]: served for index, served in _split(db.session.execute(
            select(rows.c.month, func.sum(rows.c.scanned), func.sum(rows.c.honour))
            .group_by(rows.c.month))).items() if index is not None}
    if summarised is not None:
        found.update(_split(((year, month), scanned, honour) for year, month, scanned, honour
                            in db.session.execute(_summary_scope(
                                select(ThemeMonth.year, ThemeMonth.month,
                                       func.sum(ThemeMonth.scanned), func.sum(ThemeMonth.honour))
                                .group_by(ThemeMonth.year, ThemeMonth.month),
                                ThemeMonth, summarised, filters))))
    return [MonthServed(year, month, found.get((year, month), Served()))
            for year, month in months(filters)]


def _summary_scope(statement, model, summarised: tuple[int, int], filters: ReportFilters):
    """Summary rows of the summarised months, of the station in scope."""
    statement = statement.where(summaries.in_months(model, summarised))
    if filters.station_id is not None:
        statement = statement.where(model.station_id == filters.station_id)
    return statement


@dataclass(frozen=True)
class ThemeFigures:
    #: None for activities posted under no theme.
    theme_id: int | None
    title: str
    year: int | None
    month: int | None
    #: The station whose own calendar holds the theme; None for the district's themes.
    station_id: int | None
    served: Served = field(default_factory=Served)
    activities: int = 0

    @property
    def label(self) -> str:
        if self.theme_id is None:
            return _("No theme")
        return _("%(title)s (%(year)d-%(month)02d)", title=self.title, year=self.year,
                 month=self.month)


_THEME_COLUMNS = (Theme.id, Theme.title, Theme.year, Theme.month, Theme.station_id)


def _theme_order(figures: ThemeFigures):
    return (figures.theme_id is None, figures.year or 0, figures.month or 0,
            figures.station_id is not None, figures.station_id or 0, figures.theme_id or 0)


def hours_by_theme(filters: ReportFilters) -> list[ThemeFigures]:
    """Minutes served per theme: the check-ins of `hours_by_month` grouped by the activity's
    theme, scanned and honour apart. Only themes with minutes served are listed; activities
    without a theme form a row of their own."""
    summarised, live = summaries.split(filters)
    rows = []
    if live is not None:
        rows += db.session.execute(_activity_scope(
            select(*_THEME_COLUMNS, func.sum(_scanned()), func.sum(CheckIn.honour_minutes))
            .select_from(CheckIn).join(Activity, Activity.id == CheckIn.activity_id)
            .outerjoin(Theme, Theme.id == Activity.theme_id)
            .where(counted_as_hours())
            .group_by(*_THEME_COLUMNS), live)).all()
    if summarised is not None:
        rows += db.session.execute(_summary_scope(
            select(*_THEME_COLUMNS, func.sum(ThemeMonth.scanned), func.sum(ThemeMonth.honour))
            .select_from(ThemeMonth).outerjoin(Theme, Theme.id == ThemeMonth.theme_id)
            .group_by(*_THEME_COLUMNS).having(func.sum(ThemeMonth.participations) > 0),
            ThemeMonth, summarised, filters)).all()
    found = _split((tuple(row[:5]), row[5], row[6]) for row in rows)
    return sorted((ThemeFigures(*key, served=served) for key, served in found.items()),
                  key=_theme_order)


def activities_by_theme(filters: ReportFilters) -> list[ThemeFigures]:
    """Activities per theme: activities in scope that are held (published or closed: not drafts,
    not cancelled), counted by the month they start in and grouped by theme. A visit's service
    record is not an activity held (visits count in the households' coverage)."""
    summarised, live = summaries.split(filters)
    rows = []
    if live is not None:
        rows += db.session.execute(_activity_scope(
            select(*_THEME_COLUMNS, func.count(Activity.id))
            .select_from(Activity).outerjoin(Theme, Theme.id == Activity.theme_id)
            .where(Activity.status.in_(HELD), Activity.kind == ActivityKind.EVENT)
            .group_by(*_THEME_COLUMNS), live)).all()
    if summarised is not None:
        rows += db.session.execute(_summary_scope(
            select(*_THEME_COLUMNS, func.sum(ThemeMonth.activities))
            .select_from(ThemeMonth).outerjoin(Theme, Theme.id == ThemeMonth.theme_id)
            .group_by(*_THEME_COLUMNS).having(func.sum(ThemeMonth.activities) > 0),
            ThemeMonth, summarised, filters)).all()
    found: dict = {}
    for row in rows:
        found[tuple(row[:5])] = found.get(tuple(row[:5]), 0) + int(row[5])
    return sorted((ThemeFigures(*key, activities=count) for key, count in found.items()),
                  key=_theme_order)


# --- attendance -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendance:
    year: int | None
    month: int | None
    confirmed: int = 0
    attended: int = 0
    no_show: int = 0

    @property
    def unknown(self) -> int:
        return self.confirmed - self.attended - self.no_show

    @property
    def attended_rate(self) -> float | None:
        return percent(self.attended, self.confirmed)

    @property
    def no_show_rate(self) -> float | None:
        return percent(self.no_show, self.confirmed)

    @property
    def unknown_rate(self) -> float | None:
        return percent(self.unknown, self.confirmed)


def attendance(filters: ReportFilters) -> tuple[list[Attendance], Attendance]:
    """Attendance and no-shows per month, and over the whole period (the second value).

    Counted over *confirmed* sign-ups (status ``confirmed``; not waitlisted, invited-only or
    cancelled) of held activities in scope (published or closed, starting in the period, of the
    chosen theme) that have *ended* by now. Each such sign-up is exactly one of:

    * attended: ``SignUp.attendance == "attended"`` (set by check-in or by staff), or the
      volunteer has an approved or closed (checked-out) check-in at the activity;
    * no-show: not attended, and ``SignUp.attendance == "no_show"`` (set by staff or by the
      scheduler's no-show job);
    * unknown: neither (nobody has recorded it yet).

    Rates are each count divided by the confirmed sign-ups, in percent with one decimal.
    """
    summarised, live = summaries.split(filters)
    found: dict = {}
    if live is not None:
        # Spelled so that no part is NULL (no check-in, no attendance yet): NOT NULL is not true.
        recorded = func.coalesce(SignUp.attendance, "")
        came = or_(recorded == "attended",
                   and_(CheckIn.id.is_not(None), CheckIn.status.in_(CAME)))
        rows = _activity_scope(
            select(_month_index(Activity.starts_at, live).label("month"),
                   case((came, 1), else_=0).label("attended"),
                   case((and_(~came, recorded == "no_show"), 1), else_=0).label("no_show"))
            .select_from(SignUp).join(Activity, Activity.id == SignUp.activity_id)
            .outerjoin(CheckIn, and_(CheckIn.activity_id == SignUp.activity_id,
                                     CheckIn.user_id == SignUp.user_id))
            .where(SignUp.status == SignUpStatus.CONFIRMED, Activity.status.in_(HELD),
                   Activity.ends_at <= now()), live).subquery()
        live_months = months(live)
        found = {live_months[month]: (int(confirmed), int(attended or 0), int(no_show or 0))
                 for month, confirmed, attended, no_show in db.session.execute(
                     select(rows.c.month, func.count(), func.sum(rows.c.attended),
                            func.sum(rows.c.no_show)).group_by(rows.c.month))
                 if month is not None}
    if summarised is not None:
        for year, month, confirmed, attended, no_show in db.session.execute(_summary_scope(
                select(AttendanceMonth.year, AttendanceMonth.month,
                       func.sum(AttendanceMonth.confirmed), func.sum(AttendanceMonth.attended),
                       func.sum(AttendanceMonth.no_show))
                .group_by(AttendanceMonth.year, AttendanceMonth.month),
                AttendanceMonth, summarised, filters)):
            found[(year, month)] = (int(confirmed or 0), int(attended or 0), int(no_show or 0))
    by_month = [Attendance(year, month, *found.get((year, month), (0, 0, 0)))
                for year, month in months(filters)]
    total = Attendance(None, None, *(sum(getattr(row, name) for row in by_month)
                                     for name in ("confirmed", "attended", "no_show")))
    return by_month, total


# --- the ledger -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFigures:
    """Minutes moved through the ledger in the period; see `ledger_figures` for each one."""

    issued: int = 0
    spent: int = 0
    redeemed: int = 0
    donated: int = 0
    granted: int = 0
    adjusted: int = 0
    in_pools: int = 0
    opening: int = 0

    NAMES = ("issued", "spent", "redeemed", "donated", "granted", "adjusted", "in_pools",
             "opening")

    def __add__(self, other: "LedgerFigures") -> "LedgerFigures":
        return LedgerFigures(*(getattr(self, name) + getattr(other, name) for name in self.NAMES))


@dataclass(frozen=True)
class LedgerReport:
    total: LedgerFigures
    #: ``(station id or None, station name or None, figures)``: every station in scope; for the
    #: whole district also a None row for what belongs to no station (if anything does).
    by_station: list[tuple[int | None, str | None, LedgerFigures]]


def _account_stations():
    """Account id → the station it belongs to (NULL if none), as a subquery:

    * a station's issuer account ``station:<id>:issuer`` → that station;
    * a community pool ``pool:community:<id>`` → the station of the community's town;
    * a member account → the station of the member's home community (volunteer profile).

    Anything else (the district's adjustments account, other issuers and pools, merchants,
    members without a home community) belongs to no station.
    """
    issuer_station, pool_station, member_station = aliased(Station), aliased(Station), aliased(Station)
    pool_community, member_community = aliased(Community), aliased(Community)
    return (select(Account.id.label("account_id"), Account.kind.label("kind"),
                   func.coalesce(issuer_station.id, pool_station.id, member_station.id)
                   .label("station_id"))
            .select_from(Account)
            .outerjoin(issuer_station, and_(
                Account.kind == AccountKind.ISSUER,
                Account.key == keys.station_issuer_sql(issuer_station.id)))
            .outerjoin(pool_community, and_(
                Account.kind == AccountKind.POOL,
                Account.key == keys.community_pool_sql(pool_community.id)))
            .outerjoin(pool_station, pool_station.town_id == pool_community.town_id)
            .outerjoin(VolunteerProfile, and_(Account.kind == AccountKind.MEMBER,
                                              VolunteerProfile.user_id == Account.owner_id))
            .outerjoin(member_community, member_community.id == VolunteerProfile.community_id)
            .outerjoin(member_station, member_station.town_id == member_community.town_id)
            .subquery())


def ledger_figures(filters: ReportFilters) -> LedgerReport:
    """Hours issued, spent, redeemed, donated, granted from pools, adjusted, and in pools.

    Read from the ledger's entries (never from check-ins or other records), over transfers
    *posted* in the period. A reversal counts against the kind of the transfer it reverses, in
    the month it was posted, so every figure is net of reversals. The "paying" legs of a
    transfer are its debited entries (for a reversal: its credited entries, which undo them).

    * issued: minutes paid out of issuer accounts by ``earn`` transfers (approved check-ins).
      A station's: out of its issuer account ``station:<id>:issuer``.
    * spent: minutes paid by ``spend`` transfers (mutual aid, payments to merchants by giving);
      a station's: paid by members whose home community belongs to the station.
    * redeemed: minutes paid by ``redeem`` transfers (partner merchants' payment codes);
      a station's: paid by its members, as for spent.
    * donated: minutes paid by members in ``donate`` transfers (to another member or a pool);
      a station's: donated by its members.
    * granted: minutes paid out of pools in ``donate`` transfers (pool grants to people in
      difficulty); a station's: out of the pools of its communities.
    * adjusted: the net minutes that ``adjust`` transfers (staff corrections, honour hours)
      credited to accounts other than issuers (negative when more was taken back than added);
      a station's: credited to its members.
    * in pools: the balance of pool accounts at the end of the period (entries posted before
      it); a station's: of the pools ``pool:community:<id>`` of its communities.
    * opening: minutes credited to members by ``opening_balance`` transfers (hours served
      before the platform, brought in by an import), net of reversals; never part of issued
      or of hours served; a station's: credited to its members.

    With no station chosen (the district), nothing is left out: issued, spent and redeemed are
    the ledger's whole ``earn``, ``spend`` and ``redeem`` totals, donated + granted its whole
    ``donate`` total, adjusted the whole ``adjust`` total, in pools every pool account.
    The theme filter does not apply: transfers belong to no theme.
    """
    summarised, live = summaries.split(filters)
    sums: dict[int | None, dict[str, int]] = {}
    if live is not None:
        _live_ledger_flows(live, sums)
    if summarised is not None:
        flows = LedgerFigures.NAMES[:-2] + ("opening",)
        for station_id, *values in db.session.execute(_summary_scope(
                select(LedgerMonth.station_id,
                       *(func.sum(getattr(LedgerMonth, name)) for name in flows))
                .group_by(LedgerMonth.station_id), LedgerMonth, summarised, filters)):
            figures = sums.setdefault(station_id, dict.fromkeys(LedgerFigures.NAMES, 0))
            for name, value in zip(flows, values, strict=True):
                figures[name] += int(value or 0)
    if live is None:
        last = summaries.month_number(*filters.last_month)
        for station_id, minutes in db.session.execute(_summary_scope(
                select(LedgerMonth.station_id, LedgerMonth.in_pools), LedgerMonth,
                (last, last), filters)):
            sums.setdefault(station_id, dict.fromkeys(LedgerFigures.NAMES, 0))["in_pools"] = \
                int(minutes or 0)
    else:
        _live_pools(filters, sums)

    stations = select(Station.id, Station.name).order_by(Station.id)
    if filters.station_id is not None:
        stations = stations.where(Station.id == filters.station_id)
    by_station = [(station_id, name, LedgerFigures(**sums.get(station_id, {})))
                  for station_id, name in db.session.execute(stations)]
    if filters.station_id is None and None in sums:
        by_station.append((None, None, LedgerFigures(**sums[None])))
    total = sum((figures for _id, _name, figures in by_station), LedgerFigures())
    return LedgerReport(total=total, by_station=by_station)


def _live_ledger_flows(filters: ReportFilters, sums: dict) -> None:
    """`ledger_figures`' flows over the ledger's entries of the period, added into `sums`."""
    owners = _account_stations()
    original = aliased(Transfer)
    reversal = Transfer.kind == TransferKind.REVERSAL
    rows = (select(owners.c.station_id.label("station_id"), owners.c.kind.label("account_kind"),
                   case((reversal, original.kind), else_=Transfer.kind).label("kind"),
                   case((and_(~reversal, Entry.minutes < 0), -Entry.minutes),
                        (and_(reversal, Entry.minutes > 0), -Entry.minutes),
                        else_=0).label("paid"),
                   Entry.minutes.label("minutes"))
            .select_from(Entry).join(Transfer, Transfer.id == Entry.transfer_id)
            .outerjoin(original, original.id == Transfer.reverses_id)
            .join(owners, owners.c.account_id == Entry.account_id)
            .where(_in_period(Transfer.posted_at, filters)))
    if filters.station_id is not None:
        rows = rows.where(owners.c.station_id == filters.station_id)
    rows = rows.subquery()
    for station_id, account_kind, kind, paid, minutes in db.session.execute(
            select(rows.c.station_id, rows.c.account_kind, rows.c.kind, func.sum(rows.c.paid),
                   func.sum(rows.c.minutes))
            .group_by(rows.c.station_id, rows.c.account_kind, rows.c.kind)):
        figures = sums.setdefault(station_id, dict.fromkeys(LedgerFigures.NAMES, 0))
        paid, minutes = int(paid or 0), int(minutes or 0)
        if kind == TransferKind.EARN:
            figures["issued"] += paid
        elif kind == TransferKind.SPEND:
            figures["spent"] += paid
        elif kind == TransferKind.REDEEM:
            figures["redeemed"] += paid
        elif kind == TransferKind.DONATE:
            figures["granted" if account_kind == AccountKind.POOL else "donated"] += paid
        elif kind == TransferKind.ADJUST and account_kind != AccountKind.ISSUER:
            figures["adjusted"] += minutes
        elif kind == TransferKind.OPENING_BALANCE and account_kind == AccountKind.MEMBER:
            figures["opening"] += minutes


def _live_pools(filters: ReportFilters, sums: dict) -> None:
    """`ledger_figures`' in pools: the pools' balances at the end of the period, into `sums`."""
    owners = _account_stations()
    pools = (select(owners.c.station_id, func.sum(Entry.minutes))
             .select_from(Entry).join(Transfer, Transfer.id == Entry.transfer_id)
             .join(owners, owners.c.account_id == Entry.account_id)
             .where(owners.c.kind == AccountKind.POOL, Transfer.posted_at < filters.end)
             .group_by(owners.c.station_id))
    if filters.station_id is not None:
        pools = pools.where(owners.c.station_id == filters.station_id)
    for station_id, minutes in db.session.execute(pools):
        sums.setdefault(station_id, dict.fromkeys(LedgerFigures.NAMES, 0))["in_pools"] = \
            int(minutes or 0)


# --- everything at once -----------------------------------------------------------------------

def pool_sponsorships(filters: ReportFilters) -> int:
    """Minutes group members sponsored (爱心资助) into community pools, posted in the period,
    net of reversals; a station's: into the pools of its communities (as `ledger_figures`
    places pools). The theme filter does not apply."""
    summarised, live = summaries.split(filters)
    total = 0
    if summarised is not None:
        total += int(db.session.scalar(_summary_scope(
            select(func.sum(LedgerMonth.sponsored)), LedgerMonth, summarised, filters)) or 0)
    if live is not None:
        total += sum(sponsorships_by_station(live).values())
    return total


def sponsorships_by_station(filters: ReportFilters) -> dict[int | None, int]:
    """`pool_sponsorships` read live, per station (None: pools of no station), of the station
    in scope or of every one."""
    owners = _account_stations()
    original = aliased(Transfer)
    kind = case((Transfer.kind == TransferKind.REVERSAL, original.kind), else_=Transfer.kind)
    statement = (select(owners.c.station_id, func.sum(Entry.minutes))
                 .select_from(Entry).join(Transfer, Transfer.id == Entry.transfer_id)
                 .outerjoin(original, original.id == Transfer.reverses_id)
                 .join(owners, owners.c.account_id == Entry.account_id)
                 .where(owners.c.kind == AccountKind.POOL, kind == TransferKind.SPONSOR,
                        _in_period(Transfer.posted_at, filters))
                 .group_by(owners.c.station_id))
    if filters.station_id is not None:
        statement = statement.where(owners.c.station_id == filters.station_id)
    return {station_id: int(minutes or 0) for station_id, minutes in db.session.execute(statement)}


@dataclass(frozen=True)
class Dashboard:
    filters: ReportFilters
    coverage: list[CommunityCoverage]
    hours_by_month: list[MonthServed]
    hours_by_theme: list[ThemeFigures]
    activities_by_theme: list[ThemeFigures]
    attendance_by_month: list[Attendance]
    attendance: Attendance
    ledger: LedgerReport

    @property
    def registered(self) -> int:
        return sum(row.registered for row in self.coverage)

    @property
    def active(self) -> int:
        return sum(row.active for row in self.coverage)

    @property
    def served(self) -> Served:
        return Served(sum(row.served.scanned for row in self.hours_by_month),
                      sum(row.served.honour for row in self.hours_by_month))

    @property
    def activities(self) -> int:
        return sum(row.activities for row in self.activities_by_theme)


def dashboard(filters: ReportFilters) -> Dashboard:
    """Every figure of the dashboard for resolved `filters` (see `resolve_period`)."""
    by_month, total = attendance(filters)
    return Dashboard(filters=filters, coverage=coverage(filters),
                     hours_by_month=hours_by_month(filters),
                     hours_by_theme=hours_by_theme(filters),
                     activities_by_theme=activities_by_theme(filters),
                     attendance_by_month=by_month, attendance=total,
                     ledger=ledger_figures(filters))


def themes_in(filters: ReportFilters) -> list[Theme]:
    """The themes a viewer may narrow the dashboard to: those of the period's months, the
    district's and the station(s)' in scope."""
    first, last = filters.first_month, filters.last_month
    statement = select(Theme).where((Theme.year * 12 + Theme.month)
                                    .between(first[0] * 12 + first[1], last[0] * 12 + last[1]))
    if filters.station_id is not None:
        statement = statement.where(or_(Theme.station_id.is_(None),
                                        Theme.station_id == filters.station_id))
    return list(db.session.scalars(statement.order_by(Theme.year, Theme.month,
                                                      Theme.station_id.is_not(None),
                                                      Theme.station_id, Theme.id)))


# --- figures of the monthly station report (volunteers.reporting.monthly) ----------------------
# What the dashboards do not show yet. Same scope rules as above: the period's months, the
# station's activities (by start), volunteers by their home community's station.

@dataclass(frozen=True)
class ThemeService:
    """Per theme (None: no theme): held activities' people served, and volunteer service
    participations (服务人次) at the theme's activities."""

    theme_id: int | None
    people_served: int = 0
    participations: int = 0


def service_by_theme(filters: ReportFilters) -> dict[int | None, ThemeService]:
    """Theme id (None for no theme) → `ThemeService`:

    * people served: the sum of ``Activity.people_served`` (服务对象人数, recorded by staff) of
      the held activities (`activities_by_theme`'s activities) in scope; not recorded counts 0;
    * participations (服务人次): check-ins that count as hours served (`counted_as_hours`) at
      activities in scope, one per volunteer and activity (the check-ins of `hours_by_month`).
    """
    summarised, live = summaries.split(filters)
    people: dict = {}
    times: dict = {}

    def add(found: dict, rows) -> None:
        for theme_id, count in rows:
            found[theme_id] = found.get(theme_id, 0) + int(count or 0)

    if live is not None:
        add(people, db.session.execute(_activity_scope(
            select(Activity.theme_id, func.sum(func.coalesce(Activity.people_served, 0)))
            .where(Activity.status.in_(HELD), Activity.kind == ActivityKind.EVENT)
            .group_by(Activity.theme_id), live)))
        add(times, db.session.execute(_activity_scope(
            select(Activity.theme_id, func.count(CheckIn.id))
            .select_from(CheckIn).join(Activity, Activity.id == CheckIn.activity_id)
            .where(counted_as_hours()).group_by(Activity.theme_id), live)))
    if summarised is not None:
        add(people, db.session.execute(_summary_scope(
            select(ThemeMonth.theme_id, func.sum(ThemeMonth.people_served))
            .group_by(ThemeMonth.theme_id).having(func.sum(ThemeMonth.activities) > 0),
            ThemeMonth, summarised, filters)))
        add(times, db.session.execute(_summary_scope(
            select(ThemeMonth.theme_id, func.sum(ThemeMonth.participations))
            .group_by(ThemeMonth.theme_id).having(func.sum(ThemeMonth.participations) > 0),
            ThemeMonth, summarised, filters)))
    return {theme_id: ThemeService(theme_id, int(people.get(theme_id) or 0),
                                   int(times.get(theme_id) or 0))
            for theme_id in set(people) | set(times)}


def _station_profiles(statement, station_id: int | None):
    """Narrow a statement over `VolunteerProfile` to the volunteers of a station (their home
    community's station)."""
    if station_id is None:
        return statement.where(VolunteerProfile.community_id.is_not(None))
    return (statement.join(Community, Community.id == VolunteerProfile.community_id)
            .join(Station, Station.town_id == Community.town_id)
            .where(Station.id == station_id))


def new_volunteers(filters: ReportFilters) -> int:
    """Volunteers of the station(s) in scope (volunteer profile's home community, as now)
    whose account was created in the period."""
    statement = select(func.count(VolunteerProfile.user_id)).join(
        User, User.id == VolunteerProfile.user_id).where(_in_period(User.created_at, filters))
    return int(db.session.scalar(_station_profiles(statement, filters.station_id)) or 0)


@dataclass(frozen=True)
class Linked:
    #: None: volunteers linked to no social worker.
    social_worker_id: int | None
    name: str | None
    linked: int = 0
    #: Of them, active in the period (the rule of `coverage`'s active).
    active: int = 0


def linked_by_social_worker(filters: ReportFilters) -> list[Linked]:
    """The station's volunteers (home community's station) per linked social worker (两工联动):
    how many are linked to each, and how many of them were active in the period (at least one
    check-in counted as hours at an activity starting in the period). Every active social
    worker posted at the station is listed, with zeros; a last row (None) holds the
    volunteers linked to nobody, when there are any. Needs a station."""
    served = served_users(filters).subquery()
    statement = _station_profiles(
        select(VolunteerProfile.linked_social_worker_id, func.count(VolunteerProfile.user_id),
               func.count(served.c.user_id))
        .outerjoin(served, served.c.user_id == VolunteerProfile.user_id)
        .group_by(VolunteerProfile.linked_social_worker_id), filters.station_id)
    found = {row[0]: (int(row[1]), int(row[2] or 0)) for row in db.session.execute(statement)}
    workers = {user.id: user.name for user in org.social_workers_at(filters.station_id)}
    others = [key for key in found if key is not None and key not in workers]
    if others:
        workers.update(db.session.execute(select(User.id, User.name).where(User.id.in_(others))))
    rows = [Linked(user_id, name, *found.get(user_id, (0, 0)))
            for user_id, name in sorted(workers.items())]
    if None in found:
        rows.append(Linked(None, None, *found[None]))
    return rows


def complaints_by_status(filters: ReportFilters) -> dict[str, int]:
    """Complaints received in the period at the station(s) in scope, by their status now
    (``received`` … ``followed_up``; every status listed, zeros included), and ``escalated``:
    those of them escalated to the district at some point. Counts only: no complaint text."""
    statement = (select(Complaint.status, func.count(Complaint.id),
                        func.sum(case((Complaint.escalated_at.is_not(None), 1), else_=0)))
                 .where(_in_period(Complaint.received_at, filters)).group_by(Complaint.status))
    if filters.station_id is not None:
        statement = statement.where(Complaint.station_id == filters.station_id)
    counts = dict.fromkeys([status.value for status in ComplaintStatus], 0)
    escalated = 0
    for status, count, raised in db.session.execute(statement):
        counts[status] = counts.get(status, 0) + int(count)
        escalated += int(raised or 0)
    counts["escalated"] = escalated
    return counts


def matching_figures(filters: ReportFilters) -> dict[str, int]:
    """Proposals of the matching runs for the period's months, for activities of the station(s)
    in scope, by their status now: ``proposed`` (not acted on), ``invited`` (waiting for the
    volunteer), ``accepted``, ``declined``, ``replaced`` (swapped by hand); ``runs``: the runs
    that proposed any of them."""
    month_number = MatchRun.year * 12 + MatchRun.month
    first, last = filters.first_month, filters.last_month
    statement = (select(MatchProposal.status, func.count(MatchProposal.id))
                 .join(MatchRun, MatchRun.id == MatchProposal.run_id)
                 .join(Activity, Activity.id == MatchProposal.activity_id)
                 .where(month_number.between(first[0] * 12 + first[1], last[0] * 12 + last[1]))
                 .group_by(MatchProposal.status))
    if filters.station_id is not None:
        statement = statement.where(Activity.station_id == filters.station_id)
    counts = dict.fromkeys((ProposalStatus.PROPOSED, ProposalStatus.INVITED,
                            ProposalStatus.ACCEPTED, ProposalStatus.DECLINED,
                            ProposalStatus.REPLACED), 0)
    for status, count in db.session.execute(statement):
        counts[status] = counts.get(status, 0) + int(count)
    runs = select(func.count(distinct(MatchRun.id))).select_from(MatchProposal) \
        .join(MatchRun, MatchRun.id == MatchProposal.run_id) \
        .join(Activity, Activity.id == MatchProposal.activity_id) \
        .where(month_number.between(first[0] * 12 + first[1], last[0] * 12 + last[1]))
    if filters.station_id is not None:
        runs = runs.where(Activity.station_id == filters.station_id)
    counts["runs"] = int(db.session.scalar(runs) or 0)
    return counts
