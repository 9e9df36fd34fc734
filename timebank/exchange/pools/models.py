"""Grants made from community pools."""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy import false as sa_false
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
    #: The pool's station and community; both null for a grant from the district's pool.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    #: Made by the time bank's operations centre (运营中心), under the district's monthly budget
    #: (``GRANT_MONTHLY_BUDGET_MINUTES``) rather than the station's cap.
    by_district: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    minutes: Mapped[int]
    group: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), unique=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)

    station: Mapped[Station | None] = relationship()
    community: Mapped[Community | None] = relationship()
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id])

    #: Set on a grant returned for a repeated idempotency key (not stored).
    replayed = False

    @property
    def pool_name(self) -> str:
        return self.community.name if self.community is not None else str(_l("The district"))
