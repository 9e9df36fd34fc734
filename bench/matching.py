"""Time and memory of the monthly matching (`volunteers.matching.solve`), before and after a change.

Run from the project root:

    .venv/bin/python bench/matching.py                      # 10,000 and 100,000 volunteers
    .venv/bin/python bench/matching.py --city               # and the city month, 650,000 x 25,000
    .venv/bin/python bench/matching.py --quick              # 1,000 volunteers only: a smoke run
    .venv/bin/python bench/matching.py --before HEAD~3      # compare with another commit
    .venv/bin/python bench/matching.py --city --no-before-from 650000   # skip the old city run

Each size runs twice, in fresh Python processes: once against the code at ``--before`` (default
``main``, checked out into a temporary git worktree that is removed at the end) and once
against this checkout, so both are measured side by side on the same machine in the same run.
Memory figures of one run cannot hide behind another's high-water mark.

The data are synthetic but shaped like the district: 9 towns of about 5 communities each,
volunteers spread unevenly over them, with 0-3 of 10 skills, interest groups, theme tags,
weekly availability heavy on weekends and evenings (a fifth are retirees, free on weekday
mornings and afternoons too), 1-4 activities left in the month, some sign-ups already held,
attendance rates and recent hours; activities over one month, starting between 8:00 and 20:30
for 2-3 hours, about 10 places each, some needing skills, most with a target group and theme
tags. Seeds are fixed: every run has the same data.

What is measured, for each size and code:

* ``solve``: wall time of `matching.solve` end to end (default pruning, 5 candidates per place),
  its CPU time (steadier on a loaded machine), and the process's peak resident set size
  (``ru_maxrss``: the data plus the solve, OR-Tools' C++ memory included) with its growth
  during the solve.
* The objective reached (Σ score − Σ extra-activity cost), the places filled and the
  volunteers served: the objective must be the same before and after (the optimum may not
  change; among equal optima the places and people may differ).
* For this checkout only, the bare solver on the same graph: `matching.flow_graph` gives the
  arcs, capacities and costs as numpy arrays; a fresh OR-Tools ``SimpleMinCostFlow`` gets them
  in one vectorised call and solves. Printed with the ratio solve / bare solve.
* With ``--split``: ``candidates`` (scoring and pruning) and ``assign`` (the flow) timed apart.

The aims (issue #20): the city month under 45 s and 4 GB, the district month (100,000 x 2,000)
under 3 s, solve / bare solve under 3x. Whether they are met is printed, never asserted.
Timings depend on the machine (and on its load); the ratios less so.
"""

import argparse
import gc
import os
import pickle
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import ortools
from ortools.graph.python import min_cost_flow


def code_root() -> str:
    """The tree whose `volunteers` is measured: ``--code DIR`` in a child run, else this one."""
    if "--code" in sys.argv:
        return sys.argv[sys.argv.index("--code") + 1]
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


sys.path.insert(0, code_root())
from volunteers.matching import scoring as matching  # noqa: E402 -- from the tree measured
from volunteers.matching.scoring import Opening, Volunteer, Weights  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
SIZES = [(10_000, 500), (100_000, 2_000)]  # (volunteers, activities)
QUICK = (1_000, 100)
CITY = (650_000, 25_000)
#: Aims of issue #20: seconds for a size, and solve / bare solve.
AIMS = {CITY: 45.0, (100_000, 2_000): 3.0}
AIM_MEMORY_MB = 4096
AIM_RATIO = 3.0
MONTH_START = datetime(2025, 6, 1, tzinfo=ZONE)
MONTH_DAYS = 30
TOWNS = 9
SKILLS = [f"skill{i}" for i in range(10)]
GROUPS = ["elderly", "children", "disabled", "migrants", "youth", "families"]
TAGS = [f"tag{i}" for i in range(12)]
WORKERS_PER_TOWN = 7
SLOTS = [f"{day}-{part}" for day in matching.WEEKDAYS for part in matching.DAY_PARTS]


# --- synthetic data -------------------------------------------------------------------------------

