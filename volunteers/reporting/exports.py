"""Staff exports: volunteers, activities, check-ins, and hours per station and month, as Excel
or CSV files. The page, the download views and `flask export` all read the datasets here.

Rules kept here:

* Each dataset is defined once: its columns (Chinese headers through Flask-Babel) and a
  generator of rows. The CSV and Excel writers know nothing about any one dataset.
* Rows are read from the database in batches (`yield_per`: a server-side cursor on
  PostgreSQL), never as one list, and written as they come: CSV as a stream of text, Excel
  into a write-only workbook in a temporary file. Memory does not grow with the row count.
* Only approved check-ins count as hours, and not those whose ledger transfer was reversed
  later (`Transfer.reverses_id`). Scanned time (信用时) and minutes added by hand at approval
  above the scanned time (荣誉时, ``CheckIn.honour_minutes``) are always in separate columns;
  a reduction of scanned time (leaving early) stays scanned time.
* Month and theme filters apply to the activity: its start in the platform's zone, its theme.
  The volunteers dataset lists every volunteer of the station (the station of their home
  community) and applies the month and theme filters to its hours columns; those count
  every activity the volunteer served at, at any station.
* Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is kept
  as text: a string cell in Excel, a leading apostrophe in CSV.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import IO, Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import aliased

from timebank.accounts.models import User
from timebank.accounts.services import mask_phone
from timebank.clock import local, zone
from timebank.extensions import db
from timebank.ledger.models import Transfer
from timebank.org.models import Community, Station
from volunteers.activities.models import STATUS_LABELS as ACTIVITY_STATUS_LABELS
from volunteers.activities.models import Activity, SignUp, SignUpStatus
from volunteers.checkins.models import METHOD_LABELS, CheckIn, counted_as_hours
from volunteers.checkins.models import STATUS_LABELS as CHECKIN_STATUS_LABELS
from volunteers.households import services as households
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.schemas import GENDERS
from volunteers.profiles.services import mask_id_number, volunteer_number
from volunteers.reporting import services as reports
from volunteers.reporting.filters import ReportFilters
from volunteers.themes.models import Theme
from volunteers.vocabulary import EVALUATIONS, SKILLS

#: Rows fetched from the database at a time.
BATCH = 1000
#: CSV rows gathered into one chunk of the response.
CSV_ROWS_PER_CHUNK = 500
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

YES_NO = {True: _l("Yes"), False: _l("No")}

# Kinds of column: how a value is shown in CSV and stored in Excel.
TEXT, NUMBER, HOURS, DATE, DATETIME = "text", "number", "hours", "date", "datetime"


@dataclass(frozen=True)
class Column:
    label: Any  # a lazy string: translated when the headers are written
    kind: str = TEXT
    #: Column width in Excel, in characters.
    width: int = 12


@dataclass(frozen=True)
class Dataset:
    name: str
    title: Any
    description: Any
    columns: tuple[Column, ...]
    #: ReportFilters → an iterator of row tuples, one value per column.
    rows: Callable[[ReportFilters], Iterator[tuple]]

    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]


# --- what counts ------------------------------------------------------------------------------

def scanned_minutes():
    """Sum of scanned minutes (信用时) of the check-ins selected: their minutes less those
    added by hand."""
    return func.coalesce(func.sum(func.coalesce(CheckIn.minutes, 0) - CheckIn.honour_minutes), 0)


def honour_minutes():
    """Sum of minutes added by hand at approval above the scanned time (荣誉时)."""
    return func.coalesce(func.sum(CheckIn.honour_minutes), 0)


def in_scope(statement, filters: ReportFilters, *, station: bool = True):
    """Restrict a statement joined to `Activity` to the filters' months, station and theme."""
    if filters.start is not None:
        statement = statement.where(Activity.starts_at >= filters.start)
    if filters.end is not None:
        statement = statement.where(Activity.starts_at < filters.end)
    if station and filters.station_id is not None:
        statement = statement.where(Activity.station_id == filters.station_id)
    if filters.theme_id is not None:
        statement = statement.where(Activity.theme_id == filters.theme_id)
    return statement


def _stream(statement):
    """The statement's rows, fetched `BATCH` at a time."""
    return db.session.execute(statement, execution_options={"yield_per": BATCH})


