"""QR check-in and check-out at station events, and the approval of hours into the ledger.

Rules kept here (DESIGN.md, "Check-in rules"):

* A check-in code is a signed token bound to one activity and one purpose (check-in or
  check-out). The rotating code on the display page lives `ROTATING_CODE_LIFETIME` seconds;
  a printed poster's code carries no expiry of its own and is honoured only inside the
  activity's window. Forged, expired, wrong-event and wrong-purpose codes change nothing.
* One check-in per volunteer and activity: scanning again returns the same check-in; once it
  is closed, a check-in code cannot reopen it.
* Check-in opens `CHECKIN_OPENS_BEFORE` before the start and closes at the end; check-out is
  accepted until `CHECKOUT_GRACE` after the end.
* Minutes = check-out minus check-in, clipped to the activity's window (no credit for arriving
  early, none after the scheduled end), rounded down to `CHECKIN_ROUNDING_MINUTES`. An
  activity credited at a fixed rate gives its fixed minutes instead.
* A forgotten check-out is closed by the scheduler after the activity with 0 minutes and a
  flag: it waits for a social worker's review, never default hours.
* Hours reach the ledger only when approved: one transfer from the station's issuing account,
  idempotency key ``checkin:<id>``, so approving twice posts once.
* Tiered approval (`ApprovalPolicy`, else the district's settings): a volunteer's day total (the
  scanned minutes of their approved or waiting check-ins at activities starting that local day,
  any station) up to the automatic limit is approved at check-out with no one's click and may be
  approved by any staff of the station; up to the manager's limit by a station manager; above
  it by a district administrator. Minutes added by hand above the scanned time are honour hours
  (荣誉时) and always need a station manager; a reduction stays scanned time (信用时).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from timebank import guesses
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import day_start, local, now
from timebank.database import write_from_here
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.ledger.queries import format_minutes
from timebank.notifications.services import notify
from timebank.org.models import Station
from timebank.org.services import require_station_staff, station_id_of
from timebank.settings import services as settings
from timebank.web.inputs import INT_MAX
from volunteers.activities.models import Activity, ActivityStatus, CreditMode, SignUp, SignUpStatus
from volunteers.activities.services import hand_over_activities as move_activities
from volunteers.activities.services import live_sign_up, record_cover, require_may_take_part
from volunteers.checkins.models import (  # noqa: F401 (the models, for callers of this module)
    AWAITING_DECISION,
    CHECKIN_OPENS_BEFORE,
    CHECKOUT_GRACE,
    METHOD_LABELS,
    ROTATING_CODE_LIFETIME,
    STATUS_LABELS,
    ApprovalPolicy,
    CheckIn,
    CheckInStatus,
    Purpose,
    counted_as_hours,
)
from volunteers.vocabulary import EVALUATIONS

# --- errors -----------------------------------------------------------------------------------

class CheckInRefused(ServiceError):
    """A scan that cannot be accepted; `code` says why, `message` says it to the volunteer."""

    status = 409
    code = "checkin_refused"


class BadCode(CheckInRefused):
    status = 400


# --- codes ------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="checkin-code")


def make_code(activity: Activity, purpose: Purpose, *, poster: bool = False) -> str:
    """A signed code for `activity` and `purpose`; `poster` codes live as long as the window."""
    return _serializer().dumps({"a": activity.id, "p": Purpose(purpose).value, "poster": poster})


def code_expires_at(activity: Activity, *, poster: bool = False) -> datetime:
    if poster:
        return activity.ends_at + CHECKOUT_GRACE
    return now() + timedelta(seconds=ROTATING_CODE_LIFETIME)


def read_code(token: str, purpose: Purpose, *, activity_id: int | None = None,
              allow_stale: bool = False) -> tuple[Activity, bool]:
    """The activity a code is for (and whether it is a poster's), or `BadCode` saying why.

    `allow_stale` accepts a rotating code past its lifetime: for a phone that saw it fresh and
    then had to log in first.
    """
    serializer = _serializer()
    try:
        data = serializer.loads(token)
    except BadSignature:
        raise BadCode(_("This code is not valid. Please scan the code shown at the event."),
                      code="forged_code") from None
    if data.get("p") != purpose:
        raise BadCode(_("This is a check-out code; use the check-in code.") if purpose == "checkin"
                      else _("This is a check-in code; use the check-out code."),
                      code="wrong_purpose")
    if not data.get("poster") and not allow_stale:
        try:
            serializer.loads(token, max_age=ROTATING_CODE_LIFETIME)
        except SignatureExpired:
            raise BadCode(_("This code has expired. Please scan the code on the screen again."),
                          code="expired_code") from None
    if activity_id is not None and data.get("a") != activity_id:
        raise BadCode(_("This code belongs to another activity."), code="wrong_event")
    activity = db.session.get(Activity, data.get("a"))
    if activity is None or activity.status == ActivityStatus.CANCELLED:
        raise BadCode(_("This activity does not take place."), code="wrong_event")
    if data.get("poster") and not (activity.starts_at - CHECKIN_OPENS_BEFORE <= now()
                                   <= activity.ends_at + CHECKOUT_GRACE):
        raise BadCode(_("This poster's code is only valid during the activity."),
                      code="expired_code")
    return activity, bool(data.get("poster"))


# --- personal cards (reverse mode) ------------------------------------------------------------

def _card_digest(user_id: int, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"card:{user_id}:{window}".encode(), hashlib.sha256).hexdigest()
    return f"{int(digest[:8], 16) % 1_000_000:06d}"


def card_code(user: User, moment: datetime | None = None) -> str:
    """The code on a volunteer's personal card, ``<user id>-<6 digits>``, renewed every minute."""
    window = int((moment or now()).timestamp() // 60)
    return f"{user.id}-{_card_digest(user.id, window)}"


#: Typed card codes: wrong ones count against the volunteer and the staff member entering them.
CARD_CODE = guesses.TypedCode(
    target=guesses.CARD_CODE_VOLUNTEER, guesser=guesses.CARD_CODE_STAFF,
    target_locked=_l("Card codes for this volunteer are locked for a while after too many wrong "
                     "tries. Ask the volunteer to scan the event's QR code instead."),
    guesser_locked=_l("Too many wrong card codes have been entered from your account. Ask "
                      "volunteers to scan the event's QR code, or try again later."),
    notice_key="card_code_locked",
    notice_title=_l("Your volunteer card code has been locked for a while"),
    notice_body=_l("Wrong codes for your volunteer card were entered several times, so card codes "
                   "are refused for now. You can still check in by scanning the event's QR code. "
                   "If this was not at an activity of yours, tell your station."),
    notice_link="/card")


def user_from_card(code: str, *, by: User) -> User:
    """The volunteer whose card shows `code` now (or shown in the last two minutes).

    Six digits can be guessed: wrong codes count against the volunteer and against `by`, the
    staff member scanning or typing; when either has used up its wrong tries (`guesses`),
    card codes are refused with `guesses.TooManyWrongTries` (429).
    """
    user_id, _sep, digits = code.strip().partition("-")
    target = int(user_id) if user_id.isdigit() and int(user_id) <= INT_MAX else None
    guesses.refuse_typed_code(CARD_CODE, target, by.id)
    window = int(now().timestamp() // 60)
    if target is not None and any(hmac.compare_digest(digits, _card_digest(target, w))
                                  for w in (window, window - 1, window - 2)):
        user = db.session.get(User, target)
        if user is not None and user.is_active:
            return user
    guesses.count_wrong_typed_code(CARD_CODE, target, by.id)
    raise BadCode(_("This card code is not valid or has expired. Ask the volunteer to refresh "
                    "their card."), code="bad_card")


# --- scanning ---------------------------------------------------------------------------------

def _lock(activity: Activity, user: User) -> None:
    """Serialise one volunteer's scans of one activity: on PostgreSQL by locking the volunteer's
    row; SQLite writes one transaction at a time, which begins here in a request that read
    without the write lock so far (`write_from_here`)."""
    if db.session.get_bind().dialect.name == "sqlite":
        write_from_here()
    else:
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


#: A volunteer's check-in at an activity. Built once, so its cache key is worked out once (every
#: scan runs it); no joins: the caller has the activity and the volunteer loaded.
_FIND = (select(CheckIn)
         .where(CheckIn.activity_id == bindparam("activity_id"),
                CheckIn.user_id == bindparam("user_id"))
         .options(lazyload(CheckIn.activity), lazyload(CheckIn.user)))


def find(activity: Activity, user: User) -> CheckIn | None:
    return db.session.scalar(_FIND, {"activity_id": activity.id, "user_id": user.id})


def check_in(activity: Activity, user: User, *, method: str = "qr", at: datetime | None = None
             ) -> tuple[CheckIn, bool]:
    """Check `user` in at `activity`. Returns (check-in, created); a repeat returns the first."""
    at = at or now()
    _lock(activity, user)
    existing = find(activity, user)
    if existing is not None:
        if not existing.is_open:
            raise CheckInRefused(_("You have already checked out of this activity."),
                                 code="already_checked_out")
        return existing, False
    if at < activity.starts_at - CHECKIN_OPENS_BEFORE:
        raise CheckInRefused(_("Check-in opens 30 minutes before the start."), code="too_early")
    if at >= activity.ends_at:
        raise CheckInRefused(_("This activity has ended; check-in is closed."), code="too_late")
    entry, walk_in = live_sign_up(activity, user), None
    if entry is None or entry.status not in (SignUpStatus.CONFIRMED, SignUpStatus.INVITED):
        if not activity.allow_walk_ins:
            raise CheckInRefused(_("You are not signed up for this activity. Please talk to the "
                                   "social worker."), code="not_signed_up")
        require_may_take_part(activity, user)
        if entry is None:
            walk_in = entry = SignUp(activity_id=activity.id, user_id=user.id,
                                     status=SignUpStatus.CONFIRMED)
    record_cover(activity, entry)
    entry.status = SignUpStatus.CONFIRMED
    entry.attendance = "attended"
    checkin = CheckIn(activity_id=activity.id, user_id=user.id, status=CheckInStatus.OPEN,
                      checked_in_at=at, method=method)
    try:
        with db.session.begin_nested():  # a walk-in's sign-up and the check-in: one flush
            db.session.add_all([walk_in, checkin] if walk_in is not None else [checkin])
    except IntegrityError:  # a concurrent scan won; return its check-in
        return find(activity, user), False
    audit.record("checkin.in", f"checkin:{checkin.id}", actor=user, method=method,
                 activity_id=activity.id)
    return checkin, True


def credited_minutes(activity: Activity, checked_in_at: datetime, checked_out_at: datetime
                     ) -> int:
    """Minutes served: clipped to the activity's window and rounded down, or the fixed rate."""
    if activity.credit_mode == CreditMode.FIXED and activity.fixed_minutes:
        return activity.fixed_minutes
    start = max(checked_in_at, activity.starts_at)
    end = min(checked_out_at, activity.ends_at)
    served = max(int((end - start).total_seconds() // 60), 0)
    step = settings.value("CHECKIN_ROUNDING_MINUTES")
    return served - served % step if step > 1 else served


def check_out(checkin: CheckIn, activity: Activity, *, at: datetime | None = None) -> CheckIn:
    """Close an open check-in; checking out again returns it unchanged."""
    at = at or now()
    if checkin.activity_id != activity.id:
        raise BadCode(_("This code belongs to another activity."), code="wrong_event")
    _lock(activity, checkin.user)
    db.session.refresh(checkin)
    if not checkin.is_open:
        return checkin
    if at > activity.ends_at + CHECKOUT_GRACE:
        raise CheckInRefused(_("Check-out has closed; a social worker will review your hours."),
                             code="too_late")
    checkin.checked_out_at = at
    checkin.minutes = credited_minutes(activity, checkin.checked_in_at, at)
    checkin.status = CheckInStatus.CLOSED
    audit.record("checkin.out", f"checkin:{checkin.id}", actor=checkin.user,
                 minutes=checkin.minutes)
    db.session.flush()
    _approve_at_checkout(checkin)
    return checkin


def check_out_of(activity: Activity, volunteer: User) -> CheckIn:
    """The volunteer checks out of `activity` with its code: refused unless they checked in."""
    checkin = find(activity, volunteer)
    if checkin is None:
        raise CheckInRefused(_("You have not checked in to this activity."),
                             code="not_checked_in")
    return check_out(checkin, activity)


def scan_card(activity: Activity, code: str, *, by: User) -> tuple[CheckIn, str]:
    """Reverse mode: staff scan a volunteer's card. Checks in, or out if already in."""
    require_station_staff(by, activity.station_id)
    user = user_from_card(code, by=by)
    method = "card" if len(code) > 12 else "code"
    existing = find(activity, user)
    if existing is not None and existing.is_open:
        return check_out(existing, activity), "out"
    checkin, _created = check_in(activity, user, method=method)
    return checkin, "in"


def get_checkin(checkin_id: int) -> CheckIn:
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(_("There is no such check-in."), code="checkin_not_found")
    return checkin


def own_checkin(checkin_id: int, volunteer: User) -> CheckIn:
    """The volunteer's own check-in, to check out of: 404 if there is none, 403 if it is
    someone else's."""
    checkin = get_checkin(checkin_id)
    if checkin.user_id != volunteer.id:
        raise PermissionDenied(_("This is not your check-in."))
    return checkin


def get_checkin_to_decide(checkin_id: int, by: User) -> CheckIn:
    """The check-in `by` is to approve or reject: 404 if there is none, 403 unless `by` is
    staff of its activity's station."""
    checkin = get_checkin(checkin_id)
    require_station_staff(by, checkin.activity.station_id)
    return checkin


def checked_in_count(activity: Activity) -> int:
    return db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.activity_id == activity.id))


# --- after the activity -----------------------------------------------------------------------

def close_forgotten(at: datetime | None = None) -> int:
    """Close open check-ins of activities that ended more than `CHECKOUT_GRACE` ago: 0 minutes,
    flagged for review. Safe to run any number of times."""
    at = at or now()
    forgotten = db.session.scalars(
        select(CheckIn).join(CheckIn.activity)
        .where(CheckIn.status == CheckInStatus.OPEN, Activity.ends_at < at - CHECKOUT_GRACE)).all()
    for checkin in forgotten:
        checkin.status = CheckInStatus.AUTO_CLOSED
        checkin.minutes = 0
        checkin.flagged = True
        audit.record("checkin.auto_close", f"checkin:{checkin.id}", actor=None)
    db.session.flush()
    return len(forgotten)


def mark_no_shows(at: datetime | None = None) -> int:
    """Confirmed sign-ups of ended activities with no check-in become no-shows (idempotent)."""
    at = at or now()
    missing = db.session.scalars(
        select(SignUp).join(SignUp.activity)
        .where(SignUp.status == SignUpStatus.CONFIRMED, SignUp.attendance.is_(None),
               Activity.ends_at < at, Activity.status != ActivityStatus.CANCELLED,
               ~select(CheckIn.id).where(CheckIn.activity_id == SignUp.activity_id,
                                         CheckIn.user_id == SignUp.user_id).exists())).all()
    for entry in missing:
        entry.attendance = "no_show"
    db.session.flush()
    return len(missing)


# --- approval ---------------------------------------------------------------------------------

def issuer_account(station: Station) -> ledger.Account:
    """The station's account that creates the hours it pays to volunteers."""
    return ledger.open_account(keys.station_issuer(station.id), AccountKind.ISSUER,
                               name=station.name, min_balance=None)


# --- approval tiers ---------------------------------------------------------------------------
# Who may approve depends on the volunteer's day total: the scanned minutes of their check-ins
# at activities starting that local day, at any station, approved (not reversed) or waiting.

TIER_STAFF, TIER_MANAGER, TIER_DISTRICT = "staff", "manager", "district"

#: Who approves at each tier above the social worker's (the inbox names them on a row).
TIER_LABELS = {
    TIER_MANAGER: _l("Station manager to approve (%(hours)s that day)"),
    TIER_DISTRICT: _l("District administrator to approve (%(hours)s that day)"),
}


class ApprovalTierRefused(PermissionDenied):
    """An approval above the approver's tier; the message names who may approve."""

    code = "approval_tier"


@dataclass(frozen=True)
class Policy:
    """A station's approval tiers, its own (`stored`) or the district's."""

    station_id: int
    auto_approve_daily_minutes: int
    manager_limit_daily_minutes: int
    approve_at_checkout: bool
    stored: bool = False


@dataclass(frozen=True)
class Need:
    """Who must approve a check-in: the tier, the day total it was read from, the rules."""

    tier: str
    day_minutes: int
    policy: Policy

    @property
    def label(self) -> str | None:
        """Who must approve, for the inbox; None when any staff of the station may."""
        if self.tier == TIER_STAFF:
            return None
        return str(TIER_LABELS[self.tier]) % {"hours": format_minutes(self.day_minutes)}


def policy_of(station_id: int) -> Policy:
    """The station's approval rules: its own, or else the district's settings."""
    row = db.session.get(ApprovalPolicy, station_id)
    if row is not None:
        return Policy(station_id, row.auto_approve_daily_minutes,
                      row.manager_limit_daily_minutes, row.approve_at_checkout, stored=True)
    return Policy(station_id, settings.value("APPROVAL_AUTO_DAILY_MINUTES"),
                  settings.value("APPROVAL_MANAGER_DAILY_MINUTES"),
                  bool(settings.value("APPROVE_AT_CHECKOUT")))


def _station(station_id: int) -> Station:
    station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound(_("There is no such station."), code="station_not_found")
    return station


def read_policy(station_id: int, *, by: User) -> Policy:
    """The station's approval rules, for its staff and district administrators."""
    _station(station_id)
    require_station_staff(by, station_id)
    return policy_of(station_id)


def _is_station_manager(user: User, station_id: int) -> bool:
    return has_role(user, Role.DISTRICT_ADMIN) or (
        has_role(user, Role.STATION_MANAGER) and station_id_of(user) == station_id)


def may_change_policy(user: User, station_id: int) -> bool:
    return _is_station_manager(user, station_id)


def set_policy(station_id: int, *, by: User, auto_approve_daily_minutes, manager_limit_daily_minutes,
               approve_at_checkout: bool | None = None) -> Policy:
    """Store the station's approval rules (its station manager or a district administrator):
    whole minutes 0 to 1440, the automatic limit within the manager's. Audited old → new."""
    station = _station(station_id)
    if not _is_station_manager(by, station_id):
        raise PermissionDenied(_("Only this station's manager or a district administrator can "
                                 "change its approval rules."))
    problems = {}
    limits = {"auto_approve_daily_minutes": auto_approve_daily_minutes,
              "manager_limit_daily_minutes": manager_limit_daily_minutes}
    for name, minutes in limits.items():
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 <= minutes <= 1440:
            problems[name] = [_("Enter whole minutes from 0 to 1440 (a day).")]
    if not problems and auto_approve_daily_minutes > manager_limit_daily_minutes:
        problems["auto_approve_daily_minutes"] = [_(
            "Approval at check-out cannot go beyond the station manager's limit.")]
    if problems:
        raise InvalidInput(fields=problems)
    # One writer at a time per station: the first save creates the row.
    db.session.execute(select(Station.id).where(Station.id == station.id).with_for_update())
    old = policy_of(station_id)
    new = Policy(station_id, auto_approve_daily_minutes, manager_limit_daily_minutes,
                 old.approve_at_checkout if approve_at_checkout is None
                 else bool(approve_at_checkout), stored=True)
    changes = {name: [getattr(old, name), getattr(new, name)] for name in (
        "auto_approve_daily_minutes", "manager_limit_daily_minutes", "approve_at_checkout")
        if getattr(old, name) != getattr(new, name)}
    row = db.session.get(ApprovalPolicy, station_id)
    if row is None:
        row = ApprovalPolicy(station_id=station_id)
        db.session.add(row)
    row.auto_approve_daily_minutes = new.auto_approve_daily_minutes
    row.manager_limit_daily_minutes = new.manager_limit_daily_minutes
    row.approve_at_checkout = new.approve_at_checkout
    row.updated_by_id, row.updated_at = by.id, now()
    if changes:
        audit.record("approval_policy.update", f"approval_policy:{station_id}", actor=by,
                     changes=changes)
    db.session.flush()
    return new


def _counted_or_waiting():
    return or_(CheckIn.status.in_(AWAITING_DECISION), counted_as_hours())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = day_start(day)
    return start, start + timedelta(days=1)


def day_minutes(user_id: int, day: date, *, leave_out: int | None = None) -> int:
    """The volunteer's scanned minutes at activities starting on `day` (local), at any station:
    approved and not reversed, or waiting. `leave_out` is a check-in not to count."""
    start, end = _day_bounds(day)
    statement = (select(func.coalesce(func.sum(func.coalesce(CheckIn.minutes, 0)
                                               - CheckIn.honour_minutes), 0))
                 .join(Activity, Activity.id == CheckIn.activity_id)
                 .where(CheckIn.user_id == user_id, Activity.starts_at >= start,
                        Activity.starts_at < end, _counted_or_waiting()))
    if leave_out is not None:
        statement = statement.where(CheckIn.id != leave_out)
    return int(db.session.scalar(statement))


def _tier(day_total: int, policy: Policy) -> str:
    if day_total <= policy.auto_approve_daily_minutes:
        return TIER_STAFF
    if day_total <= policy.manager_limit_daily_minutes:
        return TIER_MANAGER
    return TIER_DISTRICT


def approval_need(checkin: CheckIn, *, scanned_minutes: int | None = None) -> Need:
    """Who must approve `checkin`, counting it with `scanned_minutes` (its own unless given)."""
    day = local(checkin.activity.starts_at).date()
    this = (checkin.minutes or 0) if scanned_minutes is None else scanned_minutes
    total = day_minutes(checkin.user_id, day, leave_out=checkin.id) + this
    policy = policy_of(checkin.activity.station_id)
    return Need(_tier(total, policy), total, policy)


def approval_needs(rows) -> dict[int, Need]:
    """`approval_need` of each waiting check-in among `rows`, read in one query (the inbox)."""
    waiting = [checkin for checkin in rows if checkin.status in AWAITING_DECISION]
    if not waiting:
        return {}
    days = {checkin.id: local(checkin.activity.starts_at).date() for checkin in waiting}
    start, end = _day_bounds(min(days.values()))[0], _day_bounds(max(days.values()))[1]
    totals: dict[tuple[int, date], int] = {}
    for user_id, starts_at, minutes, honour in db.session.execute(
            select(CheckIn.user_id, Activity.starts_at, CheckIn.minutes, CheckIn.honour_minutes)
            .join(Activity, Activity.id == CheckIn.activity_id)
            .where(CheckIn.user_id.in_({checkin.user_id for checkin in waiting}),
                   Activity.starts_at >= start, Activity.starts_at < end,
                   _counted_or_waiting())):
        key = (user_id, local(starts_at).date())
        totals[key] = totals.get(key, 0) + (minutes or 0) - honour
    policies = {station_id: policy_of(station_id)
                for station_id in {checkin.activity.station_id for checkin in waiting}}
    needs = {}
    for checkin in waiting:
        total = totals.get((checkin.user_id, days[checkin.id]), 0)
        policy = policies[checkin.activity.station_id]
        needs[checkin.id] = Need(_tier(total, policy), total, policy)
    return needs


def may_approve(user: User, station_id: int, tier: str) -> bool:
    if tier == TIER_DISTRICT:
        return has_role(user, Role.DISTRICT_ADMIN)
    if tier == TIER_MANAGER:
        return _is_station_manager(user, station_id)
    return True


def _require_tier(by: User, checkin: CheckIn, need: Need, *, honour: bool) -> None:
    tier = TIER_MANAGER if honour and need.tier == TIER_STAFF else need.tier
    if may_approve(by, checkin.activity.station_id, tier):
        return
    if tier == TIER_DISTRICT:
        message = _("The day's total is over %(hours)s, so a district administrator must "
                    "approve it.", hours=format_minutes(need.policy.manager_limit_daily_minutes))
    elif need.tier == TIER_MANAGER:
        message = _("The day's total is over %(hours)s, so the station manager must approve it.",
                    hours=format_minutes(need.policy.auto_approve_daily_minutes))
    else:
        message = _("Minutes added by hand are honour hours: the station manager must approve "
                    "them.")
    raise ApprovalTierRefused(message)


def _approve_at_checkout(checkin: CheckIn) -> None:
    """Approve a fresh check-out with no one's click when the station's rules say so and the
    volunteer's day total stays within the automatic limit. The caller holds the volunteer's
    lock (`_lock`), so a second check-out of theirs reads this one's minutes."""
    if checkin.status != CheckInStatus.CLOSED or not checkin.minutes:
        return
    need = approval_need(checkin)
    if need.policy.approve_at_checkout and need.tier == TIER_STAFF:
        _post_approval(checkin, by=None, final=checkin.minutes)


def queue(activity: Activity) -> list[CheckIn]:
    """Check-ins of an activity in the order staff review them: undecided first."""
    decided = CheckIn.status.in_((CheckInStatus.APPROVED, CheckInStatus.REJECTED))
    return list(db.session.scalars(select(CheckIn).where(CheckIn.activity_id == activity.id)
                                   .order_by(decided, CheckIn.checked_in_at, CheckIn.id)))


def service_history(user: User, limit: int = 20) -> list[tuple[CheckIn, int | None]]:
    """The volunteer's past activities, latest first, each with the minutes it counts as hours
    served (approved and not reversed, as certificates count), or None while it waits for
    approval or when it was rejected or reversed."""
    rows = db.session.execute(
        select(CheckIn, counted_as_hours()).join(CheckIn.activity)
        .where(CheckIn.user_id == user.id, Activity.starts_at <= now())
        .order_by(Activity.starts_at.desc(), CheckIn.id.desc()).limit(limit))
    return [(checkin, checkin.minutes if counted else None) for checkin, counted in rows]


def _lock_for_decision(checkin: CheckIn) -> None:
    """Hold `checkin`'s row and read its state afresh, so that of two staff deciding at once
    the second sees the first's decision (one approval, one audit row). SQLite's write
    transactions already hold the whole database."""
    db.session.scalars(select(CheckIn).where(CheckIn.id == checkin.id).with_for_update(of=CheckIn)
                       .execution_options(populate_existing=True)).one()


def _check_evaluation(evaluation: str | None, comment: str | None) -> tuple[str | None, str | None]:
    """(code, comment) of a quality evaluation, or `InvalidInput` naming the bad field."""
    comment = (comment or "").strip() or None
    problems = {}
    if evaluation is not None and evaluation not in EVALUATIONS:
        problems["evaluation"] = [_("Choose one of %(choices)s.", choices="、".join(
            f"{code} ({label})" for code, label in EVALUATIONS.items()))]
    if comment is not None and len(comment) > 300:
        problems["evaluation_comment"] = [_("Up to 300 characters.")]
    if problems:
        raise InvalidInput(fields=problems)
    return evaluation, comment


def approve(checkin: CheckIn, *, by: User, minutes: int | None = None, reason: str | None = None,
            evaluation: str | None = None, evaluation_comment: str | None = None,
            at: datetime | None = None) -> CheckIn:
    """Post the hours to the volunteer's account; approving again posts nothing more.

    `by` must hold the tier the volunteer's day total needs (`required_tier`), and a station
    manager's at least when `minutes` adds to the scanned time (the difference is honour hours,
    荣誉时); a reduction stays scanned time. `evaluation` is a code of `EVALUATIONS`, recorded
    with `evaluation_comment` and `by` as its recorder.

    `at` is when the decision and its transfer are dated (now unless given); only the demo gives
    it, so that its past check-ins are approved in the months they happened."""
    require_station_staff(by, checkin.activity.station_id)
    evaluation, evaluation_comment = _check_evaluation(evaluation, evaluation_comment)
    _lock_for_decision(checkin)
    if checkin.status == CheckInStatus.APPROVED:
        return checkin
    if checkin.status not in AWAITING_DECISION:
        raise Conflict(_("Only a checked-out or closed check-in can be approved."),
                       code="not_awaiting_approval")
    scanned = checkin.minutes or 0
    final = scanned if minutes is None else minutes
    if minutes is not None and minutes != scanned:
        if not (reason or "").strip():
            raise InvalidInput(fields={"reason": [_("Say why the minutes were changed.")]})
        if not 0 < minutes <= checkin.activity.minutes_long:
            raise InvalidInput(fields={"minutes": [_(
                "Enter between 1 and %(most)d minutes (the activity's length).",
                most=checkin.activity.minutes_long)]})
    if not final:
        raise InvalidInput(fields={"minutes": [_("There are no minutes to approve; enter the "
                                                 "minutes served, or reject.")]})
    honour = max(final - scanned, 0)
    _require_tier(by, checkin, approval_need(checkin, scanned_minutes=final - honour),
                  honour=bool(honour))
    return _post_approval(checkin, by=by, final=final, honour=honour, reason=reason,
                          evaluation=evaluation, evaluation_comment=evaluation_comment, at=at)


def _post_approval(checkin: CheckIn, *, by: User | None, final: int, honour: int = 0,
                   reason: str | None = None, evaluation: str | None = None,
                   evaluation_comment: str | None = None, at: datetime | None = None) -> CheckIn:
    """The one way hours of a check-in reach the ledger: by a person (`by`) or, with `by`
    None, automatically at check-out."""
    scanned = checkin.minutes or 0
    at = at or now()
    issuer = issuer_account(checkin.activity.station)
    transfer = ledger.post_transfer(
        TransferKind.EARN, [(issuer, -final), (ledger.member_account(checkin.user), final)],
        idempotency_key=f"checkin:{checkin.id}", memo=checkin.activity.title, posted_by=by,
        reference=f"checkin:{checkin.id}", posted_at=at)
    if final != scanned:
        checkin.adjusted = True
    checkin.minutes, checkin.honour_minutes, checkin.status = final, honour, CheckInStatus.APPROVED
    checkin.transfer_id, checkin.decided_at = transfer.id, at
    checkin.decided_by_id = by.id if by is not None else None
    checkin.decision_reason = reason or None
    if by is not None:
        checkin.evaluation, checkin.evaluation_comment = evaluation, evaluation_comment
        checkin.recorded_by_id = by.id
    details = {"reason": reason or None, "minutes": final, "adjusted": checkin.adjusted,
               "transfer_id": transfer.id}
    if honour:
        details["honour_minutes"] = honour
    if evaluation:
        details["evaluation"] = evaluation
    if by is None:
        details["auto"] = True
    entry = audit.record("checkin.approve", f"checkin:{checkin.id}", actor=by, **details)
    if by is None:  # no one's click: not the volunteer's or the scanning staff member's
        entry.actor_id = None
    db.session.flush()
    _tell_decision(checkin, scanned=scanned)
    return checkin


def record_evaluation(checkin: CheckIn, *, by: User, evaluation: str | None,
                      comment: str | None = None) -> CheckIn:
    """Record or change the quality evaluation of an approved check-in (staff of its station);
    `by` becomes its recorder. Audited old → new."""
    require_station_staff(by, checkin.activity.station_id)
    evaluation, comment = _check_evaluation(evaluation, comment)
    if evaluation is None:
        raise InvalidInput(fields={"evaluation": [_("Choose an evaluation.")]})
    _lock_for_decision(checkin)
    if checkin.status != CheckInStatus.APPROVED:
        raise Conflict(_("Only approved hours are evaluated."), code="not_approved")
    old = [checkin.evaluation, checkin.evaluation_comment]
    if old == [evaluation, comment]:
        return checkin
    checkin.evaluation, checkin.evaluation_comment = evaluation, comment
    checkin.recorded_by_id = by.id
    audit.record("checkin.evaluate", f"checkin:{checkin.id}", actor=by,
                 evaluation=[old[0], evaluation], evaluation_comment=[old[1], comment])
    db.session.flush()
    return checkin


def _tell_decision(checkin: CheckIn, *, scanned: int | None = None) -> None:
    """The volunteer hears how their hours were decided: approved, adjusted or rejected."""
    title = checkin.activity.title
    params = {"title": title, "hours": format_minutes(checkin.minutes or 0),
              "reason": checkin.decision_reason or ""}
    link = "/hours/"
    if checkin.status == CheckInStatus.REJECTED:
        notify(checkin.user_id, f"hours_rejected:{checkin.id}",
               _("Hours not approved: %(title)s", title=title),
               _("Reason: %(reason)s", reason=params["reason"]), link=link, params=params)
    elif scanned is not None and scanned != checkin.minutes:
        params["scanned"] = format_minutes(scanned)
        notify(checkin.user_id, f"hours_adjusted:{checkin.id}",
               _("Hours adjusted: %(title)s", title=title),
               _("%(hours)s credited (scanned: %(scanned)s). Reason: %(reason)s",
                 hours=params["hours"], scanned=params["scanned"], reason=params["reason"]),
               link=link, params=params)
    else:
        notify(checkin.user_id, f"hours_approved:{checkin.id}",
               _("Hours approved: %(title)s", title=title),
               _("%(hours)s of service are in your account.", hours=params["hours"]),
               link=link, params=params)


def reject(checkin: CheckIn, *, by: User, reason: str) -> CheckIn:
    require_station_staff(by, checkin.activity.station_id)
    _lock_for_decision(checkin)
    if not (reason or "").strip():
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    if checkin.status == CheckInStatus.REJECTED:
        return checkin
    if checkin.status not in AWAITING_DECISION:
        raise Conflict(_("Only a checked-out or closed check-in can be rejected."),
                       code="not_awaiting_approval")
    checkin.status, checkin.decided_by_id, checkin.decided_at = CheckInStatus.REJECTED, by.id, now()
    checkin.decision_reason = reason.strip()
    audit.record("checkin.reject", f"checkin:{checkin.id}", actor=by, reason=reason.strip())
    db.session.flush()
    _tell_decision(checkin)
    return checkin


def approve_all(activity: Activity, *, by: User, evaluation: str | None = None,
                evaluation_comment: str | None = None) -> int:
    """Approve every checked-out check-in with its scanned minutes (flagged ones stay, and so
    do those above `by`'s tier). Returns how many were approved."""
    require_station_staff(by, activity.station_id)
    _check_evaluation(evaluation, evaluation_comment)
    pending = [c for c in queue(activity) if c.status == CheckInStatus.CLOSED and c.minutes]
    approved = 0
    for checkin in pending:
        try:
            with db.session.begin_nested():
                approve(checkin, by=by, evaluation=evaluation,
                        evaluation_comment=evaluation_comment)
        except ApprovalTierRefused:
            continue
        approved += 1
    return approved


# --- the station's approval inbox -------------------------------------------------------------
# Every check-in of a station waiting for a decision, whatever its activity or day, oldest
# first: last month's forgotten check-outs are found here, not by typing a URL.

#: The inbox's status filter: what each choice shows.
INBOX_STATUSES = {
    "waiting": AWAITING_DECISION,
    "flagged": AWAITING_DECISION,
    "open": (CheckInStatus.OPEN,),
    "approved": (CheckInStatus.APPROVED,),
    "rejected": (CheckInStatus.REJECTED,),
}
INBOX_STATUS_LABELS = {
    "waiting": _l("Waiting for approval"),
    "flagged": _l("Needs a closer look"),
    "open": _l("Still checked in"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
#: The most rows the inbox shows at once (the count says how many there are in all).
INBOX_PAGE = 200


def _inbox_statement(station_id: int, *, status: str = "waiting", activity_id: int | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     organiser_id: int | None = None):
    statement = select(CheckIn).join(Activity, Activity.id == CheckIn.activity_id).where(
        Activity.station_id == station_id, CheckIn.status.in_(INBOX_STATUSES[status]))
    if status == "flagged":
        statement = statement.where(CheckIn.flagged.is_(True))
    if activity_id is not None:
        statement = statement.where(CheckIn.activity_id == activity_id)
    if since is not None:
        statement = statement.where(Activity.starts_at >= since)
    if until is not None:
        statement = statement.where(Activity.starts_at < until)
    if organiser_id is not None:
        statement = statement.where(Activity.created_by_id == organiser_id)
    return statement


def approval_inbox(station_id: int, *, by: User, limit: int = INBOX_PAGE, **filters
                   ) -> tuple[list[CheckIn], int]:
    """The station's check-ins matching `filters` (`status`, `activity_id`, `since`, `until`:
    an activity's start, `organiser_id`: who created it), oldest activity first; returns
    (the first `limit` of them, how many match in all). Staff of the station only."""
    require_station_staff(by, station_id)
    statement = _inbox_statement(station_id, **filters)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = list(db.session.scalars(statement.order_by(
        Activity.starts_at, Activity.id, CheckIn.checked_in_at, CheckIn.id).limit(limit)))
    return rows, total


def activities_with_waiting(station_id: int) -> list[Activity]:
    """The station's activities with a check-in still to decide (the inbox's activity filter)."""
    return list(db.session.scalars(
        select(Activity).where(Activity.station_id == station_id, Activity.id.in_(
            select(CheckIn.activity_id).where(CheckIn.status.in_(AWAITING_DECISION))))
        .order_by(Activity.starts_at, Activity.id)))


def waiting_count(station_id: int) -> int:
    """How many of the station's check-ins wait for a decision (the count in the navigation)."""
    return db.session.scalar(select(func.count(CheckIn.id))
                             .join(Activity, Activity.id == CheckIn.activity_id)
                             .where(Activity.station_id == station_id,
                                    CheckIn.status.in_(AWAITING_DECISION)))


def approve_many(checkin_ids, *, by: User, evaluation: str | None = None,
                 evaluation_comment: str | None = None) -> dict:
    """Approve the chosen check-ins with their scanned minutes, each in a savepoint.

    One that cannot be approved this way (already decided, no minutes: a forgotten check-out
    needs the minutes typed in) is left as it is and listed under ``skipped`` as (check-in,
    refusal), so that a long selection is not lost for one bad row; so is one above `by`'s
    approval tier. Staff of each one's station only."""
    _check_evaluation(evaluation, evaluation_comment)
    approved, skipped = 0, []
    ids = sorted({int(checkin_id) for checkin_id in checkin_ids})
    rows = db.session.scalars(select(CheckIn).where(CheckIn.id.in_(ids)).order_by(CheckIn.id))
    found = {checkin.id: checkin for checkin in rows}
    if len(found) < len(ids):
        raise NotFound(_("There is no such check-in."), code="checkin_not_found")
    for checkin in found.values():
        require_station_staff(by, checkin.activity.station_id)
    for checkin in found.values():
        if checkin.status == CheckInStatus.APPROVED:
            continue
        try:
            with db.session.begin_nested():
                approve(checkin, by=by, evaluation=evaluation,
                        evaluation_comment=evaluation_comment)
        except (Conflict, InvalidInput, ApprovalTierRefused) as error:
            skipped.append((checkin, error))
        else:
            approved += 1
    return {"approved": approved, "skipped": skipped}


def hand_over_activities(social_worker: User, *, to: User, by: User | None = None, **_ignored
                         ) -> dict:
    """Receiver of `timebank.signals.staff_handed_over`: the worker's open activities go to the
    colleague `to`, and so do the check-ins waiting for approval on the worker's activities
    (a check-in follows its activity: its organiser approves it). Returns the counts moved."""
    waiting = list(db.session.execute(
        select(CheckIn.id, CheckIn.activity_id).join(Activity, Activity.id == CheckIn.activity_id)
        .where(Activity.created_by_id == social_worker.id, CheckIn.status.in_(AWAITING_DECISION),
               Activity.status.in_((ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)))))
    moved = move_activities(social_worker, to,
                            also={activity_id for _id, activity_id in waiting})
    return {"activities": len(moved), "approvals": len(waiting)}
