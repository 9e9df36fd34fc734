"""Volunteer service teams (志愿服务队): who may run them, joining, team sign-ups, team hours and
the team certificate.

Rules:

* Staff of the team's station (its social workers and station manager; a district
  administrator) create, edit and deactivate teams, add and remove members, and set the
  guiding social worker (指导社工, staff of that station) and the captain (队长, one of the
  members). Every change is audited (``team.*``).
* A volunteer asks to join an active team once: asking while a member or while a request is
  pending is 409 (a partial unique index keeps one pending request per volunteer and team).
  The captain, the guiding social worker or staff of the station accept or decline it (a
  reason is required to decline); the volunteer is told either way.
* The captain, the guiding social worker or station staff sign the team up for an activity
  with a party size of 1 to 50, naming which of its active members come (at most the party
  size). Each named member gets their own sign-up through `activities.sign_up`, so every rule
  of a sign-up applies, linked by `SignUp.team_sign_up_id`; the unnamed rest of the party
  reserves places (`activities.places_taken`). A party larger than the places left is 409
  ``not_enough_places`` and changes nothing; the activity row is locked first, as a sign-up
  locks it, so two team sign-ups cannot overbook. One live team sign-up per team and
  activity. Cancelling it cancels the named members' sign-ups and frees the places.
* Team hours (`team_hours`) are the approved minutes (`counted_as_hours`) of members named in
  the team's live sign-ups, on those activities; the members' total is all their approved
  minutes. The page, the API and the certificate use this one function.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from timebank.accounts.models import User
from timebank.accounts.permissions import is_staff
from timebank.audit import services as audit
from timebank.clock import day_start, local, now
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.notifications.services import notify
from timebank.org import services as org
from timebank.org.models import Station
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, SignUp, SignUpStatus
from volunteers.certificates import services as paper  # the certificates' type and layout
from volunteers.checkins.models import CheckIn, counted_as_hours
from volunteers.teams.models import (
    JOIN_STATUS_LABELS,
    JoinRequestStatus,
    TeamJoinRequest,
    TeamSignUp,
    TeamSignUpStatus,
    VolunteerTeam,
    team_members,
)

NAME_MOST, DESCRIPTION_MOST, MESSAGE_MOST, REASON_MOST = 60, 1000, 300, 300
PARTY_LEAST, PARTY_MOST = 1, 50


def status_labels() -> dict[str, str]:
    return {status.value: str(label) for status, label in JOIN_STATUS_LABELS.items()}


# --- loading and who may do what --------------------------------------------------------------

def get_team(team_id: int) -> VolunteerTeam:
    team = db.session.get(VolunteerTeam, team_id)
    if team is None:
        raise NotFound(_("There is no such team."), code="team_not_found")
    return team


def is_member(team: VolunteerTeam, user: User) -> bool:
    return db.session.scalar(select(func.count()).select_from(team_members).where(
        team_members.c.team_id == team.id, team_members.c.user_id == user.id)) > 0


def may_manage(user: User, team: VolunteerTeam) -> bool:
    """Staff of the team's station (district administrators: any team)."""
    return org.can_manage_station(user, team.station_id)


def may_lead(user: User, team: VolunteerTeam) -> bool:
    """The captain, the guiding social worker, or staff of the station: they decide requests
    to join and sign the team up."""
    return user.id in (team.captain_id, team.leader_id) or may_manage(user, team)


def team_to_manage(by: User, team_id: int) -> VolunteerTeam:
    """A team for staff of its station: 404 if there is none, 403 for anyone else."""
    team = get_team(team_id)
    org.require_station_staff(by, team.station_id)
    return team


def team_to_lead(by: User, team_id: int) -> VolunteerTeam:
    """A team its captain, social worker or station staff act for: 404 / 403."""
    team = visible_team(by, team_id)
    if not may_lead(by, team):
        raise PermissionDenied(_("Only the team's captain or its social worker can do this."))
    return team


def visible_team(viewer: User, team_id: int) -> VolunteerTeam:
    """An active team for anyone logged in; a deactivated one only for its station's staff and
    its members (404 for others)."""
    team = get_team(team_id)
    if team.active or may_manage(viewer, team) or is_member(team, viewer):
        return team
    raise NotFound(_("There is no such team."), code="team_not_found")


