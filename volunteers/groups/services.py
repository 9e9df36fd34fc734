"""Group members (团体会员): the rules.

* **Who sees a group** (`get_for`): the staff of its station (a district-wide group: district
  administrators; they see every group) and its contacts (联系人). Anyone else asking gets 403;
  a group that does not exist, 404. A member sees the groups they belong to on their own page
  (`my_memberships`), not the group's page.
* **Registering** (`create_group`, `update_group`): a name, a kind of `GroupKind`, an optional
  unified social credit code (统一社会信用代码, its check character per GB 32100-2015, unique),
  an optional station (None: district-wide). Staff only; audited. The group's ledger account
  (``group:<id>``) is named after the group and follows a rename.
* **People** (`add_person`, `invite`, `accept`, `leave`): staff add a person directly as a
  contact or a member (audited); a contact invites a person by phone, who joins by accepting.
  One live membership per person and group (409 for a second).
* **Sharing service** (`set_share`): the member alone gives or withdraws consent to the group
  seeing their service hours; the group's service (`group_service`) lists the hours of members
  who consented and only counts the others.
* **Hours** (`pledge`, `give`, `sponsor`): staff record a company's pledge (认捐) from the
  district's sponsorships issuer into the group's account; a member may give the group some
  of their own hours; a contact sponsors hours from the group's account into a community pool
  (`timebank.exchange.pools.services.sponsor`, 409 above the balance, nothing changed).
* **党员** (`set_party_member`, `on_consent_withdrawn`): a volunteer sets the flag only while
  they consent to ``party_membership``; withdrawing the consent clears it.
* **Party-branch report** (`party_report`): for a party branch and a period, its live members
  who are party members and consent to ``party_membership``, with their service hours
  (approved check-ins not reversed, by the activity's start) and activity count, and the total.

Services flush and never commit.
"""

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.accounts.services import mask_phone
from timebank.audit import services as audit
from timebank.clock import day_start, local, now
from timebank.consents import services as consents
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Entry, Transfer, TransferKind
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.org.models import Community, Station
from volunteers.activities.models import Activity
from volunteers.checkins.models import CheckIn, counted_as_hours
from volunteers.groups.models import GroupKind, GroupMember, GroupMembership, GroupRole
from volunteers.profiles.models import VolunteerProfile

FIELDS = ("name", "kind", "credit_code", "station_id", "address", "phone", "active")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: The most one pledge may bring in, in minutes (10,000 hours).
MAX_PLEDGE_MINUTES = 10_000 * 60


def _error(name: str, message: str) -> InvalidInput:
    return InvalidInput(fields={name: [message]})


# --- who sees what --------------------------------------------------------------------------------

def get_group(group_id: int) -> GroupMember:
    group = db.session.get(GroupMember, group_id)
    if group is None:
        raise NotFound(_("There is no such group."), code="group_not_found")
    return group


def is_staff_of(user, group: GroupMember) -> bool:
    """The staff of the group's station; district administrators for every group."""
    return org.can_manage_station(user, group.station_id)


def require_staff(user, group: GroupMember) -> None:
    if not is_staff_of(user, group):
        raise PermissionDenied(_("Only staff of the group's station can do this."))


def live_membership(group: GroupMember, user) -> GroupMembership | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(select(GroupMembership).where(
        GroupMembership.group_id == group.id, GroupMembership.user_id == user.id,
        GroupMembership.left_at.is_(None)))


def is_contact(user, group: GroupMember) -> bool:
    found = live_membership(group, user)
    return found is not None and found.is_live and found.role == GroupRole.CONTACT


def require_contact(user, group: GroupMember) -> None:
    if not is_contact(user, group):
        raise PermissionDenied(_("Only the group's contacts can do this."))


