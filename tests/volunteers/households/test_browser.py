"""At the station's desk (1366×900): a social worker registers a household and pairs a
volunteer; the volunteer then sees the household under 我的结对 on a phone.
``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import log_in_on
from timebank.extensions import db
from volunteers.households.models import Household, Pairing

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/households-{name}.png", full_page=True)


def test_a_social_worker_registers_a_household_and_pairs_a_volunteer(desk, phone, make_station,
                                                                    make_staff, make_volunteer):
    station = make_station()
    worker = make_staff(station, name="周社工")
    volunteer = make_volunteer(station.town.communities[1], name="陈晓敏")
    log_in_on(desk, worker)
    desk.goto("/station/activities")
    desk.locator(".subnav").get_by_role("link", name="服务对象").click()
    expect(desk.get_by_role("heading", name="服务对象")).to_be_visible()
    desk.locator(".households-tabs").get_by_role("link", name="登记服务对象").click()
    desk.get_by_label("服务对象姓名").fill("黄秀英")
    desk.get_by_label("志愿者如何称呼（如 李阿姨）").fill("黄婆婆")
    desk.get_by_label("村居").select_option(label=station.town.communities[0].name)
    desk.get_by_label("地址").fill("金洲大道12号3栋201")
    desk.get_by_label("独居长者").check()
    desk.get_by_label("高龄长者（80岁以上）").check()
    desk.get_by_label("风险等级").select_option("high")
    desk.get_by_label("探访周期（天）").fill("14")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    with desk.expect_navigation():
        desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_role("heading", name="黄秀英")).to_be_visible()
    expect(desk.locator(".household-facts")).to_contain_text("金洲大道12号3栋201")
    shot(desk, "registered-1366")
    desk.get_by_label("志愿者", exact=True).select_option(label="陈晓敏")
    desk.get_by_label("联系频率").select_option("weekly_call")
    with desk.expect_navigation():
        desk.get_by_role("button", name="结对", exact=True).click()
    expect(desk.locator(".pairings")).to_contain_text("陈晓敏")
    shot(desk, "paired-1366")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    db.session.rollback()
    household = db.session.scalar(select(Household).where(Household.name == "黄秀英"))
    assert household.risk_level == "high" and household.visit_every_days == 14
    pairing = db.session.scalar(select(Pairing))
    assert pairing.volunteer_id == volunteer.id and pairing.rhythm == "weekly_call"
    # The volunteer's phone: the called name, never the full name or the address.
    log_in_on(phone, volunteer)
    phone.goto("/volunteer/pairings")
    expect(phone.locator(".pairing-line")).to_contain_text("黄婆婆")
    text = phone.locator("main").inner_text()
    assert "黄秀英" not in text and "金洲大道" not in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "mine-390")
