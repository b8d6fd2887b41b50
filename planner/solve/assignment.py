"""Guard groups for every TPS under the security pattern, solved with OR-Tools CP-SAT.

A guard group is a pair of officers (the pattern's officer count) posted at an
anchor TPS and covering the TPS of its group. Every TPS belongs to exactly one
group; a group holds at most the smallest ``max_tps`` among its TPS'
categories; every TPS of a group lies within the travel-time limit of the
anchor on the road network (by motorbike); a group never spans two kecamatan
(optionally two kelurahan).

The model is solved per kecamatan (Polsek area), in parallel, in stages
(CP-SAT large neighbourhood search, bounded by whole groups counted per region):
(1) most risk-weighted TPS covered, only when the officer budget binds;
(2) fewest officers; (3) least anchor-to-TPS travel plus group-size imbalance
with the earlier objectives fixed. Officers come from the kecamatan's Polsek;
shortfalls borrow from the Polresta and then neighbouring Polsek at a penalty
(a small transport model), and where even that is short the kecamatan is
re-solved under its officer budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.inputs.rules import RiskCategory
from planner.inputs.scenario import Scenario
from planner.progress import Report, no_report
from planner.roads.placement import RoadContext
from planner.solve._group_model import (
    KecamatanSolution,
    SolverSettings,
    StageStats,
    solve_kecamatan,
)
from planner.solve._groups import KecamatanProblem
from planner.solve._parallel import run_parallel
from planner.solve.personnel import Borrowing, allocate_officers


@dataclass(frozen=True)
class GuardGroup:
    """One guard group: its anchor TPS, its TPS and the officers guarding them."""

    group_id: str
    kecamatan: str
    anchor: str
    members: tuple[str, ...]
    officers: int
    linmas: int
    max_travel_s: float
    officers_from: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Uncovered:
    """A TPS left without a guard group, and why (Indonesian and English)."""

    tps_id: str
    kecamatan: str
    reason_id: str
    reason_en: str


@dataclass(frozen=True)
class AssignmentResult:
    """The static deployment: guard groups, what is uncovered, borrowings, statistics."""

    groups: tuple[GuardGroup, ...]
    uncovered: tuple[Uncovered, ...]
    borrowings: tuple[Borrowing, ...]
    stats: tuple[StageStats, ...]
    officers_lower_bound: int
    baseline_officers: int

    @property
    def officers(self) -> int:
        """Officers in all guard groups."""
        return sum(g.officers for g in self.groups)

    @property
    def officer_gap(self) -> float:
        """Proven relative gap between officers used and the solver's lower bound."""
        return (self.officers - self.officers_lower_bound) / max(self.officers, 1)

    def group_of(self) -> dict[str, str]:
        """TPS id -> group id."""
        return {tps: g.group_id for g in self.groups for tps in g.members}


def assign_guards(
    scenario: Scenario,
    roads: RoadContext,
    seed: int = 0,
    workers: int | None = None,
    report: Report = no_report,
) -> AssignmentResult:
    """Solve the guard-group assignment for a scenario placed on the road network.

    ``report`` receives progress lines: the travel-time matrix, each kecamatan's
    stages with their best objective and bound (also while CP-SAT searches).
    """
    rules = scenario.rules
    start = time.perf_counter()
    problems = kecamatan_problems(scenario, roads)
    largest = max((len(p.tps_ids) for p in problems), default=0)
    report(
        f"Waktu tempuh dihitung per kecamatan, terbesar {largest:,} x {largest:,} TPS "
        f"({time.perf_counter() - start:.1f} s)"
    )
    settings = SolverSettings(
        time_limit_s=rules.assignment.time_limit_s,
        relative_gap=rules.assignment.relative_gap,
        deterministic=rules.assignment.deterministic,
        seed=seed,
        balance_weight_s=rules.assignment.balance_weight_s,
        search_anchors=rules.assignment.search_anchors,
    )
    report(f"Menyusun kelompok jaga untuk {len(problems)} kecamatan (CP-SAT, HiGHS)")
    solutions = _solve_all(problems, settings, workers, report)
    demand = {p.kecamatan: _officers_used(p, s) for p, s in zip(problems, solutions, strict=True)}
    allocation = allocate_officers(scenario, demand)
    for index, problem in enumerate(problems):
        budget = allocation.budget[problem.kecamatan]
        if budget < demand[problem.kecamatan]:
            report(f"Personel {problem.kecamatan} kurang: dihitung ulang dengan {budget} personel")
            rationed = KecamatanProblem(**{**problem.__dict__, "officer_budget": budget})
            problems[index] = rationed
            solutions[index] = solve_kecamatan(rationed, settings, report)
    groups: list[GuardGroup] = []
    uncovered: list[Uncovered] = []
    linmas = {c: rules.pattern[c].linmas_per_tps for c in RiskCategory}
    risk = dict(zip(scenario.tps["tps_id"], scenario.tps["risk"], strict=True))
    for problem, solution in zip(problems, solutions, strict=True):
        groups.extend(
            _groups_of(problem, solution, allocation.sources[problem.kecamatan], linmas, risk)
        )
        short = allocation.shortfall.get(problem.kecamatan, 0)
        uncovered.extend(
            Uncovered(
                problem.tps_ids[i],
                problem.kecamatan,
                f"personel Polsek {problem.kecamatan} kurang {short} orang "
                "setelah meminjam dari Polresta dan Polsek tetangga",
                f"Polsek {problem.kecamatan} is short of {short} officers after borrowing "
                "from the Polresta and neighbouring Polsek",
            )
            for i in solution.uncovered
        )
    return AssignmentResult(
        groups=tuple(groups),
        uncovered=tuple(uncovered),
        borrowings=_borrowings_used(groups, allocation.borrowings),
        stats=tuple(s for sol in solutions for s in sol.stats),
        officers_lower_bound=sum(sol.officers_bound for sol in solutions),
        baseline_officers=by_hand_baseline(scenario),
    )


