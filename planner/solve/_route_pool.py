"""Route-pool recombination: the cheapest plan made of routes the search has already seen.

Every solution the routing search finds is made of routes that are feasible on
their own (windows, shift, duration, capacity and pairs are all checked per
route). When nothing ties two routes together, any set of them that visits each
stop at most once, on no more vehicles of each kind than there are, is a
feasible plan. A set-partitioning MIP (SCIP, shipped with OR-Tools) picks the
cheapest such plan from the routes of every good solution seen, starting from
the search's best plan, so the result is never worse (as in ILS-SP, Subramanian,
Uchoa and Ochi 2013). On Solomon RC101 and R101 this is worth 0.5-1% of
distance at 60 s; see benchmarks/bench_vrp.py.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ortools.constraint_solver.pywrapcp import Assignment, IntVar
from ortools.linear_solver import pywraplp

if TYPE_CHECKING:
    import numpy as np
    from ortools.constraint_solver import pywrapcp

    from planner.solve.vrp_problem import VrpProblem


NEAR_BEST = 0.05
"""Pool the routes of solutions costing at most this share more than the best so far."""


class RoutingModel(Protocol):
    """What the pool reads of the routing core's OR-Tools model (``planner.solve.vrp``)."""

    @property
    def problem(self) -> VrpProblem: ...
    @property
    def manager(self) -> pywrapcp.RoutingIndexManager: ...
    @property
    def routing(self) -> pywrapcp.RoutingModel: ...
    @property
    def time(self) -> pywrapcp.RoutingDimension | None: ...
    @property
    def cost(self) -> dict[float, np.ndarray]: ...
    def stop_at(self, node: int) -> int:
        """The problem's stop index at a routing node that is not a depot."""
        ...


def recombinable(problem: VrpProblem) -> bool:
    """Whether the routes of a plan are independent: no two visit copies spaced in time."""
    spaced = Counter(s.group for s in problem.stops if s.group is not None and s.min_gap > 0)
    return all(count < 2 for count in spaced.values())


