"""marshmallow schemas of evidence: the summary (API and form alike), photos and the evidence of
an activity as the API answers it."""

from flask import url_for
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, LocalDateTime
from volunteers.evidence.services import CAPTION_MOST, SUMMARY_MOST


class SummaryBodySchema(BaseSchema):
    """``PUT /activities/{id}/summary`` and the summary form: the text, 1–2,000 characters."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=SUMMARY_MOST))


class CaptionFormSchema(BaseSchema):
    """The fields of a photo upload beside the file: an optional caption."""

    caption = fields.String(load_default="", validate=validate.Length(max=CAPTION_MOST))


class PhotoUploadSchema(BaseSchema):
    """What ``POST /activities/{id}/photos`` takes, as ``multipart/form-data``."""

    photo = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "a JPEG, PNG or WebP image, at most EVIDENCE_MAX_BYTES (8 MB)"})
    caption = fields.String(validate=validate.Length(max=CAPTION_MOST))


class SummarySchema(BaseSchema):
    text = fields.String()
    written_by_id = fields.Integer()
    written_at = LocalDateTime()


class PhotoSchema(BaseSchema):
    id = fields.Integer()
    activity_id = fields.Integer()
    caption = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size_bytes = fields.Integer()
    content_type = fields.String(metadata={"description": "always image/jpeg: re-encoded"})
    uploaded_by_id = fields.Integer()
    uploaded_at = LocalDateTime()
    url = fields.Function(lambda photo: url_for("evidence_api.photo_file", photo_id=photo.id))
    thumbnail_url = fields.Function(
        lambda photo: url_for("evidence_api.photo_thumbnail", photo_id=photo.id))


class EvidenceSchema(BaseSchema):
    activity_id = fields.Integer()
    summary = fields.Nested(SummarySchema, allow_none=True)
    photos = fields.List(fields.Nested(PhotoSchema))
    max_photos = fields.Integer()
