"""A small synthetic city for solver tests: a street grid and scenario files on it."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import shapely

from planner.network import NetworkReport, add_travel_times
from planner.rules import Rules

WEST, SOUTH = 112.60, -7.99


def grid_city(
    rules: Rules,
    size: int = 6,
    step: float = 0.002,
    rows: int | None = None,
    origin: tuple[float, float] = (WEST, SOUTH),
) -> nx.MultiDiGraph:
    """A ``size`` (columns) x ``rows`` two-way street grid of Jalan Lokal near Kota Malang."""
    rows = size if rows is None else rows
    west, south = origin
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(size):
        for j in range(rows):
            graph.add_node(i * rows + j, x=west + i * step, y=south + j * step)
    for i in range(size):
        for j in range(rows):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < size and j + dj < rows:
                    u, v = i * rows + j, (i + di) * rows + j + dj
                    a, b = graph.nodes[u], graph.nodes[v]
                    line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
                    length = step * 110_574.0
                    for s, t, g, rev in ((u, v, line, False), (v, u, line.reverse(), True)):
                        graph.add_edge(
                            s,
                            t,
                            geometry=g,
                            length=length,
                            road_class="Jalan Lokal",
                            reversed=rev,
                            oneway=False,
                        )
    add_travel_times(graph, rules)
    return graph


def city_report(graph: nx.MultiDiGraph) -> NetworkReport:
    """A network report for a synthetic graph."""
    return NetworkReport(
        "grid",
        graph.number_of_nodes(),
        graph.number_of_edges(),
        1.0,
        1,
        graph.number_of_nodes(),
        0,
        0,
    )


def write_tps(path: Path, rows: list[tuple[str, str, int, float, float, str]]) -> Path:
    """TPS rows (kecamatan, kelurahan, number, lat, lon, risk) as a planner's CSV."""
    lines = ["kecamatan,kelurahan,no_tps,lintang,bujur,dpt,kerawanan"]
    lines += [f"{k},{kel},{n},{lat},{lon},300,{risk}" for k, kel, n, lat, lon, risk in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_posts(path: Path, rows: list[tuple[str, str, str, float, float, int]]) -> Path:
    """Post rows (post_id, kind, kecamatan, lat, lon, polri) as a planner's CSV."""
    lines = ["post_id,name,kind,kecamatan,latitude,longitude,polri,approximate"]
    lines += [f"{p},{p},{kind},{k},{lat},{lon},{n},false" for p, kind, k, lat, lon, n in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def node_point(index: int, size: int = 6, step: float = 0.002, dx: float = 0.0005) -> tuple:
    """(lat, lon) a little east of grid node ``index``, on its street."""
    i, j = divmod(index, size)
    return SOUTH + j * step, WEST + i * step + dx
