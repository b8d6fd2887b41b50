"""Map and GIS layers of a plan's logistics: escort routes per leg and day, and storage sites.

Both read only the plan's ``logistics`` section (:class:`planner.plan.schema.Logistics`);
every text is plain (never HTML): maps put it into popups as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from planner.plan import schema

LEG_LABELS: dict[str, dict[str, str]] = {
    "id": {
        "warehouse_ppk": "Gudang KPU → PPK",
        "ppk_pps": "PPK → PPS",
        "pps_tps": "PPS → TPS",
        "tps_pps": "TPS → PPS",
        "pps_ppk": "PPS → PPK",
        "ppk_warehouse": "PPK → Gudang KPU",
    },
    "en": {
        "warehouse_ppk": "KPU warehouse → PPK",
        "ppk_pps": "PPK → PPS",
        "pps_tps": "PPS → TPS",
        "tps_pps": "TPS → PPS",
        "pps_ppk": "PPS → PPK",
        "ppk_warehouse": "PPK → KPU warehouse",
    },
}
SITE_LABELS: dict[str, dict[str, str]] = {
    "id": {"warehouse": "Gudang KPU", "ppk": "PPK", "pps": "PPS"},
    "en": {"warehouse": "KPU warehouse", "ppk": "PPK", "pps": "PPS"},
}
SAME_POINT = {"id": "satu titik dengan", "en": "same point as"}
"""The note of a site sharing its point with others (a table may put two in one building)."""
ACTIONS = {"id": {"load": "muat", "unload": "bongkar"}, "en": {"load": "load", "unload": "unload"}}
SIMPLIFY_DEG = 0.00002
"""Route lines are simplified to about 2 m for maps and GIS files."""
MONTHS_ID = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def day_of(seconds: int) -> int:
    """The day (0 = voting day) a time from voting-day midnight falls on."""
    return seconds // 86_400


def day_name(election_date: str, day: int, lang: str) -> str:
    """``H-4 (23 Nov)``: a day relative to voting day, with its date."""
    when = date.fromisoformat(election_date) + timedelta(days=day)
    month = MONTHS_ID[when.month - 1] if lang == "id" else f"{when:%b}"
    label = "H" if day == 0 else f"H{day:+d}"
    return f"{label} ({when.day} {month})"


def clock_of_iso(iso: str) -> str:
    """``HH:MM`` of a WIB date-time string."""
    return iso[11:16]


def leg_label(leg: str, lang: str) -> str:
    """A leg's name for people: ``PPS → TPS``."""
    return LEG_LABELS[lang].get(leg, leg)


def stop_summary(
    stops: Sequence[schema.EscortStop], names: Mapping[str, str], lang: str
) -> list[str]:
    """A route's stops as ``08:12 muat Gudang KPU (3)``: runs at one place and action joined."""
    actions = ACTIONS[lang]
    runs: list[list[Any]] = []
    for stop in stops:
        if runs and runs[-1][1:3] == [stop.action, stop.place]:
            runs[-1][3] += 1
        else:
            runs.append([clock_of_iso(stop.start), stop.action, stop.place, 1])
    return [
        f"{start} {actions.get(action, action)} {names.get(place, place)}"
        + (f" ({count})" if count > 1 else "")
        for start, action, place, count in runs
    ]


def site_names(section: schema.Logistics) -> dict[str, str]:
    """Each site's name (its id when it has none), by id."""
    return {s.site_id: s.name or s.site_id for s in section.sites}


def logistics_layers(section: schema.Logistics, lang: str = "id") -> dict[str, gpd.GeoDataFrame]:
    """``logistics_routes`` (a line per escort route) and ``logistics_sites`` (storage sites)."""
    return {
        "logistics_routes": _routes(section, lang),
        "logistics_sites": _sites(section, lang),
    }


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")


def _routes(section: schema.Logistics, lang: str) -> gpd.GeoDataFrame:
    names = site_names(section)
    rows = []
    for route in section.routes:
        line = [tuple(c) for c in route.geometry]
        if len(set(line)) < 2:
            continue
        day = day_of(route.start_s)
        rows.append(
            {
                "route_id": route.route_id,
                "leg": route.leg,
                "leg_label": leg_label(route.leg, lang),
                "day": day,
                "day_label": day_name(section.election_date, day, lang),
                "area": route.area,
                "truck_id": route.truck_id,
                "escort_id": route.escort_id,
                "post_id": route.post_id,
                "officers": route.officers,
                "start": clock_of_iso(route.start),
                "end": clock_of_iso(route.end),
                "duration_min": round(route.duration_s / 60),
                "stop_count": len(route.stops),
                "stops": "; ".join(stop_summary(route.stops, names, lang)),
                "geometry": shapely.simplify(shapely.LineString(line), SIMPLIFY_DEG),
            }
        )
    return _frame(rows, ("route_id", "leg", "day", "truck_id", "escort_id", "post_id"))


def _sites(section: schema.Logistics, lang: str) -> gpd.GeoDataFrame:
    shifts: dict[str, list[schema.StorageGuard]] = defaultdict(list)
    for shift in section.guards:
        shifts[shift.site_id].append(shift)
    names = site_names(section)
    at: dict[tuple[float, float], list[str]] = defaultdict(list)
    for site in section.sites:
        at[site.lon, site.lat].append(names[site.site_id])
    rows = []
    for site in section.sites:
        mine = sorted(shifts.get(site.site_id, []), key=lambda g: g.start_s)
        days = sorted({day_of(g.start_s) for g in mine})
        others = [n for n in at[site.lon, site.lat] if n != names[site.site_id]]
        shared = f"{SAME_POINT[lang]}: {', '.join(others)}" if others else ""
        rows.append(
            {
                "site_id": site.site_id,
                "kind": site.kind,
                "kind_label": SITE_LABELS[lang].get(site.kind, site.kind),
                "name": site.name,
                "kecamatan": site.kecamatan,
                "kelurahan": site.kelurahan,
                "approximate": site.approximate,
                "address": site.address,
                "notes": "; ".join(n for n in (site.notes, shared) if n),
                "guard_days": ", ".join(day_name(section.election_date, d, lang) for d in days),
                "guard_shifts": len(mine),
                "guard_officers": max((g.officers for g in mine), default=0),
                "guard_post": mine[0].post_id if mine else "",
                "geometry": shapely.Point(site.lon, site.lat),
            }
        )
    return _frame(rows, ("site_id", "kind", "name", "approximate"))
