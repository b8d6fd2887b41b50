"""Plan exports: rosters (CSV, XLSX), GIS layers (GeoPackage, GeoJSON), maps and summary.json."""

from __future__ import annotations

import csv
import errno
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pyogrio
import pyogrio.errors
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner import __version__
from planner._atomic import atomic_path, write_json, write_text
from planner.inputs.scenario import Scenario
from planner.outputs.layers import (
    PlanView,
    key_figures,
    officer_names,
    plan_layers,
    reason,
    refuse_inputs,
)
from planner.outputs.logistics_layers import (
    SITE_LABELS,
    clock_of_iso,
    day_name,
    day_of,
    leg_label,
    site_names,
    stop_summary,
)
from planner.outputs.map_text import text
from planner.outputs.maps import write_map
from planner.outputs.reproducible import gdal_dated, generation_time, save_workbook
from planner.plan import schema
from planner.roads.sources import Boundaries

SUMMARY_FORMAT = "tps-planner/summary"
OUTPUT_FILES = {
    "map": "map.html",
    "map_public": "publik/map_public.html",
    "roster_csv": "duty_roster.csv",
    "roster_xlsx": "duty_roster.xlsx",
    "layers_gpkg": "layers.gpkg",
    "summary": "summary.json",
}
"""The files :func:`write_outputs` writes by kind (besides ``layers/<layer>.geojson``); only
the ``publik`` folder may be shared outside the police (no names, NRP, phones or strengths)."""
ESCORT_ROSTER_FILE = "escort_roster.csv"
"""Written besides them when the plan has logistics."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text starting so is a formula to spreadsheets: kept as text (formula injection)."""

ROSTER_COLUMNS = (
    "polsek",
    "kecamatan",
    "group_id",
    "anchor",
    "tps_count",
    "tps",
    "officers",
    "officer_names",
    "nrp",
    "phones",
    "officers_from",
    "linmas",
    "patrol",
    "notes",
)
"""Roster columns, one row per guard group (and one per TPS left uncovered)."""

HEADERS: dict[str, dict[str, str]] = {
    "id": {
        "polsek": "Polsek",
        "kecamatan": "Kecamatan",
        "group_id": "Kelompok",
        "anchor": "Pos jaga (TPS)",
        "tps_count": "Jml TPS",
        "tps": "Daftar TPS",
        "officers": "Personel",
        "officer_names": "Nama personel",
        "nrp": "NRP",
        "phones": "Telepon",
        "officers_from": "Asal personel",
        "linmas": "Linmas",
        "patrol": "Patroli: tiba (WIB), kendaraan, TPS, giliran",
        "notes": "Catatan",
        "roster": "Daftar pengamanan TPS",
        "uncovered": "TIDAK TERJAGA",
        "page": "Halaman",
    },
    "en": {
        "polsek": "Polsek",
        "kecamatan": "Kecamatan",
        "group_id": "Group",
        "anchor": "Officers posted at (TPS)",
        "tps_count": "TPS",
        "tps": "TPS list",
        "officers": "Officers",
        "officer_names": "Officer names",
        "nrp": "NRP",
        "phones": "Phone",
        "officers_from": "Officers from",
        "linmas": "Linmas",
        "patrol": "Patrol: arrival (WIB), vehicle, TPS, shift",
        "notes": "Notes",
        "roster": "TPS security roster",
        "uncovered": "NOT COVERED",
        "page": "Page",
    },
}

COLUMN_WIDTHS = {
    "group_id": 17,
    "anchor": 24,
    "tps_count": 7,
    "tps": 46,
    "officers": 9,
    "officer_names": 34,
    "nrp": 20,
    "phones": 26,
    "officers_from": 20,
    "linmas": 8,
    "patrol": 44,
    "notes": 28,
}
"""XLSX column widths in characters; ``polsek`` and ``kecamatan`` are the sheet itself."""


ESCORT_COLUMNS = (
    "polsek",
    "date",
    "duty",
    "task",
    "time",
    "truck",
    "escort_unit",
    "officers",
    "stops",
    "notes",
)
"""Escort sheet columns: one row per escort route, storage site and day, and day's tally."""

