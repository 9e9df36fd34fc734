"""Volunteer service record certificates (志愿服务记录证明) and their public verification.

Rules (《志愿服务记录与证明出具办法》 民政部令第67号, layout of 民发〔2015〕149号):

* A record lists what the ledger and the check-ins prove: every approved check-in whose
  ledger transfer has not been reversed (its scanned minutes, 信用时, and the minutes added by
  hand at approval, 荣誉时, apart: `CheckIn.scanned_minutes` / `CheckIn.honour_minutes`), and
  hours a station added by hand (`ledger.adjust`, 荣誉时, with its reason).
* 谁组织谁记录、谁记录谁证明: the organiser certifies. A check-in belongs to the station of its
  activity. Hours added by hand (`TransferKind.ADJUST`) belong to the station of the staff
  member who posted them (their staff post): staff may adjust only their own station's members,
  so that station is the one vouching for them. An adjustment posted by someone without a post
  (a district administrator, the platform) belongs to the volunteer's home station; without a
  home station it has no organiser and appears only on the combined statement. (A staff member
  who later moves station carries their old adjustments with them: posts keep no history.)
* One certificate per organiser. Its issuer is the agency that runs the organising station
  (承办机构, with its 统一社会信用代码), the station named beside it; a station without an
  agency issues in its own name, and the paper says so. The agency is kept on the certificate as
  it was when issued. A volunteer who served with several organisers gets one certificate from
  each, and may print a combined statement of all their service which is not a certificate
  (非正式证明，仅供个人参考): no number, no seal box, nothing to verify.
* Asking again for the same record returns the same certificate: its number is tied to a
  digest of the organiser, the lines it certifies and whether the ID number is shown in full.
  When hours are corrected later, a new request gives a new number, and the verification page
  and the register say the old one is superseded.
* The ID number is masked unless the volunteer asks, for this certificate, to show it in full
  (staff printing for a volunteer always mask it).
* The number is random (40 bits), so numbers cannot be guessed; the public page shows only
  what the paper shows to anyone holding it, with the holder's name masked.
"""

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import local, now, zone
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import Entry, Transfer, TransferKind
from timebank.org import services as org
from timebank.org.models import Agency, StaffPost, Station
from timebank.stars import services as stars
from timebank.web import pdf_fonts, qrcodes
from timebank.web.forms import parse_day
from volunteers.activities.models import Activity
from volunteers.certificates.models import (  # noqa: F401 (the models, for callers of this module)
    Certificate,
)
from volunteers.checkins.models import CheckIn, counted_as_hours
from volunteers.profiles import services as profiles
from volunteers.vocabulary import EVALUATIONS

#: Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NUMBER_PREFIX = "NSTB"
NUMBER_RANDOM_LENGTH = 8

#: The certificate's table of service records: column widths in mm (180 mm between margins).
COLUMNS_MM = {"date": 22, "activity": 34, "content": 42, "place": 28, "people": 14, "hours": 22,
              "evaluation": 18}
LEFT_MARGIN_MM = 15
#: The seal box (盖章处), square, in mm.
SEAL_BOX_MM = 42


@dataclass(frozen=True)
class RecordLine:
    """One certified service: an approved check-in, or hours added by hand."""

    #: ``checkin:<id>`` or ``transfer:<id>``: what the digest is made of.
    source: str
    day: date
    title: str
    place: str
    #: What the volunteers did: the activity's service content, else its description.
    content: str
    minutes: int
    #: Of `minutes`, those added by hand (荣誉时); the rest were scanned (信用时).
    honour_minutes: int = 0
    people_served: int | None = None
    #: Who was served, as the volunteer may name them (a visited household: 李阿姨).
    served_names: str = ""
    #: A code from `EVALUATIONS`, or None when none was recorded.
    evaluation: str | None = None
    #: The station that organised and recorded it (None: no organiser known).
    organiser_id: int | None = None
    organiser: str = ""

    @property
    def scanned_minutes(self) -> int:
        return self.minutes - self.honour_minutes

    @property
    def honour(self) -> bool:
        return self.honour_minutes != 0


