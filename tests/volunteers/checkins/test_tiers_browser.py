"""Tiered approval in a browser at the station's desk (1366×900): the station manager sets the
approval rules (审核规则), and the inbox names who must approve a long day's check-ins."""

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.volunteers.checkins.test_inbox_browser import log_in_on
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn

pytestmark = pytest.mark.browser

#: Where the screenshots go, to be looked at (set SCREENSHOTS to keep them).
SHOTS = os.environ.get("SCREENSHOTS")


@pytest.fixture
def long_day(station, worker, make_staff, make_volunteer, make_activity):
    """Yesterday 陈晓敏 served 2 h and 7 h (9 h: the station manager's), 黄志强 2 h."""
    manager = make_staff(station, Role.STATION_MANAGER, name="黄主管")
    checkins.set_policy(station.id, by=manager, auto_approve_daily_minutes=480,
                        manager_limit_daily_minutes=720, approve_at_checkout=False)
    community = station.town.communities[0]
    chen, huang = make_volunteer(community, name="陈晓敏"), make_volunteer(community, name="黄志强")
    yesterday = (local(now()) - timedelta(days=1)).replace(hour=6, minute=0, second=0,
                                                           microsecond=0)
    served = {}
    for key, who, start, hours, title in (("short", chen, 0, 2, "长者探访"),
                                          ("long", chen, 3, 7, "社区运动会"),
                                          ("other", huang, 0, 2, "长者探访（二）")):
        activity = make_activity(station, worker, title=title,
                                 start=yesterday + timedelta(hours=start), hours=hours,
                                 allow_walk_ins=True)
        checkin, _ = checkins.check_in(activity, who, at=activity.starts_at)
        checkins.check_out(checkin, activity, at=activity.ends_at)
        served[key] = checkin
    db.session.commit()
    return {"manager": manager, **served}


def test_the_station_manager_sets_the_approval_rules(desk, long_day):
    log_in_on(desk, long_day["manager"])
    desk.goto("/station/activities")
    desk.get_by_role("navigation", name="社工站").get_by_role("link", name="审核规则").click()
    expect(desk.locator("h1")).to_have_text("审核规则")
    auto = desk.get_by_label("签退自动审核上限（每人每天，分钟）")
    expect(auto).to_have_value("480")
    auto.fill("420")
    desk.get_by_label("签退时自动审核通过，无需人工操作").check()
    desk.get_by_role("button", name="保存审核规则").click()
    expect(desk.locator(".flash--success")).to_contain_text("审核规则已保存")
    expect(desk.get_by_label("签退自动审核上限（每人每天，分钟）")).to_have_value("420")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    if SHOTS:
        desk.screenshot(path=os.path.join(SHOTS, "approval-policy.png"), full_page=True)
    db.session.rollback()
    policy = checkins.policy_of(long_day["short"].activity.station_id)
    assert (policy.auto_approve_daily_minutes, policy.approve_at_checkout) == (420, True)


def test_the_inbox_names_the_station_manager_for_a_long_day(desk, worker, long_day):
    log_in_on(desk, worker)
    desk.goto("/station/approvals")
    rows = desk.locator("table.inbox tbody tr")
    expect(rows).to_have_count(3)
    long_row = desk.locator(f"#checkin-{long_day['long'].id}")
    expect(long_row.locator(".tier-needed")).to_have_text("需项目主管审核（当天9小时）")
    expect(desk.locator(f"#checkin-{long_day['other'].id} .tier-needed")).to_have_count(0)
    expect(desk.locator("#bulk-evaluation")).to_have_value("good")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    if SHOTS:
        desk.screenshot(path=os.path.join(SHOTS, "approval-inbox.png"), full_page=True)
    desk.get_by_label("全选本页").check()
    desk.get_by_role("button", name="批准所选").click()
    expect(desk.locator(".flash--success")).to_contain_text("需由社工站项目主管审核")
    expect(rows).to_have_count(2)
    if SHOTS:
        desk.screenshot(path=os.path.join(SHOTS, "approval-inbox-after.png"), full_page=True)
    db.session.rollback()
    assert db.session.get(CheckIn, long_day["other"].id).evaluation == "good"
    assert db.session.get(CheckIn, long_day["long"].id).status == "closed"
