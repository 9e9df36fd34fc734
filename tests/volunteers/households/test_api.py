"""The API of the register: staff only, a paired volunteer's limited view, 403/404 as the
issue asks, pairings, coverage and due lists, and the OpenAPI document."""

from datetime import date

from sqlalchemy import func, select

from tests.volunteers.households.conftest import valid_id
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db

BODY = {"name": "李桂英", "called": "李阿姨", "address": "南沙街1号", "phone": "13700000001",
        "categories": ["living_alone", "advanced_age"], "needs": ["meals"],
        "risk_level": "medium", "visit_every_days": 14, "lawful_basis": "consent",
        "consent_recorded_at": "2026-12-01T10:00:00+08:00"}


def test_staff_register_read_change_and_close(client, make_station, make_staff, api_token):
    station = make_station()
    worker = make_staff(station)
    headers = api_token(worker)
    number = valid_id(7)
    created = client.post("/api/v1/households", headers=headers, json={
        **BODY, "community_id": station.town.communities[0].id, "id_number": number,
        "social_worker_id": worker.id})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id_number"] == f"{number[:4]}**********{number[-4:]}"
    assert body["next_visit_due"] == "2026-12-30"
    household_id = body["id"]
    listed = client.get("/api/v1/households?category=advanced_age", headers=headers).get_json()
    assert [row["id"] for row in listed["items"]] == [household_id]
    assert client.get("/api/v1/households?category=dibao", headers=headers).get_json()["total"] == 0
    changed = client.patch(f"/api/v1/households/{household_id}", headers=headers,
                           json={"risk_level": "high"})
    assert changed.status_code == 200 and changed.get_json()["risk_level"] == "high"
    bad = client.patch(f"/api/v1/households/{household_id}", headers=headers,
                       json={"categories": []})
    assert bad.status_code == 422
    closed = client.post(f"/api/v1/households/{household_id}/close", headers=headers,
                         json={"reason": "搬离本街道"})
    assert closed.status_code == 200 and closed.get_json()["closed_reason"] == "搬离本街道"
    again = client.post(f"/api/v1/households/{household_id}/close", headers=headers,
                        json={"reason": "again"})
    assert again.status_code == 409
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"household.create", "household.update", "household.close"} <= actions


def test_refusals_as_the_issue_asks(client, make_station, make_staff, make_user, make_volunteer,
                                    api_token, register_household):
    station, other = make_station(), make_station()
    worker = make_staff(station)
    stranger = make_staff(other)
    volunteer = make_volunteer(station.town.communities[0])
    resident = make_user()
    mine = register_household(station, worker, called="李阿姨", address="南沙街1号")
    another = register_household(station, worker, name="王伯")
    paired = client.post(f"/api/v1/households/{mine.id}/pairings", headers=api_token(worker),
                         json={"volunteer_id": volunteer.id, "rhythm": "weekly_call",
                               "needs": ["companionship"]})
    assert paired.status_code == 201, paired.get_json()
    pairing_id = paired.get_json()["id"]
    for person in (resident, volunteer):
        assert client.get("/api/v1/households", headers=api_token(person)).status_code == 403
        assert client.post("/api/v1/households", headers=api_token(person),
                           json={**BODY, "community_id": 1}).status_code == 403
    as_volunteer = api_token(volunteer)
    seen = client.get(f"/api/v1/households/{mine.id}", headers=as_volunteer)
    assert seen.status_code == 200
    assert seen.get_json() == {"id": mine.id, "shown_name": "李阿姨",
                               "community": station.town.communities[0].name,
                               "community_id": station.town.communities[0].id,
                               "needs": ["companionship"], "rhythm": "weekly_call",
                               "next_contact_due": "2026-12-23", "pairing_id": pairing_id}
    assert client.get(f"/api/v1/households/{another.id}", headers=as_volunteer).status_code == 404
    assert client.get(f"/api/v1/households/{mine.id}",
                      headers=api_token(resident)).status_code == 404
    as_stranger = api_token(stranger)
    assert client.get(f"/api/v1/households/{mine.id}", headers=as_stranger).status_code == 403
    assert client.get(f"/api/v1/households?station_id={station.id}",
                      headers=as_stranger).status_code == 403
    assert client.post(f"/api/v1/pairings/{pairing_id}/end", headers=as_stranger,
                       json={"reason": "x"}).status_code == 403
    ended = client.post(f"/api/v1/pairings/{pairing_id}/end", headers=api_token(worker),
                        json={"reason": "志愿者搬家"})
    assert ended.status_code == 200 and ended.get_json()["end_reason"] == "志愿者搬家"
    assert client.get(f"/api/v1/households/{mine.id}", headers=as_volunteer).status_code == 404


def test_district_admin_sees_every_station(client, make_station, make_staff, make_user,
                                           api_token, register_household):
    station = make_station()
    worker = make_staff(station)
    household = register_household(station, worker)
    headers = api_token(make_user(Role.DISTRICT_ADMIN))
    assert client.get(f"/api/v1/households/{household.id}", headers=headers).status_code == 200
    assert client.get("/api/v1/households", headers=headers).get_json()["total"] >= 1
    coverage = client.get(f"/api/v1/households/coverage?station_id={station.id}&quarter=2026Q4",
                          headers=headers)
    assert coverage.status_code == 200
    assert coverage.get_json()["total"]["registered"] == 1
    assert client.get("/api/v1/households/coverage?quarter=2026Q9",
                      headers=headers).status_code == 422


def test_due_and_pairings_lists(client, make_station, make_staff, make_volunteer, api_token,
                                register_household):
    station = make_station()
    worker = make_staff(station)
    headers = api_token(worker)
    household = register_household(station, worker, next_visit_due=date(2026, 12, 10))
    volunteer = make_volunteer(station.town.communities[1])
    client.post(f"/api/v1/households/{household.id}/pairings", headers=headers,
                json={"volunteer_id": volunteer.id, "rhythm": "monthly_visit"})
    assert client.post(f"/api/v1/households/{household.id}/pairings", headers=headers,
                       json={"volunteer_id": volunteer.id,
                             "rhythm": "monthly_visit"}).status_code == 409
    pairings = client.get(f"/api/v1/households/{household.id}/pairings", headers=headers)
    assert pairings.get_json()["total"] == 1
    due = client.get(f"/api/v1/households/due?grid_team_id={station.grid_teams[0].id}",
                     headers=headers).get_json()
    assert [row["id"] for row in due["households"]] == [household.id]
    assert due["pairings"] == []
    assert client.get("/api/v1/households/due", headers=headers).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "pairing.start")) == 1


def test_the_openapi_document_describes_them(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, methods in {"/api/v1/households": {"get", "post"},
                          "/api/v1/households/{household_id}": {"get", "patch"},
                          "/api/v1/households/{household_id}/close": {"post"},
                          "/api/v1/households/{household_id}/pairings": {"get", "post"},
                          "/api/v1/pairings/{pairing_id}/end": {"post"},
                          "/api/v1/households/coverage": {"get"},
                          "/api/v1/households/due": {"get"}}.items():
        assert methods <= set(paths[path]), path
