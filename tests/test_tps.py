"""Loading and checking TPS tables: aliases, messy formats, bad files and properties."""

from __future__ import annotations

import contextlib
import csv
import io
import string
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from planner.errors import InputError, Problem
from planner.inputs.rules import RiskCategory, load_rules
from planner.inputs.tps import InputTable, load_tps

INPUT = Path(__file__).parent / "input_data"
BAD = INPUT / "bad"
RULES = load_rules()
COLUMNS = [
    "tps_id",
    "tps_number",
    "kelurahan",
    "kecamatan",
    "latitude",
    "longitude",
    "voters",
    "risk",
    "name",
    "address",
    "notes",
    "source_row",
    "geometry",
]
# Canonical header -> a valid cell, and the header names people use (from the brief).
BASE = {
    "no_tps": "1",
    "kelurahan": "Kauman",
    "kecamatan": "Klojen",
    "latitude": "-7.9826",
    "longitude": "112.6285",
    "dpt": "245",
    "kerawanan": "rawan",
}
ALIASES = {
    "id": ["id", "tps_id", "id_tps", "kode_tps"],
    "number": ["no_tps", "nomor_tps", "tps", "no", "nomor", "tps_no", "number"],
    "kelurahan": ["kelurahan", "kel", "desa", "desa_kelurahan", "kelurahan_desa", "village"],
    "kecamatan": ["kecamatan", "kec", "district"],
    "latitude": ["latitude", "lat", "lintang", "y"],
    "longitude": ["longitude", "lon", "long", "lng", "bujur", "x"],
    "koordinat": ["koordinat", "coordinates", "titik_koordinat"],
    "voters": ["voters", "dpt", "jumlah_pemilih", "jumlah_dpt", "jml_dpt", "pemilih"],
    "risk": [
        "risk",
        "risk_category",
        "kerawanan",
        "kategori",
        "kategori_kerawanan",
        "tingkat_kerawanan",
    ],
    "name": ["name", "nama", "nama_tps"],
    "address": ["address", "alamat", "lokasi"],
    "notes": ["notes", "catatan", "keterangan", "ket"],
}
PLACES = [
    ("Klojen", "Kauman", -7.9826, 112.6285),
    ("Klojen", "Oro-oro Dowo", -7.9675, 112.6300),
    ("Lowokwaru", "Dinoyo", -7.9420, 112.6110),
    ("Sukun", "Bandungrejosari", -8.0060, 112.6180),
    ("Blimbing", "Arjosari", -7.9310, 112.6500),
    ("Kedungkandang", "Sawojajar", -7.9725, 112.6600),
]


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    """Write dictionaries as a UTF-8 CSV with their keys as the header."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def renamed(row: dict[str, str], old: str, new: str, value: str | None = None) -> dict[str, str]:
    """``row`` with header ``old`` replaced by ``new`` (and its value, if given)."""
    out = {(new if key == old else key): cell for key, cell in row.items()}
    if value is not None:
        out[new] = value
    return out


def problems(path: Path, rules: Any = RULES) -> list[Problem]:
    """The problems that loading ``path`` as TPS raises."""
    with pytest.raises(InputError) as caught:
        load_tps(path, rules)
    return caught.value.problems


def located(found: list[Problem]) -> list[tuple[int | None, str | None, str, str]]:
    """Each problem as (row, column, code, severity)."""
    return [(p.row, p.column, p.code, p.severity) for p in found]


# --- good files -----------------------------------------------------------------------------


def test_plain_csv_columns_and_types() -> None:
    table = load_tps(INPUT / "tps.csv", RULES)
    assert isinstance(table, InputTable)
    frame = table.frame
    assert list(frame.columns) == COLUMNS
    assert frame.crs.to_epsg() == 4326
    assert table.source == str(INPUT / "tps.csv")
    assert table.warnings == ()
    assert frame["tps_id"].tolist()[0] == "KLOJEN-KAUMAN-001"
    assert frame["tps_number"].tolist() == [1, 2, 1, 7]
    assert frame["voters"].tolist() == [245, 312, 580, 410]
    assert frame["risk"].tolist() == ["kurang_rawan", "rawan", "sangat_rawan", "khusus"]
    assert frame["notes"].tolist() == ["", "dekat pasar", "", "TPS khusus"]
    assert frame["source_row"].tolist() == [2, 3, 4, 5]
    assert frame.geometry.iloc[0].equals(Point(112.6285, -7.9826))
    assert frame.attrs["row_label"] == "baris"
    for column, kind in [("tps_number", "i"), ("voters", "i"), ("latitude", "f")]:
        assert frame[column].dtype.kind == kind


def test_semicolon_decimal_comma_csv() -> None:
    table = load_tps(INPUT / "tps_semicolon.csv", RULES)
    frame = table.frame
    assert frame["latitude"].tolist() == [-7.9826, -7.9831, -7.9675]
    assert frame["longitude"].tolist() == [112.6285, 112.6279, 112.63]
    assert frame["tps_id"].tolist() == [
        "KLOJEN-KAUMAN-001",
        "KLOJEN-KAUMAN-002",
        "KLOJEN-ORO-ORODOWO-003",
    ]
    assert frame["kelurahan"].tolist() == ["Kauman", "Kauman", "Oro-oro Dowo"]
    assert frame["risk"].tolist() == ["kurang_rawan", "sangat_rawan", "rawan"]
    assert frame["voters"].tolist() == [245, 312, 1234]  # "1.234": thousands separator
    assert located(list(table.warnings)) == [(4, "Jumlah DPT", "too_many_voters", "warning")]


def test_cp1252_csv_keeps_accents() -> None:
    frame = load_tps(INPUT / "tps_cp1252.csv", RULES).frame
    assert frame["address"].tolist() == ["Jl. Café Ñ 5"]
    assert frame["tps_id"].tolist() == ["KLJ-9"]
    assert frame["tps_number"].tolist() == [9]


def test_bom_csv_with_short_aliases() -> None:
    frame = load_tps(INPUT / "tps_bom.csv", RULES).frame
    assert frame["tps_id"].tolist() == ["KLJ-1", "KLJ-2"]
    assert frame["tps_number"].tolist() == [0, 0]  # ids given, no numbers
    assert frame["risk"].tolist() == ["rawan", "kurang_rawan"]


def test_xlsx_with_blank_row() -> None:
    frame = load_tps(INPUT / "tps_blank_row.xlsx", RULES).frame
    assert frame["source_row"].tolist() == [2, 3, 5]
    assert frame["tps_number"].tolist() == [1, 2, 3]
    assert frame["latitude"].tolist() == [-7.9826, -7.9831, -7.9675]
    assert frame["voters"].tolist() == [245, 312, 600]
    assert frame["name"].tolist() == ["TPS 001 Kauman", "", "TPS 003"]


def test_utf16_tab_text() -> None:
    frame = load_tps(INPUT / "tps_utf16.txt", RULES).frame
    assert frame["tps_id"].tolist() == ["BLIMBING-ARJOSARI-001"]
    assert frame["risk"].tolist() == ["rawan"]


def test_koordinat_column() -> None:
    frame = load_tps(INPUT / "tps_koordinat.csv", RULES).frame
    assert frame["latitude"].tolist() == [-7.942, -7.9431]
    assert frame["longitude"].tolist() == [112.611, 112.6102]


def test_geojson_points() -> None:
    table = load_tps(INPUT / "tps.geojson", RULES)
    frame = table.frame
    assert frame["tps_id"].tolist() == ["KDK-SWJ-001", "KDK-SWJ-002"]
    assert frame["longitude"].tolist() == [112.66, 112.6612]
    assert frame["risk"].tolist() == ["rawan", "sangat_rawan"]
    assert frame["source_row"].tolist() == [1, 2]
    assert frame.attrs["row_label"] == "fitur"


def test_geopackage_in_utm(tmp_path: Path) -> None:
    source = gpd.GeoDataFrame(
        {"no_tps": [1, 2], "desa": ["Dinoyo"] * 2, "kec": ["Lowokwaru"] * 2, "dpt": [300, 310]},
        geometry=[Point(112.611, -7.942), Point(112.6102, -7.9431)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32749")
    source.to_file(tmp_path / "tps.gpkg")
    table = load_tps(tmp_path / "tps.gpkg", RULES)
    assert table.frame["latitude"].tolist() == pytest.approx([-7.942, -7.9431], abs=1e-7)
    assert table.frame["longitude"].tolist() == pytest.approx([112.611, 112.6102], abs=1e-7)
    assert [p.code for p in table.warnings] == ["missing_column"]  # no risk column


def test_geojson_without_geometry_uses_lat_lon_properties(tmp_path: Path) -> None:
    feature = (
        '{"type": "Feature", "geometry": null, "properties": '
        '{"no": 4, "kel": "Kauman", "kec": "Klojen", "lat": -7.98, "lon": 112.63, "dpt": 9}}'
    )
    path = tmp_path / "tps.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": [{feature}]}}')
    frame = load_tps(path, RULES).frame
    assert frame[["tps_id", "latitude", "longitude"]].values.tolist() == [
        ["KLOJEN-KAUMAN-004", -7.98, 112.63]
    ]


# --- aliases, spellings and derived values ------------------------------------------------------


@pytest.mark.parametrize(
    ("canonical", "alias"),
    [
        (canonical, alias)
        for canonical, family in [
            ("no_tps", "number"),
            ("kelurahan", "kelurahan"),
            ("kecamatan", "kecamatan"),
            ("latitude", "latitude"),
            ("longitude", "longitude"),
            ("dpt", "voters"),
            ("kerawanan", "risk"),
        ]
        for alias in ALIASES[family]
    ],
)
def test_required_aliases(tmp_path: Path, canonical: str, alias: str) -> None:
    header = alias.replace("_", " ").title()  # e.g. "Jumlah Dpt", as people type it
    row = renamed(BASE, canonical, header)
    frame = load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame
    assert frame.iloc[0][["tps_id", "voters", "risk", "latitude"]].tolist() == [
        "KLOJEN-KAUMAN-001",
        245,
        "rawan",
        -7.9826,
    ]


@pytest.mark.parametrize("alias", ALIASES["id"])
def test_id_aliases(tmp_path: Path, alias: str) -> None:
    row = {alias.upper(): "X-1", **BASE}
    assert load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame["tps_id"][0] == "X-1"


@pytest.mark.parametrize("alias", ALIASES["koordinat"])
def test_koordinat_aliases(tmp_path: Path, alias: str) -> None:
    row = {k: v for k, v in BASE.items() if k not in ("latitude", "longitude")}
    row[alias] = "-7.9826, 112.6285"
    frame = load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame
    assert frame.iloc[0][["latitude", "longitude"]].tolist() == [-7.9826, 112.6285]


@pytest.mark.parametrize(
    ("column", "alias"),
    [(column, alias) for column in ("name", "address", "notes") for alias in ALIASES[column]],
)
def test_optional_text_aliases(tmp_path: Path, column: str, alias: str) -> None:
    row = {**BASE, alias: "  isi  "}
    frame = load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame
    others = {"name", "address", "notes"} - {column}
    assert frame[column][0] == "isi"
    assert all(frame[other][0] == "" for other in others)


@pytest.mark.parametrize(
    ("spelling", "category"),
    [
        ("Kurang Rawan", "kurang_rawan"),
        ("kurang_rawan", "kurang_rawan"),
        ("KURANG-RAWAN", "kurang_rawan"),
        ("low", "kurang_rawan"),
        ("Rawan", "rawan"),
        ("vulnerable", "rawan"),
        ("SANGAT-RAWAN", "sangat_rawan"),
        ("sangat rawan ", "sangat_rawan"),
        ("Highly Vulnerable", "sangat_rawan"),
        ("Khusus", "khusus"),
        ("special", "khusus"),
    ],
)
def test_risk_spellings(tmp_path: Path, spelling: str, category: str) -> None:
    row = {**BASE, "kerawanan": spelling}
    frame = load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame
    assert frame["risk"][0] == category
    assert category in set(RiskCategory)


@pytest.mark.parametrize(
    ("number", "value"), [("1", 1), ("001", 1), ("TPS 001", 1), ("tps012", 12), ("No. 7", 7)]
)
def test_tps_number_spellings(tmp_path: Path, number: str, value: int) -> None:
    frame = load_tps(write_csv(tmp_path / "t.csv", [{**BASE, "no_tps": number}]), RULES).frame
    assert frame["tps_number"][0] == value
    assert frame["tps_id"][0] == f"KLOJEN-KAUMAN-{value:03d}"


def test_derived_id_from_prefixed_names(tmp_path: Path) -> None:
    row = {**BASE, "kelurahan": "kel. oro-oro  dowo", "kecamatan": "Kec. Klojen", "no_tps": "3"}
    frame = load_tps(write_csv(tmp_path / "t.csv", [row]), RULES).frame
    assert frame.iloc[0][["tps_id", "kelurahan", "kecamatan"]].tolist() == [
        "KLOJEN-ORO-ORODOWO-003",
        "Oro-oro Dowo",
        "Klojen",
    ]


def test_voters_with_thousands_separator_over_the_limit_can_be_an_error(tmp_path: Path) -> None:
    strict = load_rules({"tps": {"max_voters_is_error": True}})
    path = write_csv(tmp_path / "t.csv", [{**BASE, "dpt": "1.234"}])
    assert located(problems(path, strict)) == [(2, "dpt", "too_many_voters", "error")]


def test_missing_risk_column_warns_and_defaults() -> None:
    table = load_tps(BAD / "missing_risk.csv", RULES)
    assert table.frame["risk"].tolist() == ["kurang_rawan"]
    [warning] = table.warnings
    assert (warning.column, warning.code, warning.severity) == ("risk", "missing_column", "warning")
    assert "kerawanan" in warning.text_en


def test_blank_risk_cells_warn_once_and_default_to_kurang_rawan(tmp_path: Path) -> None:
    risks = ["", "", "sangat rawan", "", "rawan", ""]
    rows = [{**BASE, "no_tps": str(n), "kerawanan": risk} for n, risk in enumerate(risks, 1)]
    table = load_tps(write_csv(tmp_path / "tps.csv", rows), RULES)
    assert table.frame["risk"].tolist() == [
        "kurang_rawan",
        "kurang_rawan",
        "sangat_rawan",
        "kurang_rawan",
        "rawan",
        "kurang_rawan",
    ]
    [warning] = table.warnings
    assert (warning.row, warning.column, warning.code, warning.severity) == (
        2,
        "kerawanan",
        "blank_risk",
        "warning",
    )
    assert "4 rows (2-3, 5, 7)" in warning.text_en and "4 baris (2-3, 5, 7)" in warning.text_id


# --- bad files --------------------------------------------------------------------------------

E = "error"
BAD_FILES = {
    "missing_column.csv": [(None, "kecamatan", "missing_column", E)],
    "non_numeric_coordinate.csv": [(3, "latitude", "not_a_number", E)],
    "out_of_range.csv": [(2, "longitude", "out_of_range", E)],
    "swapped_latlon.csv": [(3, "latitude/longitude", "swapped", E)],
    "outside_area.csv": [(2, "latitude/longitude", "outside_area", E)],
    "duplicate_id.csv": [(4, "tps_id", "duplicate_id", E)],
    "duplicate_number.csv": [(4, "no_tps", "duplicate_id", E)],
    "unknown_risk.csv": [
        (3, "kerawanan", "unknown_value", E),
        (4, "kerawanan", "blank_risk", "warning"),
    ],
    "blank_cell.csv": [(3, "kelurahan", "blank", E)],
    "bad_voters.csv": [(row, "dpt", "not_a_count", E) for row in (2, 3, 4)],
    "extra_cells.csv": [
        (2, None, "extra_cells", E),
        (2, "longitude", "out_of_range", E),
        (2, "kerawanan", "unknown_value", E),
    ],
    "several_errors.csv": [
        (3, "no_tps", "not_a_tps_number", E),
        (3, "longitude", "not_a_number", E),
        (4, "kelurahan", "blank", E),
        (4, "dpt", "not_a_count", E),
        (4, "kerawanan", "unknown_value", E),
        (6, "latitude/longitude", "outside_area", E),
    ],
    "not_a_point.geojson": [(2, "geometry", "not_a_point", E), (3, "geometry", "missing_point", E)],
    "empty.csv": [(None, None, "empty", E)],
    "header_only.csv": [(1, None, "empty", E)],
    "unknown_extension.ods": [(None, None, "unknown_format", E)],
    "bad_encoding.csv": [(None, None, "unreadable", E)],
}


@pytest.mark.parametrize(("name", "expected"), BAD_FILES.items(), ids=list(BAD_FILES))
def test_bad_file_reports_row_and_column(name: str, expected: list[tuple]) -> None:
    found = problems(BAD / name)
    assert located(found) == expected
    for problem in found:
        assert problem.file == str(BAD / name)
        assert problem.text_id and problem.text_en
        assert problem.text_id != problem.text_en


def test_too_many_voters_is_a_warning() -> None:
    table = load_tps(BAD / "too_many_voters.csv", RULES)
    assert located(list(table.warnings)) == [(3, "dpt", "too_many_voters", "warning")]
    assert "600" in table.warnings[0].text_id


def test_several_errors_come_in_one_input_error() -> None:
    with pytest.raises(InputError) as caught:
        load_tps(BAD / "several_errors.csv", RULES)
    message = str(caught.value)
    assert message.startswith("6 galat")
    assert "'parah'" in message and "'abc'" in message


def test_feature_rows_are_labelled_fitur() -> None:
    assert {p.row_label for p in problems(BAD / "not_a_point.geojson")} == {"fitur"}


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("swapped_latlon.csv", ["latitude and longitude look swapped", "tertukar"]),
        ("outside_area.csv", ["outside the planning area Kota Malang", "-7.2575"]),
        ("non_numeric_coordinate.csv", ["'-7.98x'", "decimal number"]),
        ("unknown_risk.csv", ["'medium'", "kurang_rawan, rawan, sangat_rawan, khusus"]),
        ("missing_column.csv", ["kecamatan, kec, district"]),
        ("duplicate_id.csv", ["'A-1'", "row 2"]),
    ],
)
def test_messages_say_what_is_wrong_and_expected(name: str, words: list[str]) -> None:
    text = " ".join(f"{p.text_id} {p.text_en}" for p in problems(BAD / name))
    for word in words:
        assert word in text


def test_missing_id_and_number_is_one_error(tmp_path: Path) -> None:
    row = {k: v for k, v in BASE.items() if k != "no_tps"}
    [problem] = problems(write_csv(tmp_path / "t.csv", [row]))
    assert (problem.column, problem.code) == ("tps_number / tps_id", "missing_column")
    assert "nomor_tps" in problem.text_en and "kode_tps" in problem.text_en


def test_missing_coordinates_name_the_alternatives(tmp_path: Path) -> None:
    row = {k: v for k, v in BASE.items() if k not in ("latitude", "longitude")}
    found = problems(write_csv(tmp_path / "t.csv", [row]))
    assert [p.column for p in found] == ["latitude / koordinat", "longitude / koordinat"]
    assert "lintang" in found[0].text_en and "bujur" in found[1].text_en


def test_long_bad_values_are_cut(tmp_path: Path) -> None:
    [problem] = problems(write_csv(tmp_path / "t.csv", [{**BASE, "dpt": "9" * 300}]))
    assert len(problem.text_en) < 120


def test_missing_file(tmp_path: Path) -> None:
    assert located(problems(tmp_path / "nope.csv")) == [(None, None, "missing_file", "error")]


GOOD_AND_BAD = [*sorted(INPUT.glob("tps*")), *sorted(BAD.glob("[!p]*"))]


@pytest.mark.parametrize("path", GOOD_AND_BAD, ids=[p.name for p in GOOD_AND_BAD])
def test_inputs_are_never_modified(path: Path) -> None:
    before = path.read_bytes(), path.stat().st_mtime_ns
    with contextlib.suppress(InputError):
        load_tps(path, RULES)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# --- properties ---------------------------------------------------------------------------------

SPELLINGS = {
    RiskCategory.KURANG_RAWAN: ["kurang_rawan", "Kurang Rawan", "KURANG-RAWAN", "low"],
    RiskCategory.RAWAN: ["rawan", "Rawan ", "RAWAN", "Vulnerable"],
    RiskCategory.SANGAT_RAWAN: [
        "sangat_rawan",
        "Sangat Rawan",
        "SANGAT-RAWAN",
        "highly vulnerable",
    ],
    RiskCategory.KHUSUS: ["khusus", "Khusus", "KHUSUS", "special"],
}
HEADER_STYLES = [str, str.upper, lambda a: a.replace("_", " ").title()]
NAME_CHARS = string.ascii_letters + string.digits + " .,;'\"-/()éÑü"


@st.composite
def tps_tables(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Random valid TPS rows and a random way of writing them."""
    count = draw(st.integers(1, 6))
    places = draw(st.lists(st.sampled_from(PLACES), min_size=count, max_size=count))
    numbers = draw(st.lists(st.integers(1, 999), min_size=count, max_size=count, unique=True))
    rows = []
    for (kecamatan, kelurahan, lat, lon), number in zip(places, numbers, strict=True):
        risk = draw(st.sampled_from(list(RiskCategory)))
        rows.append(
            {
                "tps_id": f"{kecamatan}-{kelurahan}-{number:03d}".upper().replace(" ", ""),
                "tps_number": number,
                "kelurahan": kelurahan,
                "kecamatan": kecamatan,
                "latitude": round(lat + draw(st.integers(-300, 300)) / 10_000, 4),
                "longitude": round(lon + draw(st.integers(-300, 300)) / 10_000, 4),
                "voters": draw(st.integers(0, 600)),
                "risk": risk.value,
                "risk_written": draw(st.sampled_from(SPELLINGS[risk])),
                "number_written": draw(st.sampled_from(["{}", "{:03d}", "TPS {:03d}"])),
                "name": draw(st.text(NAME_CHARS, max_size=15)),
            }
        )
    headers = {
        family: draw(st.sampled_from(HEADER_STYLES))(draw(st.sampled_from(ALIASES[family])))
        for family in ALIASES
    }
    style = {
        "headers": headers,
        "with_id": draw(st.booleans()),
        "pair": draw(st.booleans()),
        "format": draw(st.sampled_from(["csv", "xlsx"])),
        "delimiter": draw(st.sampled_from([",", ";", "\t"])),
        "decimal": draw(st.sampled_from([".", ","])),
        "encoding": draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])),
    }
    return rows, style


