"""Follow-up calls (群众随访): the rules.

* **The queue** (`queue_month`): for a station and a month, the residents it served then are
  the households visited (`visits`, recorded by staff or approved) and the requesters of
  mutual-aid help that took place in one of its communities and was completed. A sample of
  them is queued: ``FOLLOW_UP_SAMPLE_PERCENT`` per cent (rounded up), but at least
  ``FOLLOW_UP_SAMPLE_MINIMUM`` when there are that many (all of them when fewer), drawn by a
  random generator seeded with the station and the month, so a rerun draws the same people
  and adds nobody twice (one row per station, month and person: a unique index). A rerun after
  late records tops the queue up to the size, never past it.
* **The job** (`queue_last_month`): on the 1st of each month, last month's queue for every
  station; staff may also press 生成本月随访名单.
* **Calls** (`record_outcome`): reached, not reached or refused, with satisfaction 1–5 (when
  reached) and a note; who and when are kept and audited. A call may be recorded again (a
  second try after "not reached").

Services flush and never commit.
"""

import math
import random
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from timebank.accounts.models import User
from timebank.audit import services as audit
from timebank.clock import local, month_bounds, now, shift_month
from timebank.errors import InvalidInput, NotFound
from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Community, Station, Town
from timebank.settings import services as settings
from volunteers.followups.models import OUTCOMES, FollowUp, FollowUpStatus
from volunteers.visits.models import Visit, VisitStatus

NOTE_MAX = 2000
#: Visits that are a service given (a volunteer's waiting or refused record is not).
SERVED_VISITS = (VisitStatus.RECORDED, VisitStatus.APPROVED)


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, number = (int(part) for part in month.split("-"))
        if len(month) != 7 or not 1 <= number <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise InvalidInput(fields={"month": [_("Give the month as YYYY-MM, such as 2026-03.")]}) \
            from None
    return year, number


def last_month(at: datetime | None = None) -> str:
    here = local(at or now())
    year, month = shift_month(here.year, here.month, -1)
    return f"{year:04d}-{month:02d}"


def served(station_id: int, month: str) -> list[tuple[str, str, int]]:
    """Who `station_id` served in `month`: (subject, source, id) without repeats, in order."""
    year, number = parse_month(month)
    start, end = month_bounds(year, number)
    first, after = date(year, number, 1), local(end).date()
    found: dict[str, tuple[str, str, int]] = {}
    for household_id in db.session.scalars(
            select(Visit.household_id).where(
                Visit.station_id == station_id, Visit.visited_on >= first,
                Visit.visited_on < after, Visit.status.in_(SERVED_VISITS))
            .distinct().order_by(Visit.household_id)):
        found.setdefault(f"household:{household_id}", (f"household:{household_id}", "visit",
                                                       household_id))
    for user_id in db.session.scalars(
            select(HelpRequest.requester_id).join(Community, Community.id == HelpRequest.community_id)
            .join(Town, Town.id == Community.town_id).join(Station, Station.town_id == Town.id)
            .where(Station.id == station_id, HelpRequest.status == RequestStatus.DONE,
                   HelpRequest.starts_at >= start, HelpRequest.starts_at < end)
            .distinct().order_by(HelpRequest.requester_id)):
        found.setdefault(f"user:{user_id}", (f"user:{user_id}", "mutual_aid", user_id))
    return sorted(found.values())


def sample_size(total: int) -> int:
    if total <= 0:
        return 0
    share = math.ceil(total * settings.value("FOLLOW_UP_SAMPLE_PERCENT") / 100)
    return min(total, max(share, settings.value("FOLLOW_UP_SAMPLE_MINIMUM")))


