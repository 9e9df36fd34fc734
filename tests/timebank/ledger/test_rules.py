"""The district's rules of exchange (`timebank.settings`), enforced by `post_transfer`: service
before spending, the most a member may hold, whole coins; the unit residents see; categories."""

import pytest
from flask_babel import force_locale

from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import TRANSFER_CATEGORIES, AccountKind, TransferKind, derived_category


@pytest.fixture
def issuer(app):
    account = ledger.open_account("station:1:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                  min_balance=None)
    db.session.commit()
    return account


@pytest.fixture
def member(make_user, issuer):
    def make(name="居民", served=0):
        account = ledger.member_account(make_user(name=name))
        if served:
            ledger.post_transfer(TransferKind.EARN, [(issuer, -served), (account, served)],
                                 idempotency_key=f"earn:{account.id}")
        db.session.commit()
        return account

    return make


def test_with_the_defaults_nothing_is_refused(app, member):
    giver, taker = member("甲", served=95), member("乙")
    ledger.transfer_between(giver, taker, 45, TransferKind.SPEND, idempotency_key="a")
    ledger.transfer_between(giver, taker, 50, TransferKind.DONATE, idempotency_key="b")
    assert ledger_queries.balance(taker) == 95


def test_a_member_spends_only_after_the_minimum_served(app, member, issuer):
    app.config["SPENDING_MIN_SERVED_MINUTES"] = 600
    newcomer, helper = member("新人", served=300), member("帮手")
    for kind in (TransferKind.SPEND, TransferKind.DONATE, TransferKind.REDEEM):
        with pytest.raises(ledger.BelowMinServed) as refused:
            ledger.transfer_between(newcomer, helper, 60, kind, idempotency_key=f"x:{kind}")
        assert refused.value.status == 409 and refused.value.code == "below_min_served"
        assert "5小时" in refused.value.message and "10小时" in refused.value.message
    db.session.rollback()
    assert ledger_queries.balance(newcomer) == 300
    # Hours before the platform count as served; receiving is never limited by it.
    legacy = ledger.legacy_hours_account()
    ledger.post_transfer(TransferKind.OPENING_BALANCE, [(legacy, -300), (newcomer, 300)],
                         idempotency_key="opening")
    assert ledger_queries.served_before_spending(newcomer) == 600
    ledger.transfer_between(newcomer, helper, 60, TransferKind.SPEND, idempotency_key="ok")
    assert ledger_queries.balance(helper) == 60


def test_a_pool_grant_is_spendable_before_the_minimum_served(app, member, issuer):
    """Grants go to people in difficulty so they can be helped at once: what a pool granted
    them they may spend at once; what they earned still waits for the minimum served."""
    app.config["SPENDING_MIN_SERVED_MINUTES"] = 600
    elder, helper = member("独居长者", served=30), member("帮手")
    pool = ledger.open_account("pool:community:1", AccountKind.POOL, name="池")
    ledger.post_transfer(TransferKind.EARN, [(issuer, -600), (pool, 600)], idempotency_key="fill")
    ledger.transfer_between(pool, ledger.member_account(elder.owner), 120, TransferKind.DONATE,
                            idempotency_key="grant", category="pool_grant")
    assert ledger_queries.granted_unspent(elder) == 120
    ledger.transfer_between(elder, helper, 90, TransferKind.SPEND, idempotency_key="help")
    db.session.commit()
    assert ledger_queries.granted_unspent(elder) == 30
    with pytest.raises(ledger.BelowMinServed):  # 60 more: only 30 granted are left
        ledger.transfer_between(elder, helper, 60, TransferKind.SPEND, idempotency_key="more")
    db.session.rollback()
    assert ledger_queries.balance(elder) == 60 and ledger_queries.balance(helper) == 90
    ledger.transfer_between(elder, helper, 30, TransferKind.SPEND, idempotency_key="rest")
    assert ledger_queries.granted_unspent(elder) == 0 and ledger_queries.balance(elder) == 30


def test_receiving_past_the_cap_is_refused_but_service_never_is(app, member, issuer):
    app.config["BALANCE_CAP_MINUTES"] = 600
    rich, giver = member("满额", served=540), member("赠者", served=300)
    with pytest.raises(ledger.BalanceCapReached) as refused:
        ledger.transfer_between(giver, rich, 120, TransferKind.DONATE, idempotency_key="gift")
    assert refused.value.code == "balance_cap" and refused.value.status == 409
    assert "1 时间币" in refused.value.message  # 60 minutes of room, in the resident's unit
    db.session.rollback()
    ledger.transfer_between(giver, rich, 60, TransferKind.DONATE, idempotency_key="fits")
    # Service is a record: earned past the cap, whole.
    ledger.post_transfer(TransferKind.EARN, [(issuer, -300), (rich, 300)], idempotency_key="served")
    assert ledger_queries.balance(rich) == 900
    # A reversal and a staff adjustment are records too.
    ledger.adjust(rich, 30, "补录", posted_by=None, idempotency_key="adj")
    assert ledger_queries.balance(rich) == 930
    # A pool grant or a sponsorship into a member (any other kind) is exchange: refused.
    pool = ledger.open_account("pool:district", AccountKind.POOL, name="区池")
    ledger.post_transfer(TransferKind.EARN, [(issuer, -600), (pool, 600)], idempotency_key="fill")
    with pytest.raises(ledger.BalanceCapReached):
        ledger.transfer_between(pool, rich, 60, TransferKind.DONATE, idempotency_key="grant")


def test_payments_in_whole_coins(app, member):
    app.config["WHOLE_UNIT_REDEMPTION"] = True
    payer, shop_owner = member("付款人", served=600), member("商家")
    with pytest.raises(ledger.WholeUnitsOnly) as refused:
        ledger.transfer_between(payer, shop_owner, 90, TransferKind.REDEEM, idempotency_key="r")
    assert refused.value.code == "whole_units"
    assert refused.value.message == "每次兑换须为整数个时间币"
    db.session.rollback()
    ledger.transfer_between(payer, shop_owner, 120, TransferKind.SPEND, idempotency_key="s")
    ledger.transfer_between(payer, shop_owner, 25, TransferKind.DONATE, idempotency_key="gift")
    app.config["SPENDING_UNIT"] = 1
    with pytest.raises(ledger.WholeUnitsOnly) as refused:
        ledger.transfer_between(payer, shop_owner, 90, TransferKind.SPEND, idempotency_key="h")
    assert "60" in refused.value.message


def test_the_unit_residents_see(app):
    assert ledger_queries.format_spending(120) == "2 时间币"
    assert ledger_queries.format_spending(90) == "1.5 时间币"
    assert ledger_queries.coins(90) == 1.5 and ledger_queries.coins(120) == 2
    with force_locale("en"):
        assert ledger_queries.format_spending(60) == "1 coins"
    app.config["MINUTES_PER_COIN"] = 30
    assert ledger_queries.format_spending(90) == "3 时间币"
    app.config["SPENDING_UNIT"] = 1
    assert ledger_queries.format_spending(90) == ledger_queries.format_minutes(90) == "1小时30分钟"


def test_every_transfer_has_a_category(app, member, issuer):
    giver, taker = member("甲", served=600), member("乙")
    pool = ledger.open_account("pool:community:1", AccountKind.POOL, name="池")
    shop = ledger.open_account("merchant:99", AccountKind.MERCHANT, name="店")
    post = ledger.transfer_between
    assert ledger.find_transfer(f"earn:{giver.id}").category == "volunteer_service"
    assert post(giver, taker, 10, TransferKind.DONATE, idempotency_key="1").category == "gift"
    assert post(giver, pool, 10, TransferKind.DONATE, idempotency_key="2").category == "pool_donation"
    assert post(pool, taker, 10, TransferKind.DONATE, idempotency_key="3").category == "pool_grant"
    assert post(giver, shop, 10, TransferKind.SPEND, idempotency_key="4").category == "merchant"
    help_paid = post(giver, taker, 10, TransferKind.SPEND, idempotency_key="5", category="haircut")
    assert help_paid.category == "haircut" and help_paid.category_label == "义剪"
    assert ledger.reverse(help_paid, "弄错了").category == "haircut"
    assert derived_category("sponsor", []) == "sponsorship"
    assert derived_category("kind_added_later", []) == "other"  # a kind added later is safe
    assert set(TRANSFER_CATEGORIES) >= {"volunteer_service", "merchant", "gift", "pool_grant",
                                        "adjustment", "opening_balance", "other", "haircut"}


def test_the_migration_fills_old_rows_as_posting_would(app, member, issuer, make_user,
                                                       make_station):
    """Migration 0031's SQL gives rows from before categories the category posting gives now."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import select, text

    from timebank.exchange.mutual_aid.models import HelpRequest, RequestStatus
    from timebank.ledger.models import Transfer

    giver, taker = member("甲", served=600), member("乙")
    pool = ledger.open_account("pool:community:1", AccountKind.POOL, name="池")
    shop = ledger.open_account("merchant:99", AccountKind.MERCHANT, name="店")
    community = make_station().town.communities[0]
    from timebank.clock import now
    help_request = HelpRequest(requester_id=giver.owner_id, title="理发", category="haircut",
                               community_id=community.id, place="", starts_at=now(), minutes=10,
                               status=RequestStatus.DONE, description="")
    db.session.add(help_request)
    db.session.flush()
    post = ledger.transfer_between
    post(giver, taker, 10, TransferKind.DONATE, idempotency_key="1")
    post(giver, pool, 10, TransferKind.DONATE, idempotency_key="2")
    post(pool, taker, 10, TransferKind.DONATE, idempotency_key="3")
    post(giver, shop, 10, TransferKind.SPEND, idempotency_key="4")
    paid = post(giver, taker, 10, TransferKind.SPEND, idempotency_key="5", category="haircut",
                reference=f"help:{help_request.id}")
    ledger.reverse(paid, "弄错了")
    post(giver, taker, 10, TransferKind.SPEND, idempotency_key="6")
    ledger.adjust(taker, 5, "补录", posted_by=None, idempotency_key="adj")
    db.session.commit()
    expected = dict(db.session.execute(select(Transfer.id, Transfer.category)).all())
    assert "haircut" in expected.values() and "pool_grant" in expected.values()

    path = Path(__file__).parents[3] / "migrations/versions/0031_timebank_rules.py"
    spec = importlib.util.spec_from_file_location("migration_0031", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(text("UPDATE transfers SET category = 'other'"))
    for statement in migration._FILL:
        db.session.execute(text(statement))
    db.session.commit()
    db.session.expire_all()
    assert dict(db.session.execute(select(Transfer.id, Transfer.category)).all()) == expected