def teams_statement(viewer: User, *, station_id: int | None = None, mine: bool = False,
                    include_inactive: bool = False):
    """Teams by name: a station's, or (``mine``) those `viewer` is a member of."""
    statement = select(VolunteerTeam).order_by(VolunteerTeam.name, VolunteerTeam.id)
    if mine:
        statement = statement.join(team_members, team_members.c.team_id == VolunteerTeam.id) \
            .where(team_members.c.user_id == viewer.id)
    if station_id is not None:
        statement = statement.where(VolunteerTeam.station_id == station_id)
    if not include_inactive and not mine:
        statement = statement.where(VolunteerTeam.active.is_(True))
    return statement


def member_counts(team_ids) -> dict[int, int]:
    rows = db.session.execute(select(team_members.c.team_id, func.count())
                              .where(team_members.c.team_id.in_(list(team_ids)))
                              .group_by(team_members.c.team_id))
    return dict(rows.all())


# --- creating and editing ---------------------------------------------------------------------

def _user(user_id, field_name: str) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise InvalidInput(fields={field_name: [_("There is no such person.")]})
    return user


def _check_social_worker(station_id: int, user_id) -> User:
    user = _user(user_id, "social_worker_id")
    if not is_staff(user) or org.station_id_of(user) != station_id:
        raise InvalidInput(fields={"social_worker_id": [
            _("The guiding social worker must be staff of the team's station.")]})
    return user


def _check_name(station_id: int, name: str, team: VolunteerTeam | None = None) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MOST:
        raise InvalidInput(fields={"name": [_("Give the team a name (at most 60 characters).")]})
    clash = db.session.scalar(select(VolunteerTeam.id).where(
        VolunteerTeam.station_id == station_id, VolunteerTeam.name == name))
    if clash is not None and (team is None or clash != team.id):
        raise Conflict(_("This station already has a team of that name."), code="name_taken")
    return name


def create_team(by: User, station: Station, data: dict) -> VolunteerTeam:
    """A new team of `station`: its social worker defaults to `by` when `by` works there; a
    captain named at creation becomes its first member."""
    org.require_station_staff(by, station.id)
    name = _check_name(station.id, data.get("name"))
    leader_id = data.get("social_worker_id")
    if leader_id is None:
        if org.station_id_of(by) != station.id:
            raise InvalidInput(fields={"social_worker_id": [
                _("Choose the team's guiding social worker.")]})
        leader_id = by.id
    leader = _check_social_worker(station.id, leader_id)
    team = VolunteerTeam(station_id=station.id, name=name, leader_id=leader.id,
                         description=(data.get("description") or "").strip(), active=True)
    db.session.add(team)
    db.session.flush()
    if data.get("captain_id") is not None:
        captain = _user(data["captain_id"], "captain_id")
        team.members.append(captain)
        team.captain_id = captain.id
    db.session.flush()
    audit.record("team.create", f"team:{team.id}", actor=by, name=team.name,
                 station_id=station.id, social_worker_id=leader.id, captain_id=team.captain_id)
    return team


def update_team(team: VolunteerTeam, by: User, changes: dict) -> VolunteerTeam:
    """Change a team's name, description, social worker, captain (a member, or None) or
    whether it is active."""
    org.require_station_staff(by, team.station_id)
    done = {}
    if "name" in changes and changes["name"] != team.name:
        team.name = done["name"] = _check_name(team.station_id, changes["name"], team)
    if "description" in changes:
        team.description = done["description"] = (changes["description"] or "").strip()
    if "social_worker_id" in changes and changes["social_worker_id"] != team.leader_id:
        team.leader_id = done["social_worker_id"] = \
            _check_social_worker(team.station_id, changes["social_worker_id"]).id
    if "captain_id" in changes and changes["captain_id"] != team.captain_id:
        captain_id = changes["captain_id"]
        if captain_id is not None:
            captain = _user(captain_id, "captain_id")
            if not is_member(team, captain):
                raise InvalidInput(fields={"captain_id": [
                    _("The captain must be a member of the team.")]})
        team.captain_id = done["captain_id"] = captain_id
    if "active" in changes and changes["active"] != team.active:
        team.active = done["active"] = bool(changes["active"])
    db.session.flush()
    if done:
        action = "team.update"
        if done.keys() == {"active"}:
            action = "team.activate" if team.active else "team.deactivate"
        audit.record(action, f"team:{team.id}", actor=by, **done)
    return team


