"""The officer-count MIP of one kecamatan's guard groups, probed below a known plan with HiGHS.

The formulation is the weak one: no ``x[i, j] <= y[j]`` links, which
integrality already implies through the capacity rows. Its LP is as strong on
these instances and many times faster, and HiGHS's cuts and branching do the
rest. Each probe adds ``officers <= cutoff`` below the best known plan: HiGHS
then finds a better plan, proves none exists (the known plan is optimal), or
stops at its limits with a dual bound.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import numpy as np
from ortools.math_opt.python import mathopt

from planner._groups import Groups, KecamatanProblem
from planner._mathopt import model_from_arrays, proved_infeasible


@dataclass(frozen=True)
class Probe:
    """What one probe proved: a better plan, that none exists, or only a bound."""

    outcome: Literal["improved", "none_better", "unknown"]
    groups: Groups | None
    officers_bound: float  # a lower bound on the officers of any plan


class OfficerMip:
    """Minimise officers: every TPS in one group, group size and officer rules."""

    def __init__(self, problem: KecamatanProblem, pairs: Sequence[tuple[int, int]]):
        self.problem = problem
        self.pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        n, n_pairs = len(problem.tps_ids), len(self.pairs)
        member, anchor = self.pairs[:, 0], self.pairs[:, 1]
        self.anchor_column = np.full(n, -1)
        own = member == anchor
        self.anchor_column[anchor[own]] = np.flatnonzero(own)
        needs = problem.officers[member] > problem.officers[anchor]
        extra_anchors = np.unique(anchor[needs])  # groups whose officers depend on members
        extra_column = {int(j): n_pairs + k for k, j in enumerate(extra_anchors)}
        n_variables = n_pairs + len(extra_anchors)
        objective = np.zeros(n_variables)
        plain = np.setdiff1d(np.arange(n), extra_anchors)
        objective[self.anchor_column[plain]] = problem.officers[plain]
        objective[n_pairs:] = 1.0
        blocks = _RowBlocks()
        pair_index = np.arange(n_pairs)
        ones = np.ones(n)
        blocks.add(member, pair_index, np.ones(n_pairs), ones, ones)  # one group per TPS
        size = np.where(own, 1.0 - problem.capacity[anchor], 1.0)  # size - capacity * y <= 0
        blocks.add(anchor, pair_index, size, np.full(n, -math.inf), np.zeros(n))
        for j, column in extra_column.items():  # o_j >= officers_i * x_ij for i in group j
            group = np.flatnonzero(anchor == j)
            count = len(group)
            blocks.add(
                np.r_[np.arange(count), np.arange(count)],
                np.r_[np.full(count, column), group],
                np.r_[np.ones(count), -problem.officers[member[group]]],
                np.zeros(count),
                np.full(count, math.inf),
            )
        used = np.flatnonzero(objective)
        cutoff_row = blocks.add(
            np.zeros(len(used), dtype=np.int64),
            used,
            objective[used],
            np.array([-math.inf]),
            np.array([math.inf]),
        )
        top = np.ones(n_variables)
        top[n_pairs:] = [problem.officers[member[anchor == j]].max() for j in extra_anchors]
        self.model = model_from_arrays(
            (np.zeros(n_variables), top, np.ones(n_variables, dtype=bool)),
            objective,
            *blocks.arrays(),
        )
        self.x = [self.model.get_variable(k) for k in range(n_pairs)]
        self.cutoff = self.model.get_linear_constraint(cutoff_row)

    def probe(self, cutoff: int, time_limit_s: float, node_limit: int, seed: int) -> Probe:
        """Look for a plan with at most ``cutoff`` officers within the limits."""
        self.cutoff.upper_bound = cutoff
        params = mathopt.SolveParameters(
            time_limit=timedelta(seconds=time_limit_s),
            node_limit=node_limit,
            random_seed=seed,
            relative_gap_tolerance=0.0,
            absolute_gap_tolerance=0.0,
        )
        result = mathopt.solve(self.model, mathopt.SolverType.HIGHS, params=params)
        if proved_infeasible(result):
            return Probe("none_better", None, cutoff + 1)
        dual = result.termination.objective_bounds.dual_bound
        bound = min(dual, cutoff + 1) if math.isfinite(dual) else 0.0
        if not result.has_primal_feasible_solution():
            return Probe("unknown", None, bound)
        chosen = np.asarray(result.variable_values(self.x)) > 0.5
        groups: dict[int, list[int]] = {}
        for i, j in self.pairs[chosen]:
            groups.setdefault(int(j), []).append(int(i))
        return Probe("improved", sorted((j, sorted(m)) for j, m in groups.items()), bound)


class _RowBlocks:
    """Constraint rows collected block by block as (row, column, value) entries."""

    def __init__(self) -> None:
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.n_rows = 0

    def add(
        self,
        row: np.ndarray,
        column: np.ndarray,
        value: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> int:
        """Add a block whose rows count from 0; returns the block's first row id."""
        first = self.n_rows
        self.entries.append((row + first, column, value.astype(float)))
        self.lower.append(lower)
        self.upper.append(upper)
        self.n_rows += len(lower)
        return first

    def arrays(
        self,
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Row bounds and matrix entries, as :func:`model_from_arrays` takes them."""
        rows, columns, values = zip(*self.entries, strict=True)
        return (
            (np.concatenate(self.lower), np.concatenate(self.upper)),
            (np.concatenate(rows), np.concatenate(columns), np.concatenate(values)),
        )
