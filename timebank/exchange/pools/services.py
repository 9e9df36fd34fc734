"""Community pools: residents donate hours to their community's pool; social workers of the
station grant pool hours to people in difficulty (困境群体, elderly living alone), so they can
receive help without having earned hours. Every grant has a reason, and a station's grants in
a month may not exceed its monthly cap (``POOL_GRANT_MONTHLY_CAP_MINUTES``, a district setting:
`timebank.settings`).

Caring companies and other group members (团体会员) sponsor hours into a pool from their own
ledger account (`sponsor`, 爱心企业资助); the pool's public page thanks them by name with what
they gave (`sponsors`): groups only, never a person's name. The core does not know what a group
is: the caller passes the group's ledger account and the name to show.
"""


from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import aliased

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import month_bounds, this_month
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.exchange.gifts import services as exchange
from timebank.exchange.pools.models import (  # noqa: F401 (the models, for callers of this module)
    GRANT_GROUPS,
    PoolGrant,
)
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Entry, Transfer, TransferKind
from timebank.notifications.services import notify
from timebank.org.models import Community, Station
from timebank.org.services import require_station_staff
from timebank.settings import services as settings

#: Why someone receives a grant.
# --- services ---------------------------------------------------------------------------------
# Plain functions holding the rules; they flush, never commit (the caller commits at its edge).

def pool_account(community: Community) -> ledger.Account:
    """The community's pool account, opened the first time anyone needs it."""
    return ledger.open_account(keys.community_pool(community.id), AccountKind.POOL,
                               name=f"{community.name}互助池")


def find_pool(community: Community) -> ledger.Account | None:
    return ledger.find_account(keys.community_pool(community.id))


def pool_balances(communities) -> dict[int, int]:
    """Community id → minutes in its pool (0 where no pool has been opened), in one query."""
    balances = {community.id: 0 for community in communities}
    if not balances:
        return {}
    pool_keys = [keys.community_pool(community_id) for community_id in balances]
    found = db.session.execute(select(ledger.Account.key, ledger.Account.balance)
                               .where(ledger.Account.key.in_(pool_keys)))
    balances.update({keys.community_of_pool(key): balance for key, balance in found})
    return balances


def donate(user: User, community: Community, minutes: int, memo: str, *, idempotency_key: str
           ) -> ledger.Transfer:
    """`user` gives `minutes` of their own to the community's pool (a donation)."""
    return exchange.give(user, pool_account(community), minutes, memo,
                         idempotency_key=idempotency_key)


def monthly_cap() -> int:
    return settings.value("POOL_GRANT_MONTHLY_CAP_MINUTES")


def granted_this_month(station: Station) -> int:
    """Minutes the station's social workers have granted from pools this month (the
    operations centre's grants from its pools count against the district's budget instead)."""
    start, end = month_bounds(*this_month())
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PoolGrant.minutes), 0))
        .where(PoolGrant.station_id == station.id, PoolGrant.by_district.is_(False),
               PoolGrant.created_at >= start, PoolGrant.created_at < end)))


# --- the district's operations centre (时间银行运营中心) ------------------------------------------

def district_pool() -> ledger.Account:
    """The district's own pool (``pool:district``), which only the operations centre grants
    from."""
    return ledger.open_account(keys.DISTRICT_POOL, AccountKind.POOL, name=str(_l("District pool")))


def monthly_budget() -> int:
    return settings.value("GRANT_MONTHLY_BUDGET_MINUTES")


def district_granted_this_month() -> int:
    """Minutes the operations centre has granted this month, from any pool."""
    start, end = month_bounds(*this_month())
    return int(db.session.scalar(
        select(func.coalesce(func.sum(PoolGrant.minutes), 0))
        .where(PoolGrant.by_district.is_(True), PoolGrant.created_at >= start,
               PoolGrant.created_at < end)))


def district_grants_this_month() -> list[PoolGrant]:
    start, end = month_bounds(*this_month())
    return list(db.session.scalars(
        select(PoolGrant).where(PoolGrant.by_district.is_(True), PoolGrant.created_at >= start,
                                PoolGrant.created_at < end).order_by(PoolGrant.id.desc())))


def is_grant_officer(user) -> bool:
    return has_role(user, Role.GRANT_OFFICER)


