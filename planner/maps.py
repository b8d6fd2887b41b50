"""Deployment maps: the plan on one self-standing Leaflet (folium) page, internal or public."""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium import plugins
from folium.template import Template
from folium.utilities import JsCode

from planner import __version__
from planner._atomic import write_text
from planner._errors import InputError, Problem
from planner.logistics_layers import SITE_LABELS, logistics_layers
from planner.progress import now_wib
from planner.rules import LEGS
from planner.scenario import Scenario
from planner.sources import Boundaries

Edition = Literal["internal", "public"]
Lang = Literal["id", "en"]
EDITIONS: tuple[str, ...] = ("internal", "public")
LANGS: tuple[str, ...] = ("id", "en")

RISK_COLOURS = {
    "kurang_rawan": "#2e7d32",
    "rawan": "#f9a825",
    "sangat_rawan": "#c62828",
    "khusus": "#6a1b9a",
}
UNCOVERED_COLOUR = "#9e9e9e"
ROUTE_PALETTE = (
    "#1565c0",
    "#d81b60",
    "#00838f",
    "#ef6c00",
    "#5e35b1",
    "#2e7d32",
    "#6d4c41",
    "#c0ca33",
    "#00acc1",
    "#8e24aa",
)
LOGISTICS_PALETTE = ("#1b5e20", "#2e7d32", "#43a047", "#e65100", "#ef6c00", "#ff8f00")
"""One colour per logistics leg (:data:`planner.rules.LEGS`): greens out, oranges back."""
RESERVE_COLOUR = "#0d47a1"
GROUP_COLOUR = "#37474f"
ARROW_SPACING_M = 350.0
PERSONAL_KEYS = frozenset({"name", "nrp", "phone"})
"""Keys of a person record (a dict holding ``nrp`` or ``phone``) left out of public outputs."""

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Rencana Pengamanan TPS",
        "edition_internal": "Edisi internal (terbatas: memuat nama personel)",
        "edition_public": "Edisi publik untuk Forkopimda",
        "generated": "Dibuat",
        "version": "versi",
        "layer_kecamatan": "Batas kecamatan",
        "layer_kelurahan": "Batas kelurahan",
        "layer_tps": "TPS (warna = kerawanan)",
        "layer_groups": "Kelompok jaga",
        "layer_routes": "Rute patroli",
        "layer_reserve": "Cadangan dan jangkauannya",
        "layer_posts": "Polresta dan Polsek",
        "layer_logistics": "Kawal logistik",
        "layer_sites": "Gudang KPU, PPK dan PPS (logistik)",
        "logistics": "Pengawalan logistik",
        "logistics_text": "rute kawal",
        "officer_hours": "jam-personel",
        "undelivered": "tidak terantar",
        "leg": "Leg",
        "day": "Hari",
        "truck": "Truk",
        "escort": "Satuan kawal",
        "guard_days": "Hari dijaga",
        "guard_shifts": "Giliran jaga",
        "guard_post": "Penjaga dari",
        "legend_logistics": "Rute kawal logistik per leg dan hari (hijau: pergi, jingga: kembali)",
        "legend_sites": "Gudang KPU / PPK / PPS; garis putus = lokasi perkiraan",
        "key_figures": "Angka kunci",
        "tps_covered": "TPS terjaga",
        "of": "dari",
        "officers": "Personel Polri",
        "linmas": "Linmas",
        "patrol_coverage": "Cakupan patroli",
        "visits_done": "kunjungan wajib terlaksana",
        "no_patrols": "belum direncanakan",
        "worst_response": "Respons cadangan terlama",
        "minutes": "menit",
        "per_polsek": "Per Polsek",
        "polsek": "Polsek",
        "tps": "TPS",
        "all_polsek": "Semua Polsek",
        "show": "Tampilkan",
        "tps_id": "ID TPS",
        "tps_number": "No. TPS",
        "name": "Nama",
        "address": "Alamat",
        "kelurahan": "Kelurahan",
        "kecamatan": "Kecamatan",
        "voters": "Pemilih (DPT)",
        "risk": "Kerawanan",
        "group": "Kelompok jaga",
        "anchor": "Pos jaga (TPS)",
        "anchor_here": "di TPS ini",
        "personnel": "personel",
        "pair": "Pasangan",
        "reserve": "Cadangan",
        "patrol_visits": "Kunjungan patroli (WIB)",
        "dropped_visits": "Kunjungan batal",
        "visit": "kunjungan ke-",
        "shift": "Giliran",
        "shift_voting": "pemungutan suara",
        "shift_counting": "penghitungan suara",
        "uncovered": "Tidak terjaga",
        "notes": "Catatan",
        "home_post": "Pos asal",
        "vehicle_type": "Jenis",
        "motorbike": "sepeda motor",
        "car": "mobil",
        "time": "Waktu (WIB)",
        "duration": "Durasi",
        "stops": "Singgahan",
        "stop_order": "Urutan singgahan",
        "staging": "Titik siaga cadangan",
        "kind": "Jenis",
        "kind_post": "pos polisi",
        "kind_junction": "simpang jalan",
        "served": "TPS dilayani",
        "longest_response": "Respons terlama",
        "response_limit": "Batas respons",
        "reach": "Jangkauan (TPS terjauh)",
        "location": "Lokasi",
        "approximate": "lokasi perkiraan (approximate location)",
        "polresta": "Polresta",
        "pos": "Pos",
        "legend": "Keterangan",
        "legend_anchor": "TPS pos jaga kelompok (lingkar tebal)",
        "legend_uncovered": "TPS tidak terjaga (abu-abu, lingkar hitam)",
        "legend_group": "Garis TPS ke pos jaga kelompoknya",
        "legend_route": "Rute patroli, panah = arah",
        "legend_reserve": "Titik siaga cadangan; lingkaran = jangkauan",
        "legend_post": "Polresta / Polsek; garis putus = lokasi perkiraan",
        "search": "Cari ID TPS",
        "not_found": "TPS tidak ditemukan",
        "fullscreen": "Layar penuh",
        "fullscreen_exit": "Keluar layar penuh",
        "risk_kurang_rawan": "Kurang rawan",
        "risk_rawan": "Rawan",
        "risk_sangat_rawan": "Sangat rawan",
        "risk_khusus": "Khusus",
    },
    "en": {
        "title": "TPS Security Plan",
        "edition_internal": "Internal edition (restricted: personnel names)",
        "edition_public": "Public edition for Forkopimda",
        "generated": "Generated",
        "version": "version",
        "layer_kecamatan": "Kecamatan boundaries",
        "layer_kelurahan": "Kelurahan boundaries",
        "layer_tps": "TPS (colour = risk)",
        "layer_groups": "Guard groups",
        "layer_routes": "Patrol routes",
        "layer_reserve": "Reserve and its reach",
        "layer_posts": "Polresta and Polsek",
        "layer_logistics": "Logistics escort",
        "layer_sites": "KPU warehouse, PPK and PPS (logistics)",
        "logistics": "Logistics escort",
        "logistics_text": "escort routes",
        "officer_hours": "officer-hours",
        "undelivered": "undelivered",
        "leg": "Leg",
        "day": "Day",
        "truck": "Truck",
        "escort": "Escort unit",
        "guard_days": "Guarded on",
        "guard_shifts": "Guard shifts",
        "guard_post": "Guards from",
        "legend_logistics": "Logistics escort route per leg and day (green: out, orange: back)",
        "legend_sites": "KPU warehouse / PPK / PPS; dashed = approximate location",
        "key_figures": "Key figures",
        "tps_covered": "TPS covered",
        "of": "of",
        "officers": "Police officers",
        "linmas": "Linmas",
        "patrol_coverage": "Patrol coverage",
        "visits_done": "of required visits made",
        "no_patrols": "not planned yet",
        "worst_response": "Worst reserve response",
        "minutes": "min",
        "per_polsek": "Per Polsek",
        "polsek": "Polsek",
        "tps": "TPS",
        "all_polsek": "All Polsek",
        "show": "Show",
        "tps_id": "TPS id",
        "tps_number": "TPS number",
        "name": "Name",
        "address": "Address",
        "kelurahan": "Kelurahan",
        "kecamatan": "Kecamatan",
        "voters": "Voters (DPT)",
        "risk": "Risk",
        "group": "Guard group",
        "anchor": "Officers posted at (TPS)",
        "anchor_here": "this TPS",
        "personnel": "officers",
        "pair": "Pair",
        "reserve": "Reserve",
        "patrol_visits": "Patrol visits (WIB)",
        "dropped_visits": "Dropped visits",
        "visit": "visit ",
        "shift": "Shift",
        "shift_voting": "voting",
        "shift_counting": "counting",
        "uncovered": "Not covered",
        "notes": "Notes",
        "home_post": "Home post",
        "vehicle_type": "Type",
        "motorbike": "motorbike",
        "car": "car",
        "time": "Time (WIB)",
        "duration": "Duration",
        "stops": "Stops",
        "stop_order": "Stop order",
        "staging": "Reserve staging point",
        "kind": "Kind",
        "kind_post": "police post",
        "kind_junction": "road junction",
        "served": "TPS served",
        "longest_response": "Longest response",
        "response_limit": "Response limit",
        "reach": "Reach (farthest TPS)",
        "location": "Location",
        "approximate": "approximate location (lokasi perkiraan)",
        "polresta": "Polresta",
        "pos": "Post",
        "legend": "Legend",
        "legend_anchor": "TPS where the group's officers post (thick ring)",
        "legend_uncovered": "TPS not covered (grey, black ring)",
        "legend_group": "Line from a TPS to its group's post",
        "legend_route": "Patrol route, arrows = direction",
        "legend_reserve": "Reserve staging point; circle = reach",
        "legend_post": "Polresta / Polsek; dashed = approximate location",
        "search": "Search TPS id",
        "not_found": "TPS not found",
        "fullscreen": "Full screen",
        "fullscreen_exit": "Exit full screen",
        "risk_kurang_rawan": "Low risk",
        "risk_rawan": "Vulnerable",
        "risk_sangat_rawan": "Highly vulnerable",
        "risk_khusus": "Special",
    },
}

