"""On a phone (390×844): a resident pays a partner merchant in time coins when the district
redeems in whole coins only: 1.5 coins is refused with the reason, 2 coins is paid."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from timebank.accounts.permissions import Role
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.settings import services as settings

pytestmark = pytest.mark.browser


def test_paying_a_merchant_in_whole_coins_on_a_phone(phone, make_user):
    resident = make_user(name="陈晓敏")
    shop_owner = make_user(Role.MERCHANT, name="何记")
    merchants.ensure_profile(shop_owner, "何记糖水")
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                 min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -300), (ledger.member_account(resident), 300)],
                         idempotency_key="seed", memo="重阳敬老探访")
    settings.update({"WHOLE_UNIT_REDEMPTION": 1}, by=make_user(Role.DISTRICT_ADMIN),
                    reason="整数兑换")
    db.session.commit()

    phone.goto("/login")
    phone.get_by_label("手机号码").fill(resident.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="我的时间").first.click()
    expect(phone.locator(".balance")).to_have_text("5 时间币")

    def pay(hours, minutes):
        phone.get_by_role("link", name="转赠时间").click()
        phone.get_by_label("对方手机号").fill(shop_owner.phone)
        phone.get_by_label("小时").fill(hours)
        phone.get_by_label("分钟", exact=True).fill(minutes)
        phone.get_by_role("button", name="下一步").click()
        expect(phone.locator("h1")).to_have_text("请确认")

    pay("1", "30")
    expect(phone.locator(".amount")).to_have_text("1.5 时间币")
    phone.get_by_role("button", name="确认转出").click()
    expect(phone.locator("body")).to_contain_text("每次兑换须为整数个时间币")
    db.session.rollback()
    assert ledger_queries.balance(ledger.member_account(resident)) == 300

    phone.goto("/hours/")
    pay("2", "0")
    expect(phone.locator(".amount")).to_have_text("2 时间币")
    phone.get_by_role("button", name="确认转出").click()
    expect(phone.locator(".balance")).to_have_text("3 时间币")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.rollback()
    assert ledger_queries.balance(ledger.member_account(shop_owner)) == 120
