"""Proving a phone number is one's own with an SMS code: at registration, and at the first login
of an account someone else made (staff, an import) or registered without a code (old API clients).

- `send_register_code(phone, address)`: before an account exists. The answer is the same whether
  the number is free or taken, so nobody learns which numbers are registered; the code is sent
  either way (the holder of a taken number may be the real owner taking it back, below).
- `send_verify_code(user, address)`: to a logged-in member's own number.
- `take_register_code(phone, code, address)` and `verify_phone(user, code, address)` use a code.

Codes follow the password-reset codes (`timebank.accounts.recovery`): 6 random digits, stored
only as an HMAC-SHA256 under the app's secret key, ``PHONE_CODE_MINUTES`` of life, a newer code
for the same number and purpose voids the older one, ``PHONE_CODE_TRIES`` wrong codes void every
live one. Codes sent are limited per phone number and per address, and wrong codes per address,
in the rate-limit storage (`timebank.guesses`): the limits hold across workers with Redis and
even with ``RATELIMIT_ENABLED`` off. A wrong try is kept in the code's row, so the edge commits
it even though the request fails (`WrongPhoneCode`).

**A number nobody proved is not held against its owner.** When someone registers with a valid
code for a number that an unverified self-registered resident account holds, that account is
*released*, not claimed: it is deactivated (logins and tokens end), its phone is replaced by a
placeholder that can never be a mobile number (``0`` and ten digits), and the release is
audited. Its history stays with it for staff to look at; nothing of it passes to the new owner,
who may be a different person from whoever typed the number. Staff accounts and imported
accounts are never released (an imported one is claimed by name as before), nor one whose
number was proved another way (a password reset by SMS verifies it).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from timebank import guesses
from timebank.accounts import recovery
from timebank.accounts.models import PhoneCode, User, _new_stamp
from timebank.accounts.permissions import Role
from timebank.accounts.recovery import normalise_code
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.notifications import sms

REGISTER, VERIFY = "register", "verify"
DIGITS = 6
#: The name under which SMS gateways find the message's approved template.
SMS_TEMPLATE = "phone_code"
LOOK_BACK = timedelta(hours=24)

PHONE = guesses.Budget("phone-code-phone", "PHONE_CODE_PHONE_LIMIT")
ADDRESS = guesses.Budget("phone-code-address", "PHONE_CODE_ADDRESS_LIMIT")
WRONG_CODE_ADDRESS = guesses.Budget("phone-code-wrong-code", "PHONE_CODE_WRONG_CODE_LIMIT")


class WrongPhoneCode(InvalidInput):
    """The code typed is not a live code for the number. The wrong try was counted in the
    database: the edge commits before it answers."""

    code = "invalid_code"


def _digest(phone: str, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"phone-code:{purpose}:{phone}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def _count_request(phone: str, address: str | None) -> None:
    recovery.count_code_request(PHONE, ADDRESS, phone, address)


def _send(phone: str, purpose: str, user: User | None) -> PhoneCode:
    moment = now()
    # No phone number stays here longer than a code can be looked at.
    db.session.execute(delete(PhoneCode).where(PhoneCode.created_at < moment - LOOK_BACK))
    for older in db.session.scalars(select(PhoneCode).where(
            PhoneCode.phone == phone, PhoneCode.purpose == purpose,
            PhoneCode.used_at.is_(None), PhoneCode.voided_at.is_(None),
            PhoneCode.expires_at > moment)):
        older.voided_at = moment
    minutes = current_app.config["PHONE_CODE_MINUTES"]
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    row = PhoneCode(phone=phone, purpose=purpose, user_id=user.id if user else None,
                    code_hash=_digest(phone, purpose, code), created_at=moment,
                    expires_at=moment + timedelta(minutes=minutes))
    db.session.add(row)
    db.session.flush()
    sms.send_after_commit(phone, _(
        "[Nansha Time Bank] Your verification code is %(code)s, valid for %(minutes)d minutes. "
        "Do not tell it to anyone.", code=code, minutes=minutes),
        template=SMS_TEMPLATE, params={"code": code, "minutes": minutes})
    return row


def send_register_code(phone: str, address: str | None) -> None:
    """Text a registration code to `phone`, registered or not (429 when asked too often)."""
    _count_request(phone, address)
    _send(phone, REGISTER, None)


def send_verify_code(user: User, address: str | None) -> None:
    """Text a code to the logged-in `user`'s own number."""
    _count_request(user.phone, address)
    _send(user.phone, VERIFY, user)


