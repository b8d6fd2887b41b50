"""Location-coverage models (LSCP, MCLP, p-median, p-center) on any cost matrix, via OR-Tools."""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar, Literal

import numpy as np
from ortools.math_opt.python import mathopt

from planner.solve._mathopt import model_from_arrays, proved_infeasible

__all__ = ["LSCP", "MCLP", "CoverageResult", "PCenter", "PMedian"]

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
_Levels = tuple[np.ndarray, np.ndarray]
"""One client's covering rows: rising costs, and what falling short at each costs (nan = hard)."""

SOLVER = "highs"
"""HiGHS, the MIP solver inside the OR-Tools wheel, driven through MathOpt."""

_OPTIMAL_GAP = 1e-9
_MAX_SEED = 2**31 - 1
_SCALE_EXPONENT = 20  # largest objective coefficient near 1e6, where HiGHS stops warning


@dataclass(frozen=True)
class CoverageResult:
    """The outcome of one ``solve``; its arrays are read-only.

    ``objective`` is recomputed from the float costs and weights for the chosen
    ``facilities`` (nan when no solution was found). ``gap`` is
    ``|objective - best_bound| / |objective|``, 0 when optimal. ``client_facility``
    gives each client's nearest chosen facility, -1 where none serves it (outside the
    service radius for LSCP and MCLP, no finite cost for the p-models);
    ``covered`` is ``client_facility >= 0``.
    """

    status: Status
    objective: float
    best_bound: float
    gap: float
    facilities: tuple[int, ...]
    client_facility: np.ndarray
    covered: np.ndarray
    solve_time_s: float
    solver: str


@dataclass(frozen=True)
class _Settings:
    """Checked ``solve`` arguments and the wall-clock deadline they imply."""

    deadline: float | None
    seed: int
    mip_gap: float

    def remaining_s(self) -> float:
        """Seconds left before the deadline (inf without one)."""
        return math.inf if self.deadline is None else self.deadline - time.perf_counter()


@dataclass(frozen=True)
class _Outcome:
    """What a search found: its status, the chosen facilities and the best bound."""

    status: Status
    facilities: tuple[int, ...] | None
    bound: float = math.nan


@dataclass(frozen=True)
class _Mip:
    """A covering MIP; the model's objective is ``offset + sign * solver objective / scale``."""

    model: mathopt.Model
    y: list[mathopt.Variable]
    scale: float = 1.0
    offset: float = 0.0
    sign: float = 1.0