TPS_POPUP_KEYS = (
    "tps_id",
    "tps_number",
    "name",
    "address",
    "kelurahan",
    "kecamatan",
    "polsek",
    "voters",
    "risk",
    "group",
    "anchor",
    "officers",
    "linmas",
    "reserve",
    "patrol_visits",
    "dropped_visits",
    "uncovered",
    "notes",
)
ROUTE_POPUP_KEYS = ("home_post", "shift", "vehicle_type", "time", "duration", "stops")
RESERVE_POPUP_KEYS = ("kind", "served", "longest_response", "response_limit", "reach", "location")
POST_POPUP_KEYS = ("kind", "kecamatan", "address", "officers", "location", "notes")
LOGISTICS_POPUP_KEYS = ("leg", "day", "time", "duration", "truck", "escort", "home_post", "stops")
SITE_POPUP_KEYS = (
    "kind",
    "kecamatan",
    "kelurahan",
    "address",
    "guard_days",
    "guard_shifts",
    "guard_post",
    "location",
    "notes",
)


def text(lang: str) -> dict[str, str]:
    """The UI strings of a language (``id`` or ``en``)."""
    if lang not in TEXT:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return TEXT[lang]


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number as people of the language write it (``1.188`` and ``9,9`` in Indonesian)."""
    written = f"{value:,.{digits}f}"
    if lang == "id":
        written = written.translate(str.maketrans(",.", ".,"))
    return written


def risk_label(risk: str, lang: str) -> str:
    """The risk category's name in the language."""
    return text(lang).get(f"risk_{risk}", risk.replace("_", " "))


