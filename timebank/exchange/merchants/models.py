"""A merchant's items and the redemptions paid with hours."""

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
