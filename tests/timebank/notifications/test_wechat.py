"""The WeChat sender against a fake HTTP layer (no network): the token is fetched once and kept,
fetched again when WeChat calls it invalid, and each message is the template's JSON."""

from datetime import timedelta

import pytest

from timebank.notifications import wechat

CONFIG = {"WECHAT_APP_ID": "wx123", "WECHAT_APP_SECRET": "s3cret",
          "WECHAT_TEMPLATE_IDS": {
              "reminder": "TPL-REMINDER",
              "activity_changed": {"template_id": "TPL-CHANGED",
                                   "fields": {"thing1": "title", "time2": "when"}}}}


class FakeWeChat:
    """Answers like api.weixin.qq.com; `answers` are the send endpoint's replies, in order."""

    def __init__(self, *answers):
        self.calls: list[tuple[str, str, dict]] = []
        self.answers = list(answers)
        self.tokens = 0

    def __call__(self, method, url, payload, timeout=10):
        self.calls.append((method, url, payload))
        if url == wechat.TOKEN_URL:
            self.tokens += 1
            return {"access_token": f"TOKEN{self.tokens}", "expires_in": 7200}
        assert url.startswith(wechat.SEND_URL + "?access_token=")
        return self.answers.pop(0) if self.answers else {"errcode": 0, "errmsg": "ok"}

    def sends(self):
        return [(url.split("=", 1)[1], payload) for _m, url, payload in self.calls
                if url != wechat.TOKEN_URL]


def test_a_template_message_is_posted_with_a_cached_token(app):
    fake = FakeWeChat()
    client = wechat.WeChatClient(CONFIG, transport=fake)
    client.send("openid-1", "reminder", title="明天：长者探访", body="09:00 活动室",
                params={"when": "12-17 09:00"}, url="https://tb.example/volunteer/activities/1")
    client.send("openid-2", "activity_changed", title="活动有变：长者探访",
                params={"title": "长者探访", "when": "12-17 11:00"})
    assert fake.tokens == 1  # fetched once, kept for the second message
    token_call = fake.calls[0]
    assert token_call[0] == "POST" and token_call[2] == {
        "grant_type": "client_credential", "appid": "wx123", "secret": "s3cret",
        "force_refresh": False}
    (token1, first), (token2, second) = fake.sends()
    assert token1 == token2 == "TOKEN1"
    assert first == {"touser": "openid-1", "template_id": "TPL-REMINDER",
                     "url": "https://tb.example/volunteer/activities/1",
                     "data": {"title": {"value": "明天：长者探访"}, "body": {"value": "09:00 活动室"},
                              "when": {"value": "12-17 09:00"}}}
    assert second == {"touser": "openid-2", "template_id": "TPL-CHANGED",
                      "data": {"thing1": {"value": "长者探访"}, "time2": {"value": "12-17 11:00"}}}


def test_an_expired_token_is_fetched_again_once(app, pinned_clock):
    fake = FakeWeChat({"errcode": 40001, "errmsg": "invalid credential"})
    client = wechat.WeChatClient(CONFIG, transport=fake)
    client.send("openid-1", "reminder", title="明天")
    assert fake.tokens == 2 and [token for token, _ in fake.sends()] == ["TOKEN1", "TOKEN2"]
    pinned_clock.shift(timedelta(hours=2))  # past its lifetime: fetched again
    client.send("openid-1", "reminder", title="明天")
    assert fake.tokens == 3


def test_refusals_are_errors_and_some_are_permanent(app):
    fake = FakeWeChat({"errcode": 45009, "errmsg": "api freq out of limit"},
                      {"errcode": 43004, "errmsg": "require subscribe"})
    client = wechat.WeChatClient(CONFIG, transport=fake)
    with pytest.raises(wechat.WeChatError) as busy:
        client.send("openid-1", "reminder", title="明天")
    assert not busy.value.permanent and "45009" in str(busy.value)
    with pytest.raises(wechat.WeChatError) as unfollowed:
        client.send("openid-1", "reminder", title="明天")
    assert unfollowed.value.permanent
    with pytest.raises(wechat.WeChatError) as no_template:
        client.send("openid-1", "hours_approved", title="时长已审核通过")
    assert no_template.value.permanent and len(fake.sends()) == 2


def test_the_default_transport_speaks_https_only(app, monkeypatch):
    seen = []

    class Answer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b'{"errcode": 0, "errmsg": "ok"}'

    def urlopen(request, timeout):
        seen.append((request.full_url, request.get_method(), request.data, timeout))
        return Answer()

    monkeypatch.setattr(wechat.urllib.request, "urlopen", urlopen)
    assert wechat.urllib_transport("POST", wechat.SEND_URL + "?access_token=T", {"a": "长"}) == \
        {"errcode": 0, "errmsg": "ok"}
    assert seen == [(wechat.SEND_URL + "?access_token=T", "POST", '{"a": "长"}'.encode(), 10)]
    with pytest.raises(wechat.WeChatError):
        wechat.urllib_transport("GET", "file:///etc/passwd", None)

    def unreachable(request, timeout):
        raise OSError("network is unreachable")

    monkeypatch.setattr(wechat.urllib.request, "urlopen", unreachable)
    with pytest.raises(wechat.WeChatError, match="could not be reached"):
        wechat.urllib_transport("POST", wechat.TOKEN_URL, {})


def test_a_configured_app_sends_through_its_client(make_app):
    other = make_app(**CONFIG)
    assert isinstance(other.extensions[wechat.EXTENSION], wechat.WeChatClient)
    assert other.extensions[wechat.EXTENSION].templates["reminder"] == "TPL-REMINDER"
