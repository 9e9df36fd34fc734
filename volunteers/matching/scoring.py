"""Matching volunteers to the month's activities: candidates, explainable scores, and an exact
assignment as a min-cost flow.

This module is pure: it works on plain `Volunteer` and `Opening` records and knows nothing of
the database (`volunteers.match_runs` builds the records and stores the proposals).

Candidates
    A volunteer can be proposed for an activity only if their weekly availability covers every
    part of the day the activity touches, they hold no sign-up overlapping it, they are
    under their monthly limit, and they may take part at their age on the activity's day
    (`may_take_part`: not below its minimum age, nor of unknown age when it has one; under 18
    only with a guardian's consent; under 14 only if the station registered them), holding
    the activity's required qualification on its day unless staff waived it for them.

Score
    Whole points, every part explainable in words (`REASONS`): skills covering the required
    skills, interest in the target group and in the theme, distance (same community > same
    town or street > elsewhere), linkage (linked to the activity's social worker, or in a team
    they lead), reliability (attendance rate) and fairness (fewer hours recently ranks higher).
    Weights come from configuration (`Weights`).

Assignment
    Maximise the total score subject to each activity's places, each volunteer's monthly limit
    and no overlapping activities for one volunteer, solved exactly as a min-cost flow
    (OR-Tools):

        source ─(1 unit per place left in the volunteer's month, cost rising with each extra
                 activity)→ volunteer ─(1)→ time block ─(1, cost −score)→ activity ─(places)→ sink
        source ─(bypass, cost 0)→ sink

    A volunteer's time blocks are the groups of their candidate activities linked by overlaps;
    a block passes one unit, so no two overlapping activities go to one volunteer. (When A
    overlaps B and B overlaps C but A and C do not, the volunteer gets at most one of the
    three: the model is then slightly cautious, never wrong.) The rising cost for each extra
    activity spreads opportunities over more people for almost no loss of total score. A
    block of one activity gets no node (volunteer → activity), nor does the volunteer of one
    block (source → block): the same optimum on far fewer nodes. The network is built from
    numpy arrays (`flow_graph`), never an arc at a time.

Candidate pruning keeps, per activity, the best `candidates_per_place` × places volunteers,
looking first in the activity's own town or street, so city-scale runs fit in memory. The
volunteers are scored as arrays (sets as bits, points in the smallest integer type), a town's
volunteers free at the activity's slots gathered once for all its activities at those slots,
and only the top of each is sorted; `score` stays the one explanation of a proposal.
"""

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from operator import attrgetter

import numpy as np
from ortools.graph.python import min_cost_flow

#: Parts of the day as in profiles: [start hour, end hour) in the platform's zone.
DAY_PARTS = {"am": (8, 12), "pm": (12, 18), "eve": (18, 22)}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Volunteer:
    id: int
    community_id: int | None = None
    town_id: int | None = None
    skills: frozenset = frozenset()
    groups: frozenset = frozenset()
    tags: frozenset = frozenset()
    #: Weekly slots such as ``sat-am`` (see `volunteers.vocabulary.SLOTS`).
    availability: frozenset = frozenset()
    #: Activities they may still take this month (monthly limit minus what they hold).
    limit_left: int = 2
    #: Activities they already hold this month: the next one costs more.
    taken: int = 0
    #: (start, end) of the sign-ups they hold, aware datetimes.
    busy: tuple = ()
    #: Social workers they are linked to, or who lead a team they are in.
    linked_to: frozenset = frozenset()
    #: Share of marked activities attended; None when nothing is marked yet.
    attendance_rate: float | None = None
    #: Minutes of service in the recent past (fairness).
    recent_minutes: int = 0
    #: From the date of birth or the ID number; None when unknown.
    birth_date: date | None = None
    #: A guardian's consent is recorded (what a minor needs).
    guardian_consent: bool = False
    #: Registered by station staff (what a child under 14 needs).
    staff_registered: bool = False
    #: Qualifications held: (qualification id, obtained_on, expires_on or None), not revoked.
    qualifications: tuple = ()
    #: Activities whose required qualification staff waived for them.
    waived: frozenset = frozenset()


