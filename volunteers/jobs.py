"""Scheduled jobs of the coordination layer: each one call into a service, safe to run twice."""

from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.matching import services as match_runs


def close_forgotten_checkins() -> int:
    return checkins.close_forgotten()


def mark_no_shows() -> int:
    return checkins.mark_no_shows()


def remind_tomorrow() -> int:
    return activities.remind_tomorrow()


def propose_next_month() -> int:
    """Match next month's published activities, once per station, and tell its social workers."""
    return len(match_runs.propose_for_stations(*match_runs.next_month()))


#: name → (function, APScheduler trigger arguments); registered by `volunteers.init_app`.
JOBS = {
    "close-forgotten-checkins": (close_forgotten_checkins, {"trigger": "interval", "minutes": 10}),
    "mark-no-shows": (mark_no_shows, {"trigger": "interval", "minutes": 30}),
    "remind-tomorrow": (remind_tomorrow, {"trigger": "cron", "hour": "9,18", "minute": 0}),
    "propose-next-month": (propose_next_month, {"trigger": "cron", "day": 20, "hour": 9, "minute": 0}),
}
