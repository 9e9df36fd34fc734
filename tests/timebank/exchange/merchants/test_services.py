"""Partner merchants through HTTP: items, payment codes (QR token and typed code), refusals
that change nothing, the monthly statement, and stock under concurrent redemptions."""

import re

import itsdangerous.timed
import pytest
from sqlalchemy import func, select

from tests.concurrency import run_at_once
from tests.conftest import log_in, post_form
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.exchange.merchants import services as merchants
from timebank.exchange.merchants.models import MerchantItem, Redemption
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind


@pytest.fixture
def fund(app):
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试社工站",
                                 min_balance=None)

    def credit(user, minutes):
        account = ledger.member_account(user)
        ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (account, minutes)],
                             idempotency_key=f"fund:{user.id}:{minutes}")
        db.session.commit()
        return account

    return credit


@pytest.fixture
def shop(make_user, api_token, client):
    """A merchant with one item (a haircut, 30 minutes, stock 3), and bearer headers."""
    merchant = make_user(Role.MERCHANT, name="爱心理发店")
    headers = api_token(merchant)
    response = client.post("/api/v1/merchant/items", headers=headers, json={
        "name": "理发一次", "description": "长者优先", "price_minutes": 30, "stock": 3})
    assert response.status_code == 201, response.get_json()
    return merchant, headers, response.get_json()["id"]


def balance_of(user) -> int:
    return ledger_queries.balance(ledger.member_account(user))


def stock(item_id: int) -> int:
    return db.session.scalar(select(MerchantItem.stock).where(MerchantItem.id == item_id))


def redemptions() -> int:
    return db.session.scalar(select(func.count(Redemption.id)))


def transfers() -> int:
    return db.session.scalar(select(func.count(Transfer.id)))


def payment_code(client, api_token, member) -> dict:
    response = client.get("/api/v1/me/payment-code", headers=api_token(member))
    assert response.status_code == 200
    return response.get_json()


def other_digits(code: str) -> str:
    user_id, digits = code.split("-")
    return f"{user_id}-{(int(digits) + 1) % 1_000_000:06d}"


# --- items ------------------------------------------------------------------------------------

def test_a_merchant_lists_adds_and_edits_items(client, api_token, make_user, shop):
    merchant, headers, item_id = shop
    listed = client.get("/api/v1/merchant/items", headers=headers).get_json()["items"]
    assert [(i["name"], i["price_minutes"], i["stock"], i["active"]) for i in listed] == [
        ("理发一次", 30, 3, True)]
    changed = client.patch(f"/api/v1/merchant/items/{item_id}", headers=headers,
                           json={"stock": 10, "active": False})
    assert changed.status_code == 200 and changed.get_json()["stock"] == 10
    assert changed.get_json()["active"] is False
    bad = client.post("/api/v1/merchant/items", headers=headers,
                      json={"name": "免费", "price_minutes": 0, "stock": -1})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"price_minutes", "stock"}
    other = make_user(Role.MERCHANT)
    assert client.patch(f"/api/v1/merchant/items/{item_id}", headers=api_token(other),
                        json={"stock": 0}).status_code == 404
    resident = make_user()
    assert client.get("/api/v1/merchant/items", headers=api_token(resident)).status_code == 403
    assert stock(item_id) == 10


def test_merchant_item_pages(client, login, make_user):
    merchant = make_user(Role.MERCHANT, name="爱心超市")
    login(merchant)
    assert client.get("/merchant/").status_code == 200
    response = post_form(client, "/merchant/items", {"name": "大米 5 斤", "price_minutes": "60",
                                                     "stock": "20"}, page="/merchant/")
    assert response.status_code == 302
    item = db.session.scalar(select(MerchantItem))
    assert (item.name, item.price_minutes, item.stock, item.active) == ("大米 5 斤", 60, 20, True)
    post_form(client, f"/merchant/items/{item.id}", {"name": "大米 5 斤", "price_minutes": "60",
                                                    "stock": "15"}, page="/merchant/")
    db.session.refresh(item)
    assert item.stock == 15 and item.active is False  # the box was left unticked
    refused = post_form(client, "/merchant/items", {"name": "x", "price_minutes": "0", "stock": "1"},
                        page="/merchant/")
    assert refused.status_code == 422
    resident = make_user()
    other = client.application.test_client()
    log_in(other, resident)
    assert other.get("/merchant/").status_code == 403


# --- paying -----------------------------------------------------------------------------------

