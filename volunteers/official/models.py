"""External project ids of activities and the sync status of service records in the official
systems (i志愿 and the national volunteer information system)."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class System(StrEnum):
    #: i志愿, Guangdong's volunteer system.
    IZY = "izy"
    #: 全国志愿服务信息系统 (chinavolunteer.mca.gov.cn).
    NATIONAL = "national"


class OfficialProject(db.Model):
    """An activity's id in an official system (项目编号 / 活动编号): one per activity and system."""

    __tablename__ = "official_projects"
    __table_args__ = (UniqueConstraint("activity_id", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    system: Mapped[str] = mapped_column(String(10))
    #: Letters, digits and hyphens, as the system shows it.
    external_id: Mapped[str] = mapped_column(String(40))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)


class OfficialSync(db.Model):
    """A service record entered into an official system (已补录). No row means 待补录.

    Set only by importing the system's result list back; a record is marked once per system
    (the first import's date and batch stay)."""

    __tablename__ = "official_syncs"
    __table_args__ = (UniqueConstraint("checkin_id", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    system: Mapped[str] = mapped_column(String(10))
    #: The day it was entered into the system (from the result list, or given at import).
    synced_on: Mapped[date]
    #: The import batch's name, as given by whoever imported the result list.
    batch: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    imported_by: Mapped[User | None] = relationship()
