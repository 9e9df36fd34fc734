"""Complaints (投诉): the rules.

* **Filing** (`file_complaint`): anyone, without logging in, on the public form or the API
  (``channel`` online), or staff for a complaint taken by phone, in person or by letter. The
  text is kept as plain text, whole, up to `TEXT_MAX` characters (pages escape it); a contact,
  optional, is a mainland mobile; a complaint may be anonymous (no name kept). Each gets a
  number ``TS-<year>-<month>-<six random letters and digits>``, unique and not a count, so
  numbers cannot be walked through.
* **The steps** (`take_step`): 受理 ``accept`` → 处理 ``handle`` (any number of notes) → 答复
  ``answer`` (the answer's text) → 回访 ``follow_up`` (the call back, with the complainant's
  satisfaction 1–5), which closes it. A step out of order, or on a closed complaint, is 409.
  Only staff of the complaint's station (district administrators: any) take steps.
* **Due dates** (district settings, in working days, `volunteers.corrections.services`'
  `due_date`): accepted within ``COMPLAINT_ACCEPT_WORKING_DAYS`` of receipt, answered within
  ``COMPLAINT_ANSWER_WORKING_DAYS`` of receipt, called back within
  ``COMPLAINT_FOLLOW_UP_WORKING_DAYS`` of the answer. `due_at` is the deadline of the next step.
* **Escalation** (`escalate_overdue`, a scheduled job): a complaint past its deadline is marked
  escalated, the district administrators are told and it is audited; each missed deadline
  once, so the job may run any number of times.
* **Telling the complainant**: at receipt and at each step, by SMS through the outbox when
  they left a contact (`notify_phone`), and in the app when they filed it logged in.

Every step is audited. Services flush and never commit.
"""

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from timebank.accounts.models import User, UserRole
from timebank.accounts.permissions import Role, is_staff
from timebank.accounts.services import PHONE_PATTERN, normalise_phone
from timebank.audit import services as audit
from timebank.clock import local, now
from timebank.errors import Conflict, InvalidInput, NotFound
from timebank.extensions import db
from timebank.notifications.services import notify, notify_phone
from timebank.org import services as org
from timebank.org.models import Station
from timebank.settings import services as settings
from volunteers.complaints.models import (
    STEP_LABELS,
    STEPS,
    Channel,
    Complaint,
    ComplaintStatus,
    ComplaintStep,
)
from volunteers.corrections.services import due_date

#: The most characters a complaint's text may have (a long letter fits; more is 422).
TEXT_MAX = 50_000
NOTE_MAX = 5_000
NAME_MAX = 40
CATEGORY_MAX = 40
#: The letters of a number's random part (no 0/O, 1/I/L): 31⁶ ≈ 890 million a month.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class StepOutOfOrder(Conflict):
    code = "complaint_step_out_of_order"


class ComplaintClosed(Conflict):
    code = "complaint_closed"


# --- checking what was sent ---------------------------------------------------------------------

def clean_phone(raw: str | None, field: str = "contact") -> str | None:
    """A mainland mobile (11 digits) or None for nothing; 422 for anything else."""
    if raw is None or not str(raw).strip():
        return None
    phone = normalise_phone(str(raw))
    if not PHONE_PATTERN.match(phone):
        raise InvalidInput(fields={field: [_("Enter an 11-digit mainland mobile number.")]})
    return phone


def _clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("Say what happened.")]})
    if len(text) > TEXT_MAX:
        raise InvalidInput(fields={"text": [_("At most %(num)d characters.", num=TEXT_MAX)]})
    return text


def _number(moment: datetime) -> str:
    here = local(moment)
    tail = "".join(secrets.choice(_ALPHABET) for _i in range(6))
    return f"TS-{here:%Y}-{here:%m}-{tail}"


def _free_number(moment: datetime) -> str:
    """A number no complaint has (the unique index holds it against a race)."""
    while True:
        number = _number(moment)
        if db.session.scalar(select(Complaint.id).where(Complaint.number == number)) is None:
            return number


