"""Text messages (SMS) through a pluggable gateway, sent only after the commit.

The gateway is one object with one method::

    class Gateway:
        def send(self, phone: str, text: str, *, template: str, params: dict) -> None:
            '''Send `text` to the mainland mobile number `phone` (11 digits).
            Raise `SmsError` when the provider refuses or cannot be reached.'''

`text` is the whole message, in the member's language. Providers in mainland China send only
pre-approved templates, so the message also comes as a template name and its parameters
(``"password_reset"``, ``{"code": "123456", "minutes": 10}``): such a gateway maps the name to
its approved template id and sends the parameters, and ignores `text`.

``SMS_GATEWAY`` names a factory as ``"module:callable"``; it is called once at start with the
app's config (a mapping) and returns the gateway, so a district's provider (Aliyun, Tencent
Cloud SMS, a bureau's own platform) plugs in without changing this code; `docs/deploy.md` has
an example. Without ``SMS_GATEWAY``, development and tests get `ConsoleGateway` (the message
goes to the log) and production gets `MissingGateway`, which says so in the log at start and
refuses every message, loudly, instead of pretending to send.

Notices (an activity changed, tomorrow's reminder) reach the gateway through the outbox and
its worker (`timebank.notifications.delivery`), with the notice's kind as the template name;
they are retried when the gateway raises `SmsError`.

`send_after_commit` is for texts that hold a secret (a one-time code), which are never written
to the database and so never to the outbox: the text goes to the gateway once the outermost
transaction commits and never if the transaction or savepoint that asked rolls back
(`timebank.database.after_commit`). A gateway that fails is logged: the action has committed
and stands, and the member can ask for another code.
"""

from importlib import import_module

from flask import current_app

from timebank.database import after_commit

EXTENSION = "timebank.sms"


class SmsError(Exception):
    """The gateway could not send the message (the provider refused, or was unreachable)."""


class ConsoleGateway:
    """Development: write each message to the app's log instead of sending it."""

    def __init__(self, config=None):
        self.config = config

    def send(self, phone: str, text: str, *, template: str = "", params=None) -> None:
        current_app.logger.warning("SMS to %s: %s", phone, text)


class RecordingGateway:
    """The test double: keeps every message in `sent` as (phone, text), in order."""

    def __init__(self, config=None):
        self.sent: list[tuple[str, str]] = []
        #: (phone, template, params) of each message, in order.
        self.templates: list[tuple[str, str, dict]] = []

    def send(self, phone: str, text: str, *, template: str = "", params=None) -> None:
        self.sent.append((phone, text))
        self.templates.append((phone, template, dict(params or {})))

    def to(self, phone: str) -> list[str]:
        """The texts sent to `phone`, oldest first."""
        return [text for to, text in self.sent if to == phone]


class MissingGateway:
    """Production with no ``SMS_GATEWAY``: nothing can be sent, and the log says why."""

    MESSAGE = ("SMS_GATEWAY is not configured: text messages (password reset codes) cannot be "
               "sent. Set SMS_GATEWAY=module:factory (see docs/deploy.md, 'SMS gateway').")

    def __init__(self, config=None):
        pass

    def send(self, phone: str, text: str, *, template: str = "", params=None) -> None:
        raise SmsError(self.MESSAGE)


def _load(path: str):
    module, _sep, name = path.partition(":")
    if not module or not name:
        raise RuntimeError(f"SMS_GATEWAY must look like 'package.module:factory', not {path!r}")
    return getattr(import_module(module), name)


def init_app(app) -> None:
    path = (app.config.get("SMS_GATEWAY") or "").strip()
    if path:
        factory = _load(path)
    elif app.config["APP_ENV"] == "production" and not app.testing:
        factory = MissingGateway
        app.logger.error(MissingGateway.MESSAGE)
    else:
        factory = ConsoleGateway
    app.extensions[EXTENSION] = factory(app.config)


def gateway():
    """The app's gateway (tests may put a `RecordingGateway` in its place)."""
    return current_app.extensions[EXTENSION]


def can_send() -> bool:
    """Whether texts can leave at all: production without ``SMS_GATEWAY`` cannot, and then the
    phone codes of registration and first login are not asked for (nobody could type one)."""
    return not isinstance(gateway(), MissingGateway)


def send_after_commit(phone: str, text: str, template: str, params: dict) -> None:
    """Send `text` (or `template` with `params`) to `phone` once the current transaction
    commits; never if it rolls back (`timebank.database.after_commit`)."""
    masked = f"{phone[:3]}****{phone[-4:]}"
    after_commit(lambda: gateway().send(phone, text, template=template, params=params),
                 f"the SMS to {masked} could not be sent")
