"""Check-ins per second through the full stack: gunicorn (2 sync workers) serving the app.

Run from the repository root, with the project's virtualenv:

    .venv/bin/python bench/checkin.py --quick          # a smoke run, SQLite only
    .venv/bin/python bench/checkin.py                  # SQLite, this code against main's
    .venv/bin/python bench/checkin.py --before HEAD~3 --postgres postgresql://postgres@127.0.0.1:5432/bench_checkin

or with BENCH_DATABASE_URL set instead of ``--postgres``. THE POSTGRESQL DATABASE IS EMPTIED:
every table is dropped first. SQLite runs on a temporary file.

What is measured, on each database, each route served by its own ``gunicorn -w 2`` (sync):

- ``check-in``: ``POST /api/v1/checkins`` with a bearer token and a poster's check-in code,
  every request a different volunteer's first check-in at the activity (so each one creates a
  check-in, a walk-in sign-up and an audit entry). The volunteers have used the app earlier
  that day (their once-a-day ``last_seen_at`` is written), as when they open it to scan.
- ``check-in before``: the same, served by the code of `--before` (a git ref, default
  ``main``), checked out with ``git worktree add --detach`` in a temporary directory and served
  with ``gunicorn --chdir`` on the same database (removed afterwards); ``--before ''`` skips it.
- ``one insert``: the baseline, a route of the same app (`create_app`, so the same hooks,
  engine, session and SQLite transaction rules) that parses the same JSON body, inserts one
  row into a table of its own and commits: the write floor of this stack.
- ``bare``: a bare Flask app, no database, the floor of gunicorn and the client.

The client is this process: `--concurrency` threads, each sending one request at a time over
http.client (gunicorn's sync workers close the connection after every response, so each
request opens a new one, for every route alike).

Each route is measured `ROUNDS` times, interleaved (bare, one insert, check-in, check-in
before, bare, ...), each check-in round on a fresh activity, after a warm-up; the medians of
the rounds are printed: requests per second, p50 and p99 latency, and the CPU time spent per
request by gunicorn's processes (not counting the database server) and by the client. Latency
includes the wait in gunicorn's listen queue: with more client threads than workers, p50 is
about concurrency / throughput. Then the ratios to the one-insert route and the aims of the
issue: check-in throughput at least half the one-insert route's, check-in p99 at most twice
its p99, printed met or not, never asserted (the figures depend on the machine: on a small
one the client competes with the workers for the CPUs). Afterwards the run checks that every
response was a 201 and that each round's activity holds exactly one check-in per request.
"""

import argparse
import contextlib
import http.client
import importlib.util
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
from volunteers.profiles.models import VolunteerProfile

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET_KEY = "bench-checkin-secret"  # noqa: S105 -- the same in this process (tokens, codes) and in gunicorn
WORKERS = 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
WARM_UP = 20  # requests per route before measuring, spread over both workers
#: The aims, against the one-insert route: at least this share of its throughput, and a p99
#: at most this many times its p99.
AIM_RATIO, AIM_P99_TIMES = 0.5, 2.0

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

