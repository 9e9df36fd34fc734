"""A resident's own data: what is held about them (export), a correction request, erasure, and
the retention review of inactive accounts.

Design:

* **Found generically.** Rows about a person are found by walking ``db.metadata``: every table
  with a foreign key to ``users.id`` (any such column equal to the person), plus the few rows keyed
  by the person in other ways (`KEYED_ELSEWHERE`: ledger entries of their accounts, audit rows
  whose subject is ``user:<id>``). A feature that adds a table with a users foreign key is in the
  export and the erasure with no change here.
* **Personal columns** carry ``info={"personal": True}`` (the person is the row's owner column:
  ``user_id``, or the primary key where it is a users foreign key) or
  ``info={"personal": "<owner column>"}``. Erasure blanks them in the rows the person owns;
  the export shows them only in those rows.
* **Erasure keeps the record.** The ledger (append-only) and the service records stay, under an
  anonymous label on the same user row, so every total and ``flask ledger verify`` hold. The name,
  the phone, the personal columns, the bodies of their notifications and any copy of the name,
  phone or ID number in another text column are removed; login and every token stop.
* Services flush and never commit; the edge commits.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, String, Text, func, or_, select, update
from werkzeug.security import check_password_hash

from timebank.accounts import services as users
from timebank.accounts.models import User, _new_stamp
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.accounts.services import UNUSABLE_PASSWORD
from timebank.audit import services as audit
from timebank.audit.models import AuditEntry
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger.models import Account, Entry, Transfer
from timebank.notifications.models import Delivery, DeliveryStatus, Notification
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.personal_data.models import (  # noqa: F401 (the models, for callers)
    CORRECTION_STATUS_LABELS,
    REVIEW_STATUS_LABELS,
    CorrectionStatus,
    ProfileCorrectionRequest,
    RetentionReview,
    ReviewStatus,
)
from timebank.settings import services as settings

USERS = "users"

#: Columns never exported, whoever's row it is: secrets and what only machines read.
SECRET_COLUMNS = frozenset({"password_hash", "security_stamp", "code_hash", "token", "nonce",
                            "digest", "idempotency_key", "claimed_by"})

#: Readable section names of the tables people look for first; any other table is named by
#: its table name (so a new feature's rows are in the export before anyone names them).
SECTION_TITLES = {
    "users": _l("Your account"),
    "volunteer_profiles": _l("Volunteer profile"),
    "signups": _l("Sign-ups"),
    "checkins": _l("Check-ins"),
    "accounts": _l("Hour accounts"),
    "entries": _l("Hours statement"),
    "transfers": _l("Hour transfers you made"),
    "certificates": _l("Certificates"),
    "notifications": _l("Notifications"),
    "audit_log": _l("Audit entries about you"),
    "consents": _l("Consents"),
    "help_requests": _l("Help requests"),
    "help_offers": _l("Offers of help"),
    "service_listings": _l("Services offered"),
    "pool_grants": _l("Pool grants"),
    "redemptions": _l("Redemptions"),
    "star_applications": _l("Star-level applications"),
    "corrections": _l("Record correction requests"),
    "profile_correction_requests": _l("Profile correction requests"),
    "match_proposals": _l("Matching proposals"),
    "volunteer_team_members": _l("Volunteer teams"),
    "team_join_requests": _l("Requests to join a team"),
    "team_signups": _l("Team sign-ups you made"),
    "user_roles": _l("Roles"),
    "staff_posts": _l("Staff post"),
    "retention_reviews": _l("Retention reviews"),
}

#: The profile fields a person may ask to correct (the page's list; the API takes any of them).
CORRECTABLE_FIELDS = {
    "name": _l("Name"),
    "id_number": _l("ID number"),
    "birth_date": _l("Birth date"),
    "gender": _l("Gender"),
    "community": _l("Community"),
    "other": _l("Something else"),
}


# --- the walk ---------------------------------------------------------------------------------

def user_columns(table) -> list:
    """The table's columns that are foreign keys to ``users.id``."""
    return [column for column in table.columns
            if any(fk.column.table.name == USERS and fk.column.name == "id"
                   for fk in column.foreign_keys)]


