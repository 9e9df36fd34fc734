"""Check-ins per second through the full stack: gunicorn (2 sync workers) serving the app.

Run from the repository root, with the project's virtualenv:

    .venv/bin/python bench/checkin.py --quick          # a smoke run, SQLite only
    .venv/bin/python bench/checkin.py                  # SQLite
    .venv/bin/python bench/checkin.py --postgres postgresql://postgres@127.0.0.1:5432/bench_checkin

or with BENCH_DATABASE_URL set instead of ``--postgres``. THE POSTGRESQL DATABASE IS EMPTIED:
every table is dropped first. SQLite runs on a temporary file.

What is measured, on each database: ``POST /api/v1/checkins`` with a bearer token and a poster's
check-in code, every request a different volunteer's first check-in at the activity (so each
one creates a check-in, a walk-in sign-up and an audit entry), served by
``gunicorn -w 2 'app:create_app()'``; and beside it, under the same gunicorn settings and the
same client, a bare Flask app whose ``POST /bare`` parses the same JSON body and returns a small
JSON. The client is this process: `--concurrency` threads, each sending one request at a time
over http.client (gunicorn's sync workers close the connection after every response, so each
request opens a new one, for both routes alike).

Each route is measured `ROUNDS` times, interleaved (bare, check-in, bare, check-in, ...), each
round on a fresh activity, after a warm-up; the medians of the rounds are printed: requests per
second, p50 and p99 latency, and the CPU time spent per request by gunicorn's processes (not
counting the database server) and by the client. Latency includes the wait in gunicorn's listen
queue: with more client threads than workers, p50 is about concurrency / throughput. Then the
two aims of the issue: check-in throughput at least half the bare route's, and check-in p99
under 50 ms. Whether each aim is met is printed, never asserted: the figures depend on the
machine (on a small one, the client competes with the workers for the CPUs). Afterwards the run
checks that every response was a 201 and that each round's activity holds exactly one check-in
per request.
"""

import argparse
import http.client
import json
import math
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import sqlalchemy
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from timebank.accounts import services as users
from timebank.accounts.models import User, UserRole
from timebank.accounts.permissions import Role
from timebank.clock import now
from timebank.extensions import db
from timebank.org.models import Community, GridTeam, ServicePoint, Station, Town
from timebank.org.services import assign_post
from volunteers.activities.models import Activity
from volunteers.activities.services import create_activity
from volunteers.checkins import services as checkins

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET_KEY = "bench-checkin-secret"  # noqa: S105 -- the same in this process (tokens, codes) and in gunicorn
WORKERS = 2
ROUNDS = 3
WARM_UP = 20  # requests per route before measuring, spread over both workers
AIM_RATIO, AIM_P99_MS = 0.5, 50.0