#: The project's app with one more route: one INSERT and a commit through the same stack.
INSERT_APP = '''\
from flask import jsonify, request
from sqlalchemy import Column, Integer, MetaData, Table, insert

from app import create_app as create_project_app
from timebank.extensions import csrf, db

rows = Table("bench_one_insert", MetaData(), Column("id", Integer, primary_key=True),
             Column("length", Integer, nullable=False))


def create_app():
    app = create_project_app()

    @app.post("/bench/one-insert")
    @csrf.exempt  # as the API's routes are: a client with no session cookie
    def one_insert():
        data = request.get_json()
        db.session.execute(insert(rows).values(length=len(data["token"])))
        db.session.commit()
        return jsonify({"ok": True}), 201

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


def prepare(url: str, volunteers: int, activities: int, workdir: str
            ) -> tuple[str, list[str], list[tuple[int, str]]]:
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
        # Seen earlier today: the day's `last_seen_at` write is not part of a check-in here.
        seen = now() - timedelta(minutes=1)
        people = [User(phone=f"1360000{i:04d}", name=f"志愿者{i}", password_hash=worker.password_hash,
                       roles=[UserRole(role=Role.RESIDENT.value)], last_seen_at=seen)
                  for i in range(volunteers)]
        db.session.add_all(people)
        db.session.flush()
        # Each with a volunteer profile in the community, as registering makes one.
        db.session.add_all([VolunteerProfile(user_id=person.id, community_id=community.id)
                            for person in people])
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
        one_insert_table(workdir).create(db.engine, checkfirst=True)
        db.session.remove()
        db.engine.dispose()
    return name, tokens, codes


def one_insert_table(workdir: str):
    """The one-insert route's table, from the module `main` wrote from `INSERT_APP`."""
    spec = importlib.util.spec_from_file_location("insert_app", Path(workdir, "insert_app.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rows


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
def gunicorn(app_spec: str, database_url: str, workdir: str, code: Path = REPO):
    """`gunicorn -w 2` serving `app_spec` of the project's tree `code` (this one, or the
    `--before` worktree) on a free port, in its own process group; yields (port, master pid).
    Every process of the group is ended on the way out, errors included."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET_KEY,
           "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false",
           "PYTHONPATH": os.pathsep.join([str(code), workdir])}
    log_path = Path(workdir) / f"gunicorn-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, our own arguments
            [str(GUNICORN), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--chdir", str(code),
             app_spec],
            cwd=str(code), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
    """Send `requests` (bearer token or None, code) as POSTs to `path` on `server` (port, gunicorn's pid)
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
            headers = {"Content-Type": "application/json"}
            if bearer is not None:
                headers["Authorization"] = f"Bearer {bearer}"
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

def run(name: str, url: str, count: int, concurrency: int, workdir: str, before: Path | None) -> bool:
    """Measure on one database; True when every check was right."""
    started = time.perf_counter()
    checkin_routes = ["check-in"] + (["check-in before"] if before else [])
    progress(f"{name}: preparing {count:,} volunteers and {len(checkin_routes) * (ROUNDS + 1)} activities")
    version_name, tokens, codes = prepare(url, count, len(checkin_routes) * (ROUNDS + 1), workdir)
    print(f"{name}: {version_name}; {count:,} requests a round, {ROUNDS} rounds, "
          f"{concurrency} client threads, gunicorn -w {WORKERS} (sync)")
    # Activities: each check-in route's warm-up, then each round's, in turn.
    activity_of = {(route, number): codes[number * len(checkin_routes) + index]
                   for number in range(ROUNDS + 1) for index, route in enumerate(checkin_routes)}
    paths = {"bare": "/bare", "one insert": "/bench/one-insert"} | {
        route: "/api/v1/checkins" for route in checkin_routes}
    results = {route: [] for route in paths}
    warm_ups = []
    with contextlib.ExitStack() as servers:
        server = {
            "bare": servers.enter_context(gunicorn("bare_app:create_app()", url, workdir)),
            "one insert": servers.enter_context(gunicorn("insert_app:create_app()", url, workdir)),
            "check-in": servers.enter_context(gunicorn("app:create_app()", url, workdir))}
        if before:
            server["check-in before"] = servers.enter_context(
                gunicorn("app:create_app()", url, workdir, code=before))

        def requests(route: str, number: int, people: list[str]) -> list[tuple[str | None, str]]:
            """The check-ins' (bearer token, code) pairs; the others send the same body, no token."""
            if route not in checkin_routes:
                return [(None, codes[0][1]) for _token in people]
            return [(token, activity_of[route, number][1]) for token in people]

        progress(f"{name}: warming up")
        for route in paths:
            warm_ups.append(drive(server[route], paths[route], requests(route, 0, tokens[:WARM_UP]),
                                  concurrency))
        for number in range(1, ROUNDS + 1):
            progress(f"{name}: round {number} of {ROUNDS}")
            for route in paths:
                results[route].append(drive(server[route], paths[route],
                                            requests(route, number, tokens), concurrency))
            print(f"{name}: round {number}: " + ", ".join(
                f"{route} {results[route][-1]['rate']:,.0f} req/s "
                f"(p99 {percentile_ms(results[route][-1]['latencies'], 0.99):.1f} ms)"
                for route in paths))

    figures = {route: summary(results[route]) for route in paths}
    floor = figures["one insert"]
    width = max(len(route) for route in paths)
    for route in paths:
        print(f"{name}: {route:<{width}} POST {paths[route]:<18} (median of {ROUNDS}): "
              f"{describe(figures[route])}")
    for route in checkin_routes:
        ratio = figures[route]["rate"] / floor["rate"]
        p99_times = figures[route]["p99"] / floor["p99"]
        print(f"{name}: {route}: throughput / one insert {ratio:.2f} "
              f"(aim >= {AIM_RATIO:.2f}: {'met' if ratio >= AIM_RATIO else 'NOT met'}); "
              f"p99 / one insert's p99 {p99_times:.2f} "
              f"(aim <= {AIM_P99_TIMES:.1f}: {'met' if p99_times <= AIM_P99_TIMES else 'NOT met'}); "
              f"throughput / bare {figures[route]['rate'] / figures['bare']['rate']:.2f}")
    if before:
        print(f"{name}: check-in now / before: throughput "
              f"{figures['check-in']['rate'] / figures['check-in before']['rate']:.2f}x, "
              f"p99 {figures['check-in']['p99'] / figures['check-in before']['p99']:.2f}x")

    every = warm_ups + [result for route in paths for result in results[route]]
    wrong = [status for result in every for status in result["statuses"] if status != 201]
    expected = len(paths) * (WARM_UP + ROUNDS * count)
    measured = [activity_of[route, number][0] for route in checkin_routes
                for number in range(1, ROUNDS + 1)]
    counts = count_checkins(url, measured)
    responses = sum(len(result["statuses"]) for result in every)
    right = not wrong and responses == expected and counts == [count] * len(measured)
    print(f"{name}: check: {responses:,} responses (expected {expected:,}), "
          f"{len(wrong)} not 201; check-ins per round's activity {counts} (expected {count:,} each): "
          f"{'OK' if right else 'WRONG'}")
    for result in every:
        for body in result["odd"]:
            print(f"    first response that was not a 201: {body!r}")
    print(f"{name}: whole run took {time.perf_counter() - started:.0f} s")
    return right


@contextmanager
def checked_out(ref: str):
    """`ref` of this repository checked out in a temporary worktree (removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="timebank-before-") as parent:
        tree = Path(parent, "tree")
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet",  # noqa: S603, S607
                        str(tree), ref], check=True)
        try:
            commit = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"],  # noqa: S603, S607
                                    check=True, capture_output=True, text=True).stdout.strip()
            print(f"before: {ref} = {commit[:100]}")
            yield tree
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],  # noqa: S603, S607
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied "
                             "(default: $BENCH_DATABASE_URL)")
    parser.add_argument("--before", metavar="REF", default="main",
                        help="also serve the check-in of this git ref, measured in the same run "
                             "(default: main; '' for none)")
    parser.add_argument("--quick", action="store_true", help="100 requests a round instead of 400")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    args = parser.parse_args()
    count = 100 if args.quick else 400

    print(f"check-in benchmark{' (--quick)' if args.quick else ''}: Python {platform.python_version()}, "
          f"SQLAlchemy {sqlalchemy.__version__}, gunicorn {version('gunicorn')}, Flask {version('flask')}, "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    right = True
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="timebank-bench-"))
        before = stack.enter_context(checked_out(args.before)) if args.before else None
        Path(workdir, "bare_app.py").write_text(BARE_APP)
        Path(workdir, "insert_app.py").write_text(INSERT_APP)
        right &= run("sqlite", f"sqlite:///{workdir}/bench.sqlite3", count, args.concurrency, workdir,
                     before)
        if args.postgres:
            right &= run("postgresql", args.postgres, count, args.concurrency, workdir, before)
    if not right:
        sys.exit("some responses or check-in counts were wrong (see above)")


if __name__ == "__main__":
    main()
