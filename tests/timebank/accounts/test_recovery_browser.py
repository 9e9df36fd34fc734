"""On a phone in Chinese (390×844): forgot the password → the texted code → a new password → log
in with it. The SMS test double stands in for the gateway of the live server."""

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser import PHONE
from timebank.notifications.sms import EXTENSION

pytestmark = pytest.mark.browser


@pytest.fixture
def server_with_sms(make_app):
    """A live server whose texts are recorded: (base URL, the recording gateway)."""
    app = make_app(SMS_GATEWAY="timebank.notifications.sms:RecordingGateway")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app.extensions[EXTENSION]
    server.shutdown()
    thread.join()


def test_forgot_password_by_sms_on_a_phone(browser, server_with_sms, make_user):
    base_url, sms = server_with_sms
    user = make_user(name="陈晓敏", phone="13800138000")
    context = browser.new_context(base_url=base_url, **PHONE)
    phone = context.new_page()
    try:
        phone.goto("/login")
        phone.get_by_role("link", name="忘记密码？").click()
        expect(phone.locator("h1")).to_have_text("忘记密码")
        phone.get_by_label("手机号码").fill("138 0013 8000")
        phone.get_by_role("button", name="获取验证码").click()
        expect(phone.locator(".flash")).to_contain_text("验证码已发送")
        expect(phone.locator("h1")).to_have_text("设置新密码")
        expect(phone.get_by_label("手机号码")).to_have_value(user.phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

        code = re.search(r"\b(\d{6})\b", sms.to(user.phone)[-1]).group(1)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        phone.get_by_label("验证码").fill(wrong)
        phone.get_by_label("新密码").fill("a-brand-new-pass")
        phone.get_by_role("button", name="设置新密码").click()
        expect(phone.locator(".error")).to_contain_text("验证码不正确")

        phone.get_by_label("验证码").fill(code)
        phone.get_by_label("新密码").fill("a-brand-new-pass")
        phone.get_by_role("button", name="设置新密码").click()
        expect(phone.locator(".flash")).to_contain_text("密码已重设")
        expect(phone.locator("h1")).to_have_text("登录")

        phone.get_by_label("手机号码").fill(user.phone)
        phone.get_by_label("密码").fill("a-brand-new-pass")
        phone.get_by_role("button", name="登录").click()
        expect(phone.locator("h1")).to_have_text("陈晓敏，您好")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
