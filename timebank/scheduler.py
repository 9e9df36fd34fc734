"""The scheduler process: `flask scheduler run`.

APScheduler 3 with its jobs in the database (SQLAlchemy job store), run as a process of its own
beside the web workers, so each job runs once however many workers there are. Jobs are plain
functions registered by name in ``app.extensions["timebank.jobs"]`` (name → (function, trigger
arguments)); each run gets an app context and commits once, or rolls back. Every job is written
so that running it twice does no harm.

Only one scheduler leads. Several may be started (one per node, or two by mistake): each waits
for the *leader lock* before it starts its scheduler, and the others stand by until the leader
dies. On PostgreSQL the lock is a session-level advisory lock held on a connection of its own,
released by the server as soon as that connection closes (a crash, a kill, a lost network); on
SQLite, whose database is one file on one machine, it is an exclusive `flock` on a file beside
it, released by the kernel when the process ends. Before each job the leader checks that its
lock connection still answers; if it does not, the lock may be someone else's by now, so it
runs nothing more and stops (systemd starts it again, as a standby).
"""

import fcntl
import logging
import time
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.pool import NullPool

from timebank.extensions import db

log = logging.getLogger(__name__)
scheduler_cli = AppGroup("scheduler", help="Run scheduled jobs.")

#: The advisory lock's number: a fixed 64-bit integer no other feature uses ("tbsched").
LEADER_LOCK = 0x7462_7363_6865_64
#: Seconds a standby waits between tries for the leader lock.
STAND_BY_SECONDS = 5.0

_app = None
_leader = None
_scheduler = None


class LeadershipLost(RuntimeError):
    """The leader lock's connection stopped answering: another process may lead now."""


class _PostgresLock:
    """A session-level advisory lock on a connection of its own, outside any transaction."""

    def __init__(self, url: str):
        self.engine = sqlalchemy.create_engine(url, poolclass=NullPool)
        self.connection = None

    def try_acquire(self) -> bool:
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return bool(self.connection.exec_driver_sql(
            f"SELECT pg_try_advisory_lock({LEADER_LOCK})").scalar())

    def held(self) -> bool:
        """The lock lasts as long as its session: a session that answers still holds it."""
        try:
            self.connection.exec_driver_sql("SELECT 1").scalar()
            return True
        except sqlalchemy.exc.DBAPIError:
            return False

    def release(self) -> None:
        if self.connection is not None:
            try:  # at once; closing the session would too, but the server does it a moment later
                self.connection.exec_driver_sql("SELECT pg_advisory_unlock_all()")
            except sqlalchemy.exc.DBAPIError:
                pass  # the session is gone, and its locks with it
            self.connection.close()
            self.connection = None
        self.engine.dispose()


class _FileLock:
    """An exclusive flock on ``<database>.scheduler-lock`` (SQLite: one file, one machine)."""

    def __init__(self, path: Path):
        self.path = path
        self.file = None

    def try_acquire(self) -> bool:
        self.file = self.file or open(self.path, "a")  # noqa: SIM115 -- held for the process's life
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def held(self) -> bool:
        return self.file is not None and not self.file.closed

    def release(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def leader_lock(app):
    """The lock this app's schedulers take turns on, or None where there is nothing to share
    (an in-memory SQLite database lives and dies with its process)."""
    url = sqlalchemy.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        return _PostgresLock(url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return _FileLock(Path(url.database).with_name(Path(url.database).name + ".scheduler-lock"))
    return None


@contextmanager
def leadership(app, *, every: float = STAND_BY_SECONDS):
    """Wait until this process holds the leader lock (trying every `every` seconds), and keep
    it while the block runs."""
    global _leader
    lock = leader_lock(app)
    if lock is not None:
        waited = False
        while not lock.try_acquire():
            if not waited:
                log.info("another scheduler leads; standing by")
                waited = True
            time.sleep(every)
        log.info("this scheduler leads")
    _leader = lock
    try:
        yield lock
    finally:
        _leader = None
        if lock is not None:
            lock.release()


def run_job(name: str) -> None:
    """Run the job called `name` inside the app; APScheduler stores this by reference."""
    if _leader is not None and not _leader.held():
        log.error("job %s not run: the leader lock was lost; stopping", name)
        if _scheduler is not None:
            _scheduler.shutdown(wait=False)
        raise LeadershipLost(name)
    with _app.app_context():
        function, _trigger = _app.extensions["timebank.jobs"][name]
        try:
            result = function()
            db.session.commit()
            log.info("job %s done: %s", name, result)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", name)
            raise
        finally:
            db.session.remove()


def build_scheduler(app, scheduler_class=None):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _app
    _app = app
    scheduler = (scheduler_class or BlockingScheduler)(
        jobstores={"default": SQLAlchemyJobStore(url=app.config["SQLALCHEMY_DATABASE_URI"],
                                                 tablename="scheduled_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=app.config["TIMEZONE"],
    )
    for name, (_function, trigger) in app.extensions["timebank.jobs"].items():
        scheduler.add_job("timebank.scheduler:run_job", args=[name], id=name, name=name,
                          replace_existing=True, **trigger)
    return scheduler


def run(app, *, every: float = STAND_BY_SECONDS) -> None:
    """Stand by until this process leads, then run the jobs until stopped. Raises
    `LeadershipLost` if the lock is lost on the way (the caller exits; systemd restarts it)."""
    global _scheduler
    with leadership(app, every=every) as lock:
        _scheduler = build_scheduler(app)
        click.echo("scheduler leading: " + ", ".join(sorted(app.extensions["timebank.jobs"])))
        try:
            _scheduler.start()
        finally:
            _scheduler = None
        if lock is not None and not lock.held():
            raise LeadershipLost("the leader lock was lost")


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler in the foreground. Start one per node if you like: one leads, the
    others stand by and take over when it stops."""
    logging.basicConfig(level=logging.INFO)
    try:
        run(current_app._get_current_object())
    except LeadershipLost as lost:
        raise click.ClickException(f"stopped: {lost}") from lost


@scheduler_cli.command("run-once")
@click.argument("name")
def run_once_command(name):
    """Run one job now, in this process (for operators and tests)."""
    jobs = current_app.extensions["timebank.jobs"]
    if name not in jobs:
        raise click.ClickException(f"no job called {name}; jobs: {', '.join(sorted(jobs))}")
    function, _trigger = jobs[name]
    result = function()
    db.session.commit()
    click.echo(f"{name}: {result}")