class _Show:
    """How one export shows values: labels translated once (not once a row) in the reader's
    language, and times in the platform's zone without a zone (Excel keeps none)."""

    def __init__(self):
        self.zone = zone()
        self.words: dict = {}
        self.separator = "、" if get_locale().language == "zh" else ", "

    def label(self, labels: dict, code) -> str:
        key = (id(labels), code)
        if key not in self.words:
            self.words[key] = str(labels.get(code, code or ""))
        return self.words[key]

    def yes_no(self, value: bool) -> str:
        return self.label(YES_NO, bool(value))

    def moment(self, value: datetime | None) -> datetime | None:
        return value.astimezone(self.zone).replace(tzinfo=None) if value is not None else None

    def day(self, value: datetime | None) -> date | None:
        return value.astimezone(self.zone).date() if value is not None else None


# --- the datasets -----------------------------------------------------------------------------

def _volunteer_rows(filters: ReportFilters) -> Iterator[tuple]:
    served = in_scope(
        select(CheckIn.user_id, func.count(CheckIn.id).label("activities"),
               scanned_minutes().label("scanned"), honour_minutes().label("honour"))
        .join(Activity, Activity.id == CheckIn.activity_id)
        .where(counted_as_hours()), filters, station=False,
    ).group_by(CheckIn.user_id).subquery()
    worker = aliased(User)
    statement = (
        select(VolunteerProfile.user_id, User.name, VolunteerProfile.gender,
               VolunteerProfile.id_number, User.phone, Community.name, Station.name,
               User.created_at, VolunteerProfile.consent_at, VolunteerProfile.skills,
               VolunteerProfile.skills_other, worker.name, served.c.activities,
               served.c.scanned, served.c.honour)
        .join(User, User.id == VolunteerProfile.user_id)
        .outerjoin(Community, Community.id == VolunteerProfile.community_id)
        .outerjoin(Station, Station.town_id == Community.town_id)
        .outerjoin(worker, worker.id == VolunteerProfile.linked_social_worker_id)
        .outerjoin(served, served.c.user_id == VolunteerProfile.user_id)
        .order_by(VolunteerProfile.user_id))
    if filters.station_id is not None:
        statement = statement.where(Station.id == filters.station_id)
    show = _Show()
    for (user_id, name, gender, id_number, phone, community, station, registered, consent_at,
         skills, skills_other, worker_name, attended, scanned, honour) in _stream(statement):
        skill_names = [show.label(SKILLS, code) for code in skills or ()]
        if skills_other:
            skill_names.append(skills_other)
        scanned, honour = int(scanned or 0), int(honour or 0)
        yield (volunteer_number(user_id), name, show.label(GENDERS, gender),
               mask_id_number(id_number), mask_phone(phone), community or "", station or "",
               show.day(registered), show.yes_no(consent_at is not None),
               show.separator.join(skill_names), worker_name or "", int(attended or 0), scanned,
               honour, reports.hours(scanned + honour))


def _activity_rows(filters: ReportFilters) -> Iterator[tuple]:
    signups = (select(SignUp.activity_id,
                      func.count(SignUp.id).filter(SignUp.status == SignUpStatus.CONFIRMED)
                      .label("confirmed"),
                      func.count(SignUp.id).filter(SignUp.attendance == "no_show")
                      .label("no_shows"))
               .group_by(SignUp.activity_id).subquery())
    arrivals = (select(CheckIn.activity_id, func.count(CheckIn.id).label("checked_in"))
                .group_by(CheckIn.activity_id).subquery())
    approved = (select(CheckIn.activity_id, scanned_minutes().label("scanned"),
                       honour_minutes().label("honour"))
                .where(counted_as_hours()).group_by(CheckIn.activity_id).subquery())
    statement = in_scope(
        select(Activity.id, Activity.title, Theme.title, Station.name, Community.name,
               Activity.place, Activity.starts_at, Activity.ends_at, Activity.status,
               Activity.slots, signups.c.confirmed, arrivals.c.checked_in, signups.c.no_shows,
               approved.c.scanned, approved.c.honour)
        .join(Station, Station.id == Activity.station_id)
        .join(Community, Community.id == Activity.community_id)
        .outerjoin(Theme, Theme.id == Activity.theme_id)
        .outerjoin(signups, signups.c.activity_id == Activity.id)
        .outerjoin(arrivals, arrivals.c.activity_id == Activity.id)
        .outerjoin(approved, approved.c.activity_id == Activity.id), filters,
    ).order_by(Activity.starts_at, Activity.id)
    show = _Show()
    for (activity_id, title, theme, station, community, place, starts_at, ends_at, status,
         slots, confirmed, checked_in, no_shows, scanned, honour) in _stream(statement):
        yield (activity_id, title, theme or "", station, community, place or "",
               show.moment(starts_at), show.moment(ends_at),
               show.label(ACTIVITY_STATUS_LABELS, status),
               slots, int(confirmed or 0), int(checked_in or 0), int(no_shows or 0),
               int(scanned or 0), int(honour or 0))


