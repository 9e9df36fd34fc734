"""JSON API for the coordination layer: communities, themes, activities, sign-ups and the
volunteer profile.

Views read the request through the schemas in `volunteers.schemas`, call the services in
`geography`, `profiles`, `themes` and `activities` (where every rule lives), commit once, and
dump the contract's shapes. Errors are `ServiceError`s, turned into responses in one place.
"""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields

from timebank.accounts.api import api_blueprint, json_body, page_args
from timebank.accounts.permissions import Role, login_required, role_required
from timebank.clock import this_month
from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.org import services as org
from timebank.signals import user_registered
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, BaseSchema, page_of
from volunteers.activities import services as activities
from volunteers.activities.schemas import (
    ActivityChangesSchema,
    ActivityCreateSchema,
    ActivityQuerySchema,
    ActivitySchema,
    MySignUpSchema,
    SignUpSchema,
    ThemeSchema,
    VolunteerProfileSchema,
    VolunteerProfileUpdateSchema,
)
from volunteers.activities.services import Activity, ActivityStatus
from volunteers.matching import services as match_runs
from volunteers.profiles import services as profiles
from volunteers.themes import services as themes

bp = api_blueprint("volunteers_api", __name__)


class CommunitySchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda community: community.station.id
                                 if community.station else None, allow_none=True)
    service_point = fields.Function(lambda community: community.service_point.name
                                    if community.service_point else None, allow_none=True)


class TownSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    station_id = fields.Function(lambda town: town.station.id if town.station else None,
                                 allow_none=True)
    station_name = fields.Function(lambda town: town.station.name if town.station else None,
                                   allow_none=True)
    communities = fields.List(fields.Nested(CommunitySchema))


class TownListSchema(BaseSchema):
    items = fields.List(fields.Nested(TownSchema))


class ThemeListSchema(BaseSchema):
    month = fields.String(metadata={"example": "2026-03"})
    items = fields.List(fields.Nested(ThemeSchema))


ActivityPageSchema = page_of(ActivitySchema, "ActivityPageSchema")
MySignUpPageSchema = page_of(MySignUpSchema, "MySignUpPageSchema")

MONTH_PARAMETERS = (
    {"in": "query", "name": "month", "schema": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
     "description": "YYYY-MM; this month in Asia/Shanghai when left out"},
    {"in": "query", "name": "station_id", "schema": {"type": "integer"}},
)


# --- registration: a new resident's home community ----------------------------------------------
# `timebank` registers the user and sends `user_registered`; the profile is ours. Connected when
# this module is imported, which the app factory always does; it runs inside the registering
# request's transaction, so refusing here (422) leaves no user behind.

@user_registered.connect
def file_home_community(user, community_id=None, **extra):
    """Give a newly registered resident a profile in `community_id`, linking a social worker."""
    if community_id is None:
        return
    community = _referenced(org.get_community, community_id)
    profiles.update_profile(profiles.profile_for(user), {"community_id": community.id})


def _referenced(lookup, row_id):
    """A row named in a request body; an unknown id is a field error (422), not a 404."""
    try:
        return lookup(row_id)
    except NotFound as error:
        raise InvalidInput(fields=error.fields) from error


# --- helpers --------------------------------------------------------------------------------------

def _query() -> dict:
    """``month`` (as year and month, default this month here), ``station_id``, ``theme_id``."""
    query = ActivityQuerySchema().load(request.args.to_dict())
    if query["month"] is not None:
        query["year"], query["month"] = themes.parse_month(query["month"])
    return query


def _page(items: list) -> tuple[list, dict]:
    """The requested page of `items` and the contract's page fields (``?page=&per_page=``)."""
    page, per_page = page_args()
    return (items[(page - 1) * per_page:page * per_page],
            {"page": page, "per_page": per_page, "total": len(items)})


def activity_json(activity: Activity) -> dict:
    taken = activities.places_taken([activity.id])
    return ActivitySchema(taken=taken).dump(activity)


