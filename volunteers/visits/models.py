"""Visits and calls to registered households (入户探访), by a social worker or a paired
volunteer; a volunteer's visit is a service record once the grid social worker approves it."""

from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from volunteers.households.models import Household, Pairing


class VisitWay(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"


class VisitStatus(StrEnum):
    #: By a social worker: a record of the station's own work, no hours.
    RECORDED = "recorded"
    #: By a paired volunteer: waiting for the grid social worker.
    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"


VISIT_STATUS_LABELS = {
    VisitStatus.RECORDED: _l("Recorded"),
    VisitStatus.WAITING: _l("Awaiting approval"),
    VisitStatus.APPROVED: _l("Approved"),
    VisitStatus.REJECTED: _l("Rejected"),
}


class Visit(db.Model):
    """A visit or call to a household, by a social worker or a paired volunteer.

    A volunteer's visit is a service record: once the grid social worker approves it, its
    minutes are posted through the check-in path (`checkin_id`), with the household as the
    people served."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 720", name="minutes_in_a_day"),
        Index("ix_visits_household_visited_on", "household_id", "visited_on"),
        Index("ix_visits_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    #: The household's station at the time (scope of approval and reports).
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Set when the visitor is a paired volunteer.
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    way: Mapped[str] = mapped_column(String(10), default=VisitWay.IN_PERSON)
    visited_on: Mapped[date]
    #: Local start time of the visit (for the service record); None: only the day is known.
    started_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(default=60)
    findings: Mapped[str] = mapped_column(Text, default="", server_default="",
                                          info={"personal": True})
    #: Codes from `NEEDS` found at the visit.
    needs_found: Mapped[list] = mapped_column(JSON, default=list)
    follow_up: Mapped[str] = mapped_column(String(1000), default="", server_default="",
                                           info={"personal": True})
    #: Where the household was referred (民政、医院、残联 …), in the staff's words.
    referrals: Mapped[str] = mapped_column(String(500), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default=VisitStatus.RECORDED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    #: The service record that posted the volunteer's hours, once approved.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    household: Mapped[Household] = relationship()
    visitor: Mapped[User] = relationship(foreign_keys=[visitor_id])
    pairing: Mapped[Pairing | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(VISIT_STATUS_LABELS[VisitStatus(self.status)])
