"""The plan document (``plan.json``): the solvers' results as the typed sections of
:mod:`planner.plan.schema` (its reference: ``docs/plan-format.md``).

Nothing in it depends on the clock or on where files are: inputs are recorded by
name and content hash, so the same inputs and seed give the same bytes in any folder.
(Version 1 recorded ``sources`` as the paths given.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import time
from pathlib import Path
from typing import Any

from planner import __version__
from planner.inputs.rules import Rules
from planner.inputs.scenario import Scenario
from planner.inputs.workbook import table_file
from planner.plan import schema
from planner.plan.files import file_sha256
from planner.plan.logistics import logistics_section
from planner.roads.network import CACHE_NOTE, NetworkReport
from planner.roads.placement import RoadContext
from planner.solve.assignment import AssignmentResult
from planner.solve.logistics import LogisticsPlan
from planner.solve.pairing import RosterResult
from planner.solve.patrols import PatrolResult
from planner.solve.reserve import ReservePlan


def roster_sections(result: RosterResult) -> dict[str, Any]:
    """The roster sections of the plan (personal data: internal plan only), by key."""
    return {
        "officer_pairs": [
            schema.OfficerPair(
                group_id=p.group_id,
                pair_no=p.pair_no,
                officers=[schema.Officer(**asdict(o)) for o in p.officers],
            )
            for p in result.pairs
        ],
        "roster_unfilled": [schema.Unfilled(**asdict(u)) for u in result.unfilled],
        "roster_solver": schema.RosterSolver(
            status=result.stats.status,
            officers_needed=result.stats.officers_needed,
            officers_named=result.stats.officers_named,
            seniors_named=result.stats.seniors_named,
            spare_officers=len(result.spare),
        ),
    }


def sources_section(sources: Mapping[str, str]) -> dict[str, schema.SourceFile]:
    """Each input file by name and content hash: the same wherever the files are."""
    return {
        kind: schema.SourceFile(file=Path(path).name, sha256=file_sha256(table_file(path)))
        for kind, path in sources.items()
    }


def network_section(report: NetworkReport) -> schema.NetworkRecord:
    """Where the network came from (file name and hash, or the download) and its size."""
    path = Path(report.source.removesuffix(CACHE_NOTE))
    if path.is_file():
        return schema.NetworkRecord(
            source=path.name, sha256=file_sha256(path), nodes=report.nodes, edges=report.edges
        )
    return schema.NetworkRecord(source=report.source, nodes=report.nodes, edges=report.edges)


def rules_section(rules: Rules) -> dict[str, Any]:
    """Every rule as plain JSON values (clock times as ``HH:MM``), but the memory guard's:
    they are about the machine, and the same inputs make the same plan on any machine."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, time):
            return value.isoformat(timespec="minutes")
        return value

    return plain({k: v for k, v in asdict(rules).items() if k != "memory"})


def plan_document(
    scenario: Scenario,
    roads: RoadContext,
    assignment: AssignmentResult,
    reserve: ReservePlan,
    seed: int,
    roster: RosterResult | None = None,
    patrols: PatrolResult | None = None,
    logistics: LogisticsPlan | None = None,
) -> schema.Plan:
    """The plan: every solver's result as the sections of ``plan.json``."""
    return schema.Plan(
        format=schema.FORMAT,
        format_version=schema.FORMAT_VERSION,
        version=__version__,
        seed=seed,
        scenario=schema.ScenarioRecord(
            name=scenario.name,
            sources=sources_section(scenario.sources),
            network=network_section(roads.report),
            rules=rules_section(scenario.rules),
        ),
        groups=[
            schema.Group(
                group_id=g.group_id,
                kecamatan=g.kecamatan,
                anchor=g.anchor,
                members=list(g.members),
                officers=g.officers,
                officers_from=dict(g.officers_from),
                linmas=g.linmas,
                max_travel_s=round(g.max_travel_s, 1),
            )
            for g in assignment.groups
        ],
        uncovered=[schema.Uncovered(**asdict(u)) for u in assignment.uncovered],
        borrowings=[schema.Borrowing(**asdict(b)) for b in assignment.borrowings],
        reserve=reserve_section(reserve),
        kpis=kpis_section(scenario, assignment, reserve, patrols),
        solver=[
            schema.StageSolver(
                kecamatan=s.kecamatan,
                stage=s.stage,
                status=s.status,
                objective=s.objective,
                best_bound=round(s.best_bound, 3),
                gap=round(s.gap, 4),
            )
            for s in assignment.stats
        ],
        patrols=None if patrols is None else patrols_section(patrols),
        logistics=None if logistics is None else logistics_section(logistics, scenario.rules),
        **({} if roster is None else roster_sections(roster)),
    )


