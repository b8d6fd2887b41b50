"""``tps-planner plan`` end to end on Kota Malang: outputs, validation, reproducibility, exits."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import planner
from planner import cli, pipeline
from planner._atomic import PREVIOUS_MARK, STAGING_MARK
from planner.inputs.scenario import read_scenario_file
from planner.outputs.reproducible import SOURCE_DATE_EPOCH
from planner.plan.files import file_sha256
from planner.validate import validate_plan_files
from tests.conftest import csv_rows, write_workbook

pytestmark = pytest.mark.malang

OUTPUTS = (
    "plan.json",
    "map.html",
    "publik/map_public.html",
    "duty_roster.csv",
    "duty_roster.xlsx",
    "layers.gpkg",
    "layers/tps.geojson",
    "layers/patrol_routes.geojson",
    "summary.json",
    "network.json",
    "scenario.toml",
    "tps-planner.log",
    "tps.csv",
    "pos.csv",
    "personel.csv",
)


@dataclass(frozen=True)
class Run:
    """One in-process run of the command line: exit code and what it printed."""

    code: int
    out: str
    err: str


def run(*args: str | Path) -> Run:
    """``tps-planner ARGS`` in this process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def run_console(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a fresh interpreter (this tree's code)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]
    )
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def leftovers(folder: Path) -> list[Path]:
    """Staging folders, and earlier output folders renamed aside, left in ``folder``."""
    return [p for p in folder.iterdir() if STAGING_MARK in p.name or PREVIOUS_MARK in p.name]


@pytest.fixture(scope="module")
def planned(starter: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """``tps-planner plan skenario.toml --out hasil``: the output folder and the run."""
    out = tmp_path_factory.mktemp("runs") / "hasil"
    return out, run("plan", starter, "--out", out)


def plan_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "plan.json").read_text(encoding="utf-8"))


# --- a planner's own files -----------------------------------------------------------------


def test_plan_writes_every_output_and_the_validator_accepts_it(
    starter: Path, planned: tuple[Path, Run]
) -> None:
    out, result = planned
    assert result.code == 0, result.err
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    assert leftovers(out.parent) == []
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []
    assert validate_plan_files(starter, out / "plan.json") == []
    plan = plan_of(out)
    assert plan["kpis"]["tps"] == 40 and plan["uncovered"] == []
    assert plan["officer_pairs"], "the named roster was paired"
    # the inputs were read, never modified, and copied beside the plan
    for name in ("tps.csv", "pos.csv", "personel.csv"):
        assert (out / name).read_bytes() == (starter.parent / name).read_bytes()


def test_a_saved_plan_loads_typed_and_gives_the_same_outputs_again(
    planned: tuple[Path, Run], tmp_path: Path
) -> None:
    out, _ = planned
    plan = planner.load_plan(out / "plan.json")
    assert isinstance(plan, planner.Plan) and plan.kpis.tps == 40
    assert plan.officer_pairs and plan.officer_pairs[0].officers[0].nrp
    assert json.loads(json.dumps(planner.to_json(plan))) == plan_of(out)
    scenario = read_scenario_file(out / "scenario.toml").load()
    files = planner.write_outputs(tmp_path, scenario, plan)
    again = (tmp_path / "duty_roster.csv").read_bytes()
    assert files["roster_csv"].is_file() and again == (out / "duty_roster.csv").read_bytes()


def test_plan_prints_a_summary_and_logs_the_progress(planned: tuple[Path, Run]) -> None:
    out, result = planned
    assert "Ringkasan rencana (plan summary)" in result.out
    for label in ("TPS", "Personel (officers)", "TPS tanpa jaga", "Titik siaga", "Rute patroli"):
        assert label in result.out, label
    assert "batas bawah" in result.out and "sah" in result.out and "Waktu (elapsed)" in result.out
    assert "WIB]" in result.err and "Menyusun kelompok jaga" in result.err
    log = (out / "tps-planner.log").read_text(encoding="utf-8")
    for line in (
        "Memuat jaringan jalan",
        "Waktu tempuh dihitung per kecamatan, terbesar 40 x 40 TPS",
        "Klojen [personel]: 12",
        "Klojen [waktu tempuh]: batas relaksasi Lagrange",
        "batas",
        "Patroli polsek_klojen (pemungutan suara):",
        "Patroli polsek_klojen (penghitungan suara):",
        "semua aturan terpenuhi",
        "Ringkasan rencana (plan summary)",
        "Rute kawal logistik (escort routes)",
    ):
        assert line in log, line
    assert "variables" in log, "solver detail goes to the log even without --verbose"
    assert "variables" not in result.err


