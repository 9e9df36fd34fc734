"""In a real browser (Debian's Chromium): an anonymous visitor browses activities and a station
page and signs up after logging in; no page scrolls sideways at 360 px and every navigation
target is at least 44 px tall (measured); cancelling a sign-up asks first; the larger-text
setting stays across pages; the payment page shows the payment once its code is used; a form
with an error brings the field into view."""

import re
from datetime import timedelta
from pathlib import Path
from pprint import pformat

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE
from tests.conftest import PASSWORD
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.exchange.merchants import services as merchants
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.themes import services as themes

pytestmark = pytest.mark.browser

NARROW = {**PHONE, "viewport": {"width": 360, "height": 740}}
STAFF = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
SHOTS = Path("/work/briefs/shots")

FITS_ACROSS = "() => document.documentElement.scrollWidth <= window.innerWidth"
#: Navigation links and buttons shorter than 44 px: "text height" for each one shown.
SHORT_TARGETS = """() => [...document.querySelectorAll(
    'header a, header button, nav a, nav button, footer a, a.button, button, .chip, summary')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
  .filter(e => e.getBoundingClientRect().height < 44)
  .map(e => (e.textContent || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 24)
            + ' ' + e.getBoundingClientRect().height.toFixed(1))"""


def _shoot(page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"public-{name}.png"), full_page=True)


def _log_in(page, user, next_path=None):
    page.goto("/login" if next_path is None else f"/login?next={next_path}")
    page.get_by_label("手机号码").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.fixture
def town(make_station, make_staff, make_volunteer, make_activity):
    """A station like the demo's: contacts, a social worker and a manager, this month's theme,
    a coming activity with places, and a volunteer with a sign-up and an approved past one."""
    station = make_station(name="南沙街道")
    station.address, station.phone = "南沙街道进港大道1号", "020-84680001"
    station.opening_hours = "周一至周五 9:00-18:00"
    worker = make_staff(station, name="李志华")
    manager = make_staff(station, role=Role.STATION_MANAGER, name="王丽娟")
    today = local(now())
    theme = themes.set_theme(station.id, today.year, today.month, title="关爱长者月",
                             tags=["敬老"], by=manager)
    db.session.commit()
    tomorrow = (today + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    same_month = (tomorrow.year, tomorrow.month) == (today.year, today.month)
    coming = make_activity(station, worker, title="长者生日会", start=tomorrow, slots=5,
                           place="第1社区服务点活动室", theme_id=theme.id if same_month else None,
                           description="为本月生日的长者举办生日会，需要志愿者协助布置和陪伴。")
    past = make_activity(station, worker, title="重阳敬老探访", start=tomorrow - timedelta(days=5))
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏")
    db.session.add(SignUp(activity_id=past.id, user_id=volunteer.id, status="confirmed"))
    db.session.flush()
    checkin, _created = checkins.check_in(past, volunteer, at=past.starts_at)
    checkins.check_out(checkin, past, at=past.ends_at)
    checkins.approve(checkin, by=worker)
    mine = activities.sign_up(coming, volunteer)
    db.session.commit()
    return {"station": station, "worker": worker, "manager": manager, "coming": coming,
            "volunteer": volunteer, "sign_up": mine}


def test_an_anonymous_visitor_browses_activities_and_a_station_then_signs_up(
        phone, town, make_volunteer):
    station, coming = town["station"], town["coming"]
    phone.goto("/")
    phone.get_by_role("link", name="活动", exact=True).first.click()
    expect(phone.locator("h1")).to_have_text("志愿服务活动")
    phone.get_by_text("按主题、地点和日期筛选").click()
    phone.get_by_label("镇街").select_option(str(station.town_id))
    phone.get_by_role("button", name="查看").click()
    expect(phone.locator(".activity-list")).to_contain_text("长者生日会")
    assert phone.evaluate(FITS_ACROSS)
    _shoot(phone, "activities")
    phone.get_by_role("link", name="长者生日会").click()
    expect(phone.locator("h1")).to_have_text("长者生日会")
    expect(phone.locator(".facts")).to_contain_text("020-84680001")
    expect(phone.locator("body")).not_to_contain_text("陈晓敏")
    _shoot(phone, "activity")

    phone.get_by_role("link", name=station.name).click()
    expect(phone.locator("h1")).to_have_text(station.name)
    expect(phone.locator(".grid-teams")).to_contain_text("李志华")
    expect(phone.locator(".theme-card").first).to_contain_text("关爱长者月")
    expect(phone.locator(".station-phone")).to_have_text("020-84680001")
    expect(phone.locator("body")).not_to_contain_text(town["worker"].phone)
    assert phone.evaluate(FITS_ACROSS)
    _shoot(phone, "station")

    phone.get_by_role("link", name="长者生日会").click()
    phone.get_by_role("link", name="登录后报名").click()
    newcomer = make_volunteer(station.town.communities[1], name="梁伯")
    phone.get_by_label("手机号码").fill(newcomer.phone)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone).to_have_url(re.compile(f"/volunteer/activities/{coming.id}$"))
    phone.get_by_role("button", name="我要报名").click()
    expect(phone.locator(".flash")).to_contain_text("已报名“长者生日会”")

    phone.goto("/stations")
    expect(phone.locator(".station-list")).to_contain_text("周一至周五 9:00-18:00")


