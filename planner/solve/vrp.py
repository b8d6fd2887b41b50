"""Vehicle routing with OR-Tools: solve a :class:`~planner.solve.vrp_problem.VrpProblem`.

The problem, its solution and the conventions both follow are in
:mod:`planner.solve.vrp_problem`; the independent checker is :mod:`planner.solve.vrp_check`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import get_args

import numpy as np
from google.protobuf import text_format
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from planner._signals import deferred_signals
from planner.inputs.rules import Metaheuristic
from planner.solve._route_pool import RoutePool, recombinable
from planner.solve.vrp_problem import Route, SolveStats, Visit, VrpProblem, VrpSolution

ProgressCallback = Callable[[int, int, float], None]
"""Called at each solution the search accepts with (solution number, objective, seconds)."""

FIRST_SOLUTION = "PATH_CHEAPEST_ARC"
METAHEURISTIC: Metaheuristic = "ruin_and_recreate"
DETERMINISTIC_SOLUTION_LIMIT = 2000
"""Solutions a deterministic run explores by default."""
RECOMBINATION_SHARE = 0.1
"""Share of a time-limited solve kept for recombining the routes it found (see solve_vrp)."""
POLISH_SHARE = 0.02
"""Most of a time-limited ruin-and-recreate solve spent on a local search of its best plan."""

# Both iterated local searches perturb by ruin and recreate: string removals
# (SISR, Christiaens and Vanden Berghe 2020) of about 10 visits, repaired by
# local cheapest insertion. "iterated_local_search" runs a full local search on
# every repaired plan and keeps it only when better; "ruin_and_recreate" skips
# that local search, as SISR does (many cheap steps instead of few polished
# ones), ruins half its steps with larger strings (up to 15, 20 visits on
# average), accepts a worse plan by simulated annealing, the temperature
# cooling from 300 to 10 as the search uses up its solution or time limit, and
# ends with one local search of its best plan (_polish). Tuned on CVRPLIB X and
# the Kota Malang patrols (see benchmarks/bench_vrp.py).
_ILS_PARAMETERS = """
iterated_local_search_parameters {
  ruin_recreate_parameters {
    ruin_strategies {
      sisr { max_removed_sequence_size: 10 avg_num_removed_visits: 10 bypass_factor: 0.01 }
    }
  }
}
"""
_RUIN_AND_RECREATE_PARAMETERS = """
iterated_local_search_parameters {
  ruin_recreate_parameters {
    ruin_strategies {
      sisr { max_removed_sequence_size: 15 avg_num_removed_visits: 20 bypass_factor: 0.01 }
    }
    ruin_composition_strategy: RUN_ONE_RANDOMLY
  }
  improve_perturbed_solution: false
  reference_solution_acceptance_strategy {
    simulated_annealing { initial_temperature: 300 final_temperature: 10 }
  }
}
"""


@dataclass(frozen=True)
class _Model:
    """An OR-Tools routing model built from a :class:`VrpProblem`, with lookup tables.

    Routing nodes are the depots (matrix nodes where vehicles start or end) then
    the stops in ``order`` (``order[p]`` is the stop at position ``p``, and
    ``position`` its inverse); ``travel`` and ``cost`` are routing-node matrices
    per speed factor.
    ``time`` is None when nothing in the problem depends on the clock (plain CVRP):
    the search then runs without a time dimension and visits never wait.
    """

    problem: VrpProblem
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension | None
    n_depots: int
    order: tuple[int, ...]
    position: tuple[int, ...]
    travel: dict[float, np.ndarray]
    cost: dict[float, np.ndarray]
    lookups: list[Callable[[int, int], int]]  # kept alive while OR-Tools calls them

    def stop_at(self, node: int) -> int:
        """The problem's stop index at a routing node that is not a depot."""
        return self.order[node - self.n_depots]


def _index_lookup(
    manager: pywrapcp.RoutingIndexManager, matrix: np.ndarray
) -> Callable[[int, int], int]:
    """``matrix[node(i), node(j)]`` for routing indices ``i``, ``j``, read from Python lists."""
    size = manager.GetNumberOfIndices()
    nodes = [manager.IndexToNode(i) for i in range(size)]
    rows = matrix[np.ix_(nodes, nodes)].tolist()
    return lambda i, j: rows[i][j]


