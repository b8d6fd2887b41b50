"""Building the drivable network: noding, exclusions, components, attributes, sources."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import pytest
import shapely

from planner.errors import InputError, NetworkSourceError
from planner.inputs.rules import Rules, load_rules
from planner.roads.network import (
    cached_network_path,
    download_network,
    edge_class,
    graph_from_centrelines,
    load_network,
    prepare_network,
)

INPUT = Path(__file__).parent / "input_data"
CENTRELINES = INPUT / "centrelines.geojson"
OSM_XML = INPUT / "tiny_malang.osm"
GRAPHML = INPUT / "tiny_osmnx.graphml"

TOLL = "Jalan Tol Dua Jalur Dengan Pemisah Fisik"
FOOTPATH = "Jalan Setapak"
# Metres in 0.001 degree on the WGS84 ellipsoid at the equator: of longitude
# (a * pi / 180 / 1000) and of latitude (the meridian arc, 110,574.3 m per degree).
LON_MILLIDEGREE_M = 111.3195
LAT_MILLIDEGREE_M = 110.5743


def grid(x: float, y: float) -> tuple[float, float]:
    """Lon/lat of a point of the centre-line fixture, given in 0.001 degree from (10, 0)."""
    return (round(10 + x / 1000, 7), round(y / 1000, 7))


def node_xy(graph: nx.MultiDiGraph, digits: int = 7) -> dict[int, tuple[float, float]]:
    """Lon/lat of every node, rounded."""
    return {n: (round(d["x"], digits), round(d["y"], digits)) for n, d in graph.nodes(data=True)}


def undirected_edges(graph: nx.MultiDiGraph) -> set[frozenset[tuple[float, float]]]:
    """Each edge as the unordered pair of its end nodes' lon/lat."""
    xy = node_xy(graph)
    return {frozenset((xy[u], xy[v])) for u, v in graph.edges()}


def osm_style_graph() -> nx.MultiDiGraph:
    """A small graph as osmnx builds it: highway tags, a one-way street, no straight geometry.

    Nodes 11-12-13 form two-way residential streets, 13 -> 14 is a one-way
    primary, 14-11 a curved two-way tertiary, 12-15 a footway, 13-16 a
    motorway and 11-12 has a second, curved service road beside it.
    """
    graph = nx.MultiDiGraph(crs="epsg:4326")
    xy = {
        11: (112.6300, -7.9700),
        12: (112.6310, -7.9700),
        13: (112.6320, -7.9700),
        14: (112.6320, -7.9710),
        15: (112.6310, -7.9690),
        16: (112.6330, -7.9700),
    }
    for node, (x, y) in xy.items():
        graph.add_node(node, x=x, y=y, street_count=2)

    def add(u: int, v: int, osmid: int, highway: str, oneway: bool, via=()) -> None:
        coords = [xy[u], *via, xy[v]]
        directions = [(u, v, coords, False)] + ([] if oneway else [(v, u, coords[::-1], True)])
        for a, b, line, rev in directions:
            length = sum(
                ox.distance.great_circle(p[1], p[0], q[1], q[0])
                for p, q in itertools.pairwise(line)
            )
            attrs = {"osmid": osmid, "highway": highway, "oneway": oneway, "reversed": rev}
            if via:
                attrs["geometry"] = shapely.LineString(line)
            graph.add_edge(a, b, length=float(length), **attrs)

    add(11, 12, 1, "residential", False)
    add(12, 13, 2, "residential", False)
    add(13, 14, 3, "primary", True)
    add(14, 11, 4, "tertiary", False, via=[(112.6305, -7.9712), (112.6300, -7.9705)])
    add(12, 15, 5, "footway", False)
    add(13, 16, 6, "motorway", False)
    add(11, 12, 7, "service", False, via=[(112.6305, -7.9697)])
    return graph