@dataclass
class ServiceRecord:
    user: User
    start: date
    end: date
    lines: list[RecordLine] = field(default_factory=list)
    #: The organiser this record is narrowed to (None: all service).
    station_id: int | None = None

    @property
    def scanned_minutes(self) -> int:
        return sum(line.scanned_minutes for line in self.lines)

    @property
    def honour_minutes(self) -> int:
        return sum(line.honour_minutes for line in self.lines)

    @property
    def total_minutes(self) -> int:
        return self.scanned_minutes + self.honour_minutes

    @property
    def activity_count(self) -> int:
        return sum(1 for line in self.lines if line.source.startswith("checkin:"))

    def digest(self, *, full_id: bool = False) -> str:
        parts = [f"user:{self.user.id}", self.start.isoformat(), self.end.isoformat(),
                 f"station:{self.station_id}", f"full_id:{int(full_id)}"]
        parts += [f"{line.source}:{line.minutes}:{line.honour_minutes}" for line in self.lines]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class OrganiserHours:
    """What a volunteer served with one organiser in a period: one certificate's worth."""

    station: Station
    scanned_minutes: int
    honour_minutes: int
    line_count: int

    @property
    def total_minutes(self) -> int:
        return self.scanned_minutes + self.honour_minutes


# --- the record -------------------------------------------------------------------------------

def _moment(day: date) -> datetime:
    """Midnight at the start of `day` in the platform's zone."""
    return datetime.combine(day, time.min, tzinfo=zone())


def _not_reversed(transfer_id_column):
    reversal = aliased(Transfer)
    return ~exists().where(reversal.reverses_id == transfer_id_column)


def parse_period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """``("2026-01-01", "2026-06-30")`` from a form or query string; blanks mean "open"."""
    days, problems = {}, {}
    for name, value in (("from", start), ("to", end)):
        days[name], problem = parse_day(value)
        if problem:
            problems[name] = [problem]
    if problems:
        raise InvalidInput(fields=problems)
    if days["from"] and days["to"] and days["from"] > days["to"]:
        raise InvalidInput(fields={"to": [_("The end date comes before the start date.")]})
    return days["from"], days["to"]


def home_station(user: User) -> Station | None:
    """The station of the volunteer's home community."""
    profile = db.session.get(profiles.VolunteerProfile, user.id)
    if profile is not None and profile.community is not None and profile.community.station:
        return profile.community.station
    return None


def service_record(user: User, start: date | None = None, end: date | None = None, *,
                   station_id: int | None = None) -> ServiceRecord:
    """The lines of `user`'s service from `start` to `end` (both included): with `station_id`,
    only what that station organised (one certificate's lines), else all of it.

    Without `start` the record begins with the first service; without `end` it ends today.
    """
    today = local(now()).date()
    end = min(end or today, today)
    lower = _moment(start) if start else None
    upper = _moment(end + timedelta(days=1))

    checkin_query = (
        select(CheckIn, Activity).join(Activity, CheckIn.activity_id == Activity.id)
        .where(CheckIn.user_id == user.id, counted_as_hours(), Activity.starts_at < upper)
        .options(joinedload(Activity.community), joinedload(Activity.station))
        .order_by(Activity.starts_at, CheckIn.id))
    if lower is not None:
        checkin_query = checkin_query.where(Activity.starts_at >= lower)
    if station_id is not None:
        checkin_query = checkin_query.where(Activity.station_id == station_id)
    lines = []
    for checkin, activity in db.session.execute(checkin_query):
        lines.append(RecordLine(
            source=f"checkin:{checkin.id}", day=local(activity.starts_at).date(),
            title=activity.title, place=activity.place or activity.community.name,
            content=activity.service_content or _shorten(activity.description),
            minutes=checkin.minutes or 0, honour_minutes=checkin.honour_minutes or 0,
            people_served=activity.people_served, served_names=activity.served_names or "",
            evaluation=checkin.evaluation,
            organiser_id=activity.station_id, organiser=activity.station.name))

    account = ledger.find_member_account(user)
    if account is not None:
        home = home_station(user)
        poster_post = aliased(StaffPost)
        adjustment_query = (
            select(Entry, Transfer, poster_post.station_id)
            .join(Transfer, Entry.transfer_id == Transfer.id)
            .outerjoin(poster_post, poster_post.user_id == Transfer.posted_by_id)
            .where(Entry.account_id == account.id, Transfer.kind == TransferKind.ADJUST,
                   Transfer.posted_at < upper, _not_reversed(Transfer.id))
            .order_by(Transfer.posted_at, Transfer.id))
        if lower is not None:
            adjustment_query = adjustment_query.where(Transfer.posted_at >= lower)
        for entry, transfer, poster_station_id in db.session.execute(adjustment_query):
            organiser_id = poster_station_id or (home.id if home else None)
            if station_id is not None and organiser_id != station_id:
                continue
            organiser = db.session.get(Station, organiser_id) if organiser_id else None
            lines.append(RecordLine(
                source=f"transfer:{transfer.id}", day=local(transfer.posted_at).date(),
                title=_("Hours recognised by the station"), place="", content=transfer.memo,
                minutes=entry.minutes, honour_minutes=entry.minutes,
                organiser_id=organiser_id, organiser=organiser.name if organiser else ""))

    lines.sort(key=lambda line: (line.day, line.source))
    first = start or (lines[0].day if lines else today)
    return ServiceRecord(user=user, start=min(first, end), end=end, lines=lines,
                         station_id=station_id)


