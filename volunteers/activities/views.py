"""Pages for volunteers, on a phone: home, this month's activities, an activity with sign-up;
and the public pages anyone may open: coming activities and the station directory.
The rules live in the services of `activities`, `profiles` and `themes`; these views read the
request, call them, commit once and say what happened.
"""

from datetime import date
from typing import TYPE_CHECKING

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import login_required
from timebank.clock import local, now, shift_month, supported
from timebank.errors import Conflict
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.actions import attempt, perform
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from volunteers import vocabulary
from volunteers.activities import services as activities
from volunteers.activities.models import SignUpStatus
from volunteers.checkins import services as checkins
from volunteers.matching import services as match_runs
from volunteers.official import services as official
from volunteers.pages import month_label, public_bp
from volunteers.pages import volunteer_bp as bp
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes

if TYPE_CHECKING:
    from timebank.org.models import Community
    from volunteers.profiles.models import VolunteerProfile


def _my_place() -> tuple["VolunteerProfile | None", "Community | None", int | None]:
    """The volunteer's profile, home community and the station of that community."""
    profile = profiles.home_with_place(current_user)
    community = profile.community if profile else None
    station_id = community.station.id if community and community.station else None
    return profile, community, station_id


#: Activities of this month, not over yet, on the volunteer's home page.
NEARBY = 8


@bp.get("/")
@login_required
def home():
    today = local(now())
    profile, community, station_id = _my_place()
    nearby = activities.browse(year=today.year, month=today.month, station_id=station_id,
                               community_first=community.id if community else None,
                               coming_only=True, limit=NEARBY)
    places = org.communities(activity.community_id for activity in nearby)
    return render_template(
        "volunteer/home.html",
        profile=profile, community=community, places=places,
        themes=themes.themes_for_month(today.year, today.month, station_id),
        upcoming=activities.next_sign_ups(current_user),
        nearby=nearby, contact=_contact(profile),
        taken=activities.places_taken(activity.id for activity in nearby),
    )


def _month_from(value: str | None) -> tuple[int, int]:
    try:
        return themes.parse_month(value or "")
    except ValueError:
        today = local(now())
        return today.year, today.month


def _shift(year: int, month: int, by: int) -> str:
    year, month = shift_month(year, month, by)
    return f"{year:04d}-{month:02d}"


def _day_in(value: str | None, year: int, month: int) -> date | None:
    """A ``YYYY-MM-DD`` day of the month shown, or None."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if (day.year, day.month) == (year, month) else None


@bp.get("/activities")
@login_required
def browse():
    year, month = _month_from(request.args.get("month"))
    theme_id = request.args.get("theme_id", type=db_int)
    community_id = request.args.get("community_id", type=db_int)
    day = _day_in(request.args.get("day"), year, month)
    fitting = request.args.get("fits") == "1"
    profile, community, station_id = _my_place()
    listed = activities.browse(year=year, month=month, station_id=station_id, theme_id=theme_id,
                               community_id=community_id, day=day,
                               community_first=community.id if community else None)
    if fitting:
        listed = [activity for activity in listed if activities.fits(activity, profile)]
    places = org.communities(activity.community_id for activity in listed)
    month_themes = themes.themes_for_month(year, month, station_id)
    month_key = f"{year:04d}-{month:02d}"
    history = checkins.service_history(current_user)
    filters = {key: value for key, value in (
        ("theme_id", theme_id), ("community_id", community_id),
        ("day", day and day.isoformat()), ("fits", "1" if fitting else None)) if value}
    return render_template(
        "volunteer/activities.html",
        activities=listed, community=community, places=places, themes=month_themes, theme_id=theme_id,
        month_key=month_key, filters=filters,
        chip_args={key: value for key, value in filters.items() if key != "theme_id"},
        community_id=community_id, day=day, fitting=fitting,
        home_communities=community.town.communities if community else [],
        can_fit=bool(profile and profile.availability),
        month_label=month_label(activities.month_bounds(year, month)[0]),
        previous_month=_shift(year, month, -1), next_month=_shift(year, month, 1),
        taken=activities.places_taken(activity.id for activity in listed),
        mine=activities.live_sign_ups_of(current_user, (activity.id for activity in listed)),
        history=history, synced=official.syncs_of(checkin.id for checkin, _m in history),
        contact=_contact(profile),
    )


def _contact(profile) -> dict | None:
    """The volunteer's linked social worker (name) and their station (name, phone)."""
    if profile is None or (profile.linked_social_worker is None and profile.community is None):
        return None
    station = profile.community.station if profile.community else None
    return {"worker": profile.linked_social_worker, "station": station}


@bp.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    shown = activities.visible_activity(current_user, activity_id)
    mine = activities.live_sign_up(shown, current_user)
    return render_template(
        "volunteer/activity.html", activity=shown, mine=mine,
        left=activities.slots_left(shown),
        position=activities.waitlist_position(mine) if mine and mine.status == SignUpStatus.WAITLISTED
        else None,
        open_for_sign_up=shown.open_for_sign_up,
        skills=vocabulary.SKILLS, target_groups=vocabulary.TARGET_GROUPS,
    )


