"""On a phone (390×844, as inside WeChat): a volunteer opens a past activity, taps 评价这项活动,
picks 4 stars with the large radio buttons, writes a comment and sends it; at the station's
desk the rating shows with its comment. ``SHOTS=/some/dir`` keeps the screenshots."""

import os
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import log_in_on
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.extensions import db
from volunteers.checkins import services as checkins

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/ratings-{name}.png", full_page=True)


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
    db.session.commit()
    return {"station": station, "worker": worker, "manager": manager, "volunteer": volunteer,
            "activity": activity}


def test_a_volunteer_rates_an_activity_on_a_phone(phone, desk, served):
    activity = served["activity"]
    log_in_on(phone, served["volunteer"])
    phone.goto(f"/volunteer/activities/{activity.id}")
    phone.get_by_role("link", name="评价这项活动").click()
    expect(phone.get_by_role("heading", name=f"评价：{activity.title}")).to_be_visible()
    four = phone.get_by_label("4 星")
    box = four.locator("xpath=ancestor::label").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a large target for a thumb
    four.check()
    phone.get_by_label("留言（可选）").fill("长者们很热情，<b>下次还来</b>。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "rate-390")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("感谢您的评价。")).to_be_visible()
    expect(phone.get_by_role("link", name="评价这项活动")).to_have_count(0)
    shot(phone, "rated-390")
    # At the station's desk: the rating and its comment, shown as text.
    log_in_on(desk, served["worker"])
    desk.goto("/station/ratings")
    row = desk.locator("table.ratings tbody tr").first
    expect(row).to_contain_text("4/5")
    expect(row.locator(".rating-comment")).to_have_text("长者们很热情，<b>下次还来</b>。")
    expect(desk.locator("#station-average")).to_have_text("4.0")
    shot(desk, "station-1366")
