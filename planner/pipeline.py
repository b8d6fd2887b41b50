"""The whole run: a scenario file in; a validated plan, its maps, rosters and log out.

:func:`plan_scenario` is what ``tps-planner plan`` does: read the scenario, load
the road network, validate and place the inputs, solve (:func:`make_plan`),
validate the plan independently and write every output. All files are written
into a temporary folder beside the output folder and moved in at the end, so a
run that fails or is interrupted leaves nothing half-written.

The output folder holds, besides the plan and its exports, a copy of every input
and ``scenario.toml`` naming them with every rule as used and the seed: the
folder alone is enough to validate the plan (``tps-planner validate
DIR/plan.json``) or to plan it again.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import tomli_w

from planner import __version__
from planner._atomic import atomic_path, staged_folder, write_json
from planner.errors import InputError, Problem
from planner.inputs.rules import Rules
from planner.inputs.scenario import Scenario, ScenarioFile, read_scenario_file
from planner.outputs.exports import OUTPUT_FILES, write_outputs
from planner.plan import schema
from planner.plan.document import plan_document
from planner.plan.files import write_plan
from planner.plan.shapes import to_json
from planner.progress import SILENT, Progress
from planner.roads.network import NetworkReport
from planner.roads.placement import RoadContext, place_on_network
from planner.roads.sources import (
    Boundaries,
    base_data_dir,
    download_boundaries,
    load_boundaries,
    resolve_network,
)
from planner.solve.assignment import assign_guards
from planner.solve.logistics import plan_logistics
from planner.solve.logistics_sites import logistics_sites
from planner.solve.memory import check_memory, size_text
from planner.solve.pairing import pair_officers
from planner.solve.patrols import SHIFT_LABEL, plan_patrols
from planner.solve.personnel import crewed_posts
from planner.solve.reserve import plan_reserve
from planner.validate import Violation, validate_plan

LOG_FILE = "tps-planner.log"
PLAN_FILE = "plan.json"
SCENARIO_FILE = "scenario.toml"
NETWORK_FILE = "network.json"
RESERVED_NAMES = frozenset(
    {LOG_FILE, PLAN_FILE, SCENARIO_FILE, NETWORK_FILE, *OUTPUT_FILES.values()}
)
"""Output file names: an input copied into the output folder never takes one."""
DEFAULT_SEED = 0
"""The seed when neither the command line nor the scenario gives one."""


@dataclass(frozen=True)
class PlanResult:
    """The scenario placed on the network, its plan, the validator's verdict and the files."""

    scenario: Scenario
    roads: RoadContext
    files: dict[str, Path]
    plan: schema.Plan | None
    violations: tuple[Violation, ...] = ()
    elapsed_s: float = 0.0
    seed: int = DEFAULT_SEED

    @property
    def uncovered(self) -> list[schema.Uncovered]:
        """TPS left without a guard group (with reasons)."""
        return list(self.plan.uncovered) if self.plan else []

    @property
    def ok(self) -> bool:
        """A plan with every TPS covered and no rule broken."""
        return self.plan is not None and not self.violations and not self.uncovered

    def summary_lines(self) -> list[str]:
        """The final summary table, in Bahasa Indonesia with English labels."""
        if self.plan is None:
            return []
        verdict = (
            (f"{len(self.violations)}", "pelanggaran aturan (rule violations)")
            if self.violations
            else ("sah", "semua aturan terpenuhi (valid: every rule holds)")
        )
        rows = [
            *guard_rows(self.plan),
            *patrol_rows(self.plan.patrols),
            *logistics_rows(self.plan.logistics),
            ("Validator", *verdict),
            ("Benih acak (seed)", str(self.seed), ""),
            ("Waktu (elapsed)", f"{self.elapsed_s:.0f} s", ""),
        ]
        width = max(len(label) for label, _, _ in rows)
        lines = ["Ringkasan rencana (plan summary)"]
        for label, value, note in rows:
            lines.append(f"  {label:<{width}}  {value:>8}  {note}".rstrip())
        return lines


Row = tuple[str, str, str]


def guard_rows(plan: schema.Plan) -> list[Row]:
    """Summary rows of the guard groups and the reserve."""
    kpis = plan.kpis
    return [
        ("TPS", f"{kpis.tps:,}", ""),
        ("Kelompok jaga (guard groups)", f"{len(plan.groups):,}", ""),
        (
            "Personel (officers)",
            f"{kpis.officers:,}",
            f"batas bawah {kpis.officers_lower_bound:,}, selisih {kpis.officer_gap:.1%};"
            f" cara manual {kpis.baseline_officers:,} (lower bound, gap; by hand)",
        ),
        (
            "TPS tanpa jaga (uncovered)",
            f"{len(plan.uncovered):,}",
            "lihat plan.json 'uncovered' (see plan.json)" if plan.uncovered else "",
        ),
        (
            "Titik siaga cadangan (reserve points)",
            f"{len(plan.reserve.staging):,}",
            f"respons terlama {kpis.worst_reserve_response_s / 60:.1f} menit "
            f"(worst response, minutes)",
        ),
    ]


