"""Imports: the district's towns and communities, its staff and its volunteers, from the
spreadsheets it already keeps (`flask import`, and the upload page `/admin/imports/`).

Rules every import keeps:

* A file is CSV (UTF-8 with or without BOM, or GB18030 as Excel on Chinese Windows saves it)
  or XLSX (read with openpyxl in read-only mode); both are read row by row, so memory stays
  flat however long the file is. The first row names the columns, in Chinese, in any order;
  other columns are ignored; a missing required column is one clear error naming it.
* Two passes. The first checks every row and keeps only what later rows need (the phones
  seen, say); it makes the plan: how many rows create something, update something or change
  nothing, and every bad row with its number as the spreadsheet shows it, the column and the
  reason. If any row is bad, nothing is written. Otherwise the second pass reads the file
  again and applies it in chunks, in the caller's one transaction (the edge commits once).
* Idempotent by natural keys (town name; town and community name; station name; station and
  grid-team name; a person's phone): the same file again creates and updates nothing.
* A cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first, or an XLSX
  formula cell) is refused, naming its row and column; numbers such as ``-5`` or ``+86 138…``
  are values (and judged as such).

Each kind of file is an `Importer` kept in ``app.extensions["timebank.importers"]``; the core
registers ``geography`` and ``staff``, the coordination layer ``volunteers``.
"""

import codecs
import csv
import io
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.errors import InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org

REGISTRY = "timebank.importers"
#: Rows applied at a time in the second pass.
CHUNK = 1000
#: Bad rows kept to show; the count goes on.
PROBLEMS_SHOWN = 200
FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@")
_PLAIN_NUMBER = re.compile(r"^[+-][\d\s.]*\d[\d\s.]*$")


# --- results -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """A bad row: its number as the spreadsheet shows it (1 is the header), the column, why."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        place = []
        if self.row is not None:
            place.append(_("row %(row)d", row=self.row))
        if self.column:
            place.append(_("column %(column)s", column=self.column))
        return f"{', '.join(place)}: {self.reason}" if place else self.reason


