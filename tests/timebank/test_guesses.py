"""Wrong guesses are limited, and counted where a rolled-back request cannot lose them: typed
payment codes per member and per merchant, typed card codes per volunteer and per staff
member, failed logins per phone number; and, behind a proxy, the client's real address.

Why these limits are enough, with the defaults (worked out in `timebank.guesses`): a typed
payment code is one of 10^6 digit strings accepted for two minutes, so a guess hits with
p = 2e-6. One member's typed code takes 20 wrong tries a day at most (5 per 10 minutes, 20 per
day), 7,300 a year: 0.0146 expected hits a year, one hit in about 68 years. One merchant gets
100 wrong tries a day over all members: one hit in about 14 years. Before, 2,301 wrong guesses
in 10 seconds were all answered 400.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from tests.conftest import PASSWORD, log_in, post_form
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.config import DEFAULTS
from timebank.exchange.merchants import services as merchants
from timebank.exchange.merchants.models import Redemption
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.notifications.models import Notification
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn

MEMBER_TRIES, MERCHANT_TRIES = 5, 20  # the first budgets of the defaults
assert DEFAULTS["PAYMENT_CODE_MEMBER_LIMIT"].startswith(f"{MEMBER_TRIES} per 10 minutes")
assert DEFAULTS["PAYMENT_CODE_MERCHANT_LIMIT"].startswith(f"{MERCHANT_TRIES} per 10 minutes")
assert DEFAULTS["CARD_CODE_VOLUNTEER_LIMIT"].startswith(f"{MEMBER_TRIES} per 10 minutes")
assert DEFAULTS["CARD_CODE_STAFF_LIMIT"].startswith(f"{MERCHANT_TRIES} per 10 minutes")
assert DEFAULTS["LOGIN_PHONE_FAILURE_LIMIT"] == "10 per 15 minutes"


@pytest.fixture
def frozen(monkeypatch):
    """One moment for the whole test, so a code shown at its start is still current at its end."""
    moment = now()
    monkeypatch.setattr("timebank.exchange.merchants.services.now", lambda: moment)
    monkeypatch.setattr("volunteers.checkins.services.now", lambda: moment)
    return moment


def notices_of(user) -> list[Notification]:
    """The user's notices, but for sign-up confirmations (the fixtures sign volunteers up)."""
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind != "signup_confirmed")))


def wrong(code: str, step: int = 1) -> str:
    user_id, digits = code.split("-")
    return f"{user_id}-{(int(digits) + step) % 1_000_000:06d}"


# --- typed payment codes ------------------------------------------------------------------------

@pytest.fixture
def shop(make_user, api_token, client):
    """``shop(name)``: a merchant with one item; returns (bearer headers, item id)."""

    def make(name="爱心理发店"):
        merchant = make_user(Role.MERCHANT, name=name)
        headers = api_token(merchant)
        response = client.post("/api/v1/merchant/items", headers=headers, json={
            "name": "理发一次", "price_minutes": 30, "stock": 10})
        assert response.status_code == 201, response.get_json()
        return headers, response.get_json()["id"]

    return make


@pytest.fixture
def member(make_user):
    """A member with 10 hours to spend."""
    user = make_user(name="陈阿姨")
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试社工站",
                                 min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -600), (ledger.member_account(user), 600)],
                         idempotency_key="fund:member")
    db.session.commit()
    return user


def payment_code(client, api_token, user) -> dict:
    response = client.get("/api/v1/me/payment-code", headers=api_token(user))
    assert response.status_code == 200
    return response.get_json()


def pay(client, shop_, code):
    headers, item_id = shop_
    return client.post("/api/v1/redemptions", headers=headers, json={"code": code, "item_id": item_id})


def test_wrong_typed_codes_lock_a_members_typed_code_for_every_merchant(client, api_token, shop,
                                                                         member, frozen):
    barber, grocer = shop("爱心理发店"), shop("爱心便利店")
    code = payment_code(client, api_token, member)["code"]
    # Each wrong try fails and rolls its transaction back, yet each one counts.
    assert [pay(client, barber, wrong(code, step)).status_code
            for step in range(1, MEMBER_TRIES + 1)] == [400] * MEMBER_TRIES

    refused = pay(client, grocer, code)  # the right code, at another merchant
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_wrong_tries" and error["message"] and error["fields"] == {}
    assert pay(client, barber, code).status_code == 429
    assert db.session.scalar(select(func.count(Redemption.id))) == 0

    # The member is told once, though the request that locked the code was rolled back.
    (notice,) = notices_of(member)
    assert notice.link == "/pay" and "二维码" in notice.body
    # The signed QR token cannot be guessed and still pays.
    token = payment_code(client, api_token, member)["token"]
    assert pay(client, grocer, token).status_code == 201


