"""The SQLite hooks of `timebank.database`: bound to the app's own engines, and read-only commands.

On SQLite the app's connections get the pragmas and its write transactions begin IMMEDIATE;
another engine in the same process (the scheduler's job store, a test's own engine) is left as
the driver makes it. A command marked `reads_only_command` begins deferred, so another
connection can write while it runs. A `writes_late` request reads deferred until its service
calls `write_from_here`.
"""

import sqlite3
from contextlib import contextmanager

import pytest
import sqlalchemy
from sqlalchemy import func, select, text

from app import create_app
from tests.conftest import _config
from timebank.accounts import services as users
from timebank.database import (
    deferred_begin,
    reads_only_command,
    write_from_here,
    writes_late_request,
)
from timebank.extensions import db
from timebank.ledger import queries as ledger_queries
from volunteers.reporting import exports


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


@contextmanager
def writes_late_request_mark():
    token = writes_late_request.set(True)
    try:
        yield
    finally:
        writes_late_request.reset(token)


def test_a_writes_late_request_takes_the_write_lock_only_from_write_from_here(sqlite_app):
    _app, path = sqlite_app
    with begins(deferred=True), writes_late_request_mark():
        db.session.execute(select(1))
        assert can_take_the_write_lock(path)  # the bearer lookup and the like: a plain read
        write_from_here()
        db.session.execute(select(1))
        assert not can_take_the_write_lock(path)
        db.session.rollback()


def test_write_from_here_changes_nothing_in_other_reads(sqlite_app):
    _app, path = sqlite_app
    with begins(deferred=True):  # a GET, or a `reads_only` view
        db.session.execute(select(1))
        write_from_here()
        db.session.execute(select(1))
        assert can_take_the_write_lock(path)
        db.session.rollback()


# --- read-only commands -----------------------------------------------------------------------

def test_a_read_only_command_begins_deferred_and_restores_the_mark_after():
    seen = []

    @reads_only_command
    def command():
        seen.append(deferred_begin.get())
        raise RuntimeError("stops half way")

    with begins(deferred=False):
        with pytest.raises(RuntimeError):
            command()
        assert seen == [True]
        assert deferred_begin.get() is False


@pytest.fixture
def writes_meanwhile(app, make_app, monkeypatch):
    """A function that, called while a command's transaction is open, writes a user through
    another app on the same database (and so another connection) and says whether it could."""
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_MS", "100")  # a lock would fail in 0.1 s, not 15
    other = make_app()
    phones = iter(range(13911110000, 13911110100))

    def write() -> bool:
        assert db.session().in_transaction()  # the command is reading, in its transaction
        with other.app_context(), begins(deferred=False):
            try:
                users.create_user(str(next(phones)), "correct horse 9", "写入者")
                db.session.commit()
                return True
            except sqlalchemy.exc.OperationalError as error:
                assert "locked" in str(error)
                db.session.rollback()
                return False
            finally:
                db.session.remove()

    db.session.commit()
    return write


def test_another_connection_can_write_while_ledger_verify_runs(runner, writes_meanwhile,
                                                               monkeypatch):
    wrote = []
    counts = ledger_queries.counts

    def counting_while_someone_writes():
        figures = counts()
        wrote.append(writes_meanwhile())
        return figures

    monkeypatch.setattr(ledger_queries, "counts", counting_while_someone_writes)
    with begins(deferred=False):  # as in `flask ledger verify`, where nothing is marked yet
        result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "ledger OK" in result.output
    assert wrote == [True]
    db.session.rollback()  # the command's read began before the write
    assert db.session.scalar(select(func.count()).select_from(users.User)) == 1


def test_another_connection_can_write_while_an_export_runs(runner, writes_meanwhile,
                                                           monkeypatch):
    wrote = []
    write_csv = exports.write_csv

    def writing_while_someone_writes(dataset, filters, out):
        count = write_csv(dataset, filters, out)
        wrote.append(writes_meanwhile())
        return count

    monkeypatch.setattr(exports, "write_csv", writing_while_someone_writes)
    with begins(deferred=False):
        result = runner.invoke(args=["export", "volunteers", "--output", "-"])
    assert result.exit_code == 0, result.output
    assert "rows of volunteers written to stdout" in result.stderr
    assert wrote == [True]
