"""Pages for volunteers, on a phone: home, this month's activities, an activity with sign-up,
and my volunteer profile. The rules live in `activities`, `profiles` and `themes`; these views
read the request, call them, commit once and say what happened.
"""

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from timebank.accounts.permissions import login_required
from timebank.clock import local, now, shift_month
from timebank.errors import Conflict, NotFound, ServiceError
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.services import Community, Town
from timebank.web.forms import load_html_form
from timebank.web.inputs import db_int
from volunteers.activities import services as activities
from volunteers.activities.schemas import GENDERS, VolunteerProfileFormSchema
from volunteers.activities.services import Activity, ActivityStatus, SignUp, SignUpStatus
from volunteers.matching import services as match_runs
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")


@bp.context_processor
def _labels() -> dict:
    return {"STATUS_LABELS": activities.STATUS_LABELS}


def month_label(moment) -> str:
    """``2026年3月`` or ``Mar 2026``."""
    return format_skeleton("yMMM", moment, locale=get_locale())


def _my_place() -> tuple[profiles.VolunteerProfile | None, Community | None, int | None]:
    """The volunteer's profile, home community and the station of that community."""
    profile = db.session.get(profiles.VolunteerProfile, current_user.id)
    community = profile.community if profile else None
    station_id = community.station.id if community and community.station else None
    return profile, community, station_id


def prime(model, ids) -> list:
    """Load the rows a list refers to in one query, so the template's lookups need none.

    The session holds loaded rows only weakly: keep what this returns until the page is rendered.
    """
    ids = {id_ for id_ in ids if id_ is not None}
    return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def prime_places(community_ids) -> list[Community]:
    """Load communities with their town and station in one query (who may see an ID number
    depends on the station of the volunteer's community). Keep the result, as with `prime`."""
    ids = {id_ for id_ in community_ids if id_ is not None}
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).options(
        joinedload(Community.town).joinedload(Town.station)))) if ids else []


def _my_live_sign_ups(activity_ids) -> dict[int, SignUp]:
    """Activity id → my live sign-up, for the activities listed."""
    return {entry.activity_id: entry for entry in db.session.scalars(select(SignUp).where(
        SignUp.user_id == current_user.id, SignUp.activity_id.in_(list(activity_ids)),
        SignUp.status != SignUpStatus.CANCELLED))}


@bp.get("/")
@login_required
def home():
    today = local(now())
    profile, community, station_id = _my_place()
    month_activities = activities.browse(year=today.year, month=today.month, station_id=station_id,
                                         community_first=community.id if community else None)
    nearby = [activity for activity in month_activities if not activity.has_ended][:8]
    places = prime(Community, (activity.community_id for activity in nearby))
    return render_template(
        "volunteer/home.html",
        profile=profile, community=community, places=places,
        themes=themes.themes_for_month(today.year, today.month, station_id),
        upcoming=activities.next_sign_ups(current_user),
        nearby=nearby,
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


@bp.get("/activities")
@login_required
def browse():
    year, month = _month_from(request.args.get("month"))
    theme_id = request.args.get("theme_id", type=db_int)
    _, community, station_id = _my_place()
    listed = activities.browse(year=year, month=month, station_id=station_id, theme_id=theme_id,
                               community_first=community.id if community else None)
    places = prime(Community, (activity.community_id for activity in listed))
    month_themes = themes.themes_for_month(year, month, station_id)
    return render_template(
        "volunteer/activities.html",
        activities=listed, community=community, places=places, themes=month_themes, theme_id=theme_id,
        month_key=f"{year:04d}-{month:02d}",
        month_label=month_label(activities.month_bounds(year, month)[0]),
        previous_month=_shift(year, month, -1), next_month=_shift(year, month, 1),
        taken=activities.places_taken(activity.id for activity in listed),
        mine=_my_live_sign_ups(activity.id for activity in listed),
    )


def _visible_activity(activity_id: int) -> Activity:
    """An activity a volunteer may see: anything but a draft, which only its station's staff see."""
    activity = activities.get_activity(activity_id)
    if activity.status == ActivityStatus.DRAFT \
            and not org.can_manage_station(current_user, activity.station_id):
        abort(404)
    return activity


def _waitlist_position(entry: SignUp) -> int:
    return db.session.scalar(select(func.count(SignUp.id)).where(
        SignUp.activity_id == entry.activity_id, SignUp.status == SignUpStatus.WAITLISTED,
        SignUp.id <= entry.id))


@bp.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    shown = _visible_activity(activity_id)
    mine = activities.live_sign_up(shown, current_user)
    return render_template(
        "volunteer/activity.html", activity=shown, mine=mine,
        left=activities.slots_left(shown),
        position=_waitlist_position(mine) if mine and mine.status == SignUpStatus.WAITLISTED else None,
        open_for_sign_up=shown.status == ActivityStatus.PUBLISHED and not shown.has_ended,
        skills=profiles.SKILLS, target_groups=profiles.TARGET_GROUPS,
    )


@bp.post("/activities/<int:activity_id>/sign-up")
@login_required
def sign_up(activity_id: int):
    shown = _visible_activity(activity_id)
    try:
        entry = activities.sign_up(shown, current_user)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".activity", activity_id=activity_id))
    db.session.commit()
    if entry.status == SignUpStatus.WAITLISTED:
        flash(_("“%(title)s” is full, so you are on the waiting list (number %(position)d). If a "
                "place frees up you are confirmed automatically, and this page will say so.",
                title=shown.title, position=_waitlist_position(entry)), "info")
    elif entry.status == SignUpStatus.INVITED:
        flash(_("You are invited to “%(title)s”. Please accept or decline below.", title=shown.title),
              "info")
    else:
        flash(_("You are signed up for “%(title)s”. See you there!", title=shown.title), "success")
    return redirect(url_for(".activity", activity_id=activity_id))


