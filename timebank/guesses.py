"""Limits on wrong guesses: typed payment codes, typed card codes and passwords.

A typed code is ``<user id>-<6 digits>``, so whoever can type codes can guess one member's
digits; a password can be guessed from many addresses at once. Each kind of guess has two
budgets of wrong tries in the app's configuration (`limits` strings such as ``"5 per 10
minutes;20 per day"``): one per target (the member, the volunteer, the phone number), which
holds however many merchants, staff or addresses try, and one per guesser. When a budget is
used up, that kind of guess is refused (`TooManyWrongTries`, 429) until its window ends; a
target whose typed codes get locked is told through a notification.

A wrong try fails its request and the request's transaction rolls back, so tries are never
counted in a database row: they are counted in the rate-limit storage
(``RATELIMIT_STORAGE_URI``), which is per process with ``memory://`` and shared by every
worker with Redis. These limits hold even when ``RATELIMIT_ENABLED`` turns the per-address
rate limits off: they protect members' codes, not the server. The lock notification is
written after the failed request's rollback, in a transaction of its own.

Expected time to a hit, with the defaults. A typed code is one of 10^6 digit strings and is
accepted for 2 minutes (payment) or 3 (card), so one guess hits with probability p = 2e-6
(payment) or 3e-6 (card). One member's typed codes take at most 20 wrong tries a day from all
merchants together (5 per 10 minutes, 20 per day): 20 * 365 = 7,300 tries a year, so
7,300 * 2e-6 = 0.0146 expected hits a year, one hit in about 68 years (46 for a volunteer's
card). One merchant gets 100 wrong tries a day across all members: 36,500 a year, 0.073
expected hits, one in about 14 years (9 for a staff member typing cards, at 3e-6). Without
the daily budgets, 5 tries per 10 minutes alone would still be 262,800 a year: one hit in
about 1.9 years, which is why the daily budgets are there.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from timebank.accounts.models import User
from timebank.clock import now
from timebank.errors import ServiceError
from timebank.extensions import db
from timebank.notifications import services as notifications
from timebank.web.inputs import INT_MAX

EXTENSION = "timebank.guesses"


class TooManyWrongTries(ServiceError):
    status = 429
    code = "too_many_wrong_tries"


@dataclass(frozen=True)
class Budget:
    """One budget of wrong tries: its name in the storage keys and its configuration key."""

    name: str
    config_key: str


PAYMENT_CODE_MEMBER = Budget("payment-code-member", "PAYMENT_CODE_MEMBER_LIMIT")
PAYMENT_CODE_MERCHANT = Budget("payment-code-merchant", "PAYMENT_CODE_MERCHANT_LIMIT")
CARD_CODE_VOLUNTEER = Budget("card-code-volunteer", "CARD_CODE_VOLUNTEER_LIMIT")
CARD_CODE_STAFF = Budget("card-code-staff", "CARD_CODE_STAFF_LIMIT")
LOGIN_PHONE = Budget("login-phone", "LOGIN_PHONE_FAILURE_LIMIT")


def init_app(app) -> None:
    app.extensions[EXTENSION] = FixedWindowRateLimiter(
        storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
    app.after_request(_send_lock_notices)


def _strategy() -> FixedWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def _items(budget: Budget) -> list[RateLimitItem]:
    return parse_many(current_app.config[budget.config_key])


def _identifiers(budget: Budget, key) -> tuple[str, str, str]:
    return "timebank-guesses", budget.name, str(key)


def used_up(budget: Budget, key) -> bool:
    """Whether `key` (a user id, a hashed phone) has no wrong tries left in `budget`."""
    strategy = _strategy()
    return not all(strategy.test(item, *_identifiers(budget, key)) for item in _items(budget))


def record_wrong(budget: Budget, key) -> bool:
    """Count one wrong try against `key`; True if it used up the budget's last try."""
    was_open = not used_up(budget, key)
    strategy = _strategy()
    for item in _items(budget):
        strategy.hit(item, *_identifiers(budget, key))
    return was_open and used_up(budget, key)


def refuse_if_used_up(budget: Budget, key, message: str) -> None:
    if used_up(budget, key):
        raise TooManyWrongTries(message)


# --- logins -------------------------------------------------------------------------------------
# Per address, logins are limited by LOGIN_RATE_LIMIT (Flask-Limiter). Per phone number, only
# failed logins count, whatever the address: many addresses cannot try one phone forever, and
# one address can lock a phone only by failing for it (and has its own limit on attempts).

def _phone_key(phone: str) -> str:
    """A phone number as it appears in the storage's keys (hashed: no phone numbers in Redis)."""
    return hashlib.sha256(f"phone:{phone.strip()}".encode()).hexdigest()[:32]


def refuse_login_if_locked(phone: str) -> None:
    """429 before the password is checked, for a phone with too many failed logins."""
    refuse_if_used_up(LOGIN_PHONE, _phone_key(phone), _(
        "Too many failed logins for this phone number. Please try again later."))


def count_failed_login(phone: str) -> None:
    record_wrong(LOGIN_PHONE, _phone_key(phone))


# --- typed codes -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TypedCode:
    """A code one person shows and another types (``<user id>-<6 digits>``): wrong tries count
    against the person it names (`target`) and whoever types it (`guesser`), and the person is
    told when their code locks. Texts are lazy, translated when used."""

    target: Budget
    guesser: Budget
    target_locked: Any
    guesser_locked: Any
    notice_key: str
    notice_title: Any
    notice_body: Any
    notice_link: str


def refuse_typed_code(kind: TypedCode, target_id: int | None, guesser_id: int) -> None:
    """429 before the code is checked, when either budget of `kind` is used up."""
    if target_id is not None:
        refuse_if_used_up(kind.target, target_id, str(kind.target_locked))
    refuse_if_used_up(kind.guesser, guesser_id, str(kind.guesser_locked))


def count_wrong_typed_code(kind: TypedCode, target_id: int | None, guesser_id: int) -> None:
    """Count a wrong code against both; tell the target once their budget runs out."""
    record_wrong(kind.guesser, guesser_id)
    if target_id is None or not record_wrong(kind.target, target_id) or target_id > INT_MAX:
        return  # past the integer column an id is nobody, and looking it up would overflow
    target = db.session.get(User, target_id)
    if target is not None:
        notify_after_request(target.id, f"{kind.notice_key}:{target.id}:{int(now().timestamp())}",
                             str(kind.notice_title), str(kind.notice_body), link=kind.notice_link)


# --- telling the target -------------------------------------------------------------------------

def notify_after_request(user_id: int, key: str, title: str, body: str, link: str | None = None
                         ) -> None:
    """Tell `user_id` once the failed request is over: its own transaction will roll back."""
    g.setdefault("guess_lock_notices", []).append(
        {"user_id": user_id, "key": key, "title": title, "body": body, "link": link})


def _send_lock_notices(response):
    """`after_request` hook: write the notices of this request after rolling its work back."""
    notices = g.pop("guess_lock_notices", None)
    if notices:
        # The request failed (a wrong code) and has not committed; what it did is discarded
        # anyway at teardown, so rolling back here changes nothing but frees the transaction.
        db.session.rollback()
        try:
            for notice in notices:
                notifications.notify(**notice)
            db.session.commit()
        except Exception:  # the refusal has been answered; a lost notice must not turn it into a 500
            db.session.rollback()
            current_app.logger.exception("could not write a lock notification")
    return response
