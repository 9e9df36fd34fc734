"""Partner merchants (爱心商家): goods and services priced in minutes, with stock, paid for by
a member showing a short-lived signed payment QR that the merchant scans (or types its code).

Each payment code can be used once (its nonce is unique among redemptions), stock never goes
below zero (the item row is locked while it is decremented), and the minutes move from member
to merchant through the ledger (kind ``redeem``, key ``redeem:<nonce>``).
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from timebank import guesses
from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.accounts.services import mask_name
from timebank.audit import services as audit
from timebank.clock import MAX_YEAR, MIN_YEAR, month_bounds, now, this_month
from timebank.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceError,
    referenced,
)
from timebank.exchange.merchants.models import (  # noqa: F401 (the models, for callers of this module)
    MerchantItem,
    MerchantProfile,
    MerchantStatus,
    Redemption,
)
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import TransferKind
from timebank.org import services as org

# --- errors -----------------------------------------------------------------------------------

class PaymentRefused(ServiceError):
    """A payment code that cannot be accepted (forged or expired): 400, and nothing changes."""

    status = 400
    code = "invalid_payment_code"


class CodeAlreadyUsed(Conflict):
    code = "payment_code_used"


class SoldOut(Conflict):
    code = "sold_out"


class MerchantNotTrading(Conflict):
    """A merchant whose profile is pending approval or suspended: it cannot take payments."""

    code = "merchant_suspended"


# --- items ------------------------------------------------------------------------------------

def items_of(merchant: User, *, active_only: bool = False) -> list[MerchantItem]:
    """The merchant's items; with `active_only`, those on offer (none while it may not trade)."""
    statement = select(MerchantItem).where(MerchantItem.merchant_id == merchant.id)
    if active_only and not may_trade(merchant):
        return []
    if active_only:
        statement = statement.where(MerchantItem.active.is_(True))
    return list(db.session.scalars(statement.order_by(MerchantItem.active.desc(), MerchantItem.id)))


def get_item(merchant: User, item_id: int) -> MerchantItem:
    """One of `merchant`'s own items (another merchant's is "not found")."""
    item = db.session.get(MerchantItem, item_id)
    if item is None or item.merchant_id != merchant.id:
        raise NotFound(_("There is no such item."), code="item_not_found",
                       fields={"item_id": [_("There is no such item.")]})
    return item


ITEM_FIELDS = ("name", "description", "price_minutes", "stock", "active")


def _check_item(data: dict) -> None:
    problems = {}
    if "name" in data and not (1 <= len((data["name"] or "").strip()) <= 80):
        problems["name"] = [_("Enter a name (up to 80 characters).")]
    if "price_minutes" in data and not (isinstance(data["price_minutes"], int)
                                        and data["price_minutes"] > 0):
        problems["price_minutes"] = [_("The price must be at least 1 minute.")]
    if "stock" in data and not (isinstance(data["stock"], int) and data["stock"] >= 0):
        problems["stock"] = [_("Stock cannot be negative.")]
    if problems:
        raise InvalidInput(fields=problems)


def create_item(merchant: User, data: dict) -> MerchantItem:
    _check_item(data)
    item = MerchantItem(merchant_id=merchant.id, name=data["name"].strip(),
                        description=data.get("description") or "",
                        price_minutes=data["price_minutes"], stock=data["stock"],
                        active=data.get("active", True))
    db.session.add(item)
    db.session.flush()
    audit.record("merchant.item_create", f"merchant_item:{item.id}", actor=merchant,
                 name=item.name, price_minutes=item.price_minutes, stock=item.stock)
    return item


def update_item(item: MerchantItem, merchant: User, changes: dict) -> MerchantItem:
    changes = {key: value for key, value in changes.items() if key in ITEM_FIELDS}
    _check_item(changes)
    if "stock" in changes:  # a stock change waits for any redemption of the item in progress
        _lock_item(item.id)
    for key, value in changes.items():
        setattr(item, key, value.strip() if key == "name" else value)
    db.session.flush()
    audit.record("merchant.item_update", f"merchant_item:{item.id}", actor=merchant,
                 changes={key: value for key, value in changes.items()})
    return item