def _require_active(team: VolunteerTeam) -> None:
    if not team.active:
        raise Conflict(_("This team is no longer active."), code="team_inactive")


def add_member(team: VolunteerTeam, by: User, user: User) -> VolunteerTeam:
    org.require_station_staff(by, team.station_id)
    _require_active(team)
    if is_member(team, user):
        raise Conflict(_("%(name)s is already a member of this team.", name=user.name),
                       code="already_member")
    _join(team, user)
    audit.record("team.member_add", f"team:{team.id}", actor=by, user_id=user.id)
    return team


def _join(team: VolunteerTeam, user: User) -> None:
    db.session.execute(team_members.insert().values(team_id=team.id, user_id=user.id))
    db.session.expire(team, ["members"])
    pending = db.session.scalar(select(TeamJoinRequest).where(
        TeamJoinRequest.team_id == team.id, TeamJoinRequest.volunteer_id == user.id,
        TeamJoinRequest.status == JoinRequestStatus.PENDING))
    if pending is not None:
        pending.status = JoinRequestStatus.ACCEPTED
        pending.decided_at = now()
    db.session.flush()


def remove_member(team: VolunteerTeam, by: User, user: User) -> VolunteerTeam:
    """Take `user` off the team (the captain too: the team is then without one)."""
    org.require_station_staff(by, team.station_id)
    if not is_member(team, user):
        raise NotFound(_("%(name)s is not a member of this team.", name=user.name),
                       code="not_a_member")
    db.session.execute(team_members.delete().where(team_members.c.team_id == team.id,
                                                   team_members.c.user_id == user.id))
    if team.captain_id == user.id:
        team.captain_id = None
    db.session.expire(team, ["members"])
    db.session.flush()
    audit.record("team.member_remove", f"team:{team.id}", actor=by, user_id=user.id)
    return team


# --- asking to join ---------------------------------------------------------------------------

def pending_request(team: VolunteerTeam, volunteer: User) -> TeamJoinRequest | None:
    return db.session.scalar(select(TeamJoinRequest).where(
        TeamJoinRequest.team_id == team.id, TeamJoinRequest.volunteer_id == volunteer.id,
        TeamJoinRequest.status == JoinRequestStatus.PENDING))


def ask_to_join(team: VolunteerTeam, volunteer: User, message: str = "") -> TeamJoinRequest:
    """A volunteer's request to join: 409 while a member or while a request is pending."""
    _require_active(team)
    if is_member(team, volunteer):
        raise Conflict(_("You are already a member of this team."), code="already_member")
    if pending_request(team, volunteer) is not None:
        raise Conflict(_("You have already asked to join this team. The captain or the social "
                         "worker will answer soon."), code="already_requested")
    request = TeamJoinRequest(team_id=team.id, volunteer_id=volunteer.id,
                              message=(message or "").strip()[:MESSAGE_MOST],
                              status=JoinRequestStatus.PENDING)
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # the same request at the same moment
        raise Conflict(_("You have already asked to join this team. The captain or the social "
                         "worker will answer soon."), code="already_requested") from None
    audit.record("team.join_request", f"team_join_request:{request.id}", actor=volunteer,
                 team_id=team.id)
    for deciding in {team.leader_id, team.captain_id} - {None}:
        notify(deciding, f"team_join_request:{request.id}:{deciding}",
               _("%(name)s asks to join %(team)s", name=volunteer.name, team=team.name),
               request.message, link=f"/volunteer/teams/{team.id}")
    return request


