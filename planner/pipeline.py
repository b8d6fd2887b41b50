"""The whole run: a scenario file in; a validated plan, its maps, rosters and log out.

:func:`plan_scenario` is what ``tps-planner plan`` does: read the scenario, load
the road network, validate and place the inputs, solve (:func:`make_plan`),
validate the plan independently and write every output. All files are written
into a temporary folder beside the output folder, which then takes the output
folder's place as a whole: a run that fails or is interrupted leaves nothing
half-written, and no file of an earlier plan survives beside a new one.

The output folder holds, besides the plan and its exports, a copy of every input
and ``scenario.toml`` naming them with every rule as used and the seed: the
folder alone is enough to validate the plan (``tps-planner validate
DIR/plan.json``) or to plan it again.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import tomli_w

from planner import __version__
from planner._atomic import atomic_path, clear_leftovers, staged_folder, write_json
from planner.errors import InputError, Problem
from planner.inputs.areas import AreaNames, Surroundings
from planner.inputs.rules import Rules
from planner.inputs.scenario import Scenario, ScenarioFile, read_scenario_file
from planner.inputs.workbook import SHEET_MARK, split_sheet, table_file
from planner.outputs.exports import OUTPUT_FILES, write_outputs
from planner.outputs.reproducible import generation_time
from planner.plan import schema
from planner.plan.document import plan_document
from planner.plan.files import write_plan
from planner.plan.shapes import to_json
from planner.plan.summary import plan_rows
from planner.progress import SILENT, Progress
from planner.roads.network import CACHE_NOTE, NetworkReport
from planner.roads.placement import RoadContext, RoadDistances, place_on_network
from planner.roads.snap import EdgeIndex
from planner.roads.sources import (
    Boundaries,
    base_data_dir,
    boundary_folder,
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
INPUT_KINDS = ("tps", "posts", "roster", "sites")
"""The input tables of a scenario, in the order the output folder names their copies."""
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
            *plan_rows(self.plan),
            ("Validator", *verdict),
            ("Benih acak (seed)", str(self.seed), ""),
            ("Waktu (elapsed)", f"{self.elapsed_s:.0f} s", ""),
        ]
        width = max(len(label) for label, _, _ in rows)
        lines = ["Ringkasan rencana (plan summary)"]
        for label, value, note in rows:
            lines.append(f"  {label:<{width}}  {value:>8}  {note}".rstrip())
        return lines


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
    force: bool = False,
) -> PlanResult:
    """Plan a scenario file into ``out_dir``: ``tps-planner plan SCENARIO --out DIR``.

    ``network``/``data_dir`` replace the scenario's ``[inputs]`` network source;
    ``seed`` replaces its ``[scenario] seed``; ``overrides`` go on top of its rules
    (e.g. :func:`planner.inputs.rules.solver_overrides`). ``out_dir`` is replaced
    as a whole; one holding other files than a plan only with ``force``
    (:func:`check_output_folder`). Input problems raise :class:`InputError` before
    anything is written.
    """
    start = time.perf_counter()
    spec = read_scenario_file(scenario_file, overrides)
    out = Path(out_dir)
    tables = {kind: getattr(spec, kind) for kind in INPUT_KINDS if getattr(spec, kind)}
    kept = [table_file(out / name) for name in copy_names(tables).values()]
    if _same_file(spec.path, out / SCENARIO_FILE):
        kept.append(out / SCENARIO_FILE)  # re-planning an output folder into itself
    inputs = [spec.path, *map(table_file, tables.values()), *spec.network_source(network, data_dir)]
    with staged_run(out, progress, force, inputs, kept) as (stage, logged):
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


@contextmanager
def staged_run(
    out: Path,
    progress: Progress,
    force: bool = False,
    inputs: Collection[str | Path | None] = (),
    kept: Collection[Path] = (),
) -> Iterator[tuple[Path, Progress]]:
    """The staging folder that replaces ``out`` and the progress logging into it.

    What stopped runs left beside ``out`` is cleared first and named in the log;
    :func:`check_output_folder` (with ``force``, ``inputs`` and ``kept``) runs
    before anything is written.
    """
    cleared = clear_leftovers(out)
    check_output_folder(out, force, inputs, kept)
    with staged_folder(out, replace=True) as stage, progress.logging_to(stage / LOG_FILE) as logged:
        for line in cleared:
            logged.info(line)
        yield stage, logged


def check_output_folder(
    out: Path, force: bool, inputs: Collection[str | Path | None], kept: Collection[Path]
) -> None:
    """An :class:`InputError` unless ``out`` may be replaced as a whole by a new plan.

    ``out`` must be a folder, hold none of the ``inputs`` (files or folders) but the
    copies the plan keeps (``kept``), and be empty or hold an earlier plan (its log
    file) unless ``force``.
    """
    refused: list[tuple[Path, str, str]] = []
    if out.exists() and not out.is_dir():
        refused.append(
            (out, "--out harus folder, bukan berkas", "--out must be a folder, not a file")
        )
    elif out.is_dir() and any(out.iterdir()) and not (out / LOG_FILE).is_file() and not force:
        refused.append(
            (
                out,
                "folder --out berisi berkas lain, bukan rencana tps-planner; pilih folder "
                "kosong, atau --force untuk menggantinya seluruhnya",
                "--out holds other files than a tps-planner plan; choose an empty folder, "
                "or --force to replace it as a whole",
            )
        )
    folder, keep = out.resolve(), {path.resolve() for path in kept}
    for path in sorted({Path(given).resolve() for given in inputs if given is not None}):
        if path.is_relative_to(folder) and path not in keep:
            refused.append(
                (
                    path,
                    "masukan ini di dalam folder --out akan hilang: folder keluaran diganti "
                    "seluruhnya; pilih folder --out lain",
                    "this input inside --out would be lost: the output folder is replaced "
                    "as a whole; choose another --out",
                )
            )
    if refused:
        raise InputError(Problem(str(path), *texts, column="--out") for path, *texts in refused)


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
    generated: datetime | None = None,
) -> PlanResult:
    """Plan ``spec`` writing every file into ``folder`` (the staging folder of ``out``).

    ``loaded`` is a network and boundaries already loaded (the demo's);
    without ``plan`` only the scenario, its copies and ``network.json`` are written.
    ``generated`` is the time the outputs say they were made (default
    :func:`~planner.outputs.reproducible.generation_time`, taken once here).
    """
    start = time.perf_counter() if start is None else start
    generated = generated or generation_time()
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
        near_road = RoadDistances(EdgeIndex(graph), rules.snap_max_distance_m)
        scenario = spec.load(surroundings(boundaries, near_road))
        roads = place_on_network(scenario, graph, report, near_road.index)
    for warning in scenario.warnings:
        progress.info(str(warning))
    progress.info(
        f"  {len(scenario.tps):,} TPS, {len(scenario.posts)} pos"
        + ("" if scenario.roster is None else f", {len(scenario.roster):,} personel bernama")
        + ("" if scenario.sites is None else f", {len(scenario.sites)} lokasi logistik")
    )
    files = copy_inputs(spec, scenario, folder, out, seed, network, data_dir)
    files["network"] = folder / NETWORK_FILE
    write_json(files["network"], network_summary(scenario, roads, spec.election, seed, out))
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
        files.update(write_outputs(folder, scenario, planned, boundaries, lang, graph, generated))
    files["log"] = folder / LOG_FILE
    elapsed = time.perf_counter() - start
    result = PlanResult(scenario, roads, files, planned, violations, elapsed, seed)
    progress.table(result.summary_lines())
    return result


def surroundings(boundaries: Boundaries | None, near_road: RoadDistances) -> Surroundings:
    """What the tables are checked against: the boundaries' names (when any) and the roads."""
    names = (
        None
        if boundaries is None
        else AreaNames.from_frames(boundaries.kelurahan, boundaries.kecamatan)
    )
    return Surroundings(names, near_road)


def find_boundaries(
    rules: Rules, network: str | Path | None, data_dir: str | Path | None, progress: Progress
) -> Boundaries | None:
    """Kelurahan and kecamatan polygons beside the network data, else from OSM when it came
    from there; ``None`` (maps without boundaries) when neither works."""
    folder = boundary_folder(network, data_dir)
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

    An input already in ``folder`` (the demo's) stays as it is, and so does the
    scenario file when it is ``out/scenario.toml`` (an output folder planned again
    into itself): it is copied, not rewritten.
    """
    files: dict[str, Path] = {}
    names = copy_names(scenario.sources)
    for kind, source in scenario.sources.items():
        files[kind] = table_file(folder / names[kind])
        if not _same_file(table_file(source), files[kind]):
            _copy(table_file(source), files[kind])
    files["scenario"] = folder / SCENARIO_FILE
    if _same_file(spec.path, out / SCENARIO_FILE):
        _copy(spec.path, files["scenario"])
    elif not _same_file(spec.path, files["scenario"]):
        with atomic_path(files["scenario"]) as tmp:
            tmp.write_text(scenario_copy(spec, names, seed, network, data_dir), encoding="utf-8")
    return files


def copy_names(sources: Mapping[str, str | Path]) -> dict[str, str]:
    """The name of each input's copy in the output folder, as its ``scenario.toml`` gives it:
    its own, or with its kind in front when an output or an earlier input has that name (a
    workbook keeps its ``#SHEET``)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for kind, source in sources.items():
        path, sheet = split_sheet(source)
        name = f"{kind}_{path.name}" if path.name in RESERVED_NAMES | taken else path.name
        taken.add(name)
        names[kind] = name if sheet is None else f"{name}{SHEET_MARK}{sheet}"
    return names


def _copy(source: str | Path, target: Path) -> None:
    """Copy a file, atomically."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def _same_file(source: str | Path, target: Path) -> bool:
    """Whether ``source`` and ``target`` are one file (symbolic links followed)."""
    return Path(source).resolve() == target.resolve()


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
    scenario: Scenario, roads: RoadContext, election: str | None, seed: int, out: Path
) -> dict[str, Any]:
    """Key figures of the scenario and its network, for ``network.json`` (paths from ``out``)."""
    report = roads.report
    source = report.source.removesuffix(CACHE_NOTE)
    snap = np.concatenate([roads.tps_points.distance_m, roads.post_points.distance_m])
    tps = scenario.tps
    return {
        "version": __version__,
        "election": election,
        "seed": seed,
        "network": {
            "source": path_from(out, source) + report.source[len(source) :],
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
        "warnings": [str(replace(w, file=path_from(out, w.file))) for w in scenario.warnings],
    }


def path_from(folder: Path, name: str) -> str:
    """``name``, when it is a file, as a path from ``folder``; anything else as it is."""
    if not Path(name).is_file():
        return name
    return Path(os.path.relpath(Path(name).resolve(), folder.resolve())).as_posix()
