"""Time and memory of the monthly matching (`volunteers.matching.solve`) at city scale.

Run from the project root:

    .venv/bin/python bench/matching.py              # 1,000 / 10,000 / 100,000 volunteers
    .venv/bin/python bench/matching.py --quick      # the smallest size only: a smoke run

Each size runs in a fresh Python process, so the memory figures of one size do not hide
behind the high-water mark of another. The data are synthetic but shaped like the district:
9 towns of about 5 communities each, volunteers spread unevenly over them, with 0-3 of 10
skills, interest groups, theme tags, weekly availability heavy on weekends and evenings
(a fifth are retirees, free on weekday mornings and afternoons too), 1-4 activities left in
the month, some sign-ups already held, attendance rates and recent hours; activities over
one month, starting between 8:00 and 20:30 for 2-3 hours, about 10 places each, some needing
skills, most with a target group and theme tags. Seeds are fixed: every run has the same data.

What is measured, for each size:

* ``solve``: wall time of `matching.solve` end to end (default pruning, 5 candidates per place),
  and the growth of the process's peak resident set size during it (``ru_maxrss`` after minus
  before; this includes OR-Tools' C++ memory, which tracemalloc does not see).
* The split, measured again separately: ``candidates`` (scoring and pruning, numpy) and
  ``assign`` (building and solving the min-cost flow), and ``tracemalloc`` peak of Python and
  numpy allocations over both (a third run, slower because traced).
* The optimum beside a greedy baseline on the same pruned candidate lists: pairs by score,
  best first, each taken if the activity has places left, the volunteer is under their limit,
  the activity overlaps nothing they were already given, and the score beats the cost of
  their next extra activity. Both totals count score minus the rising extra-activity cost;
  printed with their ratio, the places filled, and how many distinct volunteers each serves.

The aim: the largest size solved in under 10 s on this machine; whether it is met is printed,
never asserted. Timings depend on the machine; the ratios less so.
"""

import argparse
import gc
import os
import platform
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import ortools

from volunteers.matching import scoring as matching
from volunteers.matching.scoring import Opening, Volunteer, Weights

ZONE = ZoneInfo("Asia/Shanghai")
SIZES = [(1_000, 100), (10_000, 500), (100_000, 2_000)]  # (volunteers, activities)
AIM_SECONDS = 10.0
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


def greedy(volunteers, openings, pairs, weights) -> list[tuple[int, int, int]]:
    opening_by_id = {opening.id: opening for opening in openings}
    ranked = sorted(((points, opening_id, index) for opening_id, found in pairs.items()
                     for index, points in found),
                    key=lambda pair: (-pair[0], pair[1], pair[2]))
    places = {opening.id: opening.slots for opening in openings}
    given: dict[int, list[Opening]] = {}
    chosen = []
    for points, opening_id, index in ranked:
        opening, volunteer = opening_by_id[opening_id], volunteers[index]
        mine = given.setdefault(index, [])
        if (places[opening_id] == 0 or len(mine) >= volunteer.limit_left
                or points <= weights.extra_activity * (volunteer.taken + len(mine))
                or any(matching.overlaps(opening.starts_at, opening.ends_at, o.starts_at, o.ends_at)
                       for o in mine)):
            continue
        places[opening_id] -= 1
        mine.append(opening)
        chosen.append((opening_id, index, points))
    return chosen


def run_size(volunteer_count: int, opening_count: int) -> None:
    """One size, in this process; prints its figures."""
    rng = random.Random(20250601 + volunteer_count + opening_count)
    started = time.perf_counter()
    places = towns(rng)
    volunteers = make_volunteers(volunteer_count, places, rng)
    openings = make_openings(opening_count, places, rng)
    weights = Weights()
    total_places = sum(opening.slots for opening in openings)
    label = f"{volunteer_count:>7,} volunteers x {opening_count:>5,} activities ({total_places:,} places)"
    print(f"{label}: data built in {time.perf_counter() - started:.1f} s", flush=True)

    gc.collect()
    before = maxrss_mb()
    start = time.perf_counter()
    proposals = matching.solve(volunteers, openings, weights, ZONE)
    solve_seconds = time.perf_counter() - start
    rss_growth = maxrss_mb() - before

    # The split, as solve does it: volunteers and openings sorted, candidates, then the flow.
    ordered = sorted(volunteers, key=lambda v: v.id)
    ordered_openings = sorted(openings, key=lambda o: (o.starts_at, o.id))
    start = time.perf_counter()
    pairs = matching.candidates(ordered, ordered_openings, weights, ZONE)
    candidates_seconds = time.perf_counter() - start
    start = time.perf_counter()
    best = matching.assign(ordered, ordered_openings, pairs, weights)
    assign_seconds = time.perf_counter() - start
    start = time.perf_counter()
    baseline = greedy(ordered, ordered_openings, pairs, weights)
    greedy_seconds = time.perf_counter() - start
    pair_count = sum(len(found) for found in pairs.values())

    gc.collect()
    tracemalloc.start()
    matching.assign(ordered, ordered_openings, matching.candidates(ordered, ordered_openings, weights, ZONE),
                    weights)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert len(proposals) == len(best)  # the same solve, twice: a sanity check, not a timing
    optimum, optimum_served = objective(best, ordered, weights)
    heuristic, heuristic_served = objective(baseline, ordered, weights)
    print(f"{label}: solve {solve_seconds:.2f} s (candidates {candidates_seconds:.2f} s, "
          f"flow {assign_seconds:.2f} s; {pair_count:,} candidate pairs); "
          f"peak RSS growth {rss_growth:,.0f} MB, tracemalloc peak {traced_peak / 2**20:,.0f} MB")
    print(f"{label}: optimum {optimum:,} ({len(best):,} places filled, {optimum_served:,} volunteers); "
          f"greedy {heuristic:,} ({len(baseline):,} filled, {heuristic_served:,} volunteers, "
          f"{greedy_seconds:.2f} s); greedy/optimum {heuristic / optimum:.3f}, "
          f"volunteers served optimum/greedy {optimum_served / max(heuristic_served, 1):.2f}")
    print(f"SECONDS {volunteer_count} {opening_count} {solve_seconds:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smallest size only: a smoke run")
    parser.add_argument("--size", nargs=2, type=int, metavar=("VOLUNTEERS", "ACTIVITIES"),
                        help=argparse.SUPPRESS)  # one size in this process (the runner's child)
    args = parser.parse_args()
    if args.size:
        run_size(*args.size)
        return

    print(f"matching benchmark{' (--quick: smallest size only)' if args.quick else ''}: "
          f"Python {platform.python_version()}, OR-Tools {ortools.__version__}, numpy {np.__version__}, "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs", flush=True)
    timings = {}
    for volunteer_count, opening_count in SIZES[:1] if args.quick else SIZES:
        command = [sys.executable, __file__, "--size", str(volunteer_count), str(opening_count)]
        child = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 -- this very file
        for line in child.stdout.splitlines():
            if line.startswith("SECONDS "):
                timings[volunteer_count, opening_count] = float(line.split()[3])
            else:
                print(line, flush=True)
        sys.stderr.write(child.stderr)
    largest = max(timings)
    verdict = "met" if timings[largest] < AIM_SECONDS else "NOT met"
    print(f"aim: the largest size ({largest[0]:,} volunteers x {largest[1]:,} activities) solved in under "
          f"{AIM_SECONDS:.0f} s: {verdict} ({timings[largest]:.2f} s)")


if __name__ == "__main__":
    main()