def request_to_decide(by: User, request_id: int) -> TeamJoinRequest:
    """A join request for the team's captain, social worker or station staff: 404 / 403."""
    request = db.session.get(TeamJoinRequest, request_id)
    if request is None:
        raise NotFound(_("There is no such request."), code="join_request_not_found")
    if not may_lead(by, request.team):
        raise PermissionDenied(_("Only the team's captain or its social worker can do this."))
    return request


def _require_pending(request: TeamJoinRequest) -> None:
    if request.status != JoinRequestStatus.PENDING:
        raise Conflict(_("This request has already been answered."), code="already_decided")


def accept(request: TeamJoinRequest, by: User) -> TeamJoinRequest:
    _require_pending(request)
    team = request.team
    _require_active(team)
    request.status = JoinRequestStatus.ACCEPTED
    request.decided_by_id, request.decided_at = by.id, now()
    db.session.flush()
    if not is_member(team, request.volunteer):
        _join(team, request.volunteer)
    audit.record("team.join_accept", f"team_join_request:{request.id}", actor=by,
                 team_id=team.id, user_id=request.volunteer_id)
    notify(request.volunteer_id, f"team_join_accepted:{request.id}",
           _("Welcome to %(team)s", team=team.name),
           _("Your request to join the team was accepted."), link=f"/volunteer/teams/{team.id}")
    return request


def decline(request: TeamJoinRequest, by: User, reason: str) -> TeamJoinRequest:
    _require_pending(request)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MOST:
        raise InvalidInput(fields={"reason": [_("Give a reason (at most 300 characters).")]})
    request.status = JoinRequestStatus.DECLINED
    request.decided_by_id, request.decided_at, request.reason = by.id, now(), reason
    db.session.flush()
    audit.record("team.join_decline", f"team_join_request:{request.id}", actor=by,
                 reason=reason, team_id=request.team_id, user_id=request.volunteer_id)
    notify(request.volunteer_id, f"team_join_declined:{request.id}",
           _("Your request to join %(team)s was declined", team=request.team.name),
           reason, link=f"/volunteer/teams/{request.team_id}")
    return request


def withdraw(request_id: int, volunteer: User) -> TeamJoinRequest:
    request = db.session.get(TeamJoinRequest, request_id)
    if request is None or request.volunteer_id != volunteer.id:
        raise NotFound(_("There is no such request."), code="join_request_not_found")
    _require_pending(request)
    request.status = JoinRequestStatus.WITHDRAWN
    request.decided_at = now()
    db.session.flush()
    audit.record("team.join_withdraw", f"team_join_request:{request.id}", actor=volunteer)
    return request


def requests_statement(*, team: VolunteerTeam | None = None, volunteer: User | None = None,
                       station_id: int | None = None, status: str | None = None):
    statement = select(TeamJoinRequest).order_by(TeamJoinRequest.created_at.desc(),
                                                 TeamJoinRequest.id.desc())
    if team is not None:
        statement = statement.where(TeamJoinRequest.team_id == team.id)
    if volunteer is not None:
        statement = statement.where(TeamJoinRequest.volunteer_id == volunteer.id)
    if station_id is not None:
        statement = statement.join(TeamJoinRequest.team).where(
            VolunteerTeam.station_id == station_id)
    if status is not None:
        statement = statement.where(TeamJoinRequest.status == status)
    return statement


# --- team sign-ups ----------------------------------------------------------------------------

def _check_party(team: VolunteerTeam, party_size, member_ids) -> list[User]:
    problems: dict[str, list[str]] = {}
    if not isinstance(party_size, int) or not PARTY_LEAST <= party_size <= PARTY_MOST:
        problems["party_size"] = [_("The party size is a whole number from 1 to 50.")]
    ids = list(dict.fromkeys(member_ids or []))
    member_set = {member.id for member in team.members}
    named = []
    if any(not isinstance(user_id, int) or user_id not in member_set for user_id in ids):
        problems["member_ids"] = [_("Name only active members of the team.")]
    else:
        named = [db.session.get(User, user_id) for user_id in ids]
        if any(not user.is_active for user in named):
            problems["member_ids"] = [_("Name only active members of the team.")]
        elif isinstance(party_size, int) and len(named) > party_size:
            problems["member_ids"] = [_("Name at most as many members as the party size.")]
    if problems:
        raise InvalidInput(fields=problems)
    return named


