"""Hours through HTTP: my statement, giving with confirmation, staff views and corrections, the API."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import post_form
from timebank.accounts.permissions import Role
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, Transfer, TransferKind


@pytest.fixture
def fund(app):
    """Credit a user's account with service minutes from a test issuer."""
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                 min_balance=None)

    def credit(user, minutes, memo="长者探访"):
        account = ledger.member_account(user)
        ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (account, minutes)],
                             idempotency_key=f"fund:{user.id}:{minutes}:{memo}", memo=memo)
        db.session.commit()
        return account

    return credit


@pytest.fixture
def pool(app):
    account = ledger.open_account("pool:test", AccountKind.POOL, name="南沙街道互助池")
    db.session.commit()
    return account


def transfers() -> int:
    return db.session.scalar(select(func.count(Transfer.id)))


def confirm_token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


# --- pages ------------------------------------------------------------------------------------

def test_my_hours_shows_balance_statement_and_months(client, make_user, login, fund):
    alice = make_user(name="陈晓敏")
    fund(alice, 150, memo="重阳敬老探访")
    login(alice)
    page = client.get("/hours/").get_data(as_text=True)
    assert 'data-minutes="150"' in page
    assert "2小时30分钟" in page
    assert "重阳敬老探访" in page and "南沙街道社工站" in page
    assert "<svg" in page and "近 12 个月时间收支" in page
    assert "再服务 98 小时可申请一星志愿者" in page and "0 星" not in page


def test_a_new_member_sees_an_empty_statement(client, make_user, login):
    login(make_user())
    page = client.get("/hours/").get_data(as_text=True)
    assert "暂无记录" in page and 'data-minutes="0"' in page


def test_giving_hours_asks_for_confirmation_then_moves_them_once(client, make_user, login, fund):
    alice, bob = make_user(name="陈晓敏"), make_user(name="梁伯")
    fund(alice, 120)
    login(alice)
    response = post_form(client, "/hours/give", {"recipient_phone": bob.phone, "hours": "1",
                                                 "minutes": "30", "memo": "陪诊"})
    page = response.get_data(as_text=True)
    assert "请确认" in page and "梁*" in page and "1.5 时间币" in page
    assert transfers() == 1  # nothing moved yet
    token = confirm_token(page)
    first = post_form(client, "/hours/give/confirm", {"token": token}, page="/hours/")
    second = post_form(client, "/hours/give/confirm", {"token": token}, page="/hours/")
    assert first.status_code == second.status_code == 302
    assert transfers() == 2
    assert ledger_queries.balance(ledger.member_account(alice)) == 30
    assert ledger_queries.balance(ledger.member_account(bob)) == 90
    assert "已向 梁伯 转出 1.5 时间币" in client.get("/hours/").get_data(as_text=True)


def test_giving_more_than_the_balance_is_refused_clearly(client, make_user, login, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 30)
    login(alice)
    page = post_form(client, "/hours/give", {"recipient_phone": bob.phone, "hours": "1"}
                     ).get_data(as_text=True)
    assert "账户时间不足" in page and "请确认" not in page
    assert transfers() == 1


def test_confirming_after_the_balance_dropped_is_refused(client, make_user, login, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 60)
    login(alice)
    page = post_form(client, "/hours/give", {"recipient_phone": bob.phone, "hours": "1"}
                     ).get_data(as_text=True)
    ledger.transfer_between(ledger.member_account(alice), ledger.member_account(bob), 30,
                            TransferKind.DONATE, idempotency_key="meanwhile")
    db.session.commit()
    response = post_form(client, "/hours/give/confirm", {"token": confirm_token(page)},
                         page="/hours/", follow_redirects=True)
    assert "时间不足" in response.get_data(as_text=True)
    assert ledger_queries.balance(ledger.member_account(alice)) == 30
    assert transfers() == 2


def test_give_form_errors(client, make_user, login, fund, pool):
    alice = make_user()
    fund(alice, 60)
    login(alice)
    page = post_form(client, "/hours/give", {"hours": "1"}).get_data(as_text=True)
    assert "请填写成员手机号，或选择一个互助池" in page
    page = post_form(client, "/hours/give", {"recipient_phone": "13912345678", "hours": "1"}
                     ).get_data(as_text=True)
    assert "没有该成员" in page
    page = post_form(client, "/hours/give", {"recipient_phone": alice.phone, "hours": "1"}
                     ).get_data(as_text=True)
    assert "不能转给自己" in page
    page = post_form(client, "/hours/give", {"pool_id": str(pool.id), "hours": "0",
                                             "minutes": "0"}).get_data(as_text=True)
    assert "请填写要转出的时长" in page
    assert transfers() == 1


def test_donating_to_a_community_pool(client, make_user, login, fund, pool):
    alice = make_user()
    fund(alice, 60)
    login(alice)
    page = post_form(client, "/hours/give", {"pool_id": str(pool.id), "minutes": "45"}
                     ).get_data(as_text=True)
    assert "南沙街道互助池" in page
    post_form(client, "/hours/give/confirm", {"token": confirm_token(page)}, page="/hours/")
    assert ledger_queries.balance(pool) == 45
    assert db.session.scalar(select(Transfer).order_by(Transfer.id.desc())).kind == "donate"