@dataclass
class ImportResult:
    kind: str
    filename: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)
    applied: bool = False

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_SHOWN:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @classmethod
    def from_dict(cls, data: dict) -> "ImportResult":
        fields_ = {key: value for key, value in data.items() if key != "problems"}
        return cls(**fields_, problems=[Problem(**problem) for problem in data["problems"]])

    def as_dict(self) -> dict:
        return {"kind": self.kind, "filename": self.filename, "dry_run": self.dry_run,
                "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "applied": self.applied,
                "problem_count": self.problem_count,
                "problems": [{"row": p.row, "column": p.column, "reason": p.reason}
                             for p in self.problems]}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read: wrong format, missing columns."""

    code = "import_file_invalid"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(map(str, problems)),
                         fields={"file": [str(problem) for problem in problems]})


class RowProblems(Exception):
    """Raised by an importer's `check` with the row's problems."""

    def __init__(self, *problems: Problem):
        self.problems = list(problems)


# --- importers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    example: str = ""
    #: Another name the column may have (the header of older templates).
    aliases: tuple[str, ...] = ()


class Importer:
    """One kind of file. Subclasses set `kind`, `label`, `columns` and implement:

    * ``begin(by)`` → a context holding what the rows need to be checked (lookups of existing
      rows by natural key); it must not write.
    * ``check(context, number, row)`` → ``"created"``, ``"updated"`` or ``"unchanged"``, or raise
      `RowProblems`; it records in the context what later rows and `apply` need.
    * ``apply(context, rows, by)``: write a chunk of checked ``(number, row)``; flush, no commit.
    * ``checked(context)`` (optional): problems seen only after the last row (duplicates).
    * ``finish(context, by)`` (optional).
    """

    kind = ""
    label = _l("Import")
    columns: tuple[Column, ...] = ()
    #: Who may import this kind (a station manager's rows are limited to their station).
    role = Role.DISTRICT_ADMIN

    def begin(self, by):  # pragma: no cover - interface
        raise NotImplementedError

    def check(self, context, number: int, row: dict) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def apply(self, context, rows: list[tuple[int, dict]], by) -> None:  # pragma: no cover
        raise NotImplementedError

    def checked(self, context) -> Iterator[Problem]:
        """Problems found only once every row was checked (duplicates): none by default."""
        return iter(())

    def finish(self, context, by) -> None:
        pass


def register(app, importer: Importer) -> None:
    app.extensions.setdefault(REGISTRY, {})[importer.kind] = importer


def importers() -> dict[str, Importer]:
    return dict(current_app.extensions.get(REGISTRY, {}))


def importer_for(kind: str) -> Importer:
    found = importers().get(kind)
    if found is None:
        raise InvalidInput(fields={"kind": [_("Choose what to import.")]})
    return found


def kinds_for(user) -> list[Importer]:
    """The importers `user` may use (the CLI, with no user, may use every one)."""
    return [importer for importer in importers().values()
            if user is None or has_role(user, importer.role)]


def require_may_import(user, importer: Importer) -> None:
    if user is not None and not has_role(user, importer.role):
        raise PermissionDenied(_("You may not import this kind of file."))


# --- reading files -----------------------------------------------------------------------------

def _header_name(raw) -> str:
    text = "" if raw is None else str(raw)
    text = text.replace("\ufeff", "").replace("（", "(").replace("）", ")")
    return "".join(text.split())


def _text(value) -> str:
    """A cell as text: whole numbers without ``.0`` (phones typed as numbers), dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would run `text` as a formula; ``-5`` and ``+86 138…`` are values."""
    return text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text)


def _encoding(path: Path) -> str:
    """UTF-8 (a BOM is dropped), else GB18030; binary files are refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    if b"\0" in chunk:
                        raise ImportFileError([Problem(None, None, _(
                            "This is not a CSV or XLSX file. Save the sheet as CSV or as an "
                            "Excel workbook (.xlsx)."))])
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ImportFileError([Problem(None, None, _(
        "This file is not text in UTF-8 or GB18030. Save the sheet as CSV UTF-8 or as an Excel "
        "workbook (.xlsx)."))])


def file_format(path: Path, filename: str) -> str:
    """``csv`` or ``xlsx``, from what the file holds (and its name), or `ImportFileError`."""
    with path.open("rb") as stream:
        start = stream.read(8)
    suffix = Path(filename or "").suffix.lower()
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError([Problem(None, None, _(
            "This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) or as CSV."))])
    if suffix in ("", ".csv", ".txt"):
        return "csv"
    raise ImportFileError([Problem(None, None, _(
        "This is not a CSV or XLSX file. Save the sheet as CSV or as an Excel workbook "
        "(.xlsx)."))])


def _csv_rows(path: Path) -> Iterator[list[tuple[str, bool]]]:
    encoding = _encoding(path)
    with path.open(encoding=encoding, newline="") as stream:
        try:
            for record in csv.reader(stream):
                yield [(cell.strip(), False) for cell in record]
        except csv.Error as error:
            raise ImportFileError([Problem(None, None, _(
                "The CSV file cannot be read: %(error)s", error=str(error)))]) from None


