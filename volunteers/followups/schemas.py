"""marshmallow schemas of follow-up calls."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.web.schemas import BaseSchema, page_of, valid_month
from volunteers.followups.models import OUTCOMES, FollowUpStatus
from volunteers.followups.services import NOTE_MAX


def _blank_is_none(data) -> dict:
    return {key: None if value == "" else value for key, value in dict(data).items()}


class FollowUpQuerySchema(BaseSchema):
    station_id = fields.Integer(load_default=None, allow_none=True)
    month = fields.String(load_default=None, allow_none=True, validate=valid_month)

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class FollowUpGenerateSchema(BaseSchema):
    month = fields.String(load_default=None, allow_none=True, validate=valid_month,
                          metadata={"description": "YYYY-MM; default: last month"})
    station_id = fields.Integer(load_default=None, allow_none=True)

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class FollowUpOutcomeSchema(BaseSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(
        [outcome.value for outcome in OUTCOMES],
        error=_l("Choose reached, not reached or refused.")))
    satisfaction = fields.Integer(load_default=None, allow_none=True,
                                  validate=validate.Range(min=1, max=5))
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=NOTE_MAX))

    def load(self, data, *args, **kwargs):
        return super().load(_blank_is_none(data), *args, **kwargs)


class FollowUpSchema(BaseSchema):
    id = fields.Integer()
    station_id = fields.Integer()
    month = fields.String()
    subject = fields.String(metadata={"description": "household:<id> or user:<id>"})
    source = fields.String(metadata={"enum": ["visit", "mutual_aid"]})
    household_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": [status.value for status in FollowUpStatus]})
    satisfaction = fields.Integer(allow_none=True)
    note = fields.String()
    called_by_id = fields.Integer(allow_none=True)
    called_at = fields.AwareDateTime(allow_none=True)


FollowUpPageSchema = page_of(FollowUpSchema, "FollowUpPageSchema")
