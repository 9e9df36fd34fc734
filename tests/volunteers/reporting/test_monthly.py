"""The monthly station report: on known data, every figure equals a number worked out by hand
and the dashboard's own figure (`reports.dashboard`, ``/api/v1/reports/summary``); the API's
scope and errors; the page, the Excel file and the PDF show the same figures."""

import io
import json
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import log_in, page
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import TransferKind
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.complaints import services as complaints
from volunteers.groups import services as groups
from volunteers.households import services as households
from volunteers.matching.models import MatchProposal, MatchRun
from volunteers.profiles.models import VolunteerProfile
from volunteers.ratings import services as ratings
from volunteers.reporting import monthly
from volunteers.reporting import services as reports
from volunteers.reporting.filters import ReportFilters
from volunteers.themes import services as themes
from volunteers.visits import services as visits

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = (2026, 11)
#: When the report is made: a fixed day in December, whatever the suite's instant.
REPORT_DAY = datetime(2026, 12, 16, 10, 0, tzinfo=SHANGHAI)


def at(month, day, hour=9, minute=0):
    return datetime(*month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def known(pinned_clock, make_station, make_staff, make_volunteer, make_user, make_activity):
    """Station 甲 and station 乙; November's activities, check-ins (one with minutes set by
    hand), sign-ups, ratings, complaints, matching proposals, a household visited, an opening
    balance and a ledger correction; October's too, outside the month. Made on the days they
    happen (the clock moved), then the clock stands at `REPORT_DAY`."""
    pinned_clock.move_to(at((2026, 10), 20))
    a, b = make_station(name="甲街道"), make_station(name="乙镇")
    a1, a2 = a.town.communities
    b1 = b.town.communities[0]
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    worker_a, worker_a2 = make_staff(a, name="甲社工"), make_staff(a, name="甲社工二")
    worker_b = make_staff(b, name="乙社工")
    manager_a = make_staff(a, Role.STATION_MANAGER, name="甲主管")
    manager_b = make_staff(b, Role.STATION_MANAGER, name="乙主管")
    v3, v5 = make_volunteer(a2, name="志愿者三"), make_volunteer(a2, name="志愿者五")
    v4 = make_volunteer(b1, name="志愿者四")
    t = themes.set_theme(None, *NOVEMBER, title="敬老", by=admin)
    ta = themes.set_theme(a.id, *NOVEMBER, title="邻里守望", by=manager_a)
    db.session.commit()

    def activity(station, by, month, day, **fields):
        return make_activity(station, by, start=at(month, day), hours=2, **fields)

    act1 = activity(a, worker_a, NOVEMBER, 10, title="甲一", theme_id=t.id, community=a1)
    act2 = activity(a, worker_a, NOVEMBER, 20, title="甲二", theme_id=ta.id, community=a2)
    draft = activity(a, worker_a, NOVEMBER, 22, title="甲草稿", theme_id=t.id, status="draft")
    activity(a, worker_a, NOVEMBER, 23, title="甲取消", theme_id=t.id, status="cancelled")
    act_b = activity(b, worker_b, NOVEMBER, 12, title="乙一", theme_id=t.id, community=b1)
    for row, people in ((act1, 12), (act2, 8), (draft, 50), (act_b, 30)):
        row.people_served = people
    db.session.commit()

    # Two volunteers join in November (new); the others joined in October.
    pinned_clock.move_to(at(NOVEMBER, 3))
    v1, v2 = make_volunteer(a1, name="志愿者一"), make_volunteer(a1, name="志愿者二")
    for volunteer, worker in ((v1, worker_a), (v2, worker_a), (v3, worker_a2), (v5, None),
                              (v4, worker_b)):
        db.session.get(VolunteerProfile, volunteer.id).linked_social_worker_id = \
            worker.id if worker else None
    # Complaints: two to 甲 in November (one accepted), one to 乙.
    complaints.file_complaint(station_id=a.id, text="活动迟到")
    accepted = complaints.file_complaint(station_id=a.id, text="态度不好")
    complaints.file_complaint(station_id=b.id, text="乙站投诉")
    db.session.commit()
    complaints.take_step(accepted, by=manager_a, step="accept")
    db.session.commit()

    def sign_up(activity_, volunteer):
        entry = SignUp(activity_id=activity_.id, user_id=volunteer.id, status="confirmed")
        db.session.add(entry)
        db.session.flush()
        return entry

    def attend(activity_, volunteer, *, late=0):
        sign_up(activity_, volunteer)
        checkin, _ = checkins.check_in(activity_, volunteer,
                                       at=activity_.starts_at + timedelta(minutes=late))
        return checkins.check_out(checkin, activity_, at=activity_.ends_at)

    # 甲一 (敬老): 志愿者一 120 minutes; 志愿者三 30 scanned (90 minutes late) approved as 60 by
    # the manager: 30 scanned, 30 by hand; 志愿者二 a no-show.
    pinned_clock.move_to(at(NOVEMBER, 25))
    checkins.approve(attend(act1, v1), by=worker_a)
    checkins.approve(attend(act1, v3, late=90), by=manager_a, minutes=60, reason="签到迟扫")
    activities.mark_attendance(sign_up(act1, v2), "no_show", by=worker_a)
    # 甲二 (邻里守望): 志愿者二 and 志愿者四 (of 乙) 120 minutes each; 志愿者五 confirmed, not recorded.
    checkins.approve(attend(act2, v2), by=worker_a)
    checkins.approve(attend(act2, v4), by=worker_a)
    sign_up(act2, v5)
    # 乙一: 志愿者四 120 minutes (乙's, not 甲's).
    checkins.approve(attend(act_b, v4), by=worker_b)
    db.session.commit()
    # Ratings: 5 for 甲一, 4 for 甲二, 2 for 乙一.
    ratings.rate_activity(v1, act1, score=5)
    ratings.rate_activity(v2, act2, score=4)
    ratings.rate_activity(v4, act_b, score=2)
    # Ledger: an opening balance for 志愿者一 (hours before the platform) and a correction.
    ledger.post_transfer(TransferKind.OPENING_BALANCE,
                         [(ledger.legacy_hours_account(), -600), (ledger.member_account(v1), 600)],
                         idempotency_key=f"opening_balance:{v1.id}", memo="纸质记录")
    ledger.adjust(ledger.member_account(v5), 45, "补记纸质签到", posted_by=manager_a,
                  idempotency_key="t:adjust")
    # Community pools: a company of 甲 pledges 600 and sponsors 240 into 第1社区's pool, which
    # grants 90 to 志愿者五; a sponsorship of 60 reversed the same month counts 0; 乙's pool
    # gets 50 (乙's, not 甲's).
    company = groups.create_group({"name": "南沙爱心科技有限公司", "kind": "company",
                                   "station_id": a.id}, by=worker_a)
    school = groups.create_group({"name": "乙镇中学", "kind": "school", "station_id": b.id},
                                 by=worker_b)
    contact = make_user(name="企业联系人")
    groups.add_person(company, contact.id, "contact", by=worker_a)
    groups.add_person(school, contact.id, "contact", by=worker_b)
    groups.pledge(company, 600, "2026年认捐协议", by=worker_a, idempotency_key="t:pledge")
    groups.pledge(school, 100, "2026年认捐协议", by=worker_b, idempotency_key="t:pledge-b")
    groups.sponsor(company, a1, 240, "重阳敬老", by=contact, idempotency_key="t:sponsor")
    withdrawn = groups.sponsor(company, a1, 60, "", by=contact, idempotency_key="t:sponsor-2")
    ledger.reverse(withdrawn, "录错金额", posted_by=admin)
    groups.sponsor(school, b1, 50, "", by=contact, idempotency_key="t:sponsor-b")
    pools.grant(a1, v5, 90, "hardship", "独居困难长者", by=worker_a, idempotency_key="t:grant")
    # A household of 甲 visited in November, another never.
    household = households.create_household(a, {
        "name": "李桂英", "community_id": a1.id, "categories": ["living_alone"],
        "consent_recorded_at": at(NOVEMBER, 2)}, by=worker_a)
    households.create_household(a, {
        "name": "陈伯", "community_id": a2.id, "categories": ["living_alone"],
        "consent_recorded_at": at(NOVEMBER, 2)}, by=worker_a)
    db.session.flush()
    visits.record_visit(household, worker_a, visited_on=date(2026, 11, 24), minutes=60)
    # Matching: November's run for 甲 (accepted, declined, invited, proposed) and for 乙;
    # October's run for 甲 is outside the month.
    run = MatchRun(year=2026, month=11, station_id=a.id)
    run_b = MatchRun(year=2026, month=11, station_id=b.id)
    run_oct = MatchRun(year=2026, month=10, station_id=a.id)
    db.session.add_all([run, run_b, run_oct])
    db.session.flush()
    for run_, activity_, volunteer, status in (
            (run, act1, v1, "accepted"), (run, act1, v2, "declined"), (run, act2, v3, "invited"),
            (run, act2, v5, "proposed"), (run_b, act_b, v4, "accepted"),
            (run_oct, act1, v3, "accepted")):
        db.session.add(MatchProposal(run_id=run_.id, activity_id=activity_.id,
                                     user_id=volunteer.id, score=10, status=status))
    db.session.commit()
    pinned_clock.move_to(REPORT_DAY)
    return SimpleNamespace(**locals())


def figures(report: dict) -> dict:
    """``{"section.key": value}`` of a report's dict."""
    return {f"{section['key']}.{figure['key']}": figure["value"]
            for section in report["sections"] for figure in section["figures"]}


def test_every_figure_equals_the_hand_worked_number(known):
    k = known
    report = monthly.station_report(k.a.id, NOVEMBER).to_dict()
    assert figures(report) == {
        "themes.themes": "敬老、邻里守望",
        "themes.activities_held": 2,  # 甲一, 甲二: not the draft, the cancelled, nor 乙一
        "themes.people_served": 12 + 8,
        "themes.participations": 4,  # 志愿者一 and 三 at 甲一, 二 and 四 at 甲二
        "volunteers.registered": 4,  # 一, 二 (a1), 三, 五 (a2); 四 lives at 乙
        "volunteers.active": 3,  # 一, 三, 二; 五 only signed up
        "volunteers.active_share": 75.0,
        "volunteers.new": 2,  # 一 and 二 joined in November
        "volunteers.linked": 3,  # 五 is linked to nobody
        "hours.served": 120 + 60 + 120 + 120,
        "hours.scanned": 120 + 30 + 120 + 120,
        "hours.honour": 30,
        "hours.issued": 120 + 60 + 120 + 120,  # an approval pays all its minutes out
        "hours.adjusted": 45,  # the correction; honour minutes are part of the approval
        "hours.opening": 600,
        "hours.sponsored": 240,  # 240 + 60 - 60 (reversed); 乙's 50 is not 甲's
        "hours.granted": 90,
        "households.registered": 2,
        "households.visited": 1,
        "households.share": 50.0,
        "households.overdue": 0,
        "ratings.count": 2,
        "ratings.average": 4.5,
        "complaints.received": 2,
        "complaints.open": 2,
        "complaints.closed": 0,
        "complaints.escalated": 0,
        "matching.proposals": 4,
        "matching.invited": 3,  # invited, accepted, declined
        "matching.accepted": 1,
        "matching.accepted_share": 33.3,
        "matching.confirmed": 6,  # 甲一: 一, 三, 二; 甲二: 二, 四, 五
        "matching.attended": 4,
        "matching.no_show": 1,
        "matching.attended_rate": 66.7,
    }
    tables = {section["key"]: section["table"] for section in report["sections"]}
    assert tables["themes"]["rows"] == [["敬老（2026-11）", 1, 12, 2, 3.0],
                                        ["邻里守望（2026-11）", 1, 8, 2, 4.0]]
    assert tables["volunteers"]["rows"] == [["甲社工", 2, 2], ["甲社工二", 1, 1], ["甲主管", 0, 0],
                                            ["未联系社工", 1, 0]]
    assert dict(tables["complaints"]["rows"])["已受理"] == 1
    assert tables["ratings"]["rows"] == [["敬老", 5.0, 1], ["邻里守望", 4.0, 1]]
    assert tables["households"]["rows"] == [["第1社区", 1, 1, 100.0], ["第2社区", 1, 0, 0.0]]
    assert tables["hours"] is None  # one month: no month-by-month table

    other = figures(monthly.station_report(k.b.id, NOVEMBER).to_dict())
    assert (other["themes.activities_held"], other["hours.served"], other["ratings.average"],
            other["complaints.received"], other["matching.proposals"], other["hours.sponsored"],
            other["hours.granted"]) == (1, 120, 2.0, 1, 1, 50, 0)


def test_the_report_equals_the_dashboard(known, client, api_token):
    k = known
    report = monthly.station_report(k.a.id, NOVEMBER)
    dashboard = reports.dashboard(ReportFilters(NOVEMBER, NOVEMBER, k.a.id))
    assert report.value("volunteers", "registered") == dashboard.registered
    assert report.value("volunteers", "active") == dashboard.active
    assert report.value("themes", "activities_held") == dashboard.activities
    assert report.value("hours", "scanned") == dashboard.served.scanned
    assert report.value("hours", "honour") == dashboard.served.honour
    assert report.value("hours", "issued") == dashboard.ledger.total.issued
    assert report.value("matching", "attended") == dashboard.attendance.attended

    summary = client.get("/api/v1/reports/summary?month=2026-11",
                         headers=api_token(k.manager_a)).get_json()
    ours = figures(client.get("/api/v1/reports/station-monthly?month=2026-11",
                              headers=api_token(k.manager_a)).get_json())
    assert ours["volunteers.registered"] == sum(row["registered"] for row in summary["coverage"])
    assert ours["volunteers.active"] == sum(row["active"] for row in summary["coverage"])
    assert ours["themes.activities_held"] == sum(row["activities"]
                                                 for row in summary["activities_by_theme"])
    assert ours["hours.served"] == sum(row["served"]["total"] for row in summary["hours_by_month"])
    assert ours["hours.honour"] == sum(row["served"]["honour"] for row in summary["hours_by_month"])
    for name in ("issued", "adjusted", "opening", "granted"):
        assert ours[f"hours.{name}"] == summary["ledger"][name]
    for name in ("confirmed", "attended", "no_show", "attended_rate"):
        assert ours[f"matching.{name}"] == summary["attendance"][name]
    rated = ratings.dashboard_figures(ReportFilters(NOVEMBER, NOVEMBER, k.a.id))
    assert ours["ratings.count"] == rated.count
    assert ours["households.visited"] == households.coverage(
        k.a.id, households.report_quarter(ReportFilters(NOVEMBER, NOVEMBER))).total.visited


def test_a_span_of_months_adds_a_table_by_month(known):
    report = monthly.station_report(known.a.id, (2026, 10), NOVEMBER).to_dict()
    assert (report["first"], report["last"]) == ("2026-10", "2026-11")
    assert figures(report)["matching.proposals"] == 5  # October's run counts now
    hours = next(section for section in report["sections"] if section["key"] == "hours")
    assert hours["table"]["rows"] == [["2026-10", 0.0, 0.0, 0.0], ["2026-11", 6.5, 0.5, 7.0]]


def test_the_json_shape_is_plain_and_holds_no_personal_data(known):
    report = monthly.station_report(known.a.id, NOVEMBER).to_dict()
    assert json.loads(json.dumps(report)) == report
    assert report["station"] == {"id": known.a.id, "name": "甲街道社工服务站"}
    # Made at REPORT_DAY (the clock ticks on from it while the test runs), in UTC.
    assert report["generated_at"].startswith("2026-12-16T02:0")
    assert report["generated_at"].endswith("+00:00")
    for section in report["sections"]:
        assert set(section) == {"key", "title", "figures", "table"}
        for figure in section["figures"]:
            assert set(figure) == {"key", "label", "value", "unit", "definition"}
            assert figure["unit"] in monthly.UNITS and figure["definition"]
    text = json.dumps(report, ensure_ascii=False)
    for private in ("志愿者一", "李桂英", "活动迟到", "态度不好", known.v1.phone):
        assert private not in text


def test_the_api_keeps_to_the_station_and_refuses_a_bad_month(known, client, api_token):
    k = known
    url = "/api/v1/reports/station-monthly"
    mine = api_token(k.manager_a)
    assert client.get(f"{url}?month=2026-11", headers=mine).get_json()["station"]["id"] == k.a.id
    assert client.get(f"{url}?month=2026-11&station_id={k.b.id}", headers=mine).status_code == 403
    for bad in ("2026-13", "November", "", "2026-11-01"):
        response = client.get(f"{url}?month={bad}", headers=mine)
        assert response.status_code == 422, bad
        assert "month" in response.get_json()["error"]["fields"]
    admin = api_token(k.admin)
    assert client.get(f"{url}?month=2026-11", headers=admin).status_code == 422  # which station?
    assert client.get(f"{url}?month=2026-11&station_id=999999", headers=admin).status_code == 422
    body = client.get(f"{url}?month=2026-11&station_id={k.b.id}", headers=admin).get_json()
    assert body["station"]["name"] == "乙镇社工服务站"
    # A social worker reads the page, not the district's API; a resident neither.
    assert client.get(f"{url}?month=2026-11", headers=api_token(k.worker_a)).status_code == 403
    assert client.get(f"{url}?month=2026-11", headers=api_token(k.v1)).status_code == 403


def test_the_page_shows_the_figures_and_the_files_hold_them(known, client):
    k = known
    log_in(client, k.worker_a)
    html = page(client, "/station/reports/monthly?month=2026-11")
    assert "甲街道社工服务站 2026年11月 服务月报" in html
    assert 'data-figure="hours.served"' in html and "7.0 小时" in html
    assert "邻里守望（2026-11）" in html and "本站在统计期内开始" in html
    assert "/station/reports/monthly.xlsx?month=2026-11" in html
    assert "/station/reports/monthly.pdf?month=2026-11" in html
    assert client.get("/station/reports/monthly?month=2026-99").status_code == 422

    response = client.get("/station/reports/monthly.xlsx?month=2026-11")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f'station-{k.a.id}-2026-11.xlsx"')
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "甲街道社工服务站 2026年11月 服务月报"
    by_label = {row[0]: row for row in rows if row and row[0]}
    assert by_label["举办活动"][1] == 2 and by_label["服务时长"][1] == 7.0
    assert by_label["服务时长"][2] == "小时" and by_label["服务时长"][3].startswith("统计期内")
    assert by_label["平台启用前时长"][1] == 10.0

    response = client.get("/station/reports/monthly.pdf?month=2026-11")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(each.extract_text() for each in reader.pages)
    assert "甲街道社工服务站" in text and "服务月报" in text and "第 1 页" in text

    assert client.get("/station/reports/monthly.xlsx?month=2026-00").status_code == 422
    exported = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "report.station_monthly.export")).all()
    assert sorted(entry.details["format"] for entry in exported) == ["pdf", "xlsx"]
    assert {entry.details["station_id"] for entry in exported} == {k.a.id}


def test_a_district_administrator_chooses_the_station(known, client):
    k = known
    log_in(client, k.admin)
    html = page(client, f"/station/reports/monthly?month=2026-11&station_id={k.b.id}")
    assert "乙镇社工服务站 2026年11月 服务月报" in html
    response = client.get("/station/reports/monthly.xlsx?month=2026-11")  # the station chosen
    assert load_workbook(io.BytesIO(response.data)).active["A1"].value.startswith("乙镇社工服务站")


def test_the_dashboard_and_the_station_pages_link_to_the_report(known, client):
    log_in(client, known.manager_a)
    assert "/station/reports/monthly" in page(client, "/reports/?month=2026-11")
    assert "/station/reports/monthly" in page(client, "/station/ratings")
