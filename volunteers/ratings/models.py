"""Ratings (服务评价): after an activity or a mutual-aid help, the residents served and the
volunteers rate it 1–5 with an optional comment; a social worker may enter a resident's rating
given by phone (代录)."""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.extensions import db
from volunteers.activities.models import Activity


class RaterPart(StrEnum):
    RESIDENT_SERVED = "resident_served"
    VOLUNTEER = "volunteer"


PART_LABELS = {
    RaterPart.RESIDENT_SERVED: _l("Resident served"),
    RaterPart.VOLUNTEER: lazy_pgettext("person", "Volunteer"),
}

SCORE_MIN, SCORE_MAX = 1, 5
COMMENT_MAX = 500
ON_BEHALF_MAX = 60


class Rating(db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
        CheckConstraint("(activity_id IS NULL) <> (help_request_id IS NULL)",
                        name="one_subject"),
        CheckConstraint("rater_id IS NOT NULL OR (entered_by_id IS NOT NULL "
                        "AND on_behalf_of IS NOT NULL)", name="a_rater"),
        # One rating per rater and subject; ratings entered for a resident named only by
        # `on_behalf_of` have no rater and are not limited (each phone call is one resident).
        UniqueConstraint("activity_id", "rater_id", name="uq_ratings_activity_rater"),
        UniqueConstraint("help_request_id", "rater_id", name="uq_ratings_help_request_rater"),
        Index("ix_ratings_station_created", "station_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The subject: an activity, or a mutual-aid help request (exactly one).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    help_request_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id"), index=True)
    #: Who rated (a user); None for a rating a social worker entered for a resident by name.
    rater_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The social worker who entered it on the resident's behalf (代录), if so.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The resident it was entered for: a short name or description. Personal, though they have
    #: no account here to export or erase it against.
    on_behalf_of: Mapped[str | None] = mapped_column(String(ON_BEHALF_MAX), info={"personal": True})
    #: ``resident_served`` or ``volunteer``.
    rater_part: Mapped[str] = mapped_column(String(16))
    #: The volunteer rated, where there is one (a mutual-aid helper; a volunteer a resident named).
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    score: Mapped[int]
    #: The rater's words: theirs (exported to them, blanked if they are erased), shown to staff.
    comment: Mapped[str | None] = mapped_column(Text, info={"personal": "rater_id"})
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The activity's station; for a help request, the station of its community.
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))

    activity: Mapped[Activity | None] = relationship()
    help_request: Mapped[HelpRequest | None] = relationship()
    rater: Mapped[User | None] = relationship(foreign_keys=[rater_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    volunteer: Mapped[User | None] = relationship(foreign_keys=[volunteer_id])

    @property
    def on_behalf(self) -> bool:
        """Entered by a social worker for the resident (shown as 代录)."""
        return self.entered_by_id is not None

    @property
    def part_label(self) -> str:
        return str(PART_LABELS[RaterPart(self.rater_part)])

    @property
    def subject_title(self) -> str:
        return self.activity.title if self.activity is not None else self.help_request.title
