"""A small synthetic city for solver tests: a street grid and scenario files on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import shapely

from planner.inputs.rules import Rules, load_rules, merge
from planner.inputs.scenario import Scenario, load_scenario
from planner.plan.document import plan_document
from planner.plan.shapes import to_json
from planner.roads.network import NetworkReport, add_travel_times
from planner.roads.placement import RoadContext, place_on_network
from planner.solve.assignment import assign_guards
from planner.solve.logistics import plan_logistics
from planner.solve.logistics_sites import logistics_sites
from planner.solve.patrols import plan_patrols
from planner.solve.reserve import plan_reserve

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


DEPOTS = {"polresta": ("polresta", "Klojen", 0), "polsek_a": ("polsek", "Alpha", 7)}
DEPOTS["polsek_b"] = ("polsek", "Beta", 28)
"""Posts of the logistics town: post_id -> (kind, kecamatan, grid node)."""
TOWN_TPS = {
    ("Alpha", "Satu"): (1, 2, 8),
    ("Alpha", "Dua"): (20, 26, 27, 33),
    ("Beta", "Tiga"): (30, 31),
}
"""TPS of the logistics town per (kecamatan, kelurahan): the grid nodes they stand by."""
TOWN_RULES = {
    "logistics": {
        "solution_limit": 40,
        "trip_solution_limit": 20,
        "warehouse": {"kecamatan": "Alpha", "latitude": -7.98, "longitude": 112.6105},
        "city": {"trucks": 2, "truck_capacity": 30, "escort_units": 2},
        "local": {"trucks": 2, "truck_capacity": 12, "escort_units": 2},
    }
}
"""Small fleets, trucks of 5 TPS (city) and 2 TPS (local): trips must reload."""


def logistics_town(
    folder: Path,
    overrides: dict | None = None,
    tps: dict[tuple[str, str], tuple[int, ...]] | None = None,
    sites_file: Path | None = None,
) -> tuple[Scenario, RoadContext]:
    """The grid city with three kelurahan, a Polresta and two Polsek, placed on its roads."""
    rules = load_rules(merge(TOWN_RULES, overrides or {}))
    rows = [
        (kecamatan, kelurahan, n, *node_point(node), "kurang rawan")
        for (kecamatan, kelurahan), nodes in (tps or TOWN_TPS).items()
        for n, node in enumerate(nodes, start=1)
    ]
    lines = ["post_id,name,kind,kecamatan,latitude,longitude,polri,cars,motorbikes"]
    for post_id, (kind, kecamatan, node) in DEPOTS.items():
        lat, lon = node_point(node)
        lines.append(f"{post_id},{post_id},{kind},{kecamatan},{lat},{lon},20,1,1")
    (folder / "posts.csv").write_text("\n".join(lines) + "\n")
    tps_file = write_tps(folder / "tps.csv", rows)
    scenario = load_scenario(tps_file, folder / "posts.csv", rules, sites_file=sites_file)
    graph = grid_city(rules)
    return scenario, place_on_network(scenario, graph, city_report(graph))


def town_plan(
    folder: Path, overrides: dict | None = None, sites_file: Path | None = None
) -> tuple[Scenario, RoadContext, dict[str, Any]]:
    """The logistics town's full plan document (guards, reserve, patrols, logistics) as JSON."""
    small = merge({"reserve": {"candidate_road_nodes": 8}}, overrides or {})
    scenario, roads = logistics_town(folder, small, sites_file=sites_file)
    assignment = assign_guards(scenario, roads, seed=0, workers=1)
    reserve = plan_reserve(scenario, roads)
    patrols = plan_patrols(scenario, roads, workers=1)
    sites = logistics_sites(scenario, roads.graph)
    logistics = plan_logistics(scenario, roads, sites, assignment, patrols, workers=1)
    document = plan_document(
        scenario, roads, assignment, reserve, 0, patrols=patrols, logistics=logistics
    )
    return scenario, roads, json.loads(json.dumps(to_json(document)))