def accept_days() -> int:
    return settings.value("COMPLAINT_ACCEPT_WORKING_DAYS")


def answer_days() -> int:
    return settings.value("COMPLAINT_ANSWER_WORKING_DAYS")


def follow_up_days() -> int:
    return settings.value("COMPLAINT_FOLLOW_UP_WORKING_DAYS")


# --- filing -------------------------------------------------------------------------------------

def file_complaint(*, station_id: int, text: str, contact: str | None = None,
                   name: str | None = None, anonymous: bool = False,
                   category: str | None = None, activity_id: int | None = None,
                   channel: str | None = None, by: User | None = None) -> Complaint:
    """A complaint to `station_id`, from a stranger (`by` None), a logged-in resident, or
    staff who took it (`channel` phone, in_person or letter; staff of that station)."""
    station = db.session.get(Station, station_id) if isinstance(station_id, int) else None
    if station is None:
        raise InvalidInput(fields={"station_id": [_("Choose a station.")]})
    text = _clean_text(text)
    contact = clean_phone(contact)
    name = (name or "").strip() or None
    if name and len(name) > NAME_MAX:
        raise InvalidInput(fields={"name": [_("At most %(num)d characters.", num=NAME_MAX)]})
    category = (category or "").strip()[:CATEGORY_MAX] or None
    taking = by is not None and is_staff(by) and channel not in (None, Channel.ONLINE)
    if channel not in (None, *[value.value for value in Channel]):
        raise InvalidInput(fields={"channel": [_("Choose online, phone, in person or letter.")]})
    if taking:
        org.require_station_staff(by, station.id)
    else:
        channel = Channel.ONLINE
    if anonymous:
        name = None
    if activity_id is not None:
        from volunteers.activities.models import Activity

        activity = db.session.get(Activity, activity_id)
        if activity is None or activity.station_id != station.id:
            raise InvalidInput(fields={"activity_id": [_("There is no such activity here.")]})
    received_at = now()
    complaint = Complaint(
        station_id=station.id, channel=channel, category=category, activity_id=activity_id,
        text=text, contact=contact, name=name, anonymous=bool(anonymous),
        user_id=by.id if by is not None and not taking and not anonymous else None,
        taken_by_id=by.id if taking else None, status=ComplaintStatus.RECEIVED,
        received_at=received_at, due_at=due_date(received_at, accept_days()))
    complaint.number = _free_number(received_at)
    db.session.add(complaint)
    db.session.flush()
    _add_step(complaint, "received", by if taking else None,
              _("Taken %(channel)s", channel=complaint.channel_label) if taking else "")
    audit.record("complaint.file", f"complaint:{complaint.id}",
                 actor=by if by is not None and not anonymous else None,
                 station_id=station.id, channel=channel, number=complaint.number,
                 anonymous=complaint.anonymous, with_contact=contact is not None,
                 characters=len(text))
    _tell_complainant(complaint, "received")
    _tell_station(complaint)
    return complaint


def _add_step(complaint: Complaint, step: str, by: User | None, note: str = "",
              satisfaction: int | None = None) -> ComplaintStep:
    row = ComplaintStep(complaint_id=complaint.id, step=step, by_id=by.id if by else None,
                        at=now(), note=note or "", satisfaction=satisfaction)
    db.session.add(row)
    db.session.flush()
    db.session.expire(complaint, ["steps"])
    return row


# --- the steps ----------------------------------------------------------------------------------

def _lock(complaint: Complaint) -> None:
    db.session.scalars(select(Complaint).where(Complaint.id == complaint.id)
                       .with_for_update(of=Complaint)
                       .execution_options(populate_existing=True)).one()


