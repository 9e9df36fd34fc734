"""Consents: who agreed to what, under which notice version, when, and how; and when they
withdrew it. A row is never changed except to set `withdrawn_at`; giving again adds a row."""

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class Consent(db.Model):
    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint("method IN ('self', 'paper', 'import')", name="method_known"),
        Index("ix_consents_user_id_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: One of `services.PURPOSES`: ``privacy_notice``, ``skills_availability``,
    #: ``party_membership``, ``photos``.
    purpose: Mapped[str] = mapped_column(String(32))
    #: The privacy notice's version in force when it was given (`services.NOTICES`).
    notice_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    withdrawn_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: ``self`` (the person, on a page or the API), ``paper`` (staff, from a signed form),
    #: ``import`` (a station's import, or the records kept before consents were).
    method: Mapped[str] = mapped_column(String(8), default="self")
    #: The staff member who recorded a paper consent or a withdrawal on paper.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
