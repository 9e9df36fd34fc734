"""The official export (补录) and the sync status of service records.

Rules kept here (`docs/official-export.md` maps each column to the systems' fields):

* What is exported is what counts as hours (`counted_as_hours`: approved, not reversed), one
  row per person and activity (a check-in), for the activities starting in one month, of one
  station or (district administrators only) every station.
* The file carries ID numbers in full: it is for entry into the official system. Only the
  station's manager and district administrators download it, and every download is audited
  with its count of rows. Volunteers without an ID number are exported with the cell blank and
  counted: they cannot be entered until their profile has one.
* Times are the check-in's, clipped to the activity's window as they were credited; hours are
  minutes / 60 with two decimals, scanned (信用时) and hand-added (荣誉时, `honour_minutes`) apart.
* A record is 待补录 until a result list marks it 已补录 in that system (`OfficialSync`), with
  the day and the batch. Importing a result list is all rows or none: an unknown record id or a
  bad row (a formula, a record that no longer counts, another station's) stops it, each named
  by its row number. A record already marked stays as it was, so the same file twice changes
  nothing.
* Headers and the values the systems read (证件类型, 服务类别, 补录状态) are in Chinese whatever
  the reader's language: the file is an interchange format, like the import templates.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import local, month_bounds, now
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.imports.services import Column, Problem, open_table
from timebank.org import services as org
from timebank.org.models import Agency, Station
from volunteers.activities.models import Activity
from volunteers.checkins.models import CheckIn, CheckInStatus, counted_as_hours
from volunteers.official.models import OfficialProject, OfficialSync, System
from volunteers.profiles.models import VolunteerProfile
from volunteers.vocabulary import SERVICE_CATEGORIES

SYSTEMS = {
    System.IZY: _l("i Volunteer (Guangdong)"),
    System.NATIONAL: _l("National volunteer information system"),
}
#: The record id on the file: ``NSCK`` and the check-in's id, zero-padded.
RECORD_PREFIX = "NSCK"
_RECORD_ID = re.compile(rf"^{RECORD_PREFIX}(\d{{1,10}})$", re.IGNORECASE)
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9-]{1,40}$")
ID_TYPE = "居民身份证"
PENDING, SYNCED = "待补录", "已补录"
#: Words in 补录结果 that mean the record was entered.
SUCCESS_WORDS = {"成功", "已补录", "补录成功", "success", "ok"}
BATCH_LONGEST = 40

# The file's columns, in order (fixed Chinese: see the module's docstring).
RECORD_ID, NAME, ID_KIND, ID_NUMBER, PHONE, ACTIVITY, PROJECT_ID = (
    "记录编号", "姓名", "证件类型", "证件号码", "手机号", "活动名称", "项目编号")
CATEGORY, DAY, START, END, HOURS, SCANNED_HOURS, HONOUR_HOURS = (
    "服务类别", "服务日期", "开始时间", "结束时间", "服务时长（小时）", "信用时（小时）",
    "荣誉时（小时）")
ORGANISER, STATUS, SYNCED_ON, BATCH, RESULT = (
    "组织单位", "补录状态", "补录日期", "补录批次", "补录结果")
#: (header, width in characters)
COLUMNS = ((RECORD_ID, 14), (NAME, 10), (ID_KIND, 11), (ID_NUMBER, 20), (PHONE, 13),
           (ACTIVITY, 24), (PROJECT_ID, 16), (CATEGORY, 14), (DAY, 11), (START, 8), (END, 8),
           (HOURS, 10), (SCANNED_HOURS, 10), (HONOUR_HOURS, 10), (ORGANISER, 30), (STATUS, 8),
           (SYNCED_ON, 11), (BATCH, 14), (RESULT, 10))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def record_id(checkin_id: int) -> str:
    """``NSCK00000123``: a record's id on the file, stable for the check-in."""
    return f"{RECORD_PREFIX}{checkin_id:08d}"


def parse_record_id(text: str) -> int | None:
    match = _RECORD_ID.match("".join((text or "").split()))
    return int(match.group(1)) if match else None


