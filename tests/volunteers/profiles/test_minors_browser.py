"""On a phone: a 16-year-old volunteer is sent to the guardian's page when signing up; the
guardian enters their details and consent, and the sign-up then goes through."""

import os
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from timebank.extensions import db
from volunteers.profiles import services as profiles

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TIMEBANK_SHOTS")  # a folder: save what the phone showed, to look at


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_16_year_old_gets_the_guardians_consent_then_signs_up(
        phone, make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="李社工")
    activity = make_activity(station, worker, title="应急救护技能培训", min_age=16,
                             risky=True, insurance_reference="PICC-2026-0012")
    teen = make_volunteer(station.town.communities[0], name="陈小雨")
    profiles.profile_for(teen).birth_date = date(2010, 3, 12)
    db.session.commit()

    phone.goto("/login")
    phone.get_by_label("手机号码").fill(teen.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.goto("/volunteer/profile")
    expect(phone.locator("section.guardian h2")).to_have_text("监护人同意")
    shot(phone, "profile")

    phone.goto(f"/volunteer/activities/{activity.id}")
    expect(phone.locator(".min-age")).to_have_text("年满 16 周岁")
    shot(phone, "activity")
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".flash")).to_contain_text("须经监护人同意")
    expect(phone.locator("h1")).to_have_text("监护人同意")

    phone.get_by_label("监护人姓名").fill("陈晓敏")
    phone.get_by_label("监护人手机号").fill(teen.phone)  # her own number: refused
    phone.get_by_label("与志愿者的关系").select_option("mother")
    phone.get_by_role("button", name="同意").click()
    expect(phone.locator("#e-guardian_phone")).to_contain_text("监护人本人的手机号")
    expect(phone.locator("#e-declaration")).to_be_visible()
    shot(phone, "guardian-refused")
    phone.get_by_label("监护人手机号").fill("139 8765 0001")
    phone.get_by_label("与志愿者的关系").select_option("mother")
    phone.locator("#f-declaration").check()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "guardian")
    phone.get_by_role("button", name="同意").click()

    expect(phone.locator(".flash")).to_contain_text("已记录您监护人的同意")
    expect(phone.locator("h1")).to_have_text("应急救护技能培训")
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".flash")).to_contain_text("已报名“应急救护技能培训”")
    expect(phone.locator(".my-status .status")).to_have_text("已确认")
    shot(phone, "signed-up")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_staff_register_a_child_and_see_who_is_insured(
        desk, make_station, make_staff, make_volunteer, make_activity):
    station = make_station()
    worker = make_staff(station, name="李社工")
    activity = make_activity(station, worker, title="河涌清漂", risky=True,
                             insurance_reference="PICC-2026-0012")
    teen = make_volunteer(station.town.communities[0], name="陈小雨")
    profile = profiles.profile_for(teen)
    profile.birth_date = date(2010, 3, 12)
    profiles.record_guardian(profile, {"guardian_name": "陈晓敏", "guardian_phone": "13987650001",
                                       "guardian_relationship": "mother", "declaration": True},
                             by=teen)
    from volunteers.activities import services as activities

    activities.sign_up(activity, teen)
    db.session.commit()

    desk.goto("/login")
    desk.get_by_label("手机号码").fill(worker.phone)
    desk.get_by_label("密码").fill(PASSWORD)
    desk.get_by_role("button", name="登录").click()
    desk.goto(f"/station/activities/{activity.id}")
    expect(desk.locator("td.cover")).to_contain_text("PICC-2026-0012")
    expect(desk.locator(".guardian")).to_contain_text("139****0001")
    shot(desk, "staff-activity")

    desk.goto("/station/volunteers/new-child")
    desk.get_by_label("姓名", exact=True).fill("小明")
    desk.get_by_label("手机号码").fill("13600001313")
    desk.get_by_label("出生日期").fill("2013-06-01")
    desk.get_by_label("居住的村居").select_option(str(station.town.communities[0].id))
    desk.get_by_label("监护人姓名").fill("王家长")
    desk.get_by_label("监护人手机号").fill("13987650002")
    desk.get_by_label("与志愿者的关系").select_option("father")
    shot(desk, "register-child")
    desk.get_by_role("button", name="注册").click()
    expect(desk.locator(".flash")).to_contain_text("已为 小明 注册")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
