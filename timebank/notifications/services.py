"""Notifications: an in-app inbox for every user, and pluggable senders for SMS or WeChat.

`notify` is idempotent on its key (``reminder:<sign-up id>``), so a scheduled job can run twice
without telling anyone twice. Each configured sender (``NOTIFICATION_SENDERS``: dotted paths
of callables taking the notification) is called after the row is flushed; the in-app inbox
needs none.
"""

from importlib import import_module

from flask import current_app
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.notifications.models import Notification


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
