"""HTML forms validated by the same marshmallow schemas as the API.

HTML forms post checkboxes as repeated keys; `load_form`, the one loader of every page, hands
list fields to the schema as lists, unticked checkboxes as empty lists or ``False``.

CSRF is checked for every form by `CSRFProtect` before a view runs; templates render the token
with the `csrf_field()` macro.
"""

from datetime import date
from urllib.parse import urlsplit

from flask import flash, request
from flask_babel import gettext as _
from marshmallow import ValidationError, fields
from werkzeug.datastructures import MultiDict

from timebank.clock import MAX_YEAR, MIN_YEAR, supported
from timebank.errors import localise


def load_form(schema, form: MultiDict | None = None) -> tuple[dict | None, dict]:
    """(data, {}) when the posted form (`request.form` unless given) is valid, (None, field
    errors) otherwise.

    Only the schema's fields are read: a list field gets every value posted under its name, a
    boolean field (a checkbox) is whether its name was posted at all, any other field its
    first value when posted.
    """
    form = request.form if form is None else form
    data = {}
    for name, field in schema.load_fields.items():
        if isinstance(field, fields.List):
            data[name] = form.getlist(name)
        elif isinstance(field, fields.Boolean):
            data[name] = name in form
        elif name in form:
            data[name] = form[name]
    try:
        return schema.load(data), {}
    except ValidationError as error:
        return None, localise(error.messages)


def load_form_or_flash(schema) -> dict | None:
    """The posted form's data when valid; otherwise None, with its errors flashed for the page
    the action redirects back to (forms posted from a detail page, not re-rendered)."""
    data, errors = load_form(schema)
    if data is None:
        flash(" ".join(str(message) for messages in errors.values() for message in messages),
              "error")
    return data


def safe_next(target: str | None, default: str) -> str:
    """Follow ``next`` only to a path on this site, never to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def parse_day(value: str | None) -> tuple[date | None, str | None]:
    """A ``YYYY-MM-DD`` filter from a query string: (day, None), (None, None) when blank, or
    (None, message) when it cannot be read."""
    if not (value or "").strip():
        return None, None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None, _("Enter a date as YYYY-MM-DD.")
    if not supported(day):
        return None, _("Enter a date between %(first)d and %(last)d.", first=MIN_YEAR, last=MAX_YEAR)
    return day, None
