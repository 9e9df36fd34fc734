"""The notification: one row per thing a user is told, shown in their inbox."""

from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Sending the same key again does nothing: ``reminder:<sign-up id>``.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000), default="")
    #: A path on this site to open, such as an activity's page.
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[Any | None] = mapped_column(UTCDateTime)
