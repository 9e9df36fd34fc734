"""JSON API of evidence (活动留痕), for staff of the activity's station: the evidence of an
activity, its summary, photo uploads (``multipart/form-data``) and deletions, and the photos
and thumbnails themselves (JPEG bytes)."""

from flask import jsonify, request
from flask_login import current_user

from timebank.accounts.permissions import Role, role_required
from timebank.extensions import db
from timebank.web.api import api_blueprint, json_body
from timebank.web.openapi import doc
from volunteers.activities import services as activities
from volunteers.evidence import services as evidence
from volunteers.evidence.schemas import (
    EvidenceSchema,
    PhotoSchema,
    PhotoUploadSchema,
    SummaryBodySchema,
    SummarySchema,
)
from volunteers.evidence.station import photo_response

bp = api_blueprint("evidence_api", __name__)


def evidence_json(activity) -> dict:
    return EvidenceSchema().dump({"activity_id": activity.id,
                                  "summary": evidence.summary_of(activity.id),
                                  "photos": evidence.photos_of(activity.id),
                                  "max_photos": evidence.max_photos()})


@bp.get("/activities/<int:activity_id>/evidence")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The evidence of an activity (staff of its station): its summary and its photos "
             "with the URLs of each photo and thumbnail", tags=["evidence"],
     response=EvidenceSchema, errors=(403, 404))
def read_evidence(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    return jsonify(evidence_json(activity))


@bp.put("/activities/<int:activity_id>/summary")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Write or rewrite the activity's summary (活动小结), 1–2,000 characters; audited",
     tags=["evidence"], body=SummaryBodySchema, response=SummarySchema, errors=(403, 404, 422))
def write_summary(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    data = json_body(SummaryBodySchema())
    summary = evidence.write_summary(activity, data["text"], current_user)
    body = SummarySchema().dump(summary)
    db.session.commit()
    return jsonify(body)


@bp.post("/activities/<int:activity_id>/photos")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Upload a photo of the activity (multipart field `photo`, optional `caption`): "
             "JPEG, PNG or WebP by its content, at most 8 MB (413), anything else 415; kept "
             "re-encoded as JPEG without EXIF (no GPS), with a thumbnail; audited",
     tags=["evidence"], body=PhotoUploadSchema, body_content_type="multipart/form-data",
     response=PhotoSchema, status=201, errors=(403, 404, 409, 413, 415, 422))
def add_photo(activity_id: int):
    activity = activities.station_activity(current_user, activity_id)
    upload = request.files.get("photo")
    try:
        photo = evidence.add_photo(activity, upload, request.form.get("caption", ""), current_user)
    finally:
        if upload is not None:
            upload.close()
    body = PhotoSchema().dump(photo)
    db.session.commit()
    return jsonify(body), 201


@bp.delete("/evidence-photos/<int:photo_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="Delete a photo of an activity (staff of its station); audited", tags=["evidence"],
     status=204, errors=(403, 404))
def delete_photo(photo_id: int):
    evidence.delete_photo(evidence.get_photo_for(current_user, photo_id), current_user)
    db.session.commit()
    return "", 204


@bp.get("/evidence-photos/<int:photo_id>")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The photo itself (JPEG, at most 2048 px on its longest side)", tags=["evidence"],
     content_type="image/jpeg", errors=(403, 404))
def photo_file(photo_id: int):
    return photo_response(evidence.get_photo_for(current_user, photo_id))


@bp.get("/evidence-photos/<int:photo_id>/thumbnail")
@role_required(Role.SOCIAL_WORKER)
@doc(summary="The photo's thumbnail (JPEG, at most 320 px on its longest side)",
     tags=["evidence"], content_type="image/jpeg", errors=(403, 404))
def photo_thumbnail(photo_id: int):
    return photo_response(evidence.get_photo_for(current_user, photo_id), thumbnail=True)
