"""Pages anyone may open without logging in: the activities coming up (``/activities``), an
activity's page with a way to sign up after logging in, and the station directory
(``/stations``) with each station's social workers by name, this month's theme and its coming
activities. Who may see what is decided in `activities.services` (`public_activities_statement`,
`public_activity`) and in the organisation's directory (`timebank.org.services`)."""

from datetime import date

from flask import render_template, request, url_for
from flask_login import current_user

from timebank.clock import local, now, supported
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.inputs import db_int
from timebank.web.pagination import paginate
from volunteers import vocabulary
from volunteers.activities import services as activities
from volunteers.pages import public_bp as bp
from volunteers.themes import services as themes

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


@bp.get("/activities")
def activities_list():
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


@bp.get("/activities/<int:activity_id>")
def activity(activity_id: int):
    shown = activities.public_activity(activity_id)
    sign_up_page = url_for("volunteer.activity", activity_id=shown.id)
    return render_template(
        "public/activity.html", activity=shown, left=activities.slots_left(shown),
        sign_up_page=sign_up_page,
        login_url=url_for("auth.login", next=sign_up_page),
        logged_in=current_user.is_authenticated,
        skills=vocabulary.SKILLS, target_groups=vocabulary.TARGET_GROUPS)


@bp.get("/stations")
def stations():
    page = paginate(org.station_directory_statement(), STATIONS_PER_PAGE)
    return render_template("public/stations.html", entries=org.directory_entries(list(page.items)),
                           page=page)


@bp.get("/stations/<int:station_id>")
def station(station_id: int):
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
