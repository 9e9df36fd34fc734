"""On a phone: a 16-year-old volunteer is sent to the guardian's page when signing up; the
guardian enters their details and consent, and the sign-up then goes through."""

import os
import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, SHANGHAI
from timebank.accounts import services as users
from timebank.consents import services as consents
from timebank.extensions import db
from volunteers.profiles import services as profiles

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TIMEBANK_SHOTS")  # a folder: save what the phone showed, to look at


def years_ago(years: int) -> date:
    """A birth date that makes someone `years` old today and for the next days: browser tests
    run on the real clock (Chromium has its own), so the date moves with it."""
    return datetime.now(SHANGHAI).date() - timedelta(days=years * 366)


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
    profiles.profile_for(teen).birth_date = years_ago(16)
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
    profile.birth_date = years_ago(16)
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
    desk.get_by_label("出生日期").fill(years_ago(13).isoformat())
    desk.get_by_label("居住的村居").select_option(str(station.town.communities[0].id))
    desk.get_by_label("监护人姓名").fill("王家长")
    desk.get_by_label("监护人手机号").fill("13987650002")
    desk.get_by_label("与志愿者的关系").select_option("father")
    shot(desk, "register-child")
    desk.get_by_role("button", name="注册").click()
    expect(desk.locator(".flash")).to_contain_text("已为 小明 注册")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366


def test_a_16_year_old_registers_with_the_notice_and_the_texted_code_then_her_guardian_consents(
        phone, live_app, make_station, make_staff, make_activity):
    """The whole way in on her phone: the privacy notice and the SMS code at registration, her
    date of birth on the profile, her guardian's consent, and the sign-up it allows."""
    texts = live_app.extensions["timebank.sms"]
    station = make_station()
    worker = make_staff(station, name="李社工")
    activity = make_activity(station, worker, title="应急救护技能培训", min_age=16)
    community = station.town.communities[0]

    phone.goto("/register")
    phone.get_by_label("真实姓名").fill("陈小雨")
    phone.get_by_label("手机号码").fill("13800138031")
    phone.get_by_role("button", name="获取验证码").click()
    code = re.search(r"\b(\d{6})\b", texts.to("13800138031")[-1]).group(1)
    phone.get_by_label("短信验证码").fill(code)
    phone.get_by_label("密码").fill("a-long-pass")
    expect(phone.get_by_role("link", name="《隐私政策》").first).to_be_visible()
    phone.get_by_label("我已阅读并同意").check()
    phone.get_by_role("button", name="注册").click()
    expect(phone.locator(".flash--success")).to_contain_text("陈小雨")

    phone.goto("/volunteer/profile")
    phone.locator("#f-community_id").select_option(str(community.id))
    phone.get_by_label("出生日期").fill(years_ago(16).isoformat())
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("section.guardian h2")).to_have_text("监护人同意")

    phone.goto(f"/volunteer/activities/{activity.id}")
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator("h1")).to_have_text("监护人同意")
    phone.get_by_label("监护人姓名").fill("陈晓敏")
    phone.get_by_label("监护人手机号").fill("139 8765 0001")
    phone.get_by_label("与志愿者的关系").select_option("mother")
    phone.locator("#f-declaration").check()
    shot(phone, "journey-guardian")
    phone.get_by_role("button", name="同意").click()
    expect(phone.locator("h1")).to_have_text("应急救护技能培训")
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".my-status .status")).to_have_text("已确认")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    with live_app.app_context():
        teen = users.get_by_phone("13800138031")
        assert teen.phone_verified_at is not None
        assert consents.agreed_version(teen) == consents.current_version()
        profile = profiles.profile_for(teen)
        assert profile.guardian_consent_at is not None and profile.guardian_phone == "13987650001"
        db.session.remove()
