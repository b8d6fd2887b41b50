"""Benchmark planner.solve.coverage against spopt + CBC on the San Francisco coverage data.

Usage: ``python benchmarks/bench_coverage.py [--repeats 5] [--data DIR]`` with planner
installed (``pip install -e .``) or ``PYTHONPATH=.``. Needs
``pip install spopt pulp`` (benchmark only; not a dependency of planner). Each
case is built and solved ``--repeats`` times by both, alternating, and timed
whole (model building included). Exits 1 if any objective differs by more than
1e-6 relative.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from planner.solve.coverage import LSCP, MCLP, PCenter, PMedian

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "coverage_sf"
TOLERANCE = 1e-6
MCLP_RADIUS = 5000.0  # metres, for the MCLP-by-p rows
P_MCLP = 4  # facilities, for the MCLP-by-radius rows


def load_sf(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 205 tracts x 16 stores network distance matrix (metres) and tract populations.

    The distance file is long (one row per store-tract pair); pivoting it on the
    tract name, as spopt's own tests do, gives rows in tract order and columns in
    store-name order ("Store_1", "Store_10", ...).
    """
    long = pd.read_csv(
        folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
        dtype={"name": str, "DestinationName": str},
    )
    table = long.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(folder / "SF_demand_205_centroid_uniform_weight.csv", dtype={"NAME": str})
    weights = demand.set_index("NAME").loc[table.index, "POP2000"].to_numpy(float)
    return table.to_numpy(), weights


def cases(cost: np.ndarray, weights: np.ndarray):
    """(model, parameter, ours, spopt's) for every benchmark row; each call builds and solves."""
    import pulp
    from spopt import locate

    def cbc(model) -> float:
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        return float(pulp.value(model.problem.objective))

    for radius in (5000.0, 6000.0, 8000.0, 10000.0):
        yield (
            "LSCP",
            f"radius={radius:g}",
            lambda r=radius: LSCP.from_cost_matrix(cost, r).solve().objective,
            lambda r=radius: cbc(locate.LSCP.from_cost_matrix(cost, r)),
        )
    for radius in (2000.0, 3000.0, 5000.0):
        yield (
            "MCLP",
            f"radius={radius:g} p={P_MCLP}",
            lambda r=radius: MCLP.from_cost_matrix(cost, weights, r, P_MCLP).solve().objective,
            lambda r=radius: cbc(locate.MCLP.from_cost_matrix(cost, weights, r, P_MCLP)),
        )
    for p in (2, 6):
        yield (
            "MCLP",
            f"radius={MCLP_RADIUS:g} p={p}",
            lambda p=p: MCLP.from_cost_matrix(cost, weights, MCLP_RADIUS, p).solve().objective,
            lambda p=p: cbc(locate.MCLP.from_cost_matrix(cost, weights, MCLP_RADIUS, p)),
        )
    for p in (2, 4, 6):
        yield (
            "PMedian",
            f"p={p}",
            lambda p=p: PMedian.from_cost_matrix(cost, weights, p).solve().objective,
            lambda p=p: cbc(locate.PMedian.from_cost_matrix(cost, weights, p)),
        )
    for p in (2, 4, 6):
        yield (
            "PCenter",
            f"p={p}",
            lambda p=p: PCenter.from_cost_matrix(cost, p).solve().objective,
            lambda p=p: cbc(locate.PCenter.from_cost_matrix(cost, p)),
        )


def timed(run: Callable[[], float]) -> tuple[float, float]:
    """The objective ``run`` returns and the wall-clock seconds it took."""
    start = time.perf_counter()
    objective = run()
    return objective, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run every case, print the table, return 1 if any objective differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="solves per case and solver")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="coverage_sf folder")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    try:
        import pulp  # noqa: F401
        import spopt  # noqa: F401
    except ImportError as error:
        print(f"needs spopt and pulp (pip install spopt pulp): {error}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # pulp's, about PuLP 4.0
    cost, weights = load_sf(args.data)
    print(f"San Francisco: {cost.shape[0]} tracts x {cost.shape[1]} stores, {args.repeats} repeats")

    header = ("model", "parameter", "ours", "spopt+CBC", "equal", "ours s", "spopt s", "ratio")
    rows, differ = [], False
    for model, parameter, ours, theirs in cases(cost, weights):
        our_runs, their_runs = [], []
        for _ in range(args.repeats):  # alternate, so drift on a shared machine hits both
            our_runs.append(timed(ours))
            their_runs.append(timed(theirs))
        our_objective, their_objective = our_runs[0][0], their_runs[0][0]
        equal = all(
            abs(value - their_objective) <= TOLERANCE * max(abs(their_objective), 1.0)
            for value, _ in our_runs + their_runs
        )
        differ |= not equal
        our_time = statistics.median(t for _, t in our_runs)
        their_time = statistics.median(t for _, t in their_runs)
        rows.append(
            (
                model,
                parameter,
                f"{our_objective:.6f}",
                f"{their_objective:.6f}",
                "yes" if equal else "NO",
                f"{our_time:.3f}",
                f"{their_time:.3f}",
                f"{their_time / our_time:.1f}x",
            )
        )
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)  # progress

    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for line in (header, tuple("-" * w for w in widths), *rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |")
    print("ratio = spopt median time / our median time (above 1: ours is faster)")
    if differ:
        print(f"objectives differ beyond {TOLERANCE:g} relative", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
