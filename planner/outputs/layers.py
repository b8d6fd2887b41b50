"""The plan as layers and figures: each TPS' group, reserve and patrol visits, GIS layers as
GeoDataFrames, key figures, and the public copy of a plan without personnel."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError, Problem
from planner.inputs.rules import PATROL_SHIFTS
from planner.inputs.scenario import Scenario
from planner.inputs.workbook import table_file
from planner.outputs.logistics_layers import logistics_layers
from planner.outputs.map_text import text
from planner.plan import schema
from planner.roads.sources import Boundaries


def public_plan(plan: schema.Plan) -> schema.Plan:
    """The plan without personnel: no named pairs (the only names, NRP and phones in it)."""
    return replace(plan, officer_pairs=None)


def refuse_inputs(outputs: Iterable[str | Path], scenario: Scenario) -> None:
    """Raise :class:`InputError` when an output path is one of the scenario's input files."""
    inputs = {table_file(p).resolve(): p for p in scenario.sources.values()}
    problems = [
        Problem(
            str(path),
            "berkas keluaran sama dengan berkas masukan; masukan tidak pernah ditimpa",
            "output file is an input file; inputs are never overwritten",
        )
        for path in outputs
        if Path(path).resolve() in inputs
    ]
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Visit:
    """A patrol's stop at a TPS, with its route's vehicle and shift and its order there."""

    stop: schema.PatrolStop
    vehicle_id: str
    shift: str
    order: int


@dataclass
class PlanView:
    """Look-ups over a plan: each TPS' group, reserve, patrol visits; Polsek per kecamatan."""

    group_of: dict[str, schema.Group] = field(default_factory=dict)
    uncovered: dict[str, schema.Uncovered] = field(default_factory=dict)
    visits: dict[str, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    dropped: dict[str, list[schema.DroppedVisit]] = field(default_factory=lambda: defaultdict(list))
    polsek_name: dict[str, str] = field(default_factory=dict)
    post_area: dict[str, str] = field(default_factory=dict)
    post_name: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, list[schema.OfficerPair]] = field(default_factory=lambda: defaultdict(list))
    routes: list[schema.PatrolRoute] = field(default_factory=list)

    @classmethod
    def of(cls, scenario: Scenario, plan: schema.Plan) -> PlanView:
        """Index a plan against its scenario."""
        view = cls()
        for group in plan.groups:
            for tps_id in group.members:
                view.group_of[tps_id] = group
        view.uncovered = {u.tps_id: u for u in plan.uncovered}
        for post in scenario.posts.itertuples():
            view.post_name[post.post_id] = post.name
            view.post_area[post.post_id] = post.kecamatan if post.kind == "polsek" else ""
            if post.kind == "polsek":
                view.polsek_name.setdefault(post.kecamatan, post.name)
        if plan.patrols is not None:
            view.routes = list(plan.patrols.routes)
            for route in view.routes:
                for order, stop in enumerate(route.stops, start=1):
                    view.visits[stop.tps_id].append(
                        Visit(stop, route.vehicle_id, route.shift, order)
                    )
            for drop in plan.patrols.dropped:
                view.dropped[drop.tps_id].append(drop)
        for pair in plan.officer_pairs or []:
            view.pairs[pair.group_id].append(pair)
        return view

    def polsek(self, kecamatan: str) -> str:
        """The Polsek of a kecamatan (its name as in the posts table)."""
        return self.polsek_name.get(kecamatan, f"Polsek {kecamatan}")


def officer_names(pairs: list[schema.OfficerPair], lang: str) -> str:
    """Named pairs of a group as one line: ``Pasangan 1: Bripka A, Briptu B``."""
    t = text(lang)
    return "; ".join(
        f"{t['pair']} {pair.pair_no}: "
        + ", ".join(f"{o.rank} {o.name}".strip() for o in pair.officers)
        for pair in pairs
    )


