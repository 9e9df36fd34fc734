"""A volunteer's pages per second through the full stack, against a bare Flask route.

Run from the repository root, with the project's virtualenv:

    .venv/bin/python bench/pages.py --quick                 # a smoke run, SQLite only
    .venv/bin/python bench/pages.py --before main           # SQLite, old code beside the new
    .venv/bin/python bench/pages.py --postgres postgresql://postgres@127.0.0.1:5432/bench_pages

or with BENCH_DATABASE_URL set instead of ``--postgres``. THE POSTGRESQL DATABASE IS EMPTIED:
every table is dropped first. SQLite runs on a temporary file.

The data is one logged-in volunteer's world: a station with three communities, this month's
theme, about 60 activities this month (some over, most to come; other volunteers signed up to
them), the volunteer's year of service (100 check-ins approved into the ledger), a few sign-ups
to come and a few notices. The pages are ``GET /volunteer/activities`` (this month's list),
``GET /volunteer/`` (home) and ``GET /hours/`` (balance and statement), each with the
volunteer's session cookie (built with the app's own session serializer, as a login would set
it). Beside them, under the same gunicorn settings, a bare Flask app's ``GET /bare`` answers a
tiny HTML page; and, served by the app with one page added (``GET /bench-empty``, logged in,
nothing but the site's frame), the floor every page of the app stands on.

Servers: ``gunicorn -w 2`` with sync workers, as deployed (docs/deploy.md); sync workers close
the connection after every response, so there is no keep-alive: every request opens a new
connection, for every route alike. With ``--before REF``, the code at REF is checked out in a
temporary worktree and served by a second gunicorn (``--chdir`` there), on the same database,
so old and new are measured in the same run, interleaved: each round measures bare, then each
page on the new code and on the old, `--seconds` each with `--concurrency` client threads.
Printed: the medians over rounds of requests per second and p50/p99 latency, the ratio of each
page to the bare route and whether the aim (0.15) is met, and the SQL statements each page runs
(counted in-process with the test client, on each code). Before measuring, the run checks
that old and new answer the same HTML (apart from the CSRF token) and that every response is a
200; figures are printed, never asserted.

``--profile PAGE`` instead profiles one page in-process (cProfile, 50 requests) and prints the
statements it runs and the top of the profile (``SORT=tottime TOP=60`` in the environment
to change its order and length).
"""

import argparse
import cProfile
import http.client
import json
import math
import os
import platform
import pstats
import random
import re
import signal
import socket
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

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET_KEY = "bench-pages-secret"  # noqa: S105 -- the same in this process and in gunicorn
WORKERS = 2
AIM_RATIO = 0.15
PAGES = {"activities": "/volunteer/activities", "home": "/volunteer/", "hours": "/hours/"}
#: What is measured: the pages, and the app's floor (`FLOOR_APP`).
ROUTES = {"empty page": "/bench-empty", **PAGES}
VOLUNTEER_PHONE = "13600009999"

BARE_APP = '''\
from flask import Flask


def create_app():
    app = Flask(__name__)

    @app.get("/bare")
    def bare():
        return "<!doctype html><title>bare</title><p>Hello, volunteer.</p>"

    return app
'''

