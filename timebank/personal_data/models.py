"""A resident's requests about their own data: corrections of profile data they asked for, and
the retention reviews of accounts inactive for longer than the district keeps them."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db


class CorrectionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"


CORRECTION_STATUS_LABELS = {
    CorrectionStatus.OPEN: _l("Waiting for the station"),
    CorrectionStatus.DONE: _l("Corrected"),
    CorrectionStatus.REFUSED: _l("Not corrected"),
}


class ProfileCorrectionRequest(db.Model):
    """更正个人信息: a person says which profile field is wrong and what it should be; the staff
    of their station correct it (on the profile pages) and mark it done, or refuse with a reason."""

    __tablename__ = "profile_correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The station that handles it: the person's station when they asked (None: the district's).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    #: Which field, in the person's words or from the page's list (``name``, ``id_number``, ...).
    field: Mapped[str] = mapped_column(String(40))
    #: What is wrong, as the person wrote it.
    problem: Mapped[str] = mapped_column(String(500), info={"personal": True})
    #: The right value, as text (staff check it against a document before changing anything).
    correct_value: Mapped[str] = mapped_column(String(200), info={"personal": True})
    status: Mapped[str] = mapped_column(String(10), default=CorrectionStatus.OPEN, index=True)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Why it was refused, or a note on what was changed; the person is told.
    resolution: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class ReviewStatus(StrEnum):
    FLAGGED = "flagged"
    KEPT = "kept"
    ERASED = "erased"


REVIEW_STATUS_LABELS = {
    ReviewStatus.FLAGGED: _l("Waiting for a decision"),
    ReviewStatus.KEPT: _l("Kept"),
    ReviewStatus.ERASED: _l("Erased"),
}


class RetentionReview(db.Model):
    """An account inactive for longer than the district's retention period, flagged by the
    review (``flask personal-data review``) for a district administrator's decision."""

    __tablename__ = "retention_reviews"
    __table_args__ = (
        # One undecided review per person: the review run daily flags a person once.
        Index("uq_retention_reviews_flagged", "user_id", unique=True,
              sqlite_where=text("status = 'flagged'"),
              postgresql_where=text("status = 'flagged'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    flagged_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: When the person was last seen (or registered), as the review found it.
    last_seen_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=ReviewStatus.FLAGGED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