def test_a_forged_or_foreign_confirmation_is_refused(client, make_user, login, fund, app):
    alice, bob, mallory = make_user(), make_user(), make_user()
    fund(alice, 60)
    login(alice)
    token = confirm_token(post_form(client, "/hours/give", {"recipient_phone": bob.phone,
                                                            "minutes": "30"}).get_data(as_text=True))
    response = post_form(client, "/hours/give/confirm", {"token": token[:-2] + "xx"}, page="/hours/",
                         follow_redirects=True)
    assert "确认页已失效" in response.get_data(as_text=True)
    other = app.test_client()
    from tests.conftest import log_in

    log_in(other, mallory)
    post_form(other, "/hours/give/confirm", {"token": token}, page="/hours/")
    assert transfers() == 1


# --- staff ------------------------------------------------------------------------------------

def test_staff_see_a_members_statement(client, make_user, login, fund, manager_for):
    alice = make_user(name="陈晓敏")
    fund(alice, 60, memo="禁毒宣传")
    login(manager_for(alice, role=Role.SOCIAL_WORKER))
    page = client.get(f"/staff/members/{alice.id}/hours").get_data(as_text=True)
    assert "陈晓敏 的时间账户" in page and "禁毒宣传" in page
    # The phone masked, with the audited reveal beside it (timebank.privacy).
    assert alice.phone not in page and f"{alice.phone[:3]}****{alice.phone[-4:]}" in page
    assert "人工调整时长" not in page  # social workers cannot post adjustments


def test_a_resident_cannot_see_another_members_statement(client, make_user, login):
    alice = make_user()
    login(make_user())
    assert client.get(f"/staff/members/{alice.id}/hours").status_code == 403


def test_station_manager_posts_an_adjustment_with_a_reason(client, make_user, login, manager_for):
    alice = make_user()
    login(manager_for(alice))
    page = client.get(f"/staff/members/{alice.id}/hours").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    data = {"minutes": "90", "reason": "纸质签到表补录", "nonce": nonce}
    assert post_form(client, f"/staff/members/{alice.id}/adjust", data,
                     page=f"/staff/members/{alice.id}/hours").status_code == 302
    post_form(client, f"/staff/members/{alice.id}/adjust", data,
              page=f"/staff/members/{alice.id}/hours")  # a double click
    assert ledger_queries.balance(ledger.member_account(alice)) == 90
    assert transfers() == 1


def test_adjustment_without_a_reason_is_refused(client, make_user, login, manager_for):
    alice = make_user()
    login(manager_for(alice))
    response = post_form(client, f"/staff/members/{alice.id}/adjust",
                         {"minutes": "90", "reason": "", "nonce": "abcdefgh12"},
                         page=f"/staff/members/{alice.id}/hours")
    assert response.status_code == 422
    assert "请填写原因" in response.get_data(as_text=True)
    assert transfers() == 0


def test_social_worker_cannot_adjust_or_reverse(client, make_user, login, fund):
    alice = make_user()
    fund(alice, 60)
    transfer = db.session.scalar(select(Transfer))
    login(make_user(Role.SOCIAL_WORKER))
    assert post_form(client, f"/staff/members/{alice.id}/adjust",
                     {"minutes": "90", "reason": "想加", "nonce": "abcdefgh12"},
                     page="/staff/members").status_code == 403
    assert post_form(client, f"/staff/transfers/{transfer.id}/reverse", {"reason": "想撤"},
                     page="/staff/members").status_code == 403
    assert transfers() == 1


def test_station_manager_reverses_a_transfer(client, make_user, login, fund, manager_for):
    alice = make_user()
    fund(alice, 60)
    transfer = db.session.scalar(select(Transfer))
    login(manager_for(alice))
    response = post_form(client, f"/staff/transfers/{transfer.id}/reverse",
                         {"reason": "重复签到", "next": f"/staff/members/{alice.id}/hours"},
                         page=f"/staff/members/{alice.id}/hours", follow_redirects=True)
    assert "该笔记录已冲正" in response.get_data(as_text=True)
    assert ledger_queries.balance(ledger.member_account(alice)) == 0
    assert ledger_queries.verify() == []


def test_another_stations_manager_can_neither_adjust_nor_reverse(client, make_user, login, fund,
                                                                   manager_for):
    alice = make_user()
    fund(alice, 60)
    transfer = db.session.scalar(select(Transfer))
    manager_for(alice)
    login(manager_for(make_user()))  # manages a station alice does not belong to
    page = f"/staff/members/{alice.id}/hours"
    assert "人工调整时长" not in client.get(page).get_data(as_text=True)
    assert post_form(client, f"/staff/members/{alice.id}/adjust",
                     {"minutes": "90", "reason": "想加", "nonce": "abcdefgh12"}, page=page).status_code == 403
    assert post_form(client, f"/staff/transfers/{transfer.id}/reverse", {"reason": "想撤"},
                     page=page).status_code == 403
    assert transfers() == 1 and ledger_queries.balance(ledger.member_account(alice)) == 60


