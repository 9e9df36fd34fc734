"""Matching runs: the month's activities and volunteers read from the database, the pure core
(`volunteers.matching`) asked for proposals, and the proposals stored for social workers to act on.

Rules kept here:

* Only volunteers who consented (`VolunteerProfile.consent_at`) are ever matched: skills,
  interests and availability are used only with consent.
* A run is stored with every proposal and its reasons (codes and detail, and the words shown
  in the default language), ranked within each activity.
* Social workers of the activity's station act on proposals: `accept` invites the volunteer
  (an ``invited`` sign-up holds the place) and tells them; `swap` replaces a proposal by one of
  the next best candidates. District administrators may act everywhere.
* When an invited volunteer declines, the place is offered to the next best candidate
  automatically (`on_declined`); if nobody fits, the activity's social worker is told.
* Services flush and never commit: views, API, CLI and the scheduled job commit at their edge.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit import services as audit
from timebank.clock import local, now, shift_month, this_month, zone
from timebank.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from timebank.extensions import db
from timebank.i18n import DEFAULT_LOCALE
from timebank.ledger import queries as ledger_queries
from timebank.notifications.services import notify
from timebank.org.models import Community, Station
from timebank.org.services import can_manage_station, require_station_staff, social_workers_at
from volunteers.activities import services as activities
from volunteers.activities.models import HOLDING, Activity, ActivityStatus, SignUp, SignUpStatus
from volunteers.matching import scoring as matching
from volunteers.matching.models import (  # noqa: F401 (the models, for callers of this module)
    MatchProposal,
    MatchRun,
    ProposalStatus,
    RunSource,
    _group_word,
    reason_text,
)
from volunteers.profiles.models import VolunteerProfile
from volunteers.profiles.services import birth_from_id
from volunteers.teams.models import VolunteerTeam, team_members
from volunteers.themes.models import Theme
from volunteers.training import services as training
from volunteers.training.models import QualificationWaiver

#: How far back service counts as "recent" for fairness.
RECENT_DAYS = 90
#: Alternatives offered for swapping someone in by hand.
ALTERNATIVES = 10
#: Rows per IN (...) list, well under SQLite's bound-parameter limit.
CHUNK = 5000


# --- reasons in words -------------------------------------------------------------------------

def _stored_reasons(pairs) -> list[dict]:
    with force_locale(DEFAULT_LOCALE):
        return [{"code": code, "detail": detail, "text": reason_text(code, detail)}
                for code, detail in pairs]


# --- inputs for the core ----------------------------------------------------------------------

def weights() -> matching.Weights:
    return matching.Weights.from_config(current_app.config.get("MATCHING_WEIGHTS"))


def _chunks(ids: list) -> list[list]:
    return [ids[index:index + CHUNK] for index in range(0, len(ids), CHUNK)] or [[]]


def _openings(year: int, month: int, station_id: int | None, *, activity_ids=None,
              keep_full: bool = False) -> tuple[list[matching.Opening], dict[int, Activity]]:
    """Published activities starting in the month, not yet started, with places left: nobody
    is invited to an activity already under way."""
    start, end = activities.month_bounds(year, month)
    statement = (select(Activity, Community.town_id, Theme.tags)
                 .join(Community, Community.id == Activity.community_id)
                 .outerjoin(Theme, Theme.id == Activity.theme_id)
                 .where(Activity.status == ActivityStatus.PUBLISHED, Activity.kind == "event",
                        Activity.starts_at >= start,
                        Activity.starts_at < end, Activity.starts_at > now())
                 .order_by(Activity.starts_at, Activity.id))
    if station_id is not None:
        statement = statement.where(Activity.station_id == station_id)
    if activity_ids is not None:
        statement = statement.where(Activity.id.in_(list(activity_ids)))
    rows = db.session.execute(statement).all()
    taken = activities.places_taken(activity.id for activity, _town, _tags in rows) if rows else {}
    openings, by_id = [], {}
    for activity, town_id, tags in rows:
        left = activity.slots - taken.get(activity.id, 0)
        if left <= 0 and not keep_full:
            continue
        openings.append(matching.Opening(
            id=activity.id, starts_at=activity.starts_at, ends_at=activity.ends_at,
            slots=max(left, 1 if keep_full else 0), community_id=activity.community_id,
            town_id=town_id, required_skills=frozenset(activity.required_skills or ()),
            target_group=activity.target_group, tags=frozenset(tags or ()),
            social_worker_id=activity.created_by_id, min_age=activity.min_age,
            day=local(activity.starts_at).date(),
            required_qualification_id=activity.required_qualification_id))
        by_id[activity.id] = activity
    return openings, by_id


def volunteer_records(year: int, month: int) -> list[matching.Volunteer]:
    """Every consenting, active volunteer with what the core needs, in a handful of queries."""
    start, end = activities.month_bounds(year, month)
    rows = db.session.execute(
        select(VolunteerProfile.user_id, VolunteerProfile.community_id, Community.town_id,
               VolunteerProfile.skills, VolunteerProfile.interest_groups,
               VolunteerProfile.interest_themes, VolunteerProfile.availability,
               VolunteerProfile.monthly_limit, VolunteerProfile.linked_social_worker_id,
               VolunteerProfile.birth_date, VolunteerProfile.id_number,
               VolunteerProfile.guardian_consent_at, VolunteerProfile.guardian_name,
               VolunteerProfile.guardian_phone, VolunteerProfile.registered_by_staff_id)
        .join(User, User.id == VolunteerProfile.user_id)
        .outerjoin(Community, Community.id == VolunteerProfile.community_id)
        .where(VolunteerProfile.consent_at.is_not(None), User.active.is_(True))
        .order_by(VolunteerProfile.user_id)).all()
    if not rows:
        return []
    ids = {row.user_id for row in rows}
    consenting = (select(VolunteerProfile.user_id)
                  .where(VolunteerProfile.consent_at.is_not(None)).scalar_subquery())

    busy, taken = defaultdict(list), defaultdict(int)
    for user_id, starts_at, ends_at in db.session.execute(
            select(SignUp.user_id, Activity.starts_at, Activity.ends_at).join(SignUp.activity)
            .where(SignUp.user_id.in_(consenting), SignUp.status.in_(HOLDING),
                   Activity.status != ActivityStatus.CANCELLED,
                   Activity.ends_at > start, Activity.starts_at < end)):
        busy[user_id].append((starts_at, ends_at))
        if start <= starts_at < end:
            taken[user_id] += 1

    leaders = defaultdict(set)
    for user_id, leader_id in db.session.execute(
            select(team_members.c.user_id, VolunteerTeam.leader_id)
            .join(VolunteerTeam, VolunteerTeam.id == team_members.c.team_id)
            .where(team_members.c.user_id.in_(consenting))):
        leaders[user_id].add(leader_id)

    marked = defaultdict(dict)
    for user_id, attendance, count in db.session.execute(
            select(SignUp.user_id, SignUp.attendance, func.count(SignUp.id))
            .where(SignUp.user_id.in_(consenting), SignUp.attendance.is_not(None))
            .group_by(SignUp.user_id, SignUp.attendance)):
        marked[user_id][attendance] = count

    moment = now()
    recent: dict[int, int] = {}
    for chunk in _chunks(sorted(ids)):
        recent.update(ledger_queries.earned_by_owner(chunk, moment - timedelta(days=RECENT_DAYS), moment))

    # Qualifications valid some time in the month, and waivers of its activities: one query each.
    first_day, last_day = local(start).date(), local(end).date()
    qualified = training.held_spans(first_day, last_day)
    waived = training.waived_activities(db.session.scalars(
        select(QualificationWaiver.activity_id).join(
            Activity, Activity.id == QualificationWaiver.activity_id)
        .where(Activity.starts_at >= start, Activity.starts_at < end).distinct()))

    volunteers = []
    for row in rows:
        counts = marked.get(row.user_id, {})
        attended, total = counts.get("attended", 0), counts.get("attended", 0) + counts.get("no_show", 0)
        held = taken.get(row.user_id, 0)
        linked = set(leaders.get(row.user_id, ()))
        if row.linked_social_worker_id is not None:
            linked.add(row.linked_social_worker_id)
        volunteers.append(matching.Volunteer(
            id=row.user_id, community_id=row.community_id, town_id=row.town_id,
            skills=frozenset(row.skills or ()), groups=frozenset(row.interest_groups or ()),
            tags=frozenset(row.interest_themes or ()), availability=frozenset(row.availability or ()),
            limit_left=max((row.monthly_limit or 0) - held, 0), taken=held,
            busy=tuple(busy.get(row.user_id, ())), linked_to=frozenset(linked),
            attendance_rate=attended / total if total else None,
            recent_minutes=recent.get(row.user_id, 0),
            birth_date=row.birth_date or birth_from_id(row.id_number),
            guardian_consent=row.guardian_consent_at is not None and bool(row.guardian_name)
            and bool(row.guardian_phone),
            staff_registered=row.registered_by_staff_id is not None,
            qualifications=qualified.get(row.user_id, ()),
            waived=waived.get(row.user_id, frozenset())))
    return volunteers


def build_inputs(year: int, month: int, station_id: int | None = None
                 ) -> tuple[list[matching.Volunteer], list[matching.Opening]]:
    """The core's records for a month's matching: consenting volunteers, and the published
    activities starting that month (at `station_id`, or everywhere) with places left."""
    openings, _by_id = _openings(year, month, station_id)
    return volunteer_records(year, month), openings


# --- runs -------------------------------------------------------------------------------------

def can_run(user, station_id: int | None) -> bool:
    """Staff of the station; all stations at once only district administrators."""
    if station_id is None:
        return has_role(user, Role.DISTRICT_ADMIN)
    return can_manage_station(user, station_id)


def run_matching(year: int, month: int, station_id: int | None = None, by: User | None = None,
                 *, source: str | None = None) -> MatchRun:
    """Match the month's activities and store the proposals; `by` None is an operator or a job."""
    if by is not None and not can_run(by, station_id):
        raise PermissionDenied(_("Only staff of this station can run matching for it."))
    volunteers = volunteer_records(year, month)
    openings, _by_id = _openings(year, month, station_id)
    proposals = matching.solve(volunteers, openings, weights(), zone())
    run = MatchRun(year=year, month=month, station_id=station_id,
                   created_by_id=by.id if by is not None else None,
                   source=source or (RunSource.STAFF if by is not None else RunSource.CLI),
                   activity_count=len(openings), place_count=sum(o.slots for o in openings),
                   proposal_count=len(proposals), total_score=sum(p.score for p in proposals))
    db.session.add(run)
    db.session.flush()
    by_activity = defaultdict(list)
    for proposal in proposals:
        by_activity[proposal.activity_id].append(proposal)
    for activity_id, chosen in by_activity.items():
        chosen.sort(key=lambda p: (-p.score, p.user_id))
        for rank, proposal in enumerate(chosen, start=1):
            db.session.add(MatchProposal(run_id=run.id, activity_id=activity_id,
                                         user_id=proposal.user_id, score=proposal.score,
                                         reasons=_stored_reasons(proposal.reasons), rank=rank,
                                         status=ProposalStatus.PROPOSED))
    db.session.flush()
    audit.record("matching.run", f"match_run:{run.id}", actor=by, month=run.month_key,
                 station_id=station_id, proposals=run.proposal_count, source=run.source)
    return run


