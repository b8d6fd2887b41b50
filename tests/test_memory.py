"""The memory guard: the estimate from the plan's counts, the memory available, the refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.inputs.rules import load_rules
from planner.inputs.scenario import Scenario, load_scenario
from planner.plan.document import rules_section
from planner.solve import memory
from planner.solve.memory import (
    MemoryEstimate,
    PlanSize,
    check_memory,
    estimate_memory,
    fitting_kecamatan,
    meminfo_available,
    plan_size,
)
from tests.city import node_point, write_tps

RULES = load_rules().memory


def scenario_of(tmp_path: Path, share: float | None = None) -> Scenario:
    """Alpha: 8 TPS (2 rawan), Beta: 3; Polsek Alpha with a car and motorbikes, Beta none."""
    rows = [
        ("Alpha", "Satu", n + 1, *node_point(n), "rawan" if n < 2 else "kurang rawan")
        for n in range(8)
    ]
    rows += [("Beta", "Dua", n + 1, *node_point(20 + n), "kurang rawan") for n in range(3)]
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post_id,name,kind,kecamatan,latitude,longitude,polri,cars,motorbikes\n"
        "polresta,Polresta,polresta,Alpha,{0},{1},10,2,2\n"
        "polsek_a,Polsek A,polsek,Alpha,{0},{1},10,1,4\n"
        "polsek_b,Polsek B,polsek,Beta,{0},{1},10,0,0\n".format(*node_point(7))
    )
    overrides = {} if share is None else {"memory": {"share": share}}
    return load_scenario(write_tps(tmp_path / "tps.csv", rows), posts, load_rules(overrides))


def test_the_plan_size_counts_tps_per_kecamatan_candidates_and_patrol_visits(
    tmp_path: Path,
) -> None:
    size = plan_size(scenario_of(tmp_path))
    assert size.tps_per_kecamatan == {"Alpha": 8, "Beta": 3} and size.tps == 11
    assert size.candidates == 3 + load_rules().reserve.candidate_road_nodes
    # voting shift: 2 rawan x 2 visits + 6 kurang rawan x 1, and the post; two vehicle types
    assert size.patrol_areas == ((2 * 2 + 6 + 1, 2),)


def test_the_estimate_grows_with_the_largest_kecamatan_not_with_the_city() -> None:
    city = PlanSize({f"k{i}": 10_000 for i in range(10)}, 205, ())
    one = PlanSize({"k0": 100_000}, 205, ())
    split = estimate_memory(city, RULES, workers=2)
    whole = estimate_memory(one, RULES, workers=2)
    assert split.largest == ("k0", 10_000) and whole.largest == ("k0", 100_000)
    assert split.heaviest == "groups"
    assert whole.stages["groups"] > 25 * split.stages["groups"]
    # ten kecamatan of 10,000: the main process's matrices and two being solved at once
    expected = 8 * 10 * 10_000**2 + RULES.tps_pair_bytes * 2 * 10_000**2
    assert split.stages["groups"] == pytest.approx(expected)
    assert split.stages["logistics"] == pytest.approx(RULES.per_tps_kib * 2**10 * 100_000)
    assert split.needed == pytest.approx(RULES.base_mib * 2**20 + expected)


def test_patrols_count_the_busiest_areas_solved_at_once_per_vehicle_type() -> None:
    size = PlanSize({"a": 10}, 1, ((1001, 2), (2001, 1), (11, 2)))
    estimate = estimate_memory(size, RULES, workers=2)
    expected = RULES.visit_pair_bytes * (2 * 1001**2 + 2001**2)
    assert estimate.stages["patrols"] == pytest.approx(expected)
    assert estimate_memory(size, RULES, workers=1).stages["patrols"] == pytest.approx(
        RULES.visit_pair_bytes * 2001**2
    )


def test_the_advice_names_the_most_tps_one_kecamatan_planned_alone_may_have() -> None:
    size = PlanSize({"a": 30_000, "b": 20_000}, 205, ((31_501, 2), (21_001, 2)))
    allowed = 16 * 2**30
    fit = fitting_kecamatan(size, RULES, 2, allowed)
    assert 0 < fit < 20_000

    def alone(tps: int) -> MemoryEstimate:
        return estimate_memory(PlanSize({"": tps}, 205, ((round(1.05 * tps) + 1, 2),)), RULES, 2)

    assert alone(fit).needed <= allowed < alone(fit + 1).needed
    assert fitting_kecamatan(size, RULES, 2, allowed=1.0) == 0


def test_a_plan_over_the_share_of_the_memory_available_is_refused_with_the_advice_to_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "available_memory", lambda: 3 * 2**30)
    scenario = scenario_of(tmp_path, share=0.1)  # 0.3 GiB allowed; the base alone is more
    with pytest.raises(InputError) as raised:
        check_memory(scenario)
    (problem,) = raised.value.problems
    assert problem.code == "memory" and problem.file == scenario.sources["tps"]
    assert "lebih dari 10% memori yang tersedia (3.0 GiB)" in problem.text_id
    assert "over 10% of the memory available (3.0 GiB)" in problem.text_en
    assert "kecamatan terbesar Alpha dengan 8 TPS" in problem.text_id
    assert "per kecamatan/Polsek" in problem.text_id and "by region" in problem.text_en
    assert "MiB" in problem.text_id  # the estimate itself
    assert "TPS per berkas muat" in problem.text_id and "TPS per file fit" in problem.text_en


def test_a_plan_within_the_share_goes_on_and_unknown_memory_never_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = scenario_of(tmp_path)
    monkeypatch.setattr(memory, "available_memory", lambda: 64 * 2**30)
    estimate, available = check_memory(scenario)
    assert available == 64 * 2**30 and 0 < estimate.needed < 0.8 * available
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert check_memory(scenario)[1] is None


def test_the_memory_available_comes_from_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20518668 kB\n")
    assert meminfo_available(meminfo) == 20518668 * 1024
    meminfo.write_text("MemTotal:       24000000 kB\n")
    assert meminfo_available(meminfo) is None
    assert meminfo_available(tmp_path / "absent") is None
    if memory.MEMINFO.is_file():
        assert (memory.available_memory() or 0) > 0


def test_memory_rules_are_read_and_checked_but_never_recorded_in_the_plan() -> None:
    rules = load_rules({"memory": {"share": 0.5}})
    assert rules.memory.share == 0.5
    assert "memory" not in rules_section(rules) and "assignment" in rules_section(rules)
    with pytest.raises(InputError, match=r"memory\.share"):
        load_rules({"memory": {"share": 0}})
