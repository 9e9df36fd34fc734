"""Users, their roles, registration, passwords and API tokens.

Phones are the login: mainland mobile numbers, stored as 11 digits. Passwords are stored only
as salted hashes. API tokens are signed and carry the user's security stamp, so changing the
password (which renews the stamp) revokes every token handed out before.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, insert, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from timebank.accounts.models import (  # noqa: F401 (the models, for callers of this module)
    TEXT_SIZES,
    User,
    UserRole,
    _new_stamp,
)
from timebank.accounts.permissions import ADMINISTERED_ROLES, Role, has_role
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.signals import staff_handed_over, user_registered
from timebank.web.inputs import INT_MAX

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
PASSWORD_MIN_LENGTH = 8
#: The password hash of an account made by an import: no password matches it
#: (`check_password_hash` refuses a hash without a method), so nobody logs in until the
#: member claims the account by registering, or staff give them a reset code.
UNUSABLE_PASSWORD = "!"  # noqa: S105 (a marker, not a password)
#: A real hash to check against when the phone is unknown, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_phone(raw: str) -> str:
    """Accept ``138 0000 0001``, ``138-0000-0001`` and ``+86 13800000001``; return 11 digits."""
    digits = re.sub(r"[\s\-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else "****"


def mask_name(name: str) -> str:
    """``陈晓敏`` → ``陈**``: enough for a neighbour to recognise, not to identify."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def get_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == normalise_phone(phone)))