def take_step(complaint: Complaint, *, by: User, step: str, note: str | None = None,
              satisfaction: int | None = None) -> Complaint:
    """Take `step` (accept, handle, answer, follow_up) on `complaint`, in order (409 else)."""
    org.require_station_staff(by, complaint.station_id)
    if step not in STEPS:
        raise InvalidInput(fields={"step": [_("Choose accept, handle, answer or follow_up.")]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(fields={"note": [_("At most %(num)d characters.", num=NOTE_MAX)]})
    if step in ("handle", "answer") and not note:
        raise InvalidInput(fields={"note": [
            _("Write the answer; the complainant is told it.") if step == "answer"
            else _("Write what is being done.")]})
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        raise InvalidInput(fields={"satisfaction": [_("Choose 1 to 5.")]})
    _lock(complaint)
    if not complaint.is_open:
        raise ComplaintClosed(_("This complaint is closed: it was followed up."))
    allowed_from, leads_to = STEPS[step]
    if complaint.status not in allowed_from:
        raise StepOutOfOrder(
            _("This step cannot be taken now: the complaint is %(status)s.",
              status=complaint.status_label),
            fields={"status": [complaint.status]})
    moment = now()
    complaint.status = leads_to
    if step == "accept":
        complaint.due_at = due_date(complaint.received_at, answer_days())
    elif step == "answer":
        complaint.answer = note
        complaint.due_at = due_date(moment, follow_up_days())
    elif step == "follow_up":
        complaint.satisfaction = satisfaction
        complaint.due_at, complaint.closed_at = None, moment
    _add_step(complaint, step, by, note, satisfaction)
    audit.record(f"complaint.{step}", f"complaint:{complaint.id}", actor=by, reason=note or None,
                 number=complaint.number, status=complaint.status, satisfaction=satisfaction)
    _tell_complainant(complaint, step)
    return complaint


# --- escalation ---------------------------------------------------------------------------------

def district_admins() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.DISTRICT_ADMIN.value, User.active.is_(True))
        .order_by(User.id)))


def escalate_overdue(at: datetime | None = None) -> int:
    """Mark each open complaint past its deadline escalated, tell the district administrators
    and audit it; once per missed deadline. Returns how many were escalated now."""
    at = at or now()
    late = list(db.session.scalars(
        select(Complaint).options(selectinload(Complaint.station))
        .where(Complaint.status != ComplaintStatus.FOLLOWED_UP, Complaint.due_at < at)
        .order_by(Complaint.due_at, Complaint.id)))
    admins = None
    count = 0
    for complaint in late:
        stage = complaint.stage
        if complaint.escalated_stage == stage:
            continue
        complaint.escalated_at = complaint.escalated_at or at
        complaint.escalated_stage = stage
        _add_step(complaint, "escalate", None, _(
            "Overdue: %(stage)s was due %(due)s", stage=STEP_LABELS[stage],
            due=local(complaint.due_at).strftime("%Y-%m-%d")))
        audit.record("complaint.escalate", f"complaint:{complaint.id}", actor=None,
                     number=complaint.number, stage=stage, station_id=complaint.station_id,
                     due_at=complaint.due_at.isoformat())
        if admins is None:
            admins = district_admins()
        for admin in admins:
            notify(admin.id, f"complaint_escalated:{complaint.id}:{stage}:{admin.id}",
                   _("Complaint overdue at %(station)s: %(number)s",
                     station=complaint.station.name, number=complaint.number),
                   _("%(status)s; due %(due)s.", status=complaint.status_label,
                     due=local(complaint.due_at).strftime("%Y-%m-%d")),
                   link=f"/station/complaints/{complaint.id}")
        count += 1
    db.session.flush()
    return count


# --- telling --------------------------------------------------------------------------------------

def _message(complaint: Complaint, step: str) -> tuple[str, str]:
    number = complaint.number
    if step == "received":
        return (_("Your complaint %(number)s was received", number=number),
                _("The station will accept it by %(due)s. Keep the number to ask about it.",
                  due=local(complaint.due_at).strftime("%Y-%m-%d")))
    if step == "accept":
        return (_("Your complaint %(number)s was accepted", number=number),
                _("You will have an answer by %(due)s.",
                  due=local(complaint.due_at).strftime("%Y-%m-%d")))
    if step == "handle":
        return (_("Your complaint %(number)s is being handled", number=number), "")
    if step == "answer":
        return (_("The answer to your complaint %(number)s", number=number), complaint.answer)
    return (_("Your complaint %(number)s is closed. Thank you.", number=number), "")