def assert_edge_conventions(graph: nx.MultiDiGraph, rules: Rules) -> None:
    """Geometry from u to v, length in metres, class speed and travel time on every edge."""
    assert graph.number_of_edges() > 0
    for u, v, data in graph.edges(data=True):
        coords = shapely.get_coordinates(data["geometry"])
        assert coords[0] == pytest.approx([graph.nodes[u]["x"], graph.nodes[u]["y"]], abs=1e-9)
        assert coords[-1] == pytest.approx([graph.nodes[v]["x"], graph.nodes[v]["y"]], abs=1e-9)
        assert data["length"] > 0
        assert data["speed_kph"] == rules.speed_for(edge_class(data))
        assert data["travel_time"] == pytest.approx(data["length"] / (data["speed_kph"] / 3.6))


# --- centre lines -------------------------------------------------------------------------


def test_centrelines_are_noded_only_at_shared_vertices(default_rules: Rules) -> None:
    graph = graph_from_centrelines(gpd.read_file(CENTRELINES), default_rules)
    expected = {
        # L1 and L2 share the vertex (1, 0) mid-line: both are split there
        frozenset((grid(0, 0), grid(1, 0))),
        frozenset((grid(1, 0), grid(2, 0))),
        frozenset((grid(1, -1), grid(1, 0))),
        frozenset((grid(1, 0), grid(1, 1))),
        # L3 once, although the file repeats it forwards and backwards
        frozenset((grid(2, 0), grid(1, 1))),
        # L4 crosses L2 and L3 with no shared vertex: one edge, no junction
        frozenset((grid(0, 0), grid(2.5, 0.5))),
        # the detached two-part line
        frozenset((grid(5, 5), grid(6, 5))),
        frozenset((grid(6, 5), grid(6, 6))),
    }
    assert undirected_edges(graph) == expected
    # every road is exactly one pair of opposite edges: the duplicates left no parallel edge
    assert graph.number_of_edges() == 2 * len(expected)
    assert all(graph.number_of_edges(u, v) == 1 for u, v in graph.edges())


def test_excluded_classes_split_nothing_and_are_counted(default_rules: Rules) -> None:
    graph, report = load_network(CENTRELINES, default_rules)
    assert report.excluded_edges == {TOLL: 1, FOOTPATH: 1}
    assert {d["road_class"] for *_, d in graph.edges(data=True)} == {
        "Jalan Kolektor",
        "Jalan Lokal",
    }
    xy = set(node_xy(graph).values())
    # the toll road's vertex on L1 is no junction, the footpath's far end no node
    assert grid(0.5, 0) not in xy
    assert grid(1, 2) not in xy
    assert any(f"{TOLL} (1)" in line for line in report.lines())


def test_excluded_classes_come_back_when_the_rules_allow_them() -> None:
    rules = load_rules({"network": {"exclude_classes": []}})
    graph, report = load_network(CENTRELINES, rules)
    assert report.excluded_edges == {}
    classes = {d["road_class"] for *_, d in graph.edges(data=True)}
    assert {TOLL, FOOTPATH} <= classes
    xy = set(node_xy(graph).values())
    assert {grid(0.5, 0), grid(1, 2)} <= xy


def test_largest_strongly_connected_component_is_kept_and_the_rest_reported(
    default_rules: Rules,
) -> None:
    graph, report = load_network(CENTRELINES, default_rules)
    assert nx.is_strongly_connected(graph)
    assert (report.nodes, report.edges) == (graph.number_of_nodes(), graph.number_of_edges())
    assert (report.nodes, report.edges) == (6, 12)
    assert report.nodes_before == 9
    assert (report.dropped_nodes, report.dropped_components, report.components_before) == (3, 1, 2)
    xy = set(node_xy(graph).values())
    assert not xy & {grid(5, 5), grid(6, 5), grid(6, 6)}
    road_m = sum(d["length"] for *_, d in graph.edges(data=True)) / 2
    assert report.length_km == pytest.approx(road_m / 1000)
    assert any("3 simpul di 1 komponen" in line for line in report.lines())


