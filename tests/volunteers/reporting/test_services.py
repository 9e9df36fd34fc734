"""Dashboards: with known data, every figure equals numbers worked out by hand, the ledger's own
totals and the check-ins' totals; who may see which station; the page shows the same numbers."""

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from tests.conftest import PASSWORD, log_in, page
from timebank.accounts.permissions import Role
from timebank.clock import local, now, shift_month
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import keys
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind
from volunteers.activities import services as activities
from volunteers.activities.models import SignUp
from volunteers.checkins import services as checkins
from volunteers.checkins.models import CheckIn
from volunteers.reporting import services as reports
from volunteers.reporting.filters import filters_for
from volunteers.themes import services as themes

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shift(month: tuple[int, int], offset: int) -> tuple[int, int]:
    return shift_month(*month, offset)


def key(month: tuple[int, int]) -> str:
    return "{:04d}-{:02d}".format(*month)


@pytest.fixture
def known(make_station, make_staff, make_volunteer, make_user, make_activity):
    """Two stations, two communities each, volunteers, themed activities in the two months before
    this one, check-ins approved (one with minutes set by hand), rejected, waiting and missed,
    and the ledger's other movements. The expected figures are worked out in the tests."""
    today = local(now())
    this = (today.year, today.month)
    m1, m2, old = shift(this, -2), shift(this, -1), shift(this, -8)
    a, b = make_station(name="甲街道"), make_station(name="乙镇")
    a1, a2 = a.town.communities
    b1, b2 = b.town.communities
    admin = make_user(Role.DISTRICT_ADMIN, name="区管理员")
    worker_a, worker_b = make_staff(a, name="甲社工"), make_staff(b, name="乙社工")
    manager_a = make_staff(a, Role.STATION_MANAGER, name="甲主管")
    manager_b = make_staff(b, Role.STATION_MANAGER, name="乙主管")
    v1, v2 = make_volunteer(a1, name="志愿者一"), make_volunteer(a1, name="志愿者二")
    v3, v5 = make_volunteer(a2, name="志愿者三"), make_volunteer(a2, name="志愿者五")
    v4, v6 = make_volunteer(b1, name="志愿者四"), make_volunteer(b2, name="志愿者六")
    outsider = make_user(name="无社区居民")  # no volunteer profile: belongs to no station
    merchant = make_user(Role.MERCHANT, name="爱心商家")

    t1 = themes.set_theme(None, *m1, title="敬老", by=admin)
    t2 = themes.set_theme(None, *m2, title="环保", by=admin)
    ta = themes.set_theme(a.id, *m2, title="邻里守望", by=manager_a)
    db.session.commit()

    def at(month, day, hour=9, minute=0):
        return datetime(*month, day, hour, minute, tzinfo=SHANGHAI)

    def activity(station, by, month, day, **fields):
        return make_activity(station, by, start=at(month, day), hours=2, **fields)

    a_act1 = activity(a, worker_a, m1, 10, title="甲一", theme_id=t1.id, community=a1)
    a_act2 = activity(a, worker_a, m2, 10, title="甲二", theme_id=t2.id, community=a2)
    a_act3 = activity(a, worker_a, m2, 20, title="甲三", theme_id=ta.id, credit_mode="fixed",
                      fixed_minutes=90)
    activity(a, worker_a, m2, 22, title="甲草稿", theme_id=t2.id, status="draft")
    activity(a, worker_a, m2, 23, title="甲取消", theme_id=t2.id, status="cancelled")
    a_old = activity(a, worker_a, old, 10, title="甲旧")
    b_act1 = activity(b, worker_b, m1, 12, title="乙一", theme_id=t1.id, community=b1)
    going = make_activity(a, worker_a, title="进行中", start=now() - timedelta(minutes=30), hours=2)
    activities.sign_up(going, v2)

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

    # 甲一 (m1, 敬老): 120 and 90 minutes (20 minutes late, rounded down to 15); a no-show.
    c_v1_1 = checkins.approve(attend(a_act1, v1), by=worker_a)
    c_v2_1 = checkins.approve(attend(a_act1, v2, late=20), by=worker_a)
    activities.mark_attendance(sign_up(a_act1, v3), "no_show", by=worker_a)
    # 甲二 (m2, 环保): 30 scanned (90 minutes late) but approved as 60 by the station manager
    # with a reason: 30 scanned (信用时) and 30 added by hand (荣誉时); one rejected; one
    # confirmed volunteer nobody recorded.
    checkins.approve(attend(a_act2, v1, late=90), by=manager_a, minutes=60, reason="签到迟扫")
    checkins.reject(attend(a_act2, v3), by=worker_a, reason="未参与服务")
    sign_up(a_act2, v5)
    # 甲三 (m2, the station's own theme), 90 minutes a head, one of them from station 乙.
    checkins.approve(attend(a_act3, v2), by=worker_a)
    checkins.approve(attend(a_act3, v4), by=worker_a)
    # 乙一 (m1, 敬老): 120 minutes; another check-in still waits for approval, and staff cleared
    # its attendance mark: it counts as attended by its check-in.
    checkins.approve(attend(b_act1, v4), by=worker_b)
    attend(b_act1, v6)
    waiting = db.session.scalar(select(SignUp).where(SignUp.activity_id == b_act1.id,
                                                     SignUp.user_id == v6.id))
    activities.mark_attendance(waiting, None, by=worker_b)
    # 甲旧, eight months ago: approved back then (its transfer posted then).
    old_checkin = attend(a_old, v1)
    ledger.post_transfer(TransferKind.EARN, [(checkins.issuer_account(a), -120),
                                            (ledger.member_account(v1), 120)],
                         idempotency_key=f"checkin:{old_checkin.id}", memo=a_old.title,
                         posted_by=worker_a, reference=f"checkin:{old_checkin.id}",
                         posted_at=a_old.ends_at + timedelta(hours=3))
    checkins.approve(old_checkin, by=worker_a)

    # The ledger's other movements, all posted now (this month).
    ledger.reverse(db.session.get(Transfer, c_v2_1.transfer_id), "重复记录", posted_by=manager_a)
    other = ledger.open_account("test:issuer", AccountKind.ISSUER, name="其他", min_balance=None)
    ledger.transfer_between(other, ledger.member_account(outsider), 50, TransferKind.EARN,
                            idempotency_key="t:other")
    pools.donate(v1, a1, 30, "捐给互助池", idempotency_key="t:donate")
    pools.grant(a1, v5, 20, "hardship", "困难家庭", by=worker_a, idempotency_key="t:grant")
    ledger.transfer_between(ledger.member_account(v2), ledger.member_account(v4), 45,
                            TransferKind.SPEND, idempotency_key="t:spend")
    ledger.transfer_between(ledger.member_account(v1), ledger.member_account(merchant), 15,
                            TransferKind.REDEEM, idempotency_key="t:redeem")
    ledger.adjust(ledger.member_account(v3), 30, "补记纸质签到", posted_by=manager_a,
                  idempotency_key="t:adjust")
    ledger.transfer_between(ledger.member_account(v4), ledger.member_account(outsider), 25,
                            TransferKind.DONATE, idempotency_key="t:gift")
    ledger.transfer_between(ledger.member_account(outsider), ledger.member_account(v4), 10,
                            TransferKind.DONATE, idempotency_key="t:gift-back")
    db.session.commit()
    assert ledger_queries.verify() == []
    assert c_v1_1.minutes == 120
    return SimpleNamespace(**locals())


