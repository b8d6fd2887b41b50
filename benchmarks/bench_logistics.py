"""Benchmark the logistics escort routing on the Kota Malang demo against joint models.

Run from the repository root (``pyvrp`` for the PyVRP column)::

    python -m benchmarks.bench_logistics [--tps N] [--time-limit 10] [--legs pps_tps ...]
    python -m benchmarks.bench_logistics --plan-only --repeat 3 [--trucks 8 10]

Plans the demo's logistics once with the planner (two stages: truckloads per
hub, then escort duties per area; deterministic), then, per leg and escort
area, builds the same goods, windows, ready times (from the plan's own upstream
deliveries), trucks, escorts and objective as one joint pickup-and-delivery
problem (a truck may mix hubs in one load) and solves it for ``--time-limit``
seconds with OR-Tools on the planner's core (``VrpProblem.pairs``) and with
PyVRP (shipments), one after the other. Every cost is the planner's objective,
recomputed the same way: per route its duration post to post (driving, handling,
waiting) plus its driving seconds plus ``escort_fixed_min`` for calling out the
escort unit (plus one second per window index); escort hours are route
durations times the officers per unit. The joint models get the leg's
windows as one span [first start, last end] per stop in PyVRP (a vehicle's
shift keeps it inside one window) and exactly in OR-Tools. A ratio below 1
means the planner beats the joint model run for that long.

``--plan-only`` skips the joint models; ``--repeat K`` plans K times and
reports the median time; ``--trucks CITY LOCAL`` replaces the fleets sized by
the solver (``"auto"``) with fixed numbers of trucks and escort units.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from benchmarks.bench_patrols import default_data_dir
from planner.demo.run import demo_rules, run_demo
from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS
from planner.inputs.scenario import Scenario
from planner.plan.logistics import fleet_used
from planner.roads.sources import load_boundaries
from planner.solve._trips import Places
from planner.solve.logistics import (
    LogisticsPlan,
    area_of,
    escort_slots,
    fixed_cost,
    fleet_of,
    plan_logistics,
    site_points,
)
from planner.solve.logistics_sites import logistics_sites
from planner.solve.vrp import depart_just_in_time, solve_vrp
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, Vehicle, VrpProblem

HEADER = (
    f"{'leg/area':<26} {'goods':>5} {'trips':>5} {'veh':>4} {'ours':>7} {'esc-h':>6} {'used':>4}"
    f" {'s':>5} {'joint':>7} {'esc-h':>6} {'ratio':>6} {'PyVRP':>7} {'esc-h':>6} {'ratio':>6}"
)


@dataclass(frozen=True)
class Joint:
    """One leg and area as a joint pickup-and-delivery problem on matrix nodes."""

    key: str
    problem: VrpProblem
    posts: int
    officers: int


def joint_problem(
    scenario: Scenario, places: Places, plan: LogisticsPlan, leg: str, area: str
) -> Joint:
    """The leg's goods in ``area`` as pairs, with the plan's ready times and fleet."""
    logistics = scenario.rules.logistics
    fleet = fleet_of(scenario.rules, leg)
    items = [c for c in plan.consignments if c.leg == leg and area_of(c) == area]
    before = {b: a for flow in FLOWS for a, b in itertools.pairwise(flow)}
    arrived = {
        (route.leg, stop.place, tps): stop.departure_s
        for route in plan.routes
        for stop in route.stops
        if stop.action == "unload"
        for tps in stop.tps
    }
    post_ids, slots = escort_slots(scenario, leg, area, len(items))
    origin_kind, destination_kind = LEG_ENDS[leg]
    points = [places.of("post", p) for p in post_ids]
    for item in items:
        for kind, place in ((origin_kind, item.origin), (destination_kind, item.destination)):
            if places.of(kind, place) not in points:
                points.append(places.of(kind, place))
    node = {p: n for n, p in enumerate(points)}
    windows = logistics.legs[leg]
    zero = windows[0][0]
    stops, pairs = [], []
    for item in items:
        ready = (
            max(arrived[before[leg], item.origin, t] for t in item.tps) if leg in before else None
        )
        pickup = [(a if ready is None else max(a, ready), b) for a, b in windows]
        service = round(60 * (logistics.handling_min + logistics.handling_min_per_unit * item.load))
        for kind, place, allowed, demand in (
            (origin_kind, item.origin, [w for w in pickup if w[0] <= w[1]], item.load),
            (destination_kind, item.destination, windows, -item.load),
        ):
            stops.append(
                Stop(
                    node[places.of(kind, place)],
                    windows=tuple((a - zero, b - zero) for a, b in allowed),
                    service=service,
                    demand=demand,
                )
            )
        pairs.append((len(stops) - 2, len(stops) - 1))
    vehicles = [
        Vehicle(
            post_ids.index(post),
            post_ids.index(post),
            shift=(a - zero, b - zero),
            max_duration=round(logistics.escort_max_hours * 3600),
            capacity=fleet.truck_capacity,
            fixed_cost=fixed_cost(scenario.rules, leg, w, k),
            span_cost=1,
        )
        for w, (a, b) in enumerate(windows)
        for k, post in enumerate(slots)
    ]
    problem = VrpProblem(places.times(points), tuple(vehicles), tuple(stops), pairs=tuple(pairs))
    return Joint(f"{leg}/{area}", problem, len(post_ids), logistics.escort_officers)


def ours(scenario: Scenario, places: Places, plan: LogisticsPlan) -> dict[str, tuple]:
    """Per leg/area: (objective recomputed, escort hours, routes) of the planner's routes."""
    logistics = scenario.rules.logistics
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for route in plan.routes:
        path = [places.of("post", route.post_id)]
        kinds = LEG_ENDS[route.leg]
        for stop in route.stops:
            path.append(places.of(kinds[0] if stop.action == "load" else kinds[1], stop.place))
        path.append(path[0])
        times = places.times(list(dict.fromkeys(path)))
        index = {p: n for n, p in enumerate(dict.fromkeys(path))}
        travel = sum(int(times[index[a], index[b]]) for a, b in itertools.pairwise(path))
        figures = out[f"{route.leg}/{route.area}"]
        duration = route.end_s - route.start_s
        figures[0] += travel + duration + round(logistics.escort_fixed_min * 60) + route.window
        figures[1] += route.escort_hours
        figures[2] += 1
    return {k: tuple(v) for k, v in out.items()}