def _horizon(problem: VrpProblem) -> int:
    """An upper bound on every time in the plan."""
    bounds = [w[1] for s in problem.stops for w in s.windows]
    bounds += [v.shift[1] for v in problem.vehicles if v.shift is not None]
    slowest = min(1.0, *(v.vehicle_type.speed_factor for v in problem.vehicles))
    longest = math.ceil(int(problem.travel_time.max(initial=0)) / slowest)
    stops = problem.stops
    unconstrained = (len(stops) + 1) * longest + sum(s.service + s.min_gap for s in stops)
    return max([*bounds, unconstrained, 1])


def _stop_order(problem: VrpProblem, seed: int) -> tuple[int, ...]:
    """The order of the stops among the routing nodes: as given for seed 0, else shuffled.

    OR-Tools 9.15's iterated local search draws from a generator with a fixed
    seed, so the order of the nodes is what a seed can vary. The copies of a
    visit (a group) and the two stops of a pair stay together in their given
    order: shuffled apart, the Pemilu counting shift dropped twice the visits
    (Kedungkandang 90 against 45, Sukun 50 against 19, 600 solutions).
    """
    if seed == 0:
        return tuple(range(len(problem.stops)))
    pair_of = {k: pickup for pickup, delivery in problem.pairs for k in (pickup, delivery)}
    units: dict[Hashable, list[int]] = {}
    for k, stop in enumerate(problem.stops):
        if k in pair_of:
            key: Hashable = ("pair", pair_of[k])
        elif stop.group is not None:
            key = ("group", stop.group)
        else:
            key = ("stop", k)
        units.setdefault(key, []).append(k)
    members = list(units.values())
    shuffled = np.random.default_rng(seed).permutation(len(members))
    return tuple(k for i in shuffled for k in members[i])


def _build(problem: VrpProblem, seed: int = 0) -> _Model:
    """The routing model; per distinct speed factor, a registered arc-cost matrix and a time lookup.

    The time dimension's transits (travel plus service) come from a Python
    lookup, not a registered matrix: OR-Tools 9.15 copies a dimension's transit
    evaluator on every route check (``PathCumulFilter::FillDimensionValues``
    passes it by value), and a registered matrix is copied whole. With the
    lookup the search takes 1.6-1.8 times the steps a second on the 280-visit
    patrol files and 20 times on 600 visits, for the same routes.
    """
    depots = sorted({n for v in problem.vehicles for n in (v.start, v.end)})
    depot_of = {node: k for k, node in enumerate(depots)}
    order = _stop_order(problem, seed)
    stops = [problem.stops[k] for k in order]
    location = np.array(depots + [s.node for s in stops], dtype=np.int64)
    service = np.array([0] * len(depots) + [s.service for s in stops], dtype=np.int64)
    manager = pywrapcp.RoutingIndexManager(
        len(location),
        len(problem.vehicles),
        [depot_of[v.start] for v in problem.vehicles],
        [depot_of[v.end] for v in problem.vehicles],
    )
    routing = pywrapcp.RoutingModel(manager)
    around = np.ix_(location, location)
    distance = None if problem.objective == "travel_time" else problem.distance[around]  # type: ignore[index]
    timed = _is_timed(problem)
    travel: dict[float, np.ndarray] = {}
    cost: dict[float, np.ndarray] = {}
    time_eval: dict[float, int] = {}
    cost_eval: dict[float, int] = {}
    lookups: list[Callable[[int, int], int]] = []
    for v in problem.vehicles:
        factor = v.vehicle_type.speed_factor
        if factor in travel:
            continue
        travel[factor] = problem.travel_matrix(v.vehicle_type)[around]
        cost[factor] = travel[factor] if distance is None else distance
        cost_eval[factor] = routing.RegisterTransitMatrix(cost[factor].tolist())
        if timed:
            lookups.append(_index_lookup(manager, travel[factor] + service[:, None]))
            time_eval[factor] = routing.RegisterTransitCallback(lookups[-1])
    for k, v in enumerate(problem.vehicles):
        routing.SetArcCostEvaluatorOfVehicle(cost_eval[v.vehicle_type.speed_factor], k)
        routing.SetFixedCostOfVehicle(v.fixed_cost, k)
    time_dim = None
    if timed:
        horizon = _horizon(problem)
        routing.AddDimensionWithVehicleTransits(
            [time_eval[v.vehicle_type.speed_factor] for v in problem.vehicles],
            horizon,
            horizon,
            False,
            "time",
        )
        time_dim = routing.GetDimensionOrDie("time")
    position = tuple(np.argsort(order).tolist())
    model = _Model(
        problem, manager, routing, time_dim, len(depots), order, position, travel, cost, lookups
    )
    if time_dim is not None:
        _add_time_limits(model, time_dim, horizon)
    _add_capacities(model)
    _add_visits(model)
    _add_pairs(model)
    return model


