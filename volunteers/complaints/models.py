"""Complaints (投诉) from residents to a station, and the steps each goes through:
受理 (accept) → 处理 (handle) → 答复 (answer) → 回访 (follow up, which closes it)."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    HANDLING = "handling"
    ANSWERED = "answered"
    FOLLOWED_UP = "followed_up"


class Channel(StrEnum):
    ONLINE = "online"
    PHONE = "phone"
    IN_PERSON = "in_person"
    LETTER = "letter"


STATUS_LABELS = {
    ComplaintStatus.RECEIVED: lazy_pgettext("complaint", "Received"),
    ComplaintStatus.ACCEPTED: lazy_pgettext("complaint", "Accepted"),
    ComplaintStatus.HANDLING: lazy_pgettext("complaint", "Being handled"),
    ComplaintStatus.ANSWERED: lazy_pgettext("complaint", "Answered"),
    ComplaintStatus.FOLLOWED_UP: lazy_pgettext("complaint", "Followed up (closed)"),
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("Online form"),
    Channel.PHONE: _l("By phone"),
    Channel.IN_PERSON: _l("In person"),
    Channel.LETTER: _l("By letter"),
}

#: The steps staff take, each from the statuses it may follow, and the status it leads to.
STEPS = {
    "accept": ((ComplaintStatus.RECEIVED,), ComplaintStatus.ACCEPTED),
    "handle": ((ComplaintStatus.ACCEPTED, ComplaintStatus.HANDLING), ComplaintStatus.HANDLING),
    "answer": ((ComplaintStatus.ACCEPTED, ComplaintStatus.HANDLING), ComplaintStatus.ANSWERED),
    "follow_up": ((ComplaintStatus.ANSWERED,), ComplaintStatus.FOLLOWED_UP),
}

STEP_LABELS = {
    "received": lazy_pgettext("complaint step", "Received"),
    "accept": lazy_pgettext("complaint step", "Accept"),
    "handle": lazy_pgettext("complaint step", "Handling note"),
    "answer": lazy_pgettext("complaint step", "Answer"),
    "follow_up": lazy_pgettext("complaint step", "Follow-up call"),
    "escalate": lazy_pgettext("complaint step", "Escalated to the district"),
}


class Complaint(db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_station_status", "station_id", "status"),
        Index("ix_complaints_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``TS-2026-12-7KQ4PX``: what the complainant is told and quotes (random, not a count).
    number: Mapped[str] = mapped_column(String(24), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    channel: Mapped[str] = mapped_column(String(10), default=Channel.ONLINE)
    category: Mapped[str | None] = mapped_column(String(40))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    #: What they said, as plain text (shown escaped; up to `services.TEXT_MAX` characters).
    text: Mapped[str] = mapped_column(Text, info={"personal": True})
    #: A mainland mobile to tell them by SMS at each step; None when they left none.
    contact: Mapped[str | None] = mapped_column(String(20), info={"personal": True})
    name: Mapped[str | None] = mapped_column(String(40), info={"personal": True})
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The member who filed it while logged in (told in the app too); None for a stranger.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The staff member who took it by phone, in person or by letter.
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default=ComplaintStatus.RECEIVED)
    received_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The deadline of the next step (accept, answer, follow up); None once closed.
    due_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: When it was first escalated to the district, and the deadline it missed last
    #: (``accept``, ``answer``, ``follow_up``), so that each is escalated once.
    escalated_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    escalated_stage: Mapped[str | None] = mapped_column(String(12))
    #: The answer given (答复) and the complainant's satisfaction at the call back (1–5).
    answer: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None]
    closed_at: Mapped[Any | None] = mapped_column(UTCDateTime)

    station: Mapped[Station] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    taken_by: Mapped[User | None] = relationship(foreign_keys=[taken_by_id])
    steps: Mapped[list["ComplaintStep"]] = relationship(
        back_populates="complaint", order_by="ComplaintStep.id")

    @property
    def is_open(self) -> bool:
        return self.status != ComplaintStatus.FOLLOWED_UP

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[ComplaintStatus(self.status)])

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS[Channel(self.channel)])

    @property
    def stage(self) -> str | None:
        """The deadline it is waiting on: ``accept``, ``answer``, ``follow_up`` or None."""
        return {ComplaintStatus.RECEIVED: "accept", ComplaintStatus.ACCEPTED: "answer",
                ComplaintStatus.HANDLING: "answer",
                ComplaintStatus.ANSWERED: "follow_up"}.get(ComplaintStatus(self.status))

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < now()


class ComplaintStep(db.Model):
    """One step of a complaint: who took it, when, and what they wrote."""

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    #: ``received``, ``accept``, ``handle``, ``answer``, ``follow_up`` or ``escalate``.
    step: Mapped[str] = mapped_column(String(12))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    satisfaction: Mapped[int | None]

    complaint: Mapped[Complaint] = relationship(back_populates="steps")
    by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return str(STEP_LABELS.get(self.step, self.step))
