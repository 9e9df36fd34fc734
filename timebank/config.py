"""Settings: the defaults, what the environment may change, and the checks made at start."""

import json
import os
from datetime import timedelta

from timebank.i18n import DEFAULT_LOCALE

DEFAULT_SECRET_KEY = "dev-only-secret-do-not-use-in-production"  # noqa: S105


def _flag(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path}/timebank.sqlite3"
    # We ship psycopg 3; accept the common spelling of a PostgreSQL URL too.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def settings_from_environment(instance_path: str) -> dict:
    return {
        "APP_ENV": os.environ.get("APP_ENV", "production"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        #: Where phones reach the site, for the URLs inside QR codes (behind a proxy).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "CHECKIN_ROUNDING_MINUTES": int(os.environ.get("CHECKIN_ROUNDING_MINUTES", "15")),
        #: Behind a reverse proxy: how many proxies set X-Forwarded-For (-Proto, -Host), so the
        #: client's address (rate limits) and scheme are the real ones. 0 trusts no header.
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        "PROXY_FIX_X_PROTO": int(os.environ.get("PROXY_FIX_X_PROTO", "0")),
        "PROXY_FIX_X_HOST": int(os.environ.get("PROXY_FIX_X_HOST", "0")),
        #: The SMS gateway's factory, "module:callable" (`timebank.notifications.sms`); empty:
        #: the console in development, nothing sent (and an error in the log) in production.
        "SMS_GATEWAY": os.environ.get("SMS_GATEWAY", ""),
        #: The district's WeChat service account (公众号) for template messages
        #: (`timebank.notifications.wechat`); without an app id nothing goes by WeChat.
        "WECHAT_APP_ID": os.environ.get("WECHAT_APP_ID", ""),
        "WECHAT_APP_SECRET": os.environ.get("WECHAT_APP_SECRET", ""),
        #: JSON: notice kind → template id, or → {"template_id", "fields": {field: parameter}}.
        "WECHAT_TEMPLATE_IDS": json.loads(os.environ.get("WECHAT_TEMPLATE_IDS") or "{}"),
        #: Where evidence photos and their thumbnails are kept (`volunteers.evidence`); empty:
        #: ``<instance>/evidence``.
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or None,
    }


DEFAULTS = {
    "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
    "LOGIN_RATE_LIMIT": "10 per minute;100 per hour",
    #: How often a person may download everything held about them (`timebank.personal_data`).
    "PERSONAL_DATA_EXPORT_LIMIT": "5 per hour;20 per day",
    "REGISTER_RATE_LIMIT": "20 per minute;200 per hour",
    #: The public complaint form, per address and per contact phone (staff are not limited).
    "COMPLAINT_RATE_LIMIT": "5 per hour;20 per day",
    "COMPLAINT_PHONE_RATE_LIMIT": "3 per hour;10 per day",
    "API_TOKEN_LIFETIME": 30 * 24 * 3600,
    "CHECKIN_RATE_LIMIT": "30 per minute",
    #: Wrong tries allowed before a kind of guess is refused (429), counted in the rate-limit
    #: storage even with RATELIMIT_ENABLED off (`timebank.guesses`, which works out the years
    #: a guesser needs). Per target: all merchants together against one member's typed payment
    #: code, all staff against one volunteer's card code, all addresses against one phone.
    "PAYMENT_CODE_MEMBER_LIMIT": "5 per 10 minutes;20 per day",
    "PAYMENT_CODE_MERCHANT_LIMIT": "20 per 10 minutes;100 per day",
    "CARD_CODE_VOLUNTEER_LIMIT": "5 per 10 minutes;20 per day",
    "CARD_CODE_STAFF_LIMIT": "20 per 10 minutes;100 per day",
    "LOGIN_PHONE_FAILURE_LIMIT": "10 per 15 minutes",
    #: Password reset codes by SMS (`timebank.accounts.recovery`): codes asked for one phone
    #: number from anywhere, and from one address for any numbers; wrong codes typed from one
    #: address. Counted like the wrong guesses above, even with RATELIMIT_ENABLED off.
    "PASSWORD_RESET_PHONE_LIMIT": "3 per 15 minutes;10 per day",
    "PASSWORD_RESET_ADDRESS_LIMIT": "10 per hour;50 per day",
    "PASSWORD_RESET_WRONG_CODE_LIMIT": "20 per hour;100 per day",
    #: How long an SMS code lasts, and the wrong tries a code takes before it is void.
    "PASSWORD_RESET_SMS_MINUTES": 10,
    "PASSWORD_RESET_CODE_TRIES": 5,
    #: Phone verification codes (`timebank.accounts.verification`: registering, and a first
    #: login of a staff-made or imported account): codes sent to one phone number, and asked
    #: for from one address; wrong codes typed from one address. Counted like the above.
    "PHONE_CODE_PHONE_LIMIT": "3 per 15 minutes;10 per day",
    "PHONE_CODE_ADDRESS_LIMIT": "10 per hour;50 per day",
    "PHONE_CODE_WRONG_CODE_LIMIT": "20 per hour;100 per day",
    "PHONE_CODE_MINUTES": 10,
    "PHONE_CODE_TRIES": 5,
    #: Minutes a station's social workers may grant from community pools in a month.
    "POOL_GRANT_MONTHLY_CAP_MINUTES": 1200,
    #: The time bank's spending rules (district settings, `timebank.ledger.services`): the unit
    #: residents see where they spend (0 time coins 时间币, 1 hours) and the minutes in a coin;
    #: minutes served (earn + opening balances) before a member may spend, 0 none; the most a
    #: member's account may receive by exchange, 0 no cap (service is never capped); whether
    #: spends and redemptions must be whole coins; the operations centre's monthly grant budget.
    "SPENDING_UNIT": 0,
    "MINUTES_PER_COIN": 60,
    "SPENDING_MIN_SERVED_MINUTES": 0,
    "BALANCE_CAP_MINUTES": 0,
    "WHOLE_UNIT_REDEMPTION": False,
    "GRANT_MONTHLY_BUDGET_MINUTES": 6000,
    #: Working days (Monday to Friday) a station has to answer a volunteer's correction request.
    "CORRECTION_DUE_WORKING_DAYS": 5,
    #: Complaints (投诉): working days to accept, to answer (from receipt) and to call the
    #: complainant back after the answer (district settings).
    "COMPLAINT_ACCEPT_WORKING_DAYS": 1,
    "COMPLAINT_ANSWER_WORKING_DAYS": 5,
    "COMPLAINT_FOLLOW_UP_WORKING_DAYS": 5,
    #: Follow-up calls (群众随访): the share of last month's residents served put in the queue,
    #: and the least number of them when there are that many (district settings).
    "FOLLOW_UP_SAMPLE_PERCENT": 10,
    "FOLLOW_UP_SAMPLE_MINIMUM": 5,
    #: Years without a visit after which an account's personal data is flagged for review
    #: (`timebank.personal_data`).
    "PERSONAL_DATA_RETENTION_YEARS": 3,
    #: Tiered approval of check-ins, for stations without rules of their own: a volunteer's
    #: scanned minutes in a day up to the first are approved at check-out with no one's click
    #: (if APPROVE_AT_CHECKOUT), up to the second a station manager approves, above it a
    #: district administrator (i志愿's 8 h / 12 h).
    "APPROVAL_AUTO_DAILY_MINUTES": 480,
    "APPROVAL_MANAGER_DAILY_MINUTES": 720,
    "APPROVE_AT_CHECKOUT": True,
    #: No SMS notices from the first hour to the second (the platform's zone), except a change
    #: to an activity close at hand; deferred ones go at the second (`timebank.notifications`).
    "NOTICE_QUIET_HOURS": (21, 8),
    #: Minutes before each retry of a failed SMS or WeChat message; after the last, it fails.
    "NOTICE_RETRY_MINUTES": (1, 5, 30, 120, 720),
    #: Points of the matching score (`volunteers.matching.Weights` fields); {} keeps the defaults.
    "MATCHING_WEIGHTS": {},
    "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "RATELIMIT_HEADERS_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a form left open still works
    #: Larger request bodies are refused with 413 before they are read.
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    #: The import upload page (`/admin/imports/`) alone takes files up to this size.
    "IMPORT_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
    #: Evidence photos (`volunteers.evidence`): the largest file taken, and photos per activity.
    "EVIDENCE_MAX_BYTES": 8 * 1024 * 1024,
    "EVIDENCE_MAX_PHOTOS": 30,
    #: Where uploaded import files wait between the dry run and the confirmation; None is
    #: ``<instance>/imports``.
    "IMPORT_UPLOAD_FOLDER": None,
}


#: Characters a production SECRET_KEY needs at the least (32 hex digits are 128 bits).
SECRET_KEY_MIN_LENGTH = 32


def _check_secret_key(key: str) -> None:
    """Refuse to start in production with a key that signs nothing safely: everything signed
    (sessions, API tokens, check-in and payment codes) could be forged with it."""
    if key == DEFAULT_SECRET_KEY or len(key or "") < SECRET_KEY_MIN_LENGTH:
        raise RuntimeError(
            f"Refusing to start in production: SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} "
            "characters and not the development default. Make one with\n"
            "    python3 -c 'import secrets; print(secrets.token_hex(32))'\n"
            "and set it in the environment (or APP_ENV=development on a workstation).")


def configure(app, config: dict | None = None) -> None:
    """Defaults, then the environment, then `config` (tests); refuse unsafe production keys."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    app.config.from_mapping(config or {})
    production = app.config["APP_ENV"] == "production" and not app.testing
    # Cookies travel over HTTPS only in production, unless told otherwise.
    secure_cookies = _flag("SESSION_COOKIE_SECURE", production)
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if key not in (config or {}):
            app.config[key] = secure_cookies
    if production:
        _check_secret_key(app.config["SECRET_KEY"])
    #: Browsers keep to HTTPS for this long once they have seen the site (production only).
    app.config.setdefault("HSTS_SECONDS", 365 * 24 * 3600 if production else 0)
