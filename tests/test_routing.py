"""Cost matrices and paths between snapped points, checked against a brute-force reference.

The reference inserts every point into a copy of the graph as a node that
splits its road (points on one road are chained in order along it) and runs
``networkx`` Dijkstra; it shares no code with :mod:`planner.roads.routing`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from planner.roads.routing import RoadRouter, Weight
from planner.roads.snap import EdgeIndex, SnappedPoints

WEIGHTS: tuple[Weight, ...] = ("travel_time", "length")
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32749", always_xy=True)  # UTM 49S: Malang


def metres(line: shapely.LineString) -> float:
    """Length of a lon/lat line in metres, projected to UTM."""
    x, y = TO_UTM.transform(*shapely.get_coordinates(line).T)
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


@dataclass(frozen=True)
class Road:
    """A road from node ``a`` to ``b`` through ``via``: which ways it is driven, how fast."""

    a: int
    b: int
    via: tuple[tuple[float, float], ...] = ()
    ways: str = "both"  # "both", "forward" (a -> b only) or "backward" (b -> a only)
    speed_kph: float = 20.0


def build_graph(xy: dict[int, tuple[float, float]], roads: list[Road]) -> nx.MultiDiGraph:
    """An osmnx-convention graph; road ``i`` has ``osmid`` i, its b -> a edge ``reversed``."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node, (x, y) in xy.items():
        graph.add_node(node, x=x, y=y)
    for osmid, road in enumerate(roads):
        line = shapely.LineString([xy[road.a], *road.via, xy[road.b]])
        length = metres(line)
        attrs = {
            "osmid": osmid,
            "road_class": "test",
            "length": length,
            "speed_kph": road.speed_kph,
            "travel_time": length / (road.speed_kph / 3.6),
        }
        if road.ways != "backward":
            graph.add_edge(road.a, road.b, geometry=line, reversed=False, **attrs)
        if road.ways != "forward":
            graph.add_edge(road.b, road.a, geometry=line.reverse(), reversed=True, **attrs)
    return graph


def brute_force(graph: nx.MultiDiGraph, points: SnappedPoints, weight: Weight) -> np.ndarray:
    """Point-to-point costs by networkx Dijkstra on a copy where each point splits its road.

    Roads are told apart by ``osmid``; an edge flagged ``reversed`` runs from the
    road's last node to its first. A point at the very end of a road is that node.
    """
    ends: dict[int, tuple[int, int]] = {}
    for u, v, data in graph.edges(data=True):
        ends[data["osmid"]] = (v, u) if data["reversed"] else (u, v)
    stops: dict[int, list[tuple[float, tuple[str, int]]]] = {}
    for i in range(len(points)):
        data = graph.edges[int(points.u[i]), int(points.v[i]), int(points.key[i])]
        along = float(points.fraction[i])
        along = 1.0 - along if data["reversed"] else along
        stops.setdefault(data["osmid"], []).append((along, ("point", i)))

    split = nx.MultiDiGraph()
    split.add_nodes_from(graph.nodes)
    for _, _, data in graph.edges(data=True):
        first, last = ends[data["osmid"]]
        chain = [(0.0, first), *sorted(stops.get(data["osmid"], [])), (1.0, last)]
        for (s, p), (t, q) in itertools.pairwise(chain):
            cost = (t - s) * data[weight]
            if data["reversed"]:
                split.add_edge(q, p, w=cost)
            else:
                split.add_edge(p, q, w=cost)
    for osmid, road_stops in stops.items():
        for (s, p), (t, q) in itertools.pairwise(sorted(road_stops)):
            if s == t:  # two points at one spot reach each other whichever way the road runs
                split.add_edge(p, q, w=0.0)
                split.add_edge(q, p, w=0.0)
        for along, point in road_stops:
            if along in (0.0, 1.0):
                node = ends[osmid][int(along)]
                split.add_edge(point, node, w=0.0)
                split.add_edge(node, point, w=0.0)

    out = np.full((len(points), len(points)), np.inf)
    for i in range(len(points)):
        reached = nx.single_source_dijkstra_path_length(split, ("point", i), weight="w")
        for j in range(len(points)):
            out[i, j] = reached.get(("point", j), np.inf)
    return out


def place(graph: nx.MultiDiGraph, spots: list[tuple[int, int, int, float]]) -> SnappedPoints:
    """Points exactly on edges ``(u, v, key)`` at a fraction from ``u``."""
    lines = [graph.edges[u, v, k]["geometry"] for u, v, k, _ in spots]
    fraction = np.array([f for *_, f in spots])
    on_road = shapely.line_interpolate_point(lines, fraction, normalized=True)
    return SnappedPoints(
        ids=tuple(f"p{i}" for i in range(len(spots))),
        u=np.array([s[0] for s in spots], dtype=np.int64),
        v=np.array([s[1] for s in spots], dtype=np.int64),
        key=np.array([s[2] for s in spots], dtype=np.int64),
        fraction=fraction,
        distance_m=np.zeros(len(spots)),
        lon=shapely.get_x(on_road),
        lat=shapely.get_y(on_road),
    )