def test_plan_json_records_the_seed_every_parameter_and_no_path(
    planned: tuple[Path, Run],
) -> None:
    out, _ = planned
    plan = plan_of(out)
    assert plan["seed"] == 2024 and plan["format_version"] == 2
    rules = plan["scenario"]["rules"]
    assert rules["assignment"]["time_limit_s"] == 1.5 and rules["assignment"]["deterministic"]
    assert rules["assignment"]["relative_gap"] == 0.01
    assert rules["patrol"]["solution_limit"] == 600 and rules["patrol"]["deterministic"]
    sources = plan["scenario"]["sources"]
    assert {k: v["file"] for k, v in sources.items()} == {
        "tps": "tps.csv",
        "posts": "pos.csv",
        "roster": "personel.csv",
    }
    for record in sources.values():
        assert record["sha256"] == file_sha256(out / record["file"])
    assert plan["scenario"]["network"]["source"] == "roads_rbi25k.geojson"
    text = (out / "plan.json").read_text(encoding="utf-8")
    assert str(out.parent) not in text and "/tmp" not in text and "WIB" not in text


def test_same_inputs_and_seed_give_a_byte_identical_plan_anywhere(
    starter: Path, planned: tuple[Path, Run], tmp_path: Path
) -> None:
    out, _ = planned
    again = run("--quiet", "plan", starter, "--out", tmp_path / "lain" / "hasil")
    assert again.code == 0 and again.out == "" and again.err == "", "--quiet prints nothing"
    assert (tmp_path / "lain" / "hasil" / "plan.json").read_bytes() == (
        out / "plan.json"
    ).read_bytes()
    # the output folder alone plans the same again
    copy = run("plan", out / "scenario.toml", "--out", tmp_path / "ulang", "--quiet")
    assert copy.code == 0
    assert (tmp_path / "ulang" / "plan.json").read_bytes() == (out / "plan.json").read_bytes()


def test_same_inputs_seed_and_source_date_epoch_give_byte_identical_folders(
    starter: Path, malang_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_DATE_EPOCH, "1732665600")  # 2024-11-27 07:00 WIB
    for name in ("satu", "dua"):
        assert run("--quiet", "plan", starter, "--out", tmp_path / name).code == 0
    first, second = (
        {
            p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
            for p in (tmp_path / name).rglob("*")
            if p.is_file() and p.name != "tps-planner.log"  # the log keeps the clock's times
        }
        for name in ("satu", "dua")
    )
    assert first.keys() == second.keys() and set(OUTPUTS) - {"tps-planner.log"} <= first.keys()
    assert [name for name in first if first[name] != second[name]] == []
    summary = json.loads(first["summary.json"])
    assert summary["generated"] == "2024-11-27T07:00:00+07:00"
    # network.json names the network file as a path from the output folder
    source = json.loads(first["network.json"])["network"]["source"]
    road_file = malang_dir / "roads_rbi25k.geojson"
    assert not Path(source).is_absolute() and (tmp_path / "satu" / source).samefile(road_file)


def test_a_malformed_source_date_epoch_exits_2_naming_it(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SOURCE_DATE_EPOCH, "kemarin")
    result = run("plan", starter, "--out", tmp_path / "hasil")
    assert result.code == 2 and f"{SOURCE_DATE_EPOCH}: harus bilangan bulat" in result.err
    assert not (tmp_path / "hasil").exists() and leftovers(tmp_path) == []


