"""Deployment maps: the plan on one self-contained page (folium and Leaflet), internal or public.

The page works without internet: Leaflet and the page's script are inlined, and a
basemap drawn from the plan's own road network replaces the OpenStreetMap tiles
when they cannot be reached. Input text is data in the page, never markup or a
template (:mod:`planner.outputs._page`). The public edition never names personnel and shows
strengths, timings, routes and guard gaps only as ``[public_edition]`` allows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from planner.inputs.rules import LEGS, PATROL_SHIFTS, PublicEditionRules, RiskCategory
from planner.inputs.scenario import Scenario
from planner.outputs._page import MapPage, assemble
from planner.outputs.basemap import areas, line_text, road_lines
from planner.outputs.layers import (
    PlanView,
    drawable,
    key_figures,
    officer_names,
    plan_layers,
    public_plan,
    reason,
    refuse_inputs,
)
from planner.outputs.map_legend import (
    GROUP_COLOUR,
    LOGISTICS_PALETTE,
    MISSED_COLOUR,
    RESERVE_COLOUR,
    RISK_COLOURS,
    UNCOVERED_COLOUR,
    UNPATROLLED_COLOUR,
    legend,
    route_colours,
)
from planner.outputs.map_panel import title_panel
from planner.outputs.map_text import number, risk_label, text
from planner.outputs.reproducible import generation_time
from planner.plan import schema
from planner.roads.sources import Boundaries

Edition = Literal["internal", "public"]
Lang = Literal["id", "en"]
EDITIONS: tuple[str, ...] = ("internal", "public")


def build_map(
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    edition: Edition = "internal",
    lang: Lang = "id",
    generated: datetime | None = None,
    roads: nx.MultiDiGraph | None = None,
) -> MapPage:
    """The plan as one map page; ``roads`` (the plan's network) draws the offline basemap."""
    data = map_data(scenario, plan, boundaries, edition, lang, generated, roads)
    return assemble(_skeleton(data["bounds"]), data)


def write_map(
    path: str | Path,
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    edition: Edition = "internal",
    lang: Lang = "id",
    generated: datetime | None = None,
    roads: nx.MultiDiGraph | None = None,
) -> Path:
    """Write the map as one HTML file, atomically; never over an input file."""
    refuse_inputs([path], scenario)
    return build_map(scenario, plan, boundaries, edition, lang, generated, roads).save(path)


class _Start(MacroElement):
    """Calls ``tpsMap.start`` with the map once Leaflet made it (a constant template)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        tpsMap.start({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def _skeleton(bounds: Sequence[Sequence[float]]) -> str:
    """folium's page for an empty map with the OpenStreetMap tiles: no input text in it."""
    (south, west), (north, east) = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_snap=0.25,
    )
    fmap._id = "tpsplanner"
    fmap.default_js, fmap.default_css = [], []
    tiles = folium.TileLayer("OpenStreetMap", name="OpenStreetMap")
    tiles._id = "osm"
    tiles.add_to(fmap)
    _Start().add_to(fmap)
    return fmap.get_root().render()