def get_user(user_id: int) -> User:
    """The member with this id, or `NotFound` (a field error ``user_id`` where one is named)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such member."), code="user_not_found",
                       fields={"user_id": [_("There is no such member.")]})
    return user


def names_of(user_ids) -> dict[int, str]:
    """User id → name, for the ids given, in one query."""
    ids = {id_ for id_ in user_ids if id_ is not None}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) \
        if ids else {}


def directory(query: str = ""):
    """Every member, newest first, or those whose name or phone contains `query`: a select to
    paginate (the staff's member directory)."""
    statement = select(User).order_by(User.id.desc())
    if query:
        like = f"%{query}%"
        statement = statement.where(or_(User.name.like(like), User.phone.like(like)))
    return statement


def count_members() -> int:
    return db.session.scalar(select(func.count(User.id)))


def create_user(phone: str, password: str, name: str, roles=(Role.RESIDENT,)) -> User:
    """Create a user with `roles`. Formats are checked by the schemas; uniqueness here.

    The password is hashed before the first query: hashing is slow on purpose, and on SQLite a
    write request's first query takes the database's write lock (`timebank.database`).
    """
    password_hash = generate_password_hash(password)
    phone = normalise_phone(phone)
    if get_by_phone(phone) is not None:
        raise _phone_taken()
    return _new_user(phone, password_hash, name, roles)


def _phone_taken() -> Conflict:
    return Conflict(
        _("This phone number is already registered. Log in instead."),
        code="phone_taken",
        fields={"phone": [_("This phone number is already registered.")]},
    )


def _new_user(phone: str, password_hash: str, name: str, roles) -> User:
    user = User(phone=phone, name=name.strip(), password_hash=password_hash)
    user.roles = [UserRole(role=Role(role).value) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def register_resident(phone: str, password: str, name: str, community_id: int | None = None,
                      *, sms_code: str | None = None, privacy_version: str | None = None,
                      address: str | None = None) -> User:
    """Self-registration: every new account is a resident.

    `community_id` is handed to the receivers of `signals.user_registered` (the coordination
    layer files it in the volunteer profile); a receiver may refuse it by raising.

    `sms_code`, a registration code texted to `phone` (`accounts.verification`), verifies the
    phone; a wrong one raises `verification.WrongPhoneCode` after counting the try (commit it).
    Without a code the account is made with the phone not verified (the page always asks for
    one; older API clients do not send it). `privacy_version`, the privacy notice's version the
    person agreed to, is recorded as their consent (422 for any but the current version);
    without it they are asked to agree at their next visit.

    A station may have imported the resident already (`claimable`): registering with that
    phone and the same real name claims the account, which keeps its profile and balance (the
    password is set, `community_id` is ignored: the profile has its home). With a valid code, a
    number held by a self-registered account that never verified it is released to the new
    registrant (`verification.release_phone`). Any other taken phone is refused and nothing
    changes.
    """
    from timebank.accounts import verification
    from timebank.consents import services as consents

    password_hash = generate_password_hash(password)
    phone = normalise_phone(phone)
    if privacy_version is not None and privacy_version != consents.current_version():
        raise InvalidInput(fields={"privacy_version": [_(
            "Agree to the current privacy notice (version %(version)s).",
            version=consents.current_version() or "-")]}, code="stale_notice_version")
    verified = False
    if sms_code is not None:
        verification.take_register_code(phone, sms_code, address)
        verified = True
    existing = get_by_phone(phone)
    if existing is not None and existing.claimable and same_name(existing.name, name):
        user = claim(existing, password_hash)
    else:
        if existing is not None:
            if not (verified and verification.releasable(existing)):
                raise _phone_taken()
            verification.release_phone(existing, to_phone=phone)
        user = _new_user(phone, password_hash, name, (Role.RESIDENT,))
        audit.record("user.register", f"user:{user.id}", actor=user)
        user_registered.send(user, community_id=community_id)
    if verified:
        verification.mark_verified(user, "register")
    if privacy_version is not None:
        consents.agree_to_notice(user, privacy_version)
    return user


def same_name(a: str, b: str) -> bool:
    """Whether two real names are the same, ignoring spaces (``陈 晓敏`` is ``陈晓敏``)."""
    return "".join((a or "").split()) == "".join((b or "").split())


def claim(user: User, password_hash: str) -> User:
    """An imported member takes over their account: it gets its first password."""
    user.password_hash = password_hash
    user.security_stamp = _new_stamp()
    user.claimable = False
    db.session.flush()
    audit.record("user.claim", f"user:{user.id}", actor=user)
    return user


def create_imported(people, roles=(Role.RESIDENT,), *, claimable: bool = True) -> dict[str, int]:
    """Create many users at once, as an import does: ``people`` is ``[(phone, name), ...]``
    (checked and new); returns phone → user id.

    They get no usable password (`UNUSABLE_PASSWORD`): imported residents are `claimable` (they
    claim the account by registering with the same name); imported staff get a one-time reset
    code from a district administrator. One insert per table, not a flush per person."""
    people = list(people)
    if not people:
        return {}
    moment = now()
    created = db.session.execute(
        insert(User).returning(User.id, User.phone, sort_by_parameter_order=True),
        [{"phone": phone, "name": name.strip(), "password_hash": UNUSABLE_PASSWORD,
          "security_stamp": _new_stamp(), "active": True, "claimable": claimable,
          "created_at": moment} for phone, name in people])
    ids = {phone: user_id for user_id, phone in created}
    db.session.execute(insert(UserRole), [{"user_id": user_id, "role": Role(role).value}
                                          for user_id in ids.values()
                                          for role in dict.fromkeys(roles)])
    return ids


def people_by_phone(phones) -> dict[str, User]:
    """Phone → user, for those of `phones` that are registered, in one query."""
    phones = list(phones)
    return {user.phone: user for user in db.session.scalars(
        select(User).where(User.phone.in_(phones)))} if phones else {}


def authenticate(phone: str, password: str) -> User | None:
    user = get_by_phone(phone)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


@dataclass(frozen=True)
class PasswordChange:
    """A checked password change, ready to apply: see `prepare_password_change`."""

    #: The hash the current password was checked against.
    checked_hash: str
    new_hash: str


def prepare_password_change(user: User, current: str, new: str) -> PasswordChange:
    """The slow half of a password change (check `current`, hash `new`), to do in a read.

    Then `apply_password_change` in a write transaction, which takes no time.
    """
    if not user.check_password(current):
        raise InvalidInput(fields={"current_password": [_("The current password is wrong.")]})
    return PasswordChange(checked_hash=user.password_hash, new_hash=generate_password_hash(new))


def apply_password_change(user: User, change: PasswordChange) -> None:
    """Set the new password, unless the password changed since it was checked."""
    if user.password_hash != change.checked_hash:
        raise InvalidInput(fields={"current_password": [_("The current password is wrong.")]})
    user.password_hash = change.new_hash
    user.security_stamp = _new_stamp()
    # A password set any way (a reset code included) ends an imported account's claim: nobody
    # else may take it over by registering with the same name.
    user.claimable = False
    audit.record("user.password_change", f"user:{user.id}", actor=user)


def change_password(user: User, current: str, new: str) -> None:
    apply_password_change(user, prepare_password_change(user, current, new))


def set_text_size(user: User, size: str) -> User:
    """Remember how large `user` wants the pages' text (`TEXT_SIZES`); anything else is refused."""
    if size not in TEXT_SIZES:
        raise InvalidInput(fields={"text_size": [_("Choose one of the text sizes.")]})
    user.text_size = size
    db.session.flush()
    return user


def touch(user: User) -> bool:
    """Remember that `user` was here today, for the retention review (`timebank.personal_data`):
    at most one write a day, made by logging in or by the day's first request; True when the
    caller has a change to commit."""
    if seen_today(user):
        return False
    user.last_seen_at = now()
    return True


def seen_today(user: User) -> bool:
    """Whether `user.last_seen_at` is less than a day old (`touch` would write nothing)."""
    return user.last_seen_at is not None and now() - user.last_seen_at < timedelta(days=1)


def _token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> tuple[str, Any]:
    """A signed bearer token for the API and the moment it expires."""
    lifetime = timedelta(seconds=current_app.config["API_TOKEN_LIFETIME"])
    token = _token_serializer().dumps({"uid": user.id, "stamp": user.security_stamp})
    return token, now() + lifetime


#: The user with their roles, in one query: every page asks the roles (the navigation, the
#: permissions). Built once, so each request reuses its cache key rather than building a
#: statement and its options anew (as `session.get` with options does).
_USER_WITH_ROLES = select(User).options(joinedload(User.roles)).where(User.id == bindparam("user_id"))


def user_from_session(session_id: str) -> User | None:
    """The active user a session or remember-me cookie names (``"<id>:<stamp>"``, `User.get_id`),
    if the stamp is still theirs."""
    user_id, _sep, stamp = (session_id or "").partition(":")
    if not user_id.isdigit() or not stamp or int(user_id) > INT_MAX:
        return None
    with db.session.no_autoflush:  # as `session.get`: nothing of the request is written here
        user = db.session.scalars(_USER_WITH_ROLES, {"user_id": int(user_id)}).unique().one_or_none()
    if user is None or not user.is_active or not secrets.compare_digest(user.security_stamp, stamp):
        return None
    return user


def user_from_token(token: str) -> User | None:
    try:
        data = _token_serializer().loads(token, max_age=current_app.config["API_TOKEN_LIFETIME"])
    except BadSignature:  # includes SignatureExpired
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or user.security_stamp != data.get("stamp"):
        return None
    return user


# --- staff administration ---------------------------------------------------------------------
# District administrators manage every staff account; a station manager manages the social
# workers of their own station (create them, make or unmake them social workers, move them
# between the station's grid teams, deactivate and hand over their work). Every change is
# audited with who and why; a deactivated account keeps its history (nothing is deleted), its
# login is refused and its API tokens stop working (a new security stamp).

#: Letters and digits a generated password is made of (no 0/O, 1/l/I to misread).
_UNAMBIGUOUS_CHARACTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 10) -> str:
    """A random initial password, shown once to whoever creates the account."""
    return "".join(secrets.choice(_UNAMBIGUOUS_CHARACTERS) for _index in range(length))


def _org():
    from timebank.org import services as org  # the organisation reads users: imported late

    return org


def _staff_roles_of(user: User) -> set[str]:
    return {name for name in user.role_names
            if name in {role.value for role in ADMINISTERED_ROLES}}


def _is_district(user) -> bool:
    return has_role(user, Role.DISTRICT_ADMIN)


def _is_staff_account(user: User) -> bool:
    return bool(_staff_roles_of(user)) or _org().post_of(user) is not None


def staff_statement(viewer, query: str = "", *, station_id: int | None = None,
                    status: str = ""):
    """Staff accounts (a staff role or a post) by name, as a select to paginate; matching
    `query` (name or phone), `station_id` and `status` (``active``/``inactive``). A district
    administrator sees every station; a station manager only their own station's staff."""
    org = _org()
    staff = select(UserRole.user_id).where(
        UserRole.role.in_([role.value for role in ADMINISTERED_ROLES]))
    statement = (select(User).outerjoin(org.StaffPost, org.StaffPost.user_id == User.id)
                 .where(or_(User.id.in_(staff), org.StaffPost.user_id.is_not(None)))
                 .order_by(User.name, User.id))
    if not _is_district(viewer):
        station_id = org.station_id_of(viewer) or -1
    if station_id is not None:
        statement = statement.where(org.StaffPost.station_id == station_id)
    query = (query or "").strip()
    if query:
        like = f"%{normalise_phone(query) if query[:1].isdigit() or query[:1] == '+' else query}%"
        statement = statement.where(or_(User.name.like(like), User.phone.like(like)))
    if status in ("active", "inactive"):
        statement = statement.where(User.active.is_(status == "active"))
    return statement


def staff_to_manage(viewer, user_id: int) -> User:
    """The staff account `viewer` looks at or changes: 404 unless there is one, 403 unless
    the viewer is a district administrator or a station manager of its station."""
    user = db.session.get(User, user_id)
    if user is None or not _is_staff_account(user):
        raise NotFound(_("There is no such staff member."), code="staff_not_found")
    if _is_district(viewer):
        return user
    own = _org().station_id_of(viewer)
    if not has_role(viewer, Role.STATION_MANAGER) or own is None \
            or _org().station_id_of(user) != own:
        raise PermissionDenied(_("Only a district administrator or this station's manager can "
                                 "manage this staff member."))
    return user


def _require_reason(reason: str | None, what) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [what]})
    return reason


