"""At the station's desk (1366×900) a social worker sees the sign-up list of an activity with
masked phones and ID numbers, clicks 查看 next to one, and the full number appears in place as a
tel: link, audited. ``SCREENSHOTS=<dir>`` keeps the pictures."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import PASSWORD
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.activities import services as activities

pytestmark = pytest.mark.browser

ID_NUMBER = "440115199001010143"


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def shot(page, name):
    folder = os.environ.get("SCREENSHOTS")
    if folder and os.path.isdir(folder):
        page.screenshot(path=os.path.join(folder, f"privacy-{name}.png"), full_page=True)


def test_a_social_worker_reveals_a_phone_and_an_id_number_on_the_sign_up_list(
        desk, make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="黄社工")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏", id_number=ID_NUMBER)
    activity = make_activity(station, worker, title="长者探访")
    activities.sign_up(activity, volunteer)
    db.session.commit()
    masked_phone = volunteer.phone[:3] + "****" + volunteer.phone[-4:]

    log_in(desk, worker)
    desk.goto(f"/station/activities/{activity.id}")
    row = desk.locator(".signups--confirmed tbody tr").first
    expect(row).to_contain_text("陈晓敏")
    expect(row).to_contain_text(masked_phone)
    expect(row).to_contain_text("4401**********0143")
    assert volunteer.phone not in desk.content() and ID_NUMBER not in desk.content()
    shot(desk, "masked")

    row.get_by_role("button", name="查看陈晓敏的完整手机号码").click()
    link = row.locator(f'a[href="tel:{volunteer.phone}"]')
    expect(link).to_have_text(volunteer.phone)
    row.get_by_role("button", name="查看陈晓敏的完整身份证号").click()
    expect(row).to_contain_text(ID_NUMBER)
    assert desk.url.endswith(f"/station/activities/{activity.id}")  # shown in place
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(desk, "revealed")

    db.session.rollback()
    rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.reveal")
                              .order_by(AuditEntry.id)).all()
    assert [(entry.actor_id, entry.details["field"]) for entry in rows] == [
        (worker.id, "phone"), (worker.id, "id_number")]
