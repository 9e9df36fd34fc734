"""The array helpers of `volunteers.matching.scoring` agree with the rules written one by one.

`candidates` scores whole towns at once (bitsets, a histogram for the top) and `flow_graph`
builds a smaller network without a loop per arc; here they are checked against the scalar
`score`, `eligible` and the optimum of the full network added arc by arc, on the small random
instances of test_properties. Pure: no app, no database.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from tests.volunteers.matching.test_properties import FIRST_DAY, ZONE, instances
from volunteers.matching import scoring as matching
from volunteers.matching.scoring import Opening, Volunteer, Weights


def candidates_one_by_one(people, activities, weights, per_place):
    """Opening id → [(index, score)]: eligible volunteers by score then index; when pruning,
    the best of the activity's own town first, everyone if the town has too few."""
    chosen = {}
    for opening in activities:
        slots = matching.day_slots(opening, ZONE)
        scored = sorted((-matching.score(volunteer, opening, weights)[0], index)
                        for index, volunteer in enumerate(people)
                        if matching.eligible(volunteer, opening, slots))
        found = [(index, -points) for points, index in scored]
        if per_place is not None:
            keep = max(opening.slots * per_place, 10)
            town = [pair for pair in found if people[pair[0]].town_id == opening.town_id]
            found = town[:keep] if len(town) >= keep else found[:keep]
        chosen[opening.id] = found
    return chosen


def arcs_one_by_one(people, activities, pairs, weights):
    """The network of `assign` as the arcs (tail, head, capacity, cost) added one at a time."""
    arcs = []
    by_volunteer = defaultdict(list)
    by_id = {opening.id: opening for opening in activities}
    for opening_id, found in pairs.items():
        for index, points in found:
            by_volunteer[index].append((by_id[opening_id], points))
    node, activity_node = 2, {}
    for opening in activities:
        if opening.slots > 0 and pairs.get(opening.id):
            activity_node[opening.id] = node
            arcs.append((node, 1, opening.slots, 0))
            node += 1
    supply = 0
    for index in sorted(by_volunteer):
        blocks, reach = [], None
        for opening, points in sorted(by_volunteer[index], key=lambda arc: (arc[0].starts_at, arc[0].id)):
            if opening.id not in activity_node:
                continue
            if blocks and opening.starts_at < reach:
                blocks[-1].append((opening, points))
                reach = max(reach, opening.ends_at)
            else:
                blocks.append([(opening, points)])
                reach = opening.ends_at
        units = min(people[index].limit_left, len(blocks))
        if units <= 0:
            continue
        volunteer_node, node = node, node + 1
        arcs += [(0, volunteer_node, 1, weights.extra_activity * (people[index].taken + k))
                 for k in range(units)]
        supply += units
        for block in blocks:
            arcs.append((volunteer_node, node, 1, 0))
            arcs += [(node, activity_node[opening.id], 1, -points) for opening, points in block]
            node += 1
    return arcs + [(0, 1, supply, 0)] if supply else []


def in_order(instance):
    people, activities, weights = instance
    return (sorted(people, key=lambda v: v.id), sorted(activities, key=lambda o: (o.starts_at, o.id)),
            weights)


@settings(max_examples=40, deadline=None)
@given(instances(), st.sampled_from([None, 1, 5]))
def test_candidates_are_the_eligible_volunteers_by_their_scalar_score(instance, per_place):
    people, activities, weights = in_order(instance)
    assert matching.candidates(people, activities, weights, ZONE, candidates_per_place=per_place) \
        == candidates_one_by_one(people, activities, weights, per_place)


def optimal_cost(arcs) -> int:
    flow = min_cost_flow.SimpleMinCostFlow()
    for tail, head, capacity, cost in arcs:
        flow.add_arc_with_capacity_and_unit_cost(tail, head, capacity, cost)
    supply = arcs[-1][2]
    flow.set_node_supply(0, supply)
    flow.set_node_supply(1, -supply)
    assert flow.solve() == flow.OPTIMAL
    return flow.optimal_cost()


@settings(max_examples=40, deadline=None)
@given(instances())
def test_the_flow_graph_has_the_optimum_of_the_network_added_arc_by_arc(instance):
    """Nodes of one-activity blocks and one-block volunteers are left out: same optimum, and
    the choices `assign` reads from it reach it."""
    people, activities, weights = in_order(instance)
    pairs = matching.candidates(people, activities, weights, ZONE, candidates_per_place=None)
    graph = matching.flow_graph(people, activities, pairs, weights)
    expected = arcs_one_by_one(people, activities, pairs, weights)
    if graph is None:
        assert expected == []
        return
    got = list(zip(graph.tails.tolist(), graph.heads.tolist(), graph.capacities.tolist(),
                   graph.costs.tolist(), strict=True))
    assert optimal_cost(got) == optimal_cost(expected)
    chosen = matching.assign(people, activities, pairs, weights)
    counts = defaultdict(int)
    total = 0
    for _opening, index, points in chosen:
        total += points - weights.extra_activity * (people[index].taken + counts[index])
        counts[index] += 1
    assert -total == optimal_cost(expected)


def test_pools_score_as_score_does_with_more_skills_than_one_word_holds():
    rng = np.random.default_rng(7)
    skills = [f"skill{i}" for i in range(150)]  # three 64-bit words
    people = [Volunteer(id=i, town_id=1, community_id=int(rng.integers(3)),
                        skills=frozenset(rng.choice(skills, int(rng.integers(0, 6)), replace=False)),
                        tags=frozenset({"health"} if i % 2 else set()), linked_to=frozenset({i % 3}),
                        attendance_rate=float(rng.random()), recent_minutes=int(rng.integers(0, 2000)))
              for i in range(60)]
    table = matching._Table(people, Weights())
    pool = matching._Pool(table, table.everyone)
    opening = Opening(id=1, starts_at=FIRST_DAY, ends_at=FIRST_DAY + timedelta(hours=2), slots=3,
                      town_id=1, community_id=1, tags=frozenset({"health"}), social_worker_id=2,
                      required_skills=frozenset({"skill3", "skill70", "skill140", "unheard of"}))
    expected = [matching.score(volunteer, opening, Weights())[0] for volunteer in people]
    assert pool.scores(opening).tolist() == expected
    assert pool.scores(replace(opening, required_skills=frozenset())).tolist() \
        == [matching.score(volunteer, replace(opening, required_skills=frozenset()), Weights())[0]
            for volunteer in people]