def written_table(rows: list[dict[str, Any]], style: dict[str, Any]) -> list[list[Any]]:
    """The header and cells a person would type for ``rows`` in ``style``."""
    names = style["headers"]
    families = ["number", "kelurahan", "kecamatan", "voters", "risk", "name"]
    families += ["koordinat"] if style["pair"] else ["latitude", "longitude"]
    families += ["id"] if style["with_id"] else []
    table: list[list[Any]] = [[names[f] for f in families]]
    for row in rows:
        lat, lon = row["latitude"], row["longitude"]
        if style["format"] == "csv":
            lat, lon = (f"{v:.4f}".replace(".", style["decimal"]) for v in (lat, lon))
        cells = {
            "id": row["tps_id"],
            "number": row["number_written"].format(row["tps_number"]),
            "kelurahan": row["kelurahan"],
            "kecamatan": row["kecamatan"],
            "voters": row["voters"],
            "risk": row["risk_written"],
            "name": row["name"],
            "koordinat": f"{lat}, {lon}",
            "latitude": lat,
            "longitude": lon,
        }
        table.append([cells[f] for f in families])
    return table


def save(table: list[list[Any]], style: dict[str, Any], folder: str) -> Path:
    """Save a header-and-cells table as CSV or XLSX in ``style``."""
    if style["format"] == "xlsx":
        book = openpyxl.Workbook()
        for cells in table:
            book.active.append(cells)
        path = Path(folder) / "tps.xlsx"
        book.save(path)
        return path
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=style["delimiter"]).writerows(table)
    path = Path(folder) / "tps.csv"
    path.write_bytes(buffer.getvalue().encode(style["encoding"]))
    return path


