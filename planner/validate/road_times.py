"""Travel times on the validator's own copy of the road graph, places inserted on its edges."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer


class RoadTimes:
    """The road graph with chosen points inserted as nodes that split the roads they lie on.

    A road is a directed edge together with its twin (the opposite edge with the
    reversed geometry). Each point is snapped to the nearest road in a UTM
    projection and joined to the road's ends (or its neighbours on the road) by
    the matching share of the edge's ``travel_time``.
    """

    def __init__(self, graph: nx.MultiDiGraph, points: Mapping[Hashable, tuple[float, float]]):
        roads: dict[tuple[bytes, Hashable, Hashable], list[Any]] = {}
        for u, v, data in graph.edges(data=True):
            geometry = data.get("geometry")
            if geometry is None:
                a, b = graph.nodes[u], graph.nodes[v]
                geometry = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            coords = np.round(shapely.get_coordinates(geometry), 7)  # twins match to 1 cm
            forward = (coords.tobytes(), u, v)
            backward = (coords[::-1].tobytes(), v, u)
            key, is_forward = (forward, True) if forward <= backward else (backward, False)
            road = roads.setdefault(
                key, [geometry if is_forward else geometry.reverse(), math.inf, math.inf]
            )
            slot = 1 if is_forward else 2
            road[slot] = min(road[slot], float(data["travel_time"]))
        keys = list(roads)
        lines = np.array([roads[k][0] for k in keys], dtype=object)
        lon_lat = shapely.get_coordinates(lines)
        lon0, lat0 = float(np.mean(lon_lat[:, 0])), float(np.mean(lon_lat[:, 1]))
        zone = int((lon0 + 180.0) // 6.0) % 60 + 1
        epsg = (32700 if lat0 < 0 else 32600) + zone
        to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

        def project(xy: np.ndarray) -> np.ndarray:
            x, y = to_metric.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        metric = shapely.transform(lines, project)
        self._to_metric = to_metric
        names = list(points)
        lon = np.array([points[n][0] for n in names], dtype=float)
        lat = np.array([points[n][1] for n in names], dtype=float)
        x, y = to_metric.transform(lon, lat)
        where = shapely.points(x, y)
        self.distance_m: dict[Hashable, float] = {}
        self.on_road_xy: dict[Hashable, tuple[float, float]] = {}
        """Where each point was placed on its road (projected metres)."""
        on_road: dict[int, list[tuple[float, Hashable]]] = defaultdict(list)
        if names:
            tree = shapely.STRtree(metric)
            (point_idx, road_idx), distance = tree.query_nearest(
                where, return_distance=True, all_matches=False
            )
            fraction = shapely.line_locate_point(
                metric[road_idx], where[point_idx], normalized=True
            )
            fraction = np.nan_to_num(fraction, nan=0.0)
            placed = shapely.get_coordinates(
                shapely.line_interpolate_point(metric[road_idx], fraction, normalized=True)
            )
            for p, r, d, f, xy in zip(point_idx, road_idx, distance, fraction, placed, strict=True):
                on_road[int(r)].append((float(f), ("point", names[p])))
                self.distance_m[names[p]] = float(d)
                self.on_road_xy[names[p]] = (float(xy[0]), float(xy[1]))
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(graph.nodes)
        for r, key in enumerate(keys):
            _, u, v = key
            _, forward, backward = roads[key]
            chain = [(0.0, u), *sorted(on_road.get(r, []), key=lambda s: s[0]), (1.0, v)]
            for (fa, a), (fb, b) in itertools.pairwise(chain):
                share = fb - fa
                if share <= 0.0:  # the same place: both ways at no cost
                    self._add(a, b, 0.0)
                    self._add(b, a, 0.0)
                    continue
                if forward < math.inf:
                    self._add(a, b, share * forward)
                if backward < math.inf:
                    self._add(b, a, share * backward)

    def metres_from_placed(self, name: Hashable, lon_lat: Sequence[float]) -> float:
        """Metres from a placed point's spot on its road to ``lon_lat`` (infinite if not placed)."""
        if name not in self.on_road_xy:
            return math.inf
        x, y = self._to_metric.transform(float(lon_lat[0]), float(lon_lat[1]))
        px, py = self.on_road_xy[name]
        return math.hypot(x - px, y - py)

    def _add(self, a: Hashable, b: Hashable, weight: float) -> None:
        if a == b:
            return
        current = self.graph.get_edge_data(a, b)
        if current is None or weight < current["w"]:
            self.graph.add_edge(a, b, w=weight)

    def times_from(self, origin: Hashable, cutoff: float | None = None) -> Mapping[Hashable, float]:
        """``travel_time`` seconds from a placed point to every placed point within ``cutoff``."""
        lengths = nx.single_source_dijkstra_path_length(
            self.graph, ("point", origin), cutoff=cutoff, weight="w"
        )
        return {node[1]: t for node, t in lengths.items() if is_point(node)}


def is_point(node: Hashable) -> bool:
    return isinstance(node, tuple) and len(node) == 2 and node[0] == "point"


def nearest_node_m(node_xy: np.ndarray, lon_lat: Sequence[float]) -> float:
    """Metres (equirectangular approximation) from a point to the nearest network node."""
    if len(node_xy) == 0:
        return math.inf
    lon, lat = lon_lat
    dx = (node_xy[:, 0] - lon) * math.cos(math.radians(lat))
    dy = node_xy[:, 1] - lat
    return float(np.sqrt(np.min(dx * dx + dy * dy)) * 111_320.0)
