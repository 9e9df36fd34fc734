"""Notifications: an in-app inbox for every user, and pluggable senders for SMS or WeChat.

`notify` is idempotent on its key (``reminder:<sign-up id>``), so a scheduled job can run twice
without telling anyone twice. It writes the row in the caller's transaction; the in-app inbox
needs nothing more. Each configured sender (``NOTIFICATION_SENDERS``: dotted paths of callables
taking the notification) is called only once that transaction has committed, so a rolled-back
action never texts anyone:

`notify` hands a copy of the flushed row to `timebank.database.after_commit`: a rollback of the
transaction or savepoint that wrote it drops it, and the commit of the outermost transaction
gives it to every sender, in order. The copy belongs to no session: after a commit the session
may not query, and the sender needs none. A sender that fails is logged and the next one runs:
the action has committed, and stands.
"""

from importlib import import_module

from flask import current_app
from sqlalchemy import func, inspect, select

from timebank.database import after_commit
from timebank.extensions import db
from timebank.notifications.models import Notification


def notify(user_id: int, key: str, title: str, body: str = "", link: str | None = None
           ) -> Notification | None:
    """Tell a user something once; returns None if `key` was already sent."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=user_id, key=key, title=title, body=body, link=link)
    db.session.add(notification)
    db.session.flush()
    _keep_for_sending(notification)
    return notification


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


# --- sending after the commit -----------------------------------------------------------------

def _keep_for_sending(notification: Notification) -> None:
    """A copy of the flushed row, belonging to no session, goes to the senders after the
    commit (`timebank.database.after_commit`)."""
    copy = Notification(**{column.key: getattr(notification, column.key)
                           for column in inspect(Notification).column_attrs})
    after_commit(lambda: send(copy), f"notification {copy.key} could not be sent")


def send(notification: Notification) -> None:
    """Hand `notification` to every configured sender; a failing one is logged, not raised."""
    for path in current_app.config.get("NOTIFICATION_SENDERS", ()):
        try:
            module, _sep, name = path.partition(":")
            getattr(import_module(module), name)(notification)
        except Exception:  # the action has committed: a lost text must not turn it into a 500
            current_app.logger.exception("notification sender %s failed on %s", path,
                                         notification.key)
