"""Validate a planner's input files and summarise what they hold, without planning."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np

from planner.errors import Problem
from planner.inputs.areas import AreaNames, Surroundings
from planner.inputs.rules import load_rules
from planner.inputs.scenario import ScenarioFile, load_tables, read_scenario_file
from planner.progress import SILENT, Progress
from planner.roads.placement import RoadDistances
from planner.roads.snap import EdgeIndex
from planner.roads.sources import base_data_dir, boundary_folder, load_boundaries, resolve_network


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
    """Validate TPS (and posts, roster, logistics sites) against the rules and, when they are
    available, the area's boundaries and road network.

    ``tps_file`` may be a scenario TOML instead: its ``[inputs]`` name the tables, as a
    ``scenario_file`` does for those not given. Raises :class:`InputError` listing every
    problem of every file.
    """
    tps: str | Path | None = tps_file
    if scenario_file is None and Path(tps_file).suffix.lower() == ".toml":
        scenario_file, tps = tps_file, None
    scenario = read_scenario_file(scenario_file) if scenario_file else None
    rules = scenario.rules if scenario else load_rules()
    given = {"tps": tps, "posts": posts_file, "roster": roster_file, "sites": sites_file}
    files = {kind: path for kind, path in _from_scenario(given, scenario).items() if path}
    if scenario is not None:
        network, data_dir = scenario.network_source(network, data_dir)
    report = CheckReport()
    near_road = None
    if network is not None or base_data_dir(data_dir) is not None:
        with progress.stage("Memuat jaringan jalan (loading the road network)"):
            graph, _ = resolve_network(
                rules, network=network, data_dir=data_dir, allow_download=False
            )
        near_road = RoadDistances(EdgeIndex(graph), rules.snap_max_distance_m)
    boundaries = load_boundaries(boundary_folder(network, data_dir))
    names = AreaNames.from_frames(boundaries.kelurahan, boundaries.kecamatan)
    tables, report.warnings = load_tables(files, rules, Surroundings(names, near_road))
    frames = {kind: table.frame for kind, table in tables.items()}
    report.summary.extend(_tps_lines(files["tps"], frames["tps"]))
    if "posts" in frames:
        report.summary.extend(_posts_lines(files["posts"], frames["posts"]))
    if "roster" in frames:
        report.summary.append(_roster_line(files["roster"], frames["roster"]))
    if "sites" in frames:
        report.summary.append(_sites_line(files["sites"], frames["sites"]))
    report.summary.append(_road_distance_line(near_road))
    return report


def _from_scenario(
    given: dict[str, str | Path | None], scenario: ScenarioFile | None
) -> dict[str, str | Path | None]:
    """The tables given, else those the scenario's ``[inputs]`` name (the TPS table at least:
    :class:`InputError` when it names none)."""
    if scenario is None:
        return given
    if given["tps"] is None:
        scenario.tables()  # raises naming what its [inputs] lack
    return {kind: path or getattr(scenario, kind) for kind, path in given.items()}


def _road_distance_line(near_road: RoadDistances | None) -> str:
    """How far the tables' points lie from the nearest road, in one line."""
    if near_road is None:
        return (
            "Jarak ke jalan tidak diperiksa: beri --network atau --data-dir "
            "(distance to roads not checked)"
        )
    snap = np.concatenate(near_road.measured)
    return (
        f"Jarak ke jalan terdekat: median {np.median(snap):.0f} m, terjauh {snap.max():.0f} m "
        f"(batas {near_road.limit_m:.0f} m)"
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
