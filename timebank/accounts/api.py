"""The JSON API under /api/v1: conventions, token auth, users.

Errors are rendered by `timebank.errors`; this module only adds what is specific to the API:
JSON bodies, the CSRF rule for cookie-authenticated writes, and the user endpoints.
"""

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank import guesses
from timebank.accounts import services as users
from timebank.accounts.permissions import is_staff, login_required
from timebank.accounts.schemas import CredentialsSchema, RegisterSchema, TokenSchema, UserSchema
from timebank.accounts.views import bearer_user
from timebank.database import reads_only
from timebank.errors import ServiceError
from timebank.extensions import csrf, db, limiter
from timebank.web.inputs import check_json, page_number
from timebank.web.openapi import build_spec, doc

PREFIX = "/api/v1"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_PER_PAGE = 100


def _protect_cookie_writes():
    """Bearer clients cannot be forged cross-site; a browser's session cookie can.

    So a write by a logged-in browser must carry the CSRF token (header ``X-CSRFToken``),
    exactly as an HTML form would. Only a valid bearer token exempts a write: any other
    ``Authorization`` header beside a session cookie changes nothing.
    """
    if request.method in UNSAFE_METHODS and current_user.is_authenticated \
            and bearer_user(request) is None:
        csrf.protect()


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 with the API's conventions (JSON errors, CSRF rule)."""
    blueprint = Blueprint(name, import_name, url_prefix=PREFIX)
    csrf.exempt(blueprint)
    blueprint.before_request(_protect_cookie_writes)
    return blueprint


bp = api_blueprint("api", __name__)


class BadCredentials(ServiceError):
    status = 401
    code = "invalid_credentials"


def json_body(schema):
    """Load the request's JSON object through `schema` (400 if not JSON, 422 if invalid)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        data = None
    if not isinstance(data, dict):
        raise ServiceError(_("Send a JSON object in the request body."), code="malformed_json")
    check_json(data)
    return schema.load(data)


def page_args() -> tuple[int, int]:
    """``?page=&per_page=`` of a list (`timebank.inputs.page_number`)."""
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), MAX_PER_PAGE)
    return page_number(per_page), per_page


def paginated(statement, schema) -> dict:
    """``{"items", "page", "per_page", "total"}`` for a select, from ``?page=&per_page=``."""
    page, per_page = page_args()
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    return {"items": schema.dump(result.items, many=True), "page": result.page,
            "per_page": per_page, "total": result.total}


def user_json(user):
    return UserSchema(show_phone=is_staff(current_user) or user == current_user).dump(user)


@bp.post("/auth/register")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@doc(summary="Register as a resident", tags=["auth"], body=RegisterSchema, response=UserSchema,
     status=201, auth=False, errors=(409, 429))
def register():
    data = json_body(RegisterSchema())
    user = users.register_resident(**data)
    db.session.commit()
    return jsonify(UserSchema(show_phone=True).dump(user)), 201


@bp.post("/auth/token")
@reads_only  # checks a password and signs a token: no write lock while the hash is checked
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@doc(summary="Exchange phone and password for a bearer token", tags=["auth"],
     body=CredentialsSchema, response=TokenSchema, auth=False, errors=(401, 429))
def token():
    data = json_body(CredentialsSchema())
    guesses.refuse_login_if_locked(data["phone"])
    user = users.authenticate(data["phone"], data["password"])
    if user is None:
        guesses.count_failed_login(data["phone"])
        raise BadCredentials(_("Wrong phone number or password."))
    token, expires_at = users.issue_token(user)
    return jsonify(TokenSchema().dump({"token": token, "expires_at": expires_at}))


@bp.get("/me")
@login_required
@doc(summary="The logged-in user", tags=["auth"], response=UserSchema)
def me():
    return jsonify(user_json(current_user))


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())
