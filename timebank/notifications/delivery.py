"""The delivery worker: sends the outbox's SMS and WeChat messages after their commit.

`deliver_due` is one pass: it claims the deliveries that are due, sends each, and writes what
happened. The scheduler runs it every minute (job ``deliver-notices``); ``flask notifications
deliver`` runs one pass, or keeps going with ``--loop``.

Rules kept here:

* Claiming is safe with several workers: a claim is a conditional UPDATE (still pending, still
  due) that moves ``next_attempt_at`` a few minutes on and marks the row with the worker's
  token, so a second worker finds nothing to take; on PostgreSQL the candidates are read
  ``FOR UPDATE SKIP LOCKED`` so workers do not even wait for each other. A worker that dies
  holding rows lets them go when the claim runs out (`CLAIM_MINUTES`), and they are tried again.
* Nothing is sent inside a database transaction: each message goes out between the commit of
  its claim and the short transaction that writes its result, so a slow provider never holds
  SQLite's write lock or a PostgreSQL row.
* A failed try is kept, with its error, and tried again after `NOTICE_RETRY_MINUTES` (1, 5,
  30 minutes, 2 and 12 hours); after the last it is marked ``failed`` and kept. An error the
  provider calls permanent (no template, an unfollowed account) fails at once.
* Quiet hours hold for retries too: an SMS due between 21:00 and 08:00 waits for 08:00 unless
  it is urgent (`timebank.notifications.services`).
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin

from flask import current_app
from sqlalchemy import select, update

from timebank.accounts.models import User
from timebank.clock import now
from timebank.database import deferred_begin
from timebank.extensions import db
from timebank.notifications import sms, wechat
from timebank.notifications.models import Delivery, DeliveryStatus, Notification
from timebank.notifications.services import sms_allowed_from

log = logging.getLogger(__name__)

#: How long a worker holds the rows it claimed before another may take them.
CLAIM_MINUTES = 5
#: Rows one claim takes at most.
BATCH = 50


@dataclass(frozen=True)
class Message:
    """What a sender needs, read before the transaction ends (no rows after the commit)."""

    delivery_id: int
    channel: str
    kind: str
    title: str
    body: str
    params: dict
    link: str | None
    phone: str | None
    openid: str | None
    urgent: bool
    attempts: int


def sms_text(title: str, body: str) -> str:
    """The whole text of a message: its title, then its body."""
    if not body:
        return title
    return f"{title}{'' if title[-1:] in '。！？!?' else '。'}{body}"


def retry_minutes() -> tuple[int, ...]:
    return tuple(int(minutes) for minutes in current_app.config["NOTICE_RETRY_MINUTES"])


def _begin_writing():
    """End any transaction of this session; the next begins as a writer (SQLite IMMEDIATE)."""
    db.session.commit()
    return deferred_begin.set(False)


def claim(limit: int = BATCH) -> tuple[str, list[Message]]:
    """Take up to `limit` due deliveries for this worker: (its token, their messages)."""
    token = secrets.token_hex(16)
    writing = _begin_writing()
    try:
        moment = now()
        due = (Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= moment)
        candidates = select(Delivery.id).where(*due).order_by(
            Delivery.next_attempt_at, Delivery.id).limit(limit)
        if db.engine.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list(db.session.scalars(candidates))
        if not ids:
            db.session.commit()
            return token, []
        db.session.execute(
            update(Delivery).where(Delivery.id.in_(ids), *due)
            .values(claimed_by=token, attempts=Delivery.attempts + 1,
                    next_attempt_at=moment + timedelta(minutes=CLAIM_MINUTES))
            .execution_options(synchronize_session=False))
        rows = db.session.execute(
            select(Delivery, User).join(Delivery.notification)
            .outerjoin(User, User.id == Notification.user_id)
            .where(Delivery.claimed_by == token, Delivery.status == DeliveryStatus.PENDING)
            .order_by(Delivery.id).execution_options(populate_existing=True)).all()
        messages = [Message(
            delivery_id=entry.id, channel=entry.channel, kind=entry.notification.kind,
            title=entry.notification.title, body=entry.notification.body or "",
            params=dict(entry.notification.params or {}), link=entry.notification.link,
            phone=user.phone if user is not None else entry.notification.phone,
            openid=user.wechat_openid if user is not None else None, urgent=entry.urgent,
            attempts=entry.attempts) for entry, user in rows]
        db.session.commit()
        return token, messages
    except Exception:
        db.session.rollback()
        raise
    finally:
        deferred_begin.reset(writing)


def send(message: Message) -> None:
    """Hand `message` to its channel's sender; raises what the sender raises."""
    if message.channel == "sms":
        params = {"title": message.title, "body": message.body, **message.params}
        sms.gateway().send(message.phone, sms_text(message.title, message.body),
                           template=message.kind, params=params)
    elif message.channel == "wechat":
        client = wechat.client()
        if client is None:
            raise wechat.WeChatError("WeChat is not configured (WECHAT_APP_ID)")
        base = current_app.config.get("PUBLIC_BASE_URL") or ""
        url = urljoin(base, message.link) if base and message.link else None
        client.send(message.openid, message.kind, title=message.title, body=message.body,
                    params=message.params, url=url)
    else:
        raise ValueError(f"unknown channel {message.channel!r}")


def _record(message: Message, token: str, **values) -> None:
    writing = _begin_writing()
    try:
        db.session.execute(update(Delivery).where(
            Delivery.id == message.delivery_id, Delivery.claimed_by == token)
            .values(claimed_by=None, **values).execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        deferred_begin.reset(writing)


def deliver(message: Message, token: str) -> str:
    """Send one claimed message and write the outcome: sent, retry, failed or deferred."""
    moment = now()
    if message.channel == "sms":
        allowed = sms_allowed_from(moment, urgent=message.urgent)
        if allowed > moment:  # quiet hours: not a try
            _record(message, token, next_attempt_at=allowed, attempts=message.attempts - 1)
            return "deferred"
    try:
        send(message)
    except Exception as error:  # noqa: BLE001 - any failure of a provider is kept and retried
        waits = retry_minutes()
        permanent = getattr(error, "permanent", False)
        text = f"{type(error).__name__}: {error}"[:500]
        if permanent or message.attempts > len(waits):
            log.warning("notice delivery %s (%s) failed for good after %d tries: %s",
                        message.delivery_id, message.channel, message.attempts, text)
            _record(message, token, status=DeliveryStatus.FAILED, last_error=text)
            return "failed"
        retry_at = moment + timedelta(minutes=waits[message.attempts - 1])
        if message.channel == "sms":
            retry_at = sms_allowed_from(retry_at, urgent=message.urgent)
        log.warning("notice delivery %s (%s) failed, try %d; again at %s: %s",
                    message.delivery_id, message.channel, message.attempts, retry_at, text)
        _record(message, token, next_attempt_at=retry_at, last_error=text)
        return "retry"
    _record(message, token, status=DeliveryStatus.SENT, sent_at=now())
    return "sent"


def deliver_due(limit: int = 1000) -> dict[str, int]:
    """One pass: claim and send what is due, batch after batch, up to `limit` messages."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}
    handled = 0
    while handled < limit:
        token, messages = claim(min(BATCH, limit - handled))
        if not messages:
            break
        for message in messages:
            counts[deliver(message, token)] += 1
        handled += len(messages)
    return counts


def deliver_job() -> int:
    """The scheduler's job: one pass; the number of messages sent."""
    return deliver_due()["sent"]
