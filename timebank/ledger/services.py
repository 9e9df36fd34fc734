"""The hour ledger: double-entry accounts, transfers and entries, in whole minutes.

Design overview
---------------
* An `Account` holds minutes for one owner: a member (resident), a merchant, a community pool,
  or an issuer (a station's account that creates hours when it pays volunteers, and so runs
  negative). Accounts are found by a unique `key` such as ``member:12`` or ``station:3:issuer``
  (every format is in `timebank.ledger.keys`); the ledger does not know what a station is, only
  the key it was given.
* A `Transfer` moves minutes between accounts. It has two or more `Entry` rows whose signed
  minutes sum to zero, so the sum over every account is always zero.
* There is one way in: `post_transfer`. It locks the accounts in id order (PostgreSQL
  ``SELECT ... FOR UPDATE``; SQLite holds its write lock from ``BEGIN IMMEDIATE``, see
  `timebank.database`), refuses to take an account below its minimum, and is idempotent on
  its key: posting the same key again returns the first transfer and creates nothing.
* Entries are append-only. A mistake is corrected by `reverse`, which posts the opposite
  transfer; nothing is ever updated or deleted (a flush-time check refuses it).
* Each account caches its balance, updated in the same transaction as its entries, so reading
  a balance costs the same with ten entries or ten million. Each entry records the balance
  after it, so statements need no running sums. `verify` proves both caches right.

Service functions flush but never commit; the caller commits once at its edge.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger.models import (  # noqa: F401 (the models, for callers of this module)
    ADJUSTMENTS_KEY,
    LEGACY_HOURS_KEY,
    TRANSFER_CATEGORIES,
    TRANSFER_LABELS,
    Account,
    AccountKind,
    AlreadyReversed,
    BalanceCapReached,
    BelowMinServed,
    Entry,
    IdempotencyKeyReused,
    InsufficientBalance,
    LedgerError,
    Transfer,
    TransferKind,
    UnbalancedTransfer,
    WholeUnitsOnly,
    derived_category,
)
from timebank.ledger.queries import (  # noqa: F401 (balance, for callers)
    balance,
    format_minutes,
    format_spending,
    granted_unspent,
    served_before_spending,
)
from timebank.org.services import require_acting_for

# --- accounts ---------------------------------------------------------------------------------

def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(_("There is no such account."), code="account_not_found")
    return account


def find_account(key: str) -> Account | None:
    """The account with `key`, or None. Its owner comes joined (as always); the owner's roles
    load only if asked for (mostly the owner is the viewer, roles already loaded)."""
    return db.session.scalar(select(Account).where(Account.key == key)
                             .options(joinedload(Account.owner).lazyload(User.roles)))


def open_account(key: str, kind: AccountKind | str, *, owner=None, name: str = "",
                 min_balance: int | None = 0) -> Account:
    """The account with `key`, opened with these settings if it does not exist yet."""
    account = find_account(key)
    if account is not None:
        return account
    account = Account(key=key, kind=AccountKind(kind).value, owner=owner, name=name,
                      min_balance=min_balance, balance=0)
    try:
        with db.session.begin_nested():
            db.session.add(account)
    except IntegrityError:  # opened by a concurrent transaction just now
        account = find_account(key)
    return account


def _own_account(user) -> tuple[str, AccountKind]:
    """Key and kind of the user's own account: a merchant's for merchants, else a member's."""
    if "merchant" in user.role_names:
        return keys.merchant(user.id), AccountKind.MERCHANT
    return keys.member(user.id), AccountKind.MEMBER


def member_account(user) -> Account:
    """The user's own account: a member account, or a merchant account for merchants."""
    key, kind = _own_account(user)
    return open_account(key, kind, owner=user)


def find_member_account(user) -> Account | None:
    return find_account(_own_account(user)[0])


def adjustments_account() -> Account:
    return open_account(ADJUSTMENTS_KEY, AccountKind.ISSUER, name=str(_l("District adjustments")),
                        min_balance=None)


