"""Volunteer profiles (teams are in `volunteers.teams.models`)."""

from datetime import date
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Community

DEFAULT_MONTHLY_LIMIT = 2


class VolunteerProfile(db.Model):
    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    #: The responsible social worker (两工联动).
    linked_social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"),
                                                                index=True)
    #: Resident ID number (居民身份证号), shown masked except to staff of the volunteer's station.
    id_number: Mapped[str | None] = mapped_column(String(18), info={"personal": True})
    gender: Mapped[str | None] = mapped_column(String(8), info={"personal": True})
    birth_date: Mapped[date | None] = mapped_column(info={"personal": True})
    #: Codes from `SKILLS`.
    skills: Mapped[list] = mapped_column(JSON, default=list, info={"personal": True})
    skills_other: Mapped[str] = mapped_column(String(200), default="", info={"personal": True})
    #: Codes from `TARGET_GROUPS`.
    interest_groups: Mapped[list] = mapped_column(JSON, default=list, info={"personal": True})
    #: Free tags matched against themes' tags (敬老, 助残, 禁毒 ...).
    interest_themes: Mapped[list] = mapped_column(JSON, default=list,
                                                  info={"personal": True})
    #: Weekly slots from `SLOTS`.
    availability: Mapped[list] = mapped_column(JSON, default=list, info={"personal": True})
    #: Activities a month the volunteer is happy to be matched to.
    monthly_limit: Mapped[int] = mapped_column(default=DEFAULT_MONTHLY_LIMIT)
    #: When the volunteer agreed that skills, interests and availability may be used.
    consent_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Under 18: the guardian (监护人) who consents to the minor's volunteering. Erased with the
    #: person (`info["personal"]`); the phone is shown masked in staff lists.
    guardian_name: Mapped[str | None] = mapped_column(String(40), info={"personal": True})
    guardian_phone: Mapped[str | None] = mapped_column(String(11), info={"personal": True})
    #: How the guardian is related to the minor (父亲, 母亲, 祖父母 ...): a code of
    #: `GUARDIAN_RELATIONSHIPS`.
    guardian_relationship: Mapped[str | None] = mapped_column(String(20))
    #: When the guardian consented; None while no consent is recorded.
    guardian_consent_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: ``paper`` (signed form kept by the station, recorded by staff) or ``declaration``
    #: (ticked by the guardian on the minor's phone).
    guardian_consent_method: Mapped[str | None] = mapped_column(String(12))
    #: Who recorded the consent: station staff, or the minor's own account (declaration).
    guardian_consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Station staff who registered this person (children under 14 may only be registered so).
    registered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: 党员: set by the volunteer only under the consent ``party_membership``; withdrawing it
    #: clears the flag (`volunteers.groups.services.on_consent_withdrawn`). None after erasure.
    is_party_member: Mapped[bool | None] = mapped_column(default=False,
                                                         server_default=text("false"),
                                                         info={"personal": True})
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=now, onupdate=now)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    community: Mapped[Community | None] = relationship()
    linked_social_worker: Mapped[User | None] = relationship(foreign_keys=[linked_social_worker_id])