def test_lengths_are_metres_and_times_follow_the_class_speed(default_rules: Rules) -> None:
    graph, _ = load_network(CENTRELINES, default_rules)
    assert_edge_conventions(graph, default_rules)
    xy = node_xy(graph)
    by_ends = {frozenset((xy[u], xy[v])): d for u, v, d in graph.edges(data=True)}
    east = by_ends[frozenset((grid(0, 0), grid(1, 0)))]  # 0.001 degree of longitude
    north = by_ends[frozenset((grid(1, -1), grid(1, 0)))]  # 0.001 degree of latitude
    assert east["length"] == pytest.approx(LON_MILLIDEGREE_M, rel=2e-3)
    assert north["length"] == pytest.approx(LAT_MILLIDEGREE_M, rel=2e-3)
    assert east["speed_kph"] == 30  # Jalan Kolektor
    assert east["travel_time"] == pytest.approx(LON_MILLIDEGREE_M / (30 / 3.6), rel=2e-3)
    assert north["speed_kph"] == 25  # Jalan Lokal


def test_empty_lines_do_not_shift_classes(default_rules: Rules) -> None:
    lines = gpd.GeoDataFrame(
        {"road_class": ["Jalan Lain", "Jalan Kolektor", "Jalan Lokal"]},
        geometry=[
            shapely.LineString(),
            shapely.LineString([(112.63, -7.97), (112.64, -7.97)]),
            shapely.LineString([(112.64, -7.97), (112.64, -7.98)]),
        ],
        crs="EPSG:4326",
    )
    graph = graph_from_centrelines(lines, default_rules)
    classes = {
        tuple(map(tuple, shapely.get_coordinates(d["geometry"]))): d["road_class"]
        for *_, d in graph.edges(data=True)
        if not d["reversed"]
    }
    assert classes == {
        ((112.63, -7.97), (112.64, -7.97)): "Jalan Kolektor",
        ((112.64, -7.97), (112.64, -7.98)): "Jalan Lokal",
    }


def test_projected_centrelines_are_read_in_lon_lat(tmp_path: Path, default_rules: Rules) -> None:
    projected = tmp_path / "roads_utm.gpkg"
    gpd.read_file(CENTRELINES).to_crs("EPSG:32632").to_file(projected)
    graph, _ = load_network(projected, default_rules)
    reference, _ = load_network(CENTRELINES, default_rules)
    assert graph.graph["crs"] == "EPSG:4326"
    assert sorted(node_xy(graph, 6).values()) == sorted(node_xy(reference, 6).values())


# --- OSM XML and GraphML ------------------------------------------------------------------


def test_osm_xml_keeps_one_way_streets_and_drops_footways(default_rules: Rules) -> None:
    graph, report = load_network(OSM_XML, default_rules)
    assert graph.has_edge(3, 4)
    assert not graph.has_edge(4, 3)  # way 101 is oneway=yes
    assert graph.has_edge(1, 2) and graph.has_edge(2, 1)
    assert 6 not in graph  # only the footway reached node 6
    assert report.excluded_edges == {"footway": 2}
    assert all(edge_class(d) != "footway" for *_, d in graph.edges(data=True))
    assert_edge_conventions(graph, default_rules)


def test_graphml_fixture_is_the_osm_style_graph(default_rules: Rules) -> None:
    loaded, _ = load_network(GRAPHML, default_rules)
    built, _ = prepare_network(osm_style_graph(), default_rules, "built")
    assert set(loaded.edges(keys=True)) == set(built.edges(keys=True))
    for u, v, k, data in built.edges(keys=True, data=True):
        assert loaded.edges[u, v, k]["travel_time"] == pytest.approx(data["travel_time"])


def test_graphml_keeps_one_way_and_drops_excluded_classes(default_rules: Rules) -> None:
    graph, report = load_network(GRAPHML, default_rules)
    assert graph.has_edge(13, 14)
    assert not graph.has_edge(14, 13)
    assert graph.number_of_edges(11, 12) == 2  # the residential street and the service road
    assert 15 not in graph and 16 not in graph
    assert report.excluded_edges == {"footway": 2, "motorway": 2}
    assert_edge_conventions(graph, default_rules)
    curved = graph.edges[14, 11, 0]["geometry"]
    assert len(curved.coords) == 4
    assert graph.edges[11, 12, 0]["speed_kph"] == 20  # residential
    assert graph.edges[13, 14, 0]["speed_kph"] == 35  # primary