def live_team_sign_up(team: VolunteerTeam, activity: Activity) -> TeamSignUp | None:
    return db.session.scalar(select(TeamSignUp).where(
        TeamSignUp.team_id == team.id, TeamSignUp.activity_id == activity.id,
        TeamSignUp.status == TeamSignUpStatus.LIVE))


def sign_up_team(team: VolunteerTeam, activity: Activity, by: User, *, party_size: int,
                 member_ids=()) -> TeamSignUp:
    """Sign the team up with `party_size` places, the members of `member_ids` by name."""
    if not may_lead(by, team):
        raise PermissionDenied(_("Only the team's captain or its social worker can do this."))
    _require_active(team)
    named = _check_party(team, party_size, member_ids)
    activity = activities.lock_activity(activity.id)
    if not activity.open_for_sign_up:
        raise Conflict(_("This activity is not open for sign-up."), code="not_open")
    if live_team_sign_up(team, activity) is not None:
        raise Conflict(_("The team is already signed up for this activity."),
                       code="team_already_signed_up")
    left = activities.slots_left(activity)
    if party_size > left:
        raise Conflict(_("Only %(left)d places are left on this activity, fewer than the party "
                         "of %(party)d.", left=left, party=party_size), code="not_enough_places")
    for member in named:
        if activities.live_sign_up(activity, member) is not None:
            raise Conflict(_("%(name)s is already signed up for this activity: leave them "
                             "unnamed, or cancel their own sign-up first.", name=member.name),
                           code="member_already_signed_up")
    entry = TeamSignUp(team_id=team.id, activity_id=activity.id, party_size=party_size,
                       signed_up_by_id=by.id, status=TeamSignUpStatus.LIVE)
    db.session.add(entry)
    db.session.flush()
    for member in named:
        # The party already holds their place: confirmed, with every other rule checked.
        activities.sign_up(activity, member, status=SignUpStatus.CONFIRMED,
                           team_sign_up_id=entry.id)
    audit.record("team.sign_up", f"team_signup:{entry.id}", actor=by, team_id=team.id,
                 activity_id=activity.id, party_size=party_size,
                 member_ids=[member.id for member in named])
    return entry


def get_team_sign_up(team_sign_up_id: int) -> TeamSignUp:
    entry = db.session.get(TeamSignUp, team_sign_up_id)
    if entry is None:
        raise NotFound(_("There is no such team sign-up."), code="team_signup_not_found")
    return entry


def named_sign_ups(entry: TeamSignUp, *, live: bool = True) -> list[SignUp]:
    statement = select(SignUp).where(SignUp.team_sign_up_id == entry.id).order_by(SignUp.id)
    if live:
        statement = statement.where(SignUp.status != SignUpStatus.CANCELLED)
    return list(db.session.scalars(statement))


def cancel_team_sign_up(entry: TeamSignUp, by: User) -> TeamSignUp:
    """Cancel the team's sign-up and its named members' sign-ups; free places go to the
    waiting list."""
    if not may_lead(by, entry.team):
        raise PermissionDenied(_("Only the team's captain or its social worker can do this."))
    activity = activities.lock_activity(entry.activity_id)
    db.session.refresh(entry)
    if entry.status == TeamSignUpStatus.CANCELLED:
        return entry
    entry.status, entry.cancelled_at = TeamSignUpStatus.CANCELLED, now()
    for sign_up in named_sign_ups(entry):
        sign_up.status = SignUpStatus.CANCELLED
        audit.record("signup.cancel", f"signup:{sign_up.id}", actor=by,
                     activity_id=activity.id, team_sign_up_id=entry.id)
        notify(sign_up.user_id, f"team_signup_cancelled:{entry.id}:{sign_up.user_id}",
               _("Team sign-up cancelled: %(title)s", title=activity.title),
               _("%(team)s will not take part, and your place is cancelled.",
                 team=entry.team.name), link=f"/volunteer/activities/{activity.id}")
    db.session.flush()
    audit.record("team.sign_up_cancel", f"team_signup:{entry.id}", actor=by,
                 team_id=entry.team_id, activity_id=activity.id)
    activities.fill_free_places(activity)
    return entry


