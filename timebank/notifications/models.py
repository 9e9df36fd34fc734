"""The notification (one row per thing a user is told, shown in their inbox) and its deliveries
(the outbox: one row per notification and channel that should reach the user outside the app)."""

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The member told; None for a text to a bare phone (`phone`), such as a complainant's.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    #: The mainland mobile of someone who is not a member (`services.notify_phone`): the SMS
    #: goes there. None for a member's notice (their own phone is used).
    phone: Mapped[str | None] = mapped_column(String(20), info={"personal": True})
    #: Sending the same key again does nothing: ``reminder:<sign-up id>``.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    #: What kind of notice it is (``reminder``, ``activity_changed``, ...): which channels it
    #: may take and which template it uses (`services.kind_of` derives it from the key).
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000), default="")
    #: A path on this site to open, such as an activity's page.
    link: Mapped[str | None] = mapped_column(String(200))
    #: The template parameters of an SMS or WeChat message (``{"title": ..., "when": ...}``).
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[Any | None] = mapped_column(UTCDateTime)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Delivery(db.Model):
    """A notification on its way through one channel (``sms``, ``wechat``): written in the
    transaction that made the notification, sent by the delivery worker after the commit."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel",
                         name="uq_notice_deliveries_notification_id_channel"),
        Index("ix_notice_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    #: Tries begun so far (a try is counted when a worker claims the row).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this moment: now when written, 08:00 after quiet hours, later after a
    #: failure (backoff), and a few minutes on while a worker holds the row (its claim).
    next_attempt_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The worker holding the row (a random token), while it sends.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    #: A same-day change of an activity: an SMS goes out even in quiet hours.
    urgent: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    notification: Mapped[Notification] = relationship(lazy="joined")
