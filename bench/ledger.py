"""Performance figures for the hour ledger: posting throughput, `verify`, and balance reads.

Run from the project root:

    .venv/bin/python bench/ledger.py                # SQLite, in a temporary file
    .venv/bin/python bench/ledger.py --quick        # everything 100x smaller: a smoke run
    .venv/bin/python bench/ledger.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench

With ``--postgres URL`` (or ``BENCH_DATABASE_URL`` in the environment) it runs on SQLite and
then on PostgreSQL. THE POSTGRESQL DATABASE IS EMPTIED: every table is dropped first.

What is measured, on each database:

* ``post_transfer``: transfers per second through `timebank.ledger.post_transfer`, one commit
  per transfer as a request makes (members earn from an issuer and donate to each other),
  beside two baselines measured in the same run, interleaved with it: a bare ``SELECT 1`` per
  commit, and one inserted row (an audit log entry) per commit. Measured twice: on a nearly
  empty ledger, and again once the ledger holds two million entries.
* ``verify``: the time of `timebank.ledger.queries.verify` over 1,000,000 entries, then over about
  2,000,000 (when one account alone has 1,000,000), with the time of each of its queries.
* ``balance``: the median time of `timebank.ledger.balance` on an account with 1,000 entries
  and on one with 1,000,000, and their ratio (near 1: the balance is cached).

The million-entry ledger is bulk-inserted with SQLAlchemy Core, as valid ledger data: every
transfer sums to zero, every ``balance_after`` is the running balance, every cached balance is
the sum of its entries, so `verify` finds nothing wrong. Timings are printed, never asserted;
compare the ratios rather than the raw figures, which depend on the machine.
"""

import argparse
import itertools
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time

import sqlalchemy
from flask_migrate import upgrade
from sqlalchemy import bindparam, event, func, insert, select, text, update

from app import create_app
from timebank.accounts import services as users
from timebank.audit import services as audit
from timebank.clock import now
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from timebank.ledger import services as ledger
from timebank.ledger.models import Account, AccountKind, Entry, Transfer, TransferKind

BATCH = 50_000
MEMBERS = 10  # members who post in the throughput run (each costs a password hash to create)
POOLS = 100  # community pools the big and small accounts donate to
ROUNDS = 5  # the throughput run alternates this many times between the service and the baselines


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def config(url: str) -> dict:
    """Settings as in tests/conftest.py."""
    return {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "bench-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "RATELIMIT_ENABLED": False,
    }


def build_schema() -> None:
    """The real migrations on an empty database (PostgreSQL: every table dropped first)."""
    if db.engine.dialect.name == "postgresql":
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade()


def database_version() -> str:
    if db.engine.dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL " + db.session.scalar(text("SHOW server_version"))


def entry_count(account: Account | None = None) -> int:
    query = select(func.count(Entry.id))
    if account is not None:
        query = query.where(Entry.account_id == account.id)
    return db.session.scalar(query)


# --- posting through the service ---------------------------------------------------------------

class Poster:
    """Members who earn hours from an issuer and donate them to each other, one commit each."""

    def __init__(self, issuer: Account, members: list[Account]):
        self.issuer = issuer
        self.members = members
        self.held = [0] * len(members)  # our own count of each member's minutes, never overdrawn
        self.random = random.Random(1)
        self.keys = itertools.count()

    def post(self) -> None:
        # The commit expired the accounts, so the two used are loaded again, as in a request.
        key = f"bench:post:{next(self.keys)}"
        donors = [i for i, held in enumerate(self.held) if held >= 15]
        if not donors or self.random.random() < 1 / 3:
            member = self.random.randrange(len(self.members))
            ledger.post_transfer(TransferKind.EARN, [(self.issuer, -60), (self.members[member], 60)],
                                 idempotency_key=key, memo="bench: volunteer service")
            self.held[member] += 60
        else:
            donor = self.random.choice(donors)
            target = self.random.choice([i for i in range(len(self.members)) if i != donor])
            ledger.post_transfer(TransferKind.DONATE,
                                 [(self.members[donor], -15), (self.members[target], 15)],
                                 idempotency_key=key, memo="bench: donation")
            self.held[donor] -= 15
            self.held[target] += 15
        db.session.commit()