def _xlsx_rows(path: Path) -> Iterator[list[tuple[str, bool]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise ImportFileError([Problem(None, None, _(
            "This is not an Excel workbook (.xlsx) that can be read: %(error)s",
            error=type(error).__name__))]) from None
    except Exception as error:  # openpyxl's InvalidFileException and parse errors of the XML
        raise ImportFileError([Problem(None, None, _(
            "This is not an Excel workbook (.xlsx) that can be read: %(error)s",
            error=type(error).__name__))]) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for cells in sheet.iter_rows():
            yield [(_text(cell.value), getattr(cell, "data_type", None) == "f") for cell in cells]
    finally:
        workbook.close()


@dataclass
class Table:
    """A file's rows as ``(number, {column: text})`` plus the formula cells of each row."""

    path: Path
    fmt: str
    columns: dict[str, int]

    def rows(self) -> Iterator[tuple[int, dict[str, str], list[str]]]:
        reader = _xlsx_rows if self.fmt == "xlsx" else _csv_rows
        for number, cells in enumerate(reader(self.path), start=1):
            if number == 1:
                continue
            if not any(text for text, _formula in cells):
                continue
            values, formulas = {}, []
            for name, index in self.columns.items():
                text, formula = cells[index] if index < len(cells) else ("", False)
                if formula or looks_like_formula(text):
                    formulas.append(name)
                values[name] = text
            yield number, values, formulas


def open_table(path: Path, filename: str, importer: Importer) -> Table:
    """Check the file's format and header row; `ImportFileError` naming each missing column."""
    fmt = file_format(path, filename)
    reader = _xlsx_rows if fmt == "xlsx" else _csv_rows
    header = next(iter(reader(path)), None)
    if not header:
        raise ImportFileError([Problem(1, None, _("The file is empty: the first row must name "
                                                  "the columns."))])
    names = {_header_name(text): index for index, (text, _formula) in reversed(list(enumerate(header)))
             if _header_name(text)}
    columns, missing = {}, []
    for column in importer.columns:
        index = next((names[name] for name in (column.name, *column.aliases) if name in names),
                     None)
        if index is not None:
            columns[column.name] = index
        elif column.required:
            missing.append(Problem(1, column.name, _("The column %(column)s is missing from the "
                                                     "first row.", column=column.name)))
    if missing:
        raise ImportFileError(missing)
    for column, extra in getattr(importer, "extra_columns", {}).items():
        if column in names:
            columns[extra] = names[column]
    return Table(path=path, fmt=fmt, columns=columns)


# --- running ----------------------------------------------------------------------------------

def run(kind: str, path, *, filename: str | None = None, dry_run: bool = False, by=None,
        progress: Callable[[str, int], None] | None = None, every: int = 10_000) -> ImportResult:
    """Check the file and, unless `dry_run` or a row is bad, apply it (flushed, not committed).

    `progress` is called with (``"checked"`` or ``"written"``, rows so far) every `every` rows.
    A file that cannot be read at all raises `ImportFileError`.
    """
    path = Path(path)
    importer = importer_for(kind)
    require_may_import(by, importer)
    filename = filename or path.name
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run)
    table = open_table(path, filename, importer)
    context = importer.begin(by)
    for number, row, formulas in table.rows():
        result.rows += 1
        if progress is not None and result.rows % every == 0:
            progress("checked", result.rows)
        if formulas:
            for column in formulas:
                result.add(Problem(number, column, _(
                    "A formula is not accepted: type the value itself.")))
            continue
        try:
            outcome = importer.check(context, number, row)
        except RowProblems as bad:
            for problem in bad.problems:
                result.add(problem)
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    for problem in importer.checked(context):
        result.add(problem)
    result.problems.sort(key=lambda problem: problem.row or 0)
    if result.rows == 0:
        result.add(Problem(None, None, _("The file has no rows below the column names.")))
    if dry_run or not result.ok:
        return result

    written, chunk = 0, []
    rows = table.rows() if result.created or result.updated else iter(())
    for number, row, _formulas in rows:
        chunk.append((number, row))
        if len(chunk) >= CHUNK:
            importer.apply(context, chunk, by)
            written += len(chunk)
            chunk = []
            if progress is not None and written % every < CHUNK:
                progress("written", written)
    if chunk:
        importer.apply(context, chunk, by)
    importer.finish(context, by)
    db.session.flush()
    result.applied = True
    audit.record(f"import.{kind}", None, actor=by, filename=filename, rows=result.rows,
                 created=result.created, updated=result.updated, unchanged=result.unchanged)
    return result


# --- templates ---------------------------------------------------------------------------------

def template_file(kind: str, fmt: str) -> bytes:
    """The header row and one example row of `kind`, as CSV (UTF-8 with BOM) or XLSX."""
    importer = importer_for(kind)
    header = [column.name for column in importer.columns]
    example = [column.example for column in importer.columns]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerow(example)
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = kind
    sheet.append(header)
    sheet.append(example)
    for cell in sheet[2]:
        cell.number_format = "@"  # text: phones and ID numbers keep their digits
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- checking cells ----------------------------------------------------------------------------

def required_text(number: int, row: dict, column: str, longest: int) -> str:
    text = row.get(column, "").strip()
    if not text:
        raise RowProblems(Problem(number, column, _("This cell is empty.")))
    if len(text) > longest:
        raise RowProblems(Problem(number, column, _(
            "At most %(count)d characters.", count=longest)))
    return text


def phone_cell(number: int, row: dict, column: str = "手机号") -> str:
    phone = users.normalise_phone(row.get(column, ""))
    if not users.PHONE_PATTERN.match(phone):
        raise RowProblems(Problem(number, column, _(
            "Not a mainland mobile number of 11 digits.")))
    return phone


class SeenPhones:
    """The phones of a file with the row of each, in 8 bytes a row (an array, not a dict of
    strings), so that the first pass stays small however long the file; the duplicates are
    found once the pass has ended (`problems`), each naming both rows."""

    ROW_BITS = 24

    def __init__(self, column: str = "手机号"):
        self.column = column
        self._packed = array("Q")

    def add(self, number: int, phone: str) -> None:
        if number >= 1 << self.ROW_BITS:
            raise ImportFileError([Problem(number, None, _(
                "The file has too many rows: split it into several files."))])
        self._packed.append(int(phone) << self.ROW_BITS | number)

    def clear(self) -> None:
        self._packed = array("Q")

    def problems(self) -> Iterator[Problem]:
        mask = (1 << self.ROW_BITS) - 1
        first_phone = first_row = None
        for packed in sorted(self._packed):
            phone, number = packed >> self.ROW_BITS, packed & mask
            if phone == first_phone:
                yield Problem(number, self.column, _(
                    "The phone %(phone)s is also on row %(first)d of this file.",
                    phone=str(phone), first=first_row))
            else:
                first_phone, first_row = phone, number


# --- geography ---------------------------------------------------------------------------------

@dataclass
class _Geography:
    towns: dict[str, object]
    #: town name → (station name, row that named it or None for the database)
    town_station: dict[str, tuple[str, int | None]]
    station_town: dict[str, str]
    communities: set[tuple[str, str]]
    grid_teams: set[tuple[str, str]]
    coverage: set[tuple[str, str, str, str]]


class GeographyImporter(Importer):
    """Rows ``镇街, 村居, 社工站, 片区``: towns, their communities, the station of each town (a
    town has one), and grid teams of that station covering those communities (a community may
    be on several rows, for several grid teams)."""

    kind = "geography"
    label = _l("Towns, communities, stations and grid teams")
    columns = (Column("镇街", example="南沙街道"), Column("村居", example="金洲社区"),
               Column("社工站", example="南沙街道社工服务站"),
               Column("片区", required=False, example="第一片区"))

    def begin(self, by):
        towns = {town.name: town for town in org.towns()}
        stations = list(db.session.scalars(select(org.Station)))
        town_station = {station.town.name: (station.name, None) for station in stations}
        communities = {(community.town.name, community.name)
                       for community in db.session.scalars(select(org.Community))}
        grid_teams, coverage = set(), set()
        for team in db.session.scalars(select(org.GridTeam)):
            grid_teams.add((team.station.name, team.name))
            coverage.update((team.station.name, team.name, community.town.name, community.name)
                            for community in team.communities)
        return _Geography(towns=towns, town_station=town_station,
                          station_town={station.name: station.town.name for station in stations},
                          communities=communities, grid_teams=grid_teams, coverage=coverage)

    def check(self, context: _Geography, number, row):
        town = required_text(number, row, "镇街", 40)
        community = required_text(number, row, "村居", 40)
        station = required_text(number, row, "社工站", 60)
        team = row.get("片区", "").strip()
        if len(team) > 60:
            raise RowProblems(Problem(number, "片区", _("At most %(count)d characters.", count=60)))
        known = context.town_station.get(town)
        if known is not None and known[0] != station:
            where = (_("on row %(row)d", row=known[1]) if known[1] is not None
                     else _("in the platform"))
            raise RowProblems(Problem(number, "社工站", _(
                "%(town)s already has the station %(station)s (%(where)s); a town has one "
                "station.", town=town, station=known[0], where=where)))
        other_town = context.station_town.get(station)
        if other_town is not None and other_town != town:
            raise RowProblems(Problem(number, "社工站", _(
                "The station %(station)s belongs to %(town)s.", station=station,
                town=other_town)))
        created = False
        if town not in context.towns:
            context.towns[town] = None
            created = True
        if known is None:
            context.town_station[town] = (station, number)
            context.station_town[station] = town
            created = True
        if (town, community) not in context.communities:
            context.communities.add((town, community))
            created = True
        updated = False
        if team:
            if (station, team) not in context.grid_teams:
                context.grid_teams.add((station, team))
                created = True
            if (station, team, town, community) not in context.coverage:
                context.coverage.add((station, team, town, community))
                updated = True
        return "created" if created else "updated" if updated else "unchanged"

    def apply(self, context, rows, by):
        cache = context.__dict__.setdefault("_objects", {})
        for _number, row in rows:
            town_name, community_name = row["镇街"].strip(), row["村居"].strip()
            station_name, team_name = row["社工站"].strip(), row.get("片区", "").strip()
            town = cache.get(("town", town_name))
            if town is None:
                town = db.session.scalar(select(org.Town).where(org.Town.name == town_name)) \
                    or org.Town(name=town_name)
                db.session.add(town)
                cache[("town", town_name)] = town
            community = cache.get(("community", town_name, community_name))
            if community is None:
                community = next((c for c in town.communities if c.name == community_name), None) \
                    if town.id else None
                if community is None:
                    community = org.Community(town=town, name=community_name)
                    db.session.add(community)
                cache[("community", town_name, community_name)] = community
            station = cache.get(("station", station_name))
            if station is None:
                station = (town.station if town.id else None) or org.Station(
                    town=town, name=station_name)
                db.session.add(station)
                cache[("station", station_name)] = station
            if team_name:
                team = cache.get(("team", station_name, team_name))
                if team is None:
                    team = next((t for t in station.grid_teams if t.name == team_name), None) \
                        if station.id else None
                    if team is None:
                        team = org.GridTeam(station=station, name=team_name)
                        db.session.add(team)
                    cache[("team", station_name, team_name)] = team
                if community not in team.communities:
                    team.communities.append(community)
            db.session.flush()


# --- staff -------------------------------------------------------------------------------------

STAFF_ROLES = {"社工": Role.SOCIAL_WORKER, "项目主管": Role.STATION_MANAGER,
               "区级管理员": Role.DISTRICT_ADMIN}


@dataclass
class _Staff:
    stations: dict[str, int]
    grid_teams: dict[tuple[int, str], int]
    #: A station manager's own station: they import only its social workers.
    allowed_station: int | None = None
    phones: SeenPhones = field(default_factory=SeenPhones)


class StaffImporter(Importer):
    """Rows ``姓名, 手机号, 角色, 社工站, 片区``: staff accounts with that role, posted at the
    station (and grid team) named. They get no usable password: a district administrator gives
    each a one-time reset code. A phone already registered to the same name is updated (the
    role added, the post moved); to another name, it is a bad row. A station manager may import
    social workers of their own station; a district administrator any role anywhere."""

    kind = "staff"
    role = Role.STATION_MANAGER
    label = _l("Staff accounts")
    columns = (Column("姓名", example="李志华"), Column("手机号", example="13800000010"),
               Column("角色", example="社工"), Column("社工站", example="南沙街道社工服务站"),
               Column("片区", required=False, example="第一片区"))

    def begin(self, by):
        stations = {station.name: station.id for station in db.session.scalars(select(org.Station))}
        teams = {(team.station_id, team.name): team.id
                 for team in db.session.scalars(select(org.GridTeam))}
        allowed = None
        if by is not None and not has_role(by, Role.DISTRICT_ADMIN):
            allowed = org.station_id_of(by) or 0
        return _Staff(stations=stations, grid_teams=teams, allowed_station=allowed)

    def _parse(self, context, number, row):
        name = required_text(number, row, "姓名", 40)
        phone = phone_cell(number, row)
        role_text = required_text(number, row, "角色", 20)
        role = STAFF_ROLES.get(role_text)
        if role is None:
            raise RowProblems(Problem(number, "角色", _(
                "Unknown role %(role)s: write 社工, 项目主管 or 区级管理员.", role=role_text)))
        station_name = required_text(number, row, "社工站", 60)
        station_id = context.stations.get(station_name)
        if station_id is None:
            raise RowProblems(Problem(number, "社工站", _(
                "There is no station %(station)s: import the geography first.",
                station=station_name)))
        if context.allowed_station is not None:
            if station_id != context.allowed_station:
                raise RowProblems(Problem(number, "社工站", _(
                    "You may import staff of your own station only.")))
            if role != Role.SOCIAL_WORKER:
                raise RowProblems(Problem(number, "角色", _(
                    "A station manager may import social workers only.")))
        team_name = row.get("片区", "").strip()
        team_id = None
        if team_name:
            team_id = context.grid_teams.get((station_id, team_name))
            if team_id is None:
                raise RowProblems(Problem(number, "片区", _(
                    "The station %(station)s has no grid team %(team)s.", station=station_name,
                    team=team_name)))
        return name, phone, role, station_id, team_id

    def check(self, context, number, row):
        name, phone, role, station_id, team_id = self._parse(context, number, row)
        context.phones.add(number, phone)
        existing = users.get_by_phone(phone)
        if existing is None:
            return "created"
        if not users.same_name(existing.name, name):
            raise RowProblems(Problem(number, "手机号", _(
                "This phone belongs to a member with another name.")))
        post = org.post_of(existing)
        if context.allowed_station is not None and (
                (post is not None and post.station_id != context.allowed_station)
                or has_role(existing, Role.STATION_MANAGER)):
            raise RowProblems(Problem(number, "手机号", _(
                "This person works at another station or holds a higher role: a district "
                "administrator changes their post.")))
        if role.value in existing.role_names and post is not None \
                and (post.station_id, post.grid_team_id) == (station_id, team_id):
            return "unchanged"
        return "updated"

    def checked(self, context):
        return context.phones.problems()

    def apply(self, context, rows, by):
        for number, row in rows:
            name, phone, role, station_id, team_id = self._parse(context, number, row)
            user = users.get_by_phone(phone)
            if user is None:
                user_id = users.create_imported([(phone, name)], roles=(role,), claimable=False)[phone]
                user = users.get_user(user_id)
            elif role.value not in user.role_names:
                user.roles.append(users.UserRole(role=role.value))
            db.session.flush()
            post = org.post_of(user)
            if post is None or (post.station_id, post.grid_team_id) != (station_id, team_id):
                org.post_staff(user, station_id, team_id)


def init_app(app) -> None:
    register(app, GeographyImporter())
    register(app, StaffImporter())