def team_sign_ups(team: VolunteerTeam, *, upcoming: bool = False) -> list[TeamSignUp]:
    statement = (select(TeamSignUp).join(TeamSignUp.activity)
                 .where(TeamSignUp.team_id == team.id, TeamSignUp.status == TeamSignUpStatus.LIVE)
                 .order_by(Activity.starts_at, TeamSignUp.id))
    if upcoming:
        statement = statement.where(Activity.ends_at > now())
    return list(db.session.scalars(statement))


def open_activities_for(team: VolunteerTeam, limit: int = 30) -> list[Activity]:
    """Activities the team could sign up for: published, not over, of the team's station."""
    statement = (select(Activity).where(Activity.station_id == team.station_id,
                                        Activity.ends_at > now())
                 .order_by(Activity.starts_at).limit(limit * 2))
    return [activity for activity in db.session.scalars(statement)
            if activity.open_for_sign_up][:limit]


# --- team hours and the certificate -----------------------------------------------------------

@dataclass
class TeamActivityHours:
    activity: Activity
    minutes: int
    people: int


@dataclass
class TeamHours:
    team: VolunteerTeam
    start: date | None
    end: date | None
    #: Approved minutes of named members on the activities the team signed up for.
    team_minutes: int = 0
    #: All approved minutes of the team's current members, with or without the team.
    members_minutes: int = 0
    member_count: int = 0
    lines: list[TeamActivityHours] = field(default_factory=list)


def _in_period(statement, start: date | None, end: date | None):
    if start is not None:
        statement = statement.where(CheckIn.checked_in_at >= day_start(start))
    if end is not None:
        statement = statement.where(CheckIn.checked_in_at < day_start(end + timedelta(days=1)))
    return statement


def team_hours(team: VolunteerTeam, start: date | None = None, end: date | None = None
               ) -> TeamHours:
    """The team's hours over the period (whole history when None), by activity."""
    served = _in_period(
        select(CheckIn.activity_id, func.sum(CheckIn.minutes), func.count(func.distinct(
            CheckIn.user_id)))
        .join(SignUp, (SignUp.activity_id == CheckIn.activity_id)
              & (SignUp.user_id == CheckIn.user_id))
        .join(TeamSignUp, TeamSignUp.id == SignUp.team_sign_up_id)
        .where(TeamSignUp.team_id == team.id, TeamSignUp.status == TeamSignUpStatus.LIVE,
               SignUp.status != SignUpStatus.CANCELLED, counted_as_hours())
        .group_by(CheckIn.activity_id), start, end)
    rows = db.session.execute(served).all()
    by_activity = {activity.id: activity for activity in
                   activities.activities_by_start([row[0] for row in rows])}
    minutes = {row[0]: (int(row[1] or 0), int(row[2])) for row in rows}
    lines = [TeamActivityHours(activity, *minutes[activity.id])
             for activity in by_activity.values()]
    member_ids = select(team_members.c.user_id).where(team_members.c.team_id == team.id)
    members_minutes = db.session.scalar(_in_period(
        select(func.coalesce(func.sum(CheckIn.minutes), 0))
        .where(CheckIn.user_id.in_(member_ids), counted_as_hours()), start, end))
    return TeamHours(team=team, start=start, end=end,
                     team_minutes=sum(line.minutes for line in lines),
                     members_minutes=int(members_minutes or 0),
                     member_count=member_counts([team.id]).get(team.id, 0), lines=lines)


