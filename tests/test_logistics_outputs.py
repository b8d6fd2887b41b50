"""Logistics in the outputs: escort roster (CSV, XLSX sheets), map layers per leg and day, GIS."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import pyogrio
import pytest
from openpyxl import load_workbook

from planner.outputs.exports import ESCORT_COLUMNS, ESCORT_HEADERS, escort_rows, write_outputs
from planner.outputs.logistics_layers import day_name, logistics_layers, stop_summary
from planner.outputs.maps import build_map
from planner.plan import schema
from planner.plan.shapes import from_json
from tests.city import node_point, town_plan
from tests.pages import page_data
from tests.test_exports import XSS_IMG, html_escaped

SITE_NAME = f"PPS Satu {XSS_IMG}"


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The town's plan with a PPS named by a sites table that carries an injection payload."""
    folder = tmp_path_factory.mktemp("outputs")
    lat, lon = node_point(14)
    sites = folder / "sites.csv"
    with sites.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["kind", "name", "kecamatan", "kelurahan", "latitude", "longitude"])
        writer.writerow(["pps", SITE_NAME, "Alpha", "Satu", lat, lon])
    scenario, _, document = town_plan(folder, sites_file=sites)
    plan = from_json(document)
    return scenario, plan, write_outputs(folder / "out", scenario, plan)


def test_escort_roster_lists_routes_guards_and_tallies_per_post(town: tuple) -> None:
    scenario, plan, files = town
    section = plan.logistics
    with files["escort_csv"].open(encoding="utf-8-sig", newline="") as stream:
        table = list(csv.reader(stream))
    h = ESCORT_HEADERS["id"]
    assert table[0] == [h[c] for c in ESCORT_COLUMNS]
    duties = [row[2] for row in table[1:]]
    assert duties.count(h["escort"]) == len(section.routes)
    assert duties.count(h["tally"]) == len(section.personnel)
    days = {(g.site_id, g.start_s // 86_400) for g in section.guards}
    assert sum(d.startswith(h["guard"]) for d in duties) == len(days)
    assert any(SITE_NAME in row[8] for row in table[1:]), "the PPS' name is in the stops"
    assert escort_rows(scenario, plan) == escort_rows(scenario, plan, "id")
    assert any(day_name(section.election_date, -1, "id") == row[1] for row in table[1:])
    voting_day = [p for p in section.personnel if p.day == 0 and p.patrol]
    tallies = {row[-1] for row in table[1:] if row[2] == h["tally"]}
    for p in voting_day:
        parts = f"kawal {p.escort}, jaga {p.storage}, TPS {p.voting}"
        assert f"{parts}, patroli {p.patrol}; tersedia {p.available}" in tallies


def test_duty_roster_workbook_gains_an_escort_sheet_per_post(town: tuple) -> None:
    _, plan, files = town
    workbook = load_workbook(files["roster_xlsx"])
    escort = [s for s in workbook.worksheets if s.title.startswith("Kawal ")]
    posts = {r.post_id for r in plan.logistics.routes}
    assert {s.title for s in escort} == {f"Kawal {p}" for p in posts}
    for sheet in escort:
        assert sheet["A2"].value == "Hari" and sheet.print_title_rows == "$2:$2"
        assert "Daftar kawal logistik" in sheet["A1"].value


def test_map_has_a_layer_per_leg_and_day_and_holds_site_names_as_data(town: tuple) -> None:
    scenario, plan, files = town
    page = files["map"].read_text(encoding="utf-8")
    data = page_data(page)
    routes = logistics_layers(plan.logistics)["logistics_routes"]
    expected = sorted(set(zip(routes["leg_label"], routes["day_label"], strict=True)))
    assert sorted((layer["leg"], layer["day"]) for layer in data["logistics"]["layers"]) == expected
    assert sum(len(layer["routes"]) for layer in data["logistics"]["layers"]) == len(routes)
    assert SITE_NAME in {site["name"] for site in data["logistics"]["sites"]}
    assert XSS_IMG not in page and html_escaped(XSS_IMG) not in page  # quotes stay escaped too
    schedule = next(s for s in data["panel"]["sections"] if s["title"].startswith("Jadwal"))
    assert any("PPS → TPS" in legs for _, legs in schedule["rows"])
    public = page_data(files["map_public"].read_text(encoding="utf-8"))
    assert public["logistics"]["layers"] == []  # routes and times stay internal
    assert all("guard_shifts" not in site for site in public["logistics"]["sites"])
    english = page_data(build_map(scenario, plan, lang="en").html)
    assert english["logistics"]["layers"][0]["leg"] == "KPU warehouse → PPK"


def test_gis_layers_and_summary_hold_the_logistics(town: tuple) -> None:
    _, plan, files = town
    listed = dict(pyogrio.list_layers(files["layers_gpkg"]))
    assert listed["logistics_routes"] == "LineString" and listed["logistics_sites"] == "Point"
    summary = json.loads(files["summary"].read_text(encoding="utf-8"))
    assert summary["logistics"]["routes"] == len(plan.logistics.routes)
    assert summary["logistics"]["undelivered"] == 0


def test_stop_summary_joins_runs_at_one_place() -> None:
    def stop(start: str, action: str, place: str) -> schema.EscortStop:
        return schema.EscortStop(
            consignment_id="c",
            action=action,
            place=place,
            arrival=start,
            arrival_s=0,
            start=start,
            start_s=0,
            departure=start,
            departure_s=0,
            load_after=0,
        )

    stops = [
        stop("2024-11-26T07:10+07:00", "load", "pps_a"),
        stop("2024-11-26T07:16+07:00", "load", "pps_a"),
        stop("2024-11-26T07:40+07:00", "unload", "T-1"),
    ]
    assert stop_summary(stops, {"pps_a": "PPS A"}, "id") == [
        "07:10 muat PPS A (2)",
        "07:40 bongkar T-1",
    ]
    assert stop_summary(stops, {}, "en")[1] == "07:40 unload T-1"


def test_outputs_of_a_plan_without_logistics_have_no_escort_roster(
    town: tuple, tmp_path: Path
) -> None:
    scenario, plan, _ = town
    files = write_outputs(tmp_path, scenario, dataclasses.replace(plan, logistics=None))
    assert "escort_csv" not in files and not (tmp_path / "escort_roster.csv").exists()
    assert not any(s.title.startswith("Kawal") for s in load_workbook(files["roster_xlsx"]))


def test_sites_sharing_a_point_say_so_on_the_map_and_layers(town: tuple) -> None:
    _, plan, _ = town
    first, second, third, *rest = plan.logistics.sites
    second = dataclasses.replace(second, lon=first.lon, lat=first.lat)
    section = dataclasses.replace(plan.logistics, sites=[first, second, third, *rest])
    layer = logistics_layers(section)["logistics_sites"].set_index("site_id")
    assert f"satu titik dengan: {first.name}" in layer.loc[second.site_id, "notes"]
    assert f"satu titik dengan: {second.name}" in layer.loc[first.site_id, "notes"]
    assert "titik" not in layer.loc[third.site_id, "notes"]