def legacy_hours_account() -> Account:
    """The district's issuer of opening balances (hours served before the platform); it runs
    negative by exactly what imported members were credited."""
    return open_account(LEGACY_HOURS_KEY, AccountKind.ISSUER,
                        name=str(_l("Hours before the platform")), min_balance=None)


def member_account_ids(user_ids) -> dict[int, int]:
    """User id → id of their member account, opening the missing ones in one insert.

    For many residents at once (an import); merchants' accounts are not opened here."""
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return {}
    wanted = {keys.member(user_id): user_id for user_id in user_ids}
    found = {wanted[key]: account_id for account_id, key in db.session.execute(
        select(Account.id, Account.key).where(Account.key.in_(list(wanted))))}
    missing = [user_id for user_id in user_ids if user_id not in found]
    if missing:
        created = db.session.execute(
            insert(Account).returning(Account.id, Account.owner_id, sort_by_parameter_order=True),
            [{"key": keys.member(user_id), "kind": AccountKind.MEMBER.value, "owner_id": user_id,
              "name": "", "min_balance": 0, "balance": 0, "created_at": now()}
             for user_id in missing])
        found.update({owner_id: account_id for account_id, owner_id in created})
    return found



# --- posting ----------------------------------------------------------------------------------

def _lock(account_ids: Iterable[int]) -> dict[int, Account]:
    """Lock the accounts, always in id order so two transfers can never wait on each other."""
    statement = (select(Account).where(Account.id.in_(sorted(account_ids)))
                 .order_by(Account.id).options(lazyload(Account.owner)).with_for_update(of=Account)
                 .execution_options(populate_existing=True))
    # SQLite has no FOR UPDATE: this transaction began IMMEDIATE and already holds the write lock.
    return {account.id: account for account in db.session.scalars(statement)}


def _normalise_legs(legs) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for account, minutes in legs:
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise UnbalancedTransfer("minutes must be whole numbers")
        totals[account.id] += minutes
    totals = {account_id: minutes for account_id, minutes in totals.items() if minutes}
    if len(totals) < 2 or sum(totals.values()) != 0:
        raise UnbalancedTransfer("a transfer needs two or more legs that sum to zero")
    return totals


def _same_transfer(transfer: Transfer, kind: str, totals: dict[int, int]) -> bool:
    posted = {entry.account_id: entry.minutes for entry in transfer.entries}
    return transfer.kind == kind and posted == totals


def find_transfer(idempotency_key: str) -> Transfer | None:
    return db.session.scalar(select(Transfer).where(Transfer.idempotency_key == idempotency_key))


# --- the district's rules of exchange ----------------------------------------------------------
# Service (earn), hours before the platform, staff adjustments and reversals are records of what
# happened: no rule below refuses or cuts them. The rules hold for exchange, where members spend
# and receive: paying for help, paying a merchant, gifts, donations, pool grants and any kind
# added later (a sponsorship into a pool), and they are checked under the accounts' locks.

#: Kinds that record service or correct the ledger; the rules of exchange never refuse them.
RECORD_KINDS = frozenset({TransferKind.EARN, TransferKind.OPENING_BALANCE, TransferKind.ADJUST,
                          TransferKind.REVERSAL})
#: Kinds where a member pays, which whole-unit redemption applies to.
PAYMENT_KINDS = frozenset({TransferKind.SPEND, TransferKind.REDEEM})


def _setting(name: str) -> int:
    from timebank.settings.services import value
    return value(name)


