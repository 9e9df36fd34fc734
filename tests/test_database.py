"""The SQLite hooks of `timebank.database`, bound to the app's own engines.

On SQLite the app's connections get the pragmas and its write transactions begin IMMEDIATE;
another engine in the same process (the scheduler's job store, a test's own engine) is left as
the driver makes it.
"""

import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlalchemy import select, text

from app import create_app
from tests.conftest import _config
from timebank.database import deferred_begin
from timebank.extensions import db


@contextmanager
def begins(deferred: bool):
    """Transactions begun inside begin deferred or IMMEDIATE, as in a real process."""
    token = deferred_begin.set(deferred)
    try:
        yield
    finally:
        deferred_begin.reset(token)


def can_take_the_write_lock(path) -> bool:
    """Whether another connection to the SQLite file at `path` could begin writing now."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a SQLite file of its own: these hooks exist only for SQLite."""
    path = tmp_path / "hooks.sqlite3"
    made = create_app(_config(f"sqlite:///{path}"))
    with made.app_context():
        yield made, path
        db.session.remove()
        db.engine.dispose()


# --- the hooks are the app's ------------------------------------------------------------------

def test_the_apps_sqlite_connections_get_the_pragmas(sqlite_app):
    with begins(deferred=True):
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        assert db.session.scalar(text("PRAGMA busy_timeout")) == 15000
        assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(text("PRAGMA synchronous")) == 1  # NORMAL
        db.session.rollback()


def test_the_apps_write_transactions_begin_immediate_and_reads_deferred(sqlite_app):
    _app, path = sqlite_app
    with begins(deferred=False):
        db.session.execute(select(1))
        assert not can_take_the_write_lock(path)
        db.session.rollback()
    assert can_take_the_write_lock(path)
    with begins(deferred=True):
        db.session.execute(select(1))
        assert db.session().in_transaction()
        assert can_take_the_write_lock(path)
        db.session.rollback()


def test_another_engine_in_the_process_keeps_the_drivers_behaviour(sqlite_app):
    _app, path = sqlite_app
    other = sqlalchemy.create_engine(f"sqlite:///{path}")
    try:
        with begins(deferred=False), other.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            connection.execute(select(1))
            assert connection.in_transaction()
            assert can_take_the_write_lock(path)  # no BEGIN IMMEDIATE on this engine
    finally:
        other.dispose()


def test_every_app_of_the_process_binds_its_own_engine(sqlite_app, tmp_path):
    second = create_app(_config(f"sqlite:///{tmp_path / 'second.sqlite3'}"))
    with second.app_context(), begins(deferred=True):
        try:
            assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
            assert db.session.scalar(text("PRAGMA busy_timeout")) == 15000
        finally:
            db.session.remove()
            db.engine.dispose()
    with begins(deferred=True):
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1  # the first app's still hold
        db.session.rollback()