def _tell_complainant(complaint: Complaint, step: str) -> None:
    title, body = _message(complaint, step)
    serial = len([row for row in complaint.steps if row.step == step])
    key = f"complaint_{step}:{complaint.id}:{serial}"
    params = {"number": complaint.number, "status": complaint.status_label}
    if complaint.contact:
        notify_phone(complaint.contact, f"{key}:sms", title, body, kind="complaint", params=params)
    if complaint.user_id is not None:
        notify(complaint.user_id, key, title, body, kind="complaint", params=params)


def _tell_station(complaint: Complaint) -> None:
    for person in org.social_workers_at(complaint.station_id):
        notify(person.id, f"complaint_new:{complaint.id}:{person.id}",
               _("A new complaint: %(number)s", number=complaint.number),
               complaint.text[:200], link=f"/station/complaints/{complaint.id}")


# --- reading ------------------------------------------------------------------------------------

def find_station(station_id: int) -> Station | None:
    return db.session.get(Station, station_id)


def get_complaint(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_("There is no such complaint."), code="complaint_not_found")
    return complaint


def station_complaint(viewer: User, complaint_id: int) -> Complaint:
    """A complaint for the staff of its station: 404 if there is none, 403 for other staff."""
    complaint = get_complaint(complaint_id)
    org.require_station_staff(viewer, complaint.station_id)
    return complaint


def by_number_only(number: str) -> Complaint | None:
    """The complaint the session just filed (its result page)."""
    return db.session.scalar(select(Complaint).where(Complaint.number == number))


def by_number(number: str, contact: str | None) -> Complaint | None:
    """The complaint with `number` whose contact is `contact` (a status look-up): None for
    any other pair, so a number alone tells nothing."""
    try:
        phone = clean_phone(contact)
    except InvalidInput:
        return None
    if not number or phone is None:
        return None
    complaint = db.session.scalar(select(Complaint).where(
        Complaint.number == number.strip().upper()))
    if complaint is None or complaint.contact != phone:
        return None
    return complaint


def statement(station_id: int | None, *, status: str | None = None,
              overdue: bool = False, open_only: bool = False):
    """Complaints of a station (every station's for None): escalated ones first, then open
    ones by deadline, then the closed, newest first."""
    query = select(Complaint).options(selectinload(Complaint.station))
    if station_id is not None:
        query = query.where(Complaint.station_id == station_id)
    if status:
        query = query.where(Complaint.status == status)
    if open_only or overdue:
        query = query.where(Complaint.status != ComplaintStatus.FOLLOWED_UP)
    if overdue:
        query = query.where(Complaint.due_at < now())
    still_open = Complaint.status != ComplaintStatus.FOLLOWED_UP
    escalated = case((still_open & Complaint.escalated_at.is_not(None), 0), else_=1)
    return query.order_by(escalated, case((still_open, 0), else_=1), Complaint.due_at,
                          Complaint.received_at.desc(), Complaint.id.desc())


def open_count(station_id: int) -> int:
    return db.session.scalar(select(func.count(Complaint.id)).where(
        Complaint.station_id == station_id, Complaint.status != ComplaintStatus.FOLLOWED_UP))


def reveal_contact(complaint: Complaint, *, by: User) -> str:
    """The contact in full for staff of the complaint's station, to call back (回访); audited.
    Everywhere else it is shown masked."""
    org.require_station_staff(by, complaint.station_id)
    audit.record("complaint.reveal_contact", f"complaint:{complaint.id}", actor=by,
                 number=complaint.number)
    db.session.flush()
    return complaint.contact or ""
