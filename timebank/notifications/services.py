"""Notifications: an in-app inbox for every user, and pluggable senders for SMS or WeChat.

`notify` is idempotent on its key (``reminder:<sign-up id>``), so a scheduled job can run twice
without telling anyone twice. It writes the row in the caller's transaction; the in-app inbox
needs nothing more. Each configured sender (``NOTIFICATION_SENDERS``: dotted paths of callables
taking the notification) is called only once that transaction has committed, so a rolled-back
action never texts anyone:

- `notify` keeps a copy of the flushed row in the session's outbox (``session.info``), with the
  transaction or savepoint that wrote it;
- a rollback of that transaction or savepoint drops it, and so does a session closed without
  committing;
- the commit of the outermost transaction hands each copy to every sender, in order. The copy
  belongs to no session: after a commit the session may not query, and the sender needs none.
  A sender that fails is logged and the next one runs: the action has committed, and stands.

The listeners are bound to Flask-SQLAlchemy's session (`db.session`), not to every session of
the process.
"""

from importlib import import_module

from flask import current_app
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, SessionTransaction

from timebank.extensions import db
from timebank.notifications.models import Notification

#: The key in ``session.info`` of the notifications waiting for the commit, as
#: (transaction or savepoint that wrote it, copy to send) pairs.
OUTBOX = "timebank.notifications.outbox"


def notify(user_id: int, key: str, title: str, body: str = "", link: str | None = None
           ) -> Notification | None:
    """Tell a user something once; returns None if `key` was already sent."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=user_id, key=key, title=title, body=body, link=link)
    db.session.add(notification)
    db.session.flush()
    _keep_for_sending(db.session(), notification)
    return notification


def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


# --- sending after the commit -----------------------------------------------------------------

def _keep_for_sending(session: Session, notification: Notification) -> None:
    written_in = session.get_nested_transaction() or session.get_transaction()
    copy = Notification(**{column.key: getattr(notification, column.key)
                           for column in inspect(Notification).column_attrs})
    session.info.setdefault(OUTBOX, []).append((written_in, copy))


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(db.session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """What a rolled-back transaction or savepoint wrote is never sent."""
    waiting = session.info.get(OUTBOX)
    if waiting:
        waiting[:] = [(written_in, copy) for written_in, copy in waiting
                      if not _inside(written_in, previous_transaction)]


@event.listens_for(db.session, "after_transaction_end")
def _drop_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction is over (committed and sent, or closed without a commit)."""
    if transaction.parent is None:
        session.info.pop(OUTBOX, None)


@event.listens_for(db.session, "after_commit")
def _send_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: what it wrote waits for the outermost commit
    for _written_in, notification in session.info.pop(OUTBOX, None) or ():
        send(notification)


def send(notification: Notification) -> None:
    """Hand `notification` to every configured sender; a failing one is logged, not raised."""
    for path in current_app.config.get("NOTIFICATION_SENDERS", ()):
        try:
            module, _sep, name = path.partition(":")
            getattr(import_module(module), name)(notification)
        except Exception:  # the action has committed: a lost text must not turn it into a 500
            current_app.logger.exception("notification sender %s failed on %s", path,
                                         notification.key)
