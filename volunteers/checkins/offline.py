"""Cards scanned by a staff phone without network, recorded when the phone is back online.

A village station's phone may lose the network; its scanner page keeps each scanned personal
card (the code, the phone's time of the scan, check-in or check-out, a scan id made on the
phone) and sends them later to `record_offline_scans`. Rules kept here:

* Each scan is checked on its own and answered on its own: ``recorded``, ``duplicate`` or
  ``refused`` with a code and a message. A bad item never fails the batch; a batch holds at
  most `MAX_BATCH` scans (413 beyond).
* A ``scan_id`` counts once (a unique constraint, each scan in a savepoint, as `check_in`
  does): sent again, by the same phone or concurrently, it answers ``duplicate`` with the
  first outcome and changes nothing. Only a refusal that may pass later (too many wrong
  codes, `TRANSIENT`) is not kept, so the phone may send that scan again.
* The card code must have been shown at the time it was scanned: the phone's time, within
  `CLOCK_SKEW` either way, must fall in the code's minute or the two after it (the card
  scanned online is honoured as long). A scan is refused when its time is more than
  `CLOCK_SKEW` ahead of the server's, or older than `MAX_AGE`. Wrong codes count against the
  volunteer and the staff member as typed ones do (`guesses`); accepting 7 minute windows
  rather than 3 makes one guess 7 in a million.
* The check-in or check-out is made by `check_in` / `check_out` at the scan's time, so the
  activity's window holds as for a scan made online. ``out`` needs a check-in of that
  volunteer at that activity (made online or offline before it), and a time after it.
* A card code (volunteer and minute) recorded for one activity is refused for any other.
* Audited as scans made online are (``checkin.in``, ``checkin.out``), and each recorded scan
  as ``checkin.offline_scan`` by the staff member who sent it.
"""

import hmac
from datetime import datetime, timedelta

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from timebank import guesses
from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import ServiceError, localise
from timebank.extensions import db
from timebank.org.services import require_station_staff
from timebank.web.inputs import INT_MAX
from volunteers.activities.models import Activity, ActivityStatus
from volunteers.checkins.models import OfflineScan
from volunteers.checkins.schemas import OfflineScanSchema
from volunteers.checkins.services import (
    CARD_CODE,
    BadCode,
    CheckInRefused,
    _card_digest,
    check_in,
    check_out,
    find,
)

#: How far the phone's clock may be from the server's, either way.
CLOCK_SKEW = timedelta(minutes=2)
#: A scan older than this is refused (the activity's window is checked besides).
MAX_AGE = timedelta(hours=24)
#: The most scans in one request.
MAX_BATCH = 500
#: Minutes after its own that a card code is still honoured (as `user_from_card` does).
CARD_MINUTES_AFTER = 2
#: Refusals that may pass if the scan is sent again later: not kept against the scan id.
TRANSIENT = (guesses.TooManyWrongTries,)


class TooManyScans(ServiceError):
    status = 413
    code = "too_many_scans"


class ScanRefused(ServiceError):
    status = 409
    code = "scan_refused"


def record_offline_scans(activity: Activity, scans: list, *, by: User) -> list[dict]:
    """Record the scans `by`'s phone made at `activity` without network; one answer per scan,
    in the order sent: ``{"scan_id", "status", "outcome"?, "checkin_id"?, "error"?}``.

    Scans are handled in the order they were scanned, so a check-out follows its check-in."""
    require_station_staff(by, activity.station_id)
    if len(scans) > MAX_BATCH:
        raise TooManyScans(_("Send at most %(most)d scans at once.", most=MAX_BATCH))
    results: list[dict | None] = [None] * len(scans)
    readable = []
    for position, item in enumerate(scans):
        try:
            readable.append((position, OfflineScanSchema().load(item)))
        except ValidationError as error:
            results[position] = _unreadable(item, error)
    readable.sort(key=lambda pair: pair[1]["scanned_at"])
    for position, scan in readable:
        results[position] = {**_record(activity, scan, by), "scan_id": scan["scan_id"]}  # as sent
    return results


def _record(activity: Activity, scan: dict, by: User) -> dict:
    scan_id = scan["scan_id"].lower()
    first = _stored(scan_id)
    if first is not None:
        return _duplicate(first)
    try:
        with db.session.begin_nested():
            row = _accept(activity, scan, scan_id, by)
    except IntegrityError:  # the same scan id, sent concurrently, was recorded first
        return _duplicate(_stored(scan_id))
    except TRANSIENT as error:
        return _refused(scan_id, error)
    except ServiceError as error:
        try:
            with db.session.begin_nested():
                row = _keep_refusal(activity, scan, scan_id, by, error)
        except IntegrityError:
            return _duplicate(_stored(scan_id))
    return _answer(row)


