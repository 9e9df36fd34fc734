"""Complaints: the public form and API (no login, anonymous, bad input, spam limits), the steps
in order with the complainant texted at each, due dates over a weekend, the overdue escalation
by moving the clock, and station scope."""

from datetime import datetime

import pytest
from sqlalchemy import select

from tests.conftest import SHANGHAI, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.notifications import delivery
from timebank.notifications.models import Delivery, Notification
from volunteers import jobs
from volunteers.complaints import services as complaints
from volunteers.complaints.models import Complaint, ComplaintStatus

STRANGER = "13812345678"


@pytest.fixture
def desk(make_station, make_staff, make_user):
    station, other = make_station(), make_station()
    return {"station": station, "other": other,
            "worker": make_staff(station, name="李社工"),
            "other_worker": make_staff(other, name="乙站社工"),
            "admin": make_user(Role.DISTRICT_ADMIN, name="区管理员")}


def sms_to(phone: str) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(
        select(Notification).join(Delivery, Delivery.notification_id == Notification.id)
        .where(Notification.phone == phone, Delivery.channel == "sms")
        .order_by(Notification.id)))


def audited(complaint_id: int) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject == f"complaint:{complaint_id}").order_by(AuditEntry.id)))


def bearer(client, user) -> dict:
    token = client.post("/api/v1/auth/token", json={"phone": user.phone,
                                                    "password": "correct horse 9"})
    return {"Authorization": f"Bearer {token.get_json()['token']}"}