def public_plan(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the plan without personnel: no officer pairs, no names, NRP or phones."""
    return _scrub({k: v for k, v in plan.items() if k != "officer_pairs"})


def _scrub(value: Any) -> Any:
    """A copy of ``value`` without the name, NRP and phone of any person record in it."""
    if isinstance(value, dict):
        person = "nrp" in value or "phone" in value
        return {k: _scrub(v) for k, v in value.items() if not (person and k in PERSONAL_KEYS)}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def refuse_inputs(outputs: Iterable[str | Path], scenario: Scenario) -> None:
    """Raise :class:`InputError` when an output path is one of the scenario's input files."""
    inputs = {Path(p).resolve(): p for p in scenario.sources.values()}
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


@dataclass
class PlanView:
    """Look-ups over a plan: each TPS' group, reserve, patrol visits; Polsek per kecamatan."""

    group_of: dict[str, dict[str, Any]] = field(default_factory=dict)
    uncovered: dict[str, dict[str, Any]] = field(default_factory=dict)
    visits: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    dropped: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    polsek_name: dict[str, str] = field(default_factory=dict)
    post_area: dict[str, str] = field(default_factory=dict)
    post_name: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    routes: list[dict[str, Any]] = field(default_factory=list)
    has_patrols: bool = False
    has_logistics: bool = False

    @classmethod
    def of(cls, scenario: Scenario, plan: Mapping[str, Any]) -> PlanView:
        """Index a plan against its scenario."""
        view = cls()
        for group in plan.get("groups", []):
            for tps_id in group["members"]:
                view.group_of[tps_id] = group
        view.uncovered = {u["tps_id"]: u for u in plan.get("uncovered", [])}
        for post in scenario.posts.itertuples():
            view.post_name[post.post_id] = post.name
            view.post_area[post.post_id] = post.kecamatan if post.kind == "polsek" else ""
            if post.kind == "polsek":
                view.polsek_name.setdefault(post.kecamatan, post.name)
        patrols = plan.get("patrols")
        view.has_patrols = isinstance(patrols, Mapping)
        if view.has_patrols:
            view.routes = list(patrols.get("routes", []))
            for route in view.routes:
                for order, stop in enumerate(route.get("stops", []), start=1):
                    view.visits[stop["tps_id"]].append(
                        {
                            **stop,
                            "vehicle_id": route["vehicle_id"],
                            "shift": route["shift"],
                            "order": order,
                        }
                    )
            for drop in patrols.get("dropped", []):
                view.dropped[drop["tps_id"]].append(drop)
        for pair in plan.get("officer_pairs", []) or []:
            view.pairs[pair["group_id"]].append(pair)
        view.has_logistics = isinstance(plan.get("logistics"), Mapping)
        return view

    def polsek(self, kecamatan: str) -> str:
        """The Polsek of a kecamatan (its name as in the posts table)."""
        return self.polsek_name.get(kecamatan, f"Polsek {kecamatan}")


def officer_names(pairs: list[dict[str, Any]], lang: str) -> str:
    """Named pairs of a group as one line: ``Pasangan 1: Bripka A, Briptu B``."""
    t = text(lang)
    return "; ".join(
        f"{t['pair']} {pair.get('pair_no', n)}: "
        + ", ".join(
            f"{o.get('rank', '')} {o.get('name', '')}".strip() for o in pair.get("officers", [])
        )
        for n, pair in enumerate(pairs, start=1)
    )


def key_figures(scenario: Scenario, plan: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's key figures: coverage, personnel per Polsek, patrols and reserve."""
    view = PlanView.of(scenario, plan)
    groups = plan.get("groups", [])
    per_polsek: dict[str, dict[str, Any]] = {}
    for kecamatan in sorted({*scenario.tps["kecamatan"], *(g["kecamatan"] for g in groups)}):
        per_polsek[kecamatan] = {
            "polsek": view.polsek(kecamatan),
            "tps": int((scenario.tps["kecamatan"] == kecamatan).sum()),
            "groups": 0,
            "officers": 0,
            "linmas": 0,
        }
    for group in groups:
        figures = per_polsek[group["kecamatan"]]
        figures["groups"] += 1
        figures["officers"] += int(group["officers"])
        figures["linmas"] += int(group["linmas"])
    reserve = plan.get("reserve") or {}
    responses = list((reserve.get("tps_response_s") or {}).values())
    tps_total = len(scenario.tps)
    patrols = None
    if view.has_patrols:
        visited = len(view.visits)
        patrols = {
            "routes": len(view.routes),
            "visits": sum(len(v) for v in view.visits.values()),
            "dropped_visits": sum(len(v) for v in view.dropped.values()),
            "tps_visited": visited,
            "tps_visited_share": round(visited / tps_total, 4) if tps_total else 0.0,
            "visit_coverage": (plan["patrols"].get("kpis") or {}).get("coverage"),
        }
    return {
        "tps": tps_total,
        "tps_covered": len(view.group_of),
        "tps_uncovered": len(view.uncovered),
        "groups": len(groups),
        "officers": sum(int(g["officers"]) for g in groups),
        "linmas": sum(int(g["linmas"]) for g in groups),
        "per_polsek": per_polsek,
        "reserve": {
            "staging_points": len(reserve.get("staging", [])),
            "response_limit_min": round(float(reserve.get("response_limit_s", 0)) / 60, 1),
            "worst_response_min": round(max(responses, default=0.0) / 60, 1),
            "beyond_limit": len(reserve.get("beyond_limit", [])),
        },
        "patrols": patrols,
        "logistics": _logistics_figures(plan),
    }


def _logistics_figures(plan: Mapping[str, Any]) -> dict[str, Any] | None:
    """Routes, escort officer-hours, undelivered goods, guard shifts and short post-days."""
    section = plan.get("logistics")
    if not isinstance(section, Mapping):
        return None
    kpis = section.get("kpis") or {}
    return {
        "routes": kpis.get("routes", 0),
        "escort_hours": kpis.get("escort_hours", 0.0),
        "undelivered": kpis.get("undelivered", 0),
        "guard_shifts": kpis.get("guard_shifts", 0),
        "shortfall_days": kpis.get("shortfall_days", 0),
    }


def plan_layers(
    scenario: Scenario,
    plan: Mapping[str, Any],
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
    if view.has_patrols:
        layers["patrol_routes"] = _route_layer(view)
        layers["patrol_stops"] = _stop_layer(scenario, view)
    layers.update(logistics_layers(plan, lang))
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
    scenario: Scenario, plan: Mapping[str, Any], view: PlanView, lang: str
) -> gpd.GeoDataFrame:
    """One row per TPS: its place, risk, guard group, reserve and patrol visits."""
    reserve = plan.get("reserve") or {}
    staging = reserve.get("tps_staging") or {}
    response = reserve.get("tps_response_s") or {}
    linmas = {str(k): p.linmas_per_tps for k, p in scenario.rules.pattern.items()}
    frame = scenario.tps
    group_ids, anchors, officers, people, reasons, visit_text, visit_count = ([] for _ in range(7))
    for tps_id, risk in zip(frame["tps_id"], frame["risk"], strict=True):
        group = view.group_of.get(tps_id)
        group_ids.append(group["group_id"] if group else "")
        anchors.append(group["anchor"] if group else "")
        officers.append(int(group["officers"]) if group else 0)
        people.append(linmas.get(str(risk), 0))
        gap = view.uncovered.get(tps_id)
        reasons.append("" if gap is None else _reason(gap, lang))
        visits = view.visits.get(tps_id, [])
        visit_count.append(len(visits))
        visit_text.append("; ".join(f"{v['arrival']} {v['vehicle_id']}" for v in visits))
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


def _reason(record: Mapping[str, Any], lang: str) -> str:
    """A record's reason in the language (``reason_id`` or ``reason_en``)."""
    return str(record.get(f"reason_{lang}") or record.get("reason_id") or "")


def _points(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every TPS by id."""
    tps = scenario.tps
    return {
        t: (float(x), float(y))
        for t, x, y in zip(tps["tps_id"], tps["longitude"], tps["latitude"], strict=True)
    }


def _group_lines(scenario: Scenario, plan: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """A line from each member TPS to its group's anchor (none for the anchor itself)."""
    where = _points(scenario)
    rows = [
        {
            "group_id": g["group_id"],
            "kecamatan": g["kecamatan"],
            "anchor": g["anchor"],
            "tps_id": member,
            "geometry": shapely.LineString([where[member], where[g["anchor"]]]),
        }
        for g in plan.get("groups", [])
        for member in g["members"]
        if member in where and g["anchor"] in where and where[member] != where[g["anchor"]]
    ]
    return _frame(rows, ("group_id", "kecamatan", "anchor", "tps_id"))


def _route_layer(view: PlanView) -> gpd.GeoDataFrame:
    """One line per patrol route along the roads, with its stops in order as text."""
    rows = [
        {
            "shift": r["shift"],
            "vehicle_id": r["vehicle_id"],
            "post_id": r.get("post_id", ""),
            "post_name": view.post_name.get(r.get("post_id", ""), r.get("post_id", "")),
            "vehicle_type": r.get("vehicle_type", ""),
            "start": r.get("start", ""),
            "end": r.get("end", ""),
            "duration_min": round(float(r.get("duration_s", 0)) / 60, 1),
            "stop_count": len(r.get("stops", [])),
            "stops": "; ".join(
                f"{n}. {s['tps_id']} {s.get('arrival', '')}"
                for n, s in enumerate(r.get("stops", []), start=1)
            ),
            "geometry": shapely.LineString(r["geometry"]),
        }
        for r in view.routes
        if len({tuple(xy) for xy in r.get("geometry") or []}) >= 2
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
            "shift": v["shift"],
            "vehicle_id": v["vehicle_id"],
            "order": int(v["order"]),
            "tps_id": tps_id,
            "visit": int(v.get("visit", 1)),
            "arrival": v.get("arrival", ""),
            "departure": v.get("departure", ""),
            "geometry": shapely.Point(where[tps_id]),
        }
        for tps_id, visits in view.visits.items()
        if tps_id in where
        for v in visits
    ]
    return _frame(rows, ("shift", "vehicle_id", "order", "tps_id", "visit", "arrival", "departure"))


def _reserve_layer(scenario: Scenario, plan: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """Reserve staging points with the TPS they serve, their worst response and reach."""
    reserve = plan.get("reserve") or {}
    staging = reserve.get("tps_staging") or {}
    response = reserve.get("tps_response_s") or {}
    where = _points(scenario)
    served: dict[str, list[str]] = defaultdict(list)
    for tps_id, point_id in staging.items():
        served[point_id].append(tps_id)
    rows = []
    for point in reserve.get("staging", []):
        members = [t for t in served.get(point["point_id"], []) if t in where]
        origin = (float(point["lon"]), float(point["lat"]))
        rows.append(
            {
                "point_id": point["point_id"],
                "kind": point.get("kind", ""),
                "approximate": bool(point.get("approximate", False)),
                "tps_served": len(members),
                "worst_response_min": round(
                    max((float(response.get(t, 0)) for t in members), default=0.0) / 60, 1
                ),
                "response_limit_min": round(float(reserve.get("response_limit_s", 0)) / 60, 1),
                "reach_m": round(max((_metres(origin, where[t]) for t in members), default=0.0)),
                "geometry": shapely.Point(origin),
            }
        )
    return _frame(rows, ("point_id", "kind", "approximate", "tps_served", "reach_m"))


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def build_map(
    scenario: Scenario,
    plan: Mapping[str, Any],
    boundaries: Boundaries | None = None,
    edition: Edition = "internal",
    lang: Lang = "id",
    generated: datetime | None = None,
) -> folium.Map:
    """The plan on a folium map; ``public`` leaves out every personnel name, NRP and phone."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; choose one of {', '.join(EDITIONS)}")
    t = text(lang)
    plan = public_plan(plan) if edition == "public" else plan
    layers = plan_layers(scenario, plan, boundaries, lang)
    view = PlanView.of(scenario, plan)
    figures = key_figures(scenario, plan)
    generated = generated or now_wib()

    tps = layers["tps"]
    south, west, north, east = (
        float(tps.geometry.y.min()),
        float(tps.geometry.x.min()),
        float(tps.geometry.y.max()),
        float(tps.geometry.x.max()),
    )
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=True,
    )
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    # No awesome-markers or glyphicons: every marker here is a circle or a plain div.
    fmap.default_js = [(n, u) for n, u in fmap.default_js if "awesome" not in n]
    fmap.default_css = [
        (n, u) for n, u in fmap.default_css if "awesome" not in n and "glyphicons" not in u
    ]
    fmap.fit_bounds([[south, west], [north, east]])
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{_CSS}</style>"), name="tpsmap_css")
    root.script.add_child(Element(_helpers_script(lang)), name="tpsmap_helpers")

    refs: dict[str, str] = {"map": fmap.get_name()}
    if "kecamatan" in layers:
        refs["kecamatan"] = _geojson(
            fmap, _polygons(layers["kecamatan"], ("kecamatan",)), t["layer_kecamatan"], "kecamatan"
        )
    if "kelurahan" in layers:
        refs["kelurahan"] = _geojson(
            fmap,
            _polygons(layers["kelurahan"], ("kelurahan", "kecamatan")),
            t["layer_kelurahan"],
            "kelurahan",
        )
    refs["groups"] = _geojson(
        fmap, _group_features(layers["group_lines"]), t["layer_groups"], "groups"
    )
    if view.has_patrols:
        refs["routes"] = _geojson(
            fmap, _route_features(layers["patrol_routes"], view, lang), t["layer_routes"], "routes"
        )
    if "logistics_routes" in layers:
        refs.update(_logistics_layers(fmap, layers, view, lang))
    refs["reserve"] = _geojson(
        fmap, _reserve_features(layers["reserve"], lang), t["layer_reserve"], "reserve"
    )
    refs["posts"] = _geojson(fmap, _post_features(layers["posts"], lang), t["layer_posts"], "posts")
    tps_layer = folium.GeoJson(
        _tps_features(tps, view, edition, lang),
        name=html.escape(t["layer_tps"]),
        on_each_feature=JsCode("TPSMAP.onEach.tps"),
        pointToLayer=JsCode("TPSMAP.point.tps"),
    ).add_to(fmap)
    refs["tps"] = tps_layer.get_name()
    plugins.Search(
        layer=tps_layer,
        search_label="tps_id",
        placeholder=t["search"],
        search_zoom=17,
        position="topleft",
        collapsed=True,
    ).add_to(fmap)
    refs["search"] = f"{tps_layer.get_name()}searchControl"
    plugins.Fullscreen(
        position="topleft", title=t["fullscreen"], title_cancel=t["fullscreen_exit"]
    ).add_to(fmap)
    plugins.MeasureControl(
        position="topleft",
        primary_length_unit="meters",
        secondary_length_unit="kilometers",
        primary_area_unit="hectares",
    ).add_to(fmap)
    plugins.MiniMap(toggle_display=True, position="bottomright").add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    panels = {
        "title": _title_panel(scenario, figures, edition, lang, generated),
        "legend": _legend(view, lang),
    }
    _Wiring(refs, panels).add_to(fmap)
    return fmap


def write_map(
    path: str | Path,
    scenario: Scenario,
    plan: Mapping[str, Any],
    boundaries: Boundaries | None = None,
    edition: Edition = "internal",
    lang: Lang = "id",
    generated: datetime | None = None,
) -> Path:
    """Write the map as one HTML file, atomically; never over an input file."""
    path = Path(path)
    refuse_inputs([path], scenario)
    fmap = build_map(scenario, plan, boundaries, edition, lang, generated)
    write_text(path, fmap.get_root().render())
    return path


def _geojson(
    fmap: folium.Map, data: dict[str, Any], name: str, kind: str, show: bool = True
) -> str:
    """Add a GeoJSON layer drawn by the ``kind`` helpers; its JS variable name."""
    layer = folium.GeoJson(
        data,
        name=html.escape(name),
        on_each_feature=JsCode(f"TPSMAP.onEach.{kind}"),
        pointToLayer=JsCode(f"TPSMAP.point.{kind}"),
        style=JsCode(f"TPSMAP.style.{kind}"),
        show=show,
    ).add_to(fmap)
    return layer.get_name()


def _logistics_layers(
    fmap: folium.Map, layers: Mapping[str, gpd.GeoDataFrame], view: PlanView, lang: str
) -> dict[str, str]:
    """A hidden layer of escort routes per leg and day, and one of storage sites; their refs."""
    t = text(lang)
    refs = {}
    routes = layers["logistics_routes"]
    groups = routes.groupby(["leg", "day"], sort=False) if len(routes) else []
    order = sorted(groups, key=lambda g: (LEGS.index(g[0][0]), g[0][1]))
    for n, ((_, _), group) in enumerate(order):
        name = (
            f"{t['layer_logistics']}: {group['leg_label'].iloc[0]} · {group['day_label'].iloc[0]}"
        )
        refs[f"logistics{n}"] = _geojson(
            fmap, _logistics_features(group, view, lang), name, "logistics", show=False
        )
    sites = layers["logistics_sites"]
    refs["sites"] = _geojson(fmap, _site_features(sites, lang), t["layer_sites"], "sites", False)
    return refs


def _logistics_features(routes: gpd.GeoDataFrame, view: PlanView, lang: str) -> dict[str, Any]:
    """Each escort route's line (popup with its stops) and its arrow line, coloured by leg."""
    t = text(lang)
    features = []
    for row in routes.itertuples():
        colour = LEGS.index(row.leg) if row.leg in LEGS else 0
        area = "" if row.area == "kota" else row.area
        values = {
            "leg": row.leg_label,
            "day": row.day_label,
            "time": f"{row.start}–{row.end}",
            "duration": f"{number(row.duration_min, lang)} {t['minutes']}",
            "truck": row.truck_id,
            "escort": f"{row.escort_id} ({row.officers} {t['personnel']})",
            "home_post": view.post_name.get(row.post_id, row.post_id),
            "stops": str(row.stop_count),
        }
        properties = {
            "t": f"{row.truck_id} · {row.escort_id}",
            "k": area,
            "c": colour,
            "v": [values[k] for k in LOGISTICS_POPUP_KEYS],
            "s": row.stops.split("; ") if row.stops else [],
        }
        features.append(_feature(row.geometry, properties))
        arrows = _arrow_line(row.geometry)
        if arrows is not None:
            features.append(_feature(arrows, {"k": area, "c": colour, "arrow": 1}))
    return _collection(features)


def _site_features(sites: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """Storage sites with when they are guarded; approximate locations flagged."""
    t = text(lang)
    features = []
    for row in sites.itertuples():
        values = {
            "kind": row.kind_label,
            "kecamatan": row.kecamatan,
            "kelurahan": row.kelurahan,
            "address": row.address,
            "guard_days": row.guard_days,
            "guard_shifts": f"{row.guard_shifts} × {row.guard_officers} {t['personnel']}"
            if row.guard_shifts
            else "",
            "guard_post": row.guard_post,
            "location": t["approximate"] if row.approximate else "",
            "notes": row.notes,
        }
        properties = {
            "t": row.name or row.site_id,
            "kind": row.kind,
            "x": int(row.approximate),
            "k": row.kecamatan,
            "v": [values[k] for k in SITE_POPUP_KEYS],
        }
        features.append(_feature(row.geometry, properties, digits=6))
    return _collection(features)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: Any, properties: dict[str, Any], digits: int = 5) -> dict[str, Any]:
    """A GeoJSON feature with coordinates rounded to ``digits`` decimals (1 m at 5)."""
    geometry = shapely.set_precision(geometry, 10.0**-digits)
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(geometry),
        "properties": properties,
    }


def _polygons(frame: gpd.GeoDataFrame, names: tuple[str, ...]) -> dict[str, Any]:
    """Boundary polygons, simplified to about 3 m, with their names."""
    features = []
    for row in frame.itertuples():
        geometry = shapely.simplify(row.geometry, 0.00003, preserve_topology=True)
        name = ", ".join(str(getattr(row, n)) for n in names if hasattr(row, n))
        features.append(_feature(geometry, {"n": name}))
    return _collection(features)


def _tps_features(tps: gpd.GeoDataFrame, view: PlanView, edition: str, lang: str) -> dict[str, Any]:
    """TPS points; ``v`` holds the popup values in :data:`TPS_POPUP_KEYS` order."""
    t = text(lang)
    features = []
    for row in tps.itertuples():
        group = view.group_of.get(row.tps_id)
        personnel = ""
        if group:
            personnel = f"{group['officers']} {t['personnel']}"
            names = officer_names(view.pairs.get(group["group_id"], []), lang)
            if edition == "internal" and names:
                personnel = f"{personnel} ({names})"
        values = {
            "tps_id": row.tps_id,
            "tps_number": str(row.tps_number) if row.tps_number else "",
            "name": row.name,
            "address": row.address,
            "kelurahan": row.kelurahan,
            "kecamatan": row.kecamatan,
            "polsek": row.polsek,
            "voters": number(row.voters, lang),
            "risk": risk_label(row.risk, lang),
            "group": row.group_id,
            "anchor": t["anchor_here"] if row.is_anchor else row.anchor,
            "officers": personnel,
            "linmas": str(row.linmas),
            "reserve": ""
            if not row.reserve_point
            else f"{row.reserve_point}, {number(row.reserve_response_min, lang, 1)} {t['minutes']}",
            "patrol_visits": "; ".join(
                f"{v['arrival']} {v['vehicle_id']} "
                f"({t['visit']}{v.get('visit', 1)}, {t['shift_' + v['shift']]})"
                for v in view.visits.get(row.tps_id, [])
            ),
            "dropped_visits": "; ".join(
                f"{t['visit']}{d.get('visit', '')} ({t['shift_' + d['shift']]}): {_reason(d, lang)}"
                for d in view.dropped.get(row.tps_id, [])
            ),
            "uncovered": row.uncovered_reason,
            "notes": row.notes,
        }
        title = f"TPS {row.tps_number:03d} {row.kelurahan}" if row.tps_number else row.tps_id
        properties = {
            "tps_id": row.tps_id,
            "t": title,
            "r": row.risk,
            "a": int(row.is_anchor),
            "u": int(not row.covered),
            "k": row.kecamatan,
            "v": [values[k] for k in TPS_POPUP_KEYS],
        }
        features.append(_feature(row.geometry, properties, digits=6))
    return _collection(features)


def _group_features(lines: gpd.GeoDataFrame) -> dict[str, Any]:
    """Member-to-anchor lines, filterable by kecamatan."""
    return _collection(
        [_feature(row.geometry, {"k": row.kecamatan}, digits=6) for row in lines.itertuples()]
    )


def _route_features(routes: gpd.GeoDataFrame, view: PlanView, lang: str) -> dict[str, Any]:
    """Each route's line (popup with numbered stops) and its sparse arrow line."""
    t = text(lang)
    stops = {(r["shift"], r["vehicle_id"]): r.get("stops", []) for r in view.routes}
    features = []
    for n, row in enumerate(routes.itertuples()):
        colour = n % len(ROUTE_PALETTE)
        area = view.post_area.get(row.post_id, "")
        minutes = row.duration_min
        values = {
            "home_post": row.post_name,
            "shift": t["shift_" + row.shift],
            "vehicle_type": t.get(row.vehicle_type, row.vehicle_type),
            "time": f"{row.start}–{row.end}",
            "duration": f"{number(minutes, lang)} {t['minutes']}",
            "stops": str(row.stop_count),
        }
        properties = {
            "t": row.vehicle_id,
            "k": area,
            "c": colour,
            "v": [values[k] for k in ROUTE_POPUP_KEYS],
            "s": [
                [s["tps_id"], f"{s.get('arrival', '')}–{s.get('departure', '')}", s.get("visit", 1)]
                for s in stops.get((row.shift, row.vehicle_id), [])
            ],
        }
        features.append(_feature(row.geometry, properties))
        arrows = _arrow_line(row.geometry)
        if arrows is not None:
            features.append(_feature(arrows, {"k": area, "c": colour, "arrow": 1}))
    return _collection(features)


def _arrow_line(line: shapely.LineString) -> shapely.LineString | None:
    """Points every :data:`ARROW_SPACING_M` along a route, joined: arrows sit at its vertices."""
    lat = math.radians(line.centroid.y)
    scale = (111_320.0 * math.cos(lat), 110_574.0)
    metric = shapely.transform(line, lambda xy: xy * scale)
    steps = np.arange(ARROW_SPACING_M / 2, metric.length, ARROW_SPACING_M)
    if len(steps) < 1:
        return None
    points = [metric.interpolate(d) for d in (0.0, *steps, metric.length)]
    return shapely.transform(shapely.LineString(points), lambda xy: xy / scale)


def _reserve_features(reserve: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """Staging points with their reach radius (metres)."""
    t = text(lang)
    features = []
    for row in reserve.itertuples():
        values = {
            "kind": t.get(f"kind_{row.kind}", row.kind),
            "served": str(row.tps_served),
            "longest_response": f"{number(row.worst_response_min, lang, 1)} {t['minutes']}",
            "response_limit": f"{number(row.response_limit_min, lang, 1)} {t['minutes']}",
            "reach": f"{number(row.reach_m, lang)} m",
            "location": t["approximate"] if row.approximate else "",
        }
        properties = {
            "t": f"{t['staging']}: {row.point_id}",
            "rad": row.reach_m,
            "v": [values[k] for k in RESERVE_POPUP_KEYS],
        }
        features.append(_feature(row.geometry, properties, digits=6))
    return _collection(features)


def _post_features(posts: gpd.GeoDataFrame, lang: str) -> dict[str, Any]:
    """Polresta, Polsek and other posts; approximate locations flagged."""
    t = text(lang)
    features = []
    for row in posts.itertuples():
        values = {
            "kind": t.get(row.kind, row.kind),
            "kecamatan": row.kecamatan,
            "address": row.address,
            "officers": number(row.polri, lang),
            "location": t["approximate"] if row.approximate else "",
            "notes": row.notes,
        }
        properties = {
            "t": row.name,
            "kind": row.kind,
            "x": int(row.approximate),
            "v": [values[k] for k in POST_POPUP_KEYS],
        }
        features.append(_feature(row.geometry, properties, digits=6))
    return _collection(features)


def _title_panel(
    scenario: Scenario,
    figures: dict[str, Any],
    edition: str,
    lang: str,
    generated: datetime,
) -> str:
    """The title panel's HTML: key figures, per-Polsek table and the Polsek filter."""
    t = text(lang)
    e = html.escape
    share = figures["tps_covered"] / figures["tps"] * 100 if figures["tps"] else 0.0
    patrols = figures["patrols"]
    patrol_text = (
        t["no_patrols"]
        if patrols is None
        else f"{number(patrols['tps_visited'], lang)} {t['of']} {number(figures['tps'], lang)} "
        f"{t['tps']} ({number(patrols['tps_visited_share'] * 100, lang, 1)}%)"
    )
    if patrols is not None and patrols["visit_coverage"] is not None:
        share_done = number(patrols["visit_coverage"] * 100, lang, 1)
        patrol_text += f"; {share_done}% {t['visits_done']}"
    rows = [
        (
            t["tps_covered"],
            f"{number(figures['tps_covered'], lang)} {t['of']} {number(figures['tps'], lang)} "
            f"({number(share, lang, 1)}%)",
        ),
        (t["officers"], number(figures["officers"], lang)),
        (t["linmas"], number(figures["linmas"], lang)),
        (t["patrol_coverage"], patrol_text),
        (
            t["worst_response"],
            f"{number(figures['reserve']['worst_response_min'], lang, 1)} {t['minutes']}",
        ),
    ]
    logistics = figures.get("logistics")
    if logistics is not None:
        rows.append(
            (
                t["logistics"],
                f"{number(logistics['routes'], lang)} {t['logistics_text']}, "
                f"{number(logistics['escort_hours'], lang)} {t['officer_hours']}; "
                f"{number(logistics['undelivered'], lang)} {t['undelivered']}",
            )
        )
    figure_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    polsek_rows = "".join(
        f"<tr><td>{e(f['polsek'])}</td><td>{number(f['tps'], lang)}</td>"
        f"<td>{number(f['officers'], lang)}</td><td>{number(f['linmas'], lang)}</td></tr>"
        for f in figures["per_polsek"].values()
    )
    options = "".join(
        f'<option value="{e(k)}">{e(f["polsek"])}</option>'
        for k, f in figures["per_polsek"].items()
    )
    edition_text = t["edition_internal" if edition == "internal" else "edition_public"]
    return (
        f'<div class="tpsmap-title"><h1>{e(t["title"])}: {e(scenario.name)}</h1>'
        f'<div class="tpsmap-edition tpsmap-{e(edition)}">{e(edition_text)}</div>'
        f'<div class="tpsmap-meta">{e(t["generated"])} '
        f"{e(generated.strftime('%Y-%m-%d %H:%M'))} WIB · tps-planner {e(t['version'])} "
        f"{e(__version__)}</div>"
        f"<details open><summary>{e(t['key_figures'])}</summary>"
        f"<table>{figure_rows}</table></details>"
        f"<details><summary>{e(t['per_polsek'])}</summary><table>"
        f"<tr><th>{e(t['polsek'])}</th><th>{e(t['tps'])}</th><th>{e(t['officers'])}</th>"
        f"<th>{e(t['linmas'])}</th></tr>{polsek_rows}</table></details>"
        f'<label class="tpsmap-filter-label">{e(t["show"])}: <select class="tpsmap-filter">'
        f'<option value="">{e(t["all_polsek"])}</option>{options}</select></label></div>'
    )


def _legend(view: PlanView, lang: str) -> str:
    """The legend's HTML: risk colours and the symbol of every layer."""
    t = text(lang)
    e = html.escape
    items = [
        f'<i class="tpsmap-dot" style="background:{c}"></i>{e(risk_label(r, lang))}'
        for r, c in RISK_COLOURS.items()
    ]
    items += [
        f'<i class="tpsmap-dot tpsmap-ring" style="background:{RISK_COLOURS["kurang_rawan"]}"></i>'
        f"{e(t['legend_anchor'])}",
        f'<i class="tpsmap-dot tpsmap-uncov" style="background:{UNCOVERED_COLOUR}"></i>'
        f"{e(t['legend_uncovered'])}",
        f'<i class="tpsmap-line" style="border-color:{GROUP_COLOUR}"></i>{e(t["legend_group"])}',
    ]
    if view.has_patrols:
        items.append(
            f'<i class="tpsmap-line tpsmap-route" style="border-color:{ROUTE_PALETTE[0]}"></i>'
            f"{e(t['legend_route'])}"
        )
    if view.has_logistics:
        items += [
            f'<i class="tpsmap-line tpsmap-route" style="border-color:{LOGISTICS_PALETTE[0]}">'
            f"</i>{e(t['legend_logistics'])}",
            f'<i class="tpsmap-postkey tpsmap-sitekey">S</i>{e(t["legend_sites"])}',
        ]
    items += [
        f'<i class="tpsmap-dot tpsmap-reserve" style="border-color:{RESERVE_COLOUR}"></i>'
        f"{e(t['legend_reserve'])}",
        f'<i class="tpsmap-postkey">P</i>{e(t["legend_post"])}',
    ]
    return (
        f'<div class="tpsmap-legend"><b>{e(t["legend"])}</b>'
        + "".join(f"<div>{item}</div>" for item in items)
        + "</div>"
    )


def _helpers_script(lang: str) -> str:
    """The drawing helpers and their configuration (labels, colours) as one script."""
    t = text(lang)
    config = {
        "risk": RISK_COLOURS,
        "uncovered": UNCOVERED_COLOUR,
        "palette": ROUTE_PALETTE,
        "legs": LOGISTICS_PALETTE,
        "sites": SITE_LABELS[lang],
        "reserve": RESERVE_COLOUR,
        "group": GROUP_COLOUR,
        "stopsTitle": t["stop_order"],
        "visit": t["visit"],
        "approximate": t["approximate"],
        "notFound": t["not_found"],
        "labels": {
            "tps": [t[k] for k in TPS_POPUP_KEYS],
            "routes": [t[k] for k in ROUTE_POPUP_KEYS],
            "reserve": [t[k] for k in RESERVE_POPUP_KEYS],
            "posts": [t[k] for k in POST_POPUP_KEYS],
            "logistics": [t[k] for k in LOGISTICS_POPUP_KEYS],
            "sites": [t[k] for k in SITE_POPUP_KEYS],
        },
    }
    return f"{_JS}\nvar TPSMAP = tpsMapHelpers({script_json(config)});\n"


def script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``<``, ``>`` or ``&``)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class _Wiring(MacroElement):
    """Connects the layers after they exist: panels, Polsek filter, safe search tips."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        TPSMAP.wire({{ this.refs }}, {{ this.panels }});
        {% endmacro %}
        """
    )

    def __init__(self, refs: dict[str, str], panels: dict[str, str]):
        super().__init__()
        self._name = "TpsMapWiring"
        self.refs = "{" + ", ".join(f"{k}: {v}" for k, v in refs.items()) + "}"
        self.panels = script_json(panels)


_CSS = """
.tpsmap-title, .tpsmap-legend { background: rgba(255,255,255,.95); padding: 6px 10px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.4); font: 12px/1.35 system-ui, sans-serif;
  max-width: 330px; }
.tpsmap-title h1 { font-size: 15px; margin: 0 0 2px; font-weight: 700; }
.tpsmap-title table, .tpsmap-popup table { border-collapse: collapse; width: 100%; }
.tpsmap-title th, .tpsmap-title td, .tpsmap-popup th, .tpsmap-popup td { padding: 1px 4px;
  vertical-align: top; text-align: left; border-bottom: 1px solid #eee; font-size: 12px; }
.tpsmap-title td { text-align: right; }
.tpsmap-title summary { font-weight: 600; cursor: pointer; margin-top: 4px; }
.tpsmap-meta { color: #555; font-size: 11px; }
.tpsmap-edition { font-weight: 600; font-size: 11px; }
.tpsmap-internal { color: #b71c1c; }
.tpsmap-public { color: #1b5e20; }
.tpsmap-filter-label { display: block; margin: 6px 0 0; font-weight: 600; }
.tpsmap-filter { font-size: 12px; max-width: 190px; }
.tpsmap-legend div { margin: 2px 0; white-space: nowrap; }
.tpsmap-dot { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
  border: 1px solid #fff; box-shadow: 0 0 0 1px #999; margin-right: 6px; vertical-align: -1px; }
.tpsmap-ring { border: 2.5px solid #1a1a1a; box-shadow: none; }
.tpsmap-uncov { border: 2px solid #000; box-shadow: none; }
.tpsmap-reserve { background: #fff; border: 3px solid; box-shadow: none; }
.tpsmap-line { display: inline-block; width: 22px; border-top: 2px dashed; margin-right: 6px;
  vertical-align: 3px; }
.tpsmap-route { border-top: 4px solid; }
.tpsmap-postkey, .tpsmap-post { display: inline-block; background: #0d2a6b; color: #fff;
  font: 700 11px/18px system-ui, sans-serif; text-align: center; border: 2px solid #fff;
  border-radius: 4px; box-shadow: 0 0 0 1px #0d2a6b; width: 22px; height: 22px;
  margin-right: 6px; font-style: normal; }
.tpsmap-postkey { width: 18px; height: 18px; line-height: 14px; }
.tpsmap-site, .tpsmap-sitekey { background: #f57f17; box-shadow: 0 0 0 1px #f57f17; }
.tpsmap-site { display: inline-block; color: #fff; font: 700 10px/18px system-ui, sans-serif;
  text-align: center; border: 2px solid #fff; border-radius: 50%; width: 22px; height: 22px; }
.tpsmap-site.tpsmap-approx { border-style: dashed; border-color: #1a1a1a; }
.tpsmap-post.tpsmap-polresta { background: #000; }
.tpsmap-post.tpsmap-approx { border-style: dashed; border-color: #ffeb3b; }
.tpsmap-popup-title { font-weight: 700; font-size: 13px; margin-bottom: 3px; }
.tpsmap-popup th { color: #444; font-weight: 600; width: 38%; }
.tpsmap-popup ol { margin: 4px 0 0 22px; padding: 0; max-height: 180px; overflow-y: auto;
  font-size: 12px; }
"""

_JS = r"""
function tpsMapHelpers(cfg) {
  "use strict";
  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined && content !== null) { node.textContent = String(content); }
    return node;
  }
  function box(title, labels, values) {
    var root = el("div", "tpsmap-popup");
    root.appendChild(el("div", "tpsmap-popup-title", title));
    var table = el("table");
    for (var i = 0; i < labels.length; i++) {
      if (values[i] === "" || values[i] === null || values[i] === undefined) { continue; }
      var tr = el("tr");
      tr.appendChild(el("th", null, labels[i]));
      tr.appendChild(el("td", null, values[i]));
      table.appendChild(tr);
    }
    root.appendChild(table);
    return root;
  }
  function tip(content) { return function () { return el("span", null, content); }; }
  function routeLine(markerPrefix, label, stopText) {
    return function (f, layer) {
      var p = f.properties;
      if (p.arrow) {
        layer.on("add", function () {
          layer._path.setAttribute("marker-mid", "url(#" + markerPrefix + p.c + ")");
        });
        return;
      }
      layer.bindPopup(function () {
        var root = box(p.t, label, p.v);
        var list = el("ol");
        p.s.forEach(function (s) { list.appendChild(el("li", null, stopText(s))); });
        root.appendChild(el("div", "tpsmap-popup-title", cfg.stopsTitle));
        root.appendChild(list);
        return root;
      }, {maxWidth: 380});
      layer.bindTooltip(tip(p.t), {sticky: true});
    };
  }
  function arrowDefs() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.style.position = "absolute";
    var defs = document.createElementNS(ns, "defs");
    var colours = cfg.palette.map(function (c, i) { return ["tpsmap-arrow-" + i, c]; })
      .concat(cfg.legs.map(function (c, i) { return ["tpsmap-leg-" + i, c]; }));
    colours.forEach(function (pair) {
      var colour = pair[1];
      var marker = document.createElementNS(ns, "marker");
      var attrs = {id: pair[0], viewBox: "0 0 10 10", refX: "5", refY: "5",
        markerWidth: "17", markerHeight: "17", markerUnits: "userSpaceOnUse", orient: "auto"};
      Object.keys(attrs).forEach(function (k) { marker.setAttribute(k, attrs[k]); });
      var path = document.createElementNS(ns, "path");
      path.setAttribute("d", "M1,1 L9,5 L1,9 L3.5,5 z");
      path.setAttribute("fill", colour);
      path.setAttribute("stroke", "#fff");
      path.setAttribute("stroke-width", "0.8");
      marker.appendChild(path);
      defs.appendChild(marker);
    });
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }
  function control(map, position, markup) {
    var ctl = L.control({position: position});
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-control");
      div.innerHTML = markup;  // built by tps-planner with every input string escaped
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    return ctl.getContainer();
  }
  function filterable(layer) {
    var all = layer.getLayers();
    return function (key) {
      layer.clearLayers();
      all.forEach(function (item) {
        var k = item.feature.properties.k;
        if (!key || !k || k === key) { layer.addLayer(item); }
      });
    };
  }
  var api = {
    style: {
      kecamatan: function () {
        return {color: "#263238", weight: 2.5, fill: false, interactive: false};
      },
      kelurahan: function () { return {color: "#78909c", weight: 1, fillOpacity: 0}; },
      groups: function () {
        return {color: cfg.group, weight: 1.5, opacity: 0.75, dashArray: "4 3", interactive: false};
      },
      routes: function (f) {
        if (f.properties.arrow) {
          return {opacity: 0, weight: 1, interactive: false, smoothFactor: 30};
        }
        return {color: cfg.palette[f.properties.c], weight: 4, opacity: 0.85};
      },
      logistics: function (f) {
        if (f.properties.arrow) {
          return {opacity: 0, weight: 1, interactive: false, smoothFactor: 30};
        }
        return {color: cfg.legs[f.properties.c], weight: 4, opacity: 0.85, dashArray: "8 4"};
      },
      sites: function () { return {}; },
      reserve: function () { return {}; },
      posts: function () { return {}; }
    },
    point: {
      tps: function (f, latlng) {
        var p = f.properties;
        return L.circleMarker(latlng, {
          radius: p.a ? 7 : 5, weight: p.u ? 2 : (p.a ? 2.5 : 1),
          color: p.u ? "#000" : (p.a ? "#1a1a1a" : "#fff"),
          fillColor: p.u ? cfg.uncovered : (cfg.risk[p.r] || cfg.uncovered),
          fillOpacity: 0.92, className: "tpsmap-tps"
        });
      },
      reserve: function (f, latlng) {
        var items = [];
        if (f.properties.rad > 0) {
          items.push(L.circle(latlng, {radius: f.properties.rad, color: cfg.reserve, weight: 1.5,
            dashArray: "6 4", fill: false, interactive: false}));
        }
        items.push(L.circleMarker(latlng, {radius: 8, color: cfg.reserve, weight: 3,
          fillColor: "#fff", fillOpacity: 1, className: "tpsmap-staging"}));
        return L.featureGroup(items);
      },
      sites: function (f, latlng) {
        var p = f.properties;
        var short = {warehouse: "G", ppk: "K", pps: "S"}[p.kind] || "?";
        return L.marker(latlng, {icon: L.divIcon({
          className: "tpsmap-site" + (p.x ? " tpsmap-approx" : ""),
          html: short, iconSize: [22, 22]})});
      },
      posts: function (f, latlng) {
        var p = f.properties;
        var cls = "tpsmap-post tpsmap-" + (p.kind === "polresta" ? "polresta" : "polsek");
        return L.marker(latlng, {icon: L.divIcon({
          className: cls + (p.x ? " tpsmap-approx" : ""),
          html: p.kind === "polresta" ? "PR" : "P", iconSize: [26, 26]})});
      }
    },
    onEach: {
      tps: function (f, layer) {
        layer.bindPopup(function () { return box(f.properties.t, cfg.labels.tps, f.properties.v); },
          {maxWidth: 380});
        layer.bindTooltip(tip(f.properties.tps_id));
      },
      kecamatan: function () {},
      kelurahan: function (f, layer) { layer.bindTooltip(tip(f.properties.n), {sticky: true}); },
      groups: function () {},
      routes: routeLine("tpsmap-arrow-", cfg.labels.routes, function (s) {
        return s[0] + " · " + s[1] + " (" + cfg.visit + s[2] + ")";
      }),
      logistics: routeLine("tpsmap-leg-", cfg.labels.logistics, function (s) { return s; }),
      sites: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return box(p.t, cfg.labels.sites, p.v); });
        layer.bindTooltip(tip(p.x ? p.t + " (" + cfg.approximate + ")" : p.t));
      },
      reserve: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return box(p.t, cfg.labels.reserve, p.v); });
      },
      posts: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return box(p.t, cfg.labels.posts, p.v); });
        layer.bindTooltip(tip(p.x ? p.t + " (" + cfg.approximate + ")" : p.t));
      }
    },
    wire: function (refs, panels) {
      var map = refs.map;
      arrowDefs();
      var title = control(map, "topright", panels.title);
      var legend = control(map, "bottomleft", panels.legend);
      var corner = map._controlCorners.topright;
      corner.insertBefore(title, corner.firstChild);
      refs.search.options.buildTip = function (content) { return el("li", null, content); };
      refs.search.options.textErr = cfg.notFound;
      var filters = Object.keys(refs).filter(function (k) {
        return ["tps", "groups", "routes", "sites"].indexOf(k) >= 0 || k.indexOf("logistics") === 0;
      }).map(function (k) { return filterable(refs[k]); });
      var select = title.querySelector("select.tpsmap-filter");
      function sizeTps() {  // smaller dots when the whole city is in view
        var zoom = map.getZoom();
        var scale = zoom >= 16 ? 1.3 : zoom >= 14 ? 1 : 0.7;
        refs.tps.eachLayer(function (item) {
          item.setRadius((item.feature.properties.a ? 7 : 5) * scale);
        });
      }
      function applyFilter() {
        filters.forEach(function (f) { f(select.value); });
        sizeTps();
      }
      select.addEventListener("change", applyFilter);
      map.on("zoomend", sizeTps);
      sizeTps();
      window.tpsPlanner = {map: map, layers: refs, legend: legend, filter: function (key) {
        select.value = key; applyFilter();
      }};
      setTimeout(function () {
        requestAnimationFrame(function () { window.tpsPlanner.readyMs = performance.now(); });
      }, 0);
    }
  };
  return api;
}
"""
