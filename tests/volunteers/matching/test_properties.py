"""Property-based: `volunteers.matching.solve` is optimal, never breaks a rule, and is deterministic.

Small random instances (a few volunteers and activities over four days in Asia/Shanghai, so
that activities overlap each other and the volunteers' sign-ups) are solved by the min-cost
flow and, independently, by an exact integer program (`scipy.optimize.milp`) over binary
x[v, a] for every eligible pair, with the same rules written out directly:

* places:            Σ_v x[v, a] ≤ places(a)
* monthly limit:     Σ_a x[v, a] = Σ_k y[v, k] with k < limit_left(v), y[v, k] ≥ y[v, k + 1]
* time blocks:       Σ x[v, a] ≤ 1 over each chain of the volunteer's overlapping activities
* objective:         max Σ score·x − Σ extra_activity·(taken + k)·y[v, k]
* age:               no proposal of a volunteer below the activity's minimum age (or of
                     unknown age when it has one), a minor without a guardian's consent, or a
                     child under 14 not registered by the station
* qualification:     no proposal of a volunteer lacking the activity's required qualification
                     on its day (expired, not yet obtained, or never held), unless waived

Without pruning the two optima must agree exactly. With or without pruning, the proposals
must respect places, limits and real time overlaps (stronger than the block rule), and the
same instance, in any order, must give the same proposals. Pure: no app, no database.
"""

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from volunteers.matching import scoring as matching
from volunteers.matching.scoring import Opening, Volunteer, Weights

ZONE = ZoneInfo("Asia/Shanghai")
#: A Friday: the four days cover Fri–Mon, so weekday and weekend slots both occur.
FIRST_DAY = datetime(2025, 6, 6, tzinfo=ZONE)
SLOTS = tuple(f"{day}-{part}" for day in matching.WEEKDAYS for part in matching.DAY_PARTS)
SKILLS = ("first_aid", "cooking", "it")
GROUPS = ("elderly", "children", "disabled")
TAGS = ("health", "culture", "environment")
QUALIFICATIONS = (1, 2)


def moments():
    """A time within four days, on the half hour, mostly in the daytime."""
    return st.builds(lambda day, half_hours: FIRST_DAY + timedelta(days=day, minutes=30 * half_hours),
                     st.integers(0, 3), st.integers(12, 45))


def durations():
    return st.builds(lambda half_hours: timedelta(minutes=30 * half_hours), st.integers(1, 8))


def small_sets(values, max_size=2):
    return st.frozensets(st.sampled_from(values), max_size=max_size)


@st.composite
def volunteers(draw, ident):
    unavailable = draw(small_sets(SLOTS, max_size=8))  # mostly free: many eligible pairs
    busy = tuple((start, start + length) for start, length in
                 draw(st.lists(st.tuples(moments(), durations()), max_size=2)))
    return Volunteer(
        id=ident,
        community_id=draw(st.sampled_from([None, 1, 2, 3])),
        town_id=draw(st.sampled_from([None, 10, 20])),
        skills=draw(small_sets(SKILLS, 3)),
        groups=draw(small_sets(GROUPS)),
        tags=draw(small_sets(TAGS)),
        availability=frozenset(SLOTS) - unavailable,
        limit_left=draw(st.integers(0, 3)),
        taken=draw(st.integers(0, 2)),
        busy=busy,
        linked_to=draw(small_sets((100, 101))),
        attendance_rate=draw(st.one_of(st.none(), st.sampled_from([0.0, 0.5, 0.7, 0.9, 1.0]),
                                       st.floats(0, 1))),
        recent_minutes=draw(st.integers(0, 1500)),
        # Around the ages of the rules (14, 16, 18) on the activities' days, 29 February too.
        birth_date=draw(st.one_of(st.none(), st.sampled_from(
            [date(2012, 6, 7), date(2011, 6, 8), date(2009, 6, 6), date(2009, 6, 9),
             date(2008, 2, 29), date(2007, 6, 7), date(1990, 1, 1)]))),
        guardian_consent=draw(st.booleans()),
        staff_registered=draw(st.booleans()),
        # Qualifications 1 and 2, some expiring or obtained around the activities' days.
        qualifications=tuple(draw(st.lists(st.tuples(
            st.sampled_from(QUALIFICATIONS),
            st.sampled_from([FIRST_DAY.date() + timedelta(days=d) for d in (-400, -1, 1, 2)]),
            st.sampled_from([None, *(FIRST_DAY.date() + timedelta(days=d) for d in (-2, 0, 1, 3))])),
            max_size=2))),
        waived=draw(st.frozensets(st.integers(1, 99), max_size=3)),
    )