ESCORT_HEADERS: dict[str, dict[str, str]] = {
    "id": {
        "polsek": "Polsek",
        "date": "Hari",
        "duty": "Tugas",
        "task": "Rincian",
        "time": "Jam (WIB)",
        "truck": "Truk",
        "escort_unit": "Satuan kawal",
        "officers": "Personel",
        "stops": "Singgahan (WIB)",
        "notes": "Catatan",
        "roster": "Daftar kawal logistik dan jaga gudang",
        "sheet": "Kawal",
        "escort": "Kawal logistik",
        "guard": "Jaga",
        "tally": "Rekap personel",
        "parts": "kawal {escort}, jaga {storage}, TPS {voting}, patroli {patrol}",
        "per_shift": "personel per giliran",
        "available": "tersedia",
        "short": "KURANG",
        "approximate": "lokasi perkiraan",
    },
    "en": {
        "polsek": "Polsek",
        "date": "Day",
        "duty": "Duty",
        "task": "Task",
        "time": "Time (WIB)",
        "truck": "Truck",
        "escort_unit": "Escort unit",
        "officers": "Officers",
        "stops": "Stops (WIB)",
        "notes": "Notes",
        "roster": "Logistics escort and storage guard roster",
        "sheet": "Escort",
        "escort": "Logistics escort",
        "guard": "Guard",
        "tally": "Personnel tally",
        "parts": "escort {escort}, guard {storage}, TPS {voting}, patrol {patrol}",
        "per_shift": "officers per shift",
        "available": "available",
        "short": "SHORT",
        "approximate": "approximate location",
    },
}

ESCORT_WIDTHS = {
    "date": 13,
    "duty": 15,
    "task": 28,
    "time": 22,
    "truck": 18,
    "escort_unit": 24,
    "officers": 9,
    "stops": 60,
    "notes": 24,
}
"""Escort sheet column widths in characters; ``polsek`` is the sheet itself."""


def headers(lang: str) -> dict[str, str]:
    """The roster's column headers and titles in a language."""
    text(lang)  # rejects an unknown language
    return HEADERS[lang]


def roster_rows(scenario: Scenario, plan: schema.Plan, lang: str = "id") -> list[dict[str, Any]]:
    """The roster: one row per guard group, then one per uncovered TPS, by kecamatan."""
    view = PlanView.of(scenario, plan)
    h, t = headers(lang), text(lang)
    rows: list[dict[str, Any]] = []
    for group in plan.groups:
        pairs = view.pairs.get(group.group_id, [])
        people = [o for pair in pairs for o in pair.officers]
        visits = sorted(
            (v.stop.arrival, v.vehicle_id, tps_id, t["shift_" + v.shift])
            for tps_id in group.members
            for v in view.visits.get(tps_id, [])
        )
        rows.append(
            {
                "polsek": view.polsek(group.kecamatan),
                "kecamatan": group.kecamatan,
                "group_id": group.group_id,
                "anchor": group.anchor,
                "tps_count": len(group.members),
                "tps": ", ".join(group.members),
                "officers": group.officers,
                "officer_names": officer_names(pairs, lang),
                "nrp": "; ".join(o.nrp for o in people),
                "phones": "; ".join(o.phone for o in people),
                "officers_from": ", ".join(
                    f"{view.post_name.get(p, p)} {n}" for p, n in group.officers_from.items()
                ),
                "linmas": group.linmas,
                "patrol": "; ".join(f"{a} {v} ({tps}, {shift})" for a, v, tps, shift in visits),
                "notes": "",
            }
        )
    for gap in plan.uncovered:
        rows.append(
            {
                **dict.fromkeys(ROSTER_COLUMNS, ""),
                "polsek": view.polsek(gap.kecamatan),
                "kecamatan": gap.kecamatan,
                "group_id": h["uncovered"],
                "tps_count": 1,
                "tps": gap.tps_id,
                "officers": 0,
                "linmas": 0,
                "notes": reason(gap, lang),
            }
        )
    rows.sort(key=lambda r: (r["kecamatan"], r["group_id"] == h["uncovered"]))
    return rows