@pytest.mark.parametrize(
    ("name", "content", "english"),
    [
        ("roads.csv", "a,b\n1,2\n", "unknown network format '.csv'"),
        ("roads.geojson", "this is not GeoJSON", "cannot be read"),
    ],
)
def test_bad_network_files_name_the_file(
    tmp_path: Path, default_rules: Rules, name: str, content: str, english: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(NetworkSourceError) as caught:
        load_network(path, default_rules)
    assert isinstance(caught.value, InputError)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert english in problem.text_en


def polygons(path: Path) -> None:
    """Two kelurahan-like squares: boundaries, not roads."""
    squares = [shapely.box(112.60, -7.98, 112.61, -7.97), shapely.box(112.61, -7.98, 112.62, -7.97)]
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=squares, crs="EPSG:4326").to_file(path)


def points(path: Path) -> None:
    """Three TPS-like points: places, not roads."""
    spots = shapely.points([(112.60, -7.98), (112.61, -7.97), (112.62, -7.96)])
    gpd.GeoDataFrame({"name": ["a", "b", "c"]}, geometry=spots, crs="EPSG:4326").to_file(path)


def random_bytes(path: Path) -> None:
    path.write_bytes(np.random.default_rng(19).bytes(2000))


def plain_text(path: Path) -> None:
    path.write_text("jalan jalan di Malang\n", encoding="utf-8")


def undirected(path: Path) -> None:
    graph = nx.Graph()
    graph.add_edge(1, 2)
    nx.write_graphml(graph, path)


@pytest.mark.parametrize(
    ("name", "build", "found", "expected"),
    [
        ("kelurahan.geojson", polygons, "holds 2 Polygon", "road centre lines"),
        ("tps.geojson", points, "holds 3 Point", "road centre lines"),
        ("random.graphml", random_bytes, "cannot be read", "an osmnx road-network GraphML"),
        ("undirected.graphml", undirected, "an undirected graph", "an osmnx road-network GraphML"),
        ("text.osm", plain_text, "cannot be read", "OSM XML"),
    ],
)
def test_a_file_that_is_no_road_network_names_the_file_and_what_was_expected(
    tmp_path: Path, default_rules: Rules, name: str, build: Any, found: str, expected: str
) -> None:
    path = tmp_path / name
    build(path)
    with pytest.raises(NetworkSourceError) as caught:
        load_network(path, default_rules)
    (problem,) = caught.value.problems
    assert (problem.file, problem.code) == (str(path), "not_a_network")
    assert problem.text_en.startswith(f"not a road network: {found}")
    assert f"; expected {expected}" in problem.text_en
    assert problem.text_id.startswith("bukan jaringan jalan: ")


def test_centre_lines_all_left_out_give_an_empty_network_naming_their_class(
    tmp_path: Path, default_rules: Rules
) -> None:
    path = tmp_path / "tol.geojson"
    road = shapely.LineString([(112.60, -7.98), (112.61, -7.98)])
    gpd.GeoDataFrame({"remark": [TOLL]}, geometry=[road], crs="EPSG:4326").to_file(path)
    with pytest.raises(NetworkSourceError) as caught:
        load_network(path, default_rules)
    (problem,) = caught.value.problems
    assert (problem.file, problem.code) == (str(path), "empty_network")
    assert f"{TOLL} (1)" in problem.text_en and "left out" in problem.text_en


def test_missing_network_file_names_the_file(tmp_path: Path, default_rules: Rules) -> None:
    path = tmp_path / "nowhere.graphml"
    with pytest.raises(NetworkSourceError) as caught:
        load_network(path, default_rules)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert "not found" in problem.text_en
    assert str(path) in str(caught.value)


# --- download and cache -------------------------------------------------------------------

BBOX = (112.629, -7.972, 112.633, -7.968)  # west, south, east, north
SQUARE = shapely.box(*BBOX)


