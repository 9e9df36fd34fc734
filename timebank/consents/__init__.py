"""The privacy notice, the consents people give under it, and the two things a logged-in
browser is asked before it goes anywhere else: to verify a phone nobody proved yet
(`/auth/verify-phone`), and to agree to a notice that changed (`/privacy/agree`)."""

from flask import redirect, request, url_for
from flask_login import current_user

#: Endpoints a person who still has to verify or agree may reach.
EXEMPT_ENDPOINTS = {"static", "site.favicon", "site.switch_language", "auth.logout",
                    "auth.verify_phone", "auth.login", "auth.register"}
#: Paths likewise (the API answers with flags instead; 我的数据 stays reachable).
EXEMPT_PREFIXES = ("/api/", "/me/data", "/static/")


def ask_before_going_on():
    """Send a logged-in browser to verify its phone, then to agree to the current notice."""
    endpoint = request.endpoint or ""
    if endpoint in EXEMPT_ENDPOINTS or endpoint.startswith("consents.") \
            or request.path.startswith(EXEMPT_PREFIXES):
        return None
    if not current_user.is_authenticated:
        return None
    from timebank.consents import services
    from timebank.notifications import sms

    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if current_user.phone_verified_at is None and sms.can_send():
        return redirect(url_for("auth.verify_phone", next=target))
    if services.privacy_consent_needed(current_user):
        return redirect(url_for("consents.agree", next=target))
    return None


def init_app(app) -> None:
    from timebank.consents import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.before_request(ask_before_going_on)
