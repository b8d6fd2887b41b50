"""The independent plan validator: clean solver plans pass, each broken rule is caught."""

from __future__ import annotations

import ast
import copy
import dataclasses
import itertools
import json
import math
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from planner import cli
from planner.errors import InputError
from planner.inputs.rules import Rules, load_rules
from planner.inputs.scenario import Scenario, load_scenario
from planner.plan.document import plan_document
from planner.plan.files import file_sha256, write_plan
from planner.plan.shapes import to_json
from planner.roads.network import NetworkReport, save_network
from planner.roads.placement import place_on_network
from planner.solve.assignment import AssignmentResult, assign_guards
from planner.solve.patrols import plan_patrols
from planner.solve.personnel import allocate_officers, crewed_posts
from planner.solve.reserve import plan_reserve
from planner.validate import Violation, validate_plan, validate_plan_files
from planner.validate.violations import CODES, parse_line
from tests.city import grid_city

WEST, SOUTH, STEP = 112.600, -7.980, 0.001  # about 110 m between junctions
COLUMNS, ROWS = 9, 5
MIDDLE = WEST + 4 * STEP  # kecamatan Barat west of it, Timur east

RULES = {
    "pattern": {"kurang_rawan": {"max_tps": 4}},
    "assignment": {"max_travel_min": 1.0, "time_limit_s": 5.0},
    "reserve": {"response_limit_min": 1.0, "candidate_road_nodes": 8},
}
SCENARIO_TOML = """[scenario]
name = "kota kecil"

[inputs]
tps = "tps.csv"
posts = "posts.csv"
network = "network.graphml"

[pattern]
kurang_rawan = { officers = 2, max_tps = 4, linmas_per_tps = 2 }

[assignment]
max_travel_min = 1.0
time_limit_s = 5.0

[reserve]
response_limit_min = 1.0
candidate_road_nodes = 8
"""


def small_town(rules: Rules) -> nx.MultiDiGraph:
    """A 9 x 5 two-way grid of Jalan Lokal (about 16 s a block at planning speed)."""
    return grid_city(rules, size=COLUMNS, rows=ROWS, step=STEP, origin=(WEST, SOUTH))


def town_tps() -> list[tuple[str, str, int, float, float, str]]:
    """TPS on the streets: (kecamatan, kelurahan, number, lat, lon, risk), mixed categories."""
    special = {(1, 1): "rawan", (2, 3): "rawan", (6, 2): "rawan", (5, 0): "sangat_rawan"}
    special[7, 4] = "khusus"
    rows = []
    numbers: dict[tuple[str, str], int] = {}
    for i in range(COLUMNS - 1):
        for j in range(ROWS):
            if (i + j) % 2 and (i, j) not in special and (i, j) not in ((0, 0), (3, 4)):
                continue
            lon, lat = WEST + (i + 0.5) * STEP, SOUTH + j * STEP + 0.00003
            kecamatan = "Barat" if lon < MIDDLE else "Timur"
            north = lat > SOUTH + 2 * STEP
            kelurahan = {"Barat": ("Kidul", "Lor"), "Timur": ("Wetan", "Kulon")}[kecamatan][north]
            key = (kecamatan, kelurahan)
            numbers[key] = numbers.get(key, 0) + 1
            rows.append((kecamatan, kelurahan, numbers[key], lat, lon, special.get((i, j), "")))
    return [(k, kel, n, lat, lon, risk or "kurang_rawan") for k, kel, n, lat, lon, risk in rows]


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """tps.csv and posts.csv of the small town: the Polresta in Barat, a small Polsek Timur."""
    tps = folder / "tps.csv"
    lines = ["kecamatan,kelurahan,no_tps,lintang,bujur,dpt,kerawanan"]
    lines += [f"{k},{kel},{n},{lat},{lon},250,{risk}" for k, kel, n, lat, lon, risk in town_tps()]
    tps.write_text("\n".join(lines) + "\n", encoding="utf-8")
    posts = folder / "posts.csv"
    posts.write_text(
        "post_id,name,kind,kecamatan,latitude,longitude,polri\n"
        f"polresta,Polresta,polresta,Barat,{SOUTH + 2 * STEP},{WEST + 1.5 * STEP},40\n"
        f"polsek_timur,Polsek Timur,polsek,Timur,{SOUTH + 2 * STEP},{WEST + 6.5 * STEP},4\n",
        encoding="utf-8",
    )
    return tps, posts


def solve(scenario: Scenario, graph: nx.MultiDiGraph) -> dict[str, Any]:
    """The real solver's plan document."""
    report = NetworkReport(
        "kota kecil", graph.number_of_nodes(), graph.number_of_edges(), 1.0, 1, 45, 0, 0
    )
    roads = place_on_network(scenario, graph, report)
    assignment = assign_guards(scenario, roads, seed=0, workers=1)
    reserve = plan_reserve(scenario, roads)
    return json.loads(
        json.dumps(to_json(plan_document(scenario, roads, assignment, reserve, seed=0)))
    )


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, nx.MultiDiGraph, dict, Path]:
    """The small town scenario, its graph, the solver's plan and the folder of its files."""
    folder = tmp_path_factory.mktemp("town")
    rules = load_rules(RULES)
    graph = small_town(rules)
    tps, posts = write_inputs(folder)
    scenario = load_scenario(tps, posts, rules, "kota kecil")
    plan = solve(scenario, graph)
    write_plan(folder / "plan.json", plan)
    save_network(graph, folder / "network.graphml")
    (folder / "scenario.toml").write_text(SCENARIO_TOML, encoding="utf-8")
    return scenario, graph, plan, folder


