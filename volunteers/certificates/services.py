"""Volunteer service record certificates (志愿服务记录证明) and their public verification.

Rules (《志愿服务记录与证明出具办法》, DESIGN.md "Rules from the field"):

* A certificate lists what the ledger and the check-ins prove: every approved check-in whose
  ledger transfer has not been reversed (scanned time, 信用时, or minutes changed by hand at
  approval, 荣誉时), and hours a station added by hand (`ledger.adjust`, 荣誉时, with its
  reason). Scanned and honour hours are totalled apart.
* It is issued by the volunteer's home station (the station of their community); a volunteer
  without one gets the station of their latest service.
* Asking again for the same record returns the same certificate: its number is tied to a
  digest of the lines it certifies. When hours are corrected later, a new request gives a new
  number, and the verification page of the old one says the record has changed since.
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
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import local, now, zone
from timebank.errors import Conflict, InvalidInput, NotFound
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import Entry, Transfer, TransferKind
from timebank.org import services as org
from timebank.org.models import Station
from timebank.web import pdf_fonts, qrcodes
from timebank.web.forms import parse_day
from volunteers.activities.models import Activity
from volunteers.certificates.models import (  # noqa: F401 (the models, for callers of this module)
    Certificate,
)
from volunteers.checkins.models import CheckIn, CheckInStatus, counted_as_hours
from volunteers.profiles import services as profiles

#: Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
NUMBER_PREFIX = "NSTB"
NUMBER_RANDOM_LENGTH = 8


@dataclass(frozen=True)
class RecordLine:
    """One certified service: an approved check-in, or hours added by hand."""

    #: ``checkin:<id>`` or ``transfer:<id>``: what the digest is made of.
    source: str
    day: date
    title: str
    place: str
    content: str
    minutes: int
    #: 荣誉时: minutes set or added by hand (always with who and why), not scanned.
    honour: bool
    #: The station that organised and recorded it (None for hours added by hand).
    organiser_id: int | None = None
    organiser: str = ""


@dataclass
class ServiceRecord:
    user: User
    start: date
    end: date
    lines: list[RecordLine] = field(default_factory=list)

    @property
    def scanned_minutes(self) -> int:
        return sum(line.minutes for line in self.lines if not line.honour)

    @property
    def honour_minutes(self) -> int:
        return sum(line.minutes for line in self.lines if line.honour)

    @property
    def total_minutes(self) -> int:
        return self.scanned_minutes + self.honour_minutes

    @property
    def activity_count(self) -> int:
        return sum(1 for line in self.lines if line.source.startswith("checkin:"))

    def digest(self) -> str:
        parts = [f"user:{self.user.id}", self.start.isoformat(), self.end.isoformat()]
        parts += [f"{line.source}:{line.minutes}:{int(line.honour)}" for line in self.lines]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


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


def service_record(user: User, start: date | None = None, end: date | None = None) -> ServiceRecord:
    """The lines a certificate for `user` from `start` to `end` (both included) would carry.

    Without `start` the record begins with the first service; without `end` it ends today.
    """
    today = local(now()).date()
    end = min(end or today, today)
    lower = _moment(start) if start else None
    upper = _moment(end + timedelta(days=1))

    checkin_query = (
        select(CheckIn, Activity).join(Activity, CheckIn.activity_id == Activity.id)
        .where(CheckIn.user_id == user.id, counted_as_hours(), Activity.starts_at < upper)
        .options(joinedload(Activity.theme), joinedload(Activity.community),
                 joinedload(Activity.station))
        .order_by(Activity.starts_at, CheckIn.id))
    if lower is not None:
        checkin_query = checkin_query.where(Activity.starts_at >= lower)
    lines = []
    for checkin, activity in db.session.execute(checkin_query):
        content = activity.theme.title if activity.theme else _shorten(activity.description)
        lines.append(RecordLine(
            source=f"checkin:{checkin.id}", day=local(activity.starts_at).date(),
            title=activity.title, place=activity.place or activity.community.name,
            content=content, minutes=checkin.minutes or 0, honour=checkin.adjusted,
            organiser_id=activity.station_id, organiser=activity.station.name))

    account = ledger.find_member_account(user)
    if account is not None:
        adjustment_query = (
            select(Entry, Transfer).join(Transfer, Entry.transfer_id == Transfer.id)
            .where(Entry.account_id == account.id, Transfer.kind == TransferKind.ADJUST,
                   Transfer.posted_at < upper, _not_reversed(Transfer.id))
            .order_by(Transfer.posted_at, Transfer.id))
        if lower is not None:
            adjustment_query = adjustment_query.where(Transfer.posted_at >= lower)
        for entry, transfer in db.session.execute(adjustment_query):
            lines.append(RecordLine(
                source=f"transfer:{transfer.id}", day=local(transfer.posted_at).date(),
                title=_("Hours recognised by the station"), place="", content=transfer.memo,
                minutes=entry.minutes, honour=True))

    lines.sort(key=lambda line: (line.day, line.source))
    first = start or (lines[0].day if lines else today)
    return ServiceRecord(user=user, start=min(first, end), end=end, lines=lines)


def _shorten(text: str, most: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= most else text[:most - 1] + "…"


def issuing_station(user: User) -> Station | None:
    """The volunteer's home station, else the station of their latest approved service."""
    profile = db.session.get(profiles.VolunteerProfile, user.id)
    if profile is not None and profile.community is not None and profile.community.station:
        return profile.community.station
    return db.session.scalar(
        select(Station).join(Activity, Activity.station_id == Station.id)
        .join(CheckIn, CheckIn.activity_id == Activity.id)
        .where(CheckIn.user_id == user.id, CheckIn.status == CheckInStatus.APPROVED)
        .order_by(Activity.starts_at.desc()).limit(1))


