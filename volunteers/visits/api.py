"""JSON API of visits: staff of the station and paired volunteers record them; the grid social
worker approves or rejects a volunteer's."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, is_staff, login_required, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.visits import services as visits
from volunteers.visits.schemas import (
    VisitApproveSchema,
    VisitCreateSchema,
    VisitPageSchema,
    VisitQuerySchema,
    VisitRejectSchema,
    VisitSchema,
)

bp = api_blueprint("visits_api", __name__)

_LIST_PARAMETERS = (
    *PAGE_PARAMETERS,
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "staff: the station (default: their own; a district administrator: all)"},
    {"in": "query", "name": "status", "schema": {"type": "string", "enum": [
        "recorded", "waiting", "approved", "rejected"]}},
    {"in": "query", "name": "household_id", "schema": {"type": "integer"}},
)


@bp.get("/visits")
@login_required
@doc(summary="Visits: for staff, their station's (a district administrator: any station's, or "
             "all); for a volunteer, their own. Newest first; waiting ones oldest first",
     tags=["visits"], response=VisitPageSchema, parameters=_LIST_PARAMETERS, errors=(403, 422))
def list_visits():
    query = VisitQuerySchema().load(request.args.to_dict())
    if is_staff(current_user) and (org.station_id_of(current_user) is not None
                                   or has_role(current_user, Role.DISTRICT_ADMIN)):
        station_id = query["station_id"] if query["station_id"] is not None \
            else org.station_id_of(current_user)
        statement = visits.station_statement(current_user, station_id, status=query["status"],
                                             household_id=query["household_id"])
    else:
        statement = visits.mine_statement(current_user, status=query["status"],
                                          household_id=query["household_id"])
    return jsonify(paginated(statement, VisitSchema()))


@bp.post("/visits")
@login_required
@doc(summary="Record a visit: staff of the household's station (recorded, no hours) or a "
             "volunteer paired with it (waiting for the grid social worker); 404 for a "
             "household the volunteer is not paired with",
     tags=["visits"], body=VisitCreateSchema, response=VisitSchema, status=201,
     errors=(403, 404, 409, 422))
def create_visit():
    data = json_body(VisitCreateSchema())
    household = visits.household_for_visit(current_user, data.pop("household_id"))
    visit = visits.record_visit(household, current_user, **data)
    body = VisitSchema().dump(visit)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/visits/<int:visit_id>")
@login_required
@doc(summary="A visit (its visitor, or staff of its station)", tags=["visits"],
     response=VisitSchema, errors=(403, 404))
def read_visit(visit_id: int):
    return jsonify(VisitSchema().dump(visits.visible_visit(current_user, visit_id)))


@bp.post("/visits/<int:visit_id>/approve")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Approve a volunteer's visit (the household's grid social worker or the station "
             "manager): its minutes are posted as a check-in's, with the household as the "
             "people served; 409 once decided",
     tags=["visits"], body=VisitApproveSchema, response=VisitSchema,
     errors=(403, 404, 409, 422))
def approve_visit(visit_id: int):
    data = json_body(VisitApproveSchema())
    visit = visits.visit_to_decide(current_user, visit_id)
    visits.approve(visit, by=current_user, **data)
    body = VisitSchema().dump(visit)
    db.session.commit()
    return jsonify(body)


@bp.post("/visits/<int:visit_id>/reject")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Reject a volunteer's visit with a reason (nothing is posted; the volunteer is "
             "told); 409 once decided",
     tags=["visits"], body=VisitRejectSchema, response=VisitSchema,
     errors=(403, 404, 409, 422))
def reject_visit(visit_id: int):
    data = json_body(VisitRejectSchema())
    visit = visits.visit_to_decide(current_user, visit_id)
    visits.reject(visit, by=current_user, reason=data["reason"])
    body = VisitSchema().dump(visit)
    db.session.commit()
    return jsonify(body)