def codes(violations: list[Violation]) -> set[str]:
    """The distinct codes of a list of violations."""
    return {v.code for v in violations}


def corrupt(town: tuple, change: Callable[[dict[str, Any], Scenario], None]) -> set[str]:
    """Codes the validator finds after ``change`` edits a copy of the town's plan."""
    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    change(edited, scenario)
    found = validate_plan(scenario, graph, edited)
    assert all(v.code in CODES for v in found)
    return codes(found)


def kecamatan_of(scenario: Scenario) -> dict[str, str]:
    """TPS id -> kecamatan."""
    return dict(zip(scenario.tps["tps_id"], scenario.tps["kecamatan"], strict=True))


def risk_of(scenario: Scenario) -> dict[str, str]:
    """TPS id -> risk category."""
    return dict(zip(scenario.tps["tps_id"], scenario.tps["risk"], strict=True))


def spare_member(plan: dict[str, Any], kecamatan: str) -> tuple[dict, str]:
    """A group of ``kecamatan`` with a member that is not its anchor, and that member."""
    for group in plan["groups"]:
        if group["kecamatan"] == kecamatan and len(group["members"]) > 1:
            return group, next(m for m in group["members"] if m != group["anchor"])
    raise AssertionError(f"no group of {kecamatan} with two members")


# --- clean plans -----------------------------------------------------------------------


def test_town_plan_exercises_the_rules(town: tuple) -> None:
    scenario, _, plan, _ = town
    risks = set(scenario.tps["risk"])
    assert risks == {"kurang_rawan", "rawan", "sangat_rawan", "khusus"}
    assert {g["kecamatan"] for g in plan["groups"]} == {"Barat", "Timur"}
    borrowers = {b["to_kecamatan"] for b in plan["borrowings"]}
    assert borrowers == {"Barat", "Timur"}, "the town is built so that both kecamatan borrow"
    assert any(len(g["members"]) > 1 for g in plan["groups"])


def test_solver_plan_of_the_town_is_valid(town: tuple) -> None:
    scenario, graph, plan, _ = town
    assert validate_plan(scenario, graph, plan) == []


def test_plan_files_of_the_town_are_valid(town: tuple) -> None:
    _, _, _, folder = town
    assert validate_plan_files(folder / "scenario.toml", folder / "plan.json") == []


@pytest.mark.parametrize("model", ["pcenter", "mclp"])
def test_other_reserve_models_are_valid_and_keep_to_the_units(town: tuple, model: str) -> None:
    scenario, graph, _, _ = town
    rules = load_rules({**RULES, "reserve": {**RULES["reserve"], "model": model, "units": 2}})
    other = dataclasses.replace(scenario, rules=rules)
    plan = solve(other, graph)
    assert plan["reserve"]["model"] == model
    assert validate_plan(other, graph, plan) == []
    junction = {"point_id": "extra", "kind": "junction", "lon": WEST, "lat": SOUTH}
    plan["reserve"]["staging"].append(junction | {"approximate": False})
    assert "reserve_too_many_units" in codes(validate_plan(other, graph, plan))


def test_violation_prints_both_languages() -> None:
    text = str(Violation("tps_missing", "TPS hilang", "TPS missing", "X-1"))
    assert "tps_missing" in text and "TPS hilang" in text and "TPS missing" in text
    assert "X-1" in text


def test_validator_shares_no_code_with_the_solver() -> None:
    """No solver, and not the solvers' snapping or shortest paths (it has its own)."""
    folder = Path(__file__).resolve().parents[1] / "planner" / "validate"
    imported: set[str] = set()
    for source in folder.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert len(imported) > 10
    shared = {m for m in imported if m.startswith(("planner.solve", "planner.roads.snap"))}
    assert not shared | ({"planner.roads.routing", "planner.roads.placement"} & imported)


def test_every_named_pair_code_is_a_validator_code() -> None:
    source = Path(__file__).resolve().parents[1] / "planner" / "validate" / "pairs.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    found = {
        n.args[0].value
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == "_line"
        and isinstance(n.args[0], ast.Constant)
    }
    assert found and found <= set(CODES)


@pytest.mark.parametrize(
    "line",
    [
        "[nrp_reused] K-001 pasangan 2: NRP 1 sudah dipakai di K-002 pasangan 1 "
        "(NRP 1 already named in K-002 pasangan 1)",
        "[pair_without_senior] K-001 pasangan 1: tidak ada personel senior; pangkat: BRIGPOL "
        "(no senior officer; ranks: BRIGPOL (x))",
    ],
)
def test_named_pair_lines_read_back_as_violations(line: str) -> None:
    violation = parse_line(line)
    assert violation.code in CODES and str(violation) == line
    assert violation.subject.startswith("K-001 pasangan")


def test_malformed_patrols_are_named_not_a_traceback(town: tuple) -> None:
    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    stop = {"tps_id": "X", "visit": 1, "arrival_s": 0, "start_s": "07:00", "departure_s": 0}
    route = {"shift": "voting", "vehicle_id": "v", "post_id": "polsek_timur", "vehicle_type": "car"}
    route |= {"start_s": 0, "end_s": 0, "stops": [stop], "geometry": [[WEST, SOUTH, 0]]}
    kpis = {"required_visits": 0, "performed_visits": 0, "coverage": 1.0, "vehicles_used": 1}
    edited["patrols"] = {"routes": [route], "dropped": [], "kpis": kpis}
    edited["officer_pairs"] = [{"group_id": "K", "pair_no": 1, "officers": "nobody"}]
    found = validate_plan(scenario, graph, edited)
    assert codes(found) == {"plan_malformed"}
    named = " ".join(v.text_en for v in found)
    for where in ("patrols.routes[0].stops[0].start_s", "geometry[0]", "officer_pairs[0]"):
        assert where in named, named


