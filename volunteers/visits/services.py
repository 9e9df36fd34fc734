"""Visits to registered households: who may record one, who decides a volunteer's, and how an
approved one becomes hours served.

Rules:

* Staff of the household's station (a social worker, its station manager; a district
  administrator) record the station's own visits: status ``recorded``, no hours. A volunteer
  records a visit only to a household they have a live pairing with (else 404, as if the
  household did not exist for them): status ``waiting``, for the grid social worker. Staff of
  another station get 403.
* A visit is dated today or earlier (a volunteer's at most `VOLUNTEER_DAYS_BACK` days back, the
  station's at most `STAFF_DAYS_BACK`), lasts 1 to 720 minutes, in person or by phone, and its
  needs found are codes of `NEEDS`. Every recorded visit moves the household's
  `last_visited_on` and `next_visit_due` (visited_on + visit_every_days, when later) and the
  visiting volunteer's pairing's `next_contact_due` (by its rhythm).
* The grid social worker decides a volunteer's visit: a social worker posted to a grid team
  covering the household's community, or the household's own social worker; the station
  manager (and a district administrator) may too. Approval posts the hours **through the
  check-in path**: an `Activity` of kind ``visit`` (never listed, matched, open for sign-up or
  public) of the household's station and community, one person served, named by
  `Household.shown_name` only, and a `CheckIn` (method ``visit``) of the visit's minutes, which
  `volunteers.checkins.services.approve` approves: the same ledger transfer
  (``checkin:<id>``), approval tiers, audit and notice as any check-in; hours pages,
  certificates, the official export and reports count it with no special case. Rejection needs
  a reason and posts nothing. Deciding twice is 409.
"""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.audit import services as audit
from timebank.clock import local, now, zone
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.ledger.queries import format_minutes
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.org.models import StaffPost, grid_team_communities
from volunteers.activities.models import Activity, ActivityKind, ActivityStatus, CreditMode
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn, CheckInStatus
from volunteers.households.models import NEEDS, RHYTHM_DAYS, Household, Pairing
from volunteers.visits.models import VISIT_STATUS_LABELS, Visit, VisitStatus, VisitWay

#: How far back a volunteer may record a visit, and the station.
VOLUNTEER_DAYS_BACK = 30
STAFF_DAYS_BACK = 366
MINUTES_MOST = 720
FINDINGS_MOST, FOLLOW_UP_MOST, REFERRALS_MOST, REASON_MOST = 2000, 1000, 500, 300
#: When a visit recorded with its day only is taken to start (local time), for its record.
DEFAULT_START = time(9, 0)

def way_labels() -> dict[str, str]:
    """The ways of a visit in the viewer's language."""
    return {VisitWay.IN_PERSON.value: _("Visit in person"), VisitWay.PHONE.value: _("Phone call")}


def status_labels() -> dict[str, str]:
    """The visit states in the viewer's language."""
    return {status.value: str(label) for status, label in VISIT_STATUS_LABELS.items()}


# --- loading ----------------------------------------------------------------------------------