def _lock_item(item_id: int) -> MerchantItem | None:
    """The item's row, locked until commit (PostgreSQL); SQLite already writes one at a time."""
    return db.session.scalar(select(MerchantItem).where(MerchantItem.id == item_id)
                             .with_for_update().execution_options(populate_existing=True))


# --- payment codes ----------------------------------------------------------------------------
# The QR shows a signed token {"u": user id, "n": random nonce}, valid PAYMENT_CODE_LIFETIME
# seconds. Under it the phone shows a short code to type, ``<user id>-<6 digits>``: an HMAC of
# the user id and the current minute, accepted for that minute and the next. Nothing is stored
# until a payment: the QR's nonce is ``qr:<nonce>``, the typed code's ``code:<user id>:<minute>``,
# and a Redemption keeps it (unique), so each code pays once. Six digits can be guessed, so
# wrong typed codes are limited per member and per merchant (`timebank.guesses`); the signed
# QR token cannot be guessed and has no such limit.

#: Seconds a payment QR stays valid.
PAYMENT_CODE_LIFETIME = 120
TYPED_CODE = re.compile(r"^(\d{1,10})-(\d{6})$")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="payment-code")


def _digits(user_id: int, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"pay:{user_id}:{window}".encode(), hashlib.sha256).hexdigest()
    return f"{int(digest[:8], 16) % 1_000_000:06d}"


def _window(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def payment_code(user: User) -> tuple[str, str, datetime]:
    """(token for the QR, short code to type, when the typed code expires)."""
    moment = now()
    token = _serializer().dumps({"u": user.id, "n": secrets.token_hex(8)})
    window = _window(moment)
    typed = f"{user.id}-{_digits(user.id, window)}"
    typed_expires = datetime.fromtimestamp((window + 2) * 60, tz=UTC)
    return token, typed, min(typed_expires, moment + timedelta(seconds=PAYMENT_CODE_LIFETIME))


#: Typed payment codes: wrong ones count against the member and the merchant typing.
PAYMENT_CODE = guesses.TypedCode(
    target=guesses.PAYMENT_CODE_MEMBER, guesser=guesses.PAYMENT_CODE_MERCHANT,
    target_locked=_l("Typed payment codes for this member are locked for a while after too many "
                     "wrong tries. Scan the QR code on the member's phone instead."),
    guesser_locked=_l("Too many wrong payment codes have been typed here. Scan the QR code on the "
                      "member's phone, or try typing again later."),
    notice_key="payment_code_locked",
    notice_title=_l("Your typed payment code has been locked for a while"),
    notice_body=_l("Wrong payment codes were typed for your account several times at partner "
                   "merchants, so typed codes are refused for now. You can still pay by letting "
                   "the merchant scan your QR code. If you did not try to pay, tell your station."),
    notice_link="/pay")


def read_payment_code(code: str, *, by: User) -> tuple[User, str]:
    """(member, nonce) for a scanned token or a typed code; `PaymentRefused` if forged or expired.

    Wrong typed codes count against the member and the merchant `by`; when either has used up
    its wrong tries, typed codes are refused with `guesses.TooManyWrongTries` (429).
    """
    require_trading(by)
    code = (code or "").strip()
    typed = TYPED_CODE.match(code)
    if typed:
        user_id, digits = int(typed.group(1)), typed.group(2)
        guesses.refuse_typed_code(PAYMENT_CODE, user_id, by.id)
        current = _window(now())
        window = next((w for w in (current, current - 1)
                       if hmac.compare_digest(digits, _digits(user_id, w))), None)
        if window is None:
            guesses.count_wrong_typed_code(PAYMENT_CODE, user_id, by.id)
            raise PaymentRefused(_("This payment code is wrong or has expired. Ask the member to "
                                   "refresh their payment code."), code="invalid_payment_code")
        nonce = f"code:{user_id}:{window}"
    else:
        try:
            data = _serializer().loads(code, max_age=PAYMENT_CODE_LIFETIME)
        except SignatureExpired:
            raise PaymentRefused(_("This payment code has expired. Ask the member to refresh "
                                   "their payment code."), code="expired_payment_code") from None
        except BadSignature:
            raise PaymentRefused(_("This is not a valid payment code."),
                                 code="invalid_payment_code") from None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int) \
                or not isinstance(data.get("n"), str):
            raise PaymentRefused(_("This is not a valid payment code."),
                                 code="invalid_payment_code")
        user_id, nonce = data["u"], f"qr:{data['n']}"[:40]
    member = db.session.get(User, user_id)
    if member is None or not member.is_active:
        raise PaymentRefused(_("This is not a valid payment code."), code="invalid_payment_code")
    return member, nonce