def patrol_rows(patrols: schema.Patrols | None) -> list[Row]:
    """Summary rows of the patrols: routes, and visits made per shift."""
    if patrols is None:
        return []
    rows = [("Rute patroli (patrol routes)", f"{len(patrols.routes):,}", "")]
    for shift, own in patrols.kpis.shifts.items():
        rows.append(
            (
                f"Kunjungan patroli {SHIFT_LABEL[shift]} ({shift}-shift patrol visits)",
                f"{own.performed_visits:,}",
                f"dari {own.required_visits:,}; "
                f"{own.required_visits - own.performed_visits:,} terlewat "
                "(of required; dropped)",
            )
        )
    return rows


def logistics_rows(logistics: schema.Logistics | None) -> list[Row]:
    """Summary rows of the logistics: escort routes and the trucks needed."""
    if logistics is None:
        return []
    figures = logistics.kpis
    return [
        (
            "Rute kawal logistik (escort routes)",
            f"{figures.routes:,}",
            f"{figures.escort_hours:,.0f} jam-personel; {figures.delivered:,} dari "
            f"{figures.consignments:,} muatan; {figures.shortfall_days:,} hari-pos "
            "kurang personel (officer-hours; loads; post-days short)",
        ),
        ("Armada logistik (trucks)", f"{figures.trucks:,}", fleet_note(logistics.fleet)),
    ]


def fleet_note(fleet: Sequence[schema.FleetArea]) -> str:
    """Trucks needed at once per escort area, and whether the solver sized them."""
    parts = []
    for area in fleet:
        how = "otomatis" if area.trucks_limit is None else f"batas {area.trucks_limit}"
        parts.append(f"{area.area} {area.trucks} ({how})")
    return "; ".join(parts) + " (per area at once; auto-sized or limit)"


def make_plan(
    scenario: Scenario,
    roads: RoadContext,
    seed: int,
    progress: Progress = SILENT,
    boundaries: Boundaries | None = None,
) -> schema.Plan:
    """Guard groups, named pairs, reserve, patrols and logistics: the plan.

    First the memory it needs is estimated: an :class:`InputError` when it would not fit.
    """
    estimate, available = check_memory(scenario)
    have = "tidak diketahui (unknown)" if available is None else size_text(available)
    progress.info(
        f"  Perkiraan memori {size_text(estimate.needed)}, tersedia {have} "
        "(memory estimate, available)"
    )
    with progress.stage("Menyusun kelompok jaga (guard-group assignment, CP-SAT)"):
        assignment = assign_guards(scenario, roads, seed=seed, report=progress.report)
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
        drawn: Counter[str] = Counter()
        for group in assignment.groups:
            drawn.update(group.officers_from)
        crewed = replace(scenario, posts=crewed_posts(scenario, drawn))
        patrols = plan_patrols(crewed, roads, seed=seed, report=progress.report)
    for shift in patrols.required:
        routes = sum(r.shift == shift for r in patrols.routes)
        progress.info(
            f"  {SHIFT_LABEL[shift]}: {routes} rute; "
            f"{patrols.shift_coverage(shift):.1%} kunjungan wajib terlayani"
        )
    with progress.stage("Merencanakan kawal logistik dan jaga gudang (logistics, OR-Tools)"):
        sites = logistics_sites(scenario, roads.graph, boundaries)
        logistics = plan_logistics(scenario, roads, sites, assignment, patrols, seed=seed)
    short = sum(p.shortfall > 0 for p in logistics.personnel)
    progress.info(
        f"  {len(logistics.routes)} rute kawal, {logistics.escort_hours:,.0f} jam-personel; "
        f"{len(logistics.undelivered)} muatan tak terantar; {short} hari-pos kurang personel"
    )
    return plan_document(
        scenario, roads, assignment, reserve, seed, roster, patrols, logistics=logistics
    )