def get_for(viewer, group_id: int) -> GroupMember:
    """The group for its station's staff and its contacts: 404 if none, 403 for anyone else."""
    group = get_group(group_id)
    if not (is_staff_of(viewer, group) or is_contact(viewer, group)):
        raise PermissionDenied(_("Only the group's contacts and its station's staff can see it."))
    return group


def shown_phone(viewer, group: GroupMember) -> str:
    """The group's phone in full for its station's staff and its contacts, masked else."""
    if not group.phone:
        return ""
    if is_staff_of(viewer, group) or is_contact(viewer, group):
        return group.phone
    return mask_phone(group.phone)


def groups_statement(viewer, *, station_id: int | None = None, kind: str | None = None):
    """The groups `viewer` may see: every group for a district administrator (one station's
    with `station_id`), their station's and the district-wide ones for station staff, the groups
    they are a contact of for anyone else."""
    statement = select(GroupMember)
    if has_role(viewer, Role.DISTRICT_ADMIN):
        if station_id is not None:
            statement = statement.where(GroupMember.station_id == station_id)
    elif has_role(viewer, Role.SOCIAL_WORKER):
        own = org.station_id_of(viewer)
        statement = statement.where(or_(GroupMember.station_id == own,
                                        GroupMember.station_id.is_(None)))
    else:
        statement = statement.where(GroupMember.id.in_(
            select(GroupMembership.group_id).where(
                GroupMembership.user_id == viewer.id, GroupMembership.left_at.is_(None),
                GroupMembership.joined_at.is_not(None),
                GroupMembership.role == GroupRole.CONTACT)))
    if kind:
        statement = statement.where(GroupMember.kind == kind)
    return statement.order_by(GroupMember.name, GroupMember.id)


# --- registering ----------------------------------------------------------------------------------

def _clean(data: dict, group: GroupMember | None = None) -> dict:
    clean = {}
    for name in FIELDS:
        if name in data:
            value = data[name]
            clean[name] = value.strip() if isinstance(value, str) else value
    merged = {name: getattr(group, name) for name in FIELDS} if group else {}
    merged.update(clean)
    name = merged.get("name") or ""
    if not name or len(name) > 100:
        raise _error("name", _("Write the group's name (at most 100 characters)."))
    if merged.get("kind") not in {kind.value for kind in GroupKind}:
        raise _error("kind", _("Choose a kind of group from the list."))
    code = merged.get("credit_code")
    if "credit_code" in clean:
        if code:
            try:
                code = uscc.validate(code)
            except NumberInvalid:
                raise _error("credit_code", _(
                    "This is not a valid unified social credit code (18 characters).")) from None
            same = db.session.scalar(select(GroupMember).where(GroupMember.credit_code == code))
            if same is not None and same is not group:
                raise Conflict(fields={"credit_code": [
                    _("Another group has this unified social credit code.")]},
                    code="credit_code_taken")
        clean["credit_code"] = code or None
    station_id = merged.get("station_id")
    if station_id is not None and db.session.get(Station, station_id) is None:
        raise _error("station_id", _("There is no such station."))
    for key, limit in (("address", 200), ("phone", 20)):
        if key in clean:
            clean[key] = clean[key] or ""
            if len(clean[key]) > limit:
                raise _error(key, _("At most %(num)d characters.", num=limit))
    phone = clean.get("phone")
    if phone and not re.fullmatch(r"[0-9+\- ]{7,20}", phone):
        raise _error("phone", _("Enter a phone number of digits."))
    return clean


def create_group(data: dict, *, by) -> GroupMember:
    """Register a group at `data["station_id"]` (None: district-wide, district administrators
    only)."""
    station_id = data.get("station_id")
    if not org.can_manage_station(by, station_id):
        raise PermissionDenied(_("Only staff of the group's station can do this."))
    clean = _clean(data)
    group = GroupMember(**{"address": "", "phone": "", "active": True, **clean})
    db.session.add(group)
    db.session.flush()
    group_account(group)
    audit.record("group.create", f"group:{group.id}", actor=by, station_id=group.station_id,
                 kind=group.kind, name=group.name)
    return group