def _household(household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFound(_("There is no such household."), code="household_not_found")
    return household


def live_pairing(household: Household, volunteer: User) -> Pairing | None:
    return db.session.scalar(select(Pairing).where(
        Pairing.household_id == household.id, Pairing.volunteer_id == volunteer.id,
        Pairing.ended_at.is_(None)))


def own_pairing(volunteer: User, pairing_id: int) -> Pairing:
    """The volunteer's own live pairing, to record a visit from: 404 for anything else."""
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or pairing.volunteer_id != volunteer.id or not pairing.is_live \
            or not pairing.household.is_open:
        raise NotFound(_("There is no such pairing."), code="pairing_not_found")
    return pairing


def household_for_visit(by: User, household_id: int) -> Household:
    """The household `by` may record a visit to: staff of its station, or a volunteer with a
    live pairing with it. 404 if there is none (or, for a volunteer, no live pairing); 403 for
    staff of another station."""
    household = _household(household_id)
    if org.can_manage_station(by, household.station_id):
        return household
    if live_pairing(household, by) is not None and household.is_open:
        return household
    if is_staff(by) and org.station_id_of(by) is not None:
        raise PermissionDenied(_("Only staff of this household's station can do this."))
    raise NotFound(_("There is no such household."), code="household_not_found")


def visible_visit(viewer: User, visit_id: int) -> Visit:
    """A visit for its visitor or the staff of its station: 404 for anyone else, 403 for staff
    of another station."""
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(_("There is no such visit."), code="visit_not_found")
    if visit.visitor_id == viewer.id or org.can_manage_station(viewer, visit.station_id):
        return visit
    if is_staff(viewer) and org.station_id_of(viewer) is not None:
        raise PermissionDenied(_("Only staff of this household's station can do this."))
    raise NotFound(_("There is no such visit."), code="visit_not_found")


def visit_to_decide(by: User, visit_id: int) -> Visit:
    """A visit for staff of its station to decide: 404 if there is none, 403 for anyone else."""
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(_("There is no such visit."), code="visit_not_found")
    org.require_station_staff(by, visit.station_id)
    return visit


# --- recording --------------------------------------------------------------------------------

def _check(household: Household, *, staff: bool, visited_on, started_at, minutes, way,
           findings, needs_found, follow_up, referrals, today: date) -> dict:
    problems: dict[str, list[str]] = {}
    if not isinstance(visited_on, date) or isinstance(visited_on, datetime):
        problems["visited_on"] = [_("Give the day of the visit.")]
    else:
        most_back = STAFF_DAYS_BACK if staff else VOLUNTEER_DAYS_BACK
        if visited_on > today:
            problems["visited_on"] = [_("The visit cannot be in the future.")]
        elif visited_on < today - timedelta(days=most_back):
            problems["visited_on"] = [_("Record a visit within %(days)d days of it.",
                                        days=most_back)]
    if started_at is not None:
        if not isinstance(started_at, datetime) or started_at.tzinfo is None:
            problems["started_at"] = [_("Give the time the visit started.")]
        elif "visited_on" not in problems and local(started_at).date() != visited_on:
            problems["started_at"] = [_("The start must be on the day of the visit.")]
        elif started_at > now():
            problems["started_at"] = [_("The visit cannot be in the future.")]
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 1 <= minutes <= MINUTES_MOST:
        problems["minutes"] = [_("Enter whole minutes from 1 to %(most)d.", most=MINUTES_MOST)]
    if way not in {member.value for member in VisitWay}:
        problems["way"] = [_("Choose in person or by phone.")]
    needs = list(needs_found or [])
    if any(code not in NEEDS for code in needs):
        problems["needs_found"] = [_("Choose needs from the list.")]
    for name, value, most in (("findings", findings, FINDINGS_MOST),
                              ("follow_up", follow_up, FOLLOW_UP_MOST),
                              ("referrals", referrals, REFERRALS_MOST)):
        if value is not None and not isinstance(value, str):
            problems[name] = [_("Write it as text.")]
        elif len((value or "").strip()) > most:
            problems[name] = [_("At most %(most)d characters.", most=most)]
    if problems:
        raise InvalidInput(fields=problems)
    return {"needs_found": list(dict.fromkeys(needs))}


def _later(current: date | None, candidate: date) -> date:
    return candidate if current is None or candidate > current else current


def record_visit(household: Household, by: User, *, visited_on, minutes, way=VisitWay.IN_PERSON,
                 findings: str = "", needs_found=(), follow_up: str = "", referrals: str = "",
                 started_at: datetime | None = None) -> Visit:
    """Record a visit to `household` by `by`: the station's own (staff of its station, no
    hours) or a paired volunteer's (waiting for the grid social worker). See the module."""
    staff = org.can_manage_station(by, household.station_id)
    pairing = None if staff else live_pairing(household, by)
    if not staff and (pairing is None or not household.is_open):
        if is_staff(by) and org.station_id_of(by) is not None:
            raise PermissionDenied(_("Only staff of this household's station can do this."))
        raise NotFound(_("There is no such household."), code="household_not_found")
    if not household.is_open:
        raise Conflict(_("This household is off the register."), code="household_closed")
    way = str(way or "")
    checked = _check(household, staff=staff, visited_on=visited_on, started_at=started_at,
                     minutes=minutes, way=way, findings=findings, needs_found=needs_found,
                     follow_up=follow_up, referrals=referrals, today=local(now()).date())
    visit = Visit(household_id=household.id, station_id=household.station_id, visitor_id=by.id,
                  pairing_id=pairing.id if pairing else None, way=way, visited_on=visited_on,
                  started_at=started_at, minutes=minutes, findings=(findings or "").strip(),
                  needs_found=checked["needs_found"], follow_up=(follow_up or "").strip(),
                  referrals=(referrals or "").strip(),
                  status=VisitStatus.RECORDED if staff else VisitStatus.WAITING)
    db.session.add(visit)
    household.last_visited_on = _later(household.last_visited_on, visited_on)
    household.next_visit_due = _later(household.next_visit_due,
                                      visited_on + timedelta(days=household.visit_every_days))
    if pairing is not None:
        pairing.next_contact_due = _later(pairing.next_contact_due,
                                          visited_on + timedelta(days=RHYTHM_DAYS.get(
                                              pairing.rhythm, 30)))
    db.session.flush()
    audit.record("visit.record", f"visit:{visit.id}", actor=by, household_id=household.id,
                 status=visit.status, minutes=minutes, way=way, visited_on=visited_on.isoformat())
    return visit


# --- deciding ---------------------------------------------------------------------------------

def is_grid_social_worker(user: User, household: Household) -> bool:
    """Posted to a grid team of the household's station covering its community, or its own
    social worker (while posted at its station)."""
    post = db.session.get(StaffPost, user.id)
    if post is None or post.station_id != household.station_id \
            or not has_role(user, Role.SOCIAL_WORKER):
        return False
    if household.social_worker_id == user.id:
        return True
    if post.grid_team_id is None:
        return False
    return db.session.scalar(select(grid_team_communities.c.community_id).where(
        grid_team_communities.c.grid_team_id == post.grid_team_id,
        grid_team_communities.c.community_id == household.community_id)) is not None


def may_decide(user: User, visit: Visit) -> bool:
    """The grid social worker, the station manager of the visit's station, or a district
    administrator."""
    if has_role(user, Role.DISTRICT_ADMIN):
        return True
    if has_role(user, Role.STATION_MANAGER) and org.station_id_of(user) == visit.station_id:
        return True
    return is_grid_social_worker(user, visit.household)


def _require_decider(by: User, visit: Visit) -> None:
    org.require_station_staff(by, visit.station_id)
    if not may_decide(by, visit):
        raise PermissionDenied(_("The household's grid social worker or the station manager "
                                 "decides this visit."), code="not_grid_social_worker")


def _lock(visit: Visit) -> None:
    db.session.execute(select(Visit.id).where(Visit.id == visit.id).with_for_update()
                       .execution_options(populate_existing=True))
    db.session.refresh(visit)


def _require_waiting(visit: Visit) -> None:
    if visit.status != VisitStatus.WAITING:
        raise Conflict(_("This visit has already been decided, or is not waiting for a "
                         "decision."), code="visit_decided")


def _service_content(visit: Visit) -> str:
    """What the volunteer did, for the record: the way, and the needs they help with (never
    the findings, which are the household's)."""
    needs = visit.pairing.needs if visit.pairing is not None else []
    helped = "、".join(str(NEEDS[code]) for code in needs if code in NEEDS)
    way = way_labels()[visit.way]
    return f"{way}：{helped}" if helped else way


#: The household's categories → the record's 服务类别 and 服务对象 (the first that applies).
ELDERLY = {"living_alone", "empty_nest", "advanced_age", "lost_only_child"}
CHILDREN = {"children_in_difficulty", "left_behind"}
NEED_MONEY = {"dibao", "dishou", "tekun"}


def record_fields_of(household: Household) -> tuple[str, str]:
    """(service category, target group) of a visit's record, from the household's categories."""
    categories = set(household.categories or ())
    if "disability" in categories:
        return "elderly_disabled", "disabled"
    if categories & ELDERLY:
        return "elderly_disabled", "elderly"
    if categories & CHILDREN:
        return "poverty_relief", "children"
    if categories & NEED_MONEY:
        return "poverty_relief", "families"
    return "community", "families"


def _start_of(visit: Visit) -> datetime:
    if visit.started_at is not None:
        return visit.started_at
    return datetime.combine(visit.visited_on, DEFAULT_START, tzinfo=zone())


def service_record_of(visit: Visit, by: User) -> CheckIn:
    """The activity (kind ``visit``) and the check-out waiting for approval that stand for the
    visit in the check-in path."""
    household = visit.household
    starts_at = _start_of(visit)
    name = household.shown_name
    category, group = record_fields_of(household)
    activity = Activity(
        title=_("Neighbourly visit · %(name)s", name=name)[:80],
        description=_("A visit to a household paired with the volunteer (邻里守望)."),
        station_id=visit.station_id, community_id=household.community_id, place="",
        target_group=group, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=visit.minutes), slots=1,
        credit_mode=CreditMode.FIXED, fixed_minutes=visit.minutes,
        service_category=category, service_content=_service_content(visit)[:500], people_served=1,
        served_names=name[:60], person_in_charge=by.name[:40], status=ActivityStatus.CLOSED,
        kind=ActivityKind.VISIT, created_by_id=by.id)
    db.session.add(activity)
    db.session.flush()
    checkin = CheckIn(activity_id=activity.id, user_id=visit.visitor_id,
                      status=CheckInStatus.CLOSED, checked_in_at=activity.starts_at,
                      checked_out_at=activity.ends_at, minutes=visit.minutes, method="visit")
    db.session.add(checkin)
    db.session.flush()
    return checkin