@dataclass(frozen=True)
class Opening:
    id: int
    starts_at: datetime
    ends_at: datetime
    #: Places still to fill.
    slots: int
    community_id: int | None = None
    town_id: int | None = None
    required_skills: frozenset = frozenset()
    target_group: str | None = None
    #: The theme's tags.
    tags: frozenset = frozenset()
    #: The social worker who posted it.
    social_worker_id: int | None = None
    #: The youngest age allowed, on the activity's local date `day`; None: any age.
    min_age: int | None = None
    day: date | None = None
    #: A qualification the volunteer must hold on `day` (unless waived); None: none.
    required_qualification_id: int | None = None


@dataclass(frozen=True)
class Weights:
    """Points for each part of the score; configured by ``MATCHING_WEIGHTS``."""

    skills: int = 40
    target_group: int = 15
    theme: int = 15
    same_community: int = 20
    same_town: int = 10
    linkage: int = 15
    reliability: int = 15
    fairness: int = 20
    #: Cost of each further activity of one volunteer in the month (0 for their first).
    extra_activity: int = 10
    #: Hours of recent service at which the fairness bonus reaches zero.
    fairness_hours: int = 20

    @classmethod
    def from_config(cls, values: dict | None) -> "Weights":
        return cls(**(values or {}))


@dataclass
class Proposal:
    activity_id: int
    user_id: int
    score: int
    #: (code, detail) pairs; `volunteers.match_runs.reason_text` puts them into words.
    reasons: list = field(default_factory=list)


# --- candidates and scores --------------------------------------------------------------------

def day_slots(opening: Opening, zone) -> frozenset:
    """The weekly slots an activity touches, such as {"sat-am", "sat-pm"}."""
    start, end = opening.starts_at.astimezone(zone), opening.ends_at.astimezone(zone)
    day = WEEKDAYS[start.weekday()]
    start_h = start.hour + start.minute / 60
    end_h = end.hour + end.minute / 60 if end.date() == start.date() else 24
    touched = {f"{day}-{part}" for part, (a, b) in DAY_PARTS.items() if start_h < b and end_h > a}
    return frozenset(touched or {f"{day}-eve"})


def overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


#: Ages (周岁) of the rules on minors, as `volunteers.profiles.services` applies them.
ADULT_AGE = 18
SELF_REGISTRATION_AGE = 14


def years_on(born: date, day: date) -> int:
    """Full years (周岁) from `born` to `day`: the age is reached on the birthday itself; one
    born on 29 February reaches it on 1 March in a year without 29 February."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def holds_required(volunteer: Volunteer, opening: Opening) -> bool:
    """The activity's required qualification is held on its day, or waived (or none needed)."""
    needed = opening.required_qualification_id
    if needed is None or opening.id in volunteer.waived:
        return True
    day = opening.day or opening.starts_at.date()
    return any(held == needed and obtained <= day and (expires is None or expires >= day)
               for held, obtained, expires in volunteer.qualifications)


def may_take_part(volunteer: Volunteer, opening: Opening) -> bool:
    """The age and qualification rules of a sign-up, on the activity's day."""
    if not holds_required(volunteer, opening):
        return False
    if volunteer.birth_date is None:
        return not opening.min_age
    age = years_on(volunteer.birth_date, opening.day or opening.starts_at.date())
    if opening.min_age and age < opening.min_age:
        return False
    if age < SELF_REGISTRATION_AGE and not volunteer.staff_registered:
        return False
    return age >= ADULT_AGE or volunteer.guardian_consent


def eligible(volunteer: Volunteer, opening: Opening, slots: frozenset) -> bool:
    return (volunteer.limit_left > 0 and slots <= volunteer.availability
            and not any(overlaps(opening.starts_at, opening.ends_at, s, e)
                        for s, e in volunteer.busy)
            and may_take_part(volunteer, opening))


