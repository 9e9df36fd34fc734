"""JSON API of activities and sign-ups (communities, themes and profiles have theirs in their
own folders, on the same `volunteers_api` blueprint).

Views read the request through the schemas, call the services (where every rule lives), commit
once, and dump the contract's shapes. Errors are `ServiceError`s, turned into responses in one
place.
"""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.clock import this_month
from timebank.errors import InvalidInput, referenced
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import json_body, page_of_list
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS, page_of
from volunteers.activities import services as activities
from volunteers.activities.models import Activity
from volunteers.activities.schemas import (
    ActivityChangesSchema,
    ActivityCreateSchema,
    ActivitySchema,
    MySignUpSchema,
    SignUpSchema,
)
from volunteers.matching import services as match_runs
from volunteers.pages import MONTH_PARAMETERS, month_query
from volunteers.pages import api_bp as bp
from volunteers.themes import services as themes

ActivityPageSchema = page_of(ActivitySchema, "ActivityPageSchema")
MySignUpPageSchema = page_of(MySignUpSchema, "MySignUpPageSchema")



# --- helpers --------------------------------------------------------------------------------------

def activity_json(activity: Activity) -> dict:
    taken = activities.places_taken([activity.id])
    return ActivitySchema(taken=taken).dump(activity)


# --- activities ---------------------------------------------------------------------------------------

@bp.get("/activities")
@doc(summary="A month's published and closed activities, by start; filter by station or theme",
     tags=["activities"], response=ActivityPageSchema, auth=False, errors=(422,),
     parameters=MONTH_PARAMETERS + (
         {"in": "query", "name": "theme_id", "schema": {"type": "integer"},
          "description": "With no month given, the theme's month"},) + PAGE_PARAMETERS)
def list_activities():
    query = month_query()
    if query["month"]:
        year, month = query["year"], query["month"]
    elif query["theme_id"] is not None and (theme := db.session.get(themes.Theme, query["theme_id"])):
        year, month = theme.year, theme.month
    else:
        year, month = this_month()
    found = activities.browse(year=year, month=month, station_id=query["station_id"],
                              theme_id=query["theme_id"])
    shown, page = page_of_list(found)
    taken = activities.places_taken(activity.id for activity in shown)
    return jsonify({"items": ActivitySchema(many=True, taken=taken).dump(shown), **page})


@bp.get("/activities/<int:activity_id>")
@doc(summary="One activity (a draft only for its station's staff)", tags=["activities"],
     response=ActivitySchema, auth=False, errors=(404,))
def get_activity(activity_id: int):
    return jsonify(activity_json(activities.visible_activity(current_user, activity_id)))


@bp.post("/activities")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Post an activity at my station, published or as a draft", tags=["activities"],
     body=ActivityCreateSchema, response=ActivitySchema, status=201, errors=(403,))
def create_activity():
    data = json_body(ActivityCreateSchema())
    station_id = data.pop("station_id") or org.station_id_of(current_user)
    if station_id is None:
        raise InvalidInput(fields={"station_id": [_("Say at which station the activity is.")]})
    station = referenced(org.get_station, station_id)
    referenced(org.get_community, data["community_id"])
    if data.get("theme_id") is not None:
        referenced(themes.get_theme, data["theme_id"])
    activity = activities.create_activity(current_user, station, data)
    db.session.commit()
    return jsonify(activity_json(activity)), 201


@bp.patch("/activities/<int:activity_id>")
@login_required
@doc(summary="Edit an activity, or cancel it with status cancelled (its station's staff)",
     tags=["activities"], body=ActivityChangesSchema, response=ActivitySchema,
     errors=(403, 404))
def update_activity(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    changes = json_body(ActivityChangesSchema())
    if changes.get("community_id") is not None:
        referenced(org.get_community, changes["community_id"])
    if changes.get("theme_id") is not None:
        referenced(themes.get_theme, changes["theme_id"])
    activity = activities.update_activity(activity, current_user, changes)
    db.session.commit()
    return jsonify(activity_json(activity))


# --- sign-ups ------------------------------------------------------------------------------------------

@bp.post("/activities/<int:activity_id>/signups")
@login_required
@doc(summary="Sign up: confirmed, or waitlisted when full; repeating returns the same sign-up "
             "(200)", tags=["signups"], response=SignUpSchema, status=201, errors=(404, 409))
def sign_up(activity_id: int):
    activity = activities.visible_activity(current_user, activity_id)
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
    shown, page = page_of_list(activities.next_sign_ups(current_user, limit=None))
    return jsonify({"items": MySignUpSchema(many=True).dump(shown), **page})