def test_seed_and_search_limits_from_the_command_line_are_recorded(
    starter: Path, tmp_path: Path
) -> None:
    result = run(
        "plan",
        starter,
        "--out",
        tmp_path / "h",
        "--seed",
        "7",
        "--time-limit",
        "2",
        "--patrol-solutions",
        "50",
        "--verbose",
    )
    assert result.code == 0, result.err
    plan = plan_of(tmp_path / "h")
    assert plan["seed"] == 7
    assert plan["scenario"]["rules"]["assignment"]["time_limit_s"] == 2
    assert plan["scenario"]["rules"]["patrol"]["solution_limit"] == 50
    assert "seed = 7" in (tmp_path / "h" / "scenario.toml").read_text(encoding="utf-8")
    assert "variables" in result.err and "solutions" in result.err, "--verbose shows detail"
    assert validate_plan_files(tmp_path / "h" / "scenario.toml", tmp_path / "h" / "plan.json") == []


# --- validate on any plan.json -------------------------------------------------------------


def test_validate_takes_the_scenario_beside_the_plan(planned: tuple[Path, Run]) -> None:
    out, _ = planned
    result = run("validate", out / "plan.json")
    assert result.code == 0 and "Rencana sah" in result.out


def test_validate_finds_what_a_hand_edit_broke(planned: tuple[Path, Run], tmp_path: Path) -> None:
    out, _ = planned
    for name in ("scenario.toml", "tps.csv", "pos.csv", "personel.csv"):
        shutil.copyfile(out / name, tmp_path / name)
    plan = plan_of(out)
    dropped = plan["groups"][0]["members"].pop()
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    result = run("validate", tmp_path / "plan.json")
    assert result.code == 1
    assert "[tps_missing]" in result.out and dropped in result.out


def test_validate_reports_a_broken_file_as_bad_input(
    planned: tuple[Path, Run], tmp_path: Path
) -> None:
    out, _ = planned
    broken = tmp_path / "plan.json"
    broken.write_text((out / "plan.json").read_text(encoding="utf-8")[:500], encoding="utf-8")
    result = run("validate", out / "scenario.toml", broken)
    assert result.code == 2 and str(broken) in result.err and "JSON" in result.err
    (tmp_path / "sendiri").mkdir()
    alone = shutil.copy(out / "plan.json", tmp_path / "sendiri" / "plan.json")
    result = run("validate", alone)  # no scenario.toml beside it
    assert result.code == 2 and str(tmp_path / "sendiri" / "scenario.toml") in result.err


# --- exit codes ----------------------------------------------------------------------------


def copy_scenario(starter: Path, folder: Path) -> Path:
    """A copy of the starter scenario in ``folder``, its data folder made absolute."""
    shutil.copytree(starter.parent, folder)
    scenario = folder / starter.name
    data_dir = read_scenario_file(starter).data_dir
    assert data_dir is not None
    text = re.sub(
        r"^data_dir = .*$",
        f'data_dir = "{data_dir.resolve().as_posix()}"',
        scenario.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    scenario.write_text(text, encoding="utf-8")
    return scenario


def test_a_bad_tps_row_exits_2_naming_file_row_and_column(starter: Path, tmp_path: Path) -> None:
    scenario = copy_scenario(starter, tmp_path / "salah")
    tps = scenario.parent / "tps.csv"
    lines = tps.read_text(encoding="utf-8").splitlines()
    cells = lines[4].split(",")
    cells[5] = "banyak"  # dpt of the fourth TPS: spreadsheet row 5
    lines[4] = ",".join(cells)
    tps.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = tps.read_bytes()
    result = run_console("plan", scenario, "--out", tmp_path / "hasil")
    assert result.returncode == 2, result.stderr
    assert f"{tps}, baris 5, kolom 'dpt'" in result.stderr and "banyak" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "hasil").exists() and leftovers(tmp_path) == []
    assert tps.read_bytes() == before