@pytest.mark.parametrize("authorization", ["x", "Bearer ", "Bearer forged.token.value", "Basic dTpw"])
def test_an_authorization_header_that_is_no_valid_token_does_not_skip_csrf(
        client, make_user, login, fund, authorization):
    alice, bob = make_user(), make_user()
    fund(alice, 60)
    login(alice)
    response = client.post("/api/v1/transfers", headers={"Authorization": authorization},
                           json={"to_user_id": bob.id, "minutes": 10, "memo": "谢谢"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    assert db.session.scalar(select(func.count(Transfer.id))) == 1  # only the funding


def test_a_valid_bearer_token_needs_no_csrf_header(client, make_user, api_token, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 60)
    response = client.post("/api/v1/transfers", headers=api_token(alice),
                           json={"to_user_id": bob.id, "minutes": 10, "memo": "谢谢"})
    assert response.status_code == 201


# --- API --------------------------------------------------------------------------------------

def test_api_account_and_entries(client, make_user, api_token, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 120, memo="助残日")
    headers = api_token(alice)
    client.post("/api/v1/transfers", json={"to_user_id": bob.id, "minutes": 20, "memo": "谢谢"},
                headers=headers)
    account = client.get("/api/v1/accounts/me", headers=headers).get_json()
    assert account["balance_minutes"] == 100
    assert account["earned_minutes"] == 120 and account["spent_minutes"] == 20
    assert account["served_minutes"] == 120
    entries = client.get("/api/v1/accounts/me/entries?per_page=1", headers=headers).get_json()
    assert entries["total"] == 2 and entries["per_page"] == 1 and entries["page"] == 1
    (line,) = entries["items"]
    assert line["kind"] == "donate" and line["minutes"] == -20
    assert line["balance_after_minutes"] == 100 and line["memo"] == "谢谢"
    assert line["counterparty"].endswith("*")
    assert "+00:00" in line["posted_at"]
    second = client.get("/api/v1/accounts/me/entries?per_page=1&page=2", headers=headers).get_json()
    assert second["items"][0]["kind"] == "earn"


def test_api_transfer_is_idempotent_on_its_key(client, make_user, api_token, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 60)
    headers = {**api_token(alice), "Idempotency-Key": "pay-1"}
    first = client.post("/api/v1/transfers", json={"to_user_id": bob.id, "minutes": 30},
                        headers=headers)
    again = client.post("/api/v1/transfers", json={"to_user_id": bob.id, "minutes": 30},
                        headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    assert first.get_json()["kind"] == "donate" and first.get_json()["minutes"] == 30
    assert ledger_queries.balance(ledger.member_account(alice)) == 30
    other = client.post("/api/v1/transfers", json={"to_user_id": bob.id, "minutes": 10},
                        headers=headers)
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_api_keys_belong_to_their_user(client, make_user, api_token, fund):
    alice, bob, carol = make_user(), make_user(), make_user()
    fund(alice, 60)
    fund(bob, 60)
    for user in (alice, bob):
        response = client.post("/api/v1/transfers", json={"to_user_id": carol.id, "minutes": 10},
                               headers={**api_token(user), "Idempotency-Key": "same"})
        assert response.status_code == 201
    assert ledger_queries.balance(ledger.member_account(carol)) == 20


def test_api_transfer_refusals(client, make_user, api_token, fund):
    alice, bob = make_user(), make_user()
    fund(alice, 60)
    headers = api_token(alice)
    post = lambda body: client.post("/api/v1/transfers", json=body, headers=headers)  # noqa: E731
    too_much = post({"to_user_id": bob.id, "minutes": 61})
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_balance"
    assert post({"to_user_id": 99999, "minutes": 1}).status_code == 404
    both = post({"to_user_id": bob.id, "to_account_id": 1, "minutes": 1})
    assert both.status_code == 422 and "to" in both.get_json()["error"]["fields"]
    assert post({"to_user_id": bob.id, "minutes": 0}).status_code == 422
    assert post({"to_user_id": bob.id, "minutes": "10"}).status_code == 422
    issuer = ledger.find_account("test:issuer")
    assert post({"to_account_id": issuer.id, "minutes": 1}).status_code == 422
    assert post({"to_user_id": alice.id, "minutes": 1}).status_code == 422
    assert client.post("/api/v1/transfers", json={"to_user_id": bob.id, "minutes": 1}
                       ).status_code == 401
    assert transfers() == 1


def test_api_paying_a_merchant_is_a_spend(client, make_user, api_token, fund):
    alice, shop = make_user(), make_user(Role.MERCHANT)
    fund(alice, 60)
    response = client.post("/api/v1/transfers", json={"to_user_id": shop.id, "minutes": 15},
                           headers=api_token(alice))
    assert response.status_code == 201 and response.get_json()["kind"] == "spend"
    assert ledger.member_account(shop).kind == "merchant"
