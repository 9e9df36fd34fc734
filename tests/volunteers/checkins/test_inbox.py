"""The station's approval inbox: every check-in waiting for a decision, across activities and
days, oldest first; filters; approving many at once; and the district's station picker."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import SHANGHAI, page, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.extensions import db
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn


def _served(activity, volunteer, minutes):
    """`volunteer` walked in at the start and checked out `minutes` later (0: forgotten)."""
    checkin, _created = checkins.check_in(activity, volunteer, at=activity.starts_at)
    if minutes:
        checkins.check_out(checkin, activity, at=activity.starts_at + timedelta(minutes=minutes))
    else:
        checkins.close_forgotten(at=activity.ends_at + timedelta(hours=3))
    db.session.commit()
    return checkin


@pytest.fixture
def busy_station(station, worker, make_staff, make_volunteer, make_activity):
    """Three past activities (one of last month) by two social workers, with check-ins."""
    colleague = make_staff(station, name="王社工")
    community = station.town.communities[0]
    people = [make_volunteer(community, name=name) for name in ("陈晓敏", "黄志强", "林美华")]
    walk_in = {"allow_walk_ins": True}
    last_month = make_activity(station, worker, title="十一月探访", start="2026-11-20T09:00", **walk_in)
    monday = make_activity(station, colleague, title="周一义剪", start="2026-12-14T09:00", **walk_in)
    tuesday = make_activity(station, worker, title="周二环保", start="2026-12-15T14:00", **walk_in)
    served = {
        "old": _served(last_month, people[0], 90),
        "monday": _served(monday, people[1], 60),
        "forgotten": _served(monday, people[2], 0),
        "tuesday": _served(tuesday, people[0], 120),
    }
    return {"worker": worker, "colleague": colleague, "people": people, "served": served,
            "activities": (last_month, monday, tuesday)}


def _row_ids(html):
    return [int(number) for number in re.findall(r'id="checkin-(\d+)"', html)]


def test_the_inbox_lists_every_waiting_check_in_oldest_activity_first(client, login, busy_station):
    login(busy_station["worker"])
    html = page(client, "/station/approvals")
    served = busy_station["served"]
    assert _row_ids(html) == [served["old"].id, served["monday"].id, served["forgotten"].id,
                              served["tuesday"].id]
    assert "十一月探访" in html  # last month's, with no URL to type
    # The count in the navigation: four waiting.
    assert re.search(r'时长审核 <span class="badge"[^>]*>4</span>', html)
    # The forgotten check-out (0 minutes) cannot be ticked: it needs minutes or a rejection.
    assert f'value="{served["forgotten"].id}" form="approve-chosen"' not in html
    assert f'value="{served["monday"].id}" form="approve-chosen"' in html


def test_filters_by_activity_social_worker_dates_and_status(client, login, busy_station):
    login(busy_station["worker"])
    served, (last_month, monday, _tuesday) = busy_station["served"], busy_station["activities"]
    by_activity = page(client, f"/station/approvals?activity_id={monday.id}")
    assert _row_ids(by_activity) == [served["monday"].id, served["forgotten"].id]
    by_worker = page(client, f"/station/approvals?worker_id={busy_station['colleague'].id}")
    assert _row_ids(by_worker) == [served["monday"].id, served["forgotten"].id]
    dated = page(client, "/station/approvals?since=2026-12-01&until=2026-12-14")
    assert _row_ids(dated) == [served["monday"].id, served["forgotten"].id]
    flagged = page(client, "/station/approvals?status=flagged")
    assert _row_ids(flagged) == [served["forgotten"].id]
    assert _row_ids(page(client, "/station/approvals?status=approved")) == []
    assert str(last_month.id) in by_activity  # offered in the activity filter


@pytest.mark.parametrize("query", ["status=everything", "since=2026-13-01", "activity_id=abc",
                                   "worker_id=99999999999", "since=1850-01-01"])
def test_a_bad_filter_is_a_clear_error_and_shows_the_default_view(client, login, busy_station,
                                                                  query):
    login(busy_station["worker"])
    response = client.get(f"/station/approvals?{query}")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert len(_row_ids(response.get_data(as_text=True))) == 4


def test_approving_check_ins_of_three_activities_in_one_go(client, login, busy_station):
    login(busy_station["worker"])
    served = busy_station["served"]
    chosen = [served["old"].id, served["monday"].id, served["tuesday"].id, served["forgotten"].id]
    response = post_form(client, "/station/approvals/approve",
                         {"checkin_ids": chosen, "next": "/station/approvals?status=waiting"},
                         page="/station/approvals")
    assert response.status_code == 302
    assert response.headers["Location"] == "/station/approvals?status=waiting"
    db.session.expire_all()
    statuses = {key: db.session.get(CheckIn, checkin.id).status for key, checkin in served.items()}
    assert statuses == {"old": "approved", "monday": "approved", "tuesday": "approved",
                        "forgotten": "auto_closed"}
    html = page(client, "/station/approvals")
    assert "已批准 3 条签到记录。" in html
    assert "未批准：林美华" in html  # the forgotten one is named, and stays in the inbox
    assert _row_ids(html) == [served["forgotten"].id]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "checkin.approve")) == 3


def test_another_stations_check_in_in_the_selection_changes_nothing(
        client, login, busy_station, make_station, make_staff):
    other_station = make_station()
    outsider = make_staff(other_station, name="外站社工")
    login(outsider)
    served = busy_station["served"]
    response = post_form(client, "/station/approvals/approve",
                         {"checkin_ids": [served["old"].id]}, page="/station/approvals")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(CheckIn, served["old"].id).status == "closed"
    # And their own inbox shows none of this station's check-ins.
    assert _row_ids(page(client, "/station/approvals")) == []


@pytest.mark.parametrize("ids", [[], ["x"], ["99999999"]])
def test_a_bad_selection_is_refused_and_changes_nothing(client, login, busy_station, ids):
    login(busy_station["worker"])
    response = post_form(client, "/station/approvals/approve", {"checkin_ids": ids},
                         page="/station/approvals", follow_redirects=True)
    assert response.status_code in (200, 404)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.status == "approved")) == 0


def test_a_single_decision_from_the_inbox_comes_back_to_it(client, login, busy_station, station,
                                                           make_staff):
    # Minutes typed in for a forgotten check-out are honour hours: the station manager approves.
    login(make_staff(station, Role.STATION_MANAGER, name="黄主管"))
    forgotten = busy_station["served"]["forgotten"]
    back = "/station/approvals?status=flagged"
    response = post_form(client, f"/station/checkins/{forgotten.id}/approve",
                         {"minutes": "60", "reason": "忘记签退，社工确认在场", "next": back},
                         page="/station/approvals")
    assert response.headers["Location"] == back
    db.session.expire_all()
    assert db.session.get(CheckIn, forgotten.id).minutes == 60
    # A `next` outside the inbox is not followed.
    other = busy_station["served"]["tuesday"]
    response = post_form(client, f"/station/checkins/{other.id}/reject",
                         {"reason": "未到场", "next": "https://example.com/"},
                         page="/station/approvals")
    assert response.headers["Location"].endswith(f"/station/activities/{other.activity_id}/approvals")


def test_service_counts_and_limits(busy_station, station):
    worker = busy_station["worker"]
    rows, total = checkins.approval_inbox(station.id, by=worker, limit=2)
    assert total == 4 and len(rows) == 2
    assert checkins.waiting_count(station.id) == 4
    since = datetime(2026, 12, 15, tzinfo=SHANGHAI)
    assert checkins.approval_inbox(station.id, by=worker, since=since)[1] == 1


# --- the district administrator's station picker ---------------------------------------------

def test_a_district_administrator_chooses_the_station_the_station_pages_apply_to(
        client, login, make_user, busy_station, station, make_station):
    second = make_station()
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    login(admin)
    response = client.get("/station/approvals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/station/choose?next=/station/approvals")
    picker = page(client, response.headers["Location"])
    assert station.name in picker and second.name in picker
    chosen = client.get(f"/station/choose?station_id={station.id}&next=/station/approvals")
    assert chosen.headers["Location"] == "/station/approvals"
    html = page(client, "/station/approvals")
    assert len(_row_ids(html)) == 4 and "切换社工站" in html
    for url in ("/station/activities", "/station/volunteers", "/station/matching",
                "/station/themes"):
        assert station.name in page(client, url), url
    # ?station_id= on any station page switches.
    assert second.name in page(client, f"/station/activities?station_id={second.id}")
    assert _row_ids(page(client, "/station/approvals")) == []


def test_the_picker_is_for_district_administrators(client, login, worker):
    login(worker)
    assert client.get("/station/choose").status_code == 403
    assert "切换社工站" not in page(client, "/station/approvals")
