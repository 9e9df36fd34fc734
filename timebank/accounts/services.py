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
from sqlalchemy import func, insert, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from timebank.accounts.models import (  # noqa: F401 (the models, for callers of this module)
    User,
    UserRole,
    _new_stamp,
)
from timebank.accounts.permissions import Role
from timebank.audit import services as audit
from timebank.clock import now
from timebank.errors import Conflict, InvalidInput, NotFound
from timebank.extensions import db
from timebank.signals import user_registered
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


def register_resident(phone: str, password: str, name: str, community_id: int | None = None) -> User:
    """Self-registration: every new account is a resident.

    `community_id` is handed to the receivers of `signals.user_registered` (the coordination
    layer files it in the volunteer profile); a receiver may refuse it by raising.

    A station may have imported the resident already (`claimable`): registering with that
    phone and the same real name claims the account, which keeps its profile and balance (the
    password is set, `community_id` is ignored: the profile has its home); a different name is
    refused as any taken phone is, and changes nothing.
    """
    password_hash = generate_password_hash(password)
    phone = normalise_phone(phone)
    existing = get_by_phone(phone)
    if existing is not None:
        if not (existing.claimable and same_name(existing.name, name)):
            raise _phone_taken()
        return claim(existing, password_hash)
    user = _new_user(phone, password_hash, name, (Role.RESIDENT,))
    audit.record("user.register", f"user:{user.id}", actor=user)
    user_registered.send(user, community_id=community_id)
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


def _token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="api-token")


def issue_token(user: User) -> tuple[str, Any]:
    """A signed bearer token for the API and the moment it expires."""
    lifetime = timedelta(seconds=current_app.config["API_TOKEN_LIFETIME"])
    token = _token_serializer().dumps({"uid": user.id, "stamp": user.security_stamp})
    return token, now() + lifetime


def user_from_session(session_id: str) -> User | None:
    """The active user a session or remember-me cookie names (``"<id>:<stamp>"``, `User.get_id`),
    if the stamp is still theirs."""
    user_id, _sep, stamp = (session_id or "").partition(":")
    if not user_id.isdigit() or not stamp or int(user_id) > INT_MAX:
        return None
    user = db.session.get(User, int(user_id))
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