def _check_rules(kind: str, totals: dict[int, int], accounts: dict[int, Account]) -> None:
    """Refuse an exchange that breaks a district rule (`timebank.settings`); with the defaults
    (no minimum, no cap, fractions allowed) nothing is refused and nothing is read but settings."""
    if kind in RECORD_KINDS:
        return
    members = [(accounts[account_id], minutes) for account_id, minutes in totals.items()
               if accounts[account_id].kind == AccountKind.MEMBER]
    if kind in PAYMENT_KINDS and _setting("WHOLE_UNIT_REDEMPTION"):
        per_coin = _setting("MINUTES_PER_COIN")
        if any(minutes % per_coin for minutes in totals.values()):
            message = (_("Each payment must be a whole number of time coins.")
                       if _setting("SPENDING_UNIT") == 0 else
                       _("Each payment must be whole hours of %(n)d minutes.", n=per_coin))
            raise WholeUnitsOnly(message, fields={"minutes": [message]})
    least = _setting("SPENDING_MIN_SERVED_MINUTES")
    if least:
        for account, minutes in members:
            if minutes < 0 and (served := served_before_spending(account)) < least \
                    and granted_unspent(account) < -minutes:
                message = _("%(label)s may spend after serving %(least)s; served so far: "
                            "%(served)s.", label=account.label, least=format_minutes(least),
                            served=format_minutes(served))
                raise BelowMinServed(message, fields={"minutes": [message]})
    cap = _setting("BALANCE_CAP_MINUTES")
    if cap:
        for account, minutes in members:
            if minutes > 0 and account.balance + minutes > cap:
                message = _("%(label)s can hold at most %(cap)s and has %(have)s, so can receive "
                            "%(room)s more.", label=account.label, cap=format_spending(cap),
                            have=format_spending(account.balance),
                            room=format_spending(max(cap - account.balance, 0)))
                raise BalanceCapReached(message, fields={"minutes": [message]})


def post_transfer(kind: TransferKind | str, legs, *, idempotency_key: str, memo: str = "",
                  posted_by=None, reference: str | None = None, reverses: Transfer | None = None,
                  posted_at: datetime | None = None, category: str | None = None) -> Transfer:
    """Post one transfer. `legs` is ``[(account, signed minutes), ...]`` summing to zero.

    Returns the transfer posted earlier under `idempotency_key` if there is one (and raises
    `IdempotencyKeyReused` if that one moved different minutes). Raises `InsufficientBalance`
    if an account would fall below its minimum, and a `RuleRefused` (409: ``below_min_served``,
    ``balance_cap``, ``whole_units``) if a district rule of exchange forbids it (`_check_rules`).
    `posted_at` is for importing paper records (and demo data) in the order they happened;
    statements follow posting order. `category` says what it was for (`TRANSFER_CATEGORIES`);
    without it one is derived from the kind and the legs (`derived_category`).
    """
    kind = TransferKind(kind).value
    legs = list(legs)
    category = category or derived_category(kind, legs, reverses)
    totals = _normalise_legs(legs)
    accounts = _lock(totals)
    if len(accounts) != len(totals):
        raise NotFound(_("There is no such account."), code="account_not_found")

    # Checked under the locks: a concurrent post of the same key has committed or not started.
    existing = find_transfer(idempotency_key)
    if existing is not None:
        if not _same_transfer(existing, kind, totals):
            raise IdempotencyKeyReused(
                _("This request key was already used for a different transfer."))
        existing.replayed = True
        return existing

    for account_id, minutes in totals.items():
        account = accounts[account_id]
        floor = account.min_balance
        if minutes < 0 and floor is not None and account.balance + minutes < floor:
            raise InsufficientBalance(
                _("Not enough hours: %(label)s has %(have)s, and this needs %(need)s.",
                  label=account.label, have=format_minutes(account.balance),
                  need=format_minutes(-minutes)),
                fields={"minutes": [_("Not enough hours in the account.")]},
            )
    _check_rules(kind, totals, accounts)

    transfer = Transfer(kind=kind, category=category[:32], memo=memo[:500],
                        idempotency_key=idempotency_key,
                        reference=reference, posted_by=posted_by,
                        reverses_id=reverses.id if reverses is not None else None,
                        posted_at=posted_at or now())
    for account_id in sorted(totals):
        account = accounts[account_id]
        account.balance += totals[account_id]
        transfer.entries.append(Entry(account=account, minutes=totals[account_id],
                                      balance_after=account.balance))
    db.session.add(transfer)
    db.session.flush()
    audit.record("ledger.transfer", f"transfer:{transfer.id}", actor=posted_by, reason=memo or None,
                 kind=kind, category=category, legs={str(k): v for k, v in totals.items()},
                 reference=reference)
    return transfer


