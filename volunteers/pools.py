"""Community pools: residents donate hours to their community's pool; social workers of the
station grant pool hours to people in difficulty (困境群体, elderly living alone), so they can
receive help without having earned hours. Every grant has a reason, and a station's grants in
a month may not exceed its monthly cap (``POOL_GRANT_MONTHLY_CAP_MINUTES``).
"""

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.users import User
from volunteers.geography import Community, Station

#: Why someone receives a grant.
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
