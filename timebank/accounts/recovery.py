"""Account recovery: setting a new password with a one-time code, when the old one is forgotten.

Two ways to get a code, one way to use it (`reset_password`: phone, code, new password):

- **From staff** (`issue_staff_code`): a social worker or station manager for a member of their
  own station, a district administrator for anyone, and only for someone of a lower rank than
  themselves (a social worker cannot take over a manager's account). The code has 8 digits,
  lasts 24 hours, is shown once to the staff member to hand over, and the issue is audited.
- **By SMS** (`request_sms_code`): anyone may ask for a code for a phone number. If an active
  account has it, a 6-digit code is texted through the SMS gateway after the commit
  (`timebank.notifications.sms`); the answer is the same either way, so nobody learns which
  numbers are registered. Requests are limited per phone number and per address in the
  rate-limit storage (`timebank.guesses`), whether or not the number exists and even with
  ``RATELIMIT_ENABLED`` off, so the limits hold across workers with Redis.

Codes are random (`secrets`) and stored only as an HMAC-SHA256 under the app's secret key. A code
is refused once used, once expired, and once void: a newer code of the same kind voids the older
unused one, and ``PASSWORD_RESET_CODE_TRIES`` wrong codes typed for the account void every live
code of it. Those wrong tries are kept in the code's row, so the edge commits them even though
the request fails (`WrongResetCode`); wrong codes from one address are limited as well.
Setting the password renews the security stamp, which ends every other login and API token.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from timebank import guesses
from timebank.accounts.models import PasswordResetCode, User
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.accounts.services import (
    PasswordChange,
    apply_password_change,
    get_by_phone,
)
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, PermissionDenied, ServiceError
from timebank.extensions import db
from timebank.notifications import sms
from timebank.org import services as org

STAFF, SMS = "staff", "sms"
STAFF_CODE_DIGITS, SMS_CODE_DIGITS = 8, 6
STAFF_CODE_LIFETIME = timedelta(hours=24)
#: The name under which SMS gateways find the reset message's approved template.
SMS_TEMPLATE = "password_reset"
#: How far back codes are looked at when a code is typed (the longest lifetime, and a day more
#: so that a recently expired code is named as expired rather than wrong).
LOOK_BACK = timedelta(hours=48)

#: Codes asked for one phone number (from anywhere) and from one address (for any numbers).
RESET_PHONE = guesses.Budget("password-reset-phone", "PASSWORD_RESET_PHONE_LIMIT")
RESET_ADDRESS = guesses.Budget("password-reset-address", "PASSWORD_RESET_ADDRESS_LIMIT")
#: Wrong codes typed from one address, for any numbers.
WRONG_CODE_ADDRESS = guesses.Budget("password-reset-wrong-code",
                                    "PASSWORD_RESET_WRONG_CODE_LIMIT")

#: How staff rank for issuing codes: one may issue only for someone ranked lower.
_RANKS = (Role.DISTRICT_ADMIN, Role.STATION_MANAGER, Role.SOCIAL_WORKER)


class TooManyRequests(ServiceError):
    status = 429
    code = "rate_limited"


class WrongResetCode(InvalidInput):
    """The code typed is not a live code of the account. The request fails, but the wrong try
    was counted in the database: the edge commits before it answers."""

    code = "invalid_code"


@dataclass(frozen=True)
class IssuedCode:
    """A code just made: the only time its digits exist outside the holder's hands."""

    code: str
    expires_at: datetime
    user: User


# --- helpers ------------------------------------------------------------------------------------

