"""The monthly station report (服务月报): one station over one month, or a span of months.

Rules kept here:

* Every figure comes from a function of `volunteers.reporting.services` (or of the feature that
  owns it: households' coverage, ratings' averages) called with
  ``ReportFilters(first, last, station_id)``: the same functions the dashboards and
  ``GET /api/v1/reports/summary`` show, so the report equals the dashboards by construction.
* Each figure carries its definition (a translated sentence), shown beside it on the page, in
  the Excel file and in the PDF.
* `StationReport.to_dict` is plain JSON of a fixed shape (the evaluation freezes it in a JSON
  column and renders it with ``templates/reporting/_station_report.html``): no personal data of
  residents or volunteers (counts only; the names in it are the station's, its communities' and
  its social workers'), and no complaint text.

Units: ``count``, ``minutes`` (whole minutes; shown as hours), ``percent`` (one decimal),
``score`` (an average rating, one decimal), ``text``.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from babel.dates import format_skeleton
from flask_babel import format_decimal, get_locale, pgettext
from flask_babel import gettext as _

from timebank.accounts.permissions import Role, has_role
from timebank.clock import local, now
from timebank.errors import InvalidInput, PermissionDenied
from timebank.org import services as org
from volunteers.complaints.models import STATUS_LABELS as COMPLAINT_STATUS_LABELS
from volunteers.complaints.models import ComplaintStatus
from volunteers.households import services as households
from volunteers.ratings import services as ratings
from volunteers.reporting import services as reports
from volunteers.reporting.filters import ReportFilters

UNITS = ("count", "minutes", "percent", "score", "text")
#: The longest span one report covers (a mid-term evaluation covers some months, not years).
MAX_MONTHS = 36


@dataclass
class Figure:
    key: str
    label: str
    value: int | float | str | None
    unit: str
    definition: str

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "label": str(self.label),
            "value": self.value,
            "unit": self.unit,
            "definition": str(self.definition),
        }


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    #: ``{"columns": [...], "rows": [[...], ...]}`` or None.
    table: dict | None = None

    def add(self, key: str, label: str, value, unit: str, definition: str) -> None:
        assert unit in UNITS, unit
        self.figures.append(Figure(key, label, value, unit, definition))

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)

    def to_dict(self) -> dict:
        table = None
        if self.table is not None:
            table = {
                "columns": [str(column) for column in self.table["columns"]],
                "rows": [
                    [
                        str(cell) if not isinstance(cell, (int, float, type(None))) else cell
                        for cell in row
                    ]
                    for row in self.table["rows"]
                ],
            }
        return {
            "key": self.key,
            "title": str(self.title),
            "figures": [figure.to_dict() for figure in self.figures],
            "table": table,
        }


@dataclass
class StationReport:
    station_id: int
    station_name: str
    first: tuple[int, int]
    last: tuple[int, int]
    generated_at: str
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)

    def value(self, section: str, key: str):
        return self.section(section).figure(key).value

    def to_dict(self) -> dict:
        return {
            "station": {"id": self.station_id, "name": self.station_name},
            "first": _month_key(self.first),
            "last": _month_key(self.last),
            "generated_at": self.generated_at,
            "sections": [section.to_dict() for section in self.sections],
        }


def _month_key(month: tuple[int, int]) -> str:
    return "{:04d}-{:02d}".format(*month)


def _span(first, last) -> int:
    return (last[0] * 12 + last[1]) - (first[0] * 12 + first[1]) + 1


def may_read(user, station_id: int) -> bool:
    """The station's staff (social workers and its manager) and district administrators."""
    return has_role(user, Role.DISTRICT_ADMIN) or org.can_manage_station(user, station_id)


def require_reader(user, station_id: int) -> None:
    if not may_read(user, station_id):
        raise PermissionDenied(_("Only staff of this station can do this."))


def check_period(first: tuple[int, int], last: tuple[int, int]) -> None:
    if last < first:
        raise InvalidInput(fields={"to": [_("The last month comes before the first.")]})
    if _span(first, last) > MAX_MONTHS:
        raise InvalidInput(fields={"to": [_("Choose at most %(count)d months.", count=MAX_MONTHS)]})


