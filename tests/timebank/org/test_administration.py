"""The district sets itself up: towns, communities, agencies, stations, service points and grid
teams, through the services, the pages and the API, each change audited with who and why."""

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from tests.conftest import csrf_token, log_in, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.extensions import db
from timebank.org import services as org
from timebank.org.schemas import AgencyFormSchema

CREDIT_CODE = "91110000600037341L"  # a valid 统一社会信用代码
OTHER_CODE = "91440115MA5CXXXX1X"


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


@pytest.fixture
def admin(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")


# --- the rules --------------------------------------------------------------------------------

def test_a_town_name_is_taken_once_and_changes_need_a_reason(app, admin):
    town = org.create_town({"name": "横沥镇"}, by=admin)
    with pytest.raises(Conflict) as taken:
        org.create_town({"name": "横沥镇"}, by=admin)
    assert "name" in taken.value.fields
    with pytest.raises(InvalidInput) as unexplained:
        org.update_town(town, {"name": "横沥街"}, by=admin, reason="")
    assert "reason" in unexplained.value.fields
    org.update_town(town, {"name": "横沥街"}, by=admin, reason="撤镇设街")
    [entry] = audit_rows("org.town.update")
    assert entry.actor_id == admin.id and entry.reason == "撤镇设街"
    assert entry.details == {"changes": {"name": ["横沥镇", "横沥街"]}}
    assert audit_rows("org.town.create")[0].subject == f"towns:{town.id}"


def test_only_the_district_sets_up_towns_communities_and_agencies(app, make_station, make_staff):
    station = make_station()
    manager = make_staff(station, Role.STATION_MANAGER)
    with pytest.raises(PermissionDenied):
        org.create_town({"name": "新镇"}, by=manager)
    with pytest.raises(PermissionDenied):
        org.create_community({"town_id": station.town_id, "name": "新村"}, by=manager)
    with pytest.raises(PermissionDenied):
        org.create_agency({"name": "某社工中心", "credit_code": CREDIT_CODE}, by=manager)


def test_community_names_are_unique_within_their_town(app, admin):
    first = org.create_town({"name": "甲镇"}, by=admin)
    second = org.create_town({"name": "乙镇"}, by=admin)
    org.create_community({"town_id": first.id, "name": "新村"}, by=admin)
    org.create_community({"town_id": second.id, "name": "新村"}, by=admin)  # another town: fine
    with pytest.raises(Conflict):
        org.create_community({"town_id": first.id, "name": "新村"}, by=admin)
    with pytest.raises(InvalidInput) as unknown:
        org.create_community({"town_id": 999999, "name": "新村"}, by=admin)
    assert "town_id" in unknown.value.fields


def test_an_agency_has_a_valid_credit_code_and_a_contract_that_ends_after_it_starts(app, admin):
    schema = AgencyFormSchema()
    assert schema.validate({"name": "某社工中心", "credit_code": "91110000600037341M"}) \
        .keys() == {"credit_code"}
    assert schema.load({"name": " 某社工中心 ", "credit_code": CREDIT_CODE.lower()}) \
        == {"name": "某社工中心", "credit_code": CREDIT_CODE, "contact_name": "",
            "contact_phone": "", "contract_start": None, "contract_end": None, "reason": ""}
    with pytest.raises(InvalidInput) as backwards:
        org.create_agency(schema.load({"name": "某社工中心", "credit_code": CREDIT_CODE,
                                       "contract_start": "2027-01-01",
                                       "contract_end": "2026-12-31"}), by=admin)
    assert "contract_end" in backwards.value.fields
    agency = org.create_agency({"name": "某社工中心", "credit_code": CREDIT_CODE}, by=admin)
    with pytest.raises(Conflict) as taken:
        org.create_agency({"name": "另一中心", "credit_code": CREDIT_CODE}, by=admin)
    assert "credit_code" in taken.value.fields
    assert agency.stations == []


def test_a_town_has_one_station_and_its_manager_keeps_its_details(app, admin, make_station,
                                                                 make_staff):
    agency = org.create_agency({"name": "某社工中心", "credit_code": CREDIT_CODE}, by=admin)
    town = org.create_town({"name": "榄核镇"}, by=admin)
    station = org.create_station({"town_id": town.id, "name": "榄核镇社工服务站",
                                  "agency_id": agency.id, "opening_hours": "周一至周五"}, by=admin)
    assert station.agency is agency and station.opening_hours == "周一至周五"
    with pytest.raises(Conflict):
        org.create_station({"town_id": town.id, "name": "第二个站"}, by=admin)
    manager = make_user_at(make_staff, station, Role.STATION_MANAGER)
    org.update_station(station, {"phone": "020-1234", "agency_id": agency.id}, by=manager,
                       reason="换了电话")  # the agency is unchanged: only details change
    assert station.phone == "020-1234"
    with pytest.raises(PermissionDenied):
        org.update_station(station, {"agency_id": None}, by=manager, reason="换机构")
    other = make_station()
    with pytest.raises(PermissionDenied):
        org.update_station(other, {"phone": "1"}, by=manager, reason="试试")
    worker = make_user_at(make_staff, station, Role.SOCIAL_WORKER)
    with pytest.raises(PermissionDenied):
        org.update_station(station, {"phone": "2"}, by=worker, reason="试试")


def make_user_at(make_staff, station, role):
    return make_staff(station, role, name="工作人员")


def test_a_grid_team_covers_only_its_own_towns_communities(app, admin, make_station, make_staff):
    station, other = make_station(communities=3), make_station()
    mine = [community.id for community in station.town.communities]
    manager = make_user_at(make_staff, station, Role.STATION_MANAGER)
    team = org.create_grid_team({"station_id": station.id, "name": "北片",
                                 "community_ids": [mine[2], mine[0], mine[0]]}, by=manager)
    assert sorted(community.id for community in team.communities) == [mine[0], mine[2]]
    stranger = other.town.communities[0].id
    with pytest.raises(InvalidInput) as refused:
        org.update_grid_team(team, {"community_ids": [mine[1], stranger]}, by=manager,
                             reason="调整")
    assert str(stranger) in refused.value.fields["community_ids"][0]
    org.update_grid_team(team, {"community_ids": [mine[1]]}, by=manager, reason="调整片区")
    assert [community.id for community in team.communities] == [mine[1]]
    assert audit_rows("org.grid_team.update")[-1].details == {
        "changes": {"community_ids": [sorted([mine[0], mine[2]]), [mine[1]]]}}
    with pytest.raises(PermissionDenied):
        org.create_grid_team({"station_id": other.id, "name": "越界"}, by=manager)
    with pytest.raises(Conflict):
        org.create_grid_team({"station_id": station.id, "name": "北片"}, by=admin)


def test_a_service_point_per_community_by_its_stations_manager(app, admin, make_station,
                                                               make_staff):
    station, other = make_station(), make_station()
    community = org.create_community({"town_id": station.town_id, "name": "新社区"}, by=admin)
    manager = make_user_at(make_staff, other, Role.STATION_MANAGER)
    with pytest.raises(PermissionDenied):
        org.create_service_point({"community_id": community.id, "name": "服务点"}, by=manager)
    point = org.create_service_point({"community_id": community.id, "name": "新社区服务点"},
                                     by=admin)
    with pytest.raises(Conflict):
        org.create_service_point({"community_id": community.id, "name": "又一个"}, by=admin)
    town = org.create_town({"name": "无站镇"}, by=admin)
    lonely = org.create_community({"town_id": town.id, "name": "孤村"}, by=admin)
    with pytest.raises(InvalidInput) as no_station:
        org.create_service_point({"community_id": lonely.id, "name": "服务点"}, by=admin)
    assert "community_id" in no_station.value.fields
    assert point.community is community


# --- the pages --------------------------------------------------------------------------------

def test_the_district_sets_up_a_town_through_the_pages(client, admin):
    log_in(client, admin)
    assert "横沥镇" not in page(client, "/admin/towns")
    assert post_form(client, "/admin/towns", {"name": "横沥镇"}).status_code == 302
    town = db.session.scalar(select(org.Town).where(org.Town.name == "横沥镇"))
    post_form(client, "/admin/communities", {"town_id": town.id, "name": "冯马三村"})
    post_form(client, "/admin/agencies", {"name": "南沙社工中心", "credit_code": CREDIT_CODE,
                                          "contact_name": "陈主任", "contact_phone": "020-8888",
                                          "contract_start": "2026-01-01",
                                          "contract_end": "2028-12-31"})
    agency = db.session.scalar(select(org.Agency))
    response = post_form(client, "/admin/stations", {
        "town_id": town.id, "name": "横沥镇社工服务站", "address": "横沥镇政府旁",
        "phone": "020-1111", "opening_hours": "周一至周五 9:00-18:00", "agency_id": agency.id})
    assert response.status_code == 302
    station = town.station
    community = town.communities[0]
    post_form(client, "/admin/service-points", {"community_id": community.id,
                                                "name": "冯马三村服务点"})
    response = client.post("/admin/grid-teams", data={
        "station_id": station.id, "name": "第一片区", "community_ids": [community.id],
        "csrf_token": csrf_token(client, "/admin/grid-teams")})
    assert response.status_code == 302
    listing = page(client, "/admin/grid-teams")
    assert "第一片区" in listing and "冯马三村" in listing
    assert "南沙社工中心" in page(client, "/admin/stations")
    assert "2026-01-01 – 2028-12-31" in page(client, "/admin/agencies")
    actions = [entry.action for entry in db.session.scalars(select(AuditEntry)
                                                            .order_by(AuditEntry.id))]
    assert [action for action in actions if action.startswith("org.")] == [
        "org.town.create", "org.community.create", "org.agency.create", "org.station.create",
        "org.service_point.create", "org.grid_team.create"]


def test_a_change_without_a_reason_is_shown_again_with_nothing_changed(client, admin):
    log_in(client, admin)
    town = org.create_town({"name": "旧名镇"}, by=admin)
    db.session.commit()
    response = post_form(client, f"/admin/towns/{town.id}", {"name": "新名镇"})
    assert response.status_code == 422
    assert "请说明修改的原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert town.name == "旧名镇"
    response = post_form(client, f"/admin/towns/{town.id}", {"name": "新名镇", "reason": "更名"})
    assert response.status_code == 302
    db.session.expire_all()
    assert town.name == "新名镇"


def test_bad_input_is_shown_beside_the_form_and_nothing_is_written(client, admin):
    log_in(client, admin)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = post_form(client, "/admin/agencies", {"name": "", "credit_code": "12345"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 2
    response = post_form(client, "/admin/stations", {"town_id": "999999", "name": "无处"})
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(org.Agency)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_lists_are_searchable_and_paginated(client, admin):
    for number in range(35):
        org.create_town({"name": f"测试镇{number:02d}"}, by=admin)
    org.create_town({"name": "黄阁镇"}, by=admin)
    db.session.commit()
    log_in(client, admin)
    first = page(client, "/admin/towns")
    assert "1 / 2" in first and "测试镇00" in first and "黄阁镇" not in first
    assert "黄阁镇" in page(client, "/admin/towns?page=2")
    found = page(client, "/admin/towns?q=黄阁")
    assert "黄阁镇" in found and "测试镇00" not in found


def test_who_sees_which_administration_pages(client, make_station, make_staff):
    station, other = make_station(), make_station()
    manager = make_staff(station, Role.STATION_MANAGER)
    log_in(client, manager)
    index = page(client, "/admin/")
    assert "/admin/stations" in index and "/admin/towns" not in index
    page(client, "/admin/towns", 403)
    page(client, "/admin/agencies", 403)
    stations = page(client, "/admin/stations")
    assert station.name in stations and other.name not in stations
    page(client, f"/admin/stations/{station.id}")
    page(client, f"/admin/stations/{other.id}", 403)
    page(client, f"/admin/grid-teams/{other.grid_teams[0].id}", 403)
    page(client, f"/admin/grid-teams/{station.grid_teams[0].id}")
    response = post_form(client, f"/admin/stations/{other.id}",
                         {"name": other.name, "phone": "1", "reason": "试"},
                         page=f"/admin/stations/{station.id}")
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    worker = make_staff(station, Role.SOCIAL_WORKER, name="社工乙")
    log_in(client, worker)
    page(client, "/admin/", 403)
    page(client, "/admin/grid-teams", 403)


# --- the API ----------------------------------------------------------------------------------

def test_the_api_sets_up_and_changes_with_a_reason(client, admin, api_token):
    headers = api_token(admin)
    town = client.post("/api/v1/admin/towns", json={"name": "大岗镇"}, headers=headers)
    assert town.status_code == 201 and town.get_json()["station_id"] is None
    town_id = town.get_json()["id"]
    agency = client.post("/api/v1/admin/agencies", json={
        "name": "大岗社工中心", "credit_code": CREDIT_CODE, "contract_start": "2026-01-01"},
        headers=headers)
    assert agency.status_code == 201
    station = client.post("/api/v1/admin/stations", json={
        "town_id": town_id, "name": "大岗镇社工服务站", "agency_id": agency.get_json()["id"]},
        headers=headers)
    assert station.status_code == 201, station.get_json()
    station_id = station.get_json()["id"]
    community = client.post("/api/v1/admin/communities",
                            json={"town_id": town_id, "name": "大岗社区"}, headers=headers)
    team = client.post("/api/v1/admin/grid-teams", json={
        "station_id": station_id, "name": "大岗片区",
        "community_ids": [community.get_json()["id"]]}, headers=headers)
    assert team.status_code == 201
    assert team.get_json()["community_ids"] == [community.get_json()["id"]]
    unexplained = client.patch(f"/api/v1/admin/stations/{station_id}",
                               json={"opening_hours": "周一至周六"}, headers=headers)
    assert unexplained.status_code == 422 and "reason" in unexplained.get_json()["error"]["fields"]
    changed = client.patch(f"/api/v1/admin/stations/{station_id}",
                           json={"opening_hours": "周一至周六", "town_id": 1, "reason": "延长"},
                           headers=headers)
    assert changed.status_code == 200
    assert changed.get_json()["opening_hours"] == "周一至周六"
    assert changed.get_json()["town_id"] == town_id  # where a station is does not change
    listing = client.get("/api/v1/admin/towns?q=大岗", headers=headers).get_json()
    assert listing["total"] == 1 and listing["items"][0]["station_id"] == station_id
    assert client.post("/api/v1/admin/towns", json={"name": "大岗镇"},
                       headers=headers).status_code == 409
    assert client.post("/api/v1/admin/agencies", json={"name": "x", "credit_code": "bad"},
                       headers=headers).status_code == 422
    assert client.patch("/api/v1/admin/towns/999999", json={"name": "x", "reason": "y"},
                        headers=headers).status_code == 404


def test_the_api_keeps_station_managers_to_their_own_station(client, make_station, make_staff,
                                                             api_token):
    station, other = make_station(), make_station()
    headers = api_token(make_staff(station, Role.STATION_MANAGER))
    assert client.get("/api/v1/admin/towns", headers=headers).status_code == 403
    listing = client.get("/api/v1/admin/stations", headers=headers).get_json()
    assert [row["id"] for row in listing["items"]] == [station.id]
    teams = client.get("/api/v1/admin/grid-teams", headers=headers).get_json()
    assert {row["station_id"] for row in teams["items"]} == {station.id}
    assert client.patch(f"/api/v1/admin/stations/{other.id}",
                        json={"phone": "1", "reason": "试"}, headers=headers).status_code == 403
    assert client.post("/api/v1/admin/grid-teams", json={"station_id": other.id, "name": "越界"},
                       headers=headers).status_code == 403
    worker = make_staff(station, Role.SOCIAL_WORKER, name="社工丙")
    assert client.get("/api/v1/admin/stations",
                      headers=api_token(worker)).status_code == 403


def test_a_form_with_nothing_to_choose_says_what_to_set_up_first(client, admin):
    log_in(client, admin)
    communities = page(client, "/admin/communities")
    assert "请先添加镇街。" in communities and 'name="town_id"' not in communities
    assert "请先添加社工站。" in page(client, "/admin/grid-teams")
    org.create_town({"name": "黄阁镇"}, by=admin)
    db.session.commit()
    assert 'name="town_id"' in page(client, "/admin/communities")


def test_a_station_manager_without_a_post_administers_nothing(client, make_user, make_station,
                                                              api_token):
    make_station()
    manager = make_user(Role.STATION_MANAGER, name="未分配主管")
    headers = api_token(manager)
    assert client.get("/api/v1/admin/grid-teams", headers=headers).status_code == 403
    log_in(client, manager)
    refused = client.get("/admin/grid-teams")
    assert refused.status_code == 403 and "您还没有分配到社工站" in refused.get_data(as_text=True)


# --- the public station directory -------------------------------------------------------------

def test_anyone_reads_the_station_directory_without_personal_data(client, admin, make_station,
                                                                  make_staff):
    station = make_station()
    make_staff(station, name="李社工")
    agency = org.create_agency({"name": "启明社工中心", "credit_code": CREDIT_CODE}, by=admin)
    org.update_station(station, {"opening_hours": "周一至周五 9:00-18:00", "agency_id": agency.id,
                                 "phone": "020-8888"}, by=admin, reason="登记")
    make_station()
    db.session.commit()
    listing = client.get("/api/v1/stations?per_page=1")
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] == 2 and body["per_page"] == 1
    [first] = body["items"]
    assert first == {
        "id": station.id, "name": station.name, "town": station.town.name,
        "address": "", "phone": "020-8888", "opening_hours": "周一至周五 9:00-18:00",
        "agency": "启明社工中心",
        "service_points": [{"id": community.service_point.id,
                            "name": community.service_point.name, "community_id": community.id}
                           for community in station.town.communities]}
    second = client.get("/api/v1/stations?page=2&per_page=1").get_json()["items"][0]
    assert second["agency"] is None and len(second["service_points"]) == 2
    assert "李社工" not in listing.get_data(as_text=True)


def test_the_lists_need_no_query_per_row(client, admin, make_station, make_staff):
    from tests.volunteers.activities.test_station import queries_for

    lists = ["/admin/towns", "/admin/communities", "/admin/agencies", "/admin/stations",
             "/admin/service-points", "/admin/grid-teams"]

    def add_station():
        station = make_station(communities=3)
        make_staff(station, name="社工")
        body = f"9144011560003{station.id:04d}"
        agency = org.create_agency({"name": f"机构{station.id}",
                                    "credit_code": body + uscc.calc_check_digit(body)}, by=admin)
        org.update_station(station, {"agency_id": agency.id}, by=admin, reason="登记")
        db.session.commit()

    log_in(client, admin)
    add_station()
    few = {url: queries_for(client, url) for url in lists}
    for _more in range(4):
        add_station()
    assert {url: queries_for(client, url) for url in lists} == few