@pytest.mark.parametrize(
    ("query", "function", "expected"),
    [
        ({"place": "Lowokwaru, Malang"}, "graph_from_place", "Lowokwaru, Malang"),
        ({}, "graph_from_place", "Kota Malang, Jawa Timur, Indonesia"),
        ({"bbox": BBOX}, "graph_from_bbox", BBOX),
        ({"polygon": SQUARE}, "graph_from_polygon", SQUARE),
    ],
)
def test_download_is_cached_and_needs_no_internet_the_second_time(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    default_rules: Rules,
    query: dict,
    function: str,
    expected: object,
) -> None:
    monkeypatch.setenv("TPS_PLANNER_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(ox.settings, "use_cache", ox.settings.use_cache)
    monkeypatch.setattr(ox.settings, "cache_folder", ox.settings.cache_folder)
    calls: list[object] = []

    def fake_download(what: object, **kwargs: object) -> nx.MultiDiGraph:
        calls.append(what)
        assert kwargs == {"network_type": "drive"}
        return osm_style_graph()

    def offline(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        raise AssertionError("no download expected")

    for name in ("graph_from_place", "graph_from_bbox", "graph_from_polygon"):
        monkeypatch.setattr(ox, name, fake_download if name == function else offline)

    first, first_report = download_network(default_rules, **query)
    assert calls == [expected]
    cached = list((tmp_path / "networks").glob("*.graphml"))
    assert len(cached) == 1

    monkeypatch.setattr(ox, function, offline)
    second, second_report = download_network(default_rules, **query)
    assert "cache" in second_report.source
    assert set(second.edges(keys=True)) == set(first.edges(keys=True))
    for u, v, k, data in first.edges(keys=True, data=True):
        assert second.edges[u, v, k]["travel_time"] == pytest.approx(data["travel_time"])
    assert second_report.nodes == first_report.nodes
    assert (
        second_report.excluded_edges
        == first_report.excluded_edges
        == {
            "footway": 2,
            "motorway": 2,
        }
    )


def test_cache_names_never_collide(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TPS_PLANNER_CACHE_DIR", str(tmp_path))
    ring = [(112.55 + 0.01 * i, -7.9 - 0.01 * (i % 3)) for i in range(12)]
    polygon_a = shapely.Polygon(ring)
    polygon_b = shapely.Polygon([*ring[:-1], (112.70, -8.05)])
    keys = [
        f"polygon-{shapely.to_wkt(polygon_a, rounding_precision=5)}",
        f"polygon-{shapely.to_wkt(polygon_b, rounding_precision=5)}",
        f"bbox-{(112.55, -8.07, 112.71, -7.89)}",
        f"bbox-{(112.55, 8.07, 112.71, 7.89)}",
    ]
    paths = [cached_network_path(key) for key in keys]
    assert len(set(paths)) == len(keys)
    assert all(p.parent == tmp_path / "networks" and p.suffix == ".graphml" for p in paths)
    assert cached_network_path(keys[0]) == paths[0]  # stable, so the cache is found again


# --- Kota Malang --------------------------------------------------------------------------


@pytest.mark.malang
def test_malang_network_from_rbi_roads(malang_network, default_rules: Rules) -> None:
    graph, report = malang_network
    assert 3_400 <= report.nodes <= 3_550  # 3,471 when written
    assert 0.98 <= report.nodes / report.nodes_before <= 0.995  # 98.7%
    assert report.dropped_components >= 1
    assert report.excluded_edges == {TOLL: 9, FOOTPATH: 12}
    assert nx.is_strongly_connected(graph)
    classes = {d["road_class"] for *_, d in graph.edges(data=True)}
    assert TOLL not in classes and FOOTPATH not in classes
    times = np.array([d.get("travel_time", np.nan) for *_, d in graph.edges(data=True)])
    assert np.isfinite(times).all() and (times > 0).all()
    assert all(graph.has_edge(v, u) for u, v in graph.edges())  # RBI roads are two-way
    assert 700 <= report.length_km <= 760  # 756 km of road before exclusions and pruning