@bp.post("/activities/<int:activity_id>/sign-up")
@login_required
def sign_up(activity_id: int):
    shown = activities.visible_activity(current_user, activity_id)
    signed = attempt(lambda: activities.sign_up(shown, current_user), refused=Conflict)
    if signed.error is not None:
        flash(signed.error.message, "error")
        if signed.error.code == "guardian_consent_needed":  # the guardian's page, then back here
            return redirect(url_for(".guardian", next=url_for(".activity",
                                                              activity_id=activity_id)))
        return redirect(url_for(".activity", activity_id=activity_id))
    entry = signed.result
    if entry.status == SignUpStatus.WAITLISTED:
        flash(_("“%(title)s” is full, so you are on the waiting list (number %(position)d). If a "
                "place frees up you are confirmed automatically, and this page will say so.",
                title=shown.title, position=activities.waitlist_position(entry)), "info")
    elif entry.status == SignUpStatus.INVITED:
        flash(_("You are invited to “%(title)s”. Please accept or decline below.", title=shown.title),
              "info")
    else:
        flash(_("You are signed up for “%(title)s”. See you there!", title=shown.title), "success")
    return redirect(url_for(".activity", activity_id=activity_id))


def _answer(sign_up_id: int, change, message: str):
    entry = activities.own_sign_up(current_user, sign_up_id)  # staff use the station pages
    return perform(lambda: change(entry, by=current_user), success=message,
                   back_to=url_for(".activity", activity_id=entry.activity_id))


@bp.get("/sign-ups/<int:sign_up_id>/cancel")
@login_required
def confirm_cancel(sign_up_id: int):
    """Ask before cancelling: the activity page's button leads here (no script needed)."""
    entry = activities.own_sign_up(current_user, sign_up_id)
    if entry.status == SignUpStatus.CANCELLED:
        return redirect(url_for(".activity", activity_id=entry.activity_id))
    return render_template("volunteer/cancel.html", entry=entry, activity=entry.activity,
                           waiting=activities.waiting_count(entry.activity))


@bp.post("/sign-ups/<int:sign_up_id>/cancel")
@login_required
def cancel(sign_up_id: int):
    return _answer(sign_up_id, match_runs.cancel_sign_up, _("Your sign-up is cancelled."))


@bp.post("/sign-ups/<int:sign_up_id>/accept")
@login_required
def accept(sign_up_id: int):
    return _answer(sign_up_id, match_runs.accept_invitation,
                   _("Thank you! Your place is confirmed."))


@bp.post("/sign-ups/<int:sign_up_id>/decline")
@login_required
def decline(sign_up_id: int):
    return _answer(sign_up_id, match_runs.decline_invitation,
                   _("You declined the invitation; the place goes to someone else."))


# --- what anyone may see, without logging in ------------------------------------------------------
# The activities coming up (``/activities``), an activity's page with a way to sign up after
# logging in, and the station directory (``/stations``) with each station's social workers by
# name, this month's theme and its coming activities. Who may see what is decided in
# `activities.services` (`public_activities_statement`, `public_activity`) and in the
# organisation's directory (`timebank.org.services`).

PER_PAGE = 20
STATIONS_PER_PAGE = 30
#: Coming activities shown on a station's page.
STATION_ACTIVITIES = 10


def _day(name: str) -> date | None:
    """A ``YYYY-MM-DD`` query argument, or None when missing or unreadable."""
    try:
        day = date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None
    return day if supported(day) else None


@public_bp.get("/activities", endpoint="activities")
def public_activities():
    filters = {"theme_id": request.args.get("theme_id", type=db_int),
               "town_id": request.args.get("town_id", type=db_int),
               "community_id": request.args.get("community_id", type=db_int),
               "day_from": _day("from"), "day_to": _day("to")}
    page = paginate(activities.public_activities_statement(**filters), PER_PAGE)
    listed = list(page.items)
    places = org.communities(activity.community_id for activity in listed)
    args = {key: value for key, value in (
        ("theme_id", filters["theme_id"]), ("town_id", filters["town_id"]),
        ("community_id", filters["community_id"]),
        ("from", filters["day_from"] and filters["day_from"].isoformat()),
        ("to", filters["day_to"] and filters["day_to"].isoformat())) if value}
    return render_template(
        "public/activities.html", activities=listed, page=page, places=places, args=args,
        filters=filters, themes=activities.public_themes(), towns=org.towns_with_communities(),
        taken=activities.places_taken(activity.id for activity in listed))


@public_bp.get("/activities/<int:activity_id>", endpoint="activity")
def public_activity(activity_id: int):
    shown = activities.public_activity(activity_id)
    sign_up_page = url_for("volunteer.activity", activity_id=shown.id)
    return render_template(
        "public/activity.html", activity=shown, left=activities.slots_left(shown),
        sign_up_page=sign_up_page,
        login_url=url_for("auth.login", next=sign_up_page),
        logged_in=current_user.is_authenticated,
        skills=vocabulary.SKILLS, target_groups=vocabulary.TARGET_GROUPS)


@public_bp.get("/stations", endpoint="stations")
def public_stations():
    page = paginate(org.station_directory_statement(), STATIONS_PER_PAGE)
    return render_template("public/stations.html", entries=org.directory_entries(list(page.items)),
                           page=page)


@public_bp.get("/stations/<int:station_id>", endpoint="station")
def public_station(station_id: int):
    entry = org.directory_entry(station_id)
    today = local(now())
    coming = activities.public_activities_statement(station_id=entry.station.id) \
        .limit(STATION_ACTIVITIES)
    listed = list(db.session.scalars(coming))
    places = org.communities(activity.community_id for activity in listed)
    return render_template(
        "public/station.html", entry=entry, station=entry.station,
        teams=org.grid_team_social_workers(entry.station),
        themes=themes.themes_for_month(today.year, today.month, entry.station.id),
        activities=listed, places=places,
        taken=activities.places_taken(activity.id for activity in listed))
