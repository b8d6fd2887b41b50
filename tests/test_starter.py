"""``tps-planner init``: the commented scenario template and the example inputs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import networkx as nx
import pytest

from planner import cli
from planner._data import data_path
from planner.demo.starter import (
    EXAMPLE_KECAMATAN,
    EXAMPLE_TPS,
    EXAMPLE_TPS_FILE,
    example_tps,
    scenario_template,
)
from planner.inputs.rules import default_rules_dict, load_rules
from planner.inputs.scenario import load_scenario, read_scenario_file
from planner.roads.network import NetworkReport
from planner.roads.sources import load_boundaries


def test_init_writes_a_scenario_listing_every_default_rule(tmp_path: Path) -> None:
    assert cli.main(["--quiet", "init", str(tmp_path)]) == 0
    text = (tmp_path / "skenario.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    written = {k: v for k, v in raw.items() if k not in ("scenario", "inputs")}
    assert written == default_rules_dict(), "every rule section and key, with its default"
    spec = read_scenario_file(tmp_path / "skenario.toml")
    assert spec.rules == load_rules()
    assert (spec.tps, spec.posts, spec.roster) == (
        tmp_path / "tps.csv",
        tmp_path / "pos.csv",
        tmp_path / "personel.csv",
    )
    assert spec.network is None and spec.data_dir is None and spec.seed == 2024
    # commented in Bahasa Indonesia with English, sources marked
    for phrase in (
        "Pola pengamanan TPS",
        "(Security pattern",
        "Pasukan cadangan",
        "Patroli bergerak",
        "(Mobile patrols",
        "Kepastian sumber (sureness)",
        "(C)",
        "TPS_PLANNER_DATA_DIR",
    ):
        assert phrase in text, phrase
    assert "/" not in (raw["inputs"]["tps"] + raw["inputs"]["posts"]), "paths are relative"


def test_init_examples_are_valid_inputs(tmp_path: Path) -> None:
    assert cli.main(["--quiet", "init", str(tmp_path)]) == 0
    spec = read_scenario_file(tmp_path / "skenario.toml")
    assert spec.tps is not None and spec.posts is not None
    scenario = load_scenario(spec.tps, spec.posts, spec.rules, spec.name, spec.roster)
    assert len(scenario.tps) == EXAMPLE_TPS
    assert set(scenario.tps["kecamatan"]) == {EXAMPLE_KECAMATAN}
    assert {"kurang_rawan", "rawan", "sangat_rawan"} <= set(scenario.tps["risk"])
    assert len(scenario.posts) == 6 and scenario.roster is not None
    assert set(scenario.roster["unit"]) == {"polsek_klojen"}
    assert scenario.roster["senior"].any()


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--quiet", "init", str(tmp_path)]) == 0
    (tmp_path / "tps.csv").write_text("mine\n", encoding="utf-8")
    assert cli.main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and str(tmp_path / "tps.csv") in err and "skenario.toml" in err
    assert (tmp_path / "tps.csv").read_text(encoding="utf-8") == "mine\n"
    assert cli.main(["init", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "tps.csv").read_bytes() == data_path(EXAMPLE_TPS_FILE).read_bytes()


def test_init_onto_a_file_or_with_a_missing_data_folder_exits_2_writing_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "berkas"
    afile.write_text("mine\n", encoding="utf-8")
    for folder in (afile, afile / "di-dalam"):
        assert cli.main(["init", str(folder)]) == 2
        err = capsys.readouterr().err
        assert f"[GALAT] {afile}, kolom 'DIR': ini berkas, bukan folder" in err
        assert "(this is a file, not a folder; choose another folder)" in err
        assert "Traceback" not in err and "internal" not in err
    assert afile.read_text(encoding="utf-8") == "mine\n"
    missing = tmp_path / "tidak-ada"
    assert cli.main(["init", str(tmp_path / "mulai"), "--data-dir", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"[GALAT] {missing}, kolom '--data-dir': folder data tidak ditemukan" in err
    assert "(data folder not found)" in err
    (tmp_path / "mulai" / "skenario.toml").mkdir(parents=True)
    assert cli.main(["init", str(tmp_path / "mulai"), "--force"]) == 2
    assert "(this is a folder, not a file; it cannot be overwritten)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["berkas", "mulai"]
    assert [p.name for p in (tmp_path / "mulai").iterdir()] == ["skenario.toml"]


def test_init_names_a_data_folder_relative_to_the_scenario(tmp_path: Path) -> None:
    data = tmp_path / "data" / "malang"
    data.mkdir(parents=True)
    folder = tmp_path / "skenario"
    assert cli.main(["--quiet", "init", str(folder), "--data-dir", str(data)]) == 0
    assert 'data_dir = "../data/malang"' in (folder / "skenario.toml").read_text(encoding="utf-8")
    assert read_scenario_file(folder / "skenario.toml").data_dir == folder / "../data/malang"


def test_the_template_without_a_data_folder_leaves_the_network_to_the_command() -> None:
    raw = tomllib.loads(scenario_template())
    assert set(raw["inputs"]) == {"tps", "posts", "roster"}


@pytest.mark.malang
def test_the_shipped_example_tps_is_what_the_generator_makes(
    malang_dir: Path, malang_network: tuple[nx.MultiDiGraph, NetworkReport]
) -> None:
    graph, _ = malang_network
    table = example_tps(graph, load_boundaries(malang_dir).kelurahan)
    shipped = data_path(EXAMPLE_TPS_FILE).read_text(encoding="utf-8")
    assert table.to_csv(index=False) == shipped