# --- issuing and verifying --------------------------------------------------------------------

def _new_number(issued: datetime) -> str:
    random_part = "".join(secrets.choice(NUMBER_ALPHABET) for _i in range(NUMBER_RANDOM_LENGTH))
    return f"{NUMBER_PREFIX}{local(issued):%Y}{random_part}"


def normalise_number(number: str) -> str:
    return "".join(number.split()).replace("-", "").upper()


def issue(user: User, start: date | None = None, end: date | None = None, *, by: User
          ) -> tuple[Certificate, ServiceRecord]:
    """The certificate for `user`'s record over the period: the existing one if nothing changed."""
    if by.id != user.id:
        station = issuing_station(user)
        org.require_station_staff(by, station.id if station else None)
    record = service_record(user, start, end)
    if not record.lines:
        raise Conflict(_("There is no approved service to certify in this period yet."),
                       code="no_service_record")
    digest = record.digest()
    existing = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id,
                                                           Certificate.digest == digest))
    if existing is not None:
        return existing, record
    station = issuing_station(user)
    issued = now()
    certificate = Certificate(
        number=_new_number(issued), user_id=user.id, station_id=station.id,
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
                 number=certificate.number, user_id=user.id, minutes=record.total_minutes)
    return certificate, record


def find(number: str) -> Certificate:
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.number == normalise_number(number)))
    if certificate is None:
        raise NotFound(_("No certificate has this number."))
    return certificate


def still_current(certificate: Certificate) -> bool:
    """Whether the record the certificate was issued for is unchanged (no hours corrected)."""
    record = service_record(certificate.user, certificate.period_start, certificate.period_end)
    return record.digest() == certificate.digest