def _is_timed(problem: VrpProblem) -> bool:
    """Whether any window, shift, duration limit, spacing or pair makes times matter."""
    stops = any(s.windows or (s.group is not None and s.min_gap) for s in problem.stops)
    vehicles = any(
        v.shift is not None or v.max_duration is not None or v.span_cost for v in problem.vehicles
    )
    return bool(problem.pairs) or stops or vehicles


def _add_time_limits(model: _Model, time_dim: pywrapcp.RoutingDimension, horizon: int) -> None:
    """Shift windows, maximum durations, stop windows and spacing of visit copies."""
    problem, routing = model.problem, model.routing
    for k, v in enumerate(problem.vehicles):
        first, last = v.shift if v.shift is not None else (0, horizon)
        time_dim.CumulVar(routing.Start(k)).SetRange(first, last)
        time_dim.CumulVar(routing.End(k)).SetRange(first, last)
        if v.max_duration is not None:
            time_dim.SetSpanUpperBoundForVehicle(v.max_duration, k)
        if v.span_cost:
            time_dim.SetSpanCostCoefficientForVehicle(v.span_cost, k)
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        else:
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for k, s in enumerate(problem.stops):
        index = _index(model, k)
        if s.windows:
            cumul = time_dim.CumulVar(index)
            cumul.SetRange(s.windows[0][0], s.windows[-1][1])
            for (_, b), (a, _) in itertools.pairwise(s.windows):
                cumul.RemoveInterval(b + 1, a - 1)
        if s.group is not None and s.min_gap > 0:
            groups[s.group].append(k)
    for members in groups.values():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                time_dim.AddNodePrecedence(
                    _index(model, first), _index(model, second), problem.stops[first].min_gap
                )


def _add_capacities(model: _Model) -> None:
    """A load dimension, unless no route could break it.

    Without deliveries (negative demands) a route's load only grows, so when all
    demands together fit every capacity the dimension would only cost search time
    (VRPLIB files often carry a capacity with zero demands).
    """
    problem, routing = model.problem, model.routing
    demands = [0] * model.n_depots + [problem.stops[k].demand for k in model.order]
    most = sum(d for d in demands if d > 0)  # no route carries more
    smallest = min((v.capacity for v in problem.vehicles if v.capacity is not None), default=None)
    if min(demands) >= 0 and (smallest is None or most <= smallest):
        return
    capacities = [most if v.capacity is None else v.capacity for v in problem.vehicles]
    evaluator = routing.RegisterUnaryTransitVector(demands)
    routing.AddDimensionWithVehicleCapacity(evaluator, 0, capacities, True, "load")


def _add_visits(model: _Model) -> None:
    """Each stop is a disjunction; mandatory ones cost more to skip than any whole plan."""
    problem = model.problem
    optional = sum(s.drop_penalty or 0 for s in problem.stops)
    largest_arc = max(int(c.max(initial=0)) for c in model.cost.values())
    whole_plan = (len(problem.stops) + len(problem.vehicles)) * largest_arc
    spans = sum(v.span_cost for v in problem.vehicles) * (_horizon(problem) if model.time else 0)
    mandatory = 1 + optional + whole_plan + spans + sum(v.fixed_cost for v in problem.vehicles)
    for k, s in enumerate(problem.stops):
        penalty = mandatory if s.drop_penalty is None else s.drop_penalty
        model.routing.AddDisjunction([_index(model, k)], penalty)


def _add_pairs(model: _Model) -> None:
    """Each pair on one vehicle (or dropped together), the pickup served first."""
    routing, solver = model.routing, model.routing.solver()
    for pickup, delivery in model.problem.pairs:
        first, second = _index(model, pickup), _index(model, delivery)
        routing.AddPickupAndDelivery(first, second)
        solver.Add(routing.VehicleVar(first) == routing.VehicleVar(second))
        assert model.time is not None  # pairs make the problem timed
        solver.Add(model.time.CumulVar(first) <= model.time.CumulVar(second))


