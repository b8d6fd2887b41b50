"""A vehicle routing problem on travel-time matrices, and its solution: plain data.

The problem is matrix-level and knows no geography: ``travel_time[i, j]`` is the
time in whole seconds from matrix node ``i`` to ``j`` at speed factor 1. Every
:class:`Stop` is one visit (a place visited twice is two stops sharing a node
and a ``group``); vehicles start and end at matrix nodes.

Conventions, shared with the independent checker in :mod:`planner.solve.vrp_check`:

- A vehicle of speed factor ``f`` needs ``ceil(travel_time[i, j] / f)`` seconds.
- A visit's ``start`` (service start) lies in one of the stop's windows; the
  vehicle may arrive earlier and wait. ``departure = start + service``.
- Stops of one group are served in list order, each starting at least
  ``min_gap`` seconds after every earlier performed stop of the group.
- A pickup-and-delivery pair (pickup stop, delivery stop) is served by one
  vehicle, the pickup first, or dropped as a whole; the delivery's demand is
  minus the pickup's, so the load rises at the pickup and falls at the delivery.
  A route's load never leaves 0..capacity on the way.
- The cost is the arc cost of the routes (travel time at each vehicle's speed,
  or distance) plus, per vehicle used, its fixed cost and its span cost per
  second from leaving to returning (so waiting costs too). The solver minimises
  cost plus the drop penalties of skipped optional stops; a mandatory stop is
  skipped only when no plan fits it, and the solution then says ``infeasible``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

import numpy as np

Objective = Literal["travel_time", "distance"]
Status = Literal["feasible", "infeasible", "no_solution"]


@dataclass(frozen=True)
class VehicleType:
    """A kind of vehicle; its travel times are the matrix's divided by ``speed_factor``."""

    name: str
    speed_factor: float = 1.0

    def __post_init__(self) -> None:
        if not self.speed_factor > 0:
            raise ValueError(f"vehicle type {self.name!r}: speed_factor must be > 0")


DEFAULT_TYPE = VehicleType("default")


@dataclass(frozen=True)
class Vehicle:
    """One vehicle: where it starts and ends, when it may work, and what it carries.

    ``shift`` is (earliest start, latest end) in seconds, ``max_duration`` bounds
    end minus start, ``capacity`` None means unlimited, ``span_cost`` is the cost
    per second from start to end.
    """

    start: int
    end: int
    vehicle_type: VehicleType = DEFAULT_TYPE
    shift: tuple[int, int] | None = None
    max_duration: int | None = None
    capacity: int | None = None
    fixed_cost: int = 0
    name: str = ""
    span_cost: int = 0


def fleet(
    vehicle_type: VehicleType,
    count: int,
    start: int,
    end: int | None = None,
    *,
    shift: tuple[int, int] | None = None,
    max_duration: int | None = None,
    capacity: int | None = None,
) -> tuple[Vehicle, ...]:
    """``count`` identical vehicles of one type based at ``start`` (and ``end``, default same)."""
    last = start if end is None else end
    return tuple(
        Vehicle(
            start,
            last,
            vehicle_type,
            shift,
            max_duration,
            capacity,
            name=f"{vehicle_type.name} {k + 1}",
        )
        for k in range(count)
    )


@dataclass(frozen=True)
class Stop:
    """One visit to matrix node ``node``.

    ``windows`` are (earliest, latest) service starts in seconds, sorted and
    disjoint; empty means any time. ``demand`` is the load added at the stop
    (negative only at the delivery of a pickup-and-delivery pair).
    ``drop_penalty`` None makes the stop mandatory. Stops sharing a ``group``
    are copies of one visit requirement: served in list order, at least
    ``min_gap`` seconds apart (start to start).
    """

    node: int
    windows: tuple[tuple[int, int], ...] = ()
    service: int = 0
    demand: int = 0
    drop_penalty: int | None = None
    group: Hashable | None = None
    min_gap: int = 0
    name: str = ""


def _int_matrix(name: str, values: object) -> np.ndarray:
    """A read-only square int64 copy of ``values``, or ValueError saying what is wrong."""
    matrix = np.asarray(values)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.integer):
        raise ValueError(f"{name} must hold whole numbers (seconds or metres), got {matrix.dtype}")
    if matrix.size and matrix.min() < 0:
        raise ValueError(f"{name} has negative entries")
    matrix = matrix.astype(np.int64)
    matrix.setflags(write=False)
    return matrix