def update_group(group: GroupMember, changes: dict, *, by) -> GroupMember:
    """Change a group's details (its station's staff); the account follows a new name."""
    require_staff(by, group)
    if "station_id" in changes and not org.can_manage_station(by, changes["station_id"]):
        raise PermissionDenied(_("Only staff of the group's station can do this."))
    clean = _clean(changes, group)
    changed = []
    for name, value in clean.items():
        if getattr(group, name) != value:
            setattr(group, name, value)
            changed.append(name)
    if "name" in changed:
        group_account(group).name = group.name
    db.session.flush()
    audit.record("group.update", f"group:{group.id}", actor=by, station_id=group.station_id,
                 fields=sorted(changed))
    return group


# --- people ---------------------------------------------------------------------------------------

def _person(user_id: int) -> User:
    person = db.session.get(User, user_id) if user_id else None
    if person is None or not person.is_active or "merchant" in person.role_names:
        raise _error("user_id", _("There is no such member."))
    return person


def add_person(group: GroupMember, user_id: int, role: str, *, by) -> GroupMembership:
    """Staff add a person to the group as a contact or a member (joined at once), or change the
    role of someone already in it."""
    require_staff(by, group)
    if role not in {one.value for one in GroupRole}:
        raise _error("role", _("Choose contact or member."))
    person = _person(user_id)
    membership = live_membership(group, person)
    if membership is not None and membership.is_live and membership.role == role:
        raise Conflict(_("%(name)s is already in this group.", name=person.name),
                       code="already_in_group")
    if membership is None:
        membership = GroupMembership(group_id=group.id, user_id=person.id, added_by_id=by.id)
        db.session.add(membership)
    membership.role = role
    membership.joined_at = membership.joined_at or now()
    db.session.flush()
    audit.record("group.add_person", f"group:{group.id}", actor=by, user_id=person.id,
                 role=role, station_id=group.station_id)
    return membership


def invite(group: GroupMember, phone: str, *, by) -> GroupMembership:
    """A contact invites a person by their phone; they join when they accept."""
    require_contact(by, group)
    person = users.get_by_phone((phone or "").strip())
    if person is None or not person.is_active:
        raise _error("phone", _("No member has that phone number."))
    if live_membership(group, person) is not None:
        raise Conflict(_("%(name)s is already in this group or invited.", name=person.name),
                       code="already_in_group")
    membership = GroupMembership(group_id=group.id, user_id=person.id, role=GroupRole.MEMBER,
                                 invited_at=now(), added_by_id=by.id)
    db.session.add(membership)
    db.session.flush()
    audit.record("group.invite", f"group:{group.id}", actor=by, user_id=person.id)
    notify(person.id, f"group_invite:{membership.id}", _("An invitation to join a group"),
           _("%(group)s invites you to join it as a member.", group=group.name),
           link="/volunteer/groups")
    return membership


def own_membership(user, membership_id: int) -> GroupMembership:
    membership = db.session.get(GroupMembership, membership_id)
    if membership is None or membership.user_id != user.id or membership.left_at is not None:
        raise NotFound(_("There is no such membership."), code="membership_not_found")
    return membership


def accept(membership: GroupMembership, user) -> GroupMembership:
    if membership.user_id != user.id:
        raise NotFound(_("There is no such membership."), code="membership_not_found")
    if membership.joined_at is None:
        membership.joined_at = now()
        db.session.flush()
        audit.record("group.join", f"group:{membership.group_id}", actor=user)
    return membership


def leave(membership: GroupMembership, user) -> GroupMembership:
    """The member leaves (or declines an invitation); their share consent ends with it."""
    if membership.user_id != user.id:
        raise NotFound(_("There is no such membership."), code="membership_not_found")
    membership.left_at = now()
    membership.shares_service_at = None
    db.session.flush()
    audit.record("group.leave", f"group:{membership.group_id}", actor=user)
    return membership