@settings(max_examples=50, deadline=None)
@given(tps_tables())
def test_round_trip(generated: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    rows, style = generated
    with tempfile.TemporaryDirectory() as folder:
        frame = load_tps(save(written_table(rows, style), style, folder), RULES).frame
    for column in ("tps_id", "tps_number", "kelurahan", "kecamatan", "voters", "risk"):
        assert frame[column].tolist() == [row[column] for row in rows]
    assert frame["latitude"].tolist() == [row["latitude"] for row in rows]
    assert frame["longitude"].tolist() == [row["longitude"] for row in rows]
    assert frame["name"].tolist() == [row["name"].strip() for row in rows]
    assert frame["source_row"].tolist() == list(range(2, len(rows) + 2))


TRICKY = [
    "",
    " ",
    "-7,98",
    "1.234",
    "TPS 001",
    "nan",
    "inf",
    "1e400",
    "9" * 30,
    "Kec.",
    "Kurang Rawan",
    "112.63, -7.98",
    "-7.98, 112.63",
    '"',
    "=1+1",
]
JUNK = st.one_of(st.text(max_size=12), st.sampled_from(TRICKY))


@settings(max_examples=50, deadline=None)
@given(
    header=st.permutations(
        ["no_tps", "kelurahan", "kecamatan", "latitude", "longitude", "dpt", "kerawanan", "id"]
    ),
    cells=st.lists(st.lists(JUNK, min_size=0, max_size=10), min_size=0, max_size=4),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_junk_cells_raise_only_input_error(
    header: list[str], cells: list[list[str]], delimiter: str
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *cells])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tps.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        try:
            load_tps(path, RULES)
        except InputError as exc:
            assert exc.problems


@settings(max_examples=50, deadline=None)
@given(
    content=st.binary(max_size=300),
    suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".geojson", ".gpkg"]),
)
def test_junk_files_raise_only_input_error(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tps{suffix}"
        path.write_bytes(content)
        with pytest.raises(InputError):
            load_tps(path, RULES)
