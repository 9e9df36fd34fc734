"""Activities and sign-ups."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Community, Station
from volunteers.themes.models import Theme


class ActivityStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SignUpStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    INVITED = "invited"
    CANCELLED = "cancelled"


class ActivityKind(StrEnum):
    EVENT = "event"
    VISIT = "visit"


class CreditMode(StrEnum):
    """How hours are credited: scanned time in and out, or a fixed amount per attendance."""

    SCANNED = "scanned"
    FIXED = "fixed"


STATUS_LABELS = {
    ActivityStatus.DRAFT: _l("Draft"),
    ActivityStatus.PUBLISHED: _l("Published"),
    ActivityStatus.CLOSED: _l("Closed"),
    ActivityStatus.CANCELLED: _l("Cancelled"),
    SignUpStatus.CONFIRMED: _l("Confirmed"),
    SignUpStatus.WAITLISTED: _l("On the waiting list"),
    SignUpStatus.INVITED: _l("Invited"),
}

#: Sign-ups that hold the volunteer's time (and, except waitlisted, a place).
HOLDING = (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.INVITED)
TAKING_A_PLACE = (SignUpStatus.CONFIRMED, SignUpStatus.INVITED)


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (CheckConstraint("min_age BETWEEN 0 AND 100", name="min_age_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(2000), default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    #: Where it takes place.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    place: Mapped[str] = mapped_column(String(120), default="")
    #: A code from `TARGET_GROUPS`: who the activity serves.
    target_group: Mapped[str] = mapped_column(String(20), default="community")
    starts_at: Mapped[Any] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[Any] = mapped_column(UTCDateTime)
    slots: Mapped[int]
    #: Codes from `SKILLS`.
    required_skills: Mapped[list] = mapped_column(JSON, default=list)
    credit_mode: Mapped[str] = mapped_column(String(10), default=CreditMode.SCANNED)
    #: Minutes credited per attendance when `credit_mode` is fixed.
    fixed_minutes: Mapped[int | None]
    allow_walk_ins: Mapped[bool] = mapped_column(default=False)
    #: A code from `SERVICE_CATEGORIES`: the record's 服务类别 (None on activities made before it).
    service_category: Mapped[str | None] = mapped_column(String(20))
    #: What the volunteers did (服务内容), printed on every record line; not the theme's title.
    service_content: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: How many people the activity served (服务对象人数), filled in at or after the activity.
    people_served: Mapped[int | None]
    #: The person in charge of the activity (活动负责人), by name: not always a platform user.
    person_in_charge: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: The youngest age (周岁, on the activity's local date) a volunteer may have; None: any.
    min_age: Mapped[int | None]
    #: A risky activity (高空、水上、大型活动、应急救援 …, 条例 §17): it is published only with
    #: an `insurance_reference`, and each participant's cover is recorded on their sign-up.
    #: A qualification (`volunteers.training`) a volunteer must hold on the activity's local
    #: date to sign up, be invited or walk in, unless staff waived it for them; None: none.
    required_qualification_id: Mapped[int | None] = mapped_column(
        ForeignKey("qualifications.id"))
    risky: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The insurance policy number (保单号) covering the participants.
    insurance_reference: Mapped[str] = mapped_column(String(60), default="", server_default="")
    status: Mapped[str] = mapped_column(String(12), default=ActivityStatus.DRAFT, index=True)
    #: ``event``: an activity volunteers sign up for; ``visit``: the service record of an
    #: approved visit to a paired household (`volunteers.visits`), never listed, matched or
    #: open for sign-up, but counted as hours like any other.
    kind: Mapped[str] = mapped_column(String(10), default=ActivityKind.EVENT,
                                      server_default="event")
    #: Who was served, as the volunteer may name them (李阿姨, 李某; never a full name):
    #: printed beside `people_served` on the certificate.
    served_names: Mapped[str] = mapped_column(String(60), default="", server_default="",
                                              info={"personal": True})
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    theme: Mapped[Theme | None] = relationship()
    station: Mapped[Station] = relationship()
    community: Mapped[Community] = relationship()
    created_by: Mapped[User] = relationship()
    required_qualification = relationship("Qualification")

    @property
    def minutes_long(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def has_started(self) -> bool:
        return self.starts_at <= now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= now()

    @property
    def open_for_sign_up(self) -> bool:
        """Published and not over yet: only then may volunteers sign up or be invited."""
        return (self.status == ActivityStatus.PUBLISHED and self.kind != ActivityKind.VISIT
                and not self.has_ended)


class SignUp(db.Model):
    __tablename__ = "signups"
    __table_args__ = (
        # One live sign-up per volunteer and activity; cancelled ones stay as history.
        Index("uq_signups_live", "activity_id", "user_id", unique=True,
              sqlite_where=text("status != 'cancelled'"),
              postgresql_where=text("status != 'cancelled'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)
    #: Set after the activity: ``attended`` or ``no_show`` (by check-in, or by hand).
    attendance: Mapped[str | None] = mapped_column(String(10))
    #: On a risky activity: the policy covering this volunteer, as it was when they signed up
    #: or checked in, and when the cover was recorded (None: not covered / not risky).
    insurance_reference: Mapped[str | None] = mapped_column(String(60))
    insured_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Set when the volunteer was named in a team's sign-up (`volunteers.teams`).
    team_sign_up_id: Mapped[int | None] = mapped_column(ForeignKey("team_signups.id"), index=True)

    activity: Mapped[Activity] = relationship(lazy="joined")
    user: Mapped[User] = relationship()

    @property
    def is_invitation(self) -> bool:
        """A place held for the volunteer by matching, until they accept or decline."""
        return self.status == SignUpStatus.INVITED
