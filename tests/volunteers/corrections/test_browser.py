"""On a phone: from the history's 申请更正 to the request sent; on the station's desktop: the
list of requests with an overdue one marked. ``SHOTS=/some/dir`` keeps the screenshots."""

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import log_in_on
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.extensions import db
from volunteers.checkins import services as checkins
from volunteers.corrections import services as corrections

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/corrections-{name}.png", full_page=True)


@pytest.fixture
def served(make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="李社工")
    manager = make_staff(station, Role.STATION_MANAGER, name="陈主管")
    volunteer = make_volunteer(station.town.communities[0], name="黄志强")
    start = (now() - timedelta(days=2)).replace(second=0, microsecond=0)
    activity = make_activity(station, worker, title="重阳敬老探访：陪伴长者聊天、量血压并整理房间",
                             start=start, allow_walk_ins=True)
    checkin, _new = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=90))
    checkins.approve(checkin, by=worker)
    db.session.commit()
    return {"station": station, "manager": manager, "volunteer": volunteer, "checkin": checkin}


def test_a_volunteer_asks_for_a_correction_on_a_phone(phone, served):
    log_in_on(phone, served["volunteer"])
    phone.goto("/volunteer/activities")
    phone.get_by_role("link", name="申请更正").first.click()
    expect(phone.get_by_role("heading", name="申请更正")).to_be_visible()
    phone.get_by_label("这条记录哪里有误？").fill("我从9点服务到11点，签退扫码失败，只记了1小时30分。")
    shot(phone, "ask-390")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.get_by_role("heading", name="更正申请")).to_be_visible()
    expect(phone.get_by_text("核实中")).to_be_visible()
    shot(phone, "sent-390")
    # 我的时间: the service line now shows the request and its status.
    phone.goto("/hours/")
    expect(phone.locator(".statement .line-link").first).to_have_text("更正：核实中")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "statement-390")


def test_the_station_list_marks_an_overdue_request(desk, served, make_volunteer):
    ticket = corrections.ask(served["volunteer"], checkin_id=served["checkin"].id,
                             reason="签退时间记错了，实际服务两个小时。")
    ticket.asked_at, ticket.due_at = now() - timedelta(days=12), now() - timedelta(days=3)
    db.session.commit()
    log_in_on(desk, served["manager"])
    desk.goto("/station/corrections")
    row = desk.locator(f"#correction-{ticket.id}")
    expect(row).to_have_class("overdue")
    expect(row).to_contain_text("逾期3天")
    expect(desk.locator(".subnav")).to_contain_text("更正申请")
    shot(desk, "station-1366")
    desk.locator(f"#correction-{ticket.id} a").click()
    expect(desk.get_by_role("heading", name="答复")).to_be_visible()
    shot(desk, "answer-1366")


def test_the_dashboard_lists_overdue_requests(desk, served, make_user):
    ticket = corrections.ask(served["volunteer"], checkin_id=served["checkin"].id,
                             reason="签退时间记错了。")
    ticket.due_at = now() - timedelta(days=2)
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    db.session.commit()
    log_in_on(desk, admin)
    desk.goto("/reports/")
    section = desk.locator("#overdue-corrections")
    expect(section.locator(f"#overdue-{ticket.id}")).to_contain_text(served["station"].name)
    expect(section.locator(".badge")).to_have_text("1")
    if SHOTS:
        section.screenshot(path=f"{SHOTS}/corrections-dashboard-1366.png")