def solve_joint(joint: Joint, time_limit_s: float, seed: int) -> tuple[float, float]:
    """(objective, escort hours) of the joint model by OR-Tools, nan when it misses goods."""
    solution = solve_vrp(joint.problem, time_limit_s=time_limit_s, seed=seed)
    solution = depart_just_in_time(joint.problem, solution)
    if solution.status != "feasible" or check_vrp_solution(joint.problem, solution):
        return math.nan, math.nan
    hours = sum(r.end_time - r.start_time for r in solution.routes if r.visits) / 3600
    return float(solution.cost), hours * joint.officers


def solve_pyvrp(joint: Joint, time_limit_s: float, seed: int) -> tuple[float, float]:
    """(objective, escort hours) of the joint model by PyVRP (shipments), nan if infeasible."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    problem = joint.problem
    model = pyvrp.Model()
    locations = [model.add_location(0.0, 0.0) for _ in range(len(problem.travel_time))]
    depots = [model.add_depot(locations[n]) for n in range(joint.posts)]
    by_type: dict[tuple, int] = defaultdict(int)
    for vehicle in problem.vehicles:
        by_type[vehicle.start, vehicle.shift, vehicle.fixed_cost] += 1
    for (start, shift, fixed), count in by_type.items():
        model.add_vehicle_type(
            count,
            capacity=problem.vehicles[0].capacity or 0,
            start_depot=depots[start],
            end_depot=depots[start],
            fixed_cost=fixed,
            tw_early=shift[0],
            tw_late=shift[1],
            shift_duration=problem.vehicles[0].max_duration or np.iinfo(np.int64).max,
            unit_duration_cost=1,
        )
    for pickup, delivery in problem.pairs:
        first, second = problem.stops[pickup], problem.stops[delivery]
        model.add_shipment(
            locations[first.node],
            locations[second.node],
            pickup_tw_early=first.windows[0][0],
            pickup_tw_late=first.windows[-1][1],
            pickup_service_duration=first.service,
            delivery_tw_early=second.windows[0][0],
            delivery_tw_late=second.windows[-1][1],
            delivery_service_duration=second.service,
            amount=first.demand,
        )
    for a, frm in enumerate(locations):
        for b, to in enumerate(locations):
            value = int(problem.travel_time[a, b])
            model.add_edge(frm, to, distance=value, duration=value)
    result = model.solve(MaxRuntime(time_limit_s), seed=seed, display=False)
    best = result.best
    if not result.is_feasible() or best.num_missing_shipments():
        return math.nan, math.nan
    hours = sum(route.duration() for route in best.routes()) / 3600
    return float(result.cost()), hours * joint.officers


def fixed_fleets(scenario: Scenario, city: int, local: int) -> Scenario:
    """The scenario with ``city`` and ``local`` trucks and escort units per post."""
    logistics = scenario.rules.logistics
    fleets = {
        name: replace(getattr(logistics, name), trucks=size, escort_units=size)
        for name, size in (("city", city), ("local", local))
    }
    rules = replace(scenario.rules, logistics=replace(logistics, **fleets))
    return replace(scenario, rules=rules)


def main(argv: list[str] | None = None) -> int:
    """Plan, then solve each leg/area jointly; one row each and the medians."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tps", type=int, default=None, help="demo TPS count (default: all)")
    parser.add_argument("--election", default=None, help="pilkada2024 (default) or pemilu2024")
    parser.add_argument("--seed", type=int, default=None, help="demo seed; also the solvers'")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per joint run")
    parser.add_argument("--legs", nargs="+", choices=LEGS, help="only these legs")
    parser.add_argument("--no-pyvrp", action="store_true", help="skip the PyVRP column")
    parser.add_argument("--workers", type=int, default=1, help="planner worker processes")
    parser.add_argument("--plan-only", action="store_true", help="skip the joint models")
    parser.add_argument("--repeat", type=int, default=1, help="plan this often (median time)")
    parser.add_argument(
        "--trucks", type=int, nargs=2, metavar=("CITY", "LOCAL"), help="fixed fleets, not auto"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(demo_rules(args.election)[2]["demo"]["seed"])
    with tempfile.TemporaryDirectory() as out:
        demo = run_demo(
            out, data_dir=args.data_dir, tps=args.tps, seed=seed, election=args.election, plan=False
        )
    scenario, roads = demo.scenario, demo.roads
    if args.trucks:
        scenario = fixed_fleets(scenario, *args.trucks)
    sites = logistics_sites(scenario, roads.graph, load_boundaries(args.data_dir))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{len(scenario.tps)} TPS, seed {seed}; load average {load} ({os.cpu_count()} cores)")
    walls = []
    for _ in range(args.repeat):
        clock = time.perf_counter()
        plan = plan_logistics(scenario, roads, sites, seed=seed, workers=args.workers)
        walls.append(time.perf_counter() - clock)
    fleet = {f["area"]: f["trucks"] for f in fleet_used(plan.routes, scenario.rules)}
    print(
        f"planner: median {statistics.median(walls):.1f} s of {len(walls)} "
        f"({', '.join(f'{w:.1f}' for w in walls)}) with {args.workers} worker(s), "
        f"{len(plan.routes)} routes, {plan.escort_hours:,.1f} escort hours, "
        f"{len(plan.undelivered)} undelivered; trucks at once {fleet}"
    )
    if args.plan_only:
        return 0 if not plan.undelivered else 1
    print(f"joint models: {args.time_limit:g} s each, one at a time", flush=True)
    print(HEADER, flush=True)
    rules = scenario.rules.logistics
    places = Places(
        roads,
        site_points(roads, sites, scenario.rules.snap_max_distance_m),
        rules.truck_speed_factor,
    )
    mine = ours(scenario, places, plan)
    ratios: dict[str, list[float]] = {"joint": [], "PyVRP": []}
    for key, stats in plan.stats.items():
        leg, area = key.split("/")
        if args.legs and leg not in args.legs:
            continue
        joint = joint_problem(scenario, places, plan, leg, area)
        objective, hours, used = mine[key]
        seconds = stats["wall_time_s"] + stats["trip_wall_time_s"]
        row = (
            f"{key:<26} {stats['consignments']:>5} {stats['trips']:>5} {stats['vehicles']:>4}"
            f" {objective:>7.0f} {hours:>6.1f} {used:>4} {seconds:>5.1f}"
        )
        runs = {"joint": solve_joint(joint, args.time_limit, seed)}
        if not args.no_pyvrp:
            runs["PyVRP"] = solve_pyvrp(joint, args.time_limit, seed)
        for name in ("joint", "PyVRP"):
            cost, their_hours = runs.get(name, (math.nan, math.nan))
            row += f" {cost:>7.0f} {their_hours:>6.1f} {objective / cost:>6.3f}"
            if not math.isnan(cost):
                ratios[name].append(objective / cost)
        print(row, flush=True)
    for name, found in ratios.items():
        if found:
            print(
                f"median ours/{name} {statistics.median(found):.3f} over {len(found)} instances"
                f" (min {min(found):.3f}, max {max(found):.3f})"
            )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average after: {load}")
    return 0 if not plan.undelivered else 1


if __name__ == "__main__":
    sys.exit(main())