def score(volunteer: Volunteer, opening: Opening, weights: Weights) -> tuple[int, list]:
    """Points and reasons for proposing `volunteer` for `opening`."""
    points, reasons = 0, []
    if opening.required_skills:
        covered = sorted(opening.required_skills & volunteer.skills)
        points += weights.skills * len(covered) // len(opening.required_skills)
        reasons += [("skill", skill) for skill in covered]
    if opening.target_group and opening.target_group in volunteer.groups:
        points += weights.target_group
        reasons.append(("group", opening.target_group))
    shared_tags = sorted(opening.tags & volunteer.tags)
    if shared_tags:
        points += weights.theme
        reasons.append(("theme", shared_tags[0]))
    if opening.community_id is not None and volunteer.community_id == opening.community_id:
        points += weights.same_community
        reasons.append(("same_community", None))
    elif opening.town_id is not None and volunteer.town_id == opening.town_id:
        points += weights.same_town
        reasons.append(("same_town", None))
    if opening.social_worker_id is not None and opening.social_worker_id in volunteer.linked_to:
        points += weights.linkage
        reasons.append(("linked", None))
    rate = 0.8 if volunteer.attendance_rate is None else volunteer.attendance_rate
    points += round(weights.reliability * rate)
    if volunteer.attendance_rate is not None and volunteer.attendance_rate >= 0.9:
        reasons.append(("reliable", None))
    cap = weights.fairness_hours * 60
    points += weights.fairness * (cap - min(volunteer.recent_minutes, cap)) // cap
    if volunteer.taken == 0:
        reasons.append(("first_this_month", None))
    elif volunteer.recent_minutes < cap // 5:
        reasons.append(("little_recently", None))
    return points, reasons


@contextmanager
def _collector_paused():
    """The matching allocates millions of small objects and frees no cycles: left on, the
    cyclic collector walks the caller's records (every volunteer) again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _microseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _Bits:
    """Sets of values as bits in columns of words (one word of 8 to 64 bits when the values
    fit), so that many sets are tested at once."""

    def __init__(self, sets: list):
        values = list(chain.from_iterable(sets))
        self.position = {value: bit for bit, value in enumerate(dict.fromkeys(values))}
        size = len(self.position)
        self.dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64)
                          if size <= np.iinfo(t).bits or t is np.uint64)
        bits = np.fromiter(map(self.position.__getitem__, values), dtype=np.int64,
                           count=len(values))
        owner = np.repeat(np.arange(len(sets)),
                          np.fromiter(map(len, sets), dtype=np.int64, count=len(sets)))
        words = max(1, -(-size // 64))
        rows = np.zeros((len(sets), words), dtype=np.uint64)
        np.add.at(rows, (owner, bits // 64), np.left_shift(np.uint64(1),
                                                             (bits % 64).astype(np.uint64)))
        self.columns = [rows[:, word].astype(self.dtype) for word in range(words)]

    def split(self, values) -> list:
        """The values' bits, one number per column; values never seen are left out."""
        mask = sum(1 << self.position[value] for value in set(values) if value in self.position)
        return [self.dtype((mask >> (64 * word)) & 0xFFFF_FFFF_FFFF_FFFF)
                for word in range(len(self.columns))]


def _date_key(day: date) -> int:
    """yyyymmdd: (day_key − born_key) // 10000 is the age in full years (`years_on`)."""
    return day.year * 10000 + day.month * 100 + day.day


def _codes(values: list) -> tuple[np.ndarray, dict]:
    """Values as small ints (−1 for None) and the value → code map."""
    known = {value: code for code, value in enumerate(dict.fromkeys(values).keys() - {None})}
    known_or_none = {**known, None: -1}
    return (np.fromiter(map(known_or_none.__getitem__, values), dtype=np.int32,
                        count=len(values)), known)