def map_data(
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    edition: Edition = "internal",
    lang: Lang = "id",
    generated: datetime | None = None,
    roads: nx.MultiDiGraph | None = None,
) -> dict[str, Any]:
    """The page's data: every layer, panel and label, as plain JSON-ready values."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    t = text(lang)
    shown = _shown(scenario, edition)
    plan = public_plan(plan) if edition == "public" else plan
    layers = plan_layers(scenario, plan, boundaries, lang)
    view = PlanView.of(scenario, plan)
    tps = layers["tps"]
    index = {tps_id: n for n, tps_id in enumerate(tps["tps_id"])}
    reserve = _reserve(layers["reserve"], tps, view, layers.get("kelurahan"), roads, lang)
    data: dict[str, Any] = {
        "lang": lang,
        "edition": edition,
        "t": t,
        "bounds": [
            [float(tps.geometry.y.min()), float(tps.geometry.x.min())],
            [float(tps.geometry.y.max()), float(tps.geometry.x.max())],
        ],
        "risks": [
            {"key": r.value, "label": risk_label(r.value, lang), "colour": RISK_COLOURS[r.value]}
            for r in RiskCategory
        ],
        "colours": {
            "uncovered": UNCOVERED_COLOUR,
            "missed": MISSED_COLOUR,
            "unpatrolled": UNPATROLLED_COLOUR,
            "reserve": RESERVE_COLOUR,
            "group": GROUP_COLOUR,
        },
        "polsek": dict(view.polsek_name),
        "tps": _tps_columns(plan, tps, reserve, shown),
        "reserve": reserve,
        "posts": _posts(layers["posts"], shown, lang),
        "roads": None if roads is None else road_lines(roads),
    }
    for kind in ("kecamatan", "kelurahan"):
        if kind in layers:
            data[kind] = areas(layers[kind], kind, labels=kind == "kelurahan")
    if shown.show_guard_gaps:
        data["groups"] = _groups(plan, view, index, edition, shown, lang)
    if plan.patrols is not None and (shown.show_routes or shown.show_guard_gaps):
        data["patrols"] = _patrols(plan.patrols, view, index, shown, lang)
    if plan.logistics is not None:
        data["logistics"] = _logistics(layers, view, shown, lang)
    figures = key_figures(scenario, plan)
    data["panel"] = title_panel(
        scenario, plan, figures, edition, shown, lang, generated or generation_time()
    )
    data["legend"] = legend(data, lang)
    return data


def _shown(scenario: Scenario, edition: str) -> PublicEditionRules:
    """What the edition shows: everything internally, the ``[public_edition]`` rule publicly."""
    if edition == "internal":
        return PublicEditionRules(True, True, True, True)
    return scenario.rules.public_edition


def _tps_columns(
    plan: schema.Plan,
    tps: gpd.GeoDataFrame,
    reserve: list[dict[str, Any]],
    shown: PublicEditionRules,
) -> dict[str, list[Any]]:
    """The TPS as columns; groups, Linmas and guard gaps only where the edition shows them."""
    risks = [r.value for r in RiskCategory]
    ids = tps["tps_id"].tolist()
    staging = plan.reserve.tps_staging
    response = plan.reserve.tps_response_s
    point = {p["point_id"]: n for n, p in enumerate(reserve)}
    columns: dict[str, list[Any]] = {
        "id": ids,
        "no": [int(n) for n in tps["tps_number"]],
        "name": tps["name"].tolist(),
        "address": tps["address"].tolist(),
        "kel": tps["kelurahan"].tolist(),
        "kec": tps["kecamatan"].tolist(),
        "voters": [int(v) for v in tps["voters"]],
        "risk": [risks.index(r) if r in risks else 0 for r in tps["risk"]],
        "notes": tps["notes"].tolist(),
        "lat": [round(float(y), 6) for y in tps.geometry.y],
        "lon": [round(float(x), 6) for x in tps.geometry.x],
        "reserve": [point.get(str(staging.get(t, "")), -1) for t in ids],
        "response": [round(float(response.get(t, 0.0)), 1) for t in ids],
    }
    if shown.show_guard_gaps:
        groups = {g.group_id: n for n, g in enumerate(plan.groups)}
        columns["group"] = [groups.get(g, -1) if g else -1 for g in tps["group_id"]]
        columns["anchor"] = [int(a) for a in tps["is_anchor"]]
        columns["uncovered"] = tps["uncovered_reason"].tolist()
    if shown.show_strengths:
        columns["linmas"] = [int(n) for n in tps["linmas"]]
    return columns


def _groups(
    plan: schema.Plan,
    view: PlanView,
    index: Mapping[str, int],
    edition: str,
    shown: PublicEditionRules,
    lang: str,
) -> list[dict[str, Any]]:
    """Guard groups (in plan order, as the TPS' ``group`` column counts them): anchor and
    members as TPS indices, officers and the named pairs where shown."""
    groups = []
    for group in plan.groups:
        entry: dict[str, Any] = {
            "id": group.group_id,
            "anchor": index.get(group.anchor, -1),
            "members": [index[m] for m in group.members if m in index],
        }
        if shown.show_strengths:
            entry["officers"] = group.officers
        if edition == "internal":
            entry["pairs"] = officer_names(view.pairs.get(group.group_id, []), lang)
        groups.append(entry)
    return groups


def _ordinal(identifier: str) -> int | None:
    """The number an id ends with (``polsek_klojen-motor-7``: 7), if any."""
    found = re.search(r"(\d+)$", identifier)
    return int(found[1]) if found else None


def _patrols(
    section: schema.Patrols,
    view: PlanView,
    index: Mapping[str, int],
    shown: PublicEditionRules,
    lang: str,
) -> dict[str, Any]:
    """Patrol routes per shift, each vehicle a colour of its own within its post; the missed
    visits and the TPS no patrol visits, where the edition shows guard gaps."""
    t = text(lang)
    vehicles: dict[str, set[str]] = defaultdict(set)
    for route in view.routes:
        vehicles[route.post_id].add(route.vehicle_id)
    colour: dict[str, str] = {}
    for mine in vehicles.values():
        order = sorted(mine, key=lambda v: (_ordinal(v) is None, _ordinal(v) or 0, v))
        colour.update(zip(order, route_colours(len(order)), strict=True))
    shifts = []
    for shift in PATROL_SHIFTS if shown.show_routes else ():
        routes = [
            _patrol_route(r, view, index, colour[r.vehicle_id], shown.show_timings, lang)
            for r in view.routes
            if r.shift == shift and drawable(r.geometry)
        ]
        if routes:
            shifts.append({"key": shift, "label": t[f"shift_{shift}"], "routes": routes})
    patrols: dict[str, Any] = {"shifts": shifts, "missed": None, "unpatrolled": None}
    if shown.show_guard_gaps:
        patrols["missed"] = [
            [index[d.tps_id], t[f"shift_{d.shift}"], d.visit, reason(d, lang)]
            for d in section.dropped
            if d.tps_id in index
        ]
        patrols["unpatrolled"] = [n for tps_id, n in index.items() if tps_id not in view.visits]
    return patrols


def _patrol_route(
    route: schema.PatrolRoute,
    view: PlanView,
    index: Mapping[str, int],
    colour: str,
    timed: bool,
    lang: str,
) -> dict[str, Any]:
    """One patrol route: a readable vehicle name, its stops as TPS indices, its road line."""
    t = text(lang)
    post = route.post_id
    post_name = view.post_name.get(post, post)
    kind = route.vehicle_type
    ordinal = _ordinal(route.vehicle_id)
    short = t.get(f"{kind}_short", kind)
    name = f"{post_name} {short} {ordinal}" if ordinal else route.vehicle_id
    minutes = number(float(route.duration_s) / 60, lang)
    return {
        "name": name,
        "post": post_name,
        "kecamatan": view.post_area.get(post, ""),
        "type": t.get(kind, kind),
        "colour": colour,
        "time": f"{route.start}–{route.end}" if timed else "",
        "duration": f"{minutes} {t['minutes']}" if timed else "",
        "stops": [
            [
                index[s.tps_id],
                s.arrival if timed else "",
                s.departure if timed else "",
                s.visit,
            ]
            for s in route.stops
            if s.tps_id in index
        ],
        "line": line_text(shapely.LineString(route.geometry)),
    }


def _reserve(
    frame: gpd.GeoDataFrame,
    tps: gpd.GeoDataFrame,
    view: PlanView,
    kelurahan: gpd.GeoDataFrame | None,
    roads: nx.MultiDiGraph | None,
    lang: str,
) -> list[dict[str, Any]]:
    """Staging points named for people: a post by its name, a junction by its road and
    kelurahan (``Simpang jalan, Kel. Kauman``), never by a road node id."""
    t = text(lang)
    places = [(float(p.x), float(p.y)) for p in frame.geometry]
    junctions = [xy for xy, kind in zip(places, frame["kind"], strict=True) if kind != "post"]
    names = iter(
        zip(
            _kelurahan_names(junctions, tps, kelurahan),
            _road_names(junctions, roads),
            strict=True,
        )
    )
    points, seen = [], defaultdict(int)
    for row, (lon, lat) in zip(frame.itertuples(), places, strict=True):
        if row.kind == "post":
            name = view.post_name.get(row.point_id, row.point_id)
        else:
            area, road = next(names)
            name = (
                t["junction_on"].format(road=road, kelurahan=area)
                if road
                else t["junction_in"].format(kelurahan=area)
            )
        seen[name] += 1
        points.append(
            {
                "point_id": row.point_id,
                "name": name if seen[name] == 1 else f"{name} ({seen[name]})",
                "kind": t.get(f"kind_{row.kind}", row.kind),
                "lat": round(lat, 6),
                "lon": round(lon, 6),
                "served": int(row.tps_served),
                "worst_s": round(float(row.worst_response_min) * 60),
                "limit_s": round(float(row.response_limit_min) * 60),
                "reach_m": int(row.reach_m),
                "approximate": bool(row.approximate),
            }
        )
    return points


def _kelurahan_names(
    points: Sequence[tuple[float, float]],
    tps: gpd.GeoDataFrame,
    kelurahan: gpd.GeoDataFrame | None,
) -> list[str]:
    """The kelurahan each (lon, lat) lies in: its boundary polygon (EPSG:4326), else the
    nearest TPS'."""
    found = []
    polygons = kelurahan is not None and "kelurahan" in kelurahan.columns and len(kelurahan)
    for lon, lat in points:
        inside = kelurahan[kelurahan.contains(shapely.Point(lon, lat))] if polygons else []
        if len(inside):
            found.append(str(inside["kelurahan"].iloc[0]))
        else:
            nearest = np.argmin((tps.geometry.x - lon) ** 2 + (tps.geometry.y - lat) ** 2)
            found.append(str(tps["kelurahan"].iloc[int(nearest)]))
    return found


def _road_names(points: Sequence[tuple[float, float]], roads: nx.MultiDiGraph | None) -> list[str]:
    """For each (lon, lat), the names of the roads meeting at the nearest junction (OSM
    ``name``, at most two), ``""`` when they have none."""
    if roads is None or roads.number_of_nodes() == 0:
        return ["" for _ in points]
    nodes = list(roads.nodes)
    xy = np.array([(roads.nodes[n]["x"], roads.nodes[n]["y"]) for n in nodes])
    found = []
    for point in points:
        node = nodes[int(np.argmin(((xy - point) ** 2).sum(axis=1)))]
        names: list[str] = []
        for _, _, data in roads.edges(node, data=True):
            value = data.get("name")
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and name and name not in names:
                    names.append(name)
        found.append(" / ".join(names[:2]))
    return found


def _posts(frame: gpd.GeoDataFrame, shown: PublicEditionRules, lang: str) -> list[dict[str, Any]]:
    """Polresta, Polsek and posts; their officers where strengths are shown."""
    t = text(lang)
    posts = []
    for row in frame.itertuples():
        post: dict[str, Any] = {
            "name": row.name,
            "kind": row.kind,
            "kind_label": t.get(row.kind, row.kind),
            "kecamatan": row.kecamatan,
            "address": row.address,
            "notes": row.notes,
            "lat": round(float(row.geometry.y), 6),
            "lon": round(float(row.geometry.x), 6),
            "approximate": bool(row.approximate),
        }
        if shown.show_strengths:
            post["officers"] = int(row.polri)
        posts.append(post)
    return posts


def _logistics(
    layers: Mapping[str, gpd.GeoDataFrame],
    view: PlanView,
    shown: PublicEditionRules,
    lang: str,
) -> dict[str, Any]:
    """Escort routes per leg and day (where the edition shows routes) and storage sites."""
    t = text(lang)
    routes = layers["logistics_routes"]
    result: dict[str, Any] = {"layers": [], "sites": []}
    if shown.show_routes and len(routes):
        groups = routes.groupby(["leg", "day"], sort=False)
        for (leg, _), group in sorted(groups, key=lambda g: (LEGS.index(g[0][0]), g[0][1])):
            result["layers"].append(
                {
                    "leg": group["leg_label"].iloc[0],
                    "day": group["day_label"].iloc[0],
                    "routes": [
                        _escort_route(row, LEGS.index(leg), view, shown, lang)
                        for row in group.itertuples()
                    ],
                }
            )
    shorts = {"warehouse": "G", "ppk": "K", "pps": "S"}
    for row in layers["logistics_sites"].itertuples():
        site: dict[str, Any] = {
            "name": row.name or row.site_id,
            "kind": row.kind,
            "kind_label": row.kind_label,
            "short": shorts.get(row.kind, "?"),
            "kecamatan": row.kecamatan,
            "kelurahan": row.kelurahan,
            "address": row.address,
            "notes": row.notes,
            "guard_days": row.guard_days,
            "lat": round(float(row.geometry.y), 6),
            "lon": round(float(row.geometry.x), 6),
            "approximate": bool(row.approximate),
        }
        if shown.show_strengths and row.guard_shifts:
            site["guard_shifts"] = f"{row.guard_shifts} × {row.guard_officers} {t['personnel']}"
            site["guard_post"] = view.post_name.get(row.guard_post, row.guard_post)
        result["sites"].append(site)
    return result


def _escort_route(
    row: Any, leg: int, view: PlanView, shown: PublicEditionRules, lang: str
) -> dict[str, Any]:
    """One escort route: truck and escort unit by readable names, stops, line."""
    t = text(lang)
    post = view.post_name.get(row.post_id, row.post_id)
    area = t["city"] if row.area == "kota" else row.area
    truck = f"{t['truck_of'].capitalize()} {area} {_ordinal(row.truck_id) or row.truck_id}"
    escort = f"{post} {t['escort_unit']} {_ordinal(row.escort_id) or row.escort_id}"
    stops = row.stops.split("; ") if row.stops else []
    if shown.show_strengths:
        escort += f" ({row.officers} {t['personnel']})"
    return {
        "name": f"{truck} · {escort}",
        "kecamatan": "" if row.area == "kota" else row.area,
        "colour": LOGISTICS_PALETTE[leg % len(LOGISTICS_PALETTE)],
        "time": f"{row.start}–{row.end}" if shown.show_timings else "",
        "duration": f"{number(row.duration_min, lang)} {t['minutes']}"
        if shown.show_timings
        else "",
        "truck": truck,
        "escort": escort,
        "post": post,
        "stops": stops if shown.show_timings else [s.split(" ", 1)[-1] for s in stops],
        "line": line_text(row.geometry),
    }
