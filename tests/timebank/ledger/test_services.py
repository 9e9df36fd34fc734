"""The ledger's rules, called as the rest of the platform calls them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from timebank.accounts.permissions import Role
from timebank.audit.models import AuditEntry
from timebank.errors import PermissionDenied
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind


@pytest.fixture
def issuer(app):
    account = ledger.open_account("station:1:issuer", AccountKind.ISSUER, name="南沙街道社工站",
                                  min_balance=None)
    db.session.commit()
    return account


@pytest.fixture
def member(make_user):
    def make(name="居民", minutes=0, issuer=None):
        account = ledger.member_account(make_user(name=name))
        if minutes:
            earn(issuer, account, minutes)
        db.session.commit()
        return account

    return make


def earn(issuer, account, minutes, key=None):
    return ledger.post_transfer(TransferKind.EARN, [(issuer, -minutes), (account, minutes)],
                                idempotency_key=key or f"test:earn:{account.id}:{minutes}:"
                                f"{db.session.scalar(select(func.count(Transfer.id)))}")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_earning_creates_hours_from_the_issuer(issuer, member):
    alice = member()
    transfer = earn(issuer, alice, 90)
    db.session.commit()
    assert ledger_queries.balance(alice) == 90
    assert ledger_queries.balance(issuer) == -90
    assert sorted(entry.minutes for entry in transfer.entries) == [-90, 90]
    assert {entry.account_id: entry.balance_after for entry in transfer.entries} == {
        alice.id: 90, issuer.id: -90}
    assert ledger_queries.verify() == []


def test_spending_below_minimum_is_refused_and_changes_nothing(issuer, member):
    alice, bob = member(minutes=60, issuer=issuer), member()
    before = count(Entry)
    with pytest.raises(ledger.InsufficientBalance) as refused:
        ledger.transfer_between(alice, bob, 61, TransferKind.DONATE, idempotency_key="gift")
    db.session.rollback()
    assert "1小时" in refused.value.message
    assert (ledger_queries.balance(alice), ledger_queries.balance(bob)) == (60, 0)
    assert count(Entry) == before
    assert ledger.find_transfer("gift") is None


def test_a_configured_minimum_allows_a_small_overdraft(issuer, member):
    alice, bob = member(), member()
    alice.min_balance = -30
    db.session.commit()
    ledger.transfer_between(alice, bob, 30, TransferKind.DONATE, idempotency_key="ok")
    with pytest.raises(ledger.InsufficientBalance):
        ledger.transfer_between(alice, bob, 1, TransferKind.DONATE, idempotency_key="too-much")


def test_posting_the_same_key_twice_returns_the_first_transfer(issuer, member):
    alice = member()
    first = earn(issuer, alice, 60, key="checkin:7")
    db.session.commit()
    again = earn(issuer, alice, 60, key="checkin:7")
    assert again.id == first.id and again.replayed
    assert ledger_queries.balance(alice) == 60
    assert count(Transfer) == 1


def test_reusing_a_key_for_different_minutes_is_refused(issuer, member):
    alice = member()
    earn(issuer, alice, 60, key="checkin:7")
    with pytest.raises(ledger.IdempotencyKeyReused):
        earn(issuer, alice, 90, key="checkin:7")


def test_legs_that_do_not_sum_to_zero_are_refused(issuer, member):
    alice = member()
    with pytest.raises(ledger.UnbalancedTransfer):
        ledger.post_transfer(TransferKind.EARN, [(issuer, -60), (alice, 59)], idempotency_key="k")
    with pytest.raises(ledger.UnbalancedTransfer):
        ledger.post_transfer(TransferKind.EARN, [(alice, 0), (issuer, 0)], idempotency_key="k")
    with pytest.raises(ledger.UnbalancedTransfer):
        ledger.post_transfer(TransferKind.EARN, [(alice, 1.5), (issuer, -1.5)], idempotency_key="k")


def test_the_flush_check_refuses_an_unbalanced_transfer_built_by_hand(issuer, member):
    alice = member()
    transfer = Transfer(kind="earn", idempotency_key="by-hand")
    transfer.entries = [Entry(account=alice, minutes=60, balance_after=60),
                        Entry(account=issuer, minutes=-50, balance_after=-50)]
    db.session.add(transfer)
    with pytest.raises(ledger.UnbalancedTransfer):
        db.session.flush()
    db.session.rollback()


def test_posted_entries_can_be_neither_changed_nor_deleted(issuer, member):
    alice = member()
    transfer = earn(issuer, alice, 60)
    db.session.commit()
    transfer.entries[0].minutes = 6000
    with pytest.raises(ledger.LedgerError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(transfer.entries[0])
    with pytest.raises(ledger.LedgerError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    transfer.memo = "rewritten"
    with pytest.raises(ledger.LedgerError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_reversal_undoes_a_transfer_once_and_keeps_both_on_the_statement(issuer, member, manager_for):
    alice = member()
    manager = manager_for(alice)
    transfer = earn(issuer, alice, 60)
    reversal = ledger.reverse(transfer, "签到记录有误", posted_by=manager)
    db.session.commit()
    assert ledger_queries.balance(alice) == 0 and ledger_queries.balance(issuer) == 0
    assert reversal.reverses_id == transfer.id and reversal.kind == "reversal"
    assert ledger.reverse(transfer, "again", posted_by=manager).id == reversal.id
    assert [entry.minutes for entry in db.session.scalars(ledger_queries.statement(alice))] == [-60, 60]
    with pytest.raises(ledger.AlreadyReversed):
        ledger.reverse(reversal, "undo the undo")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.reverse")
                             ).reason == "签到记录有误"


def test_corrections_are_for_staff_of_the_members_station(issuer, member, manager_for, make_user):
    alice, bob = member(), member()
    alices_manager, bobs_manager = manager_for(alice), manager_for(bob)
    transfer = earn(issuer, alice, 60)
    gift = ledger.transfer_between(alice, bob, 10, TransferKind.DONATE, idempotency_key="gift")
    db.session.commit()
    for staff in (bobs_manager, make_user(Role.STATION_MANAGER)):  # another station's, and no station's
        with pytest.raises(PermissionDenied):
            ledger.adjust(alice, 30, "补录", posted_by=staff, idempotency_key=f"adj:{staff.id}")
        with pytest.raises(PermissionDenied):
            ledger.reverse(transfer, "误批", posted_by=staff)
    with pytest.raises(PermissionDenied):  # bob is not at alice's station
        ledger.reverse(gift, "误送", posted_by=alices_manager)
    db.session.rollback()
    assert ledger_queries.balance(alice) == 50 and ledger_queries.balance(bob) == 10

    ledger.adjust(alice, 30, "补录", posted_by=alices_manager, idempotency_key="adj:own")
    ledger.reverse(gift, "误送", posted_by=make_user(Role.DISTRICT_ADMIN))  # the district: anywhere
    db.session.commit()
    assert ledger_queries.balance(alice) == 90 and ledger_queries.balance(bob) == 0


def test_reversal_cannot_take_a_member_below_their_minimum(issuer, member):
    alice, bob = member(), member()
    transfer = earn(issuer, alice, 60)
    ledger.transfer_between(alice, bob, 60, TransferKind.DONATE, idempotency_key="gift")
    with pytest.raises(ledger.InsufficientBalance):
        ledger.reverse(transfer, "wrong volunteer")


def test_adjustment_needs_a_reason_and_is_audited(member, manager_for):
    alice = member()
    manager = manager_for(alice)
    with pytest.raises(ledger.InvalidInput):
        ledger.adjust(alice, 30, "  ", posted_by=manager, idempotency_key="adj:1")
    transfer = ledger.adjust(alice, 30, "纸质签到补录", posted_by=manager, idempotency_key="adj:1")
    db.session.commit()
    assert transfer.kind == "adjust" and transfer.posted_by_id == manager.id
    assert ledger_queries.balance(alice) == 30
    assert ledger_queries.balance(ledger.find_account(ledger.ADJUSTMENTS_KEY)) == -30
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ledger.adjust"))
    assert audit.reason == "纸质签到补录" and audit.actor_id == manager.id


def test_every_transfer_is_in_the_audit_log(issuer, member):
    alice = member()
    transfer = earn(issuer, alice, 45)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject == f"transfer:{transfer.id}"))
    assert entry.action == "ledger.transfer"
    assert entry.details["legs"] == {str(issuer.id): -45, str(alice.id): 45}


def test_monthly_totals_use_the_platforms_time_zone(issuer, member):
    alice = member()
    # 17:30 UTC on 31 January is 01:30 on 1 February in Shanghai.
    ledger.post_transfer("earn", [(issuer, -60), (alice, 60)], idempotency_key="late",
                         posted_at=datetime(2026, 1, 31, 17, 30, tzinfo=UTC))
    ledger.post_transfer("earn", [(issuer, -30), (alice, 30)], idempotency_key="early",
                         posted_at=datetime(2026, 1, 31, 15, 30, tzinfo=UTC))
    months = ledger_queries.monthly_totals(alice, 3, today=datetime(2026, 2, 10, tzinfo=UTC))
    assert months == [{"year": 2025, "month": 12, "in": 0, "out": 0},
                      {"year": 2026, "month": 1, "in": 30, "out": 0},
                      {"year": 2026, "month": 2, "in": 60, "out": 0}]


def test_minutes_served_counts_service_less_its_reversals(issuer, member):
    alice, bob = member(), member()
    kept, undone = earn(issuer, alice, 60), earn(issuer, alice, 30)
    ledger.reverse(undone, "重复签到")
    ledger.adjust(alice, 15, "补录", posted_by=None, idempotency_key="adj")
    ledger.transfer_between(alice, bob, 10, TransferKind.DONATE, idempotency_key="gift")
    assert kept and ledger_queries.minutes_served(alice) == 60
    assert ledger_queries.totals(alice) == {"balance": 65, "earned": 105, "spent": 40}


def test_format_minutes_reads_naturally(app):
    assert [ledger_queries.format_minutes(m) for m in (0, 45, 60, 90, -150)] == [
        "0分钟", "45分钟", "1小时", "1小时30分钟", "-2小时30分钟"]


# --- verification -----------------------------------------------------------------------------

def test_verify_passes_on_a_healthy_ledger_and_the_command_says_so(issuer, member, runner):
    alice, bob = member(minutes=120, issuer=issuer), member()
    ledger.transfer_between(alice, bob, 45, TransferKind.DONATE, idempotency_key="gift")
    db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0
    assert "ledger OK: 3 accounts, 2 transfers, 4 entries" in result.output


def test_verify_catches_a_balance_corrupted_by_hand(issuer, member, runner):
    alice = member(minutes=120, issuer=issuer)
    db.session.execute(text("UPDATE accounts SET balance = 9999 WHERE id = :id"), {"id": alice.id})
    db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"account {alice.id} (member:{alice.owner_id}) caches balance 9999 but its entries " \
           "sum to 120" in result.output
    assert "the cached balances sum to 9879, not 0" in result.output


def test_verify_catches_an_entry_that_breaks_its_transfer(issuer, member):
    alice = member()
    transfer = earn(issuer, alice, 60)
    db.session.commit()
    db.session.execute(text("INSERT INTO entries (transfer_id, account_id, minutes, balance_after) "
                            "VALUES (:t, :a, 5, 65)"), {"t": transfer.id, "a": alice.id})
    db.session.execute(text("UPDATE accounts SET balance = 65 WHERE id = :id"), {"id": alice.id})
    db.session.commit()
    problems = ledger_queries.verify()
    assert f"transfer {transfer.id} has 3 entries summing to 5, not 0" in problems
    assert "the whole ledger sums to 5, not 0" in problems


def test_verify_catches_a_balance_below_its_minimum_and_a_wrong_running_balance(issuer, member):
    alice = member(minutes=30, issuer=issuer)
    db.session.execute(text("UPDATE accounts SET min_balance = 60 WHERE id = :id"), {"id": alice.id})
    db.session.execute(text("UPDATE entries SET balance_after = 31 WHERE account_id = :id"),
                       {"id": alice.id})
    db.session.commit()
    problems = ledger_queries.verify()
    assert any(p.startswith(f"account {alice.id}") and "below its minimum 60" in p for p in problems)
    assert any("records balance 31 after it, but the entries up to it sum to 30" in p
               for p in problems)


def test_accounts_are_opened_once_per_key(member, make_user):
    user = make_user()
    first = ledger.member_account(user)
    assert ledger.member_account(user).id == first.id
    merchant = make_user(Role.MERCHANT)
    assert ledger.member_account(merchant).kind == AccountKind.MERCHANT
    assert count(Account) == 2


# --- posting many at once (imports) --------------------------------------------------------------

def test_a_batch_keeps_every_invariant_and_replays_its_keys(app, make_user, member, issuer):
    legacy = ledger.legacy_hours_account()
    earlier = member(minutes=30, issuer=issuer)
    people = [make_user(name=f"居民{n}") for n in range(3)]
    accounts = ledger.member_account_ids([person.id for person in people])
    credits = [(earlier.id, 15, "opening_balance:a")] + [
        (accounts[person.id], 10 * (n + 1), f"opening_balance:{person.id}")
        for n, person in enumerate(people)]
    assert ledger.post_batch(TransferKind.OPENING_BALANCE, legacy, credits, memo="原有时长") == 4
    db.session.commit()
    assert ledger_queries.verify() == []
    assert ledger_queries.balance(earlier) == 45
    assert ledger_queries.balance(legacy) == -(15 + 10 + 20 + 30)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "ledger.transfer_batch")) == 1
    # The same batch again posts nothing; a key with other minutes is refused.
    assert ledger.post_batch(TransferKind.OPENING_BALANCE, legacy, credits) == 0
    with pytest.raises(ledger.IdempotencyKeyReused):
        ledger.post_batch(TransferKind.OPENING_BALANCE, legacy, [(earlier.id, 99, "opening_balance:a")])
    with pytest.raises(ledger.UnbalancedTransfer):
        ledger.post_batch(TransferKind.OPENING_BALANCE, legacy, [(earlier.id, 0, "x")])
    assert ledger.member_account_ids([people[0].id]) == {people[0].id: accounts[people[0].id]}


def test_a_batch_never_takes_a_floored_source_below_its_minimum(app, member, issuer):
    source, target = member(minutes=20, issuer=issuer), member()
    with pytest.raises(ledger.InsufficientBalance):
        ledger.post_batch(TransferKind.DONATE, source, [(target.id, 15, "b:1"), (target.id, 10, "b:2")])
    db.session.rollback()
    assert ledger_queries.balance(source) == 20
