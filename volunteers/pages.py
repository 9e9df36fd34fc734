"""What the volunteers' pages and API share: their blueprints (one per URL space, with routes
from several features), the staff member's station, month labels and the list helpers.

Features add routes to these blueprints from their own `views.py`, `station.py` and `api.py`;
`volunteers.init_app` imports those modules, then registers the blueprints once.
"""

from babel.dates import format_skeleton
from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.errors import PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.models import Community, Station, Town
from timebank.web.api import api_blueprint
from timebank.web.forms import safe_next
from timebank.web.inputs import db_int
from timebank.web.schemas import BaseSchema, valid_month
from timebank.web.stations import CHOSEN_STATION
from volunteers import vocabulary
from volunteers.activities.models import STATUS_LABELS
from volunteers.themes import services as themes

#: The volunteer's own pages, on a phone (``/volunteer``).
volunteer_bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")
#: The station staff's desktop pages (``/station``).
station_bp = Blueprint("station", __name__, url_prefix="/station")
#: What anyone may see without logging in: activities (``/activities``) and the station
#: directory (``/stations``).
public_bp = Blueprint("public", __name__)
#: The JSON API of activities, sign-ups, themes, communities and volunteer profiles.
api_bp = api_blueprint("volunteers_api", __name__)


@volunteer_bp.context_processor
def _volunteer_labels() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "SERVICE_CATEGORIES": vocabulary.SERVICE_CATEGORIES}


@public_bp.context_processor
def _public_labels() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "SERVICE_CATEGORIES": vocabulary.SERVICE_CATEGORIES}


@station_bp.context_processor
def _station_labels() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "TARGET_GROUPS": vocabulary.TARGET_GROUPS,
            "SKILLS": vocabulary.SKILLS, "SERVICE_CATEGORIES": vocabulary.SERVICE_CATEGORIES}


def my_station() -> Station:
    """The station of the logged-in staff member; without a post there is nothing to show.

    A district administrator without a post works on the station they chose
    (`chosen_station`); until they choose one, `StationToChoose` sends them to the picker."""
    post = hold_post()
    if post is not None:
        return post.station
    if has_role(current_user, Role.DISTRICT_ADMIN):
        station = chosen_station()
        if station is None:
            raise StationToChoose()
        return station
    raise PermissionDenied(_("You are not posted at a station yet. Ask your station manager "
                             "to add you."))


# --- the district administrator's station picker ----------------------------------------------
# Station pages work on one station. A district administrator, posted nowhere, picks the
# station to look at; the choice is kept in the session (``?station_id=`` on any station page
# changes it), so every station page (activities, approvals, volunteers, matching, exports)
# applies to the same station until they pick another.


class StationToChoose(Exception):
    """A station page opened by a district administrator who has not chosen a station."""


def chosen_station() -> Station | None:
    """The station a district administrator is looking at: ``?station_id=`` (kept for the
    next pages) or the one kept in the session; None before they choose."""
    asked = request.args.get("station_id", type=db_int)
    if asked is not None and db.session.get(Station, asked) is not None:
        session[CHOSEN_STATION] = asked
    station_id = session.get(CHOSEN_STATION)
    return db.session.get(Station, station_id) if station_id is not None else None


def can_choose_station(user) -> bool:
    """Whether station pages offer `user` the picker: a district administrator without a post."""
    return has_role(user, Role.DISTRICT_ADMIN) and org.post_of(user) is None


def to_picker(_error):
    """The answer to `StationToChoose`: the picker, coming back to this page afterwards."""
    return redirect(url_for("station.choose_station", next=request.full_path.rstrip("?")))


@station_bp.get("/choose")
@role_required(Role.DISTRICT_ADMIN)
def choose_station():
    """Pick the station the station pages apply to; ``?station_id=`` picks it and goes on."""
    next_page = safe_next(request.args.get("next"), url_for("station.activities_list"))
    if request.args.get("station_id") and chosen_station() is not None:
        return redirect(next_page)
    stations = [town.station for town in org.towns() if town.station is not None]
    return render_template("station/choose.html", stations=stations, next_page=next_page,
                           current=session.get(CHOSEN_STATION))


def hold_post():
    """The viewer's post, held for the request: permission checks per row then find it loaded
    (the session keeps rows only while something refers to them)."""
    g.staff_post = org.post_of(current_user)
    return g.staff_post


def month_label(moment) -> str:
    """``2026年3月`` or ``Mar 2026``."""
    return format_skeleton("yMMM", moment, locale=get_locale())


def prime_places(community_ids) -> list[Community]:
    """Load communities with their town and station in one query (who may see an ID number
    depends on the station of the volunteer's community). The session holds loaded rows only
    weakly: keep the result until the page is rendered (as with `org.communities`)."""
    ids = {id_ for id_ in community_ids if id_ is not None}
    return list(db.session.scalars(select(Community).where(Community.id.in_(ids)).options(
        joinedload(Community.town).joinedload(Town.station)))) if ids else []


# --- the JSON API's month and list queries --------------------------------------------------------

MONTH_PARAMETERS = (
    {"in": "query", "name": "month", "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
     "description": "YYYY-MM; this month in Asia/Shanghai when left out"},
    {"in": "query", "name": "station_id", "schema": {"type": "integer"}},
)


class ActivityQuerySchema(BaseSchema):
    """``?month=YYYY-MM&station_id=&theme_id=`` of the theme and activity lists."""

    month = fields.String(load_default=None, validate=valid_month)
    station_id = fields.Integer(load_default=None)
    theme_id = fields.Integer(load_default=None)


def month_query() -> dict:
    """``month`` (as year and month, default this month here), ``station_id``, ``theme_id``."""
    query = ActivityQuerySchema().load(request.args.to_dict())
    if query["month"] is not None:
        query["year"], query["month"] = themes.parse_month(query["month"])
    return query
