"""Benchmark the routing core (planner.solve.vrp) against PyVRP on Kota Malang patrol files."""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import vrplib

from benchmarks.bench_vrp import (
    Instance,
    add_search_arguments,
    describe_search,
    solve_ours,
    solve_with_pyvrp,
)
from planner.inputs.scenario import Scenario
from planner.roads.placement import RoadContext
from planner.roads.snap import SnappedPoints
from planner.solve.patrols import post_problems
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, VehicleType, VrpProblem, fleet

NOTES = """\
Run from the repository root (needs `pip install vrplib pyvrp`):

  python -m benchmarks.bench_patrols [--tps 1188] [--time-limit 20] [--export-dir DIR]
  python -m benchmarks.bench_patrols --instance PATH [PATH ...] [--solver-seeds 0 1 2]

Without --instance, builds the Kota Malang demo scenario and exports, per Polsek
with vehicles, the single-visit time-window core of its patrol problem as a
VRPLIB VRPTW file: node 1 is the Polsek post, one client per TPS of its
kecamatan (repeat visits of rawan TPS left out), service 10 minutes, client
windows the voting hours, the depot window the shift, times in seconds after the
shift start (06:00), EXPLICIT FULL_MATRIX travel times in whole seconds from the
road router (rounded, speed factor 1: cars and motorbikes alike, so both solvers
see one vehicle type), VEHICLES the Polsek's cars plus motorbikes, CAPACITY and
zero DEMAND only for readers that need them. Every instance (exported or given)
is read back from its file and solved by both solvers, one after the other, for
the same time each; the cost is the total travel time of the routes (waiting is
free). Other instances: single depot, EXPLICIT or coordinate edge weights
(non-integers rounded), optional TIME_WINDOW, SERVICE_TIME, DEMAND, CAPACITY and
VEHICLES (default: one per client); a .sol beside a file gives its BKS.
"""

HEADER = (
    f"{'instance':<38} {'seed':>4} {'visits':>6} {'veh':>4} {'ours':>8} {'PyVRP':>8}"
    f" {'ours/PyVRP':>10} {'feasible':>8} {'routes':>6} {'time s':>6}"
)


