"""The command line: demo and check, exit codes, messages, and untouched inputs."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from planner import cli
from planner._atomic import STAGING_MARK
from planner.errors import InputError
from planner.inputs.scenario import load_scenario, read_scenario_file
from planner.roads import sources
from tests.conftest import INPUT_DATA, csv_rows, write_workbook


def run(*args: str, env_data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a fresh interpreter."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "TPS_PLANNER_DATA_DIR"}
    if env_data_dir is not None:
        env["TPS_PLANNER_DATA_DIR"] = str(env_data_dir)
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_prints_what_a_good_file_holds() -> None:
    result = run("check", str(INPUT_DATA / "tps.csv"))
    assert result.returncode == 0, result.stderr
    assert "TPS:" in result.stdout and "per kecamatan" in result.stdout
    assert "tidak diperiksa" in result.stdout  # no network given: distance not checked


def test_check_bad_file_exits_2_naming_row_and_column() -> None:
    bad = INPUT_DATA / "bad" / "swapped_latlon.csv"
    before = digest(bad)
    result = run("check", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr and "baris" in result.stderr and "kolom" in result.stderr
    assert "swapped" in result.stderr
    assert digest(bad) == before


def test_check_reports_problems_of_tps_and_posts_together(tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post_id,name,kind,kecamatan,latitude,longitude,polri\np1,A,polsek,Klojen,x,112.6,5\n"
    )
    result = run("check", str(INPUT_DATA / "bad" / "duplicate_id.csv"), "--posts", str(posts))
    assert result.returncode == 2
    assert "duplicate_id.csv" in result.stderr and "posts.csv" in result.stderr


@pytest.mark.malang
def test_check_with_network_rejects_a_point_far_from_roads(
    malang_dir: Path, tmp_path: Path
) -> None:
    tps = tmp_path / "tps.csv"
    tps.write_text(
        "no_tps,kelurahan,kecamatan,lintang,bujur,dpt,kerawanan\n"
        "1,Kauman,Klojen,-7.9826,112.6308,300,rawan\n"
        "2,Wonokoyo,Kedungkandang,-8.0700,112.7000,250,kurang rawan\n"
    )
    result = run("check", str(tps), "--data-dir", str(malang_dir))
    assert result.returncode == 2, result.stdout
    assert "baris 3" in result.stderr and "m dari jalan terdekat" in result.stderr
    assert "baris 2" not in result.stderr


@pytest.mark.malang
def test_demo_writes_a_valid_reproducible_scenario(malang_dir: Path, tmp_path: Path) -> None:
    first = run(
        "demo", "--out", str(tmp_path / "a"), "--tps", "120", "--seed", "5", env_data_dir=malang_dir
    )
    assert first.returncode == 0, first.stderr
    second = run(
        "demo",
        "--out",
        str(tmp_path / "b"),
        "--tps",
        "120",
        "--seed",
        "5",
        "--data-dir",
        str(malang_dir),
    )
    assert second.returncode == 0, second.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "tps.csv").read_bytes() == (b / "tps.csv").read_bytes()
    scenario_file = read_scenario_file(a / "scenario.toml")
    assert scenario_file.tps == a / "tps.csv" and scenario_file.data_dir == malang_dir.resolve()
    scenario = load_scenario(scenario_file.tps, scenario_file.posts, scenario_file.rules)
    assert len(scenario.tps) == 120
    assert scenario.posts["approximate"].all()
    assert not list(a.glob(".*.tmp")), "temporary files left behind"
    summary = (a / "network.json").read_text()
    assert '"approximate": true' in summary and "lokasi perkiraan" in summary


def test_demo_without_any_network_source_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TPS_PLANNER_DATA_DIR", raising=False)
    monkeypatch.setenv("TPS_PLANNER_CACHE_DIR", str(tmp_path / "cache"))

    def offline(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("no internet")

    monkeypatch.setattr(sources, "download_network", offline)
    code = cli.main(["demo", "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "--network" in err and "--data-dir" in err and "TPS_PLANNER_DATA_DIR" in err
    assert not (tmp_path / "out").exists()


def test_demo_with_a_missing_network_file_exits_2(tmp_path: Path) -> None:
    result = run("demo", "--out", str(tmp_path), "--network", str(tmp_path / "nope.graphml"))
    assert result.returncode == 2
    assert "nope.graphml" in result.stderr and "Traceback" not in result.stderr


def test_internal_errors_exit_3_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    assert cli.main(["check", "x.csv"]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def test_verbose_internal_errors_show_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    assert cli.main(["check", "x.csv", "--verbose"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError: boom" in err and "internal error" in err


def test_check_reads_a_sites_table_and_warns_of_unused_rows() -> None:
    sites = INPUT_DATA / "lokasi.csv"
    result = run("check", str(INPUT_DATA / "tps.csv"), "--sites", str(sites))
    assert result.returncode == 0, result.stderr
    assert f"Lokasi logistik: 4 dari {sites}; gudang 1, PPK 1, PPS 2" in result.stdout
    assert f"{sites}, baris 5" in result.stderr and "pps_blimbing_blimbing" in result.stderr


def test_check_bad_sites_rows_exit_2_naming_file_row_and_column() -> None:
    bad = INPUT_DATA / "bad" / "sites_bad_rows.csv"
    result = run("check", str(INPUT_DATA / "tps.csv"), "--sites", str(bad))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for where in ("baris 3, kolom 'jenis'", "baris 4, kolom 'kelurahan'", "baris 5, kolom 'bujur'"):
        assert f"{bad}, {where}" in result.stderr, where


@pytest.mark.parametrize(
    ("code", "names", "shown", "says"),
    [
        (errno.ENOSPC, (), "hasil", "disk penuh"),
        (errno.EDQUOT, (), "hasil", "disk penuh"),
        (errno.EACCES, (f"data/.hasil{STAGING_MARK}x",), "data", "izin menulis ditolak"),
        (errno.EPERM, (f".hasil{STAGING_MARK}x/a", "hasil/a"), "hasil/a", "izin menulis ditolak"),
        (errno.EROFS, ("hasil/publik",), "hasil/publik", "disk hanya bisa dibaca"),
    ],
)
def test_a_refused_write_names_the_path_and_what_to_do(
    code: int, names: tuple[str, ...], shown: str, says: str
) -> None:
    with pytest.raises(InputError) as error, cli.refused_writes(Path("hasil")):
        raise OSError(code, os.strerror(code), *names[:1], None, *names[1:])
    [problem] = error.value.problems
    assert problem.file == shown and problem.text_id.startswith(says)
    assert problem.text_id.endswith("keluaran sebelumnya tidak diubah")
    assert problem.text_en.endswith("earlier outputs left as they were")
    assert "--out" in problem.text_id and "--out" in problem.text_en


def test_other_os_errors_stay_internal() -> None:
    with pytest.raises(FileNotFoundError), cli.refused_writes(Path("hasil")):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), "hasil/x")


POLYGON = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
    '"geometry": {"type": "Polygon", "coordinates": '
    "[[[112.60, -7.98], [112.61, -7.98], [112.61, -7.97], [112.60, -7.98]]]}}]}"
)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("kelurahan.geojson", POLYGON.encode(), "expected road centre lines"),
        ("jalan.graphml", bytes(range(256)) * 4, "expected an osmnx road-network GraphML"),
        ("jalan.osm", b"bukan XML\n", "expected OSM XML"),
    ],
    ids=["polygons", "random-bytes", "text"],
)
def test_check_with_a_file_that_is_no_road_network_exits_2_naming_it(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    network = tmp_path / name
    network.write_bytes(content)
    result = run("check", str(INPUT_DATA / "tps.csv"), "--network", str(network))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"[GALAT] {network}: bukan jaringan jalan: " in result.stderr
    assert expected in result.stderr


@pytest.mark.malang
def test_check_reads_the_tps_sheet_below_its_title_and_names_the_sheet(
    malang_dir: Path, tmp_path: Path
) -> None:
    rows = csv_rows(INPUT_DATA / "tps.csv")
    far = ["KEDUNGKANDANG-WONOKOYO-001", "1", "Wonokoyo", "Kedungkandang", "-8.07", "112.70"]
    cover = [["Daftar TPS Pilkada 2024"], ["Polresta Malang Kota"]]
    sheet = [["DAFTAR TPS KOTA MALANG"], [], *rows, [*far, "250", "rawan"]]
    tps = write_workbook(tmp_path / "tps.xlsx", {"Sampul": cover, "DPT": sheet})
    result = run("check", str(tps), "--data-dir", str(malang_dir))
    assert result.returncode == 2, result.stdout
    assert f"[GALAT] {tps}, lembar 'DPT', baris 8, kolom 'latitude/longitude': " in result.stderr
    write_workbook(tmp_path / "tps.xlsx", {"Sampul": cover, "DPT": sheet[:-1]})
    result = run("check", str(tps), "--data-dir", str(malang_dir))
    assert result.returncode == 0, result.stderr
    assert f"TPS: 4 dari {tps}" in result.stdout
    assert f"[PERINGATAN] {tps}, lembar 'DPT': " in result.stderr  # the sheet chosen
    assert f"[PERINGATAN] {tps}, lembar 'DPT', baris 1: " in result.stderr  # the title skipped