def _shorten(text: str, most: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= most else text[:most - 1] + "…"


def organisers(record: ServiceRecord) -> list[OrganiserHours]:
    """The stations that organised the record's service, each with its hours: one certificate
    each, most hours first."""
    totals: dict[int, list[int]] = {}
    for line in record.lines:
        if line.organiser_id is None:
            continue
        found = totals.setdefault(line.organiser_id, [0, 0, 0])
        found[0] += line.scanned_minutes
        found[1] += line.honour_minutes
        found[2] += 1
    made = [OrganiserHours(db.session.get(Station, station_id), *numbers)
            for station_id, numbers in totals.items()]
    return sorted(made, key=lambda one: (-one.total_minutes, one.station.id))


def default_organiser(user: User, record: ServiceRecord) -> int | None:
    """The organiser whose certificate is meant when none is named (clients older than the
    choice): the volunteer's home station if it organised some of the service, else the one
    with the most hours."""
    found = organisers(record)
    home = home_station(user)
    if home is not None and any(one.station.id == home.id for one in found):
        return home.id
    return found[0].station.id if found else None


def served_with(user: User, station_id: int) -> bool:
    """Whether `user` ever had service recorded by the station (any period)."""
    return bool(service_record(user, station_id=station_id).lines)


# --- issuing and verifying --------------------------------------------------------------------

def _new_number(issued: datetime) -> str:
    random_part = "".join(secrets.choice(NUMBER_ALPHABET) for _i in range(NUMBER_RANDOM_LENGTH))
    return f"{NUMBER_PREFIX}{local(issued):%Y}{random_part}"


def normalise_number(number: str) -> str:
    return "".join(number.split()).replace("-", "").upper()


def require_may_issue(by: User, user: User, station_id: int | None) -> None:
    """The volunteer may ask for their own certificates; staff print those of their own station
    (its organised service) for a volunteer who is theirs or served with them."""
    if by.id == user.id:
        return
    org.require_station_staff(by, station_id)
    if not has_role(by, Role.DISTRICT_ADMIN):
        home = home_station(user)
        if (home is None or home.id != station_id) and not served_with(user, station_id):
            raise PermissionDenied(_("This volunteer has no service with your station."))


def issue(user: User, start: date | None = None, end: date | None = None, *, by: User,
          station_id: int | None = None, full_id: bool = False
          ) -> tuple[Certificate, ServiceRecord]:
    """The certificate of the service `station_id` organised for `user` over the period (the
    default organiser when None): the existing one if nothing changed."""
    if station_id is None:
        station_id = (org.station_id_of(by) if by.id != user.id else None) \
            or default_organiser(user, service_record(user, start, end))
    station = db.session.get(Station, station_id) if station_id is not None else None
    if station_id is not None and station is None:
        raise NotFound(_("There is no such station."))
    require_may_issue(by, user, station_id)
    full_id = full_id and by.id == user.id  # only the volunteer may choose to show it
    record = service_record(user, start, end, station_id=station_id) if station else None
    if record is None or not record.lines:
        raise Conflict(_("There is no approved service to certify in this period yet."),
                       code="no_service_record")
    digest = record.digest(full_id=full_id)
    existing = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id,
                                                           Certificate.digest == digest))
    if existing is not None:
        return existing, record
    issued = now()
    certificate = Certificate(
        number=_new_number(issued), user_id=user.id, station_id=station.id,
        agency_id=station.agency_id, id_shown_in_full=full_id,
        period_start=record.start, period_end=record.end,
        scanned_minutes=record.scanned_minutes, honour_minutes=record.honour_minutes,
        line_count=len(record.lines), digest=digest, issued_at=issued, issued_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        # Issued at the same moment by another request: that one is the certificate.
        certificate = db.session.scalar(select(Certificate).where(
            Certificate.user_id == user.id, Certificate.digest == digest))
        return certificate, record
    audit.record("certificate.issue", f"certificate:{certificate.id}", actor=by,
                 number=certificate.number, user_id=user.id, minutes=record.total_minutes,
                 station_id=station.id, agency_id=station.agency_id, id_shown_in_full=full_id)
    return certificate, record


def statement(user: User, start: date | None = None, end: date | None = None) -> ServiceRecord:
    """All of `user`'s service over the period, for the combined statement (not a certificate)."""
    record = service_record(user, start, end)
    if not record.lines:
        raise Conflict(_("There is no approved service to certify in this period yet."),
                       code="no_service_record")
    return record


def find(number: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.number == normalise_number(number)))
    if certificate is None:
        raise NotFound(_("No certificate has this number."))
    return certificate