def _accept(activity: Activity, scan: dict, scan_id: str, by: User) -> OfflineScan:
    """Check the scan and make its check-in or check-out; `ServiceError` says why not."""
    at, moment = scan["scanned_at"], now()
    if at > moment + CLOCK_SKEW:
        raise ScanRefused(_("The scan's time is in the future: check the phone's clock."),
                          code="scanned_in_future")
    if at < moment - MAX_AGE:
        raise ScanRefused(_("This scan is more than 24 hours old and can no longer be "
                            "recorded."), code="scan_too_old")
    if activity.status == ActivityStatus.CANCELLED:
        raise ScanRefused(_("This activity does not take place."), code="activity_cancelled")
    volunteer, window = _card_holder(scan["card_code"], at, by=by)
    # One volunteer's scans one at a time (PostgreSQL), so a card code serves one activity.
    db.session.execute(select(User.id).where(User.id == volunteer.id).with_for_update())
    if db.session.scalar(select(OfflineScan.id).where(
            OfflineScan.user_id == volunteer.id, OfflineScan.card_window == window,
            OfflineScan.status == "recorded", OfflineScan.activity_id != activity.id).limit(1)):
        raise ScanRefused(_("This card code has already been used for another activity."),
                          code="card_code_used")
    if scan["purpose"] == "in":
        checkin, _created = check_in(activity, volunteer, method="offline", at=at)
    else:
        checkin = find(activity, volunteer)
        if checkin is None:
            raise CheckInRefused(_("%(name)s has not checked in to this activity, so cannot "
                                   "check out.", name=volunteer.name), code="not_checked_in")
        if at < checkin.checked_in_at:
            raise CheckInRefused(_("This check-out was scanned before the check-in."),
                                 code="out_before_in")
        checkin = check_out(checkin, activity, at=at)
    row = _row(activity, scan, scan_id, by, status="recorded", user_id=volunteer.id,
               card_window=window, checkin_id=checkin.id)
    db.session.flush()
    audit.record("checkin.offline_scan", f"checkin:{checkin.id}", actor=by, scan_id=scan_id,
                 purpose=scan["purpose"], scanned_at=at.isoformat(),
                 received_at=row.received_at.isoformat(), activity_id=activity.id)
    return row


def _card_holder(code: str, at: datetime, *, by: User) -> tuple[User, int]:
    """The volunteer whose card showed `code` at `at` (give or take `CLOCK_SKEW`), and the
    minute the code was made for; `BadCode` (a wrong try) if there is none."""
    user_id, _sep, digits = code.strip().partition("-")
    target = int(user_id) if user_id.isdigit() and int(user_id) <= INT_MAX else None
    guesses.refuse_typed_code(CARD_CODE, target, by.id)
    scanned = int(at.timestamp() // 60)
    skew = int(CLOCK_SKEW.total_seconds() // 60)
    if target is not None:
        for window in range(scanned + skew, scanned - skew - CARD_MINUTES_AFTER - 1, -1):
            if hmac.compare_digest(digits, _card_digest(target, window)):
                volunteer = db.session.get(User, target)
                if volunteer is not None and volunteer.is_active:
                    return volunteer, window
                break
    guesses.count_wrong_typed_code(CARD_CODE, target, by.id)
    raise BadCode(_("This card code is not valid, or was not shown at the time it was "
                    "scanned."), code="bad_card")


def _row(activity, scan, scan_id, by, **fields) -> OfflineScan:
    row = OfflineScan(scan_id=scan_id, activity_id=activity.id, purpose=scan["purpose"],
                      scanned_at=scan["scanned_at"], received_at=now(), by_id=by.id, **fields)
    db.session.add(row)
    return row


def _keep_refusal(activity, scan, scan_id, by, error: ServiceError) -> OfflineScan:
    row = _row(activity, scan, scan_id, by, status="refused", error_code=error.code[:40],
               error_message=error.message[:300])
    db.session.flush()
    return row


def _stored(scan_id: str) -> OfflineScan | None:
    return db.session.scalar(select(OfflineScan).where(OfflineScan.scan_id == scan_id))


def _answer(row: OfflineScan) -> dict:
    if row.status == "recorded":
        return {"scan_id": row.scan_id, "status": "recorded", "checkin_id": row.checkin_id}
    return {"scan_id": row.scan_id, "status": "refused",
            "error": {"code": row.error_code, "message": row.error_message}}


def _duplicate(first: OfflineScan) -> dict:
    return {**_answer(first), "status": "duplicate", "outcome": first.status}


def _refused(scan_id, error: ServiceError) -> dict:
    return {"scan_id": scan_id, "status": "refused",
            "error": {"code": error.code, "message": error.message}}


def _unreadable(item, error: ValidationError) -> dict:
    scan_id = item.get("scan_id") if isinstance(item, dict) else None
    problems = localise(error.messages)
    if isinstance(problems, dict):
        text = "; ".join(f"{name}: {' '.join(map(str, messages))}" if isinstance(messages, list)
                         else f"{name}: {messages}" for name, messages in problems.items())
    else:
        text = " ".join(map(str, problems))
    return _refused(scan_id if isinstance(scan_id, str) and len(scan_id) <= 64 else None,
                    ScanRefused(_("This scan could not be read: %(problems)s", problems=text),
                                code="invalid_scan"))