class _Table:
    """The volunteers as arrays, for scoring many at once (city scale)."""

    def __init__(self, volunteers: list[Volunteer], weights: Weights):
        self.volunteers = volunteers
        self.weights = weights
        n = len(volunteers)

        names = ("community_id", "town_id", "limit_left", "attendance_rate", "recent_minutes",
                 "skills", "groups", "tags", "availability", "linked_to", "birth_date",
                 "guardian_consent", "staff_registered", "busy")
        # One pass over the records, then one column per attribute.
        columns = dict(zip(names, zip(*map(attrgetter(*names), volunteers), strict=True) if n
                           else [()] * len(names), strict=True))
        column = columns.__getitem__

        self.community, self.communities = _codes(column("community_id"))
        town_ids = column("town_id")
        self.town, self.towns = _codes(town_ids)
        self.limit_left = np.array(column("limit_left"), dtype=np.int64)
        rate = np.array([0.8 if rate is None else rate for rate in column("attendance_rate")],
                        dtype=np.float64)
        cap = weights.fairness_hours * 60
        recent = np.minimum(np.array(column("recent_minutes"), dtype=np.int64), cap)
        #: The parts of the score that do not depend on the activity.
        base = np.rint(weights.reliability * rate).astype(np.int64) \
            + weights.fairness * (cap - recent) // cap
        self.base = base.astype(self._points_type(base, weights))
        self.skills = _Bits(column("skills"))
        self.groups = _Bits(column("groups"))
        self.tags = _Bits(column("tags"))
        self.availability = _Bits(column("availability"))
        #: Social worker → indices (ascending) of the volunteers linked to them.
        linked = column("linked_to")
        workers, _known = _codes(list(chain.from_iterable(linked)))
        owners = np.repeat(np.arange(n), np.fromiter(map(len, linked), dtype=np.int64, count=n))
        order = np.argsort(workers, kind="stable")
        self.linked = dict(zip(_known, np.split(owners[order], np.flatnonzero(
            np.diff(workers[order])) + 1) if len(order) else [], strict=True))
        self.born = np.array([-1 if born is None else _date_key(born)
                              for born in column("birth_date")], dtype=np.int64)
        self.consent = np.array(column("guardian_consent"), dtype=bool)
        self.registered = np.array(column("staff_registered"), dtype=bool)
        #: Sign-ups held, volunteer after volunteer: theirs are busy_first[i] + 0..busy_count[i].
        busy = column("busy")
        self.busy_count = np.fromiter(map(len, busy), dtype=np.int64, count=n)
        self.busy_first = np.cumsum(self.busy_count) - self.busy_count
        #: POSIX times as floats: they keep the order of times to the microsecond.
        moments = np.fromiter(map(datetime.timestamp, chain.from_iterable(chain.from_iterable(
            busy))), dtype=np.float64)
        self.busy_start, self.busy_end = moments[0::2], moments[1::2]
        order = np.argsort(self.town, kind="stable")
        splits = np.flatnonzero(np.diff(self.town[order])) + 1
        self.by_town = {town_ids[members[0]]: members
                        for members in np.split(order, splits)} if n else {}
        self.everyone = np.arange(n, dtype=np.int64)

    @staticmethod
    def _points_type(base: np.ndarray, weights: Weights):
        """The smallest integer type that holds every score (they are whole, small points)."""
        parts = [weights.skills, weights.target_group, weights.theme, weights.linkage,
                 max(weights.same_community, weights.same_town)]
        if len(base) == 0 or min(*parts, weights.same_town, int(base.min())) < 0:
            return np.int64
        top = int(base.max()) + sum(parts)
        return next((t for t in (np.uint8, np.uint16, np.uint32) if top <= np.iinfo(t).max),
                    np.int64)

    def pool(self, members: np.ndarray, slots: frozenset) -> "_Pool":
        """The `members` free at `slots` and under their monthly limit."""
        if not all(slot in self.availability.position for slot in slots):
            return _Pool(self, members[:0])
        free = self.limit_left[members] > 0
        for column, bits in zip(self.availability.columns, self.availability.split(slots),
                                strict=True):
            free &= (column[members] & bits) == bits
        return _Pool(self, members[free])

    def allowed(self, opening: Opening, indices: np.ndarray) -> np.ndarray:
        """Which volunteers at `indices` may take part (`may_take_part`) and are not busy then."""
        born = self.born[indices]
        age = (_date_key(opening.day or opening.starts_at.date()) - born) // 10000
        known = ((age >= SELF_REGISTRATION_AGE) | self.registered[indices]) \
            & ((age >= ADULT_AGE) | self.consent[indices])
        if opening.min_age:
            known &= age >= opening.min_age
        ok = np.where(born < 0, not opening.min_age, known)
        if opening.required_qualification_id is not None:
            for position in np.flatnonzero(ok):
                ok[position] = holds_required(self.volunteers[indices[position]], opening)
        counts = np.where(ok, self.busy_count[indices], 0)
        if counts.any():
            total = int(counts.sum())
            held = np.repeat(self.busy_first[indices] - (np.cumsum(counts) - counts), counts) \
                + np.arange(total)
            owner = np.repeat(np.arange(len(indices)), counts)
            clash = (self.busy_start[held] < opening.ends_at.timestamp()) \
                & (opening.starts_at.timestamp() < self.busy_end[held])
            ok[owner[clash]] = False
        return ok


