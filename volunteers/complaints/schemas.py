"""marshmallow schemas of complaints (the API and the forms alike)."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, page_of
from volunteers.complaints.models import STEPS, Channel, ComplaintStatus
from volunteers.complaints.services import CATEGORY_MAX, NAME_MAX, NOTE_MAX, TEXT_MAX

_TEXT = validate.Length(min=1, max=TEXT_MAX, error=_l(
    "Say what happened (at most 50,000 characters)."))


def _blank_is_none(data) -> dict:
    return {key: None if value == "" else value for key, value in dict(data).items()}


class ComplaintFileSchema(BaseSchema):
    """What a complainant sends: the station and the text; the rest is optional."""

    station_id = fields.Integer(required=True, strict=False)
    text = fields.String(required=True, validate=_TEXT)
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                            metadata={"description": "a mainland mobile, to be told by SMS"})
    name = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=NAME_MAX))
    anonymous = fields.Boolean(load_default=False)
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=CATEGORY_MAX))
    activity_id = fields.Integer(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        [channel.value for channel in Channel]),
        metadata={"description": "staff only: how the complaint was taken (phone, in_person, "
                                 "letter); anyone else files online"})

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class ComplaintStepFormSchema(BaseSchema):
    step = fields.String(required=True, validate=validate.OneOf(
        list(STEPS), error=_l("Choose accept, handle, answer or follow_up.")))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=NOTE_MAX),
                         metadata={"description": "the answer's text for answer; what was done "
                                                  "for handle; the call for follow_up"})
    satisfaction = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=5),
                                  metadata={"description": "follow_up: 1 (very unhappy) to 5"})

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class ComplaintQuerySchema(BaseSchema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        [status.value for status in ComplaintStatus]))
    overdue = fields.Boolean(load_default=False)
    station_id = fields.Integer(load_default=None, allow_none=True)

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class ComplaintFiledSchema(BaseSchema):
    """The answer to the public form: the number to keep, and the status."""

    id = fields.Integer()
    number = fields.String()
    status = fields.String(metadata={"enum": [status.value for status in ComplaintStatus]})
    due_at = fields.AwareDateTime(allow_none=True)


class ComplaintStepSchema(BaseSchema):
    id = fields.Integer()
    step = fields.String()
    by_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()
    note = fields.String()
    satisfaction = fields.Integer(allow_none=True)


class ComplaintSchema(BaseSchema):
    id = fields.Integer()
    number = fields.String()
    station_id = fields.Integer()
    channel = fields.String(metadata={"enum": [channel.value for channel in Channel]})
    category = fields.String(allow_none=True)
    activity_id = fields.Integer(allow_none=True)
    text = fields.String(metadata={"description": "plain text, as written"})
    contact = fields.Function(lambda complaint: _contact_of(complaint),
                              allow_none=True, metadata={"type": "string"})
    name = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    status = fields.String(metadata={"enum": [status.value for status in ComplaintStatus]})
    received_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "the deadline of the next step"})
    overdue = fields.Boolean()
    escalated_at = fields.AwareDateTime(allow_none=True)
    answer = fields.String(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(ComplaintStepSchema))


def _contact_of(complaint):
    """The contact, masked (staff reveal it on the complaint's page, audited, to call back)."""
    from timebank.accounts.services import mask_phone

    return mask_phone(complaint.contact) if complaint.contact else None


ComplaintPageSchema = page_of(ComplaintSchema, "ComplaintPageSchema")
