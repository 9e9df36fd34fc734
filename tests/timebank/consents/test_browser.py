"""On a phone in Chinese (390×844): registering with the privacy notice and the texted code, and
the next visit after the notice changed. The live server's texts go to the SMS test double."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE
from tests.conftest import PASSWORD
from timebank.accounts import services as users
from timebank.consents import services as consents
from timebank.extensions import db

pytestmark = pytest.mark.browser


def test_registering_on_a_phone_with_the_notice_and_the_texted_code(browser, live_app,
                                                                   live_server):
    texts = live_app.extensions["timebank.sms"]
    context = browser.new_context(base_url=live_server, **PHONE)
    phone = context.new_page()
    try:
        phone.goto("/register")
        agree = phone.get_by_label("我已阅读并同意")
        expect(agree).not_to_be_checked()
        expect(phone.get_by_role("link", name="《隐私政策》").first).to_have_attribute(
            "href", "/privacy")
        phone.get_by_label("真实姓名").fill("陈晓敏")
        phone.get_by_label("手机号码").fill("138 0013 8000")
        phone.get_by_role("button", name="获取验证码").click()
        expect(phone.locator(".flash")).to_contain_text("验证码已发送到 138****8000")
        expect(phone.get_by_label("真实姓名")).to_have_value("陈晓敏")
        code = re.search(r"\b(\d{6})\b", texts.to("13800138000")[-1]).group(1)
        phone.get_by_label("短信验证码").fill(code)
        phone.get_by_label("密码").fill("a-long-pass")
        phone.get_by_role("button", name="注册").click()  # not ticked
        expect(phone.locator(".error")).to_contain_text("请阅读并同意隐私政策")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        phone.get_by_label("密码").fill("a-long-pass")
        phone.get_by_label("我已阅读并同意").check()
        phone.get_by_role("button", name="注册").click()
        expect(phone.locator(".flash--success")).to_contain_text("陈晓敏")
        phone.goto("/me/consents")
        expect(phone.locator("h1")).to_have_text("我的授权")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    with live_app.app_context():
        user = users.get_by_phone("13800138000")
        assert user.phone_verified_at is not None
        assert consents.agreed_version(user) == consents.current_version()
        db.session.remove()


def test_a_changed_notice_is_agreed_at_the_next_visit(browser, live_server, make_user,
                                                      monkeypatch):
    user = make_user(name="陈晓敏", phone="13800138001")  # agreed to the first version
    monkeypatch.setattr(consents, "NOTICES", [
        *consents.NOTICES, consents.Notice("2026-12-07", date(2026, 12, 7), template="2026-12")])
    context = browser.new_context(base_url=live_server, **PHONE)
    phone = context.new_page()
    try:
        phone.goto("/login?next=/hours/")
        phone.get_by_label("手机号码").fill(user.phone)
        phone.get_by_label("密码").fill(PASSWORD)
        phone.get_by_role("button", name="登录").click()
        expect(phone.locator("h1")).to_have_text("隐私政策已更新")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.get_by_role("button", name="同意并继续").click()  # not ticked
        expect(phone.locator(".error")).to_contain_text("请阅读并同意隐私政策")
        phone.get_by_label("我已阅读并同意").check()
        phone.get_by_role("button", name="同意并继续").click()
        expect(phone.locator(".flash--success")).to_contain_text("2026-12-07")
        assert phone.url.endswith("/hours/")
    finally:
        context.close()
