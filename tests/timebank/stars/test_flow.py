"""Star levels through HTTP: a volunteer applies from 我的时间 or the API, the station manager
awards or declines on the station page or the API, and the level shows where it should."""

from sqlalchemy import select

from tests.conftest import page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.notifications.models import Notification
from timebank.stars.models import StarApplication


def test_apply_at_100_hours_then_the_manager_awards_and_it_shows(
        client, login, volunteer, manager, serve, station):
    serve(volunteer, 100)
    login(volunteer)
    mine = page(client, "/hours/")
    assert "已服务 100 小时，可申请一星志愿者" in mine and "0 星" not in mine
    response = post_form(client, "/stars/apply", {}, page="/hours/")
    assert response.status_code == 302
    mine = page(client, "/hours/")
    assert "您已申请一星志愿者" in mine

    post_form(client, "/logout", {}, page="/hours/")
    login(manager)
    inbox = page(client, "/station/stars/")
    assert "陈晓敏" in inbox and "一星志愿者" in inbox and "100小时" in inbox
    nav = page(client, "/pools/grants")
    assert f'href="/station/stars/?station_id={station.id}">星级评定 <span class="badge"' in nav
    application = db.session.scalar(select(StarApplication))
    response = post_form(client, f"/station/stars/{application.id}/award", {},
                         page="/station/stars/")
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEntry.actor_id).where(
        AuditEntry.action == "stars.award")) == manager.id

    post_form(client, "/logout", {}, page="/hours/")
    login(volunteer)
    mine = page(client, "/hours/")
    assert "★</span> 一星志愿者" in mine and "评定于2026年12月16日" in mine
    assert "再服务 200 小时可申请二星志愿者" in mine
    me = client.get("/api/v1/accounts/me").get_json()
    assert (me["stars"], me["star_level_eligible"]) == (1, 0) and me["star_awarded_at"]
    profile = page(client, "/volunteer/profile")
    assert "一星志愿者" in profile


def test_nothing_is_shown_as_a_level_before_one_is_awarded(client, login, volunteer, serve):
    serve(volunteer, 40)
    login(volunteer)
    mine = page(client, "/hours/")
    assert "再服务 60 小时可申请一星志愿者" in mine
    assert "0 星" not in mine and 'class="star-level"' not in mine
    me = client.get("/api/v1/accounts/me").get_json()
    assert (me["stars"], me["star_level_eligible"], me["star_awarded_at"]) == (0, 0, None)


