"""Star-level applications: a volunteer asks for the level their hours of service reach, a
station manager awards or declines it. The awarded level of a member is the highest level of
their awarded applications (`services.awarded_level`)."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class StarStatus(StrEnum):
    PENDING = "pending"
    AWARDED = "awarded"
    DECLINED = "declined"


STATUS_LABELS = {
    StarStatus.PENDING: _l("Waiting for the station manager"),
    StarStatus.AWARDED: _l("Awarded"),
    StarStatus.DECLINED: _l("Not awarded"),
}


class StarApplication(db.Model):
    __tablename__ = "star_applications"
    __table_args__ = (
        # One pending application per member: a second press, or two at once, makes no second.
        Index("uq_star_applications_pending", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        # A level is awarded to a member once.
        Index("uq_star_applications_awarded", "user_id", "level", unique=True,
              sqlite_where=text("status = 'awarded'"),
              postgresql_where=text("status = 'awarded'")),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The level applied for: 1 (一星, 100 h) to 5 (五星, 1,500 h).
    level: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=StarStatus.PENDING)
    #: The station that decides: the station of the member's community when they applied.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    #: Minutes of service (the ledger's `minutes_served`) when the member applied.
    served_minutes: Mapped[int]
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Minutes of service when it was decided (awarded levels are checked against them).
    decided_served_minutes: Mapped[int | None]
    #: Why it was declined (required then); a note on an award.
    decision_reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    station: Mapped[Station | None] = relationship()