#: Pages whose screenshots are kept (resident pages on a phone, staff pages on a desktop).
SHOWN = {(360, "/volunteer/"), (360, "/volunteer/activities"), (360, "/stations"),
         (360, "/profile"), (1366, "/station/activities"), (1366, "/activities"),
         (1366, "/staff/members"), (360, "/station/activities")}


def _walk(page, urls, width) -> dict:
    problems = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        if (width, url) in SHOWN:
            _shoot(page, f"{width}{url.rstrip('/').replace('/', '-') or '-home'}")
        wide = not page.evaluate(FITS_ACROSS)
        short = page.evaluate(SHORT_TARGETS)
        if wide or short:
            problems[url] = {"scrolls sideways": wide, "short targets": short,
                             "width": page.evaluate("document.documentElement.scrollWidth")}
    return problems


def test_no_page_scrolls_sideways_at_360_px_and_every_target_is_44_px_tall(browser, live_server,
                                                                           town):
    coming, station = town["coming"], town["station"]
    public = ["/", "/activities", f"/activities/{coming.id}", "/stations",
              f"/stations/{station.id}", "/login", "/register", "/password/forgot"]
    resident = ["/", "/volunteer/", "/volunteer/activities", f"/volunteer/activities/{coming.id}",
                f"/volunteer/sign-ups/{town['sign_up'].id}/cancel", "/volunteer/profile",
                "/volunteer/certificate", "/profile", "/hours/", "/hours/give", "/pay", "/card",
                "/help/", "/help/new", "/help/listings", "/notifications/", "/activities"]
    staff = ["/station/activities", f"/station/activities/{coming.id}", "/station/volunteers",
             "/station/themes", "/station/matching", "/staff/members", "/reports/",
             "/reports/exports/", "/admin/", "/pools/", "/notifications/"]
    problems = {}
    for screen in (NARROW, STAFF):
        width = screen["viewport"]["width"]
        context = browser.new_context(base_url=live_server, **screen)
        page = context.new_page()
        try:
            problems.update({(width, "anonymous", url): found
                             for url, found in _walk(page, public, width).items()})
            _log_in(page, town["volunteer"])
            problems.update({(width, "resident", url): found
                             for url, found in _walk(page, resident, width).items()})
            page.get_by_role("button", name="退出").click()
            _log_in(page, town["manager"])
            problems.update({(width, "manager", url): found
                             for url, found in _walk(page, staff, width).items()})
        finally:
            context.close()
    assert problems == {}, pformat(problems)