def check_path(
    graph: nx.MultiDiGraph,
    origin: SnappedPoints,
    destination: SnappedPoints,
    nodes: list[int],
    line: shapely.LineString,
) -> None:
    """The path runs from the origin's road position to the destination's along graph edges."""
    coords = shapely.get_coordinates(line)
    assert tuple(coords[0]) == (origin.lon[0], origin.lat[0])
    assert tuple(coords[-1]) == (destination.lon[0], destination.lat[0])
    assert all(graph.has_edge(p, q) for p, q in itertools.pairwise(nodes))
    if nodes:
        assert nodes[0] in (origin.u[0], origin.v[0])
        assert nodes[-1] in (destination.u[0], destination.v[0])


# --- random networks ----------------------------------------------------------------------

LON0, LAT0, STEP = 112.62, -7.98, 0.002  # a grid of about 220 m blocks in Malang
SPEEDS = st.sampled_from([10.0, 20.0, 25.0, 30.0, 40.0])
WAYS = st.sampled_from(["both", "forward", "backward"])


@st.composite
def networks(draw: st.DrawFn) -> tuple[nx.MultiDiGraph, np.ndarray, np.ndarray]:
    """A jittered grid whose blocks have no road, a road or two parallel roads, each two-way
    or one-way, straight or bent, at varied speeds; maybe a detached road; and points
    near roads (at their ends too) or anywhere around them."""
    rows, cols = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    xy: dict[int, tuple[float, float]] = {}
    for r, c in itertools.product(range(rows), range(cols)):
        dx, dy = draw(st.floats(-3e-4, 3e-4)), draw(st.floats(-3e-4, 3e-4))
        xy[100 + 7 * (r * cols + c)] = (LON0 + c * STEP + dx, LAT0 + r * STEP + dy)
    ids = list(xy)
    blocks = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    blocks += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    roads: list[Road] = []
    for p, q in blocks:
        a, b = ids[p], ids[q]
        (ax, ay), (bx, by) = xy[a], xy[b]
        for k in range(draw(st.integers(0, 2))):
            # parallel roads bend apart, so no two roads have the same course
            bend = 5e-4 * k + draw(st.floats(0, 2e-4))
            mid = ((ax + bx) / 2 - (by - ay) / STEP * bend, (ay + by) / 2 + (bx - ax) / STEP * bend)
            via = (mid,) if bend else ()
            roads.append(Road(a, b, via, draw(WAYS), draw(SPEEDS)))
    if draw(st.booleans()):
        xy[1], xy[2] = (LON0 + cols * STEP + 0.003, LAT0), (LON0 + cols * STEP + 0.005, LAT0)
        roads.append(Road(1, 2, (), draw(WAYS), draw(SPEEDS)))
    assume(roads)
    graph = build_graph(xy, roads)

    lon, lat = [], []
    west, south = min(x for x, _ in xy.values()), min(y for _, y in xy.values())
    east, north = max(x for x, _ in xy.values()), max(y for _, y in xy.values())
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            road = roads[draw(st.integers(0, len(roads) - 1))]
            line = shapely.LineString([xy[road.a], *road.via, xy[road.b]])
            f = draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1))
            spot = line.interpolate(f, normalized=True)
            lon.append(spot.x)
            lat.append(spot.y + draw(st.floats(-1e-4, 1e-4)))
        else:
            lon.append(draw(st.floats(west - 0.002, east + 0.002)))
            lat.append(draw(st.floats(south - 0.002, north + 0.002)))
    return graph, np.array(lon), np.array(lat)


