"""The first day of a district: an empty database, one administrator made on the command line,
and everything else through pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.browser import PHONE
from tests.conftest import log_in, post_form
from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from timebank.org import services as org
from volunteers.activities.models import Activity

ADMIN_PHONE, ADMIN_PASSWORD = "13900000001", "first day 2026"
WORKER_PHONE, WORKER_PASSWORD = "13900000002", "social work 2026"
CREDIT_CODE = "91110000600037341L"


def _pages_without_arguments(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_every_page_answers_on_an_empty_database(app, runner):
    """Nothing assumes the demo: no towns, stations, themes, accounts or activities yet."""
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    made = runner.invoke(args=["users", "create", "--role", "district_admin", "--phone",
                               ADMIN_PHONE, "--name", "区管理员", "--password", ADMIN_PASSWORD])
    assert made.exit_code == 0, made.output
    admin = users.get_by_phone(ADMIN_PHONE)
    visitor, administrator = app.test_client(), app.test_client()
    log_in(administrator, admin, ADMIN_PASSWORD)
    # The operator vouched for the phone; the privacy notice is agreed to at the first visit.
    assert administrator.get("/admin/").headers["Location"].startswith("/privacy/agree")
    post_form(administrator, "/privacy/agree", {"agree": "1", "version": "2026-12"})
    failures = []
    for url in _pages_without_arguments(app):
        for who, client in (("visitor", visitor), ("administrator", administrator)):
            status = client.get(url).status_code
            if status >= 500:
                failures.append(f"{who} GET {url} → {status}")
    assert failures == []
    home = administrator.get("/admin/").get_data(as_text=True)
    assert "/admin/towns" in home and "/admin/stations" in home


# --- the first day in a browser ---------------------------------------------------------------

STAFF_SCREEN = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


@pytest.mark.browser
def settle_in(page, texts, phone):
    """What a first visit asks before going on: the phone verified by its texted code (an
    account made by someone else), then the privacy notice agreed to."""
    from playwright.sync_api import expect

    page.wait_for_load_state()
    if "/auth/verify-phone" in page.url:
        page.get_by_role("button", name="获取验证码").click()
        expect(page.locator(".flash")).to_contain_text("验证码已发送")
        code = re.search(r"\b(\d{6})\b", texts.to(phone)[-1]).group(1)
        page.get_by_label("短信验证码").fill(code)
        page.get_by_role("button", name="验证", exact=True).click()
        page.wait_for_load_state()
    if "/privacy/agree" in page.url:
        page.get_by_label("我已阅读并同意").check()
        page.get_by_role("button", name="同意并继续").click()
        page.wait_for_load_state()


def test_a_district_sets_itself_up_through_pages_from_an_empty_database(app, browser,
                                                                     live_app, live_server):
    """The district administrator sets up a town, a community, an agency, a station, a grid team
    and a social worker; the social worker posts an activity under the month's theme; a resident
    registers in that community and is linked to that social worker."""
    from playwright.sync_api import expect

    admin = users.create_user(ADMIN_PHONE, ADMIN_PASSWORD, "区管理员",
                              roles=(Role.DISTRICT_ADMIN,))
    admin.phone_verified_at = now()  # as `flask users create` does: the operator vouches
    db.session.commit()
    texts = live_app.extensions["timebank.sms"]
    context = browser.new_context(base_url=live_server, **STAFF_SCREEN)
    staff = context.new_page()

    def log_in_as(page, phone, password):
        page.goto("/login")
        page.get_by_label("手机号码").fill(phone)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        settle_in(page, texts, phone)
        expect(page.get_by_role("button", name="退出")).to_be_visible()

    def add(section, fill):
        staff.goto("/admin/")
        staff.locator(".admin-links").get_by_role("link", name=section, exact=True).click()
        fill()
        staff.get_by_role("button", name="添加").click()
        expect(staff.locator(".flash--success")).to_contain_text("已添加")

    log_in_as(staff, ADMIN_PHONE, ADMIN_PASSWORD)
    staff.get_by_role("link", name="系统管理").click()
    add("镇街", lambda: staff.get_by_label("名称").fill("横沥镇"))
    add("村居", lambda: (staff.get_by_label("镇街").select_option(label="横沥镇"),
                       staff.get_by_label("名称").fill("冯马三村")))

    def agency():
        staff.get_by_label("登记名称").fill("南沙区启明社会工作服务中心")
        staff.get_by_label("统一社会信用代码").fill(CREDIT_CODE)
        staff.get_by_label("联系人", exact=True).fill("陈主任")
        staff.get_by_label("合同开始").fill("2026-01-01")
        staff.get_by_label("合同截止").fill("2028-12-31")
    add("承办机构", agency)

    def station():
        staff.get_by_label("镇街").select_option(label="横沥镇")
        staff.get_by_label("名称").fill("横沥镇社工服务站")
        staff.get_by_label("地址").fill("横沥镇政府旁")
        staff.get_by_label("开放时间").fill("周一至周五 9:00-18:00")
        staff.get_by_label("承办机构").select_option(label="南沙区启明社会工作服务中心")
    add("社工站", station)
    expect(staff.locator("table")).to_contain_text("南沙区启明社会工作服务中心")

    def grid_team():
        staff.get_by_label("社工站").select_option(label="横沥镇社工服务站")
        staff.get_by_label("名称").fill("横沥第一片区")
        staff.get_by_label("冯马三村").check()
    add("片区", grid_team)
    expect(staff.locator("table")).to_contain_text("冯马三村")

    staff.goto("/admin/")
    staff.get_by_role("link", name="工作人员账号").click()
    staff.get_by_role("link", name="新建工作人员账号").click()
    staff.get_by_label("真实姓名").fill("李志华")
    staff.get_by_label("手机号码").fill(WORKER_PHONE)
    staff.get_by_label("初始密码").fill(WORKER_PASSWORD)
    staff.get_by_label("身份").select_option(label="社工")
    staff.get_by_label("社工站").select_option(label="横沥镇社工服务站")
    staff.get_by_label("片区（可不选）").select_option(label="横沥第一片区")
    staff.get_by_role("button", name="创建账号").click()
    expect(staff.locator("h1")).to_contain_text("李志华")

    # The month's theme, for the district (the administrator has no station).
    day = local(now()).date() + timedelta(days=2)
    staff.goto(f"/station/themes?year={day.year}")
    month = staff.locator(f"details:has(input[name=month][value='{day.month}'])")
    month.locator("summary").click()
    month.get_by_label("标题").fill("邻里守望月")
    month.get_by_role("button", name="保存主题").click()
    expect(staff.locator(".flash--success")).to_contain_text("已保存")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 1366
    context.close()

    context = browser.new_context(base_url=live_server, **STAFF_SCREEN)
    worker = context.new_page()
    log_in_as(worker, WORKER_PHONE, WORKER_PASSWORD)
    worker.goto("/station/activities/new")
    worker.get_by_label("标题", exact=True).fill("长者探访")
    worker.get_by_label("主题").select_option(label=f"{day.year}年{day.month}月 · 邻里守望月 · 全区")
    worker.get_by_label("村居", exact=True).select_option(label="冯马三村")
    worker.get_by_label("服务类别").select_option(label="扶老助残")
    worker.get_by_label("日期", exact=True).fill(day.isoformat())
    worker.get_by_label("开始时间").fill("09:00")
    worker.get_by_label("结束时间").fill("11:00")
    worker.get_by_label("名额").fill("10")
    worker.get_by_label("状态").select_option(label="已发布")
    worker.get_by_role("button", name="保存活动").click()
    expect(worker.locator(".flash--success")).to_contain_text("长者探访")
    context.close()

    context = browser.new_context(base_url=live_server, **PHONE)
    resident = context.new_page()
    resident.goto("/register")
    resident.get_by_label("真实姓名").fill("陈晓敏")
    resident.get_by_label("手机号码").fill("13800138000")
    resident.get_by_role("button", name="获取验证码").click()
    expect(resident.locator(".flash")).to_contain_text("验证码已发送")
    code = re.search(r"\b(\d{6})\b", texts.to("13800138000")[-1]).group(1)
    resident.get_by_label("短信验证码").fill(code)
    resident.get_by_label("密码").fill("a-long-pass")
    resident.get_by_label("我已阅读并同意").check()
    resident.get_by_role("button", name="注册").click()
    expect(resident.locator(".flash--success")).to_contain_text("陈晓敏")
    resident.goto("/volunteer/profile")
    resident.get_by_label("居住的村居").select_option(label="冯马三村")
    resident.get_by_role("button", name="保存我的资料").click()
    expect(resident.locator(".linked-worker")).to_contain_text("李志华 · 横沥镇社工服务站")
    assert resident.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()

    db.session.rollback()
    worker_user = users.get_by_phone(WORKER_PHONE)
    assert org.home_of(users.get_by_phone("13800138000")).linked_social_worker_id == worker_user.id
    posted = db.session.scalars(select(Activity).where(Activity.created_by_id == worker_user.id))
    assert [(activity.title, activity.theme.title) for activity in posted] \
        == [("长者探访", "邻里守望月")]