def test_cancelling_a_sign_up_asks_first(phone, town):
    coming = town["coming"]
    _log_in(phone, town["volunteer"])
    phone.goto(f"/volunteer/activities/{coming.id}")
    phone.get_by_role("link", name="取消报名").click()
    expect(phone.locator("h1")).to_have_text("确定取消报名吗？")
    _shoot(phone, "cancel-confirm")
    phone.get_by_role("link", name="不取消，保留名额").click()
    expect(phone.locator(".my-status .status")).to_have_text("已确认")
    phone.get_by_role("link", name="取消报名").click()
    phone.get_by_role("button", name="确定取消报名").click()
    expect(phone.locator(".flash")).to_contain_text("已取消报名")
    expect(phone.get_by_role("button", name="我要报名")).to_be_visible()
    db.session.rollback()  # read afresh, after the server's write
    assert db.session.get(SignUp, town["sign_up"].id).status == "cancelled"


def test_the_larger_text_setting_stays_across_pages_and_logins(browser, live_server, town):
    # A retrying expectation: on a loaded machine the stylesheet may arrive after the page.
    root = "html"
    context = browser.new_context(base_url=live_server, **PHONE)
    page = context.new_page()
    try:
        _log_in(page, town["volunteer"])
        expect(page.locator(root)).to_have_css("font-size", "16px")
        page.goto("/profile")
        page.get_by_label("特大").check()
        page.get_by_role("button", name="保存字号").click()
        expect(page.locator(".flash")).to_contain_text("字号已保存")
        expect(page.locator(root)).to_have_css("font-size", "21px")
        _shoot(page, "text-size")
        for url in ("/volunteer/", "/volunteer/activities", "/hours/"):
            page.goto(url)
            expect(page.locator(root)).to_have_css("font-size", "21px")
            assert page.evaluate(FITS_ACROSS), url
    finally:
        context.close()
    again = browser.new_context(base_url=live_server, **PHONE)
    page = again.new_page()
    try:
        _log_in(page, town["volunteer"])
        page.goto("/volunteer/")
        expect(page.locator(root)).to_have_css("font-size", "21px")
        page.goto("/profile")
        expect(page.get_by_label("特大")).to_be_checked()
    finally:
        again.close()


def test_the_payment_page_shows_the_payment_once_the_code_is_used(phone, town, make_user):
    volunteer = town["volunteer"]
    merchant = make_user(Role.MERCHANT, name="何记")
    merchants.ensure_profile(merchant, "何记糖水")
    item = merchants.create_item(merchant, {"name": "双皮奶", "price_minutes": 60, "stock": 5})
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试", min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -120), (ledger.member_account(volunteer), 120)],
                         idempotency_key="fund")
    db.session.commit()
    _log_in(phone, volunteer)
    phone.goto("/pay")
    code = phone.locator("#pay-code").text_content()
    expect(phone.locator("#pay-balance")).to_have_text("4 时间币")  # 2 h served + 2 h given
    db.session.rollback()  # a fresh transaction: the server has written since this one began
    merchants.redeem(merchant, code, item)
    db.session.commit()
    expect(phone.locator("#pay-message")).to_have_text("已支付 1 时间币 给 何记糖水", timeout=10_000)
    expect(phone.locator("#pay-balance")).to_have_text("3 时间币")
    expect(phone.locator("#pay-code")).to_be_hidden()
    _shoot(phone, "paid")


def test_a_form_error_is_shown_beside_its_field_and_brought_into_view(phone, town):
    _log_in(phone, town["volunteer"])
    phone.goto("/volunteer/profile")
    phone.get_by_label("居民身份证号").fill("440115199001011239")
    phone.get_by_role("button", name="保存我的资料").click()
    field = phone.locator("#f-id_number")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(phone.locator("#e-id_number")).to_contain_text("不是有效的")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    _shoot(phone, "form-error")