def figures_for(user, **args):
    return reports.dashboard(reports.resolve_period(filters_for(user, args)))


# --- the figures, worked out by hand -------------------------------------------------------------

def test_coverage_counts_registered_and_active_volunteers_per_community(known):
    k = known
    rows = {row.community_id: (row.registered, row.active)
            for row in figures_for(k.admin).coverage}
    # 志愿者二's first approval was reversed in the ledger, but she served at 甲三 too.
    # 志愿者四 (乙镇) served at 甲街道 too; 志愿者六 waits for approval: not active.
    assert rows == {k.a1.id: (2, 2), k.a2.id: (2, 0), k.b1.id: (1, 1), k.b2.id: (1, 0)}
    rows = figures_for(k.manager_a).coverage
    assert [(row.community_id, row.registered, row.active) for row in rows] == \
        [(k.a1.id, 2, 2), (k.a2.id, 2, 0)]
    assert rows[0].share == 100.0 and rows[1].share == 0.0


def test_hours_by_month_keep_scanned_and_honour_minutes_apart(known):
    k = known
    by_month = {(row.year, row.month): (row.served.scanned, row.served.honour)
                for row in figures_for(k.admin).hours_by_month}
    assert len(by_month) == 6 and list(by_month)[-1] == k.this  # the last six months by default
    assert by_month[k.m1] == (120 + 120, 0)  # 志愿者二's 90 minutes were reversed: left out
    assert by_month[k.m2] == (90 + 90 + 30, 30)
    assert sum(scanned + honour for scanned, honour in by_month.values()) == 240 + 240
    station_a = {(row.year, row.month): (row.served.scanned, row.served.honour)
                 for row in figures_for(k.manager_a).hours_by_month}
    assert station_a[k.m1] == (120, 0) and station_a[k.m2] == (210, 30)


