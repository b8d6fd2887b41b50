"""Logistics escorts and storage guards on the grid town: flow, capacity, windows, guards, tally."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import shapely

from planner.demo.run import run_demo
from planner.errors import InputError
from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS
from planner.inputs.scenario import Scenario
from planner.inputs.sites import load_sites, site_id
from planner.plan.logistics import logistics_section
from planner.roads.placement import RoadContext
from planner.roads.sources import load_boundaries
from planner.solve.logistics import (
    NO_ESCORT,
    NO_ROUTE,
    TOO_BIG,
    UPSTREAM,
    LogisticsPlan,
    consignments,
    plan_logistics,
)
from planner.solve.logistics_sites import logistics_sites
from planner.solve.storage import DAY_S, stays
from tests.city import DEPOTS, TOWN_TPS, logistics_town, node_point

Town = tuple[Scenario, RoadContext, LogisticsPlan]


def planned_town(
    folder: Path, overrides: dict | None = None, tps: dict | None = None, workers: int = 1
) -> Town:
    """The town's logistics plan (deterministic)."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario, roads = logistics_town(folder, overrides, tps)
    sites = logistics_sites(scenario, roads.graph)
    return scenario, roads, plan_logistics(scenario, roads, sites, workers=workers)


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The town planned with the test fleets."""
    return planned_town(tmp_path_factory.mktemp("logistics"))


def test_sites_are_one_warehouse_a_ppk_per_kecamatan_and_a_pps_per_kelurahan(town: Town) -> None:
    _, _, plan = town
    kinds = defaultdict(list)
    for site in plan.sites:
        kinds[site.kind].append(site)
    assert len(kinds["warehouse"]) == 1 and kinds["warehouse"][0].source == "rules"
    assert {s.kecamatan for s in kinds["ppk"]} == {"Alpha", "Beta"}
    assert {(s.kecamatan, s.kelurahan) for s in kinds["pps"]} == set(TOWN_TPS)
    assert all(s.approximate for s in plan.sites)
    assert all(s.source == "tps" for s in kinds["ppk"] + kinds["pps"])


def test_every_tps_gets_its_goods_and_sends_them_back_on_every_leg(town: Town) -> None:
    scenario, _, plan = town
    assert plan.undelivered == ()
    delivered = {s.consignment_id for r in plan.routes for s in r.stops if s.action == "unload"}
    assert delivered == {c.consignment_id for c in plan.consignments}
    for leg in LEGS:
        carried = [t for c in plan.consignments if c.leg == leg for t in c.tps]
        assert sorted(carried) == sorted(scenario.tps["tps_id"]), leg
    load = scenario.rules.logistics.tps_load
    assert all(c.load == load * len(c.tps) for c in plan.consignments)


def test_routes_leave_from_and_return_to_their_escort_post_inside_a_window(town: Town) -> None:
    scenario, roads, plan = town
    points = roads.post_points
    posts = dict(zip(points.ids, zip(points.lon, points.lat, strict=True), strict=True))
    logistics = scenario.rules.logistics
    for route in plan.routes:
        home = tuple(round(float(v), 6) for v in posts[route.post_id])
        assert route.geometry[0] == home and route.geometry[-1] == home
        city = "warehouse" in LEG_ENDS[route.leg]
        assert DEPOTS[route.post_id][0] == ("polresta" if city else "polsek")
        if not city:
            assert all(c.startswith(route.leg) for c in (s.consignment_id for s in route.stops))
            assert route.area == DEPOTS[route.post_id][1]
        a, b = logistics.legs[route.leg][route.window]
        assert a <= route.start_s < route.end_s <= b
        assert route.end_s - route.start_s <= logistics.escort_max_hours * 3600
        assert route.officers == logistics.escort_officers
        times = [t for s in route.stops for t in (s.arrival_s, s.start_s, s.departure_s)]
        assert times == sorted(times) and route.start_s <= times[0] and times[-1] <= route.end_s


def test_trucks_never_carry_more_than_they_hold_and_reload(town: Town) -> None:
    _, _, plan = town
    reloads = 0
    for route in plan.routes:
        on_board = 0
        for stop, after in itertools.pairwise([None, *route.stops]):
            item = next(c for c in plan.consignments if c.consignment_id == after.consignment_id)
            on_board += item.load if after.action == "load" else -item.load
            assert after.load_after == on_board
            assert 0 <= on_board <= route.capacity
            reloads += stop is not None and stop.action == "unload" and after.action == "load"
    assert reloads > 0, "no truck goes back for a second load"


def test_goods_move_on_only_after_they_have_arrived(town: Town) -> None:
    _, _, plan = town
    arrived: dict[tuple[str, str, str], int] = {}
    loaded: list[tuple[str, str, str, int]] = []
    for route in plan.routes:
        for stop in route.stops:
            for tps in stop.tps:
                if stop.action == "unload":
                    arrived[route.leg, stop.place, tps] = stop.departure_s
                else:
                    loaded.append((route.leg, stop.place, tps, stop.start_s))
    before = {b: a for flow in FLOWS for a, b in itertools.pairwise(flow)}
    checked = 0
    for leg, place, tps, start in loaded:
        if leg in before:
            assert start >= arrived[before[leg], place, tps]
            checked += 1
    assert checked > 0


def test_storage_sites_are_guarded_every_shift_goods_are_there(town: Town) -> None:
    scenario, _, plan = town
    guard = scenario.rules.logistics.guards
    length = guard.shift_hours * 3600
    shifts = defaultdict(list)
    for shift in plan.guards:
        assert shift.end_s - shift.start_s == length
        assert shift.officers == guard.officers[site_kind(plan, shift.site_id)]
        shifts[shift.site_id].append((shift.start_s, shift.end_s))
    held = stays(scenario.rules, plan.sites, plan.routes, plan.undelivered)
    assert set(held) == {s.site_id for s in plan.sites}
    for site, intervals in held.items():
        for a, b in intervals:
            covered = sorted(s for s in shifts[site] if s[0] < b and s[1] > a)
            assert covered[0][0] <= a and covered[-1][1] >= b
            assert all(x[1] == y[0] for x, y in itertools.pairwise(covered))
    pps = next(s.site_id for s in plan.sites if s.kind == "pps")
    ((a, _), (c, _)) = held[pps]
    assert a < -DAY_S < 0 < c, "a PPS holds goods before voting day and after counting"


def site_kind(plan: LogisticsPlan, site: str) -> str:
    """The kind of a site of the plan."""
    return next(s.kind for s in plan.sites if s.site_id == site)


def test_personnel_tally_counts_escorts_guards_and_voting_day_groups(tmp_path: Path) -> None:
    scenario, roads = logistics_town(tmp_path)
    sites = logistics_sites(scenario, roads.graph)
    groups = SimpleNamespace(groups=[SimpleNamespace(officers_from={"polsek_a": 4, "polresta": 2})])
    plan = plan_logistics(scenario, roads, sites, assignment=groups, workers=1)  # type: ignore[arg-type]
    tally = {(p.post_id, p.day): p for p in plan.personnel}
    assert tally["polsek_a", 0].voting == 4 and tally["polresta", 0].voting == 2
    for (post, day), row in tally.items():
        escorts = {
            r.escort_id
            for r in plan.routes
            if r.post_id == post and r.start_s // DAY_S <= day <= (r.end_s - 1) // DAY_S
        }
        assert row.escort == 2 * len(escorts)
        guards = [g for g in plan.guards if g.post_id == post and g.start_s // DAY_S == day]
        assert row.storage == sum(g.officers for g in guards)
        assert row.available == 20
        assert row.total == row.escort + row.storage + row.voting
        assert row.shortfall == max(0, row.total - 20)


def test_same_inputs_give_the_same_plan_with_any_number_of_workers(
    tmp_path: Path, town: Town
) -> None:
    _, _, plan = town
    again = planned_town(tmp_path, workers=2)[2]
    assert again.routes == plan.routes and again.guards == plan.guards


def test_goods_no_one_can_carry_are_reported_with_reasons(tmp_path: Path) -> None:
    tps = {**TOWN_TPS, ("Gamma", "Empat"): (5,)}  # Gamma has no Polsek
    overrides = {"logistics": {"legs": {"ppk_pps": [["H-3 08:00", "H-3 08:30"]]}}}
    scenario, _, plan = planned_town(tmp_path, overrides, tps)
    reasons = defaultdict(set)
    for item in plan.undelivered:
        reasons[item.kecamatan, item.leg].add((item.reason_id, item.reason_en))
    local = [leg for leg in LEGS if "warehouse" not in LEG_ENDS[leg]]
    assert all(reasons["Gamma", leg] == {NO_ESCORT} for leg in local)
    assert NO_ROUTE in reasons["Alpha", "ppk_pps"]  # half an hour is not enough
    assert ("Gamma", "warehouse_ppk") not in reasons  # the Polresta escorts city legs
    delivered = {s.consignment_id for r in plan.routes for s in r.stops if s.action == "unload"}
    lost = {u.consignment_id for u in plan.undelivered}
    assert delivered | lost == {c.consignment_id for c in plan.consignments}
    assert not delivered & lost
    (tmp_path / "small").mkdir()
    too_small = {"logistics": {"local": {"truck_capacity": 5}}}
    scenario, _, plan = planned_town(tmp_path / "small", too_small)
    assert {u.leg for u in plan.undelivered} == set(LEGS) - {"warehouse_ppk"}
    upstream = {u.consignment_id for u in plan.undelivered if u.leg == "ppk_warehouse"}
    assert {u.reason_en for u in plan.undelivered if u.leg == "ppk_warehouse"} == {UPSTREAM[1]}
    assert upstream == {c.consignment_id for c in plan.consignments if c.leg == "ppk_warehouse"}
    local = {"ppk_pps", "pps_tps", "tps_pps", "pps_ppk"}
    too_big = {u.consignment_id for u in plan.undelivered if u.reason_en == TOO_BIG[1]}
    assert too_big == {c.consignment_id for c in plan.consignments if c.leg in local}
    assert len(consignments(scenario, plan.sites)["pps_tps"]) == len(scenario.tps)


def test_sites_table_overrides_defaults_and_reports_every_bad_row(tmp_path: Path) -> None:
    lat, lon = node_point(14)
    good = tmp_path / "sites.csv"
    good.write_text(
        "jenis,nama,kecamatan,kelurahan,lintang,bujur\n"
        f"PPS,Kantor Kelurahan Satu,Alpha,Satu,{lat},{lon}\n"
        f"pps,Balai Lima,Beta,Lima,{lat},{lon}\n"
    )
    scenario, roads = logistics_town(tmp_path, sites_file=good)
    sites = logistics_sites(scenario, roads.graph)
    satu = next(s for s in sites if s.site_id == site_id("pps", "Alpha", "Satu"))
    assert (satu.name, satu.source, satu.approximate) == ("Kantor Kelurahan Satu", "table", False)
    assert (satu.latitude, satu.longitude) == (lat, lon)
    warnings = [w for w in scenario.warnings if w.code == "unused_site"]
    assert len(warnings) == 1 and warnings[0].row == 3 and warnings[0].file == str(good)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "jenis,nama,kecamatan,kelurahan,lintang,bujur\n"
        f"pos,Satu,Alpha,Satu,{lat},{lon}\n"
        f"pps,Tanpa kelurahan,Alpha,,{lat},{lon}\n"
        f"ppk,PPK Alpha,Alpha,,{lat},{lon}\n"
        f"ppk,PPK Alpha lagi,Alpha,,{lat},{lon}\n"
        "gudang,Gudang,Alpha,,-7.0,110.0\n"
    )
    with pytest.raises(InputError) as caught:
        load_sites(bad, scenario.rules)
    found = {(p.row, p.code) for p in caught.value.problems}
    assert {(2, "unknown_value"), (3, "blank"), (5, "duplicate_id"), (6, "outside_area")} <= found


@pytest.mark.malang
def test_kota_malang_logistics_reach_every_tps_from_boundary_sites(
    malang_dir: Path, tmp_path: Path
) -> None:
    demo = run_demo(tmp_path, data_dir=malang_dir, tps=120, seed=3, plan=False)
    boundaries = load_boundaries(malang_dir)
    sites = logistics_sites(demo.scenario, demo.roads.graph, boundaries)
    kelurahan = set(
        zip(demo.scenario.tps["kecamatan"], demo.scenario.tps["kelurahan"], strict=True)
    )
    assert sum(s.kind == "pps" for s in sites) == len(kelurahan)
    assert {s.source for s in sites} == {"boundary"} and all(s.approximate for s in sites)
    inside = {(r.kecamatan, r.kelurahan): r.geometry for r in boundaries.kelurahan.itertuples()}
    for site in sites:
        if site.kind == "pps":
            polygon = inside[site.kecamatan, site.kelurahan]
            assert polygon.buffer(1e-9).contains(shapely.Point(site.longitude, site.latitude))
    plan = plan_logistics(demo.scenario, demo.roads, sites, workers=1)
    assert plan.undelivered == ()
    assert {r.leg for r in plan.routes} == set(LEGS)
    assert all(p.shortfall == 0 for p in plan.personnel)


def test_default_sites_never_share_a_junction(tmp_path: Path) -> None:
    scenario, roads = logistics_town(tmp_path)
    logistics = scenario.rules.logistics
    warehouse = replace(logistics.warehouse, latitude=None, longitude=None)  # in Alpha
    rules = replace(scenario.rules, logistics=replace(logistics, warehouse=warehouse))
    sites = logistics_sites(replace(scenario, rules=rules), roads.graph)
    points = [(s.longitude, s.latitude) for s in sites]
    assert len(set(points)) == len(points)
    nodes = {(float(d["x"]), float(d["y"])): n for n, d in roads.graph.nodes(data=True)}
    assert all(p in nodes for p in points)
    first, ppk = sites[0], next(s for s in sites if s.site_id == "ppk_alpha")
    assert first.source == ppk.source == "tps"  # the same centre: the TPS of Alpha
    alpha = scenario.tps[scenario.tps["kecamatan"] == "Alpha"]
    centre = (alpha["longitude"].mean(), alpha["latitude"].mean())

    def distance(point: tuple[float, float]) -> float:
        return float(np.hypot(point[0] - centre[0], point[1] - centre[1]))

    nearest = sorted(nodes, key=distance)
    assert (first.longitude, first.latitude) == nearest[0]
    assert distance((ppk.longitude, ppk.latitude)) == pytest.approx(distance(nearest[1]))


AUTO = {"trucks": "auto", "escort_units": "auto"}


def fleet_of_plan(town: Town) -> dict[str, int]:
    """Trucks used at once per escort area, as plan.json reports them."""
    scenario, _, plan = town
    return {f.area: f.trucks for f in logistics_section(plan, scenario.rules).fleet}


def test_auto_fleet_is_the_fewest_trucks_that_deliver_everything(tmp_path: Path) -> None:
    short = {"legs": {"pps_tps": [["H-1 07:00", "H-1 08:00"]]}}  # Alpha needs two at once
    auto = planned_town(tmp_path / "auto", {"logistics": {**short, "local": AUTO}})
    assert auto[2].undelivered == () and fleet_of_plan(auto)["Alpha"] == 2
    one = planned_town(tmp_path / "one", {"logistics": {**short, "local": {"trucks": 1}}})
    assert {u.kecamatan for u in one[2].undelivered} == {"Alpha"}
    for leg, area in {(r.leg, r.area) for r in auto[2].routes}:
        for window in {r.window for r in auto[2].routes if (r.leg, r.area) == (leg, area)}:
            mine = [r for r in auto[2].routes if (r.leg, r.area, r.window) == (leg, area, window)]
            numbers = sorted(int(r.truck_id.rsplit("-", 1)[1]) for r in mine)
            assert numbers == list(range(1, len(mine) + 1))  # numbered from 1 each window


def test_auto_fleet_spreads_trips_over_the_windows(tmp_path: Path) -> None:
    windows = [["H+6 08:00", "H+6 09:00"], ["H+7 08:00", "H+7 09:00"]]
    legs = {"legs": {"ppk_warehouse": windows}}
    auto = planned_town(tmp_path / "auto", {"logistics": {**legs, "city": AUTO}})
    given = planned_town(tmp_path / "two", {"logistics": {**legs, "city": {"trucks": 2}}})
    for town in (auto, given):
        assert town[2].undelivered == ()
    assert fleet_of_plan(auto)["kota"] == 1 and fleet_of_plan(given)["kota"] == 2
