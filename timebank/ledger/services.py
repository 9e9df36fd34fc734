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
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload

from timebank.audit import services as audit
from timebank.clock import local, month_bounds, now, shift_month
from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger.models import (  # noqa: F401 (the models, for callers of this module)
    ADJUSTMENTS_KEY,
    TRANSFER_LABELS,
    Account,
    AccountKind,
    AlreadyReversed,
    Entry,
    IdempotencyKeyReused,
    InsufficientBalance,
    LedgerError,
    Transfer,
    TransferKind,
    UnbalancedTransfer,
)
from timebank.org.services import require_acting_for

# --- accounts ---------------------------------------------------------------------------------

def get_account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        raise NotFound(_("There is no such account."), code="account_not_found")
    return account


def find_account(key: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.key == key))


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


def balance(account: Account) -> int:
    """Minutes in `account`, read from its cached balance: constant time."""
    return db.session.scalar(select(Account.balance).where(Account.id == account.id))


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


def post_transfer(kind: TransferKind | str, legs, *, idempotency_key: str, memo: str = "",
                  posted_by=None, reference: str | None = None, reverses: Transfer | None = None,
                  posted_at: datetime | None = None) -> Transfer:
    """Post one transfer. `legs` is ``[(account, signed minutes), ...]`` summing to zero.

    Returns the transfer posted earlier under `idempotency_key` if there is one (and raises
    `IdempotencyKeyReused` if that one moved different minutes). Raises `InsufficientBalance`
    if an account would fall below its minimum. `posted_at` is for importing paper records
    (and demo data) in the order they happened; statements follow posting order.
    """
    kind = TransferKind(kind).value
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

    transfer = Transfer(kind=kind, memo=memo[:500], idempotency_key=idempotency_key,
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
                 kind=kind, legs={str(k): v for k, v in totals.items()}, reference=reference)
    return transfer


def transfer_between(source: Account, target: Account, minutes: int, kind, **kwargs) -> Transfer:
    """Move `minutes` (> 0) from `source` to `target`."""
    if minutes <= 0:
        raise InvalidInput(fields={"minutes": [_("Enter a number of minutes above zero.")]})
    if source.id == target.id:
        raise InvalidInput(fields={"to": [_("You cannot transfer hours to the same account.")]})
    return post_transfer(kind, [(source, -minutes), (target, minutes)], **kwargs)


def reverse(transfer: Transfer, reason: str, *, posted_by=None) -> Transfer:
    """Undo `transfer` by posting its opposite; the original stays on every statement.

    A person reversing must be staff of the station of every member in it (district
    administrators anywhere); `posted_by=None` is the platform itself."""
    if posted_by is not None:
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


def adjust(account: Account, minutes: int, reason: str, *, posted_by, idempotency_key: str
           ) -> Transfer:
    """Staff correction: add (or with negative `minutes`, remove) hours, always with a reason.

    These are "honour hours" (荣誉时) on reports, kept apart from scanned service time. Only
    staff of the member's station (district administrators anywhere) may post one;
    `posted_by=None` is the platform itself.
    """
    if posted_by is not None:
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


# --- reading ----------------------------------------------------------------------------------

def format_minutes(minutes: int) -> str:
    """``90`` → ``1小时30分`` (or ``1 h 30 min`` in English)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return sign + _("%(h)d h %(m)d min", h=hours, m=rest)
    if hours:
        return sign + _("%(h)d h", h=hours)
    return sign + _("%(m)d min", m=rest)


def totals(account: Account) -> dict[str, int]:
    """Balance (cached) with minutes in and out over the account's life."""
    earned, spent = db.session.execute(
        select(func.coalesce(func.sum(Entry.minutes).filter(Entry.minutes > 0), 0),
               func.coalesce(-func.sum(Entry.minutes).filter(Entry.minutes < 0), 0))
        .where(Entry.account_id == account.id)
    ).one()
    return {"balance": balance(account), "earned": int(earned), "spent": int(spent)}


def statement(account: Account | None):
    """A select of the account's entries, newest first (none for an account not yet opened)."""
    return (select(Entry).where(Entry.account_id == (account.id if account else None))
            .order_by(Entry.id.desc()))


def monthly_totals(account: Account, months: int = 12, today: datetime | None = None
                   ) -> list[dict]:
    """Minutes in and out per month (in the platform's zone) for the last `months` months."""
    today = local(today or now())
    labels = [shift_month(today.year, today.month, step) for step in range(1 - months, 1)]
    start = month_bounds(*labels[0])[0]
    rows = db.session.execute(
        select(Transfer.posted_at, Entry.minutes).join(Entry.transfer)
        .where(Entry.account_id == account.id, Transfer.posted_at >= start)
    )
    buckets = {label: {"in": 0, "out": 0} for label in labels}
    for posted_at, minutes in rows:
        moment = local(posted_at)
        bucket = buckets.get((moment.year, moment.month))
        if bucket is not None:
            bucket["in" if minutes > 0 else "out"] += abs(minutes)
    return [{"year": y, "month": m, **buckets[(y, m)]} for y, m in labels]


