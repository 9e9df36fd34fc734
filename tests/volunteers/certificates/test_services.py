"""Service record certificates: the PDF's content, numbers tied to the record, verification."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import log_in
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger import services as ledger
from volunteers.certificates import services as certificates
from volunteers.certificates.models import Certificate
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn

ID_NUMBER = "440115199001011236"


def serve(activity, volunteer, worker, *, minutes=None, reason=None) -> CheckIn:
    """The volunteer scans in at the start (a walk-in: the activity is over, so signing up first
    is closed) and out at the end, and the hours are approved."""
    checkin, _created = checkins.check_in(activity, volunteer, at=activity.starts_at)
    checkins.check_out(checkin, activity, at=activity.ends_at)
    checkins.approve(checkin, by=worker, minutes=minutes, reason=reason)
    db.session.commit()
    return checkin


@pytest.fixture
def served(make_station, make_staff, make_volunteer, make_activity):
    """A volunteer with three approved activities in October and November 2026 (one with minutes
    changed by hand) and a station with a manager."""
    station = make_station(name="黄阁镇")
    station.phone, station.address = "020-3900 1234", "黄阁大道 1 号"
    manager = make_staff(station, Role.STATION_MANAGER, name="王主管")
    worker = make_staff(station, name="李社工")
    volunteer = make_volunteer(station.town.communities[0], name="陈晓敏", id_number=ID_NUMBER,
                               gender="female")
    made = [
        make_activity(station, worker, title="重阳敬老探访", start="2026-10-20 09:00", hours=2,
                      place="大井村长者饭堂", allow_walk_ins=True),
        make_activity(station, worker, title="社区垃圾分类宣传", start="2026-11-02 14:00", hours=3,
                      place="黄阁广场", allow_walk_ins=True),
        make_activity(station, worker, title="禁毒知识小课堂", start="2026-11-10 19:00", hours=1.5,
                      allow_walk_ins=True),
    ]
    serve(made[0], volunteer, worker)
    serve(made[1], volunteer, worker)
    serve(made[2], volunteer, worker, minutes=60, reason="提前离场，按实际时长认定")
    db.session.commit()
    return {"station": station, "manager": manager, "worker": worker, "volunteer": volunteer,
            "activities": made}


def pdf_text(data: bytes) -> str:
    """The PDF's text without whitespace (line wrapping may fall anywhere)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def test_the_pdf_carries_the_name_masked_id_hours_station_and_every_activity(client, served):
    log_in(client, served["volunteer"])
    response = client.get("/volunteer/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number = response.headers["X-Certificate-Number"]
    text = pdf_text(response.data)
    assert "志愿服务记录证明" in text
    assert "陈晓敏" in text
    assert "4401**********1236" in text and ID_NUMBER not in text
    # 2 h + 3 h scanned, 1 h set by hand: 6 hours in all.
    assert "累计志愿服务时长6小时" in text
    for title in ("重阳敬老探访", "社区垃圾分类宣传", "禁毒知识小课堂"):
        assert title in text
    for place in ("大井村长者饭堂", "黄阁广场"):
        assert place in text
    for day in ("2026-10-20", "2026-11-02", "2026-11-10"):
        assert day in text
    assert "黄阁镇社工服务站" in text and "王主管" in text and "020-39001234" in text
    assert number in text and f"/verify/{number}" in text
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.scanned_minutes, certificate.honour_minutes) == (300, 60)
    assert certificate.line_count == 3 and certificate.station_id == served["station"].id


def test_hours_statement_reads_naturally_in_chinese(client, served):
    log_in(client, served["volunteer"])
    text = pdf_text(client.get("/volunteer/certificate.pdf").data)
    assert "累计志愿服务时长6小时，其中扫码记录5小时，人工认定1小时（荣誉时）" in text


def test_asking_again_gives_the_same_certificate_until_the_record_changes(
        client, served, make_activity):
    log_in(client, served["volunteer"])
    first = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    again = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    assert first == again
    assert db.session.scalar(select(func.count(Certificate.id))) == 1

    # A reversed approval leaves the record; the old certificate says it has been corrected.
    checkin = db.session.scalar(select(CheckIn).order_by(CheckIn.id))
    ledger.reverse(db.session.get(ledger.Transfer, checkin.transfer_id), "误批", posted_by=served["manager"])
    db.session.commit()
    newer = client.get("/volunteer/certificate.pdf")
    assert newer.headers["X-Certificate-Number"] != first
    assert "重阳敬老探访" not in pdf_text(newer.data)
    old_page = client.get(f"/verify/{first}").get_data(as_text=True)
    assert "已更正" in old_page
    assert "已更正" not in client.get(f"/verify/{newer.headers['X-Certificate-Number']}").get_data(
        as_text=True)


