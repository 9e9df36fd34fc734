"""Notices reach people through the outbox: written with the change, sent after the commit.

`notify` writes the inbox row and one delivery row per channel in the caller's transaction; the
delivery worker (`timebank.notifications.delivery`) sends what has committed, retries what
failed with backoff, keeps what it gives up on, holds SMS in quiet hours, and two workers never
send one message twice.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.concurrency import run_at_once
from tests.conftest import SHANGHAI, instant_id
from timebank import database
from timebank.clock import now
from timebank.errors import Conflict
from timebank.extensions import db
from timebank.notifications import delivery, wechat
from timebank.notifications import services as notifications
from timebank.notifications.models import Delivery, DeliveryStatus, Notification
from timebank.notifications.sms import SmsError


@pytest.fixture
def user(make_user):
    return make_user()


class FlakyGateway:
    """Fails its first `failures` messages, then records like `RecordingGateway`."""

    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[tuple[str, str]] = []
        self.tries = 0

    def send(self, phone, text, *, template="", params=None):
        self.tries += 1
        if self.failures:
            self.failures -= 1
            raise SmsError("the provider is down")
        self.sent.append((phone, text))


@pytest.fixture
def flaky(app):
    def install(failures):
        gateway = FlakyGateway(failures)
        app.extensions["timebank.sms"] = gateway
        return gateway

    return install


def deliveries(key: str | None = None) -> list[Delivery]:
    db.session.rollback()  # read what has committed
    statement = select(Delivery).join(Delivery.notification).order_by(Delivery.id)
    if key is not None:
        statement = statement.where(Notification.key == key)
    return list(db.session.scalars(statement))


def stored(key: str) -> bool:
    return db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None


# --- the outbox ----------------------------------------------------------------------------------

def test_a_notice_is_written_with_its_delivery_and_sent_after_the_commit(sms, user):
    written = notifications.notify(user.id, "reminder:1", "明天：长者探访", "12-17 09:00 在活动室。",
                                   link="/volunteer/activities/1", params={"when": "12-17 09:00"})
    assert written.kind == "reminder"
    assert [(d.channel, d.status) for d in written_deliveries(written)] == [("sms", "pending")]
    assert sms.sent == []  # written, not sent: nothing leaves inside the transaction
    db.session.commit()
    assert sms.sent == []  # nor at the commit: the worker sends
    assert delivery.deliver_due() == {"sent": 1, "retry": 0, "failed": 0, "deferred": 0}
    assert sms.sent == [(user.phone, "明天：长者探访。12-17 09:00 在活动室。")]
    assert sms.templates[0][1:] == ("reminder", {"title": "明天：长者探访",
                                                  "body": "12-17 09:00 在活动室。",
                                                  "when": "12-17 09:00"})
    [sent] = deliveries()
    assert (sent.status, sent.attempts, sent.claimed_by) == ("sent", 1, None)
    assert sent.sent_at is not None
    assert delivery.deliver_due()["sent"] == 0  # sent once
    assert notifications.notify(user.id, "reminder:1", "again") is None  # the same key: nothing
    db.session.commit()
    assert len(deliveries()) == 1 and len(sms.sent) == 1


def written_deliveries(notification):
    return list(db.session.scalars(select(Delivery).where(
        Delivery.notification_id == notification.id)))


def test_a_rolled_back_action_sends_nothing(sms, user):
    notifications.notify(user.id, "reminder:2", "标题")
    db.session.rollback()
    db.session.commit()
    assert not stored("reminder:2") and deliveries() == []
    assert delivery.deliver_due()["sent"] == 0
    assert sms.sent == []


def test_a_rolled_back_savepoint_drops_only_its_notices(sms, user):
    notifications.notify(user.id, "reminder:3", "标题")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        notifications.notify(user.id, "reminder:4", "标题")
        raise RuntimeError("undo the savepoint")
    db.session.commit()
    assert [d.notification.key for d in deliveries()] == ["reminder:3"]
    delivery.deliver_due()
    assert len(sms.sent) == 1


@pytest.fixture
def notifying_views(app, user):
    """Two JSON views that notify `user`: one commits, one fails after notifying."""
    user_id = user.id

    def commits():
        notifications.notify(user_id, "reminder:view-commits", "标题")
        db.session.commit()
        return {"ok": True}

    def fails():
        notifications.notify(user_id, "reminder:view-fails", "标题")
        raise Conflict("refused after the notice was written", code="test_refused")

    app.add_url_rule("/api/v1/test-notify-commits", "test_notify_commits", commits,
                     methods=["POST"])
    app.add_url_rule("/api/v1/test-notify-fails", "test_notify_fails", fails, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_failed_request_leaves_no_notice_and_a_down_provider_fails_no_request(
        client, flaky, notifying_views):
    gateway = flaky(failures=100)
    assert client.post("/api/v1/test-notify-fails", json={}).status_code == 409
    assert client.post("/api/v1/test-notify-commits", json={}).status_code == 200
    assert gateway.tries == 0  # the request never calls the provider
    assert [d.notification.key for d in deliveries()] == ["reminder:view-commits"]
    assert not stored("reminder:view-fails")


@pytest.mark.frozen_clock
def test_a_failing_sender_is_retried_with_backoff_and_the_notice_kept(flaky, user, pinned_clock):
    gateway = flaky(failures=2)
    notifications.notify(user.id, "reminder:5", "明天：长者探访")
    db.session.commit()
    start = now()
    assert delivery.deliver_due() == {"sent": 0, "retry": 1, "failed": 0, "deferred": 0}
    [kept] = deliveries()
    assert (kept.status, kept.attempts) == ("pending", 1)
    assert kept.next_attempt_at == start + timedelta(minutes=1)
    assert "the provider is down" in kept.last_error and kept.claimed_by is None
    assert delivery.deliver_due()["retry"] == 0  # not due yet: nothing tried
    assert gateway.tries == 1

    pinned_clock.shift(timedelta(minutes=1))
    assert delivery.deliver_due()["retry"] == 1
    [kept] = deliveries()
    assert (kept.status, kept.attempts) == ("pending", 2)
    assert kept.next_attempt_at == start + timedelta(minutes=1 + 5)

    pinned_clock.shift(timedelta(minutes=5))
    assert delivery.deliver_due()["sent"] == 1
    [sent] = deliveries()
    assert (sent.status, sent.attempts) == ("sent", 3)
    assert gateway.sent == [(user.phone, "明天：长者探访")]


@pytest.mark.frozen_clock
def test_after_the_last_retry_a_notice_is_marked_failed_and_kept(app, flaky, user, pinned_clock):
    app.config["NOTICE_RETRY_MINUTES"] = (1, 5)
    flaky(failures=100)
    notifications.notify(user.id, "reminder:6", "标题")
    db.session.commit()
    results = []
    for wait in (0, 1, 5):
        pinned_clock.shift(timedelta(minutes=wait))
        results.append(delivery.deliver_due())
    assert [r["retry"] for r in results] == [1, 1, 0] and results[-1]["failed"] == 1
    [given_up] = deliveries()
    assert (given_up.status, given_up.attempts) == ("failed", 3)
    assert stored("reminder:6")  # the inbox keeps it
    pinned_clock.shift(timedelta(days=1))
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}


def test_a_worker_that_died_holding_a_notice_lets_it_go_when_its_claim_runs_out(
        sms, user, pinned_clock):
    notifications.notify(user.id, "reminder:7", "标题")
    db.session.commit()
    _token, claimed = delivery.claim()  # and then the worker dies
    assert len(claimed) == 1
    assert delivery.deliver_due()["sent"] == 0
    pinned_clock.shift(timedelta(minutes=delivery.CLAIM_MINUTES, seconds=1))
    assert delivery.deliver_due()["sent"] == 1
    assert len(sms.sent) == 1


class SlowGateway:
    """Records, slowly, from many threads: a second worker has time to try the same row."""

    def __init__(self):
        import threading

        self.sent: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def send(self, phone, text, *, template="", params=None):
        import time

        time.sleep(0.01)
        with self.lock:
            self.sent.append((phone, text))


def test_two_concurrent_deliverers_never_send_one_notice_twice(app, make_user, monkeypatch):
    monkeypatch.setattr(delivery, "BATCH", 2)  # small claims, so the workers interleave
    gateway = SlowGateway()
    app.extensions["timebank.sms"] = gateway
    people = [make_user() for _ in range(3)]
    for index in range(30):
        notifications.notify(people[index % 3].id, f"reminder:{index}", f"提醒{index}")
    db.session.commit()
    results = run_at_once(app, lambda i: delivery.deliver_due(), threads=4)
    assert not [result for result in results if isinstance(result, Exception)], results
    assert sum(result["sent"] for result in results) == 30
    assert sum(1 for result in results if result["sent"]) >= 2  # they did share the work
    assert sorted(text for _phone, text in gateway.sent) == sorted(f"提醒{i}" for i in range(30))
    assert {d.status for d in deliveries()} == {"sent"}
    assert {d.attempts for d in deliveries()} == {1}


# --- channels and the member's choice ------------------------------------------------------------

def test_channels_follow_the_kind_and_the_members_choice(app, make_user):
    recorder = wechat.RecordingWeChat()
    app.extensions[wechat.EXTENSION] = recorder
    both, no_sms, no_openid = make_user(), make_user(), make_user()
    both.wechat_openid, no_sms.wechat_openid = "o-both", "o-no-sms"
    notifications.set_channels(no_sms, sms=False, wechat_on=True)
    db.session.commit()
    for person in (both, no_sms, no_openid):
        notifications.notify(person.id, f"reminder:{person.id}", "明天：长者探访")
        notifications.notify(person.id, f"signup_confirmed:{person.id}", "已报名：长者探访")
        notifications.notify(person.id, f"pool_grant:{person.id}", "您收到了时间币")
    db.session.commit()
    sent = {(d.notification.user_id, d.notification.kind, d.channel) for d in deliveries()}
    assert sent == {
        (both.id, "reminder", "sms"), (both.id, "reminder", "wechat"),
        (both.id, "signup_confirmed", "wechat"),  # a confirmation is not worth a text
        (no_sms.id, "reminder", "wechat"), (no_sms.id, "signup_confirmed", "wechat"),
        (no_openid.id, "reminder", "sms"),  # no openid: skipped for WeChat
    }
    delivery.deliver_due()
    assert recorder.to("o-both") == ["明天：长者探访", "已报名：长者探访"]
    assert recorder.sent[0]["kind"] == "reminder"


def test_without_a_service_account_nothing_goes_by_wechat(app, make_user):
    assert app.extensions[wechat.EXTENSION] is None
    person = make_user()
    person.wechat_openid = "o-1"
    db.session.commit()
    notifications.notify(person.id, "reminder:9", "明天")
    db.session.commit()
    assert [d.channel for d in deliveries()] == ["sms"]


def test_kinds_come_from_the_keys():
    assert notifications.kind_of("reminder:12") == "reminder"
    assert notifications.kind_of("activity_changed:3:9:2") == "activity_changed"
    assert notifications.kind_of("help:3:chosen:9") == "help_chosen"
    assert notifications.kind_of("matching-unfilled:4") == "matching_unfilled"


# --- quiet hours ---------------------------------------------------------------------------------

QUIET_CASES = [
    # (local instant, when the SMS may go)
    (datetime(2026, 12, 16, 20, 59, tzinfo=SHANGHAI), datetime(2026, 12, 16, 20, 59, tzinfo=SHANGHAI)),
    (datetime(2026, 12, 16, 21, 0, tzinfo=SHANGHAI), datetime(2026, 12, 17, 8, 0, tzinfo=SHANGHAI)),
    (datetime(2026, 12, 17, 7, 59, tzinfo=SHANGHAI), datetime(2026, 12, 17, 8, 0, tzinfo=SHANGHAI)),
    (datetime(2026, 12, 17, 8, 0, tzinfo=SHANGHAI), datetime(2026, 12, 17, 8, 0, tzinfo=SHANGHAI)),
]


@pytest.fixture
def instant(request):
    return request.param


@pytest.mark.frozen_clock
@pytest.mark.parametrize(("instant", "allowed"), QUIET_CASES, ids=[instant_id(c[0]) for c in QUIET_CASES],
                         indirect=["instant"])
def test_no_sms_in_quiet_hours(sms, user, instant, allowed):
    notifications.notify(user.id, "reminder:10", "明天：长者探访")
    db.session.commit()
    [waiting] = deliveries()
    assert waiting.next_attempt_at == allowed
    counts = delivery.deliver_due()
    assert counts["sent"] == (1 if allowed == instant else 0)
    assert len(sms.sent) == counts["sent"]


URGENT_CASES = [
    # (now, the activity starts, the SMS may go)
    (datetime(2026, 12, 16, 22, 0, tzinfo=SHANGHAI), datetime(2026, 12, 16, 23, 0, tzinfo=SHANGHAI), "now"),
    (datetime(2026, 12, 17, 6, 30, tzinfo=SHANGHAI), datetime(2026, 12, 17, 9, 0, tzinfo=SHANGHAI), "now"),
    (datetime(2026, 12, 16, 23, 0, tzinfo=SHANGHAI), datetime(2026, 12, 17, 7, 0, tzinfo=SHANGHAI), "now"),
    (datetime(2026, 12, 16, 22, 0, tzinfo=SHANGHAI), datetime(2026, 12, 17, 14, 0, tzinfo=SHANGHAI), "08:00"),
]


@pytest.mark.frozen_clock
@pytest.mark.parametrize(("instant", "starts", "goes"), URGENT_CASES,
                         ids=[f"{instant_id(c[0])}-{c[1]:%d%H%M}" for c in URGENT_CASES],
                         indirect=["instant"])
def test_a_change_close_at_hand_is_texted_even_in_quiet_hours(sms, user, instant, starts, goes):
    for kind in ("activity_changed", "reminder"):
        notifications.notify(user.id, f"{kind}:1:{user.id}", "有变", about=starts)
    db.session.commit()
    by_kind = {d.notification.kind: d for d in deliveries()}
    eight = (instant + timedelta(hours=12)).replace(hour=8, minute=0) if instant.hour >= 21 \
        else instant.replace(hour=8, minute=0)
    assert by_kind["activity_changed"].next_attempt_at == (instant if goes == "now" else eight)
    assert by_kind["activity_changed"].urgent is (goes == "now")
    assert by_kind["reminder"].next_attempt_at == eight  # only changes are urgent


@pytest.mark.frozen_clock
def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(flaky, user, pinned_clock):
    pinned_clock.move_to(datetime(2026, 12, 16, 20, 50, tzinfo=SHANGHAI))
    flaky(failures=2)
    notifications.notify(user.id, "reminder:11", "标题")
    db.session.commit()
    delivery.deliver_due()  # 20:50: fails, again at 20:51
    pinned_clock.shift(timedelta(minutes=1))
    delivery.deliver_due()  # 20:51: fails, again at 20:56
    pinned_clock.move_to(datetime(2026, 12, 16, 21, 30, tzinfo=SHANGHAI))  # the worker was late
    assert delivery.deliver_due() == {"sent": 0, "retry": 0, "failed": 0, "deferred": 1}
    [waiting] = deliveries()
    assert waiting.next_attempt_at == datetime(2026, 12, 17, 8, 0, tzinfo=SHANGHAI)
    assert waiting.attempts == 2  # a deferral is not a try


# --- the worker's surfaces -----------------------------------------------------------------------

def test_the_deliver_command_runs_one_pass(runner, sms, user):
    notifications.notify(user.id, "reminder:12", "标题")
    db.session.commit()
    result = runner.invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(sms.sent) == 1


def test_the_scheduler_delivers_every_minute(app, sms, user):
    function, trigger = app.extensions["timebank.jobs"]["deliver-notices"]
    assert trigger == {"trigger": "interval", "minutes": 1}
    notifications.notify(user.id, "reminder:13", "标题")
    db.session.commit()
    assert function() == 1 and len(sms.sent) == 1


def test_the_listeners_are_bound_to_the_apps_session_only():
    """The after-commit actions (one-time SMS codes: `timebank.database.after_commit`)."""
    for name, listener in (("after_commit", database._run_committed),
                           ("after_soft_rollback", database._drop_rolled_back),
                           ("after_transaction_end", database._drop_uncommitted)):
        assert event.contains(db.session, name, listener)
        assert not event.contains(Session, name, listener)


def test_a_delivery_row_says_what_happened(sms, user):
    notifications.notify(user.id, "reminder:14", "标题")
    db.session.commit()
    [pending] = deliveries()
    assert pending.status == DeliveryStatus.PENDING and pending.attempts == 0


# --- a text to a bare phone (someone who is not a member) ---------------------------------------

@pytest.mark.frozen_clock
@pytest.mark.parametrize("instant", [datetime(2026, 12, 16, 22, 30, tzinfo=SHANGHAI)],
                         ids=instant_id)
def test_a_bare_phone_is_texted_through_the_outbox_after_the_quiet_hours(app, sms, instant,
                                                                         pinned_clock):
    first = notifications.notify_phone("13812345678", "complaint_received:1:1:sms",
                                       "您的投诉已收到", "编号TS-2026-12-ABCDEF", kind="complaint")
    again = notifications.notify_phone("13812345678", "complaint_received:1:1:sms", "重复")
    db.session.commit()
    assert first is not None and again is None
    assert first.user_id is None and first.phone == "13812345678"
    row = db.session.scalar(select(Delivery).where(Delivery.notification_id == first.id))
    assert row.channel == "sms" and row.next_attempt_at == datetime(2026, 12, 17, 8, 0,
                                                                     tzinfo=SHANGHAI)
    assert delivery.deliver_due()["sent"] == 0  # 22:30: it waits for 08:00
    pinned_clock.move_to(datetime(2026, 12, 17, 8, 1, tzinfo=SHANGHAI))
    assert delivery.deliver_due()["sent"] == 1
    assert sms.to("13812345678") == ["您的投诉已收到。编号TS-2026-12-ABCDEF"]
    assert sms.templates[0][1] == "complaint"