def test_a_plan_too_big_for_the_memory_exits_2_before_solving_with_the_advice_to_split(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.solve import assignment, memory

    def never_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("refused plans never reach the solvers")

    monkeypatch.setattr(memory, "available_memory", lambda: 100 * 2**20)
    monkeypatch.setattr(assignment, "run_parallel", never_solve)
    result = run("plan", starter, "--out", tmp_path / "hasil")
    assert result.code == 2 and "Traceback" not in result.err
    assert "diperkirakan butuh" in result.err and "estimated to need" in result.err
    assert "(100 MiB)" in result.err and "80%" in result.err
    assert "per kecamatan/Polsek" in result.err and "Split the scenario by region" in result.err
    assert "Klojen dengan 40 TPS" in result.err
    assert not (tmp_path / "hasil").exists() and leftovers(tmp_path) == []


def test_too_few_officers_exit_1_and_still_write_the_plan_with_what_is_uncovered(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "kurang")
    posts = scenario.parent / "pos.csv"
    with posts.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        row["polri"] = "4" if row["post_id"] == "polsek_klojen" else "0"
    with posts.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "hasil"
    result = run("plan", scenario, "--out", out)
    assert result.code == 1, result.err
    plan = plan_of(out)
    covered = sum(len(g["members"]) for g in plan["groups"])
    assert plan["kpis"]["officers"] == 4 and len(plan["groups"]) == 2
    assert plan["uncovered"] and covered + len(plan["uncovered"]) == 40
    assert all(u["reason_id"] and u["reason_en"] for u in plan["uncovered"])
    assert "tanpa kelompok jaga" in result.err and "TPS tanpa jaga" in result.out
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []
    assert (out / "map.html").is_file() and (out / "duty_roster.xlsx").is_file()


def test_ctrl_c_exits_130_and_leaves_no_output(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "plan_reserve", interrupted)
    fresh = tmp_path / "baru"
    result = run("plan", starter, "--out", fresh)
    assert result.code == 130 and "Dihentikan" in result.err
    assert not fresh.exists() and leftovers(tmp_path) == []
    existing = tmp_path / "lama"
    existing.mkdir()
    (existing / "plan.json").write_text("rencana lama", encoding="utf-8")
    (existing / "tps-planner.log").write_text("log lama", encoding="utf-8")
    assert run("plan", starter, "--out", existing).code == 130
    assert sorted(p.name for p in existing.iterdir()) == ["plan.json", "tps-planner.log"]
    assert (existing / "plan.json").read_text(encoding="utf-8") == "rencana lama"
    assert leftovers(tmp_path) == []


def test_a_plan_replaces_its_output_folder_as_a_whole(
    planned: tuple[Path, Run], tmp_path: Path
) -> None:
    """Planned again into itself without the roster: no file of the earlier plan is left."""
    out = tmp_path / "hasil"
    shutil.copytree(planned[0], out)
    (out / "catatan_lama.txt").write_text("dari rencana lama", encoding="utf-8")
    scenario = out / "scenario.toml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(re.sub(r"^roster = .*\n", "", text, flags=re.MULTILINE), encoding="utf-8")
    inputs = {name: (out / name).read_bytes() for name in ("scenario.toml", "tps.csv", "pos.csv")}
    result = run("plan", scenario, "--out", out)
    assert result.code == 0, result.err
    assert not (out / "personel.csv").exists(), "names, NRP and phones of the earlier roster"
    assert not (out / "catatan_lama.txt").exists()
    assert {name: (out / name).read_bytes() for name in inputs} == inputs, "inputs kept"
    assert set(plan_of(out)["scenario"]["sources"]) == {"tps", "posts"}
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []
    assert leftovers(tmp_path) == []


def test_plan_refuses_an_output_folder_it_would_wrongly_replace(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "mulai")
    result = run("plan", scenario, "--out", scenario.parent)  # its inputs would go with it
    assert result.code == 2 and scenario.name in result.err and "--out" in result.err
    other = tmp_path / "dokumen"
    other.mkdir()
    (other / "surat.docx").write_text("penting", encoding="utf-8")
    result = run("plan", scenario, "--out", other)
    assert result.code == 2 and "--force" in result.err and "Traceback" not in result.err
    assert [p.name for p in other.iterdir()] == ["surat.docx"] and leftovers(tmp_path) == []
    pipeline.check_output_folder(other, True, [scenario], [])  # with --force it may go


def earlier_outputs(folder: Path) -> Path:
    """``folder`` holding the plan.json and log of an earlier run."""
    folder.mkdir(parents=True)
    (folder / "plan.json").write_text("rencana lama", encoding="utf-8")
    (folder / "tps-planner.log").write_text("log lama", encoding="utf-8")
    return folder


def test_a_full_disk_exits_2_naming_the_folder_and_keeps_the_earlier_outputs(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # a write names no file

    monkeypatch.setattr(pipeline, "write_json", full)
    out = earlier_outputs(tmp_path / "hasil")
    result = run("plan", starter, "--out", out)
    assert result.code == 2, result.err
    assert f"[GALAT] {out}: disk penuh" in result.err and "(disk full; free some" in result.err
    assert "Traceback" not in result.err and "internal" not in result.err
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "tps-planner.log"]
    assert leftovers(tmp_path) == []
    assert (out / "plan.json").read_text(encoding="utf-8") == "rencana lama"


def test_an_output_folder_beside_which_nothing_may_be_written_exits_2(
    starter: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_args: object, **kwargs: str) -> str:
        path = Path(kwargs["dir"]) / f".hasil{STAGING_MARK}x"  # where the staging folder goes
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    out = earlier_outputs(tmp_path / "hasil")
    result = run("plan", starter, "--out", out)
    assert result.code == 2 and f"[GALAT] {tmp_path}: izin menulis ditolak" in result.err
    assert "choose another --out folder" in result.err and "Traceback" not in result.err
    assert (out / "plan.json").read_text(encoding="utf-8") == "rencana lama"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_exits_2_and_keeps_the_earlier_outputs(
    starter: Path, tmp_path: Path
) -> None:
    out = earlier_outputs(tmp_path / "hasil")
    out.chmod(0o555)
    try:
        result = run("plan", starter, "--out", out)
    finally:
        out.chmod(0o755)
    assert result.code == 2 and "izin menulis ditolak" in result.err, result.err
    assert str(out) in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "tps-planner.log"]
    assert leftovers(tmp_path) == []
    assert (out / "plan.json").read_text(encoding="utf-8") == "rencana lama"


