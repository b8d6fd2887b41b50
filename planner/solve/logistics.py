"""Election logistics: escorted truck routes between warehouse, PPK, PPS and TPS.

Goods. Each TPS receives ``boxes_per_tps`` ballot boxes and ``booths_per_tps``
booths (``tps_load`` load units). They travel the legs of
:data:`planner.inputs.rules.LEGS` as consignments: one per TPS between its PPS and the
TPS, one per kelurahan (split evenly into truck loads when larger) between the
warehouse, the PPK and the PPS; after counting the same way back.

Routing model (our modelling choice), in two stages on the core of
:mod:`planner.solve.vrp`, per leg:

1. Trips (:mod:`planner.solve._trips`): per hub (where an outward leg loads or a
   return leg unloads) a capacitated routing problem groups the consignments
   into truckloads and orders their stops.
2. Escort duties: per escort area, the city legs (warehouse <-> PPK) with the
   KPU's trucks and the units of the ``escort_kind`` posts, the other legs per
   kecamatan with its trucks and its Polsek's units, a routing problem with time
   windows whose vehicles are a truck with its escort unit for one working
   window of the leg and whose stops are the trips. The escort rides with the
   truck for the whole route, from its post to the first trip, trip after trip,
   and back to its post (post -> load -> unload ... -> post): the travel between
   trips runs from where one trip ends to where the next starts. A trip starts
   inside a window of the leg, once all its goods have arrived (the end of their
   unloading on the leg before), and ends before the window closes; a route
   lasts at most ``escort_max_hours``. The objective is escort time: each
   route's duration from leaving its post to returning (driving, handling and
   waiting) plus ``escort_fixed_min`` per escort unit called out; driving counts
   once more, so that less of it wins among equally long duties, and each window
   index adds one second, so that ties go to the earlier window.

The two stages trade a little optimality (a truckload never mixes two hubs) for
small problems that solve in seconds; ``benchmarks/bench_logistics.py`` measures
the loss against one joint pickup-and-delivery model of a leg. The outward and
return flows run side by side, leg after leg, the problems of a stage in
parallel. Storage guards and the personnel tally per post and day follow from
the routes (:mod:`planner.solve.storage`).

Times are seconds from 00:00 WIB of voting day (negative before it).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from planner.errors import InputError, Problem
from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS, FleetRules, Metaheuristic, Rules
from planner.inputs.scenario import Scenario
from planner.inputs.sites import Site
from planner.progress import Report, no_report
from planner.roads.placement import RoadContext
from planner.roads.snap import SnappedPoints
from planner.solve._parallel import WorkerPool, solve_workers
from planner.solve._trips import (
    Consignment,
    HubProblem,
    Places,
    Trip,
    hub_problems,
    read_trips,
)
from planner.solve.assignment import AssignmentResult
from planner.solve.escorts import EscortRoute, LogisticsStop, Undelivered
from planner.solve.patrols import PatrolResult
from planner.solve.storage import GuardShift, PersonnelDay, personnel_tally, storage_guards
from planner.solve.vrp import depart_just_in_time, solve_vrp
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, Vehicle, VrpProblem, VrpSolution

GEOMETRY_TOLERANCE_DEG = 0.00001
"""Route lines are simplified to about 1 m (their ends stay put)."""
NEVER = 10**9
"""The ready time of goods that never arrive."""
CITY = "kota"
"""The escort area of the city legs (warehouse <-> PPK)."""

NO_ROUTE = (
    "tidak muat dalam jendela waktu dan armada leg ini",
    "fits in no route within the leg's windows and fleet",
)
NO_ESCORT = ("tidak ada pos pengawal untuk wilayah ini", "no escort post for this area")
NO_FLEET = ("tidak ada truk atau satuan pengawal", "no trucks or escort units")
TOO_BIG = ("muatan satu TPS melebihi kapasitas truk", "one TPS' goods exceed a truck's capacity")
UPSTREAM = (
    "barang belum tiba: leg sebelumnya tidak mengantarnya",
    "the goods never arrive: the leg before does not deliver them",
)
NO_TRIP = (
    "tidak muat dalam satu perjalanan truk (trip_max_hours)",
    "fits in no truckload trip (trip_max_hours)",
)
TOO_LATE = (
    "barang tiba setelah jendela waktu leg ini",
    "the goods arrive after the leg's windows close",
)


@dataclass(frozen=True)
class LogisticsPlan:
    """Sites, consignments, escorted routes, storage guards and the personnel tally."""

    election_date: str
    sites: tuple[Site, ...]
    consignments: tuple[Consignment, ...]
    routes: tuple[EscortRoute, ...]
    undelivered: tuple[Undelivered, ...]
    guards: tuple[GuardShift, ...]
    personnel: tuple[PersonnelDay, ...]
    stats: Mapping[str, Mapping[str, Any]]

    @property
    def escort_hours(self) -> float:
        """Officer-hours of all escorts."""
        return sum(r.escort_hours for r in self.routes)


@dataclass(frozen=True)
class DutyProblem:
    """Stage two of one leg and escort area: the escort posts, then one node per trip."""

    leg: str
    area: str
    problem: VrpProblem
    origin_s: int
    trips: tuple[Trip, ...]
    posts: tuple[int, ...]
    """The point of each post node."""
    vehicles: tuple[tuple[str, str, str, int], ...]
    """Per vehicle: truck and escort unit id prefixes, post id, window index."""

    @property
    def key(self) -> str:
        """``leg/area``."""
        return f"{self.leg}/{self.area}"


def scope(leg: str) -> str:
    """``city`` for the legs touching the warehouse, ``local`` for the others."""
    return "city" if "warehouse" in LEG_ENDS[leg] else "local"


def fleet_of(rules: Rules, leg: str) -> FleetRules:
    """The trucks and escort units working a leg."""
    logistics = rules.logistics
    return logistics.city if scope(leg) == "city" else logistics.local


def area_of(item: Consignment) -> str:
    """The escort area of a consignment: :data:`CITY` or its kecamatan."""
    return CITY if scope(item.leg) == "city" else item.kecamatan


def consignments(scenario: Scenario, sites: Sequence[Site]) -> dict[str, list[Consignment]]:
    """Every leg's consignments; per kelurahan ones split into truckloads where they can be."""
    load = scenario.rules.logistics.tps_load
    warehouse = next(s.site_id for s in sites if s.kind == "warehouse")
    ppk = {s.kecamatan: s.site_id for s in sites if s.kind == "ppk"}
    pps = {(s.kecamatan, s.kelurahan): s.site_id for s in sites if s.kind == "pps"}
    by_kelurahan: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in scenario.tps.sort_values(["kecamatan", "kelurahan", "tps_id"]).itertuples():
        by_kelurahan[str(row.kecamatan), str(row.kelurahan)].append(str(row.tps_id))
    out: dict[str, list[Consignment]] = {leg: [] for leg in LEGS}
    for leg in LEGS:
        origin, destination = LEG_ENDS[leg]
        capacity = fleet_of(scenario.rules, leg).truck_capacity
        for (kecamatan, kelurahan), members in by_kelurahan.items():
            ends = {"warehouse": warehouse, "ppk": ppk[kecamatan], "pps": pps[kecamatan, kelurahan]}
            if "tps" in (origin, destination):
                chunks = [(tps, [tps]) for tps in members]
            else:
                size = max(1, capacity // load) if load else len(members)
                parts = np.array_split(np.array(members), math.ceil(len(members) / size))
                chunks = [
                    (f"{ends['pps']}:{n}", [str(t) for t in part])
                    for n, part in enumerate(parts, start=1)
                ]
            out[leg] += [
                Consignment(
                    f"{leg}:{name}",
                    leg,
                    ends.get(origin, chunk[0]),
                    ends.get(destination, chunk[0]),
                    kecamatan,
                    tuple(chunk),
                    load * len(chunk),
                )
                for name, chunk in chunks
            ]
    return out


def _undelivered(item: Consignment, reason: tuple[str, str]) -> Undelivered:
    return Undelivered(item.consignment_id, item.leg, item.kecamatan, item.origin, *reason)


def site_points(roads: RoadContext, sites: Sequence[Site], limit_m: float) -> SnappedPoints:
    """The sites snapped to the road network; one farther than ``limit_m`` is an input error."""
    points = roads.index.snap(
        [s.site_id for s in sites],
        np.array([s.longitude for s in sites]),
        np.array([s.latitude for s in sites]),
    )
    far = [
        Problem(
            s.site_id,
            f"lokasi berjarak {d:,.0f} m dari jalan terdekat (batas {limit_m:,.0f} m)",
            f"the site is {d:,.0f} m from the nearest road (limit {limit_m:,.0f} m)",
            code="far_from_road",
        )
        for s, d in zip(sites, points.distance_m, strict=True)
        if d > limit_m
    ]
    if far:
        raise InputError(far)
    return points


def duty_problems(
    scenario: Scenario,
    places: Places,
    leg: str,
    trips: Sequence[Trip],
    ready: Mapping[str, int | None],
) -> tuple[list[DutyProblem], list[Undelivered]]:
    """The escort-duty problems of one leg (per escort area) and the goods none can take.

    ``ready`` gives each consignment's earliest loading (None: any time in the windows).
    """
    rules = scenario.rules
    areas: dict[str, list[Trip]] = defaultdict(list)
    for trip in trips:
        areas[area_of(trip.consignments[0])].append(trip)
    windows = rules.logistics.legs[leg]
    problems, lost = [], []
    for area, group in sorted(areas.items()):
        posts, slots = escort_slots(scenario, leg, area, len(group))
        reason = NO_ESCORT if not posts else NO_FLEET if not slots else None
        kept = []
        for trip in group:
            times = [ready.get(c.consignment_id) for c in trip.consignments]
            known = [t for t in times if t is not None]
            latest = max(known) if known else None
            allowed = _trip_windows(windows, latest, trip.duration)
            late = UPSTREAM if latest is not None and latest >= NEVER else TOO_LATE
            why = reason or (None if allowed else late)
            if why is None:
                kept.append((trip, allowed))
            else:
                lost += [_undelivered(c, why) for c in trip.consignments]
        if kept:
            problems.append(_duty_problem(rules, places, leg, area, kept, slots))
    return problems, lost


def escort_slots(
    scenario: Scenario, leg: str, area: str, trips: int
) -> tuple[list[str], list[str]]:
    """The posts escorting a leg in an area, and the post of each truck-and-escort pair.

    The city legs take the ``escort_kind`` posts, the others the area's Polsek; each
    post gives its escort units, all of them together at most the fleet's trucks. A
    fleet size left to the solver (``None``) is ``trips``: one per trip of the window.
    """
    fleet = fleet_of(scenario.rules, leg)
    posts = scenario.posts.sort_values("post_id")
    if area == CITY:
        escorts = posts[posts["kind"] == fleet.escort_kind]
    else:
        escorts = posts[(posts["kind"] == "polsek") & (posts["kecamatan"] == area)]
    ids = [str(p) for p in escorts["post_id"]]
    units = {p: fleet.units(p) for p in ids}
    slots = [p for p in ids for _ in range(trips if units[p] is None else units[p])]
    return ids, slots[: trips if fleet.trucks is None else fleet.trucks]


def fixed_cost(rules: Rules, leg: str, window: int, rank: int) -> int:
    """Seconds the ``rank``-th truck and escort (from 0) of a leg's ``window`` cost if called out.

    ``escort_fixed_min``, plus one second per window index (ties go to the earlier
    window). With a fleet sized by the solver, also ``rank`` times the number of
    windows (fewer trucks at once outweigh earlier windows), and ``escort_fixed_min``
    more in a late window: one closing after the next leg's last window opens, so
    spreading the trips never leaves the next leg short of time.
    """
    logistics = rules.logistics
    if fleet_of(rules, leg).trucks is not None:
        return round(logistics.escort_fixed_min * 60) + window
    windows = logistics.legs[leg]
    flow = FLOWS[0] if leg in FLOWS[0] else FLOWS[1]
    after = flow[flow.index(leg) + 1 :]
    late = bool(after) and windows[window][1] > logistics.legs[after[0]][-1][0]
    return round(logistics.escort_fixed_min * 60 * (1 + late)) + window + rank * len(windows)


def _trip_windows(
    windows: Sequence[tuple[int, int]], ready: int | None, duration: int
) -> tuple[tuple[int, int], ...]:
    """Start times of a trip: inside a window, after ``ready``, ending before it closes."""
    earliest = [a if ready is None else max(a, ready) for a, _ in windows]
    return tuple(
        (lo, b - duration)
        for lo, (_, b) in zip(earliest, windows, strict=True)
        if lo <= b - duration
    )


def _duty_problem(
    rules: Rules,
    places: Places,
    leg: str,
    area: str,
    kept: Sequence[tuple[Trip, tuple[tuple[int, int], ...]]],
    slots: Sequence[str],
) -> DutyProblem:
    """Nodes: the escort posts, then the trips; travel from where one ends to where one starts."""
    logistics = rules.logistics
    windows = logistics.legs[leg]
    origin_s = windows[0][0]
    post_ids = list(dict.fromkeys(slots))
    posts = [places.of("post", p) for p in post_ids]
    leaves = posts + [trip.stops[-1].point for trip, _ in kept]
    enters = posts + [trip.stops[0].point for trip, _ in kept]
    points = list(dict.fromkeys(leaves + enters))
    where = {p: n for n, p in enumerate(points)}
    times = places.times(points)
    travel = times[np.ix_([where[p] for p in leaves], [where[p] for p in enters])]
    stops = [
        Stop(
            len(posts) + k,
            windows=tuple((a - origin_s, b - origin_s) for a, b in allowed),
            service=trip.duration,
            name=f"{trip.hub} {k + 1}",
        )
        for k, (trip, allowed) in enumerate(kept)
    ]
    label = area.lower().replace(" ", "_")
    vehicles, names = [], []
    for w, (a, b) in enumerate(windows):
        for k, post in enumerate(slots):
            home = post_ids.index(post)
            vehicles.append(
                Vehicle(
                    home,
                    home,
                    shift=(a - origin_s, b - origin_s),
                    max_duration=round(logistics.escort_max_hours * 3600),
                    fixed_cost=fixed_cost(rules, leg, w, k),
                    name=f"truk-{label}-{k + 1}",
                    span_cost=1,
                )
            )
            names.append((f"truk-{label}", f"{post}-kawal", post, w))
    problem = VrpProblem(travel, tuple(vehicles), tuple(stops))
    return DutyProblem(
        leg, area, problem, origin_s, tuple(t for t, _ in kept), tuple(posts), tuple(names)
    )


def _solve(
    problem: VrpProblem,
    limit: int,
    time_limit_s: float | None,
    seed: int,
    report: Report = no_report,
) -> VrpSolution:
    """One routing problem, by solution count (no time limit: deterministic) or by time.

    Logistics keeps the iterated local search (a local search after every repair):
    its solution limits and benchmark were set with it. ``report`` is there for
    :class:`~planner.solve._parallel.WorkerPool`; the search reports nothing.
    """
    search: Metaheuristic = "iterated_local_search"
    if time_limit_s is None:
        return solve_vrp(
            problem, seed=seed, deterministic=True, solution_limit=limit, metaheuristic=search
        )
    return solve_vrp(problem, seed=seed, time_limit_s=time_limit_s, metaheuristic=search)


def _hubs(
    items: Mapping[str, list[Consignment]], legs: Sequence[str], places: Places, rules: Rules
) -> list[HubProblem]:
    """The truckload problems of some legs: every consignment that fits a truck, per hub."""
    hubs = []
    for leg in legs:
        capacity = fleet_of(rules, leg).truck_capacity
        fits = [c for c in items[leg] if c.load <= capacity]
        hubs += hub_problems(leg, fits, places, rules, capacity)
    return hubs


def _solve_trips(
    pool: WorkerPool, hubs: list[HubProblem], rules: Rules, time_limit_s: float | None, seed: int
) -> tuple[defaultdict[str, list[Trip]], defaultdict[str, float], list[Undelivered]]:
    """Stage 1 of some legs, ``hubs`` solved in ``pool``: the trips per leg, the solve time
    per leg and escort area, and the consignments no trip carries."""
    trips: defaultdict[str, list[Trip]] = defaultdict(list)
    trip_time: defaultdict[str, float] = defaultdict(float)
    missed: list[Undelivered] = []
    tasks = _tasks(hubs, rules.logistics.trip_solution_limit, time_limit_s, seed)
    for hub, solution in zip(hubs, pool.map(_solve, tasks), strict=True):
        found, lost = read_trips(hub, _checked(hub.problem, solution, hub.hub), rules)
        trips[hub.leg] += found
        missed += [_undelivered(c, NO_TRIP) for c in lost]
        trip_time[f"{hub.leg}/{area_of(hub.consignments[0])}"] += solution.stats.wall_time_s
    return trips, trip_time, missed


def _tasks(
    problems: Sequence[HubProblem | DutyProblem], limit: int, time_limit_s: float | None, seed: int
) -> list[tuple[VrpProblem, int, float | None, int]]:
    """The arguments of :func:`_solve` for each problem of a batch."""
    return [(p.problem, limit, time_limit_s, seed) for p in problems]


def _checked(problem: VrpProblem, solution: VrpSolution, what: str) -> VrpSolution:
    """The solution leaving just in time, re-checked; only missing stops may be reported."""
    solution = depart_just_in_time(problem, solution)
    errors = [e for e in check_vrp_solution(problem, solution) if "mandatory stop" not in e]
    if errors:
        raise RuntimeError(f"logistics {what} breaks its rules: {errors[:3]}")
    return solution


def plan_logistics(
    scenario: Scenario,
    roads: RoadContext,
    sites: Sequence[Site],
    assignment: AssignmentResult | None = None,
    patrols: PatrolResult | None = None,
    seed: int = 0,
    deterministic: bool = True,
    workers: int | None = None,
) -> LogisticsPlan:
    """Escort routes of every leg, storage guards and the personnel tally.

    Each routing solution is re-checked with :func:`planner.solve.vrp_check.check_vrp_solution`.
    ``assignment`` and ``patrols`` add the voting-day guard groups' officers and the
    patrol crews to the tally.
    """
    rules = scenario.rules
    logistics = rules.logistics
    places = Places(
        roads, site_points(roads, sites, rules.snap_max_distance_m), logistics.truck_speed_factor
    )
    items = consignments(scenario, sites)
    undelivered = [
        _undelivered(c, TOO_BIG)
        for leg in LEGS
        for c in items[leg]
        if c.load > fleet_of(rules, leg).truck_capacity
    ]
    workers = workers or solve_workers()
    time_limit_s = None if deterministic else logistics.time_limit_s
    with WorkerPool(workers) as pool:
        routes: list[EscortRoute] = []
        stats: dict[str, dict[str, Any]] = {}
        arrived: dict[tuple[str, str, str], int] = {}  # (leg, place, tps) -> end of unloading
        for step in range(len(FLOWS[0])):
            legs = [flow[step] for flow in FLOWS]
            hubs = _hubs(items, legs, places, rules)
            trips, trip_time, missed = _solve_trips(pool, hubs, rules, time_limit_s, seed)
            undelivered += missed
            duties: list[DutyProblem] = []
            for leg in legs:
                before = FLOWS[0 if leg in FLOWS[0] else 1][step - 1] if step else None
                ready = _ready_times(items[leg], arrived, before)
                found_duties, lost = duty_problems(scenario, places, leg, trips[leg], ready)
                duties += found_duties
                undelivered += lost
            solved = pool.map(_solve, _tasks(duties, logistics.solution_limit, time_limit_s, seed))
            for duty, solution in zip(duties, solved, strict=True):
                solution = _checked(duty.problem, solution, duty.key)
                found_routes = _routes(duty, solution, places, rules)
                routes += found_routes
                arrived.update(
                    ((duty.leg, stop.place, tps), stop.departure_s)
                    for route in found_routes
                    for stop in route.stops
                    if stop.action == "unload"
                    for tps in stop.tps
                )
                undelivered += [
                    _undelivered(c, NO_ROUTE)
                    for s in solution.missed_mandatory
                    for c in duty.trips[s].consignments
                ]
                stats[duty.key] = _stats(duty, solution, found_routes)
                stats[duty.key]["trip_wall_time_s"] = round(trip_time[duty.key], 2)
    guards = storage_guards(scenario, sites, routes, undelivered)
    return LogisticsPlan(
        election_date=logistics.election_date,
        sites=tuple(sites),
        consignments=tuple(c for leg in LEGS for c in items[leg]),
        routes=tuple(routes),
        undelivered=tuple(undelivered),
        guards=guards,
        personnel=personnel_tally(scenario, routes, guards, assignment, patrols),
        stats=stats,
    )


def _ready_times(
    items: Iterable[Consignment], arrived: Mapping[tuple[str, str, str], int], before: str | None
) -> dict[str, int | None]:
    """When each consignment may load: all its TPS' goods reached its origin on leg ``before``.

    Without a leg before, any time; goods that never arrive are ready at :data:`NEVER`.
    """
    return {
        c.consignment_id: None
        if before is None
        else max(arrived.get((before, c.origin, t), NEVER) for t in c.tps)
        for c in items
    }


def _routes(
    duty: DutyProblem, solution: VrpSolution, places: Places, rules: Rules
) -> list[EscortRoute]:
    """The performed routes: each trip's stops at its start time, and the road geometry."""
    fleet = fleet_of(rules, duty.leg)
    routes = []
    numbers: Counter[tuple[str, int]] = Counter()
    for route in solution.routes:
        if not route.visits:
            continue
        truck, escort, post, window = duty.vehicles[route.vehicle]
        numbers["", window] += 1  # trucks and units numbered from 1 in each window
        numbers[post, window] += 1
        truck, escort = f"{truck}-{numbers['', window]}", f"{escort}-{numbers[post, window]}"
        home = duty.posts[duty.problem.vehicles[route.vehicle].start]
        load, stops, path = 0, [], [home]
        for visit in route.visits:
            trip = duty.trips[visit.stop]
            begin = visit.start + duty.origin_s
            for n, stop in enumerate(trip.stops):
                item = stop.consignment
                load += item.load if stop.action == "load" else -item.load
                stops.append(
                    LogisticsStop(
                        item.consignment_id,
                        stop.action,
                        stop.place,
                        visit.arrival + duty.origin_s if n == 0 else begin + stop.arrival,
                        begin + stop.start,
                        begin + stop.departure,
                        load,
                        item.tps,
                    )
                )
                path.append(stop.point)
        path.append(home)
        line = shapely.LineString(places.roads.router.path_line(places.points.subset(path)))
        coords = shapely.get_coordinates(shapely.simplify(line, GEOMETRY_TOLERANCE_DEG))
        routes.append(
            EscortRoute(
                route_id=f"{duty.leg}/{escort}/{window + 1}",
                leg=duty.leg,
                area=duty.area,
                truck_id=truck,
                escort_id=escort,
                post_id=post,
                window=window,
                capacity=fleet.truck_capacity,
                officers=rules.logistics.escort_officers,
                start_s=route.start_time + duty.origin_s,
                end_s=route.end_time + duty.origin_s,
                stops=tuple(stops),
                geometry=tuple((round(float(x), 6), round(float(y), 6)) for x, y in coords),
            )
        )
    return routes


def _stats(
    duty: DutyProblem, solution: VrpSolution, routes: Sequence[EscortRoute]
) -> dict[str, Any]:
    return {
        "status": solution.status,
        "objective": solution.stats.objective,
        "travel_time_s": solution.travel_time,
        "escort_hours": round(sum(r.escort_hours for r in routes), 2),
        "vehicles_used": len(routes),
        "vehicles": len(duty.problem.vehicles),
        "trips": len(duty.trips),
        "consignments": sum(len(t.consignments) for t in duty.trips),
        "solutions": solution.stats.solutions,
        "wall_time_s": round(solution.stats.wall_time_s, 2),
    }