class _CoverageModel:
    """The cost matrix, checked parameters and solving shared by the four models.

    Build a model with its ``from_cost_matrix``. ``reach[i, j]`` says whether
    facility ``j`` can serve client ``i``: within the service radius for LSCP and
    MCLP, at finite cost for the p-models.
    """

    sense: ClassVar[Literal["min", "max"]] = "min"
    serves_everyone: ClassVar[bool] = True
    unreachable_text: ClassVar[str] = "cannot reach any facility (every cost is inf)"

    def __init__(
        self,
        cost: np.ndarray,
        *,
        weights: np.ndarray | None = None,
        service_radius: float | None = None,
        p: int | None = None,
        predefined: Iterable[int] = (),
    ):
        self.cost = _checked_cost(cost)
        n_clients, n_facilities = self.cost.shape
        self.weights = None if weights is None else _checked_weights(weights, n_clients)
        self.service_radius = None if service_radius is None else _checked_radius(service_radius)
        self.p = None if p is None else _checked_p(p, n_facilities)
        self.predefined = _checked_predefined(predefined, n_facilities, self.p)
        self.reach = np.isfinite(self.cost)
        if self.service_radius is not None:
            self.reach &= self.cost <= self.service_radius
        self.reach.setflags(write=False)
        stranded = np.flatnonzero(~self.reach.any(axis=1)).tolist()
        if self.serves_everyone and stranded:
            radius = "" if service_radius is None else f" {self.service_radius:g}"
            raise ValueError(
                f"{type(self).__name__} is infeasible: clients {_listed(stranded)} "
                f"{self.unreachable_text}{radius}"
            )

    @property
    def n_clients(self) -> int:
        """Number of clients (rows of the cost matrix)."""
        return self.cost.shape[0]

    @property
    def n_facilities(self) -> int:
        """Number of candidate facilities (columns of the cost matrix)."""
        return self.cost.shape[1]

    def solve(
        self,
        time_limit_s: float | None = None,
        seed: int = 0,
        workers: int = 1,
        mip_gap: float = 0.0,
    ) -> CoverageResult:
        """Solve the model; the same arguments give the same result.

        ``time_limit_s`` bounds the wall-clock time (a search it cuts short may
        differ run to run). ``mip_gap`` is the relative gap at which the search may
        stop. ``workers``
        is checked and kept for API parity only: HiGHS fixes its thread pool once
        per process and searches its branch-and-bound tree on one thread.
        """
        settings = _checked_settings(time_limit_s, seed, workers, mip_gap)
        start = time.perf_counter()
        outcome = self._search(settings)
        return self._result(outcome, settings, time.perf_counter() - start)

    def _search(self, settings: _Settings) -> _Outcome:
        """Solve the model's MIP once."""
        return _solve_mip(self._formulate(), settings)

    def _formulate(self) -> _Mip:
        """The model's MIP."""
        raise NotImplementedError

    def _objective(self, facilities: tuple[int, ...], nearest: np.ndarray) -> float:
        """The objective of a facility set, from the float costs and weights."""
        raise NotImplementedError

    def _result(self, outcome: _Outcome, settings: _Settings, elapsed: float) -> CoverageResult:
        """Assign clients to their nearest chosen facility and score the choice."""
        client_facility = np.full(self.n_clients, -1)
        objective = gap = math.nan
        bound, status = outcome.bound, outcome.status
        if outcome.facilities is not None:
            chosen = np.array(outcome.facilities, dtype=int)
            costs = np.where(self.reach[:, chosen], self.cost[:, chosen], np.inf)
            best = costs.argmin(axis=1)
            nearest = costs[np.arange(self.n_clients), best]
            client_facility = np.where(np.isfinite(nearest), chosen[best], -1)
            objective = self._objective(outcome.facilities, nearest)
            gap = _relative_gap(objective, bound, self.sense)
            # At zero gap tolerance HiGHS's proof stands even where float noise in the
            # bound of a zero objective makes the relative gap look large.
            if status == "optimal" and (settings.mip_gap == 0 or gap <= _OPTIMAL_GAP):
                bound, gap = objective, 0.0
            else:
                status = "feasible"
        covered = client_facility >= 0
        client_facility.setflags(write=False)
        covered.setflags(write=False)
        return CoverageResult(
            status=status,
            objective=objective,
            best_bound=bound,
            gap=gap,
            facilities=outcome.facilities or (),
            client_facility=client_facility,
            covered=covered,
            solve_time_s=elapsed,
            solver=SOLVER,
        )


class LSCP(_CoverageModel):
    """Location set covering: the fewest facilities that put every client within the radius.

    A client with no facility within the radius makes every choice infeasible:
    ``from_cost_matrix`` raises ``ValueError`` naming those clients, so ``solve``
    never reports "infeasible".
    """

    unreachable_text: ClassVar[str] = "have no facility within the service radius"

    @classmethod
    def from_cost_matrix(
        cls, cost: np.ndarray, service_radius: float, *, predefined: Iterable[int] = ()
    ) -> LSCP:
        """Build from a clients x facilities cost matrix (``np.inf`` = unreachable)."""
        return cls(cost, service_radius=service_radius, predefined=predefined)

    def _formulate(self) -> _Mip:
        levels = _within(self.service_radius, self.n_clients)
        return _covering_mip(self.cost, self.reach, levels, self.predefined)

    def _objective(self, facilities: tuple[int, ...], nearest: np.ndarray) -> float:
        return float(len(facilities))


class MCLP(_CoverageModel):
    """Maximal covering: ``p`` facilities covering the most client weight within the radius."""

    sense: ClassVar[Literal["min", "max"]] = "max"
    serves_everyone: ClassVar[bool] = False

    @classmethod
    def from_cost_matrix(
        cls,
        cost: np.ndarray,
        weights: np.ndarray,
        service_radius: float,
        p: int,
        *,
        predefined: Iterable[int] = (),
    ) -> MCLP:
        """Build from a clients x facilities cost matrix and one weight per client."""
        return cls(cost, weights=weights, service_radius=service_radius, p=p, predefined=predefined)

    def _formulate(self) -> _Mip:
        # Covered weight = total weight - the weight of the clients left short.
        radius = np.array([self.service_radius])
        levels = [(radius, np.array([w])) for w in self.weights]
        mip = _covering_mip(self.cost, self.reach, levels, self.predefined, self.p)
        return _Mip(mip.model, mip.y, mip.scale, offset=math.fsum(self.weights), sign=-1.0)

    def _objective(self, facilities: tuple[int, ...], nearest: np.ndarray) -> float:
        return math.fsum(self.weights[np.isfinite(nearest)])


