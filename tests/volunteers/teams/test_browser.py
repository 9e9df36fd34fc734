"""In a browser: on phones (390×844) a volunteer asks to join a team and its captain accepts
and signs the team up for an activity; at the station's desk (1366×900) staff create a team.
``SHOTS=/some/dir`` keeps the screenshots."""

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import PHONE, log_in_on
from timebank.extensions import db
from volunteers.activities import services as activities
from volunteers.teams.models import TeamSignUp, VolunteerTeam

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SHOTS")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/teams-{name}.png", full_page=True)


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_volunteer_asks_to_join_and_the_captain_signs_the_team_up(
        browser, live_server, phone, crew, make_volunteer):
    team, captain, activity = crew["team"], crew["captain"], crew["activity"]
    newcomer = make_volunteer(crew["station"].town.communities[0], name="新队员")

    log_in_on(phone, newcomer)
    phone.goto("/volunteer/teams")
    expect(phone.get_by_role("heading", name="本站服务队")).to_be_visible()
    phone.get_by_role("link", name="蒲公英志愿服务队").click()
    expect(phone.get_by_role("heading", name="蒲公英志愿服务队")).to_be_visible()
    expect(phone.get_by_text("张队长")).to_be_visible()
    phone.get_by_label("给队长留言（选填）").fill("我会做饭")
    shot(phone, "team-390")
    fits(phone, 390)
    phone.get_by_role("button", name="申请加入").click()
    expect(phone.get_by_text("申请已提交").first).to_be_visible()
    expect(phone.get_by_role("button", name="申请加入")).to_have_count(0)

    context = browser.new_context(base_url=live_server, **PHONE)
    captain_phone = context.new_page()
    log_in_on(captain_phone, captain)
    captain_phone.goto(f"/volunteer/teams/{team.id}")
    request = captain_phone.locator(".join-request", has_text="新队员")
    expect(request).to_contain_text("我会做饭")
    request.get_by_role("button", name="通过").click()
    expect(captain_phone.get_by_text("已通过：新队员 成为队员。")).to_be_visible()

    captain_phone.get_by_label("报名人数（1 至 50 人）").fill("4")
    captain_phone.get_by_label("张队长").check()
    captain_phone.get_by_label("新队员").check()
    shot(captain_phone, "signup-390")
    fits(captain_phone, 390)
    captain_phone.get_by_role("button", name="服务队报名").click()
    expect(captain_phone.get_by_text("共 4 个名额").first).to_be_visible()
    expect(captain_phone.locator(".team-signup", has_text="长者饭堂帮厨")).to_contain_text("新队员")
    fits(captain_phone, 390)
    shot(captain_phone, "signed-up-390")
    context.close()

    db.session.rollback()
    entry = db.session.scalar(select(TeamSignUp))
    assert entry.party_size == 4
    assert activities.places_taken([activity.id])[activity.id] == 4
    assert activities.live_sign_up(activity, newcomer).team_sign_up_id == entry.id


def test_staff_create_a_team_at_the_desk(desk, crew):
    log_in_on(desk, crew["worker"])
    desk.goto("/station/teams")
    expect(desk.get_by_role("heading", name="志愿服务队", exact=True)).to_be_visible()
    desk.get_by_label("服务队名称").fill("晨曦志愿服务队")
    desk.get_by_label("服务队简介").fill("周末助学")
    shot(desk, "station-1366")
    desk.get_by_role("button", name="创建服务队").click()
    expect(desk.get_by_text("服务队“晨曦志愿服务队”已创建。")).to_be_visible()
    desk.get_by_label("按手机号添加队员").fill(crew["members"][0].phone)
    desk.get_by_role("button", name="添加", exact=True).click()
    expect(desk.get_by_text("已添加队员。")).to_be_visible()
    desk.get_by_label("队长", exact=True).select_option(label="王小明")
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_text("服务队已保存。")).to_be_visible()
    shot(desk, "team-1366")
    fits(desk, 1366)
    db.session.rollback()
    team = db.session.scalar(select(VolunteerTeam).where(VolunteerTeam.name == "晨曦志愿服务队"))
    assert team.captain_id == crew["members"][0].id and team.leader_id == crew["worker"].id
