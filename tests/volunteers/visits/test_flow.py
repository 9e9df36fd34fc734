"""The whole loop through HTTP: a paired volunteer records a visit through the API, the grid
social worker approves it, and the volunteer's hours, statement and certificate show it with
the household as the people served (by the name they are called, never the full name)."""

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import log_in, post_form
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from volunteers.checkins.models import CheckIn
from volunteers.visits.models import Visit


def body(household, **fields):
    return {"household_id": household.id, "visited_on": local(now()).date().isoformat(),
            "minutes": 90, "way": "in_person", "findings": "独居，精神不错；厨房灯坏了",
            "needs_found": ["repairs"], "follow_up": "下周带灯泡来换", **fields}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_the_whole_loop(app, paired, api_token, make_volunteer, make_station, make_staff):
    household, volunteer, worker = paired["household"], paired["volunteer"], paired["worker"]
    client = app.test_client()
    mine = api_token(volunteer)

    # Rules at the edge: no pairing 404, a future day 422, nothing recorded.
    stranger = make_volunteer(household.community, name="路人甲")
    response = client.post("/api/v1/visits", json=body(household), headers=api_token(stranger))
    assert response.status_code == 404
    tomorrow = (local(now()).date() + timedelta(days=1)).isoformat()
    response = client.post("/api/v1/visits", json=body(household, visited_on=tomorrow),
                           headers=mine)
    assert response.status_code == 422 and "visited_on" in str(response.get_json())

    response = client.post("/api/v1/visits", json=body(household), headers=mine)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert visit["status"] == "waiting" and visit["household"] == "李阿姨"
    assert "李秀英" not in response.get_data(as_text=True)

    # Another station's staff: 403; the volunteer lists their own.
    other = make_staff(make_station(), name="乙站社工")
    assert client.get(f"/api/v1/visits/{visit['id']}", headers=api_token(other)).status_code == 403
    listed = client.get("/api/v1/visits", headers=mine).get_json()
    assert [item["id"] for item in listed["items"]] == [visit["id"]]

    # The grid social worker sees it waiting and approves it.
    staff = api_token(worker)
    waiting = client.get(f"/api/v1/visits?status=waiting&station_id={paired['station'].id}",
                         headers=staff).get_json()
    assert [item["id"] for item in waiting["items"]] == [visit["id"]]
    response = client.post(f"/api/v1/visits/{visit['id']}/approve", json={"evaluation": "good"},
                           headers=staff)
    assert response.status_code == 200, response.get_json()
    approved = response.get_json()
    assert approved["status"] == "approved" and approved["checkin_id"]
    assert client.post(f"/api/v1/visits/{visit['id']}/approve", json={},
                       headers=staff).status_code == 409
    assert client.post(f"/api/v1/visits/{visit['id']}/reject", json={"reason": "再议"},
                       headers=staff).status_code == 409

    # The volunteer's hours rose by the minutes; the ledger holds together.
    db.session.expire_all()
    assert ledger_queries.balance(ledger.member_account(volunteer)) == 90
    assert ledger_queries.verify() == []

    # Their pages: hours, the certificate page and its PDF name 李阿姨, never 李秀英 or the address.
    pages = app.test_client()
    log_in(pages, volunteer)
    hours = pages.get("/hours/").get_data(as_text=True)
    assert "李阿姨" in hours and "李秀英" not in hours
    certificate = pages.get("/volunteer/certificate").get_data(as_text=True)
    assert "李阿姨" in certificate and "李秀英" not in certificate
    pdf = pages.get(f"/volunteer/certificate.pdf?station_id={paired['station'].id}")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)[:300]
    text = pdf_text(pdf.data).replace("\n", "")  # a narrow cell wraps the name
    assert "李阿姨" in text and "李秀英" not in text and "蕉门河路" not in text
    # The visit is in the volunteer's history, but never an activity to browse or sign up for.
    activity_id = db.session.get(Visit, visit["id"]).household_id and \
        db.session.scalar(select(CheckIn.activity_id).where(CheckIn.id == approved["checkin_id"]))
    history = pages.get("/volunteer/activities").get_data(as_text=True)
    assert "李阿姨" in history and f"/volunteer/activities/{activity_id}\"" not in history
    month = local(now()).strftime("%Y-%m")
    listed = client.get(f"/api/v1/activities?month={month}").get_json()
    assert activity_id not in [item["id"] for item in listed["items"]]
    assert client.get(f"/api/v1/activities/{activity_id}", headers=mine).status_code == 404
    assert pages.get(f"/activities/{activity_id}").status_code == 404
    mine_page = pages.get("/volunteer/visits").get_data(as_text=True)
    assert "李阿姨" in mine_page and "已批准" in mine_page


def test_staff_record_on_the_page_and_decide_in_the_queue(app, paired):
    household, worker, volunteer = paired["household"], paired["worker"], paired["volunteer"]
    pages = app.test_client()
    log_in(pages, worker)
    url = f"/station/households/{household.id}/visits/new"
    assert "李阿姨" in pages.get(url).get_data(as_text=True)
    response = post_form(pages, url, {"visited_on": local(now()).date().isoformat(),
                                      "started_at": "", "minutes": "45", "way": "phone",
                                      "findings": "电话回访，血压稳定", "needs_found": ["meals"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    staff_visit = db.session.scalar(select(Visit).where(Visit.visitor_id == worker.id))
    assert staff_visit.status == "recorded" and staff_visit.way == "phone"

    # The volunteer records one on the phone form from their pairing.
    phone = app.test_client()
    log_in(phone, volunteer)
    form_url = f"/volunteer/pairings/{paired['pairing'].id}/visits/new"
    response = post_form(phone, form_url, {"visited_on": local(now()).date().isoformat(),
                                           "started_at": "", "minutes": "900", "way": "in_person"})
    assert response.status_code == 422
    response = post_form(phone, form_url, {"visited_on": local(now()).date().isoformat(),
                                           "started_at": "", "minutes": "60", "way": "in_person",
                                           "findings": "陪阿姨聊天"})
    assert response.status_code == 302
    visit = db.session.scalar(select(Visit).where(Visit.visitor_id == volunteer.id))
    assert visit.status == "waiting"

    queue = pages.get("/station/visits").get_data(as_text=True)
    assert "陪阿姨聊天" in queue
    response = post_form(pages, f"/station/visits/{visit.id}/reject", {"reason": "当天未入户"},
                         page="/station/visits")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == "rejected"
    assert ledger_queries.balance(ledger.member_account(volunteer)) == 0
