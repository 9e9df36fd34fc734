"""Languages: Simplified Chinese by default, English on request."""

from flask import g, has_request_context, request, session
from flask_babel import get_translations

DEFAULT_LOCALE = "zh_Hans_CN"
#: Locale code → its name in its own language (shown in the switch as is).
LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}


def select_locale() -> str:
    """The visitor's choice from the switch; API clients may ask with Accept-Language."""
    if not has_request_context():  # CLI commands and scheduled jobs
        return DEFAULT_LOCALE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith("/api/") and request.accept_languages:
        best = request.accept_languages.best_match(["zh", "en"], default="zh")
        return "en" if best == "en" else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def translations():
    """Flask-Babel's translations for the current locale, kept in Flask-Babel's own per-request
    namespace beside the locale they are for: a page's many ``_()`` find them in one lookup
    instead of three of the request context and a locale name each. `flask_babel.refresh` and
    `force_locale` change the locale object, so the pair is looked up again."""
    if not g:
        return get_translations()
    context = g.get("_flask_babel")
    kept = getattr(context, "timebank_translations", None)
    if kept is not None and kept[0] is getattr(context, "babel_locale", None):
        return kept[1]
    found = get_translations()
    context = g._flask_babel
    context.timebank_translations = (context.babel_locale, found)
    return found


def install_template_gettext(app) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` through
    `translations` (what Flask-Babel installs, minus its lookups per call); ``_`` is
    ``gettext`` itself rather than Jinja's alias that looks ``gettext`` up again on each call."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: translations().ugettext(string),
        ngettext=lambda singular, plural, number: translations().ungettext(singular, plural, number),
        pgettext=lambda context, string: translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, number: translations().unpgettext(
            context, singular, plural, number),
        newstyle=True)
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"]
