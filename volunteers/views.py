"""Pages for volunteers, on a phone: home (next activities, this month's theme, activities near me)."""

from flask import Blueprint, render_template
from flask_login import current_user

from timebank.clock import local, now
from timebank.extensions import db
from timebank.permissions import login_required
from volunteers import activities, profiles, themes

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")


@bp.get("/")
@login_required
def home():
    today = local(now())
    profile = db.session.get(profiles.VolunteerProfile, current_user.id)
    community = profile.community if profile else None
    station_id = community.station.id if community and community.station else None
    month_activities = activities.browse(year=today.year, month=today.month, station_id=station_id,
                                         community_first=community.id if community else None)
    return render_template(
        "volunteer/home.html",
        profile=profile, community=community,
        themes=themes.themes_for_month(today.year, today.month, station_id),
        upcoming=activities.next_sign_ups(current_user),
        nearby=[activity for activity in month_activities if not activity.has_ended][:8],
        taken=activities.places_taken(activity.id for activity in month_activities),
    )
