"""On a phone (390×844) a volunteer opens 我的数据, downloads everything held about them, then
donates their balance to their community's pool and erases their personal data.
``SCREENSHOTS=<dir>`` keeps the pictures."""

import json
import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.timebank.personal_data.conftest import NAME
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger.models import Account
from timebank.personal_data import services as personal

pytestmark = pytest.mark.browser


def shot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder and os.path.isdir(folder):
        page.screenshot(path=os.path.join(folder, f"personal-data-{name}.png"), full_page=True)


def test_download_then_erase_with_the_pool_donation_on_a_phone(phone, person):
    volunteer, community = person["volunteer"], person["station"].town.communities[0]
    balance = personal.member_balance(volunteer)
    assert balance > 0
    phone.goto("/login")
    phone.get_by_label("手机号码").fill(volunteer.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto("/me/data/")
    expect(phone.locator("h1")).to_contain_text("我的数据")
    expect(phone.locator(".data-summary")).to_contain_text("签到")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "page")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载我的数据（JSON）").click()
    with open(download.value.path(), encoding="utf-8") as saved:
        exported = json.load(saved)
    assert exported["user_id"] == volunteer.id
    assert NAME in json.dumps(exported, ensure_ascii=False)

    phone.get_by_label("先把您的余额捐给社区互助池").select_option(str(community.id))
    phone.get_by_label("请输入您的密码确认").fill(PASSWORD)
    shot(phone, "erase")
    phone.get_by_role("button", name="删除我的个人信息").click()
    expect(phone.locator(".flash")).to_contain_text("您的个人信息已删除")
    shot(phone, "erased")

    db.session.rollback()  # see what the server committed
    assert db.session.get(personal.User, volunteer.id).erased_at is not None
    pool = db.session.scalar(select(Account).where(
        Account.key == f"pool:community:{community.id}"))
    assert pool.balance == balance and personal.member_balance(volunteer) == 0


def test_the_station_answers_a_correction_request_at_the_desk(desk, person):
    desk.goto("/login")
    desk.get_by_label("手机号码").fill(person["worker"].phone)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.goto("/station/personal-data/")
    expect(desk.locator(".subnav a[aria-current=page]")).to_contain_text("个人信息申请")
    row = desk.locator(".profile-corrections tbody tr").first
    expect(row).to_contain_text("出生日期那几位填错了")
    shot(desk, "station")
    row.get_by_role("button", name="已更正").click()
    expect(desk.locator(".flash")).to_contain_text("申请已处理")
    expect(desk.locator(".profile-corrections")).to_contain_text("没有待处理的申请")


def test_the_manager_carries_out_a_paper_request_at_the_desk(desk, person):
    volunteer = person["volunteer"]
    desk.goto("/login")
    desk.get_by_label("手机号码").fill(person["manager"].phone)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.goto("/station/personal-data/")
    desk.get_by_placeholder("手机号").fill(volunteer.phone)
    desk.get_by_role("button", name="查找").click()
    expect(desk.locator("h1")).to_contain_text("书面申请删除个人信息")
    expect(desk.locator("main")).to_contain_text(NAME)
    desk.get_by_label("书面申请日期").fill(f"{local(now()) - timedelta(days=1):%Y-%m-%d}")
    desk.get_by_label("原因").fill("本人到站点书面申请")
    shot(desk, "paper")
    desk.get_by_role("button", name="删除其个人信息").click()
    expect(desk.locator(".flash")).to_contain_text("该成员的个人信息已删除")
    db.session.rollback()
    assert db.session.get(personal.User, volunteer.id).erased_at is not None
