"""Correction tickets: a volunteer asks the organising station to check one service record
(《志愿服务记录与证明出具办法》: the volunteer may ask, the organisation verifies promptly)."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class CorrectionStatus(StrEnum):
    OPEN = "open"
    REVERSED = "reversed"
    ADJUSTED = "adjusted"
    REFUSED = "refused"


STATUS_LABELS = {
    CorrectionStatus.OPEN: _l("Being checked"),
    CorrectionStatus.REVERSED: _l("Corrected: hours withdrawn"),
    CorrectionStatus.ADJUSTED: _l("Corrected: hours adjusted"),
    CorrectionStatus.REFUSED: _l("Not changed"),
}


class Correction(db.Model):
    __tablename__ = "corrections"
    __table_args__ = (
        # One open ticket per record; a closed one may be followed by another.
        Index("uq_corrections_open_subject", "subject", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_corrections_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The record asked about, as ``checkin:<id>`` or ``transfer:<id>``: a ledger line posted
    #: for a check-in is that check-in's record (``checkin:<id>``).
    subject: Mapped[str] = mapped_column(String(40))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    #: The ledger line the record credited (a check-in's approval, or an adjustment), if any.
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    #: The organising station, which handles the ticket (谁组织谁记录、谁记录谁证明).
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    reason: Mapped[str] = mapped_column(Text, info={"personal": True})
    status: Mapped[str] = mapped_column(String(12), default=CorrectionStatus.OPEN)
    asked_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The end of the last working day the station has (`services.due_date`).
    due_at: Mapped[Any] = mapped_column(UTCDateTime)
    resolved_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The station's answer, told to the volunteer.
    resolution: Mapped[str | None] = mapped_column(Text)
    #: Minutes added (or, negative, removed) by an adjustment.
    minutes: Mapped[int | None]
    #: The reversal or adjustment posted to resolve it.
    result_transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    station: Mapped[Station] = relationship()
    notes: Mapped[list["CorrectionNote"]] = relationship(
        back_populates="correction", order_by="CorrectionNote.id")

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.OPEN

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[CorrectionStatus(self.status)])


class CorrectionNote(db.Model):
    """A staff member's note on a ticket (what they checked, whom they asked)."""

    __tablename__ = "correction_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    correction_id: Mapped[int] = mapped_column(ForeignKey("corrections.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    correction: Mapped[Correction] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()