def hours_text(minutes: int) -> str:
    """Minutes as hours with up to two decimals: ``90`` → ``1.5``."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def issue_certificate(team: VolunteerTeam, by: User, start: date | None = None,
                      end: date | None = None) -> bytes:
    """The team certificate (团队志愿服务证明) as a PDF, for staff of the team's station;
    audited. 409 when the team has no approved team service in the period."""
    org.require_station_staff(by, team.station_id)
    if start is not None and end is not None and start > end:
        raise InvalidInput(fields={"end": [_("The end of the period is before its start.")]})
    hours = team_hours(team, start, end)
    if not hours.lines:
        raise Conflict(_("The team has no approved team service to certify in this period."),
                       code="no_team_service")
    issued = now()
    data = certificate_pdf(hours, by=by, issued=issued)
    audit.record("team.certificate", f"team:{team.id}", actor=by,
                 start=(start or local(hours.lines[0].activity.starts_at).date()).isoformat(),
                 end=(end or local(issued).date()).isoformat(), minutes=hours.team_minutes)
    return data


def certificate_pdf(hours: TeamHours, *, by: User, issued) -> bytes:
    """团队志愿服务证明 on A4, in the volunteer certificate's type and layout: the team, its
    station as the issuer (its agency when it has one), the period, the activities served as a
    team with their hours, and the members count."""
    team, station = hours.team, hours.team.station
    agency = station.agency
    issuer = agency.name if agency is not None else station.name
    styles = paper._styles()
    start = hours.start or min(local(line.activity.starts_at).date() for line in hours.lines)
    end = hours.end or local(issued).date()
    rows = [[Paragraph(paper._text(text), styles["cell"]) for text in (
        _("Date"), _("Activity"), _("Members who served"), _("Hours"))]]
    for line in hours.lines:
        rows.append([Paragraph(paper._text(text), styles["cell"]) for text in (
            local(line.activity.starts_at).date().isoformat(), line.activity.title,
            str(line.people), hours_text(line.minutes))])
    manager = org.manager_of(station)
    story = [
        Paragraph(paper._text(_("Team Volunteer Service Certificate")), styles["title"]),
        Paragraph(paper._text(_("1. The team")), styles["heading"]),
        Paragraph(paper._text(_(
            "%(team)s, a volunteer service team of %(station)s, guided by social worker "
            "%(worker)s; captain: %(captain)s; %(count)d members.", team=team.name,
            station=station.name, worker=team.leader.name,
            captain=team.captain.name if team.captain else "—", count=hours.member_count)),
            styles["body"]),
        Paragraph(paper._text(_("2. The service")), styles["heading"]),
        Paragraph(paper._text(_(
            "This is to certify that from %(start)s to %(end)s the team served as a team in "
            "%(count)d activities organised by %(issuer)s, %(hours)s hours of volunteer service "
            "in all.", start=paper._date_text(start), end=paper._date_text(end),
            count=len(hours.lines), issuer=issuer, hours=hours_text(hours.team_minutes))),
            styles["body"]),
        Spacer(1, 2 * mm),
        paper._grid(rows, (28, 92, 30, 30)),
        Paragraph(paper._text(_("3. The issuer")), styles["heading"]),
    ]
    for text in (_("Issued by: %(issuer)s", issuer=issuer),
                 _("Station: %(station)s", station=station.name),
                 _("Person in charge: %(name)s", name=manager.name if manager else "—"),
                 _("Handled by: %(name)s", name=by.name),
                 _("Issued on: %(day)s", day=paper._date_text(local(issued).date())),
                 _("Hours are actual service time, travel excluded.")):
        story.append(Paragraph(paper._text(text), styles["body"]))
    return paper._document(story, title=_("Team Volunteer Service Certificate"), author=issuer,
                           subject=team.name)


def person_by_phone(phone: str) -> User:
    """The active member with that phone number, to add to a team (422 if there is none)."""
    from timebank.accounts import services as accounts

    user = accounts.get_by_phone((phone or "").strip())
    if user is None or not user.is_active:
        raise InvalidInput(fields={"phone": [_("No member has this phone number.")]})
    return user


def station_of(user: User) -> int | None:
    """The station whose teams a volunteer sees first: their home community's (staff: their
    post's)."""
    return org.station_of(user)


def waiting_count_statement(station_id: int):
    """How many requests to join the station's teams wait for an answer."""
    return select(func.count(TeamJoinRequest.id)).join(TeamJoinRequest.team).where(
        VolunteerTeam.station_id == station_id,
        TeamJoinRequest.status == JoinRequestStatus.PENDING)
