"""The scenario on the road network: TPS and posts snapped, the router for travel times."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import networkx as nx
import numpy as np

from planner.errors import InputError, Problem, ProblemLog
from planner.inputs.areas import POINT_ID
from planner.inputs.scenario import Scenario
from planner.inputs.workbook import table_file
from planner.roads.network import NetworkReport
from planner.roads.routing import RoadRouter
from planner.roads.snap import EdgeIndex, SnappedPoints, snap_frame


@dataclass(frozen=True)
class RoadContext:
    """A scenario placed on a road network, with the router for travel times and the edge
    index that snapped it (built once: snap any other place with ``index``)."""

    graph: nx.MultiDiGraph
    report: NetworkReport
    router: RoadRouter
    tps_points: SnappedPoints
    post_points: SnappedPoints
    index: EdgeIndex


def place_on_network(
    scenario: Scenario,
    graph: nx.MultiDiGraph,
    report: NetworkReport,
    index: EdgeIndex | None = None,
) -> RoadContext:
    """Snap TPS and posts to the network; a point (a listed site too) too far from any road is
    an input error. ``index`` is the graph's edge index when one is built already."""
    index = EdgeIndex(graph) if index is None else index
    tps_points = snap_frame(index, scenario.tps, "tps_id")
    post_points = snap_frame(index, scenario.posts, "post_id")
    limit = scenario.rules.snap_max_distance_m
    problems = [
        *far_from_road(scenario.tps, tps_points, scenario.sources["tps"], limit),
        *far_from_road(scenario.posts, post_points, scenario.sources["posts"], limit),
    ]
    if scenario.sites is not None:
        sites = snap_frame(index, scenario.sites, "site_id")
        problems += far_from_road(scenario.sites, sites, scenario.sources["sites"], limit)
    if problems:
        raise InputError(problems)
    return RoadContext(graph, report, RoadRouter(graph), tps_points, post_points, index)


def far_from_road(
    frame: gpd.GeoDataFrame, points: SnappedPoints, source: str, limit: float
) -> list[Problem]:
    """Problems for points farther from the network than ``limit`` metres."""
    log = ProblemLog(
        str(table_file(source)),
        row_label=str(frame.attrs.get("row_label", "baris")),  # type: ignore[arg-type]
        sheet=frame.attrs.get("sheet"),
    )
    for row, distance, point_id in zip(
        frame["source_row"], points.distance_m, points.ids, strict=True
    ):
        if distance > limit:
            log.add(
                f"'{point_id}' berjarak {distance:,.0f} m dari jalan terdekat "
                f"(batas {limit:,.0f} m): di luar wilayah jaringan jalan atau koordinat salah",
                f"'{point_id}' is {distance:,.0f} m from the nearest road (limit {limit:,.0f} m):"
                " outside the network area or wrong coordinates",
                row=int(row),
                column="latitude/longitude",
                code="far_from_road",
            )
    return log.problems


@dataclass
class RoadDistances:
    """The check of a table's points against the roads (:data:`planner.inputs.areas.RoadCheck`),
    keeping every distance measured (metres)."""

    index: EdgeIndex
    limit_m: float
    measured: list[np.ndarray] = field(default_factory=list)

    def __call__(self, frame: gpd.GeoDataFrame, source: str) -> list[Problem]:
        """Problems for the points of ``frame`` farther from any road than the limit."""
        points = snap_frame(self.index, frame, POINT_ID)
        self.measured.append(points.distance_m)
        return far_from_road(frame, points, source, self.limit_m)