def _lock_district() -> None:
    """Serialise the operations centre's grants, as `_lock_station` does a station's: a
    transaction-scoped advisory lock on PostgreSQL; SQLite's writes are already one at a time.
    (Not a row of the ledger: transfers lock accounts in id order and must not wait on this.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DISTRICT_LOCK})


#: The advisory lock's number: any fixed 64-bit integer no other feature uses.
_DISTRICT_LOCK = 18_031_001


def remaining_cap(station: Station) -> int:
    return max(monthly_cap() - granted_this_month(station), 0)


def grants_this_month(station: Station) -> list[PoolGrant]:
    start, end = month_bounds(*this_month())
    return list(db.session.scalars(
        select(PoolGrant).where(PoolGrant.station_id == station.id, PoolGrant.created_at >= start,
                                PoolGrant.created_at < end).order_by(PoolGrant.id.desc())))


def recent_grants(community: Community, limit: int = 10) -> list[PoolGrant]:
    return list(db.session.scalars(
        select(PoolGrant).where(PoolGrant.community_id == community.id)
        .order_by(PoolGrant.id.desc()).limit(limit)))


def _lock_station(station: Station) -> None:
    """Serialise a station's grants so two at once cannot both squeeze under the cap.

    PostgreSQL locks the station's row; SQLite's writes are already one at a time.
    """
    db.session.execute(select(Station.id).where(Station.id == station.id).with_for_update())


def grant(community: Community | None, recipient: User, minutes: int, group: str, reason: str,
          *, by: User, idempotency_key: str) -> PoolGrant:
    """Grant `minutes` from the community's pool to `recipient`, by staff of its station, or
    by the time bank's operations centre (`Role.GRANT_OFFICER`) from any community's pool or,
    with ``community=None``, from the district's pool.

    Refused (with a message saying why) for anyone else, without a reason, for a group not in
    `GRANT_GROUPS`, when the pool holds too little, and when the month's grants would pass the
    station's monthly cap (the operations centre: the district's monthly budget). Repeating
    `idempotency_key` returns the first grant and changes nothing.
    """
    district = is_grant_officer(by)
    station = community.station if community is not None else None
    if district:
        pass  # the operations centre grants from every pool, for no station
    elif community is None:
        raise PermissionDenied(_("Only the time bank's operations centre grants from the "
                                 "district's pool."))
    elif station is None:
        raise Conflict(_("This community has no station to grant from its pool."),
                       code="no_station")
    else:
        require_station_staff(by, station.id)
    reason = (reason or "").strip()
    problems = {}
    if len(reason) < 2:
        problems["reason"] = [_("Give a reason (2 to 300 characters).")]
    elif len(reason) > 300:
        problems["reason"] = [_("Give a reason (2 to 300 characters).")]
    if group not in GRANT_GROUPS:
        problems["group"] = [_("Choose who the grant is for.")]
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        problems["minutes"] = [_("Enter a number of minutes above zero.")]
    if not recipient.is_active or "merchant" in recipient.role_names:
        problems["user_id"] = [_("There is no such member.")]
    if problems:
        raise InvalidInput(fields=problems)

    if district:
        _lock_district()
    else:
        _lock_station(station)
    earlier = ledger.find_transfer(idempotency_key)
    if earlier is not None:
        existing = db.session.scalar(select(PoolGrant).where(PoolGrant.transfer_id == earlier.id))
        if existing is not None and existing.recipient_id == recipient.id \
                and existing.minutes == minutes and existing.community_id == (
                    community.id if community is not None else None):
            existing.replayed = True
            return existing
        raise ledger.IdempotencyKeyReused(
            _("This request key was already used for a different transfer."))

    fmt = ledger_queries.format_spending
    if district:
        budget, used = monthly_budget(), district_granted_this_month()
        if used + minutes > budget:
            raise Conflict(
                _("This grant would pass the district's monthly grant budget: %(used)s of "
                  "%(budget)s granted this month, %(left)s left.", used=fmt(used),
                  budget=fmt(budget), left=fmt(max(budget - used, 0))),
                code="grant_budget_reached", fields={"minutes": [_("Above this month's budget.")]})
    else:
        cap, used = monthly_cap(), granted_this_month(station)
        if used + minutes > cap:
            raise Conflict(
                _("This grant would pass the station's monthly cap: %(used)s of %(cap)s granted "
                  "this month, %(left)s left.", used=ledger_queries.format_minutes(used),
                  cap=ledger_queries.format_minutes(cap),
                  left=ledger_queries.format_minutes(max(cap - used, 0))),
                code="grant_cap_reached", fields={"minutes": [_("Above this month's cap.")]})

    pool = pool_account(community) if community is not None else district_pool()
    pool_label = community.name if community is not None else pool.name
    try:
        transfer = ledger.transfer_between(
            pool, ledger.member_account(recipient), minutes, TransferKind.DONATE, memo=reason,
            posted_by=by, idempotency_key=idempotency_key, category="pool_grant",
            reference=f"pool:{community.id}" if community is not None else keys.DISTRICT_POOL)
    except ledger.InsufficientBalance:
        raise ledger.InsufficientBalance(
            _("The pool of %(community)s holds only %(have)s; it cannot grant %(need)s.",
              community=pool_label, have=fmt(ledger_queries.balance(pool)), need=fmt(minutes)),
            code="pool_insufficient", fields={"minutes": [_("More than the pool holds.")]},
        ) from None
    entry = PoolGrant(station_id=station.id if station is not None else None,
                      community_id=community.id if community is not None else None,
                      recipient_id=recipient.id, minutes=minutes, group=group, reason=reason,
                      granted_by_id=by.id, transfer_id=transfer.id, by_district=district)
    db.session.add(entry)
    db.session.flush()
    audit.record("pool.grant", f"pool_grant:{entry.id}", actor=by, reason=reason,
                 community_id=entry.community_id, recipient_id=recipient.id, minutes=minutes,
                 group=group, transfer_id=transfer.id, by_district=district)
    notify(recipient.id, f"pool_grant:{entry.id}", _("You received hours from the community pool"),
           _("%(community)s granted you %(amount)s. You can use them to ask for help.",
             community=pool_label, amount=fmt(minutes)), link="/hours/")
    return entry


# --- sponsorships (爱心企业资助) -----------------------------------------------------------------

#: The most one sponsorship may move at once, in minutes (1,000 hours).
MAX_SPONSOR_MINUTES = 1000 * 60


def sponsor(source: ledger.Account, community: Community, minutes: int, memo: str, *,
            sponsor_name: str, by: User, idempotency_key: str) -> ledger.Transfer:
    """Move `minutes` from a group member's account `source` into the community's pool.

    The caller has checked that `by` acts for the group (its contact) and passes the group's
    name as it is thanked. Refused with 422 for an amount out of range or a memo too long, and
    with 409 (`InsufficientBalance`, nothing changed) when the group's account holds less than
    `minutes`. Repeating `idempotency_key` returns the first sponsorship and changes nothing.
    """
    memo = (memo or "").strip()
    problems = {}
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not \
            1 <= minutes <= MAX_SPONSOR_MINUTES:
        problems["minutes"] = [_("Sponsor between 1 minute and %(hours)d hours at a time.",
                                 hours=MAX_SPONSOR_MINUTES // 60)]
    if len(memo) > 200:
        problems["memo"] = [_("At most %(num)d characters.", num=200)]
    if source.kind != AccountKind.GROUP:
        problems["source"] = [_("Only a group member's account can sponsor a pool.")]
    if problems:
        raise InvalidInput(fields=problems)
    pool = pool_account(community)
    try:
        transfer = ledger.transfer_between(
            source, pool, minutes, TransferKind.SPONSOR, memo=memo or f"{sponsor_name}爱心资助",
            posted_by=by, idempotency_key=idempotency_key, reference=f"pool:{community.id}")
    except ledger.InsufficientBalance:
        raise ledger.InsufficientBalance(
            _("%(group)s holds only %(have)s; it cannot sponsor %(need)s.",
              group=sponsor_name,
              have=ledger_queries.format_spending(ledger_queries.balance(source)),
              need=ledger_queries.format_spending(minutes)),
            code="group_insufficient", fields={"minutes": [_("More than the group holds.")]},
        ) from None
    if not transfer.replayed:
        audit.record("pool.sponsor", f"transfer:{transfer.id}", actor=by, reason=memo or None,
                     community_id=community.id, account_id=source.id, minutes=minutes,
                     sponsor=sponsor_name)
    return transfer


def sponsors(community: Community) -> list[tuple[str, int]]:
    """Who sponsored the community's pool and how much in all, most first: ``[(group name,
    minutes)]``. Only group members' accounts (never a person's name); a reversed sponsorship
    does not count."""
    pool = find_pool(community)
    if pool is None:
        return []
    into_pool, reversal = aliased(Entry), aliased(Transfer)
    total = func.sum(-Entry.minutes)
    rows = db.session.execute(
        select(ledger.Account.name, total)
        .select_from(Entry).join(Transfer, Entry.transfer_id == Transfer.id)
        .join(ledger.Account, Entry.account_id == ledger.Account.id)
        .where(Transfer.kind == TransferKind.SPONSOR, Entry.minutes < 0,
               ledger.Account.kind == AccountKind.GROUP,
               exists().where(into_pool.transfer_id == Transfer.id,
                              into_pool.account_id == pool.id),
               ~exists().where(reversal.reverses_id == Transfer.id))
        .group_by(ledger.Account.id, ledger.Account.name)
        .order_by(total.desc(), ledger.Account.name))
    return [(name, int(minutes)) for name, minutes in rows]
