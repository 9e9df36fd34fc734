"""The district's four-party evaluation (四方评估) of the stations it buys services from: periods
(中期 / 末期 / 其他) with their weights, scoring items per party and veto items (一票否决), the
figures frozen when a period opens, the reviewers' score sheets and the district's veto answers.

Scores are kept in tenths of a point (one decimal place, exact on every database)."""

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class PeriodKind(StrEnum):
    MID_TERM = "mid_term"
    FINAL = "final"
    OTHER = "other"


class PeriodStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Party(StrEnum):
    """The four parties, in the order the district lists them."""

    EVALUATOR = "evaluator"
    TOWN = "town"
    COMMITTEE = "committee"
    DISTRICT = "district"


class ReviewerStation(db.Model):
    """A station a reviewer (evaluator, town or committee) reviews; set by the district."""

    __tablename__ = "reviewer_stations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)

    station: Mapped[Station] = relationship()


class EvaluationPeriod(db.Model):
    __tablename__ = "evaluation_periods"
    __table_args__ = (
        CheckConstraint("weight_evaluator + weight_town + weight_committee + weight_district "
                        "= 100", name="weights_sum"),
        CheckConstraint("weight_evaluator >= 0 AND weight_town >= 0 AND weight_committee >= 0 "
                        "AND weight_district >= 0", name="weights_positive"),
        CheckConstraint("first_year * 12 + first_month <= last_year * 12 + last_month",
                        name="months_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default=PeriodKind.MID_TERM.value)
    #: The months whose figures are frozen, both included.
    first_year: Mapped[int]
    first_month: Mapped[int]
    last_year: Mapped[int]
    last_month: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=PeriodStatus.DRAFT.value, index=True)
    #: Whole percent; the four sum to 100 (default 70 / 10 / 10 / 10).
    weight_evaluator: Mapped[int] = mapped_column(default=70)
    weight_town: Mapped[int] = mapped_column(default=10)
    weight_committee: Mapped[int] = mapped_column(default=10)
    weight_district: Mapped[int] = mapped_column(default=10)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[Any | None] = mapped_column(UTCDateTime)

    items: Mapped[list["ScoringItem"]] = relationship(
        back_populates="period", order_by="[ScoringItem.position, ScoringItem.id]")
    veto_items: Mapped[list["VetoItem"]] = relationship(
        back_populates="period", order_by="VetoItem.id")

    @property
    def first(self) -> tuple[int, int]:
        return (self.first_year, self.first_month)

    @property
    def last(self) -> tuple[int, int]:
        return (self.last_year, self.last_month)

    def weight(self, party: Party | str) -> int:
        return getattr(self, f"weight_{Party(party).value}")


class ScoringItem(db.Model):
    """One line of a party's scoring form."""

    __tablename__ = "evaluation_items"
    __table_args__ = (CheckConstraint("max_score > 0", name="max_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), index=True)
    party: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    #: The most points the item gives, whole points.
    max_score: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    period: Mapped[EvaluationPeriod] = relationship(back_populates="items")


class VetoItem(db.Model):
    """A yes/no item of the veto list (一票否决): a yes fails the station whatever its score."""

    __tablename__ = "evaluation_veto_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))

    period: Mapped[EvaluationPeriod] = relationship(back_populates="veto_items")


class StationSnapshot(db.Model):
    """The station's report for the period, frozen when the period opened: later records
    never change it."""

    __tablename__ = "evaluation_snapshots"
    __table_args__ = (UniqueConstraint("period_id", "station_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    #: ``station_report(...).to_dict()`` as it was at `taken_at`.
    figures: Mapped[dict] = mapped_column(JSON)
    taken_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    station: Mapped[Station] = relationship()


class ScoreSheet(db.Model):
    """One party's scores of one station in one period, with what the reviewer looked at."""

    __tablename__ = "evaluation_sheets"
    __table_args__ = (UniqueConstraint("period_id", "station_id", "party"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    party: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comments: Mapped[str] = mapped_column(Text, default="")
    #: The evidence ticked as consulted: ``{"activities": [ids], "photos": [ids]}``.
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    reviewer: Mapped[User] = relationship()
    lines: Mapped[list["ScoreLine"]] = relationship(back_populates="sheet",
                                                    cascade="all, delete-orphan")


class ScoreLine(db.Model):
    __tablename__ = "evaluation_score_lines"
    __table_args__ = (UniqueConstraint("sheet_id", "item_id"),
                      CheckConstraint("score_tenths >= 0", name="score_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sheets.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("evaluation_items.id"))
    #: The score in tenths of a point (8.5 points → 85).
    score_tenths: Mapped[int]

    sheet: Mapped[ScoreSheet] = relationship(back_populates="lines")
    item: Mapped[ScoringItem] = relationship()


class VetoAnswer(db.Model):
    """The district's answer to a veto item for a station."""

    __tablename__ = "evaluation_veto_answers"
    __table_args__ = (UniqueConstraint("period_id", "station_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("evaluation_periods.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evaluation_veto_items.id"))
    #: Yes: the station did the vetoed thing, and fails.
    vetoed: Mapped[bool]
    note: Mapped[str] = mapped_column(String(500), default="")
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