def test_hours_and_activities_by_theme(known):
    k = known
    figures = figures_for(k.admin)
    assert {row.theme_id: (row.served.scanned, row.served.honour)
            for row in figures.hours_by_theme} == {k.t1.id: (240, 0), k.t2.id: (30, 30),
                                                   k.ta.id: (180, 0)}
    # Drafts and cancelled activities are left out, the one under way counts (no theme), and
    # 甲旧 is outside the period.
    assert {row.theme_id: row.activities for row in figures.activities_by_theme} == \
        {k.t1.id: 2, k.t2.id: 1, k.ta.id: 1, None: 1}
    assert figures.activities == 5
    station_b = figures_for(k.manager_b)
    assert {row.theme_id: row.activities for row in station_b.activities_by_theme} == {k.t1.id: 1}


def test_attendance_counts_confirmed_sign_ups_of_ended_activities(known):
    k = known
    figures = figures_for(k.admin)
    by_month = {(row.year, row.month): (row.confirmed, row.attended, row.no_show, row.unknown)
                for row in figures.attendance_by_month}
    assert by_month[k.m1] == (5, 4, 1, 0)
    assert by_month[k.m2] == (5, 4, 0, 1)  # the rejected check-in still shows who came
    assert by_month[k.this] == (0, 0, 0, 0)  # the activity under way has not ended
    total = figures.attendance
    assert (total.confirmed, total.attended, total.no_show, total.unknown) == (10, 8, 1, 1)
    assert (total.attended_rate, total.no_show_rate, total.unknown_rate) == (80.0, 10.0, 10.0)


def test_ledger_figures_per_station_and_for_the_whole_district(known):
    k = known
    report = figures_for(k.admin).ledger
    rows = {station_id: figures for station_id, _name, figures in report.by_station}
    assert rows[k.a.id] == reports.LedgerFigures(
        issued=120 + 90 + 60 + 90 + 90 - 90, spent=45, redeemed=15, donated=30, granted=20,
        adjusted=30, in_pools=10)
    assert rows[k.b.id] == reports.LedgerFigures(issued=120, donated=25)
    # What belongs to no station: another issuer's hours, a gift by a member without a community.
    assert rows[None] == reports.LedgerFigures(issued=50, donated=10)
    assert report.total == reports.LedgerFigures(issued=530, spent=45, redeemed=15, donated=65,
                                                 granted=20, adjusted=30, in_pools=10)
    own = figures_for(k.manager_b).ledger
    assert [(station_id, figures) for station_id, _name, figures in own.by_station] == \
        [(k.b.id, rows[k.b.id])]
    assert own.total == rows[k.b.id]


def test_a_period_before_this_month_leaves_out_this_months_transfers(known):
    k = known
    figures = figures_for(k.admin, **{"from": key(k.m1), "to": key(k.m2)})
    assert [(row.year, row.month) for row in figures.hours_by_month] == [k.m1, k.m2]
    assert figures.served == reports.Served(240 + 210, 30)
    # Everything but 甲旧's transfer was posted this month; the pool was empty at the end of m2.
    assert figures.ledger.total == reports.LedgerFigures()
    old = figures_for(k.admin, month=key(k.old))
    assert old.served == reports.Served(120, 0)
    assert old.ledger.total == reports.LedgerFigures(issued=120)
    assert [(row.community_id, row.active) for row in old.coverage if row.active] == [(k.a1.id, 1)]


def test_the_theme_filter_narrows_activity_figures_but_not_the_ledger(known):
    k = known
    figures = figures_for(k.admin, theme_id=str(k.t1.id))
    assert figures.served == reports.Served(240, 0)
    assert figures.activities == 2
    assert (figures.attendance.confirmed, figures.attendance.attended) == (5, 4)
    assert {row.community_id: row.active for row in figures.coverage} == \
        {k.a1.id: 1, k.a2.id: 0, k.b1.id: 1, k.b2.id: 0}
    assert figures.ledger == figures_for(k.admin).ledger


