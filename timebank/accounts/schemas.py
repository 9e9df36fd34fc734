"""The shapes of people in the public contract: registration, credentials, tokens, the user."""

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError, fields, validate

from timebank.accounts.permissions import ADMINISTERED_ROLES
from timebank.accounts.services import PASSWORD_MIN_LENGTH
from timebank.org import services as org
from timebank.privacy import services as privacy
from timebank.web.schemas import BaseSchema, OptionalInteger, Phone


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
    #: The code texted by ``POST /auth/register/code``: with it the phone is verified; without
    #: it (older clients) the account is made with the phone not verified.
    sms_code = fields.String(load_default=None, allow_none=True, load_only=True,
                             validate=validate.Length(min=4, max=20, error=_l(
                                 "Enter the code texted to your phone.")))
    #: The privacy notice's version the person agreed to (``GET /privacy-notice``); without it
    #: the account is made but asked to agree at the next visit.
    privacy_version = fields.String(load_default=None, allow_none=True, load_only=True,
                                    validate=validate.Length(max=20))


def _ticked(value) -> None:
    if not value:
        raise ValidationError(str(_l("Please read and agree to the privacy notice.")))


class RegisterFormSchema(RegisterSchema):
    """The registration page: the texted code and the ticked agreement are required."""

    sms_code = fields.String(required=True, load_only=True, validate=validate.Length(
        min=4, max=20, error=_l("Enter the code texted to your phone.")))
    agree = fields.Boolean(load_default=False, load_only=True, validate=_ticked)


class PhoneSchema(BaseSchema):
    phone = Phone(required=True)


class PhoneCodeSchema(BaseSchema):
    code = fields.String(required=True, load_only=True, validate=validate.Length(
        min=4, max=20, error=_l("Enter the code texted to your phone.")))


class CodeSentSchema(BaseSchema):
    status = fields.String()
    message = fields.String()


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
    """The user shape of the public contract. The phone is masked except to the person
    themself (`timebank.privacy.services.shown_phone`; staff reveal it by the audited reveal)."""

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

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def _phone(self, user) -> str:
        return privacy.shown_phone(self.viewer or current_user, user)


class MeSchema(UserSchema):
    """The logged-in user: the user shape, and what they still have to do."""

    phone_verified = fields.Function(lambda user: user.phone_verified_at is not None)
    privacy_version = fields.Function(
        lambda user: _consents().agreed_version(user), allow_none=True,
        metadata={"description": "The privacy notice version agreed to (null: none yet)"})
    privacy_consent_needed = fields.Function(
        lambda user: _consents().privacy_consent_needed(user),
        metadata={"description": "True when the current privacy notice is not agreed yet"})

    def _phone(self, user) -> str:
        return user.phone  # always the caller: their own number


def _consents():
    from timebank.consents import services

    return services


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
# --- staff administration ---------------------------------------------------------------------

STAFF_ROLE_NAMES = [role.value for role in ADMINISTERED_ROLES]


def initial_password(value) -> None:
    """An initial password of 8 to 128 characters, or nothing (one is generated)."""
    if value and not PASSWORD_MIN_LENGTH <= len(value) <= 128:
        raise ValidationError(str(_l("Use between %(min)d and %(max)d characters.",
                                     min=PASSWORD_MIN_LENGTH, max=128)))


class StaffSchema(BaseSchema):
    """A staff account as the administration shows it (the phone in full to those who
    administer the account: `timebank.privacy.services.shown_phone`)."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.Function(lambda user: privacy.shown_phone(current_user, user))
    roles = fields.List(fields.String(), attribute="role_names")
    station_id = fields.Function(lambda user: getattr(org.post_of(user), "station_id", None),
                                 allow_none=True)
    station_name = fields.Function(
        lambda user: getattr(getattr(org.post_of(user), "station", None), "name", None),
        allow_none=True)
    grid_team_id = fields.Function(lambda user: getattr(org.post_of(user), "grid_team_id", None),
                                   allow_none=True)
    grid_team_name = fields.Function(
        lambda user: getattr(getattr(org.post_of(user), "grid_team", None), "name", None),
        allow_none=True)
    active = fields.Boolean()
    created_at = fields.AwareDateTime()


class StaffCreateSchema(BaseSchema):
    name = RegisterSchema._declared_fields["name"]
    phone = Phone(required=True)
    #: Left out (or empty): a password is generated and returned once.
    password = fields.String(load_default=None, allow_none=True, load_only=True,
                             validate=initial_password)
    role = fields.String(required=True, validate=validate.OneOf(
        STAFF_ROLE_NAMES, error=_l("Choose a staff role.")))
    station_id = OptionalInteger()
    grid_team_id = OptionalInteger()
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class StaffCreatedSchema(StaffSchema):
    password = fields.String(allow_none=True, metadata={
        "description": "The generated initial password, shown this once (null if one was given)"})


class RolesChangeSchema(BaseSchema):
    roles = fields.List(fields.String(validate=validate.OneOf(
        STAFF_ROLE_NAMES, error=_l("Choose staff roles only."))), required=True,
        validate=validate.Length(max=3))
    reason = fields.String(required=True, validate=validate.Length(max=500))


class PostChangeSchema(BaseSchema):
    station_id = fields.Integer(required=True)
    grid_team_id = OptionalInteger()
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class DeactivateSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(max=500))
    hand_over_to_id = OptionalInteger(metadata={
        "description": "A colleague of the same station who takes over the work first"})


class ReactivateSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class HandOverSchema(BaseSchema):
    to_user_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.Length(max=500))


class MovedSchema(BaseSchema):
    volunteers = fields.Integer(metadata={"description": "Linked volunteers moved"})
    activities = fields.Integer(metadata={"description": "Open activities moved"})
    approvals = fields.Integer(metadata={
        "description": "Check-ins waiting for approval, moved with their activities"})
    teams = fields.Integer(metadata={"description": "Volunteer teams they led"})


class DeactivatedSchema(BaseSchema):
    staff = fields.Nested(StaffSchema)
    moved = fields.Nested(MovedSchema)
