"""Group members (团体会员): companies, schools, party branches and social organisations that
belong to the time bank beside its individual members, the people in them, and their consent
to share their service with the group.

A group has its own ledger account (``group:<id>``, `timebank.ledger.keys.group`): staff record
a company's pledges (认捐) into it, members may give it hours, and its contacts sponsor hours
from it into community pools (爱心企业资助).
"""

from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.accounts.models import User
from timebank.clock import UTCDateTime, now
from timebank.extensions import db
from timebank.org.models import Station


class GroupKind(StrEnum):
    COMPANY = "company"
    SCHOOL = "school"
    PARTY_BRANCH = "party_branch"
    SOCIAL_ORG = "social_org"
    OTHER = "other"


KIND_LABELS = {
    GroupKind.COMPANY: _l("Company"),
    GroupKind.SCHOOL: _l("School"),
    GroupKind.PARTY_BRANCH: _l("Party branch"),
    GroupKind.SOCIAL_ORG: _l("Social organisation"),
    GroupKind.OTHER: _l("Other organisation"),
}


class GroupRole(StrEnum):
    #: 联系人: acts for the group (its page, its members, sponsoring).
    CONTACT = "contact"
    MEMBER = "member"


ROLE_LABELS = {GroupRole.CONTACT: _l("Contact"), GroupRole.MEMBER: lazy_pgettext("group", "Member")}


class GroupMember(db.Model):
    """An organisation that is a member of the time bank (团体会员)."""

    __tablename__ = "group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: A code of `GroupKind`.
    kind: Mapped[str] = mapped_column(String(16))
    #: 统一社会信用代码 (GB 32100-2015), checked and kept in capitals; optional.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    #: The station it belongs to; None: the whole district.
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: The organisation's contact phone, often a person's mobile: shown masked to anyone but
    #: the station's staff and the group's contacts.
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="",
                                       info={"personal": True})
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)

    station: Mapped[Station | None] = relationship()
    memberships: Mapped[list["GroupMembership"]] = relationship(
        back_populates="group", order_by="GroupMembership.id")

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


class GroupMembership(db.Model):
    """A person in a group, as its contact or a member, until they leave."""

    __tablename__ = "group_memberships"
    __table_args__ = (
        # One live membership of a person in a group; past ones stay as history.
        Index("uq_group_memberships_live", "group_id", "user_id", unique=True,
              sqlite_where=text("left_at IS NULL"), postgresql_where=text("left_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_members.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: A code of `GroupRole`.
    role: Mapped[str] = mapped_column(String(8), default=GroupRole.MEMBER)
    #: Staff add people directly; an invitation waits until the person accepts it.
    invited_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    left_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: When the member agreed that the group sees their service hours (given on their own
    #: page, withdrawable; None: the group sees only that they are a member).
    shares_service_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    group: Mapped[GroupMember] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    @property
    def is_live(self) -> bool:
        return self.left_at is None and self.joined_at is not None

    @property
    def is_invitation(self) -> bool:
        return self.left_at is None and self.joined_at is None
