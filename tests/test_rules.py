"""Rules: shipped defaults from DOMAIN.md, scenario overrides, and bad TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError, Problem
from planner.inputs.rules import GuardPattern, RiskCategory, load_rules
from planner.inputs.scenario import read_scenario_file


def test_defaults_follow_the_security_pattern() -> None:
    rules = load_rules()
    assert rules.pattern[RiskCategory.RAWAN].written() == "2-2-4"
    assert rules.pattern[RiskCategory.SANGAT_RAWAN].written() == "2-1-2"
    assert rules.pattern[RiskCategory.KHUSUS].written() == "2-1-2"
    assert rules.pattern[RiskCategory.KURANG_RAWAN] == GuardPattern(2, 10, 2)
    assert rules.max_voters == 600
    assert rules.timezone == "Asia/Jakarta"
    assert "Jalan Setapak" in rules.exclude_classes


def test_scenario_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text("[pattern.kurang_rawan]\nmax_tps = 16\n[tps]\nmax_voters = 300\n")
    rules = load_rules(scenario)
    assert rules.pattern[RiskCategory.KURANG_RAWAN] == GuardPattern(2, 16, 2)
    assert rules.max_voters == 300
    assert rules.pattern[RiskCategory.RAWAN].max_tps == 2


def test_speed_lookup_falls_back_to_default() -> None:
    rules = load_rules({"network": {"default_speed_kph": 17}})
    assert rules.speed_for("Jalan Kolektor") == 30
    assert rules.speed_for("no such class") == 17
    assert rules.speed_for(None) == 17


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    scenario = tmp_path / "broken.toml"
    scenario.write_text("[tps]\nmax_voters = 600\nmax_voters = = 3\n")
    with pytest.raises(InputError) as caught:
        load_rules(scenario)
    (problem,) = caught.value.problems
    assert problem.file == str(scenario)
    assert problem.row == 3


def test_every_bad_value_is_reported_at_once(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(
        '[pattern.rawan]\nmax_tps = 0\n[tps]\nmax_voters = "many"\n'
        '[time]\nvoting_start = "seven"\n[network.speeds_kph]\n"Jalan Lokal" = -5\n'
    )
    with pytest.raises(InputError) as caught:
        load_rules(scenario)
    columns = {p.column for p in caught.value.problems}
    assert columns == {
        "pattern.rawan.max_tps",
        "tps.max_voters",
        "time.voting_start",
        "network.speeds_kph.Jalan Lokal",
    }


def test_patrol_shifts_voting_then_counting_until_midnight() -> None:
    patrol = load_rules().patrol
    voting, counting = patrol.shifts
    assert (voting.name, voting.shift_s, voting.visit_s) == (
        "voting",
        (21600, 50400),
        (25200, 46800),
    )
    assert (counting.name, counting.shift_s, counting.visit_s) == (
        "counting",
        (13 * 3600, 24 * 3600),
        (13 * 3600, 22 * 3600),
    )
    assert counting.visits[RiskCategory.SANGAT_RAWAN] == 2
    assert patrol.planned == patrol.shifts
    off = load_rules({"patrol": {"counting": {"visits": {c.value: 0 for c in RiskCategory}}}})
    assert [s.name for s in off.patrol.planned] == ["voting"]


def test_bad_patrol_shift_hours_are_named() -> None:
    overrides = {
        "patrol": {"counting": {"shift_end": "24:30", "visit_start": "21:00", "visit_end": "20:00"}}
    }
    with pytest.raises(InputError) as caught:
        load_rules(overrides)
    columns = {p.column for p in caught.value.problems}
    assert columns == {"patrol.counting.shift_end", "patrol.counting.visit_start"}


def test_missing_scenario_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_rules(tmp_path / "nope.toml")


def test_logistics_defaults_and_windows_relative_to_voting_day() -> None:
    logistics = load_rules().logistics
    assert (logistics.boxes_per_tps, logistics.booths_per_tps, logistics.tps_load) == (2, 4, 6)
    assert logistics.election_date == "2024-11-27"
    assert logistics.legs["pps_tps"] == ((-17 * 3600, -6 * 3600),)  # H-1 07:00-18:00
    assert logistics.legs["warehouse_ppk"][0] == (-4 * 86_400 + 8 * 3600, -4 * 86_400 + 17 * 3600)
    assert logistics.legs["tps_pps"][0][0] == 86_400 + 6 * 3600
    assert logistics.local.units("polsek_klojen") == logistics.local.escort_units
    override = load_rules({"logistics": {"local": {"escort_units_by_post": {"polsek_klojen": 3}}}})
    assert override.logistics.local.units("polsek_klojen") == 3


def test_fleets_are_auto_by_default_numbers_limit_them_and_crews_count() -> None:
    rules = load_rules()
    assert (rules.logistics.city.trucks, rules.logistics.local.units("polsek_sukun")) == (
        None,
        None,
    )
    assert rules.patrol.crew == {"car": 2, "motorbike": 2}
    given = load_rules({"logistics": {"city": {"trucks": 8, "escort_units": 6}}})
    assert (given.logistics.city.trucks, given.logistics.city.units("polresta")) == (8, 6)
    with pytest.raises(InputError) as caught:
        load_rules({"logistics": {"local": {"trucks": "banyak"}}, "patrol": {"crew": {"car": 0}}})
    assert {p.column for p in caught.value.problems} == {
        "logistics.local.trucks",
        "patrol.crew.car",
    }


def test_bad_logistics_windows_and_dates_are_named() -> None:
    with pytest.raises(InputError) as caught:
        load_rules(
            {
                "logistics": {
                    "election_date": "27-11-2024",
                    "legs": {
                        "pps_tps": [["H-1 18:00", "H-1 07:00"]],
                        "tps_pps": [["H+1 06:00", "H+1 16:00"], ["H+1 12:00", "H+1 20:00"]],
                        "pps_ppk": [["besok 08:00", "H+2 17:00"]],
                        "ppk_warehouse": [["H-4 12:00", "H-4 18:00"]],
                    },
                }
            }
        )
    assert {p.column for p in caught.value.problems} == {
        "logistics.election_date",
        "logistics.legs.pps_tps",
        "logistics.legs.tps_pps",
        "logistics.legs.pps_ppk",
        "logistics.legs",
    }
    (overlap,) = [p for p in caught.value.problems if p.column == "logistics.legs"]
    assert "warehouse_ppk" in overlap.text_en and "ppk_warehouse" in overlap.text_en


def test_patrol_search_is_one_of_the_routing_searches() -> None:
    assert load_rules().patrol.search == "ruin_and_recreate"
    assert load_rules({"patrol": {"search": "guided_local_search"}}).patrol.search == (
        "guided_local_search"
    )
    with pytest.raises(InputError) as caught:
        load_rules({"patrol": {"search": "tebak"}})
    (problem,) = caught.value.problems
    assert problem.column == "patrol.search" and "guided_local_search" in problem.text_en


# --- unknown keys and impossible combinations (issue 19) --------------------------------------

MISSPELT = """\
[scenario]
name = "Klojen"
sed = 3

