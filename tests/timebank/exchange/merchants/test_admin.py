"""Partner merchants' administration: registration (pending), approval, suspension (no
payments, no items offered) and reinstatement, searchable and audited; pages and API."""

import pytest
from sqlalchemy import func, select

from tests.conftest import log_in, page, post_form
from timebank.accounts import services as users
from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import Conflict, InvalidInput, PermissionDenied
from timebank.exchange.merchants import services as merchants
from timebank.exchange.merchants.models import MerchantStatus, Redemption
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind

#: A valid 统一社会信用代码 (its check character is right).
CREDIT_CODE = "91110000600037341L"


@pytest.fixture
def district_admin(make_user):
    return make_user(Role.DISTRICT_ADMIN, name="区管理员")


@pytest.fixture
def stations(make_station, make_staff):
    a, b = make_station(), make_station()
    return {"a": a, "b": b, "manager_a": make_staff(a, Role.STATION_MANAGER, name="甲站主管"),
            "worker_a": make_staff(a, name="甲站社工"),
            "manager_b": make_staff(b, Role.STATION_MANAGER, name="乙站主管")}


def register(by, **data):
    user, password = merchants.register_merchant({
        "shop_name": "爱心糖水铺", "contact_name": "何老板", "login_phone": "13512345678",
        "phone": "020-12345678", "address": "金洲大道1号", "credit_code": None,
        "station_id": None, "password": None, **data}, by=by)
    db.session.commit()
    return user, password


@pytest.fixture
def paying_member(make_user):
    member = make_user(name="陈晓敏")
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试站", min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -120), (ledger.member_account(member), 120)],
                         idempotency_key="fund:member")
    db.session.commit()
    return member


# --- rules --------------------------------------------------------------------------------

def test_a_registered_merchant_waits_for_the_districts_approval(stations, district_admin):
    user, password = register(stations["manager_a"], station_id=stations["a"].id)
    profile = merchants.profile_of(user)
    assert profile.status == MerchantStatus.PENDING and password and user.check_password(password)
    assert user.role_names == ["merchant"] and profile.station_id == stations["a"].id
    with pytest.raises(PermissionDenied):
        merchants.approve_merchant(profile, by=stations["manager_a"])
    merchants.approve_merchant(profile, by=district_admin, reason="资料齐全")
    assert profile.status == MerchantStatus.APPROVED
    with pytest.raises(Conflict):
        merchants.approve_merchant(profile, by=district_admin)


def test_a_station_manager_registers_for_their_own_station_only(stations):
    with pytest.raises(PermissionDenied):
        register(stations["manager_a"], station_id=stations["b"].id)
    with pytest.raises(PermissionDenied):
        register(stations["worker_a"], station_id=stations["a"].id)
    db.session.rollback()
    assert users.get_by_phone("13512345678") is None
    user, _ = register(stations["manager_a"])  # no station given: their own
    assert merchants.profile_of(user).station_id == stations["a"].id


def test_a_bad_credit_code_is_refused_and_creates_nobody(district_admin):
    with pytest.raises(InvalidInput) as refused:
        register(district_admin, credit_code="91110000600037341X")
    assert "credit_code" in refused.value.fields
    db.session.rollback()
    assert users.get_by_phone("13512345678") is None
    user, _ = register(district_admin, credit_code=CREDIT_CODE.lower())
    assert merchants.profile_of(user).credit_code == CREDIT_CODE
    with pytest.raises(Conflict):
        register(district_admin, login_phone="13512345679", credit_code=CREDIT_CODE)


def test_a_suspended_merchant_cannot_redeem_and_offers_nothing(district_admin, paying_member):
    user, _ = register(district_admin)
    profile = merchants.profile_of(user)
    item = merchants.create_item(user, {"name": "糖水一碗", "price_minutes": 30, "stock": 5})
    db.session.commit()
    _token, code, _ = merchants.payment_code(paying_member)
    with pytest.raises(merchants.MerchantNotTrading) as refused:  # pending
        merchants.redeem(user, code, item)
    assert refused.value.code == "merchant_not_approved"
    merchants.approve_merchant(profile, by=district_admin)
    assert merchants.items_of(user, active_only=True) == [item]
    with pytest.raises(InvalidInput):
        merchants.suspend_merchant(profile, by=district_admin, reason="")
    merchants.suspend_merchant(profile, by=district_admin, reason="投诉核实中")
    db.session.commit()
    token, code, _ = merchants.payment_code(paying_member)
    for each in (code, token):
        with pytest.raises(merchants.MerchantNotTrading) as refused:
            merchants.redeem(user, each, item)
        assert refused.value.code == "merchant_suspended"
    with pytest.raises(merchants.MerchantNotTrading):
        merchants.read_payment_code(token, by=user)
    assert merchants.items_of(user, active_only=True) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count(Redemption.id))) == 0
    merchants.reinstate_merchant(profile, by=district_admin, reason="核实无误")
    redemption = merchants.redeem(user, token, item)
    assert redemption.minutes == 30
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"merchant.register", "merchant.approve", "merchant.suspend",
            "merchant.reinstate"} <= actions


