"""The plan document (``plan.json``): what was decided, in a documented, stable JSON form.

Format ``tps-planner/plan`` version 2 (times in seconds, ids as in the inputs):

- ``format``, ``format_version``, ``version`` (tps-planner), ``seed``
- ``scenario``: ``name``; ``sources``: per input (``tps``, ``posts``, ``roster``, ``sites``) its
  ``file`` name and ``sha256`` content hash; ``network``: ``source`` (file name, or the
  OpenStreetMap query), ``sha256`` (of a network file), ``nodes``, ``edges``;
  ``rules``: every rule used, the solvers' search limits included
  (``assignment.time_limit_s``, ``relative_gap``, ``deterministic``;
  ``patrol.deterministic``, ``solution_limit``, ``time_limit_s``)
- ``groups``: one per guard group: ``group_id``, ``kecamatan``, ``anchor`` (TPS id
  where the officers post), ``members`` (TPS ids, anchor included), ``officers``,
  ``officers_from`` (post id -> officers), ``linmas``, ``max_travel_s``
- ``uncovered``: ``tps_id``, ``kecamatan``, ``reason_id``, ``reason_en``
- ``borrowings``: ``from_post``, ``to_kecamatan``, ``officers``, ``penalty``
- ``reserve``: ``model``, ``response_limit_s``, ``staging`` (``point_id``, ``kind``,
  ``lon``, ``lat``, ``approximate``), ``tps_staging`` and ``tps_response_s`` (per TPS id),
  ``beyond_limit``, ``solver`` (``status``, ``objective``, ``best_bound``, ``gap``)
- ``kpis``: ``tps``, ``tps_covered``, ``officers``, ``officers_lower_bound``,
  ``officer_gap``, ``baseline_officers``, ``linmas``, ``per_polsek`` (officers, linmas,
  groups, TPS), ``worst_reserve_response_s``
- ``solver``: per kecamatan and stage ``status``, ``objective``, ``best_bound``, ``gap``
- ``patrols``: ``routes`` (``shift``: ``voting`` or ``counting``, ``vehicle_id`` (one
  vehicle may have a route in each shift), ``post_id``, ``vehicle_type``, ``start``/``end``
  (WIB ``HH:MM``) and ``start_s``/``end_s`` (seconds after midnight), ``duration_s``,
  ``stops``: ``tps_id``, ``visit``, ``arrival``/``start`` (of service)/``departure`` and
  their ``_s`` seconds,
  ``geometry``: ``[lon, lat]`` along the roads), ``dropped`` (``shift``, ``tps_id``,
  ``visit``, ``kecamatan``, reasons), ``kpis`` (required and performed visits, coverage,
  routes, over all shifts and in ``shifts`` per shift), ``solver`` (per shift and post:
  status, objective, travel time, solutions explored)
- ``logistics`` (when planned): sites, consignments, escorted truck routes, storage
  guards and the personnel tally per post and day, documented in
  :mod:`planner.plan.logistics`
- with a named roster (internal plan: personal data): ``officer_pairs`` (``group_id``,
  ``pair_no``, ``officers``: ``nrp``, ``name``, ``rank``, ``unit``, ``phone``),
  ``roster_unfilled`` (``group_id``, ``kecamatan``, ``unit``, ``officers``, ``code``,
  ``reason_id``, ``reason_en``) and ``roster_solver`` (status and counts)

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
from planner.plan.files import FORMAT, FORMAT_VERSION, file_sha256
from planner.plan.logistics import logistics_document
from planner.roads.network import NetworkReport
from planner.roads.placement import RoadContext
from planner.solve.assignment import AssignmentResult
from planner.solve.logistics import LogisticsPlan
from planner.solve.pairing import RosterResult
from planner.solve.patrols import PatrolResult
from planner.solve.reserve import ReservePlan


def roster_document(result: RosterResult) -> list[dict[str, Any]]:
    """``officer_pairs`` of plan.json: group_id, pair_no, officers (nrp, name, rank, unit, phone).

    Personal data: for the internal plan only (see :func:`redact_roster`).
    """
    return [
        {
            "group_id": p.group_id,
            "pair_no": p.pair_no,
            "officers": [asdict(o) for o in p.officers],
        }
        for p in result.pairs
    ]


def unfilled_document(result: RosterResult) -> list[dict[str, Any]]:
    """``roster_unfilled`` of plan.json: group_id, kecamatan, unit, officers, code, reasons."""
    return [asdict(u) for u in result.unfilled]


def roster_sections(result: RosterResult) -> dict[str, Any]:
    """Every roster key of plan.json; nothing in them depends on the clock."""
    return {
        "officer_pairs": roster_document(result),
        "roster_unfilled": unfilled_document(result),
        "roster_solver": {
            "status": result.stats.status,
            "officers_needed": result.stats.officers_needed,
            "officers_named": result.stats.officers_named,
            "seniors_named": result.stats.seniors_named,
            "spare_officers": len(result.spare),
        },
    }


def sources_document(sources: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Each input file by name and content hash: the same wherever the files are."""
    return {
        kind: {"file": Path(path).name, "sha256": file_sha256(path)}
        for kind, path in sources.items()
    }


def network_document(report: NetworkReport) -> dict[str, Any]:
    """Where the network came from (file name and hash, or the download) and its size."""
    path = Path(report.source.removesuffix(" (cache)"))
    source: dict[str, Any] = (
        {"source": path.name, "sha256": file_sha256(path)}
        if path.is_file()
        else {"source": report.source}
    )
    return {**source, "nodes": report.nodes, "edges": report.edges}