def post_batch(kind: TransferKind | str, source: Account, credits, *, memo: str = "",
               posted_by=None, reference: str | None = None) -> int:
    """Post many two-legged transfers from `source` at once: ``credits`` is
    ``[(target account id, minutes > 0, idempotency key), ...]``.

    The same rules as `post_transfer`, for imports where posting row by row is too slow: every
    transfer has two entries summing to zero; the accounts are locked in id order; a key posted
    before is skipped if it moved the same minutes and refused (`IdempotencyKeyReused`) if not;
    no account goes below its minimum; entries carry the running balance and each account's
    cached balance moves by the sum of its entries. Returns the number of transfers posted.
    One audit row records the batch (`ledger.transfer_batch`).
    """
    kind = TransferKind(kind).value
    credits = list(credits)
    for _target, minutes, _key in credits:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise UnbalancedTransfer("minutes must be whole numbers above zero")
    if not credits:
        return 0
    if any(target == source.id for target, _m, _k in credits):
        raise UnbalancedTransfer("a transfer needs two different accounts")
    # Lock first, then look for the keys: a batch committed meanwhile by another transaction
    # (the same file confirmed twice at once) is seen here, and skipped, not posted again.
    wanted = {source.id, *(target for target, _m, _k in credits)}
    accounts = _lock(wanted)
    if len(accounts) != len(wanted):
        raise NotFound(_("There is no such account."), code="account_not_found")
    source = accounts[source.id]
    earlier = {transfer.idempotency_key: transfer for transfer in db.session.scalars(
        select(Transfer).where(Transfer.idempotency_key.in_([key for *_rest, key in credits])))}
    fresh = []
    for target, minutes, key in credits:
        if key in earlier:
            if not _same_transfer(earlier[key], kind, {source.id: -minutes, target: minutes}):
                raise IdempotencyKeyReused(
                    _("This request key was already used for a different transfer."))
            continue
        fresh.append((target, minutes, key))
    if len({key for *_rest, key in fresh}) != len(fresh):
        raise IdempotencyKeyReused(_("This request key was already used for a different transfer."))
    if not fresh:
        return 0
    total = sum(minutes for _t, minutes, _k in fresh)
    if kind not in RECORD_KINDS:  # the district's rules, on each transfer and on the whole batch
        received: dict[int, int] = defaultdict(int)
        for target, minutes, _key in fresh:
            _check_rules(kind, {source.id: -minutes, target: minutes}, accounts)
            received[target] += minutes
        _check_rules(kind, {source.id: -total, **received}, accounts)
    category = derived_category(kind, [(source, -1), (accounts[fresh[0][0]], 1)])
    if source.min_balance is not None and source.balance - total < source.min_balance:
        raise InsufficientBalance(
            _("Not enough hours: %(label)s has %(have)s, and this needs %(need)s.",
              label=source.label, have=format_minutes(source.balance),
              need=format_minutes(total)),
            fields={"minutes": [_("Not enough hours in the account.")]})

    moment = now()
    posted_by_id = posted_by.id if posted_by is not None else None
    transfer_ids = list(db.session.scalars(
        insert(Transfer).returning(Transfer.id, sort_by_parameter_order=True),
        [{"kind": kind, "category": category, "memo": memo[:500], "idempotency_key": key,
          "reference": reference, "posted_by_id": posted_by_id, "posted_at": moment, "reverses_id": None}
         for _target, _minutes, key in fresh]))
    # Entry ids grow in list order, so each account's running balance follows them.
    rows = []
    for transfer_id, (target, minutes, _key) in zip(transfer_ids, fresh, strict=True):
        for account_id, signed in sorted(((source.id, -minutes), (target, minutes))):
            account = accounts[account_id]
            account.balance += signed
            rows.append({"transfer_id": transfer_id, "account_id": account_id, "minutes": signed,
                         "balance_after": account.balance})
    db.session.execute(insert(Entry), rows)
    db.session.flush()
    audit.record("ledger.transfer_batch", f"account:{source.id}", actor=posted_by,
                 reason=memo or None, kind=kind, transfers=len(fresh), minutes=total,
                 first_transfer_id=transfer_ids[0], last_transfer_id=transfer_ids[-1],
                 reference=reference)
    return len(fresh)


