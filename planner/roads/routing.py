"""Travel-time and distance matrices and road paths between snapped points.

Shortest paths run in compiled code (``scipy.sparse.csgraph.dijkstra``) from
the network nodes next to the origins; point-to-point costs then add the part
of the edge between each point and its node, so points in the middle of long
edges cost what they really cost. Points on the same edge reach each other
directly along it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from planner.roads.snap import SnappedPoints

Weight = Literal["travel_time", "length"]


@dataclass(frozen=True)
class _Ends:
    """For each point: up to two network nodes and the cost between point and node."""

    node: np.ndarray  # (n, 2) compact node index, -1 where that direction is closed
    cost: np.ndarray  # (n, 2) seconds or metres, inf where closed


class RoadRouter:
    """Shortest travel times, distances and paths on one network."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        self.nodes = np.array(list(graph.nodes), dtype=np.int64)
        self.position = {int(n): i for i, n in enumerate(self.nodes)}
        self._csr: dict[Weight, csr_array] = {}
        self._best_key: dict[Weight, dict[tuple[int, int], int]] = {}
        self._twins: dict[tuple[int, int, int], int | None] = {}

    def csr(self, weight: Weight) -> csr_array:
        """The network as a sparse matrix of the cheapest parallel edge per node pair."""
        if weight not in self._csr:
            best: dict[tuple[int, int], tuple[float, int]] = {}
            for u, v, k, w in self.graph.edges(keys=True, data=weight):
                pair = (self.position[u], self.position[v])
                if pair not in best or w < best[pair][0]:
                    best[pair] = (float(w), k)
            rows = np.fromiter((p[0] for p in best), np.int64, len(best))
            cols = np.fromiter((p[1] for p in best), np.int64, len(best))
            # a zero-length edge must stay an edge: sparse matrices drop explicit zeros
            vals = np.fromiter((max(c, 1e-9) for c, _ in best.values()), float, len(best))
            n = len(self.nodes)
            self._csr[weight] = csr_array((vals, (rows, cols)), shape=(n, n))
            self._best_key[weight] = {pair: key for pair, (_, key) in best.items()}
        return self._csr[weight]

    def _edge_weight(self, u: np.ndarray, v: np.ndarray, key: np.ndarray, weight: Weight):
        return np.array(
            [
                self.graph.edges[int(a), int(b), int(k)][weight]
                for a, b, k in zip(u, v, key, strict=True)
            ],
            dtype=float,
        )

    def _twin_key(self, u: int, v: int, key: int) -> int | None:
        """Key of the edge ``v -> u`` that is the same road as ``(u, v, key)``, None if one-way.

        The twin is the opposite edge with the reversed geometry (the same key is
        tried first): another road between the same two nodes is not a way back.
        """
        edge = (u, v, key)
        if edge not in self._twins:
            self._twins[edge] = None
            opposite = self.graph.get_edge_data(v, u) or {}
            reverse = self.graph.edges[edge]["geometry"].reverse()
            for k in sorted(opposite, key=lambda k: k != key):
                if shapely.equals_exact(opposite[k]["geometry"], reverse, tolerance=1e-7):
                    self._twins[edge] = k
                    break
        return self._twins[edge]

    def _reverse_weight(self, u: np.ndarray, v: np.ndarray, key: np.ndarray, weight: Weight):
        """Weight of the same road driven ``v -> u``, inf if it is one-way."""
        out = np.full(len(u), np.inf)
        for i, (a, b, k) in enumerate(zip(u.tolist(), v.tolist(), key.tolist(), strict=True)):
            twin = self._twin_key(a, b, k)
            if twin is not None:
                out[i] = self.graph.edges[b, a, twin][weight]
        return out

    def _ends(self, points: SnappedPoints, weight: Weight, leaving: bool) -> _Ends:
        forward = self._edge_weight(points.u, points.v, points.key, weight)
        backward = self._reverse_weight(points.u, points.v, points.key, weight)
        f = points.fraction
        u_idx = np.array([self.position[int(n)] for n in points.u], dtype=np.int64)
        v_idx = np.array([self.position[int(n)] for n in points.v], dtype=np.int64)
        if leaving:  # point -> v along the edge, point -> u against it
            cost = np.stack([_part(1 - f, forward), _part(f, backward)], axis=1)
            node = np.stack([v_idx, u_idx], axis=1)
        else:  # u -> point along the edge, v -> point against it
            cost = np.stack([_part(f, forward), _part(1 - f, backward)], axis=1)
            node = np.stack([u_idx, v_idx], axis=1)
        return _Ends(node=np.where(np.isfinite(cost), node, -1), cost=cost)

    def matrix(
        self,
        origins: SnappedPoints,
        destinations: SnappedPoints | None = None,
        weight: Weight = "travel_time",
    ) -> np.ndarray:
        """Cheapest cost from every origin to every destination (seconds or metres).

        ``inf`` where a destination cannot be reached. Besides the result, memory holds
        one more origins x destinations array and the shortest paths from the origins'
        nodes (at most nodes x nodes), never an origins x nodes array.
        """
        destinations = origins if destinations is None else destinations
        out_ends = self._ends(origins, weight, leaving=True)
        in_ends = self._ends(destinations, weight, leaving=False)
        sources, source_row = np.unique(
            np.where(out_ends.node >= 0, out_ends.node, out_ends.node.max(initial=0)),
            return_inverse=True,
        )
        source_row = source_row.reshape(out_ends.node.shape)
        dist = dijkstra(self.csr(weight), directed=True, indices=sources)
        result = np.full((len(origins), len(destinations)), np.inf)
        for a in range(2):
            for b in range(2):
                cand = dist[np.ix_(source_row[:, a], in_ends.node[:, b])]
                cand += out_ends.cost[:, a, None]  # in place: (leave + path) + arrive
                cand += in_ends.cost[None, :, b]
                np.minimum(result, cand, out=result)
                del cand  # freed before the next one is made
        self._same_edge(origins, destinations, weight, result)
        return result

    def _same_road(
        self, origins: SnappedPoints, dests: SnappedPoints
    ) -> Iterator[tuple[int, int, float]]:
        """``(i, j, g)`` for destinations ``j`` on the road of origin ``i``.

        ``g`` is the destination's fraction along the origin's edge; a destination
        on the twin edge (the same road the other way) counts, one on another
        road between the same nodes does not.
        """
        by_edge: dict[tuple[int, int, int], list[int]] = {}
        dest_edges = zip(dests.u.tolist(), dests.v.tolist(), dests.key.tolist(), strict=True)
        for j, edge in enumerate(dest_edges):
            by_edge.setdefault(edge, []).append(j)
        origin_edges = zip(
            origins.u.tolist(), origins.v.tolist(), origins.key.tolist(), strict=True
        )
        for i, (u, v, k) in enumerate(origin_edges):
            for j in by_edge.get((u, v, k), ()):
                yield i, j, float(dests.fraction[j])
            twin = self._twin_key(u, v, k)
            if twin is not None:
                for j in by_edge.get((v, u, twin), ()):
                    yield i, j, 1.0 - float(dests.fraction[j])

    def _same_edge(
        self, origins: SnappedPoints, dests: SnappedPoints, weight: Weight, result: np.ndarray
    ) -> None:
        """Let points on one road reach each other along it without a detour via a node."""
        forward = self._edge_weight(origins.u, origins.v, origins.key, weight)
        backward = self._reverse_weight(origins.u, origins.v, origins.key, weight)
        for i, j, g in self._same_road(origins, dests):
            f = origins.fraction[i]
            direct = (g - f) * forward[i] if g >= f else (f - g) * backward[i]
            if direct < result[i, j]:
                result[i, j] = direct

    def path(
        self, origin: SnappedPoints, destination: SnappedPoints, weight: Weight = "travel_time"
    ) -> tuple[list[int], shapely.LineString]:
        """Network nodes and lon/lat geometry of the cheapest path between two points.

        ``origin`` and ``destination`` each hold a single point.
        """
        out_ends = self._ends(origin, weight, leaving=True)
        in_ends = self._ends(destination, weight, leaving=False)
        direct = np.full((1, 1), np.inf)
        self._same_edge(origin, destination, weight, direct)
        best = (direct[0, 0], None, None, None)
        for a in range(2):
            if out_ends.node[0, a] < 0:
                continue
            dist, pred = dijkstra(
                self.csr(weight), indices=int(out_ends.node[0, a]), return_predecessors=True
            )
            for b in range(2):
                if in_ends.node[0, b] < 0:
                    continue
                total = out_ends.cost[0, a] + dist[in_ends.node[0, b]] + in_ends.cost[0, b]
                if total < best[0]:
                    best = (total, a, b, pred)
        total, a, b, pred = best
        start = (origin.lon[0], origin.lat[0])
        end = (destination.lon[0], destination.lat[0])
        if a is None:
            if np.isfinite(total):  # along the one road both points are on
                return [], self._along_road(origin, destination, start, end)
            return [], shapely.LineString([start, end])
        compact = [int(in_ends.node[0, b])]
        while compact[-1] != out_ends.node[0, a]:
            compact.append(int(pred[compact[-1]]))
        compact.reverse()
        nodes = [int(self.nodes[i]) for i in compact]
        coords = [start, *self._piece(origin, towards_v=(a == 0), leaving=True)]
        for p, q in itertools.pairwise(compact):
            key = self._best_key[weight][(p, q)]
            geom = self.graph.edges[int(self.nodes[p]), int(self.nodes[q]), key]["geometry"]
            coords.extend(shapely.get_coordinates(geom).tolist()[1:])
        coords.extend(self._piece(destination, towards_v=(b == 1), leaving=False))
        coords.append(end)
        return nodes, shapely.LineString(coords)

    def path_line(self, points: SnappedPoints) -> list[tuple[float, float]]:
        """(lon, lat) vertices of the cheapest road path through ``points`` in order.

        A point with the same id as the one before (a second stop there) adds nothing.
        """
        coords: list[tuple[float, float]] = []
        for a in range(len(points) - 1):
            if points.ids[a] == points.ids[a + 1]:
                continue
            _, line = self.path(points.subset([a]), points.subset([a + 1]))
            coords.extend((float(x), float(y)) for x, y in line.coords)
        return coords

    def _along_road(
        self, origin: SnappedPoints, destination: SnappedPoints, start: tuple, end: tuple
    ) -> shapely.LineString:
        """Geometry from ``origin`` to ``destination`` along the road both lie on."""
        _, _, g = next(self._same_road(origin, destination))
        geom = self.graph.edges[int(origin.u[0]), int(origin.v[0]), int(origin.key[0])]["geometry"]
        part = substring(geom, float(origin.fraction[0]), g, normalized=True)
        return shapely.LineString([start, *shapely.get_coordinates(part).tolist(), end])

    def _piece(self, point: SnappedPoints, towards_v: bool, leaving: bool) -> list[tuple]:
        """Vertices of the edge between a point and the node it leaves to or arrives from."""
        geom = self.graph.edges[int(point.u[0]), int(point.v[0]), int(point.key[0])]["geometry"]
        f = float(point.fraction[0])
        part = (
            substring(geom, f, 1.0, normalized=True)
            if towards_v
            else (substring(geom, 0.0, f, normalized=True))
        )
        coords = [tuple(c) for c in shapely.get_coordinates(part)]
        if leaving:
            return coords if towards_v else coords[::-1]
        return coords[::-1] if towards_v else coords


def _part(share: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Cost of ``share`` of an edge: ``share * weight``, and 0 for no part of it.

    A point at the very end of a one-way edge is at that node and leaves or
    reaches it at no cost, although the edge's other direction is closed (inf).
    """
    return share * np.where(share > 0, weight, 0.0)