def set_share(membership: GroupMembership, user, share: bool) -> GroupMembership:
    """The member themself gives or withdraws consent to the group seeing their service."""
    if membership.user_id != user.id:
        raise NotFound(_("There is no such membership."), code="membership_not_found")
    if not membership.is_live:
        raise Conflict(_("Join the group first."), code="not_joined")
    if share and membership.shares_service_at is None:
        membership.shares_service_at = now()
    elif not share:
        membership.shares_service_at = None
    db.session.flush()
    audit.record("group.share_service", f"group:{membership.group_id}", actor=user,
                 share=bool(share))
    return membership


def my_memberships(user) -> list[GroupMembership]:
    """The user's live memberships and open invitations."""
    return list(db.session.scalars(
        select(GroupMembership).where(GroupMembership.user_id == user.id,
                                      GroupMembership.left_at.is_(None))
        .order_by(GroupMembership.id)))


def live_members(group: GroupMember) -> list[GroupMembership]:
    return [one for one in group.memberships if one.is_live]


def invitations(group: GroupMember) -> list[GroupMembership]:
    return [one for one in group.memberships if one.is_invitation]


# --- hours ----------------------------------------------------------------------------------------

def group_account(group: GroupMember) -> ledger.Account:
    """The group's own account, opened the first time it is needed; never below zero."""
    return ledger.open_account(keys.group(group.id), AccountKind.GROUP, name=group.name,
                               min_balance=0)


def sponsorships_account() -> ledger.Account:
    """The district's issuer of pledged hours: it runs negative by what companies pledged."""
    return ledger.open_account(keys.DISTRICT_SPONSORSHIPS, AccountKind.ISSUER,
                               name=_("District sponsorships"), min_balance=None)


def balance_of(group: GroupMember) -> int:
    account = ledger.find_account(keys.group(group.id))
    return account.balance if account is not None else 0


