"""The shapes of partner merchants' profiles, for the administration's API and pages alike."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate

from timebank.accounts.schemas import initial_password
from timebank.exchange.merchants.models import MerchantStatus
from timebank.privacy import services as privacy
from timebank.web.schemas import BaseSchema, OptionalInteger, Phone


def _text(max_length: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_length, error=_l(
        "Up to %(max)d characters.", max=max_length)), **kwargs)


class MerchantProfileSchema(BaseSchema):
    user_id = fields.Integer()
    shop_name = fields.String()
    contact_name = fields.String()
    phone = fields.String(metadata={"description": "The shop's phone"})
    login_phone = fields.Function(
        lambda profile: privacy.shown_phone(current_user, profile.user),
        metadata={"description": "The merchant's login (in full to those who administer the "
                                 "account, masked to others)"})
    address = fields.String()
    credit_code = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    status = fields.String(metadata={"enum": [status.value for status in MerchantStatus]})
    station_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    status_changed_at = fields.AwareDateTime(allow_none=True)


class MerchantRegisteredSchema(MerchantProfileSchema):
    password = fields.String(allow_none=True, metadata={
        "description": "The generated initial password, shown this once (null if one was given)"})


class MerchantRegisterSchema(BaseSchema):
    shop_name = fields.String(required=True, validate=validate.Length(
        min=1, max=80, error=_l("Enter the shop's name (up to 80 characters).")))
    contact_name = fields.String(required=True, validate=validate.Length(
        min=2, max=40, error=_l("Enter the contact person's name (2 to 40 characters).")))
    #: The merchant's login, a mobile number.
    login_phone = Phone(required=True)
    phone = _text(20, load_default="")
    address = _text(200, load_default="")
    credit_code = _text(30, load_default=None, allow_none=True)
    station_id = OptionalInteger()
    password = fields.String(load_default=None, allow_none=True, load_only=True,
                             validate=initial_password)


class MerchantDecisionSchema(BaseSchema):
    reason = _text(500, load_default=None, allow_none=True)
