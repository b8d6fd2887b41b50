"""The validator on the logistics section: the solver's plan passes, each corruption is caught."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from planner.inputs.scenario import Scenario
from planner.inputs.sites import load_sites
from planner.validate import validate_plan
from planner.validate.violations import CODES
from tests.city import node_point, town_plan

Town = tuple[Scenario, Any, dict[str, Any]]


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The logistics town, its graph and the full plan document with a logistics section."""
    scenario, roads, document = town_plan(tmp_path_factory.mktemp("validate"))
    return scenario, roads.graph, document


def corrupt(town: Town, change: Callable[[dict[str, Any]], None]) -> set[str]:
    """Codes the validator finds after ``change`` edits a copy of the plan's logistics."""
    scenario, graph, plan = town
    edited = copy.deepcopy(plan)
    change(edited["logistics"])
    found = validate_plan(scenario, graph, edited)
    assert all(v.code in CODES for v in found)
    return {v.code for v in found}


def route(section: dict[str, Any], leg: str, reloads: bool = False) -> dict[str, Any]:
    """The first route of a leg (that goes back for a second load, with ``reloads``)."""
    for found in section["routes"]:
        actions = [s["action"] for s in found["stops"]]
        if found["leg"] == leg and (not reloads or "load" in actions[actions.index("unload") :]):
            return found
    raise AssertionError(f"no such route of {leg}")


def test_solver_plan_passes_and_exercises_every_leg(town: Town) -> None:
    scenario, graph, plan = town
    assert validate_plan(scenario, graph, plan) == []
    section = plan["logistics"]
    assert {r["leg"] for r in section["routes"]} == {leg["leg"] for leg in section["legs"]}
    assert section["kpis"]["undelivered"] == 0 and section["guards"]
    voting = [p for p in section["personnel"] if p["day"] == 0]
    assert sum(p["voting"] for p in voting) == sum(g["officers"] for g in plan["groups"])
    assert section["routes"][0]["start"].endswith("+07:00")


def test_a_tps_missing_from_a_leg(town: Town) -> None:
    def change(section: dict) -> None:
        item = next(c for c in section["consignments"] if c["leg"] == "ppk_pps")
        item["tps"].pop()

    assert {"logistics_tps_missing", "logistics_load_mismatch"} <= corrupt(town, change)


def test_goods_sent_to_another_kelurahan(town: Town) -> None:
    def change(section: dict) -> None:
        items = [c for c in section["consignments"] if c["leg"] == "ppk_pps"]
        other = next(c for c in items if c["destination"] != items[0]["destination"])
        items[0]["destination"] = other["destination"]

    assert "logistics_wrong_place" in corrupt(town, change)


def test_capacity_exceeded_when_the_second_load_comes_before_unloading(town: Town) -> None:
    def change(section: dict) -> None:
        stops = route(section, "pps_tps", reloads=True)["stops"]
        actions = [s["action"] for s in stops]
        second = actions.index("load", actions.index("unload"))
        stops.insert(actions.index("unload"), stops.pop(second))

    assert "logistics_over_capacity" in corrupt(town, change)


def test_stop_outside_its_window(town: Town) -> None:
    def change(section: dict) -> None:
        stop = route(section, "pps_tps")["stops"][-1]
        for key in ("arrival_s", "start_s", "departure_s"):
            stop[key] += 86_400

    found = corrupt(town, change)
    assert "logistics_outside_window" in found


def test_truck_without_escort(town: Town) -> None:
    def change(section: dict) -> None:
        route(section, "tps_pps")["officers"] = 0

    assert "logistics_escort_missing" in corrupt(town, change)


def test_route_ending_away_from_its_post(town: Town) -> None:
    def change(section: dict) -> None:
        found = route(section, "ppk_pps")
        found["geometry"].append([found["geometry"][-1][0] + 0.004, found["geometry"][-1][1]])

    assert corrupt(town, change) == {"logistics_not_at_post"}


def test_escort_from_another_polsek(town: Town) -> None:
    def change(section: dict) -> None:
        found = next(r for r in section["routes"] if r["post_id"] == "polsek_a")
        found["post_id"] = "polsek_b"

    assert {"logistics_wrong_escort_post", "logistics_not_at_post"} <= corrupt(town, change)


def test_arrival_faster_than_the_roads(town: Town) -> None:
    def change(section: dict) -> None:
        stops = route(section, "pps_tps")["stops"]
        moving = next(s for a, s in itertools.pairwise(stops) if a["place"] != s["place"])
        for key in ("arrival_s", "start_s", "departure_s"):
            moving[key] -= 600

    assert "logistics_arrival_too_early" in corrupt(town, change)


def test_goods_loaded_before_they_arrive(town: Town) -> None:
    def change(section: dict) -> None:
        load = next(s for s in route(section, "pps_tps")["stops"] if s["action"] == "load")
        upstream = next(
            s
            for r in section["routes"]
            if r["leg"] == "ppk_pps"
            for s in r["stops"]
            if s["action"] == "unload" and s["place"] == load["place"]
        )
        upstream["departure_s"] = load["start_s"] + 60

    assert "logistics_loaded_before_arrival" in corrupt(town, change)


