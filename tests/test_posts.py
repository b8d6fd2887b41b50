"""Loading and checking police post tables."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest

from planner._data import data_path
from planner.errors import InputError, Problem
from planner.inputs.posts import InputTable, load_posts
from planner.inputs.rules import load_rules

INPUT = Path(__file__).parent / "input_data"
BAD = INPUT / "bad"
RULES = load_rules()
COLUMNS = [
    "post_id",
    "name",
    "kind",
    "kecamatan",
    "latitude",
    "longitude",
    "polri",
    "tni",
    "cars",
    "motorbikes",
    "approximate",
    "address",
    "notes",
    "source_row",
    "geometry",
]
BASE = {
    "name": "Polsek Sukun",
    "kecamatan": "Sukun",
    "latitude": "-7.9950",
    "longitude": "112.6160",
}


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write dictionaries as a UTF-8 CSV with their keys as the header."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def problems(path: Path) -> list[tuple[int | None, str | None, str]]:
    """(row, column, code) of each problem that loading ``path`` as posts raises."""
    with pytest.raises(InputError) as caught:
        load_posts(path, RULES)
    found: list[Problem] = caught.value.problems
    return [(p.row, p.column, p.code) for p in found]


def test_shipped_malang_posts_load_cleanly() -> None:
    table = load_posts(data_path("malang_posts.csv"), RULES)
    assert isinstance(table, InputTable)
    frame = table.frame
    assert table.warnings == ()
    assert list(frame.columns) == COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert frame["post_id"].tolist()[:2] == ["polresta", "polsek_blimbing"]
    assert frame["kind"].tolist() == ["polresta"] + ["polsek"] * 5
    assert frame["polri"].sum() == 557
    assert frame["approximate"].tolist() == [True] * 6
    assert frame["approximate"].dtype == bool
    assert frame.loc[5, ["latitude", "longitude"]].tolist() == [-7.941, 112.609]


def test_aliases_semicolons_koordinat_and_defaults() -> None:
    frame = load_posts(INPUT / "posts_aliases.csv", RULES).frame
    assert frame["post_id"].tolist() == ["polsek_lowokwaru", "pos_pam_dinoyo", "pos_cafe_n"]
    assert frame["name"].tolist()[2] == "Pos Café Ñ"
    assert frame["kind"].tolist() == ["polsek", "pos", "pos"]
    assert frame["kecamatan"].tolist() == ["Lowokwaru", "Lowokwaru", "Klojen"]
    assert frame["latitude"].tolist() == [-7.941, -7.9425, -7.98]
    assert frame[["polri", "tni", "cars", "motorbikes"]].values.tolist() == [
        [82, 4, 3, 12],
        [6, 0, 0, 2],
        [4, 2, 0, 1],
    ]
    assert frame["approximate"].tolist() == [True, False, False]
    assert frame["address"].tolist() == ["Jl. MT Haryono 413", "", ""]


def test_absent_optional_columns_take_defaults(tmp_path: Path) -> None:
    frame = load_posts(write_csv(tmp_path / "p.csv", [BASE]), RULES).frame
    row = frame.iloc[0]
    assert row["post_id"] == "polsek_sukun"
    assert row["kind"] == "pos"
    assert [row[c] for c in ("polri", "tni", "cars", "motorbikes")] == [0, 0, 0, 0]
    assert not row["approximate"]
    assert (row["address"], row["notes"]) == ("", "")


@pytest.mark.parametrize(
    ("column", "alias", "value", "expected"),
    [("post_id", alias, "pos-1", "pos-1") for alias in ("post_id", "id", "kode")]
    + [("name", alias, "Pos A", "Pos A") for alias in ("name", "nama", "nama_pos")]
    + [("kind", alias, "Polsek", "polsek") for alias in ("kind", "jenis", "tipe", "type")]
    + [("kecamatan", alias, "Kec. Sukun", "Sukun") for alias in ("kecamatan", "kec", "district")]
    + [("polri", alias, "12", 12) for alias in ("polri", "personel_polri", "jumlah_polri")]
    + [("tni", alias, "3", 3) for alias in ("tni", "personel_tni")]
    + [("cars", alias, "2", 2) for alias in ("cars", "mobil", "r4")]
    + [("motorbikes", alias, "5", 5) for alias in ("motorbikes", "motor", "sepeda_motor", "r2")]
    + [("approximate", alias, "ya", True) for alias in ("approximate", "perkiraan", "approx")]
    + [("address", alias, "Jl. A", "Jl. A") for alias in ("address", "alamat", "lokasi")]
    + [("notes", alias, "b", "b") for alias in ("notes", "catatan", "keterangan", "ket")],
)
def test_aliases(tmp_path: Path, column: str, alias: str, value: str, expected: object) -> None:
    row = {k: v for k, v in BASE.items() if k != column} | {alias.upper(): value}
    frame = load_posts(write_csv(tmp_path / "p.csv", [row]), RULES).frame
    assert frame[column][0] == expected


@pytest.mark.parametrize(
    "headers", [("Lintang", "Bujur"), ("lat", "lng"), ("Y", "X"), ("Titik Koordinat",)]
)
def test_coordinate_aliases(tmp_path: Path, headers: tuple[str, ...]) -> None:
    row = {k: v for k, v in BASE.items() if k not in ("latitude", "longitude")}
    values = ["-7,9950", "112,6160"] if len(headers) == 2 else ["-7,9950, 112,6160"]
    row |= dict(zip(headers, values, strict=True))
    frame = load_posts(write_csv(tmp_path / "p.csv", [row]), RULES).frame
    assert frame.loc[0, ["latitude", "longitude"]].tolist() == [-7.995, 112.616]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("ya", True),
        ("Y", True),
        ("1", True),
        ("false", False),
        ("Tidak", False),
        ("n", False),
        ("0", False),
        ("", False),
    ],
)
def test_approximate_spellings(tmp_path: Path, text: str, value: bool) -> None:
    frame = load_posts(write_csv(tmp_path / "p.csv", [{**BASE, "perkiraan": text}]), RULES).frame
    assert bool(frame["approximate"][0]) is value


def test_duplicate_post_id() -> None:
    assert problems(BAD / "posts_duplicate_id.csv") == [(3, "post_id", "duplicate_id")]


def test_duplicate_derived_id_names_the_name_column(tmp_path: Path) -> None:
    rows = [BASE, {**BASE, "name": "polsek  SUKUN"}]
    assert problems(write_csv(tmp_path / "p.csv", rows)) == [(3, "name", "duplicate_id")]


def test_bad_values_all_reported_at_once() -> None:
    assert problems(BAD / "posts_bad_values.csv") == [
        (2, "motorbikes", "not_a_count"),
        (3, "kind", "unknown_value"),
        (3, "approximate", "unknown_value"),
        (4, "name", "blank"),
    ]


def test_name_without_letters_gives_no_id(tmp_path: Path) -> None:
    assert problems(write_csv(tmp_path / "p.csv", [{**BASE, "name": "!!!"}])) == [
        (2, "name", "no_id")
    ]


def test_missing_required_columns(tmp_path: Path) -> None:
    row = {"kind": "pos", "latitude": "-7.9950", "longitude": "112.6160"}
    assert problems(write_csv(tmp_path / "p.csv", [row])) == [
        (None, "name", "missing_column"),
        (None, "kecamatan", "missing_column"),
    ]


def test_coordinates_checked_like_tps(tmp_path: Path) -> None:
    rows = [
        {**BASE, "name": "A", "latitude": "112.6160", "longitude": "-7.9950"},
        {**BASE, "name": "B", "latitude": "-7.2575", "longitude": "112.7521"},
        {**BASE, "name": "C", "latitude": "-97", "longitude": "112.6"},
    ]
    assert problems(write_csv(tmp_path / "p.csv", rows)) == [
        (2, "latitude/longitude", "swapped"),
        (3, "latitude/longitude", "outside_area"),
        (4, "latitude", "out_of_range"),
    ]


def test_geojson_posts(tmp_path: Path) -> None:
    path = tmp_path / "posts.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"geometry": {"type": "Point", "coordinates": [112.616, -7.995]}, '
        '"properties": {"nama": "Polsek Sukun", "jenis": "polsek", "kec": "Sukun", "r2": 12}}]}'
    )
    frame = load_posts(path, RULES).frame
    assert frame.loc[0, ["post_id", "motorbikes", "source_row"]].tolist() == [
        "polsek_sukun",
        12,
        1,
    ]


POST_FILES = [data_path("malang_posts.csv"), *sorted(INPUT.rglob("posts_*"))]


@pytest.mark.parametrize("path", POST_FILES, ids=[p.name for p in POST_FILES])
def test_inputs_are_never_modified(path: Path) -> None:
    before = path.read_bytes(), path.stat().st_mtime_ns
    with contextlib.suppress(InputError):
        load_posts(path, RULES)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