@st.composite
def openings(draw, ident):
    start = draw(moments())
    return Opening(
        id=ident,
        starts_at=start,
        ends_at=start + draw(durations()),
        slots=draw(st.integers(1, 3)),
        community_id=draw(st.sampled_from([None, 1, 2, 3])),
        town_id=draw(st.sampled_from([None, 10, 20])),
        required_skills=draw(small_sets(SKILLS)),
        target_group=draw(st.sampled_from([None, *GROUPS])),
        tags=draw(small_sets(TAGS)),
        social_worker_id=draw(st.sampled_from([None, 100, 101])),
        min_age=draw(st.sampled_from([None, None, 0, 14, 16, 18])),
        day=start.date(),
        required_qualification_id=draw(st.sampled_from([None, None, *QUALIFICATIONS])),
    )


@st.composite
def instances(draw):
    """(volunteers, openings, weights), ids unique but not in list order."""
    volunteer_ids = draw(st.lists(st.integers(1, 99), min_size=1, max_size=8, unique=True))
    opening_ids = draw(st.lists(st.integers(1, 99), min_size=1, max_size=5, unique=True))
    weights = draw(st.one_of(st.just(Weights()), st.builds(
        Weights, skills=st.integers(0, 40), theme=st.integers(0, 20), same_community=st.integers(0, 20),
        reliability=st.integers(0, 15), fairness=st.integers(0, 20),
        extra_activity=st.integers(0, 60))))
    return ([draw(volunteers(i)) for i in volunteer_ids], [draw(openings(i)) for i in opening_ids],
            weights)


# --- an independent model ---------------------------------------------------------------------

def eligible_pairs(people, activities, weights):
    """{(volunteer id, opening id): score} for every pair the rules allow."""
    pairs = {}
    for volunteer in people:
        for opening in activities:
            if matching.eligible(volunteer, opening, matching.day_slots(opening, ZONE)):
                pairs[volunteer.id, opening.id] = matching.score(volunteer, opening, weights)[0]
    return pairs


def overlap_chains(chosen: list[Opening]) -> list[list[int]]:
    """Opening ids grouped into chains linked by overlaps (by start time, then id)."""
    chains, reach = [], None
    for opening in sorted(chosen, key=lambda o: (o.starts_at, o.id)):
        if chains and opening.starts_at < reach:
            chains[-1].append(opening.id)
            reach = max(reach, opening.ends_at)
        else:
            chains.append([opening.id])
            reach = opening.ends_at
    return chains


def milp_optimum(people, activities, weights) -> int:
    """max Σ score·x − Σ extra·(taken + k)·y[v, k], solved exactly by HiGHS."""
    pairs = eligible_pairs(people, activities, weights)
    if not pairs:
        return 0
    by_id = {opening.id: opening for opening in activities}
    x = {pair: i for i, pair in enumerate(sorted(pairs))}
    y, costs = {}, [-pairs[pair] for pair in sorted(pairs)]
    for volunteer in people:
        for k in range(volunteer.limit_left):
            y[volunteer.id, k] = len(costs)
            costs.append(weights.extra_activity * (volunteer.taken + k))
    rows, lower, upper = [], [], []

    def constrain(coefficients: dict, low, high):
        row = np.zeros(len(costs))
        for column, value in coefficients.items():
            row[column] = value
        rows.append(row)
        lower.append(low)
        upper.append(high)

    for opening in activities:
        constrain({x[pair]: 1 for pair in x if pair[1] == opening.id}, -np.inf, opening.slots)
    for volunteer in people:
        mine = [pair for pair in x if pair[0] == volunteer.id]
        count = {x[pair]: 1 for pair in mine}
        constrain(count | {y[volunteer.id, k]: -1 for k in range(volunteer.limit_left)}, 0, 0)
        for k in range(volunteer.limit_left - 1):
            constrain({y[volunteer.id, k]: 1, y[volunteer.id, k + 1]: -1}, 0, np.inf)
        for chain in overlap_chains([by_id[opening_id] for _v, opening_id in mine]):
            constrain({x[volunteer.id, opening_id]: 1 for opening_id in chain}, -np.inf, 1)
    result = milp(np.array(costs, dtype=float), integrality=np.ones(len(costs)), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(np.array(rows), lower, upper))
    assert result.success, result.message
    return -round(result.fun)