@settings(max_examples=30, deadline=None)
@given(networks())
def test_random_networks_match_brute_force(
    case: tuple[nx.MultiDiGraph, np.ndarray, np.ndarray],
) -> None:
    """Matrices equal the reference; paths follow roads and cost what the matrix says.

    (One test for both, as building the edge index of every example takes most of the time.)
    """
    graph, lon, lat = case
    points = EdgeIndex(graph).snap([f"p{i}" for i in range(len(lon))], lon, lat)
    router = RoadRouter(graph)
    origins, destinations = np.arange(0, len(points), 2), np.arange(len(points))[::-1]
    for weight in WEIGHTS:
        full = router.matrix(points, weight=weight)
        np.testing.assert_allclose(full, brute_force(graph, points, weight), rtol=1e-9, atol=1e-6)
        part = router.matrix(points.subset(origins), points.subset(destinations), weight)
        np.testing.assert_array_equal(part, full[np.ix_(origins, destinations)])

    shortest = router.matrix(points, weight="length")
    for i, j in itertools.product(range(min(len(points), 5)), repeat=2):
        if not np.isfinite(shortest[i, j]):
            continue
        origin, destination = points.subset([i]), points.subset([j])
        nodes, line = router.path(origin, destination, weight="length")
        check_path(graph, origin, destination, nodes, line)
        assert metres(line) == pytest.approx(shortest[i, j], rel=0.01, abs=0.5)
        nodes, line = router.path(origin, destination, weight="travel_time")
        check_path(graph, origin, destination, nodes, line)
        assert metres(line) >= 0.99 * shortest[i, j] - 0.5


# --- fixed cases --------------------------------------------------------------------------

A, B, C, D, E = 1, 2, 3, 4, 5
XY = {
    A: (112.630, -7.970),
    B: (112.632, -7.970),
    C: (112.631, -7.968),
    D: (112.640, -7.970),
    E: (112.641, -7.970),
}


@pytest.fixture
def triangle() -> nx.MultiDiGraph:
    """A -> B one-way; B-C and C-A two-way at different speeds."""
    return build_graph(
        XY, [Road(A, B, ways="forward"), Road(B, C, speed_kph=30), Road(C, A, speed_kph=25)]
    )


@pytest.mark.parametrize("weight", WEIGHTS)
def test_points_on_one_edge(triangle: nx.MultiDiGraph, weight: Weight) -> None:
    ab, bc, ca = (triangle.edges[e][weight] for e in [(A, B, 0), (B, C, 0), (C, A, 0)])
    # p, q on the one-way A -> B; r on B -> C and s on its twin C -> B, r nearer B
    points = place(triangle, [(A, B, 0, 0.25), (A, B, 0, 0.75), (B, C, 0, 0.2), (C, B, 0, 0.3)])
    costs = RoadRouter(triangle).matrix(points, weight=weight)
    assert costs[0, 1] == pytest.approx(0.5 * ab)
    assert costs[1, 0] == pytest.approx(0.25 * ab + bc + ca + 0.25 * ab)  # round the triangle
    assert costs[2, 3] == pytest.approx(0.5 * bc)
    assert costs[3, 2] == pytest.approx(0.5 * bc)
    assert np.all(np.diag(costs) == 0)


@pytest.mark.parametrize("weight", WEIGHTS)
def test_points_at_one_spot_of_a_one_way_road_cost_nothing(
    triangle: nx.MultiDiGraph, weight: Weight
) -> None:
    points = place(triangle, [(A, B, 0, 0.4), (A, B, 0, 0.4), (A, B, 0, 0.6)])
    costs = RoadRouter(triangle).matrix(points, weight=weight)
    assert costs[0, 1] == costs[1, 0] == 0.0
    np.testing.assert_allclose(costs, brute_force(triangle, points, weight), atol=1e-6)


@pytest.mark.parametrize("weight", WEIGHTS)
def test_point_at_the_end_of_a_one_way_edge_is_at_that_node(
    triangle: nx.MultiDiGraph, weight: Weight
) -> None:
    ab, bc, ca = (triangle.edges[e][weight] for e in [(A, B, 0), (B, C, 0), (C, A, 0)])
    # at A and at B on the one-way A -> B, and halfway along C-A
    points = place(triangle, [(A, B, 0, 0.0), (A, B, 0, 1.0), (C, A, 0, 0.5)])
    costs = RoadRouter(triangle).matrix(points, weight=weight)
    assert not np.isnan(costs).any()
    assert costs[0, 2] == pytest.approx(0.5 * ca)  # leaves A backwards along C-A
    assert costs[2, 0] == pytest.approx(0.5 * ca)
    assert costs[1, 2] == pytest.approx(bc + 0.5 * ca)  # leaves B towards C
    assert costs[2, 1] == pytest.approx(0.5 * ca + min(ab, bc))  # via A or via C


@pytest.fixture
def parallel() -> nx.MultiDiGraph:
    """X: A -> B one-way and straight; Y: A-B two-way, bent north; Z: A-C two-way."""
    bulge = ((112.631, -7.9685),)
    return build_graph(XY, [Road(A, B, ways="forward"), Road(A, B, via=bulge), Road(A, C)])