def owner_column(table, personal=True):
    """The column naming the person a personal column belongs to (see the module's design)."""
    if isinstance(personal, str):
        return table.columns[personal]
    if table.name == USERS:
        return table.columns["id"]
    if "user_id" in table.columns and table.columns["user_id"] in user_columns(table):
        return table.columns["user_id"]
    keyed = [column for column in table.primary_key.columns if column in user_columns(table)]
    return keyed[0] if keyed else None


def personal_columns(table) -> list:
    """(column, owner column) of the table's columns marked personal."""
    found = []
    for column in table.columns:
        marker = column.info.get("personal")
        if marker:
            owner = owner_column(table, marker)
            if owner is not None:
                found.append((column, owner))
    return found


def tables_about_people() -> list:
    """Every table with a users foreign key, and the users table itself, in dependency order."""
    return [table for table in db.metadata.sorted_tables
            if table.name == USERS or user_columns(table)]


def _member_accounts(user_id: int) -> list[int]:
    return list(db.session.scalars(select(Account.id).where(
        or_(Account.owner_id == user_id,
            Account.key.in_([keys.member(user_id), keys.merchant(user_id)])))))


def _entries_of(user_id: int):
    """Ledger entries of the person's accounts, with their transfer (a statement)."""
    accounts = _member_accounts(user_id)
    if not accounts:
        return []
    return db.session.execute(
        select(Entry.id, Entry.account_id, Entry.minutes, Transfer.kind, Transfer.memo,
               Transfer.reference, Transfer.posted_at, Transfer.id.label("transfer_id"))
        .join(Transfer, Entry.transfer_id == Transfer.id)
        .where(Entry.account_id.in_(accounts)).order_by(Entry.id)).mappings().all()


def _audit_about(user_id: int):
    """Audit rows whose subject is the person (their actor rows come by the foreign key)."""
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject == f"user:{user_id}").order_by(AuditEntry.id)).all()


def rows_about(table, user_id: int):
    """The table's rows about the person: the users row, or rows with any users foreign key
    equal to them."""
    if table.name == USERS:
        clause = table.columns["id"] == user_id
    else:
        clause = or_(*(column == user_id for column in user_columns(table)))
    order = list(table.primary_key.columns)
    return db.session.execute(select(table).where(clause).order_by(*order)).mappings().all()


# --- export -----------------------------------------------------------------------------------

def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def _secret(column) -> bool:
    return column.name in SECRET_COLUMNS or column.name.endswith("_hash") \
        or "token" in column.name


def _staff_names(user_ids) -> dict[int, str]:
    """Names of the staff among `user_ids` (other people are named only when they are staff)."""
    if not user_ids:
        return {}
    people = db.session.scalars(select(User).where(User.id.in_(user_ids)))
    return {person.id: person.name for person in people if is_staff(person)}


def _row_json(table, row, user_id: int, staff_names: dict) -> dict:
    personal = dict(personal_columns(table))
    out = {}
    for column in table.columns:
        if _secret(column):
            continue
        value = row[column.name]
        if column in personal and row[personal[column].name] != user_id:
            continue  # another person's personal data
        if column.info.get("personal") and column not in personal:
            continue  # about someone who is no user (a served household): nobody's export
        if column in user_columns(table) and value is not None and value != user_id:
            # Someone else named on the row: staff by name, anyone else not at all.
            name = staff_names.get(value)
            out[column.name] = {"id": value, "name": name} if name else None
            continue
        out[column.name] = _plain(value)
    return out


def _section(name: str, title, rows: list) -> dict:
    return {"table": name, "title": str(title), "count": len(rows), "rows": rows}


