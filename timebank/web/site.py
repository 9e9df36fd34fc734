"""The home page and the language switch."""

from functools import cache, lru_cache
from pathlib import Path

import flask_babel
from flask import (
    Blueprint,
    Response,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from markupsafe import Markup

from timebank.accounts.permissions import Role, has_role, is_staff
from timebank.accounts.services import mask_name, mask_phone
from timebank.i18n import HTML_LANG, LANGUAGES
from timebank.ledger.queries import coins, format_minutes, format_spending
from timebank.web.forms import safe_next

bp = Blueprint("site", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@cache
def _favicon(static_folder: str) -> bytes:
    return (Path(static_folder) / "favicon.ico").read_bytes()


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site whatever the page links: answer instead of a 404."""
    response = Response(_favicon(current_app.static_folder), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public, response.cache_control.max_age = True, 7 * 24 * 3600
    return response


@bp.get("/lang/<code>")
def switch_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("site.home")))


def remembered(format_function):
    """`format_function` (a date filter of Flask-Babel) remembering what it answered: the same
    instant, format, language and zone always read the same, and a list of activities formats
    the same few hundred instants on every request. Without a value it formats now: not kept."""
    @lru_cache(maxsize=16384)
    def formatted(value, tzinfo, format, rebase, locale: str, timezone: str) -> str:
        return format_function(value, format, rebase)

    def format_value(value=None, format=None, rebase=True) -> str:
        if value is None:
            return format_function(value, format, rebase)
        return formatted(value, getattr(value, "tzinfo", None), format, rebase, str(get_locale()),
                         str(get_timezone()))

    return format_value


#: Jinja's date filters (Flask-Babel's), each remembering its answers (`remembered`).
DATE_FILTERS = {"datetimeformat": remembered(flask_babel.format_datetime),
                "dateformat": remembered(flask_babel.format_date),
                "timeformat": remembered(flask_babel.format_time)}


@lru_cache(maxsize=16384)
def _time_span(starts_at, ends_at, zones, locale: str, timezone: str) -> Markup:
    dates = DATE_FILTERS
    return Markup('<time datetime="{}">{} {} {}–{}</time>').format(
        starts_at.isoformat(), dates["dateformat"](starts_at, "medium"),
        dates["datetimeformat"](starts_at, "EEE"), dates["timeformat"](starts_at, "short"),
        dates["timeformat"](ends_at, "short"))


def time_span(starts_at, ends_at) -> Markup:
    """``<time>`` of a start and end (an activity's): day, weekday, start–end; formatted once
    per language and zone, then remembered (a month's list shows sixty of them)."""
    return _time_span(starts_at, ends_at, (starts_at.tzinfo, ends_at.tzinfo), str(get_locale()),
                      str(get_timezone()))


#: Most URLs a template builds are known before the request: the menu, the footer, the static
#: files. Kept per app, at most this many, then forgotten all at once.
_URLS_KEPT = 16384


def template_url_for(endpoint: str, **values) -> str:
    """Templates' ``url_for``: Flask's, remembering each URL it built for the same endpoint,
    values, script root and host (a page builds the same few dozen every time). Templates
    rendered outside a request (a job's), relative endpoints (``.name``), ``_external`` and the
    like, values that cannot be keys, and apps with URL defaults go to Flask each time."""
    if not has_request_context() or endpoint.startswith(".") \
            or current_app.url_default_functions or any(name.startswith("_") for name in values):
        return url_for(endpoint, **values)
    try:
        key = (request.script_root, request.host, endpoint,
               *sorted((name, type(value), value) for name, value in values.items()))
        built = current_app.extensions["timebank.urls"].get(key)
    except TypeError:  # a value that cannot be a key (a list for a repeated query argument)
        return url_for(endpoint, **values)
    if built is None:
        built = url_for(endpoint, **values)
        urls = current_app.extensions["timebank.urls"]
        if len(urls) >= _URLS_KEPT:
            urls.clear()
        urls[key] = built
    return built


#: Helpers every template (and every imported macro) can call.
TEMPLATE_GLOBALS = {
    "LANGUAGES": LANGUAGES,
    "has_role": has_role,
    "is_staff": is_staff,
    "Role": Role,
    "format_minutes": format_minutes,
    #: Where residents spend (prices, balances, payments): "2 时间币" by the district's unit;
    #: also the filter ``{{ minutes | spending }}``. Service records keep `format_minutes`.
    "format_spending": format_spending,
    "coins": coins,
    "mask_name": mask_name,
    "mask_phone": mask_phone,
    "time_span": time_span,
    "url_for": template_url_for,
}


def template_context() -> dict:
    locale = str(get_locale())
    return {"current_lang": locale, "html_lang": HTML_LANG.get(locale, "zh-CN")}


#: Scripts and styles come only from our own static files; nothing inline, nothing from a CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HSTS_SECONDS"):
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    # `is_anonymous`, not `is_authenticated`: after the view's commit the latter reloads the user.
    if request.endpoint != "static" and not current_user.is_anonymous \
            and "no-store" not in response.headers.get("Cache-Control", ""):
        # What a logged-in person is shown (phones, ID numbers, hours) stays out of every cache,
        # the browser's and a shared phone's back button included.
        response.headers["Cache-Control"] = "no-store"
    return response