def approve(visit: Visit, *, by: User, evaluation: str | None = None,
            evaluation_comment: str | None = None, at: datetime | None = None) -> Visit:
    """The grid social worker approves a volunteer's visit: its minutes are posted as a
    check-in's are (`volunteers.checkins.services.approve`, with its tiers, its quality
    evaluation and notice)."""
    _require_decider(by, visit)
    _lock(visit)
    _require_waiting(visit)
    checkin = service_record_of(visit, by)
    checkins.approve(checkin, by=by, evaluation=evaluation,
                     evaluation_comment=evaluation_comment, at=at)
    visit.status, visit.checkin_id = VisitStatus.APPROVED, checkin.id
    visit.decided_by_id, visit.decided_at = by.id, at or now()
    db.session.flush()
    audit.record("visit.approve", f"visit:{visit.id}", actor=by, checkin_id=checkin.id,
                 minutes=visit.minutes, transfer_id=checkin.transfer_id)
    return visit


def reject(visit: Visit, *, by: User, reason: str) -> Visit:
    """The grid social worker turns a volunteer's visit down, with a reason: nothing is posted,
    and the volunteer is told why."""
    _require_decider(by, visit)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give a reason.")]})
    if len(reason) > REASON_MOST:
        raise InvalidInput(fields={"reason": [_("At most %(most)d characters.", most=REASON_MOST)]})
    _lock(visit)
    _require_waiting(visit)
    visit.status, visit.decided_by_id, visit.decided_at = VisitStatus.REJECTED, by.id, now()
    visit.decision_reason = reason
    db.session.flush()
    audit.record("visit.reject", f"visit:{visit.id}", actor=by, reason=reason)
    title = _("Neighbourly visit · %(name)s", name=visit.household.shown_name)
    notify(visit.visitor_id, f"hours_rejected:visit:{visit.id}",
           _("Hours not approved: %(title)s", title=title),
           _("Reason: %(reason)s", reason=reason), link="/volunteer/visits",
           params={"title": title, "hours": format_minutes(visit.minutes), "reason": reason})
    return visit


