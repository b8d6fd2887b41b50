"""A lower bound on a kecamatan's officers: whole groups counted per region, TPS split freely.

The anchors are split into regions, clusters by travel time. In any plan each
region opens a whole number of groups of each category, each holding up to
its size limit; the relaxation keeps exactly that and lets a TPS be shared
fractionally among the region groups that reach it. Aggregated by which
region groups reach a TPS, it is a MIP of a few hundred variables that HiGHS
solves in well under a second. Where TPS clusters fill groups unevenly it is
stronger than counting capacity within reach components (Pilkada 2024: 310
officers against 304, the optimum).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from planner.solve._groups import KecamatanProblem
from planner.solve._mathopt import model_from_arrays

_MEDOID_ROUNDS = 3
_NODE_LIMIT = 10_000
_SAFETY_TIME_LIMIT_S = 60.0  # never reached on city-sized kecamatan; the node limit binds first


def travel_regions(problem: KecamatanProblem, count: int) -> np.ndarray:
    """Region label per TPS: ``count`` clusters by round-trip travel time.

    Centres by farthest-point traversal from TPS 0, then a few medoid updates.
    """
    n = len(problem.tps_ids)
    count = max(1, min(count, n))
    travel = np.nan_to_num(problem.travel_s, posinf=1e9)
    travel = travel + travel.T
    centres = [0]
    nearest = travel[0].copy()
    for _ in range(count - 1):
        centre = int(np.argmax(nearest))
        centres.append(centre)
        nearest = np.minimum(nearest, travel[centre])
    label = np.argmin(travel[centres], axis=0)
    for _ in range(_MEDOID_ROUNDS):
        centres = []
        for region in np.unique(label):
            inside = np.flatnonzero(label == region)
            centres.append(int(inside[np.argmin(travel[np.ix_(inside, inside)].sum(axis=1))]))
        label = np.argmin(travel[centres], axis=0)
    return label


def region_officer_bound(
    problem: KecamatanProblem, pairs: Sequence[tuple[int, int]], region: np.ndarray
) -> float:
    """A lower bound on the officers of any plan covering every TPS, for anchor regions
    ``region`` (a label per TPS). A group's officers count as its anchor's, its size
    limit is its anchor's; both are the anchor's category's."""
    pair_array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    anchor_class = np.stack([region, problem.capacity, problem.officers], axis=1)
    classes, class_of = np.unique(anchor_class, axis=0, return_inverse=True)
    class_of = class_of.ravel()
    reaches = np.unique(np.stack([pair_array[:, 0], class_of[pair_array[:, 1]]], axis=1), axis=0)
    signatures: dict[tuple[int, ...], int] = {}
    for tps in np.split(reaches[:, 1], np.flatnonzero(np.diff(reaches[:, 0])) + 1):
        key = tuple(tps.tolist())
        signatures[key] = signatures.get(key, 0) + 1
    n_classes = len(classes)
    flows = [(s, c) for s, key in enumerate(signatures) for c in key]
    n_variables = n_classes + len(flows)
    lower = np.zeros(n_variables)
    upper = np.full(n_variables, math.inf)
    upper[:n_classes] = np.bincount(class_of, minlength=n_classes)
    integer = np.arange(n_variables) < n_classes
    objective = np.zeros(n_variables)
    objective[:n_classes] = classes[:, 2]
    flow_column = n_classes + np.arange(len(flows))
    flow_signature = np.array([s for s, _ in flows], dtype=np.int64)
    flow_class = np.array([c for _, c in flows], dtype=np.int64)
    n_signatures = len(signatures)
    # each signature's TPS are all covered; a class's groups hold up to their size limit
    rows = np.r_[flow_signature, n_signatures + flow_class, n_signatures + np.arange(n_classes)]
    columns = np.r_[flow_column, flow_column, np.arange(n_classes)]
    values = np.r_[np.ones(2 * len(flows)), -classes[:, 1].astype(float)]
    counts = np.array(list(signatures.values()), dtype=float)
    row_lower = np.r_[counts, np.full(n_classes, -math.inf)]
    row_upper = np.r_[counts, np.zeros(n_classes)]
    model = model_from_arrays(
        (lower, upper, integer), objective, (row_lower, row_upper), (rows, columns, values)
    )
    params = mathopt.SolveParameters(
        time_limit=timedelta(seconds=_SAFETY_TIME_LIMIT_S),
        node_limit=_NODE_LIMIT,
        relative_gap_tolerance=0.0,
        absolute_gap_tolerance=0.0,
    )
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    dual = result.termination.objective_bounds.dual_bound
    return float(dual) if math.isfinite(dual) else 0.0


def officer_bound(problem: KecamatanProblem, pairs: Sequence[tuple[int, int]]) -> int:
    """The best of capacity counting and region bounds for clusters of about one and
    two groups' worth of TPS."""
    n = len(problem.tps_ids)
    best = float(problem.officer_bound(pairs))
    if n == 0:
        return 0
    per_group = float(np.median(problem.capacity))
    for size in (2 * per_group, per_group):
        regions = travel_regions(problem, math.ceil(n / size))
        best = max(best, region_officer_bound(problem, pairs, regions))
    return math.ceil(best - 1e-6)
