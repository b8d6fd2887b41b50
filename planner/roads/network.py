"""Build the drivable road network as an osmnx MultiDiGraph from OSM or local files.

Every graph this module returns follows osmnx conventions: ``graph["crs"]`` is
EPSG:4326, nodes carry ``x``/``y`` (lon/lat), every edge carries ``length``
(metres), ``geometry`` (a lon/lat LineString from ``u`` to ``v``),
``road_class`` (RBI class or OSM ``highway`` tag), ``speed_kph`` and
``travel_time`` (seconds). Two-way roads are a pair of opposite edges.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import shapely
from pyproj import CRS, Transformer

from planner import settings
from planner.errors import NetworkSourceError, Problem
from planner.inputs.rules import Rules

WGS84 = "EPSG:4326"
CENTRELINE_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb"}
OSM_XML_SUFFIXES = {".osm", ".xml"}
CACHE_NOTE = " (cache)"
"""After the file of a network read from the download cache, in ``NetworkReport.source``."""


@dataclass(frozen=True)
class NetworkReport:
    """What a network build kept and dropped, for the user and ``summary.json``."""

    source: str
    nodes: int
    edges: int
    length_km: float
    components_before: int
    nodes_before: int
    dropped_nodes: int
    dropped_components: int
    # per excluded class: directed edges (OSM, GraphML) or centre lines (centre-line files)
    excluded_edges: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary lines (Bahasa Indonesia)."""
        kept = 100.0 * self.nodes / max(self.nodes_before, 1)
        out = [
            f"Jaringan jalan: {self.source}",
            f"  {self.nodes:,} simpul, {self.edges:,} ruas berarah, {self.length_km:,.1f} km jalan",
            f"  komponen terhubung terbesar dipakai: {kept:.1f}% simpul; "
            f"{self.dropped_nodes} simpul di {self.dropped_components} komponen lain dibuang",
        ]
        if self.excluded_edges:
            excluded = ", ".join(f"{k} ({v})" for k, v in sorted(self.excluded_edges.items()))
            out.append(f"  kelas jalan tidak dipakai: {excluded}")
        return out


def edge_class(data: dict) -> str | None:
    """The road class of an edge: ``road_class``, else the first OSM ``highway`` tag."""
    value = data.get("road_class", data.get("highway"))
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def load_network(source: str | Path, rules: Rules) -> tuple[nx.MultiDiGraph, NetworkReport]:
    """Load a drivable network from a GraphML, OSM XML or road centre-line file."""
    path = Path(source)
    if not path.exists():
        raise NetworkSourceError(
            [Problem(str(path), "berkas jaringan jalan tidak ditemukan", "network file not found")]
        )
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        graph = ox.load_graphml(path)
    elif suffix in OSM_XML_SUFFIXES:
        graph = ox.graph_from_xml(path, retain_all=True)
    elif suffix in CENTRELINE_SUFFIXES:
        lines = _read_centrelines(path)
        graph = graph_from_centrelines(lines, rules)
        return prepare_network(graph, rules, str(path), excluded_line_counts(lines, rules))
    else:
        raise NetworkSourceError(
            [
                Problem(
                    str(path),
                    f"format jaringan '{suffix}' tidak dikenal; pakai .graphml, .osm, "
                    ".geojson, .gpkg atau .shp",
                    f"unknown network format '{suffix}'; use .graphml, .osm, .geojson, "
                    ".gpkg or .shp",
                )
            ]
        )
    return prepare_network(graph, rules, str(path))