# --- the sections -------------------------------------------------------------------------------


def _themes(filters: ReportFilters, figures: reports.Dashboard) -> Section:
    section = Section("themes", pgettext("monthly report", "Themes and activities"))
    service = reports.service_by_theme(filters)
    titles = [theme.title for theme in reports.themes_in(filters)]
    section.add(
        "themes",
        pgettext("monthly report", "Themes"),
        "、".join(titles) or None,
        "text",
        pgettext(
            "monthly report",
            "The district's themes and the station's own themes of the months covered "
            "(一月一主题).",
        ),
    )
    section.add(
        "activities_held",
        pgettext("monthly report", "Activities held"),
        figures.activities,
        "count",
        pgettext(
            "monthly report",
            "Activities of the station starting in the period, published or closed "
            "(not drafts, not cancelled); home visits are not counted here.",
        ),
    )
    section.add(
        "people_served",
        pgettext("monthly report", "People served"),
        sum(row.people_served for row in service.values()),
        "count",
        pgettext(
            "monthly report",
            "The number of people served (服务对象人数) recorded on those activities, "
            "added up; an activity without the number counts 0.",
        ),
    )
    section.add(
        "participations",
        pgettext("monthly report", "Volunteer participations"),
        sum(row.participations for row in service.values()),
        "count",
        pgettext(
            "monthly report",
            "Check-ins counted as hours served (approved, not reversed) at the station's "
            "activities of the period: one per volunteer and activity.",
        ),
    )
    # Every theme with an activity held or hours served (people served and participations come
    # from those same activities and check-ins), in the dashboard's order.
    served = {row.theme_id: row for row in figures.hours_by_theme}
    held = {row.theme_id: row for row in figures.activities_by_theme}
    themes = sorted({**served, **held}.values(), key=reports._theme_order)
    rows = []
    for theme in themes:
        key = theme.theme_id
        people = service.get(key, reports.ThemeService(key))
        rows.append(
            [
                theme.label,
                held[key].activities if key in held else 0,
                people.people_served,
                people.participations,
                reports.hours(served[key].served.total if key in served else 0),
            ]
        )
    section.table = (
        {
            "columns": [
                pgettext("monthly report", "Theme"),
                pgettext("monthly report", "Activities held"),
                pgettext("monthly report", "People served"),
                pgettext("monthly report", "Volunteer participations"),
                pgettext("monthly report", "Hours served (hours)"),
            ],
            "rows": rows,
        }
        if rows
        else None
    )
    return section


def _volunteers(filters: ReportFilters, figures: reports.Dashboard) -> Section:
    section = Section("volunteers", pgettext("station navigation", "Volunteers"))
    section.add(
        "registered",
        pgettext("monthly report", "Registered volunteers"),
        figures.registered,
        "count",
        pgettext(
            "monthly report",
            "Volunteer profiles whose home community belongs to the station, as they are now.",
        ),
    )
    section.add(
        "active",
        pgettext("monthly report", "Active volunteers"),
        figures.active,
        "count",
        pgettext(
            "monthly report",
            "Of them, those with at least one approved check-in (not reversed) at an "
            "activity starting in the period, at any station.",
        ),
    )
    section.add(
        "active_share",
        pgettext("monthly report", "Share active"),
        reports.percent(figures.active, figures.registered),
        "percent",
        pgettext("monthly report", "Active volunteers of the registered ones, in percent."),
    )
    section.add(
        "new",
        pgettext("monthly report", "New volunteers"),
        reports.new_volunteers(filters),
        "count",
        pgettext("monthly report", "Registered volunteers whose account was opened in the period."),
    )
    linked = reports.linked_by_social_worker(filters)
    section.add(
        "linked",
        pgettext("monthly report", "Linked to a social worker"),
        sum(row.linked for row in linked if row.social_worker_id is not None),
        "count",
        pgettext(
            "monthly report", "Registered volunteers with a responsible social worker (两工联动)."
        ),
    )
    section.table = {
        "columns": [
            pgettext("monthly report", "Social worker"),
            pgettext("monthly report", "Linked volunteers"),
            pgettext("monthly report", "Of them active"),
        ],
        "rows": [
            [
                row.name
                if row.social_worker_id is not None
                else pgettext("monthly report", "Not linked"),
                row.linked,
                row.active,
            ]
            for row in linked
        ],
    }
    return section