# --- the figures equal the ledger's and the check-ins' own totals -----------------------------

def ledger_total(kind: str, start, end) -> int:
    """Minutes moved by transfers of `kind` posted in [start, end), less reversals of them:
    straight from the ledger's tables, the sum of each transfer's credited entries."""
    original = aliased(Transfer)
    moved = select(func.coalesce(func.sum(Entry.minutes), 0)).join(Entry.transfer).where(
        Entry.minutes > 0, Transfer.posted_at >= start, Transfer.posted_at < end)
    forward = db.session.scalar(moved.where(Transfer.kind == kind))
    back = db.session.scalar(moved.join(original, original.id == Transfer.reverses_id)
                             .where(Transfer.kind == TransferKind.REVERSAL, original.kind == kind))
    return forward - back


def approved_minutes_by_month(start, end) -> dict:
    """(year, month) → [scanned, honour] minutes of approved check-ins whose transfer was not
    reversed, summed in Python."""
    reversed_ = set(db.session.scalars(select(Transfer.reverses_id)))
    found = defaultdict(lambda: [0, 0])
    for checkin in db.session.scalars(select(CheckIn).where(CheckIn.status == "approved")):
        if checkin.transfer_id in reversed_:
            continue
        starts = checkin.activity.starts_at
        if start <= starts < end:
            moment = local(starts)
            found[(moment.year, moment.month)][0] += checkin.scanned_minutes
            found[(moment.year, moment.month)][1] += checkin.honour_minutes
    return found


def test_district_figures_equal_the_ledger_totals_and_the_check_in_totals(known):
    k = known
    figures = figures_for(k.admin)
    start, end = figures.filters.start, figures.filters.end
    total = figures.ledger.total
    assert total.issued == ledger_total(TransferKind.EARN, start, end)
    assert total.spent == ledger_total(TransferKind.SPEND, start, end)
    assert total.redeemed == ledger_total(TransferKind.REDEEM, start, end)
    assert total.donated + total.granted == ledger_total(TransferKind.DONATE, start, end)
    assert total.adjusted == ledger_total(TransferKind.ADJUST, start, end)
    assert total.in_pools == db.session.scalar(
        select(func.sum(Account.balance)).where(Account.kind == AccountKind.POOL))
    # Station 甲's issued hours are its issuer account's; 乙's likewise.
    for station in (k.a, k.b):
        issuer = ledger.find_account(keys.station_issuer(station.id))
        in_period = db.session.scalar(
            select(func.sum(Entry.minutes)).join(Entry.transfer)
            .where(Entry.account_id == issuer.id, Transfer.posted_at >= start,
                   Transfer.posted_at < end))
        station_figures = figures_for(k.admin, station_id=station.id)
        assert station_figures.ledger.total.issued == -in_period
        # All its approvals were posted in the period: hours served and issued agree.
        assert station_figures.served.total == -in_period

    by_checkins = approved_minutes_by_month(start, end)
    assert {(row.year, row.month): [row.served.scanned, row.served.honour]
            for row in figures.hours_by_month if row.served.total} == dict(by_checkins)
    # Every approved minute reached the ledger once (key checkin:<id>), before any reversal.
    approved = db.session.scalar(select(func.sum(CheckIn.minutes)).where(CheckIn.status == "approved"))
    posted = db.session.scalar(select(func.sum(Entry.minutes)).join(Entry.transfer).where(
        Transfer.kind == TransferKind.EARN, Transfer.reference.like("checkin:%"), Entry.minutes > 0))
    assert approved == posted == 120 + 90 + 60 + 90 + 90 + 120 + 120


def test_the_demo_figures_equal_the_ledger_totals(runner, make_user):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    admin = make_user(Role.DISTRICT_ADMIN)
    figures = figures_for(admin)
    start, end = figures.filters.start, figures.filters.end
    total = figures.ledger.total
    assert total.issued == ledger_total(TransferKind.EARN, start, end) > 0
    assert total.spent == ledger_total(TransferKind.SPEND, start, end) > 0
    assert total.donated + total.granted == ledger_total(TransferKind.DONATE, start, end)
    assert total.granted > 0 and total.in_pools > 0
    by_checkins = approved_minutes_by_month(start, end)
    assert {(row.year, row.month): [row.served.scanned, row.served.honour]
            for row in figures.hours_by_month if row.served.total} == dict(by_checkins)
    assert figures.served.honour > 0 and figures.attendance.no_show > 0
    assert figures.attendance.attended + figures.attendance.no_show + figures.attendance.unknown \
        == figures.attendance.confirmed