def plan_scenario(
    scenario_file: str | Path,
    out_dir: str | Path,
    *,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    lang: str = "id",
    progress: Progress = SILENT,
) -> PlanResult:
    """Plan a scenario file into ``out_dir``: ``tps-planner plan SCENARIO --out DIR``.

    ``network``/``data_dir`` replace the scenario's ``[inputs]`` network source;
    ``seed`` replaces its ``[scenario] seed``; ``overrides`` go on top of its rules
    (e.g. :func:`planner.inputs.rules.solver_overrides`). Input problems raise
    :class:`InputError` before anything is written.
    """
    start = time.perf_counter()
    spec = read_scenario_file(scenario_file, overrides)
    out = Path(out_dir)
    refuse_overwriting_inputs(spec, out)
    with staged_folder(out) as stage, progress.logging_to(stage / LOG_FILE) as logged:
        logged.info(f"tps-planner {__version__}: skenario {spec.path} -> {out}")
        result = run_scenario(
            spec,
            stage,
            out,
            network=network,
            data_dir=data_dir,
            seed=seed,
            lang=lang,
            progress=logged,
            start=start,
        )
    return relocated(result, stage, out)


def refuse_overwriting_inputs(spec: ScenarioFile, out: Path) -> None:
    """An :class:`InputError` when ``out`` is a file or an output would replace an input."""
    if out.exists() and not out.is_dir():
        raise InputError(
            [
                Problem(
                    str(out),
                    "--out harus folder, bukan berkas",
                    "--out must be a folder, not a file",
                    column="--out",
                )
            ]
        )
    given = (spec.tps, spec.posts, spec.roster, spec.sites)
    inputs = {p.resolve() for p in given if p is not None}
    clashes = sorted(name for name in RESERVED_NAMES if (out / name).resolve() in inputs)
    if clashes:
        raise InputError(
            Problem(
                str(out / name),
                "berkas keluaran sama dengan berkas masukan; masukan tidak pernah ditimpa: "
                "pilih folder --out lain",
                "output file is an input file; inputs are never overwritten: choose another --out",
            )
            for name in clashes
        )


def run_scenario(
    spec: ScenarioFile,
    folder: Path,
    out: Path,
    *,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
    seed: int | None = None,
    lang: str = "id",
    progress: Progress = SILENT,
    start: float | None = None,
    loaded: tuple[nx.MultiDiGraph, NetworkReport, Boundaries] | None = None,
    plan: bool = True,
) -> PlanResult:
    """Plan ``spec`` writing every file into ``folder`` (the staging folder of ``out``).

    ``loaded`` is a network and boundaries already loaded (the demo's);
    without ``plan`` only the scenario, its copies and ``network.json`` are written.
    """
    start = time.perf_counter() if start is None else start
    rules = spec.rules
    seed = seed if seed is not None else spec.seed if spec.seed is not None else DEFAULT_SEED
    network, data_dir = spec.network_source(network, data_dir)
    spec.tables()  # before the network: a missing table is named at once
    if loaded is None:
        with progress.stage("Memuat jaringan jalan (loading the road network)"):
            graph, report = resolve_network(rules, network=network, data_dir=data_dir)
        for line in report.lines():
            progress.info(line)
        boundaries = find_boundaries(rules, network, data_dir, progress)
    else:
        graph, report, boundaries = loaded
    with progress.stage("Memeriksa TPS, pos dan personel (validating the inputs)"):
        scenario = spec.load()
        roads = place_on_network(scenario, graph, report)
    for warning in scenario.warnings:
        progress.info(str(warning))
    progress.info(
        f"  {len(scenario.tps):,} TPS, {len(scenario.posts)} pos"
        + ("" if scenario.roster is None else f", {len(scenario.roster):,} personel bernama")
        + ("" if scenario.sites is None else f", {len(scenario.sites)} lokasi logistik")
    )
    files = copy_inputs(spec, scenario, folder, out, seed, network, data_dir)
    files["network"] = folder / NETWORK_FILE
    write_json(files["network"], network_summary(scenario, roads, spec.election, seed))
    if not plan:
        return PlanResult(scenario, roads, files, None, (), time.perf_counter() - start, seed)
    planned = make_plan(scenario, roads, seed, progress, boundaries)
    document = to_json(planned)
    files["plan"] = folder / PLAN_FILE
    write_plan(files["plan"], document)
    with progress.stage("Memeriksa rencana secara independen (independent validation)"):
        violations = tuple(validate_plan(scenario, graph, document))
    for violation in violations:
        progress.info(f"  {violation}")
    progress.info(
        f"  {len(violations)} pelanggaran aturan" if violations else "  semua aturan terpenuhi"
    )
    with progress.stage("Menulis peta, daftar jaga dan lapisan GIS (maps, rosters, GIS layers)"):
        files.update(write_outputs(folder, scenario, planned, boundaries, lang=lang, roads=graph))
    files["log"] = folder / LOG_FILE
    elapsed = time.perf_counter() - start
    result = PlanResult(scenario, roads, files, planned, violations, elapsed, seed)
    progress.table(result.summary_lines())
    return result


