"""The field's words on the pages where hours and codes are shown (FIELD.md "Words")."""

from tests.conftest import log_in, page
from timebank.accounts.permissions import Role
from timebank.exchange.pools import services as pools
from timebank.extensions import db
from timebank.ledger import services as ledger
from timebank.ledger.models import AccountKind, TransferKind


def _fund(user, minutes):
    issuer = ledger.open_account("test:issuer", AccountKind.ISSUER, name="测试社工站", min_balance=None)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (ledger.member_account(user), minutes)],
                         idempotency_key=f"fund:{user.id}")


def hours_page(app, user) -> str:
    client = app.test_client()
    log_in(client, user)
    return page(client, "/hours/")


def test_each_side_of_a_transfer_reads_what_it_was_for_them(app, make_user, make_station):
    requester, helper, friend = (make_user(name=name) for name in ("梁伯", "陈晓敏", "黄阿姨"))
    _fund(requester, 600)
    ledger.transfer_between(ledger.member_account(requester), ledger.member_account(helper), 60,
                            TransferKind.SPEND, idempotency_key="aid:1", memo="陪同就医")
    ledger.transfer_between(ledger.member_account(helper), ledger.member_account(friend), 30,
                            TransferKind.DONATE, idempotency_key="gift:1")
    pool = pools.pool_account(make_station().town.communities[0])
    ledger.transfer_between(ledger.member_account(requester), pool, 20, TransferKind.DONATE,
                            idempotency_key="gift:2")
    shop = ledger.open_account("test:shop", AccountKind.MERCHANT, name="何记糖水")
    ledger.transfer_between(ledger.member_account(requester), shop, 10, TransferKind.SPEND,
                            idempotency_key="shop:1")
    db.session.commit()

    mine = hours_page(app, helper)
    assert "提供互助服务" in mine and "接受服务" not in mine, "the helper provided the service"
    assert "转赠" in mine and "捐赠" not in mine
    theirs = hours_page(app, requester)
    assert "接受互助服务" in theirs and "捐入互助池" in theirs and "向商家付款" in theirs
    assert "受赠" in hours_page(app, friend)


def test_approvals_heads_say_check_in_and_check_out_not_income(client, login, make_station, make_staff,
                                                                make_activity):
    station = make_station()
    worker = make_staff(station)
    activity = make_activity(station, worker)
    login(worker)
    html = page(client, f"/station/activities/{activity.id}/approvals")
    assert "<th>签到</th><th>签退</th>" in html
    assert "收入" not in html and "支出" not in html


def test_the_ledger_keeps_its_in_and_out(app, make_user):
    member = make_user()
    _fund(member, 60)
    db.session.commit()
    html = hours_page(app, member)
    assert "收入" in html and "支出" in html


def test_pay_page_calls_its_code_a_payment_code_and_items_have_a_name(app, make_user):
    member = make_user()
    client = app.test_client()
    log_in(client, member)
    pay = page(client, "/pay")
    assert "付款码" in pay and "签到码" not in pay
    merchant = make_user(Role.MERCHANT, name="何记糖水")
    client = app.test_client()
    log_in(client, merchant)
    items = page(client, "/merchant/")
    assert "商品名称" in items and ">姓名<" not in items
    assert "付款码" in page(client, "/merchant/scan")