# --- one broken rule at a time ---------------------------------------------------------


def test_dropped_tps(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group, member = spare_member(plan, "Barat")
        group["members"].remove(member)

    assert "tps_missing" in corrupt(town, change)


def test_tps_in_two_groups(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group, member = spare_member(plan, "Timur")
        other = next(g for g in plan["groups"] if g is not group and g["kecamatan"] == "Timur")
        other["members"].append(member)

    assert "tps_in_several_groups" in corrupt(town, change)


def test_tps_both_in_a_group_and_uncovered(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = plan["groups"][0]
        entry = {"tps_id": group["anchor"], "kecamatan": group["kecamatan"]}
        plan["uncovered"].append(entry | {"reason_id": "kurang", "reason_en": "short"})

    assert "tps_covered_and_uncovered" in corrupt(town, change)


def test_unknown_tps_and_duplicate_group_id(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["groups"][0]["members"].append("BARAT-HANTU-999")
        plan["groups"][1]["group_id"] = plan["groups"][0]["group_id"]

    assert {"unknown_tps", "group_id_duplicate"} <= corrupt(town, change)


def test_kurang_rawan_tps_in_a_rawan_group_is_too_large(town: tuple) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        risk = risk_of(scenario)
        strict = next(g for g in plan["groups"] if any(risk[m] == "rawan" for m in g["members"]))
        donors = [
            m
            for g in plan["groups"]
            if g is not strict and g["kecamatan"] == strict["kecamatan"]
            for m in g["members"]
            if risk[m] == "kurang_rawan" and m != g["anchor"]
        ]
        strict["members"].extend(donors[: 3 - len(strict["members"])])

    assert "group_too_large" in corrupt(town, change)


def test_joined_groups_are_too_large(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        barat = [g for g in plan["groups"] if g["kecamatan"] == "Barat"]
        barat[0]["members"] = [m for g in barat for m in g["members"]]
        for group in barat[1:]:
            plan["groups"].remove(group)

    assert "group_too_large" in corrupt(town, change)


def test_too_few_officers(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = plan["groups"][0]
        group["officers"] = 1
        post = next(iter(group["officers_from"]))
        group["officers_from"] = {post: 1}

    assert "too_few_officers" in corrupt(town, change)


def test_wrong_linmas(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["groups"][0]["linmas"] += 2

    assert "linmas_mismatch" in corrupt(town, change)


def test_anchor_too_far(town: tuple) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        kecamatan = kecamatan_of(scenario)
        lon_lat = zip(scenario.tps.longitude, scenario.tps.latitude, strict=True)
        where = dict(zip(scenario.tps["tps_id"], lon_lat, strict=True))

        def metres(a: str, b: str) -> float:
            (x1, y1), (x2, y2) = where[a], where[b]
            return math.hypot(x1 - x2, y1 - y2) * 110_000

        far, group = max(
            (
                (t, g)
                for g in plan["groups"]
                for t in where
                if kecamatan[t] == g["kecamatan"] and t not in g["members"]
            ),
            key=lambda pair: max(metres(pair[0], m) for m in pair[1]["members"]),
        )
        assert max(metres(far, m) for m in group["members"]) > 500
        group["anchor"] = far

    assert "travel_limit_exceeded" in corrupt(town, change)


def test_claimed_travel_time_is_checked(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = next(g for g in plan["groups"] if len(g["members"]) > 1)
        group["max_travel_s"] = group["max_travel_s"] / 2 - 5

    assert corrupt(town, change) == {"travel_time_mismatch"}


def test_member_from_another_kecamatan(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group, member = spare_member(plan, "Timur")
        group["members"].remove(member)
        next(g for g in plan["groups"] if g["kecamatan"] == "Barat")["members"].append(member)

    assert "wrong_kecamatan" in corrupt(town, change)


def test_group_spanning_two_kelurahan(town: tuple) -> None:
    scenario, graph, plan, _ = town
    rules = load_rules({**RULES, "assignment": {**RULES["assignment"], "same_kelurahan": True}})
    kelurahan = dict(zip(scenario.tps["tps_id"], scenario.tps["kelurahan"], strict=True))
    edited = copy.deepcopy(plan)
    group, member = spare_member(edited, "Barat")
    group["members"].remove(member)
    home = kelurahan[group["anchor"]]
    other = next(
        g for g in edited["groups"] if g["kecamatan"] == "Barat" and kelurahan[g["anchor"]] != home
    )
    other["members"].append(next(m for m in group["members"]))
    found = codes(validate_plan(dataclasses.replace(scenario, rules=rules), graph, edited))
    assert {"mixed_kelurahan", "rules_mismatch"} <= found


def test_officers_beyond_a_posts_polri(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = next(g for g in plan["groups"] if "polsek_timur" in g["officers_from"])
        group["officers"] += 10
        group["officers_from"]["polsek_timur"] += 10

    assert "post_over_capacity" in corrupt(town, change)


def test_patrol_crews_stay_off_guard_duty(town: tuple) -> None:
    scenario, graph, plan, _ = town
    drawn = sum(g["officers_from"].get("polsek_timur", 0) for g in plan["groups"])
    assert 2 < drawn <= 4  # Polsek Timur has 4 Polri
    posts = scenario.posts.copy()
    posts.loc[posts["post_id"] == "polsek_timur", "motorbikes"] = 1  # and a crew of 2
    patrolling = dataclasses.replace(scenario, posts=posts)
    report = NetworkReport(
        "kota kecil", graph.number_of_nodes(), graph.number_of_edges(), 1.0, 1, 45, 0, 0
    )
    roads = place_on_network(patrolling, graph, report)
    patrols = plan_patrols(patrolling, roads, seed=0, workers=1)
    assert patrols.routes
    reserve = plan_reserve(patrolling, roads)

    def violations(assignment: AssignmentResult) -> set[str]:
        document = plan_document(patrolling, roads, assignment, reserve, 0, patrols=patrols)
        return codes(validate_plan(patrolling, graph, json.loads(json.dumps(to_json(document)))))

    blind = assign_guards(scenario, roads, seed=0, workers=1)  # as if no one patrolled
    assert violations(blind) == {"post_over_capacity"}
    held_back = assign_guards(patrolling, roads, seed=0, workers=1)
    assert sum(g.officers_from.get("polsek_timur", 0) for g in held_back.groups) <= 2
    assert violations(held_back) == set()


def test_patrol_crews_patrol_only_after_every_tps_is_guarded(town: tuple) -> None:
    scenario = town[0]
    posts = scenario.posts.copy()
    posts.loc[posts["post_id"] == "polresta", "polri"] = 10  # all needed in Barat
    posts.loc[posts["post_id"] == "polsek_timur", ["polri", "motorbikes"]] = [6, 2]
    scenario = dataclasses.replace(scenario, posts=posts)
    allocation = allocate_officers(scenario, {"Barat": 10, "Timur": 4})
    # Timur: 2 free besides its crews, nothing to borrow: one crew of 2 guards instead
    assert allocation.shortfall == {} and allocation.sources["Timur"] == {"polsek_timur": 4}
    crewed = crewed_posts(scenario, {"polresta": 10, "polsek_timur": 4})
    assert crewed.set_index("post_id").loc["polsek_timur", "motorbikes"] == 1
    assert allocate_officers(scenario, {"Barat": 10, "Timur": 7}).shortfall == {"Timur": 1}


def test_officers_from_must_add_up(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = plan["groups"][0]
        post = next(iter(group["officers_from"]))
        group["officers_from"][post] += 2

    assert "officers_from_mismatch" in corrupt(town, change)


def test_undeclared_borrowing(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["borrowings"] = []

    assert corrupt(town, change) == {"borrowing_undeclared"}


def test_borrowing_declared_but_not_drawn(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["borrowings"][0]["officers"] += 1

    assert corrupt(town, change) == {"borrowing_unused"}


def test_borrowing_while_the_own_polsek_has_free_officers(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        """A Timur group guarded by the Polresta instead, the borrowings kept consistent."""
        group = next(g for g in plan["groups"] if g["officers_from"] == {"polsek_timur": 2})
        group["officers_from"] = {"polresta": 2}
        next(b for b in plan["borrowings"] if b["to_kecamatan"] == "Timur")["officers"] += 2

    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    change(edited, scenario)
    found = validate_plan(scenario, graph, edited)
    assert codes(found) == {"borrowing_before_own"}
    assert found[0].subject == "Timur"
    assert "still have 2 free officers (polsek_timur 2)" in found[0].text_en


def test_a_polseks_patrol_crews_are_not_free_officers(town: tuple) -> None:
    scenario, graph, plan, _ = town
    drawn = sum(g["officers_from"].get("polsek_timur", 0) for g in plan["groups"])
    assert drawn == 4 and any(b["to_kecamatan"] == "Timur" for b in plan["borrowings"])
    posts = scenario.posts.copy()
    posts.loc[posts["post_id"] == "polsek_timur", ["polri", "motorbikes"]] = [6, 1]
    crewed = dataclasses.replace(scenario, posts=posts)
    assert validate_plan(crewed, graph, plan) == []  # 6 Polri: 4 on guard, 2 crew a motorbike
    posts.loc[posts["post_id"] == "polsek_timur", "motorbikes"] = 0  # 2 free, Timur borrows
    found = validate_plan(dataclasses.replace(scenario, posts=posts), graph, plan)
    assert codes(found) == {"borrowing_before_own"}


def test_unknown_post(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        group = plan["groups"][0]
        group["officers_from"] = {"pos_hantu": group["officers"]}

    assert "unknown_post" in corrupt(town, change)


def test_faked_reserve_response_time(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        response = plan["reserve"]["tps_response_s"]
        worst = max(response.values())
        tps = next(t for t, r in response.items() if r < worst and r > 10)
        response[tps] = 0.0

    assert corrupt(town, change) == {"reserve_response_mismatch"}


def test_staging_point_that_does_not_exist(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        first = next(iter(plan["reserve"]["tps_staging"]))
        plan["reserve"]["tps_staging"][first] = "pos_hantu"

    assert corrupt(town, change) == {"reserve_staging_unknown"}


def test_staging_point_that_is_no_post(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        reserve = plan["reserve"]
        old = reserve["staging"][0]["point_id"]
        reserve["staging"][0] |= {"point_id": "pos_hantu", "kind": "post"}
        for tps, point in reserve["tps_staging"].items():
            if point == old:
                reserve["tps_staging"][tps] = "pos_hantu"

    assert "reserve_staging_invalid" in corrupt(town, change)


def test_staging_point_not_the_nearest(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        reserve = plan["reserve"]
        assert len(reserve["staging"]) > 1
        tps = min(reserve["tps_response_s"], key=reserve["tps_response_s"].get)
        current = reserve["tps_staging"][tps]
        other = next(s["point_id"] for s in reserve["staging"] if s["point_id"] != current)
        reserve["tps_staging"][tps] = other

    assert "reserve_not_nearest" in corrupt(town, change)


def test_tps_beyond_the_response_limit(town: tuple) -> None:
    scenario, graph, plan, _ = town
    rules = load_rules({**RULES, "reserve": {**RULES["reserve"], "response_limit_min": 0.2}})
    found = codes(validate_plan(dataclasses.replace(scenario, rules=rules), graph, plan))
    assert {"reserve_beyond_limit", "rules_mismatch"} <= found


def test_wrong_officer_total(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["kpis"]["officers"] += 2

    assert corrupt(town, change) == {"kpi_mismatch"}


def test_lower_bound_above_the_officers_used(town: tuple) -> None:
    def change(plan: dict, _: Scenario) -> None:
        """A bound 2 above the officers, the gap made to match it."""
        kpis = plan["kpis"]
        kpis["officers_lower_bound"] = kpis["officers"] + 2
        kpis["officer_gap"] = round(-2 / kpis["officers"], 4)

    assert corrupt(town, change) == {"lower_bound_above_officers"}


def test_officer_gap_is_the_gap_to_the_bound(town: tuple) -> None:
    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    edited["kpis"]["officers_lower_bound"] -= 2  # a weaker bound, the gap left at 0
    found = validate_plan(scenario, graph, edited)
    assert [(v.code, v.subject) for v in found] == [("kpi_mismatch", "kpis.officer_gap")]


# --- malformed plans -------------------------------------------------------------------


def _del_officers(plan: dict) -> None:
    del plan["groups"][0]["officers"]


def _text_officers(plan: dict) -> None:
    plan["groups"][0]["officers"] = "2"


def _no_kpis(plan: dict) -> None:
    del plan["kpis"]


def _reserve_list(plan: dict) -> None:
    plan["reserve"] = []


def _members_none(plan: dict) -> None:
    plan["groups"][0]["members"] = None


def _nan_response(plan: dict) -> None:
    plan["reserve"]["tps_response_s"][next(iter(plan["reserve"]["tps_response_s"]))] = math.nan


@pytest.mark.parametrize(
    "change,named",
    [
        (_del_officers, "officers"),
        (_text_officers, "groups[0].officers"),
        (_no_kpis, "kpis"),
        (_reserve_list, "reserve"),
        (_members_none, "groups[0].members"),
        (_nan_response, "reserve.tps_response_s"),
    ],
)
def test_malformed_plan_is_named_not_a_traceback(
    town: tuple, change: Callable[[dict], None], named: str
) -> None:
    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    change(edited)
    found = validate_plan(scenario, graph, edited)
    assert codes(found) == {"plan_malformed"}
    assert any(named in v.text_en and named in v.text_id for v in found), found


def test_plan_that_is_no_object(town: tuple) -> None:
    scenario, graph, _, _ = town
    assert codes(validate_plan(scenario, graph, [1, 2])) == {"plan_malformed"}


def test_malformed_plan_files(town: tuple, tmp_path: Path) -> None:
    _, _, plan, folder = town
    edited = copy.deepcopy(plan)
    edited["groups"][0]["officers_from"] = ["polresta"]
    broken = tmp_path / "plan.json"
    broken.write_text(json.dumps(edited), encoding="utf-8")
    found = validate_plan_files(folder / "scenario.toml", broken)
    assert codes(found) == {"plan_malformed"}
    assert "officers_from" in found[0].text_en
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="JSON"):
        validate_plan_files(folder / "scenario.toml", broken)


# --- the inputs the plan was made from ------------------------------------------------


def town_copy(town: tuple, folder: Path) -> Path:
    """The town's scenario, inputs, network and plan copied into ``folder``: the plan's path."""
    for name in ("scenario.toml", "tps.csv", "posts.csv", "network.graphml", "plan.json"):
        shutil.copyfile(town[3] / name, folder / name)
    return folder / "plan.json"


def edit_tps(plan_json: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the tps.csv beside a plan by ``new``."""
    tps = plan_json.parent / "tps.csv"
    text = tps.read_text(encoding="utf-8")
    assert old in text
    tps.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new"),
    [(",250,", ",251,"), ("Kidul", "Krajan")],
    ids=["another DPT", "other TPS ids"],
)
def test_other_tps_file_is_said_first_in_one_line(
    town: tuple, tmp_path: Path, old: str, new: str
) -> None:
    plan_json = town_copy(town, tmp_path)
    edit_tps(plan_json, old, new)
    found = validate_plan_files(tmp_path / "scenario.toml", plan_json)
    assert [v.code for v in found] == ["inputs_changed"]
    assert found[0].text_en.startswith("these are not the inputs this plan was made from")
    assert "tps.csv has changed" in found[0].text_en and "tps.csv berubah" in found[0].text_id


def test_validate_command_prints_the_changed_inputs_first(
    town: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_json = town_copy(town, tmp_path)
    edit_tps(plan_json, "Kidul", "Krajan")
    assert cli.main(["validate", str(plan_json)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[inputs_changed] scenario.sources: ini bukan masukan")
    assert len(lines) == 2 and "1 pelanggaran" in lines[1]


def test_plan_made_on_another_network_file(town: tuple, tmp_path: Path) -> None:
    plan_json = town_copy(town, tmp_path)
    plan = json.loads(plan_json.read_text(encoding="utf-8"))
    network = plan["scenario"]["network"]
    network.update(source="network.graphml", sha256=file_sha256(tmp_path / "network.graphml"))
    write_plan(plan_json, plan)
    assert validate_plan_files(tmp_path / "scenario.toml", plan_json) == []
    network["sha256"] = "0" * 64
    write_plan(plan_json, plan)
    found = validate_plan_files(tmp_path / "scenario.toml", plan_json)
    assert [v.code for v in found] == ["inputs_changed"]
    assert "network.graphml has changed" in found[0].text_en


def _other_tps_hash(sources: dict) -> None:
    sources["tps"]["sha256"] = "0" * 64


def _roster_recorded(sources: dict) -> None:
    sources["roster"] = {"file": "personel.csv", "sha256": "0" * 64}


def _posts_not_recorded(sources: dict) -> None:
    del sources["posts"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_other_tps_hash, "tps.csv has changed"),
        (_roster_recorded, "roster personel.csv not given"),
        (_posts_not_recorded, "posts posts.csv was not used by the plan"),
    ],
)
def test_recorded_inputs_are_compared(
    town: tuple, change: Callable[[dict], None], named: str
) -> None:
    scenario, graph, plan, _ = town
    edited = copy.deepcopy(plan)
    change(edited["scenario"]["sources"])
    found = validate_plan(scenario, graph, edited)
    assert [v.code for v in found] == ["inputs_changed"] and named in found[0].text_en


# --- Kota Malang: patrols and named pairs ----------------------------------------------

Demo = tuple[Scenario, nx.MultiDiGraph, dict[str, Any], Path]


@pytest.fixture(scope="module")
def malang_demo(malang_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The 150-TPS Kota Malang demo (seed 4), planned once: scenario, graph, plan, folder."""
    from planner.demo.run import run_demo

    folder = tmp_path_factory.mktemp("malang_demo")
    result = run_demo(folder, data_dir=malang_dir, tps=150, seed=4)
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return result.scenario, result.roads.graph, plan, folder


def patrol_rules(plan: dict[str, Any]) -> dict[str, Any]:
    """The patrol rules the plan records."""
    return plan["scenario"]["rules"]["patrol"]


def shift_rules(plan: dict[str, Any], shift: str) -> dict[str, Any]:
    """The recorded rules of one patrol shift."""
    return next(s for s in patrol_rules(plan)["shifts"] if s["name"] == shift)


def visits_needed(plan: dict[str, Any], scenario: Scenario, shift: str) -> dict[str, int]:
    """TPS id -> the visits its risk category needs in one shift."""
    visits = shift_rules(plan, shift)["visits"]
    return {t: visits[r] for t, r in risk_of(scenario).items()}


def all_stops(
    plan: dict[str, Any], shift: str = "voting"
) -> list[tuple[dict[str, Any], int, dict[str, Any]]]:
    """Every (route, stop index, stop) of the patrols of one shift."""
    routes = [r for r in plan["patrols"]["routes"] if r["shift"] == shift]
    return [(r, i, s) for r in routes for i, s in enumerate(r["stops"])]


@pytest.mark.malang
def test_malang_demo_plan_is_valid(malang_demo: Demo) -> None:
    scenario, graph, plan, folder = malang_demo
    assert plan["kpis"]["tps"] == 150 and plan["groups"]
    assert plan["patrols"]["routes"] and plan["officer_pairs"] and scenario.roster is not None
    assert validate_plan(scenario, graph, plan) == []
    found = validate_plan_files(folder / "scenario.toml", folder / "plan.json")
    assert found == [], "\n".join(map(str, found))


@pytest.mark.malang
def test_plan_files_recheck_the_named_pairs_against_the_roster(
    malang_demo: Demo, tmp_path: Path
) -> None:
    _, _, plan, folder = malang_demo
    edited = copy.deepcopy(plan)
    edited["officer_pairs"][0]["officers"][0]["nrp"] = "99999999"
    broken = tmp_path / "plan.json"
    broken.write_text(json.dumps(edited), encoding="utf-8")
    found = validate_plan_files(folder / "scenario.toml", broken)
    assert "unknown_nrp" in codes(found)
    pair = edited["officer_pairs"][0]
    hit = next(v for v in found if v.code == "unknown_nrp")
    assert hit.subject == f"{pair['group_id']} pasangan {pair['pair_no']}"
    assert "99999999" in hit.text_id and "not on the roster" in hit.text_en


@pytest.mark.malang
def test_malang_demo_plans_both_patrol_shifts(malang_demo: Demo) -> None:
    _, _, plan, _ = malang_demo
    shifts = plan["patrols"]["kpis"]["shifts"]
    assert list(shifts) == ["voting", "counting"]
    assert all(s["performed_visits"] > 0 for s in shifts.values())
    assert {r["shift"] for r in plan["patrols"]["routes"]} == {"voting", "counting"}
    assert all(
        r["start_s"] >= 13 * 3600 for r in plan["patrols"]["routes"] if r["shift"] == "counting"
    )


@pytest.mark.malang
@pytest.mark.parametrize("shift", ["voting", "counting"])
def test_patrol_stop_outside_the_visit_window(malang_demo: Demo, shift: str) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        """A whole route of once-visited TPS later, its last visit just after the window."""
        need = visits_needed(plan, scenario, shift)
        late = shift_rules(plan, shift)["visit_s"][1] + 60
        route = next(
            r
            for r in plan["patrols"]["routes"]
            if r["shift"] == shift and all(need[s["tps_id"]] == 1 for s in r["stops"])
        )
        delay = late - route["stops"][-1]["start_s"]
        for stop in route["stops"]:
            for key in ("arrival_s", "start_s", "departure_s"):
                stop[key] += delay
        route["start_s"] += delay
        route["end_s"] += delay

    assert corrupt(malang_demo, change) == {"patrol_outside_window"}


@pytest.mark.malang
def test_counting_route_leaving_before_its_voting_route_is_back(malang_demo: Demo) -> None:
    def change(plan: dict, _: Scenario) -> None:
        """A voting route coming back a minute after its vehicle's counting route left."""
        routes = plan["patrols"]["routes"]
        voting_end = shift_rules(plan, "voting")["shift_s"][1]
        leaves = {r["vehicle_id"]: r["start_s"] for r in routes if r["shift"] == "counting"}
        route = next(
            r
            for r in routes
            if r["shift"] == "voting" and leaves.get(r["vehicle_id"], voting_end) + 60 < voting_end
        )
        route["end_s"] = leaves[route["vehicle_id"]] + 60  # a longer way back: allowed alone

    assert corrupt(malang_demo, change) == {"patrol_vehicle_overlap"}


@pytest.mark.malang
def test_counting_visit_number_beyond_the_shifts_count(malang_demo: Demo) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        need = visits_needed(plan, scenario, "counting")
        _, _, stop = next(s for s in all_stops(plan, "counting") if need[s[2]["tps_id"]] == 1)
        stop["visit"] = 2

    assert corrupt(malang_demo, change) == {"patrol_visit_invalid", "patrol_visit_missing"}


@pytest.mark.malang
def test_patrol_route_of_an_unplanned_shift(malang_demo: Demo) -> None:
    def change(plan: dict, _: Scenario) -> None:
        plan["patrols"]["routes"][-1]["shift"] = "night"

    assert "patrol_unknown_shift" in corrupt(malang_demo, change)


@pytest.mark.malang
@pytest.mark.parametrize("shift", ["voting", "counting"])
def test_patrol_visits_of_a_tps_too_close(malang_demo: Demo, shift: str) -> None:
    def change(plan: dict, _: Scenario) -> None:
        gap = round(patrol_rules(plan)["min_gap_min"] * 60)
        starts: dict[str, list[int]] = {}
        for _, _, stop in all_stops(plan, shift):
            starts.setdefault(stop["tps_id"], []).append(stop["start_s"])
        for _, _, stop in all_stops(plan, shift):
            earlier = [s for s in starts[stop["tps_id"]] if s < stop["start_s"]]
            if not earlier:
                continue
            earlier_by = stop["start_s"] - (max(earlier) + gap) + 60
            if stop["start_s"] - stop["arrival_s"] >= earlier_by:  # it waited: wait less
                stop["start_s"] -= earlier_by
                stop["departure_s"] -= earlier_by
                return
        raise AssertionError("no visit waits for the gap to an earlier one")

    assert corrupt(malang_demo, change) == {"patrol_visits_too_close"}


@pytest.mark.malang
def test_patrol_arrival_sooner_than_the_roads_allow(malang_demo: Demo) -> None:
    def change(plan: dict, _: Scenario) -> None:
        route, i, stop = next(
            (r, i, s)
            for r, i, s in all_stops(plan)
            if i > 0 and s["arrival_s"] - r["stops"][i - 1]["departure_s"] >= 60
        )
        stop["arrival_s"] = route["stops"][i - 1]["departure_s"] + 10

    assert corrupt(malang_demo, change) == {"patrol_arrival_too_early"}


@pytest.mark.malang
def test_patrol_route_not_ending_at_its_post(malang_demo: Demo) -> None:
    def change(plan: dict, _: Scenario) -> None:
        geometry = plan["patrols"]["routes"][0]["geometry"]
        lon, lat = geometry[-1]
        geometry.append([lon + 0.001, lat])  # about 110 m on

    assert corrupt(malang_demo, change) == {"patrol_not_at_post"}


@pytest.mark.malang
@pytest.mark.parametrize("shift", ["voting", "counting"])
def test_required_visit_neither_performed_nor_dropped(malang_demo: Demo, shift: str) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        need = visits_needed(plan, scenario, shift)
        route = next(
            r for r in plan["patrols"]["routes"] if r["shift"] == shift and len(r["stops"]) >= 3
        )
        stop = next(s for s in route["stops"][1:-1] if need[s["tps_id"]] == 1)
        route["stops"].remove(stop)  # the legs around it stay feasible (shortest paths)
        kpis = plan["patrols"]["kpis"]
        for figures in (kpis, kpis["shifts"][shift]):
            figures["performed_visits"] -= 1
            figures["coverage"] = round(figures["performed_visits"] / figures["required_visits"], 4)
        plan["kpis"]["patrol_coverage"] = kpis["coverage"]

    assert corrupt(malang_demo, change) == {"patrol_visit_missing"}


@pytest.mark.malang
def test_required_visit_both_performed_and_dropped(malang_demo: Demo) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        _, _, stop = all_stops(plan, "counting")[0]
        tps = stop["tps_id"]
        entry = {"tps_id": tps, "visit": stop["visit"], "kecamatan": kecamatan_of(scenario)[tps]}
        entry["shift"] = "counting"
        plan["patrols"]["dropped"].append(entry | {"reason_id": "-", "reason_en": "-"})

    assert corrupt(malang_demo, change) == {"patrol_visit_performed_and_dropped"}


@pytest.mark.malang
def test_more_vehicles_of_a_type_than_the_post_has(malang_demo: Demo) -> None:
    scenario, graph, plan, _ = malang_demo
    route = plan["patrols"]["routes"][0]
    post, kind = route["post_id"], route["vehicle_type"]
    used = sum(
        r["post_id"] == post and r["vehicle_type"] == kind and r["shift"] == route["shift"]
        for r in plan["patrols"]["routes"]
    )
    column = {"car": "cars", "motorbike": "motorbikes"}[kind]
    posts = scenario.posts.copy()
    posts.loc[posts["post_id"] == post, column] = used - 1
    fewer = dataclasses.replace(scenario, posts=posts)
    found = validate_plan(fewer, graph, plan)
    per_shift = Counter(
        r["shift"]
        for r in plan["patrols"]["routes"]
        if r["post_id"] == post and r["vehicle_type"] == kind
    )
    assert codes(found) == {"patrol_too_many_vehicles"}
    assert [v.subject for v in found] == [post] * sum(n >= used for n in per_shift.values())


def lend_a_group(plan: dict[str, Any], scenario: Scenario, lender: str) -> str:
    """A group guarded by ``lender``'s officers instead of its own Polsek's, with the
    borrowing, named pairs and logistics tally made to match: its kecamatan."""
    group = next(g for g in plan["groups"] if len(g["officers_from"]) == 1)
    (own, officers), kecamatan = next(iter(group["officers_from"].items())), group["kecamatan"]
    group["officers_from"] = {lender: officers}
    plan["borrowings"].append(
        {"from_post": lender, "to_kecamatan": kecamatan, "officers": officers, "penalty": 1}
    )
    roster = scenario.roster
    assert roster is not None
    polri = dict(zip(scenario.posts["post_id"], scenario.posts["polri"], strict=True))
    named = {o["nrp"] for p in plan["officer_pairs"] for o in p["officers"]}
    spare = roster[(roster["unit"] == lender) & ~roster["nrp"].isin(named)]
    seniors = iter(spare[spare["senior"]].itertuples())
    juniors = iter(spare[~spare["senior"]].itertuples())
    for pair in (p for p in plan["officer_pairs"] if p["group_id"] == group["group_id"]):
        pair["officers"] = [
            {f: str(getattr(o, f)) for f in ("nrp", "name", "rank", "unit", "phone")}
            for o in (next(seniors), *(next(juniors) for _ in pair["officers"][1:]))
        ]
    tally = {(r["post_id"], r["day"]): r for r in plan["logistics"]["personnel"]}
    template = tally[own, 0]
    for post, change in ((own, -officers), (lender, officers)):
        row = tally.get((post, 0))
        if row is None:
            row = {**template, "post_id": post, "escort": 0, "storage": 0, "voting": 0}
            row.update(patrol=0, total=0, shortfall=0)
            plan["logistics"]["personnel"].append(row)
        row["available"] = int(polri[post])
        row["voting"] += change
        row["total"] += change
        row["shortfall"] = max(0, row["total"] - row["available"])
    return kecamatan


@pytest.mark.malang
def test_borrowing_before_the_own_polsek_with_pairs_and_tally_consistent(
    malang_demo: Demo,
) -> None:
    scenario, graph, plan, _ = malang_demo
    assert plan["borrowings"] == [] and plan["officer_pairs"] and "logistics" in plan
    edited = copy.deepcopy(plan)
    kecamatan = lend_a_group(edited, scenario, "polresta")
    found = validate_plan(scenario, graph, edited)
    assert [(v.code, v.subject) for v in found] == [("borrowing_before_own", kecamatan)]


@pytest.mark.malang
def test_named_officer_used_twice(malang_demo: Demo) -> None:
    def change(plan: dict, _: Scenario) -> None:
        officers = [(p, o) for p in plan["officer_pairs"] for o in p["officers"]]
        for (pair_a, a), (pair_b, b) in itertools.combinations(officers, 2):
            if pair_a is not pair_b and (a["unit"], a["rank"]) == (b["unit"], b["rank"]):
                pair_b["officers"][pair_b["officers"].index(b)] = dict(a)
                return
        raise AssertionError("no two pairs with officers of one unit and rank")

    assert corrupt(malang_demo, change) == {"nrp_reused"}


@pytest.mark.malang
def test_named_pair_without_a_senior(malang_demo: Demo) -> None:
    def change(plan: dict, scenario: Scenario) -> None:
        roster = scenario.roster
        assert roster is not None
        is_senior = dict(zip(roster["nrp"], roster["senior"], strict=True))
        named = {o["nrp"] for p in plan["officer_pairs"] for o in p["officers"]}
        pair = next(
            p for p in plan["officer_pairs"] if sum(is_senior[o["nrp"]] for o in p["officers"]) == 1
        )
        senior = next(o for o in pair["officers"] if is_senior[o["nrp"]])
        spare = roster[
            (roster["unit"] == senior["unit"]) & ~roster["senior"] & ~roster["nrp"].isin(named)
        ].iloc[0]
        fields = ("nrp", "name", "rank", "unit", "phone")
        pair["officers"][pair["officers"].index(senior)] = {f: str(spare[f]) for f in fields}

    assert corrupt(malang_demo, change) == {"pair_without_senior"}


@pytest.mark.malang
def test_patrol_plan_of_other_patrol_rules(malang_demo: Demo) -> None:
    scenario, graph, plan, _ = malang_demo
    patrol = dataclasses.replace(scenario.rules.patrol, min_gap_min=200.0)
    other = dataclasses.replace(scenario, rules=dataclasses.replace(scenario.rules, patrol=patrol))
    found = validate_plan(other, graph, plan)
    assert codes(found) == {"rules_mismatch", "patrol_visits_too_close"}
    assert [v.subject for v in found if v.code == "rules_mismatch"] == [
        "scenario.rules.patrol.min_gap_min"
    ]
