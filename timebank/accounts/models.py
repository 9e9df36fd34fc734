"""Users and their roles."""

import secrets
from typing import Any

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from timebank.clock import UTCDateTime, now
from timebank.extensions import db


def _new_stamp() -> str:
    return secrets.token_hex(16)


#: The text sizes a user may choose on their profile, smallest first.
TEXT_SIZES = ("normal", "large", "xlarge")


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Eleven-digit mainland mobile number; the login.
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    #: Real name (实名), as on the ID card.
    name: Mapped[str] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Renewed on password change; signed API tokens carry it, so old tokens stop working.
    security_stamp: Mapped[str] = mapped_column(String(32), default=_new_stamp)
    active: Mapped[bool] = mapped_column(default=True)
    #: Imported by a station (`flask import volunteers`) and not yet claimed: the account has
    #: no usable password, and registering with this phone and the same real name claims it.
    claimable: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    #: The member's openid under the district's WeChat service account, for template messages
    #: (`timebank.notifications.wechat`); none: no WeChat notices.
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True,
                                                      info={"personal": True})
    #: The member's choice of channels beside the in-app inbox (`timebank.notifications`).
    notice_sms: Mapped[bool] = mapped_column(default=True, server_default=true())
    notice_wechat: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: How large the pages' text is for this user: one of `TEXT_SIZES` (a class on <html>).
    text_size: Mapped[str] = mapped_column(String(12), default="normal", server_default="normal")
    #: When the person last used the platform (a request while logged in), at most once a day;
    #: the retention review (`timebank.personal_data`) reads it.
    last_seen_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: When the person's identity was erased at their request (`timebank.personal_data`): the
    #: name is an anonymous label, the phone a placeholder, login and tokens stopped for good.
    erased_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: When the member proved by an SMS code that the phone is theirs (`accounts.verification`);
    #: None: not yet (staff-created and imported accounts, API registrations without a code),
    #: and a logged-in browser is sent to verify it first.
    phone_verified_at: Mapped[Any | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def role_names(self) -> list[str]:
        return [role.role for role in self.roles]

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id and the security stamp, so
        a password change (a new stamp) ends every other browser's login."""
        return f"{self.id}:{self.security_stamp}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.phone}>"


class PasswordResetCode(db.Model):
    """A one-time code that lets its holder set a new password for `user` (`accounts.recovery`).

    Only an HMAC of the code is kept. A code is live until it is used, voided (a newer code of
    the same kind, or too many wrong tries) or expired; at most one of each kind is live.
    """

    __tablename__ = "password_reset_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: ``staff`` (issued by staff, handed over in person) or ``sms`` (asked for by phone).
    kind: Mapped[str] = mapped_column(String(8))
    #: HMAC-SHA256 of the code with the app's secret key, hex.
    code_hash: Mapped[str] = mapped_column(String(64))
    #: The staff member who issued it (None for an SMS code).
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[Any] = mapped_column(UTCDateTime)
    used_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Wrong codes typed for this user while this code was live.
    wrong_tries: Mapped[int] = mapped_column(default=0)


class PhoneCode(db.Model):
    """A one-time SMS code proving that whoever types it holds `phone` (`accounts.verification`):
    ``register`` before an account exists (`user_id` None), ``verify`` for a logged-in member.

    Only an HMAC of the code is kept; a code is live until used, voided (a newer code for the
    same phone and purpose, or too many wrong tries) or expired.
    """

    __tablename__ = "phone_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Kept no longer than a day: older codes are deleted when a new one is sent.
    phone: Mapped[str] = mapped_column(String(11), index=True, info={"personal": True})
    #: ``register`` or ``verify``.
    purpose: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                                index=True)
    #: HMAC-SHA256 of the code with the app's secret key, hex.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[Any] = mapped_column(UTCDateTime)
    used_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[Any | None] = mapped_column(UTCDateTime)
    #: Wrong codes typed for this phone and purpose while this code was live.
    wrong_tries: Mapped[int] = mapped_column(default=0)
