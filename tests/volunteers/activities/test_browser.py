"""On a phone: a volunteer finds this month's themed activity and signs up."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.volunteers.activities.test_views import times_this_month
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.themes import services as themes

pytestmark = pytest.mark.browser


def test_a_volunteer_finds_this_months_themed_activity_and_signs_up(
        phone, make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="李社工")
    manager = make_staff(station, role=Role.STATION_MANAGER, name="王主管")
    today = local(now())
    theme = themes.set_theme(station.id, today.year, today.month, title="关爱长者月",
                             tags=["敬老"], by=manager)
    db.session.commit()
    (when,) = times_this_month(1)
    make_activity(station, worker, title="长者生日会", start=when, slots=5, theme_id=theme.id,
                  place="第1社区服务点活动室")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")

    phone.goto("/login")
    phone.get_by_label("手机号码").fill(volunteer.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="志愿服务").first.click()
    expect(phone.locator(".theme-card h1")).to_have_text("关爱长者月")

    phone.get_by_role("link", name="找活动").click()
    phone.get_by_role("link", name="关爱长者月").click()
    expect(phone.locator(".chip--on")).to_have_text("关爱长者月")
    phone.get_by_role("link", name="长者生日会").click()
    expect(phone.locator("h1")).to_have_text("长者生日会")
    expect(phone.locator(".places-left")).to_have_text("剩余 5/5 个名额")

    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".flash")).to_contain_text("已报名“长者生日会”，到时见！")
    expect(phone.locator(".my-status .status")).to_have_text("已确认")
    expect(phone.locator(".places-left")).to_have_text("剩余 4/5 个名额")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