def test_paying_by_qr_token_moves_minutes_once(client, api_token, make_user, fund, shop):
    merchant, headers, item_id = shop
    member = make_user(name="陈晓敏")
    fund(member, 100)
    code = payment_code(client, api_token, member)
    assert code["balance_minutes"] == 100 and re.fullmatch(rf"{member.id}-\d{{6}}", code["code"])
    response = client.post("/api/v1/redemptions", headers=headers,
                           json={"code": code["token"], "item_id": item_id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["member_name"] == "陈**" and body["minutes"] == 30 and body["stock_left"] == 2
    transfer = db.session.get(Transfer, body["transfer_id"])
    assert transfer.kind == "redeem" and transfer.memo == "理发一次"
    assert balance_of(member) == 70 and balance_of(merchant) == 30

    again = client.post("/api/v1/redemptions", headers=headers,
                        json={"code": code["token"], "item_id": item_id})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "payment_code_used"
    assert balance_of(member) == 70 and stock(item_id) == 2 and redemptions() == 1
    assert ledger_queries.verify() == []


def test_paying_by_typed_code_works_once(client, api_token, make_user, fund, shop):
    merchant, headers, item_id = shop
    member = make_user(name="梁伯")
    fund(member, 100)
    code = payment_code(client, api_token, member)["code"]
    first = client.post("/api/v1/redemptions", headers=headers, json={"code": code, "item_id": item_id})
    assert first.status_code == 201 and first.get_json()["member_name"] == "梁*"
    second = client.post("/api/v1/redemptions", headers=headers, json={"code": code, "item_id": item_id})
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "payment_code_used"
    assert balance_of(member) == 70 and balance_of(merchant) == 30 and redemptions() == 1
    assert ledger_queries.verify() == []


def test_forged_and_expired_codes_are_refused_and_nothing_changes(
        client, api_token, make_user, fund, shop, monkeypatch):
    merchant, headers, item_id = shop
    member = make_user()
    fund(member, 100)
    fresh = payment_code(client, api_token, member)
    # Codes issued five minutes ago.
    real_timestamp = itsdangerous.timed.TimestampSigner.get_timestamp
    earlier = now().timestamp() - 300
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: int(earlier))
    monkeypatch.setattr("timebank.exchange.merchants.services.now",
                        lambda: now().fromtimestamp(earlier, now().tzinfo))
    stale = payment_code(client, api_token, member)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", real_timestamp)
    monkeypatch.setattr("timebank.exchange.merchants.services.now", now)
    before = transfers()
    cases = [
        (stale["token"], "expired_payment_code"),
        (stale["code"], "invalid_payment_code"),
        ("x" + fresh["token"][1:], "invalid_payment_code"),
        (fresh["token"][:-2] + "AA", "invalid_payment_code"),
        (other_digits(fresh["code"]), "invalid_payment_code"),
        ("not a code", "invalid_payment_code"),
    ]
    for code, expected in cases:
        response = client.post("/api/v1/redemptions", headers=headers,
                               json={"code": code, "item_id": item_id})
        assert response.status_code == 400, (code, response.get_json())
        assert response.get_json()["error"]["code"] == expected
    assert transfers() == before and balance_of(member) == 100 and stock(item_id) == 3
    assert redemptions() == 0


def test_sold_out_items_are_refused(client, api_token, make_user, fund, shop):
    merchant, headers, item_id = shop
    client.patch(f"/api/v1/merchant/items/{item_id}", headers=headers, json={"stock": 1})
    first, second = make_user(), make_user()
    fund(first, 60)
    fund(second, 60)
    ok = client.post("/api/v1/redemptions", headers=headers,
                     json={"code": payment_code(client, api_token, first)["token"], "item_id": item_id})
    assert ok.status_code == 201
    sold_out = client.post("/api/v1/redemptions", headers=headers, json={
        "code": payment_code(client, api_token, second)["token"], "item_id": item_id})
    assert sold_out.status_code == 409 and sold_out.get_json()["error"]["code"] == "sold_out"
    assert "售罄" in sold_out.get_json()["error"]["message"] or "sold out" in \
        sold_out.get_json()["error"]["message"]
    assert stock(item_id) == 0 and balance_of(second) == 60
    assert ledger_queries.verify() == []


def test_a_member_without_enough_hours_is_refused_clearly(client, api_token, make_user, fund, shop):
    merchant, headers, item_id = shop
    member = make_user(name="陈晓敏")
    fund(member, 20)
    response = client.post("/api/v1/redemptions", headers=headers, json={
        "code": payment_code(client, api_token, member)["token"], "item_id": item_id})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_balance" and "陈**" in error["message"]
    assert "0.33 时间币" in error["message"] and "0.5 时间币" in error["message"]  # 20 and 30 min
    assert balance_of(member) == 20 and stock(item_id) == 3 and redemptions() == 0


def test_only_merchants_take_payments(client, api_token, make_user, fund, shop):
    _merchant, _headers, item_id = shop
    member, someone = make_user(), make_user()
    fund(member, 60)
    response = client.post("/api/v1/redemptions", headers=api_token(someone), json={
        "code": payment_code(client, api_token, member)["token"], "item_id": item_id})
    assert response.status_code == 403 and balance_of(member) == 60


def test_merchant_statement_totals_the_month(client, api_token, make_user, fund, shop):
    merchant, headers, item_id = shop
    for name in ("陈晓敏", "梁伯"):
        member = make_user(name=name)
        fund(member, 60)
        assert client.post("/api/v1/redemptions", headers=headers, json={
            "code": payment_code(client, api_token, member)["code"], "item_id": item_id}
        ).status_code == 201
    statement = client.get("/api/v1/merchant/statement", headers=headers).get_json()
    assert statement["received_minutes"] == 60 and statement["count"] == 2
    assert {r["member_name"] for r in statement["redemptions"]} == {"陈**", "梁*"}
    assert statement["months"][-1]["received_minutes"] == 60
    empty = client.get("/api/v1/merchant/statement?month=2020-01", headers=headers).get_json()
    assert empty["received_minutes"] == 0 and empty["redemptions"] == []
    assert client.get("/api/v1/merchant/statement?month=2020-13", headers=headers).status_code == 422
    assert ledger_queries.verify() == []


# --- pages ------------------------------------------------------------------------------------

def test_pay_page_and_merchant_scan_confirm_and_statement(app, client, login, make_user, fund):
    member = make_user(name="陈晓敏")
    fund(member, 90)
    login(member)
    page = client.get("/pay").get_data(as_text=True)
    code = re.search(r'id="pay-code"[^>]*>([0-9]+-[0-9]{6})<', page).group(1)
    assert 'data-refresh="60"' in page and 'data-minutes="90"' in page
    image = client.get("/pay/code.svg")
    assert image.mimetype == "image/svg+xml" and b"<svg" in image.data
    assert client.get("/pay/code.json").get_json()["code"] == code

    merchant = make_user(Role.MERCHANT, name="爱心超市")
    item = merchants.create_item(merchant, {"name": "大米", "price_minutes": 45, "stock": 2})
    db.session.commit()
    shop = app.test_client()
    log_in(shop, merchant)
    assert "camera" in shop.get("/merchant/scan").get_data(as_text=True)
    chosen = post_form(shop, "/merchant/scan", {"code": code}, page="/merchant/scan")
    html = chosen.get_data(as_text=True)
    assert chosen.status_code == 200 and "陈**" in html and "大米" in html
    paid = post_form(shop, "/merchant/redeem", {"code": code, "item_id": str(item.id)},
                     page="/merchant/scan")
    assert paid.status_code == 200 and "陈**" in paid.get_data(as_text=True)
    twice = post_form(shop, "/merchant/redeem", {"code": code, "item_id": str(item.id)},
                      page="/merchant/scan")
    assert twice.status_code == 409
    assert balance_of(member) == 45 and balance_of(merchant) == 45 and stock(item.id) == 1
    forged = post_form(shop, "/merchant/scan", {"code": other_digits(code)}, page="/merchant/scan")
    assert forged.status_code == 400
    statement = shop.get("/merchant/statement").get_data(as_text=True)
    assert 'data-minutes="45"' in statement and "陈**" in statement
    assert client.get("/merchant/").status_code == 403  # the member is no merchant
    assert ledger_queries.verify() == []


# --- concurrency ------------------------------------------------------------------------------

def test_twenty_members_redeeming_stock_of_five_at_once(app, make_user, fund):
    merchant = make_user(Role.MERCHANT)
    item = merchants.create_item(merchant, {"name": "电影票", "price_minutes": 30, "stock": 5})
    db.session.commit()
    members = [make_user(name=f"居民{i}") for i in range(20)]
    for member in members:
        fund(member, 60)
    codes = [merchants.payment_code(member)[0] for member in members]
    bearer = {"Authorization": f"Bearer {users.issue_token(merchant)[0]}"}
    item_id = item.id
    db.session.commit()

    def redeem(i):
        response = app.test_client().post("/api/v1/redemptions", headers=bearer,
                                          json={"code": codes[i], "item_id": item_id})
        return response.status_code, response.get_json()

    results = run_at_once(app, redeem)
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] * 5 + [409] * 15, results
    assert all(body["error"]["code"] == "sold_out" for status, body in results if status == 409)
    assert stock(item_id) == 0 and redemptions() == 5
    assert balance_of(merchant) == 150
    assert sum(balance_of(member) for member in members) == 20 * 60 - 150
    assert ledger_queries.verify() == []


def test_one_code_redeemed_twenty_times_at_once_pays_once(app, make_user, fund):
    merchant = make_user(Role.MERCHANT)
    item = merchants.create_item(merchant, {"name": "洗衣", "price_minutes": 10, "stock": 50})
    member = make_user()
    fund(member, 100)
    token = merchants.payment_code(member)[0]
    bearer = {"Authorization": f"Bearer {users.issue_token(merchant)[0]}"}
    item_id = item.id
    db.session.commit()

    def redeem(_i):
        return app.test_client().post("/api/v1/redemptions", headers=bearer,
                                      json={"code": token, "item_id": item_id}).status_code

    results = run_at_once(app, redeem)
    assert sorted(results) == [201] + [409] * 19, results
    assert balance_of(member) == 90 and stock(item_id) == 49 and redemptions() == 1
    assert ledger_queries.verify() == []