def _require_manages_social_worker(by, user: User) -> None:
    """A station manager acts only on plain social workers (not on managers or the district)."""
    if _is_district(by):
        return
    if _staff_roles_of(user) - {Role.SOCIAL_WORKER.value}:
        raise PermissionDenied(_("A station manager manages social workers only; ask a district "
                                 "administrator about other staff."))


def active_district_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.DISTRICT_ADMIN.value, User.active.is_(True)))


def _refuse_losing_last_district_admin(user: User) -> None:
    if Role.DISTRICT_ADMIN.value in user.role_names and user.active \
            and active_district_admins() <= 1:
        raise Conflict(_("%(name)s is the last active district administrator. Make another "
                         "district administrator first.", name=user.name),
                       code="last_district_admin")


def create_staff(data: dict, *, by) -> tuple[User, str | None]:
    """A new staff account with a post: ``name``, ``phone``, ``password`` (or None for a
    generated one), ``role``, ``station_id`` (not needed for a district administrator) and
    ``grid_team_id`` (optional, of that station).

    A district administrator creates any staff role anywhere; a station manager social workers
    of their own station only. Returns the user and the generated password (to show once)."""
    org = _org()
    role = Role(data["role"])
    station_id, grid_team_id = data.get("station_id"), data.get("grid_team_id")
    if not _is_district(by):
        if not has_role(by, Role.STATION_MANAGER):
            raise PermissionDenied(_("Only a station manager or a district administrator can "
                                     "create staff accounts."))
        if role != Role.SOCIAL_WORKER:
            raise PermissionDenied(_("A station manager can create social workers only."))
        own = org.station_id_of(by)
        if station_id is None:
            station_id = own
        if own is None or station_id != own:
            raise PermissionDenied(_("A station manager can create staff of their own station "
                                     "only."))
    if station_id is None and role not in (Role.DISTRICT_ADMIN, Role.GRANT_OFFICER):
        raise InvalidInput(fields={"station_id": [_("Choose the station of their post.")]})
    if grid_team_id is not None and station_id is None:
        raise InvalidInput(fields={"grid_team_id": [_("A grid team needs a station.")]})
    password = data.get("password") or None
    generated = None if password else generate_password()
    user = create_user(data["phone"], password or generated, data["name"], roles=(role,))
    if station_id is not None:
        org.post_staff(user, station_id, grid_team_id)
    audit.record("staff.create", f"user:{user.id}", actor=by, reason=data.get("reason") or None,
                 role=role.value, station_id=station_id, grid_team_id=grid_team_id,
                 generated_password=generated is not None)
    return user, generated