def test_a_stranger_files_one_and_staff_take_it_to_the_end(client, desk, sms):
    response = client.post("/api/v1/complaints", json={
        "station_id": desk["station"].id, "text": "活动现场没有人组织，老人等了一个小时。",
        "contact": "138 1234 5678"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "received"
    assert body["number"].startswith("TS-2026-12-") and len(body["number"]) == 17
    complaint = db.session.scalar(select(Complaint).where(Complaint.number == body["number"]))
    assert complaint.contact == STRANGER and complaint.user_id is None
    assert [n.title for n in sms_to(STRANGER)] == [f"您的投诉{body['number']}已收到"]
    headers = bearer(client, desk["worker"])
    url = f"/api/v1/complaints/{complaint.id}/steps"
    # Answering before accepting: out of order.
    early = client.post(url, json={"step": "answer", "note": "已处理"}, headers=headers)
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "complaint_step_out_of_order"
    for step in ({"step": "accept"}, {"step": "handle", "note": "已联系活动负责人核实"},
                 {"step": "answer", "note": "活动负责人临时生病，已调整排班，向您致歉。"},
                 {"step": "follow_up", "satisfaction": 4, "note": "居民表示满意"}):
        response = client.post(url, json=step, headers=headers)
        assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "followed_up" and body["satisfaction"] == 4
    assert [step["step"] for step in body["steps"]] == [
        "received", "accept", "handle", "answer", "follow_up"]
    # A step on a closed complaint.
    again = client.post(url, json={"step": "handle", "note": "再看看"}, headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "complaint_closed"
    texts = sms_to(STRANGER)
    assert len(texts) == 5
    assert "活动负责人临时生病" in texts[3].body
    assert audited(complaint.id) == ["complaint.file", "complaint.accept", "complaint.handle",
                                     "complaint.answer", "complaint.follow_up"]
    # The outbox sends to the bare phone.
    delivery.deliver_due()
    assert len(sms.to(STRANGER)) == 5
    assert "已受理" in sms.to(STRANGER)[1]


def test_the_list_and_another_stations_staff(client, desk):
    complaint = complaints.file_complaint(station_id=desk["station"].id, text="服务态度不好")
    db.session.commit()
    mine = bearer(client, desk["worker"])
    listed = client.get("/api/v1/complaints", headers=mine).get_json()
    assert [item["number"] for item in listed["items"]] == [complaint.number]
    theirs = bearer(client, desk["other_worker"])
    assert client.get("/api/v1/complaints", headers=theirs).get_json()["items"] == []
    assert client.get(f"/api/v1/complaints/{complaint.id}", headers=theirs).status_code == 403
    assert client.post(f"/api/v1/complaints/{complaint.id}/steps", json={"step": "accept"},
                       headers=theirs).status_code == 403
    assert client.get("/api/v1/complaints").status_code == 401
    admin = bearer(client, desk["admin"])
    assert client.get("/api/v1/complaints", headers=admin).get_json()["total"] == 1


def test_long_text_with_html_is_kept_whole_and_shown_escaped(client, login, desk):
    text = "<script>alert('x')</script>" + "投" * 20_000
    response = client.post("/api/v1/complaints", json={"station_id": desk["station"].id,
                                                       "text": text})
    assert response.status_code == 201
    complaint = db.session.scalar(select(Complaint))
    assert complaint.text == text
    too_long = client.post("/api/v1/complaints", json={"station_id": desk["station"].id,
                                                       "text": "长" * 50_001})
    assert too_long.status_code == 422
    login(desk["worker"])
    html = page(client, f"/station/complaints/{complaint.id}")
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
    assert "投" * 20_000 in html


@pytest.mark.parametrize("contact", ["12345", "1381234567", "23812345678", "电话"])
def test_a_bad_phone_is_refused(client, desk, contact):
    response = client.post("/api/v1/complaints", json={
        "station_id": desk["station"].id, "text": "噪音", "contact": contact})
    assert response.status_code == 422
    assert "contact" in response.get_json()["error"]["fields"]


def test_anonymous_keeps_no_name_and_a_station_must_exist(client, desk):
    response = client.post("/api/v1/complaints", json={
        "station_id": desk["station"].id, "text": "噪音", "name": "王五", "anonymous": True})
    assert response.status_code == 201
    assert db.session.scalar(select(Complaint)).name is None
    assert client.post("/api/v1/complaints", json={"station_id": 999999, "text": "x"}
                       ).status_code == 422


def test_spam_is_limited_per_address_and_per_phone(make_app, desk):
    app = make_app(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False, COMPLAINT_RATE_LIMIT="3 per hour",
                   COMPLAINT_PHONE_RATE_LIMIT="2 per hour")
    client = app.test_client()
    body = {"station_id": desk["station"].id, "text": "噪音扰民"}
    by_phone = [client.post("/api/v1/complaints", json={**body, "contact": STRANGER},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
                for n in range(3)]
    assert by_phone == [201, 201, 429]
    by_address = [client.post("/api/v1/complaints", json=body,
                              environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code
                  for _n in range(4)]
    assert by_address == [201, 201, 201, 429]
    # The page form shares the counts.
    assert client.post("/complaints/new", data=body,
                       environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 429


@pytest.mark.frozen_clock
@pytest.mark.parametrize("instant", [datetime(2026, 12, 18, 20, 0, tzinfo=SHANGHAI)])
def test_due_dates_skip_the_weekend_and_the_overdue_are_escalated_once(
        app, desk, instant, pinned_clock):
    # Received on a Friday evening: to accept by Monday, to answer by the next Friday.
    complaint = complaints.file_complaint(station_id=desk["station"].id, text="服务迟到",
                                          contact=STRANGER)
    db.session.commit()
    assert complaint.due_at.astimezone(SHANGHAI) == datetime(2026, 12, 21, 23, 59, 59,
                                                             tzinfo=SHANGHAI)
    assert jobs.escalate_overdue_complaints() == 0
    pinned_clock.move_to(datetime(2026, 12, 22, 9, 0, tzinfo=SHANGHAI))  # Tuesday
    assert jobs.escalate_overdue_complaints() == 1
    db.session.commit()
    assert jobs.escalate_overdue_complaints() == 0  # once per deadline
    db.session.rollback()
    assert complaint.escalated_at is not None and complaint.escalated_stage == "accept"
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == desk["admin"].id, Notification.kind == "complaint_escalated"))
    assert len(list(told)) == 1
    assert "complaint.escalate" in audited(complaint.id)
    complaints.take_step(complaint, by=desk["worker"], step="accept")
    db.session.commit()
    # Answer due five working days from receipt: Friday 25 December.
    assert complaint.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-12-25"
    assert not complaint.overdue
    pinned_clock.move_to(datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))
    assert jobs.escalate_overdue_complaints() == 1  # the answer's deadline, this time
    db.session.commit()
    assert complaint.escalated_stage == "answer"


def test_the_public_form_and_its_number(client, desk):
    html = page(client, "/complaints/new")
    assert desk["station"].name in html
    response = post_form(client, "/complaints/new", {
        "station_id": str(desk["station"].id), "text": "<b>粗鲁</b>", "contact": STRANGER},
        page="/complaints/new")
    assert response.status_code == 302
    complaint = db.session.scalar(select(Complaint))
    html = page(client, "/complaints/filed")
    assert complaint.number in html
    found = page(client, f"/complaints/status?number={complaint.number}&contact={STRANGER}")
    assert "已收到" in found
    wrong = page(client, f"/complaints/status?number={complaint.number}&contact=13900000000")
    assert "没有找到这个编号和手机号码对应的投诉" in wrong and "已收到" not in wrong
    bad = post_form(client, "/complaints/new", {"station_id": str(desk["station"].id),
                                                "text": "x", "contact": "123"},
                    page="/complaints/new")
    assert bad.status_code == 422


def test_staff_record_a_phone_complaint_and_take_steps_on_the_page(client, login, desk, sms):
    login(desk["worker"])
    html = page(client, "/station/complaints/new")
    response = post_form(client, "/station/complaints/new", {
        "station_id": str(desk["station"].id), "channel": "phone", "text": "电话投诉：楼道堆物",
        "contact": STRANGER, "name": "张先生"}, page="/station/complaints/new")
    assert response.status_code == 302, html
    complaint = db.session.scalar(select(Complaint))
    assert complaint.channel == "phone" and complaint.taken_by_id == desk["worker"].id
    url = f"/station/complaints/{complaint.id}"
    assert "投诉处理" in page(client, "/station/complaints")
    post_form(client, f"{url}/steps", {"step": "accept"}, page=url)
    db.session.rollback()
    assert db.session.get(Complaint, complaint.id).status == ComplaintStatus.ACCEPTED


def test_the_contact_is_masked_until_staff_reveal_it_to_call_back(client, login, desk):
    complaint = complaints.file_complaint(station_id=desk["station"].id, text="噪音",
                                          contact=STRANGER)
    db.session.commit()
    login(desk["worker"])
    url = f"/station/complaints/{complaint.id}"
    html = page(client, url)
    assert STRANGER not in html and "138****5678" in html
    revealed = post_form(client, f"{url}/contact", {}, page=url)
    assert revealed.status_code == 200 and STRANGER in revealed.get_data(as_text=True)
    assert "complaint.reveal_contact" in audited(complaint.id)