def find_boundaries(
    rules: Rules, network: str | Path | None, data_dir: str | Path | None, progress: Progress
) -> Boundaries | None:
    """Kelurahan and kecamatan polygons beside the network data, else from OSM when it came
    from there; ``None`` (maps without boundaries) when neither works."""
    folder = base_data_dir(data_dir) or (Path(network).parent if network else None)
    boundaries = load_boundaries(folder)
    if boundaries.kelurahan is not None or folder is not None:
        return boundaries
    try:
        return download_boundaries(rules)
    except (OSError, ConnectionError, ValueError) as exc:
        progress.info(f"Batas wilayah tidak tersedia, peta tanpa batas ({exc}) (no boundaries)")
        return None


def copy_inputs(
    spec: ScenarioFile,
    scenario: Scenario,
    folder: Path,
    out: Path,
    seed: int,
    network: str | Path | None,
    data_dir: str | Path | None,
) -> dict[str, Path]:
    """Copy the inputs into ``folder`` and write ``scenario.toml`` naming them.

    An input that already is the file of that name in ``out`` is not copied, and
    the scenario file is not rewritten when it already is ``out/scenario.toml``.
    """
    files: dict[str, Path] = {}
    names: dict[str, str] = {}
    for kind, source in scenario.sources.items():
        name = Path(source).name
        if name in RESERVED_NAMES or name in names.values():
            name = f"{kind}_{name}"
        names[kind] = name
        files[kind] = folder / name
        if not _same_file(source, folder / name, out / name):
            with atomic_path(files[kind]) as tmp:
                shutil.copyfile(source, tmp)
    files["scenario"] = folder / SCENARIO_FILE
    if not _same_file(spec.path, folder / SCENARIO_FILE, out / SCENARIO_FILE):
        with atomic_path(files["scenario"]) as tmp:
            tmp.write_text(scenario_copy(spec, names, seed, network, data_dir), encoding="utf-8")
    return files


def _same_file(source: str | Path, *targets: Path) -> bool:
    resolved = Path(source).resolve()
    return any(target.resolve() == resolved for target in targets)


def scenario_copy(
    spec: ScenarioFile,
    names: Mapping[str, str],
    seed: int,
    network: str | Path | None,
    data_dir: str | Path | None,
) -> str:
    """``scenario.toml`` of an output folder: the inputs beside it, every rule as used."""
    inputs: dict[str, str] = dict(names)
    folder = base_data_dir(data_dir)
    if network is not None:
        inputs["network"] = Path(network).resolve().as_posix()
    elif folder is not None:
        inputs["data_dir"] = folder.resolve().as_posix()
    about: dict[str, Any] = {"name": spec.name, "seed": seed}
    if spec.election:
        about["election"] = spec.election
    rules = {k: v for k, v in spec.settings.items() if k not in ("scenario", "inputs")}
    header = (
        f"# Skenario rencana ini (tps-planner {__version__}): masukan di sebelahnya, semua\n"
        "# aturan seperti dipakai, dan benih acak. Rencanakan ulang dengan\n"
        "#   tps-planner plan scenario.toml --out FOLDER\n"
        "# (The scenario of this plan: its inputs beside it, every rule as used, the seed.)\n\n"
    )
    return header + tomli_w.dumps({"scenario": about, "inputs": inputs, **rules})


def relocated(result: PlanResult, stage: Path, out: Path) -> PlanResult:
    """The result with paths inside the staging folder moved to the output folder."""

    def move(path: str | Path) -> Path:
        path = Path(path)
        return out / path.relative_to(stage) if path.is_relative_to(stage) else path

    scenario = replace(
        result.scenario,
        sources={k: str(move(v)) for k, v in result.scenario.sources.items()},
    )
    files = {kind: move(path) for kind, path in result.files.items()}
    return replace(result, scenario=scenario, files=files)


def network_summary(
    scenario: Scenario, roads: RoadContext, election: str | None, seed: int
) -> dict[str, Any]:
    """Key figures of the scenario and its network, for ``network.json``."""
    report = roads.report
    snap = np.concatenate([roads.tps_points.distance_m, roads.post_points.distance_m])
    tps = scenario.tps
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
            for p in scenario.posts.itertuples()
        ],
        "warnings": [str(w) for w in scenario.warnings],
    }
