"""JSON API of correction requests: a volunteer asks; the organising station lists and answers."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, has_role, is_staff, login_required, role_required
from timebank.extensions import db
from timebank.org import services as org
from timebank.web.api import api_blueprint, json_body, paginated
from timebank.web.openapi import doc
from timebank.web.schemas import PAGE_PARAMETERS
from volunteers.corrections import services as corrections
from volunteers.corrections.schemas import (
    CorrectionAskSchema,
    CorrectionNoteFormSchema,
    CorrectionNoteSchema,
    CorrectionPageSchema,
    CorrectionQuerySchema,
    CorrectionResolveSchema,
    CorrectionSchema,
)

bp = api_blueprint("corrections_api", __name__)

_LIST_PARAMETERS = (
    *PAGE_PARAMETERS,
    {"in": "query", "name": "status", "schema": {"type": "string", "enum": [
        "open", "reversed", "adjusted", "refused"]}},
    {"in": "query", "name": "mine", "schema": {"type": "integer", "enum": [0, 1]},
     "description": "staff: 1 lists their own requests as a volunteer"},
)


@bp.post("/corrections")
@login_required
@doc(summary="Ask the organising station to correct one of my service records (a check-in or "
             "a ledger line); 404 for a record that is not mine, 409 naming the open request",
     tags=["corrections"], body=CorrectionAskSchema, response=CorrectionSchema, status=201,
     errors=(404, 409))
def ask():
    data = json_body(CorrectionAskSchema())
    correction = corrections.ask(current_user, **data)
    body = CorrectionSchema().dump(correction)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/corrections")
@login_required
@doc(summary="Correction requests: my own; for staff, their station's (a district "
             "administrator without a post: every station's), open ones first",
     tags=["corrections"], response=CorrectionPageSchema, parameters=_LIST_PARAMETERS)
def list_corrections():
    query = CorrectionQuerySchema().load(
        {"status": request.args.get("status")} if "status" in request.args else {})
    station_id = org.station_id_of(current_user)
    as_staff = is_staff(current_user) and (
        station_id is not None or has_role(current_user, Role.DISTRICT_ADMIN))
    if as_staff and request.args.get("mine") != "1":
        statement = corrections.station_statement(station_id, query["status"])
    else:
        statement = corrections.mine_statement(current_user)
        if query["status"]:
            statement = statement.where(corrections.Correction.status == query["status"])
    return jsonify(paginated(statement, CorrectionSchema()))


@bp.get("/corrections/<int:correction_id>")
@login_required
@doc(summary="A correction request (its volunteer, or staff of its station)",
     tags=["corrections"], response=CorrectionSchema, errors=(404,))
def read_correction(correction_id: int):
    return jsonify(CorrectionSchema().dump(
        corrections.visible_correction(current_user, correction_id)))


@bp.post("/corrections/<int:correction_id>/resolve")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Answer a request once: reverse the record's transfer, adjust the volunteer's "
             "hours (both: the station manager or a district administrator; 403 names them) "
             "or refuse with a reason",
     tags=["corrections"], body=CorrectionResolveSchema, response=CorrectionSchema,
     errors=(403, 404, 409))
def resolve(correction_id: int):
    data = json_body(CorrectionResolveSchema())
    correction = corrections.station_correction(current_user, correction_id)
    corrections.resolve(correction, by=current_user, **data)
    body = CorrectionSchema().dump(correction)
    db.session.commit()
    return jsonify(body)


@bp.post("/corrections/<int:correction_id>/notes")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Add a staff note to a request (what was checked)", tags=["corrections"],
     body=CorrectionNoteFormSchema, response=CorrectionNoteSchema, status=201,
     errors=(403, 404))
def add_note(correction_id: int):
    data = json_body(CorrectionNoteFormSchema())
    correction = corrections.station_correction(current_user, correction_id)
    note = corrections.add_note(correction, by=current_user, body=data["body"])
    body = CorrectionNoteSchema().dump(note)
    db.session.commit()
    return jsonify(body), 201
