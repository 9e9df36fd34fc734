"""Scheduled jobs of the coordination layer. Each one is safe to run twice."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from timebank.clock import local, now
from timebank.extensions import db
from timebank.notifications.services import notify
from volunteers.activities.models import Activity, ActivityStatus, SignUp, SignUpStatus
from volunteers.checkins import services as checkins
from volunteers.matching import services as match_runs


def close_forgotten_checkins() -> int:
    return checkins.close_forgotten()


def mark_no_shows() -> int:
    return checkins.mark_no_shows()


def remind_tomorrow() -> int:
    """Remind volunteers of tomorrow's activities (once per sign-up, whenever the job runs)."""
    today = local(now())
    start = (today + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    sign_ups = db.session.scalars(
        select(SignUp).join(SignUp.activity)
        .where(SignUp.status == SignUpStatus.CONFIRMED, Activity.status == ActivityStatus.PUBLISHED,
               Activity.starts_at >= start, Activity.starts_at < end))
    sent = 0
    for entry in sign_ups:
        activity = entry.activity
        if notify(entry.user_id, f"reminder:{entry.id}",
                  _("Tomorrow: %(title)s", title=activity.title),
                  _("%(when)s at %(place)s. Scan the QR code at the event to check in.",
                    when=local(activity.starts_at).strftime("%m-%d %H:%M"),
                    place=activity.place or activity.community.name),
                  link=f"/volunteer/activities/{activity.id}"):
            sent += 1
    return sent


def propose_next_month() -> int:
    """Match next month's published activities, once per station, and tell its social workers."""
    return len(match_runs.propose_for_stations(*match_runs.next_month()))


#: name → (function, APScheduler trigger arguments); registered by `app.create_app`.
JOBS = {
    "close-forgotten-checkins": (close_forgotten_checkins, {"trigger": "interval", "minutes": 10}),
    "mark-no-shows": (mark_no_shows, {"trigger": "interval", "minutes": 30}),
    "remind-tomorrow": (remind_tomorrow, {"trigger": "cron", "hour": "9,18", "minute": 0}),
    "propose-next-month": (propose_next_month, {"trigger": "cron", "day": 20, "hour": 9, "minute": 0}),
}