def still_current(certificate: Certificate) -> bool:
    """Whether the record the certificate was issued for is unchanged (no hours corrected)."""
    record = service_record(certificate.user, certificate.period_start, certificate.period_end,
                            station_id=certificate.station_id)
    return record.digest(full_id=certificate.id_shown_in_full) == certificate.digest


def issuer_name(certificate: Certificate) -> str:
    """The issuer as the paper and the verification page name it: the agency, or the station
    itself when it had no agency."""
    return certificate.agency.name if certificate.agency else certificate.station.name


def hours_text(minutes: int) -> str:
    """Minutes as hours with up to two decimals: ``90`` → ``1.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


# --- the register (证明出具登记) -----------------------------------------------------------------

def register_statement(viewer: User, query: str = ""):
    """The certificates `viewer` keeps the register of, newest first: the district all; station
    staff those of their station's agency (of their station, when it has no agency)."""
    statement_ = (select(Certificate).join(User, Certificate.user_id == User.id)
                  .options(joinedload(Certificate.user), joinedload(Certificate.station),
                           joinedload(Certificate.agency), joinedload(Certificate.issued_by))
                  .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))
    if not has_role(viewer, Role.DISTRICT_ADMIN):
        station_id = org.station_id_of(viewer)
        if station_id is None:
            raise PermissionDenied(_("You are not posted at a station yet. Ask your station "
                                     "manager to add you."))
        station = db.session.get(Station, station_id)
        if station.agency_id is not None:
            statement_ = statement_.where(Certificate.agency_id == station.agency_id)
        else:
            statement_ = statement_.where(Certificate.station_id == station_id)
    query = (query or "").strip()
    if query:
        number = normalise_number(query)
        statement_ = statement_.where(or_(Certificate.number.contains(number, autoescape=True),
                                          User.name.contains(query, autoescape=True)))
    return statement_


# --- the PDF ----------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=pdf_fonts.font_name(), fontSize=11, leading=17,
                          wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER,
                                spaceAfter=2 * mm),
        "label": ParagraphStyle("label", parent=base, fontSize=12, leading=18, alignment=TA_CENTER,
                                textColor=colors.HexColor("#B00020"), spaceAfter=4 * mm),
        "number": ParagraphStyle("number", parent=base, fontSize=10, leading=14, alignment=TA_RIGHT),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12, leading=18,
                                  spaceBefore=3 * mm, spaceAfter=1.5 * mm),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "identity": ParagraphStyle("identity", parent=base, fontSize=10, leading=14),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13,
                                textColor=colors.HexColor("#444444")),
        "seal": ParagraphStyle("seal", parent=base, fontSize=10, leading=14, alignment=TA_CENTER,
                               textColor=colors.HexColor("#888888")),
    }


def _text(text: str) -> str:
    """Paragraph markup for plain text the font can draw (an emoji becomes one □)."""
    return escape(pdf_fonts.printable(str(text)))


def _date_text(day: date) -> str:
    """``2026年11月25日`` (or ``November 25, 2026``)."""
    return format_date(day, format="long")