def flow_objective(proposals, people, weights) -> int:
    """Σ score of the proposals minus the rising cost of each volunteer's extra activities."""
    by_id = {volunteer.id: volunteer for volunteer in people}
    counts: dict[int, int] = {}
    for proposal in proposals:
        counts[proposal.user_id] = counts.get(proposal.user_id, 0) + 1
    return sum(p.score for p in proposals) - sum(
        weights.extra_activity * (by_id[user].taken + k) for user, n in counts.items() for k in range(n))


def age_on(born: date, day: date) -> int:
    """Written out apart from the code's: whole years, the birthday itself counting (29
    February counts from 1 March in a common year)."""
    try:
        birthday = born.replace(year=day.year)
    except ValueError:
        birthday = date(day.year, 3, 1)
    return day.year - born.year - (1 if day < birthday else 0)


def assert_age_rules_hold(volunteer, opening):
    if volunteer.birth_date is None:
        assert not opening.min_age, (volunteer, opening)
        return
    age = age_on(volunteer.birth_date, opening.day)
    assert age >= (opening.min_age or 0), (age, opening.min_age)
    assert age >= 18 or volunteer.guardian_consent, age
    assert age >= 14 or volunteer.staff_registered, age


def assert_qualification_held(volunteer, opening):
    """Written out apart from the code's: a required qualification held on the activity's day
    (not expired the day before, not obtained the day after), or waived for this volunteer."""
    needed = opening.required_qualification_id
    if needed is None or opening.id in volunteer.waived:
        return
    held = [(obtained, expires) for qualification, obtained, expires in volunteer.qualifications
            if qualification == needed]
    assert any(obtained <= opening.day and (expires is None or opening.day <= expires)
               for obtained, expires in held), (volunteer, opening)


def assert_rules_hold(proposals, people, activities, weights):
    opening_by_id = {opening.id: opening for opening in activities}
    volunteer_by_id = {volunteer.id: volunteer for volunteer in people}
    pairs = eligible_pairs(people, activities, weights)
    assert len({(p.user_id, p.activity_id) for p in proposals}) == len(proposals)
    for proposal in proposals:
        assert (proposal.user_id, proposal.activity_id) in pairs
        assert_age_rules_hold(volunteer_by_id[proposal.user_id], opening_by_id[proposal.activity_id])
        assert_qualification_held(volunteer_by_id[proposal.user_id],
                                  opening_by_id[proposal.activity_id])
        assert proposal.score == pairs[proposal.user_id, proposal.activity_id]
    for opening in activities:
        assert sum(p.activity_id == opening.id for p in proposals) <= opening.slots
    for volunteer in people:
        mine = [opening_by_id[p.activity_id] for p in proposals if p.user_id == volunteer.id]
        assert len(mine) <= volunteer.limit_left
        for i, first in enumerate(mine):
            for second in mine[i + 1:]:
                assert not matching.overlaps(first.starts_at, first.ends_at,
                                             second.starts_at, second.ends_at), (volunteer.id, mine)


def as_tuples(proposals):
    return [(p.activity_id, p.user_id, p.score, p.reasons) for p in proposals]


