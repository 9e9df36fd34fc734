"""Notifications: an in-app inbox for every user, and pluggable senders for SMS or WeChat.

`notify` is idempotent on its key (``reminder:<sign-up id>``), so a scheduled job can run twice
without telling anyone twice. Each configured sender (``NOTIFICATION_SENDERS``: dotted paths
of callables taking the notification) is called after the row is flushed; the in-app inbox
needs none.
"""

from importlib import import_module
from typing import Any

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from timebank.accounts.permissions import login_required
from timebank.clock import UTCDateTime, now
from timebank.extensions import db

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Sending the same key again does nothing: ``reminder:<sign-up id>``.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000), default="")
    #: A path on this site to open, such as an activity's page.
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Any] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[Any | None] = mapped_column(UTCDateTime)


def _senders():
    for path in current_app.config.get("NOTIFICATION_SENDERS", ()):
        module, _sep, name = path.partition(":")
        yield getattr(import_module(module), name)


def notify(user_id: int, key: str, title: str, body: str = "", link: str | None = None
           ) -> Notification | None:
    """Tell a user something once; returns None if `key` was already sent."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=user_id, key=key, title=title, body=body, link=link)
    db.session.add(notification)
    db.session.flush()
    for send in _senders():
        send(notification)
    return notification


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


@bp.get("/")
@login_required
def inbox():
    items = list(db.session.scalars(select(Notification).where(
        Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(100)))
    unread = [item.id for item in items if item.read_at is None]
    page = render_template("notifications.html", items=items, unread=set(unread))
    if unread:
        db.session.execute(update(Notification).where(Notification.id.in_(unread))
                           .values(read_at=now()))
        db.session.commit()
    return page