def kecamatan_problems(scenario: Scenario, roads: RoadContext) -> list[KecamatanProblem]:
    """Split the scenario into one assignment problem per kecamatan (sorted by name).

    Travel times are computed per kecamatan, as a group never spans two: memory grows
    with the square of the largest kecamatan, not of the city.
    """
    rules = scenario.rules
    tps = scenario.tps.reset_index(drop=True)
    risk = [RiskCategory(r) for r in tps["risk"]]
    capacity = np.array([rules.pattern[r].max_tps for r in risk])
    officers = np.array([rules.pattern[r].officers for r in risk])
    weight = np.array([rules.assignment.risk_weight[r] for r in risk])
    kelurahan = tps["kelurahan"].astype("category").cat.codes.to_numpy()
    problems = []
    for kecamatan, rows in tps.groupby("kecamatan", sort=True).indices.items():
        rows = np.sort(rows)
        travel_s = roads.router.matrix(roads.tps_points.subset(rows))
        travel_s /= rules.assignment.motorbike_speed_factor
        problems.append(
            KecamatanProblem(
                kecamatan=str(kecamatan),
                tps_ids=tuple(tps["tps_id"].iloc[rows]),
                kelurahan=kelurahan[rows],
                capacity=capacity[rows],
                officers=officers[rows],
                weight=weight[rows],
                travel_s=travel_s,
                max_travel_s=rules.assignment.max_travel_min * 60.0,
                same_kelurahan=rules.assignment.same_kelurahan,
            )
        )
    return problems


def _solve_all(
    problems: Sequence[KecamatanProblem],
    settings: SolverSettings,
    workers: int | None,
    report: Report,
) -> list[KecamatanSolution]:
    """Solve kecamatan in worker processes (largest first), results in input order."""
    order = sorted(range(len(problems)), key=lambda k: -len(problems[k].tps_ids))
    tasks = [(p, settings) for p in problems]
    return run_parallel(solve_kecamatan, tasks, workers, report, order)


def _officers_used(problem: KecamatanProblem, solution: KecamatanSolution) -> int:
    return sum(int(max(problem.officers[list(m)])) for _, m in solution.groups)


def _groups_of(
    problem: KecamatanProblem,
    solution: KecamatanSolution,
    sources: Mapping[str, int],
    linmas: Mapping[RiskCategory, int],
    risk: Mapping[str, str],
) -> list[GuardGroup]:
    """Named guard groups, officers drawn from the kecamatan's sources in order."""
    remaining = dict(sources)
    groups = []
    ordered = sorted(solution.groups, key=lambda g: problem.tps_ids[g[0]])
    for number, (anchor, members) in enumerate(ordered, start=1):
        officers = int(max(problem.officers[list(members)]))
        drawn: dict[str, int] = {}
        need = officers
        for post, left in remaining.items():
            take = min(need, left)
            if take:
                drawn[post] = take
                remaining[post] -= take
                need -= take
        ids = tuple(problem.tps_ids[i] for i in members)
        groups.append(
            GuardGroup(
                group_id=f"{problem.kecamatan.upper()}-K{number:03d}",
                kecamatan=problem.kecamatan,
                anchor=problem.tps_ids[anchor],
                members=ids,
                officers=officers,
                linmas=sum(linmas[RiskCategory(risk[t])] for t in ids),
                max_travel_s=float(max(problem.travel_s[anchor, i] for i in members)),
                officers_from=drawn,
            )
        )
    return groups


def _borrowings_used(
    groups: Sequence[GuardGroup], offered: Sequence[Borrowing]
) -> tuple[Borrowing, ...]:
    """The borrowings the groups really draw on (rationed plans may leave some idle)."""
    drawn: dict[tuple[str, str], int] = {}
    for group in groups:
        for post, count in group.officers_from.items():
            drawn[post, group.kecamatan] = drawn.get((post, group.kecamatan), 0) + count
    return tuple(
        Borrowing(b.from_post, b.to_kecamatan, drawn[b.from_post, b.to_kecamatan], b.penalty)
        for b in offered
        if drawn.get((b.from_post, b.to_kecamatan), 0) > 0
    )


def by_hand_baseline(scenario: Scenario) -> int:
    """Officers a planner uses by hand: per kelurahan, TPS in number order, chunked.

    Chunks fill in number order and close when the next TPS would exceed the
    smallest ``max_tps`` of the chunk's categories.
    """
    rules = scenario.rules
    officers = 0
    tps = scenario.tps.sort_values(["kecamatan", "kelurahan", "tps_number", "tps_id"])
    for _, rows in tps.groupby(["kecamatan", "kelurahan"], sort=True):
        size, limit, need = 0, math.inf, 0
        for category in rows["risk"]:
            pattern = rules.pattern[RiskCategory(category)]
            if size and size + 1 > min(limit, pattern.max_tps):
                officers += need
                size, limit, need = 0, math.inf, 0
            size += 1
            limit = min(limit, pattern.max_tps)
            need = max(need, pattern.officers)
        officers += need
    return officers