# --- who sees what ----------------------------------------------------------------------------



def row_minutes(html: str, attribute: str, value) -> list[int]:
    """The data-minutes of the table row marked ``data-<attribute>="<value>"``."""
    match = re.search(rf'<tr data-{attribute}="{value}">(.*?)</tr>', html, re.S)
    assert match, (attribute, value)
    return [int(minutes) for minutes in re.findall(r'data-minutes="(-?\d+)"', match.group(1))]


def row_cells(html: str, attribute: str, value) -> list[str]:
    match = re.search(rf'<tr data-{attribute}="{value}">(.*?)</tr>', html, re.S)
    assert match, (attribute, value)
    return re.findall(r"<td[^>]*>([^<]*)</td>", match.group(1))


def test_a_station_manager_sees_only_their_station(client, login, known):
    k = known
    login(k.manager_a)
    html = page(client, "/reports/")
    assert k.a.name in html and k.b.name not in html
    assert 'name="station_id"' not in html  # no station menu
    assert row_minutes(html, "station", k.a.id) == [360, 45, 15, 30, 20, 30, 10, 0]
    assert f'data-community="{k.b1.id}"' not in html
    page(client, f"/reports/?station_id={k.b.id}", 403)
    html = page(client, f"/reports/?station_id={k.a.id}")
    assert row_minutes(html, "station", k.a.id) == [360, 45, 15, 30, 20, 30, 10, 0]


def test_social_workers_residents_and_strangers_are_kept_out(app, known, make_user):
    assert app.test_client().get("/reports/").status_code == 302  # to the login page
    for user in (known.worker_a, make_user(), known.merchant, make_user(Role.STATION_MANAGER)):
        client = app.test_client()
        log_in(client, user)
        # The last one is a station manager not posted at any station yet.
        assert client.get("/reports/").status_code == 403, user.role_names


