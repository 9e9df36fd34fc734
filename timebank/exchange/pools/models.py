"""Grants made from community pools."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Community, Station

GRANT_GROUPS = {
    "hardship": _l("Family in difficulty"),
    "elderly_alone": _l("Elderly person living alone"),
    "disability": _l("Person with a disability"),
    "other": _l("Other need"),
}


class PoolGrant(db.Model):
    __tablename__ = "pool_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    minutes: Mapped[int]
    group: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), unique=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)

    station: Mapped[Station] = relationship()
    community: Mapped[Community] = relationship()
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id])

    #: Set on a grant returned for a repeated idempotency key (not stored).
    replayed = False
