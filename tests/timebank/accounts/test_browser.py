"""On a phone: register, log out, log in again."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_register_and_log_in_on_a_phone(phone, live_app):
    phone.goto("/")
    expect(phone.locator("h1")).to_have_text("付出一小时，收获一小时")
    phone.get_by_role("link", name="注册成为志愿者").click()

    phone.get_by_label("真实姓名").fill("陈晓敏")
    phone.get_by_label("手机号码").fill("13800138000")
    phone.get_by_role("button", name="获取验证码").click()
    texted = live_app.extensions["timebank.sms"].to("13800138000")[-1]
    phone.get_by_label("短信验证码").fill(re.search(r"\b(\d{6})\b", texted).group(1))
    phone.get_by_label("密码").fill("a-long-pass")
    phone.get_by_label("我已阅读并同意").check()
    phone.get_by_role("button", name="注册").click()
    expect(phone.locator(".flash")).to_contain_text("欢迎您，陈晓敏")
    expect(phone.locator("h1")).to_have_text("陈晓敏，您好")

    phone.get_by_role("button", name="退出").click()
    expect(phone.locator(".flash")).to_contain_text("您已退出登录")

    phone.get_by_role("link", name="登录").first.click()
    phone.get_by_label("手机号码").fill("13800138000")
    phone.get_by_label("密码").fill("wrong-password")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator(".error")).to_contain_text("手机号或密码不正确")
    phone.get_by_label("密码").fill("a-long-pass")
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("h1")).to_have_text("陈晓敏，您好")

    # Nothing sticks out sideways on a 390 px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
