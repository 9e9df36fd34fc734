"""marshmallow schemas for users and sign-in, shared by the JSON API and the HTML forms."""

import re

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from timebank.accounts.services import PHONE_PATTERN, normalise_phone
from timebank.clock import MAX_YEAR, MIN_YEAR, supported, zone
from timebank.web.inputs import INT_MAX, INT_MIN

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



class FilterSchema(BaseSchema):
    """The query of a filtered list page (``?q=&status=``): a blank or all-space value is the
    filter left out."""

    @pre_load
    def _blank_is_left_out(self, data, **kwargs):
        return {key: value.strip() if isinstance(value, str) else value
                for key, value in dict(data).items()
                if not (isinstance(value, str) and not value.strip())}


class _BlankMeansNone:
    """A field that may be left empty: an empty form input (or a missing one) is None."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, load_default=None, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if isinstance(value, str) and not value.strip():
            value = None
        return super().deserialize(value, attr, data, **kwargs)


class OptionalInteger(_BlankMeansNone, fields.Integer):
    """An integer where an empty input means none."""


class OptionalDate(_BlankMeansNone, fields.Date):
    """A date (``YYYY-MM-DD``) where an empty input means none."""


class LocalDateTime(fields.AwareDateTime):
    """An aware datetime, written in the platform's zone (``2026-03-14T09:00:00+08:00``).

    Input must carry its offset: a naive time from a phone in another zone would be ambiguous.
    """

    default_error_messages = {"invalid_awareness": _l(
        "Give the time with its offset, such as 2026-03-14T09:00:00+08:00.")}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(zone())
        return super()._serialize(value, attr, obj, **kwargs)


#: Tags and free-text lists may be separated by commas (either width), 、 or semicolons.
TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")


class TagList(fields.Field):
    """Short words as a list; a string is split at commas, 、 and semicolons."""

    default_error_messages = {"invalid": _l("Enter words separated by commas.")}

    def __init__(self, max_items: int = 20, max_length: int = 20, **kwargs):
        super().__init__(**kwargs)
        self.max_items, self.max_length = max_items, max_length

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = TAG_SEPARATORS.split(value)
        if not isinstance(value, list | tuple) or not all(isinstance(tag, str) for tag in value):
            raise self.make_error("invalid")
        tags = []
        for tag in (tag.strip() for tag in value):
            if tag and tag not in tags:
                tags.append(tag)
        if len(tags) > self.max_items or any(len(tag) > self.max_length for tag in tags):
            raise ValidationError(str(_l("At most %(count)d words of up to %(length)d characters each.",
                                         count=self.max_items, length=self.max_length)))
        return tags


def one_of(choices, message) -> validate.OneOf:
    return validate.OneOf(list(choices), error=message)


class Phone(fields.String):
    """A mainland mobile number, normalised to 11 digits on load."""

    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalise_phone(super()._deserialize(value, attr, data, **kwargs))
        if not PHONE_PATTERN.match(phone):
            raise ValidationError(str(_l("Enter an 11-digit mainland mobile number.")))
        return phone


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