def export(user: User) -> dict:
    """Everything held about `user`, grouped by table: every table with a users foreign key
    (`tables_about_people`), their ledger statement and the audit entries about them."""
    tables = tables_about_people()
    found = {table.name: rows_about(table, user.id) for table in tables}
    others = {row[column.name] for table in tables for row in found[table.name]
              for column in user_columns(table) if row[column.name] not in (None, user.id)}
    staff_names = _staff_names(others)
    sections = []
    for table in tables:
        rows = [_row_json(table, row, user.id, staff_names) for row in found[table.name]]
        if table.name == "audit_log":
            seen = {row["id"] for row in rows}
            rows += [_row_json(table, {c.name: getattr(entry, c.name) for c in table.columns},
                               user.id, staff_names)
                     for entry in _audit_about(user.id) if entry.id not in seen]
        if rows:
            sections.append(_section(table.name, SECTION_TITLES.get(table.name, table.name),
                                     rows))
    statement = [{key: _plain(value) for key, value in line.items()}
                 for line in _entries_of(user.id)]
    if statement:
        sections.append(_section("entries", SECTION_TITLES["entries"], statement))
    return {"user_id": user.id, "exported_at": now().isoformat(), "sections": sections}


def summary(user: User) -> list[tuple[str, int]]:
    """A short readable summary for the page: (section title, rows held), largest first."""
    sections = export(user)["sections"]
    return [(section["title"], section["count"]) for section in sections]


# --- correction requests ----------------------------------------------------------------------

def request_correction(user: User, field: str, problem: str, correct_value: str
                       ) -> ProfileCorrectionRequest:
    """The person asks their station to correct a profile field."""
    errors = {}
    if field not in CORRECTABLE_FIELDS:
        errors["field"] = [_("Choose one of the fields.")]
    if not problem.strip():
        errors["problem"] = [_("Say what is wrong.")]
    if not correct_value.strip():
        errors["correct_value"] = [_("Give the right value.")]
    if errors:
        raise InvalidInput(fields=errors)
    station_id = org.station_of(user)
    request = ProfileCorrectionRequest(user_id=user.id, station_id=station_id, field=field,
                                       problem=problem.strip()[:500],
                                       correct_value=correct_value.strip()[:200])
    db.session.add(request)
    db.session.flush()
    audit.record("personal_data.correction_requested", f"user:{user.id}", actor=user,
                 request_id=request.id, field=field)
    for staff in _station_staff(station_id):
        notify(staff.id, f"profile-correction:{request.id}:staff:{staff.id}",
               _("A profile correction request is waiting"),
               _("A resident asked to correct their %(field)s.",
                 field=CORRECTABLE_FIELDS[field]),
               link=f"/station/personal-data/?station_id={station_id}", kind="personal_data")
    return request


def corrections_of(user: User) -> list[ProfileCorrectionRequest]:
    return list(db.session.scalars(select(ProfileCorrectionRequest).where(
        ProfileCorrectionRequest.user_id == user.id)
        .order_by(ProfileCorrectionRequest.id.desc())))


def open_corrections(station_id: int | None) -> list[ProfileCorrectionRequest]:
    statement = select(ProfileCorrectionRequest).where(
        ProfileCorrectionRequest.status == CorrectionStatus.OPEN)
    if station_id is not None:
        statement = statement.where(ProfileCorrectionRequest.station_id == station_id)
    return list(db.session.scalars(statement.order_by(ProfileCorrectionRequest.id)))


def correction_for(viewer, request_id: int) -> ProfileCorrectionRequest:
    """The request, for its station's staff (or a district administrator): 404, 403."""
    request = db.session.get(ProfileCorrectionRequest, request_id)
    if request is None:
        raise NotFound(_("No such correction request."))
    if not has_role(viewer, Role.DISTRICT_ADMIN):
        org.require_station_staff(viewer, request.station_id)
    return request