def key_figures(scenario: Scenario, plan: schema.Plan) -> dict[str, Any]:
    """The plan's key figures: coverage, personnel per Polsek, patrols and reserve."""
    view = PlanView.of(scenario, plan)
    groups = plan.groups
    per_polsek: dict[str, dict[str, Any]] = {}
    for kecamatan in sorted({*scenario.tps["kecamatan"], *(g.kecamatan for g in groups)}):
        per_polsek[kecamatan] = {
            "polsek": view.polsek(kecamatan),
            "tps": int((scenario.tps["kecamatan"] == kecamatan).sum()),
            "groups": 0,
            "officers": 0,
            "linmas": 0,
        }
    for group in groups:
        figures = per_polsek[group.kecamatan]
        figures["groups"] += 1
        figures["officers"] += group.officers
        figures["linmas"] += group.linmas
    reserve = plan.reserve
    responses = list(reserve.tps_response_s.values())
    tps_total = len(scenario.tps)
    patrols = None
    if plan.patrols is not None:
        visited = len(view.visits)
        patrols = {
            "routes": len(view.routes),
            "visits": sum(len(v) for v in view.visits.values()),
            "dropped_visits": sum(len(v) for v in view.dropped.values()),
            "dropped_by_shift": {
                shift: sum(d.shift == shift for v in view.dropped.values() for d in v)
                for shift in PATROL_SHIFTS
                if any(r.shift == shift for r in view.routes)
            },
            "tps_unpatrolled": tps_total - visited,
            "tps_visited": visited,
            "tps_visited_share": round(visited / tps_total, 4) if tps_total else 0.0,
            "visit_coverage": plan.patrols.kpis.coverage,
        }
    return {
        "tps": tps_total,
        "tps_covered": len(view.group_of),
        "tps_uncovered": len(view.uncovered),
        "groups": len(groups),
        "officers": sum(g.officers for g in groups),
        "linmas": sum(g.linmas for g in groups),
        "per_polsek": per_polsek,
        "reserve": {
            "staging_points": len(reserve.staging),
            "response_limit_min": round(float(reserve.response_limit_s) / 60, 1),
            "worst_response_min": round(max(responses, default=0.0) / 60, 1),
            "beyond_limit": len(reserve.beyond_limit),
        },
        "patrols": patrols,
        "logistics": _logistics_figures(plan.logistics),
    }


def _logistics_figures(section: schema.Logistics | None) -> dict[str, Any] | None:
    """Routes, escort officer-hours, undelivered goods, guard shifts and short post-days."""
    if section is None:
        return None
    kpis = section.kpis
    return {
        "routes": kpis.routes,
        "escort_hours": kpis.escort_hours,
        "undelivered": kpis.undelivered,
        "guard_shifts": kpis.guard_shifts,
        "shortfall_days": kpis.shortfall_days,
    }


def plan_layers(
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    lang: str = "id",
) -> dict[str, gpd.GeoDataFrame]:
    """Every map layer as an EPSG:4326 GeoDataFrame of simple columns (no personnel names).

    Layers: ``kecamatan`` and ``kelurahan`` (when given), ``tps``, ``group_lines``,
    ``patrol_routes`` and ``patrol_stops`` (when the plan has patrols), ``reserve``, ``posts``,
    ``logistics_routes`` and ``logistics_sites`` (when the plan has logistics).
    """
    view = PlanView.of(scenario, plan)
    layers: dict[str, gpd.GeoDataFrame] = {}
    if boundaries is not None:
        for kind in ("kecamatan", "kelurahan"):
            frame = getattr(boundaries, kind)
            if frame is not None:
                layers[kind] = _boundary_layer(frame)
    layers["tps"] = _tps_layer(scenario, plan, view, lang)
    layers["group_lines"] = _group_lines(scenario, plan)
    if plan.patrols is not None:
        layers["patrol_routes"] = _route_layer(view)
        layers["patrol_stops"] = _stop_layer(scenario, view)
    if plan.logistics is not None:
        layers.update(logistics_layers(plan.logistics, lang))
    layers["reserve"] = _reserve_layer(scenario, plan)
    layers["posts"] = _frame(
        [
            {
                "post_id": p.post_id,
                "name": p.name,
                "kind": p.kind,
                "kecamatan": p.kecamatan,
                "polri": int(p.polri),
                "cars": int(p.cars),
                "motorbikes": int(p.motorbikes),
                "approximate": bool(p.approximate),
                "address": p.address,
                "notes": p.notes,
                "geometry": shapely.Point(p.longitude, p.latitude),
            }
            for p in scenario.posts.itertuples()
        ]
    )
    return layers