def _index(model: _Model, stop: int) -> int:
    """The routing variable index of one stop."""
    return model.manager.NodeToIndex(model.n_depots + model.position[stop])


def _search_parameters(
    time_limit_s: float | None,
    deterministic: bool,
    solution_limit: int | None,
    first_solution: str,
    metaheuristic: Metaheuristic,
) -> routing_parameters_pb2.RoutingSearchParameters:
    """OR-Tools search parameters for one run."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    try:
        params.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, first_solution.upper()
        )
    except AttributeError:
        raise ValueError(f"unknown first_solution strategy {first_solution!r}") from None
    if metaheuristic in ("iterated_local_search", "ruin_and_recreate"):
        text_format.Merge(_ILS_PARAMETERS, params)
        if metaheuristic == "ruin_and_recreate":
            text_format.Merge(_RUIN_AND_RECREATE_PARAMETERS, params)
        params.use_iterated_local_search = True
        local = "GREEDY_DESCENT"
    elif metaheuristic in get_args(Metaheuristic):
        local = metaheuristic.upper()
    else:
        raise ValueError(f"unknown metaheuristic {metaheuristic!r}")
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, local)
    if deterministic and time_limit_s is not None:
        raise ValueError("a deterministic run stops on solution_limit: pass time_limit_s=None")
    if time_limit_s is not None:
        if not time_limit_s > 0:
            raise ValueError(f"time_limit_s must be more than zero or None, got {time_limit_s}")
        params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if deterministic:
        params.solution_limit = solution_limit or DETERMINISTIC_SOLUTION_LIMIT
    elif solution_limit is not None:
        params.solution_limit = solution_limit
    elif time_limit_s is None:
        raise ValueError("give time_limit_s or solution_limit, or set deterministic=True")
    return params


def solve_vrp(
    problem: VrpProblem,
    *,
    time_limit_s: float | None = None,
    seed: int = 0,
    deterministic: bool = False,
    solution_limit: int | None = None,
    first_solution: str = FIRST_SOLUTION,
    metaheuristic: Metaheuristic = METAHEURISTIC,
    log_progress: ProgressCallback | None = None,
    recombine: bool = True,
) -> VrpSolution:
    """Solve ``problem`` with OR-Tools routing and return the best plan found.

    Without ``deterministic`` the search stops at ``time_limit_s`` (or at
    ``solution_limit`` solutions, whichever comes first). ``deterministic`` stops
    only after ``solution_limit`` solutions (default
    :data:`DETERMINISTIC_SOLUTION_LIMIT`) and never on wall time, so the same
    inputs give the same routes on any machine; ``time_limit_s`` must then be None.
    ``seed`` orders the stops among OR-Tools' nodes (as given for 0, shuffled
    otherwise; OR-Tools 9.15's iterated local search draws from a generator with
    a fixed seed, and the node order steers it) and reseeds the constraint
    solver's generator (randomised operators). Each seed is a different sample
    of the search: the same seed always gives the same routes.
    ``first_solution`` names an OR-Tools ``FirstSolutionStrategy``;
    ``metaheuristic`` picks the improvement search.

    ``ruin_and_recreate`` repairs by insertion alone, so its best plan then gets
    a greedy descent with OR-Tools' default local search operators (at most
    :data:`POLISH_SHARE` of a time-limited solve; to a local optimum otherwise).

    A time-limited solve with ``recombine`` (and no visit copies spaced across
    routes) pools the routes of the good solutions the search finds and spends
    the last :data:`RECOMBINATION_SHARE` of its time picking the cheapest plan
    made of them (a set-partitioning MIP, :mod:`planner.solve._route_pool`).
    Deterministic solves skip it: the MIP's work has no bound but wall time.
    """
    timed = time_limit_s is not None and time_limit_s > 0
    pool_share = RECOMBINATION_SHARE if recombine and timed and recombinable(problem) else 0.0
    polish = metaheuristic == "ruin_and_recreate"
    polish_share = POLISH_SHARE if polish and timed else 0.0
    params = _search_parameters(
        time_limit_s and time_limit_s * (1 - pool_share - polish_share),
        deterministic,
        solution_limit,
        first_solution,
        metaheuristic,
    )
    model = _build(problem, seed)
    routing = model.routing
    routing.solver().ReSeed(seed)
    pool = RoutePool(model) if pool_share else None
    clock = time.perf_counter()
    solutions = _SolutionLog(routing, pool, log_progress, clock)
    routing.AddAtSolutionCallback(solutions)
    assignment, timed_out = _run_search(routing, params, clock)
    with deferred_signals(routing.CancelSearch):
        if polish and assignment is not None:
            assignment = _polish(model, assignment, time_limit_s and time_limit_s * polish_share)
        if pool is not None and assignment is not None:
            assert time_limit_s is not None  # a pool only on time-limited solves
            assignment = _recombine(model, pool, assignment, clock + 0.99 * time_limit_s)
    wall = time.perf_counter() - clock
    stats = SolveStats(
        solver_status=routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status()),
        objective=assignment.ObjectiveValue() if assignment else 0,
        wall_time_s=wall,
        solutions=solutions.found,
        time_limit_reached=timed_out,
    )
    if assignment is None:
        every = tuple(range(len(problem.stops)))
        mandatory = tuple(k for k in every if problem.stops[k].drop_penalty is None)
        return VrpSolution("no_solution", (), every, mandatory, 0, 0, 0, stats)
    return _read_solution(model, assignment, stats)


@dataclass
class _SolutionLog:
    """Called at each solution the routing model accepts, the search's and those of the
    later polish and recombination: counts it, records it in ``pool``, reports progress."""

    routing: pywrapcp.RoutingModel
    pool: RoutePool | None
    log_progress: ProgressCallback | None
    clock: float
    found: int = 0

    def __call__(self) -> None:
        self.found += 1
        if self.pool is not None:
            self.pool.record()
        if self.log_progress is not None:
            self.log_progress(
                self.found, self.routing.CostVar().Min(), time.perf_counter() - self.clock
            )


def _run_search(
    routing: pywrapcp.RoutingModel,
    params: routing_parameters_pb2.RoutingSearchParameters,
    clock: float,
) -> tuple[pywrapcp.Assignment | None, bool]:
    """The search ``params`` describe: its best assignment (None when it found none) and
    whether it ran out of time (``clock`` is its start, as ``time.perf_counter``)."""
    assignment = _search(routing, params)
    search_wall = time.perf_counter() - clock
    timed_out = params.HasField("time_limit") and (
        search_wall >= 0.99 * params.time_limit.ToMilliseconds() / 1000
    )
    return assignment, timed_out


def _search(
    routing: pywrapcp.RoutingModel, params: routing_parameters_pb2.RoutingSearchParameters
) -> pywrapcp.Assignment | None:
    """The search's best assignment; a signal during it is raised when it returns.

    OR-Tools runs the search's callbacks in Python and loses what is raised there,
    so the signal is deferred. It also cancels the search, except an iterated local
    search: OR-Tools 9.15 goes on after a cancel until the time or solution limit,
    finding nothing more, so that one runs to its end (the command line's searches
    run in worker processes, which a signal ends at once).
    """
    if params.use_iterated_local_search:
        with deferred_signals():
            return routing.SolveWithIteratedLocalSearch(params)
    with deferred_signals(routing.CancelSearch):
        return routing.SolveWithParameters(params)


def _polish(
    model: _Model, assignment: pywrapcp.Assignment, time_limit_s: float | None
) -> pywrapcp.Assignment:
    """``assignment`` after a greedy descent with OR-Tools' default local search operators.

    A plan repaired by insertions alone is seldom a local optimum of 2-opt,
    exchange or cross moves. The descent stops at one, or at ``time_limit_s``;
    without a time limit its result depends on the inputs alone.
    """
    routing = model.routing
    best = routing.solver().Assignment(assignment)  # the next solve may reuse the one it returned
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    if time_limit_s is not None:
        params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    polished = routing.SolveFromAssignmentWithParameters(best, params)
    if polished is None or polished.ObjectiveValue() >= best.ObjectiveValue():
        return best
    return polished


def _recombine(
    model: _Model, pool: RoutePool, assignment: pywrapcp.Assignment, deadline: float
) -> pywrapcp.Assignment:
    """The assignment of the pool's cheapest plan, or ``assignment`` when none beats it."""
    routing = model.routing
    plan = pool.best_plan(pool.routes_in(assignment), deadline)
    if plan is None:
        return assignment
    combined = routing.solver().Assignment()
    if not routing.RoutesToAssignment(plan, True, True, combined):
        return assignment
    # a fresh solve of one solution: the routes' times and costs under new limits
    # (the search's own time limit is spent, and restoring would hit it)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.solution_limit = 1
    combined = routing.SolveFromAssignmentWithParameters(combined, params)
    if combined is None or combined.ObjectiveValue() >= assignment.ObjectiveValue():
        return assignment
    return combined


