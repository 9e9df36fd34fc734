"""Two scheduler processes on one database: one leads, the other stands by, each run once."""

import os
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import sqlalchemy
from sqlalchemy import text

from timebank import scheduler
from timebank.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def _clear(engine) -> None:
    """No jobs left in the store by other tests (they would fire here), no ticks table."""
    with engine.begin() as connection:
        if sqlalchemy.inspect(connection).has_table("scheduled_jobs"):
            connection.execute(text("DELETE FROM scheduled_jobs"))
        connection.execute(text("DROP TABLE IF EXISTS scheduler_ticks"))


def _ticks(engine) -> list[tuple[int, float]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            text("SELECT pid, at FROM scheduler_ticks ORDER BY at"))]


def _wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _start(url: str, log: Path) -> subprocess.Popen:
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, "-m", "tests.scheduler_process", url],  # noqa: S603
                                cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=stderr,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_two_scheduler_processes_run_each_job_once(app, tmp_path):
    """A leads and ticks; B, started beside it, stands by and runs nothing; A is killed (-9)
    and B takes over. Every tick is one process's, a second apart: no run is doubled."""
    engine = db.engine
    _clear(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE scheduler_ticks (pid INTEGER NOT NULL, "
                                "at DOUBLE PRECISION NOT NULL)"))
    url = engine.url.render_as_string(hide_password=False)
    first = _start(url, tmp_path / "first.log")
    second = None
    try:
        _wait_for(lambda: _ticks(engine))
        second = _start(url, tmp_path / "second.log")
        _wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text())
        _wait_for(lambda: len(_ticks(engine)) >= 4)
        assert {pid for pid, _at in _ticks(engine)} == {first.pid}

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        led_at = len(_ticks(engine))
        _wait_for(lambda: len(_ticks(engine)) >= led_at + 3)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
    ticks = _ticks(engine)
    _clear(engine)
    pids = [pid for pid, _at in ticks]
    assert pids == sorted(pids, key=lambda pid: pid != first.pid)  # A's runs, then B's
    assert set(pids) == {first.pid, second.pid}
    gaps = [later - earlier for (_a, earlier), (_b, later) in pairwise(ticks)]
    assert min(gaps) > 0.5, gaps  # once a second: never two runs of one tick
    assert "this scheduler leads" in (tmp_path / "second.log").read_text()


def test_a_standby_takes_the_lock_only_when_it_is_free(app):
    """The lock itself, in-process: a second holder is refused until the first lets go."""
    first, second = scheduler.leader_lock(app), scheduler.leader_lock(app)
    try:
        # A process killed by the test before may still be leaving: the server frees its
        # lock when it sees the connection closed, a moment later.
        _wait_for(first.try_acquire)
        assert first.held()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()