def download_network(
    rules: Rules,
    place: str | None = None,
    polygon: shapely.Polygon | shapely.MultiPolygon | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> tuple[nx.MultiDiGraph, NetworkReport]:
    """Download the OSM drive network by place name, polygon or bbox, cached as GraphML.

    A second call with the same query reads the cached GraphML and needs no
    internet. ``bbox`` is (west, south, east, north). With no query the
    scenario's area name is used.
    """
    if polygon is not None:
        key, query = f"polygon-{shapely.to_wkt(polygon, rounding_precision=5)}", polygon
    elif bbox is not None:
        key, query = f"bbox-{bbox}", bbox
    else:
        place = place or rules.area_name
        key, query = f"place-{place}", place
    cached = cached_network_path(key)
    if cached.exists():
        return prepare_network(ox.load_graphml(cached), rules, f"{cached}{CACHE_NOTE}")
    ox.settings.use_cache = True
    ox.settings.cache_folder = str(settings.cache_dir() / "osmnx-http")
    if isinstance(query, str):
        graph = ox.graph_from_place(query, network_type="drive")
    elif isinstance(query, tuple):
        graph = ox.graph_from_bbox(query, network_type="drive")
    else:
        graph = ox.graph_from_polygon(query, network_type="drive")
    cached.parent.mkdir(parents=True, exist_ok=True)
    ox.save_graphml(graph, cached)
    return prepare_network(graph, rules, f"OpenStreetMap: {key}")


def cached_network_path(key: str) -> Path:
    """Where the GraphML of a downloaded query is cached.

    The name is a readable slug plus a hash of the whole key, so that keys which
    differ only after the slug's cut-off or in signs and punctuation (two
    polygons with the same first vertices, bboxes south and north of the
    equator) never share a cache file.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:60]
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return settings.cache_dir() / "networks" / f"{slug}-{digest}.graphml"


def _read_centrelines(path: Path) -> gpd.GeoDataFrame:
    try:
        lines = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise NetworkSourceError(
            [Problem(str(path), f"tidak bisa dibaca: {exc}", f"cannot be read: {exc}")]
        ) from None
    if lines.empty or lines.geometry.isna().all():
        raise NetworkSourceError(
            [Problem(str(path), "tidak berisi garis jalan", "holds no road lines")]
        )
    if lines.crs is not None and not CRS(lines.crs).equals(CRS(WGS84)):
        lines = lines.to_crs(WGS84)
    return lines


def graph_from_centrelines(
    lines: gpd.GeoDataFrame, rules: Rules, class_column: str | None = None
) -> nx.MultiDiGraph:
    """Node road centre lines at shared vertices into a two-way MultiDiGraph.

    Lines are split wherever a vertex (rounded to ``rules.node_precision_deg``)
    is shared with another line or repeated, and at every line end. Classes
    in ``rules.exclude_classes`` are left out before noding. Lines that repeat
    an earlier line (either way round) are dropped before noding, so they
    split nothing; duplicate segments and loops from a node back to itself
    are dropped too.
    """
    classes = _line_classes(lines, class_column)
    keep = ~np.isin(classes, list(rules.exclude_classes))
    parts, part_index = shapely.get_parts(lines.geometry.to_numpy()[keep], return_index=True)
    part_class = classes[keep][part_index]
    is_line = shapely.get_type_id(parts) == 1
    parts, part_class = parts[is_line], part_class[is_line]

    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    keys = np.round(coords / rules.node_precision_deg).astype(np.int64)
    unique = _first_of_duplicate_lines(keys, line_of)
    coords, line_of, keys = coords[unique], line_of[unique], keys[unique]
    _, vertex_id, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    vertex_id = vertex_id.ravel()
    starts = np.r_[0, np.flatnonzero(np.diff(line_of)) + 1]
    ends = np.r_[starts[1:], len(line_of)] - 1
    is_node = counts[vertex_id] >= 2
    is_node[starts] = True
    is_node[ends] = True

    crs = CRS(gpd.GeoSeries(shapely.points(coords[:1]), crs=WGS84).estimate_utm_crs())
    east, north = Transformer.from_crs(WGS84, crs, always_xy=True).transform(
        coords[:, 0], coords[:, 1]
    )
    step = np.hypot(np.diff(east), np.diff(north))
    step[ends[:-1]] = 0.0  # no step between the end of one line and the start of the next
    along = np.r_[0.0, np.cumsum(step)]

    node_ids = {v: i for i, v in enumerate(np.unique(vertex_id[is_node]))}
    graph = nx.MultiDiGraph(crs=WGS84)
    node_xy = {}
    for pos in np.flatnonzero(is_node):
        node_xy.setdefault(node_ids[vertex_id[pos]], coords[pos])
    for nid, (x, y) in node_xy.items():
        graph.add_node(nid, x=float(x), y=float(y))

    seen: set[tuple[int, ...]] = set()
    osmid = 0
    for start, end in zip(starts, ends, strict=True):
        positions = start + np.flatnonzero(is_node[start : end + 1])
        for a, b in itertools.pairwise(positions):
            u, v = node_ids[vertex_id[a]], node_ids[vertex_id[b]]
            path = tuple(vertex_id[a : b + 1])
            if u == v or path in seen or path[::-1] in seen:
                continue
            seen.add(path)
            geometry = shapely.LineString(coords[a : b + 1])
            attrs = {
                "osmid": osmid,
                "road_class": str(part_class[line_of[start]]),
                "length": float(along[b] - along[a]),
                "oneway": False,
            }
            graph.add_edge(u, v, geometry=geometry, reversed=False, **attrs)
            graph.add_edge(v, u, geometry=geometry.reverse(), reversed=True, **attrs)
            osmid += 1
    return graph


def _first_of_duplicate_lines(keys: np.ndarray, line_of: np.ndarray) -> np.ndarray:
    """Mask of the vertices of every line that does not repeat an earlier line."""
    keep = np.ones(len(line_of), dtype=bool)
    seen: set[bytes] = set()
    bounds = np.r_[0, np.flatnonzero(np.diff(line_of)) + 1, len(line_of)]
    for start, stop in itertools.pairwise(bounds):
        line = keys[start:stop]
        forward, backward = line.tobytes(), line[::-1].tobytes()
        if forward in seen or backward in seen:
            keep[start:stop] = False
        seen.add(forward)
    return keep


def _line_classes(lines: gpd.GeoDataFrame, class_column: str | None) -> np.ndarray:
    """The road class of every line as text ('' when the file has no class column)."""
    class_column = class_column or _class_column(lines)
    if class_column is None:
        return np.full(len(lines), "", dtype=object)
    return lines[class_column].astype(str).to_numpy()


def excluded_line_counts(
    lines: gpd.GeoDataFrame, rules: Rules, class_column: str | None = None
) -> dict[str, int]:
    """How many centre lines of each excluded class :func:`graph_from_centrelines` leaves out."""
    classes = _line_classes(lines, class_column)
    return dict(Counter(str(c) for c in classes if c in rules.exclude_classes))


def _class_column(lines: gpd.GeoDataFrame) -> str | None:
    for name in ("road_class", "highway", "remark", "fclass", "kelas", "class", "type"):
        if name in lines.columns:
            return name
    return None


def prepare_network(
    graph: nx.MultiDiGraph,
    rules: Rules,
    source: str,
    excluded_before: dict[str, int] | None = None,
) -> tuple[nx.MultiDiGraph, NetworkReport]:
    """Drop excluded classes, keep the largest strongly connected component, add times.

    ``excluded_before`` counts what was already left out before the graph was
    built (centre lines of excluded classes); it is added to the report.
    """
    if graph.graph.get("crs") and not CRS(graph.graph["crs"]).equals(CRS(WGS84)):
        graph = ox.projection.project_graph(graph, to_crs=WGS84)
    excluded: Counter[str] = Counter(excluded_before or {})
    drop = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        road_class = edge_class(data)
        if road_class in rules.exclude_classes:
            excluded[road_class] += 1
            drop.append((u, v, k))
    graph = graph.copy()
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    nodes_before = graph.number_of_nodes()
    components = list(nx.strongly_connected_components(graph))
    if not components:
        raise NetworkSourceError(
            [Problem(source, "jaringan jalan kosong", "the road network is empty")]
        )
    largest = max(components, key=len)
    graph = graph.subgraph(largest).copy()
    _add_geometry_and_length(graph)
    add_travel_times(graph, rules)
    report = NetworkReport(
        source=source,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        length_km=sum(d["length"] for _, _, d in graph.edges(data=True) if not d.get("reversed"))
        / 1000.0,
        components_before=len(components),
        nodes_before=nodes_before,
        dropped_nodes=nodes_before - len(largest),
        dropped_components=len(components) - 1,
        excluded_edges=dict(excluded),
    )
    return graph, report


def _add_geometry_and_length(graph: nx.MultiDiGraph) -> None:
    """Give straight edges (osmnx leaves their geometry out) a geometry and a length."""
    for u, v, data in graph.edges(data=True):
        if "geometry" not in data:
            data["geometry"] = shapely.LineString(
                [
                    (graph.nodes[u]["x"], graph.nodes[u]["y"]),
                    (graph.nodes[v]["x"], graph.nodes[v]["y"]),
                ]
            )
        if "length" not in data:
            data["length"] = float(
                ox.distance.great_circle(
                    graph.nodes[u]["y"],
                    graph.nodes[u]["x"],
                    graph.nodes[v]["y"],
                    graph.nodes[v]["x"],
                )
            )


def add_travel_times(graph: nx.MultiDiGraph, rules: Rules) -> None:
    """Set ``speed_kph`` from the road class and ``travel_time`` in seconds on every edge."""
    for _, _, data in graph.edges(data=True):
        speed = rules.speed_for(edge_class(data))
        data["speed_kph"] = speed
        data["travel_time"] = data["length"] / (speed / 3.6)


def save_network(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write the graph as osmnx GraphML."""
    ox.save_graphml(graph, Path(path))