def _frame(rows: list[dict[str, Any]], columns: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """Rows (each with a ``geometry``) as an EPSG:4326 GeoDataFrame; empty keeps ``columns``."""
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")


def _boundary_layer(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Boundary polygons in EPSG:4326, made valid, other columns as strings or numbers."""
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs("EPSG:4326")
    geometry = shapely.force_2d(frame.geometry.make_valid().values)
    frame = frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs="EPSG:4326"))
    frame = frame.reset_index(drop=True)
    for column in frame.columns:
        if column != frame.geometry.name and frame[column].dtype == object:
            frame[column] = frame[column].astype(str)
    return frame


def _tps_layer(
    scenario: Scenario, plan: schema.Plan, view: PlanView, lang: str
) -> gpd.GeoDataFrame:
    """One row per TPS: its place, risk, guard group, reserve and patrol visits."""
    staging = plan.reserve.tps_staging
    response = plan.reserve.tps_response_s
    linmas = {str(k): p.linmas_per_tps for k, p in scenario.rules.pattern.items()}
    frame = scenario.tps
    group_ids, anchors, officers, people, reasons, visit_text, visit_count = ([] for _ in range(7))
    for tps_id, risk in zip(frame["tps_id"], frame["risk"], strict=True):
        group = view.group_of.get(tps_id)
        group_ids.append(group.group_id if group else "")
        anchors.append(group.anchor if group else "")
        officers.append(group.officers if group else 0)
        people.append(linmas.get(str(risk), 0))
        gap = view.uncovered.get(tps_id)
        reasons.append("" if gap is None else reason(gap, lang))
        visits = view.visits.get(tps_id, [])
        visit_count.append(len(visits))
        visit_text.append("; ".join(f"{v.stop.arrival} {v.vehicle_id}" for v in visits))
    return gpd.GeoDataFrame(
        {
            "tps_id": frame["tps_id"].astype(str),
            "tps_number": frame["tps_number"].astype(int),
            "name": frame["name"].astype(str),
            "address": frame["address"].astype(str),
            "notes": frame["notes"].astype(str),
            "kelurahan": frame["kelurahan"].astype(str),
            "kecamatan": frame["kecamatan"].astype(str),
            "polsek": [view.polsek(k) for k in frame["kecamatan"]],
            "voters": frame["voters"].astype(int),
            "risk": frame["risk"].astype(str),
            "covered": [bool(g) for g in group_ids],
            "group_id": group_ids,
            "anchor": anchors,
            "is_anchor": [
                bool(a) and a == t for a, t in zip(anchors, frame["tps_id"], strict=True)
            ],
            "officers": officers,
            "linmas": people,
            "reserve_point": [str(staging.get(t, "")) for t in frame["tps_id"]],
            "reserve_response_min": [
                round(float(response[t]) / 60, 1) if t in response else np.nan
                for t in frame["tps_id"]
            ],
            "patrol_visits": visit_count,
            "patrol_times": visit_text,
            "uncovered_reason": reasons,
        },
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    ).reset_index(drop=True)


def reason(record: schema.Uncovered | schema.DroppedVisit, lang: str) -> str:
    """A record's reason in the language (``reason_id`` or ``reason_en``)."""
    return (record.reason_en if lang == "en" else "") or record.reason_id


def _points(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every TPS by id."""
    tps = scenario.tps
    return {
        t: (float(x), float(y))
        for t, x, y in zip(tps["tps_id"], tps["longitude"], tps["latitude"], strict=True)
    }


def _group_lines(scenario: Scenario, plan: schema.Plan) -> gpd.GeoDataFrame:
    """A line from each member TPS to its group's anchor (none for the anchor itself)."""
    where = _points(scenario)
    rows = [
        {
            "group_id": g.group_id,
            "kecamatan": g.kecamatan,
            "anchor": g.anchor,
            "tps_id": member,
            "geometry": shapely.LineString([where[member], where[g.anchor]]),
        }
        for g in plan.groups
        for member in g.members
        if member in where and g.anchor in where and where[member] != where[g.anchor]
    ]
    return _frame(rows, ("group_id", "kecamatan", "anchor", "tps_id"))


def _route_layer(view: PlanView) -> gpd.GeoDataFrame:
    """One line per patrol route along the roads, with its stops in order as text."""
    rows = [
        {
            "shift": r.shift,
            "vehicle_id": r.vehicle_id,
            "post_id": r.post_id,
            "post_name": view.post_name.get(r.post_id, r.post_id),
            "vehicle_type": r.vehicle_type,
            "start": r.start,
            "end": r.end,
            "duration_min": round(float(r.duration_s) / 60, 1),
            "stop_count": len(r.stops),
            "stops": "; ".join(
                f"{n}. {s.tps_id} {s.arrival}" for n, s in enumerate(r.stops, start=1)
            ),
            "geometry": shapely.LineString(r.geometry),
        }
        for r in view.routes
        if drawable(r.geometry)
    ]
    return _frame(
        rows,
        (
            "shift",
            "vehicle_id",
            "post_id",
            "post_name",
            "vehicle_type",
            "start",
            "end",
            "duration_min",
        ),
    )


def _stop_layer(scenario: Scenario, view: PlanView) -> gpd.GeoDataFrame:
    """One point per patrol visit at its TPS, with the stop's order on the route."""
    where = _points(scenario)
    rows = [
        {
            "shift": v.shift,
            "vehicle_id": v.vehicle_id,
            "order": v.order,
            "tps_id": tps_id,
            "visit": v.stop.visit,
            "arrival": v.stop.arrival,
            "departure": v.stop.departure,
            "geometry": shapely.Point(where[tps_id]),
        }
        for tps_id, visits in view.visits.items()
        if tps_id in where
        for v in visits
    ]
    return _frame(rows, ("shift", "vehicle_id", "order", "tps_id", "visit", "arrival", "departure"))


def _reserve_layer(scenario: Scenario, plan: schema.Plan) -> gpd.GeoDataFrame:
    """Reserve staging points with the TPS they serve, their worst response and reach."""
    reserve = plan.reserve
    response = reserve.tps_response_s
    where = _points(scenario)
    served: dict[str, list[str]] = defaultdict(list)
    for tps_id, point_id in reserve.tps_staging.items():
        served[point_id].append(tps_id)
    rows = []
    for point in reserve.staging:
        members = [t for t in served.get(point.point_id, []) if t in where]
        origin = (float(point.lon), float(point.lat))
        rows.append(
            {
                "point_id": point.point_id,
                "kind": point.kind,
                "approximate": point.approximate,
                "tps_served": len(members),
                "worst_response_min": round(
                    max((float(response.get(t, 0)) for t in members), default=0.0) / 60, 1
                ),
                "response_limit_min": round(float(reserve.response_limit_s) / 60, 1),
                "reach_m": round(max((_metres(origin, where[t]) for t in members), default=0.0)),
                "geometry": shapely.Point(origin),
            }
        )
    return _frame(rows, ("point_id", "kind", "approximate", "tps_served", "reach_m"))


def drawable(line: list[list[float]]) -> bool:
    """Whether a route's geometry has two distinct points (a line to draw)."""
    return len({tuple(xy) for xy in line}) >= 2


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