def towns(rng: random.Random) -> list[tuple[int, list[int], float]]:
    """(town id, community ids, share of the population): 9 towns, about 5 communities each."""
    result = []
    for town in range(1, TOWNS + 1):
        communities = [town * 100 + c for c in range(rng.randint(4, 6))]
        result.append((town, communities, rng.uniform(0.5, 2.0)))
    return result


def availability(rng: random.Random, retiree: bool) -> frozenset:
    chosen = set()
    for slot in SLOTS:
        day, part = slot.split("-")
        if day in ("sat", "sun"):
            chance = 0.6
        elif part == "eve":
            chance = 0.45
        else:
            chance = 0.7 if retiree else 0.1
        if rng.random() < chance:
            chosen.add(slot)
    return frozenset(chosen)


def some_time(rng: random.Random, weekend_bias: bool) -> datetime:
    """A start between 8:00 and 20:30 in the month; weekends more often when `weekend_bias`."""
    day = rng.randrange(MONTH_DAYS)
    if weekend_bias and rng.random() < 0.5:
        day = rng.choice([d for d in range(MONTH_DAYS) if (MONTH_START + timedelta(days=d)).weekday() >= 5])
    return MONTH_START + timedelta(days=day, hours=8, minutes=30 * rng.randrange(26))


def make_volunteers(count: int, places: list, rng: random.Random) -> list[Volunteer]:
    shares = [share for _town, _communities, share in places]
    result = []
    for ident in range(1, count + 1):
        town, communities, _share = rng.choices(places, weights=shares)[0]
        busy = []
        for _i in range(rng.choice([0, 0, 0, 1, 2])):
            start = some_time(rng, weekend_bias=True)
            busy.append((start, start + timedelta(hours=rng.choice([2, 2.5, 3]))))
        workers = [town * 100 + w for w in range(WORKERS_PER_TOWN)]
        result.append(Volunteer(
            id=ident,
            community_id=rng.choice(communities),
            town_id=town,
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
            groups=frozenset(rng.sample(GROUPS, rng.randint(0, 2))),
            tags=frozenset(rng.sample(TAGS, rng.randint(0, 3))),
            availability=availability(rng, retiree=rng.random() < 0.2),
            limit_left=rng.randint(1, 4),
            taken=rng.choice([0, 0, 0, 1, 2]),
            busy=tuple(busy),
            linked_to=frozenset(rng.sample(workers, rng.choice([0, 0, 1, 1, 2]))),
            attendance_rate=None if rng.random() < 0.3 else round(rng.betavariate(5, 1.5), 2),
            recent_minutes=rng.choice([0, 0, rng.randrange(60, 2400)]),
        ))
    return result


def make_openings(count: int, places: list, rng: random.Random) -> list[Opening]:
    result = []
    for ident in range(1, count + 1):
        town, communities, _share = rng.choice(places)
        start = some_time(rng, weekend_bias=True)
        result.append(Opening(
            id=ident,
            starts_at=start,
            ends_at=start + timedelta(hours=rng.choice([2, 2.5, 3])),
            slots=rng.randint(5, 15),
            community_id=rng.choice(communities),
            town_id=town,
            required_skills=frozenset(rng.sample(SKILLS, rng.randint(1, 2))) if rng.random() < 0.3
            else frozenset(),
            target_group=rng.choice(GROUPS) if rng.random() < 0.8 else None,
            tags=frozenset(rng.sample(TAGS, rng.randint(1, 2))),
            social_worker_id=town * 100 + rng.randrange(WORKERS_PER_TOWN),
        ))
    return result


# --- measuring ------------------------------------------------------------------------------------