def hours(minutes: int) -> float:
    """Minutes as hours with two decimals, halves rounded up (100 → 1.67)."""
    return float((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def system_of(value) -> System:
    try:
        return System(value)
    except ValueError:
        raise InvalidInput(fields={"system": [_("Choose from the list.")]}) from None


# --- who may ----------------------------------------------------------------------------------

def may_export(user, station_id: int | None) -> bool:
    """District administrators for any station or all of them; a station manager for theirs."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    return has_role(user, Role.STATION_MANAGER) and station_id is not None \
        and org.station_id_of(user) == station_id


def require_may_export(user, station_id: int | None) -> None:
    if not may_export(user, station_id):
        raise PermissionDenied(_("Only the station's manager or a district administrator can "
                                 "export or import official records: the file holds ID "
                                 "numbers in full."))


# --- external project ids -----------------------------------------------------------------------

def projects_of_activity(activity: Activity) -> dict[str, str]:
    """System → the activity's external project id (only the systems mapped)."""
    return dict(db.session.execute(
        select(OfficialProject.system, OfficialProject.external_id)
        .where(OfficialProject.activity_id == activity.id)).all())


def set_project(activity: Activity, system, external_id: str | None, *, by) -> str | None:
    """Map `activity` to its project id in `system` (blank removes the mapping); staff of the
    activity's station. Audited old → new; setting the same id again changes nothing."""
    org.require_station_staff(by, activity.station_id)
    system = system_of(system)
    text = "".join((external_id or "").split())
    if text and not _EXTERNAL_ID.match(text):
        raise InvalidInput(fields={"external_id": [_(
            "Letters, digits and hyphens only, at most 40.")]})
    row = db.session.scalar(select(OfficialProject).where(
        OfficialProject.activity_id == activity.id, OfficialProject.system == system))
    old = row.external_id if row is not None else None
    if (old or "") == text:
        return old
    if not text:
        db.session.delete(row)
    elif row is None:
        db.session.add(OfficialProject(activity_id=activity.id, system=system, external_id=text,
                                       updated_by_id=by.id))
    else:
        row.external_id, row.updated_by_id = text, by.id
    audit.record("official.project", f"activity:{activity.id}", actor=by, system=str(system),
                 old=old, new=text or None)
    db.session.flush()
    return text or None


# --- the export -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What an export covers: a month, a station (None: every station), a system."""

    year: int
    month: int
    station_id: int | None
    system: System
    only_pending: bool = False

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def filename(self) -> str:
        """``official-izy-2026-11-station3.xlsx`` (ASCII, so every browser keeps it)."""
        where = f"station{self.station_id}" if self.station_id else "all-stations"
        pending = "-pending" if self.only_pending else ""
        return f"official-{self.system}-{self.label}-{where}{pending}.xlsx"


@dataclass(frozen=True)
class Row:
    checkin_id: int
    name: str
    id_number: str | None
    phone: str
    activity_id: int
    activity: str
    project_id: str | None
    category: str
    start: datetime
    end: datetime
    minutes: int
    honour_minutes: int
    organiser: str
    synced_on: date | None
    batch: str | None

    @property
    def record_id(self) -> str:
        return record_id(self.checkin_id)

    @property
    def synced(self) -> bool:
        return self.synced_on is not None

    def cells(self) -> list:
        """The row's values in the order of `COLUMNS`."""
        start, end = local(self.start), local(self.end)
        return [self.record_id, self.name, ID_TYPE if self.id_number else "",
                self.id_number or "", self.phone, self.activity, self.project_id or "",
                self.category, start.date(), start.strftime("%H:%M"), end.strftime("%H:%M"),
                hours(self.minutes), hours(self.minutes - self.honour_minutes),
                hours(self.honour_minutes), self.organiser, SYNCED if self.synced else PENDING,
                self.synced_on, self.batch or "", ""]


def organiser_name(agency: str | None, station: str) -> str:
    """``广州市某某社会工作服务中心（金洲街道社工服务站）``, or the station alone."""
    return f"{agency}（{station}）" if agency else station


def served_window(checkin: CheckIn, activity: Activity) -> tuple[datetime, datetime]:
    """The check-in's times clipped to the activity's window, as they were credited. A record
    without a check-out (closed automatically, minutes typed at approval) ends when its minutes
    do."""
    start = max(checkin.checked_in_at, activity.starts_at)
    out = checkin.checked_out_at or start + timedelta(minutes=checkin.minutes or 0)
    return start, max(min(out, activity.ends_at), start)


def export_rows(scope: Scope) -> Iterator[Row]:
    """The scope's records that count as hours, by activity start then record id."""
    first, following = month_bounds(scope.year, scope.month)
    project, synced = OfficialProject, OfficialSync
    statement = (
        select(CheckIn, User.name, User.phone, VolunteerProfile.id_number, Station.name,
               Agency.name, project.external_id, synced.synced_on, synced.batch)
        .join(Activity, Activity.id == CheckIn.activity_id)
        .join(User, User.id == CheckIn.user_id)
        .join(Station, Station.id == Activity.station_id)
        .outerjoin(Agency, Agency.id == Station.agency_id)
        .outerjoin(VolunteerProfile, VolunteerProfile.user_id == CheckIn.user_id)
        .outerjoin(project, and_(project.activity_id == Activity.id,
                                 project.system == scope.system))
        .outerjoin(synced, and_(synced.checkin_id == CheckIn.id, synced.system == scope.system))
        .where(counted_as_hours(), Activity.starts_at >= first, Activity.starts_at < following)
        .order_by(Activity.starts_at, Activity.id, CheckIn.id))
    if scope.station_id is not None:
        statement = statement.where(Activity.station_id == scope.station_id)
    if scope.only_pending:
        statement = statement.where(synced.id.is_(None))
    with force_locale("zh_Hans_CN"):
        categories = {code: str(label) for code, label in SERVICE_CATEGORIES.items()}
    for (checkin, name, phone, id_number, station, agency, project_id, synced_on,
         batch) in db.session.execute(statement):
        activity = checkin.activity
        start, end = served_window(checkin, activity)
        yield Row(checkin_id=checkin.id, name=name, id_number=id_number, phone=phone,
                  activity_id=activity.id, activity=activity.title, project_id=project_id,
                  category=categories.get(activity.service_category or "", ""),
                  start=start, end=end, minutes=checkin.minutes or 0,
                  honour_minutes=checkin.honour_minutes or 0,
                  organiser=organiser_name(agency, station), synced_on=synced_on, batch=batch)


@dataclass
class Summary:
    """What the page says about an export before it is downloaded."""

    rows: int = 0
    pending: int = 0
    synced: int = 0
    minutes: int = 0
    #: Records whose volunteer has no ID number: (record id, name).
    without_id: list[tuple[str, str]] = field(default_factory=list)
    #: Activities with records and no project id in the system: (activity id, title).
    unmapped: dict[int, str] = field(default_factory=dict)


def summarise(rows) -> Summary:
    summary = Summary()
    for row in rows:
        summary.rows += 1
        summary.minutes += row.minutes
        if row.synced:
            summary.synced += 1
        else:
            summary.pending += 1
        if not row.id_number:
            summary.without_id.append((row.record_id, row.name))
        if not row.project_id:
            summary.unmapped[row.activity_id] = row.activity
    return summary


def scope_for(user, *, month: tuple[int, int], station_id: int | None, system,
              only_pending: bool = False) -> Scope:
    """The export `user` asks for, or `PermissionDenied`: a station manager exports their own
    station (and gets it when they name none), a district administrator any or all."""
    if station_id is None and not has_role(user, Role.DISTRICT_ADMIN):
        station_id = org.station_id_of(user)
    require_may_export(user, station_id)
    if station_id is not None:
        org.get_station(station_id)
    return Scope(month[0], month[1], station_id, system_of(system), only_pending)


def write_export(scope: Scope, target: str | IO[bytes], *, by=None) -> Summary:
    """Write the export of `scope` as a workbook to `target`: the sheet of records, then a
    sheet of notes (the scope, the counts, the records that cannot be entered for want of an
    ID number). Audited (``official.export``) with the count of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="补录")
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    text_columns = {ID_NUMBER, PHONE, PROJECT_ID, NAME, ACTIVITY, ORGANISER, BATCH}

    def cell(name: str, value):
        if value is None or value == "":
            return None
        written = WriteOnlyCell(sheet, value=value)
        if name in (DAY, SYNCED_ON):
            written.number_format = "yyyy-mm-dd"
        elif name in (HOURS, SCANNED_HOURS, HONOUR_HOURS):
            written.number_format = "0.00"
        elif name in text_columns:
            written.number_format = "@"
            written.data_type = "s"  # text, never a formula (a title may start with "=")
        return written

    def counted():
        for row in export_rows(scope):
            yield row
            sheet.append([cell(name, value) for (name, _w), value in
                          zip(COLUMNS, row.cells(), strict=True)])

    summary = summarise(counted())
    notes = workbook.create_sheet(title="说明")
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 60
    with force_locale("zh_Hans_CN"):
        station = org.get_station(scope.station_id).name if scope.station_id else _(
            "All stations")
        lines = [
            (_("System"), str(SYSTEMS[scope.system])),
            (_("Month"), scope.label),
            (_("Station"), station),
            (_("Only records still to enter"), _("Yes") if scope.only_pending else _("No")),
            (_("Records"), summary.rows),
            (_("Still to enter (待补录)"), summary.pending),
            (_("Entered (已补录)"), summary.synced),
            (_("Without an ID number"), len(summary.without_id)),
            (_("Exported at"), local(now()).strftime("%Y-%m-%d %H:%M")),
            ("", ""),
            (_("How to use this file"), _(
                "Enter each row into the system, then write 成功 in the 补录结果 column of the "
                "rows entered and import the file back on the platform's official export page "
                "(or with flask official import). Rows left blank stay 待补录.")),
        ]
        if summary.without_id:
            lines.append(("", ""))
            lines.append((_("Cannot be entered"), _(
                "These volunteers have no ID number on their profile, so the system will not "
                "take their records. Ask them for it, add it to their profile and export "
                "again.")))
            lines.extend(summary.without_id)
    for label, value in lines:
        notes.append([label, value])
    workbook.save(target)
    audit.record("official.export", f"export:official-{scope.system}", actor=by,
                 system=str(scope.system), month=scope.label, station_id=scope.station_id,
                 only_pending=scope.only_pending, rows=summary.rows)
    return summary


# --- importing the result list back ---------------------------------------------------------------

class _ResultColumns:
    """The columns `open_table` looks for in a result list."""

    columns = (Column(RECORD_ID), Column(RESULT, required=False),
               Column(SYNCED_ON, required=False))


@dataclass
class ImportResult:
    filename: str
    system: str
    batch: str
    dry_run: bool
    rows: int = 0
    #: Rows that mark a record 已补录 now.
    matched: int = 0
    already: int = 0
    unknown: int = 0
    refused: int = 0
    #: Rows whose 补录结果 is blank or says it failed: the record stays 待补录.
    not_marked: int = 0
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"filename": self.filename, "system": self.system, "batch": self.batch,
                "dry_run": self.dry_run, "rows": self.rows, "matched": self.matched,
                "already": self.already, "unknown": self.unknown, "refused": self.refused,
                "not_marked": self.not_marked, "applied": self.applied,
                "problems": [{"row": p.row, "column": p.column, "reason": p.reason}
                             for p in self.problems]}


def _day(text: str) -> date | None:
    """A 补录日期 cell: ``2026-12-10``, ``2026/12/10``, or a date cell (read as ISO text)."""
    text = text.strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.fromisoformat(text).date() if "T" in text or " " in text \
            else date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        return None


def check_batch(batch: str | None) -> str:
    text = (batch or "").strip()
    if not text or len(text) > BATCH_LONGEST:
        raise InvalidInput(fields={"batch": [_(
            "Name the batch (at most %(count)d characters), such as the day's date and who "
            "entered it.", count=BATCH_LONGEST)]})
    return text


def import_results(path, *, filename: str | None = None, system, batch: str,
                   day: date | None = None, by=None, dry_run: bool = False) -> ImportResult:
    """Read a result list (CSV or XLSX: a 记录编号 column, optionally 补录结果 and 补录日期) and,
    unless `dry_run` or a row is bad, mark its successful rows 已补录 in `system` on their
    补录日期 or `day` (today when not given), in `batch`. Flushes, never commits.

    Without a 补录结果 column every row is a success (a plain list of record ids). `by` is None
    for the command line (every station); otherwise only the records of stations `by` may
    export. A file that cannot be read at all raises `ImportFileError`."""
    system = system_of(system)
    batch = check_batch(batch)
    path = Path(path)
    filename = filename or path.name
    today = local(now()).date()
    day = day or today
    if day > today:
        raise InvalidInput(fields={"day": [_("The day cannot be in the future.")]})
    result = ImportResult(filename=filename, system=str(system), batch=batch, dry_run=dry_run)
    table = open_table(path, filename, _ResultColumns())
    has_result = RESULT in table.columns
    wanted: dict[int, tuple[int, date]] = {}  # check-in id → (row, day)
    seen: dict[int, int] = {}

    def refuse(number, column, reason):
        result.refused += 1
        result.problems.append(Problem(number, column, reason))

    for number, row, formulas in table.rows():
        result.rows += 1
        if formulas:
            refuse(number, formulas[0], _("A formula is not accepted: type the value itself."))
            continue
        if has_result and row.get(RESULT, "").strip().lower() not in SUCCESS_WORDS:
            result.not_marked += 1
            continue
        checkin_id = parse_record_id(row.get(RECORD_ID, ""))
        if checkin_id is None:
            result.unknown += 1
            result.problems.append(Problem(number, RECORD_ID, _(
                "Not a record id of this platform (%(prefix)s and digits).",
                prefix=RECORD_PREFIX)))
            continue
        if checkin_id in seen:
            refuse(number, RECORD_ID, _("This record is also on row %(row)d.",
                                        row=seen[checkin_id]))
            continue
        seen[checkin_id] = number
        on = day
        if row.get(SYNCED_ON, "").strip():
            on = _day(row[SYNCED_ON])
            if on is None or not 2000 <= on.year <= 2100:
                refuse(number, SYNCED_ON, _("Write the day as YYYY-MM-DD."))
                continue
            if on > today:
                refuse(number, SYNCED_ON, _("The day cannot be in the future."))
                continue
        wanted[checkin_id] = (number, on)

    if wanted:
        ids = list(wanted)
        found = {}
        for chunk in range(0, len(ids), 1000):
            part = ids[chunk:chunk + 1000]
            found.update({checkin_id: (station_id, counted, synced_id) for
                          checkin_id, station_id, counted, synced_id in db.session.execute(
                              select(CheckIn.id, Activity.station_id, counted_as_hours(),
                                     OfficialSync.id)
                              .join(Activity, Activity.id == CheckIn.activity_id)
                              .outerjoin(OfficialSync, and_(OfficialSync.checkin_id == CheckIn.id,
                                                            OfficialSync.system == system))
                              .where(CheckIn.id.in_(part)))})
        for checkin_id, (number, _on) in list(wanted.items()):
            if checkin_id not in found:
                result.unknown += 1
                result.problems.append(Problem(number, RECORD_ID, _(
                    "There is no record %(record)s.", record=record_id(checkin_id))))
                del wanted[checkin_id]
                continue
            station_id, counted, synced_id = found[checkin_id]
            if by is not None and not may_export(by, station_id):
                refuse(number, RECORD_ID, _("This record belongs to another station."))
                del wanted[checkin_id]
            elif synced_id is not None:
                result.already += 1
                del wanted[checkin_id]
            elif not counted:
                refuse(number, RECORD_ID, _(
                    "This record does not count as hours (not approved, or reversed): it "
                    "cannot be marked entered."))
                del wanted[checkin_id]
        result.matched = len(wanted)
    result.problems.sort(key=lambda problem: problem.row or 0)
    if result.rows == 0:
        result.problems.append(Problem(None, None, _("The file has no rows below the column "
                                                     "names.")))
    if dry_run or not result.ok or not wanted:
        return result
    moment = now()
    try:
        with db.session.begin_nested():
            db.session.add_all(OfficialSync(checkin_id=checkin_id, system=system, synced_on=on,
                                            batch=batch, imported_at=moment,
                                            imported_by_id=by.id if by is not None else None)
                               for checkin_id, (_number, on) in wanted.items())
    except IntegrityError:
        raise Conflict(_("Some of these records were marked by another import just now. "
                         "Check the file again."), code="imported_meanwhile") from None
    result.applied = True
    audit.record("official.import", f"import:official-{system}", actor=by, system=str(system),
                 batch=batch, filename=filename, rows=result.rows, count=result.matched,
                 already=result.already)
    return result


# --- what the volunteer sees --------------------------------------------------------------------

def syncs_of(checkin_ids) -> dict[int, list[OfficialSync]]:
    """Check-in id → its sync rows (one per system it was entered in), for the ids given."""
    ids = [checkin_id for checkin_id in checkin_ids if checkin_id is not None]
    found: dict[int, list[OfficialSync]] = {}
    if ids:
        for sync in db.session.scalars(select(OfficialSync).where(
                OfficialSync.checkin_id.in_(ids)).order_by(OfficialSync.synced_on)):
            found.setdefault(sync.checkin_id, []).append(sync)
    return found


def sync_state(checkin: CheckIn, syncs: list[OfficialSync] | None = None) -> dict | None:
    """The check-in's ``official_sync`` in the API: None unless it is approved; otherwise
    ``{"status": "synced" | "pending", "systems": [{"system", "synced_on", "batch"}]}``."""
    if checkin.status != CheckInStatus.APPROVED:
        return None
    if syncs is None:
        syncs = syncs_of([checkin.id]).get(checkin.id, [])
    return {"status": "synced" if syncs else "pending",
            "systems": [{"system": sync.system, "synced_on": sync.synced_on.isoformat(),
                         "batch": sync.batch} for sync in syncs]}

