"""A changed activity reaches the volunteer: the social worker (1366×900) moves an activity's
time on the station's edit page; the signed-up volunteer (390×844) finds it in the inbox, and
after a delivery pass the SMS test double holds the text."""

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser import PHONE
from tests.conftest import PASSWORD
from timebank.notifications import delivery
from timebank.notifications.sms import EXTENSION
from volunteers.activities import services as activities

pytestmark = pytest.mark.browser

STAFF_SCREEN = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
SHOTS = "/work/briefs/shots"


@pytest.fixture
def server(make_app):
    """A live server whose texts are recorded; quiet hours off ((24, 0)), as the browser keeps
    the real clock."""
    app = make_app(SMS_GATEWAY="timebank.notifications.sms:RecordingGateway",
                   NOTICE_QUIET_HOURS=(24, 0))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def shot(page, name):
    import os

    if os.path.isdir(SHOTS):
        page.screenshot(path=f"{SHOTS}/notices-{name}.png", full_page=True)


def test_a_changed_activity_reaches_the_volunteers_inbox_and_phone(
        browser, server, make_station, make_staff, make_volunteer, make_activity):
    from timebank.extensions import db

    app, base_url = server
    station = make_station()
    worker = make_staff(station, name="李社工")
    activity = make_activity(station, worker, title="长者探访", place="第1社区服务点")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    activities.sign_up(activity, volunteer)
    db.session.commit()

    staff_context = browser.new_context(base_url=base_url, **STAFF_SCREEN)
    phone_context = browser.new_context(base_url=base_url, **PHONE)
    try:
        staff = staff_context.new_page()
        log_in(staff, worker)
        staff.goto(f"/station/activities/{activity.id}/edit")
        staff.get_by_label("开始时间").fill("14:00")
        staff.get_by_label("结束时间").fill("16:00")
        shot(staff, "staff-edit")
        staff.get_by_role("button", name="保存活动").click()
        expect(staff.locator(".flash")).to_contain_text("长者探访")

        phone = phone_context.new_page()
        log_in(phone, volunteer)
        phone.goto("/notifications/")
        notice = phone.locator(".line", has_text="活动有变：长者探访")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("14:00")
        expect(notice).to_contain_text("第1社区服务点")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "inbox")
        phone.goto("/profile")
        phone.locator("#notice-channels").scroll_into_view_if_needed()
        expect(phone.get_by_label("短信")).to_be_checked()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "profile")
    finally:
        staff_context.close()
        phone_context.close()

    sms = app.extensions[EXTENSION]
    assert sms.to(volunteer.phone) == []  # nothing leaves inside the request
    with app.app_context():
        counts = delivery.deliver_due()
    assert counts["sent"] >= 1
    [text] = [text for text in sms.to(volunteer.phone) if "活动有变" in text]
    assert "长者探访" in text and "14:00" in text
