"""Follow-up calls (群众随访): each month a sample of the residents a station served the month
before is queued for a call, and staff record how each call went."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class FollowUpStatus(StrEnum):
    QUEUED = "queued"
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    REFUSED = "refused"


OUTCOMES = (FollowUpStatus.REACHED, FollowUpStatus.NOT_REACHED, FollowUpStatus.REFUSED)

STATUS_LABELS = {
    FollowUpStatus.QUEUED: _l("To call"),
    FollowUpStatus.REACHED: _l("Reached"),
    FollowUpStatus.NOT_REACHED: _l("Not reached"),
    FollowUpStatus.REFUSED: _l("Refused"),
}

SOURCE_LABELS = {
    "visit": _l("Household visited"),
    "mutual_aid": _l("Mutual-aid help received"),
}


class FollowUp(db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("station_id", "month", "subject",
                         name="uq_follow_ups_station_id_month_subject"),
        Index("ix_follow_ups_station_month", "station_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    #: The month the residents were served, ``2026-11``.
    month: Mapped[str] = mapped_column(String(7))
    #: Who is called: ``household:<id>`` or ``user:<id>``.
    subject: Mapped[str] = mapped_column(String(40))
    #: ``visit`` or ``mutual_aid``.
    source: Mapped[str] = mapped_column(String(12))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default=FollowUpStatus.QUEUED)
    satisfaction: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="", server_default="",
                                      info={"personal": True})
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    called_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    station: Mapped[Station] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    called_by: Mapped[User | None] = relationship(foreign_keys=[called_by_id])
    household = relationship("Household")

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[FollowUpStatus(self.status)])

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))
