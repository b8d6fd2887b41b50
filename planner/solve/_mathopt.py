"""MathOpt models assembled from arrays (shared by the coverage and guard-group MIPs)."""

from __future__ import annotations

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt


def model_from_arrays(
    variables: tuple[np.ndarray, np.ndarray, np.ndarray],
    objective: np.ndarray,
    row_bounds: tuple[np.ndarray, np.ndarray],
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> mathopt.Model:
    """A MathOpt model from arrays: minimise ``objective @ v`` over ``v`` with
    ``variables`` (lower, upper, integer) and ``row_bounds`` on ``A @ v``, ``A``
    given as (row, column, value) entries.

    Assembled as a proto: ten times faster than adding rows one by one.
    """
    proto = model_pb2.ModelProto()
    lower, upper, integer = variables
    proto.variables.ids.extend(range(len(lower)))
    proto.variables.lower_bounds.extend(lower.tolist())
    proto.variables.upper_bounds.extend(upper.tolist())
    proto.variables.integers.extend(integer.tolist())
    used = np.flatnonzero(objective)
    proto.objective.linear_coefficients.ids.extend(used.tolist())
    proto.objective.linear_coefficients.values.extend(objective[used].tolist())
    proto.linear_constraints.ids.extend(range(len(row_bounds[0])))
    proto.linear_constraints.lower_bounds.extend(row_bounds[0].tolist())
    proto.linear_constraints.upper_bounds.extend(row_bounds[1].tolist())
    rows, columns, values = matrix
    order = np.lexsort((columns, rows))  # MathOpt wants row-major order
    proto.linear_constraint_matrix.row_ids.extend(rows[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(columns[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(values[order].tolist())
    return mathopt.Model.from_model_proto(proto)


def proved_infeasible(result: mathopt.SolveResult) -> bool:
    """Whether the solver proved the model has no feasible solution."""
    return result.termination.reason in (
        mathopt.TerminationReason.INFEASIBLE,
        mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
    )