def _digest(user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"password-reset:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_code(raw: str) -> str:
    """What a person types: ``1234 5678`` and ``1234-5678`` are ``12345678``."""
    return re.sub(r"[\s\-]", "", raw or "")


def format_code(code: str) -> str:
    """A staff code in two groups of four, easy to read out."""
    return f"{code[:4]} {code[4:]}" if len(code) == STAFF_CODE_DIGITS else code


def _phone_key(phone: str) -> str:
    return hashlib.sha256(f"reset-phone:{phone}".encode()).hexdigest()[:32]


def _live(code, moment: datetime) -> bool:
    return code.used_at is None and code.voided_at is None and code.expires_at > moment


def _live_codes(user: User, kind: str | None = None) -> list[PasswordResetCode]:
    statement = select(PasswordResetCode).where(
        PasswordResetCode.user_id == user.id, PasswordResetCode.used_at.is_(None),
        PasswordResetCode.voided_at.is_(None), PasswordResetCode.expires_at > now())
    if kind is not None:
        statement = statement.where(PasswordResetCode.kind == kind)
    return list(db.session.scalars(statement))


def _new_code(user: User, kind: str, digits: int, lifetime: timedelta, issued_by=None
              ) -> tuple[str, PasswordResetCode]:
    """A fresh code of `kind` for `user`; the older unused ones of that kind become void."""
    moment = now()
    for older in _live_codes(user, kind):
        older.voided_at = moment
    code = f"{secrets.randbelow(10 ** digits):0{digits}d}"
    row = PasswordResetCode(user_id=user.id, kind=kind, code_hash=_digest(user.id, code),
                            issued_by_id=issued_by.id if issued_by is not None else None,
                            created_at=moment, expires_at=moment + lifetime)
    db.session.add(row)
    db.session.flush()
    return code, row


# --- staff --------------------------------------------------------------------------------------

def _rank(user) -> int:
    """0 for a district administrator, 1 a station manager, 2 a social worker, 3 anyone else."""
    return next((index for index, role in enumerate(_RANKS) if has_role(user, role)), len(_RANKS))


def may_issue(staff, member) -> bool:
    """Whether `staff` may give `member` a reset code: a district administrator for anyone
    else, other staff for members of their own station of a lower rank than theirs."""
    if member is None or staff is None or member.id == staff.id or not is_staff(staff):
        return False
    if has_role(staff, Role.DISTRICT_ADMIN):
        return True
    return _rank(member) > _rank(staff) and org.staff_may_act_on(staff, member)


def issue_staff_code(staff, member: User, reason: str | None = None) -> IssuedCode:
    """A 24-hour reset code for `member`, issued by `staff` (audited; shown once)."""
    if not may_issue(staff, member):
        raise PermissionDenied(_(
            "Only staff of this member's station, or a district administrator, can reset their "
            "password."))
    if not member.is_active:
        raise Conflict(_("This account is deactivated; its password cannot be reset."),
                       code="user_inactive")
    code, row = _new_code(member, STAFF, STAFF_CODE_DIGITS, STAFF_CODE_LIFETIME, issued_by=staff)
    audit.record("user.password_reset_code", f"user:{member.id}", actor=staff,
                 reason=(reason or "").strip() or None, code_id=row.id, kind=STAFF,
                 expires_at=row.expires_at.isoformat())
    return IssuedCode(code=code, expires_at=row.expires_at, user=member)


# --- SMS ----------------------------------------------------------------------------------------

def count_code_request(phone_scope: guesses.Budget, address_scope: guesses.Budget, phone: str,
                       address: str | None) -> None:
    """Count one texted code asked for `phone` from `address` (in the limit storage shared by
    the workers); `TooManyRequests` (429) when either has asked too often already."""
    address = address or "unknown"
    if guesses.used_up(phone_scope, _phone_key(phone)):
        raise TooManyRequests(_("Too many codes were asked for this phone number. "
                                "Please try again later."))
    if guesses.used_up(address_scope, address):
        raise TooManyRequests(_("Too many codes were asked for from this network. "
                                "Please try again later."))
    guesses.record_wrong(phone_scope, _phone_key(phone))
    guesses.record_wrong(address_scope, address)


def count_wrong_code(rows, moment: datetime, tries: int, address_scope: guesses.Budget,
                     address: str | None) -> None:
    """A wrong code was typed: count it against `address`, and against each live code among
    `rows` (reset or phone codes alike), voiding a code at its `tries`-th wrong try."""
    guesses.record_wrong(address_scope, address)
    for row in rows:
        if _live(row, moment):
            row.wrong_tries += 1
            if row.wrong_tries >= tries:
                row.voided_at = moment
    db.session.flush()


def request_sms_code(phone: str, address: str | None) -> None:
    """Text a reset code to `phone` if an active account has it; the same outcome otherwise.

    429 (`TooManyRequests`) when this phone number or this address has asked too often; every
    request counts, for registered and unknown numbers alike."""
    count_code_request(RESET_PHONE, RESET_ADDRESS, phone, address)
    user = get_by_phone(phone)
    if user is None or not user.is_active:
        return
    minutes = current_app.config["PASSWORD_RESET_SMS_MINUTES"]
    code, row = _new_code(user, SMS, SMS_CODE_DIGITS, timedelta(minutes=minutes))
    audit.record("user.password_reset_code", f"user:{user.id}", actor=None, code_id=row.id,
                 kind=SMS, expires_at=row.expires_at.isoformat())
    sms.send_after_commit(user.phone, _(
        "[Nansha Time Bank] Your password reset code is %(code)s, valid for %(minutes)d minutes. "
        "If you did not ask for it, ignore this message.", code=code, minutes=minutes),
        template=SMS_TEMPLATE, params={"code": code, "minutes": minutes})


# --- using a code -------------------------------------------------------------------------------

def _refuse(message: str) -> InvalidInput:
    return InvalidInput(fields={"code": [message]}, code="invalid_code")


def reset_password(phone: str, code: str, new_password: str, address: str | None) -> User:
    """Set `new_password` for the account of `phone` with a live reset `code`.

    The new password is hashed before the first query (hashing is slow; on SQLite the first
    query of a write takes the database's lock). A wrong code raises `WrongResetCode` after
    counting the try against the account's live codes (commit it); a used, expired or void
    code, or too many wrong codes from this address, are refused without counting."""
    address = address or "unknown"
    if guesses.used_up(WRONG_CODE_ADDRESS, address):
        raise guesses.TooManyWrongTries(_("Too many wrong codes were typed from this network. "
                                          "Please try again later."))
    new_hash = generate_password_hash(new_password)
    code = normalise_code(code)
    user = get_by_phone(phone)
    moment = now()
    recent = [] if user is None or not user.is_active else list(db.session.scalars(
        select(PasswordResetCode).where(PasswordResetCode.user_id == user.id,
                                        PasswordResetCode.created_at > moment - LOOK_BACK)
        .order_by(PasswordResetCode.id.desc())
        .with_for_update()))  # one use of a code, even when two requests bring it at once
    matched = next((row for row in recent
                    if hmac.compare_digest(row.code_hash, _digest(user.id, code))), None)
    if matched is None:
        count_wrong_code(recent, moment, current_app.config["PASSWORD_RESET_CODE_TRIES"],
                         WRONG_CODE_ADDRESS, address)
        raise WrongResetCode(fields={"code": [_("The code is wrong. Check it and try again.")]})
    if matched.used_at is not None:
        raise _refuse(_("This code has already been used. Ask for a new one."))
    if matched.voided_at is not None:
        raise _refuse(_("This code is no longer valid: a newer code was issued, or too many "
                        "wrong codes were typed. Ask for a new one."))
    if matched.expires_at <= moment:
        raise _refuse(_("This code has expired. Ask for a new one."))
    apply_password_change(user, PasswordChange(checked_hash=user.password_hash, new_hash=new_hash))
    matched.used_at = moment
    if matched.kind == SMS and user.phone_verified_at is None:
        user.phone_verified_at = moment  # the code reached the phone: it is theirs
    for row in recent:
        if row is not matched and _live(row, moment):
            row.voided_at = moment
    audit.record("user.password_reset", f"user:{user.id}", actor=user, code_id=matched.id,
                 kind=matched.kind)
    db.session.flush()
    return user
