"""Volunteer service teams (志愿服务队): members, a volunteer captain (队长) and a guiding
social worker (指导社工); volunteers' requests to join; a team's sign-up for an activity."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station
from volunteers.activities.models import Activity

team_members = Table(
    "volunteer_team_members", db.metadata,
    Column("team_id", ForeignKey("volunteer_teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class VolunteerTeam(db.Model):
    """A volunteer service team (志愿服务队) of a station, guided by a social worker."""

    __tablename__ = "volunteer_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    #: The guiding social worker (指导社工), staff of the team's station.
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The volunteer captain (队长): always one of the members, or None.
    captain_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: A deactivated team keeps its history but takes no members, requests or sign-ups.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[Any | None] = mapped_column(UTCDateTime, default=now)

    station: Mapped[Station] = relationship()
    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    social_worker_id = synonym("leader_id")
    social_worker = synonym("leader")
    captain: Mapped[User | None] = relationship(foreign_keys=[captain_id])
    members: Mapped[list[User]] = relationship(secondary=team_members, order_by=User.id)


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


JOIN_STATUS_LABELS = {
    JoinRequestStatus.PENDING: _l("Waiting for a decision"),
    JoinRequestStatus.ACCEPTED: _l("Accepted"),
    JoinRequestStatus.DECLINED: _l("Declined"),
    JoinRequestStatus.WITHDRAWN: _l("Withdrawn by the volunteer"),
}


class TeamJoinRequest(db.Model):
    """A volunteer's request to join a team, decided by its captain or social worker."""

    __tablename__ = "team_join_requests"
    __table_args__ = (
        # At most one pending request per volunteer and team; decided ones stay as history.
        Index("uq_team_join_requests_pending", "team_id", "volunteer_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id", ondelete="CASCADE"),
                                         index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    message: Mapped[str] = mapped_column(String(300), default="", server_default="",
                                         info={"personal": "volunteer_id"})
    status: Mapped[str] = mapped_column(String(10), default=JoinRequestStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    team: Mapped[VolunteerTeam] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(JOIN_STATUS_LABELS[JoinRequestStatus(self.status)])


class TeamSignUpStatus(StrEnum):
    LIVE = "live"
    CANCELLED = "cancelled"


class TeamSignUp(db.Model):
    """A team signed up for an activity with a party size. The members it names have their own
    `SignUp` (`SignUp.team_sign_up_id`); the rest of the party reserves places unnamed."""

    __tablename__ = "team_signups"
    __table_args__ = (
        CheckConstraint("party_size BETWEEN 1 AND 50", name="party_size_range"),
        Index("uq_team_signups_live", "team_id", "activity_id", unique=True,
              sqlite_where=text("status = 'live'"),
              postgresql_where=text("status = 'live'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_teams.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    #: Places the team holds: its named members' own sign-ups plus unnamed places.
    party_size: Mapped[int]
    signed_up_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default=TeamSignUpStatus.LIVE)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    cancelled_at: Mapped[Any | None] = mapped_column(UTCDateTime)

    team: Mapped[VolunteerTeam] = relationship()
    activity: Mapped[Activity] = relationship()
    signed_up_by: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status == TeamSignUpStatus.LIVE