class RoutePool:
    """The distinct routes of every solution found, each with its vehicle kind and cost.

    A route is the tuple of routing indices it visits; vehicles that differ only
    by name are one kind and can swap routes. A route's cost is its arc cost,
    plus its vehicle's fixed cost and span cost as timed in the solution.
    """

    def __init__(self, model: RoutingModel):
        self.model = model
        routing, manager = model.routing, model.manager
        problem = model.problem
        kinds: dict[object, int] = {}
        self.kind_of = [
            kinds.setdefault(dataclasses.replace(v, name=""), len(kinds)) for v in problem.vehicles
        ]
        self.vehicles_of_kind: list[list[int]] = [[] for _ in kinds]
        for k, kind in enumerate(self.kind_of):
            self.vehicles_of_kind[kind].append(k)
        self.starts = [routing.Start(k) for k in range(len(problem.vehicles))]
        self.next_vars = [routing.NextVar(i) for i in range(routing.Size())]
        self.node_of = [manager.IndexToNode(i) for i in range(manager.GetNumberOfIndices())]
        matrices = {f: c.tolist() for f, c in model.cost.items()}
        self.cost = [matrices[v.vehicle_type.speed_factor] for v in problem.vehicles]
        self.routes: dict[tuple[int, tuple[int, ...]], int] = {}
        self.best = math.inf

    def record(self) -> None:
        """Add the routes of the solution the search has just found (an at-solution callback)
        when it costs at most :data:`NEAR_BEST` more than the best so far."""
        cost = self.model.routing.CostVar()  # only valid once the model is closed
        if not cost.Bound():  # times not fixed (span costs after a repair): no route costs
            return
        if cost.Value() > self.best + NEAR_BEST * abs(self.best):
            return
        self.best = min(self.best, cost.Value())
        for k, visits in enumerate(self._walk(IntVar.Value)):
            key = (self.kind_of[k], tuple(visits))
            if visits and key not in self.routes:
                self.routes[key] = self._route_cost(k, visits)

    def routes_in(self, assignment: Assignment) -> list[list[int]]:
        """Routes per vehicle (routing indices of the visits) of a solution's assignment."""
        return self._walk(assignment.Value)

    def _walk(self, value: Callable[[IntVar], int]) -> list[list[int]]:
        """Routes per vehicle, reading each next variable with ``value``."""
        ends, routes = len(self.next_vars), []  # routing indices from ``ends`` on are route ends
        for start in self.starts:
            route, index = [], value(self.next_vars[start])
            while index < ends:
                route.append(index)
                index = value(self.next_vars[index])
            routes.append(route)
        return routes

    def _route_cost(self, vehicle: int, visits: list[int]) -> int:
        """Arc, fixed and span cost of one route of ``vehicle`` in the current solution."""
        v = self.model.problem.vehicles[vehicle]
        end = self.model.routing.End(vehicle)
        nodes = [self.node_of[i] for i in (self.starts[vehicle], *visits, end)]
        cost = self.cost[vehicle]
        total = sum(cost[a][b] for a, b in itertools.pairwise(nodes)) + v.fixed_cost
        if v.span_cost:
            assert self.model.time is not None  # span costs make the problem timed
            span = self.model.time.CumulVar(end).Value()
            span -= self.model.time.CumulVar(self.starts[vehicle]).Value()
            total += v.span_cost * span
        return total

    def best_plan(self, incumbent: list[list[int]], deadline: float) -> list[list[int]] | None:
        """Routes per vehicle (routing indices) of the cheapest plan from the pool, or None.

        ``incumbent`` (the search's best plan, routes per vehicle) starts the
        MIP, which stops at ``deadline`` (a ``time.perf_counter()`` reading). None
        when no plan in the pool beats it, or when it misses a mandatory stop.
        """
        stops = self.model.problem.stops
        start = {(self.kind_of[k], tuple(route)) for k, route in enumerate(incumbent) if route}
        solver = pywraplp.Solver.CreateSolver("SCIP")
        if solver is None or not start <= self.routes.keys():
            return None
        chosen = {key: solver.BoolVar("") for key in self.routes}
        serving: dict[int, list[pywraplp.Variable]] = {}
        on_kind: list[list[pywraplp.Variable]] = [[] for _ in self.vehicles_of_kind]
        for (kind, visits), x in chosen.items():
            on_kind[kind].append(x)
            for i in visits:
                serving.setdefault(i, []).append(x)
        penalty = {i: stops[self._stop(i)].drop_penalty for i in serving}
        performed = {i for route in incumbent for i in route}
        if any(penalty[i] is None and i not in performed for i in serving):
            return None
        for i, xs in serving.items():
            solver.Add(sum(xs) == 1 if penalty[i] is None else sum(xs) <= 1)
        for kind, xs in enumerate(on_kind):
            solver.Add(sum(xs) <= len(self.vehicles_of_kind[kind]))
        # cost of the routes minus the drop penalties they save (a constant apart)
        value = {
            key: cost - sum(penalty[i] or 0 for i in key[1]) for key, cost in self.routes.items()
        }
        objective = solver.Objective()
        for key, x in chosen.items():
            objective.SetCoefficient(x, value[key])
        objective.SetMinimization()
        solver.SetHint(list(chosen.values()), [float(key in start) for key in chosen])
        solver.SetTimeLimit(max(1, round((deadline - time.perf_counter()) * 1000)))
        if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        if not objective.Value() < sum(value[key] for key in start) - 0.5:
            return None
        plan: list[list[int]] = [[] for _ in incumbent]
        free = [list(vehicles) for vehicles in self.vehicles_of_kind]
        for (kind, visits), x in chosen.items():
            if x.solution_value() > 0.5:
                plan[free[kind].pop(0)] = list(visits)
        return plan

    def _stop(self, index: int) -> int:
        """The problem's stop index at a routing index."""
        return self.model.stop_at(self.node_of[index])