def test_a_route_that_is_not_driven(town: Town) -> None:
    def change(section: dict) -> None:
        section["routes"].remove(route(section, "warehouse_ppk"))

    found = corrupt(town, change)
    assert "logistics_consignment_missing" in found and "kpi_mismatch" in found


def test_undelivered_goods_are_a_violation(town: Town) -> None:
    def change(section: dict) -> None:
        dropped = route(section, "ppk_warehouse")
        section["routes"].remove(dropped)
        section["undelivered"] += [
            {"consignment_id": s["consignment_id"], "leg": "ppk_warehouse"}
            | {"kecamatan": "", "origin": s["place"], "reason_id": "x", "reason_en": "x"}
            for s in dropped["stops"]
            if s["action"] == "load"
        ]

    assert "logistics_undelivered" in corrupt(town, change)


def test_escort_unit_on_two_routes_at_once(town: Town) -> None:
    def change(section: dict) -> None:
        first, second = [r for r in section["routes"] if r["leg"] == "pps_tps"][:2]
        second["escort_id"] = first["escort_id"]

    plan = town[2]
    routes = [r for r in plan["logistics"]["routes"] if r["leg"] == "pps_tps"]
    assert len(routes) >= 2 and routes[0]["start_s"] < routes[1]["end_s"]
    assert "logistics_double_booked" in corrupt(town, change)


def test_storage_shift_without_guards(town: Town) -> None:
    def change(section: dict) -> None:
        section["guards"].pop(len(section["guards"]) // 2)

    found = corrupt(town, change)
    assert {"logistics_guard_missing", "logistics_personnel_mismatch", "kpi_mismatch"} <= found


def test_personnel_tally_must_add_up(town: Town) -> None:
    def change(section: dict) -> None:
        section["personnel"][0]["escort"] += 2

    assert corrupt(town, change) == {"logistics_personnel_mismatch"}


def test_malformed_logistics_is_named_not_a_traceback(town: Town) -> None:
    def change(section: dict) -> None:
        section["routes"][0]["stops"][0]["start_s"] = "08:00"

    assert corrupt(town, change) == {"plan_malformed"}


def test_a_default_site_on_another_sites_point(town: Town) -> None:
    def change(section: dict) -> None:
        warehouse, ppk = section["sites"][0], section["sites"][1]
        assert ppk["source"] == "tps" and ppk["kind"] == "ppk"
        ppk["lon"], ppk["lat"] = warehouse["lon"], warehouse["lat"]

    assert "logistics_site_shared" in corrupt(town, change)


def test_a_site_away_from_the_sites_table(town: Town, tmp_path: Path) -> None:
    scenario, graph, plan = town
    lat, lon = node_point(14)
    table = tmp_path / "sites.csv"
    table.write_text(f"kind,kecamatan,kelurahan,latitude,longitude\npps,Alpha,Satu,{lat},{lon}\n")
    listed = replace(scenario, sites=load_sites(table, scenario.rules).frame)
    assert {v.code for v in validate_plan(listed, graph, plan)} == {"logistics_site_moved"}


def test_personnel_tally_counts_patrol_crews(town: Town) -> None:
    scenario, graph, plan = town
    crews = {}
    vehicles = {(v["post_id"], v["vehicle_id"]) for v in plan["patrols"]["routes"]}
    assert len(vehicles) < len(plan["patrols"]["routes"]), "vehicles drive both shifts"
    for post, _ in vehicles:  # one crew of 2 per vehicle for the day
        crews[post] = crews.get(post, 0) + 2
    assert crews, "the town's posts patrol"
    voting_day = {p["post_id"]: p for p in plan["logistics"]["personnel"] if p["day"] == 0}
    for post, crew in crews.items():
        row = voting_day[post]
        assert row["patrol"] == crew
        assert row["total"] == row["escort"] + row["storage"] + row["voting"] + crew

    def change(section: dict) -> None:
        next(p for p in section["personnel"] if p["patrol"])["patrol"] -= 2

    assert corrupt(town, change) == {"logistics_personnel_mismatch"}
    patrol = replace(scenario.rules.patrol, crew={"car": 3, "motorbike": 1})
    other = replace(scenario, rules=replace(scenario.rules, patrol=patrol))
    found = {v.code for v in validate_plan(other, graph, plan)}
    assert "logistics_personnel_mismatch" in found


def test_fleet_report_must_match_the_routes(town: Town) -> None:
    _, _, plan = town
    assert plan["logistics"]["kpis"]["trucks"] == sum(
        f["trucks"] for f in plan["logistics"]["fleet"]
    )

    def change(section: dict) -> None:
        section["fleet"][0]["trucks"] += 1

    assert corrupt(town, change) == {"kpi_mismatch"}