def _visible_activity(activity_id: int) -> Activity:
    """Anyone sees an activity except a draft, which only its station's staff see (404 else)."""
    activity = activities.get_activity(activity_id)
    if activity.status == ActivityStatus.DRAFT \
            and not org.can_manage_station(current_user, activity.station_id):
        raise NotFound(_("There is no such activity."), code="activity_not_found")
    return activity


# --- geography and themes ---------------------------------------------------------------------------

@bp.get("/communities")
@doc(summary="Towns and streets with their villages and communities, and station ids",
     tags=["geography"], response=TownListSchema, auth=False)
def communities():
    return jsonify({"items": TownSchema(many=True).dump(org.towns())})


@bp.get("/themes")
@doc(summary="A month's themes: the district's and the stations' (only one station's if asked)",
     tags=["themes"], response=ThemeListSchema, auth=False, errors=(422,),
     parameters=MONTH_PARAMETERS)
def list_themes():
    query = _query()
    year, month = (query["year"], query["month"]) if query["month"] else this_month()
    found = themes.themes_for_month(year, month, query["station_id"])
    return jsonify({"month": f"{year:04d}-{month:02d}", "items": ThemeSchema(many=True).dump(found)})


# --- activities ---------------------------------------------------------------------------------------

@bp.get("/activities")
@doc(summary="A month's published and closed activities, by start; filter by station or theme",
     tags=["activities"], response=ActivityPageSchema, auth=False, errors=(422,),
     parameters=MONTH_PARAMETERS + (
         {"in": "query", "name": "theme_id", "schema": {"type": "integer"},
          "description": "With no month given, the theme's month"},) + PAGE_PARAMETERS)
def list_activities():
    query = _query()
    if query["month"]:
        year, month = query["year"], query["month"]
    elif query["theme_id"] is not None and (theme := db.session.get(themes.Theme, query["theme_id"])):
        year, month = theme.year, theme.month
    else:
        year, month = this_month()
    found = activities.browse(year=year, month=month, station_id=query["station_id"],
                              theme_id=query["theme_id"])
    shown, page = _page(found)
    taken = activities.places_taken(activity.id for activity in shown)
    return jsonify({"items": ActivitySchema(many=True, taken=taken).dump(shown), **page})


@bp.get("/activities/<int:activity_id>")
@doc(summary="One activity (a draft only for its station's staff)", tags=["activities"],
     response=ActivitySchema, auth=False, errors=(404,))
def get_activity(activity_id: int):
    return jsonify(activity_json(_visible_activity(activity_id)))


@bp.post("/activities")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Post an activity at my station, published or as a draft", tags=["activities"],
     body=ActivityCreateSchema, response=ActivitySchema, status=201, errors=(403,))
def create_activity():
    data = json_body(ActivityCreateSchema())
    station_id = data.pop("station_id") or org.station_id_of(current_user)
    if station_id is None:
        raise InvalidInput(fields={"station_id": [_("Say at which station the activity is.")]})
    station = _referenced(org.get_station, station_id)
    _referenced(org.get_community, data["community_id"])
    if data.get("theme_id") is not None:
        _referenced(themes.get_theme, data["theme_id"])
    activity = activities.create_activity(current_user, station, data)
    db.session.commit()
    return jsonify(activity_json(activity)), 201


@bp.patch("/activities/<int:activity_id>")
@login_required
@doc(summary="Edit an activity, or cancel it with status cancelled (its station's staff)",
     tags=["activities"], body=ActivityChangesSchema, response=ActivitySchema,
     errors=(403, 404))
def update_activity(activity_id: int):
    activity = activities.get_activity(activity_id)
    org.require_station_staff(current_user, activity.station_id)
    changes = json_body(ActivityChangesSchema())
    if changes.get("community_id") is not None:
        _referenced(org.get_community, changes["community_id"])
    if changes.get("theme_id") is not None:
        _referenced(themes.get_theme, changes["theme_id"])
    activity = activities.update_activity(activity, current_user, changes)
    db.session.commit()
    return jsonify(activity_json(activity))


# --- sign-ups ------------------------------------------------------------------------------------------