def _used(nonce: str) -> CodeAlreadyUsed:
    return CodeAlreadyUsed(_("This payment code has already been used. Ask the member to "
                             "refresh their payment code."))


def find_redemption(nonce: str) -> Redemption | None:
    return db.session.scalar(select(Redemption).where(Redemption.nonce == nonce))


def redeem(merchant: User, code: str, item: MerchantItem) -> Redemption:
    """The member whose code this is pays `merchant` for one `item`.

    Refused, changing nothing: a forged or expired code (400); a code used before, "sold out"
    or inactive items, and a member without enough hours (409); typed codes after too many
    wrong ones for the member or by the merchant (429).
    """
    member, nonce = read_payment_code(code, by=merchant)
    if item.merchant_id != merchant.id:
        raise NotFound(_("There is no such item."), code="item_not_found",
                       fields={"item_id": [_("There is no such item.")]})
    if member.id == merchant.id or "merchant" in member.role_names:
        raise PaymentRefused(_("A merchant cannot pay with a member's payment code."),
                             code="invalid_payment_code")
    if find_redemption(nonce) is not None:
        raise _used(nonce)

    # Redemptions of one item wait for each other here, so its stock is read and decremented
    # by one at a time and never goes below zero.
    locked = _lock_item(item.id)
    if not locked.active:
        raise SoldOut(_("%(item)s is not on offer at the moment.", item=locked.name),
                      code="item_inactive")
    if locked.stock <= 0:
        raise SoldOut(_("%(item)s is sold out.", item=locked.name))

    source = ledger.member_account(member)
    try:
        transfer = ledger.transfer_between(
            source, ledger.member_account(merchant), locked.price_minutes, TransferKind.REDEEM,
            memo=locked.name, posted_by=merchant, idempotency_key=f"redeem:{nonce}",
            reference=f"merchant_item:{locked.id}")
    except ledger.IdempotencyKeyReused:
        raise _used(nonce) from None
    except ledger.InsufficientBalance:
        raise ledger.InsufficientBalance(
            _("%(name)s does not have enough hours: %(have)s, and %(item)s costs %(price)s.",
              name=mask_name(member.name),
              have=ledger_queries.format_spending(ledger_queries.balance(source)),
              item=locked.name, price=ledger_queries.format_spending(locked.price_minutes)),
            code="insufficient_balance") from None
    if transfer.replayed:  # the same code paid a moment ago, in another request
        raise _used(nonce)

    locked.stock -= 1
    redemption = Redemption(item_id=locked.id, merchant_id=merchant.id, member_id=member.id,
                            minutes=locked.price_minutes, nonce=nonce, transfer_id=transfer.id)
    db.session.add(redemption)
    try:
        db.session.flush()
    except IntegrityError:
        raise _used(nonce) from None
    audit.record("merchant.redeem", f"redemption:{redemption.id}", actor=merchant,
                 item_id=locked.id, member_id=member.id, minutes=locked.price_minutes,
                 transfer_id=transfer.id)
    return redemption


# --- the merchant's statement -----------------------------------------------------------------

def last_payment_id(member: User) -> int:
    """The id of the member's latest payment at a merchant (0 before the first): the payment
    page remembers it, to tell when its code has paid."""
    return db.session.scalar(select(func.max(Redemption.id))
                             .where(Redemption.member_id == member.id)) or 0


def payment_after(member: User, after_id: int) -> Redemption | None:
    """The member's newest payment after the one numbered `after_id`, if any: what the payment
    page shows once its code has been used."""
    return db.session.scalar(
        select(Redemption).where(Redemption.member_id == member.id, Redemption.id > after_id)
        .order_by(Redemption.id.desc()).limit(1))


def shop_name(merchant: User) -> str:
    """The name a member knows the merchant by: the shop's, or the account's."""
    profile = profile_of(merchant)
    return profile.shop_name if profile is not None and profile.shop_name else merchant.name