BARE_APP = '''\
from flask import Flask, jsonify, request


def create_app():
    app = Flask(__name__)

    @app.post("/bare")
    def bare():
        data = request.get_json()
        return jsonify({"ok": True, "length": len(data["token"])}), 201

    return app
'''


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sqlalchemy_url(url: str) -> str:
    """As app.py reads DATABASE_URL: a plain PostgreSQL URL means psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


# --- the data ----------------------------------------------------------------------------------

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


def prepare(url: str, volunteers: int, activities: int) -> tuple[str, list[str], list[tuple[int, str]]]:
    """Schema, a station with one social worker, `volunteers` volunteers and `activities` running
    activities open to walk-ins. Returns the database's name, a bearer token per volunteer and
    (activity id, poster check-in code) per activity."""
    app = create_app({"SECRET_KEY": SECRET_KEY, "APP_ENV": "development",
                      "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})
    with app.app_context():
        build_schema()
        name = f"{database_version()}, driver {db.engine.dialect.driver}"
        town = Town(name="压测街道")
        db.session.add(town)
        db.session.flush()
        station = Station(town_id=town.id, name="压测街道社工服务站")
        community = Community(town_id=town.id, name="压测社区")
        db.session.add_all([station, community])
        db.session.flush()
        db.session.add(ServicePoint(community_id=community.id, name="压测社区服务点"))
        team = GridTeam(station=station, name="压测片区", communities=[community])
        db.session.add(team)
        worker = users.create_user("13700000001", "bench password 1", "压测社工",
                                   roles=(Role.SOCIAL_WORKER,))
        assign_post(worker, station, team)
        # One password hash for everyone, as volunteers/demo.py does: hashing is slow on purpose.
        people = [User(phone=f"1360000{i:04d}", name=f"志愿者{i}", password_hash=worker.password_hash,
                       roles=[UserRole(role=Role.RESIDENT.value)]) for i in range(volunteers)]
        db.session.add_all(people)
        db.session.flush()
        tokens = [users.issue_token(person)[0] for person in people]
        started = now() - timedelta(minutes=10)
        codes = []
        for number in range(activities):
            activity = create_activity(worker, station, {
                "title": f"压测活动{number}", "starts_at": started, "ends_at": started + timedelta(hours=3),
                "slots": volunteers, "community_id": community.id, "allow_walk_ins": True,
                "status": "published"})
            codes.append((activity.id, checkins.make_code(activity, checkins.Purpose.CHECKIN, poster=True)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return name, tokens, codes


def count_checkins(url: str, activity_ids: list[int]) -> list[int]:
    app = create_app({"SECRET_KEY": SECRET_KEY, "APP_ENV": "development",
                      "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})
    with app.app_context():
        counts = [checkins.checked_in_count(db.session.get(Activity, activity_id))
                  for activity_id in activity_ids]
        db.session.remove()
        db.engine.dispose()
    return counts


# --- the server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, database_url: str, workdir: str):
    """`gunicorn -w 2` serving `app_spec` on a free port, in its own process group; yields
    (port, master pid). Every process of the group is ended on the way out, errors included."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET_KEY,
           "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false",
           "PYTHONPATH": os.pathsep.join([str(REPO), workdir])}
    log_path = Path(workdir) / f"gunicorn-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, our own arguments
            [str(GUNICORN), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", app_spec],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited:\n{log_path.read_text()[-3000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/bench-ping")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app_spec} did not answer within 60 s") from None
                time.sleep(0.1)
        yield port, process.pid
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its descendants (Linux /proc), or nan."""
    total, pending = 0.0, [pid]
    try:
        while pending:
            current = pending.pop()
            with open(f"/proc/{current}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending += [int(child) for child in children.read().split()]
    except OSError:
        return math.nan
    return total


# --- the client --------------------------------------------------------------------------------

def drive(server: tuple[int, int], path: str, requests: list[tuple[str, str]], concurrency: int) -> dict:
    """Send `requests` (bearer token, code) as POSTs to `path` on `server` (port, gunicorn's pid)
    from `concurrency` threads.

    Returns requests per second (wall time of the whole batch), sorted latencies in seconds,
    the statuses, one body that was not a 201 (if any), and CPU seconds per request of the
    server and of this client.
    """
    port, pid = server
    pending = iter(requests)
    lock = threading.Lock()
    latencies, statuses, odd = [], [], []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                break
            bearer, code = item
            body = json.dumps({"token": code})
            headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
            start = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            latency = time.perf_counter() - start
            with lock:
                latencies.append(latency)
                statuses.append(response.status)
                if response.status != 201 and not odd:
                    odd.append(payload[:300])
        connection.close()

    server_cpu, client_cpu = server_cpu_seconds(pid), time.process_time()
    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    server_cpu = server_cpu_seconds(pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    return {"rate": len(requests) / wall, "latencies": sorted(latencies), "statuses": statuses,
            "odd": odd, "server_cpu": server_cpu / len(requests), "client_cpu": client_cpu / len(requests)}


def percentile_ms(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted seconds, in ms."""
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)] * 1000


def summary(results: list[dict]) -> dict:
    """Medians over rounds of each figure."""
    return {
        "rate": statistics.median(r["rate"] for r in results),
        "p50": statistics.median(percentile_ms(r["latencies"], 0.50) for r in results),
        "p99": statistics.median(percentile_ms(r["latencies"], 0.99) for r in results),
        "server_cpu": statistics.median(r["server_cpu"] for r in results) * 1000,
        "client_cpu": statistics.median(r["client_cpu"] for r in results) * 1000,
    }


def describe(figures: dict) -> str:
    return (f"{figures['rate']:,.0f} req/s, p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms; "
            f"CPU per request: server {figures['server_cpu']:.2f} ms, client {figures['client_cpu']:.2f} ms")