def escort_rows(scenario: Scenario, plan: schema.Plan, lang: str = "id") -> list[dict[str, Any]]:
    """The escort sheet: per post and day its escort routes, storage guards and tally."""
    section = plan.logistics
    if section is None:
        return []
    h = ESCORT_HEADERS[lang]
    view = PlanView.of(scenario, plan)
    date = section.election_date
    sites = {s.site_id: s for s in section.sites}
    names = site_names(section)
    rows: list[tuple[tuple[str, int, int, str], dict[str, Any]]] = []

    def add(post: str, day: int, order: int, when: str, **values: Any) -> None:
        row = {**dict.fromkeys(ESCORT_COLUMNS, ""), **values}
        row["polsek"] = view.post_name.get(post, post)
        row["date"] = day_name(date, day, lang)
        rows.append(((row["polsek"], day, order, when), row))

    for route in section.routes:
        add(
            route.post_id,
            day_of(route.start_s),
            0,
            route.start,
            duty=h["escort"],
            task=leg_label(route.leg, lang),
            time=f"{clock_of_iso(route.start)}–{clock_of_iso(route.end)}",
            truck=route.truck_id,
            escort_unit=route.escort_id,
            officers=route.officers,
            stops="; ".join(stop_summary(route.stops, names, lang)),
        )
    shifts: dict[tuple[str, str, int], list[schema.StorageGuard]] = {}
    for shift in section.guards:
        shifts.setdefault((shift.post_id, shift.site_id, day_of(shift.start_s)), []).append(shift)
    for (post, site_id, day), found in shifts.items():
        site = sites.get(site_id)
        kind = SITE_LABELS[lang].get(site.kind, "") if site else ""
        add(
            post,
            day,
            1,
            found[0].start,
            duty=f"{h['guard']} {kind}".strip(),
            task=names.get(site_id, site_id),
            time=", ".join(f"{clock_of_iso(g.start)}–{clock_of_iso(g.end)}" for g in found),
            officers=sum(g.officers for g in found),
            notes=f"{found[0].officers} {h['per_shift']}"
            + (f"; {h['approximate']}" if site and site.approximate else ""),
        )
    for tally in section.personnel:
        short = f"; {h['short']} {tally.shortfall}" if tally.shortfall else ""
        parts = h["parts"].format(**asdict(tally))
        add(
            tally.post_id,
            tally.day,
            2,
            "",
            duty=h["tally"],
            officers=tally.total,
            notes=f"{parts}; {h['available']} {tally.available}{short}",
        )
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


def write_roster_csv(
    path: str | Path,
    rows: list[dict[str, Any]],
    lang: str = "id",
    columns: tuple[str, ...] = ROSTER_COLUMNS,
    titles: Mapping[str, str] | None = None,
) -> Path:
    """A roster as one CSV (UTF-8 with BOM so spreadsheets read it), atomically."""
    h = headers(lang) if titles is None else titles
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([h[c] for c in columns])
        writer.writerows([_as_text(row[c]) for c in columns] for row in rows)
    return Path(path)


