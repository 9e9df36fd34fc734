"""On a phone: see my hours, give some to a neighbour with the confirmation step."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

pytestmark = pytest.mark.browser


def test_give_hours_to_a_neighbour_on_a_phone(phone, make_user):
    alice, bob = make_user(name="陈晓敏"), make_user(name="梁伯")
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                 min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -180), (ledger.member_account(alice), 180)],
                         idempotency_key="seed", memo="重阳敬老探访")
    db.session.commit()

    phone.goto("/login")
    phone.get_by_label("手机号码").fill(alice.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="我的时间").first.click()
    expect(phone.locator(".balance")).to_have_text("3 时间币")  # spending in time coins
    expect(phone.locator(".statement")).to_contain_text("重阳敬老探访")

    phone.get_by_role("link", name="转赠时间").click()
    phone.get_by_label("对方手机号").fill(bob.phone)
    phone.get_by_label("小时").fill("1")
    phone.get_by_label("分钟", exact=True).fill("30")
    phone.get_by_label("备注（选填）").fill("陪诊")
    phone.get_by_role("button", name="下一步").click()

    expect(phone.locator("h1")).to_have_text("请确认")
    expect(phone.locator(".recipient")).to_contain_text("梁*")
    expect(phone.locator(".amount")).to_have_text("1.5 时间币")
    phone.get_by_role("button", name="确认转出").click()

    expect(phone.locator(".flash")).to_contain_text("已向 梁伯 转出 1.5 时间币")
    expect(phone.locator(".balance")).to_have_text("1.5 时间币")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.rollback()
    assert ledger.balance(ledger.member_account(bob)) == 90
