"""On a phone (390×844): a paired volunteer opens 我的探访, records a visit to 李阿姨 from their
pairing, and sees it waiting for approval. ``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD
from timebank.extensions import db
from volunteers.visits.models import Visit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/visits-{name}.png", full_page=True)


def test_a_volunteer_records_a_visit_on_a_phone(phone, paired):
    volunteer = paired["volunteer"]
    phone.goto("/login")
    phone.get_by_label("手机号码").fill(volunteer.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto("/volunteer/pairings")
    expect(phone.get_by_text("李阿姨").first).to_be_visible()
    phone.get_by_role("link", name="记录探访").click()
    expect(phone.get_by_role("heading", name="记录探访")).to_be_visible()
    expect(phone.get_by_text("李秀英")).to_have_count(0)
    phone.get_by_label("分钟").fill("90")
    phone.get_by_label("电话探访").check()
    phone.get_by_label("探访发现").fill("阿姨精神不错，厨房灯坏了，已约好下周去换。")
    phone.get_by_label("小修小补").check()
    phone.get_by_label("跟进措施").fill("下周带灯泡去换")
    shot(phone, "form-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="保存探访记录").click()
    expect(phone.get_by_role("heading", name="我的探访")).to_be_visible()
    expect(phone.get_by_text("待审核").first).to_be_visible()
    shot(phone, "mine-390")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.rollback()
    visit = db.session.scalar(select(Visit).where(Visit.visitor_id == volunteer.id))
    assert visit.status == "waiting" and visit.minutes == 90 and visit.way == "phone"
