"""The district's stored settings: one row per setting that has been changed on the page."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class DistrictSetting(db.Model):
    __tablename__ = "district_settings"

    #: The name of the app setting it overrides, such as ``CHECKIN_ROUNDING_MINUTES``.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)

    updated_by = relationship("User", lazy="joined")
