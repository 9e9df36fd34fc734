"""A summary (活动小结) and photos per activity. The files live under ``EVIDENCE_DIR`` (the
instance folder's ``evidence/`` unless configured); the rows keep only their names."""

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from volunteers.activities.models import Activity


class ActivitySummary(db.Model):
    """活动小结: what was done and for whom, in the station's words; one per activity."""

    __tablename__ = "activity_summaries"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    activity: Mapped[Activity] = relationship()
    written_by: Mapped[User] = relationship()


class ActivityPhoto(db.Model):
    """活动照片: one uploaded image and its thumbnail, stored as files named by random tokens."""

    __tablename__ = "activity_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    #: The file names under the evidence folder (random, never the uploader's name).
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumbnail_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    caption: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, index=True)

    activity: Mapped[Activity] = relationship()
    uploaded_by: Mapped[User] = relationship()
