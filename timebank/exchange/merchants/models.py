"""A merchant's profile, items and the redemptions paid with hours."""

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class MerchantItem(db.Model):
    __tablename__ = "merchant_items"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),
                      CheckConstraint("price_minutes > 0", name="price_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(500), default="")
    price_minutes: Mapped[int]
    stock: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    merchant: Mapped[User] = relationship()


class Redemption(db.Model):
    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("merchant_items.id"), index=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    minutes: Mapped[int]
    #: From the member's payment code: a code pays once.
    nonce: Mapped[str] = mapped_column(String(40), unique=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), unique=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)

    item: Mapped[MerchantItem] = relationship()
    merchant: Mapped[User] = relationship(foreign_keys=[merchant_id])
    member: Mapped[User] = relationship(foreign_keys=[member_id])

    #: Set on a redemption returned for a repeated request (not stored).
    replayed = False


class MerchantStatus(StrEnum):
    PENDING = "pending"      # registered by a station or the district, waiting for approval
    APPROVED = "approved"    # may take payments; its items are offered
    SUSPENDED = "suspended"  # may not take payments until reinstated


class MerchantProfile(db.Model):
    """A partner merchant (爱心商家): the shop behind a user with the ``merchant`` role."""

    __tablename__ = "merchant_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    shop_name: Mapped[str] = mapped_column(String(80))
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    #: The shop's phone (the login is the user's phone).
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    #: 统一社会信用代码, when the shop gives one (18 characters).
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    status: Mapped[str] = mapped_column(String(12), default=MerchantStatus.PENDING, index=True)
    #: The station that looks after the merchant, if any.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    status_changed_at: Mapped[Any | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    station = relationship("Station")