def resolve_correction(request: ProfileCorrectionRequest, *, by, done: bool,
                       reason: str = "") -> ProfileCorrectionRequest:
    """Mark it done (the staff member corrected the profile) or refused with a reason."""
    if request.status != CorrectionStatus.OPEN:
        raise Conflict(_("This request was answered already."), code="already_resolved")
    reason = (reason or "").strip()
    if not done and not reason:
        raise InvalidInput(fields={"reason": [_("Give a reason for refusing.")]})
    request.status = CorrectionStatus.DONE if done else CorrectionStatus.REFUSED
    request.resolved_by_id = by.id
    request.resolved_at = now()
    request.resolution = reason[:300] or None
    audit.record("personal_data.correction_resolved", f"user:{request.user_id}", actor=by,
                 reason=reason or None, request_id=request.id, status=request.status)
    body = (_("Your request to correct your %(field)s was done.",
              field=CORRECTABLE_FIELDS.get(request.field, request.field)) if done else
            _("Your request to correct your %(field)s was refused: %(reason)s",
              field=CORRECTABLE_FIELDS.get(request.field, request.field), reason=reason))
    notify(request.user_id, f"profile-correction:{request.id}:answer",
           _("Your profile correction request was answered"), body, link="/me/data",
           kind="personal_data")
    db.session.flush()
    return request


# --- erasure ----------------------------------------------------------------------------------

class WrongPassword(PermissionDenied):
    code = "wrong_password"
    default_message = _l("The password is not right.")


class OpenDuties(Conflict):
    code = "open_duties"


def anonymous_label(user_id: int) -> str:
    """What the erased person is called from then on, on every record that stays (persisted in
    the platform's language, like the names it replaces)."""
    return f"已注销用户 #{user_id}"


def placeholder_phone(user_id: int) -> str:
    """Unique (the id is), eleven characters at most, and not a phone number (it has a letter)."""
    return f"x{user_id:010d}"[-11:] if user_id < 10**10 else f"x{user_id}"[:11]


def open_duties(user: User) -> list[str]:
    """What must end before `user` can be erased; empty when nothing."""
    from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus

    duties = []
    if org.post_of(user) is not None:
        duties.append(_("You hold a staff post: your station manager must hand over your work "
                        "and end the post first."))
    if has_role(user, Role.MERCHANT):
        duties.append(_("You are a partner merchant: the district must close the shop first."))
    busy = db.session.scalar(select(func.count()).select_from(HelpRequest).where(
        or_(HelpRequest.requester_id == user.id, HelpRequest.helper_id == user.id),
        HelpRequest.status.in_((RequestStatus.MATCHED, RequestStatus.DISPUTED))))
    if busy:
        duties.append(_("You have mutual-aid help under way: finish or cancel it first."))
    return duties


def member_balance(user: User) -> int:
    account = db.session.scalar(select(Account).where(Account.key == keys.member(user.id)))
    return account.balance if account is not None else 0


def pool_communities() -> list:
    """The communities whose pools a balance may be donated to, by town."""
    return list(db.session.scalars(org.communities_statement()))


def _station_staff(station_id: int | None) -> list[User]:
    if station_id is None:
        return []
    return org.social_workers_at(station_id)


