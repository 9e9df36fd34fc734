"""Training and qualifications (培训与资质): courses and their sessions, attendance by check-in
or by staff, the qualifications volunteers hold, and waivers of an activity's required
qualification.

Training minutes are a record of their own (条例 §16–17; 民政部令第67号 records training beside
service): they are never posted to the ledger and never counted as hours of service."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class AttendanceMethod(StrEnum):
    #: The volunteer scanned the session's code during its window.
    SCAN = "scan"
    #: Staff recorded it once the session had started.
    STAFF = "staff"


class QualificationSource(StrEnum):
    TRAINING = "training"
    PAPER = "paper"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Qualification(db.Model):
    """A kind of qualification (资质类型): 急救证, 禁毒宣传员, 心理援助 …"""

    __tablename__ = "qualifications"
    __table_args__ = (
        UniqueConstraint("name", name="uq_qualifications_name"),
        CheckConstraint("valid_months IS NULL OR valid_months BETWEEN 1 AND 600",
                        name="valid_months_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    #: How long a grant stays valid by default; None: it does not expire.
    valid_months: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)


class TrainingCourse(db.Model):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The station running it; None: district-wide.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    #: The organisation that runs it (红十字会, 禁毒办 …), in words.
    organiser: Mapped[str] = mapped_column(String(80), default="", server_default="")
    description: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    #: Granted to each attendee; None: the course grants nothing.
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("qualifications.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    station: Mapped[Station | None] = relationship()
    qualification: Mapped[Qualification | None] = relationship()


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 1440", name="minutes_in_a_day"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"), index=True)
    trainer: Mapped[str] = mapped_column(String(80), default="", server_default="")
    place: Mapped[str] = mapped_column(String(120), default="", server_default="")
    starts_at: Mapped[Any] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[Any] = mapped_column(UTCDateTime)
    #: Training minutes credited to each attendee (as training, never as service).
    minutes: Mapped[int]
    capacity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default=SessionStatus.SCHEDULED,
                                        server_default="scheduled")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    course: Mapped[TrainingCourse] = relationship(lazy="joined")


class TrainingAttendance(db.Model):
    __tablename__ = "training_attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_training_attendances_session_user"),
        CheckConstraint("minutes BETWEEN 0 AND 1440", name="minutes_in_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    minutes: Mapped[int]
    method: Mapped[str] = mapped_column(String(10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    session: Mapped[TrainingSession] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class VolunteerQualification(db.Model):
    """A qualification a volunteer holds: from a training (`attendance_id`) or seen on paper
    by staff (`certificate_number`). Held on a day when not revoked, obtained by then and not
    expired (`expires_on` is the last valid day)."""

    __tablename__ = "volunteer_qualifications"
    __table_args__ = (
        UniqueConstraint("attendance_id", name="uq_volunteer_qualifications_attendance"),
        Index("ix_volunteer_qualifications_user_qualification", "user_id", "qualification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"), index=True)
    obtained_on: Mapped[date]
    expires_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(10))
    attendance_id: Mapped[int | None] = mapped_column(ForeignKey("training_attendances.id"))
    #: The paper certificate's number (证书编号), as staff saw it.
    certificate_number: Mapped[str] = mapped_column(String(60), default="", server_default="",
                                                    info={"personal": "user_id"})
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(300))

    qualification: Mapped[Qualification] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def held_on(self, day: date) -> bool:
        return (self.revoked_at is None and self.obtained_on <= day
                and (self.expires_on is None or self.expires_on >= day))


class QualificationWaiver(db.Model):
    """Staff let one volunteer take part in an activity without its required qualification."""

    __tablename__ = "qualification_waivers"
    __table_args__ = (
        UniqueConstraint("activity_id", "user_id", name="uq_qualification_waivers_activity_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
