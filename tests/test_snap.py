"""Snapping points onto the nearest road edge."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from planner.roads.snap import EdgeIndex, SnappedPoints, snap_frame

# Metres per degree near Kota Malang (latitude 7.97 S) on the WGS84 ellipsoid:
# 111,132.954 - 559.822 cos(2 phi) + 1.175 cos(4 phi) of latitude.
LAT_DEGREE_M = 110_595.6
WEST, EAST, SOUTH_WEST, SOUTH_EAST, BEND = 1, 2, 3, 4, 5
XY = {
    WEST: (112.630, -7.970),
    EAST: (112.640, -7.970),
    SOUTH_WEST: (112.630, -7.975),
    SOUTH_EAST: (112.640, -7.975),
    BEND: (112.650, -7.980),
}


@pytest.fixture(scope="module")
def roads() -> nx.MultiDiGraph:
    """A two-way street WEST-EAST, a one-way street SOUTH_EAST -> SOUTH_WEST, an L-shaped road."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    for node, (x, y) in XY.items():
        graph.add_node(node, x=x, y=y)
    two_way = shapely.LineString([XY[WEST], XY[EAST]])
    graph.add_edge(WEST, EAST, geometry=two_way)
    graph.add_edge(EAST, WEST, geometry=two_way.reverse())
    graph.add_edge(
        SOUTH_EAST, SOUTH_WEST, geometry=shapely.LineString([XY[SOUTH_EAST], XY[SOUTH_WEST]])
    )
    l_shape = shapely.LineString([XY[EAST], (112.650, -7.970), XY[BEND]])
    graph.add_edge(EAST, BEND, geometry=l_shape)
    graph.add_edge(BEND, EAST, geometry=l_shape.reverse())
    return graph


@pytest.fixture(scope="module")
def index(roads: nx.MultiDiGraph) -> EdgeIndex:
    return EdgeIndex(roads)


def along_from(points: SnappedPoints, i: int, start: int) -> float:
    """Fraction of point ``i`` along its road measured from node ``start``."""
    return float(points.fraction[i] if points.u[i] == start else 1.0 - points.fraction[i])


def test_point_beside_a_two_way_street(index: EdgeIndex) -> None:
    points = index.snap(["a"], np.array([112.6325]), np.array([-7.9691]))
    assert {int(points.u[0]), int(points.v[0])} == {WEST, EAST}
    assert along_from(points, 0, WEST) == pytest.approx(0.25, abs=1e-3)
    assert points.distance_m[0] == pytest.approx(0.0009 * LAT_DEGREE_M, rel=5e-3)  # 99.5 m
    assert (points.lon[0], points.lat[0]) == pytest.approx((112.6325, -7.970), abs=1e-6)


def test_fraction_on_a_one_way_street_counts_from_its_start(index: EdgeIndex) -> None:
    points = index.snap(["b"], np.array([112.6375]), np.array([-7.9758]))
    assert (int(points.u[0]), int(points.v[0]), int(points.key[0])) == (SOUTH_EAST, SOUTH_WEST, 0)
    assert points.fraction[0] == pytest.approx(0.25, abs=1e-3)  # 0.0025 of 0.01 from the east
    assert points.distance_m[0] == pytest.approx(0.0008 * LAT_DEGREE_M, rel=5e-3)  # 88.5 m


def test_fraction_is_measured_along_a_bent_road(index: EdgeIndex) -> None:
    # East 0.01 degree of longitude (1,102.5 m) then south 0.01 of latitude (1,106 m);
    # the point is beside the second leg, halfway down it.
    points = index.snap(["c"], np.array([112.6503]), np.array([-7.975]))
    assert {int(points.u[0]), int(points.v[0])} == {EAST, BEND}
    assert along_from(points, 0, EAST) == pytest.approx((1102.5 + 553.0) / 2208.5, abs=2e-3)
    assert (points.lon[0], points.lat[0]) == pytest.approx((112.650, -7.975), abs=1e-6)


def test_far_point_has_a_large_snap_distance(index: EdgeIndex) -> None:
    points = index.snap(["far", "near"], np.array([112.80, 112.635]), np.array([-7.90, -7.970]))
    assert points.distance_m[0] > 10_000
    assert points.distance_m[1] == pytest.approx(0.0, abs=0.01)


def test_subset_and_concat_keep_the_order(index: EdgeIndex) -> None:
    lon = np.array([112.6325, 112.6375, 112.6503, 112.80])
    lat = np.array([-7.9691, -7.9758, -7.975, -7.90])
    points = index.snap(["a", "b", "c", "d"], lon, lat)
    assert len(points) == 4
    part = points.subset([2, 0])
    assert part.ids == ("c", "a")
    joined = SnappedPoints.concat(part, points.subset([3]), points.subset([]))
    assert joined.ids == ("c", "a", "d")
    for name in ("u", "v", "key", "fraction", "distance_m", "lon", "lat"):
        np.testing.assert_array_equal(getattr(part, name), getattr(points, name)[[2, 0]])
        np.testing.assert_array_equal(getattr(joined, name), getattr(points, name)[[2, 0, 3]])


def test_no_points_give_empty_integer_edges(index: EdgeIndex) -> None:
    empty = index.snap([], np.array([]), np.array([]))
    assert len(empty) == 0
    points = SnappedPoints.concat(empty, index.snap(["a"], np.array([112.6325]), np.array([-7.97])))
    assert points.u.dtype == points.v.dtype == points.key.dtype == np.int64


def test_snap_frame_reads_any_crs(index: EdgeIndex) -> None:
    frame = gpd.GeoDataFrame(
        {"tps": ["TPS 001", "TPS 002"]},
        geometry=gpd.points_from_xy([112.6325, 112.6375], [-7.9691, -7.9758]),
        crs="EPSG:4326",
    ).to_crs("EPSG:32749")
    points = snap_frame(index, frame, "tps")
    direct = index.snap(
        ["TPS 001", "TPS 002"], np.array([112.6325, 112.6375]), np.array([-7.9691, -7.9758])
    )
    assert points.ids == ("TPS 001", "TPS 002")
    np.testing.assert_array_equal(points.u, direct.u)
    np.testing.assert_allclose(points.fraction, direct.fraction, atol=1e-9)
    np.testing.assert_allclose(points.distance_m, direct.distance_m, atol=1e-6)


# Places in Kota Malang (lat, lon), all in built-up areas with streets around them.
MALANG_PLACES = {
    "Polsek Lowokwaru": (-7.941, 112.609),
    "Alun-alun Merdeka": (-7.9826, 112.6308),
    "Stasiun Malang Kota Baru": (-7.9774, 112.6370),
    "Balai Kota Malang": (-7.9770, 112.6339),
    "Universitas Brawijaya": (-7.9525, 112.6145),
}


@pytest.mark.malang
def test_known_malang_places_are_near_a_road(malang_edge_index: EdgeIndex) -> None:
    lat, lon = np.array(list(MALANG_PLACES.values())).T
    points = malang_edge_index.snap(list(MALANG_PLACES), lon, lat)
    assert points.ids == tuple(MALANG_PLACES)
    far = {name: round(d) for name, d in zip(points.ids, points.distance_m, strict=True) if d > 500}
    assert not far, f"snapped more than 500 m away: {far}"
    # the snapped position is where the reported distance says
    moved = np.hypot((points.lon - lon) * 110_250, (points.lat - lat) * LAT_DEGREE_M)
    np.testing.assert_allclose(moved, points.distance_m, rtol=0.01, atol=0.5)
