"""Memory and time of the staff exports (`volunteers.exports`) at two sizes.

Run from the project root:

    .venv/bin/python bench/exports.py                # 2,000 and 20,000 check-ins, SQLite
    .venv/bin/python bench/exports.py --quick        # 200 and 2,000: a smoke run
    .venv/bin/python bench/exports.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench

With ``--postgres URL`` (or ``BENCH_DATABASE_URL``) it runs on SQLite and then on PostgreSQL.
THE POSTGRESQL DATABASE IS EMPTIED: every table is dropped first.

For each size it builds a database of that many approved check-ins (a tenth of them honour
hours), twenty to an activity, with one volunteer profile for every ten check-ins, through the
real migrations and bulk inserts. Then, for each dataset and format, it measures in the same
process the export as the download view makes it (Excel: a write-only workbook into a temporary
file; CSV: the chunks the response streams, thrown away):

* time: wall-clock seconds of one export, with tracing off;
* peak: the peak of Python memory (`tracemalloc`) during a second export, above what was
  allocated before it;
* baseline: the peak of reading the same rows into a list first (what an export that loads
  everything would need at least), measured the same way.

It prints each figure at both sizes and the ratio large/small. Streaming shows as a peak ratio
near 1 while the row count grows tenfold; the baseline's ratio grows with the rows. Figures are
printed, never asserted.
"""

import argparse
import csv
import io
import os
import platform
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import openpyxl
import sqlalchemy
from ledger import build_schema, config, progress  # bench/ledger.py, the script beside this one
from sqlalchemy import insert

from app import create_app
from timebank.accounts.models import User
from timebank.extensions import db
from timebank.org.models import Community, Station, Town
from volunteers.activities.models import Activity
from volunteers.checkins.models import CheckIn
from volunteers.profiles.models import VolunteerProfile
from volunteers.reporting import exports
from volunteers.reporting.filters import ReportFilters
from volunteers.themes.models import Theme

PER_ACTIVITY = 20
#: Nobody logs in to the bench's users: a hash no password matches (hashing would dominate).
NO_LOGIN = "!"  # noqa: S105
INSERT_BATCH = 5_000


def bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(insert(model), rows[start:start + INSERT_BATCH])


