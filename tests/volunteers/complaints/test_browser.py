"""A stranger's complaint from a phone (390×844, no login) to its answer and follow-up call at
the station's desk, with the overdue escalation reached by moving the clock.
``SHOTS=/some/dir`` keeps the screenshots."""

import os
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import log_in_on
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.extensions import db
from timebank.notifications.models import Notification
from volunteers import jobs
from volunteers.complaints.models import Complaint

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")
STRANGER = "13712345678"


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/complaints-{name}.png", full_page=True)


def texts_to(phone: str) -> list[str]:
    db.session.rollback()
    return [row.title for row in db.session.scalars(
        select(Notification).where(Notification.phone == phone).order_by(Notification.id))]


def test_a_strangers_complaint_from_a_phone_to_its_follow_up(phone, desk, make_station,
                                                             make_staff, make_user):
    station = make_station()
    worker = make_staff(station, name="李社工")
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    # A stranger, not logged in, on a phone.
    phone.goto("/complaints/new")
    expect(phone.get_by_role("heading", name="投诉建议")).to_be_visible()
    phone.get_by_label("社工站", exact=True).select_option(label=station.name)
    phone.get_by_label("发生了什么").fill(
        "周六上午的长者义剪活动没有人组织，<b>老人</b>在门口等了一个多小时。")
    phone.get_by_label("手机号码（选填）").fill(STRANGER)
    shot(phone, "form-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="提交投诉").click()
    expect(phone.get_by_role("heading", name="投诉已收到")).to_be_visible()
    number = phone.locator("#complaint-number").inner_text().strip()
    assert number.startswith("TS-")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "filed-390")
    db.session.rollback()
    complaint = db.session.scalar(select(Complaint).where(Complaint.number == number))
    assert complaint.text.startswith("周六上午") and "<b>老人</b>" in complaint.text
    assert texts_to(STRANGER) == [f"您的投诉{number}已收到"]

    # Nobody accepts it: ten days on, the hourly job escalates it to the district.
    with time_machine.travel(now() + timedelta(days=10), tick=False):
        assert jobs.escalate_overdue_complaints() == 1
        db.session.commit()
    told = db.session.scalars(select(Notification).where(Notification.user_id == admin.id))
    assert [row.kind for row in told] == ["complaint_escalated"]

    # The station's desk: escalated first, then accept, answer and follow up.
    log_in_on(desk, worker)
    desk.goto("/station/complaints")
    expect(desk.locator(".subnav")).to_contain_text("投诉处理")
    row = desk.locator(f"#complaint-{complaint.id}")
    expect(row).to_contain_text("已上报区里")
    shot(desk, "list-1366")
    row.get_by_role("link", name=number).click()
    expect(desk.locator(".complaint-text")).to_contain_text("<b>老人</b>")  # shown as text
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.locator(".flash--success")).to_contain_text("已告知投诉人")
    desk.get_by_label("答复内容（会告知投诉人）").fill("当天负责的社工临时生病，已调整排班并向您致歉。")
    desk.get_by_role("button", name="答复", exact=True).click()
    expect(desk.get_by_text("已答复").first).to_be_visible()
    desk.get_by_label("回访情况").fill("电话回访，居民表示理解")
    desk.get_by_label("满意度（1 很不满意，5 很满意）").select_option("4")
    desk.get_by_role("button", name="回访", exact=True).click()
    expect(desk.get_by_text("已回访（办结）").first).to_be_visible()
    shot(desk, "closed-1366")
    db.session.rollback()
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.status == "followed_up" and complaint.satisfaction == 4
    assert texts_to(STRANGER) == [f"您的投诉{number}已收到", f"您的投诉{number}已受理",
                                  f"您的投诉{number}已答复", f"您的投诉{number}已办结，感谢您的反馈。"]

    # The stranger looks it up on the phone with the number and their mobile.
    phone.goto(f"/complaints/status?number={number}&contact={STRANGER}")
    expect(phone.get_by_text("当天负责的社工临时生病")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "status-390")