def transfer_between(source: Account, target: Account, minutes: int, kind, **kwargs) -> Transfer:
    """Move `minutes` (> 0) from `source` to `target`."""
    if minutes <= 0:
        raise InvalidInput(fields={"minutes": [_("Enter a number of minutes above zero.")]})
    if source.id == target.id:
        raise InvalidInput(fields={"to": [_("You cannot transfer hours to the same account.")]})
    return post_transfer(kind, [(source, -minutes), (target, minutes)], **kwargs)


def reverse(transfer: Transfer, reason: str, *, posted_by=None, authorised: bool = False
            ) -> Transfer:
    """Undo `transfer` by posting its opposite; the original stays on every statement.

    A person reversing must be staff of the station of every member in it (district
    administrators anywhere); `posted_by=None` is the platform itself. `authorised=True` says the
    caller has already checked `posted_by`'s right by a rule of its own (a correction is decided
    by the station that organised the service, which need not be the member's home station)."""
    if posted_by is not None and not authorised:
        require_acting_for(posted_by, [entry.account.owner for entry in transfer.entries
                                       if entry.account.kind == AccountKind.MEMBER])
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    if transfer.kind == TransferKind.REVERSAL:
        raise AlreadyReversed(_("A reversal cannot be reversed; post a new transfer instead."))
    key = f"reversal:{transfer.id}"
    existing = find_transfer(key)
    if existing is not None:
        return existing
    legs = [(entry.account, -entry.minutes) for entry in transfer.entries]
    reversal = post_transfer(TransferKind.REVERSAL, legs, idempotency_key=key, memo=reason,
                             posted_by=posted_by, reference=f"transfer:{transfer.id}",
                             reverses=transfer)
    audit.record("ledger.reverse", f"transfer:{transfer.id}", actor=posted_by, reason=reason,
                 reversal_id=reversal.id)
    return reversal


def adjust(account: Account, minutes: int, reason: str, *, posted_by, idempotency_key: str,
           authorised: bool = False) -> Transfer:
    """Staff correction: add (or with negative `minutes`, remove) hours, always with a reason.

    These are "honour hours" (荣誉时) on reports, kept apart from scanned service time. Only
    staff of the member's station (district administrators anywhere) may post one;
    `posted_by=None` is the platform itself; `authorised=True` as for `reverse`.
    """
    if posted_by is not None and not authorised:
        require_acting_for(posted_by, [account.owner] if account.kind == AccountKind.MEMBER else [])
    if not reason.strip():
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    if minutes == 0:
        raise InvalidInput(fields={"minutes": [_("Enter a number of minutes other than zero.")]})
    transfer = post_transfer(TransferKind.ADJUST, [(adjustments_account(), -minutes),
                                                   (account, minutes)],
                             idempotency_key=idempotency_key, memo=reason, posted_by=posted_by,
                             reference=f"account:{account.id}")
    audit.record("ledger.adjust", f"account:{account.id}", actor=posted_by, reason=reason,
                 minutes=minutes, transfer_id=transfer.id)
    return transfer
