"""The Kota Malang demo: synthetic TPS on the real road network, written as a scenario."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from planner import __version__
from planner._atomic import atomic_path, write_text
from planner._data import DEMO_FILE, MALANG_POSTS, data_path
from planner.demo.roster import synthetic_roster
from planner.demo.synthetic import DemoSpec, SpecialSite, generate_tps, kecamatan_counts
from planner.errors import InputError, Problem
from planner.inputs.posts import load_posts
from planner.inputs.rules import AUTO, RiskCategory, Rules, load_rules, read_toml
from planner.inputs.scenario import read_scenario_file
from planner.outputs.reproducible import generation_time
from planner.pipeline import SCENARIO_FILE, PlanResult, relocated, run_scenario, staged_run
from planner.progress import SILENT, Progress
from planner.roads.sources import (
    base_data_dir,
    download_boundaries,
    load_boundaries,
    resolve_network,
)

POSTS_FILE = MALANG_POSTS


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
    return election, load_rules(overrides), config


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
    overrides: Mapping[str, Any] | None = None,
    force: bool = False,
) -> PlanResult:
    """Generate the demo scenario into ``out_dir`` and, with ``plan``, plan it.

    The demo is its scenario files (``tps.csv``, ``posts.csv``, ``roster.csv``,
    ``scenario.toml``) followed by the same run as ``tps-planner plan``
    (:func:`planner.pipeline.run_scenario`), all staged and put in place of
    ``out_dir`` as a whole at the end (one holding other files than a plan only
    with ``force``). ``overrides`` go on top of the rules (e.g.
    :func:`planner.inputs.rules.solver_overrides`).
    """
    start = time.perf_counter()
    generated = generation_time()
    out = Path(out_dir)
    election, rules, config = demo_rules(election)
    demo = config["demo"]
    seed = int(demo["seed"] if seed is None else seed)
    with staged_run(out, progress, force, (network, data_dir)) as (stage, logged):
        with logged.stage("Memuat jaringan jalan (loading the road network)"):
            graph, report = resolve_network(rules, network=network, data_dir=data_dir)
        for line in report.lines():
            logged.info(line)
        folder = base_data_dir(data_dir) or (Path(network).parent if network else None)
        boundaries = load_boundaries(folder)
        if boundaries.kelurahan is None:
            boundaries = download_boundaries(rules)
        with logged.stage(f"Membuat {tps or 'semua'} TPS sintetis (seed {seed})"):
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
        with atomic_path(stage / "tps.csv") as tmp:
            table.to_csv(tmp, index=False, encoding="utf-8")
        with atomic_path(stage / "posts.csv") as tmp:
            shutil.copyfile(data_path(POSTS_FILE), tmp)
        with atomic_path(stage / "roster.csv") as tmp:
            posts_frame = load_posts(stage / "posts.csv", rules).frame
            synthetic_roster(posts_frame, seed, senior_share=float(demo["senior_share"])).to_csv(
                tmp, index=False, encoding="utf-8"
            )
        write_text(
            stage / SCENARIO_FILE,
            scenario_toml(
                config["scenario"]["name"], election, seed, rules, network, folder, generated
            ),
        )
        logged.info(f"Skenario demo ditulis ke {out} (demo scenario written)")
        result = run_scenario(
            read_scenario_file(stage / SCENARIO_FILE, overrides),
            stage,
            out,
            network=network,
            data_dir=data_dir,
            seed=seed,
            lang=lang,
            progress=logged,
            start=start,
            loaded=(graph, report, boundaries),
            plan=plan,
            generated=generated,
        )
    return relocated(result, stage, out)


def scenario_toml(
    name: str,
    election: str,
    seed: int,
    rules: Rules,
    network: str | Path | None,
    data_dir: Path | None,
    generated: datetime,
) -> str:
    """The demo's scenario file made at ``generated``: inputs beside it, rules not the defaults."""
    network_line = (
        f'network = "{Path(network).resolve().as_posix()}"'
        if network
        else f'data_dir = "{data_dir.resolve().as_posix()}"'
        if data_dir
        else f"# jaringan jalan: OpenStreetMap, {rules.area_name} (road network)"
    )
    return (
        f"# Skenario demo tps-planner {__version__}, dibuat {generated:%Y-%m-%d %H:%M} WIB.\n"
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
                k: AUTO if getattr(fleet, k) is None else getattr(fleet, k)
                for k in ("trucks", "truck_capacity", "escort_units")
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
