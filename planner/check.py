"""Validate a planner's input files and summarise what they hold, without planning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np

from planner.errors import InputError, Problem
from planner.inputs.posts import load_posts
from planner.inputs.roster import load_roster
from planner.inputs.rules import Rules, load_rules
from planner.inputs.scenario import read_scenario_file
from planner.inputs.sites import load_sites, unused_sites
from planner.inputs.tps import load_tps
from planner.progress import SILENT, Progress
from planner.roads.placement import far_from_road
from planner.roads.snap import EdgeIndex, snap_frame
from planner.roads.sources import base_data_dir, resolve_network

ID_COLUMNS = {"tps": "tps_id", "posts": "post_id", "sites": "site_id"}


@dataclass
class CheckReport:
    """What the input files hold, in lines for the terminal, and their warnings."""

    summary: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary lines."""
        return self.summary


def check_inputs(
    tps_file: str | Path,
    posts_file: str | Path | None = None,
    scenario_file: str | Path | None = None,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
    progress: Progress = SILENT,
    roster_file: str | Path | None = None,
    sites_file: str | Path | None = None,
) -> CheckReport:
    """Validate TPS (and posts, roster, logistics sites) against the rules and, when one is
    available, the network.

    Raises :class:`InputError` listing every problem of every file.
    """
    scenario = read_scenario_file(scenario_file) if scenario_file else None
    rules = scenario.rules if scenario else load_rules()
    if scenario is not None:
        network, data_dir = scenario.network_source(network, data_dir)

    problems: list[Problem] = []
    tables: dict[str, gpd.GeoDataFrame] = {}
    report = CheckReport()
    sites_file = sites_file or (scenario.sites if scenario else None)
    files = {"tps": (tps_file, load_tps)}
    if posts_file:
        files["posts"] = (posts_file, load_posts)
    if sites_file:
        files["sites"] = (sites_file, load_sites)
    for kind, (path, loader) in files.items():
        try:
            table = loader(path, rules)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        tables[kind] = table.frame
        report.warnings.extend(table.warnings)
        if kind == "sites" and "tps" in tables:
            report.warnings.extend(unused_sites(table, tables["tps"]))
    roster_file = roster_file or (scenario.roster if scenario else None)
    roster_lines: list[str] = []
    if roster_file:
        posts = tables.get("posts")
        units = None if posts is None else dict(zip(posts["post_id"], posts["name"], strict=True))
        try:
            roster = load_roster(roster_file, rules, post_ids=units)
            report.warnings.extend(roster.warnings)
            roster_lines.append(_roster_line(roster_file, roster.frame))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError([*problems, *report.warnings])

    report.summary.extend(_tps_lines(tps_file, tables["tps"]))
    if "posts" in tables:
        report.summary.extend(_posts_lines(posts_file, tables["posts"]))
    report.summary.extend(roster_lines)
    if "sites" in tables:
        report.summary.append(_sites_line(sites_file, tables["sites"]))

    if network is None and base_data_dir(data_dir) is None:
        report.summary.append(
            "Jarak ke jalan tidak diperiksa: beri --network atau --data-dir "
            "(distance to roads not checked)"
        )
        return report
    with progress.stage("Memuat jaringan jalan (loading the road network)"):
        graph, _ = resolve_network(rules, network=network, data_dir=data_dir, allow_download=False)
    sources = {kind: str(files[kind][0]) for kind in tables}
    report.summary.append(_road_distance_line(graph, tables, sources, rules))
    return report


def _road_distance_line(
    graph: nx.MultiDiGraph,
    tables: Mapping[str, gpd.GeoDataFrame],
    sources: Mapping[str, str],
    rules: Rules,
) -> str:
    """How far the tables' points lie from the nearest road, in one line.

    Raises :class:`InputError` listing every point beyond ``snap_max_distance_m``.
    """
    index = EdgeIndex(graph)
    problems: list[Problem] = []
    distances = []
    for kind, frame in tables.items():
        points = snap_frame(index, frame, ID_COLUMNS[kind])
        problems.extend(far_from_road(frame, points, sources[kind], rules.snap_max_distance_m))
        distances.append(points.distance_m)
    if problems:
        raise InputError(problems)
    snap = np.concatenate(distances)
    return (
        f"Jarak ke jalan terdekat: median {np.median(snap):.0f} m, terjauh {snap.max():.0f} m "
        f"(batas {rules.snap_max_distance_m:.0f} m)"
    )


def _sites_line(path: str | Path | None, sites: gpd.GeoDataFrame) -> str:
    kinds = sites["kind"].value_counts()
    approximate = int(sites["approximate"].sum())
    return (
        f"Lokasi logistik: {len(sites)} dari {path}; gudang {kinds.get('warehouse', 0)}, "
        f"PPK {kinds.get('ppk', 0)}, PPS {kinds.get('pps', 0)}"
        + (f"; {approximate} lokasi perkiraan (approximate)" if approximate else "")
    )


def _tps_lines(path: str | Path, tps: gpd.GeoDataFrame) -> list[str]:
    per_kecamatan = ", ".join(f"{k} {v}" for k, v in tps.groupby("kecamatan").size().items())
    per_risk = ", ".join(f"{k} {v}" for k, v in tps.groupby("risk").size().items())
    return [
        f"TPS: {len(tps):,} dari {path}; {int(tps['voters'].sum()):,} pemilih (DPT), "
        f"terbanyak {int(tps['voters'].max())} per TPS",
        f"  per kecamatan: {per_kecamatan}",
        f"  per kerawanan: {per_risk}",
    ]


def _posts_lines(path: str | Path | None, posts: gpd.GeoDataFrame) -> list[str]:
    approximate = int(posts["approximate"].sum())
    return [
        f"Pos: {len(posts)} dari {path}; Polri {int(posts['polri'].sum())}, "
        f"TNI {int(posts['tni'].sum())}, mobil {int(posts['cars'].sum())}, "
        f"motor {int(posts['motorbikes'].sum())}"
        + (f"; {approximate} lokasi perkiraan (approximate)" if approximate else "")
    ]


def _roster_line(path: str | Path, roster: gpd.GeoDataFrame) -> str:
    return (
        f"Daftar personel: {len(roster)} orang dari {path}; "
        f"{int(roster['senior'].sum())} berpangkat senior"
    )
