"""The seeded synthetic TPS generator of the demo."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from planner.demo.synthetic import (
    DemoSpec,
    SpecialSite,
    generate_tps,
    kecamatan_counts,
    largest_remainder,
)
from planner.inputs.rules import load_rules
from planner.roads.hilbert import hilbert_index
from planner.roads.network import add_travel_times
from planner.roads.snap import EdgeIndex


def two_kelurahan_town() -> tuple[nx.MultiDiGraph, gpd.GeoDataFrame]:
    """A 3x2 street grid; the west half (x < 112.601) is kelurahan A, the east B."""
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    step = 0.001
    for i in range(4):
        for j in range(3):
            graph.add_node(i * 3 + j, x=112.6 + i * step, y=-7.98 + j * step)
    for i in range(4):
        for j in range(3):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 4 and j + dj < 3:
                    u, v = i * 3 + j, (i + di) * 3 + j + dj
                    a, b = graph.nodes[u], graph.nodes[v]
                    line = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
                    for s, t, g in ((u, v, line), (v, u, line.reverse())):
                        graph.add_edge(s, t, geometry=g, length=111.0, road_class="Jalan Lokal")
    add_travel_times(graph, load_rules())
    kelurahan = gpd.GeoDataFrame(
        {"kelurahan": ["A", "B"], "kecamatan": ["K", "K"]},
        geometry=[
            shapely.box(112.59, -7.99, 112.6015, -7.97),
            shapely.box(112.6015, -7.99, 112.61, -7.97),
        ],
        crs="EPSG:4326",
    )
    return graph, kelurahan


def test_largest_remainder_sums_exactly() -> None:
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 10) == [4, 3, 3]
    assert sum(largest_remainder(np.array([537, 478, 573.0]), 767)) == 767
    assert largest_remainder(np.array([0.0, 0.0]), 5) == [0, 0]


def test_kecamatan_counts_follow_domain_figures() -> None:
    pilkada = kecamatan_counts("pilkada2024")
    assert sum(pilkada.values()) == 1188
    assert pilkada["Kedungkandang"] == 280 and pilkada["Klojen"] == 141
    pemilu = kecamatan_counts("pemilu2024")
    assert pemilu == {
        "Blimbing": 537,
        "Lowokwaru": 478,
        "Klojen": 281,
        "Kedungkandang": 583,
        "Sukun": 573,
    }
    assert sum(kecamatan_counts("pilkada2024", 100).values()) == 100
    with pytest.raises(ValueError, match="unknown election"):
        kecamatan_counts("pilpres1955")


def test_hilbert_index_keeps_neighbours_close() -> None:
    x = np.array([0.0, 0.0, 1.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    order = np.argsort(hilbert_index(x, y))
    assert list(order) == [0, 1, 2, 3]


def test_generator_places_tps_on_roads_by_kelurahan_road_length() -> None:
    graph, kelurahan = two_kelurahan_town()
    spec = DemoSpec(
        kecamatan_tps={"K": 30},
        max_voters=300,
        seed=7,
        residential_classes=("Jalan Lokal",),
        risk_mix={"rawan": 0.2},
        special_sites=(SpecialSite("Lapas", "K", "B", 2, 150),),
    )
    table = generate_tps(graph, kelurahan, spec)
    assert len(table) == 30
    assert (table["dpt"] <= 300).all() and (table["dpt"] >= spec.min_voters).all()
    assert (table["kerawanan"] == "khusus").sum() == 2
    assert table[table["kerawanan"] == "khusus"]["dpt"].tolist() == [150, 150]
    numbers = table.groupby("kelurahan")["no_tps"].apply(sorted)
    for kel, nums in numbers.items():
        assert nums == list(range(1, len(nums) + 1)), kel
    points = EdgeIndex(graph).snap(list(map(str, table.index)), table["bujur"], table["lintang"])
    assert points.distance_m.max() < 1.0
    again = generate_tps(graph, kelurahan, spec)
    assert table.equals(again)
    other = generate_tps(graph, kelurahan, DemoSpec(**{**spec.__dict__, "seed": 8}))
    assert not table[["lintang", "bujur"]].equals(other[["lintang", "bujur"]])


@pytest.mark.malang
@pytest.mark.parametrize("election,total", [("pilkada2024", 1188), ("pemilu2024", 2452)])
def test_malang_generator_matches_counts(malang_dir, malang_network, election, total) -> None:
    graph, _ = malang_network
    kelurahan = gpd.read_file(malang_dir / "kelurahan.geojson")
    sites = (
        SpecialSite("Lapas I", "Lowokwaru", "Lowokwaru", 5, 400),
        SpecialSite("Lapas Perempuan", "Sukun", "Kebonsari", 1, 300),
    )
    counts = kecamatan_counts(election)
    spec = DemoSpec(
        counts,
        600 if election == "pilkada2024" else 300,
        residential_classes=("Jalan Lokal", "Jalan Lain"),
        risk_mix={"rawan": 0.03, "sangat_rawan": 0.01},
        special_sites=sites,
    )
    table = generate_tps(graph, kelurahan, spec)
    assert len(table) == total
    assert table.groupby("kecamatan").size().to_dict() == counts
    assert table["kelurahan"].nunique() == 57
    assert (table["kerawanan"] == "khusus").sum() == 6
    assert 0.01 < (table["kerawanan"] == "rawan").mean() < 0.06
    inside = gpd.sjoin(
        gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table.bujur, table.lintang), crs="EPSG:4326"
        ),
        kelurahan[["kelurahan", "geometry"]].rename(columns={"kelurahan": "poly"}),
        predicate="within",
    )
    agree = (inside["kelurahan"] == inside["poly"]).mean()
    assert agree > 0.95, f"only {agree:.0%} of TPS lie inside their own kelurahan"