def reserve_section(reserve: ReservePlan) -> schema.Reserve:
    """The reserve: its staging points and which one answers each TPS, how fast."""
    return schema.Reserve(
        model=reserve.model,
        response_limit_s=reserve.response_limit_s,
        staging=[schema.StagingPoint(**asdict(s)) for s in reserve.staging],
        tps_staging=reserve.tps_staging,
        tps_response_s={k: round(v, 1) for k, v in reserve.tps_response_s.items()},
        beyond_limit=list(reserve.beyond_limit),
        solver=schema.SolverFigures(
            status=reserve.solver.status,
            objective=reserve.solver.objective,
            best_bound=reserve.solver.best_bound,
            gap=reserve.solver.gap,
        ),
    )


def kpis_section(
    scenario: Scenario,
    assignment: AssignmentResult,
    reserve: ReservePlan,
    patrols: PatrolResult | None,
) -> schema.Kpis:
    """The plan's key figures, per Polsek among them."""
    per_polsek: dict[str, dict[str, int]] = {}
    for group in assignment.groups:
        figures = per_polsek.setdefault(
            group.kecamatan, {"groups": 0, "tps": 0, "officers": 0, "linmas": 0}
        )
        figures["groups"] += 1
        figures["tps"] += len(group.members)
        figures["officers"] += group.officers
        figures["linmas"] += group.linmas
    return schema.Kpis(
        tps=len(scenario.tps),
        tps_covered=len({t for g in assignment.groups for t in g.members}),
        officers=assignment.officers,
        officers_lower_bound=assignment.officers_lower_bound,
        officer_gap=round(assignment.officer_gap, 4),
        baseline_officers=assignment.baseline_officers,
        linmas=sum(g.linmas for g in assignment.groups),
        per_polsek={k: schema.PolsekFigures(**v) for k, v in per_polsek.items()},
        worst_reserve_response_s=round(reserve.worst_response_s, 1),
        patrol_coverage=None if patrols is None else round(patrols.coverage, 4),
    )


def clock_of_seconds(seconds: int) -> str:
    """Seconds after midnight as a WIB clock string ``HH:MM``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def patrols_section(patrols: PatrolResult) -> schema.Patrols:
    """The ``patrols`` section of the plan."""
    return schema.Patrols(
        routes=[
            schema.PatrolRoute(
                shift=r.shift,
                vehicle_id=r.vehicle_id,
                post_id=r.post_id,
                vehicle_type=r.vehicle_type,
                start=clock_of_seconds(r.start_s),
                end=clock_of_seconds(r.end_s),
                start_s=r.start_s,
                end_s=r.end_s,
                duration_s=r.end_s - r.start_s,
                stops=[
                    schema.PatrolStop(
                        tps_id=stop.tps_id,
                        visit=stop.visit,
                        arrival=clock_of_seconds(stop.arrival_s),
                        start=clock_of_seconds(stop.start_s),
                        departure=clock_of_seconds(stop.departure_s),
                        arrival_s=stop.arrival_s,
                        start_s=stop.start_s,
                        departure_s=stop.departure_s,
                    )
                    for stop in r.stops
                ],
                geometry=[list(c) for c in r.geometry],
            )
            for r in patrols.routes
        ],
        dropped=[
            schema.DroppedVisit(
                shift=d.shift,
                tps_id=d.tps_id,
                visit=d.visit,
                kecamatan=d.kecamatan,
                reason_id=d.reason_id,
                reason_en=d.reason_en,
            )
            for d in patrols.dropped
        ],
        kpis=_patrol_kpis(patrols),
        solver=patrols.stats,
    )


def _patrol_kpis(patrols: PatrolResult) -> schema.PatrolKpis:
    """Required and performed visits, coverage and routes, over all shifts and per shift."""
    return schema.PatrolKpis(
        required_visits=patrols.required_visits,
        performed_visits=patrols.required_visits - len(patrols.dropped),
        coverage=round(patrols.coverage, 4),
        vehicles_used=len(patrols.routes),
        shifts={
            shift: schema.ShiftKpis(
                required_visits=required,
                performed_visits=required - sum(d.shift == shift for d in patrols.dropped),
                coverage=round(patrols.shift_coverage(shift), 4),
                vehicles_used=sum(r.shift == shift for r in patrols.routes),
            )
            for shift, required in patrols.required.items()
        },
    )
