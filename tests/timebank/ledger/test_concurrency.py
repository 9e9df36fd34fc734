"""Real concurrency: threads, each with its own connection, posting at the same moment.

These run on SQLite (write lock from BEGIN IMMEDIATE) and on PostgreSQL (row locks from
SELECT ... FOR UPDATE); the PostgreSQL run is the one the issue asks for.
"""

import pytest

from tests.concurrency import run_at_once
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, TransferKind


@pytest.fixture
def accounts(app):
    issuer = ledger.open_account("issuer", AccountKind.ISSUER, name="issuer", min_balance=None)
    alice = ledger.open_account("m:alice", AccountKind.MEMBER, name="alice")
    bob = ledger.open_account("m:bob", AccountKind.MEMBER, name="bob")
    ledger.post_transfer(TransferKind.EARN, [(issuer, -100), (alice, 100)], idempotency_key="seed")
    db.session.commit()
    return alice.id, bob.id


def test_twenty_threads_spending_at_once_never_go_below_the_minimum(app, accounts):
    alice_id, bob_id = accounts

    def spend(i):
        alice, bob = db.session.get(Account, alice_id), db.session.get(Account, bob_id)
        return ledger.transfer_between(alice, bob, 10, TransferKind.DONATE,
                                       idempotency_key=f"spend:{i}").id

    results = run_at_once(app, spend)
    succeeded = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ledger.InsufficientBalance)]
    assert len(succeeded) == 10 and len(refused) == 10, results
    assert ledger_queries.balance(db.session.get(Account, alice_id)) == 0
    assert ledger_queries.balance(db.session.get(Account, bob_id)) == 100
    assert ledger_queries.verify() == []


def test_the_same_key_from_twenty_threads_creates_one_transfer(app, accounts):
    alice_id, bob_id = accounts

    def pay(i):
        alice, bob = db.session.get(Account, alice_id), db.session.get(Account, bob_id)
        return ledger.transfer_between(alice, bob, 10, TransferKind.DONATE,
                                       idempotency_key="one-payment").id

    results = run_at_once(app, pay)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    counts = ledger_queries.counts()
    assert counts["transfers"] == 2  # the seed and the payment
    assert ledger_queries.balance(db.session.get(Account, alice_id)) == 90
    assert ledger_queries.verify() == []


def test_opposite_transfers_at_once_do_not_deadlock(app, accounts):
    alice_id, bob_id = accounts

    def swap(i):
        alice, bob = db.session.get(Account, alice_id), db.session.get(Account, bob_id)
        source, target = (alice, bob) if i % 2 == 0 else (bob, alice)
        if i % 2:  # bob needs something to give back; he receives from alice first
            ledger.transfer_between(alice, bob, 1, TransferKind.DONATE, idempotency_key=f"top:{i}")
        return ledger.transfer_between(source, target, 1, TransferKind.DONATE,
                                       idempotency_key=f"swap:{i}").id

    results = run_at_once(app, swap)
    assert all(isinstance(r, int) for r in results), results
    assert ledger_queries.balance(db.session.get(Account, alice_id)) == 90
    assert ledger_queries.balance(db.session.get(Account, bob_id)) == 10
    assert ledger_queries.verify() == []


def test_the_same_opening_balances_from_many_threads_are_posted_once(app, accounts):
    """Two imports of one file confirmed at once: each person's opening balance once."""
    alice_id, bob_id = accounts
    legacy_id = ledger.legacy_hours_account().id
    db.session.commit()

    def post_openings(i):
        legacy = db.session.get(Account, legacy_id)
        return ledger.post_batch(TransferKind.OPENING_BALANCE, legacy,
                                 [(alice_id, 30, "opening_balance:alice"),
                                  (bob_id, 45, "opening_balance:bob")])

    results = run_at_once(app, post_openings, threads=8)
    assert sorted(results) == [0] * 7 + [2], results
    assert ledger_queries.balance(db.session.get(Account, alice_id)) == 130
    assert ledger_queries.balance(db.session.get(Account, bob_id)) == 45
    assert ledger_queries.balance(db.session.get(Account, legacy_id)) == -75
    assert ledger_queries.verify() == []


def test_twenty_payments_at_once_toward_the_cap_never_pass_it(app, accounts):
    """Each payment fits under the cap alone; all together they would pass it. Under the
    accounts' locks (PostgreSQL: FOR UPDATE) exactly as many pass as fit, and no more."""
    alice_id, bob_id = accounts
    app.config["BALANCE_CAP_MINUTES"] = 130  # bob holds 100; three of 10 minutes fit
    issuer = ledger.find_account("issuer")
    bob = db.session.get(Account, bob_id)
    ledger.post_transfer(TransferKind.EARN, [(issuer, -100), (bob, 100)], idempotency_key="bob")
    payers = [ledger.open_account(f"m:payer:{i}", AccountKind.MEMBER, name=f"p{i}")
              for i in range(20)]
    for payer in payers:
        ledger.post_transfer(TransferKind.EARN, [(issuer, -60), (payer, 60)],
                             idempotency_key=f"seed:{payer.key}")
    db.session.commit()
    payer_ids = [payer.id for payer in payers]

    def pay(i):
        payer, target = db.session.get(Account, payer_ids[i]), db.session.get(Account, bob_id)
        return ledger.transfer_between(payer, target, 10, TransferKind.SPEND,
                                       idempotency_key=f"help:{i}").id

    results = run_at_once(app, pay)
    succeeded = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ledger.BalanceCapReached)]
    assert len(succeeded) == 3 and len(refused) == 17, results
    assert ledger_queries.balance(db.session.get(Account, bob_id)) == 130
    assert ledger_queries.verify() == []
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "ledger OK" in result.output
