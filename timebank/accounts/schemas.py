"""The shapes of people in the public contract: registration, credentials, tokens, the user."""

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from timebank.accounts.services import PASSWORD_MIN_LENGTH, mask_phone
from timebank.org import services as org
from timebank.web.schemas import BaseSchema, Phone


def _password(**kwargs):
    return fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(
            min=PASSWORD_MIN_LENGTH,
            max=128,
            error=_l("Use between %(min)d and %(max)d characters.", min=PASSWORD_MIN_LENGTH, max=128),
        ),
        **kwargs,
    )


class RegisterSchema(BaseSchema):
    phone = Phone(required=True)
    password = _password()
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=40, error=_l("Enter your real name (2 to 40 characters).")),
    )
    #: The resident's home community (optional); the coordination layer links a social worker.
    community_id = fields.Integer(load_default=None, allow_none=True)


class CredentialsSchema(BaseSchema):
    phone = Phone(required=True)
    password = fields.String(required=True, load_only=True)


class ChangePasswordSchema(BaseSchema):
    current_password = fields.String(required=True, load_only=True)
    new_password = _password()


class TokenSchema(BaseSchema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class UserSchema(BaseSchema):
    """The user shape of the public contract. Phones are masked unless the viewer is staff."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.Method("_phone")
    roles = fields.List(fields.String(), attribute="role_names")
    station_id = fields.Function(org.station_of, allow_none=True)
    community_id = fields.Function(lambda user: getattr(org.home_of(user), "community_id", None),
                                   allow_none=True)
    linked_social_worker_id = fields.Function(
        lambda user: getattr(org.home_of(user), "linked_social_worker_id", None), allow_none=True
    )

    def __init__(self, *args, show_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_phone = show_phone

    def _phone(self, user) -> str:
        return user.phone if self.show_phone else mask_phone(user.phone)


# --- account recovery (`timebank.accounts.recovery`) -------------------------------------------

class ForgotPasswordSchema(BaseSchema):
    phone = Phone(required=True)


class ResetPasswordSchema(BaseSchema):
    phone = Phone(required=True)
    code = fields.String(required=True, load_only=True, validate=validate.Length(
        min=4, max=20, error=_l("Enter the code you were given.")))
    new_password = _password()


class IssueResetCodeSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200, error=_l("Keep it under 200 characters.")))


class ResetCodeSchema(BaseSchema):
    """A staff-issued code, shown once."""

    user_id = fields.Integer(attribute="user.id")
    code = fields.String()
    expires_at = fields.AwareDateTime()


class RecoveryStatusSchema(BaseSchema):
    status = fields.String()
    message = fields.String()
