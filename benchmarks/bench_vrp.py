"""Benchmark the routing core (planner.solve.vrp) on CVRPLIB and Solomon files against the BKS.

Run from the repository root (needs ``pip install vrplib``, and ``pyvrp`` for ``--pyvrp``)::

    python -m benchmarks.bench_vrp [INSTANCE ...] [--time-limit 60] [--seed 0 1 2] [--pyvrp]

Instances are read with ``vrplib``: ``.txt`` files as Solomon VRPTW, others as
VRPLIB CVRP; the best-known solution (BKS) is the ``.sol`` file beside each.
CVRP X instances use EUC_2D distances rounded to integers. Solomon instances use
the DIMACS convention of their ``.sol`` files: distance only (not vehicles
first), each arc truncated to one decimal, so everything is scaled by 10 and
truncated; travel time equals distance. The BKS routes are re-costed with the
same matrix to prove the conventions match. ``--pyvrp`` solves the same integer
instance with PyVRP for the same time, one after the other on one core.

CVRP fleet: the fewest trucks, from the capacity lower bound on routes up, that a
short deterministic probe (:data:`FLEET_PROBE_SOLUTIONS` solutions, 1-3 s, counted
in our time) serves every customer with; ``--spare-vehicles N`` instead fixes the
lower bound plus N. OR-Tools keeps about as many routes as it opens early on, and
a spare truck tends to become a needless route (X-n200 at 25,000 solutions: 36
trucks 1.7-1.9%, 37 trucks 2.4-2.9%, once 0.7% when it emptied the spare);
X-n101 (demand fills 99.9% of 25 trucks, its BKS has 26 routes) gets 26.

Tuning notes (OR-Tools 9.15, 2 shared cores, gaps over BKS): GUIDED_LOCAL_SEARCH
with any first solution, lambda 0.05-0.4, extra operators (relocate_neighbors,
cross_exchange, path/inactive LNS), multi-armed bandit operator choice or reset
penalties stayed at 4.3-6.4% on X-n101 at 30 s. The iterated local search of
``RoutingModel.SolveWithIteratedLocalSearch`` with SISR ruin (string removals,
10 visits), local cheapest insertion and a full local search after each repair
reached 1.4% on X-n101 at 30 s and 0.5% at 60 s, but 2.9% on X-n200. On X-n200
(37 trucks, 3,000 solutions unless said): annealing acceptance hotter than the
default 100 (automatic 2.6%, 1000 to 1: 2.4-2.6%, 3000 to 3: 3.2% at 60 s),
savings first (2.6%), bigger ruins (15 visits: 3.1%), fewer operator
neighbours (``ls_operator_neighbors_ratio`` 0.1: 7.6%, a tenth of the
solutions), dropping the path-LNS operators (35-45% less time per solution,
2.4-2.6%). Skipping the local search after each repair
(``improve_perturbed_solution: false``, the default ``ruin_and_recreate``),
as SISR itself does, makes each step 5-10 times cheaper (20,000-45,000 steps a
minute): annealing from 300 to 1 reached 2.2-2.9% with 37 trucks and 1.7-1.9%
with 36 at 25,000 steps; 100 or 200 to 1, random or far-first insertion order,
automatic temperatures and a close-routes ruin mixed in stayed at 1.7-2.9%.
Spare trucks were the rest of the gap, hence the probed fleet.

Kota Malang patrols against PyVRP (``benchmarks.bench_patrols``, 20 s each,
ours/PyVRP per Polsek Blimbing, Kedungkandang, Klojen, Lowokwaru, Sukun and
their median; one run each unless said, load 1-3.4 with another user): SISR
strings of up to 10 visits, 10 removed on average, median 1.020 and 1.029
(1.020/1.016, 1.054/1.042, 1.011/1.012, 1.042/1.047, 1.020/1.029). A repair
costs a fixed 4 ms there (233 steps/s on Blimbing, 623 without the time
dimension; about the same with 3 or 10 removed visits, 10 instead of 15
vehicles, no load dimension, no slack, a tighter horizon or no finalizers;
fewer with full propagation 202, parallel cheapest insertion 215, local
cheapest cost insertion 61), so a bigger ruin costs nothing per step. Strings
of up to 15, 15 removed (OR-Tools caps a string at the average route length, so
on X and Solomon only the number of strings grows): 1.003, 1.013, 1.008, 1.013,
1.015 (per Polsek, median of the 5 runs: 1.003, 1.026, 1.013, 1.045, 1.001),
with X-n200 1.08%, X-n101 0.36%, C101 0.00%, R101 0.90%, RC101 1.10% over BKS
at 60 s; with the time lookup of ``planner.solve.vrp._build`` 1.022, 1.023, 1.013,
1.020. Not adopted: in the planner's own deterministic runs (600 solutions of
the whole Pilkada voting-shift problem) it travelled 0.1-2.7% more on all five
Polsek (Sukun 16,561 s against 16,139, Kedungkandang 25,072 against 24,420),
and at 1,500 solutions still 0.0-3.8% more. Worse or no better: annealing from
a fraction of the first solution's mean arc (1.0 of it 1.028, 0.5 of it 1.021),
linear cooling from 300 (1.017, 1.026), from 150 (1.021) or 600 (1.024), linear
with a random-walk ruin mixed in (1.024), strings of up to 6 with 6 removed
(1.040), 10 of 15 (1.021), 10 of 20 (1.032), 12 of 12 (1.030, 1.030), 15 of 10
(1.013, 1.017), 20 of 20 (1.029); with 15 of 15: annealing from 150 (1.032) or
500 (1.011), linear cooling (1.017), a close-routes ruin mixed in (1.012), no
load dimension (1.009, 1.012); a 1 s greedy descent on the best plan (1.024); a
local search after each repair with relocate, exchange, cross, 2-opt and or-opt
only (1.022; with a tenth of the neighbours 1.135, 3 steps/s).

Seeds (``--seed 0 1 2`` here, ``--solver-seeds`` in ``bench_patrols``): OR-Tools
9.15's iterated local search draws from a generator with a fixed seed, so
``solve_vrp`` varies the order of the stops among OR-Tools' nodes instead (seed
0 keeps the given order). At a fixed 7,000 solutions (about 20 s) five orders
per Polsek spread widely (ours/PyVRP's 20 s cost): Blimbing 1.002-1.022,
Kedungkandang 1.009-1.035, Klojen 1.014-1.040, Lowokwaru 1.018-1.046, Sukun
1.002-1.027, mean 1.023; a single run says little about a setting. Lowokwaru
and Kedungkandang are packing problems: PyVRP's routes hold up to 37 visits,
and 37 visits of 10 minutes fill the six voting hours with no time left to
travel, so only co-located TPS fit such a route. PyVRP crosses infeasible plans
(time warp, penalised); OR-Tools' search never leaves feasible ones. Tried on
the same budget and orders, none better: the best of four runs of 1,750
solutions (expected mean 1.021 over eight orders); random insertion order in
the repair (mean 1.025 over three orders); soft visit windows (late service
allowed up to 15-30 minutes at 2-20 per second late, the best plan on time
kept) 1.05-1.08 on Kedungkandang and Lowokwaru, because local cheapest
insertion ranks positions by arc cost alone and so fills routes with lateness;
drop penalties with ``all_nodes_performed`` best-solution acceptance, which
changes nothing while a free vehicle can take any visit. Ruins of 15 visits
(strings of up to 15) over seeds: at 7,000 solutions mean 1.017 against 1.023
(25 runs each), annealing from 1,000 1.020, both together 1.018; but at the
planner's 600 solutions of the whole Pilkada voting-shift problems 0.5% more
travel (mean over five Polsek and three seeds, better in 5 of 15). Ruins of 15
for long searches only (time-limited, or over 3,000 solutions) gave in
``bench_patrols --solver-seeds 0 1 2`` a median of 1.013 against 1.014 over 15
runs, while X-n200 (1.72, 1.38, 2.53%) and RC101 (2.18, 2.82, 2.24%) came out
worse at 60 s: not adopted.

Route-pool recombination (``planner.solve._route_pool``, on by default in time-limited
solves; ``--no-recombine`` turns it off): the last 10% of the time goes to a
set-partitioning MIP over the routes of the solutions within 5% of the best.
At 60 s over seeds: RC101 median 0.99% (0.62-1.62%, 7 seeds; again 1.11%, 0.78-2.12%;
2.24% without),
R101 0.00% (0.10%), C101 0.00%, X-n101 0.00% (0.02%), X-n200 1.82% (1.43%:
nothing found by the MIP on CVRP, 10% less search), patrols ours/PyVRP median
1.015 (1.014). The pool costs 9% of the steps on X-n200 (706 against 774 a
second); pooling every solution cost 14% (X-n200 2.1-2.5%);
pooling within 1% of the best lost RC101's gain. Tried first for RC101 (60 s,
seeds 0-3): a fixed cost of 100 per vehicle (15 routes, 2.02-2.28%), parallel
cheapest insertion as first solution (2.18-2.49%) or as the repair (1.92-2.73%),
annealing from 1,000 (median 1.78% over 7 seeds; R101 0.91%, X-n200 1.02%,
patrols 1.0135) or from 3,000 (1.47%).

Adopted since: ruin and recreate draws each step's ruin at random from SISR
10/10 (strings of up to 10 visits, 10 removed on average) and SISR 15/20
(``ruin_composition_strategy: RUN_ONE_RANDOMLY``). Patrol files, ours alone
against PyVRP's 20 s costs at the same seeds, 30 runs each (seeds 0-5): median
1.0118 and mean 1.0132 against 1.0139 and 1.0164 with 10/10 alone; a third
ruin of 20/40 added: 1.0132, 1.0126. In the planner's deterministic runs (600
solutions, the ten Pilkada patrol problems of the 1,188-TPS demo at demo seeds
2024, 7 and 11) 0.8% less travel on average, less in 22 of 30. At 60 s: X-n200
2.06, 1.63, 0.89%; X-n101 0.00, 0.00, 0.58%; RC101 1.04, 1.82, 1.43%; R101 and
C101 0.00% (seeds 0-2); the iterated local search of logistics keeps 10/10.

Patrols without the load dimension the files' zero demands made (a capacity no
route can break is no longer modelled; 10-14% more steps): median ours/PyVRP
1.013 over 15 runs at 20 s; with it, at 60 s per solver, 1.014. PyVRP gains as
much from the longer budget, and on the tightly packed Lowokwaru (7 routes of
31-37 visits in both) the ratio stays at 1.022-1.033.

Adopted since: a final greedy descent of ruin and recreate's best plan with
OR-Tools' default operators (``planner.solve.vrp._polish``, at most 2% of a timed
solve, before the route-pool MIP), and annealing down to 10 instead of 1 (the
search explores to the end, the descent polishes). Ruin and recreate never runs
a local search, and its best plan is not a local optimum: from the same 17.6 s
plans (24 runs, paired) the descent saved 0-1.2% (mean 0.1%) in 0.05-0.4 s;
cross-exchange, relocate-neighbours, extended swap-active, path LNS or TSP-opt
operators added nothing, and 1 s of guided local search found more than the
descent in 2 of 24 runs. Patrols, median ours/PyVRP (mean) over 20 s runs
(``--solver-seeds 0 1 2`` with PyVRP beside, plus seeds 0-5 with
``--no-pyvrp`` against PyVRP's costs): descent and annealing to 10, 1.0098 over
the 15 side-by-side runs and 1.0096 (1.0097) over 75; descent and annealing to
1, 1.0108 (1.0117) over 75; to 30, 1.0155 (1.0128) over 30; no descent, to 1,
1.0118 (1.0132) over 30. At 60 s, descent and annealing to 10: X-n200 1.37,
1.21, 1.58%; X-n101 0.01, 0.00, 0.01%; RC101 0.39, 1.19, 0.99%; R101 and C101
0.00% (seeds 0-2); annealing to 1: X-n200 1.36, 1.70, 1.49%, RC101 0.64, 0.39,
0.99%. In the planner's deterministic runs (the 30 Pilkada patrol problems of
demo seeds 2024, 7 and 11) 1.2% less travel than without the descent, less in
20 of 30 (annealing to 1: also 1.2%, less in 27).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

from planner.solve.vrp import FIRST_SOLUTION, METAHEURISTIC, solve_vrp
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, VehicleType, VrpProblem, VrpSolution, fleet

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
DEFAULT_INSTANCES = [
    BENCH / "cvrp" / "X-n101-k25.vrp",
    BENCH / "cvrp" / "X-n200-k36.vrp",
    BENCH / "solomon" / "C101.txt",
    BENCH / "solomon" / "R101.txt",
    BENCH / "solomon" / "RC101.txt",
]
FLEET_PROBE_SOLUTIONS = 2000
"""Solutions of the deterministic probe that sizes a CVRP fleet (see the module docstring)."""


@dataclass(frozen=True)
class Instance:
    """One benchmark instance as a routing problem, with its scale and best-known cost."""

    name: str
    problem: VrpProblem
    scale: int
    bks: float
    bks_recomputed: float
    coords: np.ndarray


def load_instance(path: Path, spare_vehicles: int = 0) -> Instance:
    """Read a VRPLIB (CVRP) or Solomon (VRPTW) instance and its ``.sol`` into a VrpProblem."""
    solomon = path.suffix == ".txt"
    data = vrplib.read_instance(path, instance_format="solomon" if solomon else "vrplib")
    bks = vrplib.read_solution(path.with_suffix(".sol"))
    scale = 10 if solomon else 1
    exact = data["edge_weight"] * scale
    matrix = np.floor(exact + 1e-9) if solomon else np.rint(exact)
    matrix = matrix.astype(np.int64)
    demand = data["demand"].astype(int)
    depot = 0 if solomon else int(data["depot"][0])
    truck = VehicleType("truck")
    if solomon:
        windows = (data["time_window"] * scale).astype(int)
        service = (data["service_time"] * scale).astype(int)
        vehicles = fleet(
            truck,
            int(data["vehicles"]),
            depot,
            capacity=int(data["capacity"]),
            shift=(int(windows[depot][0]), int(windows[depot][1])),
        )
        stops = [
            Stop(
                i,
                windows=((int(windows[i][0]), int(windows[i][1])),),
                service=int(service[i]),
                demand=int(demand[i]),
                name=str(i),
            )
            for i in range(len(matrix))
            if i != depot
        ]
    else:
        count = math.ceil(demand.sum() / data["capacity"]) + spare_vehicles
        vehicles = fleet(truck, count, depot, capacity=int(data["capacity"]))
        stops = [
            Stop(i, demand=int(demand[i]), name=str(i)) for i in range(len(matrix)) if i != depot
        ]
    problem = VrpProblem(matrix, vehicles, tuple(stops))
    # .sol routes number clients 1..n with the depot as 0 (Solomon) or node 1 (VRPLIB, 1-based)
    recomputed = sum(
        int(matrix[a, b])
        for route in bks["routes"]
        for a, b in zip([depot, *route], [*route, depot], strict=True)
    )
    return Instance(
        path.stem,
        problem,
        scale,
        float(bks["cost"]),
        recomputed / scale,
        data["node_coord"],
    )


def probe_fleet(path: Path, seed: int, most_spare: int = 3) -> Instance:
    """The CVRP instance with the fewest trucks (lower bound up) a short probe serves fully."""
    for spare in range(most_spare + 1):
        instance = load_instance(path, spare)
        probe = solve_vrp(
            instance.problem, deterministic=True, solution_limit=FLEET_PROBE_SOLUTIONS, seed=seed
        )
        if probe.status == "feasible":
            break
    return instance


def add_search_arguments(parser: argparse.ArgumentParser) -> None:
    """Our solver's search settings on a benchmark's command line."""
    parser.add_argument("--first-solution", default=FIRST_SOLUTION)
    parser.add_argument("--metaheuristic", default=METAHEURISTIC)
    parser.add_argument(
        "--no-recombine", action="store_true", help="search all the time, no route-pool MIP"
    )


def describe_search(args: argparse.Namespace) -> str:
    """One line naming our search settings and budget."""
    pool = "" if args.no_recombine else " + route-pool recombination"
    return (
        f"ours: {args.first_solution} + {args.metaheuristic}{pool}; {args.time_limit:g} s per run"
    )


def solve_ours(
    problem: VrpProblem, args: argparse.Namespace, time_limit_s: float | None, seed: int
) -> tuple[VrpSolution, float]:
    """Our routing core with the command line's search settings, for ``time_limit_s``
    (default the command line's budget), and its wall time."""
    clock = time.perf_counter()
    solution = solve_vrp(
        problem,
        time_limit_s=time_limit_s or args.time_limit,
        seed=seed,
        first_solution=args.first_solution,
        metaheuristic=args.metaheuristic,
        recombine=not args.no_recombine,
    )
    return solution, time.perf_counter() - clock


def solve_with_pyvrp(instance: Instance, time_limit_s: float, seed: int) -> float:
    """PyVRP's cost on the same integer instance and fleet (distance objective)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    problem = instance.problem
    model = pyvrp.Model()
    locations = [model.add_location(float(x), float(y)) for x, y in instance.coords]
    vehicle = problem.vehicles[0]
    shift = vehicle.shift or (0, np.iinfo(np.int64).max)
    depot = model.add_depot(locations[vehicle.start])
    model.add_vehicle_type(
        len(problem.vehicles),
        capacity=vehicle.capacity or 0,
        start_depot=depot,
        end_depot=depot,
        tw_early=shift[0],
        tw_late=shift[1],
    )
    for stop in problem.stops:
        early, late = stop.windows[0] if stop.windows else (0, np.iinfo(np.int64).max)
        model.add_client(
            locations[stop.node],
            delivery=stop.demand,
            service_duration=stop.service,
            tw_early=early,
            tw_late=late,
        )
    for a, frm in enumerate(locations):
        for b, to in enumerate(locations):
            value = int(problem.travel_time[a, b])
            model.add_edge(frm, to, distance=value, duration=value)
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    if not result.is_feasible():
        return math.nan
    return result.cost() / instance.scale


def run_one(path: Path, seed: int, args: argparse.Namespace) -> tuple[str, float]:
    """Solve one instance with one seed, print its row; (instance name, gap %)."""
    clock = time.perf_counter()
    if path.suffix == ".txt" or args.spare_vehicles is not None:
        instance = load_instance(path, args.spare_vehicles or 0)
    else:
        instance = probe_fleet(path, seed)
    probe_s = time.perf_counter() - clock
    problem = instance.problem
    if not math.isclose(instance.bks, instance.bks_recomputed, abs_tol=0.05):
        print(
            f"warning: {instance.name} BKS {instance.bks} re-costs to "
            f"{instance.bks_recomputed} with this matrix",
            file=sys.stderr,
        )
    solution, wall = solve_ours(problem, args, args.time_limit - probe_s, seed)
    wall += probe_s
    ours = solution.cost / instance.scale
    valid = "yes" if not check_vrp_solution(problem, solution) else "NO"
    gap = 100 * (ours - instance.bks) / instance.bks
    row = f"{instance.name:<12} {seed:>4} {ours:>10.1f} {instance.bks:>10.1f} {gap:>7.2f}"
    used = sum(1 for r in solution.routes if r.visits)
    row += f" {wall:>7.1f} {f'{used}/{len(problem.vehicles)}':>7} {valid:>5}"
    if args.pyvrp:
        theirs = solve_with_pyvrp(instance, args.time_limit, seed)
        their_gap = 100 * (theirs - instance.bks) / instance.bks
        row += f" {theirs:>10.1f} {their_gap:>7.2f} {ours / theirs:>10.4f}"
    print(row, flush=True)
    return instance.name, gap


def main(argv: list[str] | None = None) -> int:
    """Solve each instance and print one table row per instance."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", type=Path, default=DEFAULT_INSTANCES)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per solver run")
    parser.add_argument(
        "--seed", type=int, nargs="+", default=[0], help="solver seeds, one run each"
    )
    add_search_arguments(parser)
    parser.add_argument(
        "--spare-vehicles", type=int, help="CVRP fleet: lower bound plus N (default: probed)"
    )
    parser.add_argument("--pyvrp", action="store_true", help="also solve with PyVRP")
    args = parser.parse_args(argv)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before: {load} ({os.cpu_count()} cores); one solver at a time")
    print(describe_search(args))
    header = f"{'instance':<12} {'seed':>4} {'ours':>10} {'BKS':>10} {'gap %':>7} {'time s':>7}"
    header += f" {'routes':>7} {'valid':>5}"
    print(header + (f" {'PyVRP':>10} {'gap %':>7} {'ours/PyVRP':>10}" if args.pyvrp else ""))
    gaps: dict[str, list[float]] = {}
    for path in args.instances:
        for seed in args.seed:
            name, gap = run_one(path, seed, args)
            gaps.setdefault(name, []).append(gap)
    if len(args.seed) > 1:
        for name, values in gaps.items():
            listed = ", ".join(f"{g:.2f}" for g in values)
            print(f"{name}: median gap {statistics.median(values):.2f}% over seeds ({listed})")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