def _as_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula (a leading ``'`` when needed)."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _xlsx_text(value: Any) -> Any:
    """A workbook cell value: text exact but for the control characters a workbook cannot
    hold (ESC and the other C0 ones but tab, newline and CR), shown escaped as ``\\x1b``."""
    if not isinstance(value, str):
        return value
    return ILLEGAL_CHARACTERS_RE.sub(lambda match: ascii(match[0])[1:-1], value)


def write_roster_xlsx(
    path: str | Path,
    rows: list[dict[str, Any]],
    scenario_name: str,
    generated: datetime,
    lang: str = "id",
    escorts: list[dict[str, Any]] | None = None,
) -> Path:
    """The roster as XLSX, one print-ready sheet per Polsek (landscape A4, fit to width).

    ``escorts`` (:func:`escort_rows`) add an escort sheet per post after them.
    """
    h = headers(lang)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    stamp = f"{generated.strftime('%Y-%m-%d %H:%M')} WIB · tps-planner {__version__}"
    for polsek, polsek_rows in _by_polsek(rows).items():
        sheet = workbook.create_sheet(_sheet_title(polsek, used))
        title = f"{h['roster']} · {polsek} · {scenario_name} · {stamp}"
        _fill_sheet(sheet, title, polsek_rows, h, COLUMN_WIDTHS)
    e = ESCORT_HEADERS[lang]
    for polsek, polsek_rows in _by_polsek(escorts or []).items():
        sheet = workbook.create_sheet(_sheet_title(f"{e['sheet']} {polsek}", used))
        title = f"{e['roster']} · {polsek} · {scenario_name} · {stamp}"
        _fill_sheet(sheet, title, polsek_rows, {**h, **e}, ESCORT_WIDTHS)
    with atomic_path(path) as tmp:
        save_workbook(workbook, tmp, generated)
    return Path(path)


def _by_polsek(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_polsek: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_polsek.setdefault(row["polsek"], []).append(row)
    return by_polsek


def _sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet title (at most 31 characters, none of ``[]:*?/\\``, no ``'``
    at either end)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", _xlsx_text(name)).strip(" '")[:28].strip(" '")
    base = base or "Polsek"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        title = f"{base} {n}"
    used.add(title.lower())
    return title


def _fill_sheet(
    sheet: Worksheet,
    title: str,
    rows: list[dict[str, Any]],
    h: Mapping[str, str],
    widths: Mapping[str, int],
) -> None:
    """Title row, bold header row repeated on every printed page, wrapped data rows."""
    columns = list(widths)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet.append([_xlsx_text(title)])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet.append([h[c] for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = border
    for row in rows:
        sheet.append([_xlsx_text(row[c]) for c in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = border
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[column]
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.oddFooter.center.text = f"{h['page']} &P / &N"


def gis_layers(
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    lang: str = "id",
) -> dict[str, gpd.GeoDataFrame]:
    """The plan's layers for GIS, leaving out layers without features."""
    layers = plan_layers(scenario, plan, boundaries, lang)
    return {name: frame for name, frame in layers.items() if len(frame)}


def write_geopackage(
    path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], generated: datetime
) -> Path:
    """All layers in one GeoPackage (a table per layer) dated ``generated``, atomically."""
    with atomic_path(path) as tmp:
        staging = tmp.with_name(f"{tmp.stem}.gpkg")  # GDAL wants the .gpkg extension
        try:
            with gdal_dated(generated):
                for name, frame in layers.items():
                    _write_layer(frame, staging, name)
            os.replace(staging, tmp)
        finally:
            staging.unlink(missing_ok=True)
    return Path(path)


def _write_layer(frame: gpd.GeoDataFrame, path: Path, name: str) -> None:
    """One GeoPackage table; GDAL failing where there is no room for it is a full disk's OSError.

    GDAL says only that the write failed; with less free space than twice the table's size
    in memory (its geometries as WKB), the disk is taken to be full.
    """
    try:
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        needed = 2 * int(frame.to_wkb().memory_usage(deep=True).sum())
        if shutil.disk_usage(path.parent).free >= needed:
            raise
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from None


def write_geojson_layers(
    folder: str | Path, layers: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, Path]:
    """One GeoJSON file (EPSG:4326) per layer, each written atomically."""
    files = {}
    for name, frame in layers.items():
        files[name] = Path(folder) / f"{name}.geojson"
        write_text(files[name], frame.to_json(drop_id=True, ensure_ascii=False) + "\n")
    return files


def summary_document(scenario: Scenario, plan: schema.Plan, generated: datetime) -> dict[str, Any]:
    """``summary.json``: the plan's key figures, when and by which version they were made."""
    return {
        "format": SUMMARY_FORMAT,
        "version": __version__,
        "plan_version": plan.version,
        "seed": plan.seed,
        "scenario": scenario.name,
        "generated": generated.isoformat(timespec="seconds"),
        **key_figures(scenario, plan),
    }


def write_outputs(
    out_dir: str | Path,
    scenario: Scenario,
    plan: schema.Plan,
    boundaries: Boundaries | None = None,
    lang: str = "id",
    roads: nx.MultiDiGraph | None = None,
    generated: datetime | None = None,
) -> dict[str, Path]:
    """Write maps (internal, public), rosters, GIS layers and the summary into ``out_dir``.

    Files: ``map.html``, ``publik/map_public.html``, ``duty_roster.csv``, ``duty_roster.xlsx``
    (``roster.csv`` is the named-officer input beside a scenario), with logistics
    ``escort_roster.csv`` (its sheets are in ``duty_roster.xlsx`` too), ``layers.gpkg``,
    ``layers/<layer>.geojson`` and ``summary.json``; returned by kind: ``map``,
    ``map_public``, ``roster_csv``, ``roster_xlsx``, ``escort_csv``, ``layers_gpkg``,
    ``summary`` and ``geojson_<layer>``. ``generated`` is the time they say they were made
    (default :func:`~planner.outputs.reproducible.generation_time`). Refuses
    (:class:`InputError`, nothing written) when an output would overwrite an input file.
    """
    out = Path(out_dir)
    layers = gis_layers(scenario, plan, boundaries, lang)
    files = {
        **{kind: out / name for kind, name in OUTPUT_FILES.items()},
        **({"escort_csv": out / ESCORT_ROSTER_FILE} if plan.logistics is not None else {}),
        **{f"geojson_{name}": out / "layers" / f"{name}.geojson" for name in layers},
    }
    refuse_inputs(files.values(), scenario)
    generated = generated or generation_time()
    for kind, edition in (("map", "internal"), ("map_public", "public")):
        write_map(files[kind], scenario, plan, boundaries, edition, lang, generated, roads)
    rows = roster_rows(scenario, plan, lang)
    escorts = escort_rows(scenario, plan, lang)
    write_roster_csv(files["roster_csv"], rows, lang)
    if "escort_csv" in files:
        titles = ESCORT_HEADERS[lang]
        write_roster_csv(files["escort_csv"], escorts, lang, ESCORT_COLUMNS, titles)
    write_roster_xlsx(files["roster_xlsx"], rows, scenario.name, generated, lang, escorts)
    write_geopackage(files["layers_gpkg"], layers, generated)
    write_geojson_layers(out / "layers", layers)
    write_json(files["summary"], summary_document(scenario, plan, generated))
    return files