def _hours(filters: ReportFilters, figures: reports.Dashboard) -> Section:
    section = Section("hours", pgettext("monthly report", "Hours of service"))
    served, ledger = figures.served, figures.ledger.total
    section.add(
        "served",
        pgettext("monthly report", "Hours served"),
        served.total,
        "minutes",
        pgettext(
            "monthly report",
            "Minutes of approved check-ins (not reversed) at the station's activities "
            "starting in the period: scanned plus hand-entered.",
        ),
    )
    section.add(
        "scanned",
        pgettext("monthly report", "Scanned hours (信用时)"),
        served.scanned,
        "minutes",
        pgettext(
            "monthly report",
            "Of them, minutes scanned in and out (a reduction for leaving early stays "
            "scanned time).",
        ),
    )
    section.add(
        "honour",
        pgettext("monthly report", "Hand-entered hours (荣誉时)"),
        served.honour,
        "minutes",
        pgettext(
            "monthly report", "Of them, minutes staff added by hand at approval, with a reason."
        ),
    )
    section.add(
        "issued",
        pgettext("monthly report", "Hours issued"),
        ledger.issued,
        "minutes",
        pgettext(
            "monthly report",
            "Minutes the ledger paid out of the station's issuing account for approved "
            "check-ins posted in the period, net of reversals.",
        ),
    )
    section.add(
        "adjusted",
        pgettext("monthly report", "Adjusted by hand in the ledger"),
        ledger.adjusted,
        "minutes",
        pgettext(
            "monthly report",
            "Net minutes of staff corrections credited to the station's members in the "
            "period (negative when more was taken back).",
        ),
    )
    section.add(
        "opening",
        pgettext("monthly report", "Hours before the platform"),
        ledger.opening,
        "minutes",
        pgettext(
            "monthly report",
            "Opening balances of imported volunteers credited in the period: hours "
            "served before the platform, kept apart and never counted as hours served.",
        ),
    )
    section.add(
        "sponsored",
        pgettext("monthly report", "Sponsored into community pools"),
        reports.pool_sponsorships(filters),
        "minutes",
        pgettext(
            "monthly report",
            "Minutes group members (companies, schools, party branches) gave into the pools "
            "of the station's communities in the period, net of reversals.",
        ),
    )
    section.add(
        "granted",
        pgettext("monthly report", "Granted from community pools"),
        ledger.granted,
        "minutes",
        pgettext(
            "monthly report",
            "Minutes the pools of the station's communities granted to people in difficulty "
            "in the period, net of reversals.",
        ),
    )
    if len(figures.hours_by_month) > 1:
        section.table = {
            "columns": [
                pgettext("monthly report", "Month"),
                pgettext("monthly report", "Scanned (hours)"),
                pgettext("monthly report", "Hand-entered (hours)"),
                pgettext("monthly report", "Hours served (hours)"),
            ],
            "rows": [
                [
                    f"{row.year:04d}-{row.month:02d}",
                    reports.hours(row.served.scanned),
                    reports.hours(row.served.honour),
                    reports.hours(row.served.total),
                ]
                for row in figures.hours_by_month
            ],
        }
    return section