def parse_month(value: str | None) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; this month (platform zone) when empty; InvalidInput else."""
    if not value:
        return this_month()
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match.group(2)) <= 12 \
            or not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise InvalidInput(fields={"month": [_("Use the form YYYY-MM.")]})
    return int(match.group(1)), int(match.group(2))


def monthly_statement(merchant: User, year: int, month: int) -> dict:
    """Minutes received in the month (from the ledger) and that month's redemptions."""
    start, end = month_bounds(year, month)
    account = ledger.find_member_account(merchant)
    received = 0
    if account is not None:
        (summary,) = ledger_queries.monthly_totals(account, months=1, today=start)
        received = summary["in"]
    redemptions = list(db.session.scalars(
        select(Redemption).where(Redemption.merchant_id == merchant.id,
                                 Redemption.created_at >= start, Redemption.created_at < end)
        .order_by(Redemption.id.desc())))
    return {"month": f"{year:04d}-{month:02d}", "received_minutes": received,
            "count": len(redemptions), "redemptions": redemptions,
            "months": ledger_queries.monthly_totals(account) if account is not None else []}


# --- partner merchants' profiles: registration, approval, suspension --------------------------
# A merchant is a user with the ``merchant`` role and a profile. A station or the district
# registers it (pending); a district administrator approves it, suspends it (with a reason) and
# reinstates it. Only an approved merchant takes payments and offers its items. The migration
# gave every merchant of the time an approved profile, and so do the demo and ``flask users
# create --role merchant`` (an operator's act); a merchant account without a profile (made in
# code without one) trades as before.

def profile_of(merchant: User) -> MerchantProfile | None:
    return db.session.get(MerchantProfile, merchant.id)


def may_trade(merchant: User) -> bool:
    profile = profile_of(merchant)
    return profile is None or profile.status == MerchantStatus.APPROVED


def require_trading(merchant: User) -> None:
    """`MerchantNotTrading` (409) unless the merchant may take payments."""
    profile = profile_of(merchant)
    if profile is None or profile.status == MerchantStatus.APPROVED:
        return
    if profile.status == MerchantStatus.SUSPENDED:
        raise MerchantNotTrading(_("This merchant is suspended and cannot take payments. Ask "
                                   "the district's civil-affairs bureau."))
    raise MerchantNotTrading(_("This merchant has not been approved yet and cannot take "
                               "payments."), code="merchant_not_approved")


def _require_registrar(by: User, station_id: int | None) -> None:
    if has_role(by, Role.DISTRICT_ADMIN):
        return
    if not has_role(by, Role.STATION_MANAGER):
        raise PermissionDenied(_("Only a station manager or a district administrator can "
                                 "register partner merchants."))
    if station_id is None or station_id != org.station_id_of(by):
        raise PermissionDenied(_("A station manager registers merchants for their own "
                                 "station only."))


def _require_district(by: User) -> None:
    if not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can approve, suspend or "
                                 "reinstate partner merchants."))


def _check_credit_code(code: str | None, profile: MerchantProfile | None = None) -> str | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    try:
        code = uscc.validate(code)
    except NumberInvalid:
        raise InvalidInput(fields={"credit_code": [
            _("This is not a valid unified social credit code (18 characters).")]}) from None
    same = db.session.scalar(select(MerchantProfile).where(MerchantProfile.credit_code == code))
    if same is not None and same is not profile:
        raise Conflict(fields={"credit_code": [
            _("Another merchant has this unified social credit code.")]}, code="credit_code_taken")
    return code


def register_merchant(data: dict, *, by: User) -> tuple[User, str | None]:
    """A new partner merchant, pending approval: its login (phone, password or a generated one)
    and its profile. Returns the user and the generated password, shown once (or None)."""

    station_id = data.get("station_id")
    if station_id is None and not by_is_district(by):
        station_id = org.station_id_of(by)
    _require_registrar(by, station_id)
    if station_id is not None:
        referenced(org.get_station, station_id)
    credit_code = _check_credit_code(data.get("credit_code"))
    password = data.get("password") or None
    generated = None if password else users.generate_password()
    user = users.create_user(data["login_phone"], password or generated,
                             data.get("contact_name") or data["shop_name"],
                             roles=(Role.MERCHANT,))
    profile = MerchantProfile(
        user_id=user.id, shop_name=data["shop_name"].strip(),
        contact_name=(data.get("contact_name") or "").strip(), phone=data.get("phone") or "",
        address=(data.get("address") or "").strip(), credit_code=credit_code,
        status=MerchantStatus.PENDING, station_id=station_id, registered_by_id=by.id,
        status_changed_at=now())
    db.session.add(profile)
    db.session.flush()
    audit.record("merchant.register", f"user:{user.id}", actor=by, shop_name=profile.shop_name,
                 station_id=station_id, credit_code=credit_code)
    return user, generated