def _my_sign_up(sign_up_id: int) -> SignUp:
    """One of my own sign-ups; anybody else's is not found here (staff use the station pages)."""
    entry = activities.get_sign_up(sign_up_id)
    if entry.user_id != current_user.id:
        abort(404)
    return entry


def _answer(sign_up_id: int, change, message: str):
    entry = _my_sign_up(sign_up_id)
    try:
        change(entry, by=current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".activity", activity_id=entry.activity_id))


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


# --- my profile as a volunteer ----------------------------------------------------------------



def _profile_values(profile: profiles.VolunteerProfile | None) -> dict:
    """What the form shows: the saved profile, or after a refused post what was posted."""
    if request.method == "POST":
        form = request.form
        return {"community_id": form.get("community_id", ""), "skills": form.getlist("skills"),
                "skills_other": form.get("skills_other", ""),
                "interest_groups": form.getlist("interest_groups"),
                "interest_themes": form.get("interest_themes", ""),
                "availability": form.getlist("availability"),
                "monthly_limit": form.get("monthly_limit", ""),
                "id_number": form.get("id_number", ""), "gender": form.get("gender", ""),
                "consent": "consent" in form}
    if profile is None:
        return {"skills": [], "interest_groups": [], "availability": [],
                "monthly_limit": profiles.DEFAULT_MONTHLY_LIMIT, "consent": False}
    return {"community_id": str(profile.community_id or ""), "skills": profile.skills,
            "skills_other": profile.skills_other, "interest_groups": profile.interest_groups,
            "interest_themes": "、".join(profile.interest_themes),
            "availability": profile.availability, "monthly_limit": profile.monthly_limit,
            "id_number": profiles.shown_id_number(current_user, profile),
            "gender": profile.gender or "", "consent": profile.consent_at is not None}


def _save_profile(data: dict) -> dict:
    """Save the form; field errors come back, or nothing when it is saved (not yet committed)."""
    if data.get("community_id") is not None:
        try:
            org.get_community(data["community_id"])
        except NotFound as error:
            return error.fields
    profile = profiles.profile_for(current_user)
    before = profile.linked_social_worker_id
    try:
        profiles.update_profile(profile, data)
    except ServiceError as error:
        db.session.rollback()
        return error.fields or {"_schema": [error.message]}
    db.session.commit()
    flash(_("Your volunteer profile is saved."), "success")
    if profile.linked_social_worker_id != before:
        if profile.linked_social_worker is not None:
            flash(_("Your social worker is now %(name)s.", name=profile.linked_social_worker.name),
                  "info")
        else:
            flash(_("There is no social worker for your community yet; the station will link "
                    "you with one."), "info")
    return {}


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    errors = {}
    if request.method == "POST":
        data, errors = load_html_form(VolunteerProfileFormSchema(), request.form)
        if data is not None:
            errors = _save_profile(data)
            if not errors:
                return redirect(url_for(".profile"))
    saved = db.session.get(profiles.VolunteerProfile, current_user.id)
    return render_template(
        "volunteer/profile.html", profile=saved, values=_profile_values(saved), errors=errors,
        towns=org.towns_with_communities(), skills=profiles.SKILLS,
        target_groups=profiles.TARGET_GROUPS, weekdays=profiles.WEEKDAY_LABELS,
        day_parts=profiles.DAY_PART_LABELS, genders=GENDERS,
    ), 422 if errors else 200
