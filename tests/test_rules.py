"""Rules: shipped defaults from DOMAIN.md, scenario overrides, and bad TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner._errors import InputError
from planner.rules import GuardPattern, RiskCategory, load_rules


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


def test_missing_scenario_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_rules(tmp_path / "nope.toml")