def change_roles(user: User, roles, *, by, reason: str | None) -> list[str]:
    """Set `user`'s staff roles to `roles` (other roles, a resident's, stay); the new roles.

    A station manager may only add or remove the social worker role, on staff of their own
    station; a district administrator any role. The last active district administrator keeps
    the role. A station role needs a post; an account left with no role is a resident's."""
    staff_to_manage(by, user.id)
    reason = _require_reason(reason, _("Say why the roles change."))
    wanted = {Role(role).value for role in roles}
    if wanted - {role.value for role in ADMINISTERED_ROLES}:
        raise InvalidInput(fields={"roles": [_("Choose staff roles only.")]})
    held = _staff_roles_of(user)
    if not _is_district(by) and (wanted ^ held) - {Role.SOCIAL_WORKER.value}:
        raise PermissionDenied(_("A station manager can only make or unmake social workers of "
                                 "their station."))
    if not _is_district(by) and user.id == by.id:
        raise PermissionDenied(_("Ask another manager or a district administrator to change "
                                 "your own roles."))
    if Role.DISTRICT_ADMIN.value in held and Role.DISTRICT_ADMIN.value not in wanted:
        _refuse_losing_last_district_admin(user)
    if wanted & {Role.SOCIAL_WORKER.value, Role.STATION_MANAGER.value} \
            and Role.DISTRICT_ADMIN.value not in wanted and _org().post_of(user) is None:
        raise InvalidInput(fields={"roles": [_("Post them at a station first: social workers "
                                               "and station managers work at one.")]})
    if wanted == held:
        return sorted(user.role_names)
    others = [name for name in user.role_names if name not in held]
    if not wanted and not others:
        others = [Role.RESIDENT.value]
    before = sorted(user.role_names)
    user.roles = [UserRole(role=name) for name in dict.fromkeys(sorted(wanted) + others)]
    db.session.flush()
    audit.record("staff.roles", f"user:{user.id}", actor=by, reason=reason, old=before,
                 new=sorted(user.role_names))
    return sorted(user.role_names)