def test_a_merchant_without_a_profile_trades_as_before(make_user):
    merchant = make_user(Role.MERCHANT, name="老商家")
    assert merchants.may_trade(merchant)
    merchants.require_trading(merchant)


def test_the_list_is_searchable_and_scoped_to_the_station(stations, district_admin):
    register(stations["manager_a"], station_id=stations["a"].id)
    register(stations["manager_b"], shop_name="乙站理发店", login_phone="13512345679",
             station_id=stations["b"].id)
    mine = db.session.scalars(merchants.merchants_statement(stations["manager_a"])).all()
    assert [profile.shop_name for profile in mine] == ["爱心糖水铺"]
    assert len(db.session.scalars(merchants.merchants_statement(district_admin)).all()) == 2
    found = db.session.scalars(merchants.merchants_statement(district_admin, "理发")).all()
    assert [profile.shop_name for profile in found] == ["乙站理发店"]
    pending = db.session.scalars(merchants.merchants_statement(district_admin, "",
                                                               "approved")).all()
    assert pending == []


def test_the_demo_merchant_is_approved(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    merchant = users.get_by_phone("13800000005")
    assert merchants.profile_of(merchant).status == MerchantStatus.APPROVED


# --- pages --------------------------------------------------------------------------------

def test_a_station_manager_registers_and_the_district_approves_through_the_page(
        client, stations, district_admin):
    log_in(client, stations["manager_a"])
    response = post_form(client, "/admin/merchants/", {
        "shop_name": "爱心糖水铺", "contact_name": "何老板", "login_phone": "13512345678",
        "phone": "", "address": "金洲大道1号", "credit_code": "", "password": "",
        "station_id": str(stations["a"].id)})
    assert response.status_code == 200
    assert "generated-password" in response.get_data(as_text=True)
    html = page(client, "/admin/merchants/?q=糖水")
    assert "爱心糖水铺" in html and "/approve" not in html  # only the district approves
    user = users.get_by_phone("13512345678")
    client2 = client.application.test_client()
    log_in(client2, district_admin)
    response = post_form(client2, f"/admin/merchants/{user.id}/approve", {},
                         page="/admin/merchants/")
    assert response.status_code == 302
    assert merchants.profile_of(user).status == MerchantStatus.APPROVED
    response = post_form(client2, f"/admin/merchants/{user.id}/suspend", {"reason": ""},
                         page="/admin/merchants/", follow_redirects=True)
    db.session.rollback()
    assert merchants.profile_of(user).status == MerchantStatus.APPROVED


def test_a_bad_registration_form_shows_its_errors(client, district_admin):
    log_in(client, district_admin)
    response = post_form(client, "/admin/merchants/", {
        "shop_name": "", "contact_name": "何", "login_phone": "123", "credit_code": "abc"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(merchants.MerchantProfile)) == 0


def test_a_social_worker_is_refused_the_merchant_pages(client, stations):
    log_in(client, stations["worker_a"])
    page(client, "/admin/merchants/", 403)


# --- API ----------------------------------------------------------------------------------

def test_the_api_registers_approves_and_suspends(client, api_token, stations, district_admin):
    manager = api_token(stations["manager_a"])
    created = client.post("/api/v1/admin/merchants", headers=manager, json={
        "shop_name": "爱心理发店", "contact_name": "梁师傅", "login_phone": "13512345678",
        "credit_code": CREDIT_CODE})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending" and body["password"] and body["station_id"] == stations["a"].id
    merchant_id = body["user_id"]
    assert client.post(f"/api/v1/admin/merchants/{merchant_id}/approve", headers=manager,
                       json={}).status_code == 403
    admin = api_token(district_admin)
    approved = client.post(f"/api/v1/admin/merchants/{merchant_id}/approve", headers=admin, json={})
    assert approved.get_json()["status"] == "approved"
    refused = client.post(f"/api/v1/admin/merchants/{merchant_id}/suspend", headers=admin, json={})
    assert refused.status_code == 422
    suspended = client.post(f"/api/v1/admin/merchants/{merchant_id}/suspend", headers=admin,
                            json={"reason": "停业整顿"})
    assert suspended.get_json()["status"] == "suspended"
    listed = client.get("/api/v1/admin/merchants?status=suspended", headers=admin).get_json()
    assert listed["total"] == 1 and listed["items"][0]["shop_name"] == "爱心理发店"
    other = api_token(stations["manager_b"])
    assert client.get(f"/api/v1/admin/merchants/{merchant_id}", headers=other).status_code == 403
    assert client.get("/api/v1/admin/merchants", headers=other).get_json()["total"] == 0


def test_the_api_refuses_a_suspended_merchants_redemption(client, api_token, district_admin,
                                                          paying_member):
    user, _ = register(district_admin, password="shop password 1")
    merchants.approve_merchant(merchants.profile_of(user), by=district_admin)
    item = merchants.create_item(user, {"name": "糖水一碗", "price_minutes": 30, "stock": 5})
    merchants.suspend_merchant(merchants.profile_of(user), by=district_admin, reason="投诉")
    db.session.commit()
    _token, code, _ = merchants.payment_code(paying_member)
    response = client.post("/api/v1/redemptions", headers=api_token(user, "shop password 1"),
                           json={"code": code, "item_id": item.id})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "merchant_suspended"
