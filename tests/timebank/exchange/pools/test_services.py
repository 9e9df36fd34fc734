"""Community pools through HTTP: donations (with a confirmation step), grants by the station's
staff with a reason and a monthly cap, and the pool hours a grant lets someone spend."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import EDGE_INSTANTS, instant_id, log_in, post_form
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.clock import local, now
from timebank.errors import Conflict
from timebank.exchange.pools import services as pools
from timebank.exchange.pools.models import PoolGrant
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind
from timebank.notifications.models import Notification
from volunteers.profiles.services import profile_for, update_profile


@pytest.fixture
def issuer(app):
    account = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试社工站",
                                  min_balance=None)
    db.session.commit()
    return account


@pytest.fixture
def fund(issuer):
    """Credit a member's account with service minutes."""

    def credit(user, minutes):
        account = ledger.member_account(user)
        ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (account, minutes)],
                             idempotency_key=f"fund:{user.id}:{minutes}:{ledger_queries.counts()['transfers']}")
        db.session.commit()
        return account

    return credit


@pytest.fixture
def fill_pool(issuer):
    """Put minutes straight into a community's pool (as if donated)."""

    def fill(community, minutes):
        pool = pools.pool_account(community)
        ledger.post_transfer(TransferKind.DONATE, [(issuer, -minutes), (pool, minutes)],
                             idempotency_key=f"fill:{community.id}:{ledger_queries.counts()['transfers']}")
        db.session.commit()
        return pool

    return fill


@pytest.fixture
def place(make_station, make_staff):
    station = make_station()
    return station, station.town.communities[0], make_staff(station, name="李社工")


def balance_of(user) -> int:
    return ledger_queries.balance(ledger.member_account(user))


def pool_balance(community) -> int:
    return ledger_queries.balance(pools.pool_account(community))


def transfers() -> int:
    return db.session.scalar(select(func.count(Transfer.id)))


def grant_body(user, minutes=60, reason="独居长者，行动不便，需要陪诊", group="elderly_alone"):
    return {"user_id": user.id, "minutes": minutes, "group": group, "reason": reason}


# --- donations --------------------------------------------------------------------------------

