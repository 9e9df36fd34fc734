"""Errors raised by service functions, and the one place that turns them into responses.

Services raise `ServiceError` subclasses; HTML views flash their message, the JSON API renders
`{"error": {"code", "message", "fields"}}` with the status below. Nothing else maps errors.
A database that stays busy (locks) answers 503 with ``Retry-After``, never 500.
"""

from flask import jsonify, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from timebank.database import deferred_begin
from timebank.extensions import db

API_PREFIX = "/api/"


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, fields=None, code=None):
        self.message = str(message or self.default_message)
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(self.message)


class InvalidInput(ServiceError):
    status = 422
    code = "validation_failed"
    default_message = _l("Some fields need attention.")


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do this.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _l("This conflicts with the current state.")


#: marshmallow's built-in messages, listed so the catalog carries their translations.
_MARSHMALLOW_MESSAGES = (
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Unknown field."),
    _l("Not a valid string."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Not a valid boolean."),
    _l("Not a valid datetime."),
    _l("Not a valid date."),
    _l("Not a valid email address."),
    _l("Invalid input type."),
    _l("Invalid value."),
)


def localise(messages):
    """Translate marshmallow's messages (nested dicts and lists of strings)."""
    if isinstance(messages, dict):
        return {key: localise(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [localise(value) for value in messages]
    return gettext(str(messages))


def invalid_input_from(error: ValidationError) -> InvalidInput:
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return InvalidInput(fields=localise(messages))


def wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, code: str, message: str, fields=None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return jsonify(body), status


_HTTP_CODES = {
    400: ("bad_request", _l("The request is malformed.")),
    401: ("unauthorized", _l("Please log in first.")),
    403: ("forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("This conflicts with the current state.")),
    413: ("too_large", _l("The request is too large.")),
    422: ("validation_failed", _l("Some fields need attention.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a moment and try again.")),
    500: ("server_error", _l("Something went wrong on our side.")),
}


def _http_error(error: HTTPException):
    code, message = _HTTP_CODES.get(error.code, ("error", error.name))
    if error.code == 400 and getattr(error, "description", "").startswith("The CSRF"):
        code, message = "csrf_failed", _l("The form has expired. Please reload the page and try again.")
    # Keep werkzeug's own headers (Allow on a 405, Retry-After, ...), not its HTML body's type.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    if wants_json():
        return *json_error(error.code, code, message), headers
    return render_template("error.html", status=error.code, message=message), error.code, headers


def _service_error(error: ServiceError):
    if wants_json():
        return json_error(error.status, error.code, error.message, error.fields)
    return render_template("error.html", status=error.status, message=error.message), error.status


#: Seconds a client is asked to wait before retrying when the database is busy.
BUSY_RETRY_AFTER = 2
_BUSY_MESSAGE = _l("The system is busy. Please try again in a moment.")
#: PostgreSQL: lock_not_available (lock_timeout), serialization_failure, deadlock_detected.
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})
#: SQLite's primary result codes SQLITE_BUSY ("database is locked") and SQLITE_LOCKED.
_BUSY_SQLITE_CODES = frozenset({5, 6})


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused for want of a lock (try again soon), not for a fault."""
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_SQLITE_CODES
    if getattr(original, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return "database is locked" in str(original)


def _database_busy(error: OperationalError):
    if not is_busy(error):
        raise error  # a real fault: Flask's 500 handling, as if unhandled
    db.session.rollback()
    deferred_begin.set(True)  # the error page only reads; it must not wait for the lock again
    if wants_json():
        response, status = json_error(503, "busy", _BUSY_MESSAGE)
    else:
        response, status = render_template("error.html", status=503, message=_BUSY_MESSAGE), 503
    return response, status, {"Retry-After": str(BUSY_RETRY_AFTER)}


def register_error_handlers(app):
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(
        ValidationError, lambda error: _service_error(invalid_input_from(error))
    )


def referenced(lookup, row_id):
    """A row named in a request body; an unknown id is a field error (422), not a 404."""
    try:
        return lookup(row_id)
    except NotFound as error:
        raise InvalidInput(fields=error.fields) from error
