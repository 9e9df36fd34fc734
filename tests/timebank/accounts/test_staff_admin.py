"""Staff administration: creating staff with a post, changing roles and posts, deactivation
(logins refused, tokens revoked, history kept), the last district administrator, and
hand-overs within one station; pages (/admin/staff) and API (/api/v1/admin/staff) alike."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, log_in, page, post_form
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from volunteers.activities import services as activities
from volunteers.activities.models import Activity
from volunteers.checkins import services as checkins
from volunteers.profiles.services import profile_for


@pytest.fixture
def district_admin(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")


@pytest.fixture
def two_stations(make_station, make_staff):
    """Station A with a manager and two social workers, station B with a manager and one."""
    a, b = make_station(), make_station()
    return {"a": a, "b": b,
            "manager_a": make_staff(a, Role.STATION_MANAGER, name="甲站主管"),
            "worker_a": make_staff(a, name="甲站社工"),
            "colleague_a": make_staff(a, name="甲站同事"),
            "manager_b": make_staff(b, Role.STATION_MANAGER, name="乙站主管"),
            "worker_b": make_staff(b, name="乙站社工")}


def audits(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- rules --------------------------------------------------------------------------------

def test_a_station_manager_creates_social_workers_of_their_station_only(two_stations):
    manager, a, b = two_stations["manager_a"], two_stations["a"], two_stations["b"]
    user, password = users.create_staff({"name": "新社工", "phone": "13712345678", "password": None,
                                         "role": "social_worker", "station_id": a.id,
                                         "grid_team_id": a.grid_teams[0].id}, by=manager)
    assert password and user.check_password(password)
    assert org.post_of(user).station_id == a.id and org.post_of(user).grid_team_id == a.grid_teams[0].id
    for data in ({"role": "station_manager", "station_id": a.id},
                 {"role": "social_worker", "station_id": b.id}):
        with pytest.raises(PermissionDenied):
            users.create_staff({"name": "不行", "phone": "13712345679", "password": PASSWORD, **data},
                               by=manager)


def test_a_grid_team_of_another_station_is_refused(two_stations, district_admin):
    with pytest.raises(InvalidInput) as refused:
        users.create_staff({"name": "新社工", "phone": "13712345678", "password": PASSWORD,
                            "role": "social_worker", "station_id": two_stations["a"].id,
                            "grid_team_id": two_stations["b"].grid_teams[0].id}, by=district_admin)
    assert "grid_team_id" in refused.value.fields
    db.session.rollback()
    assert users.get_by_phone("13712345678") is None


def test_a_district_administrator_needs_no_station(district_admin):
    user, _ = users.create_staff({"name": "第二位管理员", "phone": "13712345670", "password": PASSWORD,
                                  "role": "district_admin"}, by=district_admin)
    assert user.role_names == ["district_admin"] and org.post_of(user) is None


def test_a_station_manager_makes_and_unmakes_social_workers_only(two_stations):
    manager, worker = two_stations["manager_a"], two_stations["worker_a"]
    users.change_roles(worker, [], by=manager, reason="调岗")
    assert worker.role_names == ["resident"]
    users.change_roles(worker, ["social_worker"], by=manager, reason="回岗")
    assert "social_worker" in worker.role_names
    with pytest.raises(PermissionDenied):
        users.change_roles(worker, ["station_manager"], by=manager, reason="升职")
    with pytest.raises(PermissionDenied):  # another station's worker
        users.change_roles(two_stations["worker_b"], [], by=manager, reason="调岗")
    with pytest.raises(InvalidInput):
        users.change_roles(worker, [], by=manager, reason=" ")


def test_the_last_active_district_administrator_keeps_the_role(district_admin, make_user):
    with pytest.raises(Conflict) as refused:
        users.change_roles(district_admin, ["social_worker"], by=district_admin, reason="降级")
    assert refused.value.code == "last_district_admin"
    other = make_user(Role.DISTRICT_ADMIN, name="另一位管理员")
    users.deactivate(other, by=district_admin, reason="离职")
    with pytest.raises(Conflict):  # inactive administrators do not count
        users.change_roles(district_admin, [], by=district_admin, reason="降级")


def test_deactivating_the_last_district_administrator_is_refused(district_admin, make_user):
    with pytest.raises(Conflict) as refused:  # only another administrator could: there is none
        users.deactivate(district_admin, by=district_admin, reason="离职")
    assert refused.value.code == "last_district_admin"
    other = make_user(Role.DISTRICT_ADMIN, name="另一位管理员")
    with pytest.raises(PermissionDenied):  # two now, but nobody deactivates themselves
        users.deactivate(district_admin, by=district_admin, reason="离职")
    users.deactivate(district_admin, by=other, reason="换人")
    assert not district_admin.active
    with pytest.raises(Conflict):
        users.change_roles(other, [], by=other, reason="降级")


def test_deactivation_refuses_logins_revokes_tokens_and_keeps_history(client, api_token,
                                                                       two_stations):
    worker, manager = two_stations["worker_a"], two_stations["manager_a"]
    headers = api_token(worker)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    users.deactivate(worker, by=manager, reason="离职")
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert users.authenticate(worker.phone, PASSWORD) is None
    assert client.post("/api/v1/auth/token", json={"phone": worker.phone,
                                                   "password": PASSWORD}).status_code == 401
    assert db.session.get(users.User, worker.id) is not None  # nothing deleted
    [entry] = audits("staff.deactivate")
    assert entry.reason == "离职" and entry.actor_id == manager.id


def test_a_station_manager_cannot_deactivate_another_stations_worker_or_a_manager(two_stations):
    manager = two_stations["manager_a"]
    with pytest.raises(PermissionDenied):
        users.deactivate(two_stations["worker_b"], by=manager, reason="离职")
    with pytest.raises(PermissionDenied):
        users.deactivate(two_stations["manager_b"], by=manager, reason="离职")


@pytest.fixture
def busy_worker(two_stations, make_volunteer, make_activity):
    """Station A's worker with two linked volunteers, an open activity, a finished one with a
    check-out waiting for approval, and a cancelled one."""
    a, worker = two_stations["a"], two_stations["worker_a"]
    first = a.town.communities[0]
    volunteers = [make_volunteer(first, name=f"志愿者{n}") for n in range(2)]
    for volunteer in volunteers:
        profile_for(volunteer).linked_social_worker_id = worker.id
    upcoming = make_activity(a, worker, title="下周探访")
    past = make_activity(a, worker, title="上周探访")
    activities.sign_up(past, volunteers[0])
    past.starts_at -= timedelta(days=8)  # it took place last week
    past.ends_at -= timedelta(days=8)
    checkin, _ = checkins.check_in(past, volunteers[0], at=past.starts_at)
    checkins.check_out(checkin, past, at=past.starts_at + timedelta(minutes=90))
    cancelled = make_activity(a, worker, title="取消的活动")
    cancelled.status = "cancelled"
    decided = make_activity(a, worker, title="上月探访")  # over, every check-in decided
    activities.sign_up(decided, volunteers[1])
    decided.starts_at -= timedelta(days=20)
    decided.ends_at -= timedelta(days=20)
    done, _ = checkins.check_in(decided, volunteers[1], at=decided.starts_at)
    checkins.check_out(done, decided, at=decided.starts_at + timedelta(minutes=60))
    checkins.reject(done, by=worker, reason="未参加")
    db.session.commit()
    return {"worker": worker, "volunteers": volunteers, "upcoming": upcoming, "past": past,
            "cancelled": cancelled, "decided": decided, "checkin": checkin}


def test_a_hand_over_moves_volunteers_open_activities_and_waiting_approvals(two_stations,
                                                                             busy_worker):
    to = two_stations["colleague_a"]
    moved = users.hand_over(busy_worker["worker"], to, by=two_stations["manager_a"], reason="休产假")
    db.session.commit()
    assert moved == {"volunteers": 2, "activities": 2, "approvals": 1, "teams": 0}
    assert {profile_for(v).linked_social_worker_id for v in busy_worker["volunteers"]} == {to.id}
    assert db.session.get(Activity, busy_worker["upcoming"].id).created_by_id == to.id
    assert db.session.get(Activity, busy_worker["past"].id).created_by_id == to.id
    for kept in ("cancelled", "decided"):  # the record of who organised them stays
        assert db.session.get(Activity, busy_worker[kept].id).created_by_id \
            == busy_worker["worker"].id
    [entry] = audits("staff.hand_over")
    assert entry.reason == "休产假" and entry.details["to"] == to.id
    assert entry.details["volunteers"] == 2 and entry.details["approvals"] == 1


def test_a_hand_over_to_another_station_is_refused_and_moves_nothing(two_stations, busy_worker):
    with pytest.raises(InvalidInput) as refused:
        users.hand_over(busy_worker["worker"], two_stations["worker_b"],
                        by=two_stations["manager_a"], reason="交接")
    assert refused.value.code == "other_station"
    db.session.rollback()
    assert profile_for(busy_worker["volunteers"][0]).linked_social_worker_id \
        == busy_worker["worker"].id


def test_deactivation_with_a_hand_over_does_both(two_stations, busy_worker, district_admin):
    to = two_stations["colleague_a"]
    moved = users.deactivate(busy_worker["worker"], by=district_admin, reason="离职",
                             hand_over_to=to)
    db.session.commit()
    assert moved["volunteers"] == 2 and not busy_worker["worker"].active
    assert len(audits("staff.hand_over")) == len(audits("staff.deactivate")) == 1


def test_a_hand_over_to_an_inactive_colleague_is_refused(two_stations, busy_worker):
    colleague, manager = two_stations["colleague_a"], two_stations["manager_a"]
    users.deactivate(colleague, by=manager, reason="离职")
    with pytest.raises(InvalidInput):
        users.hand_over(busy_worker["worker"], colleague, by=manager, reason="交接")


def test_the_list_shows_a_station_manager_their_own_station_only(two_stations, district_admin):
    mine = db.session.scalars(users.staff_statement(two_stations["manager_a"])).all()
    assert {user.name for user in mine} == {"甲站主管", "甲站社工", "甲站同事"}
    everyone = db.session.scalars(users.staff_statement(district_admin)).all()
    assert len(everyone) == 6
    found = db.session.scalars(users.staff_statement(district_admin, "乙站")).all()
    assert {user.name for user in found} == {"乙站主管", "乙站社工"}
    by_phone = db.session.scalars(users.staff_statement(district_admin,
                                                        two_stations["worker_b"].phone)).all()
    assert by_phone == [two_stations["worker_b"]]


# --- pages ------------------------------------------------------------------------------

def test_a_district_administrator_creates_a_social_worker_through_the_page(client, two_stations,
                                                                           district_admin):
    log_in(client, district_admin)
    a = two_stations["a"]
    response = post_form(client, "/admin/staff/new", {
        "name": "新来的社工", "phone": "137 1234 5678", "password": "", "role": "social_worker",
        "station_id": str(a.id), "grid_team_id": str(a.grid_teams[0].id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "新来的社工" in html and "generated-password" in html
    user = users.get_by_phone("13712345678")
    assert org.post_of(user).station_id == a.id
    assert "新来的社工" in page(client, "/admin/staff/?q=新来")


def test_a_bad_form_shows_errors_and_creates_nobody(client, two_stations, district_admin):
    log_in(client, district_admin)
    response = post_form(client, "/admin/staff/new", {
        "name": "新社工", "phone": "12345", "password": "", "role": "social_worker",
        "station_id": ""}, page="/admin/staff/new")
    assert response.status_code == 422
    response = post_form(client, "/admin/staff/new", {
        "name": "新社工", "phone": "13712345678", "password": "", "role": "social_worker",
        "station_id": ""}, page="/admin/staff/new")
    assert response.status_code == 422
    assert users.get_by_phone("13712345678") is None


def test_a_station_manager_sees_and_manages_their_station_only(client, two_stations):
    log_in(client, two_stations["manager_a"])
    html = page(client, "/admin/staff/")
    assert "甲站社工" in html and "乙站社工" not in html
    page(client, f"/admin/staff/{two_stations['worker_a'].id}")
    page(client, f"/admin/staff/{two_stations['worker_b'].id}", 403)
    response = post_form(client, f"/admin/staff/{two_stations['worker_b'].id}/deactivate",
                         {"reason": "离职"}, page="/admin/staff/")
    assert response.status_code == 403
    assert db.session.get(users.User, two_stations["worker_b"].id).active


def test_a_social_worker_is_refused_the_staff_pages(client, two_stations):
    log_in(client, two_stations["worker_a"])
    page(client, "/admin/staff/", 403)
    page(client, "/admin/staff/new", 403)


def test_the_hand_over_page_says_what_moved(client, two_stations, busy_worker):
    log_in(client, two_stations["manager_a"])
    url = f"/admin/staff/{busy_worker['worker'].id}"
    response = post_form(client, f"{url}/hand-over", {
        "to_user_id": str(two_stations["colleague_a"].id), "reason": "休假交接"}, page=url,
        follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2" in html and ("Moved 2 volunteers, 2 activities and 1 approvals." in html
                            or "已转交 2 名志愿者、2 项活动和 1 项待审核" in html)


def test_a_role_change_without_a_reason_is_refused_on_the_page(client, two_stations):
    log_in(client, two_stations["manager_a"])
    worker = two_stations["worker_a"]
    url = f"/admin/staff/{worker.id}"
    response = post_form(client, f"{url}/roles", {"roles": [], "reason": ""}, page=url)
    assert response.status_code == 422
    assert db.session.get(users.User, worker.id).role_names == ["social_worker"]


# --- API --------------------------------------------------------------------------------

def test_the_api_creates_lists_and_deactivates_staff(client, api_token, two_stations,
                                                     district_admin):
    headers = api_token(district_admin)
    a = two_stations["a"]
    created = client.post("/api/v1/admin/staff", headers=headers, json={
        "name": "接口社工", "phone": "13712340000", "role": "social_worker", "station_id": a.id})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["password"] and body["station_id"] == a.id and body["active"] is True
    listed = client.get("/api/v1/admin/staff?q=接口", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    refused = client.post(f"/api/v1/admin/staff/{body['id']}/deactivate", headers=headers, json={})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    done = client.post(f"/api/v1/admin/staff/{body['id']}/deactivate", headers=headers,
                       json={"reason": "试用结束"})
    assert done.status_code == 200 and done.get_json()["staff"]["active"] is False


def test_the_api_refuses_the_last_district_administrators_deactivation(client, api_token,
                                                                       district_admin, make_user):
    other = make_user(Role.DISTRICT_ADMIN, name="另一位")
    headers = api_token(other)
    response = client.put(f"/api/v1/admin/staff/{district_admin.id}/roles", headers=headers,
                           json={"roles": ["station_manager"], "reason": "降级"})
    assert response.status_code == 422  # a station manager needs a post: refused first
    users.deactivate(other, by=district_admin, reason="离职")
    db.session.commit()
    third = make_user(Role.DISTRICT_ADMIN, name="第三位")
    response = client.post(f"/api/v1/admin/staff/{district_admin.id}/deactivate",
                           headers=api_token(third), json={"reason": "离职"})
    assert response.status_code == 200
    response = client.post(f"/api/v1/admin/staff/{third.id}/deactivate",
                           headers=api_token(third), json={"reason": "离职"})
    assert response.status_code == 409  # the last active district administrator
    assert response.get_json()["error"]["code"] == "last_district_admin"
    db.session.rollback()
    assert db.session.get(users.User, third.id).active


def test_the_api_station_manager_cannot_promote_and_a_worker_is_refused(client, api_token,
                                                                        two_stations):
    worker = two_stations["worker_a"]
    response = client.put(f"/api/v1/admin/staff/{worker.id}/roles",
                          headers=api_token(two_stations["manager_a"]),
                          json={"roles": ["station_manager"], "reason": "升职"})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"]
    response = client.get("/api/v1/admin/staff", headers=api_token(worker))
    assert response.status_code == 403


def test_the_api_hand_over_to_another_station_is_a_field_error(client, api_token, two_stations,
                                                               busy_worker):
    response = client.post(f"/api/v1/admin/staff/{busy_worker['worker'].id}/hand-over",
                           headers=api_token(two_stations["manager_a"]),
                           json={"to_user_id": two_stations["worker_b"].id, "reason": "交接"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "other_station"
    ok = client.post(f"/api/v1/admin/staff/{busy_worker['worker'].id}/hand-over",
                     headers=api_token(two_stations["manager_a"]),
                     json={"to_user_id": two_stations["colleague_a"].id, "reason": "交接"})
    assert ok.status_code == 200
    assert ok.get_json() == {"volunteers": 2, "activities": 2, "approvals": 1, "teams": 0}


def test_the_api_moves_a_post_within_the_station(client, api_token, two_stations, district_admin):
    worker = two_stations["worker_a"]
    b = two_stations["b"]
    response = client.put(f"/api/v1/admin/staff/{worker.id}/post", headers=api_token(district_admin),
                          json={"station_id": b.id, "grid_team_id": b.grid_teams[0].id})
    assert response.status_code == 200 and response.get_json()["station_id"] == b.id
    [entry] = audits("staff.post")
    assert entry.details["new"]["station_id"] == b.id


def test_a_staff_members_page_gives_them_a_reset_code(client, two_stations, district_admin):
    """Imported staff have no password: the administrator gives them a one-time code from their
    page. A station manager may give one to their social workers, not to another manager."""
    worker, manager = two_stations["worker_a"], two_stations["manager_a"]
    log_in(client, district_admin)
    staff_page = page(client, f"/admin/staff/{worker.id}")
    assert f"/staff/members/{worker.id}/password-reset" in staff_page
    issued = post_form(client, f"/staff/members/{worker.id}/password-reset",
                       {"reason": "导入的账号"}, page=f"/admin/staff/{worker.id}")
    assert issued.status_code == 200 and "24" in issued.get_data(as_text=True)
    assert audits("user.password_reset_code")[-1].subject == f"user:{worker.id}"
    manager_client = client.application.test_client()
    log_in(manager_client, manager)
    assert "password-reset" in page(manager_client, f"/admin/staff/{worker.id}")
    assert "password-reset" not in page(manager_client, f"/admin/staff/{manager.id}")
