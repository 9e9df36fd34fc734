"""On a phone the volunteer applies for a star level from 我的时间; at the station's desk the
manager awards it; back on the phone the level shows. ``SCREENSHOTS=<dir>`` keeps the pictures."""

import os

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def shot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder and os.path.isdir(folder):
        page.screenshot(path=os.path.join(folder, f"stars-{name}.png"), full_page=True)


def test_apply_on_a_phone_and_the_manager_awards_at_the_desk(phone, desk, volunteer, manager,
                                                              serve):
    serve(volunteer, 104, 30)
    log_in(phone, volunteer)
    phone.goto("/hours/")
    expect(phone.locator(".star-standing")).to_contain_text("已服务 104 小时，可申请一星志愿者")
    shot(phone, "can-apply")
    phone.get_by_role("button", name="申请一星志愿者").click()
    expect(phone.locator(".flash")).to_contain_text("您已申请一星志愿者")
    expect(phone.locator(".star-standing")).to_contain_text("社工站评定后会通知您")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "pending")

    log_in(desk, manager)
    desk.goto("/station/stars/")
    expect(desk.locator(".subnav a[aria-current=page]")).to_contain_text("星级评定 1")
    row = desk.locator(".star-applications tbody tr").first
    expect(row).to_contain_text("陈晓敏")
    expect(row).to_contain_text("104小时30分钟")
    shot(desk, "station")
    row.get_by_role("button", name="评定通过").click()
    expect(desk.locator(".flash")).to_contain_text("已为陈晓敏评定一星志愿者")
    expect(desk.locator(".star-applications")).to_contain_text("暂无待评定的申请")

    phone.goto("/hours/")
    expect(phone.locator(".star-level")).to_contain_text("一星志愿者")
    expect(phone.locator(".star-level")).to_contain_text("评定于")
    expect(phone.locator(".star-standing")).to_contain_text("再服务 196 小时可申请二星志愿者")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "awarded")
