"""Notifications: an in-app inbox for every user, and an outbox for SMS and WeChat.

`notify` is idempotent on its key (``reminder:<sign-up id>``), so a scheduled job can run twice
without telling anyone twice. In the caller's transaction it writes the inbox row and, for each
channel the notice should take, a delivery row (`Delivery`, the outbox). Nothing leaves the
process inside the request: the delivery worker (`timebank.notifications.delivery`, run by the
scheduler every minute or by ``flask notifications deliver``) sends what has committed, so a
rolled-back action never texts anyone and a provider that is down never fails a request.

Which channels a notice takes:

* the in-app inbox: always;
* ``sms``: kinds in `SMS_KINDS` (what cannot wait: an activity changed or cancelled, tomorrow's
  reminder, a place from the waiting list, an invitation, being chosen as a helper), when the
  member has not turned SMS off (`User.notice_sms`, on by default);
* ``wechat``: kinds in `WECHAT_KINDS` (the above, and sign-ups confirmed and hours decided),
  when the district's service account is configured, the member has an openid and has not
  turned WeChat off (`User.notice_wechat`, on by default).

Quiet hours: an SMS written between 21:00 and 08:00 (the platform's zone) waits until 08:00,
unless it tells of a change to an activity that starts today or before the quiet hours end.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import local, now
from timebank.extensions import db
from timebank.notifications import wechat
from timebank.notifications.models import Delivery, Notification

#: Notices that go out by text message as well (each costs the district a message).
SMS_KINDS = frozenset({"activity_changed", "activity_cancelled", "reminder", "signup_promoted",
                       "invite", "help_chosen"})
#: Notices that go out as WeChat template messages as well.
WECHAT_KINDS = SMS_KINDS | {"signup_confirmed", "hours_approved", "hours_adjusted",
                            "hours_rejected", "correction_resolved"}
#: Changes that may be texted in quiet hours when the activity is that close.
URGENT_KINDS = frozenset({"activity_changed", "activity_cancelled"})
CHANNELS = ("sms", "wechat")


def kind_of(key: str) -> str:
    """The kind of a notice from its key: the first part (``reminder:7`` → ``reminder``);
    mutual-aid notices name their step third (``help:3:chosen:9`` → ``help_chosen``)."""
    parts = key.split(":")
    if parts[0] == "help" and len(parts) > 2:
        return f"help_{parts[2]}"
    return parts[0].replace("-", "_")


def notify(user_id: int, key: str, title: str, body: str = "", link: str | None = None, *,
           kind: str | None = None, params: dict | None = None,
           about: datetime | None = None) -> Notification | None:
    """Tell a user something once; returns None if `key` was already sent.

    `params` are the template parameters of the SMS or WeChat message; `about` is when what the
    notice tells of happens (an activity's start), which lets a change close at hand through
    the quiet hours."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=user_id, key=key, kind=kind or kind_of(key), title=title,
                                body=body, link=link, params=params or None)
    db.session.add(notification)
    db.session.flush()
    _queue(notification, about)
    return notification


def notify_phone(phone: str, key: str, title: str, body: str = "", link: str | None = None, *,
                 kind: str | None = None, params: dict | None = None) -> Notification | None:
    """Text a phone that belongs to no member (a complainant who left a contact) once, through
    the outbox like any notice: no inbox, only an ``sms`` delivery, sent after the commit and
    waiting out the quiet hours. Returns None if `key` was already sent."""
    if db.session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
        return None
    notification = Notification(user_id=None, phone=phone, key=key, kind=kind or kind_of(key),
                                title=title[:120], body=(body or "")[:1000], link=link,
                                params=params or None)
    db.session.add(notification)
    db.session.flush()
    db.session.add(Delivery(notification_id=notification.id, channel="sms",
                            next_attempt_at=sms_allowed_from(now())))
    db.session.flush()
    return notification


def channels_for(user: User, kind: str) -> list[str]:
    """The channels beside the inbox that a notice of `kind` takes to `user`."""
    if user is None or not user.active:
        return []
    chosen = []
    if kind in SMS_KINDS and user.notice_sms and user.phone:
        chosen.append("sms")
    if kind in WECHAT_KINDS and user.notice_wechat and user.wechat_openid \
            and wechat.client() is not None:
        chosen.append("wechat")
    return chosen


def _queue(notification: Notification, about: datetime | None) -> None:
    user = db.session.get(User, notification.user_id)
    moment = now()
    urgent = notification.kind in URGENT_KINDS and about is not None and _close_at_hand(about, moment)
    for channel in channels_for(user, notification.kind):
        due = moment if channel != "sms" else sms_allowed_from(moment, urgent=urgent)
        db.session.add(Delivery(notification_id=notification.id, channel=channel,
                                next_attempt_at=due, urgent=urgent))
    db.session.flush()


# --- quiet hours -------------------------------------------------------------------------------

def quiet_hours() -> tuple[int, int]:
    """(the hour quiet begins, the hour it ends), local time: (21, 8) unless configured."""
    start, end = current_app.config["NOTICE_QUIET_HOURS"]
    return int(start), int(end)


def _quiet_ends(moment: datetime) -> datetime | None:
    """When the quiet hours around `moment` end, or None when `moment` is not in them."""
    start, end = quiet_hours()
    here = local(moment)
    if here.hour >= start:
        return (here + timedelta(days=1)).replace(hour=end, minute=0, second=0, microsecond=0)
    if here.hour < end:
        return here.replace(hour=end, minute=0, second=0, microsecond=0)
    return None


def _close_at_hand(about: datetime, moment: datetime) -> bool:
    """`about` is today (the platform's zone), or before the quiet hours around `moment` end."""
    ends = _quiet_ends(moment)
    return local(about).date() == local(moment).date() or (ends is not None and about < ends)


def sms_allowed_from(moment: datetime, *, urgent: bool = False) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (an urgent text does not wait)."""
    ends = None if urgent else _quiet_ends(moment)
    return moment if ends is None else ends


# --- the inbox ---------------------------------------------------------------------------------

def unread_count(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def inbox(user):
    """A select of `user`'s notifications, newest first (for a page or the API)."""
    return select(Notification).where(Notification.user_id == user.id) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())


def set_channels(user: User, *, sms: bool, wechat_on: bool) -> None:
    """The member's choice of channels beside the inbox (the inbox is always on)."""
    user.notice_sms, user.notice_wechat = bool(sms), bool(wechat_on)
    audit.record("notifications.channels", f"user:{user.id}", actor=user, sms=user.notice_sms,
                 wechat=user.notice_wechat)
    db.session.flush()