@dataclass(frozen=True, eq=False)
class VrpProblem:
    """Everything the solver needs: matrices, vehicles, stops and what to minimise.

    ``pairs`` are pickup-and-delivery pairs of stop indices (pickup, delivery).
    """

    travel_time: np.ndarray
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    distance: np.ndarray | None = None
    objective: Objective = "travel_time"
    pairs: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "travel_time", _int_matrix("travel_time", self.travel_time))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "pairs", tuple((int(p), int(d)) for p, d in self.pairs))
        if self.distance is not None:
            object.__setattr__(self, "distance", _int_matrix("distance", self.distance))
            if self.distance.shape != self.travel_time.shape:
                raise ValueError("distance and travel_time must have the same shape")
        elif self.objective == "distance":
            raise ValueError("objective 'distance' needs a distance matrix")
        if self.objective not in ("travel_time", "distance"):
            raise ValueError(
                f"objective must be 'travel_time' or 'distance', got {self.objective!r}"
            )
        if not self.vehicles:
            raise ValueError("a routing problem needs at least one vehicle")
        self._validate_vehicles()
        self._validate_stops()
        self._validate_pairs()

    def _validate_vehicles(self) -> None:
        n = len(self.travel_time)
        for k, v in enumerate(self.vehicles):
            if not (0 <= v.start < n and 0 <= v.end < n):
                raise ValueError(f"vehicle {k}: start/end node outside the matrix (size {n})")
            if v.shift is not None and not 0 <= v.shift[0] <= v.shift[1]:
                raise ValueError(f"vehicle {k}: shift {v.shift} must be 0 <= start <= end")
            if v.max_duration is not None and v.max_duration < 0:
                raise ValueError(f"vehicle {k}: max_duration must be >= 0")
            if v.capacity is not None and v.capacity < 0:
                raise ValueError(f"vehicle {k}: capacity must be >= 0")
            if min(v.fixed_cost, v.span_cost) < 0:
                raise ValueError(f"vehicle {k}: fixed_cost and span_cost must be >= 0")

    def _validate_stops(self) -> None:
        n = len(self.travel_time)
        gaps: dict[Hashable, int] = {}
        for k, s in enumerate(self.stops):
            if not 0 <= s.node < n:
                raise ValueError(f"stop {k}: node {s.node} outside the matrix (size {n})")
            if min(s.service, s.min_gap) < 0:
                raise ValueError(f"stop {k}: service and min_gap must be >= 0")
            if s.drop_penalty is not None and s.drop_penalty < 0:
                raise ValueError(f"stop {k}: drop_penalty must be >= 0 or None (mandatory)")
            previous_end = -1
            for a, b in s.windows:
                if not previous_end < a <= b:
                    raise ValueError(
                        f"stop {k}: windows {s.windows} must be sorted, disjoint, a <= b"
                    )
                previous_end = b
            if s.group is not None and gaps.setdefault(s.group, s.min_gap) != s.min_gap:
                raise ValueError(f"stop {k}: all stops of group {s.group!r} need the same min_gap")

    def _validate_pairs(self) -> None:
        deliveries = {d for _, d in self.pairs}
        for k, s in enumerate(self.stops):
            if s.demand < 0 and k not in deliveries:
                raise ValueError(f"stop {k}: demand must be >= 0 unless it is a pair's delivery")
        paired: set[int] = set()
        for pickup, delivery in self.pairs:
            where = f"pair ({pickup}, {delivery})"
            if not (0 <= pickup < len(self.stops) and 0 <= delivery < len(self.stops)):
                raise ValueError(f"{where}: stop outside 0..{len(self.stops) - 1}")
            if pickup == delivery or {pickup, delivery} & paired:
                raise ValueError(f"{where}: each stop belongs to at most one pair")
            paired |= {pickup, delivery}
            if self.stops[delivery].demand != -self.stops[pickup].demand:
                raise ValueError(f"{where}: the delivery's demand must be minus the pickup's")

    def travel_matrix(self, vehicle_type: VehicleType) -> np.ndarray:
        """Travel times in seconds for one vehicle type (divided by its speed, rounded up)."""
        if vehicle_type.speed_factor == 1:
            return self.travel_time
        return np.ceil(self.travel_time / vehicle_type.speed_factor).astype(np.int64)


@dataclass(frozen=True)
class Visit:
    """One performed stop: when the vehicle arrives, starts service and leaves."""

    stop: int
    arrival: int
    start: int
    departure: int


@dataclass(frozen=True)
class Route:
    """The ordered visits of one vehicle; ``nodes`` are matrix nodes, start and end included.

    ``load`` is the most it carries at once (the sum of its demands without pairs).
    """

    vehicle: int
    visits: tuple[Visit, ...]
    nodes: tuple[int, ...]
    start_time: int
    end_time: int
    travel_time: int
    cost: int
    load: int


@dataclass(frozen=True)
class SolveStats:
    """How the search went; ``time_limit_reached`` means it used (almost) all its time."""

    solver_status: str
    objective: int
    wall_time_s: float
    solutions: int
    time_limit_reached: bool


@dataclass(frozen=True)
class VrpSolution:
    """Routes (one per vehicle, empty ones included), what was dropped, and totals.

    ``cost`` is arc cost plus fixed costs of used vehicles, ``penalty`` the drop
    penalties of skipped optional stops, ``missed_mandatory`` the mandatory stops
    that did not fit (status ``infeasible``). An unused vehicle's route has no
    visits, nodes (start, end), and costs nothing.
    """

    status: Status
    routes: tuple[Route, ...]
    dropped: tuple[int, ...]
    missed_mandatory: tuple[int, ...]
    cost: int
    travel_time: int
    penalty: int
    stats: SolveStats
