"""Rosters, GIS layers, summary and maps written by ``planner.outputs.exports`` (no browser)."""

from __future__ import annotations

import csv
import dataclasses
import errno
import json
import math
import re
import shutil
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pyogrio
import pyogrio.errors
import pytest
import shapely
from openpyxl import load_workbook

from planner.errors import InputError
from planner.inputs.rules import load_rules
from planner.inputs.scenario import Scenario
from planner.outputs.exports import (
    ROSTER_COLUMNS,
    headers,
    roster_rows,
    write_geopackage,
    write_outputs,
    write_roster_csv,
    write_roster_xlsx,
)
from planner.outputs.layers import public_plan
from planner.outputs.maps import build_map, write_map
from planner.outputs.reproducible import SOURCE_DATE_EPOCH, generation_time
from planner.plan import schema
from planner.plan.shapes import from_json, to_json
from planner.progress import WIB
from planner.roads.sources import Boundaries
from planner.validate.structure import check_structure
from tests.pages import page_data

XSS_SCRIPT = "<script>window.__xss=1;alert(1)</script>"
XSS_IMG = '"><img src=x onerror="window.__xss=1;alert(1)">'
XSS_ID = "<img src=x onerror=window.__xss=1>"
KECAMATAN = {
    "Blimbing": (-7.940, 112.655),
    "Klojen": (-7.978, 112.630),
    "Kedungkandang": (-8.000, 112.665),
    "Sukun": (-8.000, 112.610),
    "Lowokwaru": (-7.945, 112.612),
}


@dataclasses.dataclass(frozen=True)
class Case:
    """A synthetic scenario with its plan, boundaries and the personnel it names."""

    scenario: Scenario
    plan: schema.Plan
    boundaries: Boundaries
    names: tuple[str, ...]
    nrps: tuple[str, ...]
    phones: tuple[str, ...]


def _clock(seconds: float) -> str:
    """WIB clock time of seconds after midnight."""
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Rough metres between two (lon, lat) points near Kota Malang."""
    return math.hypot((a[0] - b[0]) * 110_300, (a[1] - b[1]) * 110_574)


def synthetic_case(folder: Path, n_tps: int = 300, seed: int = 7) -> Case:
    """A Kota-Malang-like scenario of ``n_tps`` TPS and a full plan: groups, reserve,
    patrols and named officer pairs; a few names and ids carry script-injection payloads."""
    rng = np.random.default_rng(seed)
    rows = []
    names = list(KECAMATAN)
    for i in range(n_tps):
        kecamatan = names[i % len(names)]
        lat0, lon0 = KECAMATAN[kecamatan]
        number = i // len(names) + 1
        kelurahan = f"Kel {kecamatan[:3]} {number % 9 + 1}"
        risk = (
            "khusus"
            if i == 7
            else "sangat_rawan"
            if i % 61 == 5
            else "rawan"
            if i % 23 == 4
            else "kurang_rawan"
        )
        lat, lon = lat0 + rng.normal(0, 0.011), lon0 + rng.normal(0, 0.011)
        rows.append(
            {
                "tps_id": f"{kecamatan.upper()}-{kelurahan.split()[-1]}-{number:03d}",
                "tps_number": number,
                "kelurahan": kelurahan,
                "kecamatan": kecamatan,
                "latitude": lat,
                "longitude": lon,
                "voters": int(rng.integers(150, 600)),
                "risk": risk,
                "name": f"TPS {number:03d}",
                "address": f"Jl. Contoh {number}",
                "notes": "",
                "source_row": i + 2,
                "geometry": shapely.Point(lon, lat),
            }
        )
    rows[0]["name"] = XSS_SCRIPT
    rows[1]["name"] = XSS_IMG
    rows[2]["tps_id"] = XSS_ID
    rows[3]["kelurahan"] = XSS_IMG
    rows[4]["notes"] = XSS_SCRIPT
    tps = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    posts = _posts()
    sources = {"tps": str(folder / "tps.csv"), "posts": str(folder / "posts.csv")}
    scenario = Scenario("Uji <b>sintetis</b>", load_rules(), tps, posts, sources)
    plan, personnel = _plan(tps, posts, rng)
    return Case(scenario, plan, _boundaries(), *personnel)


def _posts() -> gpd.GeoDataFrame:
    """Polresta and one Polsek per kecamatan; Klojen's name carries a payload."""
    rows = [("polresta", "Polresta Malang Kota", "polresta", "Klojen", -7.9783, 112.6345)]
    rows += [
        (f"polsek_{k.lower()}", f"Polsek {k}", "polsek", k, lat + 0.003, lon - 0.003)
        for k, (lat, lon) in KECAMATAN.items()
    ]
    frame = gpd.GeoDataFrame(
        {
            "post_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "kecamatan": [r[3] for r in rows],
            "latitude": [r[4] for r in rows],
            "longitude": [r[5] for r in rows],
            "polri": [180, 80, 55, 85, 75, 82],
            "tni": [0] * 6,
            "cars": [10, 3, 2, 3, 3, 3],
            "motorbikes": [30, 12, 8, 12, 12, 12],
            "approximate": [True, True, False, True, True, True],
            "address": ["Jl. Jaksa Agung Suprapto", "", "", "", "", ""],
            "notes": [""] * 6,
            "source_row": list(range(2, 8)),
        },
        geometry=[shapely.Point(r[5], r[4]) for r in rows],
        crs="EPSG:4326",
    )
    frame.loc[frame["post_id"] == "polsek_klojen", "name"] = f"Polsek Klojen {XSS_SCRIPT}"
    return frame


