"""JSON API of star levels: a volunteer applies and lists theirs; the station manager (or a
district administrator) lists the pending ones and awards or declines them."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, login_required, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.stars import services as stars
from timebank.stars.schemas import (
    AwardSchema,
    DeclineSchema,
    StaffStarApplicationPageSchema,
    StaffStarApplicationSchema,
    StarApplicationPageSchema,
    StarApplicationSchema,
)
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.inputs import db_int
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS

bp = api_blueprint("stars_api", __name__)


@bp.post("/me/star-applications")
@login_required
@doc(summary="Apply for the highest star level my hours of service reach; 409 below the next "
             "threshold (naming the hours still needed) or with one already pending",
     tags=["stars"], response=StarApplicationSchema, status=201, errors=(409,))
def apply():
    application = stars.apply(current_user)
    body = StarApplicationSchema().dump(application)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/me/star-applications")
@login_required
@doc(summary="My star-level applications, newest first", tags=["stars"],
     response=StarApplicationPageSchema, parameters=PAGE_PARAMETERS)
def my_applications():
    return jsonify(paginated(stars.applications_of(current_user), StarApplicationSchema()))


@bp.get("/star-applications")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Pending star-level applications of a station with the hours served now (a "
             "station manager: their station; a district administrator: all, or ?station_id=)",
     tags=["stars"], response=StaffStarApplicationPageSchema, errors=(403,),
     parameters=({"in": "query", "name": "station_id", "schema": {"type": "integer"}},)
     + PAGE_PARAMETERS)
def pending_applications():
    station_id = request.args.get("station_id", type=db_int)
    if station_id is None and not has_role(current_user, Role.DISTRICT_ADMIN):
        station_id = org.station_id_of(current_user)
    if station_id is not None or not has_role(current_user, Role.DISTRICT_ADMIN):
        stars.require_decider(current_user, station_id)
    return jsonify(paginated(stars.pending_statement(station_id), StaffStarApplicationSchema()))


@bp.post("/star-applications/<int:application_id>/award")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Award the level applied for; the hours are checked again now (409 when they no "
             "longer reach it or it was decided already)", tags=["stars"], body=AwardSchema,
     response=StaffStarApplicationSchema, errors=(403, 404, 409))
def award(application_id: int):
    data = json_body(AwardSchema())
    application = stars.award(stars.application_for(current_user, application_id),
                              by=current_user, note=data["note"])
    body = StaffStarApplicationSchema().dump(application)
    db.session.commit()
    return jsonify(body)


@bp.post("/star-applications/<int:application_id>/decline")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Decline with a reason, which the volunteer is told", tags=["stars"],
     body=DeclineSchema, response=StaffStarApplicationSchema, errors=(403, 404, 409))
def decline(application_id: int):
    data = json_body(DeclineSchema())
    application = stars.decline(stars.application_for(current_user, application_id),
                                by=current_user, reason=data["reason"])
    body = StaffStarApplicationSchema().dump(application)
    db.session.commit()
    return jsonify(body)