def hours_text(minutes: int) -> str:
    """Minutes as hours with up to two decimals: ``90`` → ``1.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


# --- the PDF ----------------------------------------------------------------------------------

def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=pdf_fonts.font_name(), fontSize=11, leading=17, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER,
                                spaceAfter=6 * mm),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=13,
                                textColor=colors.HexColor("#444444")),
    }


def _text(text: str) -> str:
    """Paragraph markup for plain text the font can draw (an emoji becomes one □)."""
    return escape(pdf_fonts.printable(str(text)))


def _date_text(day: date) -> str:
    """``2026年11月25日`` (or ``November 25, 2026``)."""
    return format_date(day, format="long")


def pdf(certificate: Certificate, record: ServiceRecord, verify_url: str) -> bytes:
    """The certificate on A4: statement, the service lines, the issuer and a QR to verify it."""
    styles = _styles()
    user = record.user
    profile = db.session.get(profiles.VolunteerProfile, user.id)
    id_number = profiles.mask_id_number(profile.id_number if profile else None) or _("not given")
    station = certificate.station
    manager = org.manager_of(station)
    handler = (certificate.issued_by if certificate.issued_by_id != user.id else None) \
        or (profile.linked_social_worker if profile else None)

    story = [Paragraph(_text(_("Volunteer Service Record Certificate")), styles["title"])]
    story.append(Paragraph(_text(_(
        "This is to certify that %(name)s (ID type: resident identity card; ID number: %(id)s; "
        "volunteer number: %(volunteer)s) took part in volunteer service organised through the "
        "Nansha Time Bank from %(start)s to %(end)s: %(count)d activities, %(hours)s hours in "
        "all, of which %(scanned)s hours were recorded by scanning in and out and %(honour)s "
        "hours were recognised by hand (honour hours).",
        name=user.name, id=id_number, volunteer=profiles.volunteer_number(user.id),
        start=_date_text(record.start), end=_date_text(record.end), count=record.activity_count,
        hours=hours_text(record.total_minutes), scanned=hours_text(record.scanned_minutes),
        honour=hours_text(record.honour_minutes))), styles["body"]))
    story.append(Spacer(1, 5 * mm))

    header = [_("Date"), _("Activity"), _("Place"), _("Content"), _("Hours served")]
    rows = [[Paragraph(_text(str(text)), styles["cell"]) for text in header]]
    for line in record.lines:
        hours = hours_text(line.minutes) + (" " + _("(honour)") if line.honour else "")
        place = line.place
        if line.organiser_id not in (None, station.id):
            # "Whoever organises it records it": name the station that did, when not the issuer.
            place = _("%(place)s (organised by %(station)s)", place=place, station=line.organiser)
        rows.append([Paragraph(_text(text), styles["cell"]) for text in (
            line.day.isoformat(), line.title, place, line.content, hours)])
    table = Table(rows, colWidths=[24 * mm, 50 * mm, 38 * mm, 45 * mm, 23 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story += [table, Spacer(1, 6 * mm)]

    issuer_lines = [
        _("Issued by: %(station)s", station=station.name),
        _("Person in charge: %(name)s", name=manager.name if manager else "—"),
        _("Handled by: %(name)s", name=handler.name if handler else "—"),
        _("Contact: %(phone)s %(address)s", phone=station.phone or "—", address=station.address),
        _("Issued on: %(day)s", day=_date_text(local(certificate.issued_at).date())),
        _("Certificate number: %(number)s", number=certificate.number),
    ]
    issuer = [Paragraph(_text(text), styles["body"]) for text in issuer_lines]
    qr = Image(io.BytesIO(qrcodes.png(verify_url, box_size=6)), width=32 * mm, height=32 * mm)
    block = Table([[issuer, qr]], colWidths=[140 * mm, 40 * mm])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [block, Spacer(1, 4 * mm), Paragraph(_text(_(
        "Notes: hours are actual service time, travel excluded. Scan the code or open %(url)s to "
        "check that this certificate is genuine.", url=verify_url)), styles["small"])]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=18 * mm, bottomMargin=18 * mm,
                                 title=_("Volunteer Service Record Certificate"),
                                 author=station.name, subject=certificate.number)
    document.build(story)
    return buffer.getvalue()
