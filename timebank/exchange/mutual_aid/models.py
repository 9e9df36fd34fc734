"""Help requests, offers and service listings between residents."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.ledger.models import TRANSFER_CATEGORIES
from timebank.org.models import Community

CATEGORIES = {
    "escort_to_clinic": _l("Escort to the clinic"),
    "elderly_company": _l("Company for an elderly person"),
    "appliance_repair": _l("Appliance repair"),
    "homework_help": _l("Homework help"),
    "shopping": _l("Shopping and errands"),
    "haircut": _l("Haircut"),
    "other": _l("Other help"),
}

# A payment for help is filed under the request's category on statements (``other`` is the
# ledger's own "Other").
TRANSFER_CATEGORIES.update({key: label for key, label in CATEGORIES.items()
                            if key not in TRANSFER_CATEGORIES})


class RequestStatus(StrEnum):
    OPEN = "open"            # waiting for offers
    MATCHED = "matched"      # a helper is chosen; waiting for the service and both confirmations
    DONE = "done"            # both confirmed; minutes moved
    DISPUTED = "disputed"    # a problem was reported; a social worker decides
    SETTLED = "settled"      # a social worker settled it (paid, split or cancelled)
    CANCELLED = "cancelled"


class HelpRequest(db.Model):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(1000), default="",
                                             info={"personal": "requester_id"})
    category: Mapped[str] = mapped_column(String(24))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    place: Mapped[str] = mapped_column(String(120), default="",
                                       info={"personal": "requester_id"})
    starts_at: Mapped[Any] = mapped_column(UTCDateTime)
    #: Estimated at first; the minutes that move once both confirm.
    minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.OPEN, index=True)
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    requester_confirmed_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    helper_confirmed_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Who reported a problem, and what.
    problem_reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    problem: Mapped[str | None] = mapped_column(String(500))
    #: The social worker who settled a dispute, and why.
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settlement: Mapped[str | None] = mapped_column(String(500))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    helper: Mapped[User | None] = relationship(foreign_keys=[helper_id])
    community: Mapped[Community] = relationship()
    offers: Mapped[list["HelpOffer"]] = relationship(back_populates="request",
                                                     order_by="HelpOffer.id")


class OfferStatus(StrEnum):
    OFFERED = "offered"
    CHOSEN = "chosen"
    NOT_CHOSEN = "not_chosen"
    WITHDRAWN = "withdrawn"


class HelpOffer(db.Model):
    """A resident's offer to help with one request."""

    __tablename__ = "help_offers"
    __table_args__ = (UniqueConstraint("request_id", "helper_id", name="one_offer_each"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id"), index=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(String(300), default="",
                                         info={"personal": "helper_id"})
    status: Mapped[str] = mapped_column(String(12), default=OfferStatus.OFFERED)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    request: Mapped[HelpRequest] = relationship(back_populates="offers")
    helper: Mapped[User] = relationship()


class ServiceListing(db.Model):
    """A resident's standing offer of what they can do for neighbours."""

    __tablename__ = "service_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(1000), default="",
                                             info={"personal": "user_id"})
    category: Mapped[str] = mapped_column(String(24))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship()
    community: Mapped[Community | None] = relationship()
