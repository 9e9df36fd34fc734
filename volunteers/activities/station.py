"""Desktop pages for station staff: the station's activities with their sign-ups and attendance.
(Linked volunteers live in `volunteers.profiles.station`, the theme calendar in
`volunteers.themes.views`.)

A staff member's station is their `StaffPost`. Who may change what is decided by the services
(`activities`, `profiles`, `themes`), which raise `PermissionDenied` (403) for another station.
"""

from typing import TYPE_CHECKING

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from timebank.accounts.permissions import Role, role_required
from timebank.clock import local, now, shift_month, this_month
from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.actions import attempt, form_errors, perform
from timebank.web.forms import load_form
from volunteers.activities import services as activities
from volunteers.activities.models import Activity, ActivityStatus, CreditMode, SignUp, SignUpStatus
from volunteers.activities.schemas import (
    ActivityFormSchema,
    AttendanceFormSchema,
    StationActivityQuerySchema,
)
from volunteers.matching import services as match_runs
from volunteers.pages import hold_post, month_label, my_station
from volunteers.pages import station_bp as bp
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes
from volunteers.training import services as training

if TYPE_CHECKING:
    from timebank.org.models import Station

#: How the sign-ups list is ordered: who holds a place, who is asked, who waits, who left.
SIGN_UP_ORDER = (SignUpStatus.CONFIRMED, SignUpStatus.INVITED, SignUpStatus.WAITLISTED,
                 SignUpStatus.CANCELLED)
#: Months ahead whose themes the activity form offers.
THEME_MONTHS_AHEAD = 2


def _months_from_now(count: int) -> list[tuple[int, int]]:
    year, month = this_month()
    return [shift_month(year, month, step) for step in range(count)]


def _counts_by_status(activity_ids) -> dict[int, dict[str, int]]:
    """Activity id → {status: sign-ups}, in one query."""
    counts: dict[int, dict[str, int]] = {}
    for activity_id, status, count in db.session.execute(
            select(SignUp.activity_id, SignUp.status, func.count(SignUp.id))
            .where(SignUp.activity_id.in_(list(activity_ids)))
            .group_by(SignUp.activity_id, SignUp.status)):
        counts.setdefault(activity_id, {})[status] = count
    return counts


# --- activities -------------------------------------------------------------------------------

@bp.get("/")
@role_required(Role.SOCIAL_WORKER)
def index():
    return redirect(url_for(".activities_list"))


@bp.get("/activities")
@role_required(Role.SOCIAL_WORKER)
def activities_list():
    """This month's and next month's activities, or any month's (``?month=``), or a search of
    every month by title; narrowed by theme, status and the social worker who created them."""
    station = my_station()
    query, errors = load_form(StationActivityQuerySchema(), request.args)
    if query is None:
        query = StationActivityQuerySchema().load({})
    if query["month"]:
        shown_months = [themes.parse_month(query["month"])]
    elif query["q"]:
        shown_months = []  # a search looks at every month
    else:
        shown_months = _months_from_now(2)
    found = activities.station_activities(
        station.id, by=current_user, months=shown_months, title=query["q"],
        theme_id=query["theme_id"], status=query["status"], organiser_id=query["worker_id"])
    by_month: dict[tuple[int, int], list[Activity]] = {key: [] for key in shown_months}
    for activity in found:
        start = local(activity.starts_at)
        by_month.setdefault((start.year, start.month), []).append(activity)
    months = [{"label": month_label(activities.month_bounds(year, month)[0]),
               "activities": listed,
               "themes": themes.themes_for_month(year, month, station.id)}
              for (year, month), listed in by_month.items()]
    places = org.communities(activity.community_id for activity in found)
    year, month = shown_months[0] if shown_months else this_month()
    return render_template(
        "station/activities.html", station=station, months=months, places=places,
        counts=_counts_by_status(activity.id for activity in found), query=query, errors=errors,
        searching=not shown_months, limit=activities.SEARCH_LIMIT, found=len(found),
        month_key=f"{year:04d}-{month:02d}",
        earlier="{:04d}-{:02d}".format(*shift_month(year, month, -1)),
        later="{:04d}-{:02d}".format(*shift_month(year, month, 1)),
        theme_options=themes.themes_to_filter_by(station.id),
        workers=org.social_workers_at(station.id),
        status_options=[(status.value, activities.STATUS_LABELS[status])
                        for status in ActivityStatus]), 422 if errors else 200


