"""Service record certificates: the PDF's content field by field (民发〔2015〕149号), one
certificate per organiser issued by its agency, numbers tied to the record, verification."""

import io
import re
from datetime import date

from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import log_in
from tests.volunteers.certificates.records import (
    AGENCY,
    AGENCY_CODE,
    ID_NUMBER,
    OTHER_AGENCY,
    OTHER_CODE,
    agency,
    serve,
)
from timebank.accounts.permissions import Role
from timebank.clock import local, now
from timebank.extensions import db
from timebank.ledger import services as ledger
from volunteers.certificates import services as certificates
from volunteers.certificates.models import Certificate
from volunteers.checkins.models import CheckIn


def pdf_text(data: bytes) -> str:
    """The PDF's text without whitespace (line wrapping may fall anywhere)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def verify_card(response) -> str:
    """The verification page's own card (the site's header and footer name the platform)."""
    return re.search(r'<section class="card verify-card">.*?</section>',
                     response.get_data(as_text=True), re.S).group(0)


def test_the_certificate_carries_every_field_of_the_national_layout(client, served):
    log_in(client, served["volunteer"])
    response = client.get("/api/v1/accounts/me/certificate")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    number = response.headers["X-Certificate-Number"]
    text = pdf_text(response.data)
    # Title and identity.
    assert "志愿服务记录证明" in text
    assert "姓名陈晓敏" in text and "证件类型居民身份证" in text
    assert "4401**********1236" in text and ID_NUMBER not in text
    assert "志愿者编号NS" in text
    assert "星级未评定" in text  # no level awarded: none is computed from the hours
    # Service: the total, credit and honour hours apart (2 h + 2.5 h + 1 h; 0.5 h by hand).
    assert "累计志愿服务时长5.5小时，其中信用时（扫码记录）5小时，荣誉时（人工认定）0.5小时" in text
    for header in ("日期", "活动名称", "服务内容", "地点", "服务对象人数", "时长", "服务评价"):
        assert header in text, header
    for day in ("2026-10-20", "2026-11-02", "2026-11-10"):
        assert day in text
    for title in ("重阳敬老探访", "社区垃圾分类宣传", "禁毒知识小课堂"):
        assert title in text
    assert "两人一组上门探访独居长者，检查家居安全" in text  # the activity's service content
    assert "在投放点指导居民分类投放" in text  # no content given: its description
    assert "平安黄阁主题月" not in text  # never the theme's title
    for place in ("大井村长者饭堂", "黄阁广场"):
        assert place in text
    assert "25" in text and "优秀" in text and "良好" in text
    assert "2.5（含荣誉时0.5）" in text
    # Issuer: agency and credit code, station, person in charge, handler, phone.
    assert f"出具单位：{AGENCY}（统一社会信用代码：{AGENCY_CODE}）" in text
    assert "服务站点：黄阁镇社工服务站" in text
    assert "负责人：王主管" in text and "经办人：李社工" in text  # the linked social worker
    assert "联系电话：020-39001234" in text
    # Number, date, notes with the verification link, seal box and signature lines.
    assert f"证明编号：{number}" in text
    assert "出具日期：2026年12月16日" in text
    assert "不含往返路途时间" in text and f"/verify/{number}" in text
    assert "盖章处" in text and "负责人（签字）" in text and "经办人（签字）" in text
    assert "南沙时间银行" not in text
    certificate = db.session.scalar(select(Certificate))
    assert (certificate.scanned_minutes, certificate.honour_minutes) == (300, 30)
    assert certificate.line_count == 3 and certificate.station_id == served["station"].id
    assert certificate.agency.name == AGENCY and certificate.id_shown_in_full is False


def test_the_certificate_prints_the_star_level_held_when_it_was_issued(client, served):
    from datetime import timedelta

    from timebank.stars.models import StarApplication

    volunteer = served["volunteer"]
    db.session.add(StarApplication(user_id=volunteer.id, level=1, status="awarded",
                                   station_id=served["station"].id, served_minutes=6000,
                                   decided_by_id=served["manager"].id,
                                   decided_at=now() - timedelta(days=3)))
    db.session.commit()
    log_in(client, volunteer)
    response = client.get("/api/v1/accounts/me/certificate")
    text = pdf_text(response.data)
    assert "星级一星志愿者" in text and "评定日期2026年12月13日" in text
    # A level awarded after the paper was issued does not change the paper when reprinted.
    db.session.add(StarApplication(user_id=volunteer.id, level=2, status="awarded",
                                   station_id=served["station"].id, served_minutes=18000,
                                   decided_by_id=served["manager"].id,
                                   decided_at=now() + timedelta(minutes=5)))
    db.session.commit()
    again = client.get("/api/v1/accounts/me/certificate")
    assert again.headers["X-Certificate-Number"] == response.headers["X-Certificate-Number"]
    assert "星级一星志愿者" in pdf_text(again.data)


def test_the_volunteer_may_show_the_id_number_in_full_on_one_certificate(client, served):
    log_in(client, served["volunteer"])
    masked = client.get("/volunteer/certificate.pdf")
    full = client.get("/volunteer/certificate.pdf?show_full_id=1")
    assert ID_NUMBER in pdf_text(full.data) and ID_NUMBER not in pdf_text(masked.data)
    assert full.headers["X-Certificate-Number"] != masked.headers["X-Certificate-Number"]
    assert db.session.scalar(select(Certificate).where(Certificate.id_shown_in_full)).number == \
        full.headers["X-Certificate-Number"]
    # The page's choice reaches the download.
    page = client.get("/volunteer/certificate?show_full_id=1").get_data(as_text=True)
    assert 'name="show_full_id" value="1"' in page


def test_staff_printing_for_a_volunteer_never_show_the_id_in_full(client, served):
    log_in(client, served["worker"])
    response = client.get(f"/station/volunteers/{served['volunteer'].id}/certificate.pdf"
                          "?show_full_id=1")
    assert response.status_code == 200 and ID_NUMBER not in pdf_text(response.data)


def test_two_organisers_give_two_certificates_with_their_own_issuers(
        client, served, make_station, make_staff, make_activity):
    elsewhere = make_station(name="榄核镇")
    elsewhere.agency_id = agency(OTHER_AGENCY, OTHER_CODE).id
    db.session.commit()
    other_worker = make_staff(elsewhere, name="榄核社工")
    made = make_activity(elsewhere, other_worker, title="湿地清洁日", start="2026-11-15 09:00",
                         hours=2, place="湿地公园", allow_walk_ins=True,
                         service_content="清理湿地垃圾")
    serve(made, served["volunteer"], other_worker)
    log_in(client, served["volunteer"])

    page = client.get("/volunteer/certificate").get_data(as_text=True)
    assert AGENCY in page and OTHER_AGENCY in page
    assert f'name="station_id" value="{elsewhere.id}"' in page
    assert f'name="station_id" value="{served["station"].id}"' in page

    home = client.get(f"/volunteer/certificate.pdf?station_id={served['station'].id}")
    other = client.get(f"/api/v1/accounts/me/certificate?station_id={elsewhere.id}")
    assert home.status_code == other.status_code == 200
    home_text, other_text = pdf_text(home.data), pdf_text(other.data)
    assert f"出具单位：{AGENCY}" in home_text and "服务站点：黄阁镇社工服务站" in home_text
    assert "湿地清洁日" not in home_text and "重阳敬老探访" in home_text
    assert f"出具单位：{OTHER_AGENCY}（统一社会信用代码：{OTHER_CODE}）" in other_text
    assert "服务站点：榄核镇社工服务站" in other_text and "经办人：—" in other_text
    assert "湿地清洁日" in other_text and "清理湿地垃圾" in other_text
    assert "重阳敬老探访" not in other_text and "累计志愿服务时长2小时" in other_text
    numbers = {home.headers["X-Certificate-Number"], other.headers["X-Certificate-Number"]}
    assert len(numbers) == 2
    # Without naming one, the home station's: what older clients got.
    default = client.get("/api/v1/accounts/me/certificate")
    assert default.headers["X-Certificate-Number"] == home.headers["X-Certificate-Number"]
    issued = {c.number: (c.station_id, c.agency.name) for c in db.session.scalars(select(Certificate))}
    assert issued == {home.headers["X-Certificate-Number"]: (served["station"].id, AGENCY),
                      other.headers["X-Certificate-Number"]: (elsewhere.id, OTHER_AGENCY)}


def test_the_combined_summary_is_labelled_and_has_no_number_or_seal(
        client, served, make_station, make_staff, make_activity):
    elsewhere = make_station(name="榄核镇")
    other_worker = make_staff(elsewhere, name="榄核社工")
    serve(make_activity(elsewhere, other_worker, title="湿地清洁日", start="2026-11-15 09:00",
                        hours=2, allow_walk_ins=True), served["volunteer"], other_worker)
    log_in(client, served["volunteer"])
    for url in ("/volunteer/certificate/summary.pdf", "/api/v1/accounts/me/service-summary"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "X-Certificate-Number" not in response.headers
        text = pdf_text(response.data)
        assert "志愿服务经历汇总" in text and "非正式证明，仅供个人参考" in text
        assert "重阳敬老探访" in text and "湿地清洁日" in text
        assert "榄核镇社工服务站" in text and "黄阁镇社工服务站" in text
        assert "累计志愿服务时长7.5小时" in text
        assert "证明编号" not in text and "盖章处" not in text and "/verify/" not in text
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_a_station_without_an_agency_issues_in_its_own_name(client, served, make_station,
                                                            make_staff, make_activity):
    elsewhere = make_station(name="榄核镇")
    other_worker = make_staff(elsewhere, name="榄核社工")
    serve(make_activity(elsewhere, other_worker, title="湿地清洁日", start="2026-11-15 09:00",
                        hours=2, allow_walk_ins=True), served["volunteer"], other_worker)
    log_in(client, served["volunteer"])
    response = client.get(f"/volunteer/certificate.pdf?station_id={elsewhere.id}")
    text = pdf_text(response.data)
    assert "出具单位：榄核镇社工服务站（该站未登记承办机构，以社工站名义出具）" in text
    page = verify_card(client.get(f"/verify/{response.headers['X-Certificate-Number']}"))
    assert "榄核镇社工服务站" in page and "以社工站名义出具" in page and "南沙时间银行" not in page


def test_asking_again_gives_the_same_certificate_until_the_record_changes(client, served):
    log_in(client, served["volunteer"])
    first = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    again = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    assert first == again
    assert db.session.scalar(select(func.count(Certificate.id))) == 1

    # A reversed approval leaves the record; the old certificate says it has been corrected.
    checkin = db.session.scalar(select(CheckIn).order_by(CheckIn.id))
    ledger.reverse(db.session.get(ledger.Transfer, checkin.transfer_id), "误批",
                   posted_by=served["manager"])
    db.session.commit()
    newer = client.get("/volunteer/certificate.pdf")
    assert newer.headers["X-Certificate-Number"] != first
    assert "重阳敬老探访" not in pdf_text(newer.data)
    old_page = client.get(f"/verify/{first}").get_data(as_text=True)
    assert "已更正" in old_page
    assert "已更正" not in client.get(f"/verify/{newer.headers['X-Certificate-Number']}").get_data(
        as_text=True)


def test_numbers_are_random_and_of_the_documented_form(client, served):
    log_in(client, served["volunteer"])
    number = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    assert re.fullmatch(r"NSTB2026[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}", number)


def test_the_verification_page_names_the_papers_issuer_and_nothing_private(app, client, served):
    log_in(client, served["volunteer"])
    number = client.get("/volunteer/certificate.pdf").headers["X-Certificate-Number"]
    stranger = app.test_client()
    page = stranger.get(f"/verify/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "真实有效" in html and number in html
    assert f"由{AGENCY}出具" in html and AGENCY_CODE in html and "黄阁镇社工服务站" in html
    assert "南沙时间银行" not in verify_card(page)
    assert "陈**" in html and "陈晓敏" not in html
    assert served["volunteer"].phone not in html
    assert ID_NUMBER not in html and "4401**********1236" not in html and "NS0" not in html
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
    assert certificate.scanned_minutes == 180 and certificate.honour_minutes == 30


def test_the_api_explains_what_is_wrong(client, served, make_user, api_token):
    newcomer = make_user(name="新来的")
    response = client.get("/api/v1/accounts/me/certificate",
                          headers=api_token(newcomer))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_service_record"
    assert client.get("/api/v1/accounts/me/service-summary",
                      headers=api_token(newcomer)).status_code == 409
    bad = client.get("/api/v1/accounts/me/certificate?from=2026-13-01",
                     headers=api_token(served["volunteer"]))
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]
    no_station = client.get("/api/v1/accounts/me/certificate?station_id=99999",
                            headers=api_token(served["volunteer"]))
    assert no_station.status_code == 404
    junk = client.get("/api/v1/accounts/me/certificate?station_id=abc",
                      headers=api_token(served["volunteer"]))
    assert junk.status_code == 422 and "station_id" in junk.get_json()["error"]["fields"]
    assert client.get("/api/v1/accounts/me/certificate").status_code == 401
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_hours_added_by_hand_belong_to_the_station_whose_staff_posted_them(
        client, served, make_station, make_staff, make_user):
    account = ledger.member_account(served["volunteer"])
    ledger.adjust(account, 90, "抗疫志愿服务补录", posted_by=served["manager"],
                  idempotency_key="test:adjust:1")
    # A district administrator (posted nowhere): the volunteer's home station.
    ledger.adjust(account, 30, "区级补录", posted_by=make_user(Role.DISTRICT_ADMIN),
                  idempotency_key="test:adjust:2")
    db.session.commit()
    record = certificates.service_record(served["volunteer"])
    assert record.scanned_minutes == 300 and record.honour_minutes == 150
    assert record.activity_count == 3 and len(record.lines) == 5
    assert {line.organiser_id for line in record.lines} == {served["station"].id}
    log_in(client, served["volunteer"])
    text = pdf_text(client.get("/volunteer/certificate.pdf").data)
    assert "抗疫志愿服务补录" in text and "区级补录" in text


def test_staff_of_the_organising_station_print_it_and_others_get_403(
        app, client, served, make_station, make_staff, make_user):
    url = f"/station/volunteers/{served['volunteer'].id}/certificate.pdf"
    log_in(client, served["worker"])
    response = client.get(url)
    assert response.status_code == 200
    assert db.session.scalar(select(Certificate)).issued_by_id == served["worker"].id
    assert "经办人：李社工" in pdf_text(response.data)  # the handler

    other = app.test_client()
    log_in(other, make_staff(make_station(), name="外站社工"))
    assert other.get(url).status_code == 403
    assert other.get(f"{url}?station_id={served['station'].id}").status_code == 403
    resident = app.test_client()
    log_in(resident, make_user(name="邻居"))
    assert resident.get(url).status_code == 403
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_the_page_shows_the_record_and_a_clear_message_without_hours(app, client, served, make_user):
    log_in(client, served["volunteer"])
    page = client.get("/volunteer/certificate").get_data(as_text=True)
    assert "重阳敬老探访" in page and "下载证明" in page and "非正式证明，仅供个人参考" in page
    bad = client.get("/volunteer/certificate?from=2026-11-30&to=2026-11-01").get_data(as_text=True)
    assert "结束日期早于开始日期" in bad

    newcomer = app.test_client()
    log_in(newcomer, make_user(name="新来的"))
    assert "还没有可以证明的已审核服务" in newcomer.get("/volunteer/certificate").get_data(as_text=True)
    refused = newcomer.get("/volunteer/certificate.pdf")
    assert refused.status_code == 409 and refused.mimetype == "text/html"
    assert "还没有可以证明的已审核服务" in refused.get_data(as_text=True)
    summary = newcomer.get("/volunteer/certificate/summary.pdf")
    assert summary.status_code == 409 and summary.mimetype == "text/html"


def test_an_empty_period_is_a_page_saying_so(client, served):
    log_in(client, served["volunteer"])
    response = client.get("/volunteer/certificate.pdf?from=2026-01-01&to=2026-01-31")
    assert response.status_code == 409 and response.mimetype == "text/html"
    assert "还没有可以证明的已审核服务" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_the_period_defaults_to_the_first_service_up_to_today(served):
    record = certificates.service_record(served["volunteer"])
    assert record.start == date(2026, 10, 20)
    assert record.end == local(now()).date()


def test_staff_asking_for_a_volunteer_without_hours_get_a_page_saying_so(client, served,
                                                                        make_volunteer):
    newcomer = make_volunteer(served["station"].town.communities[0], name="新志愿者")
    log_in(client, served["worker"])
    response = client.get(f"/station/volunteers/{newcomer.id}/certificate.pdf")
    assert response.status_code == 409 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "新志愿者还没有已审核的志愿服务时长" in html and 'href="/station/volunteers"' in html
    assert db.session.scalar(select(func.count(Certificate.id))) == 0