def test_a_merchant_typing_many_wrong_codes_is_limited_across_members(client, api_token, shop,
                                                                      member, frozen):
    barber, grocer = shop("爱心理发店"), shop("爱心便利店")
    code = payment_code(client, api_token, member)["code"]
    # One wrong try for each of many members: no member's budget is used up, the merchant's is.
    statuses = [pay(client, barber, f"{900_000 + target}-123456").status_code
                for target in range(MERCHANT_TRIES)]
    assert statuses == [400] * MERCHANT_TRIES
    assert pay(client, barber, code).status_code == 429
    # Other merchants and the member are not held back by this merchant's guesses.
    assert pay(client, grocer, code).status_code == 201
    assert notices_of(member) == []


def test_codes_for_ids_past_the_integer_range_are_wrong_codes_never_a_500(app, client, shop, event):
    barber = shop("爱心理发店")
    statuses = [pay(client, barber, wrong("9999999999-000000", step)).status_code
                for step in range(MEMBER_TRIES + 2)]
    assert statuses == [400] * MEMBER_TRIES + [429] * 2
    staff = app.test_client()
    log_in(staff, event["worker"])
    scanner = f"/station/activities/{event['activity'].id}/scan"
    answers = [post_form(staff, scanner, {"code": f"99999999999-{step:06d}"}).status_code
               for step in range(MEMBER_TRIES + 2)]
    assert all(status < 500 for status in answers), answers


def test_the_merchant_pages_say_why_a_locked_typed_code_is_refused(client, api_token, make_user,
                                                                   member, frozen):
    code = payment_code(client, api_token, member)["code"]
    merchant = make_user(Role.MERCHANT, name="爱心理发店")
    item = merchants.create_item(merchant, {"name": "理发一次", "price_minutes": 30, "stock": 10})
    db.session.commit()
    log_in(client, merchant)
    for step in range(1, MEMBER_TRIES + 1):
        assert post_form(client, "/merchant/scan", {"code": wrong(code, step)}).status_code == 400
    page = post_form(client, "/merchant/scan", {"code": code})
    assert page.status_code == 429
    assert "扫描居民手机上的二维码" in page.get_data(as_text=True)
    refused = post_form(client, "/merchant/redeem", {"code": code, "item_id": item.id},
                        page="/merchant/scan")
    assert refused.status_code == 429
    assert len(notices_of(member)) == 1


def test_wrong_codes_counted_in_redis_hold_across_workers(make_app, redis_url, client, api_token,
                                                          shop, member, frozen):
    """Two apps on one Redis, as two gunicorn workers: each sees the other's wrong tries."""
    barber = shop("爱心理发店")
    code = payment_code(client, api_token, member)["code"]
    workers = [make_app(RATELIMIT_STORAGE_URI=redis_url).test_client() for _ in range(2)]
    statuses = [pay(workers[step % 2], barber, wrong(code, step)).status_code
                for step in range(1, MEMBER_TRIES + 1)]
    assert statuses == [400] * MEMBER_TRIES
    assert [pay(worker, barber, code).status_code for worker in workers] == [429, 429]


# --- typed card codes ---------------------------------------------------------------------------

@pytest.fixture
def event(make_station, make_staff, make_volunteer, make_activity, frozen):
    """An activity running now, two social workers of its station, one signed-up volunteer."""
    station = make_station()
    worker = make_staff(station, name="李社工")
    colleague = make_staff(station, name="王社工")
    start = frozen.replace(second=0, microsecond=0) - timedelta(minutes=30)
    activity = make_activity(station, worker, title="重阳敬老探访", start=start, hours=2)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activities.sign_up(activity, volunteer)
    db.session.commit()
    return {"worker": worker, "colleague": colleague, "activity": activity, "volunteer": volunteer}