def _theme_choices(station: "Station", activity: Activity | None = None) -> list[themes.Theme]:
    """Themes of this month and the next ones, the station's and the district's."""
    offered = [theme for year, month in _months_from_now(THEME_MONTHS_AHEAD + 1)
               for theme in themes.themes_for_month(year, month, station.id)]
    if activity is not None and activity.theme is not None and activity.theme not in offered:
        offered.insert(0, activity.theme)
    return offered


def _theme_month_problem(data: dict) -> dict:
    """An activity's theme is one of its own month (the service checks the station)."""
    if data.get("theme_id") is None:
        return {}
    theme = db.session.get(themes.Theme, data["theme_id"])
    start = local(data["starts_at"])
    if theme is None:
        return {"theme_id": [_("There is no such theme.")]}
    if (theme.year, theme.month) != (start.year, start.month):
        return {"theme_id": [_("Choose a theme of the month the activity takes place in.")]}
    return {}


def _form_values(activity: Activity | None) -> dict:
    if request.method == "POST":
        values = request.form.to_dict()
        values["required_skills"] = request.form.getlist("required_skills")
        values["allow_walk_ins"] = "allow_walk_ins" in request.form
        values["risky"] = "risky" in request.form
        return values
    if activity is None:
        start = local(now()).replace(minute=0, second=0, microsecond=0)
        return {"slots": "10", "status": ActivityStatus.DRAFT, "credit_mode": CreditMode.SCANNED,
                "target_group": "community", "required_skills": [], "service_category": "",
                "person_in_charge": current_user.name,
                "start_time": "09:00", "end_time": "11:00", "start_date": start.date().isoformat()}
    starts, ends = local(activity.starts_at), local(activity.ends_at)
    return {"title": activity.title, "description": activity.description,
            "theme_id": str(activity.theme_id or ""), "target_group": activity.target_group,
            "community_id": str(activity.community_id), "place": activity.place,
            "start_date": starts.date().isoformat(), "start_time": starts.strftime("%H:%M"),
            "end_date": ends.date().isoformat() if ends.date() != starts.date() else "",
            "end_time": ends.strftime("%H:%M"), "slots": str(activity.slots),
            "required_skills": activity.required_skills, "credit_mode": activity.credit_mode,
            "fixed_minutes": str(activity.fixed_minutes or ""),
            "allow_walk_ins": activity.allow_walk_ins, "status": activity.status,
            "service_category": activity.service_category or "",
            "service_content": activity.service_content,
            "people_served": "" if activity.people_served is None else str(activity.people_served),
            "person_in_charge": activity.person_in_charge,
            "min_age": "" if activity.min_age is None else str(activity.min_age),
            "risky": activity.risky, "insurance_reference": activity.insurance_reference,
            "required_qualification_id": str(activity.required_qualification_id or "")}


def _activity_form(station: "Station", activity: Activity | None, errors: dict):
    theme_options = [
        (theme.id, " · ".join([month_label(activities.month_bounds(theme.year, theme.month)[0]),
                               theme.title, _("District-wide") if theme.station_id is None
                               else station.name]))
        for theme in _theme_choices(station, activity)]
    return render_template(
        "station/activity_form.html", station=station, activity=activity, errors=errors,
        values=_form_values(activity), theme_choices_options=theme_options,
        community_options=[(community.id, community.name) for community in station.town.communities],
        status_options=[(status.value, activities.STATUS_LABELS[status]) for status in ActivityStatus],
        qualification_options=[(q.id, q.name) for q in training.qualifications()],
    ), 422 if errors else 200