def get_run(run_id: int) -> MatchRun:
    run = db.session.get(MatchRun, run_id)
    if run is None:
        raise NotFound(_("There is no such matching run."), code="match_run_not_found")
    return run


def get_proposal(proposal_id: int) -> MatchProposal:
    proposal = db.session.get(MatchProposal, proposal_id)
    if proposal is None:
        raise NotFound(_("There is no such proposal."), code="proposal_not_found")
    return proposal


def latest_run(year: int, month: int, station_id: int | None) -> MatchRun | None:
    return db.session.scalar(select(MatchRun).where(
        MatchRun.year == year, MatchRun.month == month, MatchRun.station_id == station_id)
        .order_by(MatchRun.id.desc()).limit(1))


def require_run_viewer(user, run: MatchRun) -> None:
    if not can_run(user, run.station_id):
        raise PermissionDenied(_("Only staff of this station can see its matching."))


# --- acting on proposals ----------------------------------------------------------------------

def _invite(activity: Activity, user: User) -> SignUp:
    """An ``invited`` sign-up holding a place, and a message telling the volunteer."""
    entry = activities.sign_up(activity, user, status=SignUpStatus.INVITED)
    if entry.status == SignUpStatus.INVITED:
        notify(user.id, f"invite:{entry.id}",
               _("You are invited: %(title)s", title=activity.title),
               _("%(when)s. A place is held for you: please accept or decline.",
                 when=local(activity.starts_at).strftime("%m-%d %H:%M")),
               link=f"/volunteer/activities/{activity.id}")
    return entry


