"""Seeded generator of a realistic synthetic TPS set on a real road network.

TPS counts per kecamatan come from ``data/malang_tps_counts.csv``; within a
kecamatan, TPS go to kelurahan in proportion to residential road length and
sit at random points on those roads. The frame it returns has the column
names of a planner's own spreadsheet, so the demo loads it through the same
validating loader as real data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
import shapely.ops

from planner._data import data_path
from planner.inputs.rules import RiskCategory
from planner.roads.hilbert import hilbert_index
from planner.roads.network import WGS84, edge_class

COUNTS_FILE = "malang_tps_counts.csv"


@dataclass(frozen=True)
class SpecialSite:
    """A site with special (khusus) TPS, such as a prison."""

    name: str
    kecamatan: str
    kelurahan: str
    tps: int
    voters: int


@dataclass(frozen=True)
class DemoSpec:
    """Everything the generator needs besides the network and boundaries."""

    kecamatan_tps: Mapping[str, int]
    max_voters: int
    seed: int = 2024
    residential_classes: tuple[str, ...] = ("Jalan Lokal", "Jalan Lain", "residential")
    risk_mix: Mapping[str, float] = field(default_factory=dict)
    special_sites: tuple[SpecialSite, ...] = ()
    voters_beta: tuple[float, float] = (8.0, 1.2)
    min_voters: int = 80


def kecamatan_counts(election: str, total: int | None = None) -> dict[str, int]:
    """TPS per kecamatan for an election, scaled to ``total`` when given.

    Where the source gives no figure for some kecamatan, they share the rest
    of the election's total in proportion to another election's full counts.
    """
    table = pd.read_csv(data_path(COUNTS_FILE))
    rows = table[table["election"] == election]
    if rows.empty:
        known = ", ".join(sorted(table["election"].unique()))
        raise ValueError(f"unknown election '{election}'; known: {known}")
    counts = dict(zip(rows["kecamatan"], rows["tps"], strict=True))
    unknown = [k for k, v in counts.items() if pd.isna(v)]
    if unknown:
        full = table.groupby("election")["tps"].apply(lambda s: s.notna().all())
        reference = table[table["election"] == full[full].index[0]].set_index("kecamatan")["tps"]
        election_total = _election_totals()[election]
        rest = election_total - int(sum(v for v in counts.values() if not pd.isna(v)))
        shares = largest_remainder(reference[unknown].to_numpy(float), rest)
        counts.update(dict(zip(unknown, shares, strict=True)))
    counts = {k: int(v) for k, v in counts.items()}
    if total is not None and total != sum(counts.values()):
        scaled = largest_remainder(np.array(list(counts.values()), float), total)
        counts = dict(zip(counts, scaled, strict=True))
    return counts


def _election_totals() -> dict[str, int]:
    from planner.inputs.rules import read_toml

    elections = read_toml(data_path("malang_demo.toml"))["elections"]
    return {name: int(spec["tps_total"]) for name, spec in elections.items()}


def largest_remainder(weights: np.ndarray, total: int) -> list[int]:
    """Split a whole number ``total`` in proportion to ``weights`` (Hamilton's method)."""
    weights = np.asarray(weights, float)
    if total <= 0 or weights.sum() <= 0:
        return [0] * len(weights)
    quota = weights / weights.sum() * total
    base = np.floor(quota).astype(int)
    order = np.argsort(-(quota - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return base.tolist()


def generate_tps(
    graph: nx.MultiDiGraph, kelurahan: gpd.GeoDataFrame, spec: DemoSpec
) -> pd.DataFrame:
    """A synthetic TPS table: ``no_tps, kelurahan, kecamatan, lintang, bujur, dpt,
    kerawanan, nama, alamat, catatan``."""
    rng = np.random.default_rng(spec.seed)
    roads = _residential_roads(graph, kelurahan, spec.residential_classes)
    specials_per_kecamatan: dict[str, int] = {}
    for site in spec.special_sites:
        specials_per_kecamatan[site.kecamatan] = (
            specials_per_kecamatan.get(site.kecamatan, 0) + site.tps
        )
    records: list[dict[str, Any]] = []
    for kecamatan, count in spec.kecamatan_tps.items():
        in_kec = roads[roads["kecamatan"] == kecamatan]
        if in_kec.empty:
            raise ValueError(f"no residential roads found in kecamatan '{kecamatan}'")
        regular = count - specials_per_kecamatan.get(kecamatan, 0)
        length = in_kec.groupby("kelurahan")["length"].sum().sort_index()
        for kel, n in zip(length.index, largest_remainder(length.to_numpy(), regular), strict=True):
            if n:
                records.extend(_place_on_roads(in_kec[in_kec["kelurahan"] == kel], n, rng))
    for site in spec.special_sites:
        records.extend(_place_special(site, roads, kelurahan))
    table = pd.DataFrame.from_records(records)
    table = _number_within_kelurahan(table)
    ordinary = table["kerawanan"].isna()
    table.loc[ordinary, "kerawanan"] = _draw_risk(int(ordinary.sum()), spec.risk_mix, rng)
    a, b = spec.voters_beta
    voters = np.maximum(spec.min_voters, np.round(spec.max_voters * rng.beta(a, b, len(table))))
    table["dpt"] = table["dpt"].fillna(pd.Series(voters, index=table.index)).astype(int)
    table["nama"] = [
        f"TPS {n:03d} {kel}" for n, kel in zip(table["no_tps"], table["kelurahan"], strict=True)
    ]
    return table[
        [
            "no_tps",
            "kelurahan",
            "kecamatan",
            "lintang",
            "bujur",
            "dpt",
            "kerawanan",
            "nama",
            "alamat",
            "catatan",
        ]
    ]


def _residential_roads(
    graph: nx.MultiDiGraph, kelurahan: gpd.GeoDataFrame, classes: Sequence[str]
) -> gpd.GeoDataFrame:
    """Undirected residential edges with the kelurahan and kecamatan holding their midpoint."""
    rows = [
        (data["geometry"], data["length"])
        for u, v, data in graph.edges(data=True)
        if edge_class(data) in classes and (u < v or data.get("oneway", False))
    ]
    roads = gpd.GeoDataFrame(
        {"length": [r[1] for r in rows]}, geometry=[r[0] for r in rows], crs=WGS84
    )
    midpoints = roads.set_geometry(
        shapely.line_interpolate_point(roads.geometry.values, 0.5, normalized=True)
    )
    joined = gpd.sjoin(
        midpoints,
        kelurahan[["kelurahan", "kecamatan", "geometry"]],
        predicate="within",
        how="inner",
    )
    joined = joined[~joined.index.duplicated()]
    roads = roads.loc[joined.index].assign(
        kelurahan=joined["kelurahan"], kecamatan=joined["kecamatan"]
    )
    return roads.sort_values(["kecamatan", "kelurahan", "length"], kind="stable")


def _place_on_roads(roads: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> list[dict]:
    """``n`` points on ``roads``, edges drawn in proportion to length."""
    weights = roads["length"].to_numpy(float)
    chosen = rng.choice(len(roads), size=n, p=weights / weights.sum())
    along = rng.uniform(0.1, 0.9, size=n)
    points = shapely.line_interpolate_point(
        roads.geometry.to_numpy()[chosen], along, normalized=True
    )
    kel, kec = roads["kelurahan"].iloc[0], roads["kecamatan"].iloc[0]
    return [
        {
            "kelurahan": kel,
            "kecamatan": kec,
            "lintang": round(p.y, 6),
            "bujur": round(p.x, 6),
            "dpt": None,
            "kerawanan": None,
            "alamat": f"Kel. {kel}, Kec. {kec}",
            "catatan": "",
        }
        for p in points
    ]


def _place_special(
    site: SpecialSite, roads: gpd.GeoDataFrame, kelurahan: gpd.GeoDataFrame
) -> list[dict]:
    """The site's TPS on the road nearest the kelurahan centre (approximate location)."""
    match = kelurahan[
        (kelurahan["kelurahan"] == site.kelurahan) & (kelurahan["kecamatan"] == site.kecamatan)
    ]
    if match.empty:
        raise ValueError(f"kelurahan '{site.kelurahan}' ({site.kecamatan}) not in boundaries")
    centre = match.geometry.iloc[0].representative_point()
    lines = roads.geometry.to_numpy()
    nearest = lines[int(np.argmin(shapely.distance(lines, centre)))]
    point = shapely.ops.nearest_points(nearest, centre)[0]
    return [
        {
            "kelurahan": site.kelurahan,
            "kecamatan": site.kecamatan,
            "lintang": round(point.y, 6),
            "bujur": round(point.x, 6),
            "dpt": site.voters,
            "kerawanan": RiskCategory.KHUSUS.value,
            "alamat": site.name,
            "catatan": f"TPS khusus {site.name}; lokasi perkiraan (approximate location)",
        }
        for _ in range(site.tps)
    ]


def _number_within_kelurahan(table: pd.DataFrame) -> pd.DataFrame:
    """Number TPS 1..n per kelurahan along a Hilbert curve, so neighbours get near numbers."""
    keys = hilbert_index(table["bujur"].to_numpy(), table["lintang"].to_numpy())
    table = table.assign(_h=keys).sort_values(["kecamatan", "kelurahan", "_h"], kind="stable")
    table["no_tps"] = table.groupby(["kecamatan", "kelurahan"]).cumcount() + 1
    return table.drop(columns="_h").reset_index(drop=True)


def _draw_risk(n: int, mix: Mapping[str, float], rng: np.random.Generator) -> list[str]:
    """Risk categories for ``n`` ordinary TPS; shares in ``mix``, the rest kurang rawan."""
    categories = [RiskCategory(c).value for c in mix]
    shares = [float(mix[c]) for c in mix]
    rest = 1.0 - sum(shares)
    if rest < 0:
        raise ValueError("risk_mix shares add up to more than 1")
    labels = [RiskCategory.KURANG_RAWAN.value, *categories]
    return list(rng.choice(labels, size=n, p=[rest, *shares]))
