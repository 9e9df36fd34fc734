"""JSON API of complaints: anyone files one (rate limited); the station's staff list them, read
one and take its steps."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.complaints import limits
from volunteers.complaints import services as complaints
from volunteers.complaints.models import ComplaintStatus
from volunteers.complaints.schemas import (
    ComplaintFiledSchema,
    ComplaintFileSchema,
    ComplaintPageSchema,
    ComplaintQuerySchema,
    ComplaintSchema,
    ComplaintStepFormSchema,
)

bp = api_blueprint("complaints_api", __name__)

_LIST_PARAMETERS = (
    *PAGE_PARAMETERS,
    {"in": "query", "name": "status", "schema": {"type": "string", "enum": [
        status.value for status in ComplaintStatus]}},
    {"in": "query", "name": "overdue", "schema": {"type": "boolean"},
     "description": "only open complaints past their deadline"},
    {"in": "query", "name": "station_id", "schema": {"type": "integer"},
     "description": "district administrators: one station (default: every station)"},
)


@bp.post("/complaints")
@limits.per_address
@limits.per_phone
@doc(summary="File a complaint to a station (anyone, no login; contact optional, anonymous "
             "allowed; limited per address and per contact phone, 429 past it). Staff of the "
             "station record one taken by phone, in person or by letter with `channel`",
     tags=["complaints"], body=ComplaintFileSchema, response=ComplaintFiledSchema, status=201,
     auth=False, errors=(403, 429))
def file_complaint():
    data = json_body(ComplaintFileSchema())
    by = current_user if current_user.is_authenticated else None
    complaint = complaints.file_complaint(by=by, **data)
    body = ComplaintFiledSchema().dump(complaint)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/complaints")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The station's complaints (a district administrator: every station's, or one "
             "with station_id), escalated ones first, then open ones by deadline",
     tags=["complaints"], response=ComplaintPageSchema, parameters=_LIST_PARAMETERS,
     errors=(403, 422))
def list_complaints():
    query = ComplaintQuerySchema().load({name: request.args[name] for name in (
        "status", "overdue", "station_id") if name in request.args})
    station_id = org.station_id_of(current_user)
    if has_role(current_user, Role.DISTRICT_ADMIN):
        station_id = query["station_id"] if query["station_id"] is not None else station_id
    elif station_id is None:
        org.require_station_staff(current_user, None)
    return jsonify(paginated(complaints.statement(
        station_id, status=query["status"], overdue=query["overdue"]), ComplaintSchema()))


@bp.get("/complaints/<int:complaint_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="A complaint with its steps (staff of its station)", tags=["complaints"],
     response=ComplaintSchema, errors=(403, 404))
def read_complaint(complaint_id: int):
    return jsonify(ComplaintSchema().dump(
        complaints.station_complaint(current_user, complaint_id)))


@bp.post("/complaints/<int:complaint_id>/steps")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Take the next step: accept (受理), handle (处理, a note), answer (答复, the "
             "answer's text) or follow_up (回访, satisfaction 1–5), in that order (409 out of "
             "order or once closed); the complainant is told",
     tags=["complaints"], body=ComplaintStepFormSchema, response=ComplaintSchema,
     errors=(403, 404, 409))
def add_step(complaint_id: int):
    complaint = complaints.station_complaint(current_user, complaint_id)
    data = json_body(ComplaintStepFormSchema())
    complaints.take_step(complaint, by=current_user, **data)
    body = ComplaintSchema().dump(complaint)
    db.session.commit()
    return jsonify(body)
