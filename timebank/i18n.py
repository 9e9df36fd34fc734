"""Languages: Simplified Chinese by default, English on request."""

from flask import has_request_context, request, session

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
