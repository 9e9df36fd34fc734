"""Reading the ledger: balances as people see them, statements, monthly totals, minutes of
service (what star levels are applied for against, in `timebank.stars`), and the verification
that every invariant holds (`flask ledger verify`)."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from timebank.accounts.models import User
from timebank.clock import local, month_bounds, now, shift_month
from timebank.extensions import db
from timebank.ledger.models import (
    Account,
    Entry,
    Transfer,
    TransferKind,
)


def balance(account: Account) -> int:
    """Minutes in `account`, read from its cached balance: constant time."""
    return db.session.scalar(select(Account.balance).where(Account.id == account.id))


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


def minutes_per_coin() -> int:
    from timebank.settings.services import value
    return value("MINUTES_PER_COIN")


def coins(minutes: int) -> float | int:
    """Minutes as time coins (时间币) by the district's ``MINUTES_PER_COIN``: 90 → 1.5 at 60
    a coin; a whole number when it is one. Rounded to two decimals (a coin of 7 minutes)."""
    value = round(minutes / minutes_per_coin(), 2)
    return int(value) if value == int(value) else value


def spends_in_coins() -> bool:
    from timebank.settings.services import value
    return value("SPENDING_UNIT") == 0


def format_spending(minutes: int) -> str:
    """Minutes as residents see them where they spend: ``2 时间币`` / ``1.5 时间币``, or
    ``1小时30分`` when the district shows hours (``SPENDING_UNIT``). Service records (hours
    served, certificates, reports) use `format_minutes` whatever the setting."""
    if not spends_in_coins():
        return format_minutes(minutes)
    return _("%(n)s coins", n=coins(minutes))


def totals(account: Account) -> dict[str, int]:
    """Balance (cached) with minutes in and out over the account's life."""
    earned, spent = db.session.execute(
        select(func.coalesce(func.sum(Entry.minutes).filter(Entry.minutes > 0), 0),
               func.coalesce(-func.sum(Entry.minutes).filter(Entry.minutes < 0), 0))
        .where(Entry.account_id == account.id)
    ).one()
    return {"balance": balance(account), "earned": int(earned), "spent": int(spent)}


def statement(account: Account | None, category: str | None = None):
    """A select of the account's entries, newest first (none for an account not yet opened);
    only those of transfers of `category` when it is given. Each line's transfer and the
    transfer's other entries (its label and counterparty) come in two queries for the page,
    not two per line; the owners' roles are not needed."""
    owners = joinedload(Entry.account).joinedload(Account.owner).lazyload(User.roles)
    found = select(Entry).where(Entry.account_id == (account.id if account else None)).options(
        owners, selectinload(Entry.transfer).selectinload(Transfer.entries).options(owners))
    if category:
        found = found.join(Entry.transfer).where(Transfer.category == category)
    return found.order_by(Entry.id.desc())


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


def served_before_spending(account: Account) -> int:
    """Minutes counted toward ``SPENDING_MIN_SERVED_MINUTES``: service (earn) and hours served
    before the platform (opening balances), less reversals of either."""
    original = aliased(Transfer)
    counted = (TransferKind.EARN, TransferKind.OPENING_BALANCE)
    served = db.session.scalar(
        select(func.coalesce(func.sum(Entry.minutes), 0))
        .join(Transfer, Entry.transfer_id == Transfer.id)
        .outerjoin(original, Transfer.reverses_id == original.id)
        .where(Entry.account_id == account.id,
               or_(Transfer.kind.in_(counted), original.kind.in_(counted))))
    return int(served)


def granted_unspent(account: Account) -> int:
    """Minutes of pool grants (category ``pool_grant``) received by `account` that it has not
    spent yet, counting everything it has paid out by exchange as spent from them first.

    Grants go to people in difficulty so they can receive help at once: the district's minimum
    served before spending does not hold for them (`timebank.ledger.services._check_rules`)."""
    is_grant = Transfer.category == "pool_grant"
    granted, paid_out = db.session.execute(
        select(func.coalesce(func.sum(case((is_grant, Entry.minutes), else_=0)), 0),
               func.coalesce(func.sum(case((and_(~is_grant, Entry.minutes < 0), Entry.minutes),
                                           else_=0)), 0))
        .join(Transfer, Entry.transfer_id == Transfer.id)
        .where(Entry.account_id == account.id,
               Transfer.kind.not_in((TransferKind.EARN, TransferKind.OPENING_BALANCE,
                                     TransferKind.ADJUST)))).one()
    granted, paid = int(granted), -int(paid_out)
    return max(granted - paid, 0)


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

