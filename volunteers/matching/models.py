"""Matching runs and their proposals."""

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station
from volunteers.activities.models import Activity
from volunteers.vocabulary import SKILLS, TARGET_GROUPS


class ProposalStatus:
    PROPOSED = "proposed"
    INVITED = "invited"
    DECLINED = "declined"
    REPLACED = "replaced"
    ACCEPTED = "accepted"


class RunSource:
    STAFF = "staff"
    CLI = "cli"
    JOB = "job"


class MatchRun(db.Model):
    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    #: Null: every station's activities of the month.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    #: Null for the scheduled job and operator commands (see `source`).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: ``staff`` (page or API), ``cli`` or ``job``; the job runs once per station and month.
    source: Mapped[str] = mapped_column(String(10), default=RunSource.STAFF)
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: Totals at the time of the run: activities with places left, those places, proposals made.
    activity_count: Mapped[int] = mapped_column(default=0)
    place_count: Mapped[int] = mapped_column(default=0)
    proposal_count: Mapped[int] = mapped_column(default=0)
    total_score: Mapped[int] = mapped_column(default=0)

    station: Mapped[Station | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    proposals: Mapped[list["MatchProposal"]] = relationship(
        back_populates="run", order_by="[MatchProposal.activity_id, MatchProposal.rank]",
        cascade="all, delete-orphan")

    @property
    def month_key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class MatchProposal(db.Model):
    __tablename__ = "match_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    score: Mapped[int]
    #: ``[{"code", "detail", "text"}]``: the core's reason codes and the words in the default
    #: language (shown in the viewer's language by `reason_text`).
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    #: 1 for the best proposal of the activity in this run; swaps and re-offers come after.
    rank: Mapped[int] = mapped_column(default=1)
    #: proposed → invited → accepted, or declined; proposed → replaced (swapped by hand).
    status: Mapped[str] = mapped_column(String(10), default=ProposalStatus.PROPOSED, index=True)
    #: The ``invited`` sign-up, once the proposal is acted on.
    sign_up_id: Mapped[int | None] = mapped_column(ForeignKey("signups.id"), index=True)
    #: The proposal this one replaced (swap) or took over from (declined).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("match_proposals.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)

    run: Mapped[MatchRun] = relationship(back_populates="proposals")
    activity: Mapped[Activity] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def reason_pairs(self) -> list[tuple[str, Any]]:
        return [(reason["code"], reason.get("detail")) for reason in self.reasons]

    @property
    def reason_texts(self) -> list[str]:
        """The reasons in the viewer's language."""
        return [reason_text(code, detail) for code, detail in self.reason_pairs]


# --- reasons in words -------------------------------------------------------------------------

def reason_text(code: str, detail=None) -> str:
    """One reason of the core (`matching.score`) in natural words: ``擅长急救``, ``同社区``."""
    if code == "skill":
        return _("Good at %(skill)s", skill=SKILLS.get(detail, detail))
    if code == "group":
        return _("Cares about %(group)s", group=_group_word(detail))
    if code == "theme":
        return _("Interested in the %(tag)s theme", tag=detail)
    simple = {
        "same_community": _("Same community"),
        "same_town": _("Same town or street"),
        "linked": _("Linked with this activity's social worker"),
        "reliable": _("High attendance"),
        "first_this_month": _("No activity yet this month"),
        "little_recently": _("Little service recently"),
    }
    return simple.get(code, code)


def _group_word(code) -> str:
    """A target group as the short word a reason needs (长者, not 长者群体)."""
    short = {"elderly": _("the elderly"), "youth": _("young people"), "children": _("children"),
             "families": _("families"), "disabled": _("people with disabilities"),
             "new_residents": _("new residents"), "community": _("the whole community")}
    return short.get(code) or str(TARGET_GROUPS.get(code, code))
