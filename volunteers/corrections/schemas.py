"""marshmallow schemas of correction requests (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from timebank.clock import now
from timebank.web.schemas import BaseSchema, page_of
from volunteers.corrections.models import CorrectionStatus
from volunteers.corrections.services import ACTIONS, REASON_MAX

_REASON = validate.Length(min=1, max=REASON_MAX, error=_l(
    "Write the reason (at most 1000 characters)."))


def _blank_is_none(data: dict) -> dict:
    return {key: None if value == "" else value for key, value in dict(data).items()}


class CorrectionAskSchema(BaseSchema):
    """``{"checkin_id"}`` or ``{"transfer_id"}``, with the ``reason``."""

    checkin_id = fields.Integer(load_default=None, allow_none=True)
    transfer_id = fields.Integer(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=_REASON)

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)

    @validates_schema
    def _one_record(self, data, **kwargs):
        if (data.get("checkin_id") is None) == (data.get("transfer_id") is None):
            raise ValidationError(str(_l("Name one check-in or one ledger line.")), "checkin_id")


class CorrectionResolveSchema(BaseSchema):
    action = fields.String(required=True, validate=validate.OneOf(
        ACTIONS, error=_l("Choose reverse, adjust or refuse.")))
    minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=-24 * 60 * 30, max=24 * 60 * 30, error=_l("Enter at most 720 hours either way.")),
        metadata={"description": "adjust: minutes to add, negative to remove"})
    reason = fields.String(required=True, validate=_REASON)

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class CorrectionNoteFormSchema(BaseSchema):
    body = fields.String(required=True, validate=_REASON)


class CorrectionQuerySchema(BaseSchema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        [status.value for status in CorrectionStatus]))

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class CorrectionNoteSchema(BaseSchema):
    id = fields.Integer()
    author_id = fields.Integer()
    body = fields.String()
    created_at = fields.AwareDateTime()


class CorrectionSchema(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": [status.value for status in CorrectionStatus]})
    subject = fields.String(metadata={"description": "checkin:<id> or transfer:<id>"})
    user_id = fields.Integer()
    checkin_id = fields.Integer(allow_none=True)
    transfer_id = fields.Integer(allow_none=True)
    station_id = fields.Integer()
    reason = fields.String()
    asked_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(metadata={
        "description": "end of the last working day the station has to answer"})
    overdue = fields.Function(lambda correction: correction.is_open and _past(correction.due_at),
                              metadata={"type": "boolean",
                                        "description": "open and past its due date"})
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)
    resolution = fields.String(allow_none=True, metadata={"description": "the station's reason"})
    minutes = fields.Integer(allow_none=True)
    result_transfer_id = fields.Integer(allow_none=True)
    notes = fields.List(fields.Nested(CorrectionNoteSchema))


def _past(moment) -> bool:
    return moment < now()


CorrectionPageSchema = page_of(CorrectionSchema, "CorrectionPageSchema")
