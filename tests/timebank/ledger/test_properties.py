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


#: A batch: credits of (member, minutes, key number) from the legacy issuer or from the pool;
#: keys come from a small set, so batches replay and collide with earlier ones.
batches = st.lists(
    st.tuples(st.sampled_from(["legacy", "pool"]),
              st.lists(st.tuples(st.integers(0, MEMBERS - 1), st.integers(1, 300),
                                 st.integers(0, 8)), min_size=1, max_size=6)),
    max_size=12)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(batches)
def test_batches_post_each_key_once_and_all_or_nothing(app, sequence):
    """`post_batch` (imports' opening balances) keeps the invariants `post_transfer` keeps: a
    key posted before is skipped when it moved the same minutes to the same account, and the
    whole batch is refused when it did not, when a key repeats inside the batch, or when the
    source would go below its minimum."""
    issuer, holders = _fresh_ledger()
    members, pool = holders[:MEMBERS], holders[MEMBERS]
    ledger.post_transfer(TransferKind.EARN, [(issuer, -500), (pool, 500)], idempotency_key="fill")
    db.session.commit()
    sources = {"legacy": issuer, "pool": pool}
    model = {account.id: 0 for account in [issuer, *holders]}
    model[issuer.id], model[pool.id] = -500, 500
    done: dict[str, tuple[int, int, int]] = {}  # key → (source id, target id, minutes)

    for source_name, credits in sequence:
        source = sources[source_name]
        rows = [(members[who].id, amount, f"k:{key}") for who, amount, key in credits]
        clash = any(key in done and done[key] != (source.id, target, amount)
                    for target, amount, key in rows)
        fresh = [(target, amount, key) for target, amount, key in rows if key not in done]
        short = source.min_balance is not None and \
            model[source.id] - sum(amount for _t, amount, _k in fresh) < source.min_balance
        repeated = len({key for *_rest, key in fresh}) != len(fresh)
        refused = clash or repeated or short
        try:
            count = ledger.post_batch(TransferKind.OPENING_BALANCE, source, rows)
            db.session.commit()
        except (ledger.IdempotencyKeyReused, ledger.InsufficientBalance):
            db.session.rollback()
            assert refused, (source_name, rows)
            continue
        assert not refused, (source_name, rows)
        assert count == len(fresh)
        for target, amount, key in fresh:
            done[key] = (source.id, target, amount)
            model[source.id] -= amount
            model[target] += amount

    assert ledger_queries.verify() == []
    for account_id, expected in model.items():
        assert ledger_queries.balance(db.session.get(Account, account_id)) == expected
    assert db.session.scalar(select(func.count(Transfer.id))) == len(done) + 1


#: Exchanges among members under a cap and a minimum served: (kind, source, target, minutes).
CAP, LEAST = 600, 120
exchanges = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(0, MEMBERS - 1), minutes),
        st.tuples(st.sampled_from([TransferKind.SPEND, TransferKind.DONATE]),
                  st.integers(0, MEMBERS), st.integers(0, MEMBERS), minutes),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(exchanges)
def test_no_member_passes_the_cap_by_exchange(app, sequence):
    """With ``BALANCE_CAP_MINUTES`` and ``SPENDING_MIN_SERVED_MINUTES`` set, service is never
    refused (it may pass the cap), exchange never takes a member past the cap nor lets one who
    has served too little spend, and every invariant holds."""
    app.config.update(BALANCE_CAP_MINUTES=CAP, SPENDING_MIN_SERVED_MINUTES=LEAST)
    issuer, holders = _fresh_ledger()
    model = {account.id: 0 for account in [issuer, *holders]}
    served = {account.id: 0 for account in holders}
    floors = {account.id: account.min_balance for account in holders}
    for step, operation in enumerate(sequence):
        if operation[0] == "earn":
            _, who, amount = operation
            target = holders[who]
            ledger.post_transfer(TransferKind.EARN, [(issuer, -amount), (target, amount)],
                                 idempotency_key=f"earn:{step}")
            db.session.commit()
            model[issuer.id] -= amount
            model[target.id] += amount
            served[target.id] += amount
            continue
        kind, source, target, amount = operation
        if source == target:
            continue
        src, dst = holders[source], holders[target]
        allowed = (model[src.id] - amount >= floors[src.id]
                   and (src.kind != AccountKind.MEMBER or served[src.id] >= LEAST)
                   and (dst.kind != AccountKind.MEMBER or model[dst.id] + amount <= CAP))
        try:
            ledger.post_transfer(kind, [(src, -amount), (dst, amount)], idempotency_key=f"x:{step}")
            db.session.commit()
        except (ledger.InsufficientBalance, ledger.BelowMinServed, ledger.BalanceCapReached):
            db.session.rollback()
            assert not allowed, operation
        else:
            assert allowed, operation
            model[src.id] -= amount
            model[dst.id] += amount

    assert ledger_queries.verify() == []
    for account_id, expected in model.items():
        assert ledger_queries.balance(db.session.get(Account, account_id)) == expected
    # Read back from the ledger: no exchange ever left a member above the cap.
    credited = db.session.scalars(
        select(Entry).join(Entry.transfer).join(Entry.account).where(
            Entry.minutes > 0, Account.kind == AccountKind.MEMBER,
            Transfer.kind != TransferKind.EARN))
    assert all(entry.balance_after <= CAP for entry in credited)
