"""The Kota Malang demo: synthetic TPS on the real road network, written as a scenario."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planner import __version__
from planner._atomic import atomic_path, write_json, write_text
from planner._data import data_path
from planner._errors import InputError, Problem
from planner.assignment import assign_guards
from planner.exports import write_outputs
from planner.logistics import plan_logistics
from planner.patrols import plan_patrols
from planner.plan import plan_document, write_plan
from planner.posts import load_posts
from planner.progress import SILENT, Progress, now_wib
from planner.reserve import plan_reserve
from planner.roster import pair_officers, synthetic_roster
from planner.rules import RiskCategory, Rules, load_rules, merge, read_toml
from planner.scenario import RoadContext, Scenario, load_scenario, place_on_network
from planner.sites import logistics_sites
from planner.sources import (
    Boundaries,
    base_data_dir,
    download_boundaries,
    load_boundaries,
    resolve_network,
)
from planner.synthetic import DemoSpec, SpecialSite, generate_tps, kecamatan_counts
from planner.validate import Violation, validate_plan

DEMO_FILE = "malang_demo.toml"
POSTS_FILE = "malang_posts.csv"


@dataclass(frozen=True)
class DemoResult:
    """The demo scenario, placed on the network, its plan, and the files written."""

    scenario: Scenario
    roads: RoadContext
    files: dict[str, Path]
    plan: dict[str, Any] | None
    violations: tuple[Violation, ...] = ()


def demo_rules(election: str | None = None) -> tuple[str, Rules, dict[str, Any]]:
    """The election (default from the demo file), its rules and the demo configuration."""
    config = read_toml(data_path(DEMO_FILE))
    election = election or config["demo"]["election"]
    if election not in config["elections"]:
        known = ", ".join(config["elections"])
        raise InputError(
            [
                Problem(
                    "--election",
                    f"pemilu '{election}' tidak dikenal; pilih: {known}",
                    f"unknown election '{election}'; choose: {known}",
                )
            ]
        )
    chosen = config["elections"][election]
    overrides: dict[str, Any] = {"tps": {"max_voters": chosen["max_voters"]}}
    overrides["logistics"] = {"election_date": chosen["date"], **chosen.get("logistics", {})}
    if "kurang_rawan_max_tps" in chosen:
        overrides["pattern"] = {"kurang_rawan": {"max_tps": chosen["kurang_rawan_max_tps"]}}
    return election, load_rules(merge(config, overrides)), config


def run_demo(
    out_dir: str | Path,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
    tps: int | None = None,
    seed: int | None = None,
    election: str | None = None,
    progress: Progress = SILENT,
    plan: bool = True,
    lang: str = "id",
) -> DemoResult:
    """Generate the demo scenario into ``out_dir``, validate it and, with ``plan``, plan it."""
    out = Path(out_dir)
    election, rules, config = demo_rules(election)
    demo = config["demo"]
    seed = int(demo["seed"] if seed is None else seed)

    with progress.stage("Memuat jaringan jalan (loading the road network)"):
        graph, report = resolve_network(rules, network=network, data_dir=data_dir)
    for line in report.lines():
        progress.info(line)
    folder = base_data_dir(data_dir) or (Path(network).parent if network else None)
    boundaries = load_boundaries(folder)
    if boundaries.kelurahan is None:
        boundaries = download_boundaries(rules)

    with progress.stage(f"Membuat {tps or 'semua'} TPS sintetis (seed {seed})"):
        spec = DemoSpec(
            kecamatan_tps=kecamatan_counts(election, tps),
            max_voters=rules.max_voters,
            seed=seed,
            residential_classes=tuple(demo["residential_classes"]),
            risk_mix=demo.get("risk_mix", {}),
            special_sites=tuple(SpecialSite(**s) for s in demo.get("special_sites", [])),
            voters_beta=tuple(demo["voters_beta"]),
            min_voters=int(demo["min_voters"]),
        )
        table = generate_tps(graph, boundaries.kelurahan, spec)

    files = {
        "tps": out / "tps.csv",
        "posts": out / "posts.csv",
        "scenario": out / "scenario.toml",
        "network": out / "network.json",
    }
    with atomic_path(files["tps"]) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8")
    with atomic_path(files["posts"]) as tmp:
        shutil.copyfile(data_path(POSTS_FILE), tmp)
    files["roster"] = out / "roster.csv"
    with atomic_path(files["roster"]) as tmp:
        posts_frame = load_posts(files["posts"], rules).frame
        synthetic_roster(posts_frame, seed, senior_share=float(demo["senior_share"])).to_csv(
            tmp, index=False, encoding="utf-8"
        )
    write_text(
        files["scenario"],
        scenario_toml(config["scenario"]["name"], election, seed, rules, network, folder),
    )

    with progress.stage("Memeriksa TPS dan pos (validating TPS and posts)"):
        scenario = load_scenario(
            files["tps"], files["posts"], rules, config["scenario"]["name"], files["roster"]
        )
        roads = place_on_network(scenario, graph, report)
    write_json(files["network"], network_summary(scenario, roads, election, seed))
    progress.info(f"Skenario ditulis ke {out}")
    if not plan:
        return DemoResult(scenario, roads, files, None)
    document = make_plan(scenario, roads, seed, progress, boundaries)
    files["plan"] = out / "plan.json"
    write_plan(files["plan"], document)
    with progress.stage("Memeriksa rencana secara independen (independent validation)"):
        violations = tuple(validate_plan(scenario, graph, document))
    progress.info(
        f"  {len(violations)} pelanggaran aturan" if violations else "  semua aturan terpenuhi"
    )
    with progress.stage("Menulis peta, daftar jaga dan lapisan GIS (maps, rosters, GIS layers)"):
        files.update(write_outputs(out, scenario, document, boundaries, lang=lang))
    return DemoResult(scenario, roads, files, document, violations)


def make_plan(
    scenario: Scenario,
    roads: RoadContext,
    seed: int,
    progress: Progress = SILENT,
    boundaries: Boundaries | None = None,
) -> dict[str, Any]:
    """Guard groups, named pairs, reserve, patrols and logistics, as a plan document."""
    with progress.stage("Menyusun kelompok jaga (guard-group assignment, CP-SAT)"):
        assignment = assign_guards(scenario, roads, seed=seed, progress=progress.info)
    progress.info(
        f"  {assignment.officers} personel untuk {len(assignment.groups)} kelompok; "
        f"batas bawah {assignment.officers_lower_bound}, cara manual {assignment.baseline_officers}"
    )
    roster = None
    if scenario.roster is not None:
        with progress.stage("Memasangkan personel bernama (named officer pairs)"):
            roster = pair_officers(assignment.groups, scenario.roster, scenario.rules, seed=seed)
        for line in roster.summary():
            progress.info(f"  {line}")
    with progress.stage("Menempatkan pasukan cadangan (reserve staging)"):
        reserve = plan_reserve(scenario, roads, seed=seed)
    progress.info(
        f"  {len(reserve.staging)} titik siaga; "
        f"respons terlama {reserve.worst_response_s / 60:.1f} menit"
    )
    with progress.stage("Merencanakan rute patroli (patrol routing, OR-Tools)"):
        patrols = plan_patrols(scenario, roads, seed=seed)
    progress.info(
        f"  {len(patrols.routes)} kendaraan; {patrols.coverage:.1%} kunjungan wajib terlayani"
    )
    with progress.stage("Merencanakan kawal logistik dan jaga gudang (logistics, OR-Tools)"):
        sites, _ = logistics_sites(scenario, roads.graph, boundaries)
        logistics = plan_logistics(scenario, roads, sites, assignment, seed=seed)
    short = sum(p.shortfall > 0 for p in logistics.personnel)
    progress.info(
        f"  {len(logistics.routes)} rute kawal, {logistics.escort_hours:,.0f} jam-personel; "
        f"{len(logistics.undelivered)} muatan tak terantar; {short} hari-pos kurang personel"
    )
    return plan_document(
        scenario, roads, assignment, reserve, seed, roster, patrols, logistics=logistics
    )


def scenario_toml(
    name: str,
    election: str,
    seed: int,
    rules: Rules,
    network: str | Path | None,
    data_dir: Path | None,
) -> str:
    """The demo's scenario file: inputs beside it, rules that differ from the defaults."""
    network_line = (
        f'network = "{Path(network).resolve().as_posix()}"'
        if network
        else f'data_dir = "{data_dir.resolve().as_posix()}"'
        if data_dir
        else f'place = "{rules.area_name}"'
    )
    return (
        f"# Skenario demo tps-planner {__version__}, dibuat {now_wib():%Y-%m-%d %H:%M} WIB.\n"
        "# Aturan yang tidak tertulis di sini memakai data/defaults.toml.\n\n"
        f'[scenario]\nname = "{name}"\nelection = "{election}"\nseed = {seed}\n\n'
        f'[inputs]\ntps = "tps.csv"\nposts = "posts.csv"\nroster = "roster.csv"\n{network_line}\n\n'
        + rule_overrides_toml(rules)
    )


