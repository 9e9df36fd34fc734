"""Notifications leave the process only after their transaction commits.

`notify` writes the row in the caller's transaction; the configured senders
(``NOTIFICATION_SENDERS``) get it once that transaction commits, never when it rolls back, and a
sender that fails is logged while the commit stands.
"""

import logging

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from timebank import database
from timebank.errors import Conflict
from timebank.extensions import db
from timebank.notifications import services as notifications
from timebank.notifications.models import Notification

#: What `record` was handed, in order.
SENT: list[Notification] = []


def record(notification):
    SENT.append(notification)


def fail(notification):
    raise RuntimeError("the SMS gateway is down")


def query_through_the_session(notification):
    db.session.scalar(select(Notification.read_at).where(Notification.id == notification.id))


@pytest.fixture
def senders(app):
    """Set the senders by name (``senders("fail", "record")``); `SENT` starts empty."""
    SENT.clear()

    def configure(*names):
        app.config["NOTIFICATION_SENDERS"] = tuple(f"{__name__}:{name}" for name in names)

    configure("record")
    yield configure
    SENT.clear()


@pytest.fixture
def user(make_user):
    return make_user()


def keys() -> list[str]:
    return [notification.key for notification in SENT]


def stored(key: str) -> bool:
    return db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None


def test_a_notification_is_sent_once_after_its_transaction_commits(senders, user):
    written = notifications.notify(user.id, "test:commit", "标题", "内容", link="/help/1")
    assert SENT == []  # written, not sent: the transaction may still roll back
    db.session.commit()
    assert keys() == ["test:commit"]
    copy = SENT[0]
    assert copy is not written
    assert (copy.id, copy.user_id, copy.title, copy.body, copy.link) == \
           (written.id, user.id, "标题", "内容", "/help/1")
    assert copy.created_at is not None and copy.read_at is None
    db.session.commit()
    notifications.notify(user.id, "test:commit", "again")  # the same key: nothing new
    db.session.commit()
    assert keys() == ["test:commit"]


def test_a_rolled_back_notification_is_never_sent(senders, user):
    notifications.notify(user.id, "test:rollback", "标题")
    db.session.rollback()
    db.session.commit()
    assert SENT == []
    assert not stored("test:rollback")


def test_a_session_closed_without_committing_sends_nothing(senders, user):
    notifications.notify(user.id, "test:closed", "标题")
    db.session.remove()
    db.session.commit()
    assert SENT == []
    assert not stored("test:closed")


def test_a_rolled_back_savepoint_drops_only_what_it_wrote(senders, user):
    notifications.notify(user.id, "test:before", "标题")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        notifications.notify(user.id, "test:in-savepoint", "标题")
        raise RuntimeError("undo the savepoint")
    with db.session.begin_nested():
        notifications.notify(user.id, "test:released", "标题")
    assert SENT == []  # a released savepoint waits for the outermost commit
    db.session.commit()
    assert keys() == ["test:before", "test:released"]
    assert not stored("test:in-savepoint")


def test_a_failing_sender_is_logged_and_the_commit_stands(senders, user, caplog):
    senders("fail", "record")
    notifications.notify(user.id, "test:failing", "标题")
    with caplog.at_level(logging.ERROR):
        db.session.commit()
    assert keys() == ["test:failing"]  # the next sender still ran
    failures = [entry for entry in caplog.records if "notification sender" in entry.getMessage()]
    assert len(failures) == 1
    assert f"{__name__}:fail" in failures[0].getMessage()
    assert "test:failing" in failures[0].getMessage()
    assert failures[0].exc_info[0] is RuntimeError
    db.session.remove()
    assert stored("test:failing")


def test_a_sender_cannot_query_the_committed_session_and_is_logged(senders, user, caplog):
    senders("query_through_the_session", "record")
    notifications.notify(user.id, "test:querying", "标题")
    with caplog.at_level(logging.ERROR):
        db.session.commit()
    assert keys() == ["test:querying"]
    assert any("query_through_the_session" in entry.getMessage() for entry in caplog.records)
    assert stored("test:querying")


def test_the_listeners_are_bound_to_the_apps_session_only():
    """The outbox that sends notifications after the commit (`timebank.database.after_commit`)."""
    for name, listener in (("after_commit", database._run_committed),
                           ("after_soft_rollback", database._drop_rolled_back),
                           ("after_transaction_end", database._drop_uncommitted)):
        assert event.contains(db.session, name, listener)
        assert not event.contains(Session, name, listener)


# --- through a request ------------------------------------------------------------------------

@pytest.fixture
def notifying_views(app, user):
    """Two JSON views that notify `user`: one commits, one fails after notifying."""
    user_id = user.id  # read here: the views run in sessions of their own

    def commits():
        notifications.notify(user_id, "test:view-commits", "标题")
        db.session.commit()
        return {"ok": True}

    def fails():
        notifications.notify(user_id, "test:view-fails", "标题")
        raise Conflict("refused after the notification was written", code="test_refused")

    app.add_url_rule("/api/v1/test-notify-commits", "test_notify_commits", commits,
                     methods=["POST"])
    app.add_url_rule("/api/v1/test-notify-fails", "test_notify_fails", fails, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_request_that_commits_sends_and_one_that_fails_does_not(client, senders,
                                                                   notifying_views):
    assert client.post("/api/v1/test-notify-fails", json={}).status_code == 409
    assert SENT == []
    assert client.post("/api/v1/test-notify-commits", json={}).status_code == 200
    assert keys() == ["test:view-commits"]
    assert not stored("test:view-fails") and stored("test:view-commits")

