"""The shapes of consents and of the privacy notice in the public contract."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.consents.services import METHODS, PURPOSES
from timebank.web.schemas import BaseSchema


class ConsentSchema(BaseSchema):
    id = fields.Integer()
    purpose = fields.String(metadata={"enum": list(PURPOSES)})
    notice_version = fields.String()
    given_at = fields.AwareDateTime()
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    method = fields.String(metadata={"enum": list(METHODS)})


class ConsentListSchema(BaseSchema):
    items = fields.List(fields.Nested(ConsentSchema))


class GiveConsentSchema(BaseSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(
        PURPOSES, error=_l("Choose one of the purposes listed.")))
    #: For ``privacy_notice``: the version agreed to (must be the current one).
    version = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))


class WithdrawConsentSchema(BaseSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(
        PURPOSES, error=_l("Choose one of the purposes listed.")))


class NoticeSchema(BaseSchema):
    version = fields.String()
    effective = fields.Date()
    url = fields.String(metadata={"description": "The page showing the notice"})