def _checkin_rows(filters: ReportFilters) -> Iterator[tuple]:
    volunteer, decider, reversal = aliased(User), aliased(User), aliased(Transfer)
    statement = in_scope(
        select(CheckIn.id, Activity.title, Activity.starts_at, Station.name, volunteer.name,
               CheckIn.method, CheckIn.status, CheckIn.checked_in_at, CheckIn.checked_out_at,
               CheckIn.minutes, CheckIn.honour_minutes, CheckIn.adjusted, reversal.id,
               decider.name, CheckIn.decision_reason, CheckIn.evaluation)
        .join(Activity, Activity.id == CheckIn.activity_id)
        .join(Station, Station.id == Activity.station_id)
        .join(volunteer, volunteer.id == CheckIn.user_id)
        .outerjoin(decider, decider.id == CheckIn.decided_by_id)
        .outerjoin(reversal, and_(CheckIn.transfer_id.is_not(None),
                                  reversal.reverses_id == CheckIn.transfer_id)), filters,
    ).order_by(Activity.starts_at, Activity.id, CheckIn.checked_in_at, CheckIn.id)
    show = _Show()
    for (checkin_id, title, starts_at, station, name, method, status, checked_in_at,
         checked_out_at, minutes, honour, adjusted, reversal_id, decided_by, reason,
         evaluation) in _stream(statement):
        yield (checkin_id, title, show.day(starts_at), station, name,
               show.label(METHOD_LABELS, method), show.label(CHECKIN_STATUS_LABELS, status),
               show.moment(checked_in_at), show.moment(checked_out_at), minutes,
               None if minutes is None else minutes - honour, honour,
               show.yes_no(adjusted), show.yes_no(reversal_id is not None), decided_by or "",
               reason or "", show.label(EVALUATIONS, evaluation) if evaluation else "")


def _months(filters: ReportFilters) -> list[tuple[int, int]]:
    """The months the hours table covers: the filters' range, completed by the months of the
    first and last activities in scope where it is open."""
    first, last = filters.first_month, filters.last_month
    if first is None or last is None:
        earliest, latest = db.session.execute(
            in_scope(select(func.min(Activity.starts_at), func.max(Activity.starts_at)), filters)
        ).one()
        if earliest is None:
            return []
        first = first or (local(earliest).year, local(earliest).month)
        last = last or (local(latest).year, local(latest).month)
    return reports.months(replace(filters, first_month=first, last_month=last))


def _served_by_station(filters: ReportFilters) -> dict[int, tuple[int, int, int, int]]:
    """Station id → (volunteers served, approved check-ins, scanned, honour minutes)."""
    rows = db.session.execute(in_scope(
        select(Activity.station_id, func.count(distinct(CheckIn.user_id)), func.count(CheckIn.id),
               scanned_minutes(), honour_minutes())
        .join(Activity, Activity.id == CheckIn.activity_id).where(counted_as_hours()), filters,
    ).group_by(Activity.station_id))
    return {station_id: tuple(int(value or 0) for value in values)
            for station_id, *values in rows}


def _hour_rows(filters: ReportFilters) -> Iterator[tuple]:
    statement = select(Station.id, Station.name).order_by(Station.id)
    if filters.station_id is not None:
        statement = statement.where(Station.id == filters.station_id)
    stations = list(db.session.execute(statement))
    months = _months(filters)
    totals = [0, 0, 0, 0]  # activities held, approved check-ins, scanned, honour minutes
    for year, month in months:
        monthly = ReportFilters((year, month), (year, month), filters.station_id, filters.theme_id)
        held = dict(db.session.execute(in_scope(
            select(Activity.station_id, func.count(Activity.id))
            .where(Activity.status.in_(reports.HELD)),
            monthly).group_by(Activity.station_id)).all())
        served = _served_by_station(monthly)
        for station_id, name in stations:
            volunteers, checkins, scanned, honour = served.get(station_id, (0, 0, 0, 0))
            activities_held = int(held.get(station_id, 0))
            for index, value in enumerate((activities_held, checkins, scanned, honour)):
                totals[index] += value
            yield (name, f"{year:04d}-{month:02d}", activities_held, volunteers, checkins,
                   scanned, honour, scanned + honour, reports.hours(scanned + honour))
    # Each volunteer counts once over the whole period, however many months they served in.
    volunteers = db.session.scalar(in_scope(
        select(func.count(distinct(CheckIn.user_id)))
        .join(Activity, Activity.id == CheckIn.activity_id).where(counted_as_hours()), filters))
    held, checkins, scanned, honour = totals
    period = f"{months[0][0]:04d}-{months[0][1]:02d}–{months[-1][0]:04d}-{months[-1][1]:02d}" \
        if months else ""
    yield (_("Total"), period, held, volunteers, checkins, scanned, honour, scanned + honour,
           reports.hours(scanned + honour))


DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in (
    Dataset(
        "volunteers", _l("Volunteer register"),
        _l("One row per volunteer of the station (by home community): basic record with the ID "
           "number masked, consent, skills, linked social worker, and the hours served in the "
           "chosen months and theme, scanned and honour hours apart."),
        (Column(_l("Volunteer number"), width=11), Column(_l("Name"), width=10),
         Column(_l("Gender"), width=6), Column(_l("ID number (masked)"), width=20),
         Column(_l("Mobile number"), width=13), Column(_l("Community"), width=14),
         Column(_l("Station"), width=20), Column(_l("Registered on"), DATE, 11),
         Column(_l("Consent to use skills and availability"), width=8),
         Column(_l("Skills"), width=30), Column(_l("Linked social worker"), width=10),
         Column(_l("Activities with approved hours"), NUMBER, 10),
         Column(_l("Scanned minutes"), NUMBER, 10), Column(_l("Honour minutes"), NUMBER, 10),
         Column(_l("Total hours"), HOURS, 9)),
        _volunteer_rows),
    Dataset(
        "activities", _l("Activities"),
        _l("One row per activity starting in the chosen months: places, sign-ups, check-ins, "
           "no-shows and approved minutes, scanned and honour apart."),
        (Column(_l("Activity number"), NUMBER, 8), Column(_l("Title"), width=24),
         Column(_l("Theme"), width=14), Column(_l("Station"), width=20),
         Column(_l("Community"), width=14), Column(_l("Place"), width=18),
         Column(_l("Starts at"), DATETIME, 16), Column(_l("Ends at"), DATETIME, 16),
         Column(_l("Status"), width=8), Column(_l("Places"), NUMBER, 6),
         Column(_l("Confirmed sign-ups"), NUMBER, 8), Column(_l("Checked in"), NUMBER, 8),
         Column(_l("No-shows"), NUMBER, 8), Column(_l("Approved scanned minutes"), NUMBER, 10),
         Column(_l("Approved honour minutes"), NUMBER, 10)),
        _activity_rows),
    Dataset(
        "checkins", _l("Check-ins"),
        _l("One row per check-in at the activities starting in the chosen months: times, "
           "minutes, status, honour hours and who decided, and whether the hours were later "
           "reversed in the ledger."),
        (Column(_l("Check-in number"), NUMBER, 8), Column(_l("Activity"), width=24),
         Column(_l("Activity date"), DATE, 11), Column(_l("Station"), width=20),
         Column(_l("Volunteer name"), width=10), Column(_l("How it was recorded"), width=14),
         Column(_l("Status"), width=14), Column(_l("Checked in at"), DATETIME, 16),
         Column(_l("Checked out at"), DATETIME, 16), Column(_l("Minutes"), NUMBER, 7),
         Column(_l("Scanned minutes"), NUMBER, 10), Column(_l("Honour minutes"), NUMBER, 10),
         Column(_l("Changed by hand"), width=8),
         Column(_l("Reversed in the ledger"), width=8), Column(_l("Decided by"), width=10),
         Column(_l("Reason for the decision"), width=30), Column(_l("Evaluation"), width=8)),
        _checkin_rows),
    Dataset(
        "hours", _l("Hours per station and month"),
        _l("One row per station and month (by the activities' start): activities held, "
           "volunteers served and approved minutes, scanned and honour apart. The last row is "
           "the total; it counts each volunteer once."),
        (Column(_l("Station"), width=20), Column(_l("Month"), width=9),
         Column(_l("Activities held"), NUMBER, 8), Column(_l("Volunteers served"), NUMBER, 8),
         Column(_l("Approved check-ins"), NUMBER, 8), Column(_l("Scanned minutes"), NUMBER, 10),
         Column(_l("Honour minutes"), NUMBER, 10), Column(_l("Total minutes"), NUMBER, 10),
         Column(_l("Total hours"), HOURS, 9)),
        _hour_rows),
    Dataset(
        "household_coverage", _l("Coverage of served households"),
        _l("One row per community: households on the register in the quarter of the last "
           "month chosen, those with a visit recorded or approved in it, the share visited and "
           "how many are overdue today. The last row is the total."),
        (Column(_l("Station"), width=20), Column(_l("Community"), width=14),
         Column(_l("Quarter"), width=8), Column(_l("Households"), NUMBER, 8),
         Column(_l("Visited"), NUMBER, 8), Column(_l("Share visited (%)"), NUMBER, 8),
         Column(_l("Overdue"), NUMBER, 8)),
        lambda filters: households.coverage_rows(
            filters.station_id, households.report_quarter(filters))),
)}