def _grid(rows, widths) -> Table:
    table = Table(rows, colWidths=[width * mm for width in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _identity(user: User, full_id: bool, styles, *, at: datetime | None = None) -> Table:
    """一、志愿者基本信息: name, ID type and number, volunteer number, and the star level awarded
    (as held at `at`, the issue date, so reprinting the paper later prints the same)."""
    profile = db.session.get(profiles.VolunteerProfile, user.id)
    raw = profile.id_number if profile else None
    id_number = (raw if full_id else profiles.mask_id_number(raw)) or _("not given")
    award = stars.award_of(user, at=at)
    cells = [
        [_("Name"), user.name, _("ID type"), _("Resident identity card")],
        [_("ID number"), id_number, _("Volunteer number"), profiles.volunteer_number(user.id)],
        [_("Star level"), award.name if award else _("None awarded"),
         _("Awarded on"), _date_text(local(award.awarded_at).date()) if award else "—"],
    ]
    table = Table([[Paragraph(_text(text), styles["identity"]) for text in row] for row in cells],
                  colWidths=[26 * mm, 64 * mm, 26 * mm, 64 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#EEEEEE")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _lines_table(record: ServiceRecord, styles, *, organiser_column: bool) -> Table:
    """二、志愿服务记录: date, activity, content, place, people served, hours, evaluation (and
    the organiser on the combined statement)."""
    header = [_("Date"), _("Activity name"), _("Service content"), _("Place"), _("People served"),
              _("Hours"), _("Evaluation")]
    widths = list(COLUMNS_MM.values())
    if organiser_column:
        header.insert(1, _("Organiser"))
        widths = [22, 26, 28, 34, 24, 12, 18, 16]
    rows = [[Paragraph(_text(text), styles["cell"]) for text in header]]
    for line in record.lines:
        hours = hours_text(line.minutes)
        if line.honour_minutes:
            hours += " " + _("(of which %(hours)s honour)", hours=hours_text(line.honour_minutes))
        cells = [line.day.isoformat(), line.title, line.content or "—", line.place or "—",
                 people_served_text(line), hours,
                 str(EVALUATIONS[line.evaluation]) if line.evaluation in EVALUATIONS else "—"]
        if organiser_column:
            cells.insert(1, line.organiser or "—")
        rows.append([Paragraph(_text(text), styles["cell"]) for text in cells])
    return _grid(rows, widths)


def people_served_text(line: RecordLine) -> str:
    """The people served cell: how many, and whom when the organiser named them (``1（李阿姨）``)."""
    count = "—" if line.people_served is None else str(line.people_served)
    return f"{count}（{line.served_names}）" if line.served_names else count


def _hours_sentence(record: ServiceRecord) -> str:
    return _("%(count)d activities, %(hours)s hours of volunteer service in all, of which "
             "%(scanned)s hours were recorded by scanning in and out (credit hours) and "
             "%(honour)s hours were recognised by hand (honour hours).",
             count=record.activity_count, hours=hours_text(record.total_minutes),
             scanned=hours_text(record.scanned_minutes), honour=hours_text(record.honour_minutes))


def _seal_image(agency: Agency | None):
    if agency is None:
        return None
    seal = org.agency_seal(agency.id)
    if seal is None:
        return None
    image = Image(io.BytesIO(seal.data))
    side = (SEAL_BOX_MM - 6) * mm
    scale = min(side / image.imageWidth, side / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _document(story, *, title: str, author: str, subject: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=LEFT_MARGIN_MM * mm,
                                 rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=title, author=author, subject=subject)
    document.build(story)
    return buffer.getvalue()


def pdf(certificate: Certificate, record: ServiceRecord, verify_url: str) -> bytes:
    """The certificate on A4 in the layout of 民发〔2015〕149号: identity, service, issuer,
    number and date, notes with a QR to verify it, the seal box and signature lines."""
    styles = _styles()
    user = record.user
    profile = db.session.get(profiles.VolunteerProfile, user.id)
    station, agency = certificate.station, certificate.agency
    manager = org.manager_of(station)
    linked = profile.linked_social_worker if profile else None
    if linked is not None and org.station_id_of(linked) != station.id:
        linked = None  # the handler works for the issuer
    handler = (certificate.issued_by if certificate.issued_by_id != user.id else None) or linked
    issuer = issuer_name(certificate)

    story = [Paragraph(_text(_("Certificate number: %(number)s", number=certificate.number)),
                       styles["number"]),
             Paragraph(_text(_("Volunteer Service Record Certificate")), styles["title"]),
             Paragraph(_text(_("1. The volunteer")), styles["heading"]),
             _identity(user, certificate.id_shown_in_full, styles, at=certificate.issued_at),
             Paragraph(_text(_("2. The service")), styles["heading"]),
             Paragraph(_text(_(
                 "This is to certify that %(name)s took part in volunteer service organised by "
                 "%(issuer)s (%(station)s) from %(start)s to %(end)s: ",
                 name=user.name, issuer=issuer, station=station.name,
                 start=_date_text(record.start), end=_date_text(record.end))
                 + _hours_sentence(record)), styles["body"]),
             Spacer(1, 2 * mm),
             _lines_table(record, styles, organiser_column=False),
             Paragraph(_text(_("3. The issuer")), styles["heading"])]

    if agency is not None:
        issuer_line = _("Issued by: %(agency)s (unified social credit code %(code)s)",
                        agency=agency.name, code=agency.credit_code)
    else:
        issuer_line = _("Issued by: %(station)s (the station has no agency on record and issues "
                        "in its own name)", station=station.name)
    phone = station.phone or (agency.contact_phone if agency else "") or "—"
    issuer_lines = [
        issuer_line,
        _("Station: %(station)s", station=station.name),
        _("Person in charge: %(name)s", name=manager.name if manager else "—"),
        _("Handled by: %(name)s", name=handler.name if handler else "—"),
        _("Contact phone: %(phone)s", phone=phone),
        _("Issued on: %(day)s", day=_date_text(local(certificate.issued_at).date())),
    ]
    left = [Paragraph(_text(text), styles["body"]) for text in issuer_lines]
    left += [Spacer(1, 5 * mm)] + [Paragraph(_text(text), styles["body"]) for text in (
        _("Person in charge (signature): ____________"),
        _("Handler (signature): ____________"))]
    # The seal box (盖章处): the agency's seal when one was uploaded, else room to stamp it.
    seal = _seal_image(agency)
    seal_box = Table([[seal if seal is not None else Paragraph(_text(_("Seal")), styles["seal"])]],
                     colWidths=[SEAL_BOX_MM * mm], rowHeights=[SEAL_BOX_MM * mm])
    seal_box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#B00020")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    seal_label = Paragraph(_text(_("Seal of %(issuer)s", issuer=issuer)), styles["small"])
    issuer_block = Table([[left, [seal_box, Spacer(1, 1 * mm), seal_label]]],
                         colWidths=[(180 - SEAL_BOX_MM - 6) * mm, (SEAL_BOX_MM + 6) * mm])
    issuer_block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                      ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story.append(KeepTogether([story.pop(), issuer_block]))  # the heading stays with it

    qr = Image(io.BytesIO(qrcodes.png(verify_url, box_size=6)), width=24 * mm, height=24 * mm)
    notes = [
        _("Notes:"),
        _("1. Hours are actual service time, travel excluded."),
        _("2. Credit hours were recorded by scanning in and out; honour hours were recognised "
          "by hand by the organiser."),
        _("3. Scan the code or open %(url)s to check that this certificate is genuine.",
          url=verify_url),
    ]
    notes_block = Table([[[Paragraph(_text(text), styles["small"]) for text in notes], qr]],
                        colWidths=[154 * mm, 26 * mm])
    notes_block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story += [Spacer(1, 3 * mm), KeepTogether([notes_block])]
    return _document(story, title=_("Volunteer Service Record Certificate"), author=issuer,
                     subject=certificate.number)


def statement_pdf(record: ServiceRecord) -> bytes:
    """All the volunteer's service with every organiser, clearly not a certificate: no number,
    no seal box, nothing to verify."""
    styles = _styles()
    user = record.user
    label = _("Not an official certificate, for personal reference only")
    story = [Paragraph(_text(_("Summary of volunteer service")), styles["title"]),
             Paragraph(_text(label), styles["label"]),
             Paragraph(_text(_("1. The volunteer")), styles["heading"]),
             _identity(user, False, styles),
             Paragraph(_text(_("2. The service")), styles["heading"]),
             Paragraph(_text(_("From %(start)s to %(end)s: ", start=_date_text(record.start),
                               end=_date_text(record.end)) + _hours_sentence(record)),
                       styles["body"]),
             Spacer(1, 2 * mm),
             _lines_table(record, styles, organiser_column=True),
             Spacer(1, 4 * mm)]
    for text in (
            _("This summary lists service recorded by several organisers. It is not a volunteer "
              "service record certificate and carries no number or seal. Each organiser "
              "certifies the service it organised: ask for their certificates on the "
              "certificate page."),
            _("Hours are actual service time, travel excluded."),
            _("Printed on %(day)s.", day=_date_text(local(now()).date()))):
        story.append(Paragraph(_text(text), styles["small"]))
    return _document(story, title=_("Summary of volunteer service") + " · " + label,
                     author=user.name, subject=label)
