"""Truckloads of one hub: which consignments ride together, in what order, and their timelines.

Stage one of the logistics routing (:mod:`planner.solve.logistics`). Per hub, the site
where an outward leg loads or a return leg unloads, a capacitated routing problem
on the core of :mod:`planner.solve.vrp` groups the hub's consignments into trips that
leave and return to the hub, shortest in total, none longer than
``trip_max_hours`` (with at most twice the trucks that load and time need,
plus one). A trip's timeline runs from its first stop: outward, load
everything at the hub, then unload at each destination in turn; on the return,
load at each origin in turn, then unload everything at the hub. Each loading and
each unloading takes ``handling_min`` plus ``handling_min_per_unit`` per load unit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.inputs.rules import FLOWS, LEG_ENDS, Rules
from planner.roads.placement import RoadContext
from planner.roads.snap import SnappedPoints
from planner.solve.vrp_problem import Stop, Vehicle, VrpProblem, VrpSolution

UNREACHABLE_S = 10**7


@dataclass(frozen=True)
class Consignment:
    """Goods of some TPS moving on one leg from ``origin`` to ``destination`` (site or TPS id)."""

    consignment_id: str
    leg: str
    origin: str
    destination: str
    kecamatan: str
    tps: tuple[str, ...]
    load: int


@dataclass(frozen=True)
class TripStop:
    """Loading or unloading one consignment, in seconds after the trip starts."""

    consignment: Consignment
    action: str
    place: str
    point: int
    arrival: int
    start: int
    departure: int


@dataclass(frozen=True)
class Trip:
    """One truckload of a hub, its stops in order."""

    leg: str
    hub: str
    stops: tuple[TripStop, ...]

    @property
    def duration(self) -> int:
        """Seconds from the first arrival to the last departure."""
        return self.stops[-1].departure

    @property
    def consignments(self) -> tuple[Consignment, ...]:
        """The consignments carried, each once."""
        return tuple(dict.fromkeys(s.consignment for s in self.stops))


class Places:
    """Every point a route may visit (posts, sites, TPS) and truck travel times between them."""

    def __init__(self, roads: RoadContext, sites: SnappedPoints, speed_factor: float):
        self.roads = roads
        self.points = SnappedPoints.concat(roads.post_points, sites, roads.tps_points)
        self.speed_factor = speed_factor
        self.index: dict[tuple[str, str], int] = {}
        for kind, ids in (
            ("post", roads.post_points.ids),
            ("site", sites.ids),
            ("tps", roads.tps_points.ids),
        ):
            for i in ids:
                self.index[kind, i] = len(self.index)

    def of(self, kind: str, place: str) -> int:
        """The point of a post, a TPS or a site (``warehouse``, ``ppk``, ``pps``)."""
        return self.index[kind if kind in ("post", "tps") else "site", place]

    def times(self, index: Sequence[int]) -> np.ndarray:
        """Whole seconds a truck needs between the points ``index`` (road time / speed factor)."""
        raw = self.roads.router.matrix(self.points.subset(list(index)))
        whole = np.rint(np.nan_to_num(raw, posinf=UNREACHABLE_S))
        return np.ceil(whole / self.speed_factor).astype(np.int64)


def handling_s(rules: Rules, load: int) -> int:
    """Seconds to load or to unload ``load`` units."""
    logistics = rules.logistics
    return round(60 * (logistics.handling_min + logistics.handling_min_per_unit * load))


def hub_of(item: Consignment) -> str:
    """Where the consignment's leg loads (outward) or unloads (return)."""
    return item.origin if item.leg in FLOWS[0] else item.destination


def far_end(item: Consignment) -> str:
    """The consignment's other end: where it is unloaded (outward) or loaded (return)."""
    return item.destination if item.leg in FLOWS[0] else item.origin


@dataclass(frozen=True)
class HubProblem:
    """The trip-building problem of one hub: node 0 the hub, then the other ends."""

    leg: str
    hub: str
    problem: VrpProblem
    consignments: tuple[Consignment, ...]
    points: tuple[int, ...]
    """Point of each matrix node."""
    travel: np.ndarray


def hub_problems(
    leg: str, items: Sequence[Consignment], places: Places, rules: Rules, capacity: int
) -> list[HubProblem]:
    """One capacitated routing problem per hub of the leg's consignments."""
    outward = leg in FLOWS[0]
    origin_kind, destination_kind = LEG_ENDS[leg]
    hub_kind, far_kind = (
        (origin_kind, destination_kind) if outward else (destination_kind, origin_kind)
    )
    by_hub: dict[str, list[Consignment]] = defaultdict(list)
    for item in items:
        by_hub[hub_of(item)].append(item)
    limit = round(rules.logistics.trip_max_hours * 3600)
    problems = []
    for hub, group in by_hub.items():
        points = [places.of(hub_kind, hub)]
        for item in group:
            point = places.of(far_kind, far_end(item))
            if point not in points:
                points.append(point)
        node = {p: n for n, p in enumerate(points)}
        travel = places.times(points)
        stops = [
            Stop(
                node[places.of(far_kind, far_end(item))],
                service=2 * handling_s(rules, item.load),
                demand=item.load,
                name=item.consignment_id,
            )
            for item in group
        ]
        work = sum(int(travel[0, s.node] + travel[s.node, 0]) + s.service for s in stops)
        load = sum(s.demand for s in stops)
        enough = 2 * (math.ceil(load / capacity) + math.ceil(work / limit)) + 1
        vehicles = [Vehicle(0, 0, max_duration=limit, capacity=capacity)] * min(len(group), enough)
        problems.append(
            HubProblem(
                leg, hub, VrpProblem(travel, vehicles, stops), tuple(group), tuple(points), travel
            )
        )
    return problems


def read_trips(
    hub: HubProblem, solution: VrpSolution, rules: Rules
) -> tuple[list[Trip], list[Consignment]]:
    """The trips of a solved hub problem, and the consignments no trip could take."""
    outward = hub.leg in FLOWS[0]
    trips = []
    for route in solution.routes:
        if not route.visits:
            continue
        items = [hub.consignments[v.stop] for v in route.visits]
        far = [hub.points[hub.problem.stops[v.stop].node] for v in route.visits]
        trips.append(_timeline(hub, items, far, outward, rules))
    return trips, [hub.consignments[s] for s in solution.dropped]


def _timeline(
    hub: HubProblem,
    items: Sequence[Consignment],
    far: Sequence[int],
    outward: bool,
    rules: Rules,
) -> Trip:
    """Stops and times of one trip: loads, then drives and unloads (or the reverse)."""
    node = {p: n for n, p in enumerate(hub.points)}
    at_hub = [(item, hub.points[0], hub.hub) for item in items]
    away = [(item, point, far_end(item)) for item, point in zip(items, far, strict=True)]
    legs = [("load", at_hub), ("unload", away)] if outward else [("load", away), ("unload", at_hub)]
    stops: list[TripStop] = []
    clock, here = 0, None
    for action, visits in legs:
        for item, point, place in visits:
            arrival = clock if here is None else clock + int(hub.travel[node[here], node[point]])
            departure = arrival + handling_s(rules, item.load)
            stops.append(TripStop(item, action, place, point, arrival, arrival, departure))
            clock, here = departure, point
    return Trip(hub.leg, hub.hub, tuple(stops))