def by_is_district(by: User) -> bool:
    return has_role(by, Role.DISTRICT_ADMIN)


def ensure_profile(merchant: User, shop_name: str | None = None) -> MerchantProfile:
    """An approved profile for a merchant that has none (the demo, older accounts)."""
    profile = profile_of(merchant)
    if profile is None:
        profile = MerchantProfile(user_id=merchant.id, shop_name=shop_name or merchant.name,
                                  contact_name=merchant.name, status=MerchantStatus.APPROVED,
                                  status_changed_at=now())
        db.session.add(profile)
        db.session.flush()
    return profile


def get_profile(user_id: int) -> MerchantProfile:
    profile = db.session.get(MerchantProfile, user_id)
    if profile is None:
        raise NotFound(_("There is no such partner merchant."), code="merchant_not_found")
    return profile


def visible_profile(viewer: User, user_id: int) -> MerchantProfile:
    """A merchant's profile for the district, or for its station's manager (404, 403 else)."""
    profile = get_profile(user_id)
    if not by_is_district(viewer) and (profile.station_id is None
                                       or profile.station_id != org.station_id_of(viewer)):
        raise PermissionDenied(_("This merchant belongs to another station."))
    return profile


def merchants_statement(viewer: User, query: str = "", status: str = ""):
    """Partner merchants, newest first, matching `query` (shop, contact, phones, credit code)
    and `status`; a station manager sees their own station's only."""
    statement = (select(MerchantProfile).join(User, User.id == MerchantProfile.user_id)
                 .order_by(MerchantProfile.created_at.desc(), MerchantProfile.user_id.desc()))
    if not by_is_district(viewer):
        statement = statement.where(MerchantProfile.station_id == org.station_id_of(viewer))
    query = (query or "").strip()
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(
            MerchantProfile.shop_name.like(like), MerchantProfile.contact_name.like(like),
            MerchantProfile.phone.like(like), User.phone.like(like),
            MerchantProfile.credit_code.like(like), MerchantProfile.address.like(like)))
    if status in set(MerchantStatus):
        statement = statement.where(MerchantProfile.status == status)
    return statement


def _move(profile: MerchantProfile, to: MerchantStatus, *, by: User, reason: str | None,
          allowed_from, action: str) -> MerchantProfile:
    _require_district(by)
    if profile.status not in allowed_from:
        raise Conflict(_("This merchant is %(status)s: nothing to do.",
                         status=str(STATUS_LABELS[profile.status])), code="merchant_state")
    old = profile.status
    profile.status, profile.status_changed_at = to, now()
    db.session.flush()
    audit.record(action, f"user:{profile.user_id}", actor=by, reason=reason, old=old, new=str(to))
    return profile


def approve_merchant(profile: MerchantProfile, *, by: User, reason: str | None = None):
    return _move(profile, MerchantStatus.APPROVED, by=by, reason=reason,
                 allowed_from=(MerchantStatus.PENDING,), action="merchant.approve")


def suspend_merchant(profile: MerchantProfile, *, by: User, reason: str | None):
    if not (reason or "").strip():
        _require_district(by)
        raise InvalidInput(fields={"reason": [_("Say why the merchant is suspended.")]})
    return _move(profile, MerchantStatus.SUSPENDED, by=by, reason=reason.strip(),
                 allowed_from=(MerchantStatus.PENDING, MerchantStatus.APPROVED),
                 action="merchant.suspend")


def reinstate_merchant(profile: MerchantProfile, *, by: User, reason: str | None = None):
    return _move(profile, MerchantStatus.APPROVED, by=by, reason=reason,
                 allowed_from=(MerchantStatus.SUSPENDED,), action="merchant.reinstate")


STATUS_LABELS = {
    MerchantStatus.PENDING: _l("pending approval"),
    MerchantStatus.APPROVED: _l("approved"),
    MerchantStatus.SUSPENDED: _l("suspended"),
}
