"""The LP relaxation bound of a linear CP-SAT model (HiGHS dual simplex through SciPy)."""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import csr_array

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _bounds(values: np.ndarray) -> np.ndarray:
    out = values.astype(float)
    out[values <= INT64_MIN] = -np.inf
    out[values >= INT64_MAX] = np.inf
    return out


def lp_relaxation_bound(
    model: cp_model.CpModel, time_limit_s: float | None, iteration_limit: int | None = None
) -> float | None:
    """Optimal value of the model's LP relaxation, in the model's objective sense.

    A valid bound on the CP-SAT optimum (lower for minimisation, upper for
    maximisation). Every constraint must be linear without enforcement
    literals and every domain one interval; otherwise ``None``, as when the
    LP is not solved within ``time_limit_s`` (wall clock) or ``iteration_limit``
    simplex iterations (the same on any machine). Negated literals are not
    supported (the model builders here never create them).
    """
    proto = model.proto
    domains = np.array([list(v.domain) for v in proto.variables], dtype=object)
    if any(len(d) != 2 for d in domains):
        return None
    var_bounds = _bounds(np.array([list(d) for d in domains], dtype=np.int64))
    rows, cols, coeffs, lower, upper = [], [], [], [], []
    for k, constraint in enumerate(proto.constraints):
        if not constraint.has_linear() or len(constraint.enforcement_literal):
            return None
        linear = constraint.linear
        refs = np.asarray(linear.vars, dtype=np.int64)
        if len(linear.domain) != 2 or (refs < 0).any():
            return None
        rows.append(np.full(len(refs), k))
        cols.append(refs)
        coeffs.append(np.asarray(linear.coeffs, dtype=float))
        lower.append(linear.domain[0])
        upper.append(linear.domain[1])
    objective = proto.objective
    refs = np.asarray(objective.vars, dtype=np.int64)
    if (refs < 0).any():
        return None
    cost = np.zeros(len(proto.variables))
    np.add.at(cost, refs, np.asarray(objective.coeffs, dtype=float))
    matrix = csr_array(
        (np.concatenate(coeffs), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(proto.constraints), len(proto.variables)),
    )
    lo, hi = _bounds(np.array(lower, dtype=np.int64)), _bounds(np.array(upper, dtype=np.int64))
    equal = lo == hi
    below, above = np.isfinite(hi) & ~equal, np.isfinite(lo) & ~equal
    result = linprog(
        cost,
        A_ub=_stack(matrix[below], -matrix[above]),
        b_ub=np.concatenate([hi[below], -lo[above]]),
        A_eq=matrix[equal] if equal.any() else None,
        b_eq=lo[equal] if equal.any() else None,
        bounds=np.column_stack([var_bounds[:, 0], var_bounds[:, 1]]),
        method="highs-ds",
        options={
            k: v
            for k, v in (("time_limit", time_limit_s), ("maxiter", iteration_limit))
            if v is not None
        },
    )
    if result.status != 0:
        return None
    scale = objective.scaling_factor or 1.0
    return scale * (result.fun + objective.offset)


def _stack(first: csr_array, second: csr_array) -> csr_array:
    from scipy.sparse import vstack

    return csr_array(vstack([first, second]))
