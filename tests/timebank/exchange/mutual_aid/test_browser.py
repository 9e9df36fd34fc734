"""On two phones: a resident asks for help, a neighbour offers, the resident chooses them, both
confirm, and the hours move from one to the other."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import PHONE
from tests.conftest import PASSWORD
from timebank.clock import now
from timebank.exchange.mutual_aid.models import HelpRequest
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

pytestmark = pytest.mark.browser


def _log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_a_neighbour_helps_and_the_hours_move_on_phones(browser, live_server, make_station,
                                                         make_volunteer):
    community = make_station().town.communities[0]
    alice, bob = make_volunteer(community, name="陈晓敏"), make_volunteer(community, name="梁伯")
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                 min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -180), (ledger.member_account(alice), 180)],
                         idempotency_key="seed", memo="重阳敬老探访")
    db.session.commit()

    asker_context = browser.new_context(base_url=live_server, **PHONE)
    helper_context = browser.new_context(base_url=live_server, **PHONE)
    asker, helper = asker_context.new_page(), helper_context.new_page()
    try:
        _log_in(asker, alice)
        asker.get_by_role("link", name="邻里互助").first.click()
        expect(asker.locator("h1")).to_have_text("邻里互助")
        asker.get_by_role("link", name="我要求助").click()
        asker.get_by_label("需要什么帮助？").fill("陪我去区医院复诊")
        asker.get_by_label("求助类别").select_option("escort_to_clinic")
        asker.get_by_label("具体地点（选填）").fill("南沙医院门诊楼")
        day = (now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
        asker.get_by_label("日期").fill(day.isoformat())
        asker.get_by_label("时间", exact=True).fill("09:30")
        asker.get_by_label("您愿支付（时间币）").fill("1")
        asker.get_by_role("button", name="发布求助").click()
        expect(asker.locator(".flash")).to_contain_text("求助已发布")
        expect(asker.locator(".help-state")).to_contain_text("等待邻居报名")
        assert asker.evaluate("document.documentElement.scrollWidth") <= 390

        _log_in(helper, bob)
        helper.goto("/help/")
        helper.get_by_role("link", name="陪我去区医院复诊").click()
        helper.get_by_label("想对TA说的话（选填）").fill("我明早有空，可以陪您去")
        helper.get_by_role("button", name="我来帮忙").click()
        expect(helper.locator(".flash")).to_contain_text("谢谢")

        asker.reload()
        expect(asker.locator(".help-offer")).to_contain_text("我明早有空")
        asker.get_by_role("button", name="选择TA 梁伯").click()
        expect(asker.locator(".helper-name")).to_have_text("梁伯")

        # The next morning: the help was given. (The browser keeps the real clock, so the
        # agreed time is moved back rather than the clock forward.)
        db.session.rollback()
        request = db.session.scalar(select(HelpRequest).where(HelpRequest.title == "陪我去区医院复诊"))
        request.starts_at = now() - timedelta(hours=1)
        db.session.commit()
        helper.reload()
        helper.get_by_role("button", name="确认完成").click()
        expect(helper.locator(".explanation")).to_contain_text("求助人也确认后")
        asker.reload()
        asker.get_by_role("button", name="确认完成").click()
        expect(asker.locator(".help-state")).to_contain_text("已完成")
        assert asker.evaluate("document.documentElement.scrollWidth") <= 390

        asker.goto("/hours/")
        expect(asker.locator(".balance")).to_have_text("2 时间币")
        helper.goto("/hours/")
        expect(helper.locator(".balance")).to_have_text("1 时间币")
        expect(helper.locator(".statement")).to_contain_text("陪我去区医院复诊")
    finally:
        asker_context.close()
        helper_context.close()

    db.session.rollback()
    assert ledger_queries.balance(ledger.member_account(alice)) == 120
    assert ledger_queries.balance(ledger.member_account(bob)) == 60
    assert ledger_queries.verify() == []
