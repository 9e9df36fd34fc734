"""Property-based: any sequence of postings, gifts, reversals and replays keeps every invariant.

A plain-Python model of the balances runs beside the real ledger; after every sequence the
ledger must agree with the model, and `ledger_queries.verify()` must find nothing wrong.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from timebank.audit.models import AuditEntry
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind

MEMBERS = 4
#: Member 3 may go 60 minutes below zero; the others may not go below zero.
FLOORS = [0, 0, 0, -60]

minutes = st.integers(min_value=1, max_value=600)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(0, MEMBERS - 1), minutes),
        st.tuples(st.just("give"), st.integers(0, MEMBERS - 1), st.integers(0, MEMBERS), minutes),
        # Gifts right at the edge: everything above the floor, one minute less, one more.
        st.tuples(st.just("drain"), st.integers(0, MEMBERS - 1), st.integers(0, MEMBERS),
                  st.integers(-1, 1)),
        st.tuples(st.just("reverse"), st.integers(0, 40)),
        st.tuples(st.just("replay"), st.integers(0, 40)),
    ),
    max_size=30,
)


def _fresh_ledger():
    db.session.rollback()
    for model in (Entry, Transfer, Account, AuditEntry):
        db.session.execute(delete(model))
    issuer = ledger.open_account("issuer", AccountKind.ISSUER, name="issuer", min_balance=None)
    members = [ledger.open_account(f"m:{i}", AccountKind.MEMBER, name=f"m{i}", min_balance=floor)
               for i, floor in enumerate(FLOORS)]
    pool = ledger.open_account("pool", AccountKind.POOL, name="pool")
    db.session.commit()
    return issuer, members + [pool]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations)
def test_random_sequences_keep_every_invariant(app, sequence):
    issuer, holders = _fresh_ledger()
    model = {account.id: 0 for account in [issuer, *holders]}
    floors = {account.id: account.min_balance for account in [issuer, *holders]}
    posted: list[tuple[Transfer, dict[int, int]]] = []
    reversed_ids: set[int] = set()

    def post(kind, legs, key):
        transfer = ledger.post_transfer(kind, legs, idempotency_key=key)
        db.session.commit()
        return transfer

    for step, operation in enumerate(sequence):
        action = operation[0]
        if action == "earn":
            _, who, amount = operation
            legs = {issuer.id: -amount, holders[who].id: amount}
            posted.append((post(TransferKind.EARN, [(issuer, -amount), (holders[who], amount)],
                                f"earn:{step}"), legs))
            for account_id, change in legs.items():
                model[account_id] += change
        elif action in ("give", "drain"):
            _, source, target, amount = operation
            if action == "drain":
                amount += model[holders[source].id] - floors[holders[source].id]
            if source == target or amount <= 0:
                continue
            src, dst = holders[source], holders[target]
            allowed = model[src.id] - amount >= floors[src.id]
            try:
                transfer = post(TransferKind.DONATE, [(src, -amount), (dst, amount)], f"give:{step}")
            except ledger.InsufficientBalance:
                db.session.rollback()
                assert not allowed
            else:
                assert allowed
                posted.append((transfer, {src.id: -amount, dst.id: amount}))
                model[src.id] -= amount
                model[dst.id] += amount
        elif action == "reverse" and posted:
            transfer, legs = posted[operation[1] % len(posted)]
            if transfer.kind == TransferKind.REVERSAL:
                continue
            allowed = transfer.id in reversed_ids or all(
                floors[a] is None or model[a] - change >= floors[a] for a, change in legs.items())
            try:
                ledger.reverse(transfer, "property test")
                db.session.commit()
            except ledger.InsufficientBalance:
                db.session.rollback()
                assert not allowed
            else:
                assert allowed
                if transfer.id not in reversed_ids:
                    reversed_ids.add(transfer.id)
                    for account_id, change in legs.items():
                        model[account_id] -= change
        elif action == "replay" and posted:
            transfer, legs = posted[operation[1] % len(posted)]
            again = ledger.post_transfer(transfer.kind, [(db.session.get(Account, a), m)
                                                         for a, m in legs.items()],
                                         idempotency_key=transfer.idempotency_key)
            db.session.commit()
            assert again.id == transfer.id

    assert ledger_queries.verify() == []
    for account_id, expected in model.items():
        assert ledger_queries.balance(db.session.get(Account, account_id)) == expected
    assert sum(model.values()) == 0
    assert db.session.scalar(select(func.count(Entry.id))) == \
        2 * db.session.scalar(select(func.count(Transfer.id)))
    floors_held = [model[a] >= f for a, f in floors.items() if f is not None]
    assert all(floors_held)
