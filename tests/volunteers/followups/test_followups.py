"""Follow-up calls: last month's residents served (households visited, mutual-aid requesters)
sampled per station with the district's share and minimum, reruns adding nobody twice; the
outcome of a call recorded and audited; the API and the page, and another station's 403."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import SHANGHAI, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
from timebank.extensions import db
from timebank.settings import services as settings
from volunteers import jobs
from volunteers.followups import services as followups
from volunteers.followups.models import FollowUp
from volunteers.households.models import Household
from volunteers.visits.models import Visit, VisitStatus


@pytest.fixture
def served(make_station, make_staff, make_volunteer, make_user):
    """Station A visited 30 households and helped 4 requesters in November 2026 (and one
    household in October, one visit refused); station B visited one household."""
    station, other = make_station(), make_station()
    worker = make_staff(station, name="李社工")
    other_worker = make_staff(other, name="乙站社工")
    community = station.town.communities[0]
    for number in range(32):
        household = Household(station_id=station.id, community_id=community.id,
                              name=f"住户{number}", phone=f"1380000{number:04d}",
                              categories=["elderly_alone"], created_by_id=worker.id)
        db.session.add(household)
        db.session.flush()
        day, status = date(2026, 11, 1 + number % 28), VisitStatus.RECORDED
        if number == 30:
            day = date(2026, 10, 31)
        if number == 31:
            status = VisitStatus.REJECTED
        for _twice in range(2 if number < 3 else 1):  # visited twice: still one household
            db.session.add(Visit(household_id=household.id, station_id=station.id,
                                 visitor_id=worker.id, visited_on=day, status=status))
    for number in range(4):
        requester = make_volunteer(community, name=f"求助人{number}")
        db.session.add(HelpRequest(
            requester_id=requester.id, title="修风扇", category="appliance_repair",
            community_id=community.id, minutes=30, status=RequestStatus.DONE,
            starts_at=datetime(2026, 11, 10 + number, 10, tzinfo=SHANGHAI)))
    far = Household(station_id=other.id, community_id=other.town.communities[0].id,
                    name="乙站住户", categories=["elderly_alone"], created_by_id=other_worker.id)
    db.session.add(far)
    db.session.flush()
    db.session.add(Visit(household_id=far.id, station_id=other.id, visitor_id=other_worker.id,
                         visited_on=date(2026, 11, 5)))
    db.session.commit()
    return {"station": station, "other": other, "worker": worker,
            "other_worker": other_worker, "admin": make_user(Role.DISTRICT_ADMIN, name="区管理员")}


def test_the_sample_is_the_share_or_the_minimum_and_a_rerun_adds_nobody(app, served):
    station = served["station"]
    everyone = followups.served(station.id, "2026-11")
    assert len(everyone) == 34  # 30 households (one twice, October's and the refused out) + 4
    added = followups.queue_month(station.id, "2026-11")
    assert len(added) == 5  # 10 % of 34 is 4: the minimum of 5
    db.session.commit()
    assert followups.queue_month(station.id, "2026-11") == []
    db.session.commit()
    settings.update({"FOLLOW_UP_SAMPLE_PERCENT": 50}, by=served["admin"], reason="区里加大随访")
    assert len(followups.queue_month(station.id, "2026-11")) == 12  # topped up to 17
    db.session.commit()
    subjects = list(db.session.scalars(select(FollowUp.subject).where(
        FollowUp.station_id == station.id)))
    assert len(subjects) == 17 == len(set(subjects))
    # A station that served one resident calls that one.
    assert len(followups.queue_month(served["other"].id, "2026-11")) == 1


def test_the_same_month_draws_the_same_people(app, served):
    station = served["station"]
    first = sorted(row.subject for row in followups.queue_month(station.id, "2026-11"))
    db.session.rollback()
    again = sorted(row.subject for row in followups.queue_month(station.id, "2026-11"))
    assert first == again


@pytest.mark.parametrize("instant", [datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI)])
def test_the_monthly_job_queues_last_month_for_every_station(app, served, instant):
    assert jobs.queue_follow_ups() == 6
    db.session.commit()
    assert jobs.queue_follow_ups() == 0
    assert db.session.scalar(select(func.count(FollowUp.id)).where(
        FollowUp.month == "2026-11")) == 6


def test_staff_record_outcomes_through_the_api(client, api_token, served):
    followups.queue_month(served["station"].id, "2026-11")
    db.session.commit()
    headers = api_token(served["worker"])
    listed = client.get(f"/api/v1/follow-ups?station_id={served['station'].id}&month=2026-11",
                        headers=headers)
    assert listed.status_code == 200 and listed.get_json()["total"] == 5
    first = listed.get_json()["items"][0]
    response = client.post(f"/api/v1/follow-ups/{first['id']}/outcome", headers=headers,
                           json={"outcome": "reached", "satisfaction": 5, "note": "很满意"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "reached"
    assert response.get_json()["called_by_id"] == served["worker"].id
    assert client.post(f"/api/v1/follow-ups/{first['id']}/outcome", headers=headers,
                       json={"outcome": "refused", "satisfaction": 3}).status_code == 422
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "follow_up.outcome")) == 1
    theirs = api_token(served["other_worker"])
    assert client.post(f"/api/v1/follow-ups/{first['id']}/outcome", headers=theirs,
                       json={"outcome": "reached"}).status_code == 403
    assert client.get(f"/api/v1/follow-ups?station_id={served['station'].id}",
                      headers=theirs).status_code == 403


@pytest.mark.parametrize("instant", [datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)])
def test_the_page_draws_the_list_and_records_a_call(client, login, served, instant):
    login(served["worker"])
    html = page(client, "/station/follow-ups")
    assert "生成本月随访名单" in html and "2026-11" in html
    response = post_form(client, "/station/follow-ups/generate", {"month": "2026-11"},
                         page="/station/follow-ups")
    assert response.status_code == 302
    html = page(client, "/station/follow-ups?month=2026-11")
    assert "已回访 0 / 5 人" in html
    assert "13800000" not in html.replace("138****", "")  # households' phones masked
    row = db.session.scalar(select(FollowUp).order_by(FollowUp.id))
    post_form(client, f"/station/follow-ups/{row.id}/outcome",
              {"outcome": "not_reached", "note": "无人接听"}, page="/station/follow-ups")
    assert "已回访 1 / 5 人" in page(client, "/station/follow-ups?month=2026-11")
