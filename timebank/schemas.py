"""marshmallow schemas for users and sign-in, shared by the JSON API and the HTML forms."""

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from timebank.clock import MAX_YEAR, MIN_YEAR, supported
from timebank.inputs import INT_MAX, INT_MIN
from timebank.users import PASSWORD_MIN_LENGTH, PHONE_PATTERN, mask_phone, normalise_phone

_INT_RANGE = validate.Range(min=INT_MIN, max=INT_MAX, error=_l("This number is out of range."))


def in_supported_years(moment) -> None:
    if not supported(moment):
        raise ValidationError(str(_l("Enter a date between %(first)d and %(last)d.",
                                     first=MIN_YEAR, last=MAX_YEAR)))


def valid_month(value: str) -> None:
    """A ``YYYY-MM`` month in the platform's years (validator of month fields)."""
    match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value)
    if not match:
        raise ValidationError(str(_l("Give the month as YYYY-MM, such as 2026-03.")))
    if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
        raise ValidationError(str(_l("Give a month from %(first)d to %(last)d.",
                                     first=MIN_YEAR, last=MAX_YEAR)))


def _inner_fields(field):
    """`field`, and the fields inside a list or a dict's values."""
    yield field
    if isinstance(field, fields.List):
        yield from _inner_fields(field.inner)
    elif isinstance(field, fields.Dict) and field.value_field is not None:
        yield from _inner_fields(field.value_field)


class BaseSchema(Schema):
    """What every schema reads from outside is bounded here, once: integers fit the database's
    integer columns and are whole (``1.5`` is refused, never truncated), moments (datetimes) lie in
    the platform's years (`timebank.clock.MIN_YEAR` to `MAX_YEAR`). Plain dates are left to their
    schemas: a date of birth lies before those years."""

    class Meta:
        # Clients may send more than we read (older and newer versions alike).
        unknown = EXCLUDE

    def on_bind_field(self, field_name, field_obj):
        for field in _inner_fields(field_obj):
            if isinstance(field, fields.Integer) and _INT_RANGE not in field.validators:
                field.validators.append(_INT_RANGE)
            elif isinstance(field, fields.DateTime) \
                    and in_supported_years not in field.validators:
                field.validators.append(in_supported_years)

    @pre_load
    def _refuse_fractions(self, data, **kwargs):
        """A JSON number with a fraction is not an integer, whatever ``int()`` would make of it."""
        if not isinstance(data, dict):
            return data
        for name, field in self.load_fields.items():
            value = data.get(field.data_key or name)
            values = value if isinstance(value, list) and isinstance(field, fields.List) else [value]
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Integer) \
                    and any(isinstance(item, float) and not item.is_integer() for item in values):
                raise ValidationError({field.data_key or name: [str(_l("Not a valid integer."))]})
        return data


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
    #: Field name → messages; a nested object or list has its own field names (or item
    #: positions) mapping to messages, as marshmallow reports them.
    fields = fields.Dict(keys=fields.String(), values=fields.Raw(metadata={"anyOf": [
        {"type": "array", "items": {"type": "string"}}, {"type": "object"}]}))


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
