"""How we talk to the two databases we support.

SQLite has no row locks. A transaction that reads balances and then writes must hold the
database's write lock from its first statement (``BEGIN IMMEDIATE``); otherwise a concurrent
writer can slip in between the read and the write. So on SQLite every transaction begins
IMMEDIATE, except inside a request with a safe method (GET, HEAD, OPTIONS), which only reads
and so begins an ordinary deferred transaction and never blocks a writer. PostgreSQL needs
none of this: the ledger locks account rows with ``SELECT ... FOR UPDATE``.
"""

import sqlite3
from contextvars import ContextVar

from flask import request
from sqlalchemy import Engine, event

#: True where transactions should begin DEFERRED: requests with a safe method (GET, HEAD,
#: OPTIONS), and test code that only looks. Everything else begins IMMEDIATE.
deferred_begin: ContextVar[bool] = ContextVar("deferred_begin", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy's "begin" event below issue BEGIN, instead of the driver guessing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; durable at checkpoints
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN" if deferred_begin.get() else "BEGIN IMMEDIATE")


def mark_request_transactions():
    """`before_request` hook: safe methods read in deferred transactions."""
    deferred_begin.set(request.method in SAFE_METHODS)