class PMedian(_CoverageModel):
    """p-median: ``p`` facilities minimising the weighted sum of client-to-nearest costs."""

    @classmethod
    def from_cost_matrix(
        cls, cost: np.ndarray, weights: np.ndarray, p: int, *, predefined: Iterable[int] = ()
    ) -> PMedian:
        """Build from a clients x facilities cost matrix and one weight per client."""
        return cls(cost, weights=weights, p=p, predefined=predefined)

    def _formulate(self) -> _Mip:
        # A client pays its nearest cost d[0], plus d[k+1] - d[k] for each of its distinct
        # costs d[k] with no open facility within it. Any p facilities include one of a
        # client's (facilities - p + 1) nearest, so its costs beyond those never matter.
        levels: list[_Levels] = []
        for i, w in enumerate(self.weights):
            costs = np.sort(self.cost[i][self.reach[i]])
            d = np.unique(costs[: self.n_facilities - self.p + 1])
            levels.append((d, np.append(w * np.diff(d), np.nan)))
        mip = _covering_mip(self.cost, self.reach, levels, self.predefined, self.p)
        nearest = math.fsum(w * d[0] for w, (d, _) in zip(self.weights, levels, strict=True))
        return _Mip(mip.model, mip.y, mip.scale, offset=nearest)

    def _objective(self, facilities: tuple[int, ...], nearest: np.ndarray) -> float:
        return math.fsum(self.weights * nearest)


class PCenter(_CoverageModel):
    """p-center: ``p`` facilities minimising the largest client-to-nearest cost.

    Solved exactly on the float costs: a binary search over the distinct cost
    values, each step a covering feasibility MIP ("can ``p`` facilities serve
    every client within this cost?").
    """

    @classmethod
    def from_cost_matrix(
        cls, cost: np.ndarray, p: int, *, predefined: Iterable[int] = ()
    ) -> PCenter:
        """Build from a clients x facilities cost matrix (``np.inf`` = unreachable)."""
        return cls(cost, p=p, predefined=predefined)

    def _search(self, settings: _Settings) -> _Outcome:
        # No choice beats the client whose closest facility is farthest away.
        floor = np.where(self.reach, self.cost, np.inf).min(axis=1).max()
        radii = np.unique(self.cost[self.reach & (self.cost >= floor)])
        lo, hi = 0, len(radii) - 1  # the optimum is in radii[lo..hi] once one is found
        best: list[int] | None = None
        while best is None or (lo < hi and radii[hi] - radii[lo] > settings.mip_gap * radii[hi]):
            mid = hi if best is None else (lo + hi) // 2
            outcome = self._cover_within(radii[mid], settings)
            if outcome.status == "unknown":
                break
            if outcome.status == "infeasible":
                if best is None:  # not even every reachable pair is enough
                    return outcome
                lo = mid + 1
            else:
                best = list(outcome.facilities)
                served = np.where(self.reach[:, best], self.cost[:, best], np.inf).min(axis=1)
                hi = int(np.searchsorted(radii, served.max()))
        if best is None:
            return _Outcome("unknown", None)
        return _Outcome("optimal" if lo == hi else "feasible", tuple(best), float(radii[lo]))

    def _cover_within(self, radius: float, settings: _Settings) -> _Outcome:
        """Whether ``p`` facilities can serve every client at cost ``radius`` or less."""
        levels = _within(radius, self.n_clients)
        mip = _covering_mip(self.cost, self.reach, levels, self.predefined, self.p)
        return _solve_mip(mip, settings)

    def _objective(self, facilities: tuple[int, ...], nearest: np.ndarray) -> float:
        return float(nearest.max())


def _within(radius: float, n_clients: int) -> list[_Levels]:
    """One hard row per client: an open facility within ``radius``."""
    return [(np.array([radius]), np.array([np.nan]))] * n_clients


