"""The time bank's operations centre (运营中心, role ``grant_officer``): grants from the
district's pool and from any community's pool, under the district's monthly budget, audited,
the recipient notified; a page of its own; created from the command line or by the district."""

import pytest
from sqlalchemy import select

from tests.concurrency import run_at_once
from tests.conftest import log_in, page, post_form
from timebank.accounts import services as users
from timebank.accounts.models import User
from timebank.accounts.permissions import Role, has_role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, PermissionDenied
from timebank.exchange.pools import services as pools
from timebank.exchange.pools.models import PoolGrant
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind
from timebank.notifications.models import Notification


@pytest.fixture
def centre(app, make_user, make_station):
    """The operations centre's officer, a resident in difficulty, funded district and
    community pools, and the community's station with a social worker."""
    station = make_station()
    community = station.town.communities[0]
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试", min_balance=None)
    for pool in (pools.district_pool(), pools.pool_account(community)):
        ledger.post_transfer(TransferKind.DONATE, [(issuer, -6000), (pool, 6000)],
                             idempotency_key=f"fill:{pool.key}")
    officer = make_user(Role.GRANT_OFFICER, name="运营中心王主任")
    elder = make_user(Role.RESIDENT, name="独居陈婆婆")
    db.session.commit()
    app.config["GRANT_MONTHLY_BUDGET_MINUTES"] = 600
    return {"officer": officer, "elder": elder, "community": community, "station": station}


def test_the_officer_grants_within_the_districts_budget(app, centre):
    officer, elder, community = centre["officer"], centre["elder"], centre["community"]
    assert not has_role(officer, Role.SOCIAL_WORKER)  # staff of no station
    first = pools.grant(None, elder, 300, "elderly_alone", "独居长者助餐", by=officer,
                        idempotency_key="g:1")
    second = pools.grant(community, elder, 240, "elderly_alone", "陪诊", by=officer,
                         idempotency_key="g:2")
    assert first.by_district and first.community_id is None and second.station_id is not None
    assert pools.district_granted_this_month() == 540
    assert pools.granted_this_month(centre["station"]) == 0  # not the station's cap
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        pools.grant(community, elder, 120, "elderly_alone", "再发", by=officer,
                    idempotency_key="g:3")
    assert refused.value.code == "grant_budget_reached" and "1 时间币" in refused.value.message
    db.session.rollback()
    assert ledger_queries.balance(ledger.member_account(elder)) == 540
    assert ledger.find_transfer("g:1").category == "pool_grant"
    assert {row.details["by_district"] for row in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "pool.grant"))} == {True}
    assert db.session.scalar(select(Notification).where(Notification.user_id == elder.id))


def test_only_the_officer_grants_from_the_districts_pool(app, centre, make_staff):
    worker = make_staff(centre["station"])
    with pytest.raises(PermissionDenied):
        pools.grant(None, centre["elder"], 60, "hardship", "困难家庭", by=worker,
                    idempotency_key="w:1")
    with pytest.raises(PermissionDenied):
        pools.grant(None, centre["elder"], 60, "hardship", "困难家庭", by=centre["elder"],
                    idempotency_key="w:2")
    # A social worker's grant counts against the station's cap, not the district's budget.
    pools.grant(centre["community"], centre["elder"], 60, "hardship", "困难家庭", by=worker,
                idempotency_key="w:3")
    assert pools.district_granted_this_month() == 0
    assert pools.granted_this_month(centre["station"]) == 60


def test_the_grants_page(app, client, centre):
    log_in(client, centre["officer"])
    html = page(client, "/grants/")
    assert "区级发放" in html or "District grants" in html
    assert 'data-minutes="6000"' in html and "10 时间币" in html
    form = {"community_id": "", "recipient_phone": centre["elder"].phone, "minutes": "480",
            "group": "elderly_alone", "reason": "独居长者助餐", "nonce": "nonce-0001"}
    done = post_form(client, "/grants/", form)
    assert done.status_code == 302
    over = post_form(client, "/grants/", {**form, "nonce": "nonce-0002", "minutes": "180"})
    assert over.status_code == 409
    assert "2 时间币" in over.get_data(as_text=True)  # what is left of the budget
    db.session.rollback()
    assert [grant.minutes for grant in db.session.scalars(select(PoolGrant))] == [480]


def test_others_cannot_open_the_grants_page(app, make_user):
    for role in (Role.RESIDENT, Role.SOCIAL_WORKER, Role.STATION_MANAGER):
        client = app.test_client()
        log_in(client, make_user(role))
        page(client, "/grants/", 403)


def test_twenty_grants_at_once_never_pass_the_budget(app, centre):
    officer_id, elder_id = centre["officer"].id, centre["elder"].id

    def grant(i):
        officer, elder = db.session.get(User, officer_id), db.session.get(User, elder_id)
        return pools.grant(None, elder, 60, "hardship", "并发发放", by=officer,
                           idempotency_key=f"c:{i}").minutes

    results = run_at_once(app, grant)
    assert sum(result for result in results if isinstance(result, int)) == 600, results
    assert all(isinstance(result, int | Conflict) for result in results), results
    assert pools.district_granted_this_month() == 600
    assert ledger_queries.verify() == []


def test_the_role_from_the_command_line_and_the_staff_pages(app, runner, client, make_user):
    result = runner.invoke(args=["users", "create", "--role", "grant_officer", "--phone",
                                 "13800000077", "--password", "a-long-pass", "--name", "运营中心"])
    assert result.exit_code == 0, result.output
    assert users.get_by_phone("13800000077").role_names == ["grant_officer"]
    admin = make_user(Role.DISTRICT_ADMIN)
    log_in(client, admin)
    assert 'value="grant_officer"' in page(client, "/admin/staff/new")
    response = post_form(client, "/admin/staff/new", {
        "name": "运营中心李", "phone": "137 1234 0000", "password": "", "role": "grant_officer",
        "station_id": ""})
    assert response.status_code == 200
    assert users.get_by_phone("13712340000").role_names == ["grant_officer"]