class _Pool:
    """Some volunteers (ascending indices) with their attributes gathered, scored per activity."""

    def __init__(self, table: _Table, indices: np.ndarray):
        self.table = table
        self.indices = indices
        self.base = table.base[indices]
        self.community = table.community[indices]
        self.town = table.town[indices]
        self.skills = [column[indices] for column in table.skills.columns]
        self.groups = [column[indices] for column in table.groups.columns]
        self.tags = [column[indices] for column in table.tags.columns]
        self._parts: dict = {}
        self._linked: dict = {}

    def linked(self, worker) -> np.ndarray:
        """Positions in the pool of the volunteers linked to `worker`."""
        if worker not in self._linked:
            linked = self.table.linked.get(worker, np.array([], dtype=np.int64))
            where = np.minimum(np.searchsorted(self.indices, linked), len(self.indices) - 1)
            self._linked[worker] = where[self.indices[where] == linked]
        return self._linked[worker]

    def scores(self, opening: Opening) -> np.ndarray:
        """Points of every volunteer in the pool for `opening` (as `score` counts them).

        In the table's small integer type, adding in place: at city scale these passes over
        the town's free volunteers are most of the work. Each part is kept for the next
        activity of the pool that shares it (its community, target group, tags, skills)."""
        points = self.base.copy()
        for key in (("skills", opening.required_skills), ("group", opening.target_group),
                    ("tags", opening.tags), ("place", opening.community_id, opening.town_id)):
            if key not in self._parts:
                self._parts[key] = self._part(*key)
            part = self._parts[key]
            if part is not None:
                points += part
        if opening.social_worker_id is not None:
            points[self.linked(opening.social_worker_id)] += points.dtype.type(
                self.table.weights.linkage)
        return points

    def _part(self, kind: str, *values) -> np.ndarray | None:
        """One part of the score for the whole pool; None when it adds nothing."""
        table, weights = self.table, self.table.weights
        part = np.zeros(len(self.indices), dtype=self.base.dtype)
        number = part.dtype.type
        if kind == "skills" and values[0]:
            needed = len(values[0])
            counts = [np.bitwise_count(column & bits) for column, bits in
                      zip(self.skills, table.skills.split(values[0]), strict=True) if bits]
            if not counts:
                return None
            share = (weights.skills * np.arange(needed + 1) // needed).astype(part.dtype)
            return share[sum(counts[1:], counts[0])]
        if kind == "group" and values[0] and weights.target_group:
            np.add(part, number(weights.target_group), out=part,
                   where=self._any(table.groups, self.groups, {values[0]}))
            return part
        if kind == "tags" and values[0] and weights.theme:
            np.add(part, number(weights.theme), out=part,
                   where=self._any(table.tags, self.tags, values[0]))
            return part
        if kind == "place":
            community, town = values
            same_community = self.community == table.communities.get(community, -2)
            if town is not None and weights.same_town:
                np.add(part, number(weights.same_town), out=part,
                       where=(self.town == table.towns.get(town, -2)) & ~same_community)
            np.add(part, number(weights.same_community), out=part, where=same_community)
            return part
        return None

    @staticmethod
    def _any(bits: "_Bits", columns: list, values) -> np.ndarray | bool:
        found = False
        for column, mask in zip(columns, bits.split(values), strict=True):
            if mask:
                found = found | ((column & mask) != 0)
        return found

    def best(self, opening: Opening, keep: int | None) -> list[tuple[int, int]]:
        """The `keep` best allowed (index, points), best first, ties by index; all if None.

        Only the top of the pool is sorted: a histogram of the (small, whole) points gives
        the threshold above which at least `want` volunteers lie."""
        if len(self.indices) == 0:
            return []
        points = self.scores(opening)
        want = len(points) if keep is None else keep
        while True:
            if want >= len(points):
                top = np.arange(len(points))
            else:
                low = 0 if points.dtype.kind == "u" else int(points.min())
                counts = np.bincount(points - low if low else points)
                reach = np.cumsum(counts[::-1])
                threshold = low + len(counts) - 1 - int(np.searchsorted(reach, want))
                top = np.flatnonzero(points >= threshold)
            top = top[np.lexsort((top, -points[top].astype(np.int64)))]
            top = top[self.table.allowed(opening, self.indices[top])]
            if keep is None or len(top) >= keep or want >= len(points):
                break
            want = min(len(points), 2 * want + keep)
        top = top[:keep]
        return list(zip(self.indices[top].tolist(), points[top].tolist(), strict=True))


@_collector_paused()
def candidates(volunteers: list[Volunteer], openings: list[Opening], weights: Weights, zone,
               *, candidates_per_place: int | None = 5) -> dict[int, list[tuple[int, int]]]:
    """Opening id → [(volunteer index, score)] best first; all eligible if not pruning.

    Activities are taken by (town, slots) so that the volunteers free then in that town are
    gathered once; only if a town has too few is everyone searched."""
    table = _Table(volunteers, weights)
    slots_of = {opening.id: day_slots(opening, zone) for opening in openings}
    everyone: dict = {}

    def everyone_free(slots):
        if slots not in everyone:
            everyone[slots] = table.pool(table.everyone, slots)
        return everyone[slots]

    chosen: dict[int, list[tuple[int, int]]] = {}
    if candidates_per_place is None:
        for opening in openings:
            chosen[opening.id] = everyone_free(slots_of[opening.id]).best(opening, None)
        return chosen
    groups = defaultdict(list)
    for opening in openings:
        groups[opening.town_id, slots_of[opening.id]].append(opening)
    for (town, slots), group in groups.items():
        members = table.by_town.get(town)
        pool = table.pool(members, slots) if members is not None else None
        for opening in group:
            keep = max(opening.slots * candidates_per_place, 10)
            found = pool.best(opening, keep) if pool is not None else []
            if len(found) < keep:
                found = everyone_free(slots).best(opening, keep)
            chosen[opening.id] = found
    return {opening.id: chosen[opening.id] for opening in openings}


# --- assignment -------------------------------------------------------------------------------

@dataclass
class FlowGraph:
    """The min-cost flow of `assign` as arrays, arcs in the order they are added."""

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    source: int
    sink: int
    supply: int
    #: The volunteer → activity arcs: their arc numbers, activity ids, volunteer indices, scores.
    choice_arcs: np.ndarray
    choice_openings: np.ndarray
    choice_volunteers: np.ndarray
    choice_points: np.ndarray


def flow_graph(volunteers: list[Volunteer], openings: list[Opening], pairs: dict,
               weights: Weights) -> FlowGraph | None:
    """The network of `assign` (see the module's docstring), built without a loop per arc.

    Nodes and arcs are numbered as adding them one by one would: activity → sink arcs in the
    order of `openings`; then for each volunteer by index, their source arcs, and for each of
    their time blocks the volunteer → block arc followed by the block's choice arcs by
    (start, id); last the bypass. None when no volunteer can take anything."""
    source, sink = 0, 1
    active = [opening for opening in openings if opening.slots > 0 and pairs.get(opening.id)]
    if not active:
        return None
    activity_count = len(active)
    lengths = np.array([len(pairs[opening.id]) for opening in active], dtype=np.int64)
    found = np.concatenate([np.asarray(pairs[opening.id], dtype=np.int64).reshape(-1, 2)
                            for opening in active])
    activity = np.repeat(np.arange(activity_count), lengths)  # position in `active`
    volunteer, points = found[:, 0], found[:, 1]
    starts = np.array([_microseconds(o.starts_at) for o in active], dtype=np.int64)
    ends = np.array([_microseconds(o.ends_at) for o in active], dtype=np.int64)
    ids = np.array([o.id for o in active], dtype=np.int64)
    order = np.lexsort((ids[activity], starts[activity], volunteer))
    activity, volunteer, points = activity[order], volunteer[order], points[order]

    # Time blocks: a new one where a volunteer's candidate starts at or after the latest end
    # of their earlier candidates (each volunteer's times shifted apart, so one running max).
    first_time = starts.min()
    span = int(max(ends.max(), starts.max()) - first_time) + 1
    shift = volunteer * span - first_time
    reach = np.maximum.accumulate(ends[activity] + shift)
    new_volunteer = np.ones(len(volunteer), dtype=bool)
    new_volunteer[1:] = volunteer[1:] != volunteer[:-1]
    new_block = new_volunteer.copy()
    new_block[1:] |= starts[activity][1:] + shift[1:] >= reach[:-1]

    # Per volunteer (in index order): blocks and the units they may take.
    owner = np.cumsum(new_volunteer) - 1  # the pair's volunteer, numbered 0..
    people = volunteer[new_volunteer]
    blocks = np.bincount(owner, weights=new_block, minlength=len(people)).astype(np.int64)
    limit_left = np.fromiter((volunteers[i].limit_left for i in people.tolist()),
                             dtype=np.int64, count=len(people))
    units = np.minimum(limit_left, blocks)
    kept = units > 0
    if not kept.any():
        return None
    keep_pair = kept[owner]
    activity, volunteer, points = activity[keep_pair], volunteer[keep_pair], points[keep_pair]
    new_block, new_volunteer = new_block[keep_pair], new_volunteer[keep_pair]
    owner = owner[keep_pair]
    renumber = np.cumsum(kept) - 1
    owner = renumber[owner]
    people, blocks, units = people[kept], blocks[kept], units[kept]
    taken = np.fromiter((volunteers[i].taken for i in people.tolist()), dtype=np.int64,
                        count=len(people))

    # Per block: its pairs are consecutive; a block of one activity needs no node of its own
    # (volunteer → activity directly), nor does a volunteer with one block (source → block).
    block = np.cumsum(new_block) - 1
    block_first_pair = np.flatnonzero(new_block)
    block_owner = owner[new_block]
    block_size = np.bincount(block)
    own_node = block_size >= 2
    first_block = block[new_volunteer]  # per volunteer
    split = blocks >= 2  # the volunteer has a node of their own

    def within_volunteer(per_block: np.ndarray) -> np.ndarray:
        """The sum of `per_block` over the volunteer's earlier blocks."""
        before = np.cumsum(per_block) - per_block
        return before - before[first_block][block_owner]

    # Nodes: activities from 2, then each volunteer's node (if split) and their blocks' nodes.
    node_count = split + np.bincount(block_owner, weights=own_node, minlength=len(people)
                                     ).astype(np.int64)
    first_node = 2 + activity_count + np.cumsum(node_count) - node_count
    block_node = first_node[block_owner] + split[block_owner] + within_volunteer(own_node)
    # Arcs: activity arcs; per volunteer their units (if split), then per block the arc into
    # it followed by its choices (if it has a node); last the bypass.
    unit_arcs = units * split
    block_arcs = 1 + block_size * own_node
    arc_count = unit_arcs + np.bincount(block_owner, weights=block_arcs, minlength=len(people)
                                        ).astype(np.int64)
    first_arc = activity_count + np.cumsum(arc_count) - arc_count
    total = activity_count + int(arc_count.sum()) + 1
    tails = np.empty(total, dtype=np.int64)
    heads = np.empty(total, dtype=np.int64)
    capacities = np.ones(total, dtype=np.int64)
    costs = np.zeros(total, dtype=np.int64)

    tails[:activity_count] = 2 + np.arange(activity_count)
    heads[:activity_count] = sink
    capacities[:activity_count] = [opening.slots for opening in active]

    unit_owner = np.repeat(np.arange(len(people)), unit_arcs)
    k = np.arange(len(unit_owner)) - np.repeat(np.cumsum(unit_arcs) - unit_arcs, unit_arcs)
    unit_arc = first_arc[unit_owner] + k
    tails[unit_arc] = source
    heads[unit_arc] = first_node[unit_owner]
    costs[unit_arc] = weights.extra_activity * (taken[unit_owner] + k)

    entry = first_arc[block_owner] + unit_arcs[block_owner] + within_volunteer(block_arcs)
    tails[entry] = np.where(split[block_owner], first_node[block_owner], source)
    only = activity[block_first_pair]  # a block's activity, if it is its only one
    heads[entry] = np.where(own_node, block_node, 2 + only)
    costs[entry] = np.where(split[block_owner], 0, weights.extra_activity * taken[block_owner]) \
        - np.where(own_node, 0, points[block_first_pair])

    rank = np.arange(len(owner)) - block_first_pair[block]  # within the block
    in_node = own_node[block]
    choice_arc = entry[block] + in_node * (1 + rank)
    tails[choice_arc[in_node]] = block_node[block][in_node]
    heads[choice_arc[in_node]] = 2 + activity[in_node]
    costs[choice_arc[in_node]] = -points[in_node]

    supply = int(units.sum())
    tails[-1], heads[-1], capacities[-1] = source, sink, supply
    return FlowGraph(tails, heads, capacities, costs, source, sink, supply, choice_arc,
                     ids[activity], volunteer, points)


@_collector_paused()
def assign(volunteers: list[Volunteer], openings: list[Opening], pairs: dict, weights: Weights
           ) -> list[tuple[int, int, int]]:
    """The best assignment as (opening id, volunteer index, score) triples."""
    graph = flow_graph(volunteers, openings, pairs, weights)
    if graph is None:
        return []
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(graph.tails, graph.heads, graph.capacities,
                                              graph.costs)
    flow.set_nodes_supplies(np.array([graph.source, graph.sink]),
                            np.array([graph.supply, -graph.supply]))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    used = flow.flows(graph.choice_arcs) > 0
    return list(zip(graph.choice_openings[used].tolist(), graph.choice_volunteers[used].tolist(),
                    graph.choice_points[used].tolist(), strict=True))


@_collector_paused()
def solve(volunteers: list[Volunteer], openings: list[Opening], weights: Weights, zone,
          *, candidates_per_place: int | None = 5) -> list[Proposal]:
    """Proposals for `openings`, deterministic for the same input."""
    volunteers = sorted(volunteers, key=lambda v: v.id)
    openings = sorted(openings, key=lambda o: (o.starts_at, o.id))
    pairs = candidates(volunteers, openings, weights, zone,
                       candidates_per_place=candidates_per_place)
    opening_by_id = {opening.id: opening for opening in openings}
    proposals = []
    for opening_id, index, points in sorted(assign(volunteers, openings, pairs, weights)):
        _points, reasons = score(volunteers[index], opening_by_id[opening_id], weights)
        proposals.append(Proposal(opening_id, volunteers[index].id, points, reasons))
    return proposals


@_collector_paused()
def ranked(volunteers: list[Volunteer], opening: Opening, weights: Weights, zone,
           limit: int = 20) -> list[Proposal]:
    """The best candidates for one activity, for swapping someone in by hand."""
    volunteers = sorted(volunteers, key=lambda v: v.id)
    found = candidates(volunteers, [opening], weights, zone, candidates_per_place=None)
    result = []
    for index, points in found.get(opening.id, [])[:limit]:
        _points, reasons = score(volunteers[index], opening, weights)
        result.append(Proposal(opening.id, volunteers[index].id, points, reasons))
    return result