def test_the_api_applies_and_refuses_below_the_threshold_and_a_second_time(
        client, api_token, volunteer, serve):
    headers = api_token(volunteer)
    serve(volunteer, 99, 30)
    response = client.post("/api/v1/me/star-applications", headers=headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "star_level_not_reached" and "30分钟" in error["message"]
    serve(volunteer, 0, 30)
    response = client.post("/api/v1/me/star-applications", headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert {key: body[key] for key in ("level", "status", "hours_served_minutes")} == {
        "level": 1, "status": "pending", "hours_served_minutes": 6000}
    assert isinstance(body["id"], int)
    again = client.post("/api/v1/me/star-applications", headers=headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "star_application_pending"
    mine = client.get("/api/v1/me/star-applications", headers=headers).get_json()
    assert [item["id"] for item in mine["items"]] == [body["id"]] and mine["total"] == 1


def test_a_social_worker_awarding_is_told_who_may(client, api_token, volunteer, serve, station,
                                                   make_staff):
    worker = make_staff(station, Role.SOCIAL_WORKER)
    serve(volunteer, 100)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    response = client.post(f"/api/v1/star-applications/{applied['id']}/award", json={},
                           headers=api_token(worker))
    assert response.status_code == 403
    assert "项目主管" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/star-applications", headers=api_token(worker)).status_code == 403
    assert db.session.scalar(select(StarApplication.status)) == "pending"


def test_another_stations_manager_is_refused(client, api_token, volunteer, serve, make_station,
                                             make_staff):
    other = make_staff(make_station(), Role.STATION_MANAGER)
    serve(volunteer, 100)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    headers = api_token(other)
    assert client.post(f"/api/v1/star-applications/{applied['id']}/award", json={},
                       headers=headers).status_code == 403
    assert client.get("/api/v1/star-applications", headers=headers).get_json()["items"] == []


def test_the_manager_lists_and_declines_through_the_api_and_the_volunteer_is_told_why(
        client, api_token, volunteer, manager, serve):
    serve(volunteer, 150)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    headers = api_token(manager)
    pending = client.get("/api/v1/star-applications", headers=headers).get_json()
    assert [(item["id"], item["user_name"], item["served_now_minutes"])
            for item in pending["items"]] == [(applied["id"], "陈晓敏", 9000)]
    no_reason = client.post(f"/api/v1/star-applications/{applied['id']}/decline", json={},
                            headers=headers)
    assert no_reason.status_code == 422
    response = client.post(f"/api/v1/star-applications/{applied['id']}/decline",
                           json={"reason": "部分时长为捐赠所得，待核实"}, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "declined"
    told = db.session.scalar(select(Notification).where(Notification.user_id == volunteer.id))
    assert told.title == "星级评定未通过：一星志愿者" and "部分时长为捐赠所得，待核实" in told.body
    assert db.session.scalar(select(AuditEntry.reason).where(
        AuditEntry.action == "stars.decline")) == "部分时长为捐赠所得，待核实"
    again = client.post(f"/api/v1/star-applications/{applied['id']}/award", json={},
                        headers=headers)
    assert again.status_code == 409


def test_the_declined_reason_shows_on_my_hours(client, login, volunteer, manager, serve,
                                               api_token):
    serve(volunteer, 100)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    client.post(f"/api/v1/star-applications/{applied['id']}/decline",
                json={"reason": "服务记录待核实"}, headers=api_token(manager))
    login(volunteer)
    mine = page(client, "/hours/")
    assert "服务记录待核实" in mine and "申请一星志愿者" in mine


def test_an_award_after_the_hours_were_reversed_is_refused(client, api_token, volunteer, manager,
                                                           serve):
    from timebank.ledger import services as ledger

    transfer = serve(volunteer, 100)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    ledger.reverse(transfer, "重复记录")
    db.session.commit()
    response = client.post(f"/api/v1/star-applications/{applied['id']}/award", json={},
                           headers=api_token(manager))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "star_level_not_reached"


def test_the_station_volunteers_page_shows_the_awarded_level(client, login, volunteer, manager,
                                                             serve, api_token):
    serve(volunteer, 300)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    client.post(f"/api/v1/star-applications/{applied['id']}/award", json={},
                headers=api_token(manager))
    login(manager)
    listed = page(client, "/station/volunteers?q=陈晓敏")
    assert "★★</span> 二星志愿者" in listed


def test_the_station_page_declines_with_a_reason_and_not_without(client, login, volunteer,
                                                                 manager, serve, api_token):
    serve(volunteer, 100)
    applied = client.post("/api/v1/me/star-applications", headers=api_token(volunteer)).get_json()
    login(manager)
    url = f"/station/stars/{applied['id']}/decline"
    post_form(client, url, {"reason": ""}, page="/station/stars/")
    assert db.session.scalar(select(StarApplication.status)) == "pending"
    post_form(client, url, {"reason": "服务记录待核实"}, page="/station/stars/")
    db.session.expire_all()
    assert db.session.scalar(select(StarApplication.status)) == "declined"
    shown = page(client, "/station/stars/")
    assert "暂无待评定的申请" in shown and "未通过" in shown and "服务记录待核实" in shown


def test_a_social_worker_has_no_star_levels_page_nor_link(client, login, station, make_staff):
    worker = make_staff(station, Role.SOCIAL_WORKER)
    login(worker)
    assert client.get("/station/stars/").status_code == 403
    assert "星级评定" not in page(client, "/pools/grants")
