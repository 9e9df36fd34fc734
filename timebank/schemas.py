"""marshmallow schemas for users and sign-in, shared by the JSON API and the HTML forms."""

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from timebank.users import PASSWORD_MIN_LENGTH, PHONE_PATTERN, mask_phone, normalise_phone


class BaseSchema(Schema):
    class Meta:
        # Clients may send more than we read (older and newer versions alike).
        unknown = EXCLUDE


class Phone(fields.String):
    """A mainland mobile number, normalised to 11 digits on load."""

    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalise_phone(super()._deserialize(value, attr, data, **kwargs))
        if not PHONE_PATTERN.match(phone):
            raise ValidationError(str(_l("Enter an 11-digit mainland mobile number.")))
        return phone


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
    # Where a user works or lives belongs to the coordination layer, which attaches these
    # attributes to `User`; until it does they are null.
    station_id = fields.Function(lambda user: getattr(user, "station_id", None), allow_none=True)
    community_id = fields.Function(lambda user: getattr(user, "community_id", None),
                                   allow_none=True)
    linked_social_worker_id = fields.Function(
        lambda user: getattr(user, "linked_social_worker_id", None), allow_none=True
    )

    def __init__(self, *args, show_phone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.show_phone = show_phone

    def _phone(self, user) -> str:
        return user.phone if self.show_phone else mask_phone(user.phone)


class ErrorBodySchema(BaseSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ErrorSchema(BaseSchema):
    error = fields.Nested(ErrorBodySchema, required=True)


class PageSchema(BaseSchema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


def page_of(item_schema, name: str):
    """The paginated list shape of the contract, for the OpenAPI document."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})


PAGE_PARAMETERS = (
    {"in": "query", "name": "page", "schema": {"type": "integer", "minimum": 1}},
    {"in": "query", "name": "per_page", "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": 100}},
)
