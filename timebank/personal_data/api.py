"""JSON API of a resident's own data: the export (always the caller's), a correction request,
and erasure with the password; the staff side of correction requests."""

from flask import current_app, jsonify
from flask_login import current_user

from timebank.accounts.permissions import Role, login_required, role_required
from timebank.database import reads_only, start_writing
from timebank.extensions import db, limiter
from timebank.personal_data import services as personal
from timebank.personal_data.schemas import (
    CorrectionRequestInputSchema,
    CorrectionRequestSchema,
    ErasureDoneSchema,
    ErasureSchema,
    ExportSchema,
    ResolveSchema,
)
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc

bp = api_blueprint("personal_data_api", __name__)


def export_limit() -> str:
    return current_app.config["PERSONAL_DATA_EXPORT_LIMIT"]


@bp.get("/me/export")
@login_required
@limiter.limit(export_limit)
@doc(summary="Everything held about me, grouped by table (always the caller's own data)",
     tags=["personal data"], response=ExportSchema, errors=(429,))
def export():
    return jsonify(personal.export(current_user))


@bp.post("/me/erasure")
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@reads_only  # the password is checked before the write transaction begins
@doc(summary="Erase my identity (name, phone, ID number, free text); my hours and service "
             "records stay under an anonymous label. 403 wrong_password (nothing changed), "
             "409 open_duties", tags=["personal data"], body=ErasureSchema,
     response=ErasureDoneSchema, status=202, errors=(403, 409, 422))
def erasure():
    data = json_body(ErasureSchema())
    personal.check_password(current_user, data["password"])
    user_id = current_user.id
    start_writing()
    user = personal.erase(db.session.get(personal.User, user_id),
                          by=db.session.get(personal.User, user_id),
                          donate_to_pool_id=data["donate_to_pool_id"])
    db.session.commit()
    return jsonify({"status": "erased", "label": personal.anonymous_label(user.id)}), 202


@bp.post("/me/profile-corrections")
@login_required
@doc(summary="Ask my station to correct a profile field (the field, what is wrong, the right "
             "value)", tags=["personal data"], body=CorrectionRequestInputSchema,
     response=CorrectionRequestSchema, status=201, errors=(422,))
def request_correction():
    data = json_body(CorrectionRequestInputSchema())
    request = personal.request_correction(current_user, data["field"], data["problem"],
                                          data["correct_value"])
    body = CorrectionRequestSchema().dump(request)
    db.session.commit()
    return jsonify(body), 201


@bp.get("/me/profile-corrections")
@login_required
@doc(summary="My profile correction requests, newest first", tags=["personal data"],
     response=CorrectionRequestSchema(many=True))
def my_corrections():
    return jsonify(CorrectionRequestSchema(many=True).dump(personal.corrections_of(current_user)))


@bp.post("/profile-corrections/<int:profile_correction_id>/resolve")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Mark a profile correction request of my station done, or refused with a reason "
             "(the person is told)", tags=["personal data"], body=ResolveSchema,
     response=CorrectionRequestSchema, errors=(403, 404, 409, 422))
def resolve(profile_correction_id: int):
    found = personal.correction_for(current_user, profile_correction_id)
    data = json_body(ResolveSchema())
    request = personal.resolve_correction(found, by=current_user, done=data["outcome"] == "done",
                                          reason=data["reason"])
    body = CorrectionRequestSchema().dump(request)
    db.session.commit()
    return jsonify(body)