# --- writers ----------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(kind: str, value) -> Any:
    if value is None:
        return ""
    if kind == DATETIME:
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == DATE:
        return value.isoformat()
    if kind == HOURS:
        return f"{value:.1f}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_chunks(dataset: Dataset, rows: Iterable[tuple]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(dataset.headers())
    kinds = [column.kind for column in dataset.columns]
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(kind, value) for kind, value in zip(kinds, row, strict=True)])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_chunks(dataset: Dataset, filters: ReportFilters) -> Iterator[str]:
    """The CSV file as text chunks of `CSV_ROWS_PER_CHUNK` rows: a byte-order mark first (so
    Excel reads the file as UTF-8), then the headers and the rows."""
    return _csv_chunks(dataset, dataset.rows(filters))


def write_csv(dataset: Dataset, filters: ReportFilters, out: IO[str]) -> int:
    """Write the CSV file to a text stream; return the number of rows."""
    written = 0

    def counted():
        nonlocal written
        for row in dataset.rows(filters):
            written += 1
            yield row

    for chunk in _csv_chunks(dataset, counted()):
        out.write(chunk)
    return written


NUMBER_FORMATS = {DATETIME: "yyyy-mm-dd hh:mm", DATE: "yyyy-mm-dd", HOURS: "0.0"}


def write_xlsx(dataset: Dataset, filters: ReportFilters, target: str | IO[bytes]) -> int:
    """Write the dataset as an Excel workbook to `target` (a path or a binary file); return the
    number of rows. The workbook is write-only: openpyxl spools the sheet to a temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(dataset.title)[:31])
    for index, column in enumerate(dataset.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for label in dataset.headers():
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)

    def cell(kind: str, value):
        if value is None:
            return None
        if kind in NUMBER_FORMATS:
            formatted = WriteOnlyCell(sheet, value=value)
            formatted.number_format = NUMBER_FORMATS[kind]
            return formatted
        if isinstance(value, str) and value.startswith("="):
            text = WriteOnlyCell(sheet, value=value)
            text.data_type = "s"  # text, never a formula
            return text
        return value

    kinds = [column.kind for column in dataset.columns]
    written = 0
    for row in dataset.rows(filters):
        sheet.append([cell(kind, value) for kind, value in zip(kinds, row, strict=True)])
        written += 1
    workbook.save(target)
    return written


def xlsx_file(dataset: Dataset, filters: ReportFilters) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound; it disappears when closed."""
    handle = tempfile.TemporaryFile(prefix="export-", suffix=".xlsx")
    try:
        write_xlsx(dataset, filters, handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def filename(dataset: Dataset, filters: ReportFilters, fmt: str) -> str:
    """``checkins-2026-11-station3.xlsx``: ASCII only, so every browser keeps it."""
    def key(month):
        return "{:04d}-{:02d}".format(*month)

    first, last = filters.first_month, filters.last_month
    if first and last:
        period = key(first) if first == last else f"{key(first)}_{key(last)}"
    elif first:
        period = f"from-{key(first)}"
    elif last:
        period = f"to-{key(last)}"
    else:
        period = "all-months"
    parts = [dataset.name, period,
             f"station{filters.station_id}" if filters.station_id else "all-stations"]
    if filters.theme_id:
        parts.append(f"theme{filters.theme_id}")
    return "-".join(parts) + f".{fmt}"
