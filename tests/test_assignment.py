"""Guard-group assignment: the CP-SAT model, bounds, borrowing, rationing, determinism."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model

from planner.inputs.rules import RiskCategory, load_rules
from planner.inputs.scenario import load_scenario
from planner.roads.placement import place_on_network
from planner.solve._groups import (
    KecamatanProblem,
    TravelObjective,
    allocate_to_anchors,
    greedy_groups,
)
from planner.solve._lp_bound import lp_relaxation_bound
from planner.solve._region_bound import officer_bound, region_officer_bound, travel_regions
from planner.solve._travel_bound import lagrangian_travel_bound
from planner.solve.assignment import assign_guards, by_hand_baseline, kecamatan_problems
from tests.city import city_report, grid_city, node_point, write_posts, write_tps


def solve_city(tmp_path: Path, tps_rows, post_rows, overrides=None, seed: int = 0):
    rules = load_rules(overrides or {})
    tps = write_tps(tmp_path / "tps.csv", tps_rows)
    posts = write_posts(tmp_path / "posts.csv", post_rows)
    scenario = load_scenario(tps, posts, rules)
    graph = grid_city(rules)
    roads = place_on_network(scenario, graph, city_report(graph))
    return scenario, roads, assign_guards(scenario, roads, seed=seed, workers=1)


def kec_rows(kecamatan: str, nodes: range, risks: dict[int, str] | None = None):
    risks = risks or {}
    return [
        (kecamatan, "Satu", n + 1, *node_point(node), risks.get(n, "kurang rawan"))
        for n, node in enumerate(nodes)
    ]


POSTS = [
    ("polresta", "polresta", "Klojen", *node_point(0), 10),
    ("polsek_a", "polsek", "Alpha", *node_point(7), 20),
    ("polsek_b", "polsek", "Beta", *node_point(28), 20),
]


def test_every_tps_in_one_group_within_every_rule(tmp_path: Path) -> None:
    risks = {0: "rawan", 3: "sangat rawan", 5: "khusus", 8: "rawan"}
    rows = kec_rows("Alpha", range(0, 18), risks) + kec_rows("Beta", range(18, 30))
    scenario, roads, result = solve_city(tmp_path, rows, POSTS)
    rules = scenario.rules
    risk = dict(zip(scenario.tps["tps_id"], scenario.tps["risk"], strict=True))
    kec = dict(zip(scenario.tps["tps_id"], scenario.tps["kecamatan"], strict=True))
    members = [t for g in result.groups for t in g.members]
    assert sorted(members) == sorted(scenario.tps["tps_id"])
    travel = roads.router.matrix(roads.tps_points) / rules.assignment.motorbike_speed_factor
    index = {t: i for i, t in enumerate(roads.tps_points.ids)}
    for group in result.groups:
        caps = [rules.pattern[RiskCategory(risk[t])].max_tps for t in group.members]
        assert len(group.members) <= min(caps)
        assert group.anchor in group.members
        assert rules.pattern[RiskCategory(risk[group.anchor])].max_tps == min(caps)
        assert {kec[t] for t in group.members} == {group.kecamatan}
        assert group.linmas == 2 * len(group.members)
        for t in group.members:
            assert travel[index[group.anchor], index[t]] <= rules.assignment.max_travel_min * 60
    singles = {g.members for g in result.groups if len(g.members) == 1}
    assert ("ALPHA-SATU-004",) in singles and ("ALPHA-SATU-006",) in singles
    assert result.officers == result.officers_lower_bound  # proven optimal here
    assert result.baseline_officers >= result.officers
    assert not result.uncovered and not result.borrowings


def test_travel_times_per_kecamatan_are_the_city_matrix_cut_to_it(tmp_path: Path) -> None:
    rows = kec_rows("Beta", range(0, 30, 3)) + kec_rows("Alpha", range(1, 36, 2))
    rules = load_rules()
    tps = write_tps(tmp_path / "tps.csv", rows)
    scenario = load_scenario(tps, write_posts(tmp_path / "posts.csv", POSTS), rules)
    graph = grid_city(rules)
    roads = place_on_network(scenario, graph, city_report(graph))
    city = roads.router.matrix(roads.tps_points) / rules.assignment.motorbike_speed_factor
    index = {t: i for i, t in enumerate(roads.tps_points.ids)}
    problems = kecamatan_problems(scenario, roads)
    assert [p.kecamatan for p in problems] == ["Alpha", "Beta"]
    for problem in problems:
        rows_of = [index[t] for t in problem.tps_ids]
        assert problem.travel_s.shape == (len(rows_of), len(rows_of))
        np.testing.assert_array_equal(problem.travel_s, city[np.ix_(rows_of, rows_of)])


def test_coverage_limit_splits_distant_tps(tmp_path: Path) -> None:
    rows = kec_rows("Alpha", range(0, 36, 5))  # spread over the whole grid
    _, _, loose = solve_city(tmp_path, rows, POSTS)
    _, _, tight = solve_city(tmp_path, rows, POSTS, {"assignment": {"max_travel_min": 0.4}})
    assert len(loose.groups) == 1
    assert len(tight.groups) > 1
    assert max(g.max_travel_s for g in tight.groups) <= 0.4 * 60


def test_same_kelurahan_switch(tmp_path: Path) -> None:
    rows = [
        (k, "Satu" if n % 2 else "Dua", n, lat, lon, r)
        for k, _, n, lat, lon, r in kec_rows("Alpha", range(0, 8))
    ]
    _, _, mixed = solve_city(tmp_path, rows, POSTS)
    scenario, _, split = solve_city(tmp_path, rows, POSTS, {"assignment": {"same_kelurahan": True}})
    kel = dict(zip(scenario.tps["tps_id"], scenario.tps["kelurahan"], strict=True))
    assert len(mixed.groups) == 1
    assert all(len({kel[t] for t in g.members}) == 1 for g in split.groups)
    assert len(split.groups) == 2


def test_short_polsek_borrows_from_polresta_then_rations(tmp_path: Path) -> None:
    rows = kec_rows("Alpha", range(0, 30), {1: "sangat rawan", 2: "sangat rawan"})
    posts = [POSTS[0], ("polsek_a", "polsek", "Alpha", *node_point(7), 2)]
    _, _, borrowed = solve_city(tmp_path, rows, posts)
    assert not borrowed.uncovered
    (loan,) = borrowed.borrowings
    assert loan.from_post == "polresta" and loan.to_kecamatan == "Alpha"
    assert loan.officers == borrowed.officers - 2
    assert sum(g.officers_from.get("polresta", 0) for g in borrowed.groups) == loan.officers

    starved = [("polresta", "polresta", "Klojen", *node_point(0), 0), posts[1]]
    _, _, rationed = solve_city(tmp_path, rows, starved)
    assert rationed.officers <= 2
    assert len(rationed.uncovered) == 30 - sum(len(g.members) for g in rationed.groups)
    assert all("kurang" in u.reason_id and "short" in u.reason_en for u in rationed.uncovered)


def test_same_seed_same_groups(tmp_path: Path) -> None:
    rows = kec_rows("Alpha", range(0, 24), {4: "rawan"}) + kec_rows("Beta", range(24, 36))
    first = solve_city(tmp_path, rows, POSTS, seed=3)[2]
    second = solve_city(tmp_path, rows, POSTS, seed=3)[2]
    assert first.groups == second.groups


def test_by_hand_baseline_chunks_in_number_order(tmp_path: Path) -> None:
    risks = {2: "rawan", 12: "sangat rawan"}
    rows = kec_rows("Alpha", range(0, 14), risks)
    scenario = load_scenario(
        write_tps(tmp_path / "t.csv", rows), write_posts(tmp_path / "p.csv", POSTS), load_rules()
    )
    # numbers 1-2 then rawan 3 closes the chunk at 2: [1,2] [3,4] [5..12] [13] [14]
    assert by_hand_baseline(scenario) == 2 * 5


def problem_of(travel: np.ndarray, capacity: list[int], limit: float = 100.0) -> KecamatanProblem:
    n = len(capacity)
    return KecamatanProblem(
        kecamatan="K",
        tps_ids=tuple(f"t{i}" for i in range(n)),
        kelurahan=np.zeros(n, int),
        capacity=np.array(capacity),
        officers=np.full(n, 2),
        weight=np.ones(n, int),
        travel_s=travel,
        max_travel_s=limit,
        same_kelurahan=False,
    )


def test_officer_bound_counts_components_and_categories() -> None:
    far = np.full((5, 5), 1000.0)
    far[:3, :3] = 10.0
    np.fill_diagonal(far, 0.0)
    problem = problem_of(far, [2, 10, 10, 10, 1])
    # component {0,1,2}: one rawan group of 2 + one group for the third; {3}; {4}
    assert problem.officer_bound(problem.allowed_pairs()) == 2 * 4
    assert 2 * len(greedy_groups(problem, problem.allowed_pairs())) == 8


def test_min_cost_flow_allocation_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    travel = rng.uniform(1, 50, size=(6, 6))
    np.fill_diagonal(travel, 0)
    problem = problem_of(travel, [3, 3, 10, 10, 10, 10])
    objective = TravelObjective(
        np.rint(10 * travel).astype(np.int64), target10=30, balance_weight=0
    )
    pairs = np.array(problem.allowed_pairs())
    cost, groups = allocate_to_anchors(problem, pairs, [0, 1], objective, np.ones(6, bool))
    import itertools

    best = min(
        sum(objective.travel10[a, i] for i, a in zip((2, 3, 4, 5), choice, strict=True))
        for choice in itertools.product((0, 1), repeat=4)
        if choice.count(0) <= 2 and choice.count(1) <= 2
    )
    assert cost == best == objective.of(groups)


def test_lp_relaxation_bound_of_a_small_model() -> None:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(3)]
    model.add(x[0] + x[1] >= 1)
    model.add(x[1] + x[2] >= 1)
    model.add(x[0] + x[2] >= 1)
    model.minimize(sum(x))
    assert lp_relaxation_bound(model, 10) == pytest.approx(1.5)
    model.maximize(2 * x[0] + x[1] + 3)
    assert lp_relaxation_bound(model, 10) == pytest.approx(6.0)


def _partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def test_region_bound_counts_whole_groups_where_capacity_counting_cannot() -> None:
    # clusters A (x = 0) and B (x = 100) of 11 TPS each, linked through m (40) and n (60)
    x = np.r_[np.zeros(11), np.full(11, 100.0), 40.0, 60.0] + np.arange(24) * 0.01
    travel = np.abs(x[:, None] - x[None, :])
    problem = problem_of(travel, [10] * 24, limit=45.0)
    pairs = problem.allowed_pairs()
    assert problem.officer_bound(pairs) == 2 * 3  # one component of 24 TPS
    regions = np.r_[np.zeros(11), np.ones(11), 0, 1].astype(int)
    # only anchors in A or at m reach A's 11 TPS: two groups; likewise for B
    assert region_officer_bound(problem, pairs, regions) == pytest.approx(2 * 4)
    assert officer_bound(problem, pairs) == 2 * 4 == 2 * len(greedy_groups(problem, pairs))


def test_region_bounds_lie_below_the_brute_force_optimum_with_mixed_officers() -> None:
    rng = np.random.default_rng(7)
    for _ in range(3):
        points = rng.uniform(0, 100, size=(7, 2))
        travel = np.linalg.norm(points[:, None] - points[None, :], axis=2)
        problem = KecamatanProblem(
            **{
                **problem_of(travel, [2, 3, 3, 10, 10, 10, 10], limit=60.0).__dict__,
                "officers": np.array([3, 2, 4, 2, 2, 2, 2]),
            }
        )
        pairs = problem.allowed_pairs()
        allowed = set(pairs)

        def cost(block: list[int], problem=problem, allowed=allowed) -> float:
            fits = [
                j
                for j in block
                if all((i, j) in allowed for i in block) and len(block) <= problem.capacity[j]
            ]
            return int(problem.officers[block].max()) if fits else np.inf

        best = min(sum(cost(b) for b in p) for p in _partitions(list(range(7))))
        assert np.isfinite(best)
        partitions = [np.zeros(7, int), np.arange(7), *(travel_regions(problem, k) for k in (2, 3))]
        for regions in partitions:
            assert region_officer_bound(problem, pairs, regions) <= best + 1e-6
        assert problem.officer_bound(pairs) <= officer_bound(problem, pairs) <= best


def test_lagrangian_travel_bound_is_below_the_brute_force_optimum() -> None:
    rng = np.random.default_rng(3)
    points = rng.uniform(0, 100, size=(8, 2))
    travel = np.linalg.norm(points[:, None] - points[None, :], axis=2)
    problem = problem_of(travel, [10, 10, 3, 10, 10, 3, 10, 10], limit=70.0)
    pairs = problem.allowed_pairs()
    allowed = set(pairs)
    objective = TravelObjective(np.rint(10 * travel).astype(np.int64), 30, 5)

    def block_cost(block: list[int]) -> float:
        costs = [
            objective.size_cost(len(block))
            + sum(int(objective.travel10[j, i]) for i in block if i != j)
            for j in block
            if all((i, j) in allowed for i in block) and len(block) <= problem.capacity[j]
        ]
        return min(costs, default=np.inf)

    for max_groups in (3, 4):
        optimum = min(
            sum(block_cost(b) for b in partition)
            for partition in _partitions(list(range(8)))
            if len(partition) <= max_groups
        )
        assert np.isfinite(optimum)
        bound = lagrangian_travel_bound(problem, pairs, objective, max_groups, upper=optimum)
        assert 0.7 * optimum <= bound <= optimum + 1e-6