def fill(checkins: int) -> None:
    """`checkins` approved check-ins over ten months at two stations, as described above."""
    towns = [Town(name=f"测试街道{n}") for n in (1, 2)]
    db.session.add_all(towns)
    db.session.flush()
    stations = [Station(town_id=town.id, name=f"{town.name}社工服务站") for town in towns]
    communities = [Community(town_id=town.id, name=f"第{n}社区") for town in towns for n in (1, 2, 3)]
    db.session.add_all(stations + communities)
    db.session.flush()
    themes = [Theme(station_id=None, year=2026, month=month, title=f"{month}月主题", tags=[])
              for month in range(1, 11)]
    staff = User(phone="13700000000", name="李社工", password_hash=NO_LOGIN)
    db.session.add_all(themes + [staff])
    db.session.flush()

    volunteers = max(checkins // 10, PER_ACTIVITY)
    bulk(User, [{"phone": f"136{n:08d}", "name": f"志愿者{n}", "password_hash": NO_LOGIN}
                for n in range(volunteers)])
    user_ids = [staff.id + 1 + n for n in range(volunteers)]
    bulk(VolunteerProfile, [
        {"user_id": user_id, "community_id": communities[n % len(communities)].id,
         "linked_social_worker_id": staff.id, "id_number": "440115199001011231",
         "gender": "female" if n % 2 else "male", "skills": ["first_aid", "cooking"],
         "skills_other": "", "interest_groups": [], "interest_themes": [], "availability": [],
         "consent_at": datetime(2026, 1, 1, tzinfo=UTC)}
        for n, user_id in enumerate(user_ids)])

    activities = checkins // PER_ACTIVITY
    rows = []
    for n in range(activities):
        month = n % 10 + 1
        starts = datetime(2026, month, 1 + n % 28, 1, tzinfo=UTC)
        community = communities[n % len(communities)]
        rows.append({"title": f"活动{n}", "station_id": stations[n % 2].id,
                     "community_id": community.id, "theme_id": themes[month - 1].id,
                     "place": "活动室", "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                     "slots": PER_ACTIVITY, "required_skills": [], "status": "published",
                     "created_by_id": staff.id})
    bulk(Activity, rows)
    first_activity = db.session.scalar(sqlalchemy.select(sqlalchemy.func.min(Activity.id)))
    rows = []
    for n in range(activities * PER_ACTIVITY):
        activity, seat = divmod(n, PER_ACTIVITY)
        starts = datetime(2026, activity % 10 + 1, 1 + activity % 28, 1, tzinfo=UTC)
        honour = n % 10 == 0
        rows.append({"activity_id": first_activity + activity,
                     "user_id": user_ids[(activity * 7 + seat) % volunteers],
                     "status": "approved", "checked_in_at": starts,
                     "checked_out_at": starts + timedelta(hours=2), "minutes": 90 if honour else 120,
                     "method": "qr", "adjusted": honour, "decided_by_id": staff.id,
                     "decided_at": starts + timedelta(hours=3),
                     "decision_reason": "按实际服务时间" if honour else None})
    bulk(CheckIn, rows)
    db.session.commit()


def export(dataset: exports.Dataset, fmt: str) -> int:
    """One export as the download view makes it; returns the bytes (xlsx) or characters (csv)."""
    filters = ReportFilters()
    if fmt == "xlsx":
        with exports.xlsx_file(dataset, filters) as handle:
            return handle.seek(0, 2)
    return sum(len(chunk) for chunk in exports.csv_chunks(dataset, filters))


def load_all(dataset: exports.Dataset) -> int:
    """The baseline: every row read into a list before anything is written."""
    return len(list(dataset.rows(ReportFilters())))


def peak(function, *args) -> int:
    """Peak Python memory (bytes) allocated by `function` above what was in use before it."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    function(*args)
    top = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return top - before


def measure(url: str, checkins: int) -> dict:
    app = create_app(config(url))
    figures = {}
    with app.app_context():
        build_schema()
        started = time.perf_counter()
        fill(checkins)
        progress(f"{checkins:,} check-ins inserted in {time.perf_counter() - started:.1f} s")
        with app.test_request_context():
            for dataset in exports.DATASETS.values():
                rows = load_all(dataset)  # also warms the statement caches
                for fmt in ("xlsx", "csv"):
                    export(dataset, fmt)  # warm-up: imports, caches
                    started = time.perf_counter()
                    size = export(dataset, fmt)
                    seconds = time.perf_counter() - started
                    figures[(dataset.name, fmt)] = {"rows": rows, "seconds": seconds,
                                                    "peak": peak(export, dataset, fmt),
                                                    "size": size}
                figures[(dataset.name, "list")] = {"rows": rows, "peak": peak(load_all, dataset)}
        check_readable(app)
        db.session.remove()
        db.engine.dispose()
    return figures


def check_readable(app) -> None:
    """The files are real: the check-ins export opens in openpyxl and parses as CSV."""
    with app.test_request_context():
        dataset = exports.DATASETS["checkins"]
        with exports.xlsx_file(dataset, ReportFilters()) as handle:
            sheet = openpyxl.load_workbook(handle, read_only=True).worksheets[0]
            excel_rows = sum(1 for _row in sheet.iter_rows(values_only=True))
        text = "".join(exports.csv_chunks(dataset, ReportFilters()))
        csv_rows = sum(1 for _row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert excel_rows == csv_rows, (excel_rows, csv_rows)


def report(name: str, small: dict, large: dict, sizes: tuple[int, int]) -> None:
    print(f"{name}: {sizes[0]:,} vs {sizes[1]:,} check-ins "
          f"(peak = Python memory above the start, tracemalloc)")
    print(f"  {'dataset':<11}{'format':<7}{'rows':>14}{'time s':>17}{'peak KiB':>20}"
          f"{'peak ratio':>12}")
    for key in small:
        a, b = small[key], large[key]
        rows = f"{a['rows']:,} → {b['rows']:,}"
        times = f"{a['seconds']:.2f} → {b['seconds']:.2f}" if "seconds" in a else ""
        peaks = f"{a['peak'] / 1024:,.0f} → {b['peak'] / 1024:,.0f}"
        print(f"  {key[0]:<11}{key[1]:<7}{rows:>14}{times:>17}{peaks:>20}"
              f"{b['peak'] / a['peak']:>11.1f}x")


def run(name: str, url_for, sizes: tuple[int, int]) -> None:
    started = time.perf_counter()
    small = measure(url_for(sizes[0]), sizes[0])
    large = measure(url_for(sizes[1]), sizes[1])
    report(name, small, large, sizes)
    print("  (format list: the baseline, every row read into a list before writing)")
    print(f"{name}: whole run took {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="also run on this PostgreSQL database, which is emptied "
                             "(default: $BENCH_DATABASE_URL)")
    parser.add_argument("--quick", action="store_true", help="sizes 10x smaller: a smoke run")
    args = parser.parse_args()
    sizes = (200, 2_000) if args.quick else (2_000, 20_000)

    print(f"exports benchmark{' (--quick)' if args.quick else ''}: "
          f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"openpyxl {openpyxl.__version__}, {platform.system()} {platform.machine()}")
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as directory:
        run("sqlite", lambda size: f"sqlite:///{directory}/exports-{size}.sqlite3", sizes)
    if args.postgres:
        run("postgresql", lambda size: args.postgres, sizes)


if __name__ == "__main__":
    main()
