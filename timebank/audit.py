"""The audit log: who did what, when and why. Rows are only ever added."""

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

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


def record(action: str, subject: str | None = None, *, actor=None, reason=None, **details):
    """Add an audit entry to the session; it commits with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action,
        subject=subject,
        actor_id=actor.id if actor is not None else None,
        reason=reason,
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
