"""The station's register of served households (重点服务人群档案), the neighbour pairings
(邻里守望结对) of a volunteer with a household, and the visits made to them (入户探访).

The register is personal data of people who are not platform users: names, addresses, phones
and ID numbers are seen only by the station's staff (`services.get_for`); a paired volunteer
sees the household's `called` name, its community and the needs they are asked to help with.
"""

from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Community, Station

#: 困难群体类别: a household may be in several. The fixed list of the district's 摸底排查.
CATEGORIES = {
    "dibao": _l("Minimum living allowance (低保)"),
    "dishou": _l("Low income (低收)"),
    "tekun": _l("Extreme hardship (特困)"),
    "living_alone": _l("Elderly living alone"),
    "empty_nest": _l("Empty-nest elderly"),
    "advanced_age": _l("Advanced age (80+)"),
    "disability": _l("Disability"),
    "children_in_difficulty": _l("Children in difficulty"),
    "lost_only_child": _l("Lost their only child (失独)"),
    "single_parent": _l("Single parent"),
    "left_behind": _l("Left-behind family members"),
    "serious_illness": _l("Serious illness"),
    "other": _l("Other difficulty"),
}


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


RISK_LABELS = {
    RiskLevel.LOW: _l("Low risk"),
    RiskLevel.MEDIUM: _l("Medium risk"),
    RiskLevel.HIGH: _l("High risk"),
}

#: What a household needs help with (and what a visit may find).
NEEDS = {
    "companionship": _l("Companionship and chats"),
    "safety_check": _l("Safety checks"),
    "errands": _l("Shopping and errands"),
    "meals": _l("Meals"),
    "medical_escort": _l("Escort to the doctor"),
    "cleaning": _l("Cleaning"),
    "repairs": _l("Small repairs"),
    "tutoring": _l("Homework help"),
    "paperwork": _l("Forms and benefits"),
    "counselling": _l("Listening and counselling"),
    "other": _l("Other needs"),
}

#: The lawful basis on which the station keeps the household's file (个人信息保护法 §13).
LAWFUL_BASES = {
    "consent": _l("Consent of the person or their guardian"),
    "public_duty": _l("Public duty of the civil-affairs service"),
    "vital_interest": _l("Protecting life, health or property in an emergency"),
}


class PairingRhythm(StrEnum):
    """How often a paired volunteer keeps in touch."""

    WEEKLY_CALL = "weekly_call"
    WEEKLY_VISIT = "weekly_visit"
    FORTNIGHTLY_VISIT = "fortnightly_visit"
    MONTHLY_VISIT = "monthly_visit"


RHYTHM_LABELS = {
    PairingRhythm.WEEKLY_CALL: _l("A call every week"),
    PairingRhythm.WEEKLY_VISIT: _l("A visit every week"),
    PairingRhythm.FORTNIGHTLY_VISIT: _l("A visit every two weeks"),
    PairingRhythm.MONTHLY_VISIT: _l("A visit every month"),
}
#: Days between contacts for each rhythm.
RHYTHM_DAYS = {PairingRhythm.WEEKLY_CALL: 7, PairingRhythm.WEEKLY_VISIT: 7,
               PairingRhythm.FORTNIGHTLY_VISIT: 14, PairingRhythm.MONTHLY_VISIT: 30}


class Household(db.Model):
    """A household in difficulty on the station's register."""

    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("visit_every_days BETWEEN 1 AND 366", name="visit_every_days_range"),
        Index("ix_households_station_community", "station_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    #: The head of the household or the person served, full name (staff only).
    name: Mapped[str] = mapped_column(String(40), info={"personal": True})
    #: How a paired volunteer addresses them (e.g. 李阿姨); shown instead of the name.
    called: Mapped[str] = mapped_column(String(20), default="", server_default="",
                                        info={"personal": True})
    address: Mapped[str] = mapped_column(String(200), default="", server_default="",
                                         info={"personal": True})
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="",
                                       info={"personal": True})
    #: 居民身份证号, optional; exports and pages show it masked.
    id_number: Mapped[str | None] = mapped_column(String(18), info={"personal": True})
    #: Codes from `CATEGORIES`, at least one.
    categories: Mapped[list] = mapped_column(JSON, default=list)
    #: Codes from `NEEDS`, with `needs_note` in the staff's words.
    needs: Mapped[list] = mapped_column(JSON, default=list)
    needs_note: Mapped[str] = mapped_column(String(500), default="", server_default="",
                                            info={"personal": True})
    risk_level: Mapped[str] = mapped_column(String(8), default=RiskLevel.LOW)
    #: The grid social worker responsible (网格社工).
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Days between visits the station owes the household.
    visit_every_days: Mapped[int] = mapped_column(default=30)
    #: When the next visit is due: set at registration, moved on by each visit.
    next_visit_due: Mapped[date | None]
    last_visited_on: Mapped[date | None]
    #: A code from `LAWFUL_BASES`, and when and how consent was recorded where it is the basis.
    lawful_basis: Mapped[str] = mapped_column(String(20), default="consent")
    consent_recorded_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    consent_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="",
                                       info={"personal": True})
    #: Off the register (moved away, died, no longer in difficulty), with the reason.
    closed_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)

    station: Mapped[Station] = relationship()
    community: Mapped[Community] = relationship()
    social_worker: Mapped[User | None] = relationship(foreign_keys=[social_worker_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    members: Mapped[list["HouseholdMember"]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="HouseholdMember.id")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def shown_name(self) -> str:
        """What a paired volunteer sees: how to address them, or the family name and 某."""
        return self.called or (self.name[:1] + "某" if self.name else "")


class HouseholdMember(db.Model):
    """Another person of the household the station serves (a child, a disabled spouse…)."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"),
                                              index=True)
    name: Mapped[str] = mapped_column(String(40), info={"personal": True})
    #: In the household's words: 本人, 配偶, 子女, 孙子女 …
    relation: Mapped[str] = mapped_column(String(20), default="", server_default="")
    birth_year: Mapped[int | None]
    id_number: Mapped[str | None] = mapped_column(String(18), info={"personal": True})
    categories: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="",
                                      info={"personal": True})

    household: Mapped[Household] = relationship(back_populates="members")


class Pairing(db.Model):
    """A volunteer paired with a household (邻里守望结对), until it ends with a reason."""

    __tablename__ = "pairings"
    __table_args__ = (
        # One live pairing of a volunteer with a household; ended ones stay as history.
        Index("uq_pairings_live", "household_id", "volunteer_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rhythm: Mapped[str] = mapped_column(String(20), default=PairingRhythm.MONTHLY_VISIT)
    #: Codes from `NEEDS`: what the volunteer is asked to help with (they see these).
    needs: Mapped[list] = mapped_column(JSON, default=list)
    #: When the next contact is due by the rhythm: moved on by each visit or call.
    next_contact_due: Mapped[date | None]
    started_on: Mapped[date]
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(200))

    household: Mapped[Household] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def is_live(self) -> bool:
        return self.ended_at is None