def test_an_output_over_an_input_is_refused(starter: Path, tmp_path: Path) -> None:
    scenario = copy_scenario(starter, tmp_path / "s")
    (scenario.parent / "tps.csv").rename(scenario.parent / "summary.json")
    text = scenario.read_text(encoding="utf-8").replace('"tps.csv"', '"summary.json"')
    scenario.write_text(text, encoding="utf-8")
    result = run("plan", scenario, "--out", scenario.parent)
    assert result.code == 2 and "summary.json" in result.err and "--out" in result.err
    result = run("plan", scenario, "--out", scenario)
    assert result.code == 2 and "--out" in result.err and "Traceback" not in result.err


# --- the whole Kota Malang demo through the console ------------------------------------------


def test_plan_on_the_kota_malang_demo_files_through_the_console(
    malang_dir: Path, tmp_path: Path
) -> None:
    from planner.demo.run import run_demo

    demo = run_demo(tmp_path / "demo", data_dir=malang_dir, plan=False)
    assert demo.plan is None and len(demo.scenario.tps) == 1188
    out = tmp_path / "hasil"
    result = run_console(
        "plan",
        demo.files["scenario"],
        "--out",
        out,
        "--time-limit",
        "1",
        "--patrol-solutions",
        "30",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Ringkasan rencana" in result.stdout and "1,188" in result.stdout
    plan = plan_of(out)
    assert plan["kpis"]["tps"] == 1188 and plan["kpis"]["tps_covered"] == 1188
    assert set(plan["kpis"]["per_polsek"]) == {
        "Blimbing",
        "Kedungkandang",
        "Klojen",
        "Lowokwaru",
        "Sukun",
    }
    assert len(plan["patrols"]["routes"]) > 20 and plan["officer_pairs"]
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []
    for name in OUTPUTS[:12]:
        assert (out / name).is_file(), name


# --- a planner's own logistics sites ---------------------------------------------------------


def test_a_sites_table_in_the_scenario_places_the_sites_and_is_recorded(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "lokasi")
    shutil.copy(Path(__file__).parent / "input_data" / "lokasi.csv", scenario.parent)
    text = scenario.read_text(encoding="utf-8").replace(
        '# sites = "lokasi.csv"', 'sites = "lokasi.csv"'
    )
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "hasil"
    result = run("plan", scenario, "--out", out)
    assert result.code == 0, result.err
    assert "lokasi.csv, baris 5" in result.err or "lokasi.csv, baris 5" in result.out
    plan = plan_of(out)
    record = plan["scenario"]["sources"]["sites"]
    assert record == {"file": "lokasi.csv", "sha256": file_sha256(scenario.parent / "lokasi.csv")}
    assert (out / "lokasi.csv").read_bytes() == (scenario.parent / "lokasi.csv").read_bytes()
    assert read_scenario_file(out / "scenario.toml").sites == out / "lokasi.csv"
    sites = {s["site_id"]: s for s in plan["logistics"]["sites"]}
    assert (sites["ppk_klojen"]["source"], sites["ppk_klojen"]["lat"]) == ("table", -7.977)
    assert (sites["gudang_kpu"]["source"], sites["gudang_kpu"]["approximate"]) == ("table", False)
    assert sites["pps_klojen_kauman"]["source"] == "table"
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []


def test_bad_sites_rows_exit_2_naming_file_row_and_column(starter: Path, tmp_path: Path) -> None:
    scenario = copy_scenario(starter, tmp_path / "salah")
    bad = shutil.copy(
        Path(__file__).parent / "input_data" / "bad" / "sites_bad_rows.csv", scenario.parent
    )
    text = scenario.read_text(encoding="utf-8")
    text = text.replace('# sites = "lokasi.csv"', 'sites = "sites_bad_rows.csv"')
    scenario.write_text(text, encoding="utf-8")
    result = run("plan", scenario, "--out", tmp_path / "hasil")
    assert result.code == 2 and "Traceback" not in result.err
    assert f"{bad}, baris 3, kolom 'jenis'" in result.err
    assert f"{bad}, baris 5, kolom 'bujur'" in result.err
    assert not (tmp_path / "hasil").exists() and leftovers(tmp_path) == []


# --- a TPS table on a named workbook sheet ----------------------------------------------------


def test_a_tps_sheet_named_in_the_scenario_is_planned_copied_and_recorded(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "lembar")
    cover = [["Daftar TPS"], ["No", "Isi"]]
    rows = csv_rows(scenario.parent / "tps.csv")
    workbook = write_workbook(scenario.parent / "tps.xlsx", {"Sampul": cover, "DPT": rows})
    text = scenario.read_text(encoding="utf-8").replace('"tps.csv"', '"tps.xlsx#DPT"')
    scenario.write_text(text, encoding="utf-8")
    out = tmp_path / "hasil"
    result = run("plan", scenario, "--out", out)
    assert result.code == 0, result.err
    record = plan_of(out)["scenario"]["sources"]["tps"]
    assert record == {"file": "tps.xlsx#DPT", "sha256": file_sha256(workbook)}
    assert (out / "tps.xlsx").read_bytes() == workbook.read_bytes()
    assert read_scenario_file(out / "scenario.toml").tps == out / "tps.xlsx#DPT"
    assert validate_plan_files(out / "scenario.toml", out / "plan.json") == []


# --- mistakes in the inputs: named by check and plan alike, nothing planned (issue 19) ---------


def edit_rows(path: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of a CSV, each by (spreadsheet row, header)."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    for (row, header), value in edits.items():
        rows[row - 1][rows[0].index(header)] = value
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)


def check_and_plan(scenario: Path, out: Path) -> tuple[Run, Run]:
    """``check SCENARIO`` and ``plan SCENARIO --out OUT``, both refusing: nothing written."""
    checked = run("check", scenario)
    planned = run("plan", scenario, "--out", out)
    for result in (checked, planned):
        assert result.code == 2 and "Traceback" not in result.err, result.err
    assert not out.exists() and leftovers(out.parent) == []
    return checked, planned


def test_a_misspelt_kecamatan_or_kelurahan_stops_check_and_plan(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "salah")
    tps = scenario.parent / "tps.csv"
    edit_rows(
        tps,
        {
            (4, "kecamatan"): "Klojenn",
            (5, "kecamatan"): "KLOJEN ",  # case and spaces: accepted
            (6, "kelurahan"): "Bareng",
            (6, "kecamatan"): "Sukun",
        },
    )
    for result in check_and_plan(scenario, tmp_path / "hasil"):
        assert f"{tps}, baris 4, kolom 'kecamatan': kecamatan 'Klojenn'" in result.err
        assert "maksud Anda 'Klojen'? (kecamatan 'Klojenn' is not in the boundaries; " in result.err
        assert f"{tps}, baris 6, kolom 'kelurahan'" in result.err
        assert "(kelurahan 'Bareng' is in kecamatan Klojen, not Sukun)" in result.err
        assert "2 galat" in result.err


def test_unknown_scenario_keys_and_impossible_hours_stop_check_and_plan(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "salah")
    text = scenario.read_text(encoding="utf-8")
    text = text.replace("max_travel_min = 5.0", "max_travel_minutes = 3.0")
    text = text.replace('voting_start = "07:00"', 'voting_start = "14:00"')
    scenario.write_text(text + "\n[asignment]\nmax_travel_min = 3.0\n", encoding="utf-8")
    lines = scenario.read_text(encoding="utf-8").splitlines()
    travel, section = lines.index("max_travel_minutes = 3.0") + 1, lines.index("[asignment]") + 1
    for result in check_and_plan(scenario, tmp_path / "hasil"):
        for line, key, hint in (
            (travel, "assignment.max_travel_minutes", "did you mean 'assignment.max_travel_min'?"),
            (section, "asignment", "did you mean 'assignment'?"),
        ):
            assert f"baris TOML {line}, kolom '{key}'" in result.err
            assert f"(unknown key '{key}'; {hint})" in result.err
        assert "'time.voting_start' (14:00) is not before 'time.voting_end' (13:00)" in result.err
        assert "3 galat" in result.err


def test_every_problem_of_every_file_in_one_pass_with_the_points_far_from_roads(
    starter: Path, tmp_path: Path
) -> None:
    scenario = copy_scenario(starter, tmp_path / "salah")
    tps, posts = scenario.parent / "tps.csv", scenario.parent / "pos.csv"
    far = {"lintang": "-8.0600", "bujur": "112.5600"}
    edit_rows(tps, {(3, "dpt"): "banyak", (4, "kerawanan"): "", (5, "kerawanan"): ""})
    edit_rows(tps, {(3, column): value for column, value in far.items()})
    edit_rows(posts, {(3, "latitude"): far["lintang"], (3, "longitude"): far["bujur"]})
    for result in check_and_plan(scenario, tmp_path / "hasil"):
        assert f"{tps}, baris 3, kolom 'dpt'" in result.err
        assert f"{tps}, baris 3, kolom 'latitude/longitude'" in result.err
        assert f"{posts}, baris 3, kolom 'latitude/longitude'" in result.err
        assert "m from the nearest road (limit 500 m)" in result.err
        assert f"[PERINGATAN] {tps}, baris 4, kolom 'kerawanan'" in result.err
        assert "(blank kerawanan cell in 2 rows (4-5); those TPS are taken as kurang_rawan)" in (
            result.err
        )
        assert "3 galat, 1 peringatan" in result.err