def _replace_in(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_in(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in(item, old, new) for key, item in value.items()}
    return value


#: Tables never rewritten: the ledger is append-only (memos are activity titles and what the
#: giver wrote; no code copies a name or phone into them).
APPEND_ONLY = frozenset({"transfers", "entries"})


def _scrub_copies(user_id: int, secrets_: list[str]) -> None:
    """Replace every copy of the person's name, phone or ID number in any text column of any
    table (another person's notice naming them, a staff note, an audit detail)."""
    secrets_ = [value for value in secrets_ if value and len(value) >= 2]
    for table in db.metadata.sorted_tables:
        if table.name in APPEND_ONLY:
            continue
        for column in table.columns:
            if table.name == USERS and column.name in {"name", "phone"}:
                continue
            if isinstance(column.type, JSON):
                _scrub_json(table, column, secrets_)
            elif isinstance(column.type, String | Text) and not isinstance(column.type, Enum):
                for value in secrets_:
                    replaced = func.replace(column, value, "***")
                    if getattr(column.type, "length", None):
                        replaced = func.substr(replaced, 1, column.type.length)
                    db.session.execute(update(table).where(
                        column.contains(value, autoescape=True)).values({column.name: replaced}))


def _scrub_json(table, column, secrets_: list[str]) -> None:
    key = list(table.primary_key.columns)
    if not key:
        return
    for row in db.session.execute(select(*key, column).where(column.is_not(None))).all():
        value = row[-1]
        new = value
        for secret in secrets_:
            new = _replace_in(new, secret, "***")
        if new != value:
            db.session.execute(update(table).where(*(k == row[i] for i, k in enumerate(key)))
                               .values({column.name: new}))


def _blank(column):
    if column.nullable:
        return None
    if isinstance(column.type, JSON):
        return []
    return ""


def erase(user: User, *, by: User, reason: str | None = None, paper_date: date | None = None,
          donate_to_pool_id: int | None = None) -> User:
    """Remove `user`'s identity; their ledger entries and service records stay under an
    anonymous label. `by` is the person themselves or the staff member carrying out a request
    made on paper (`paper_date`, `reason`)."""
    if user.erased_at is not None:
        raise Conflict(_("This account was erased already."), code="already_erased")
    duties = open_duties(user)
    if duties:
        raise OpenDuties(" ".join(duties))
    balance = member_balance(user)
    if donate_to_pool_id is not None and balance > 0:
        from timebank.exchange.pools import services as pools

        community = org.get_community(donate_to_pool_id)
        pools.donate(user, community, balance, _("Donated before the account was erased"),
                     idempotency_key=f"erasure:{user.id}:donate")
    station_id = org.station_of(user)
    profile_id = _id_number_of(user)
    old = [user.name, user.phone, profile_id]
    label = anonymous_label(user.id)
    audit.record("personal_data.erased", f"user:{user.id}", actor=by, reason=reason or None,
                 paper_date=paper_date.isoformat() if paper_date else None,
                 by_staff=by.id != user.id, donated_minutes=(
                     balance if donate_to_pool_id is not None and balance > 0 else 0),
                 station_id=station_id)
    db.session.flush()
    for table in db.metadata.sorted_tables:
        for column, owner in personal_columns(table):
            db.session.execute(update(table).where(owner == user.id)
                               .values({column.name: _blank(column)}))
    db.session.execute(update(Notification).where(Notification.user_id == user.id)
                       .values(body="", params=None))
    # Nothing more leaves for them: their SMS and WeChat notices still waiting are dropped.
    db.session.execute(update(Delivery).where(
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.notification_id.in_(select(Notification.id).where(
            Notification.user_id == user.id))).values(
        status=DeliveryStatus.FAILED, last_error="personal data erased", claimed_by=None))
    user.name = label
    user.phone = placeholder_phone(user.id)
    user.password_hash = UNUSABLE_PASSWORD
    user.security_stamp = _new_stamp()
    user.active = False
    user.claimable = False
    user.erased_at = now()
    db.session.flush()
    _scrub_copies(user.id, old)
    for staff in _station_staff(station_id):
        notify(staff.id, f"erasure:{user.id}:staff:{staff.id}",
               _("A member's personal data was erased"),
               _("%(label)s asked for their personal data to be erased; their service records "
                 "and hours stay under this label.", label=label), kind="personal_data")
    db.session.expire(user)
    return user


def _id_number_of(user: User) -> str | None:
    table = db.metadata.tables.get("volunteer_profiles")
    if table is None or "id_number" not in table.columns:
        return None
    return db.session.scalar(select(table.c.id_number).where(table.c.user_id == user.id))


def check_password(user: User, password: str) -> None:
    """The person's own request needs their password: 403 `wrong_password` otherwise. Slow (a
    hash), so the edge calls it before its write transaction begins."""
    if not password or not check_password_hash(user.password_hash, password):
        raise WrongPassword()


def member_to_erase(staff, user_id: int) -> User:
    """A member whose paper request `staff` carry out: a station manager of the member's
    station, or a district administrator (404, 403)."""
    member = db.session.get(User, user_id)
    if member is None:
        raise NotFound()
    if has_role(staff, Role.DISTRICT_ADMIN):
        return member
    if not has_role(staff, Role.STATION_MANAGER) or not org.staff_may_act_on(staff, member):
        raise PermissionDenied(_("Only the manager of this member's station can do this."))
    return member


def erase_on_paper(staff, member: User, *, paper_date: date | None, reason: str,
                   donate_to_pool_id: int | None = None) -> User:
    errors = {}
    if paper_date is None:
        errors["paper_date"] = [_("Give the date of the request on paper.")]
    elif paper_date > now().date() + timedelta(days=1):
        errors["paper_date"] = [_("The date is in the future.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Give a reason.")]
    if errors:
        raise InvalidInput(fields=errors)
    return erase(member, by=staff, reason=reason.strip()[:500], paper_date=paper_date,
                 donate_to_pool_id=donate_to_pool_id)


# --- retention --------------------------------------------------------------------------------

def retention_years() -> int:
    return settings.value("PERSONAL_DATA_RETENTION_YEARS")


def touch(user: User) -> bool:
    """Remember that `user` was here today (at most one write a day); True when it wrote."""
    return users.touch(user)


def review(today: datetime | None = None) -> int:
    """Flag the accounts not seen for longer than the district's retention period; returns how
    many were flagged now (one undecided review per person)."""
    moment = today or now()
    cutoff = moment - timedelta(days=365 * retention_years())
    seen = func.coalesce(User.last_seen_at, User.created_at)
    waiting = select(RetentionReview.user_id).where(RetentionReview.status == ReviewStatus.FLAGGED)
    kept = select(RetentionReview.user_id).where(RetentionReview.status == ReviewStatus.KEPT,
                                                 RetentionReview.decided_at >= cutoff)
    candidates = db.session.execute(select(User.id, seen).where(
        seen < cutoff, User.erased_at.is_(None), User.id.not_in(waiting),
        User.id.not_in(kept))).all()
    for user_id, last_seen in candidates:
        db.session.add(RetentionReview(user_id=user_id, last_seen_at=last_seen))
    db.session.flush()
    if candidates:
        audit.record("personal_data.review", None, flagged=len(candidates),
                     years=retention_years())
    return len(candidates)


def review_job() -> None:
    """The scheduled review: one call into `review`, committed."""
    review()
    db.session.commit()


def flagged() -> list[RetentionReview]:
    return list(db.session.scalars(select(RetentionReview).where(
        RetentionReview.status == ReviewStatus.FLAGGED).order_by(RetentionReview.id)))


def require_district(viewer) -> None:
    if not has_role(viewer, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("Only a district administrator can do this."))


def get_review(viewer, review_id: int) -> RetentionReview:
    require_district(viewer)
    found = db.session.get(RetentionReview, review_id)
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Decision:
    erase: bool
    reason: str


def decide(found: RetentionReview, decision: Decision, *, by) -> RetentionReview:
    """Erase the flagged account, or keep it with a reason; audited."""
    require_district(by)
    if found.status != ReviewStatus.FLAGGED:
        raise Conflict(_("This review was decided already."), code="already_decided")
    reason = decision.reason.strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    if decision.erase:
        erase(found.user, by=by, reason=reason[:500])
    found.status = ReviewStatus.ERASED if decision.erase else ReviewStatus.KEPT
    found.decided_by_id = by.id
    found.decided_at = now()
    found.reason = reason[:300]
    audit.record("personal_data.review_decided", f"user:{found.user_id}", actor=by,
                 reason=reason[:500], review_id=found.id, status=found.status)
    db.session.flush()
    return found