def maxrss_mb() -> float:
    """The process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def objective(chosen, volunteers, weights) -> tuple[int, int]:
    """(Σ score − Σ extra_activity × (taken + k), distinct volunteers) of (opening, index, score)."""
    counts: dict[int, int] = {}
    total = 0
    for _opening_id, index, points in chosen:
        k = counts.get(index, 0)
        total += points - weights.extra_activity * (volunteers[index].taken + k)
        counts[index] = k + 1
    return total, len(counts)


def bare_solve(volunteers, openings, weights) -> tuple[float, float, int]:
    """(seconds, CPU seconds, arcs) of OR-Tools alone on the graph `assign` solves."""
    pairs = matching.candidates(volunteers, openings, weights, ZONE)
    graph = matching.flow_graph(volunteers, openings, pairs, weights)
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(graph.tails, graph.heads, graph.capacities, graph.costs)
    flow.set_nodes_supplies(np.array([graph.source, graph.sink]), np.array([graph.supply, -graph.supply]))
    status = flow.solve()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    assert status == flow.OPTIMAL  # a sanity check of the graph, not a timing
    return seconds, cpu_seconds, len(graph.tails)


def run_size(volunteer_count: int, opening_count: int, *, bare: bool, split: bool,
             data: str | None) -> None:
    """One size against the code on sys.path, in this process; prints RESULT lines.

    The data are built, or read from `data` if an earlier run of the same size wrote them
    (building 650,000 volunteers takes minutes; both runs get the very same records)."""
    started = time.perf_counter()
    built = data is None or not os.path.exists(data)
    if built:
        rng = random.Random(20250601 + volunteer_count + opening_count)
        places = towns(rng)
        volunteers = make_volunteers(volunteer_count, places, rng)
        openings = make_openings(opening_count, places, rng)
    else:
        with open(data, "rb") as file:
            volunteers, openings = pickle.load(file)  # noqa: S301 -- written by this bench
    weights = Weights()
    data_seconds = time.perf_counter() - started

    gc.collect()
    before = maxrss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    proposals = matching.solve(volunteers, openings, weights, ZONE)
    solve_seconds, solve_cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = maxrss_mb()

    ordered = sorted(volunteers, key=lambda v: v.id)
    index_of = {volunteer.id: index for index, volunteer in enumerate(ordered)}
    chosen = [(p.activity_id, index_of[p.user_id], p.score) for p in proposals]
    optimum, served = objective(sorted(chosen), ordered, weights)
    print(f"RESULT data {data_seconds:.1f}")
    print(f"RESULT solve {solve_seconds:.3f} {solve_cpu:.3f}")
    print(f"RESULT peak {peak:.0f}")
    print(f"RESULT growth {peak - before:.0f}")
    print(f"RESULT optimum {optimum} {len(proposals)} {served}", flush=True)
    ordered_openings = sorted(openings, key=lambda o: (o.starts_at, o.id))
    if split:
        start = time.perf_counter()
        pairs = matching.candidates(ordered, ordered_openings, weights, ZONE)
        candidates_seconds = time.perf_counter() - start
        start = time.perf_counter()
        matching.assign(ordered, ordered_openings, pairs, weights)
        print(f"RESULT split {candidates_seconds:.3f} {time.perf_counter() - start:.3f} "
              f"{sum(len(found) for found in pairs.values())}", flush=True)
    if bare:
        seconds, cpu_seconds, arcs = bare_solve(ordered, ordered_openings, weights)
        print(f"RESULT bare {seconds:.3f} {cpu_seconds:.3f} {arcs}", flush=True)
    if built and data:
        with open(data, "wb") as file:
            pickle.dump((volunteers, openings), file, protocol=pickle.HIGHEST_PROTOCOL)


def child(volunteer_count: int, opening_count: int, code: str, data: str, *, bare: bool,
          split: bool) -> dict:
    """Run one size against `code` in a fresh process; its RESULT lines as a dict."""
    command = [sys.executable, __file__, "--size", str(volunteer_count), str(opening_count),
               "--code", code, "--data", data, *(["--bare"] if bare else []),
               *(["--split"] if split else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 -- this very file
    sys.stderr.write(done.stderr)
    if done.returncode:
        raise SystemExit(f"the run against {code} failed ({done.returncode})")
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            key, *values = line.split()[1:]
            results[key] = [float(value) for value in values]
    return results


def report(label: str, name: str, results: dict) -> None:
    (solve, cpu), peak, growth = results["solve"], results["peak"][0], results["growth"][0]
    optimum, filled, served = (int(value) for value in results["optimum"])
    line = (f"{label} {name:>6}: solve {solve:7.2f} s (CPU {cpu:.2f} s), peak RSS {peak:,.0f} MB "
            f"(+{growth:,.0f} MB in the solve); optimum {optimum:,}, {filled:,} places filled, "
            f"{served:,} volunteers")
    if "split" in results:
        candidates_seconds, assign_seconds, pairs = results["split"]
        line += f"; candidates {candidates_seconds:.2f} s, assign {assign_seconds:.2f} s ({pairs:,.0f} pairs)"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 volunteers only: a smoke run")
    parser.add_argument("--city", action="store_true", help="add the city month, 650,000 x 25,000")
    parser.add_argument("--before", default="main", metavar="REF",
                        help="the git ref measured beside this checkout (default: main)")
    parser.add_argument("--no-before-from", type=int, metavar="VOLUNTEERS",
                        help="skip the --before run for sizes of this many volunteers or more")
    parser.add_argument("--split", action="store_true", help="time candidates and assign apart too")
    parser.add_argument("--size", nargs=2, type=int, metavar=("VOLUNTEERS", "ACTIVITIES"),
                        help=argparse.SUPPRESS)  # one size in this process (a child run)
    parser.add_argument("--code", help=argparse.SUPPRESS)  # read before argparse, see code_root
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.size:
        run_size(*args.size, bare=args.bare, split=args.split, data=args.data)
        return

    here = code_root()
    sizes = [QUICK] if args.quick else SIZES + ([CITY] if args.city else [])
    print(f"matching benchmark: Python {platform.python_version()}, OR-Tools {ortools.__version__}, "
          f"numpy {np.__version__}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; before = {args.before}, after = this checkout", flush=True)
    scratch = tempfile.mkdtemp(prefix="matching-bench-")
    old = os.path.join(scratch, "before")
    subprocess.run(["git", "-C", here, "worktree", "add", "--quiet", "--detach", old, args.before],  # noqa: S603,S607
                   check=True)
    try:
        for volunteer_count, opening_count in sizes:
            label = f"{volunteer_count:>7,} x {opening_count:>6,}"
            skip = args.no_before_from is not None and volunteer_count >= args.no_before_from
            data = os.path.join(scratch, f"{volunteer_count}x{opening_count}.pickle")
            before = None if skip else child(volunteer_count, opening_count, old, data, bare=False,
                                             split=args.split)
            after = child(volunteer_count, opening_count, here, data, bare=True, split=args.split)
            if before:
                report(label, "before", before)
            report(label, "after", after)
            bare_seconds, bare_cpu, arcs = after["bare"]
            solve, cpu = after["solve"]
            line = (f"{label}  bare OR-Tools solve of the same graph ({arcs:,.0f} arcs) "
                    f"{bare_seconds:.2f} s (CPU {bare_cpu:.2f} s); after / bare "
                    f"{solve / bare_seconds:.2f}x (CPU {cpu / bare_cpu:.2f}x; aim < {AIM_RATIO:.0f}x)")
            if before:
                same = "the same" if before["optimum"][0] == after["optimum"][0] else "DIFFERENT"
                line += (f"; before / after {before['solve'][0] / solve:.1f}x faster "
                         f"(CPU {before['solve'][1] / cpu:.1f}x), before / bare "
                         f"{before['solve'][0] / bare_seconds:.2f}x; optimum {same}")
            print(line, flush=True)
            aim = AIMS.get((volunteer_count, opening_count))
            if aim:
                verdict = "met" if solve < aim and after["peak"][0] < AIM_MEMORY_MB else "NOT met"
                print(f"{label}  aim: under {aim:.0f} s and {AIM_MEMORY_MB:,} MB: {verdict} "
                      f"({solve:.2f} s, {after['peak'][0]:,.0f} MB)", flush=True)
    finally:
        subprocess.run(["git", "-C", here, "worktree", "remove", "--force", old], check=False)  # noqa: S603,S607
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