def change_post(user: User, station_id: int | None, grid_team_id: int | None, *, by,
                reason: str | None = None):
    """Post `user` at `station_id` (and grid team). A station manager moves their social
    workers between their own station's grid teams only. Their linked volunteers and
    activities stay with them: hand them over first when they change station."""
    org = _org()
    staff_to_manage(by, user.id)
    _require_manages_social_worker(by, user)
    if station_id is None:
        raise InvalidInput(fields={"station_id": [_("Choose the station of their post.")]})
    if not _is_district(by) and station_id != org.station_id_of(by):
        raise PermissionDenied(_("A station manager can post staff at their own station only."))
    before = org.post_of(user)
    old = (before.station_id, before.grid_team_id) if before else (None, None)
    post = org.post_staff(user, station_id, grid_team_id)
    if old != (post.station_id, post.grid_team_id):
        audit.record("staff.post", f"user:{user.id}", actor=by, reason=(reason or "").strip()
                     or None, old={"station_id": old[0], "grid_team_id": old[1]},
                     new={"station_id": post.station_id, "grid_team_id": post.grid_team_id})
    return post


def _counts(results) -> dict:
    """The receivers' counts of a hand-over, added up (each returns a dict of counts)."""
    total = {"volunteers": 0, "activities": 0, "approvals": 0}
    for _receiver, moved in results:
        for key, count in (moved or {}).items():
            total[key] = total.get(key, 0) + int(count)
    return total