#: The app with one more page: ``GET /bench-empty``, a logged-in page with nothing in it but
#: the site's frame (base.html): what every page of the app costs before it shows anything.
FLOOR_APP = '''\
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader

from app import create_app as create_timebank
from timebank.accounts.permissions import login_required


def create_app():
    app = create_timebank()
    app.jinja_env.loader = ChoiceLoader([app.jinja_env.loader, DictLoader(
        {"bench/empty.html": '{% extends "base.html" %}{% block content %}<p>-</p>{% endblock %}'})])

    @app.get("/bench-empty")
    @login_required
    def bench_empty():
        return render_template("bench/empty.html")

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


def bench_app(url: str):
    from app import create_app

    return create_app({"SECRET_KEY": SECRET_KEY, "APP_ENV": "development", "RATELIMIT_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})


# --- the data ----------------------------------------------------------------------------------

def prepare(url: str) -> str:
    """Schema and one volunteer's world (see the module's docstring); returns the database's name."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from timebank.accounts import services as users
    from timebank.accounts.models import User, UserRole
    from timebank.accounts.permissions import Role
    from timebank.clock import local, now
    from timebank.consents import services as consents
    from timebank.extensions import db
    from timebank.notifications.services import notify
    from timebank.org.models import Community, GridTeam, ServicePoint, Station, Town
    from timebank.org.services import assign_post
    from volunteers.activities.models import SignUp, SignUpStatus
    from volunteers.activities.services import create_activity
    from volunteers.checkins import services as checkins
    from volunteers.checkins.models import CheckIn, CheckInStatus
    from volunteers.profiles.services import profile_for, update_profile
    from volunteers.themes.services import set_theme

    rng = random.Random(20)  # noqa: S311 -- bench data
    app = bench_app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        name = (f"SQLite {db.session.scalar(text('select sqlite_version()'))}"
                if db.engine.dialect.name == "sqlite"
                else "PostgreSQL " + db.session.scalar(text("SHOW server_version")))
        town = Town(name="压测街道")
        db.session.add(town)
        db.session.flush()
        station = Station(town_id=town.id, name="压测街道社工服务站", phone="020-84000000")
        communities = [Community(town_id=town.id, name=f"压测第{n}社区") for n in range(1, 4)]
        db.session.add_all([station, *communities])
        db.session.flush()
        db.session.add_all([ServicePoint(community_id=c.id, name=f"{c.name}服务点") for c in communities])
        team = GridTeam(station=station, name="压测片区", communities=communities)
        db.session.add(team)
        worker = users.create_user("13700000001", "bench password 1", "压测社工", roles=(Role.SOCIAL_WORKER,))
        assign_post(worker, station, team)
        manager = users.create_user("13700000002", "bench password 2", "压测主任",
                                    roles=(Role.STATION_MANAGER,))
        assign_post(manager, station, None)
        volunteer = users.create_user(VOLUNTEER_PHONE, "bench password 9", "陈志愿", roles=(Role.RESIDENT,))
        volunteer.phone_verified_at = now()
        update_profile(profile_for(volunteer), {"community_id": communities[0].id})
        if consents.current_version() is not None:
            consents.agree_to_notice(volunteer)
        others = [User(phone=f"1360000{i:04d}", name=f"志愿者{i}", password_hash=volunteer.password_hash,
                       roles=[UserRole(role=Role.RESIDENT.value)]) for i in range(40)]
        db.session.add_all(others)
        db.session.flush()

        today = local(now())
        month_start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        set_theme(station.id, today.year, today.month, title="敬老爱老月", description="关爱长者，邻里互助",
                  by=manager)
        # This month: ~60 activities, two a day, in the three communities.
        month = []
        for number in range(60):
            start = month_start + timedelta(days=number // 2, hours=9 + 5 * (number % 2))
            if start.month != today.month:
                break
            activity = create_activity(worker, station, {
                "title": f"社区服务活动{number + 1}", "starts_at": start,
                "ends_at": start + timedelta(hours=2),
                "slots": 10, "community_id": communities[number % 3].id, "status": "published",
                "description": "陪伴长者聊天、协助整理家务。", "place": "社区服务点"})
            month.append(activity)
        for activity in month:
            for person in rng.sample(others, rng.randint(0, 8)):
                db.session.add(SignUp(activity_id=activity.id, user_id=person.id,
                                      status=SignUpStatus.CONFIRMED))
        coming = [activity for activity in month if activity.starts_at > now()]
        for activity in coming[:6:2]:
            db.session.add(SignUp(activity_id=activity.id, user_id=volunteer.id,
                                  status=SignUpStatus.CONFIRMED))
        # The volunteer's year: 100 activities before this month, each checked in, out, approved.
        for number in range(100):
            start = month_start - timedelta(days=3 + number * 3, hours=-9)
            activity = create_activity(worker, station, {
                "title": f"往期服务{number + 1}", "starts_at": start, "ends_at": start + timedelta(hours=2),
                "slots": 10, "community_id": communities[number % 3].id, "status": "published"})
            db.session.add(SignUp(activity_id=activity.id, user_id=volunteer.id,
                                  status=SignUpStatus.CONFIRMED, attendance="attended"))
            checkin = CheckIn(activity_id=activity.id, user_id=volunteer.id, method="qr",
                              checked_in_at=start - timedelta(minutes=5),
                              checked_out_at=activity.ends_at + timedelta(minutes=5))
            checkin.minutes = checkins.credited_minutes(activity, checkin.checked_in_at,
                                                        checkin.checked_out_at)
            checkin.status = CheckInStatus.CLOSED
            db.session.add(checkin)
            db.session.flush()
            checkins.approve(checkin, by=manager, evaluation="good", at=activity.ends_at + timedelta(hours=3))
        for number in range(5):
            notify(volunteer.id, f"bench:{number}", f"通知{number + 1}", "活动有变化，请留意。",
                   link="/volunteer/")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return name


def session_cookie(url: str) -> str:
    """The volunteer's session cookie, as logging in sets it (Flask-Login's keys)."""
    from timebank.accounts import services as users

    app = bench_app(url)
    with app.app_context():
        volunteer = users.get_by_phone(VOLUNTEER_PHONE)
        data = {"_user_id": volunteer.get_id(), "_fresh": True, "_id": "bench", "lang": "zh_Hans_CN"}
        cookie = app.session_interface.get_signing_serializer(app).dumps(data)
        from timebank.extensions import db
        db.session.remove()
        db.engine.dispose()
    return cookie


def count_statements(url: str, cookie: str) -> dict:
    """SQL statements each page runs (its second request, in-process), on the code imported."""
    from sqlalchemy import event

    from timebank.extensions import db

    app = bench_app(url)
    counts = {}
    with app.app_context():
        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    client = app.test_client()
    client.set_cookie("session", cookie)
    for page, path in PAGES.items():
        client.get(path)
        seen.clear()
        response = client.get(path)
        counts[page] = (response.status_code, len(seen))
    return counts


def profile(url: str, cookie: str, page: str) -> None:
    """Statements and the cProfile top of `page` in-process."""
    from sqlalchemy import event

    from timebank.extensions import db

    app = bench_app(url)
    with app.app_context():
        seen = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    client = app.test_client()
    client.set_cookie("session", cookie)
    client.get(PAGES[page])
    seen.clear()
    assert client.get(PAGES[page]).status_code == 200  # noqa: S101
    print(f"{page}: {len(seen)} statements")
    for statement in seen:
        print("   ", " ".join(statement.split())[:220])
    profiler = cProfile.Profile()
    profiler.enable()
    for _n in range(50):
        client.get(PAGES[page])
    profiler.disable()
    order, top = os.environ.get("SORT", "cumulative"), int(os.environ.get("TOP", "45"))
    pstats.Stats(profiler).sort_stats(order).print_stats(top)


# --- the servers -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, database_url: str, code: str, workdir: str):
    """`gunicorn -w 2` serving `app_spec` from the tree `code` on a free port, in its own process
    group; yields the port. Every process of the group is ended on the way out."""
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET_KEY,
           "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false",
           "PYTHONPATH": os.pathsep.join([code, workdir])}
    log_path = Path(workdir) / f"gunicorn-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603 -- our own gunicorn, our own arguments
            [str(GUNICORN), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--chdir", code, app_spec],
            cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        yield port
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fetch(port: int, path: str, cookie: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": f"session={cookie}"})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, body


def comparable(html: str) -> str:
    """A page without what differs between two identical requests (the CSRF token)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


# --- the client --------------------------------------------------------------------------------

def drive(port: int, path: str, cookie: str, seconds: float, concurrency: int) -> dict:
    """GET `path` from `concurrency` threads for `seconds`. Returns requests per second, sorted
    latencies in seconds and the statuses that were not 200."""
    latencies, wrong = [], []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    headers = {"Cookie": f"session={cookie}"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            if response.status != 200:
                with lock:
                    wrong.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return {"rate": len(latencies) / wall, "latencies": sorted(latencies), "wrong": wrong}


def percentile_ms(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted seconds, in ms."""
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)] * 1000


def summary(results: list[dict]) -> dict:
    return {"rate": statistics.median(r["rate"] for r in results),
            "p50": statistics.median(percentile_ms(r["latencies"], 0.50) for r in results),
            "p99": statistics.median(percentile_ms(r["latencies"], 0.99) for r in results)}


# --- one database ------------------------------------------------------------------------------

def statements_on(code: str, url: str, cookie: str) -> dict:
    """`count_statements` run by the code in `code` (a subprocess importing that tree)."""
    env = {**os.environ, "PYTHONPATH": code, "APP_ENV": "development"}
    output = subprocess.run(  # noqa: S603 -- this very script
        [sys.executable, __file__, "--count-statements", url, cookie], env=env, cwd=code,
        capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run(name: str, url: str, codes: dict[str, str], args, workdir: str) -> bool:
    started = time.perf_counter()
    progress(f"{name}: preparing the data")
    version_name = prepare(url)
    cookie = session_cookie(url)
    statements = {label: statements_on(code, url, cookie) for label, code in codes.items()}
    print(f"{name}: {version_name}; {args.rounds} rounds of {args.seconds:g} s per route, "
          f"{args.concurrency} client threads, gunicorn -w {WORKERS} (sync workers, no keep-alive)")
    for page in PAGES:
        print(f"{name}: statements per request, {page}: " + ", ".join(
            f"{label} {statements[label][page][1]}" for label in codes))
    right = True
    servers = {label: gunicorn("floor_app:create_app()", url, code, workdir) for label, code in codes.items()}
    with gunicorn("bare_app:create_app()", url, workdir, workdir) as bare, \
            contextmanager_all(servers) as ports:
        bodies = {}
        for label, port in ports.items():
            for page, path in PAGES.items():
                status, body = fetch(port, path, cookie)
                bodies[label, page] = comparable(body)
                if status != 200:
                    print(f"{name}: {label} {path} answered {status}")
                    right = False
        if "before" in codes:
            for page in PAGES:
                same = bodies["after", page] == bodies["before", page]
                print(f"{name}: {page}: the same HTML before and after: {'yes' if same else 'NO'}")
                if not same:
                    right = False
                    Path(workdir, f"{name}-{page}-before.html").write_text(bodies["before", page])
                    Path(workdir, f"{name}-{page}-after.html").write_text(bodies["after", page])
                    keep = Path(tempfile.gettempdir(), f"bench-pages-{name}-{page}")
                    keep.mkdir(exist_ok=True)
                    for label in codes:
                        (keep / f"{label}.html").write_text(bodies[label, page])
                    print(f"    both kept in {keep}")
        progress(f"{name}: warming up")
        drive(bare, "/bare", cookie, 0.5, args.concurrency)
        for port in ports.values():
            for path in ROUTES.values():
                drive(port, path, cookie, 0.5, args.concurrency)
        results: dict[tuple[str, str], list[dict]] = {}
        for number in range(1, args.rounds + 1):
            progress(f"{name}: round {number} of {args.rounds}")
            results.setdefault(("bare", "bare"), []).append(drive(bare, "/bare", cookie, args.seconds,
                                                                  args.concurrency))
            for page, path in ROUTES.items():
                for label, port in ports.items():
                    results.setdefault((label, page), []).append(
                        drive(port, path, cookie, args.seconds, args.concurrency))
    wrong = sum(len(r["wrong"]) for rounds in results.values() for r in rounds)
    bare_figures = summary(results["bare", "bare"])
    print(f"{name}: bare GET /bare: {bare_figures['rate']:,.0f} req/s, p50 {bare_figures['p50']:.1f} ms, "
          f"p99 {bare_figures['p99']:.1f} ms")
    for page, path in ROUTES.items():
        for label in codes:
            figures = summary(results[label, page])
            ratio = figures["rate"] / bare_figures["rate"]
            aim = (f" (aim >= {AIM_RATIO}: {'met' if ratio >= AIM_RATIO else 'NOT met'}); "
                   f"{statements[label][page][1]} statements") if page in PAGES else " (the floor)"
            print(f"{name}: {label:6} GET {path:22} {figures['rate']:7,.0f} req/s, "
                  f"p50 {figures['p50']:6.1f} ms, p99 {figures['p99']:6.1f} ms; "
                  f"ratio to bare {ratio:.3f}{aim}")
        if "before" in codes:
            speedup = summary(results["after", page])["rate"] / summary(results["before", page])["rate"]
            print(f"{name}: {page}: after / before throughput {speedup:.2f}x")
    print(f"{name}: check: {wrong} responses not 200: {'OK' if not wrong and right else 'WRONG'}")
    print(f"{name}: whole run took {time.perf_counter() - started:.0f} s")
    return right and not wrong


@contextmanager
def contextmanager_all(managers: dict):
    """Enter every context manager of `managers`; yields {key: what each yielded}."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        yield {key: stack.enter_context(manager) for key, manager in managers.items()}


@contextmanager
def old_code(ref: str | None, workdir: str):
    """A detached worktree of `ref` (removed on the way out), or None without `ref`."""
    if ref is None:
        yield None
        return
    tree = str(Path(workdir) / "before")
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", tree, ref],  # noqa: S603, S607
                   check=True)
    try:
        if (REPO / "translations").exists():  # the .mo files are built, not committed
            subprocess.run([str(Path(sys.executable).with_name("pybabel")), "compile", "--use-fuzzy",  # noqa: S603
                            "-d", str(Path(tree) / "translations")], check=True, capture_output=True)
        yield tree
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", tree], check=False)  # noqa: S603, S607


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied")
    parser.add_argument("--before", metavar="REF", help="also serve the code at this git ref (e.g. main)")
    parser.add_argument("--quick", action="store_true", help="1 round of 1 s per route")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="per route and round (default 3)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--profile", choices=PAGES, help="profile one page in-process instead")
    parser.add_argument("--count-statements", nargs=2, metavar=("URL", "COOKIE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_statements:
        print(json.dumps(count_statements(*args.count_statements)))
        return
    if args.quick:
        args.rounds, args.seconds = 1, 1.0
    sys.path.insert(0, str(REPO))
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="timebank-bench-") as workdir:
            url = f"sqlite:///{workdir}/bench.sqlite3"
            prepare(url)
            profile(url, session_cookie(url), args.profile)
        return

    print(f"volunteer pages benchmark{' (--quick)' if args.quick else ''}: "
          f"Python {platform.python_version()}, gunicorn {version('gunicorn')}, "
          f"Flask {version('flask')}, {platform.system()} "
          f"{platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    right = True
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as workdir, \
            old_code(args.before, workdir) as old:
        Path(workdir, "bare_app.py").write_text(BARE_APP)
        Path(workdir, "floor_app.py").write_text(FLOOR_APP)
        codes = {"after": str(REPO), **({"before": old} if old else {})}
        right &= run("sqlite", f"sqlite:///{workdir}/bench.sqlite3", codes, args, workdir)
        if args.postgres:
            right &= run("postgresql", args.postgres, codes, args, workdir)
    if not right:
        sys.exit("some responses were wrong or differed (see above)")


if __name__ == "__main__":
    main()