def test_donating_asks_for_confirmation_and_confirming_twice_moves_once(
        client, login, make_volunteer, fund, place):
    _station, community, _worker = place
    alice = make_volunteer(community, name="陈晓敏")
    fund(alice, 120)
    login(alice)
    page = client.get("/pools/").get_data(as_text=True)
    assert "第1社区" in page and 'data-minutes="0"' in page
    response = post_form(client, "/pools/donate", {"hours": "1", "minutes": "0", "memo": "心意"},
                         page="/pools/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "请确认" in html and "第1社区互助池" in html
    before = transfers()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    for _i in range(2):
        done = post_form(client, "/pools/donate/confirm", {"token": token}, page="/pools/")
        assert done.status_code == 302
    assert transfers() == before + 1
    assert balance_of(alice) == 60 and pool_balance(community) == 60
    assert 'data-minutes="60"' in client.get("/pools/").get_data(as_text=True)
    assert ledger_queries.verify() == []


def test_donating_more_than_i_have_is_refused_before_confirmation(
        client, login, make_volunteer, fund, place):
    _station, community, _worker = place
    alice = make_volunteer(community)
    fund(alice, 30)
    login(alice)
    response = post_form(client, "/pools/donate", {"hours": "1"}, page="/pools/")
    assert response.status_code == 409
    assert "请确认" not in response.get_data(as_text=True)
    assert balance_of(alice) == 30


def test_api_donation_with_the_same_idempotency_key_moves_once(
        client, api_token, make_volunteer, fund, place):
    _station, community, _worker = place
    alice = make_volunteer(community)
    fund(alice, 90)
    headers = {**api_token(alice), "Idempotency-Key": "donate-1"}
    url = f"/api/v1/pools/{community.id}/donations"
    first = client.post(url, json={"minutes": 30, "memo": "心意"}, headers=headers)
    second = client.post(url, json={"minutes": 30, "memo": "心意"}, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["id"] == second.get_json()["id"]
    assert first.get_json()["kind"] == "donate"
    assert pool_balance(community) == 30 and balance_of(alice) == 60
    listed = client.get(f"/api/v1/pools?community_id={community.id}", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["balance_minutes"] == 30
    assert client.post(url, json={"minutes": 999}, headers=api_token(alice)).status_code == 409
    assert ledger_queries.verify() == []


# --- grants -----------------------------------------------------------------------------------

def test_staff_grant_with_a_reason_lets_someone_without_hours_spend(
        client, api_token, make_volunteer, make_user, fill_pool, place):
    _station, community, worker = place
    fill_pool(community, 300)
    grandma, neighbour = make_volunteer(community, name="黄婆婆"), make_user(name="梁伯")
    headers = {**api_token(worker), "Idempotency-Key": "grant-1"}
    url = f"/api/v1/pools/{community.id}/grants"
    response = client.post(url, json=grant_body(grandma, 90), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["minutes"] == 90 and body["recipient_name"] == "黄**"
    assert body["station_remaining_minutes"] == 1200 - 90
    assert client.post(url, json=grant_body(grandma, 90), headers=headers).status_code == 200
    assert balance_of(grandma) == 90 and pool_balance(community) == 210
    grant = db.session.scalar(select(PoolGrant))
    assert grant.reason == "独居长者，行动不便，需要陪诊" and grant.granted_by_id == worker.id
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "pool.grant"))
    assert audit.reason == grant.reason and audit.actor_id == worker.id
    assert db.session.scalar(select(Notification).where(Notification.user_id == grandma.id))

    # Hours she never earned, she can now use.
    spent = client.post("/api/v1/transfers", json={"to_user_id": neighbour.id, "minutes": 60,
                                                   "memo": "陪诊"}, headers=api_token(grandma))
    assert spent.status_code == 201, spent.get_json()
    assert balance_of(grandma) == 30 and balance_of(neighbour) == 60
    assert ledger_queries.verify() == []


def test_a_grant_needs_a_reason_and_a_known_group(client, api_token, make_user, fill_pool, place):
    _station, community, worker = place
    fill_pool(community, 300)
    someone = make_user()
    url = f"/api/v1/pools/{community.id}/grants"
    response = client.post(url, json=grant_body(someone, reason=" "), headers=api_token(worker))
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    response = client.post(url, json=grant_body(someone, group="friends"), headers=api_token(worker))
    assert response.status_code == 422 and "group" in response.get_json()["error"]["fields"]
    assert balance_of(someone) == 0 and pool_balance(community) == 300


def test_staff_of_another_station_and_residents_cannot_grant(
        client, api_token, make_station, make_staff, make_user, fill_pool, place):
    _station, community, _worker = place
    fill_pool(community, 300)
    outsider = make_staff(make_station(), name="外站社工")
    someone = make_user()
    url = f"/api/v1/pools/{community.id}/grants"
    assert client.post(url, json=grant_body(someone), headers=api_token(outsider)).status_code == 403
    assert client.post(url, json=grant_body(someone), headers=api_token(someone)).status_code == 403
    assert pool_balance(community) == 300 and balance_of(someone) == 0


def test_grants_above_the_monthly_cap_are_refused(client, api_token, make_user, fill_pool, place):
    station, community, worker = place
    other_community = station.town.communities[1]
    fill_pool(community, 2000)
    fill_pool(other_community, 500)
    someone = make_user()
    url = f"/api/v1/pools/{community.id}/grants"
    assert client.post(url, json=grant_body(someone, 1000), headers=api_token(worker)).status_code == 201
    # The cap is the station's, across all its communities' pools.
    refused = client.post(f"/api/v1/pools/{other_community.id}/grants",
                          json=grant_body(someone, 300), headers=api_token(worker))
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "grant_cap_reached" and "3小时20分钟" in error["message"]
    assert balance_of(someone) == 1000
    assert client.post(url, json=grant_body(someone, 200), headers=api_token(worker)).status_code == 201
    assert pools.remaining_cap(station) == 0
    assert ledger_queries.verify() == []


@pytest.mark.parametrize("instant", EDGE_INSTANTS, ids=instant_id)
def test_the_monthly_cap_starts_again_at_midnight_in_nansha_on_the_first(
        make_user, fill_pool, place, pinned_clock, instant):
    station, community, worker = place
    fill_pool(community, 2000)
    pools.grant(community, make_user(), pools.monthly_cap(), "elderly_alone", "独居长者",
                by=worker, idempotency_key="cap:all")
    db.session.commit()
    assert pools.remaining_cap(station) == 0
    with pytest.raises(Conflict, match="每月发放上限"):
        pools.grant(community, make_user(), 30, "elderly_alone", "独居长者", by=worker,
                    idempotency_key="cap:over")
    db.session.rollback()
    pinned_clock.shift(timedelta(minutes=2))  # 23:59 becomes 00:01, on the 1st of the next month
    new_month = local(now()).month != instant.month
    assert pools.remaining_cap(station) == (pools.monthly_cap() if new_month else 0)


def test_a_grant_larger_than_the_pool_is_refused(client, api_token, make_user, fill_pool, place):
    _station, community, worker = place
    fill_pool(community, 50)
    someone = make_user()
    before = transfers()
    response = client.post(f"/api/v1/pools/{community.id}/grants", json=grant_body(someone, 60),
                           headers=api_token(worker))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "pool_insufficient"
    assert transfers() == before and pool_balance(community) == 50
    assert db.session.scalar(select(func.count(PoolGrant.id))) == 0


def test_grants_page_shows_the_cap_and_grants_by_phone(
        app, client, login, make_user, fill_pool, place):
    station, community, worker = place
    fill_pool(community, 300)
    grandpa = make_user(name="周伯伯")
    login(worker)
    page = client.get("/pools/grants").get_data(as_text=True)
    assert 'data-minutes="1200"' in page and "第1社区" in page
    form = {"community_id": str(community.id), "recipient_phone": grandpa.phone, "minutes": "60",
            "group": "elderly_alone", "reason": "独居长者", "nonce": "page-grant-0001"}
    first = post_form(client, "/pools/grants", form, page="/pools/grants")
    again = post_form(client, "/pools/grants", form, page="/pools/grants")
    assert first.status_code == again.status_code == 302
    assert balance_of(grandpa) == 60
    page = client.get("/pools/grants").get_data(as_text=True)
    assert "周伯伯" in page and 'data-minutes="1140"' in page
    missing = post_form(client, "/pools/grants", {**form, "reason": "", "nonce": "page-grant-0002"},
                        page="/pools/grants")
    assert missing.status_code == 422 and balance_of(grandpa) == 60
    # Residents see the recent grants with the name masked.
    resident = make_user()
    update_profile(profile_for(resident), {"community_id": community.id})
    db.session.commit()
    other = app.test_client()
    log_in(other, resident)
    assert other.get("/pools/grants").status_code == 403
    page = other.get("/pools/").get_data(as_text=True)
    assert "周**" in page and "周伯伯" not in page
    assert ledger_queries.verify() == []


def test_staff_role_is_needed_for_the_grants_page(client, login, make_user):
    login(make_user(Role.MERCHANT))
    assert client.get("/pools/grants").status_code == 403