def hand_over(user: User, to: User, *, by, reason: str | None) -> dict:
    """Move `user`'s work to the colleague `to`: an active social worker or station manager of
    the same station. The coordination layer's receivers of `signals.staff_handed_over` move
    the linked volunteers, open activities and the check-ins waiting for approval on them, and
    say how many; the counts are audited and returned."""
    staff_to_manage(by, user.id)
    _require_manages_social_worker(by, user)
    reason = _require_reason(reason, _("Say why the work is handed over."))
    org = _org()
    station_id = org.station_id_of(user)
    if to is None or to.id == user.id:
        raise InvalidInput(fields={"to_user_id": [_("Choose a colleague to hand over to.")]})
    if station_id is None or org.station_id_of(to) != station_id:
        raise InvalidInput(fields={"to_user_id": [
            _("Hand over only to a colleague of the same station.")]}, code="other_station")
    if not to.active or not has_role(to, Role.SOCIAL_WORKER):
        raise InvalidInput(fields={"to_user_id": [
            _("Hand over to an active social worker or station manager of the station.")]})
    moved = _counts(staff_handed_over.send(user, to=to, by=by))
    db.session.flush()
    audit.record("staff.hand_over", f"user:{user.id}", actor=by, reason=reason, to=to.id,
                 **moved)
    return moved


def deactivate(user: User, *, by, reason: str | None, hand_over_to: User | None = None) -> dict:
    """Refuse `user`'s logins from now on and revoke their API tokens; nothing is deleted.

    With `hand_over_to`, their work goes to that colleague first (`hand_over`). The last active
    district administrator cannot be deactivated, nor can anyone deactivate themselves."""
    staff_to_manage(by, user.id)
    _require_manages_social_worker(by, user)
    reason = _require_reason(reason, _("Say why the account is deactivated."))
    if not user.active:
        raise Conflict(_("%(name)s is already deactivated.", name=user.name),
                       code="already_inactive")
    _refuse_losing_last_district_admin(user)
    if user.id == by.id:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    moved = {}
    if hand_over_to is not None:
        try:
            moved = hand_over(user, hand_over_to, by=by, reason=reason)
        except InvalidInput as error:  # the colleague is this form's hand_over_to_id
            error.fields = {"hand_over_to_id" if name == "to_user_id" else name: messages
                            for name, messages in error.fields.items()}
            raise
    user.active = False
    user.security_stamp = _new_stamp()
    db.session.flush()
    audit.record("staff.deactivate", f"user:{user.id}", actor=by, reason=reason,
                 handed_over_to=hand_over_to.id if hand_over_to else None)
    return moved


def reactivate(user: User, *, by, reason: str | None = None) -> User:
    staff_to_manage(by, user.id)
    _require_manages_social_worker(by, user)
    if user.active:
        raise Conflict(_("%(name)s is active already.", name=user.name), code="already_active")
    user.active = True
    db.session.flush()
    audit.record("staff.reactivate", f"user:{user.id}", actor=by,
                 reason=(reason or "").strip() or None)
    return user


def colleagues_for_hand_over(user: User) -> list[User]:
    """Who may take over `user`'s work: the station's other active social workers and managers."""
    org = _org()
    station_id = org.station_id_of(user)
    if station_id is None:
        return []
    return [worker for worker in org.social_workers_at(station_id) if worker.id != user.id]


def stations_to_post_at(viewer) -> list:
    """The stations `viewer` may post staff at (with their grid teams loaded): every station for
    a district administrator, their own for a station manager."""
    org = _org()
    statement = select(org.Station).order_by(org.Station.id)
    if not _is_district(viewer):
        statement = statement.where(org.Station.id == (org.station_id_of(viewer) or -1))
    return list(db.session.scalars(statement))


def roles_viewer_may_give(viewer) -> list[Role]:
    """The staff roles `viewer` may give: any (the operations centre's too) for the district,
    social worker for a manager."""
    return list(ADMINISTERED_ROLES) if _is_district(viewer) else [Role.SOCIAL_WORKER]
