"""Scheduled jobs of the coordination layer: each one call into a service, safe to run twice."""

from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.complaints import services as complaints
from volunteers.evidence import services as evidence
from volunteers.followups import services as followups
from volunteers.matching import services as match_runs
from volunteers.reporting import summaries as report_summaries


def close_forgotten_checkins() -> int:
    return checkins.close_forgotten()


def mark_no_shows() -> int:
    return checkins.mark_no_shows()


def remind_tomorrow() -> int:
    return activities.remind_tomorrow()


def propose_next_month() -> int:
    """Match next month's published activities, once per station, and tell its social workers."""
    return len(match_runs.propose_for_stations(*match_runs.next_month()))


def escalate_overdue_complaints() -> int:
    """Complaints past their deadline: escalated to the district, once per deadline."""
    return complaints.escalate_overdue()


def queue_follow_ups() -> int:
    """Last month's follow-up calls for every station (a rerun adds nobody twice)."""
    return followups.queue_last_month()


def sweep_evidence_files() -> int:
    """Photo files no row names (a process died before its commit), once they are old."""
    return evidence.sweep_orphan_files()


def refresh_report_summaries() -> int:
    """The dashboards' monthly summaries of this month and the last, built again (see
    `reporting.summaries` for why rebuilds and not upkeep in each transaction)."""
    return report_summaries.rebuild(report_summaries.RECENT_MONTHS)


def rebuild_report_summaries() -> int:
    """Every month's summaries built again: follows late changes to older months."""
    return report_summaries.rebuild()


#: name → (function, APScheduler trigger arguments); registered by `volunteers.init_app`.
JOBS = {
    "close-forgotten-checkins": (close_forgotten_checkins, {"trigger": "interval", "minutes": 10}),
    "mark-no-shows": (mark_no_shows, {"trigger": "interval", "minutes": 30}),
    "remind-tomorrow": (remind_tomorrow, {"trigger": "cron", "hour": "9,18", "minute": 0}),
    "propose-next-month": (propose_next_month, {"trigger": "cron", "day": 20, "hour": 9, "minute": 0}),
    "escalate-overdue-complaints": (escalate_overdue_complaints,
                                    {"trigger": "cron", "minute": 5}),
    "queue-follow-ups": (queue_follow_ups, {"trigger": "cron", "day": 1, "hour": 7, "minute": 30}),
    "sweep-evidence-files": (sweep_evidence_files, {"trigger": "cron", "hour": 3, "minute": 40}),
    "refresh-report-summaries": (refresh_report_summaries,
                                 {"trigger": "interval", "minutes": 15}),
    "rebuild-report-summaries": (rebuild_report_summaries,
                                 {"trigger": "cron", "hour": 2, "minute": 20}),
}
