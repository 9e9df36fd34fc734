"""The member's payment page after a payment: its status answer says the code has paid, to
whom and how much, with the new balance, so the page stops showing the used code."""

import re

from tests.conftest import log_in, post_form
from timebank.accounts.permissions import Role
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind


def _fund(user, minutes):
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试社工站",
                                 min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (ledger.member_account(user), minutes)],
                         idempotency_key=f"fund:{user.id}")
    db.session.commit()


def test_the_payment_page_learns_its_code_has_paid_and_the_new_balance(app, client, login,
                                                                       make_user):
    member = make_user(name="陈晓敏")
    _fund(member, 120)
    merchant = make_user(Role.MERCHANT, name="何记")
    merchants.ensure_profile(merchant, "何记糖水")
    item = merchants.create_item(merchant, {"name": "双皮奶", "price_minutes": 60, "stock": 5})
    db.session.commit()
    login(member)
    page = client.get("/pay").get_data(as_text=True)
    code = re.search(r'id="pay-code"[^>]*>([0-9]+-[0-9]{6})<', page).group(1)
    status_url = re.search(r'data-status="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert status_url == "/pay/status.json?after=0" and "付款码" in page
    assert client.get(status_url).get_json() == {"paid": False}

    shop = app.test_client()
    log_in(shop, merchant)
    paid = post_form(shop, "/merchant/redeem", {"code": code, "item_id": str(item.id)},
                     page="/merchant/scan")
    assert paid.status_code == 200

    answer = client.get(status_url).get_json()
    assert answer["paid"] is True and answer["minutes"] == 60
    assert answer["message"] == "已支付 1 时间币 给 何记糖水"  # in time coins
    assert answer["balance"] == "1 时间币" and answer["item"] == "双皮奶"
    # A fresh page remembers that payment, and waits for the next one.
    again = client.get("/pay").get_data(as_text=True)
    after = re.search(r'data-status="([^"]+)"', again).group(1)
    assert after == f"/pay/status.json?after={answer['id']}"
    assert client.get(after).get_json() == {"paid": False}
    # Nobody else learns of it.
    other = app.test_client()
    log_in(other, make_user(name="梁伯"))
    assert other.get(status_url).get_json() == {"paid": False}
    assert client.get("/pay/status.json?after=x").get_json()["paid"] is True