[inputs]
tps = "tps.csv"
post = "pos.csv"

[assignment]
max_travel_minutes = 3.0

[asignment]
max_travel_min = 3.0

[pattern]
rawan = { officers = 2, max_tps = 2, linmas_per_tp = 2 }

[network.speeds_kph]
"Jalan Kampung" = 12

[logistics.warehouse]
latitude = -7.98
longitude = 112.62

[logistics.local.escort_units_by_post]
polsek_klojen = 3

[rumus]
xyz = 1
"""


def unknown(problems: list[Problem]) -> dict[str, tuple[int | None, str, str]]:
    """Unknown-key problems by key: (TOML line, Indonesian text, English text)."""
    return {
        str(p.column): (p.row, p.text_id, p.text_en) for p in problems if p.code == "unknown_key"
    }


def test_every_unknown_key_of_a_scenario_is_named_with_its_line_and_the_closest_key(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "skenario.toml"
    scenario.write_text(MISSPELT, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_scenario_file(scenario)
    found = unknown(caught.value.problems)
    assert set(found) == {
        "scenario.sed",
        "inputs.post",
        "assignment.max_travel_minutes",
        "asignment",
        "pattern.rawan.linmas_per_tp",
        "rumus",
    }, "road classes, post ids and the warehouse's place are the user's own keys"
    assert found["asignment"] == (
        12,
        "kunci 'asignment' tidak dikenal; maksud Anda 'assignment'?",
        "unknown key 'asignment'; did you mean 'assignment'?",
    )
    line, _, english = found["assignment.max_travel_minutes"]
    assert line == 10 and "did you mean 'assignment.max_travel_min'?" in english
    assert found["inputs.post"][0] == 7 and "'inputs.posts'" in found["inputs.post"][2]
    assert found["scenario.sed"][0] == 3 and "'scenario.seed'" in found["scenario.sed"][2]
    assert found["pattern.rawan.linmas_per_tp"][0] == 16  # the inline table's line
    assert "'pattern.rawan.linmas_per_tps'" in found["pattern.rawan.linmas_per_tp"][2]
    line, _, english = found["rumus"]
    assert line == 28 and "known: area, assignment," in english  # nothing close: the tables
    assert all(p.file == str(scenario) for p in caught.value.problems)


def test_unknown_keys_of_a_rules_file_or_dictionary_are_errors(tmp_path: Path) -> None:
    rules = tmp_path / "aturan.toml"
    rules.write_text("[reserve]\nunit = 2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rules(rules)
    assert unknown(caught.value.problems) == {
        "reserve.unit": (
            2,
            "kunci 'reserve.unit' tidak dikenal; maksud Anda 'reserve.units'?",
            "unknown key 'reserve.unit'; did you mean 'reserve.units'?",
        )
    }
    with pytest.raises(InputError) as caught:
        load_rules({"patrol": {"crew": {"truck": 2}}, "tps": {"max_voters": 0}})
    assert {p.column for p in caught.value.problems} == {"patrol.crew.truck", "tps.max_voters"}


def test_voting_must_start_before_it_ends(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text('[time]\nvoting_end = "13:00"\nvoting_start = "14:00"\n')
    with pytest.raises(InputError) as caught:
        load_rules(scenario)
    (problem,) = caught.value.problems
    assert (problem.column, problem.row) == ("time.voting_start", 3)
    assert "(14:00) is not before 'time.voting_end' (13:00)" in problem.text_en
    with pytest.raises(InputError):
        load_rules({"time": {"voting_start": "13:00"}})
    with pytest.raises(InputError) as caught:  # an unreadable time is named once, alone
        load_rules({"time": {"voting_end": "one"}})
    assert [p.column for p in caught.value.problems] == ["time.voting_end"]