def _minutes(minutes, most: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= most:
        raise _error("minutes", _("Enter a number of minutes from 1 to %(most)d.", most=most))


def pledge(group: GroupMember, minutes: int, reason: str, *, by, idempotency_key: str
           ) -> ledger.Transfer:
    """Staff record a company's pledge (认捐) into the group's account, with a reason."""
    require_staff(by, group)
    _minutes(minutes, MAX_PLEDGE_MINUTES)
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 300:
        raise _error("reason", _("Give a reason (2 to 300 characters)."))
    if not group.active:
        raise Conflict(_("This group is inactive."), code="group_inactive")
    transfer = ledger.transfer_between(
        sponsorships_account(), group_account(group), minutes, TransferKind.PLEDGE, memo=reason,
        posted_by=by, idempotency_key=idempotency_key, reference=f"group:{group.id}")
    if not transfer.replayed:
        audit.record("group.pledge", f"group:{group.id}", actor=by, reason=reason,
                     minutes=minutes, transfer_id=transfer.id, station_id=group.station_id)
    return transfer


def give(group: GroupMember, user, minutes: int, memo: str, *, idempotency_key: str
         ) -> ledger.Transfer:
    """A member gives some of their own hours to their group."""
    membership = live_membership(group, user)
    if membership is None or not membership.is_live:
        raise PermissionDenied(_("Only the group's members can give it hours."))
    _minutes(minutes, pools.MAX_SPONSOR_MINUTES)
    return ledger.transfer_between(
        ledger.member_account(user), group_account(group), minutes, TransferKind.DONATE,
        memo=(memo or "").strip()[:200], posted_by=user, idempotency_key=idempotency_key,
        reference=f"group:{group.id}")


def sponsor(group: GroupMember, community: Community, minutes: int, memo: str, *, by,
            idempotency_key: str) -> ledger.Transfer:
    """A contact sponsors hours from the group's account into the community's pool."""
    require_contact(by, group)
    if not group.active:
        raise Conflict(_("This group is inactive."), code="group_inactive")
    return pools.sponsor(group_account(group), community, minutes, memo, sponsor_name=group.name,
                         by=by, idempotency_key=idempotency_key)


@dataclass
class Movement:
    transfer: Transfer
    minutes: int
    label: str
    counterparty: str


def movements(group: GroupMember, limit: int = 50) -> list[Movement]:
    """The group account's latest lines: pledges, gifts and sponsorships (with the pool)."""
    account = ledger.find_account(keys.group(group.id))
    if account is None:
        return []
    entries = db.session.scalars(select(Entry).where(Entry.account_id == account.id)
                                 .order_by(Entry.id.desc()).limit(limit))
    return [Movement(entry.transfer, entry.minutes, entry.label, entry.counterparty)
            for entry in entries]


def sponsored_minutes(group: GroupMember) -> int:
    account = ledger.find_account(keys.group(group.id))
    if account is None:
        return 0
    return -int(db.session.scalar(
        select(func.coalesce(func.sum(Entry.minutes), 0)).join(Transfer)
        .where(Entry.account_id == account.id, Transfer.kind == TransferKind.SPONSOR)))


# --- service --------------------------------------------------------------------------------------

def parse_period(month: str | None = None, start: str | None = None, end: str | None = None
                 ) -> tuple[date, date]:
    """A month (``2026-12``) or a date range (``from``/``to``, both included); none: this
    month. Invalid input is 422."""
    if month:
        found = MONTH.match(month.strip())
        if not found or not 2000 <= int(found.group(1)) <= 2100:
            raise _error("month", _("Give the month as YYYY-MM, such as 2026-03."))
        first = date(int(found.group(1)), int(found.group(2)), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - timedelta(days=1)
    if start or end:
        from volunteers.certificates.services import parse_period as parse_days

        first, last = parse_days(start, end)
        if first is None or last is None:
            raise _error("from" if first is None else "to", _("Give both dates of the range."))
        if (last - first).days > 366 * 5:
            raise _error("to", _("Choose a range of at most five years."))
        return first, last
    today = local(now()).date()
    return today.replace(day=1), today


def hours_of(user_ids, first: date, last: date) -> dict[int, tuple[int, int]]:
    """User id → (minutes served, activities) from approved check-ins not reversed, of
    activities starting from `first` to `last` (local days, both included)."""
    user_ids = list(user_ids)
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(CheckIn.user_id, func.coalesce(func.sum(CheckIn.minutes), 0),
               func.count(func.distinct(CheckIn.activity_id)))
        .join(Activity, CheckIn.activity_id == Activity.id)
        .where(CheckIn.user_id.in_(user_ids), counted_as_hours(),
               Activity.starts_at >= day_start(first),
               Activity.starts_at < day_start(last + timedelta(days=1)))
        .group_by(CheckIn.user_id))
    return {user_id: (int(minutes), int(count)) for user_id, minutes, count in rows}


@dataclass
class ServiceRow:
    user: User
    minutes: int
    activities: int
    role: str = GroupRole.MEMBER


@dataclass
class GroupService:
    group: GroupMember
    first: date
    last: date
    rows: list[ServiceRow] = field(default_factory=list)
    #: Members who have not agreed to share their service: counted, never listed with hours.
    not_sharing: int = 0

    @property
    def total_minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def total_activities(self) -> int:
        return sum(row.activities for row in self.rows)


def group_service(viewer, group: GroupMember, first: date, last: date) -> GroupService:
    """The service of the group's members in the period, for its contacts and station staff:
    hours of the members who share their service, and a count of the others."""
    if not (is_staff_of(viewer, group) or is_contact(viewer, group)):
        raise PermissionDenied(_("Only the group's contacts and its station's staff can see it."))
    members = live_members(group)
    sharing = [one for one in members if one.shares_service_at is not None]
    found = hours_of([one.user_id for one in sharing], first, last)
    rows = [ServiceRow(one.user, *found.get(one.user_id, (0, 0)), role=one.role)
            for one in sharing]
    rows.sort(key=lambda row: (-row.minutes, row.user.id))
    return GroupService(group, first, last, rows, not_sharing=len(members) - len(sharing))


# --- 党员 -------------------------------------------------------------------------------------------

def set_party_member(user, flag: bool) -> VolunteerProfile:
    """The volunteer sets or clears their 党员 flag; setting it needs the consent
    ``party_membership`` (409 without)."""
    profile = db.session.get(VolunteerProfile, user.id)
    if profile is None:
        raise NotFound(_("Create your volunteer profile first."), code="no_profile")
    if flag and not consents.has_consent(user, consents.PARTY):
        raise Conflict(_("Agree to the use of your party membership under My consents first."),
                       code="consent_required", fields={"is_party_member": [
                           _("Agree to the use of your party membership first.")]})
    profile.is_party_member = bool(flag)
    db.session.flush()
    audit.record("profile.party_member", f"user:{user.id}", actor=user, value=bool(flag))
    return profile


def has_profile(user) -> bool:
    return db.session.get(VolunteerProfile, user.id) is not None


def is_party_member(user) -> bool:
    profile = db.session.get(VolunteerProfile, user.id)
    return bool(profile is not None and profile.is_party_member)


def on_consent_withdrawn(user, purpose: str) -> None:
    """Withdrawing ``party_membership`` clears the flag in the same transaction."""
    if purpose != consents.PARTY:
        return
    profile = db.session.get(VolunteerProfile, user.id)
    if profile is not None and profile.is_party_member:
        profile.is_party_member = False
        db.session.flush()


@dataclass
class PartyReport:
    group: GroupMember
    first: date
    last: date
    rows: list[ServiceRow] = field(default_factory=list)

    @property
    def total_minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def total_activities(self) -> int:
        return sum(row.activities for row in self.rows)


def party_report(viewer, group: GroupMember, first: date, last: date) -> PartyReport:
    """For a party branch: its live members who are party members and consent to
    ``party_membership``, with their service in the period, the most hours first."""
    if not (is_staff_of(viewer, group) or is_contact(viewer, group)):
        raise PermissionDenied(_("Only the group's contacts and its station's staff can see it."))
    if group.kind != GroupKind.PARTY_BRANCH:
        raise Conflict(_("Only a party branch has a party-member report."),
                       code="not_a_party_branch")
    members = [one for one in live_members(group)
               if is_party_member(one.user) and consents.has_consent(one.user, consents.PARTY)]
    found = hours_of([one.user_id for one in members], first, last)
    rows = [ServiceRow(one.user, *found.get(one.user_id, (0, 0)), role=one.role)
            for one in members]
    rows.sort(key=lambda row: (-row.minutes, row.user.id))
    return PartyReport(group, first, last, rows)


def party_report_xlsx(viewer, report: PartyReport) -> bytes:
    """The report as a workbook (names, hours, activities, the total); audited."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Party members")
    sheet.append([report.group.name, f"{report.first.isoformat()} ~ {report.last.isoformat()}"])
    sheet.append([_("Name"), _("Hours served"), _("Activities")])
    for row in report.rows:
        sheet.append([row.user.name, round(row.minutes / 60, 2), row.activities])
    sheet.append([_("Total"), round(report.total_minutes / 60, 2), report.total_activities])
    handle = io.BytesIO()
    book.save(handle)
    audit.record("group.party_report_export", f"group:{report.group.id}", actor=viewer,
                 first=report.first.isoformat(), last=report.last.isoformat(),
                 rows=len(report.rows))
    return handle.getvalue()


def hours_text(minutes: int) -> str:
    return ledger_queries.format_minutes(minutes)


def moment_text(moment: datetime | None) -> str:
    return local(moment).strftime("%Y-%m-%d") if moment else ""