def _save_activity(save) -> tuple[Activity | None, dict]:
    """Validate the posted form and hand it to `save`; (activity, {}) or (None, errors)."""
    data, errors = load_form(ActivityFormSchema())
    if data is not None:
        errors = _theme_month_problem(data)
        try:
            org.get_community(data["community_id"])
        except NotFound as error:
            errors.update(error.fields)
    if errors:
        return None, errors
    saved = attempt(lambda: save(data), refused=InvalidInput)
    if saved.error is not None:
        return None, form_errors(saved.error)
    return saved.result, {}


@bp.route("/activities/new", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def new_activity():
    station = my_station()
    errors = {}
    if request.method == "POST":
        created, errors = _save_activity(
            lambda data: activities.create_activity(current_user, station, data))
        if created is not None:
            flash(_("Activity “%(title)s” is saved.", title=created.title), "success")
            return redirect(url_for(".activity_detail", activity_id=created.id))
    return _activity_form(station, None, errors)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@role_required(Role.SOCIAL_WORKER)
def edit_activity(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    errors = {}
    if request.method == "POST":
        updated, errors = _save_activity(
            lambda data: activities.update_activity(activity, current_user, data))
        if updated is not None:
            flash(_("Activity “%(title)s” is saved.", title=updated.title), "success")
            return redirect(url_for(".activity_detail", activity_id=updated.id))
        db.session.refresh(activity)
    return _activity_form(activity.station, activity, errors)


@bp.get("/activities/<int:activity_id>")
@role_required(Role.SOCIAL_WORKER)
def activity_detail(activity_id: int):
    hold_post()
    activity = activities.station_activity(current_user, activity_id)
    order = case({status.value: rank for rank, status in enumerate(SIGN_UP_ORDER)},
                 value=SignUp.status)
    entries = list(db.session.scalars(
        select(SignUp).where(SignUp.activity_id == activity.id)
        .options(joinedload(SignUp.user)).order_by(order, SignUp.id)))
    volunteer_profiles = profiles.profiles_with_places(entry.user_id for entry in entries)
    id_numbers = {user_id: profiles.shown_id_number(current_user, profile)
                  for user_id, profile in volunteer_profiles.items()}
    groups = {status: [entry for entry in entries if entry.status == status]
              for status in SIGN_UP_ORDER}
    day = local(activity.starts_at).date()
    minors = {user_id: {"age": profiles.age_on(profile, day),
                        "guardian": profile.guardian_name or "",
                        "guardian_phone": profiles.shown_guardian_phone(current_user, profile),
                        "consent": profiles.has_guardian_consent(profile)}
              for user_id, profile in volunteer_profiles.items()
              if profiles.is_minor(profile, day)}
    return render_template("station/activity.html", activity=activity, groups=groups,
                           profiles=volunteer_profiles, id_numbers=id_numbers, minors=minors,
                           taken=activities.places_taken([activity.id]).get(activity.id, 0),
                           started=activity.has_started)


@bp.post("/sign-ups/<int:sign_up_id>/cancel")
@role_required(Role.SOCIAL_WORKER)
def cancel_sign_up(sign_up_id: int):
    entry = activities.station_sign_up(current_user, sign_up_id)
    return perform(lambda: match_runs.cancel_sign_up(entry, by=current_user),
                   success=lambda _entry: _("The sign-up of %(name)s is cancelled.",
                                            name=entry.user.name),
                   back_to=url_for(".activity_detail", activity_id=entry.activity_id))


@bp.post("/sign-ups/<int:sign_up_id>/attendance")
@role_required(Role.SOCIAL_WORKER)
def attendance(sign_up_id: int):
    entry = activities.station_sign_up(current_user, sign_up_id)
    data, errors = load_form(AttendanceFormSchema())
    back_to = url_for(".activity_detail", activity_id=entry.activity_id)
    if data is None:
        flash(" ".join(errors.get("attendance", [])), "error")
        return redirect(back_to)
    return perform(lambda: activities.mark_attendance(entry, data["attendance"], by=current_user),
                   success=lambda _entry: _("Attendance of %(name)s is recorded.",
                                            name=entry.user.name),
                   back_to=back_to)


# --- my linked volunteers ---------------------------------------------------------------------

