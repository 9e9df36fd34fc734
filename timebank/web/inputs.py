"""Input from outside, checked before any rule sees it.

What a client sends must never reach the database in a form the database refuses (which would
be a 500): integers beyond PostgreSQL's ``integer`` columns, text holding NUL bytes (PostgreSQL
refuses ``\\x00`` in text) or lone surrogates (not encodable as UTF-8), JSON nested past any
sensible depth. Each is refused here, in one place, with a 4xx:

- ids in URLs: the ``int`` URL converter stops at `INT_MAX`, so a larger id is a 404;
- integers in query strings: `db_int` as ``type=`` of ``request.args.get``;
- text in query strings and forms: `refuse_bad_text`, a ``before_request`` hook (422);
- JSON bodies: `check_json` (400 when nested too deep, 422 naming the field for bad text).

Integers and dates inside JSON bodies and forms are bounded by `timebank.schemas.BaseSchema`.
"""

import re

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from timebank.errors import InvalidInput, ServiceError

#: PostgreSQL's ``integer`` (int4): every id and every minutes column.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: Deeper JSON than this is refused as malformed; no request of the API nests more than a few levels.
MAX_JSON_DEPTH = 32

#: NUL, and the UTF-16 surrogates that are not text on their own.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter, bounded by the database's integer: ``/activities/3000000000``
    is a 404 before any query, instead of overflowing one.

    It raises NotFound rather than werkzeug's ValidationError: the latter lets the matcher go on
    to the path's rules for other methods and answer a misleading 405.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > INT_MAX:
            raise NotFound()
        return number


def db_int(value: str) -> int:
    """``type=`` for ``request.args.get``: an integer that fits an integer column.

    Anything else raises ValueError, so werkzeug answers the default, as for non-numbers.
    """
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(value)
    return number


def bad_text(value: str) -> bool:
    return _BAD_TEXT.search(value) is not None


def _refuse(fields: dict):
    raise InvalidInput(_("Text may not contain NUL bytes or broken characters."), fields=fields)


def refuse_bad_text():
    """``before_request``: query strings and form fields with NUL bytes are refused (422)."""
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if bad_text(name) or bad_text(value):
                field = "_schema" if bad_text(name) else name
                _refuse({field: [_("Remove the NUL bytes and broken characters.")]})


def _nest(path: list, message: str) -> dict:
    """``["scans", 0, "memo"]`` → ``{"scans": {"0": {"memo": [message]}}}`` (marshmallow's shape)."""
    errors: dict | list = [message]
    for key in reversed(path or ["_schema"]):
        errors = {str(key): errors}
    return errors


def check_json(data) -> None:
    """Refuse JSON nested deeper than `MAX_JSON_DEPTH` (400) or holding bad text (422).

    Walks the document without recursion, so no depth can exhaust the stack here.
    """
    stack = [(data, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_JSON_DEPTH:
            raise ServiceError(_("The JSON body is nested too deeply."), code="malformed_json")
        if isinstance(value, str):
            if bad_text(value):
                _refuse(_nest(path, _("Remove the NUL bytes and broken characters.")))
        elif isinstance(value, dict):
            for key, item in value.items():
                if bad_text(key):
                    _refuse(_nest(path, _("Remove the NUL bytes and broken characters.")))
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, index]) for index, item in enumerate(value))


def page_number(per_page: int) -> int:
    """``?page=`` (1 when missing or unreadable), clamped so the rows skipped fit the database's
    integer: a page past the end is an empty page, never an overflow."""
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), INT_MAX // per_page)


def checked_text(problems: dict, name: str, value, most: int, *, required: bool = False) -> str:
    """`value` stripped, for a service checking a form or JSON body field by field: a problem
    is added under `name` (and ``""`` returned) when it is not text, missing though required, or
    longer than `most` characters."""
    if value is not None and not isinstance(value, str):
        problems[name] = [_("Write it as text.")]
        return ""
    value = (value or "").strip()
    if required and not value:
        problems[name] = [_("This field is required.")]
    elif len(value) > most:
        problems[name] = [_("At most %(most)d characters.", most=most)]
    return value