def scan(client, event, code):
    scanner = f"/station/activities/{event['activity'].id}/scan"
    return post_form(client, scanner, {"code": code}, headers={"Accept": "application/json"})


def test_wrong_card_codes_lock_a_volunteers_card_code_for_all_staff(app, client, event):
    code = checkins.card_code(event["volunteer"])
    log_in(client, event["worker"])
    assert [scan(client, event, wrong(code, step)).status_code
            for step in range(1, MEMBER_TRIES + 1)] == [400] * MEMBER_TRIES

    colleague = app.test_client()
    log_in(colleague, event["colleague"])
    refused = scan(colleague, event, code)
    assert refused.status_code == 429
    assert "扫描活动二维码" in refused.get_json()["message"]
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0
    (notice,) = notices_of(event["volunteer"])
    assert notice.link == "/card"


def test_staff_typing_many_wrong_card_codes_are_limited_across_volunteers(app, client, event):
    code = checkins.card_code(event["volunteer"])
    log_in(client, event["worker"])
    statuses = [scan(client, event, f"{900_000 + target}-123456").status_code
                for target in range(MERCHANT_TRIES)]
    assert statuses == [400] * MERCHANT_TRIES
    assert scan(client, event, code).status_code == 429

    colleague = app.test_client()
    log_in(colleague, event["colleague"])
    assert scan(colleague, event, code).get_json()["ok"] is True
    assert notices_of(event["volunteer"]) == []


# --- logins per phone number --------------------------------------------------------------------

def address(number: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.{number // 250}.{number % 250 + 1}"}


def test_failed_logins_for_one_phone_from_many_addresses_are_refused(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    victim, neighbour = make_user(), make_user()

    def token(user, password, number):
        return client.post("/api/v1/auth/token", json={"phone": user.phone, "password": password},
                           environ_base=address(number))

    # Every try from a new address: the per-address limit never applies, the per-phone one does.
    statuses = [token(victim, f"guess-{number}", number).status_code for number in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    refused = token(victim, PASSWORD, 100)  # even the right password, from yet another address
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_wrong_tries"
    # Another phone, from the very addresses that locked this one, still logs in.
    assert [token(neighbour, PASSWORD, number).status_code for number in range(3)] == [200] * 3


def test_the_login_page_refuses_a_phone_after_ten_failures_whatever_the_address(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    victim, neighbour = make_user(), make_user()

    def login(user, password, number):
        return post_form(client, "/login", {"phone": user.phone, "password": password},
                         environ_base=address(number))

    assert [login(victim, "wrong-pass", number).status_code for number in range(10)] == [200] * 10
    refused = login(victim, PASSWORD, 10)
    assert refused.status_code == 429
    assert "该手机号登录失败次数过多" in refused.get_data(as_text=True)
    assert login(neighbour, PASSWORD, 0).status_code == 302


def test_successful_logins_do_not_count_toward_the_phone_limit(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    user = make_user()

    def token(password, number):
        return client.post("/api/v1/auth/token", json={"phone": user.phone, "password": password},
                           environ_base=address(number)).status_code

    assert [token(PASSWORD, number) for number in range(12)] == [200] * 12
    assert [token("wrong-pass", 20 + number) for number in range(9)] == [401] * 9
    assert token(PASSWORD, 40) == 200


# --- the client's address behind a proxy --------------------------------------------------------

def _with_address_probe(app):
    from flask import request

    app.add_url_rule("/test-remote-addr", "test_remote_addr", lambda: request.remote_addr or "")
    return app.test_client()


def test_x_forwarded_for_is_honoured_only_when_configured(make_app):
    headers = {"X-Forwarded-For": "203.0.113.7"}
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    direct = _with_address_probe(make_app())
    assert direct.get("/test-remote-addr", headers=headers, environ_base=environ).text == "127.0.0.1"
    proxied = _with_address_probe(make_app(PROXY_FIX_X_FOR=1))
    assert proxied.get("/test-remote-addr", headers=headers, environ_base=environ).text == "203.0.113.7"


def test_proxy_fix_is_configured_from_the_environment(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    assert not isinstance(create_app().wsgi_app, ProxyFix)
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    monkeypatch.setenv("PROXY_FIX_X_PROTO", "1")
    app = create_app()
    assert app.config["PROXY_FIX_X_FOR"] == 1 and app.config["PROXY_FIX_X_HOST"] == 0
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 0)