def _take(phone: str, purpose: str, code: str, address: str | None, user: User | None = None
          ) -> PhoneCode:
    """Use a live code of `purpose` for `phone`: marks it used, or counts a wrong try and
    raises `WrongPhoneCode` (commit it), or refuses a used, void or expired code."""
    address = address or "unknown"
    if guesses.used_up(WRONG_CODE_ADDRESS, address):
        raise guesses.TooManyWrongTries(_("Too many wrong codes were typed from this network. "
                                          "Please try again later."))
    code = normalise_code(code)
    moment = now()
    statement = (select(PhoneCode).where(PhoneCode.phone == phone, PhoneCode.purpose == purpose,
                                         PhoneCode.created_at > moment - LOOK_BACK)
                 .order_by(PhoneCode.id.desc()).with_for_update())
    if user is not None:
        statement = statement.where(PhoneCode.user_id == user.id)
    recent = list(db.session.scalars(statement))
    digest = _digest(phone, purpose, code)
    matched = next((row for row in recent if hmac.compare_digest(row.code_hash, digest)), None)
    field = "sms_code" if purpose == REGISTER else "code"
    if matched is None:
        recovery.count_wrong_code(recent, moment, current_app.config["PHONE_CODE_TRIES"],
                                  WRONG_CODE_ADDRESS, address)
        raise WrongPhoneCode(fields={field: [_("The code is wrong. Check it and try again.")]})
    refusal = None
    if matched.used_at is not None:
        refusal = _("This code has already been used. Ask for a new one.")
    elif matched.voided_at is not None:
        refusal = _("This code is no longer valid: a newer code was issued, or too many wrong "
                    "codes were typed. Ask for a new one.")
    elif matched.expires_at <= moment:
        refusal = _("This code has expired. Ask for a new one.")
    if refusal is not None:
        raise InvalidInput(fields={field: [refusal]}, code="invalid_code")
    matched.used_at = moment
    db.session.flush()
    return matched


def take_register_code(phone: str, code: str, address: str | None) -> PhoneCode:
    return _take(phone, REGISTER, code, address)


def mark_verified(user: User, how: str, by: User | None = None) -> None:
    user.phone_verified_at = now()
    audit.record("user.phone_verified", f"user:{user.id}", actor=by or user, how=how)
    db.session.flush()


def verify_phone(user: User, code: str, address: str | None) -> User:
    """The logged-in `user` types the code texted to their number."""
    if user.phone_verified_at is not None:
        return user
    _take(user.phone, VERIFY, code, address, user=user)
    mark_verified(user, "sms")
    return user


def releasable(user: User) -> bool:
    """Whether an account gives its number up to someone who proves it: one that registered
    itself (not made by staff or an import, nor an imported account claimed), never verified
    its number, and has no role beside resident."""
    from timebank.audit.models import AuditEntry

    if user.phone_verified_at is not None or user.claimable \
            or not set(user.role_names) <= {Role.RESIDENT.value}:
        return False
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == f"user:{user.id}",
        AuditEntry.action.in_(("user.register", "user.claim", "user.create")))))
    return actions == {"user.register"}


def placeholder_phone(user: User) -> str:
    """Eleven characters that can never be a mainland mobile number (those start with 1)."""
    return f"0{user.id:010d}"


def release_phone(user: User, *, to_phone: str) -> None:
    """Deactivate an unverified account and free its number (see the module's docstring)."""
    user.phone = placeholder_phone(user)
    user.active = False
    user.security_stamp = _new_stamp()
    db.session.flush()
    audit.record("user.phone_released", f"user:{user.id}", actor=None,
                 phone_tail=to_phone[-4:], reason="registered again with a verified code")
