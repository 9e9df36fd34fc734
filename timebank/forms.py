"""HTML forms validated by the same marshmallow schemas as the API.

CSRF is checked for every form by `CSRFProtect` before a view runs; templates render the token
with the `csrf_field()` macro.
"""

from urllib.parse import urlsplit

from flask import request
from marshmallow import ValidationError

from timebank.errors import localise


def load_form(schema) -> tuple[dict | None, dict]:
    """(data, {}) when the posted form is valid, (None, field errors) otherwise."""
    try:
        return schema.load(request.form.to_dict()), {}
    except ValidationError as error:
        return None, localise(error.messages)


def safe_next(target: str | None, default: str) -> str:
    """Follow ``next`` only to a path on this site, never to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