def _boundaries() -> Boundaries:
    """Square kecamatan around each centre, each split into two kelurahan."""
    kecamatan, kelurahan = [], []
    for name, (lat, lon) in KECAMATAN.items():
        box = shapely.box(lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02)
        kecamatan.append({"kecamatan": name, "geometry": box})
        halves = (shapely.box(lon - 0.02, lat - 0.02, lon, lat + 0.02), box)
        for half, part in enumerate((halves[0], halves[1].difference(halves[0]))):
            kelurahan.append({"kelurahan": f"{name} {half}", "kecamatan": name, "geometry": part})
    return Boundaries(
        kelurahan=gpd.GeoDataFrame(kelurahan, crs="EPSG:4326"),
        kecamatan=gpd.GeoDataFrame(kecamatan, crs="EPSG:4326"),
    )


def _plan(
    tps: gpd.GeoDataFrame, posts: gpd.GeoDataFrame, rng: np.random.Generator
) -> tuple[schema.Plan, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """A plan document in the ``plan.json`` format, with patrols and officer pairs."""
    where = {
        t: (x, y) for t, x, y in zip(tps["tps_id"], tps["longitude"], tps["latitude"], strict=True)
    }
    polsek = {r.kecamatan: r.post_id for r in posts.itertuples() if r.kind == "polsek"}
    uncovered = [tps["tps_id"].iloc[3]]
    groups = []
    for kecamatan, frame in tps.groupby("kecamatan", sort=True):
        frame = frame[~frame["tps_id"].isin(uncovered)]
        frame = frame.assign(cell=(frame["latitude"] * 60).round()).sort_values(
            ["cell", "longitude"]
        )
        low = list(frame.loc[frame["risk"] == "kurang_rawan", "tps_id"])
        chunks = [low[i : i + 8] for i in range(0, len(low), 8)]
        chunks += [[t] for t in frame.loc[frame["risk"] != "kurang_rawan", "tps_id"]]
        for n, members in enumerate(chunks, start=1):
            groups.append(
                {
                    "group_id": f"{kecamatan.upper()}-K{n:03d}",
                    "kecamatan": kecamatan,
                    "anchor": members[0],
                    "members": members,
                    "officers": 2,
                    "officers_from": {polsek[kecamatan]: 2},
                    "linmas": 2 * len(members),
                    "max_travel_s": 120.0,
                }
            )
    names, nrps, phones, pairs = [], [], [], []
    for g, group in enumerate(groups):
        officers = []
        for k in range(2):
            name = f"Petugas{g:04d}x{k} Wibowo"
            if g == 0 and k == 0:
                name = XSS_IMG
            nrp, phone = f"86{g:04d}{k}17", f"0812{g:05d}{k}93"
            names.append(name)
            nrps.append(nrp)
            phones.append(phone)
            officers.append(
                {"nrp": nrp, "name": name, "rank": "Bripka", "unit": "Sabhara", "phone": phone}
            )
        pairs.append({"group_id": group["group_id"], "pair_no": 1, "officers": officers})
    staging = [
        {
            "point_id": "polresta",
            "kind": "post",
            "lon": 112.6345,
            "lat": -7.9783,
            "approximate": True,
        },
        {
            "point_id": "simpul-1",
            "kind": "junction",
            "lon": 112.655,
            "lat": -7.94,
            "approximate": False,
        },
        {
            "point_id": "simpul-2",
            "kind": "junction",
            "lon": 112.62,
            "lat": -8.0,
            "approximate": False,
        },
    ]
    tps_staging, response = {}, {}
    for t, xy in where.items():
        best = min(staging, key=lambda s: _metres(xy, (s["lon"], s["lat"])))
        tps_staging[t] = best["point_id"]
        response[t] = round(_metres(xy, (best["lon"], best["lat"])) / 8.0 + 60, 1)
    routes, dropped = [], []
    for post in posts.itertuples():
        if post.kind != "polsek":
            continue
        ids = list(tps.loc[tps["kecamatan"] == post.kecamatan, "tps_id"])
        for v, (kind, shift, begin) in enumerate(
            (("motorbike", "voting", 6 * 3600), ("car", "counting", 13 * 3600))
        ):
            chosen = sorted(
                rng.choice(ids, size=min(12, len(ids)), replace=False),
                key=lambda t: math.atan2(where[t][1] - post.latitude, where[t][0] - post.longitude),
            )
            clock = float(begin)
            stops, line = [], [(post.longitude, post.latitude)]
            for t in chosen:
                a, b = line[-1], where[t]
                line += [(b[0], a[1]), b]  # an L-shaped "road" leg
                clock += 900
                stops.append(
                    {
                        "tps_id": t,
                        "visit": 1,
                        "arrival": _clock(clock),
                        "start": _clock(clock),
                        "departure": _clock(clock + 600),
                        "arrival_s": clock,
                        "start_s": clock,
                        "departure_s": clock + 600,
                    }
                )
                clock += 600
            line += [(post.longitude, line[-1][1]), (post.longitude, post.latitude)]
            routes.append(
                {
                    "shift": shift,
                    "vehicle_id": f"{post.post_id}-{kind}-{v + 1}",
                    "post_id": post.post_id,
                    "vehicle_type": kind,
                    "start": _clock(begin),
                    "end": _clock(clock + 900),
                    "start_s": begin,
                    "end_s": int(clock + 900),
                    "duration_s": int(clock + 900 - begin),
                    "stops": stops,
                    "geometry": [[round(x, 6), round(y, 6)] for x, y in line],
                }
            )
        dropped.append(
            {
                "shift": "voting",
                "tps_id": ids[-1],
                "visit": 2,
                "kecamatan": post.kecamatan,
                "reason_id": "waktu patroli habis",
                "reason_en": "patrol time ran out",
            }
        )
    covered = sum(len(g["members"]) for g in groups)
    plan = {
        "format": "tps-planner/plan",
        "format_version": 1,
        "version": "test",
        "seed": 7,
        "scenario": {
            "name": "Uji",
            "sources": {},
            "network": {"source": "synthetic", "nodes": 0, "edges": 0},
            "rules": {},
        },
        "groups": groups,
        "uncovered": [
            {
                "tps_id": t,
                "kecamatan": tps.loc[tps["tps_id"] == t, "kecamatan"].iloc[0],
                "reason_id": "personel tidak cukup",
                "reason_en": "not enough officers",
            }
            for t in uncovered
        ],
        "borrowings": [],
        "reserve": {
            "model": "lscp",
            "response_limit_s": 600.0,
            "staging": staging,
            "tps_staging": tps_staging,
            "tps_response_s": response,
            "beyond_limit": [t for t, s in response.items() if s > 600],
            "solver": {"status": "optimal", "objective": 3, "best_bound": 3, "gap": 0.0},
        },
        "kpis": {
            "tps": len(tps),
            "tps_covered": covered,
            "officers": 2 * len(groups),
            "officers_lower_bound": 2 * len(groups),
            "officer_gap": 0.0,
            "baseline_officers": 2 * covered,
            "linmas": 2 * covered,
            "per_polsek": {},
            "worst_reserve_response_s": max(response.values()),
        },
        "solver": [],
        "patrols": {
            "routes": routes,
            "dropped": dropped,
            "kpis": {
                "required_visits": 100,
                "performed_visits": 95,
                "coverage": 0.95,
                "vehicles_used": len(routes),
                "shifts": {},
            },
            "solver": {},
        },
        "officer_pairs": pairs,
    }
    assert check_structure(plan) == []
    return from_json(plan), (tuple(names), tuple(nrps), tuple(phones))


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A 300-TPS synthetic case."""
    return synthetic_case(tmp_path_factory.mktemp("case"))


@pytest.fixture(scope="module")
def outputs(case: Case, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every output of :func:`write_outputs` for the synthetic case."""
    return write_outputs(tmp_path_factory.mktemp("out"), case.scenario, case.plan, case.boundaries)


def test_write_outputs_writes_every_file_without_leftovers(outputs: dict[str, Path]) -> None:
    out = outputs["map"].parent
    expected = {"map.html", "publik", "duty_roster.csv", "duty_roster.xlsx"}
    assert expected | {"layers.gpkg", "summary.json", "layers"} == {p.name for p in out.iterdir()}
    assert [p.name for p in (out / "publik").iterdir()] == ["map_public.html"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in outputs.values())
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_roster_csv_columns_and_rows(case: Case, outputs: dict[str, Path]) -> None:
    with outputs["roster_csv"].open(encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    assert table[0] == [headers("id")[c] for c in ROSTER_COLUMNS]
    assert len(table) - 1 == len(case.plan.groups) + len(case.plan.uncovered)
    by_group = {row[2]: dict(zip(ROSTER_COLUMNS, row, strict=True)) for row in table[1:]}
    group = case.plan.groups[0]
    row = by_group[group.group_id]
    assert row["tps"].split(", ") == group.members
    assert row["officers"] == "2" and row["linmas"] == str(group.linmas)
    assert case.names[1] in row["officer_names"] and case.nrps[1] in row["nrp"]
    assert by_group[headers("id")["uncovered"]]["notes"] == "personel tidak cukup"
    assert any(r[12] for r in table[1:]), "patrol visits missing from the roster"
    patrol = "; ".join(r[12] for r in table[1:])
    assert "pemungutan suara)" in patrol and "penghitungan suara)" in patrol  # both shifts


def test_roster_xlsx_sheet_per_polsek_ready_to_print(outputs: dict[str, Path]) -> None:
    workbook = load_workbook(outputs["roster_xlsx"])
    assert len(workbook.sheetnames) == 5
    assert "Polsek Blimbing" in workbook.sheetnames
    for sheet in workbook.worksheets:
        assert "WIB" in sheet["A1"].value and sheet["A1"].font.bold
        assert sheet["A2"].value == headers("id")["group_id"] and sheet["A2"].font.bold
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.page_setup.orientation == "landscape"
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.column_dimensions["D"].width > 20
        assert sheet.max_row > 3
    klojen = next(s for s in workbook.worksheets if s.title.startswith("Polsek Klojen"))
    assert "<script>" in klojen["A1"].value  # the name is kept as text, never interpreted


def test_geopackage_and_geojson_layers_open_in_gis(case: Case, outputs: dict[str, Path]) -> None:
    listed = dict(pyogrio.list_layers(outputs["layers_gpkg"]))
    assert listed == {
        "kecamatan": "Polygon",
        "kelurahan": "Polygon",
        "tps": "Point",
        "group_lines": "LineString",
        "patrol_routes": "LineString",
        "patrol_stops": "Point",
        "reserve": "Point",
        "posts": "Point",
    }
    assert case.plan.patrols is not None
    visits = sum(len(r.stops) for r in case.plan.patrols.routes)
    expected = {
        "tps": len(case.scenario.tps),
        "reserve": 3,
        "posts": 6,
        "patrol_routes": 10,
        "patrol_stops": visits,
        "kecamatan": 5,
    }
    for name, count in expected.items():
        frame = gpd.read_file(outputs["layers_gpkg"], layer=name)
        assert len(frame) == count, name
        assert frame.crs.to_epsg() == 4326 and frame.is_valid.all()
        assert all(
            frame[c].dtype.kind in "biufOT" or str(frame[c].dtype) in ("str", "string")
            for c in frame.columns
            if c != "geometry"
        ), name
        from_json = gpd.read_file(outputs[f"geojson_{name}"])
        assert len(from_json) == count and from_json.crs.to_epsg() == 4326
    tps = gpd.read_file(outputs["layers_gpkg"], layer="tps")
    assert set(tps["covered"]) == {True, False}
    assert XSS_ID in set(tps["tps_id"])
    raw = outputs["layers_gpkg"].read_bytes()
    assert not [n for n in case.nrps if n.encode() in raw], "GIS layers must carry no NRP"


def test_summary_key_figures(case: Case, outputs: dict[str, Path]) -> None:
    summary = json.loads(outputs["summary"].read_text(encoding="utf-8"))
    assert summary["format"] == "tps-planner/summary"
    assert summary["generated"].endswith("+07:00")
    assert summary["tps"] == len(case.scenario.tps)
    assert summary["tps_covered"] == summary["tps"] - 1 and summary["tps_uncovered"] == 1
    assert summary["officers"] == 2 * len(case.plan.groups)
    assert set(summary["per_polsek"]) == set(KECAMATAN)
    assert summary["per_polsek"]["Sukun"]["polsek"] == "Polsek Sukun"
    assert set(summary["reserve"]) == {
        "staging_points",
        "response_limit_min",
        "worst_response_min",
        "beyond_limit",
    }
    assert summary["patrols"]["routes"] == 10 and summary["patrols"]["dropped_visits"] == 5
    assert 0 < summary["patrols"]["tps_visited_share"] < 1
    assert summary["patrols"]["visit_coverage"] == 0.95


def test_public_edition_holds_no_personnel(case: Case, outputs: dict[str, Path]) -> None:
    internal = outputs["map"].read_bytes()
    public = outputs["map_public"].read_bytes()
    people = [*case.names, *case.nrps, *case.phones]
    assert case.names[1].encode() in internal, "the internal edition names the officers"
    leaked = [p for p in people if p.encode() in public or html_escaped(p).encode() in public]
    assert not leaked
    public_document = json.dumps(to_json(public_plan(case.plan)), ensure_ascii=False)
    assert not [p for p in people if p in public_document]
    assert case.plan.officer_pairs  # the plan itself is not changed


def html_escaped(value: str) -> str:
    """``value`` as it would appear JSON-escaped for a script."""
    return value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def test_map_holds_input_strings_as_data_only(case: Case, tmp_path: Path) -> None:
    page = write_map(tmp_path / "m.html", case.scenario, case.plan, case.boundaries).read_text()
    for payload in (XSS_SCRIPT, XSS_IMG, XSS_ID, "<b>sintetis</b>"):
        assert payload not in page
    data = page_data(page)
    assert data["panel"]["scenario"] == "Uji <b>sintetis</b>"
    assert [data["tps"][k][n] for k, n in (("name", 0), ("name", 1), ("id", 2))] == [
        XSS_SCRIPT,
        XSS_IMG,
        XSS_ID,
    ]
    assert f"Polsek Klojen {XSS_SCRIPT}" in data["polsek"].values()
    assert len(re.findall(r"<script\b", page)) == 5  # Leaflet, tpsmap, the data, folium's two


def test_english_edition(case: Case) -> None:
    data = page_data(build_map(case.scenario, case.plan, lang="en").html)
    assert data["t"]["title"] == "TPS Security Plan" and data["lang"] == "en"
    assert data["panel"]["sections"][0]["title"] == "Key figures"
    assert "Rencana Pengamanan" not in json.dumps(data, ensure_ascii=False)
    with pytest.raises(ValueError, match="edition"):
        build_map(case.scenario, case.plan, edition="secret")  # type: ignore[arg-type]


def test_map_without_boundaries_or_patrols(case: Case, tmp_path: Path) -> None:
    plan = dataclasses.replace(case.plan, patrols=None, officer_pairs=None)
    files = write_outputs(tmp_path, case.scenario, plan)
    assert not any(k.startswith(("geojson_patrol", "geojson_ke")) for k in files)
    data = page_data(files["map"].read_text())
    assert "patrols" not in data and "kecamatan" not in data and data["roads"] is None
    figures = dict(map(tuple, data["panel"]["sections"][0]["rows"]))
    assert figures["Cakupan patroli"] == "belum direncanakan"


def test_rosters_never_hold_formulas(case: Case, tmp_path: Path) -> None:
    gap = dataclasses.replace(case.plan.uncovered[0], reason_id="=1+1")
    plan = dataclasses.replace(case.plan, uncovered=[gap])
    rows = roster_rows(case.scenario, plan)
    with write_roster_csv(tmp_path / "r.csv", rows).open(encoding="utf-8-sig") as stream:
        assert "'=1+1" in stream.read()
    generated = datetime(2024, 11, 27, 7, 0, tzinfo=WIB)
    workbook = load_workbook(write_roster_xlsx(tmp_path / "r.xlsx", rows, "uji", generated))
    cells = [c for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    formula = [c for c in cells if c.value == "=1+1"]
    assert len(formula) == 1 and formula[0].data_type == "s"


def test_refuses_to_overwrite_an_input(case: Case, tmp_path: Path) -> None:
    source = tmp_path / "duty_roster.csv"
    source.write_text("no_tps,kelurahan\n1,Kauman\n")
    scenario = dataclasses.replace(case.scenario, sources={"tps": str(source), "posts": "p.csv"})
    with pytest.raises(InputError) as error:
        write_outputs(tmp_path, scenario, case.plan)
    assert "duty_roster.csv" in str(error.value.problems[0].file)
    assert source.read_text() == "no_tps,kelurahan\n1,Kauman\n"
    assert [p.name for p in tmp_path.iterdir()] == ["duty_roster.csv"]
    with pytest.raises(InputError):
        write_map(source, scenario, case.plan)


# --- the same inputs and generation time give the same bytes ----------------------------------


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its path there."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_one_generation_time_dates_every_file_and_gives_the_same_bytes(
    case: Case, tmp_path: Path
) -> None:
    generated = datetime(2024, 11, 27, 7, 0, tzinfo=WIB)
    for name in ("satu", "dua"):
        write_outputs(
            tmp_path / name, case.scenario, case.plan, case.boundaries, generated=generated
        )
    first = folder_bytes(tmp_path / "satu")
    assert first == folder_bytes(tmp_path / "dua") and "layers.gpkg" in first
    with zipfile.ZipFile(tmp_path / "satu" / "duty_roster.xlsx") as workbook:
        assert {info.date_time for info in workbook.infolist()} == {(2024, 11, 27, 7, 0, 0)}
    properties = load_workbook(tmp_path / "satu" / "duty_roster.xlsx").properties
    assert properties.created == properties.modified == datetime(2024, 11, 27, 0, 0)
    with sqlite3.connect(tmp_path / "satu" / "layers.gpkg") as gpkg:
        changes = {row[0] for row in gpkg.execute("SELECT last_change FROM gpkg_contents")}
    assert changes == {"2024-11-27T00:00:00.000Z"}
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None, "GDAL's clock restored"
    summary = json.loads((tmp_path / "satu" / "summary.json").read_text(encoding="utf-8"))
    assert summary["generated"] == "2024-11-27T07:00:00+07:00"
    assert "Dibuat 2024-11-27 07:00 WIB" in first["map.html"].decode()


def test_source_date_epoch_fixes_the_generation_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SOURCE_DATE_EPOCH, "1732665600")
    assert generation_time() == datetime(2024, 11, 27, 7, 0, tzinfo=WIB)
    assert generation_time().utcoffset().total_seconds() == 7 * 3600
    for wrong in ("kemarin", "1732665600.5", "-1", "9" * 30):
        monkeypatch.setenv(SOURCE_DATE_EPOCH, wrong)
        with pytest.raises(InputError) as error:
            generation_time()
        assert error.value.problems[0].file == SOURCE_DATE_EPOCH, wrong
        assert "detik sejak 1970" in str(error.value) and "seconds since 1970" in str(error.value)
    monkeypatch.delenv(SOURCE_DATE_EPOCH)
    assert abs((generation_time() - datetime.now(WIB)).total_seconds()) < 60


def test_a_geopackage_gdal_cannot_finish_on_a_full_disk_is_a_full_disk_error(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_args: object, **_kwargs: object) -> None:
        raise pyogrio.errors.DataSourceError("Failed to commit transaction")

    layers = {"posts": gpd.GeoDataFrame(geometry=[shapely.Point(112.63, -7.98)], crs=4326)}
    generated = datetime(2024, 11, 27, 7, 0, tzinfo=WIB)
    monkeypatch.setattr(pyogrio, "write_dataframe", failing)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: SimpleNamespace(free=0))
    with pytest.raises(OSError) as error:
        write_geopackage(tmp_path / "layers.gpkg", layers, generated)
    assert error.value.errno == errno.ENOSPC and error.value.filename.startswith(str(tmp_path))
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: SimpleNamespace(free=1 << 40))
    with pytest.raises(pyogrio.errors.DataSourceError):
        write_geopackage(tmp_path / "layers.gpkg", layers, generated)
    assert list(tmp_path.iterdir()) == []