def _households(filters: ReportFilters) -> Section:
    coverage = households.coverage_for_report(filters)
    section = Section("households", pgettext("monthly report", "Households in difficulty"))
    quarter = str(coverage.quarter)
    section.add(
        "registered",
        pgettext("monthly report", "Households on the register"),
        coverage.total.registered,
        "count",
        pgettext(
            "monthly report",
            "Households in difficulty on the station's register during %(quarter)s "
            "(the quarter the period ends in).",
            quarter=quarter,
        ),
    )
    section.add(
        "visited",
        pgettext("monthly report", "Households visited"),
        coverage.total.visited,
        "count",
        pgettext(
            "monthly report",
            "Of them, households with at least one visit recorded or approved in %(quarter)s.",
            quarter=quarter,
        ),
    )
    section.add(
        "share",
        pgettext("monthly report", "Share visited"),
        coverage.total.share,
        "percent",
        pgettext("monthly report", "Households visited of those on the register, in percent."),
    )
    section.add(
        "overdue",
        pgettext("monthly report", "Visits overdue"),
        len(coverage.total.overdue),
        "count",
        pgettext(
            "monthly report",
            "Open households whose next visit was due by the day the report was made.",
        ),
    )
    section.table = (
        {
            "columns": [
                pgettext("monthly report", "Community"),
                pgettext("monthly report", "Households"),
                pgettext("monthly report", "Visited"),
                pgettext("monthly report", "Share visited"),
            ],
            "rows": [
                [row.label, row.registered, row.visited, row.share] for row in coverage.communities
            ],
        }
        if coverage.communities
        else None
    )
    return section


def _score(row) -> float | None:
    return float(row.rounded) if row is not None and row.count else None


def _ratings(filters: ReportFilters) -> Section:
    figures = ratings.dashboard_figures(filters)
    section = Section("ratings", pgettext("monthly report", "Ratings"))
    section.add(
        "count",
        pgettext("monthly report", "Number of ratings"),
        figures.count,
        "count",
        pgettext(
            "monthly report",
            "Ratings (1 to 5) by residents served and volunteers of the station's "
            "activities and mutual-aid help taking place in the period.",
        ),
    )
    section.add(
        "average",
        pgettext("monthly report", "Average rating"),
        _score(figures.overall),
        "score",
        pgettext("monthly report", "Their mean, rounded half up to one decimal."),
    )
    section.table = (
        {
            "columns": [
                pgettext("monthly report", "Theme"),
                pgettext("monthly report", "Average"),
                pgettext("monthly report", "Number of ratings"),
            ],
            "rows": [[row.label, _score(row), row.count] for row in figures.themes],
        }
        if figures.themes
        else None
    )
    return section


def _complaints(filters: ReportFilters) -> Section:
    counts = reports.complaints_by_status(filters)
    received = sum(counts[status.value] for status in ComplaintStatus)
    closed = counts[ComplaintStatus.FOLLOWED_UP.value]
    section = Section("complaints", pgettext("monthly report", "Complaints"))
    section.add(
        "received",
        pgettext("monthly report", "Complaints received"),
        received,
        "count",
        pgettext(
            "monthly report", "Complaints to the station received in the period, by any channel."
        ),
    )
    section.add(
        "open",
        pgettext("monthly report", "Still open"),
        received - closed,
        "count",
        pgettext(
            "monthly report",
            "Of them, those not yet closed by a follow-up call when the report was made.",
        ),
    )
    section.add(
        "closed",
        pgettext("monthly report", "Closed"),
        closed,
        "count",
        pgettext("monthly report", "Of them, those answered and followed up (closed)."),
    )
    section.add(
        "escalated",
        pgettext("monthly report", "Escalated to the district"),
        counts["escalated"],
        "count",
        pgettext(
            "monthly report", "Of them, those escalated to the district for a missed deadline."
        ),
    )
    section.table = {
        "columns": [pgettext("monthly report", "State"), pgettext("monthly report", "Number")],
        "rows": [
            [str(COMPLAINT_STATUS_LABELS[status]), counts[status.value]]
            for status in ComplaintStatus
        ],
    }
    return section