def _covering_mip(
    cost: np.ndarray,
    reach: np.ndarray,
    levels: list[_Levels],
    predefined: tuple[int, ...],
    p: int | None = None,
) -> _Mip:
    """The one MIP behind every model: open facilities and a staircase of covering rows.

    Binary ``y[j]`` opens facility ``j`` (fixed open when predefined). Client ``i``
    with levels ``(d, penalty)`` gets one row per cost ``d[k]``, asking for an open
    facility it reaches within ``d[k]``; a soft row may fall short by ``s[k]`` in
    [0, 1] at ``penalty[k]`` each, a hard row (nan penalty, last only) may not. Rows
    chain, each adding the facilities first reached at its cost:
    ``y(within d[0]) + s[0] >= 1``, ``y(within d[k], not d[k-1]) + s[k] - s[k-1] >= 0``,
    so ``s[k] >= 1 - y(within d[k])``. At integral ``y`` the best ``s`` is 0 or 1,
    so ``s`` needs no integrality. Exactly ``p`` facilities open when ``p`` is given;
    without ``p`` the number open is minimised.

    One level per client is a set-covering row (LSCP, each p-center step) or a
    maximal-covering row (MCLP); a client's distinct costs as levels, each charged
    the step to the next one, are p-median's radius formulation (Elloumi 2010): the
    LP bound of the classic ``x[i, j] <= y[j]`` assignment model, far fewer rows.
    """
    n_facilities = cost.shape[1]
    rows, columns, values = [], [], []  # matrix entries
    row_lower: list[float] = []
    penalty: list[float] = []  # of each shortfall variable, numbered after the y
    for i, (d, penalties) in enumerate(levels):
        first = len(row_lower)
        counted = np.flatnonzero(reach[i] & (cost[i] <= d[-1]))
        rows.append(first + np.searchsorted(d, cost[i, counted]))  # the level first reaching j
        columns.append(counted)
        values.append(np.ones(len(counted)))
        soft = np.flatnonzero(~np.isnan(penalties))
        short = n_facilities + len(penalty) + np.arange(len(soft))
        carried = soft + 1 < len(d)  # a shortfall carries on into the next row
        rows += [first + soft, first + soft[carried] + 1]
        columns += [short, short[carried]]
        values += [np.ones(len(soft)), -np.ones(np.count_nonzero(carried))]
        penalty += penalties[soft].tolist()
        row_lower += [1.0] + [0.0] * (len(d) - 1)
    row_upper = [math.inf] * len(row_lower)
    scale = _objective_scale(np.array(penalty))
    if p is None:
        objective = np.r_[np.ones(n_facilities), np.zeros(len(penalty))]
    else:
        objective = np.r_[np.zeros(n_facilities), np.array(penalty) * scale]
        rows.append(np.full(n_facilities, len(row_lower)))
        columns.append(np.arange(n_facilities))
        values.append(np.ones(n_facilities))
        row_lower.append(p)
        row_upper.append(p)
    n_variables = len(objective)
    lower = np.zeros(n_variables)
    lower[list(predefined)] = 1.0
    model = model_from_arrays(
        (lower, np.ones(n_variables), np.arange(n_variables) < n_facilities),
        objective,
        (np.array(row_lower, dtype=float), np.array(row_upper)),
        (np.concatenate(rows), np.concatenate(columns), np.concatenate(values)),
    )
    return _Mip(model, [model.get_variable(j) for j in range(n_facilities)], scale)


def _objective_scale(coefficients: np.ndarray) -> float:
    """A power of two bringing the largest objective coefficient near 2**_SCALE_EXPONENT.

    HiGHS prunes with absolute tolerances (1e-6), which would blur the optimum of
    tiny costs; a power of two rescales floats exactly, so the optimum set is kept.
    """
    largest = float(np.max(coefficients, initial=0.0))
    return 1.0 if largest == 0 else math.ldexp(1.0, _SCALE_EXPONENT - math.frexp(largest)[1])


def _solve_mip(mip: _Mip, settings: _Settings) -> _Outcome:
    """Solve with HiGHS, deterministically, and read which facilities open."""
    remaining = settings.remaining_s()
    if remaining <= 0:
        return _Outcome("unknown", None)
    params = mathopt.SolveParameters(
        time_limit=None if math.isinf(remaining) else timedelta(seconds=remaining),
        random_seed=settings.seed,
        relative_gap_tolerance=settings.mip_gap,
        absolute_gap_tolerance=0.0,
    )
    result = mathopt.solve(mip.model, mathopt.SolverType.HIGHS, params=params)
    if proved_infeasible(result):
        return _Outcome("infeasible", None)
    reason = result.termination.reason
    bound = mip.offset + mip.sign * result.termination.objective_bounds.dual_bound / mip.scale
    if not result.has_primal_feasible_solution():
        return _Outcome("unknown", None, bound)
    values = result.variable_values(mip.y)
    facilities = tuple(j for j, value in enumerate(values) if value > 0.5)
    status: Status = "optimal" if reason == mathopt.TerminationReason.OPTIMAL else "feasible"
    return _Outcome(status, facilities, bound)