@bp.post("/activities/<int:activity_id>/signups")
@login_required
@doc(summary="Sign up: confirmed, or waitlisted when full; repeating returns the same sign-up "
             "(200)", tags=["signups"], response=SignUpSchema, status=201, errors=(404, 409))
def sign_up(activity_id: int):
    activity = _visible_activity(activity_id)
    already = activities.live_sign_up(activity, current_user)
    entry = activities.sign_up(activity, current_user)
    db.session.commit()
    created = already is None or already.id != entry.id
    return jsonify(SignUpSchema().dump(entry)), 201 if created else 200


@bp.delete("/signups/<int:sign_up_id>")
@login_required
@doc(summary="Cancel a sign-up (the volunteer, or the station's staff); the first waitlisted "
             "volunteer is promoted, and a declined invitation is offered to the next best candidate",
     tags=["signups"], response=SignUpSchema, errors=(403, 404))
def cancel_sign_up(sign_up_id: int):
    entry = match_runs.cancel_sign_up(activities.get_sign_up(sign_up_id), by=current_user)
    db.session.commit()
    return jsonify(SignUpSchema().dump(entry))


@bp.post("/signups/<int:sign_up_id>/accept")
@login_required
@doc(summary="Accept an invitation: the invited place becomes confirmed", tags=["signups"],
     response=SignUpSchema, errors=(404, 409))
def accept_invitation(sign_up_id: int):
    entry = match_runs.accept_invitation(activities.get_sign_up(sign_up_id), by=current_user)
    db.session.commit()
    return jsonify(SignUpSchema().dump(entry))


@bp.get("/me/signups")
@login_required
@doc(summary="My live sign-ups for activities still to come, soonest first", tags=["signups"],
     response=MySignUpPageSchema, parameters=PAGE_PARAMETERS)
def my_sign_ups():
    shown, page = _page(activities.next_sign_ups(current_user, limit=None))
    return jsonify({"items": MySignUpSchema(many=True).dump(shown), **page})


# --- the volunteer profile ------------------------------------------------------------------------

def profile_json(profile: profiles.VolunteerProfile) -> dict:
    return VolunteerProfileSchema(viewer=current_user).dump(profile)


def _saved_profile(user_id: int) -> profiles.VolunteerProfile | None:
    return db.session.get(profiles.VolunteerProfile, user_id)


@bp.get("/me/volunteer-profile")
@login_required
@doc(summary="My volunteer profile (empty until first saved)", tags=["profile"],
     response=VolunteerProfileSchema)
def my_profile():
    profile = _saved_profile(current_user.id)
    if profile is None:  # shown, not created: a read must not write
        profile = profiles.VolunteerProfile(
            user_id=current_user.id, skills=[], skills_other="", interest_groups=[],
            interest_themes=[], availability=[], monthly_limit=profiles.DEFAULT_MONTHLY_LIMIT)
    return jsonify(profile_json(profile))


@bp.put("/me/volunteer-profile")
@login_required
@doc(summary="Update my volunteer profile; fields left out stay. Skills, interests and "
             "availability need consent", tags=["profile"], body=VolunteerProfileUpdateSchema,
     response=VolunteerProfileSchema)
def update_my_profile():
    saved = _saved_profile(current_user.id)
    data = json_body(VolunteerProfileUpdateSchema(
        consented=saved is not None and saved.consent_at is not None))
    if data.get("community_id") is not None:
        _referenced(org.get_community, data["community_id"])
    profile = profiles.update_profile(saved or profiles.profile_for(current_user), data)
    db.session.commit()
    return jsonify(profile_json(profile))


@bp.get("/volunteers/<int:user_id>/profile")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A volunteer's profile, for staff; the ID number is masked except for staff of "
             "the volunteer's station", tags=["profile"], response=VolunteerProfileSchema,
     errors=(403, 404))
def volunteer_profile(user_id: int):
    profile = _saved_profile(user_id)
    if profile is None:
        raise NotFound(_("This member has no volunteer profile yet."), code="profile_not_found")
    return jsonify(profile_json(profile))
