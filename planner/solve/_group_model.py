"""The CP-SAT model of one kecamatan's guard groups, solved in stages with proven bounds.

Stages: (1) most risk-weighted TPS covered, only when the officer budget
binds; (2) fewest officers; (3) least anchor-to-TPS travel plus group-size
imbalance with the earlier objectives fixed. Stages 1-2 are CP-SAT large
neighbourhood searches warm-started from a greedy plan. Stage 2 is bounded
by counting whole groups per region (:mod:`planner.solve._region_bound`), and
CP-SAT stops when it reaches that bound. Stage 1 is bounded by the LP
relaxation (HiGHS through SciPy). Stage 3 moves anchors by
local search with each anchor set allocated exactly by min-cost flow, bounded
by a Lagrangian relaxation (:mod:`planner.solve._travel_bound`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from planner.progress import Report, Throttle, no_report
from planner.solve import _cpsat
from planner.solve._groups import (
    Groups,
    KecamatanProblem,
    TravelObjective,
    greedy_groups,
    improve_anchors,
    nearest_anchor_pairs,
    ration_groups,
)
from planner.solve._lp_bound import lp_relaxation_bound
from planner.solve._region_bound import officer_bound
from planner.solve._travel_bound import lagrangian_travel_bound

_LNS_WORKERS = 4  # CP-SAT sub-solvers, interleaved in deterministic batches

STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}

STAGE_NAMES = {"coverage": "cakupan", "officers": "personel", "travel": "waktu tempuh"}
"""Stage names as progress lines show them."""


LP_ITERATIONS_PER_S = 2000
"""Simplex iterations the LP bounds get per second of time limit in deterministic mode
(about what HiGHS does per second on these models on the project's machines)."""


@dataclass(frozen=True)
class SolverSettings:
    """Search limits; deterministic mode limits search effort, not wall time."""

    time_limit_s: float
    relative_gap: float
    deterministic: bool
    seed: int
    balance_weight_s: float
    search_anchors: int

    def effort(self, n_tps: int) -> float:
        """Search effort for a kecamatan of ``n_tps`` TPS: the time limit per 100 TPS."""
        return self.time_limit_s * max(1.0, n_tps / 100)

    def lp_bound(self, model: cp_model.CpModel, n_tps: int) -> float | None:
        """The LP relaxation bound within the effort, in iterations when
        deterministic (so that the same inputs give the same bound on any machine)."""
        if self.deterministic:
            iterations = round(self.effort(n_tps) * LP_ITERATIONS_PER_S)
            return lp_relaxation_bound(model, None, iterations)
        return lp_relaxation_bound(model, self.effort(n_tps))


@dataclass(frozen=True)
class StageStats:
    """Solver statistics of one stage of one kecamatan."""

    kecamatan: str
    stage: str
    status: str
    objective: float
    best_bound: float
    gap: float
    wall_s: float
    variables: int


@dataclass(frozen=True)
class KecamatanSolution:
    """Groups of one kecamatan as (anchor index, member indices), uncovered indices, stats."""

    groups: tuple[tuple[int, tuple[int, ...]], ...]
    uncovered: tuple[int, ...]
    stats: tuple[StageStats, ...]
    officers_bound: int


def solve_kecamatan(
    problem: KecamatanProblem, settings: SolverSettings, report: Report = no_report
) -> KecamatanSolution:
    """Solve one kecamatan's assignment in stages, reporting each stage's best and bound."""
    model = GroupModel(problem, settings, report)
    report(
        f"{problem.kecamatan}: {len(problem.tps_ids)} TPS, {len(model.pairs):,} pasangan "
        f"TPS-pos jaga yang mungkin, {len(model.model.proto.variables):,} variabel",
        detail=True,
    )
    stats: list[StageStats] = []
    rationed = problem.officer_budget is not None
    if rationed:
        model.groups = ration_groups(problem, model.groups, problem.officer_budget)
        start = sum(int(problem.weight[m].sum()) for _, m in model.groups)
        stats.append(
            model.optimise("coverage", model.covered_weight(), maximise=True, start_value=start)
        )
        model.add(model.covered_weight() >= round(stats[-1].objective))
    step = int(np.gcd.reduce(problem.officers)) if len(problem.officers) else 1
    start = sum(int(problem.officers[m].max()) for _, m in model.groups)
    known_bound = None
    if not rationed:
        bound_start = time.perf_counter()
        known_bound = officer_bound(problem, model.pairs)
        report(
            f"{problem.kecamatan} [{STAGE_NAMES['officers']}]: batas bawah {known_bound} "
            f"personel ({time.perf_counter() - bound_start:.1f} s)",
            detail=True,
        )
    stats.append(
        model.optimise(
            "officers",
            model.officers(),
            known_bound=known_bound,
            step=step,
            start_value=start,
            use_lp=rationed,
        )
    )
    officers_bound = math.ceil(stats[-1].best_bound - 1e-6)
    model.add(model.officers() <= round(stats[-1].objective))
    stats.append(model.improve_travel())
    return KecamatanSolution(
        tuple((j, tuple(m)) for j, m in model.groups),
        model.uncovered(),
        tuple(stats),
        officers_bound,
    )


class GroupModel:
    """The CP-SAT model of one kecamatan and its current best groups.

    All constraints are linear so that the LP relaxation bounds the stages.
    """

    def __init__(
        self, problem: KecamatanProblem, settings: SolverSettings, report: Report = no_report
    ):
        self.problem = problem
        self.settings = settings
        self.report = report
        self.model = cp_model.CpModel()
        n = len(problem.tps_ids)
        self.pairs = problem.allowed_pairs()
        self.groups: Groups = greedy_groups(problem, self.pairs)
        # The search sees each TPS' nearest anchors only (and the greedy plan's); bounds
        # and the travel stage use every allowed pair. Rationing searches them all, as
        # its bounds come from this model.
        self.restricted = problem.officer_budget is None
        search_pairs = self.pairs
        if self.restricted:
            search_pairs = nearest_anchor_pairs(
                problem, self.pairs, settings.search_anchors, self.groups
            )
        self.x = {(i, j): self.model.new_bool_var(f"x{i}_{j}") for i, j in search_pairs}
        self.y = [self.x[j, j] for j in range(n)]  # an anchor is a member of its own group
        self.members: list[list[int]] = [[] for _ in range(n)]
        anchors: list[list[int]] = [[] for _ in range(n)]
        for i, j in search_pairs:
            self.members[j].append(i)
            anchors[i].append(j)
        rationed = problem.officer_budget is not None
        self.u = [self.model.new_bool_var(f"u{i}") if rationed else 0 for i in range(n)]
        for i in range(n):
            self.model.add(sum(self.x[i, j] for j in anchors[i]) + self.u[i] == 1)
        self.group_officers = []
        for j in range(n):
            for i in self.members[j]:
                if i != j:
                    self.model.add(self.x[i, j] <= self.y[j])
            size = sum(self.x[i, j] for i in self.members[j])
            self.model.add(size <= int(problem.capacity[j]) * self.y[j])
            self.group_officers.append(self._officers_of_group(j))
        if rationed:
            self.model.add(sum(self.group_officers) <= problem.officer_budget)

    def add(self, constraint: cp_model.BoundedLinearExpression) -> None:
        """Add a linear constraint (used to fix an earlier stage's objective)."""
        self.model.add(constraint)

    def _officers_of_group(self, j: int) -> cp_model.LinearExprT:
        """Officers of anchor j's group: the most any of its TPS' categories needs."""
        base = int(self.problem.officers[j])
        more = [i for i in self.members[j] if self.problem.officers[i] > base]
        if not more:
            return base * self.y[j]
        top = int(self.problem.officers[more].max())
        officers = self.model.new_int_var(0, top, f"o{j}")
        self.model.add(officers >= base * self.y[j])
        for i in more:
            self.model.add(officers >= int(self.problem.officers[i]) * self.x[i, j])
        return officers

    def officers(self) -> cp_model.LinearExprT:
        return sum(self.group_officers)

    def covered_weight(self) -> cp_model.LinearExprT:
        return sum(int(w) * (1 - u) for w, u in zip(self.problem.weight, self.u, strict=True))

    def uncovered(self) -> tuple[int, ...]:
        covered = {i for _, members in self.groups for i in members}
        return tuple(i for i in range(len(self.y)) if i not in covered)

    def optimise(
        self,
        stage: str,
        objective: cp_model.LinearExprT,
        maximise: bool = False,
        known_bound: float | None = None,
        step: int = 1,
        start_value: float | None = None,
        use_lp: bool = True,
    ) -> StageStats:
        """Solve with ``objective`` from the current groups; bound by CP-SAT and the LP.

        The proven bound (rounded to the objective's step) is added as a valid
        cut, so CP-SAT stops as soon as it reaches it. ``start_value`` is the
        objective of the current groups when they are feasible: if CP-SAT stops
        before matching it, the current groups stay.
        """
        if maximise:
            self.model.maximize(objective)
        else:
            self.model.minimize(objective)
        best = self._proven_bound(stage, maximise, known_bound, step, start_value, use_lp)
        if best is not None:
            self.model.add(objective <= best if maximise else objective >= best)
            if start_value is not None and start_value == best:
                return self._stats(stage, start_value, best, 0.0, "optimal")
        self.model.clear_hints()
        chosen = {(i, j) for j, members in self.groups for i in members}
        for pair, var in self.x.items():
            self.model.add_hint(var, pair in chosen)
        solver = cp_model.CpSolver()
        params = solver.parameters
        # Large neighbourhood search from the current groups; interleaved batches
        # make it deterministic for a given number of workers.
        params.num_workers = _LNS_WORKERS
        params.interleave_search = True
        params.use_lns_only = True
        params.random_seed = self.settings.seed
        params.relative_gap_limit = self.settings.relative_gap
        effort = self.settings.effort(len(self.y))
        if self.settings.deterministic:
            params.max_deterministic_time = effort
        else:
            params.max_time_in_seconds = effort
        callback = None
        if self.report is not no_report:
            callback = _BestSoFar(self.report, self.problem.kecamatan, stage, start_value)
            solver.best_bound_callback = callback.on_bound
        status = _cpsat.solve(solver, self.model, callback)
        solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if not solved and start_value is None:
            raise RuntimeError(
                f"CP-SAT found no {stage} solution for {self.problem.kecamatan}: "
                f"{STATUS_NAMES.get(status, status)}"
            )
        bound = math.inf if maximise else 0.0
        if solved and not self.restricted:  # a restricted search proves nothing
            bound = solver.best_objective_bound
        if best is not None:
            bound = min(bound, best) if maximise else max(bound, best)
        value = solver.objective_value if solved else start_value
        if start_value is not None and (
            not solved or (start_value > value if maximise else start_value < value)
        ):
            value = start_value  # CP-SAT stopped before beating its start: keep the start
            status = cp_model.FEASIBLE
        else:
            self.groups = [
                (j, sorted(i for i in self.members[j] if solver.boolean_value(self.x[i, j])))
                for j in range(len(self.y))
                if solver.boolean_value(self.y[j])
            ]
        return self._stats(stage, value, bound, solver.wall_time, STATUS_NAMES.get(status, ""))

    def _proven_bound(
        self,
        stage: str,
        maximise: bool,
        known_bound: float | None,
        step: int,
        start_value: float | None,
        use_lp: bool,
    ) -> float | None:
        """The best of the known bound and the LP relaxation, rounded to the step.

        The LP is skipped when the known bound already matches the start.
        """
        bounds = [] if known_bound is None else [known_bound]
        if use_lp and (not bounds or start_value != known_bound):
            lp = self._lp_bound(stage)
            bounds += [] if lp is None else [lp]
        if not bounds:
            return None
        if maximise:
            return math.floor(min(bounds) / step + 1e-9) * step
        return math.ceil(max(bounds) / step - 1e-9) * step

    def _lp_bound(self, stage: str) -> float | None:
        """The LP relaxation bound of the current objective, reported with its time."""
        start = time.perf_counter()
        bound = self.settings.lp_bound(self.model, len(self.y))
        found = "tidak selesai (not solved)" if bound is None else f"{bound:,.1f}"
        self.report(
            f"{self.problem.kecamatan} [{STAGE_NAMES.get(stage, stage)}]: batas relaksasi LP "
            f"{found} ({time.perf_counter() - start:.1f} s)",
            detail=bound is None,
        )
        return bound

    def improve_travel(self) -> StageStats:
        """Stage 3: anchor local search with min-cost-flow allocation.

        The gap is against a Lagrangian bound (every TPS covered) or, when
        personnel is rationed, the LP relaxation.
        """
        start = time.perf_counter()
        covered = sum(len(m) for _, m in self.groups)
        target10 = round(10 * covered / max(1, len(self.groups)))
        weight = round(self.settings.balance_weight_s)
        objective = TravelObjective(
            np.rint(10 * np.nan_to_num(self.problem.travel_s, posinf=0.0)).astype(np.int64),
            target10,
            weight,
        )
        cost, self.groups = improve_anchors(self.problem, self.pairs, self.groups, objective)
        if self.problem.officer_budget is None:
            officers = sum(int(self.problem.officers[m].max()) for _, m in self.groups)
            bound: float | None = lagrangian_travel_bound(
                self.problem,
                self.pairs,
                objective,
                max_groups=officers // int(self.problem.officers.min()),
                upper=cost,
            )
            self.report(
                f"{self.problem.kecamatan} [{STAGE_NAMES['travel']}]: batas relaksasi Lagrange "
                f"{bound:,.1f} ({time.perf_counter() - start:.1f} s)",
                detail=True,
            )
        else:  # some TPS may stay uncovered: the LP relaxation of the full model
            self.model.minimize(self._travel_expression(objective))
            bound = self._lp_bound("travel")
        return self._stats(
            "travel",
            float(cost),
            float(bound if bound is not None else 0.0),
            time.perf_counter() - start,
            "feasible",
        )

    def _travel_expression(self, objective: TravelObjective) -> cp_model.LinearExprT:
        """The CP-SAT form of :class:`TravelObjective`, for its LP bound."""
        travel = sum(int(objective.travel10[j, i]) * x for (i, j), x in self.x.items() if i != j)
        deviations = []
        for j in range(len(self.y)):
            size = sum(self.x[i, j] for i in self.members[j])
            deviation = self.model.new_int_var(0, 10 * len(self.y), f"d{j}")
            self.model.add(deviation >= 10 * size - objective.target10 * self.y[j])
            self.model.add(deviation >= objective.target10 * self.y[j] - 10 * size)
            deviations.append(deviation)
        return travel + objective.balance_weight * sum(deviations)

    def _stats(
        self, stage: str, value: float, bound: float, wall_s: float, status: str
    ) -> StageStats:
        gap = abs(value - bound) / max(abs(value), 1e-9)
        stats = StageStats(
            kecamatan=self.problem.kecamatan,
            stage=stage,
            status="optimal" if gap < 1e-9 else status,
            objective=value,
            best_bound=bound,
            gap=gap,
            wall_s=wall_s,
            variables=len(self.model.proto.variables),
        )
        self.report(
            f"{stats.kecamatan} [{STAGE_NAMES.get(stage, stage)}]: {value:,.0f} ({stats.status}), "
            f"batas {bound:,.0f}, selisih {gap:.1%}"
        )
        self.report(
            f"{stats.kecamatan} [{stage}]: status {stats.status}, objective {value:g}, "
            f"bound {bound:g}, gap {gap:.4f}, {wall_s:.2f} s, {stats.variables:,} variables",
            detail=True,
        )
        return stats


class _BestSoFar(cp_model.CpSolverSolutionCallback):
    """Reports CP-SAT's best objective and bound while it searches, at most every two seconds."""

    def __init__(
        self,
        report: Report,
        kecamatan: str,
        stage: str,
        best: float | None,
        every_s: float = 2.0,
    ):
        super().__init__()
        self.report = report
        self.label = f"{kecamatan} [{STAGE_NAMES.get(stage, stage)}]"
        self.throttle = Throttle(every_s)
        self.started = time.monotonic()
        self.best = best
        self.bound: float | None = None

    def on_solution_callback(self) -> None:
        self.best = self.objective_value
        self.bound = self.best_objective_bound
        self._say()

    def on_bound(self, bound: float) -> None:
        """CP-SAT's ``best_bound_callback``: a better proven bound."""
        self.bound = bound
        self._say()

    def _say(self) -> None:
        if self.throttle.due():
            best = "-" if self.best is None else f"{self.best:,.0f}"
            bound = "-" if self.bound is None else f"{self.bound:,.0f}"
            self.report(
                f"{self.label}: terbaik sejauh ini {best}, batas {bound} "
                f"({time.monotonic() - self.started:.0f} s)"
            )
