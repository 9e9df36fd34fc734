"""The public complaint form's rate limits: per address and per contact phone, shared by the
API and the page (one count each, kept in the limiter's storage across workers)."""

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from timebank.accounts.permissions import is_staff
from timebank.accounts.services import normalise_phone
from timebank.extensions import limiter


def _contact() -> str:
    data = request.get_json(silent=True) if request.is_json else request.form
    raw = data.get("contact") if isinstance(data, dict) or hasattr(data, "get") else None
    return normalise_phone(str(raw)) if raw else ""


def _staff() -> bool:
    return current_user.is_authenticated and is_staff(current_user)


def _no_contact() -> bool:
    return _staff() or not _contact()


per_address = limiter.shared_limit(
    lambda: current_app.config["COMPLAINT_RATE_LIMIT"], scope="complaint-address",
    key_func=get_remote_address, exempt_when=_staff, methods=["POST"])
per_phone = limiter.shared_limit(
    lambda: current_app.config["COMPLAINT_PHONE_RATE_LIMIT"], scope="complaint-phone",
    key_func=lambda: f"phone:{_contact()}", exempt_when=_no_contact, methods=["POST"])
