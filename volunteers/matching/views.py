"""Desktop pages for station staff: run matching for a month, review the proposals with their
reasons, accept (invite) them or swap someone else in. The rules live in `match_runs`.
"""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts import services as users
from timebank.accounts.permissions import Role, role_required
from timebank.clock import local, now, shift_month
from timebank.org import services as org
from timebank.web.actions import perform
from timebank.web.inputs import db_int
from volunteers.activities import services as activities
from volunteers.matching import services as match_runs
from volunteers.matching.models import ProposalStatus
from volunteers.pages import month_label, my_station
from volunteers.themes import services as themes

bp = Blueprint("matching", __name__, url_prefix="/station/matching")

#: Statuses shown under an activity; replaced proposals are history.
SHOWN = (ProposalStatus.ACCEPTED, ProposalStatus.INVITED, ProposalStatus.PROPOSED,
         ProposalStatus.DECLINED)


def _month() -> tuple[int, int]:
    try:
        return themes.parse_month(request.values.get("month") or "")
    except ValueError:
        today = local(now())
        return today.year, today.month


def _key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _shift(year: int, month: int, by: int) -> str:
    return _key(*shift_month(year, month, by))


@bp.get("")
@role_required(Role.SOCIAL_WORKER)
def index():
    station = my_station()
    year, month = _month()
    run = match_runs.latest_run(year, month, station.id)
    groups, alternatives, listed = [], {}, []
    if run is not None:
        by_activity: dict[int, list] = {}
        for proposal in run.proposals:
            if proposal.status in SHOWN:
                by_activity.setdefault(proposal.activity_id, []).append(proposal)
        listed = activities.activities_by_start(by_activity)
        volunteers = match_runs.volunteer_records(run.year, run.month) if listed else []
        for activity in listed:
            proposals = sorted(by_activity[activity.id],
                               key=lambda p: (SHOWN.index(p.status), p.rank))
            groups.append({"activity": activity, "proposals": proposals})
            if any(p.status == ProposalStatus.PROPOSED for p in proposals):
                alternatives[activity.id] = match_runs.alternatives(run, activity,
                                                                    volunteers=volunteers)
    names = users.names_of([p.user_id for group in groups for p in group["proposals"]]
                           + [c.user_id for found in alternatives.values() for c in found])
    return render_template(
        "station/matching.html", station=station, run=run, groups=groups,
        alternatives=alternatives, names=names, reason_text=match_runs.reason_text,
        taken=activities.places_taken(activity.id for activity in listed) if listed else {},
        month_key=_key(year, month), month_label=month_label(activities.month_bounds(year, month)[0]),
        previous_month=_shift(year, month, -1), next_month=_shift(year, month, 1))


@bp.post("/run")
@role_required(Role.SOCIAL_WORKER)
def run():
    station = my_station()
    year, month = _month()
    return perform(lambda: match_runs.run_matching(year, month, station.id, by=current_user),
                   success=lambda made: _("%(proposals)d proposals for %(activities)d activities.",
                                          proposals=made.proposal_count,
                                          activities=made.activity_count),
                   back_to=url_for(".index", month=_key(year, month)))


def _station_proposal(proposal_id: int) -> match_runs.MatchProposal:
    """A proposal for an activity of the viewer's station (403 for another station's)."""
    proposal = match_runs.get_proposal(proposal_id)
    org.require_station_staff(current_user, proposal.activity.station_id)
    return proposal


@bp.post("/proposals/<int:proposal_id>/accept")
@role_required(Role.SOCIAL_WORKER)
def accept(proposal_id: int):
    proposal = _station_proposal(proposal_id)
    return perform(lambda: match_runs.accept(proposal, current_user),
                   success=lambda done: _("%(name)s is invited to “%(title)s”.",
                                          name=done.user.name, title=done.activity.title),
                   back_to=url_for(".index", month=proposal.run.month_key))


@bp.post("/proposals/<int:proposal_id>/swap")
@role_required(Role.SOCIAL_WORKER)
def swap(proposal_id: int):
    proposal = _station_proposal(proposal_id)
    chosen = request.form.get("user_id", type=db_int) or 0
    return perform(lambda: match_runs.swap(proposal, chosen, current_user),
                   success=lambda new: _("%(name)s is proposed instead.", name=new.user.name),
                   back_to=url_for(".index", month=proposal.run.month_key))