@pytest.mark.parametrize("weight", WEIGHTS)
def test_a_parallel_road_is_no_way_back_along_a_one_way_road(
    parallel: nx.MultiDiGraph, weight: Weight
) -> None:
    x, y, z = (parallel.edges[e][weight] for e in [(A, B, 0), (A, B, 1), (A, C, 0)])
    assert parallel.edges[B, A, 0]["osmid"] == 1  # Y's way back has another key than Y's A -> B
    # p halfway along X, q halfway along Z, r on Y's way back near A, s halfway along Y
    points = place(parallel, [(A, B, 0, 0.5), (A, C, 0, 0.5), (B, A, 0, 0.9), (A, B, 1, 0.5)])
    costs = RoadRouter(parallel).matrix(points, weight=weight)
    assert costs[0, 1] == pytest.approx(0.5 * x + y + 0.5 * z)  # on to B, back along Y
    assert costs[0, 2] == pytest.approx(0.5 * x + 0.9 * y)
    assert costs[3, 1] == pytest.approx(0.5 * y + 0.5 * z)  # Y is two-way: straight back
    assert costs[2, 3] == pytest.approx(0.4 * y)
    assert costs[3, 2] == pytest.approx(0.4 * y)


@pytest.mark.parametrize("weight", WEIGHTS)
def test_unreachable_points_cost_infinity(weight: Weight) -> None:
    graph = build_graph(XY, [Road(A, B, ways="forward"), Road(A, C), Road(D, E)])
    # p on the one-way dead end A -> B, q on A-C, s on the detached road D-E
    points = place(graph, [(A, B, 0, 0.5), (A, C, 0, 0.5), (D, E, 0, 0.5)])
    costs = RoadRouter(graph).matrix(points, weight=weight)
    assert np.isfinite(costs[1, 0])
    assert costs[0, 1] == np.inf  # nothing leaves B
    assert np.all(costs[:2, 2] == np.inf) and np.all(costs[2, :2] == np.inf)
    assert costs[2, 2] == 0


def test_path_along_one_bent_road_follows_the_bend(parallel: nx.MultiDiGraph) -> None:
    router = RoadRouter(parallel)
    # two points on Y, one on its A -> B edge and one on its way back, across the bend
    origin, destination = place(parallel, [(A, B, 1, 0.2)]), place(parallel, [(B, A, 0, 0.3)])
    nodes, line = router.path(origin, destination, weight="length")
    assert nodes == []
    check_path(parallel, origin, destination, nodes, line)
    expected = router.matrix(origin, destination, weight="length")[0, 0]
    assert expected == pytest.approx(0.5 * parallel.edges[A, B, 1]["length"])
    assert metres(line) == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("weight", WEIGHTS)
def test_path_round_a_one_way_triangle(triangle: nx.MultiDiGraph, weight: Weight) -> None:
    router = RoadRouter(triangle)
    origin, destination = place(triangle, [(A, B, 0, 0.75)]), place(triangle, [(A, B, 0, 0.25)])
    nodes, line = router.path(origin, destination, weight=weight)
    assert nodes == [B, C, A]
    check_path(triangle, origin, destination, nodes, line)
    distance = router.matrix(origin, destination, weight="length")[0, 0]
    assert metres(line) == pytest.approx(distance, rel=0.01)


# --- Kota Malang --------------------------------------------------------------------------


def points_on_random_edges(
    graph: nx.MultiDiGraph, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of points a few metres beside random edges."""
    edges = list(graph.edges(data="geometry"))
    chosen = [edges[i][2] for i in rng.integers(len(edges), size=count)]
    spots = shapely.line_interpolate_point(chosen, rng.random(count), normalized=True)
    offset = rng.normal(scale=3e-5, size=(2, count))  # about 3 m
    return shapely.get_x(spots) + offset[0], shapely.get_y(spots) + offset[1]


@pytest.mark.malang
def test_malang_matrix_is_finite_and_symmetric(malang_network, malang_edge_index) -> None:
    graph, _ = malang_network
    lon, lat = points_on_random_edges(graph, 200, np.random.default_rng(7))
    points = malang_edge_index.snap([f"TPS {i}" for i in range(200)], lon, lat)
    router = RoadRouter(graph)
    times = router.matrix(points)
    assert times.shape == (200, 200)
    assert np.isfinite(times).all()
    np.testing.assert_allclose(times, times.T, rtol=1e-9, atol=1e-6)  # every road is two-way
    assert np.all(np.diag(times) == 0)
    assert 5 * 60 < np.median(times) < 60 * 60  # across town by car: minutes, not hours
    few = points.subset(range(6))
    for weight in WEIGHTS:
        np.testing.assert_allclose(
            router.matrix(few, weight=weight),
            brute_force(graph, few, weight),
            rtol=1e-9,
            atol=1e-6,
        )
