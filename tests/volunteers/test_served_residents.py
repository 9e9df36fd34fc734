"""The served residents' whole loop, through the API of each feature in turn (issue #17): the
station registers a household, pairs a volunteer with it, the volunteer records a visit, the
grid social worker approves it, the volunteer's hours and certificate show the household by the
name they are called, and the station's coverage of the quarter rises."""

import io

from pypdf import PdfReader

from tests.conftest import log_in
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger


def coverage(client, station, headers) -> dict:
    response = client.get(f"/api/v1/households/coverage?station_id={station.id}&quarter=2026Q4",
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def test_register_pair_visit_approve_and_coverage_rises(client, make_station, make_staff,
                                                        make_volunteer, api_token):
    station = make_station()
    community = station.town.communities[0]
    worker = make_staff(station, name="李社工")
    volunteer = make_volunteer(community, name="黄志强")
    staff, mine = api_token(worker), api_token(volunteer)

    # Registered, never visited: 0 of 1 this quarter.
    response = client.post("/api/v1/households", headers=staff, json={
        "name": "李秀英", "called": "李阿姨", "address": "蕉门河路18号3栋502",
        "phone": "13700000001", "community_id": community.id,
        "categories": ["living_alone", "advanced_age"], "needs": ["companionship"],
        "visit_every_days": 30, "social_worker_id": worker.id, "lawful_basis": "public_duty"})
    assert response.status_code == 201, response.get_json()
    household_id = response.get_json()["id"]
    before = coverage(client, station, staff)
    assert (before["registered"], before["visited"], before["share"]) == (1, 0, 0.0)

    # Paired: the volunteer sees only what their help needs; the register stays closed to them.
    response = client.post(f"/api/v1/households/{household_id}/pairings", headers=staff,
                           json={"volunteer_id": volunteer.id, "rhythm": "monthly_visit",
                                 "needs": ["companionship", "safety_check"]})
    assert response.status_code == 201, response.get_json()
    seen = client.get(f"/api/v1/households/{household_id}", headers=mine)
    assert seen.status_code == 200
    assert "李秀英" not in seen.get_data(as_text=True) and "蕉门河路" not in seen.get_data(as_text=True)
    assert client.get("/api/v1/households", headers=mine).status_code == 403

    # The volunteer records the visit; the grid social worker approves it.
    response = client.post("/api/v1/visits", headers=mine, json={
        "household_id": household_id, "visited_on": local(now()).date().isoformat(),
        "minutes": 75, "way": "in_person", "findings": "精神好，卫生间地滑",
        "needs_found": ["safety_check"], "follow_up": "联系安装扶手"})
    assert response.status_code == 201, response.get_json()
    visit_id = response.get_json()["id"]
    response = client.post(f"/api/v1/visits/{visit_id}/approve", headers=staff, json={})
    assert response.status_code == 200, response.get_json()

    # Hours: 75 minutes posted through the check-in path; the ledger holds together.
    db.session.expire_all()
    assert ledger_queries.balance(ledger.member_account(volunteer)) == 75
    assert ledger_queries.verify() == []
    pages = client.application.test_client()
    log_in(pages, volunteer)
    hours = pages.get("/hours/").get_data(as_text=True)
    assert "李阿姨" in hours and "李秀英" not in hours
    pdf = pages.get(f"/volunteer/certificate.pdf?station_id={station.id}")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = text.replace("\n", "")
    assert "李阿姨" in text and "李秀英" not in text

    # Coverage rose: 1 of 1 visited this quarter, nobody overdue.
    total = coverage(client, station, staff)
    assert (total["registered"], total["visited"], total["share"], total["overdue"]) == \
        (1, 1, 100.0, [])
