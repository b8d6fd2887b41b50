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
from pyproj.exceptions import CRSError

from planner import settings
from planner.errors import NetworkSourceError, Problem
from planner.inputs.rules import Rules

WGS84 = "EPSG:4326"
CENTRELINE_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".fgb"}
OSM_XML_SUFFIXES = {".osm", ".xml"}
CACHE_NOTE = " (cache)"
"""After the file of a network read from the download cache, in ``NetworkReport.source``."""
LINE_TYPES = ("LineString", "MultiLineString")
EXPECTED_LINES = (
    "garis sumbu jalan (LineString atau MultiLineString), mis. jalan RBI 1:25.000",
    "road centre lines (LineString or MultiLineString), e.g. the RBI 1:25,000 roads",
)
EXPECTED_GRAPHML = (
    "GraphML jaringan jalan dari osmnx (osmnx.save_graphml): graf berarah, simpul ber-x/y",
    "an osmnx road-network GraphML (osmnx.save_graphml): a directed graph, nodes with x/y",
)
EXPECTED_OSM_XML = (
    "OSM XML (<osm> dengan node dan way jalan, mis. ekspor JOSM atau Overpass)",
    "OSM XML (<osm> with road nodes and ways, e.g. a JOSM or Overpass export)",
)


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
    if suffix == ".graphml" or suffix in OSM_XML_SUFFIXES:
        graph = _read_graph(path)
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
        return prepare_network(_read_graph(cached), rules, f"{cached}{CACHE_NOTE}")
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


def _not_a_network(
    path: Path, found: tuple[str, str], expected: tuple[str, str]
) -> NetworkSourceError:
    """The error for a network file that holds no road network: what it holds, what was
    expected (each in Bahasa Indonesia and English)."""
    return NetworkSourceError(
        [
            Problem(
                str(path),
                f"bukan jaringan jalan: {found[0]}; yang diharapkan: {expected[0]}",
                f"not a road network: {found[1]}; expected {expected[1]}",
                code="not_a_network",
            )
        ]
    )


def _unreadable(exc: Exception) -> tuple[str, str]:
    """What a file holds when the reader failed: the reason, cut to 80 characters."""
    reason = str(exc)[:80]
    return f"tidak dapat dibaca ({reason})", f"cannot be read ({reason})"


def _read_graph(path: Path) -> nx.MultiDiGraph:
    """An osmnx GraphML or OSM XML road graph; a file that is none is a NetworkSourceError."""
    graphml = path.suffix.lower() == ".graphml"
    expected = EXPECTED_GRAPHML if graphml else EXPECTED_OSM_XML
    try:
        graph = ox.load_graphml(path) if graphml else ox.graph_from_xml(path, retain_all=True)
    except Exception as exc:  # ElementTree, networkx and osmnx raise many types for bad files
        raise _not_a_network(path, _unreadable(exc), expected) from None
    found = _not_a_road_graph(graph)
    if found is not None:
        raise _not_a_network(path, found, expected)
    return graph


def _not_a_road_graph(graph: nx.MultiDiGraph) -> tuple[str, str] | None:
    """What keeps a loaded graph from being a road network, or ``None``."""
    if not graph.is_directed():
        return "graf tidak berarah", "an undirected graph"
    without = sum(
        not all(isinstance(data.get(key), float) for key in ("x", "y"))
        for _, data in graph.nodes(data=True)
    )
    if without:
        return (
            f"{without} dari {graph.number_of_nodes()} simpul tanpa koordinat x/y",
            f"{without} of {graph.number_of_nodes()} nodes without x/y coordinates",
        )
    try:
        CRS(graph.graph.get("crs") or WGS84)
    except CRSError:
        crs = repr(graph.graph["crs"])[:40]
        return f"sistem koordinat {crs} tidak dikenal", f"unknown coordinate system {crs}"
    return None


def _read_centrelines(path: Path) -> gpd.GeoDataFrame:
    try:
        lines = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise _not_a_network(path, _unreadable(exc), EXPECTED_LINES) from None
    kinds = lines.geometry.dropna().geom_type.value_counts()
    if not kinds.index.isin(LINE_TYPES).any():
        found = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
        raise _not_a_network(
            path,
            (f"berisi {found or '0 fitur'}", f"holds {found or '0 features'}"),
            EXPECTED_LINES,
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
    if len(parts) == 0:
        return nx.MultiDiGraph(crs=WGS84)

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
        raise _empty_network(source, excluded)
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


def _empty_network(source: str, excluded: Counter[str]) -> NetworkSourceError:
    """The error for a network with no roads left, naming the classes left out."""
    text_id, text_en = "jaringan jalan kosong", "the road network is empty"
    if excluded:
        left_out = ", ".join(f"{k} ({v})" for k, v in sorted(excluded.items()))
        text_id += f" setelah kelas jalan yang tidak dipakai dibuang: {left_out}"
        text_en += f" once the road classes not used are left out: {left_out}"
    return NetworkSourceError([Problem(source, text_id, text_en, code="empty_network")])


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
