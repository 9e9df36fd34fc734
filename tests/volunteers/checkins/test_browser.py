"""On a phone: from the scanned QR's URL to "checked in", and later to "checked out"."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.checkins import services as checkins
from volunteers.checkins.models import Purpose

pytestmark = pytest.mark.browser


@pytest.fixture
def running_event(make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station)
    start = now().replace(second=0, microsecond=0) - timedelta(minutes=45)
    activity = make_activity(station, worker, title="重阳敬老探访", start=start, hours=2)
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activities.sign_up(activity, volunteer)
    db.session.commit()
    return activity, volunteer


def log_in_on(phone, volunteer):
    phone.get_by_label("手机号码").fill(volunteer.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()


def test_from_the_scanned_url_to_checked_in(phone, running_event):
    activity, volunteer = running_event
    token = checkins.make_code(activity, Purpose.CHECKIN)
    phone.goto(f"/c/{token}")  # what the camera app opens
    expect(phone.locator("h1")).to_have_text("登录")
    log_in_on(phone, volunteer)
    expect(phone.locator("h1")).to_have_text("重阳敬老探访")
    phone.get_by_role("button", name="立即签到").click()
    expect(phone.locator(".big-status")).to_have_text("已签到")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.rollback()
    assert checkins.find(activity, volunteer).status == "open"


def test_from_the_scanned_url_to_checked_out(phone, running_event):
    activity, volunteer = running_event
    checkins.check_in(activity, volunteer, at=activity.starts_at)
    db.session.commit()
    phone.goto("/login")
    log_in_on(phone, volunteer)
    phone.goto(f"/c/{checkins.make_code(activity, Purpose.CHECKOUT)}")
    phone.get_by_role("button", name="立即签退").click()
    expect(phone.locator(".big-status")).to_have_text("已签退")
    expect(phone.locator(".scan-card")).to_contain_text("服务时长：45分钟")
    db.session.rollback()
    checkin = checkins.find(activity, volunteer)
    assert (checkin.status, checkin.minutes) == ("closed", 45)


@pytest.mark.parametrize("kind", ["card", "payment"])
def test_without_a_camera_the_scanner_explains_in_chinese_and_offers_the_typed_code(
        phone, running_event, make_staff, make_user, kind):
    """Headless Chromium has no camera: getUserMedia fails as on a phone without one."""
    activity, _volunteer = running_event
    if kind == "card":
        user, url = make_staff(activity.station), f"/station/activities/{activity.id}/scan"
    else:
        user, url = make_user(Role.MERCHANT, name="何记糖水"), "/merchant/scan"
    phone.goto("/login")
    log_in_on(phone, user)
    phone.goto(url)
    phone.get_by_role("button", name="打开摄像头").click()
    result = phone.locator("#scan-result")
    expect(result).to_contain_text("手动输入号码")
    text = result.inner_text()
    assert "摄像头" in text and not any(word in text for word in ("Requested", "Error", "device"))
    expect(phone.locator("#camera")).to_be_hidden()
    expect(phone.locator("#code")).to_be_visible()
    expect(phone.locator("#code")).to_be_focused()