def rules_document(rules: Rules) -> dict[str, Any]:
    """Every rule as plain JSON values (clock times as ``HH:MM``)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, time):
            return value.isoformat(timespec="minutes")
        return value

    return plain(asdict(rules))


def plan_document(
    scenario: Scenario,
    roads: RoadContext,
    assignment: AssignmentResult,
    reserve: ReservePlan,
    seed: int,
    roster: RosterResult | None = None,
    patrols: PatrolResult | None = None,
    logistics: LogisticsPlan | None = None,
) -> dict[str, Any]:
    """The plan as a JSON-ready dictionary."""
    tps = scenario.tps
    covered = {t for g in assignment.groups for t in g.members}
    per_polsek: dict[str, dict[str, int]] = {}
    for group in assignment.groups:
        figures = per_polsek.setdefault(
            group.kecamatan, {"groups": 0, "tps": 0, "officers": 0, "linmas": 0}
        )
        figures["groups"] += 1
        figures["tps"] += len(group.members)
        figures["officers"] += group.officers
        figures["linmas"] += group.linmas
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "version": __version__,
        "seed": seed,
        "scenario": {
            "name": scenario.name,
            "sources": sources_document(scenario.sources),
            "network": network_document(roads.report),
            "rules": rules_document(scenario.rules),
        },
        "groups": [
            {
                "group_id": g.group_id,
                "kecamatan": g.kecamatan,
                "anchor": g.anchor,
                "members": list(g.members),
                "officers": g.officers,
                "officers_from": dict(g.officers_from),
                "linmas": g.linmas,
                "max_travel_s": round(g.max_travel_s, 1),
            }
            for g in assignment.groups
        ],
        "uncovered": [asdict(u) for u in assignment.uncovered],
        "borrowings": [asdict(b) for b in assignment.borrowings],
        "reserve": {
            "model": reserve.model,
            "response_limit_s": reserve.response_limit_s,
            "staging": [asdict(s) for s in reserve.staging],
            "tps_staging": reserve.tps_staging,
            "tps_response_s": {k: round(v, 1) for k, v in reserve.tps_response_s.items()},
            "beyond_limit": list(reserve.beyond_limit),
            "solver": {
                "status": reserve.solver.status,
                "objective": reserve.solver.objective,
                "best_bound": reserve.solver.best_bound,
                "gap": reserve.solver.gap,
            },
        },
        "kpis": {
            "tps": len(tps),
            "tps_covered": len(covered),
            "officers": assignment.officers,
            "officers_lower_bound": assignment.officers_lower_bound,
            "officer_gap": round(assignment.officer_gap, 4),
            "baseline_officers": assignment.baseline_officers,
            "linmas": sum(g.linmas for g in assignment.groups),
            "per_polsek": per_polsek,
            "worst_reserve_response_s": round(reserve.worst_response_s, 1),
        },
        "solver": [
            {
                "kecamatan": s.kecamatan,
                "stage": s.stage,
                "status": s.status,
                "objective": s.objective,
                "best_bound": round(s.best_bound, 3),
                "gap": round(s.gap, 4),
            }
            for s in assignment.stats
        ],
    }
    if patrols is not None:
        document["patrols"] = patrols_document(patrols)
        document["kpis"]["patrol_coverage"] = round(patrols.coverage, 4)
    if logistics is not None:
        document["logistics"] = logistics_document(logistics, scenario.rules)
    if roster is not None:
        document.update(roster_sections(roster))
    return document


def clock_of_seconds(seconds: int) -> str:
    """Seconds after midnight as a WIB clock string ``HH:MM``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def patrols_document(patrols: PatrolResult) -> dict[str, Any]:
    """The ``patrols`` section of the plan."""
    return {
        "routes": [
            {
                "shift": r.shift,
                "vehicle_id": r.vehicle_id,
                "post_id": r.post_id,
                "vehicle_type": r.vehicle_type,
                "start": clock_of_seconds(r.start_s),
                "end": clock_of_seconds(r.end_s),
                "start_s": r.start_s,
                "end_s": r.end_s,
                "duration_s": r.end_s - r.start_s,
                "stops": [
                    {
                        "tps_id": stop.tps_id,
                        "visit": stop.visit,
                        "arrival": clock_of_seconds(stop.arrival_s),
                        "start": clock_of_seconds(stop.start_s),
                        "departure": clock_of_seconds(stop.departure_s),
                        "arrival_s": stop.arrival_s,
                        "start_s": stop.start_s,
                        "departure_s": stop.departure_s,
                    }
                    for stop in r.stops
                ],
                "geometry": [list(c) for c in r.geometry],
            }
            for r in patrols.routes
        ],
        "dropped": [
            {
                "shift": d.shift,
                "tps_id": d.tps_id,
                "visit": d.visit,
                "kecamatan": d.kecamatan,
                "reason_id": d.reason_id,
                "reason_en": d.reason_en,
            }
            for d in patrols.dropped
        ],
        "kpis": {
            "required_visits": patrols.required_visits,
            "performed_visits": patrols.required_visits - len(patrols.dropped),
            "coverage": round(patrols.coverage, 4),
            "vehicles_used": len(patrols.routes),
            "shifts": {
                shift: {
                    "required_visits": required,
                    "performed_visits": required - sum(d.shift == shift for d in patrols.dropped),
                    "coverage": round(patrols.shift_coverage(shift), 4),
                    "vehicles_used": sum(r.shift == shift for r in patrols.routes),
                }
                for shift, required in patrols.required.items()
            },
        },
        "solver": patrols.stats,
    }