def select_one() -> None:
    db.session.execute(text("SELECT 1"))
    db.session.commit()


def insert_one_row() -> None:
    audit.record("bench.baseline", "bench")
    db.session.commit()


def measure_posting(name: str, poster: Poster, count: int) -> None:
    """Transfers per second, beside the baselines; all three interleaved in rounds."""
    size = entry_count()
    tasks = {"post": poster.post, "select": select_one, "insert": insert_one_row}
    spent = dict.fromkeys(tasks, 0.0)
    per_round = max(count // ROUNDS, 1)
    for run in tasks.values():  # warm up: statement caches, connection, first-time imports
        for _i in range(10):
            run()
    for _round in range(ROUNDS):
        for task, run in tasks.items():
            start = time.perf_counter()
            for _i in range(per_round):
                run()
            spent[task] += time.perf_counter() - start
    rate = {task: per_round * ROUNDS / seconds for task, seconds in spent.items()}
    print(f"{name}: post_transfer {rate['post']:,.0f} transfers/s on a ledger of {size:,} entries "
          f"(baseline SELECT 1 + commit {rate['select']:,.0f}/s, ratio {rate['post'] / rate['select']:.2f}; "
          f"baseline one-row insert + commit {rate['insert']:,.0f}/s, "
          f"ratio {rate['post'] / rate['insert']:.2f})")


# --- bulk loading -------------------------------------------------------------------------------

def donations(source: Account, issuer: Account, pools: list[Account], count: int, start: int = 0):
    """`count` transfers for `source`: earn 60 minutes from the issuer, donate 30 to a pool, ..."""
    for i in range(start, start + count):
        if i % 2 == 0:
            yield TransferKind.EARN.value, issuer.id, source.id, 60
        else:
            yield TransferKind.DONATE.value, source.id, pools[i // 2 % len(pools)].id, 30


def bulk_post(moves) -> None:
    """Insert `moves` (kind, source id, target id, minutes) as valid transfers and entries.

    Ids are given explicitly, so each account's entries are in posting order; the running
    balances start from the accounts' cached ones, which are set to the final sums at the end.
    """
    balances = dict(db.session.execute(select(Account.id, Account.balance)).all())
    next_transfer = (db.session.scalar(select(func.max(Transfer.id))) or 0) + 1
    next_entry = (db.session.scalar(select(func.max(Entry.id))) or 0) + 1
    posted_at = now()  # UTCDateTime columns take aware datetimes, through Core too
    moves = iter(moves)
    done = 0
    while batch := list(itertools.islice(moves, BATCH)):
        transfers, entries = [], []
        for kind, source, target, minutes in batch:
            transfers.append({"id": next_transfer, "kind": kind, "memo": "bench: bulk",
                              "idempotency_key": f"bench:bulk:{next_transfer}", "posted_at": posted_at})
            for account_id, signed in sorted([(source, -minutes), (target, minutes)]):
                balances[account_id] += signed
                entries.append({"id": next_entry, "transfer_id": next_transfer, "account_id": account_id,
                                "minutes": signed, "balance_after": balances[account_id]})
                next_entry += 1
            next_transfer += 1
        db.session.execute(insert(Transfer.__table__), transfers)
        db.session.execute(insert(Entry.__table__), entries)
        db.session.commit()
        done += len(batch)
        progress(f"bulk: {done:,} transfers inserted")
    accounts = Account.__table__
    db.session.execute(update(accounts).where(accounts.c.id == bindparam("account_id"))
                       .values(balance=bindparam("cached")),
                       [{"account_id": key, "cached": value} for key, value in balances.items()])
    if db.engine.dialect.name == "postgresql":  # explicit ids left the sequences behind
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('transfers', 'id'), "
                                "(SELECT max(id) FROM transfers))"))
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('entries', 'id'), "
                                "(SELECT max(id) FROM entries))"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would analyze the new rows soon; do it now, so the planner sees them.
        progress("ANALYZE")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")


# --- verify and balance ------------------------------------------------------------------------