def _relative_gap(objective: float, bound: float, sense: Literal["min", "max"]) -> float:
    """Proven relative gap between a solution and the best bound (inf without a bound)."""
    if not math.isfinite(bound):
        return math.inf
    slack = objective - bound if sense == "min" else bound - objective
    if slack <= 0:
        return 0.0
    return slack / abs(objective) if objective else math.inf


def _checked_cost(cost: np.ndarray) -> np.ndarray:
    """A read-only float copy of a clients x facilities cost matrix."""
    matrix = np.array(cost, dtype=float)
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(
            "cost must be a 2-D array of clients x facilities with at least one of each, "
            f"got shape {matrix.shape}"
        )
    for name, bad in (("NaN", np.isnan(matrix)), ("negative", matrix < 0)):
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"cost must not be {name} (use np.inf for an unreachable pair), "
                f"got {matrix[i, j]} for client {i} and facility {j}"
            )
    matrix.setflags(write=False)
    return matrix


def _checked_weights(weights: np.ndarray, n_clients: int) -> np.ndarray:
    """A read-only float copy of one finite, non-negative weight per client."""
    values = np.array(weights, dtype=float)
    if values.shape != (n_clients,):
        raise ValueError(
            f"weights must hold one number per client ({n_clients}), got shape {values.shape}"
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"weights must be finite and not negative, got {values[i]} for client {i}")
    values.setflags(write=False)
    return values


def _checked_radius(service_radius: float) -> float:
    """The service radius as a float, not NaN and not negative."""
    radius = float(service_radius)
    if not radius >= 0:
        raise ValueError(f"service_radius must be zero or more, got {service_radius}")
    return radius


def _whole(name: str, value: int) -> int:
    """``value`` as an int, refusing floats and booleans."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value}")
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def _checked_p(p: int, n_facilities: int) -> int:
    """The number of facilities to open, between 1 and the number of facilities."""
    count = _whole("p", p)
    if not 1 <= count <= n_facilities:
        raise ValueError(
            f"p must be between 1 and the number of facilities ({n_facilities}), got {count}"
        )
    return count


def _checked_predefined(
    predefined: Iterable[int], n_facilities: int, p: int | None
) -> tuple[int, ...]:
    """The facilities that must open, sorted, each a valid index at most once."""
    indices = [_whole("each predefined facility", j) for j in predefined]
    for j in indices:
        if not 0 <= j < n_facilities:
            raise ValueError(
                f"predefined facility {j} is not a facility index (0 to {n_facilities - 1})"
            )
    if len(set(indices)) != len(indices):
        raise ValueError(f"predefined facilities must not repeat, got {indices}")
    if p is not None and len(indices) > p:
        raise ValueError(f"{len(indices)} predefined facilities do not fit in p = {p}")
    return tuple(sorted(indices))


def _listed(indices: list[int], limit: int = 20) -> str:
    """Indices as "3, 7, 12", cut after ``limit`` with how many more."""
    text = ", ".join(map(str, indices[:limit]))
    return text if len(indices) <= limit else f"{text} and {len(indices) - limit} more"


def _checked_settings(
    time_limit_s: float | None, seed: int, workers: int, mip_gap: float
) -> _Settings:
    """Check the ``solve`` arguments and start the clock."""
    if time_limit_s is not None and not time_limit_s > 0:
        raise ValueError(f"time_limit_s must be more than zero or None, got {time_limit_s}")
    seed = _whole("seed", seed)
    if not 0 <= seed <= _MAX_SEED:
        raise ValueError(f"seed must be between 0 and {_MAX_SEED}, got {seed}")
    if _whole("workers", workers) < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not 0 <= mip_gap < 1:
        raise ValueError(f"mip_gap must be at least 0 and below 1, got {mip_gap}")
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    return _Settings(deadline, seed, float(mip_gap))