# --- the properties -------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(instances())
def test_unpruned_solution_equals_the_integer_programs_optimum(instance):
    people, activities, weights = instance
    proposals = matching.solve(people, activities, weights, ZONE, candidates_per_place=None)
    assert flow_objective(proposals, people, weights) == milp_optimum(people, activities, weights)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_proposals_respect_places_limits_and_time_overlaps(instance):
    people, activities, weights = instance
    proposals = matching.solve(people, activities, weights, ZONE, candidates_per_place=None)
    assert_rules_hold(proposals, people, activities, weights)


@settings(max_examples=60, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_same_instance_in_any_order_gives_the_same_proposals(instance, shuffler: random.Random):
    people, activities, weights = instance
    first = as_tuples(matching.solve(people, activities, weights, ZONE, candidates_per_place=None))
    assert as_tuples(matching.solve(people, activities, weights, ZONE, candidates_per_place=None)) == first
    people, activities = people[:], activities[:]
    shuffler.shuffle(people)
    shuffler.shuffle(activities)
    assert as_tuples(matching.solve(people, activities, weights, ZONE, candidates_per_place=None)) == first
    pruned = as_tuples(matching.solve(people, activities, weights, ZONE))
    shuffler.shuffle(people)
    assert as_tuples(matching.solve(people, activities, weights, ZONE)) == pruned


@settings(max_examples=60, deadline=None)
@given(instances(), st.integers(1, 5))
def test_pruned_proposals_still_respect_every_rule(instance, per_place):
    people, activities, weights = instance
    proposals = matching.solve(people, activities, weights, ZONE, candidates_per_place=per_place)
    assert_rules_hold(proposals, people, activities, weights)
    # With at least 10 candidates kept per activity, these small instances lose nothing.
    unpruned = matching.solve(people, activities, weights, ZONE, candidates_per_place=None)
    assert flow_objective(proposals, people, weights) == flow_objective(unpruned, people, weights)


@settings(max_examples=60, deadline=None)
@given(instances(), st.sampled_from([None, 1, 5]))
def test_no_proposal_ever_lacks_a_required_qualification(instance, per_place):
    people, activities, weights = instance
    activities = [replace(opening, required_qualification_id=1) for opening in activities]
    proposals = matching.solve(people, activities, weights, ZONE, candidates_per_place=per_place)
    volunteer_by_id = {volunteer.id: volunteer for volunteer in people}
    opening_by_id = {opening.id: opening for opening in activities}
    for proposal in proposals:
        assert_qualification_held(volunteer_by_id[proposal.user_id],
                                  opening_by_id[proposal.activity_id])
    for opening in activities:
        for proposal in matching.ranked(people, opening, weights, ZONE):
            assert_qualification_held(volunteer_by_id[proposal.user_id], opening)


def test_a_volunteer_without_the_qualification_is_not_a_candidate_unless_waived():
    day = FIRST_DAY.date()
    opening = Opening(id=7, starts_at=FIRST_DAY + timedelta(hours=10),
                      ends_at=FIRST_DAY + timedelta(hours=12), slots=3, day=day,
                      required_qualification_id=1)
    free = frozenset(SLOTS)
    holder = Volunteer(id=1, availability=free, qualifications=((1, day, None),))
    expired = Volunteer(id=2, availability=free,
                        qualifications=((1, day - timedelta(days=900), day - timedelta(days=1)),))
    other = Volunteer(id=3, availability=free, qualifications=((2, day, None),))
    waived = Volunteer(id=4, availability=free, waived=frozenset({7}))
    proposals = matching.solve([holder, expired, other, waived], [opening], Weights(), ZONE)
    assert sorted(p.user_id for p in proposals) == [1, 4]


def test_years_on_counts_the_birthday_and_29_february():
    assert matching.years_on(date(2010, 12, 16), date(2026, 12, 16)) == 16
    assert matching.years_on(date(2010, 12, 17), date(2026, 12, 16)) == 15
    assert matching.years_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert matching.years_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert matching.years_on(date(2008, 2, 29), date(2028, 2, 29)) == 20
