"""The hour ledger's tables: accounts, transfers and entries, and the flush guard that keeps
them balanced and append-only."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from timebank.accounts.services import mask_name
from timebank.clock import UTCDateTime, now
from timebank.errors import ServiceError
from timebank.extensions import db
from timebank.ledger import keys


class AccountKind(StrEnum):
    MEMBER = "member"
    ISSUER = "issuer"
    POOL = "pool"
    MERCHANT = "merchant"
    #: A group member's account (团体会员), never below zero.
    GROUP = "group"


class TransferKind(StrEnum):
    EARN = "earn"
    SPEND = "spend"
    DONATE = "donate"
    REDEEM = "redeem"
    ADJUST = "adjust"
    REVERSAL = "reversal"
    #: Hours served before the platform, posted once per person by an import: neither service
    #: on the platform (`earn`) nor a staff correction (`adjust`).
    OPENING_BALANCE = "opening_balance"
    #: A caring company's pledge (认捐) into its group account, from the district's
    #: sponsorships issuer, recorded by staff.
    PLEDGE = "pledge"
    #: A group's sponsorship (爱心资助): hours from its account into a community pool.
    SPONSOR = "sponsor"


TRANSFER_LABELS = {
    TransferKind.EARN: _l("Volunteer service"),
    TransferKind.SPEND: _l("Help received"),
    TransferKind.DONATE: _l("Donation"),
    TransferKind.REDEEM: _l("Redemption"),
    TransferKind.ADJUST: _l("Adjustment"),
    TransferKind.REVERSAL: _l("Reversal"),
    TransferKind.OPENING_BALANCE: _l("Hours before the platform"),
    TransferKind.PLEDGE: _l("Pledge"),
    TransferKind.SPONSOR: _l("Sponsorship"),
}

#: What a transfer was for (`Transfer.category`), for statements and reports. Features add their
#: own (the mutual-aid request categories, `timebank.exchange.mutual_aid.models`); a category
#: not listed shows as "Other".
TRANSFER_CATEGORIES = {
    "volunteer_service": _l("Volunteer service"),
    "opening_balance": _l("Hours before the platform"),
    "adjustment": _l("Adjustment"),
    "merchant": _l("Partner merchant"),
    "mutual_aid": _l("Mutual aid"),
    "gift": _l("Gift"),
    "pool_donation": _l("Donation to a pool"),
    "pool_grant": _l("Grant from a pool"),
    "pledge": _l("Pledge"),
    "sponsorship": _l("Sponsorship"),
    "other": _l("Other"),
}

#: The category of a transfer of each kind when no caller says, before looking at its legs.
_KIND_CATEGORIES = {
    TransferKind.EARN: "volunteer_service",
    TransferKind.OPENING_BALANCE: "opening_balance",
    TransferKind.ADJUST: "adjustment",
    TransferKind.REDEEM: "merchant",
    TransferKind.SPEND: "mutual_aid",
    TransferKind.DONATE: "gift",
    TransferKind.PLEDGE: "pledge",
    TransferKind.SPONSOR: "sponsorship",
}


def category_label(category: str) -> str:
    return str(TRANSFER_CATEGORIES.get(category, TRANSFER_CATEGORIES["other"]))


def derived_category(kind: str, legs, reverses: "Transfer | None" = None) -> str:
    """What a transfer is for when its poster does not say: from its kind and the kinds of the
    accounts in `legs` (``[(account, signed minutes)]``). A reversal has the reversed one's; a
    kind this function does not know (one added later) is ``other``."""
    if kind == TransferKind.REVERSAL:
        return reverses.category if reverses is not None else "other"
    debited = {account.kind for account, minutes in legs if minutes < 0}
    credited = {account.kind for account, minutes in legs if minutes > 0}
    if kind == TransferKind.SPEND and AccountKind.MERCHANT in credited:
        return "merchant"
    if kind == TransferKind.DONATE and AccountKind.MERCHANT in credited:
        return "merchant"
    if kind == TransferKind.DONATE and AccountKind.POOL in credited:
        return "pool_donation"
    if kind == TransferKind.DONATE and AccountKind.POOL in debited:
        return "pool_grant"
    return _KIND_CATEGORIES.get(kind, "other")


#: Key of the district's account that balances manual adjustments (it may run negative).
ADJUSTMENTS_KEY = keys.DISTRICT_ADJUSTMENTS
#: Key of the district's account that balances imported opening balances (it runs negative).
LEGACY_HOURS_KEY = keys.DISTRICT_LEGACY_HOURS


# --- errors -----------------------------------------------------------------------------------

class LedgerError(ServiceError):
    code = "ledger_error"


class UnbalancedTransfer(LedgerError):
    """A programming error: the legs of a transfer do not sum to zero."""

    status = 400
    code = "unbalanced_transfer"


class InsufficientBalance(LedgerError):
    status = 409
    code = "insufficient_balance"


class IdempotencyKeyReused(LedgerError):
    status = 409
    code = "idempotency_key_reused"


class RuleRefused(LedgerError):
    """A district rule of the time bank refuses the transfer (`timebank.settings`)."""

    status = 409


class BelowMinServed(RuleRefused):
    code = "below_min_served"


class BalanceCapReached(RuleRefused):
    code = "balance_cap"


class WholeUnitsOnly(RuleRefused):
    code = "whole_units"


class AlreadyReversed(LedgerError):
    status = 409
    code = "already_reversed"


# --- models -----------------------------------------------------------------------------------

class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique handle given by whoever opened it: ``member:<user id>``, ``station:3:issuer``, ...
    #: (every format is in `timebank.ledger.keys`).
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: The user who owns a member or merchant account; null for pools and issuers.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Shown where the account is not a person: "南沙街道互助池".
    name: Mapped[str] = mapped_column(String(100), default="")
    #: Lowest balance allowed, in minutes; null means no floor (issuers create hours).
    min_balance: Mapped[int | None]
    #: Cached sum of this account's entries; `verify` proves it.
    balance: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    owner = relationship("User", lazy="joined")

    @property
    def label(self) -> str:
        return self.owner.name if self.owner is not None else self.name

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.key} {self.balance}>"


class Transfer(db.Model):
    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    memo: Mapped[str] = mapped_column(String(500), default="")
    #: Posting the same key twice returns the first transfer: ``checkin:<id>``, ``api:<user>:<k>``.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    #: What caused it, for people and reports: ``checkin:<id>``, ``request:<id>``.
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    #: What it was for: a key of `TRANSFER_CATEGORIES` (``volunteer_service``, ``merchant``,
    #: a help request's category, ...); rows from before it was kept were filled in by
    #: migration 0031 from their kind.
    category: Mapped[str] = mapped_column(String(32), default="other", server_default="other")
    #: Null when the system posted it (a scheduled job).
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)
    #: Set on a transfer returned for a repeated idempotency key (not stored).
    replayed = False

    #: The transfer this one undoes; a transfer is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"), unique=True)

    entries: Mapped[list["Entry"]] = relationship(back_populates="transfer", lazy="selectin",
                                                  order_by="Entry.id")
    posted_by = relationship("User")

    @property
    def label(self) -> str:
        return str(TRANSFER_LABELS.get(self.kind, self.kind))

    @property
    def category_label(self) -> str:
        return category_label(self.category)


class Entry(db.Model):
    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint("minutes <> 0", name="nonzero_minutes"),
        Index("ix_entries_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    #: Signed: positive credits the account, negative debits it.
    minutes: Mapped[int]
    #: The account's balance right after this entry, for statements.
    balance_after: Mapped[int]

    transfer: Mapped[Transfer] = relationship(back_populates="entries")
    account: Mapped[Account] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        """What this line is for its account's owner: the same transfer reads differently on
        each side (the helper of a mutual-aid request provided the service; a gift is sent by
        one member and received by the other; a pool gives a grant)."""
        kind, mine = self.transfer.kind, self.account.kind
        others = {entry.account.kind for entry in self.transfer.entries
                  if (entry.minutes > 0) != (self.minutes > 0)}
        if kind == TransferKind.SPEND and AccountKind.MERCHANT in others | {mine}:
            return str(_l("Payment received") if self.minutes > 0 else _l("Payment to a merchant"))
        if kind == TransferKind.SPEND and self.minutes > 0 and mine == AccountKind.MEMBER:
            return str(_l("Help given"))
        if kind == TransferKind.SPONSOR:
            return str(_l("Sponsorship received") if self.minutes > 0 else _l("Sponsorship given"))
        if kind == TransferKind.DONATE and AccountKind.GROUP in others | {mine}:
            return str(_l("Given to a group") if self.minutes < 0 else _l("Gift from a member"))
        if kind == TransferKind.DONATE and mine == AccountKind.MEMBER:
            if AccountKind.POOL in others:
                return str(_l("Donated to a pool") if self.minutes < 0 else _l("Granted from a pool"))
            return str(_l("Gift sent") if self.minutes < 0 else _l("Gift received"))
        return self.transfer.label

    @property
    def counterparty(self) -> str:
        """Who was on the other side, as a statement shows it (members' names masked)."""
        others = [entry.account for entry in self.transfer.entries
                  if (entry.minutes > 0) != (self.minutes > 0)]
        return "、".join(mask_name(account.owner.name) if account.kind == AccountKind.MEMBER
                        else account.label for account in others)


@event.listens_for(Session, "before_flush")
def _guard_the_ledger(session, flush_context, instances):
    """The last line of defence: entries sum to zero, and nothing posted is changed or removed."""
    for obj in session.deleted:
        if isinstance(obj, Entry | Transfer):
            raise LedgerError("ledger rows are append-only: post a reversal instead")
    for obj in session.dirty:
        if isinstance(obj, Entry | Transfer) and session.is_modified(obj, include_collections=False):
            raise LedgerError("ledger rows are append-only: post a reversal instead")
    for obj in session.new:
        if isinstance(obj, Transfer):
            if len(obj.entries) < 2 or sum(entry.minutes for entry in obj.entries) != 0:
                raise UnbalancedTransfer("a transfer's entries must sum to zero")