def queue_month(station_id: int, month: str, *, by: User | None = None) -> list[FollowUp]:
    """Queue the sample of `month`'s residents served for `station_id`; the rows added."""
    if by is not None:
        org.require_station_staff(by, station_id)
    everyone = served(station_id, month)
    size = sample_size(len(everyone))
    queued = set(db.session.scalars(select(FollowUp.subject).where(
        FollowUp.station_id == station_id, FollowUp.month == month)))
    wanted = size - len(queued)
    if wanted <= 0:
        return []
    # Seeded, so that the same month draws the same people (a sample, not a secret).
    seeded = random.Random(f"follow-ups:{station_id}:{month}")  # noqa: S311
    drawn = seeded.sample(everyone, len(everyone))
    added = []
    for subject, source, row_id in drawn:
        if len(added) >= wanted:
            break
        if subject in queued:
            continue
        follow_up = FollowUp(station_id=station_id, month=month, subject=subject, source=source,
                             household_id=row_id if source == "visit" else None,
                             user_id=row_id if source == "mutual_aid" else None)
        db.session.add(follow_up)
        added.append(follow_up)
    db.session.flush()
    audit.record("follow_up.queue", f"station:{station_id}", actor=by, month=month,
                 served=len(everyone), added=len(added), size=size)
    return added


def queue_last_month(at: datetime | None = None) -> int:
    """The scheduled job: last month's queue for every station; the rows added."""
    month = last_month(at)
    return sum(len(queue_month(station.id, month)) for station in org.all_stations())


def get_follow_up(follow_up_id: int) -> FollowUp:
    row = db.session.get(FollowUp, follow_up_id)
    if row is None:
        raise NotFound(_("There is no such follow-up call."), code="follow_up_not_found")
    return row


def station_follow_up(viewer: User, follow_up_id: int) -> FollowUp:
    row = get_follow_up(follow_up_id)
    org.require_station_staff(viewer, row.station_id)
    return row


def record_outcome(row: FollowUp, *, by: User, outcome: str, satisfaction: int | None = None,
                   note: str | None = None) -> FollowUp:
    org.require_station_staff(by, row.station_id)
    if outcome not in OUTCOMES:
        raise InvalidInput(fields={"outcome": [_("Choose reached, not reached or refused.")]})
    if satisfaction is not None and (outcome != FollowUpStatus.REACHED
                                     or not 1 <= satisfaction <= 5):
        raise InvalidInput(fields={"satisfaction": [_(
            "Satisfaction is 1 to 5, and only for someone reached.")]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(fields={"note": [_("At most %(num)d characters.", num=NOTE_MAX)]})
    row.status, row.satisfaction, row.note = outcome, satisfaction, note
    row.called_by_id, row.called_at = by.id, now()
    db.session.flush()
    audit.record("follow_up.outcome", f"follow_up:{row.id}", actor=by, outcome=outcome,
                 satisfaction=satisfaction, month=row.month)
    return row


def month_statement(station_id: int | None, month: str):
    statement = select(FollowUp).where(FollowUp.month == month)
    if station_id is not None:
        statement = statement.where(FollowUp.station_id == station_id)
    return statement.order_by(FollowUp.station_id, FollowUp.id)


def progress(station_id: int | None, month: str) -> dict[str, int]:
    """How many of the month's calls are in each status, and the total."""
    statement = select(FollowUp.status, func.count(FollowUp.id)).where(FollowUp.month == month)
    if station_id is not None:
        statement = statement.where(FollowUp.station_id == station_id)
    counts = dict(db.session.execute(statement.group_by(FollowUp.status)).all())
    result = {status.value: counts.get(status.value, 0) for status in FollowUpStatus}
    result["total"] = sum(counts.values())
    return result


def average_satisfaction(station_id: int | None, month: str) -> float | None:
    statement = select(func.avg(FollowUp.satisfaction)).where(
        FollowUp.month == month, FollowUp.satisfaction.is_not(None))
    if station_id is not None:
        statement = statement.where(FollowUp.station_id == station_id)
    value = db.session.scalar(statement)
    return round(float(value), 1) if value is not None else None


def who(row: FollowUp) -> tuple[str, object | None]:
    """The name to call and the person or household (for the phone, shown masked)."""
    if row.household is not None:
        return (row.household.called or row.household.name), row.household
    if row.user is not None:
        return row.user.name, row.user
    return "", None
