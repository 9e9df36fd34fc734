"""What every JSON API blueprint under /api/v1 shares: the blueprint itself (JSON errors, the
CSRF rule for cookie-authenticated writes), JSON bodies, and the page object of a list.

Errors are rendered by `timebank.errors`; features add their endpoints in their own `api.py`.
"""

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from timebank.accounts.views import bearer_user
from timebank.errors import ServiceError
from timebank.extensions import csrf
from timebank.web.inputs import check_json, page_number
from timebank.web.pagination import paginate

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
    """``?page=&per_page=`` of a list (`timebank.web.inputs.page_number`)."""
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), MAX_PER_PAGE)
    return page_number(per_page), per_page


def page_of_list(items: list) -> tuple[list, dict]:
    """The requested page of `items` (already in memory) and the contract's page fields."""
    page, per_page = page_args()
    return (items[(page - 1) * per_page:page * per_page],
            {"page": page, "per_page": per_page, "total": len(items)})


def paginated(statement, schema, *, rows=None) -> dict:
    """``{"items", "page", "per_page", "total"}`` for a select, from ``?page=&per_page=``.

    `rows`, if given, turns the page's rows into what `schema` dumps (all of them at once)."""
    _page, per_page = page_args()
    result = paginate(statement, per_page)
    items = rows(result.items) if rows is not None else result.items
    return {"items": schema.dump(items, many=True), "page": result.page,
            "per_page": per_page, "total": result.total}
