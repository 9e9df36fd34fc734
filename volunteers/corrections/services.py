"""Corrections of service records: the rules.

《志愿服务记录与证明出具办法》 lets a volunteer ask for a record to be corrected, and the
organisation that recorded it must check it promptly (谁组织谁记录、谁记录谁证明). Here:

* **Asking** (`ask`): a volunteer names one of their own service records, a check-in that was
  decided (approved, rejected or closed) or a ledger line of the service kinds (the hours of a
  check-in, a staff adjustment), with a reason. Someone else's record is "not found" (404),
  exactly like one that does not exist. A record has at most one open ticket (409, naming it).
* **Who handles it** (`organising_station`): the station whose activity it was; for the hours of
  a check-in, that check-in's station; for an adjustment, the station of the staff member who
  posted it (else the volunteer's home station). Its staff are told.
* **The due date** (`due_date`): the end of the fifth working day after the moment asked
  (district setting ``CORRECTION_DUE_WORKING_DAYS``), working days being Monday to Friday in the
  platform's zone (Asia/Shanghai). Public holidays and the weekend days worked in their stead
  (调休) are not modelled: a ticket asked before 国庆 is due within the holiday week.
* **Resolving** (`resolve`): by a reversal of the record's transfer (`ledger.reverse`,
  idempotent), an adjustment of the volunteer's account (`ledger.adjust`: hours added by hand
  are 荣誉时) or a reasoned refusal. Changing hours needs the station manager of the handling
  station or a district administrator; a social worker of the station may refuse or add a note.
  A ticket is resolved once (409 after). Every step is audited and the volunteer is told.

Services flush and never commit.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import day_start, local, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind
from timebank.ledger.queries import format_minutes
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.org.models import Station
from timebank.settings import services as settings
from volunteers.checkins.models import CheckIn, CheckInStatus
from volunteers.corrections.models import Correction, CorrectionNote, CorrectionStatus

#: Check-ins that are a record to correct: decided, or closed and waiting for a decision.
CORRECTABLE_CHECKINS = (CheckInStatus.APPROVED, CheckInStatus.REJECTED, CheckInStatus.CLOSED,
                        CheckInStatus.AUTO_CLOSED)
#: Ledger lines that are service records: the hours of a check-in, a staff adjustment.
SERVICE_KINDS = (TransferKind.EARN, TransferKind.ADJUST)
#: What a station may do with a ticket.
ACTIONS = ("reverse", "adjust", "refuse")
REASON_MAX = 1000


class CorrectionOpen(Conflict):
    """The record already has an open ticket (named in the error's fields)."""

    code = "correction_open"


class CorrectionClosed(Conflict):
    code = "correction_resolved"


# --- the due date -----------------------------------------------------------------------------

def working_days() -> int:
    """Working days a station has to answer: the district's ``CORRECTION_DUE_WORKING_DAYS``."""
    return settings.value("CORRECTION_DUE_WORKING_DAYS")


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day (Monday to Friday) after `day`. Public holidays are not
    modelled (see the module's docstring)."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def due_date(asked_at: datetime, days: int | None = None) -> datetime:
    """The last moment of the `days`-th working day after the local day `asked_at` falls on
    (asked on a Friday evening or over the weekend, five working days end the next Friday)."""
    days = working_days() if days is None else days
    last_day = add_working_days(local(asked_at).date(), days)
    return day_start(last_day + timedelta(days=1)) - timedelta(seconds=1)


def days_overdue(correction: Correction, at: datetime | None = None) -> int:
    """Whole days since the due day ended, by the local calendar (0 while not yet due)."""
    at = at or now()
    if not correction.is_open or at <= correction.due_at:
        return 0
    return (local(at).date() - local(correction.due_at).date()).days


# --- the record asked about ---------------------------------------------------------------------

@dataclass
class Record:
    """A service record as a correction sees it."""

    subject: str
    user_id: int
    station_id: int | None
    checkin: CheckIn | None = None
    transfer: Transfer | None = None

    @property
    def checkin_id(self) -> int | None:
        return self.checkin.id if self.checkin is not None else None

    @property
    def transfer_id(self) -> int | None:
        return self.transfer.id if self.transfer is not None else None


def _not_found(what: str):
    if what == "checkin":
        return NotFound(_("There is no such check-in."), code="checkin_not_found")
    return NotFound(_("There is no such ledger line."), code="transfer_not_found")


def _checkin_of(transfer: Transfer) -> CheckIn | None:
    """The check-in whose hours `transfer` posted (``checkin:<id>`` reference or key)."""
    for mark in (transfer.reference, transfer.idempotency_key):
        if mark and mark.startswith("checkin:") and mark[8:].isdigit():
            return db.session.get(CheckIn, int(mark[8:]))
    return None


def _has_entry(transfer: Transfer, user: User) -> bool:
    return db.session.scalar(
        select(func.count(Entry.id)).join(Entry.account)
        .where(Entry.transfer_id == transfer.id, Account.owner_id == user.id,
               Account.kind == AccountKind.MEMBER)) > 0


def _checkin_record(checkin: CheckIn) -> Record:
    if checkin.status not in CORRECTABLE_CHECKINS:
        raise InvalidInput(fields={"checkin_id": [_(
            "Only a finished check-in can be corrected; check out first.")]})
    transfer = db.session.get(Transfer, checkin.transfer_id) if checkin.transfer_id else None
    return Record(f"checkin:{checkin.id}", checkin.user_id, checkin.activity.station_id,
                  checkin=checkin, transfer=transfer)


def record_for(user: User, *, checkin_id: int | None = None, transfer_id: int | None = None
               ) -> Record:
    """`user`'s own service record: 404 for one of someone else as for none, 422 for what is
    not a service record."""
    if checkin_id is not None:
        checkin = db.session.get(CheckIn, checkin_id)
        if checkin is None or checkin.user_id != user.id:
            raise _not_found("checkin")
        return _checkin_record(checkin)
    transfer = db.session.get(Transfer, transfer_id) if transfer_id is not None else None
    if transfer is None or not _has_entry(transfer, user):
        raise _not_found("transfer")
    if transfer.kind not in SERVICE_KINDS:
        raise InvalidInput(fields={"transfer_id": [_(
            "Only service hours can be corrected here (the hours of an activity, or an "
            "adjustment by staff).")]})
    if transfer.kind == TransferKind.EARN:
        checkin = _checkin_of(transfer)
        if checkin is None or checkin.user_id != user.id:
            raise InvalidInput(fields={"transfer_id": [_(
                "Only service hours can be corrected here (the hours of an activity, or an "
                "adjustment by staff).")]})
        return Record(f"checkin:{checkin.id}", user.id, checkin.activity.station_id,
                      checkin=checkin, transfer=transfer)
    station_id = org.station_id_of(transfer.posted_by) if transfer.posted_by else None
    return Record(f"transfer:{transfer.id}", user.id, station_id or org.station_of(user),
                  transfer=transfer)


def open_ticket(subject: str) -> Correction | None:
    return db.session.scalar(select(Correction).where(
        Correction.subject == subject, Correction.status == CorrectionStatus.OPEN))


def _already_open(existing: Correction) -> CorrectionOpen:
    return CorrectionOpen(
        _("You already asked for this record to be checked (request %(id)d, due %(due)s).",
          id=existing.id, due=local(existing.due_at).strftime("%Y-%m-%d")),
        fields={"existing": {"id": existing.id, "status": existing.status,
                             "due_at": existing.due_at.isoformat()}})


# --- asking -------------------------------------------------------------------------------------

def ask(user: User, *, reason: str, checkin_id: int | None = None,
        transfer_id: int | None = None) -> Correction:
    """Open a ticket on `user`'s record for its organising station, and tell the station."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say what is wrong with this record.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(fields={"reason": [_("At most %(num)d characters.", num=REASON_MAX)]})
    if (checkin_id is None) == (transfer_id is None):
        raise InvalidInput(fields={"checkin_id": [_("Name one check-in or one ledger line.")]})
    record = record_for(user, checkin_id=checkin_id, transfer_id=transfer_id)
    if record.station_id is None:
        raise InvalidInput(fields={"transfer_id": [_(
            "No station can check this line. Ask your social worker.")]})
    existing = open_ticket(record.subject)
    if existing is not None:
        raise _already_open(existing)
    asked_at = now()
    correction = Correction(
        user_id=user.id, subject=record.subject, station_id=record.station_id, reason=reason,
        checkin_id=record.checkin.id if record.checkin else None,
        transfer_id=record.transfer.id if record.transfer else None,
        status=CorrectionStatus.OPEN, asked_at=asked_at, due_at=due_date(asked_at))
    try:
        with db.session.begin_nested():
            db.session.add(correction)
    except IntegrityError:  # asked at the same moment from another tab
        existing = open_ticket(record.subject)
        if existing is None:
            raise
        raise _already_open(existing) from None
    audit.record("correction.ask", f"correction:{correction.id}", actor=user, reason=reason,
                 record=record.subject, station_id=record.station_id,
                 due_at=correction.due_at.isoformat())
    _tell_station(correction)
    return correction


def describe(correction: Correction | Record) -> str:
    """The record of a ticket in a few words: ``长者探访 (2026-12-14)`` or
    ``调整 1小时 (2026-12-01)``."""
    if correction.checkin_id is not None:
        checkin = db.session.get(CheckIn, correction.checkin_id)
        return f"{checkin.activity.title} ({local(checkin.activity.starts_at):%Y-%m-%d})"
    transfer = db.session.get(Transfer, correction.transfer_id)
    entry = next((entry for entry in transfer.entries
                  if entry.account.owner_id == correction.user_id), None)
    minutes = format_minutes(entry.minutes) if entry is not None else ""
    label = str(ledger.TRANSFER_LABELS[TransferKind(transfer.kind)])
    return f"{label} {minutes} ({local(transfer.posted_at):%Y-%m-%d})"


def _tell_station(correction: Correction) -> None:
    what = describe(correction)
    for person in org.social_workers_at(correction.station_id):
        notify(person.id, f"correction_asked:{correction.id}:{person.id}",
               _("A volunteer asks for a record to be corrected: %(what)s", what=what),
               _("%(name)s: %(reason)s (due %(due)s)", name=correction.user.name,
                 reason=correction.reason, due=local(correction.due_at).strftime("%Y-%m-%d")),
               link=f"/station/corrections/{correction.id}",
               params={"title": what, "reason": correction.reason})


# --- reading ------------------------------------------------------------------------------------

def get_correction(correction_id: int) -> Correction:
    correction = db.session.get(Correction, correction_id)
    if correction is None:
        raise NotFound(_("There is no such correction request."), code="correction_not_found")
    return correction


def visible_correction(viewer: User, correction_id: int) -> Correction:
    """A ticket for its volunteer, or for staff of its station (district administrators
    anywhere); 404 for anyone else, so nobody learns of another person's ticket."""
    correction = get_correction(correction_id)
    if correction.user_id == viewer.id or org.can_manage_station(viewer, correction.station_id):
        return correction
    raise NotFound(_("There is no such correction request."), code="correction_not_found")


def station_correction(viewer: User, correction_id: int) -> Correction:
    """A ticket for the staff of its station: 404 if there is none, 403 for other staff."""
    correction = get_correction(correction_id)
    org.require_station_staff(viewer, correction.station_id)
    return correction


def mine_statement(user: User):
    return (select(Correction).where(Correction.user_id == user.id)
            .order_by(Correction.asked_at.desc(), Correction.id.desc()))


def station_statement(station_id: int | None, status: str | None = None):
    """A station's tickets (every station's for None), open ones first, oldest due first."""
    statement = select(Correction).options(selectinload(Correction.station))
    if station_id is not None:
        statement = statement.where(Correction.station_id == station_id)
    if status:
        statement = statement.where(Correction.status == status)
    still_open = (Correction.status == CorrectionStatus.OPEN)
    return statement.order_by(still_open.desc(), Correction.due_at, Correction.id)


def open_count(station_id: int) -> int:
    """The count beside 更正申请 in the station's navigation."""
    return db.session.scalar(select(func.count(Correction.id)).where(
        Correction.station_id == station_id, Correction.status == CorrectionStatus.OPEN))


def overdue(station_ids=None, at: datetime | None = None) -> list[tuple[Correction, int]]:
    """Open tickets past their due date with the days they are overdue, most overdue first;
    of the stations `station_ids` (None: every station)."""
    at = at or now()
    statement = (select(Correction).options(selectinload(Correction.station))
                 .where(Correction.status == CorrectionStatus.OPEN, Correction.due_at < at)
                 .order_by(Correction.due_at, Correction.id))
    if station_ids is not None:
        statement = statement.where(Correction.station_id.in_(list(station_ids)))
    return [(correction, days_overdue(correction, at))
            for correction in db.session.scalars(statement)]


def tickets_by_subject(user: User) -> dict[str, Correction]:
    """`user`'s latest ticket per record (``checkin:<id>``, ``transfer:<id>``), for their lists."""
    found: dict[str, Correction] = {}
    for correction in db.session.scalars(mine_statement(user)):
        found.setdefault(correction.subject, correction)
    return found


def subject_of_transfer(transfer: Transfer) -> str | None:
    """The record a ledger line is, if it is a service record: ``checkin:<id>`` for the hours of a
    check-in, ``transfer:<id>`` for an adjustment; None for any other line."""
    if transfer.kind == TransferKind.ADJUST:
        return f"transfer:{transfer.id}"
    if transfer.kind == TransferKind.EARN:
        for mark in (transfer.reference, transfer.idempotency_key):
            if mark and mark.startswith("checkin:") and mark[8:].isdigit():
                return mark
    return None


# --- resolving ----------------------------------------------------------------------------------

def may_change_hours(user: User, correction: Correction) -> bool:
    """The station manager of the handling station, or a district administrator."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    return has_role(user, Role.STATION_MANAGER) and \
        org.station_id_of(user) == correction.station_id


def _require_changer(user: User, correction: Correction) -> None:
    if not may_change_hours(user, correction):
        station = db.session.get(Station, correction.station_id)
        raise PermissionDenied(_(
            "Only the station manager of %(station)s or a district administrator can change "
            "hours. You may refuse the request with a reason, or add a note.",
            station=station.name), code="needs_station_manager")


def _lock(correction: Correction) -> None:
    """Read the ticket afresh under a row lock, so of two staff resolving at once the second
    sees the first's answer (SQLite's write transaction already holds the database)."""
    db.session.scalars(select(Correction).where(Correction.id == correction.id)
                       .with_for_update(of=Correction)
                       .execution_options(populate_existing=True)).one()


def resolve(correction: Correction, *, by: User, action: str, reason: str,
            minutes: int | None = None) -> Correction:
    """Answer a ticket once: ``reverse`` its transfer, ``adjust`` the volunteer's account by
    `minutes` (+ or −), or ``refuse``; always with a reason, which the volunteer is told."""
    org.require_station_staff(by, correction.station_id)
    reason = (reason or "").strip()
    if action not in ACTIONS:
        raise InvalidInput(fields={"action": [_("Choose reverse, adjust or refuse.")]})
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give a reason; the volunteer is told it.")]})
    if action in ("reverse", "adjust"):
        _require_changer(by, correction)
    _lock(correction)
    if not correction.is_open:
        raise CorrectionClosed(_("This request was already answered."))
    if action == "reverse":
        transfer = db.session.get(Transfer, correction.transfer_id) \
            if correction.transfer_id else None
        if correction.checkin_id is not None:  # approved after it was asked about
            checkin = db.session.get(CheckIn, correction.checkin_id)
            if checkin.transfer_id:
                transfer = db.session.get(Transfer, checkin.transfer_id)
        if transfer is None:
            raise InvalidInput(fields={"action": [_(
                "No hours were credited for this record, so there is nothing to withdraw.")]})
        result = ledger.reverse(transfer, reason, posted_by=by, authorised=True)
        correction.status = CorrectionStatus.REVERSED
    elif action == "adjust":
        if minutes is None or minutes == 0:
            raise InvalidInput(fields={"minutes": [_(
                "Enter the minutes to add, or with a minus sign to remove.")]})
        account = ledger.member_account(correction.user)
        result = ledger.adjust(account, minutes, reason, posted_by=by,
                               idempotency_key=f"correction:{correction.id}", authorised=True)
        correction.status, correction.minutes = CorrectionStatus.ADJUSTED, minutes
    else:
        result = None
        correction.status = CorrectionStatus.REFUSED
    correction.resolution, correction.resolved_by_id = reason, by.id
    correction.resolved_at = now()
    correction.result_transfer_id = result.id if result is not None else None
    db.session.flush()
    audit.record(f"correction.{action}", f"correction:{correction.id}", actor=by, reason=reason,
                 record=correction.subject, minutes=minutes,
                 transfer_id=result.id if result is not None else None)
    _tell_volunteer(correction)
    return correction


def add_note(correction: Correction, *, by: User, body: str) -> CorrectionNote:
    org.require_station_staff(by, correction.station_id)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(fields={"body": [_("Write the note.")]})
    if len(body) > REASON_MAX:
        raise InvalidInput(fields={"body": [_("At most %(num)d characters.", num=REASON_MAX)]})
    note = CorrectionNote(correction_id=correction.id, author_id=by.id, body=body)
    db.session.add(note)
    db.session.flush()
    audit.record("correction.note", f"correction:{correction.id}", actor=by, reason=body)
    return note


def _tell_volunteer(correction: Correction) -> None:
    what = describe(correction)
    if correction.status == CorrectionStatus.REVERSED:
        title = _("Record corrected: the hours of %(what)s were withdrawn", what=what)
    elif correction.status == CorrectionStatus.ADJUSTED:
        title = _("Record corrected: %(minutes)s for %(what)s", what=what,
                  minutes=("+" if correction.minutes > 0 else "") + format_minutes(correction.minutes))
    else:
        title = _("Record checked and not changed: %(what)s", what=what)
    notify(correction.user_id, f"correction_resolved:{correction.id}", title,
           _("Reason: %(reason)s", reason=correction.resolution),
           link=f"/volunteer/corrections/{correction.id}",
           params={"title": what, "reason": correction.resolution,
                   "status": correction.status_label})