# --- one database ------------------------------------------------------------------------------

def run(name: str, url: str, count: int, concurrency: int, workdir: str) -> bool:
    """Measure on one database; True when every check was right."""
    started = time.perf_counter()
    progress(f"{name}: preparing {count:,} volunteers and {ROUNDS + 1} activities")
    version_name, tokens, codes = prepare(url, count, ROUNDS + 1)
    print(f"{name}: {version_name}; {count:,} requests a round, {ROUNDS} rounds, "
          f"{concurrency} client threads, gunicorn -w {WORKERS} (sync)")
    (_warm_id, warm_code), rounds = codes[0], codes[1:]
    results = {"bare": [], "checkin": []}
    with gunicorn("bare_app:create_app()", url, workdir) as bare_server, \
            gunicorn("app:create_app()", url, workdir) as app_server:
        progress(f"{name}: warming up")
        warm = [(token, warm_code) for token in tokens[:WARM_UP]]
        warm_ups = [drive(bare_server, "/bare", warm, concurrency),
                    drive(app_server, "/api/v1/checkins", warm, concurrency)]
        for number, (_activity_id, code) in enumerate(rounds, start=1):
            requests = [(token, code) for token in tokens]
            progress(f"{name}: round {number} of {ROUNDS}")
            results["bare"].append(drive(bare_server, "/bare", requests, concurrency))
            results["checkin"].append(drive(app_server, "/api/v1/checkins", requests, concurrency))
            print(f"{name}: round {number}: bare {results['bare'][-1]['rate']:,.0f} req/s, "
                  f"check-in {results['checkin'][-1]['rate']:,.0f} req/s "
                  f"(p99 {percentile_ms(results['checkin'][-1]['latencies'], 0.99):.1f} ms)")

    bare, checkin = summary(results["bare"]), summary(results["checkin"])
    ratio = checkin["rate"] / bare["rate"]
    print(f"{name}: bare POST /bare (median of {ROUNDS}):              {describe(bare)}")
    print(f"{name}: check-in POST /api/v1/checkins (median of {ROUNDS}): {describe(checkin)}")
    print(f"{name}: throughput ratio check-in / bare {ratio:.2f} "
          f"(aim >= {AIM_RATIO:.2f}: {'met' if ratio >= AIM_RATIO else 'NOT met'}); "
          f"check-in p99 {checkin['p99']:.1f} ms (aim < {AIM_P99_MS:.0f} ms: "
          f"{'met' if checkin['p99'] < AIM_P99_MS else 'NOT met'})")

    every = warm_ups + results["bare"] + results["checkin"]
    wrong = [status for result in every for status in result["statuses"] if status != 201]
    counts = count_checkins(url, [activity_id for activity_id, _code in rounds])
    responses = sum(len(result["statuses"]) for result in every)
    right = not wrong and responses == 2 * (WARM_UP + ROUNDS * count) and counts == [count] * ROUNDS
    print(f"{name}: check: {responses:,} responses (expected {2 * (WARM_UP + ROUNDS * count):,}), "
          f"{len(wrong)} not 201; check-ins per round's activity {counts} (expected {count:,} each): "
          f"{'OK' if right else 'WRONG'}")
    for result in every:
        for body in result["odd"]:
            print(f"    first response that was not a 201: {body!r}")
    print(f"{name}: whole run took {time.perf_counter() - started:.0f} s")
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied "
                             "(default: $BENCH_DATABASE_URL)")
    parser.add_argument("--quick", action="store_true", help="100 requests a round instead of 400")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    args = parser.parse_args()
    count = 100 if args.quick else 400

    print(f"check-in benchmark{' (--quick)' if args.quick else ''}: Python {platform.python_version()}, "
          f"SQLAlchemy {sqlalchemy.__version__}, gunicorn {version('gunicorn')}, Flask {version('flask')}, "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs")
    right = True
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as workdir:
        Path(workdir, "bare_app.py").write_text(BARE_APP)
        right &= run("sqlite", f"sqlite:///{workdir}/bench.sqlite3", count, args.concurrency, workdir)
        if args.postgres:
            right &= run("postgresql", args.postgres, count, args.concurrency, workdir)
    if not right:
        sys.exit("some responses or check-in counts were wrong (see above)")


if __name__ == "__main__":
    main()
