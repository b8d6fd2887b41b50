"""Quick-reaction reserve (pasukan cadangan): staging points chosen by coverage models."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from planner.inputs.rules import RiskCategory
from planner.inputs.scenario import Scenario
from planner.roads.hilbert import hilbert_index
from planner.roads.placement import RoadContext
from planner.roads.snap import SnappedPoints
from planner.solve.coverage import LSCP, MCLP, CoverageResult, PCenter


@dataclass(frozen=True)
class StagingPoint:
    """A candidate or chosen staging point: a post or a road junction."""

    point_id: str
    kind: str  # "post" or "junction"
    lon: float
    lat: float
    approximate: bool


@dataclass(frozen=True)
class ReservePlan:
    """Chosen staging points and every TPS' response time from the nearest of them."""

    model: str
    response_limit_s: float
    staging: tuple[StagingPoint, ...]
    tps_staging: dict[str, str]
    tps_response_s: dict[str, float]
    beyond_limit: tuple[str, ...]
    solver: CoverageResult

    @property
    def worst_response_s(self) -> float:
        """The longest response time to any TPS."""
        return max(self.tps_response_s.values(), default=0.0)


def junction_candidates(graph: nx.MultiDiGraph, count: int) -> list[StagingPoint]:
    """``count`` road junctions (three or more neighbours) spread evenly over the city."""
    junctions = [
        n for n in graph.nodes if len(set(graph.successors(n)) | set(graph.predecessors(n))) >= 3
    ]
    if not junctions or count <= 0:
        return []
    x = np.array([graph.nodes[n]["x"] for n in junctions])
    y = np.array([graph.nodes[n]["y"] for n in junctions])
    order = np.argsort(hilbert_index(x, y), kind="stable")
    picks = order[np.linspace(0, len(order) - 1, min(count, len(order))).round().astype(int)]
    return [
        StagingPoint(f"simpul-{junctions[i]}", "junction", float(x[i]), float(y[i]), False)
        for i in np.unique(picks)
    ]


def plan_reserve(scenario: Scenario, roads: RoadContext, seed: int = 0) -> ReservePlan:
    """Choose staging points with the scenario's reserve model and time every TPS.

    ``lscp``: fewest points so every TPS is reached within the limit (TPS that
    no candidate reaches in time are listed in ``beyond_limit``); ``pcenter``:
    ``units`` points minimising the worst response; ``mclp``: ``units`` points
    maximising risk-weighted TPS within the limit.
    """
    rules = scenario.rules.reserve
    posts = [
        StagingPoint(
            str(p.post_id), "post", float(p.longitude), float(p.latitude), bool(p.approximate)
        )
        for p in scenario.posts.itertuples()
    ]
    candidates = posts + junction_candidates(roads.graph, rules.candidate_road_nodes)
    junction_points = roads.index.snap(
        [c.point_id for c in candidates[len(posts) :]],
        np.array([c.lon for c in candidates[len(posts) :]]),
        np.array([c.lat for c in candidates[len(posts) :]]),
    )
    points = SnappedPoints.concat(roads.post_points, junction_points)
    cost = roads.router.matrix(points, roads.tps_points).T / rules.speed_factor
    limit = rules.response_limit_min * 60.0
    tps_ids = list(roads.tps_points.ids)
    reachable = cost.min(axis=1) <= limit
    if rules.model == "lscp":
        result = LSCP.from_cost_matrix(cost[reachable], service_radius=limit).solve(seed=seed)
    elif rules.model == "pcenter":
        result = PCenter.from_cost_matrix(cost, p=min(rules.units, len(candidates))).solve(
            seed=seed
        )
    else:
        weights = np.array(
            [scenario.rules.assignment.risk_weight[RiskCategory(r)] for r in scenario.tps["risk"]],
            dtype=float,
        )
        result = MCLP.from_cost_matrix(
            cost, weights, service_radius=limit, p=min(rules.units, len(candidates))
        ).solve(seed=seed)
    chosen = list(result.facilities)
    nearest = np.asarray(chosen)[np.argmin(cost[:, chosen], axis=1)]
    response = cost[np.arange(len(tps_ids)), nearest]
    return ReservePlan(
        model=rules.model,
        response_limit_s=limit,
        staging=tuple(candidates[k] for k in chosen),
        tps_staging={t: candidates[k].point_id for t, k in zip(tps_ids, nearest, strict=True)},
        tps_response_s={t: float(r) for t, r in zip(tps_ids, response, strict=True)},
        beyond_limit=tuple(t for t, r in zip(tps_ids, response, strict=True) if r > limit),
        solver=result,
    )
