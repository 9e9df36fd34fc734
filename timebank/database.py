"""How we talk to the two databases we support.

SQLite has no row locks. A transaction that reads balances and then writes must hold the
database's write lock from its first statement (``BEGIN IMMEDIATE``); otherwise a concurrent
writer can slip in between the read and the write. So on SQLite every transaction begins
IMMEDIATE, except inside a request with a safe method (GET, HEAD, OPTIONS), to a view marked
`reads_only`, or in a command marked `reads_only_command`, which only read and so begin an
ordinary deferred transaction and never block a writer. A view marked `writes_late` reads
deferred too until its service calls `write_from_here`, where the write transaction begins.
PostgreSQL needs none of this: the ledger locks account rows with ``SELECT ... FOR UPDATE``
(which SQLite's dialect leaves out).

These hooks are bound by `init_app` to the engines Flask-SQLAlchemy made for the app, not to
every engine of the process: the scheduler's job store and any other engine keep the driver's
own behaviour.

Whoever holds SQLite's write lock makes every other writer wait, so nothing slow (hashing a
password) may happen inside a write transaction: do it before the first statement, or in a
deferred read that `start_writing` then ends.
"""

import functools
import os
import sqlite3
from contextvars import ContextVar

from flask import current_app, request
from sqlalchemy import event

from timebank.extensions import db

#: True where transactions should begin DEFERRED: requests with a safe method (GET, HEAD,
#: OPTIONS), and test code that only looks. Everything else begins IMMEDIATE.
deferred_begin: ContextVar[bool] = ContextVar("deferred_begin", default=False)

#: True in a request to a `writes_late` view (`write_from_here` acts only there).
writes_late_request: ContextVar[bool] = ContextVar("writes_late_request", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: How long a SQLite statement waits for a lock before it fails with "database is locked"
#: (which the app answers with 503 and ``Retry-After``).
DEFAULT_BUSY_TIMEOUT_MS = 15000


def _busy_timeout_ms() -> int:
    return int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS") or DEFAULT_BUSY_TIMEOUT_MS)


def init_app(app) -> None:
    """Bind the SQLite hooks to `app`'s engines; runs after `db.init_app(app)` has made them."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)


def _sqlite_connect(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy's "begin" event below issue BEGIN, instead of the driver guessing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms():d}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; durable at checkpoints
        cursor.close()


def _sqlite_begin(connection):
    connection.exec_driver_sql("BEGIN" if deferred_begin.get() else "BEGIN IMMEDIATE")


def reads_only(view):
    """Mark a view with a write method (POST, ...) that only reads, such as a login that checks
    a password and signs a token: its transaction begins deferred and takes no write lock.

    `mark_request_transactions`, the app's first `before_request` hook, reads the mark, so it
    holds before any query of the request (the login manager's user loaders included).
    """
    view.reads_only = True
    return view


def writes_late(view):
    """Mark a view that reads first and writes later, whose service calls `write_from_here`
    before it reads what it writes by (a check-in: the bearer user's lookup and the code's
    activity are read, then "is there a check-in already?" and the insert come under the lock).

    On SQLite its statements read in a deferred transaction until then, so the reads before
    take no write lock and never make another writer wait. Anything it must write is written
    after `write_from_here`.
    """
    view.writes_late = True
    return view


def write_from_here() -> None:
    """Where a service starts reading what it writes by, in a request to a `writes_late` view.

    On SQLite, while the request still reads deferred: that read transaction ends (it wrote
    nothing; what it loaded stays loaded, as read, just as on PostgreSQL where such reads take
    no lock either) and the next statement begins IMMEDIATE. Anywhere else it does nothing:
    the transaction already holds the write lock, or the database locks rows instead.
    """
    if not (writes_late_request.get() and deferred_begin.get()):
        return
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_from_here() comes before the request's first change")
    deferred_begin.set(False)
    if session.in_transaction():
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire_on_commit


def reads_only_command(command):
    """Mark a CLI command that only reads (``flask ledger verify``, ``flask export``): its
    transactions begin deferred, so a long run never holds SQLite's write lock, and its reads
    still agree with each other (in WAL mode a read transaction sees the database as of its
    first statement). Put it under the ``@click`` decorators, on the function itself."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        token = deferred_begin.set(True)
        try:
            return command(*args, **kwargs)
        finally:
            deferred_begin.reset(token)

    return run


def mark_request_transactions():
    """`before_request` hook: safe methods and `reads_only` views read in deferred transactions,
    and so do `writes_late` views until `write_from_here`."""
    view = current_app.view_functions.get(request.endpoint)
    late = getattr(view, "writes_late", False)
    writes_late_request.set(late)
    deferred_begin.set(request.method in SAFE_METHODS or getattr(view, "reads_only", False) or late)


def start_writing():
    """End the request's read transaction; the next statement begins a write transaction.

    For a `reads_only` view that writes after all once the slow part is done (the HTML login
    checks the password, then records the attempt). Loaded objects are expired, and reload
    in the write transaction when next used.
    """
    db.session.rollback()
    deferred_begin.set(False)


# --- after the commit -------------------------------------------------------------------------
# Side effects (texts, WeChat messages) leave only once what they tell of has committed:
#
# - `after_commit` keeps the action in the session's outbox (``session.info``) with the
#   transaction or savepoint that asked for it;
# - a rollback of that transaction or savepoint drops it, and so does a session closed without
#   committing;
# - the commit of the outermost transaction runs each action, in order. An action that fails is
#   logged and the next one runs: what it tells of has committed, and stands.
#
# The listeners are bound to Flask-SQLAlchemy's session (`db.session`), not to every session
# of the process.

#: The key in ``session.info`` of the actions waiting for the commit, as (transaction or
#: savepoint that asked, action, what the log says if it fails) triples.
OUTBOX = "timebank.outbox"


def after_commit(action, failure: str) -> None:
    """Run ``action()`` once the current transaction has committed; never if it rolls back.
    If it raises, the log says `failure` ("the SMS to 139****0001 could not be sent").

    The action runs after the commit, when the session may no longer query: give it what it
    needs (detached copies, plain values), not rows to load."""
    session = db.session()
    written_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(OUTBOX, []).append((written_in, action, failure))


def _inside(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(db.session, "after_soft_rollback")
def _drop_rolled_back(session, previous_transaction) -> None:
    """What a rolled-back transaction or savepoint asked for never happens."""
    waiting = session.info.get(OUTBOX)
    if waiting:
        waiting[:] = [item for item in waiting if not _inside(item[0], previous_transaction)]


@event.listens_for(db.session, "after_transaction_end")
def _drop_uncommitted(session, transaction) -> None:
    """The outermost transaction is over (committed and run, or closed without a commit)."""
    if transaction.parent is None:
        session.info.pop(OUTBOX, None)


@event.listens_for(db.session, "after_commit")
def _run_committed(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: what it asked for waits for the outermost commit
    for _written_in, action, failure in session.info.pop(OUTBOX, None) or ():
        try:
            action()
        except Exception:  # what it tells of has committed: a lost message must not be a 500
            current_app.logger.exception(failure)
