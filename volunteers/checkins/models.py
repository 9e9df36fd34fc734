"""Check-ins and the rule of what counts as hours served."""

from datetime import timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, and_, select
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime
from timebank.extensions import db
from timebank.ledger import services as ledger
from volunteers.activities.models import Activity


class Purpose(StrEnum):
    CHECKIN = "checkin"
    CHECKOUT = "checkout"


class CheckInStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    AUTO_CLOSED = "auto_closed"
    APPROVED = "approved"
    REJECTED = "rejected"


STATUS_LABELS = {
    CheckInStatus.OPEN: _l("Checked in"),
    CheckInStatus.CLOSED: _l("Checked out, awaiting approval"),
    CheckInStatus.AUTO_CLOSED: _l("No check-out, awaiting review"),
    CheckInStatus.APPROVED: _l("Approved"),
    CheckInStatus.REJECTED: _l("Rejected"),
}

#: How a check-in was recorded (`CheckIn.method`).
METHOD_LABELS = {
    "qr": _l("Scanned the event code"),
    "card": _l("Card scanned by staff"),
    "code": _l("Card code typed by staff"),
    "visit": _l("Visit to a paired household, approved by the social worker"),
    "offline": _l("Card scanned by staff without network, sent later"),
}

#: Seconds a code from the rotating display stays valid (it is redrawn every 30 s).
ROTATING_CODE_LIFETIME = 90
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
CHECKOUT_GRACE = timedelta(hours=2)
AWAITING_DECISION = (CheckInStatus.CLOSED, CheckInStatus.AUTO_CLOSED)


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        Index("uq_checkins_activity_id_user_id", "activity_id", "user_id", unique=True),
        Index("ix_checkins_status_activity", "status", "activity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=CheckInStatus.OPEN)
    checked_in_at: Mapped[Any] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Minutes as computed from the scans (clipped and rounded); final once approved.
    minutes: Mapped[int | None]
    #: How it was recorded: ``qr`` (volunteer scanned the event code), ``card`` (staff scanned
    #: the volunteer's card), ``code`` (staff typed the card's code).
    method: Mapped[str] = mapped_column(String(8), default="qr")
    #: Needs a closer look: closed automatically, or minutes changed by hand.
    flagged: Mapped[bool] = mapped_column(default=False)
    #: Minutes changed by hand at approval (荣誉时 rather than 信用时), with the reason.
    adjusted: Mapped[bool] = mapped_column(default=False)
    #: Of `minutes`, those added by hand above the scanned time (荣誉时). A reduction of scanned
    #: time stays scanned time (信用时) with its reason, so this is never negative.
    honour_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The quality evaluation recorded at approval: a code from `EVALUATIONS`, with a comment.
    evaluation: Mapped[str | None] = mapped_column(String(12))
    evaluation_comment: Mapped[str | None] = mapped_column(String(300))
    #: Who recorded the evaluation (记录人): the staff member who approved, or who set it later.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))

    activity: Mapped[Activity] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def scanned_minutes(self) -> int:
        """Of `minutes`, those that count as scanned time (信用时)."""
        return (self.minutes or 0) - self.honour_minutes

    @property
    def is_open(self) -> bool:
        """Checked in and not yet out: only an open check-in can be checked out."""
        return self.status == CheckInStatus.OPEN


def counted_as_hours():
    """The check-ins whose minutes are hours served, as a SQL condition: approved, and the
    ledger transfer of that approval not reversed since. Reports, exports and certificates
    all count by this rule."""
    reversal = aliased(ledger.Transfer)
    return and_(CheckIn.status == CheckInStatus.APPROVED,
                ~select(reversal.id).where(reversal.reverses_id == CheckIn.transfer_id).exists())


class ApprovalPolicy(db.Model):
    """A station's own approval tiers; a station without one follows the district's
    (`volunteers.checkins.services.policy_of`)."""

    __tablename__ = "approval_policies"
    __table_args__ = (
        CheckConstraint("auto_approve_daily_minutes BETWEEN 0 AND 1440",
                        name="auto_minutes_in_a_day"),
        CheckConstraint("manager_limit_daily_minutes BETWEEN 0 AND 1440",
                        name="manager_minutes_in_a_day"),
        CheckConstraint("auto_approve_daily_minutes <= manager_limit_daily_minutes",
                        name="auto_within_manager_limit"),
    )

    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    #: A volunteer's scanned minutes in a day (all stations) up to this are approved at
    #: check-out with no one's click, and any staff of the station may approve them.
    auto_approve_daily_minutes: Mapped[int]
    #: Up to this a station manager approves; above it a district administrator.
    manager_limit_daily_minutes: Mapped[int]
    #: Whether check-outs within the first tier are approved at once (else they wait for staff).
    approve_at_checkout: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[Any | None] = mapped_column(UTCDateTime)


class OfflineScan(db.Model):
    """A volunteer's card scanned by a staff phone without network and sent later
    (`volunteers.checkins.offline`). Each `scan_id` counts once, refused or recorded; a card
    code (volunteer and minute window) recorded here serves one activity only."""

    __tablename__ = "offline_scans"
    __table_args__ = (
        Index("ix_offline_scans_user_id_card_window", "user_id", "card_window"),
        CheckConstraint("purpose IN ('in', 'out')", name="purpose_in_or_out"),
        CheckConstraint("status IN ('recorded', 'refused')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The id the phone made for this scan (a UUID, lower case): sent again, it changes nothing.
    scan_id: Mapped[str] = mapped_column(String(36), unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    #: The volunteer whose card it was; none when the code named no one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The minute the card code was made for (minutes since 1970 UTC); none for a wrong code.
    card_window: Mapped[int | None]
    #: ``in`` (check-in) or ``out`` (check-out), as chosen on the scanner page.
    purpose: Mapped[str] = mapped_column(String(3))
    #: When the phone scanned it (its own clock), and when the server received it.
    scanned_at: Mapped[Any] = mapped_column(UTCDateTime)
    received_at: Mapped[Any] = mapped_column(UTCDateTime)
    #: The staff member whose phone sent it.
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: ``recorded`` or ``refused`` (then `error_code` and `error_message` say why).
    status: Mapped[str] = mapped_column(String(8))
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(String(300))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