def _apply_sign_up(proposal: MatchProposal, entry: SignUp) -> None:
    proposal.sign_up_id = entry.id
    proposal.status = ProposalStatus.ACCEPTED if entry.status == SignUpStatus.CONFIRMED \
        else ProposalStatus.INVITED


def accept(proposal: MatchProposal, by: User) -> MatchProposal:
    """A social worker agrees with a proposal: the volunteer is invited (a place is held)."""
    require_station_staff(by, proposal.activity.station_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(_("This proposal has already been acted on."), code="proposal_not_open")
    if proposal.activity.starts_at <= now():
        raise Conflict(_("This activity has already started: nobody can be invited to it now."),
                       code="activity_started")
    user = db.session.get(User, proposal.user_id)
    if user is None or not user.is_active:
        raise Conflict(_("This volunteer can no longer be invited."), code="volunteer_inactive")
    entry = _invite(proposal.activity, user)
    if entry.status == SignUpStatus.WAITLISTED:
        raise Conflict(_("This volunteer is already on the waiting list."), code="waitlisted")
    _apply_sign_up(proposal, entry)
    proposal.decided_by_id = by.id
    audit.record("matching.accept", f"match_proposal:{proposal.id}", actor=by,
                 sign_up_id=entry.id, user_id=proposal.user_id, activity_id=proposal.activity_id)
    db.session.flush()
    return proposal


def _activity_opening(activity: Activity) -> matching.Opening | None:
    starts = local(activity.starts_at)
    openings, _by_id = _openings(starts.year, starts.month, activity.station_id,
                                 activity_ids=[activity.id], keep_full=True)
    return openings[0] if openings else None


def alternatives(run: MatchRun, activity: Activity, limit: int = ALTERNATIVES,
                 volunteers: list[matching.Volunteer] | None = None) -> list[matching.Proposal]:
    """The next best candidates for `activity`: not proposed for it in `run`, not signed up."""
    opening = _activity_opening(activity)
    if opening is None:
        return []
    if volunteers is None:
        volunteers = volunteer_records(run.year, run.month)
    excluded = set(db.session.scalars(select(MatchProposal.user_id).where(
        MatchProposal.run_id == run.id, MatchProposal.activity_id == activity.id)))
    excluded |= set(db.session.scalars(select(SignUp.user_id).where(
        SignUp.activity_id == activity.id, SignUp.status != SignUpStatus.CANCELLED)))
    # Who is proposed elsewhere in this run and not yet answered: keep that time and place.
    pending = defaultdict(list)
    for user_id, starts_at, ends_at in db.session.execute(
            select(MatchProposal.user_id, Activity.starts_at, Activity.ends_at)
            .join(Activity, Activity.id == MatchProposal.activity_id)
            .where(MatchProposal.run_id == run.id, MatchProposal.status == ProposalStatus.PROPOSED,
                   MatchProposal.activity_id != activity.id)):
        pending[user_id].append((starts_at, ends_at))
    pool = []
    for volunteer in volunteers:
        if volunteer.id in excluded:
            continue
        if volunteer.id in pending:
            extra = pending[volunteer.id]
            volunteer = replace(volunteer, busy=volunteer.busy + tuple(extra),
                                limit_left=max(volunteer.limit_left - len(extra), 0),
                                taken=volunteer.taken + len(extra))
        pool.append(volunteer)
    return matching.ranked(pool, opening, weights(), zone(), limit=limit)


def _next_rank(run_id: int, activity_id: int) -> int:
    return (db.session.scalar(select(func.max(MatchProposal.rank)).where(
        MatchProposal.run_id == run_id, MatchProposal.activity_id == activity_id)) or 0) + 1


def swap(proposal: MatchProposal, new_user_id: int, by: User) -> MatchProposal:
    """Replace a proposal by one of the next best candidates; the new one can then be accepted."""
    require_station_staff(by, proposal.activity.station_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(_("This proposal has already been acted on."), code="proposal_not_open")
    offered = {candidate.user_id: candidate for candidate in alternatives(
        proposal.run, proposal.activity, limit=50)}
    candidate = offered.get(new_user_id)
    if candidate is None:
        raise InvalidInput(fields={"user_id": [
            _("Choose one of the candidates offered for this activity.")]})
    proposal.status, proposal.decided_by_id = ProposalStatus.REPLACED, by.id
    new = MatchProposal(run_id=proposal.run_id, activity_id=proposal.activity_id,
                        user_id=candidate.user_id, score=candidate.score,
                        reasons=_stored_reasons(candidate.reasons),
                        rank=_next_rank(proposal.run_id, proposal.activity_id),
                        status=ProposalStatus.PROPOSED, replaces_id=proposal.id)
    db.session.add(new)
    db.session.flush()
    audit.record("matching.swap", f"match_proposal:{proposal.id}", actor=by,
                 new_proposal_id=new.id, user_id=new.user_id)
    return new


def _proposal_of(entry: SignUp) -> MatchProposal | None:
    return db.session.scalar(select(MatchProposal).where(
        MatchProposal.sign_up_id == entry.id, MatchProposal.status == ProposalStatus.INVITED)
        .order_by(MatchProposal.id.desc()).limit(1))


def on_accepted(entry: SignUp) -> MatchProposal | None:
    """The volunteer accepted an invitation: its proposal is accepted."""
    proposal = _proposal_of(entry)
    if proposal is not None and entry.status == SignUpStatus.CONFIRMED:
        proposal.status = ProposalStatus.ACCEPTED
        db.session.flush()
    return proposal


def on_declined(entry: SignUp) -> MatchProposal | None:
    """The volunteer declined an invitation: offer the place to the next best candidate.

    Returns the new proposal (status invited), or None when nobody fits (the activity's social
    worker is told) or the sign-up did not come from matching.
    """
    proposal = _proposal_of(entry)
    if proposal is None or entry.status != SignUpStatus.CANCELLED:
        return None
    proposal.status = ProposalStatus.DECLINED
    db.session.flush()
    activity = activities.get_activity(entry.activity_id)
    if not activity.open_for_sign_up or activities.slots_left(activity) <= 0:
        return None  # the place went to the waiting list, or there is nothing to fill
    for candidate in alternatives(proposal.run, activity):
        user = db.session.get(User, candidate.user_id)
        try:
            new_entry = _invite(activity, user)  # refuses before writing anything
        except Conflict:
            continue
        new = MatchProposal(run_id=proposal.run_id, activity_id=activity.id,
                            user_id=user.id, score=candidate.score,
                            reasons=_stored_reasons(candidate.reasons),
                            rank=_next_rank(proposal.run_id, activity.id),
                            status=ProposalStatus.PROPOSED, replaces_id=proposal.id)
        _apply_sign_up(new, new_entry)
        db.session.add(new)
        db.session.flush()
        audit.record("matching.reoffer", f"match_proposal:{new.id}", actor=None,
                     declined_proposal_id=proposal.id, user_id=user.id)
        return new
    notify(activity.created_by_id, f"matching-unfilled:{proposal.id}",
           _("A place is open again: %(title)s", title=activity.title),
           _("A volunteer declined and matching found nobody else who fits. "
             "Invite someone from the station's pages."),
           link=f"/station/activities/{activity.id}")
    return None


def decline_invitation(entry: SignUp, *, by: User) -> SignUp:
    """The volunteer's "decline" answer (the one way to decline): cancel the sign-up, then
    re-offer the place."""
    activities.require_open_invitation(entry, by)
    return cancel_sign_up(entry, by=by)


def cancel_sign_up(entry: SignUp, *, by: User) -> SignUp:
    """Cancel a sign-up (`activities.cancel_sign_up`); an invitation cancelled is declined, and
    its place offered to the next best candidate. Pages and the API both cancel through here."""
    invited = entry.status == SignUpStatus.INVITED
    entry = activities.cancel_sign_up(entry, by=by)
    if invited:
        on_declined(entry)
    return entry


def accept_invitation(entry: SignUp, *, by: User) -> SignUp:
    """The volunteer's "accept" answer (the one way to accept, for the pages and the API):
    confirm the held place; the proposal is accepted."""
    activities.require_open_invitation(entry, by)
    entry.status = SignUpStatus.CONFIRMED
    audit.record("signup.accept", f"signup:{entry.id}", actor=by)
    db.session.flush()
    on_accepted(entry)
    return entry


# --- the scheduled job ------------------------------------------------------------------------

def next_month() -> tuple[int, int]:
    return shift_month(*this_month(), 1)


def propose_for_stations(year: int, month: int) -> list[MatchRun]:
    """Match each station's month once (skipping stations the job already did) and tell the
    station's social workers. Safe to run twice."""
    done = set(db.session.scalars(select(MatchRun.station_id).where(
        MatchRun.year == year, MatchRun.month == month, MatchRun.source == RunSource.JOB)))
    runs = []
    for station_id in db.session.scalars(select(Station.id).order_by(Station.id)):
        if station_id in done:
            continue
        run = run_matching(year, month, station_id, source=RunSource.JOB)
        runs.append(run)
        for worker in social_workers_at(station_id):
            notify(worker.id, f"matching:{run.id}:{worker.id}",
                   _("Matching proposals for %(month)s are ready", month=run.month_key),
                   _("%(proposals)d proposals for %(activities)d activities. Review and invite.",
                     proposals=run.proposal_count, activities=run.activity_count),
                   link=f"/station/matching?month={run.month_key}")
    return runs
