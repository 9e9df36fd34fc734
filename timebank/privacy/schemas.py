"""marshmallow schemas of the reveal, shared by the API and the no-JS form."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.privacy.services import FIELDS
from timebank.web.schemas import BaseSchema


class RevealSchema(BaseSchema):
    field = fields.String(required=True, validate=validate.OneOf(
        FIELDS, error=_l("Choose the phone or the ID number.")),
        metadata={"enum": list(FIELDS)})
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200, error=_l(
                               "Keep it under 200 characters.")))


class RevealedSchema(BaseSchema):
    user_id = fields.Integer()
    field = fields.String(metadata={"enum": list(FIELDS)})
    value = fields.String(metadata={"description": "The full value (empty when none is held)",
                                    "example": "13800000001"})
