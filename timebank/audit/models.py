"""The audit log's rows."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)
    #: Null for anonymous actions (a failed login) and for the system (scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Dotted verb such as ``user.register`` or ``ledger.transfer``.
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: What it was done to, as ``kind:id`` (``user:5``, ``transfer:12``).
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("User", lazy="joined")
