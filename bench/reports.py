"""Dashboards at city scale: how long the station and district figures take to compute.

Run from the repository root, with the project's virtualenv:

    .venv/bin/python bench/reports.py --postgres postgresql://postgres@127.0.0.1:5432/bench_reports
    .venv/bin/python bench/reports.py --postgres URL --scale 0.1 --sqlite     # a quick run

THE POSTGRESQL DATABASE IS EMPTIED (every table dropped). SQLite runs on a temporary file.

The data (fixed seeds; `--scale` multiplies the volunteers, activities and check-ins): 12 towns
each with its station (the model has one station per town), 200 communities with their service
points and pools, 650,000 volunteers (users, profiles, member accounts; most linked to a social
worker), 25,000 activities a month over the 12 months of the year (a theme a month for the
district and for each station), 3,000,000 approved check-ins in the year with their confirmed,
attended sign-ups and the ledger's ``earn`` transfers (station issuer → member, idempotency key
and reference ``checkin:<id>``, as `checkins.services._post_approval` writes them), one percent of
them reversed, some no-shows, mutual-aid spending, pool grants, and residents' ratings. Written
with COPY on PostgreSQL and executemany on SQLite, straight into the tables (the services would
take hours for this many rows), then ANALYZE.

What is timed, in-process in an app context, best of `--repeat`: the dashboard's figures
(`reporting.services.dashboard`) for the whole district over the year, for one town's station
over the year, for one station over one month; the monthly station report
(`reporting.monthly.station_report`) of that station and month; and the dashboard page
``GET /reports/`` for the year through the test client as a district administrator.

Before and after in one run: the same calls are timed by this script run as a subprocess with
``PYTHONPATH`` set to a temporary worktree of `--before` (default ``main``) on the database as
that code's migrations leave it (0033), then the database is upgraded to this branch's head (the
summary tables' migration), the summaries are built (timed) and the same calls are timed with
this branch's code. Each line prints both times, their ratio and whether the new time is under
2 s. A timed call's PostgreSQL statements stop after `CALL_LIMIT` seconds (printed "> 300 s").
`--reuse` keeps the data an earlier run left in the PostgreSQL database (same scale; the old
code then runs on the upgraded schema, whose new tables it does not read). Times depend on the
machine and its load: they are printed, never asserted.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-reports-secret"  # noqa: S105 -- a throwaway database
BASE_REVISION = "0033_evaluation"
YEAR = 2026
AIM_SECONDS = 2.0
#: A PostgreSQL statement of a timed call running longer is stopped; the call shows as "> 300 s".
CALL_LIMIT = 300
SHANGHAI = ZoneInfo("Asia/Shanghai")


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_app(url: str):
    from app import create_app

    return create_app({"SECRET_KEY": SECRET_KEY, "APP_ENV": "development",
                       "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "RATELIMIT_ENABLED": False})


# --- writing rows fast --------------------------------------------------------------------------

class Writer:
    """Appends rows straight into tables: COPY on PostgreSQL (one connection per table being
    written, so several tables fill at once), executemany on SQLite. Foreign keys are not
    checked while writing (the rows are written in no particular order). Columns not given take
    the model's scalar default (or a callable default evaluated once)."""

    def __init__(self, db):
        self.db = db
        self.dialect = db.engine.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        if not self.postgres:
            self.pooled = db.engine.raw_connection()
            self.connection = self.pooled.driver_connection
            self.connection.commit()
            self.connection.execute("PRAGMA foreign_keys=OFF")

    def write(self, table_name: str, columns: tuple[str, ...], rows) -> int:
        with self.table(table_name, columns) as sink:
            for row in rows:
                sink.add(row)
        return self.counts[table_name]

    @contextmanager
    def table(self, table_name: str, columns: tuple[str, ...]):
        table = self.db.metadata.tables[table_name]
        extra = []
        for column in table.columns:
            if column.name in columns or column.server_default is not None:
                continue
            if column.default is not None:
                value = column.default.arg
                if callable(value):
                    value = value(None)
                extra.append((column.name, value))
        names = list(columns) + [name for name, _value in extra]
        sink = Sink(tuple(value for _name, value in extra),
                    [self._processor(table.columns[name]) for name in names])
        if self.postgres:
            connection = self.db.engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute("SET session_replication_role = replica")
                with cursor.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
                    sink.send = copy.write_row
                    yield sink
                connection.commit()
            finally:
                connection.close()
        else:
            sql = (f"INSERT INTO {table_name} ({', '.join(names)}) "  # noqa: S608 -- the models' own names
                   f"VALUES ({', '.join('?' * len(names))})")
            batch = []

            def send(row):
                batch.append(row)
                if len(batch) >= 20_000:
                    self.connection.executemany(sql, batch)
                    batch.clear()

            sink.send = send
            yield sink
            self.connection.executemany(sql, batch)
            self.connection.commit()
        self.counts[table_name] = self.counts.get(table_name, 0) + sink.count

    def _processor(self, column):
        """Python value → what the driver is given. Times are generated naive in UTC, as the
        `UTCDateTime` columns store them."""
        from sqlalchemy import JSON, Boolean, DateTime

        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(kind, JSON) or isinstance(impl, JSON):
            return json.dumps
        if not self.postgres and isinstance(impl, DateTime):
            return impl.bind_processor(self.dialect)
        if not self.postgres and isinstance(impl, Boolean):
            return int
        return None

    def reset_sequences(self) -> None:
        from sqlalchemy import inspect

        if not self.postgres:
            return
        with self.db.engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            for table in self.db.metadata.sorted_tables:
                column = table.columns.get("id")
                if table.name in existing and column is not None and column.primary_key \
                        and column.autoincrement:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 -- the models' own names
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)")