STAR_LEVELS = (100, 300, 600, 1000, 1500)


def star_level(minutes_served: int) -> tuple[int, int | None]:
    """(stars reached, hours needed for the next star or None) for hours of service."""
    hours = minutes_served // 60
    stars = sum(1 for level in STAR_LEVELS if hours >= level)
    following = next((level for level in STAR_LEVELS if hours < level), None)
    return stars, following


def minutes_served(account: Account) -> int:
    """Minutes earned by service: earn transfers, less any reversals of them."""
    original = aliased(Transfer)
    served = db.session.scalar(
        select(func.coalesce(func.sum(Entry.minutes), 0))
        .join(Transfer, Entry.transfer_id == Transfer.id)
        .outerjoin(original, Transfer.reverses_id == original.id)
        .where(Entry.account_id == account.id,
               or_(Transfer.kind == TransferKind.EARN, original.kind == TransferKind.EARN)))
    return int(served)


def earned_by_owner(owner_ids, start: datetime, end: datetime) -> dict[int, int]:
    """Owner id → minutes earned by service in [start, end), for many members in one query."""
    rows = db.session.execute(
        select(Account.owner_id, func.sum(Entry.minutes))
        .join(Entry.account).join(Entry.transfer)
        .where(Account.owner_id.in_(list(owner_ids)), Transfer.kind == TransferKind.EARN,
               Transfer.posted_at >= start, Transfer.posted_at < end)
        .group_by(Account.owner_id))
    return {owner_id: int(minutes) for owner_id, minutes in rows}


# --- verification -----------------------------------------------------------------------------

def verify() -> list[str]:
    """Check every invariant; return a sentence for each thing that is broken (none: all good)."""
    problems = []
    sums = (select(Entry.transfer_id, func.sum(Entry.minutes), func.count(Entry.id))
            .group_by(Entry.transfer_id)
            .having((func.sum(Entry.minutes) != 0) | (func.count(Entry.id) < 2)))
    for transfer_id, total, count in db.session.execute(sums):
        problems.append(f"transfer {transfer_id} has {count} entries summing to {total}, not 0")
    empty = select(Transfer.id).where(~select(Entry.id).where(Entry.transfer_id == Transfer.id)
                                      .exists())
    for (transfer_id,) in db.session.execute(empty):
        problems.append(f"transfer {transfer_id} has no entries")

    entry_sums = (select(Entry.account_id, func.sum(Entry.minutes).label("total"))
                  .group_by(Entry.account_id).subquery())
    cached = (select(Account.id, Account.key, Account.balance,
                     func.coalesce(entry_sums.c.total, 0))
              .outerjoin(entry_sums, entry_sums.c.account_id == Account.id)
              .where(Account.balance != func.coalesce(entry_sums.c.total, 0)))
    for account_id, key, cached_balance, total in db.session.execute(cached):
        problems.append(f"account {account_id} ({key}) caches balance {cached_balance} "
                        f"but its entries sum to {total}")

    below = select(Account.id, Account.key, Account.balance, Account.min_balance).where(
        Account.min_balance.is_not(None), Account.balance < Account.min_balance)
    for account_id, key, account_balance, floor in db.session.execute(below):
        problems.append(f"account {account_id} ({key}) is at {account_balance}, "
                        f"below its minimum {floor}")

    running = select(Entry.id, Entry.account_id, Entry.balance_after,
                     func.sum(Entry.minutes).over(partition_by=Entry.account_id,
                                                  order_by=Entry.id).label("running")).subquery()
    wrong_after = select(running.c.id, running.c.account_id, running.c.balance_after,
                         running.c.running).where(running.c.balance_after != running.c.running)
    for entry_id, account_id, after, expected in db.session.execute(wrong_after.limit(20)):
        problems.append(f"entry {entry_id} of account {account_id} records balance {after} "
                        f"after it, but the entries up to it sum to {expected}")

    ledger_total = db.session.scalar(select(func.coalesce(func.sum(Entry.minutes), 0)))
    if ledger_total != 0:
        problems.append(f"the whole ledger sums to {ledger_total}, not 0")
    balances_total = db.session.scalar(select(func.coalesce(func.sum(Account.balance), 0)))
    if balances_total != 0:
        problems.append(f"the cached balances sum to {balances_total}, not 0")
    return problems


def counts() -> dict[str, int]:
    return {
        "accounts": db.session.scalar(select(func.count(Account.id))),
        "transfers": db.session.scalar(select(func.count(Transfer.id))),
        "entries": db.session.scalar(select(func.count(Entry.id))),
    }