# --- lists ------------------------------------------------------------------------------------

def mine_statement(volunteer: User, *, status: str | None = None,
                   household_id: int | None = None):
    """The visits `volunteer` recorded, newest first."""
    statement = select(Visit).where(Visit.visitor_id == volunteer.id)
    if status:
        statement = statement.where(Visit.status == status)
    if household_id is not None:
        statement = statement.where(Visit.household_id == household_id)
    return statement.order_by(Visit.visited_on.desc(), Visit.id.desc())


def station_statement(by: User, station_id: int | None, *, status: str | None = None,
                      household_id: int | None = None):
    """The visits to a station's households for its staff (a district administrator without
    a station: every station's), newest first; waiting ones oldest first."""
    if station_id is None and not has_role(by, Role.DISTRICT_ADMIN):
        raise PermissionDenied(_("You are not posted at a station yet. Ask your station manager "
                                 "to add you."))
    if station_id is not None:
        org.require_station_staff(by, station_id)
    statement = select(Visit)
    if station_id is not None:
        statement = statement.where(Visit.station_id == station_id)
    if status:
        statement = statement.where(Visit.status == status)
    if household_id is not None:
        statement = statement.where(Visit.household_id == household_id)
    if status == VisitStatus.WAITING:
        return statement.order_by(Visit.visited_on, Visit.id)
    return statement.order_by(Visit.visited_on.desc(), Visit.id.desc())


def waiting_count(station_id: int) -> int:
    """How many volunteers' visits of the station wait for a decision (the navigation's count)."""
    return db.session.scalar(select(func.count(Visit.id)).where(
        Visit.station_id == station_id, Visit.status == VisitStatus.WAITING))