def test_the_verification_page_confirms_a_real_number_and_nothing_private(app, client, served):
    log_in(client, served["volunteer"])
    number = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    stranger = app.test_client()
    page = stranger.get(f"/verify/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "真实有效" in html and number in html and "黄阁镇社工服务站" in html
    assert "陈**" in html and "陈晓敏" not in html
    assert served["volunteer"].phone not in html and "4401" not in html
    assert "重阳敬老探访" not in html  # the list of activities stays on the paper
    # Typed by hand: lower case, spaces and dashes are forgiven.
    typed = "-".join([number[:4], number[4:8], number[8:]]).lower()
    assert stranger.get(f"/verify/{typed}").status_code == 200


def test_the_verification_page_refuses_a_made_up_number(client, served):
    response = client.get("/verify/NSTB2026ABCDEFGH")
    assert response.status_code == 404
    assert "没有编号为 NSTB2026ABCDEFGH 的证明" in response.get_data(as_text=True)
    assert client.get("/verify/%3Cscript%3E").get_data(as_text=True).count("<script>") == 0


def test_the_api_returns_the_pdf_for_a_bearer_token(client, served, api_token):
    response = client.get("/api/v1/accounts/me/certificate?from=2026-11-01&to=2026-11-30",
                          headers=api_token(served["volunteer"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "社区垃圾分类宣传" in text and "禁毒知识小课堂" in text
    assert "重阳敬老探访" not in text  # October is outside the period
    certificate = db.session.scalar(select(Certificate))
    assert certificate.period_start == date(2026, 11, 1)
    assert certificate.period_end == min(date(2026, 11, 30), local(now()).date())
    assert certificate.scanned_minutes == 180 and certificate.honour_minutes == 60


def test_the_api_explains_what_is_wrong(client, served, make_user, api_token):
    newcomer = make_user(name="新来的")
    response = client.get("/api/v1/accounts/me/certificate",
                          headers=api_token(newcomer))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_service_record"
    bad = client.get("/api/v1/accounts/me/certificate?from=2026-13-01",
                     headers=api_token(served["volunteer"]))
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]
    assert client.get("/api/v1/accounts/me/certificate").status_code == 401
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_hours_added_by_hand_are_listed_as_honour_hours(client, served):
    account = ledger.member_account(served["volunteer"])
    ledger.adjust(account, 90, "抗疫志愿服务补录", posted_by=served["manager"],
                  idempotency_key="test:adjust:1")
    db.session.commit()
    record = certificates.service_record(served["volunteer"])
    assert record.scanned_minutes == 300 and record.honour_minutes == 150
    assert record.activity_count == 3 and len(record.lines) == 4
    log_in(client, served["volunteer"])
    text = pdf_text(client.get("/volunteer/certificate.pdf").data)
    assert "抗疫志愿服务补录" in text


def test_staff_of_the_station_print_it_for_a_volunteer_and_others_cannot(
        app, client, served, make_station, make_staff, make_user):
    url = f"/station/volunteers/{served['volunteer'].id}/certificate.pdf"
    log_in(client, served["worker"])
    response = client.get(url)
    assert response.status_code == 200
    assert db.session.scalar(select(Certificate)).issued_by_id == served["worker"].id
    assert "李社工" in pdf_text(response.data)  # the handler

    other = app.test_client()
    log_in(other, make_staff(make_station(), name="外站社工"))
    assert other.get(url).status_code == 403
    resident = app.test_client()
    log_in(resident, make_user(name="邻居"))
    assert resident.get(url).status_code == 403


def test_the_page_shows_the_record_and_a_clear_message_without_hours(app, client, served, make_user):
    log_in(client, served["volunteer"])
    page = client.get("/volunteer/certificate").get_data(as_text=True)
    assert "重阳敬老探访" in page and "下载证明" in page
    bad = client.get("/volunteer/certificate?from=2026-11-30&to=2026-11-01").get_data(as_text=True)
    assert "结束日期早于开始日期" in bad

    newcomer = app.test_client()
    log_in(newcomer, make_user(name="新来的"))
    assert "还没有可以证明的已审核服务" in newcomer.get("/volunteer/certificate").get_data(as_text=True)
    refused = newcomer.get("/volunteer/certificate.pdf")
    assert refused.status_code == 409 and refused.mimetype == "text/html"


def test_the_period_defaults_to_the_first_service_up_to_today(served):
    record = certificates.service_record(served["volunteer"])
    assert record.start == date(2026, 10, 20)
    assert record.end == local(now()).date()


def test_service_at_another_station_names_that_station(client, served, make_station, make_staff,
                                                       make_activity):
    elsewhere = make_station(name="榄核镇")
    worker = make_staff(elsewhere, name="榄核社工")
    made = make_activity(elsewhere, worker, title="湿地清洁日", start="2026-11-15 09:00", hours=2,
                         place="湿地公园", allow_walk_ins=True)
    serve(made, served["volunteer"], worker)
    log_in(client, served["volunteer"])
    text = pdf_text(client.get("/volunteer/certificate.pdf").data)
    assert "湿地公园（榄核镇社工服务站主办）" in text
    assert "出具单位：黄阁镇社工服务站" in text  # still issued by the home station
    assert "黄阁广场（" not in text  # the home station's own activities need no note


def test_staff_asking_for_a_volunteer_without_hours_get_a_page_saying_so(client, served,
                                                                        make_volunteer):
    newcomer = make_volunteer(served["station"].town.communities[0], name="新志愿者")
    log_in(client, served["worker"])
    response = client.get(f"/station/volunteers/{newcomer.id}/certificate.pdf")
    assert response.status_code == 409 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "新志愿者还没有已审核的志愿服务时长" in html and 'href="/station/volunteers"' in html
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