def test_the_district_dashboard_shows_every_station_and_the_same_numbers_as_its_charts(
        client, login, known):
    k = known
    login(k.admin)
    html = page(client, "/reports/")
    assert k.a.name in html and k.b.name in html
    assert row_minutes(html, "station", k.b.id) == [120, 0, 0, 25, 0, 0, 0, 0]
    assert row_minutes(html, "station", "") == [50, 0, 0, 10, 0, 0, 0, 0]  # no station
    assert row_minutes(html, "station", "total") == [530, 45, 15, 65, 20, 30, 10, 0]
    assert row_minutes(html, "month", key(k.m1)) == [240, 0, 240]
    assert row_cells(html, "month", key(k.m2))[:3] == ["3.5", "0.5", "4.0"]
    assert row_cells(html, "community", k.a1.id) == ["甲街道社工服务站", "2", "2", "100.0%"]
    attendance = re.search(r'id="table-attendance".*?<tfoot>(.*?)</tfoot>', html, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", attendance) == \
        ["10", "8", "80.0%", "1", "10.0%", "1", "10.0%"]

    data = json.loads(re.search(r'<script type="application/json" id="dashboard-data">(.*?)'
                                r"</script>", html, re.S).group(1))
    months = [row for row in figures_for(k.admin).hours_by_month]
    assert data["hours_by_month"]["datasets"][0]["data"] == \
        [reports.hours(row.served.scanned) for row in months]
    assert data["ledger"]["datasets"][0]["data"] == [8.8, 0.8, 0.3, 1.1, 0.3, 0.5, 0.2, 0.0]
    assert data["coverage"]["datasets"][0]["data"] == [2, 2, 1, 1]
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/dashboard.js" in html

    html = page(client, f"/reports/?station_id={k.b.id}")
    assert row_minutes(html, "station", k.b.id) == [120, 0, 0, 25, 0, 0, 0, 0]
    assert f'data-station="{k.a.id}"' not in html


def test_a_bad_month_is_explained_on_the_form(client, login, known):
    login(known.admin)
    client.get("/lang/en")
    for query, field, message in (("from=2026-13", "from", "Enter a month as YYYY-MM."),
                                  ("to=abc", "to", "Enter a month as YYYY-MM."),
                                  ("from=2026-05&to=2026-03", "to",
                                   "The last month comes before the first."),
                                  ("from=2001-01&to=2026-12", "to", "Choose at most 60 months.")):
        html = page(client, f"/reports/?{query}", 422)
        assert f'<p class="error" id="e-{field}">{message}</p>' in html, query
        assert 'id="dashboard-data"' not in html
    html = page(client, "/reports/?station_id=999999", 422)
    assert "Choose from the list." in html


def test_the_export_link_carries_the_filters_when_exports_exist(client, login, known, app):
    login(known.admin)
    html = page(client, f"/reports/?from={key(known.m1)}&to={key(known.m2)}")
    link = re.search(r'class="button button--quiet export-link" href="([^"]+)"', html)
    if "exports.index" in app.view_functions:
        assert f"from={key(known.m1)}" in link.group(1) and f"to={key(known.m2)}" in link.group(1)
    else:
        assert link is None


# --- the same figures as JSON -------------------------------------------------------------------

@pytest.fixture
def api_client(make_app):
    """A client of an app serving `GET /api/v1/reports/summary` (registered here until app.py
    registers it)."""
    from volunteers.reporting.views import report_api_bp

    other = make_app()
    if "report_api.summary" not in other.view_functions:
        other.register_blueprint(report_api_bp)
    return other.test_client()


def bearer(client, user) -> dict:
    response = client.post("/api/v1/auth/token", json={"phone": user.phone, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_the_summary_api_gives_the_same_figures_in_minutes(api_client, known):
    k = known
    response = api_client.get("/api/v1/reports/summary", headers=bearer(api_client, k.admin))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["filters"] == {"from": key(shift(k.this, -5)), "to": key(k.this),
                               "station_id": None, "theme_id": None}
    assert body["ledger"] == {"issued": 530, "spent": 45, "redeemed": 15, "donated": 65,
                              "granted": 20, "adjusted": 30, "in_pools": 10,
                              "opening": 0}
    assert [row["station_id"] for row in body["ledger_by_station"]] == [k.a.id, k.b.id, None]
    months = {row["month"]: row["served"] for row in body["hours_by_month"]}
    assert months[key(k.m2)] == {"scanned": 210, "honour": 30, "total": 240}
    assert body["attendance"] == {"month": None, "confirmed": 10, "attended": 8, "no_show": 1,
                                  "unknown": 1, "attended_rate": 80.0, "no_show_rate": 10.0,
                                  "unknown_rate": 10.0}
    assert {row["theme_id"]: row["activities"] for row in body["activities_by_theme"]} == \
        {k.t1.id: 2, k.t2.id: 1, k.ta.id: 1, None: 1}
    assert {row["community_id"]: row["active"] for row in body["coverage"]} == \
        {k.a1.id: 2, k.a2.id: 0, k.b1.id: 1, k.b2.id: 0}

    manager = bearer(api_client, k.manager_b)
    own = api_client.get("/api/v1/reports/summary", headers=manager).get_json()
    assert own["filters"]["station_id"] == k.b.id and own["ledger"]["issued"] == 120
    assert api_client.get(f"/api/v1/reports/summary?station_id={k.a.id}",
                          headers=manager).status_code == 403
    assert api_client.get("/api/v1/reports/summary",
                          headers=bearer(api_client, k.worker_a)).status_code == 403
    assert api_client.get("/api/v1/reports/summary").status_code == 401
    wrong = api_client.get("/api/v1/reports/summary?from=2026-1x", headers=manager)
    assert wrong.status_code == 422 and "from" in wrong.get_json()["error"]["fields"]
    document = api_client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "/api/v1/reports/summary" in document["paths"]


def test_the_dashboard_needs_the_same_queries_however_much_data_there_is(client, login, known,
                                                                          make_volunteer):
    """Every figure is aggregated in SQL: more volunteers, activities and hours add no query."""
    from tests.volunteers.activities.test_station import queries_for

    k = known
    login(k.admin)
    before = queries_for(client, "/reports/")
    for index in range(6):
        volunteer = make_volunteer(k.b2, name=f"新志愿者{index}")
        made = k.activity(k.b, k.worker_b, k.m2, 3 + index, title=f"乙加{index}", theme_id=k.t2.id,
                          community=k.b2)
        checkins.approve(k.attend(made, volunteer), by=k.worker_b)
        pools.donate(volunteer, k.b2, 10, "捐给互助池", idempotency_key=f"t:more:{index}")
    db.session.commit()
    assert queries_for(client, "/reports/") == before