def rule_overrides_toml(rules: Rules) -> str:
    """The election's rule overrides as TOML: voter limit, kurang rawan group size, logistics."""
    kurang_rawan = rules.pattern[RiskCategory.KURANG_RAWAN].max_tps
    logistics = rules.logistics
    tables = {
        "logistics": {"election_date": logistics.election_date},
        "logistics.warehouse": {
            k: getattr(logistics.warehouse, k) for k in ("name", "kecamatan", "address")
        },
        **{
            f"logistics.{name}": {
                k: getattr(fleet, k) for k in ("trucks", "truck_capacity", "escort_units")
            }
            for name, fleet in (("city", logistics.city), ("local", logistics.local))
        },
    }
    return (
        f"[tps]\nmax_voters = {rules.max_voters}\n\n"
        f"[pattern.kurang_rawan]\nmax_tps = {kurang_rawan}\n"
        + "".join(
            f"\n[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items())
            for name, table in tables.items()
        )
    )


def network_summary(
    scenario: Scenario, roads: RoadContext, election: str, seed: int
) -> dict[str, Any]:
    """Key figures of the scenario and its network, for ``network.json``."""
    report = roads.report
    snap = np.concatenate([roads.tps_points.distance_m, roads.post_points.distance_m])
    tps = scenario.tps
    posts = scenario.posts
    return {
        "version": __version__,
        "election": election,
        "seed": seed,
        "network": {
            "source": report.source,
            "nodes": report.nodes,
            "edges": report.edges,
            "length_km": round(report.length_km, 1),
            "components_before": report.components_before,
            "dropped_nodes": report.dropped_nodes,
            "dropped_components": report.dropped_components,
            "excluded_edges": report.excluded_edges,
        },
        "snap_distance_m": {
            "median": round(float(np.median(snap)), 1),
            "max": round(float(snap.max()), 1),
            "limit": scenario.rules.snap_max_distance_m,
        },
        "tps": {
            "total": len(tps),
            "voters": int(tps["voters"].sum()),
            "per_kecamatan": {k: int(v) for k, v in tps.groupby("kecamatan").size().items()},
            "per_risk": {k: int(v) for k, v in tps.groupby("risk").size().items()},
        },
        "posts": [
            {
                "post_id": p.post_id,
                "name": p.name,
                "kind": p.kind,
                "polri": int(p.polri),
                "approximate": bool(p.approximate),
                "note": "lokasi perkiraan (approximate location)" if p.approximate else "",
            }
            for p in posts.itertuples()
        ],
        "warnings": [str(w) for w in scenario.warnings],
    }