def _read_solution(
    model: _Model, assignment: pywrapcp.Assignment, stats: SolveStats
) -> VrpSolution:
    """Routes, times and totals from an OR-Tools assignment."""
    problem, routing, manager = model.problem, model.routing, model.manager

    def clock(index: int, earliest: int) -> int:
        """The solver's time at a routing index; without a time dimension, no waiting."""
        return earliest if model.time is None else assignment.Min(model.time.CumulVar(index))

    routes = []
    performed: set[int] = set()
    for k, vehicle in enumerate(problem.vehicles):
        factor = vehicle.vehicle_type.speed_factor
        travel, cost = model.travel[factor], model.cost[factor]
        index = routing.Start(k)
        start_time = clock(index, 0)
        previous, departure = manager.IndexToNode(index), start_time
        visits, totals = [], np.zeros(3, dtype=np.int64)  # travel, cost, peak load
        load = 0
        while not routing.IsEnd(index):
            index = assignment.Value(routing.NextVar(index))
            node = manager.IndexToNode(index)
            arrival = departure + int(travel[previous, node])
            totals += (travel[previous, node], cost[previous, node], 0)
            previous = node
            if routing.IsEnd(index):
                break
            stop = model.stop_at(node)
            begin = clock(index, arrival)
            departure = begin + problem.stops[stop].service
            load += problem.stops[stop].demand
            totals[2] = max(totals[2], load)
            visits.append(Visit(stop, arrival, begin, departure))
            performed.add(stop)
        nodes = (vehicle.start, *(problem.stops[v.stop].node for v in visits), vehicle.end)
        if not visits:  # an unused vehicle stays home: no travel, no cost
            totals[:] = 0
        end_time = clock(index, arrival) if visits else start_time
        totals[1] += vehicle.span_cost * (end_time - start_time)
        routes.append(Route(k, tuple(visits), nodes, start_time, end_time, *map(int, totals)))
    dropped = tuple(k for k in range(len(problem.stops)) if k not in performed)
    missed = tuple(k for k in dropped if problem.stops[k].drop_penalty is None)
    fixed = sum(problem.vehicles[r.vehicle].fixed_cost for r in routes if r.visits)
    return VrpSolution(
        status="infeasible" if missed else "feasible",
        routes=tuple(routes),
        dropped=dropped,
        missed_mandatory=missed,
        cost=sum(r.cost for r in routes) + fixed,
        travel_time=sum(r.travel_time for r in routes),
        penalty=sum(problem.stops[k].drop_penalty or 0 for k in dropped if k not in missed),
        stats=stats,
    )


def depart_just_in_time(problem: VrpProblem, solution: VrpSolution) -> VrpSolution:
    """The same routes leaving just in time for their first visit and ending on return.

    The solver's times may leave at the shift start and wait at the first stop,
    and (with visit spacing) report the end of the shift as the return time.
    """
    routes = []
    for route in solution.routes:
        if not route.visits:
            routes.append(route)
            continue
        vehicle = problem.vehicles[route.vehicle]
        travel = problem.travel_matrix(vehicle.vehicle_type)
        first, last = route.visits[0], route.visits[-1]
        start = first.start - int(travel[vehicle.start, problem.stops[first.stop].node])
        end = last.departure + int(travel[problem.stops[last.stop].node, vehicle.end])
        visits = (Visit(first.stop, first.start, first.start, first.departure), *route.visits[1:])
        shorter = (route.end_time - route.start_time) - (end - start)
        cost = route.cost - vehicle.span_cost * shorter
        routes.append(
            dataclasses.replace(route, visits=visits, start_time=start, end_time=end, cost=cost)
        )
    saved = sum(a.cost - b.cost for a, b in zip(solution.routes, routes, strict=True))
    return dataclasses.replace(solution, routes=tuple(routes), cost=solution.cost - saved)
