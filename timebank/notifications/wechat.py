"""WeChat template messages through the district's service account (公众号 模板消息).

The client fetches the account's access token from ``cgi-bin/stable_token`` (a token shared by
every process of the account: fetching it in the scheduler does not void the web workers' copy,
as ``cgi-bin/token`` would) and keeps it until five minutes before it expires; a token WeChat
calls invalid or expired (40001, 42001) is fetched again once. A message is a POST to
``cgi-bin/message/template/send`` with the template configured for the notice's kind:

``WECHAT_TEMPLATE_IDS`` maps a kind to a template id (the data sent is ``title``, ``body`` and
the notice's parameters, each as ``{"value": ...}``), or to ``{"template_id": ...,
"fields": {"thing1": "title", "time2": "when"}}`` naming which parameter fills which field of
an approved template. A kind without a template is not sent (a permanent failure).

Only the standard library speaks HTTP here (`urllib`); tests replace `transport`.
"""

import json
import threading
import urllib.request
from datetime import timedelta

from flask import current_app

from timebank.clock import now

EXTENSION = "timebank.wechat"
API = "https://api.weixin.qq.com/cgi-bin"
TOKEN_URL = f"{API}/stable_token"
SEND_URL = f"{API}/message/template/send"
#: Error codes after which the token is fetched again (invalid, expired).
TOKEN_ERRORS = {40001, 42001, 40014}
#: Error codes that retrying will not mend: a wrong openid, a user who unfollowed the account,
#: a template that is not the account's.
PERMANENT_ERRORS = {40003, 43004, 40037, 43101}


class WeChatError(Exception):
    """The message was not sent; `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def urllib_transport(method: str, url: str, payload: dict | None, timeout: float = 10) -> dict:
    """POST (or GET) `payload` as JSON to `url`; the JSON answer."""
    if not url.startswith("https://"):
        raise WeChatError(f"refusing a WeChat call to {url!r}: https only", permanent=True)
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (https only, checked above)
        url, data=data, method=method, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise WeChatError(f"WeChat could not be reached: {error}") from error


class WeChatClient:
    """The sender of template messages for one service account."""

    def __init__(self, config, transport=None):
        self.app_id = config.get("WECHAT_APP_ID") or ""
        self.app_secret = config.get("WECHAT_APP_SECRET") or ""
        self.templates = dict(config.get("WECHAT_TEMPLATE_IDS") or {})
        self.transport = transport or urllib_transport
        self._token: str | None = None
        self._token_expires_at = None
        self._lock = threading.Lock()

    # --- the access token --------------------------------------------------------------------

    def access_token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if fresh or self._token is None or now() >= self._token_expires_at:
                answer = self.transport("POST", TOKEN_URL, {
                    "grant_type": "client_credential", "appid": self.app_id,
                    "secret": self.app_secret, "force_refresh": False})
                if not answer.get("access_token"):
                    raise WeChatError(f"no access token: {answer.get('errcode')} "
                                      f"{answer.get('errmsg', '')}".strip())
                self._token = answer["access_token"]
                lifetime = int(answer.get("expires_in") or 7200)
                self._token_expires_at = now() + timedelta(seconds=max(lifetime - 300, 60))
            return self._token

    # --- a message ------------------------------------------------------------------------------

    def message(self, openid: str, kind: str, *, title: str, body: str, params: dict,
                url: str | None = None) -> dict:
        """The JSON body of the template message for `kind`."""
        template = self.templates.get(kind)
        if not template:
            raise WeChatError(f"no WeChat template for notices of kind {kind!r} "
                              "(WECHAT_TEMPLATE_IDS)", permanent=True)
        values = {"title": title, "body": body, **{key: str(value) for key, value in params.items()}}
        if isinstance(template, dict):
            template_id = template["template_id"]
            data = {field: {"value": values.get(name, "")}
                    for field, name in template.get("fields", {}).items()}
        else:
            template_id = template
            data = {name: {"value": value} for name, value in values.items()}
        message = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            message["url"] = url
        return message

    def send(self, openid: str, kind: str, *, title: str, body: str = "", params=None,
             url: str | None = None) -> None:
        message = self.message(openid, kind, title=title, body=body, params=dict(params or {}),
                               url=url)
        for fresh in (False, True):
            token = self.access_token(fresh=fresh)
            answer = self.transport("POST", f"{SEND_URL}?access_token={token}", message)
            code = int(answer.get("errcode") or 0)
            if code == 0:
                return
            if code in TOKEN_ERRORS and not fresh:
                continue
            raise WeChatError(f"WeChat refused the message: {code} {answer.get('errmsg', '')}",
                              permanent=code in PERMANENT_ERRORS)


class RecordingWeChat:
    """The test double: keeps every message in `sent` as dicts, in order."""

    def __init__(self, config=None):
        self.sent: list[dict] = []

    def send(self, openid: str, kind: str, *, title: str, body: str = "", params=None,
             url: str | None = None) -> None:
        self.sent.append({"openid": openid, "kind": kind, "title": title, "body": body,
                          "params": dict(params or {}), "url": url})

    def to(self, openid: str) -> list[str]:
        """The titles sent to `openid`, oldest first."""
        return [message["title"] for message in self.sent if message["openid"] == openid]


def init_app(app) -> None:
    """A client when the service account is configured (``WECHAT_APP_ID``); else no WeChat."""
    app.extensions[EXTENSION] = WeChatClient(app.config) if app.config.get("WECHAT_APP_ID") \
        else None


def client():
    """The app's WeChat client, or None when WeChat is not configured."""
    return current_app.extensions.get(EXTENSION)
