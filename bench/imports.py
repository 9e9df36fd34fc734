"""Speed and memory of the volunteer roster import (`flask import volunteers`) at two sizes.

Run from the project root:

    .venv/bin/python bench/imports.py             # 10,000 and 100,000 rows, SQLite
    .venv/bin/python bench/imports.py --quick     # 1,000 and 10,000: a smoke run
    .venv/bin/python bench/imports.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench

With ``--postgres URL`` (or ``BENCH_DATABASE_URL``) it runs on SQLite and then on PostgreSQL.
THE POSTGRESQL DATABASE IS EMPTIED: every table is dropped first.

For each size it writes a roster CSV of that many volunteers (every one with an opening
balance, a third with an ID number, half with skills) over ten communities of one station
with a grid team of three social workers, and imports it into a freshly migrated database
as ``flask import`` does (check every row, then apply in chunks, commit once):

* time: wall-clock seconds of the whole import with tracing off, and rows per second;
* peak: the peak of Python memory (`tracemalloc`) during a second import of the same file
  into another fresh database, above what was allocated before it;
* baseline: the peak of reading the same file into a list of rows first (what an import that
  loads the file would need at least), measured the same way.

It prints each figure at both sizes and the ratio large/small, then checks the result
(`flask ledger verify`'s checks pass; the opening balances sum to minus the legacy account).
Streaming shows as a peak ratio well below the tenfold growth of the file, where the
baseline's ratio follows the file; what still grows is the set of phones seen (one small
entry a row, needed to name both rows of a duplicate). Figures are printed, never asserted
(the aim: 100,000 rows in under two minutes on SQLite).
"""

import argparse
import csv
import os
import platform
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy
from ledger import build_schema, config, progress  # bench/ledger.py, the script beside this one

from app import create_app
from timebank.accounts.models import User, UserRole
from timebank.extensions import db
from timebank.imports import services as imports
from timebank.ledger import keys, queries
from timebank.ledger import services as ledger
from timebank.org.models import Community, GridTeam, StaffPost, Station, Town

NO_LOGIN = "!"  # noqa: S105 (nobody logs in to the bench's users)
COMMUNITIES = 10
HEADER = ["姓名", "手机号", "身份证号", "村居", "技能", "原有时长(分钟)"]


def id_number(serial: int) -> str:
    body = f"44011519900101{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def write_roster(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow([f"志愿者{n}", f"13{n:09d}", id_number(n) if n % 3 == 0 else "",
                             f"第{n % COMMUNITIES + 1}社区", "急救、陪伴长者" if n % 2 else "",
                             str(n % 600 + 1)])


def fill() -> None:
    """One town and station, its communities, a grid team of three social workers."""
    town = Town(name="测试街道")
    db.session.add(town)
    db.session.flush()
    station = Station(town_id=town.id, name="测试街道社工服务站")
    communities = [Community(town_id=town.id, name=f"第{n}社区") for n in range(1, COMMUNITIES + 1)]
    db.session.add_all([station, *communities])
    db.session.flush()
    team = GridTeam(station=station, name="第一片区", communities=communities)
    db.session.add(team)
    db.session.flush()
    for n in range(3):
        worker = User(phone=f"1990000000{n}", name=f"社工{n}", password_hash=NO_LOGIN,
                      roles=[UserRole(role="social_worker")])
        db.session.add(worker)
        db.session.flush()
        db.session.add(StaffPost(user_id=worker.id, station_id=station.id, grid_team_id=team.id))
    db.session.commit()


def run_import(path: Path) -> imports.ImportResult:
    result = imports.run("volunteers", path)
    assert result.applied, result.problems[:5]
    db.session.commit()
    return result


def load_all(path: Path) -> int:
    """The baseline: the whole file read into a list first."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return len(list(csv.DictReader(stream)))


def peak(function, *args) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    function(*args)
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top - before


def fresh(url: str):
    app = create_app(config(url))
    context = app.app_context()
    context.push()
    build_schema()
    fill()
    return app, context


def close(context) -> None:
    db.session.remove()
    db.engine.dispose()
    context.pop()


def measure(url_for, rows: int, directory: Path) -> dict:
    path = directory / f"roster-{rows}.csv"
    write_roster(path, rows)
    app, context = fresh(url_for(rows, "timed"))
    with app.test_request_context():
        started = time.perf_counter()
        run_import(path)
        seconds = time.perf_counter() - started
        problems = queries.verify()
        legacy = queries.balance(ledger.find_account(keys.DISTRICT_LEGACY_HOURS))
        credited = db.session.scalar(sqlalchemy.select(sqlalchemy.func.sum(ledger.Account.balance))
                                     .where(ledger.Account.kind == "member"))
        assert problems == [], problems
        assert credited == -legacy == sum(n % 600 + 1 for n in range(rows))
        started = time.perf_counter()
        again = imports.run("volunteers", path)
        db.session.commit()
        second = time.perf_counter() - started
        assert (again.created, again.updated) == (0, 0)
    close(context)
    progress(f"{rows:,} rows imported in {seconds:.1f} s, again (no change) in {second:.1f} s")

    app, context = fresh(url_for(rows, "traced"))
    with app.test_request_context():
        import_peak = peak(run_import, path)
    close(context)
    return {"rows": rows, "seconds": seconds, "again": second, "peak": import_peak,
            "baseline": peak(load_all, path), "file": path.stat().st_size}


def report(name: str, small: dict, large: dict) -> None:
    print(f"{name}: {small['rows']:,} vs {large['rows']:,} volunteer rows "
          f"(peak = Python memory above the start, tracemalloc)")
    print(f"  {'':<22}{'small':>14}{'large':>14}{'ratio':>9}")

    def line(label, a, b, fmt):
        print(f"  {label:<22}{fmt(a):>14}{fmt(b):>14}{b / a:>8.1f}x")

    line("file MiB", small["file"] / 2**20, large["file"] / 2**20, lambda v: f"{v:,.1f}")
    line("import s", small["seconds"], large["seconds"], lambda v: f"{v:,.1f}")
    line("rows per second", small["rows"] / small["seconds"], large["rows"] / large["seconds"],
         lambda v: f"{v:,.0f}")
    line("same file again s", small["again"], large["again"], lambda v: f"{v:,.1f}")
    line("import peak MiB", small["peak"] / 2**20, large["peak"] / 2**20, lambda v: f"{v:,.1f}")
    line("baseline peak MiB", small["baseline"] / 2**20, large["baseline"] / 2**20,
         lambda v: f"{v:,.1f}")
    print("  (baseline: the file read into a list of rows, what loading it whole would need)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied "
                             "(default: $BENCH_DATABASE_URL)")
    parser.add_argument("--quick", action="store_true", help="sizes 10x smaller: a smoke run")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    print(f"imports benchmark{' (--quick)' if args.quick else ''}: "
          f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"{platform.system()} {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as name:
        directory = Path(name)

        def sqlite(rows, label):
            return f"sqlite:///{directory}/imports-{rows}-{label}.sqlite3"

        started = time.perf_counter()
        report("sqlite", *(measure(sqlite, rows, directory) for rows in sizes))
        print(f"sqlite: whole run took {time.perf_counter() - started:.0f} s")
        if args.postgres:
            started = time.perf_counter()
            report("postgresql", *(measure(lambda rows, label: args.postgres, rows, directory)
                                   for rows in sizes))
            print(f"postgresql: whole run took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