def _matching(filters: ReportFilters, figures: reports.Dashboard) -> Section:
    counts = reports.matching_figures(filters)
    invited = counts["invited"] + counts["accepted"] + counts["declined"]
    section = Section("matching", pgettext("monthly report", "Matching and attendance"))
    section.add(
        "proposals",
        pgettext("monthly report", "Matching proposals"),
        sum(counts[name] for name in ("proposed", "invited", "accepted", "declined", "replaced")),
        "count",
        pgettext(
            "monthly report",
            "Volunteers proposed by the matching runs of the months covered for the "
            "station's activities (swapped ones included).",
        ),
    )
    section.add(
        "invited",
        pgettext("monthly report", "Invitations sent"),
        invited,
        "count",
        pgettext(
            "monthly report",
            "Proposals staff turned into invitations (waiting, accepted or declined).",
        ),
    )
    section.add(
        "accepted",
        pgettext("monthly report", "Invitations accepted"),
        counts["accepted"],
        "count",
        pgettext("monthly report", "Invitations the volunteer accepted."),
    )
    section.add(
        "accepted_share",
        pgettext("monthly report", "Share accepted"),
        reports.percent(counts["accepted"], invited),
        "percent",
        pgettext("monthly report", "Invitations accepted of those sent, in percent."),
    )
    attendance = figures.attendance
    section.add(
        "confirmed",
        pgettext("monthly report", "Confirmed sign-ups"),
        attendance.confirmed,
        "count",
        pgettext(
            "monthly report", "Confirmed sign-ups of held activities of the period that have ended."
        ),
    )
    section.add(
        "attended",
        pgettext("monthly report", "Attended"),
        attendance.attended,
        "count",
        pgettext(
            "monthly report", "Of them, marked attended or with an approved or closed check-in."
        ),
    )
    section.add(
        "no_show",
        pgettext("monthly report", "No-show"),
        attendance.no_show,
        "count",
        pgettext("monthly report", "Of them, not attended and marked as a no-show."),
    )
    section.add(
        "attended_rate",
        pgettext("monthly report", "Attendance rate"),
        attendance.attended_rate,
        "percent",
        pgettext("monthly report", "Attended of the confirmed sign-ups, in percent."),
    )
    return section


def station_report(
    station_id: int, first: tuple[int, int], last: tuple[int, int] | None = None
) -> StationReport:
    """The report of station `station_id` for the months `first` to `last` (both included;
    one month when `last` is None). Reads only; the caller checks who may read it
    (`require_reader`)."""
    last = last or first
    check_period(first, last)
    station = org.get_station(station_id)
    filters = ReportFilters(first, last, station_id)
    figures = reports.dashboard(filters)
    sections = [
        _themes(filters, figures),
        _volunteers(filters, figures),
        _hours(filters, figures),
        _households(filters),
        _ratings(filters),
        _complaints(filters),
        _matching(filters, figures),
    ]
    generated = now().astimezone(UTC).replace(microsecond=0).isoformat()
    return StationReport(station.id, station.name, first, last, generated, sections)


# --- in words -----------------------------------------------------------------------------------


def value_text(value, unit: str) -> str:
    """A figure's value as the page, the Excel file and the PDF show it: minutes as hours with
    one decimal (``12.5 小时``), percent and scores with one decimal, ``–`` for nothing."""
    if value is None or value == "":
        return "–"
    if unit == "minutes":
        return _("%(hours)s h", hours=reports.hours_text(int(value)))
    if unit == "percent":
        return format_decimal(value, format="#,##0.0") + "%"
    if unit == "score":
        return format_decimal(value, format="0.0")
    if unit == "count":
        return format_decimal(value, format="#,##0")
    return str(value)


def moment_text(iso: str) -> str:
    """``2026-12-16 10:00`` in the platform's zone, from a report's ``generated_at``."""
    return local(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def month_span_text(first: str, last: str) -> str:
    """``2026年11月`` for one month, ``2026年9月–2026年11月`` for a span (keys ``YYYY-MM``)."""

    def name(key: str) -> str:
        year, month = key.split("-")
        return format_skeleton("yMMM", date(int(year), int(month), 1), locale=get_locale())

    return name(first) if first == last else f"{name(first)}–{name(last)}"


def title_text(report: dict) -> str:
    """「<station> <2026年11月> 服务月报」 (the title of the page, the file and the PDF)."""
    return _(
        "%(station)s %(months)s monthly service report",
        station=report["station"]["name"],
        months=month_span_text(report["first"], report["last"]),
    )
