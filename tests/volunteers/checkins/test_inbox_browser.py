"""The approval inbox in a browser: a social worker approves the check-ins of three activities
in one go at the desk, and reaches every button on a phone without scrolling sideways."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from timebank.clock import now
from timebank.extensions import db
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn

pytestmark = pytest.mark.browser


@pytest.fixture
def three_events(station, worker, make_volunteer, make_activity):
    community = station.town.communities[0]
    start = now().replace(minute=0, second=0, microsecond=0)
    served = []
    for days, title, name in ((9, "上月末探访", "陈晓敏"), (3, "周一义剪", "黄志强"),
                              (1, "周二环保", "林美华")):
        activity = make_activity(station, worker, title=title, start=start - timedelta(days=days),
                                 allow_walk_ins=True)
        volunteer = make_volunteer(community, name=name)
        checkin, _created = checkins.check_in(activity, volunteer, at=activity.starts_at)
        checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=90))
        served.append(checkin)
    db.session.commit()
    return served


def log_in_on(page, user):
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_the_inbox_approves_check_ins_of_three_activities_in_one_go(desk, worker, three_events):
    log_in_on(desk, worker)
    desk.goto("/station/activities")
    nav = desk.get_by_role("navigation", name="社工站")
    expect(nav.locator(".badge")).to_have_text("3")
    nav.get_by_role("link", name="时长审核").click()
    expect(desk.locator("h1")).to_have_text("待审核签到")
    expect(desk.locator("table.inbox tbody tr")).to_have_count(3)
    desk.get_by_label("全选本页").check()
    desk.get_by_role("button", name="批准所选").click()
    expect(desk.locator(".flash--success")).to_contain_text("已批准 3 条签到记录")
    expect(desk.locator("table.inbox")).to_contain_text("没有待审核的签到")
    expect(desk.get_by_role("navigation", name="社工站").locator(".badge")).to_have_count(0)
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    db.session.rollback()
    assert {db.session.get(CheckIn, checkin.id).status for checkin in three_events} == {"approved"}


def test_on_a_phone_every_inbox_button_is_in_reach(phone, worker, three_events):
    log_in_on(phone, worker)
    phone.goto("/station/approvals")
    expect(phone.locator("table.inbox tbody tr")).to_have_count(3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    first = phone.locator("table.inbox tbody tr").first
    first.get_by_text("修改时长或驳回").click()
    for control in (phone.get_by_role("button", name="批准所选"),
                    first.get_by_role("button", name="批准"),
                    first.get_by_role("button", name="驳回")):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # One approved from the phone, with changed minutes and a reason.
    first.locator("input[name=minutes]").fill("60")
    first.get_by_placeholder("修改时长请填原因").fill("中途离开")
    first.get_by_role("button", name="批准").click()
    expect(phone.locator(".flash--success")).to_be_visible()
    expect(phone.locator("table.inbox tbody tr")).to_have_count(2)
