"""On a phone (390×844): a company's contact opens 我的团体, sponsors 4 hours into a community
pool, and then sees the pool's public page thank the company (感谢爱心单位); at the desk
(1366×900) the station's social worker sees the group with its account.
``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser import log_in_on
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from volunteers.groups import services as groups

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/groups-{name}.png", full_page=True)


def test_a_contact_sponsors_a_pool_and_sees_the_thanks(phone, desk, make_station, make_staff,
                                                      make_user):
    station = make_station()
    worker = make_staff(station, name="周社工")
    contact = make_user(name="张经理")
    group = groups.create_group({"name": "南沙爱心科技有限公司", "kind": "company",
                                 "station_id": station.id, "phone": "020-84688888"}, by=worker)
    groups.add_person(group, contact.id, "contact", by=worker)
    groups.pledge(group, 600, "2026年认捐协议", by=worker, idempotency_key="pledge")
    db.session.commit()
    community = station.town.communities[0]

    log_in_on(phone, contact)
    phone.goto(f"/groups/{group.id}")
    expect(phone.get_by_role("heading", name="南沙爱心科技有限公司")).to_be_visible()
    expect(phone.locator("#group-balance")).to_have_text("10 时间币")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "group-390")
    sponsor = phone.locator("#sponsor")
    sponsor.get_by_label("村居").select_option(label=community.full_name)
    sponsor.get_by_label("小时").fill("11")
    with phone.expect_navigation():
        sponsor.get_by_role("button", name="资助").click()
    expect(phone.locator("#sponsor .error").first).to_contain_text("只有10 时间币")
    expect(phone.locator("#group-balance")).to_have_text("10 时间币")
    sponsor.get_by_label("小时").fill("4")
    sponsor.get_by_label("备注（选填）").fill("重阳敬老")
    with phone.expect_navigation():
        sponsor.get_by_role("button", name="资助").click()
    expect(phone.locator(".flash")).to_contain_text("谢谢")
    expect(phone.locator("#group-balance")).to_have_text("6 时间币")
    shot(phone, "sponsored-390")

    phone.goto(f"/pools/{community.id}")
    thanks = phone.locator("#sponsors")
    expect(thanks.get_by_role("heading", name="感谢爱心单位")).to_be_visible()
    expect(thanks).to_contain_text("南沙爱心科技有限公司")
    expect(thanks).to_contain_text("4 时间币")
    assert "张经理" not in phone.locator("main").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "pool-thanks-390")
    db.session.rollback()
    assert groups.balance_of(group) == 360 and pools.find_pool(community).balance == 240

    log_in_on(desk, worker)
    desk.goto("/station/groups")
    desk.get_by_role("link", name="南沙爱心科技有限公司").click()
    expect(desk.locator("#group-balance")).to_have_text("6小时")
    expect(desk.locator("main")).to_contain_text("爱心资助支出")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(desk, "station-group-1366")