class Sink:
    def __init__(self, tail: tuple, processors: list):
        self.tail, self.processors, self.count = tail, processors, 0
        self.process = any(processors)
        self.send = None

    def add(self, row: tuple) -> None:
        row = row + self.tail
        if self.process:
            row = tuple(p(v) if p is not None and v is not None else v
                        for p, v in zip(self.processors, row, strict=True))
        self.send(row)
        self.count += 1


def utc(local_moment: datetime) -> datetime:
    """A Shanghai wall-clock moment as the naive UTC value stored."""
    return local_moment.replace(tzinfo=SHANGHAI).astimezone(UTC).replace(tzinfo=None)


# --- the data ------------------------------------------------------------------------------------

def build(url: str, scale: float) -> dict:
    """Empty the database, migrate it to `BASE_REVISION`, write the city. Returns what the
    measuring needs (ids) and the row counts."""
    from flask_migrate import upgrade
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from timebank.extensions import db

    app = make_app(url)
    rng = random.Random(20)
    counts = {}
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=str(REPO / "migrations"), revision=BASE_REVISION)
        writer = Writer(db)
        created = utc(datetime(YEAR - 1, 6, 1, 9))

        towns = 12
        communities = 200
        volunteers = int(650_000 * scale)
        per_month = int(25_000 * scale)
        checkins_total = int(3_000_000 * scale)

        counts["towns"] = writer.write("towns", ("id", "name"),
                                       ((i, f"第{i}街道") for i in range(1, towns + 1)))
        writer.write("stations", ("id", "town_id", "name"),
                     ((i, i, f"第{i}街道社工服务站") for i in range(1, towns + 1)))
        community_town = {c: (c - 1) % towns + 1 for c in range(1, communities + 1)}
        counts["communities"] = writer.write(
            "communities", ("id", "town_id", "name"),
            ((c, community_town[c], f"第{c}社区") for c in community_town))
        writer.write("service_points", ("id", "community_id", "name"),
                     ((c, c, f"第{c}社区服务点") for c in community_town))

        # Staff: a district administrator, per station a manager and four social workers.
        password = generate_password_hash("bench-password")
        staff = [(1, "district_admin", None)]
        workers: dict[int, list[int]] = {}
        next_id = 2
        for station in range(1, towns + 1):
            staff.append((next_id, "station_manager", station))
            next_id += 1
            for _n in range(4):
                staff.append((next_id, "social_worker", station))
                workers.setdefault(station, []).append(next_id)
                next_id += 1
        first_volunteer = next_id
        volunteer_ids = range(first_volunteer, first_volunteer + volunteers)
        stamp = "b" * 32

        def users():
            for user_id, _role, _station in staff:
                yield (user_id, f"138{user_id:08d}", f"员工{user_id}", password, stamp, created,
                       created)
            for user_id in volunteer_ids:
                joined = created + timedelta(minutes=(user_id * 37) % (540 * 24 * 60))
                yield (user_id, f"139{user_id:08d}", f"志愿者{user_id}", "x", stamp, joined, joined)

        counts["users"] = writer.write(
            "users", ("id", "phone", "name", "password_hash", "security_stamp", "created_at",
                      "phone_verified_at"),
            users())
        writer.write("user_roles", ("user_id", "role"),
                     ((user_id, role) for user_id, role, _station in staff))
        writer.write("user_roles", ("user_id", "role"),
                     ((user_id, "resident") for user_id in volunteer_ids))
        writer.write("staff_posts", ("user_id", "station_id"),
                     ((user_id, station) for user_id, _role, station in staff if station))

        home = {}

        def profiles():
            for user_id in volunteer_ids:
                community = rng.randint(1, communities)
                home[user_id] = community
                station = community_town[community]
                linked = rng.choice(workers[station]) if rng.random() < 0.7 else None
                yield (user_id, community, linked)

        counts["volunteer_profiles"] = writer.write(
            "volunteer_profiles", ("user_id", "community_id", "linked_social_worker_id"),
            profiles())

        # Accounts: one issuer per station, a pool per community, a member account per volunteer.
        issuer = {s: s for s in range(1, towns + 1)}
        pool = {c: towns + c for c in community_town}
        member_base = towns + communities

        def accounts():
            for station, account_id in issuer.items():
                yield (account_id, f"station:{station}:issuer", "issuer", None, "", None, created)
            for community, account_id in pool.items():
                yield (account_id, f"pool:community:{community}", "pool", None, f"第{community}社区互助池",
                       0, created)
            for user_id in volunteer_ids:
                yield (member_base + user_id, f"member:{user_id}", "member", user_id, "", 0, created)

        counts["accounts"] = writer.write(
            "accounts", ("id", "key", "kind", "owner_id", "name", "min_balance", "created_at"),
            accounts())

        # Themes: one for the district and one per station, every month.
        themes = []
        for month in range(1, 13):
            themes.append((len(themes) + 1, None, YEAR, month, f"{month}月主题"))
            for station in range(1, towns + 1):
                themes.append((len(themes) + 1, station, YEAR, month, f"{month}月站点主题"))
        counts["themes"] = writer.write("themes", ("id", "station_id", "year", "month", "title"),
                                        themes)
        theme_of = {(t[1], t[3]): t[0] for t in themes}

        # Activities: `per_month` a month, spread over the month's days, 2 to 4 hours long.
        activities = []  # (id, station, starts_local, minutes_long)
        today = datetime.now(SHANGHAI).replace(tzinfo=None)

        def activity_rows():
            activity_id = 0
            for month in range(1, 13):
                days = (datetime(YEAR + month // 12, month % 12 + 1, 1) - datetime(YEAR, month, 1)).days
                for _n in range(per_month):
                    activity_id += 1
                    community = rng.randint(1, communities)
                    station = community_town[community]
                    starts = datetime(YEAR, month, rng.randint(1, days), rng.choice((9, 10, 14, 15)))
                    minutes = rng.choice((120, 180, 240))
                    ends = starts + timedelta(minutes=minutes)
                    theme = theme_of[(None if rng.random() < 0.6 else station, month)]
                    if rng.random() < 0.1:
                        theme = None
                    status = "cancelled" if rng.random() < 0.02 else (
                        "closed" if ends < today else "published")
                    activities.append((activity_id, station, starts, minutes, status))
                    yield (activity_id, f"活动{activity_id}", theme, station, community,
                           utc(starts), utc(ends), status, "event", 2 + 5 * (station - 1),
                           rng.randint(0, 40), 30, created)

        counts["activities"] = writer.write(
            "activities", ("id", "title", "theme_id", "station_id", "community_id", "starts_at",
                           "ends_at", "status", "kind", "created_by_id", "people_served",
                           "slots", "created_at"), activity_rows())

        # Check-ins: approved, at held activities that have started, each with its confirmed
        # sign-up and its earn transfer (2 entries); one in a hundred reversed since (a reversal
        # transfer, 2 more entries). Six volunteers in ten ever serve. Some sign-ups did not
        # come (no-shows, or not recorded).
        held = [a for a in activities if a[4] != "cancelled" and a[2] < today]
        per_activity = checkins_total / len(held)
        serving = max(int(volunteers * 0.6), 50)
        checkin_id = entry_id = 0
        reversal_id = checkins_total * 2
        with writer.table("checkins", ("id", "activity_id", "user_id", "status", "checked_in_at",
                                       "checked_out_at", "minutes", "method", "flagged",
                                       "adjusted", "honour_minutes", "decided_at",
                                       "transfer_id")) as checkins, \
                writer.table("signups", ("id", "activity_id", "user_id", "status", "created_at",
                                         "attendance")) as signups, \
                writer.table("transfers", ("id", "kind", "memo", "idempotency_key", "reference",
                                           "category", "posted_at", "reverses_id")) as transfers, \
                writer.table("entries", ("id", "transfer_id", "account_id", "minutes",
                                         "balance_after")) as entries:

            def transfer(transfer_id, kind, memo, key, reference, category, at, reverses, legs):
                nonlocal entry_id
                transfers.add((transfer_id, kind, memo, key, reference, category, at, reverses))
                for account, minutes in legs:
                    entry_id += 1
                    entries.add((entry_id, transfer_id, account, minutes, max(minutes, 0)))

            for activity_id, station, starts, minutes_long, _status in held:
                wanted = int(per_activity * 2 * rng.random() + 0.5)
                if checkin_id + wanted > checkins_total:
                    wanted = checkins_total - checkin_id
                people = set()
                while len(people) < wanted + 1:
                    people.add(first_volunteer + rng.randrange(serving))
                absent = people.pop()
                signup_at = utc(starts - timedelta(days=3))
                for user_id in people:
                    checkin_id += 1
                    scanned = min(minutes_long, rng.choice((60, 90, 120, 150, 180)))
                    honour = 30 if rng.random() < 0.05 else 0
                    final = scanned + honour
                    decided = utc(starts + timedelta(minutes=minutes_long, hours=rng.randint(1, 72)))
                    checkins.add((checkin_id, activity_id, user_id, "approved", utc(starts),
                                  utc(starts + timedelta(minutes=scanned)), final, "qr",
                                  honour > 0, honour > 0, honour, decided, checkin_id))
                    signups.add((checkin_id, activity_id, user_id, "confirmed", signup_at,
                                 "attended"))
                    key = f"checkin:{checkin_id}"
                    transfer(checkin_id, "earn", f"活动{activity_id}", key, key,
                             "volunteer_service", decided, None,
                             ((issuer[station], -final), (member_base + user_id, final)))
                    if rng.random() < 0.01:
                        reversal_id += 1
                        transfer(reversal_id, "reversal", "更正", f"reverse:{checkin_id}", key,
                                 "volunteer_service", decided + timedelta(days=rng.randint(1, 20)),
                                 checkin_id,
                                 ((issuer[station], final), (member_base + user_id, -final)))
                if rng.random() < 0.3:
                    reversal_id += 1  # ids apart from the check-ins' (sign-up id = check-in id)
                    signups.add((checkins_total + reversal_id, activity_id, absent, "confirmed",
                                 signup_at, "no_show" if rng.random() < 0.7 else None))
                if checkin_id >= checkins_total:
                    break
            # Mutual aid (spend) between volunteers, and pool grants, through the year.
            for _n in range(int(100_000 * scale)):
                payer, payee = rng.sample(volunteer_ids, 2)
                minutes = rng.choice((30, 60))
                reversal_id += 1
                at = utc(datetime(YEAR, rng.randint(1, 11), rng.randint(1, 28), 12))
                transfer(reversal_id, "spend", "互助", f"help:{reversal_id}", None, "help", at, None,
                         ((member_base + payer, -minutes), (member_base + payee, minutes)))
            for _n in range(int(5_000 * scale)):
                community, user_id = rng.randint(1, communities), rng.choice(volunteer_ids)
                reversal_id += 1
                at = utc(datetime(YEAR, rng.randint(1, 11), rng.randint(1, 28), 15))
                transfer(reversal_id, "donate", "互助池", f"pool:{reversal_id}", None,
                         "pool_grant", at, None, ((pool[community], -60), (member_base + user_id, 60)))
        counts.update({name: writer.counts[name]
                       for name in ("checkins", "signups", "transfers", "entries")})
        # Ratings: residents rate one activity in twenty.
        rated = rng.sample(held, len(held) // 20)
        counts["ratings"] = writer.write(
            "ratings", ("id", "activity_id", "entered_by_id", "on_behalf_of", "rater_part",
                        "score", "created_at", "station_id"),
            ((n, a[0], workers[a[1]][0], "居民", "resident_served", rng.randint(3, 5),
              utc(a[2] + timedelta(days=1)), a[1]) for n, a in enumerate(rated, 1)))
        writer.reset_sequences()
        with db.engine.begin() as connection:
            connection.execute(text(
                "UPDATE accounts SET balance = (SELECT COALESCE(SUM(minutes), 0) FROM entries "
                "WHERE entries.account_id = accounts.id)"))
            connection.execute(text("ANALYZE"))
        return {"station": 1, "month": 11, "admin": 1, "counts": counts}


def upgrade_to_head(url: str) -> None:
    from flask_migrate import upgrade

    with make_app(url).app_context():
        upgrade(directory=str(REPO / "migrations"))


# --- measuring -------------------------------------------------------------------------------------

CALLS = ("district, year", "one town's station, year", "one station, one month",
         "monthly station report", "dashboard page (HTTP), district, year")


def measure(url: str, station: int, month: int, admin: int, repeat: int) -> dict[str, float]:
    """Best time of each call in `CALLS`, in seconds, with the code on ``sys.path``."""
    from sqlalchemy.exc import OperationalError

    from timebank.accounts.models import User
    from timebank.consents import services as consents
    from timebank.extensions import db
    from volunteers.reporting import monthly
    from volunteers.reporting import services as reports
    from volunteers.reporting.filters import ReportFilters

    app = make_app(url)
    calls = {
        CALLS[0]: lambda: reports.dashboard(
            reports.resolve_period(ReportFilters((YEAR, 1), (YEAR, 12)))),
        CALLS[1]: lambda: reports.dashboard(
            reports.resolve_period(ReportFilters((YEAR, 1), (YEAR, 12), station))),
        CALLS[2]: lambda: reports.dashboard(
            reports.resolve_period(ReportFilters((YEAR, month), (YEAR, month), station))),
        CALLS[3]: lambda: monthly.station_report(station, (YEAR, month)),
    }
    best = {}
    with app.app_context():
        calls[CALLS[2]]()  # warm-up (imports, first connection, translations), not timed
        db.session.rollback()
        for name, call in calls.items():
            times = []
            for _n in range(repeat):
                started = time.perf_counter()
                try:
                    call()
                except OperationalError:  # the statement timeout (`CALL_LIMIT`): stopped
                    times.append(float("inf"))
                    db.session.rollback()
                    break
                times.append(time.perf_counter() - started)
                db.session.rollback()
            best[name] = min(times)
        user = db.session.get(User, admin)
        if consents.privacy_consent_needed(user):
            consents.agree_to_notice(user)
            db.session.commit()
        session_id = user.get_id()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = session_id, True
    times = []
    for _n in range(repeat):
        started = time.perf_counter()
        response = client.get(f"/reports/?from={YEAR}-01&to={YEAR}-12")
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"dashboard page answered {response.status_code}")
    best[CALLS[4]] = min(times)
    return best


def rebuild_summaries(url: str) -> float | None:
    """Build the summary tables (this branch's code), if it has them; seconds taken."""
    try:
        from volunteers.reporting import summaries
    except ImportError:
        return None
    from timebank.extensions import db

    with make_app(url).app_context():
        started = time.perf_counter()
        summaries.rebuild()
        db.session.commit()
        return time.perf_counter() - started


def run_child(code: Path, args: list[str]) -> dict:
    """Run this script's `args` with `code` first on the import path; its JSON answer. A
    measuring child's PostgreSQL statements stop after `CALL_LIMIT` seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    if "--measure" in args:
        env["PGOPTIONS"] = f"-c statement_timeout={CALL_LIMIT * 1000}"
    output = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], env=env,  # noqa: S603 -- this script, our own arguments
                            cwd=code, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def seconds(value: float) -> str:
    return f"> {CALL_LIMIT} s" if value == float("inf") else f"{value:.3f}s"


def compare(label: str, url: str, old: Path, repeat: int, scale: float, reuse: bool) -> None:
    if reuse:  # the data of an earlier run at the same scale, with its ids
        info = {"station": 1, "month": 11, "admin": 1}
        print(f"{label}: the data already in the database", flush=True)
    else:
        started = time.perf_counter()
        info = run_child(REPO, ["--build", url, "--scale", str(scale)])
        print(f"{label}: built in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{name} {count:,}" for name, count in info["counts"].items()),
              flush=True)
    ids = ["--station", str(info["station"]), "--month", str(info["month"]),
           "--admin", str(info["admin"]), "--repeat", str(repeat)]
    before = run_child(old, ["--measure", url, *ids])
    started = time.perf_counter()
    run_child(REPO, ["--upgrade", url])
    upgraded = time.perf_counter() - started
    rebuilt = run_child(REPO, ["--rebuild", url])["seconds"]
    print(f"{label}: upgrade to head {upgraded:.1f} s"
          + (f", summaries built in {rebuilt:.1f} s" if rebuilt is not None else ""), flush=True)
    after = run_child(REPO, ["--measure", url, *ids])
    print(f"{label}: {'call':<42} {'before':>9} {'after':>9} {'ratio':>7}  under {AIM_SECONDS:.0f} s")
    for name in CALLS:
        ratio = after[name] / before[name]
        print(f"{label}: {name:<42} {seconds(before[name]):>9} {seconds(after[name]):>9} "
              f"{'< ' if before[name] == float('inf') else ''}{ratio:>7.4f}  "
              f"{'yes' if after[name] < AIM_SECONDS else 'NO'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--sqlite", action="store_true", help="also SQLite (use a small --scale)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--sqlite-scale", type=float, default=None,
                        help="scale of the SQLite run (default: --scale)")
    parser.add_argument("--before", default="main", help="git ref of the code to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the PostgreSQL data of an earlier run (same scale)")
    # What a child process does (one of them).
    parser.add_argument("--build", metavar="URL")
    parser.add_argument("--upgrade", metavar="URL")
    parser.add_argument("--rebuild", metavar="URL")
    parser.add_argument("--measure", metavar="URL")
    parser.add_argument("--station", type=int)
    parser.add_argument("--month", type=int)
    parser.add_argument("--admin", type=int)
    args = parser.parse_args()

    if args.build:
        print(json.dumps(build(args.build, args.scale)))
        return
    if args.upgrade:
        upgrade_to_head(args.upgrade)
        print("{}")
        return
    if args.rebuild:
        print(json.dumps({"seconds": rebuild_summaries(args.rebuild)}))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.station, args.month, args.admin,
                                 args.repeat)))
        return

    if not args.postgres:
        parser.error("give --postgres URL (or BENCH_DATABASE_URL)")
    load = os.getloadavg()
    print(f"scale {args.scale}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"on {os.cpu_count()} CPUs; before = {args.before}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as scratch:
        old = Path(scratch) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=REPO,  # noqa: S603, S607 -- git, our own arguments
                       check=True, capture_output=True)
        try:
            compare("PostgreSQL", args.postgres, old, args.repeat, args.scale, args.reuse)
            if args.sqlite:
                url = f"sqlite:///{Path(scratch) / 'reports.sqlite3'}"
                compare("SQLite", url, old, args.repeat, args.sqlite_scale or args.scale, False)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=REPO,  # noqa: S603, S607 -- git, our own arguments
                           check=True, capture_output=True)


if __name__ == "__main__":
    main()
