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
    activity spreads opportunities over more people for almost no loss of total score.

Candidate pruning keeps, per activity, the best `candidates_per_place` × places volunteers,
looking first in the activity's own town or street, so city-scale runs fit in memory.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

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


class _Table:
    """The volunteers as arrays, for scoring many at once (city scale)."""

    def __init__(self, volunteers: list[Volunteer], weights: Weights):
        self.volunteers = volunteers
        n = len(volunteers)
        self.community = np.array([v.community_id if v.community_id is not None else -1
                                   for v in volunteers], dtype=np.int64)
        self.town = np.array([v.town_id if v.town_id is not None else -1 for v in volunteers],
                             dtype=np.int64)
        self.limit_left = np.array([v.limit_left for v in volunteers], dtype=np.int64)
        rate = np.array([0.8 if v.attendance_rate is None else v.attendance_rate
                         for v in volunteers])
        cap = weights.fairness_hours * 60
        recent = np.minimum(np.array([v.recent_minutes for v in volunteers], dtype=np.int64), cap)
        #: The parts of the score that do not depend on the activity.
        self.base = np.rint(weights.reliability * rate).astype(np.int64) \
            + weights.fairness * (cap - recent) // cap
        self.by_town = defaultdict(list)
        for index, volunteer in enumerate(volunteers):
            self.by_town[volunteer.town_id].append(index)
        self.by_town = {town: np.array(indices) for town, indices in self.by_town.items()}
        self.everyone = np.arange(n)
        self._slot_sets: dict = {}
        self._sets: dict = {}
        self.weights = weights

    def has(self, attribute: str, value) -> np.ndarray:
        """Boolean array: which volunteers have `value` in their `attribute` set (cached)."""
        key = (attribute, value)
        if key not in self._sets:
            self._sets[key] = np.fromiter((value in getattr(v, attribute) for v in self.volunteers),
                                          dtype=bool, count=len(self.volunteers))
        return self._sets[key]

    def free_for(self, slots: frozenset) -> np.ndarray:
        if slots not in self._slot_sets:
            self._slot_sets[slots] = np.fromiter(
                (slots <= v.availability for v in self.volunteers), dtype=bool,
                count=len(self.volunteers))
        return self._slot_sets[slots]

    def scores(self, opening: Opening, indices: np.ndarray) -> np.ndarray:
        """Activity-dependent points plus the base, for the volunteers at `indices`."""
        weights = self.weights
        points = self.base[indices].copy()
        if opening.required_skills:
            covered = sum(self.has("skills", skill)[indices].astype(np.int64)
                          for skill in opening.required_skills)
            points += weights.skills * covered // len(opening.required_skills)
        if opening.target_group:
            points += weights.target_group * self.has("groups", opening.target_group)[indices]
        if opening.tags:
            any_tag = np.zeros(len(indices), dtype=bool)
            for tag in opening.tags:
                any_tag |= self.has("tags", tag)[indices]
            points += weights.theme * any_tag
        same_community = self.community[indices] == (opening.community_id
                                                     if opening.community_id is not None else -2)
        same_town = self.town[indices] == (opening.town_id if opening.town_id is not None else -2)
        points += np.where(same_community, weights.same_community,
                           np.where(same_town, weights.same_town, 0))
        if opening.social_worker_id is not None:
            points += weights.linkage * self.has("linked_to", opening.social_worker_id)[indices]
        return points


def candidates(volunteers: list[Volunteer], openings: list[Opening], weights: Weights, zone,
               *, candidates_per_place: int | None = 5) -> dict[int, list[tuple[int, int]]]:
    """Opening id → [(volunteer index, score)] best first; all eligible if not pruning."""
    table = _Table(volunteers, weights)
    chosen: dict[int, list[tuple[int, int]]] = {}
    for opening in openings:
        slots = day_slots(opening, zone)
        keep = None if candidates_per_place is None else max(opening.slots * candidates_per_place,
                                                             10)
        pools = [table.by_town.get(opening.town_id, np.array([], dtype=np.int64)), table.everyone]
        found: list[tuple[int, int]] = []
        for pool in pools if keep is not None else [table.everyone]:
            if len(pool) == 0:
                continue
            mask = table.free_for(slots)[pool] & (table.limit_left[pool] > 0)
            indices = pool[mask]
            if len(indices) == 0:
                continue
            points = table.scores(opening, indices)
            order = np.lexsort((indices, -points))  # best first; ties by position, stable
            found = []
            for position in order:
                volunteer = volunteers[indices[position]]
                if any(overlaps(opening.starts_at, opening.ends_at, s, e) for s, e in volunteer.busy):
                    continue
                if not may_take_part(volunteer, opening):
                    continue
                found.append((int(indices[position]), int(points[position])))
                if keep is not None and len(found) >= keep:
                    break
            if keep is None or len(found) >= keep:
                break
        chosen[opening.id] = found
    return chosen


# --- assignment -------------------------------------------------------------------------------

def _blocks(arcs: list[tuple[Opening, int]]) -> list[list[tuple[Opening, int]]]:
    """Group one volunteer's candidate activities into chains linked by overlaps."""
    blocks: list[list[tuple[Opening, int]]] = []
    block_end = None
    for opening, points in sorted(arcs, key=lambda arc: (arc[0].starts_at, arc[0].id)):
        if blocks and opening.starts_at < block_end:
            blocks[-1].append((opening, points))
            block_end = max(block_end, opening.ends_at)
        else:
            blocks.append([(opening, points)])
            block_end = opening.ends_at
    return blocks


def assign(volunteers: list[Volunteer], openings: list[Opening], pairs: dict, weights: Weights
           ) -> list[tuple[int, int, int]]:
    """The best assignment as (opening id, volunteer index, score) triples."""
    by_volunteer: dict[int, list[tuple[Opening, int]]] = defaultdict(list)
    opening_by_id = {opening.id: opening for opening in openings}
    for opening_id, found in pairs.items():
        for index, points in found:
            by_volunteer[index].append((opening_by_id[opening_id], points))

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    next_node = 2
    activity_node = {}
    for opening in openings:
        if opening.slots > 0 and pairs.get(opening.id):
            activity_node[opening.id] = next_node
            flow.add_arc_with_capacity_and_unit_cost(next_node, sink, opening.slots, 0)
            next_node += 1
    supply = 0
    choice_arcs = []  # (arc, opening id, volunteer index, score)
    for index in sorted(by_volunteer):
        volunteer = volunteers[index]
        blocks = _blocks([(o, p) for o, p in by_volunteer[index] if o.id in activity_node])
        units = min(volunteer.limit_left, len(blocks))
        if units <= 0:
            continue
        volunteer_node = next_node
        next_node += 1
        for k in range(units):
            flow.add_arc_with_capacity_and_unit_cost(
                source, volunteer_node, 1, weights.extra_activity * (volunteer.taken + k))
        supply += units
        for block in blocks:
            block_node = next_node
            next_node += 1
            flow.add_arc_with_capacity_and_unit_cost(volunteer_node, block_node, 1, 0)
            for opening, points in block:
                arc = flow.add_arc_with_capacity_and_unit_cost(
                    block_node, activity_node[opening.id], 1, -points)
                choice_arcs.append((arc, opening.id, index, points))
    if supply == 0:
        return []
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)  # leave places unfilled
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return [(opening_id, index, points) for arc, opening_id, index, points in choice_arcs
            if flow.flow(arc) > 0]


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