def default_data_dir() -> Path:
    """``TPS_PLANNER_DATA_DIR`` or ``../shared/data/malang`` beside the repository."""
    env = os.environ.get("TPS_PLANNER_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared/data/malang"


def patrol_instance_data(
    scenario: Scenario, roads: RoadContext, tag: str
) -> list[tuple[str, dict[str, Any]]]:
    """(name, VRPLIB fields) of the single-visit core of each Polsek's patrol problem."""
    patrol = scenario.rules.patrol
    voting = patrol.shift("voting")
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    origin = voting.shift_s[0]
    shift = (0, voting.shift_s[1] - origin)
    visit = (voting.visit_s[0] - origin, voting.visit_s[1] - origin)
    out = []
    for post in post_problems(scenario, roads):  # the routing problems the planner solves
        travel = post.problem.travel_time  # node 0 the post, node k the k-th TPS, whole seconds
        if travel.max() >= 10**7:
            raise ValueError(f"{post.post_id}: a TPS cannot be reached from the post")
        n = len(travel)
        name = f"malang-{post.post_id}-{tag}"
        out.append(
            (
                name,
                {
                    "NAME": name,
                    "COMMENT": (
                        f"tps-planner patrol core of {post.post_id}: one visit per TPS, times in s"
                        " after the shift start, travel s at speed factor 1"
                    ),
                    "TYPE": "VRPTW",
                    "DIMENSION": n,
                    "VEHICLES": len(post.problem.vehicles),
                    "CAPACITY": n - 1,
                    "EDGE_WEIGHT_TYPE": "EXPLICIT",
                    "EDGE_WEIGHT_FORMAT": "FULL_MATRIX",
                    "NODE_COORD_SECTION": np.column_stack(
                        [points.lon[post.point_index], points.lat[post.point_index]]
                    ),
                    "EDGE_WEIGHT_SECTION": travel,
                    "DEMAND_SECTION": np.zeros(n, dtype=np.int64),
                    "SERVICE_TIME_SECTION": np.array(
                        [0] + [round(patrol.service_min * 60)] * (n - 1)
                    ),
                    "TIME_WINDOW_SECTION": np.array([shift] + [visit] * (n - 1)),
                    "DEPOT_SECTION": np.array([1, -1]),
                },
            )
        )
    return out


def export_patrol_instances(
    scenario: Scenario, roads: RoadContext, folder: Path, tag: str
) -> list[Path]:
    """Write each Polsek's single-visit core as ``folder/malang-<post>-<tag>.vrp``, read back."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in patrol_instance_data(scenario, roads, tag):
        path = folder / f"{name}.vrp"
        vrplib.write_instance(path, data)
        problem = load_vrptw(path).problem
        windows = [data["TIME_WINDOW_SECTION"][s.node].tolist() for s in problem.stops]
        if (
            not np.array_equal(problem.travel_time, data["EDGE_WEIGHT_SECTION"])
            or [list(s.windows[0]) for s in problem.stops] != windows
            or [s.service for s in problem.stops] != data["SERVICE_TIME_SECTION"][1:].tolist()
            or len(problem.vehicles) != data["VEHICLES"]
            or problem.vehicles[0].shift != tuple(data["TIME_WINDOW_SECTION"][0])
        ):
            raise RuntimeError(f"{path} does not read back as written")
        paths.append(path)
    return paths


def _whole(values: Any) -> np.ndarray:
    """Values as int64, rounding any that are not whole."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(np.int64)
    return np.rint(array).astype(np.int64)


def load_vrptw(path: Path) -> Instance:
    """A single-depot VRPLIB instance (CVRP or VRPTW) as a routing problem, BKS from a .sol."""
    data = vrplib.read_instance(path)
    matrix = _whole(data["edge_weight"])
    n = len(matrix)
    depots = np.atleast_1d(data.get("depot", np.array([0])))
    if len(depots) != 1:
        raise ValueError(f"{path}: {len(depots)} depots; only single-depot instances are supported")
    depot = int(depots[0])
    windows = _whole(data["time_window"]) if "time_window" in data else None
    service = _whole(np.broadcast_to(data.get("service_time", 0), n))
    demand = _whole(data.get("demand", np.zeros(n)))
    capacity = int(data["capacity"]) if "capacity" in data else None
    stops = tuple(
        Stop(
            i,
            windows=() if windows is None else ((int(windows[i][0]), int(windows[i][1])),),
            service=int(service[i]),
            demand=int(demand[i]),
            name=str(i),
        )
        for i in range(n)
        if i != depot
    )
    shift = None if windows is None else (int(windows[depot][0]), int(windows[depot][1]))
    count = int(data.get("vehicles", len(stops)))
    vehicles = fleet(VehicleType("vehicle"), count, depot, shift=shift, capacity=capacity)
    sol = path.with_suffix(".sol")
    bks = float(vrplib.read_solution(sol)["cost"]) if sol.is_file() else math.nan
    coords = data.get("node_coord", np.zeros((n, 2)))
    return Instance(path.stem, VrpProblem(matrix, vehicles, stops), 1, bks, math.nan, coords)


def measure(
    instance: Instance, seed: int, args: argparse.Namespace
) -> tuple[float, float, bool, bool, str]:
    """(ours, PyVRP, ours feasible, PyVRP feasible, table row) for one instance and seed."""
    problem = instance.problem
    solution, wall = solve_ours(problem, args, None, seed)
    ours_ok = solution.status == "feasible" and not check_vrp_solution(problem, solution)
    ours = float(solution.cost) if ours_ok else math.nan
    theirs = math.nan if args.no_pyvrp else solve_with_pyvrp(instance, args.time_limit, seed)
    theirs_ok = not math.isnan(theirs)
    used = sum(1 for r in solution.routes if r.visits)
    feasible = f"{'y' if ours_ok else 'N'}/{'y' if theirs_ok else 'N'}"
    row = (
        f"{instance.name:<38} {seed:>4} {len(problem.stops):>6} {len(problem.vehicles):>4}"
        f" {ours:>8.0f} {theirs:>8.0f} {ours / theirs:>10.4f} {feasible:>8} {used:>6} {wall:>6.1f}"
    )
    if not math.isnan(instance.bks):
        row += f"  BKS {instance.bks:.0f}, ours {100 * (ours / instance.bks - 1):+.2f}%"
    return ours, theirs, ours_ok, theirs_ok, row


def demo_instances(args: argparse.Namespace) -> list[Path]:
    """Build the demo scenario and export its Polsek instances; the written paths."""
    from planner.demo.run import demo_rules, run_demo

    seed = args.seed if args.seed is not None else int(demo_rules()[2]["demo"]["seed"])
    with tempfile.TemporaryDirectory() as out:
        demo = run_demo(out, data_dir=args.data_dir, tps=args.tps, seed=seed, plan=False)
    tag = f"t{len(demo.scenario.tps)}-s{seed}"
    folder = args.export_dir or Path(tempfile.mkdtemp(prefix="patrol-vrplib-"))
    paths = export_patrol_instances(demo.scenario, demo.roads, folder, tag)
    print(f"{len(paths)} instances written to {folder}", flush=True)
    if args.polsek:
        paths = [p for p in paths if any(f"-{post}-" in p.name for post in args.polsek)]
    return paths


def main(argv: list[str] | None = None) -> int:
    """Solve each instance with both solvers and print one row per instance and the median."""
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=NOTES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instance", nargs="+", type=Path, help="VRPLIB files instead of Malang")
    parser.add_argument("--tps", type=int, default=None, help="demo TPS count (default: all)")
    parser.add_argument("--seed", type=int, default=None, help="demo seed")
    parser.add_argument(
        "--solver-seeds", type=int, nargs="+", default=[0], help="one run of each solver per seed"
    )
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--export-dir", type=Path, help="where the VRPLIB files go (default: tmp)")
    parser.add_argument("--polsek", nargs="+", help="only these Polsek (post ids)")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per solver run")
    add_search_arguments(parser)
    parser.add_argument("--no-pyvrp", action="store_true", help="only our solver")
    args = parser.parse_args(argv)
    paths = args.instance or demo_instances(args)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before: {load} ({os.cpu_count()} cores); one solver at a time")
    print(describe_search(args))
    print(HEADER, flush=True)
    ratios: dict[str, list[float]] = {}
    all_feasible = True
    for path in paths:
        instance = load_vrptw(path)
        for seed in args.solver_seeds:
            ours, theirs, ours_ok, theirs_ok, row = measure(instance, seed, args)
            print(row, flush=True)
            all_feasible &= ours_ok and (theirs_ok or args.no_pyvrp)
            if ours_ok and theirs_ok:
                ratios.setdefault(instance.name, []).append(ours / theirs)
    if ratios:
        for name, values in ratios.items():
            listed = ", ".join(f"{r:.4f}" for r in values)
            print(f"{name}: median ours/PyVRP {statistics.median(values):.4f} ({listed})")
        every = [r for values in ratios.values() for r in values]
        median = statistics.median(every)
        verdict = "meets" if median <= 1.01 else "misses"
        print(f"median ours/PyVRP {median:.4f} over {len(every)} runs ({verdict} <= 1.01)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load}")
    return 0 if all_feasible else 1


if __name__ == "__main__":
    sys.exit(main())