def measure_verify(name: str) -> None:
    """Time `verify`, and each statement it runs."""
    size = entry_count()
    db.session.commit()
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_start"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - conn.info.pop("bench_start"), statement))

    progress(f"verify over {size:,} entries")
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        start = time.perf_counter()
        problems = ledger_queries.verify()
        seconds = time.perf_counter() - start
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    db.session.commit()
    print(f"{name}: ledger verify over {size:,} entries: {seconds:.2f} s, {len(problems)} problems found")
    for problem in problems[:5]:
        print(f"    PROBLEM: {problem}")
    for statement_seconds, statement in statements:
        print(f"    {statement_seconds:7.3f} s  {' '.join(statement.split())[:90]}")


def median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def measure_balance(name: str, small: Account, big: Account, repetitions: int) -> None:
    """Median time of one balance read on each account, interleaved, and a bare SELECT 1."""
    sizes = entry_count(small), entry_count(big)
    db.session.commit()
    for account in (small, big):  # loaded now, so the reads below run one query each
        db.session.refresh(account)
    timings = {"small": [], "big": [], "select": []}
    reads = {"small": lambda: ledger_queries.balance(small), "big": lambda: ledger_queries.balance(big),
             "select": lambda: db.session.execute(text("SELECT 1"))}
    for _i in range(repetitions):
        for which, read in reads.items():
            start = time.perf_counter()
            read()
            timings[which].append(time.perf_counter() - start)
    db.session.commit()
    small_ms, big_ms = median_ms(timings["small"]), median_ms(timings["big"])
    print(f"{name}: balance read (median of {repetitions:,}), {sizes[0]:,} entries: {small_ms:.3f} ms; "
          f"{sizes[1]:,} entries: {big_ms:.3f} ms; ratio {big_ms / small_ms:.2f} "
          f"(SELECT 1: {median_ms(timings['select']):.3f} ms)")


# --- one database ------------------------------------------------------------------------------

def run(name: str, url: str, scale: int) -> None:
    app = create_app(config(url))
    with app.app_context():
        started = time.perf_counter()
        progress(f"{name}: building the schema")
        build_schema()
        print(f"{name}: {database_version()}, driver {db.engine.dialect.driver}")

        progress(f"{name}: creating {MEMBERS + 2} members and {POOLS} pools")
        issuer = ledger.open_account("bench:issuer", AccountKind.ISSUER, name="Bench station",
                                     min_balance=None)
        members = []
        for i in range(MEMBERS + 2):
            user = users.create_user(f"139{i:08d}", "bench password", f"测试{i}")
            members.append(ledger.member_account(user))
        small, big, members = members[0], members[1], members[2:]
        pools = [ledger.open_account(f"bench:pool:{i}", AccountKind.POOL, name=f"Pool {i}")
                 for i in range(POOLS)]
        db.session.commit()

        poster = Poster(issuer, members)
        progress(f"{name}: posting")
        measure_posting(name, poster, 3_000 // scale)

        ledger_size, big_size = 1_000_000 // scale, 1_000_000 // scale
        progress(f"{name}: bulk loading to {ledger_size:,} entries")
        small_moves = donations(small, issuer, pools, 1_000 // scale)
        first_big = (ledger_size - entry_count()) // 2 - 1_000 // scale
        bulk_post(itertools.chain(small_moves, donations(big, issuer, pools, first_big)))
        measure_verify(name)

        progress(f"{name}: bulk loading until one account has {big_size:,} entries")
        bulk_post(donations(big, issuer, pools, big_size - entry_count(big), start=first_big))
        measure_verify(name)

        measure_balance(name, small, big, 5_000 // scale)
        progress(f"{name}: posting")
        measure_posting(name, poster, 3_000 // scale)
        print(f"{name}: whole run took {time.perf_counter() - started:.0f} s")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied "
                             "(default: $BENCH_DATABASE_URL)")
    parser.add_argument("--quick", action="store_true", help="everything 100x smaller: a smoke run")
    args = parser.parse_args()
    scale = 100 if args.quick else 1

    print(f"ledger benchmark{' (--quick: 100x smaller)' if args.quick else ''}: "
          f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as directory:
        run("sqlite", f"sqlite:///{directory}/bench.sqlite3", scale)
    if args.postgres:
        run("postgresql", args.postgres, scale)


if __name__ == "__main__":
    main()
