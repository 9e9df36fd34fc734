"""In a browser. On a phone (390×844): a volunteer opens a training session's check-in code,
records their attendance, and sees their training hours and the new 急救证 (and the training
hours apart on 我的时间). At a station desk (1366×900): a social worker creates a course and
schedules a session, and sees its check-in code. ``SHOTS=/some/dir`` keeps the screenshots."""

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import log_in_on
from timebank.clock import local, now
from timebank.extensions import db
from volunteers.training import services as training
from volunteers.training.models import TrainingAttendance, TrainingSession

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/training-{name}.png", full_page=True)


def test_a_volunteer_scans_a_session_code_on_a_phone(phone, station, worker, make_volunteer,
                                                     make_session, first_aid):
    session = make_session(station, worker, qualification=first_aid,
                           start=timedelta(minutes=-20))
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    token = training.make_code(session)
    log_in_on(phone, volunteer)
    phone.goto(f"/volunteer/training/t/{token}")
    expect(phone.get_by_role("heading", name="应急救护培训")).to_be_visible()
    shot(phone, "scan-390")
    phone.get_by_role("button", name="确认签到").click()
    expect(phone.get_by_text("签到成功")).to_be_visible()
    expect(phone.locator(".qualification").filter(has_text="急救证")).to_contain_text("有效")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("link", name="我的培训").click()
    expect(phone.get_by_role("heading", name="培训与资质")).to_be_visible()
    expect(phone.locator(".training-minutes")).to_have_attribute("data-minutes", "120")
    expect(phone.locator(".qualification").filter(has_text="急救证")).to_be_visible()
    shot(phone, "mine-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto("/hours/")
    section = phone.locator("section.training-hours")
    expect(section).to_contain_text("培训时长")
    expect(section.locator(".training-minutes")).to_have_attribute("data-minutes", "120")
    expect(phone.locator(".balance-card .balance")).to_have_attribute("data-minutes", "0")
    shot(phone, "hours-390")
    db.session.rollback()
    [attendance] = db.session.scalars(select(TrainingAttendance).where(
        TrainingAttendance.user_id == volunteer.id))
    assert attendance.method == "scan" and attendance.minutes == 120


def test_staff_create_a_course_and_a_session_at_the_desk(desk, station, worker, first_aid):
    log_in_on(desk, worker)
    desk.goto("/station/training")
    expect(desk.get_by_role("heading", name="培训", exact=True)).to_be_visible()
    desk.locator("#f-title").fill("禁毒宣传员培训")
    desk.locator("#f-organiser").fill("南沙区禁毒办")
    desk.locator("#f-qualification_id").select_option(label="急救证")
    desk.get_by_role("button", name="创建课程").click()
    expect(desk.get_by_text("课程已创建")).to_be_visible()
    desk.get_by_role("link", name="安排培训场次").first.click()
    day = (local(now()).date() + timedelta(days=3)).isoformat()
    desk.locator("#f-day").fill(day)
    desk.locator("#f-start_time").fill("09:00")
    desk.locator("#f-end_time").fill("11:30")
    desk.locator("#f-trainer").fill("王老师")
    desk.locator("#f-place").fill("社工站活动室")
    shot(desk, "session-form-1366")
    desk.get_by_role("button", name="安排场次").click()
    expect(desk.get_by_text("培训场次已安排")).to_be_visible()
    expect(desk.locator("img.qr")).to_be_visible()
    # A function, not an expression: the page's CSP forbids evaluating strings.
    desk.wait_for_function("() => document.querySelector('img.qr').complete "
                           "&& document.querySelector('img.qr').naturalWidth > 0")
    shot(desk, "session-1366")
    db.session.rollback()
    session = db.session.scalar(select(TrainingSession).order_by(TrainingSession.id.desc()))
    assert session.minutes == 150 and session.trainer == "王老师"
    assert local(session.starts_at).strftime("%Y-%m-%d %H:%M") == f"{day} 09:00"
