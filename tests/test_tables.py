"""Reading raw tables from CSV, XLSX, GeoJSON and GeoPackage, and the shared cell parsers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point

from planner.errors import InputError
from planner.inputs._reading import normalise_name, read_table, show
from planner.inputs._tables import (
    CellError,
    parse_boolean,
    parse_count,
    parse_number,
    parse_pair,
    parse_place,
)
from planner.inputs.rules import load_rules
from planner.inputs.tps import COLUMNS as TPS_COLUMNS
from planner.inputs.tps import load_tps
from tests.conftest import csv_rows, write_workbook

INPUT = Path(__file__).parent / "input_data"
BAD = INPUT / "bad"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` in ``encoding`` and return the path."""
    path.write_bytes(text.encode(encoding))
    return path


def problem_codes(path: Path) -> list[str]:
    """The codes of the problems that reading ``path`` raises."""
    with pytest.raises(InputError) as caught:
        read_table(path, TPS_COLUMNS)
    return [p.code for p in caught.value.problems]


# --- parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("No. TPS", "no_tps"),
        ("  Desa/Kelurahan ", "desa_kelurahan"),
        ("Jumlah DPT", "jumlah_dpt"),
        ("KEC.", "kec"),
        ("Désa", "desa"),
        ("???", ""),
    ],
)
def test_normalise_name(written: str, name: str) -> None:
    assert normalise_name(written) == name


@pytest.mark.parametrize(
    ("text", "value"),
    [("-7.941", -7.941), ("-7,9410", -7.941), ("112", 112.0), ("+0,5", 0.5), (".5", 0.5)],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "1e5", "nan", "inf", "1.2.3", "-7.98x", "1 234"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(CellError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("245", 245),
        ("1.234", 1234),
        ("1,234", 1234),
        ("12.345.678", 12_345_678),
        ("600.0", 600),
        ("0", 0),
        ("007", 7),
    ],
)
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["-5", "12,5", "1.2345", "1e3", "banyak", "1234567890"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(CellError):
        parse_count(text)


@pytest.mark.parametrize(
    "text",
    ["-7.98, 112.63", "-7.98,112.63", "-7,98; 112,63", "-7,98, 112,63", "(-7.98 112.63)"],
)
def test_parse_pair(text: str) -> None:
    assert parse_pair(text) == (-7.98, 112.63)


@pytest.mark.parametrize("text", ["-7.98", "a, b", "-7.98, 112.63, 5"])
def test_parse_pair_rejects(text: str) -> None:
    with pytest.raises(CellError):
        parse_pair(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Klojen", "Klojen"),
        ("KEC. KLOJEN", "Klojen"),
        ("Kecamatan  Klojen", "Klojen"),
        ("kec klojen", "Klojen"),
        ("Kel.Kauman", "Kauman"),
        ("Kelurahan Oro-oro Dowo", "Oro-oro Dowo"),
        ("ORO-ORO  DOWO", "Oro-oro Dowo"),
        ("Desa Tlogomas", "Tlogomas"),
        ("gading kasri", "Gading Kasri"),
        ("Kedungkandang", "Kedungkandang"),
        ("Kelapa Dua", "Kelapa Dua"),
    ],
)
def test_parse_place(text: str, name: str) -> None:
    assert parse_place(text) == name


def test_parse_place_rejects_prefix_alone() -> None:
    with pytest.raises(CellError):
        parse_place("Kecamatan")


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("YA", True), ("y", True), ("1", True), ("False", False), ("tidak", False)],
)
def test_parse_boolean(text: str, value: bool) -> None:
    assert parse_boolean(text) is value


def test_parse_boolean_lists_accepted_values() -> None:
    with pytest.raises(CellError) as caught:
        parse_boolean("mungkin")
    assert "ya" in caught.value.expected_id
    assert "tidak" in caught.value.expected_en


def test_show_truncates_long_values() -> None:
    assert show("abc") == "'abc'"
    assert len(show("x" * 500)) == 40


# --- CSV / TXT --------------------------------------------------------------------------------


def test_semicolon_csv_keeps_decimal_comma_text() -> None:
    raw = read_table(INPUT / "tps_semicolon.csv", TPS_COLUMNS)
    assert list(raw.cells.columns[:5]) == ["no_tps", "desa_kelurahan", "kec", "lintang", "bujur"]
    assert raw.headers["desa_kelurahan"] == "Desa/Kelurahan"
    assert raw.cells.at[2, "lintang"] == "-7,9826"
    assert raw.cells.at[4, "lintang"] == "-7,9675"  # surrounding spaces stripped
    assert list(raw.cells.index) == [2, 3, 4]
    assert raw.row_label == "baris"


def test_cp1252_csv() -> None:
    raw = read_table(INPUT / "tps_cp1252.csv", TPS_COLUMNS)
    assert raw.cells.at[2, "alamat"] == "Jl. Café Ñ 5"


def test_bom_csv_header_has_no_bom() -> None:
    raw = read_table(INPUT / "tps_bom.csv", TPS_COLUMNS)
    assert raw.cells.columns[0] == "id"


def test_utf16_tab_text() -> None:
    raw = read_table(INPUT / "tps_utf16.txt", TPS_COLUMNS)
    assert raw.cells.at[2, "village"] == "Arjosari"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    text = delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", '"x,y;z"', "3"]) + "\n"
    raw = read_table(write(tmp_path / "t.csv", text), TPS_COLUMNS)
    assert raw.cells.loc[2].tolist() == ["1", "x,y;z", "3"]


def test_blank_and_multiline_rows_keep_spreadsheet_numbers(tmp_path: Path) -> None:
    text = '\n\na,b\n1,"two\nlines"\n\n, \n3,4\n'
    raw = read_table(write(tmp_path / "t.csv", text), TPS_COLUMNS)
    assert list(raw.cells.index) == [4, 7]
    assert raw.cells.at[4, "b"] == "two\nlines"


def test_row_with_cells_under_no_header_is_an_error(tmp_path: Path) -> None:
    raw = read_table(write(tmp_path / "t.csv", "a,b\n1,2\n1,2,3\n1,2,,\n"), TPS_COLUMNS)
    assert [(p.row, p.column, p.code) for p in raw.problems] == [(3, None, "extra_cells")]


def test_duplicate_header_warns_and_keeps_the_first(tmp_path: Path) -> None:
    raw = read_table(write(tmp_path / "t.csv", "Lat,b,LAT\n1,2,3\n"), TPS_COLUMNS)
    assert raw.cells.at[2, "lat"] == "1"
    [problem] = raw.problems
    assert (problem.row, problem.column, problem.severity) == (1, "LAT", "warning")


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_skips_blank_rows_and_reads_the_table_sheet() -> None:
    raw = read_table(INPUT / "tps_blank_row.xlsx", TPS_COLUMNS)
    assert list(raw.cells.index) == [2, 3, 5]
    assert raw.cells.at[2, "latitude"] == "-7.9826"
    assert raw.cells.at[3, "no_tps"] == "002"
    assert raw.cells.at[3, "nama"] == ""


def test_xlsx_header_below_leading_blank_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"] = "a", "b"
    sheet["B4"], sheet["C4"] = 1, -7.5
    book.save(tmp_path / "t.xlsx")
    raw = read_table(tmp_path / "t.xlsx", TPS_COLUMNS)
    assert raw.cells.loc[4].tolist() == ["1", "-7.5"]


TPS_ROWS = csv_rows(INPUT / "tps.csv")
COVER = [["Daftar TPS Pilkada 2024"], ["Polresta Malang Kota"], ["No", "Isi"], [1, "DPT"]]


def test_xlsx_table_sheet_is_chosen_by_its_header_and_said(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", {"Sampul": COVER, "DPT": TPS_ROWS})
    raw = read_table(path, TPS_COLUMNS)
    assert raw.sheet == "DPT"
    assert raw.cells.at[2, "tps_id"] == "KLOJEN-KAUMAN-001"
    [note] = raw.problems
    assert (note.code, note.severity, note.sheet) == ("sheet_chosen", "warning", "DPT")
    assert "'Sampul'" in note.text_en and "t.xlsx#" in note.text_en
    assert str(note).startswith(f"[PERINGATAN] {path}, lembar 'DPT': ")


def test_xlsx_sheet_named_after_hash_is_read(tmp_path: Path) -> None:
    other = [TPS_ROWS[0], TPS_ROWS[3]]
    sheets = {"Klojen": TPS_ROWS[:3], "Lowokwaru": other, "Sampul": COVER}
    path = write_workbook(tmp_path / "t.xlsx", sheets)
    raw = read_table(f"{path}#Lowokwaru", TPS_COLUMNS)
    assert (raw.source, raw.sheet, raw.problems) == (str(path), "Lowokwaru", ())
    assert raw.cells["tps_id"].tolist() == ["LOWOKWARU-DINOYO-001"]
    assert read_table(f"{path}#lowokwaru", TPS_COLUMNS).sheet == "Lowokwaru"


def test_xlsx_named_sheet_that_is_not_there_lists_the_sheets(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", {"Sampul": COVER, "DPT": TPS_ROWS})
    with pytest.raises(InputError) as caught:
        read_table(f"{path}#TPS", TPS_COLUMNS)
    [problem] = caught.value.problems
    assert (problem.file, problem.code) == (str(path), "missing_sheet")
    assert "'TPS'" in problem.text_en and "'Sampul', 'DPT'" in problem.text_en


def test_xlsx_without_a_sheet_of_the_table_names_the_sheets_found(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "t.xlsx", {"Sampul": COVER, "Catatan": [["a", "b"], [1, 2]]})
    with pytest.raises(InputError) as caught:
        read_table(path, TPS_COLUMNS)
    [problem] = caught.value.problems
    assert (problem.file, problem.code) == (str(path), "no_sheet")
    assert "'Sampul', 'Catatan'" in problem.text_id and "kelurahan" in problem.text_id
    assert "t.xlsx#" in problem.text_en


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_title_rows_above_the_header_are_skipped_and_said(tmp_path: Path, suffix: str) -> None:
    rows = [["DAFTAR TPS KOTA MALANG"], ["Pilkada 2024", ""], [], *TPS_ROWS]
    if suffix == ".xlsx":
        path = write_workbook(tmp_path / "t.xlsx", {"DPT": rows})
    else:
        path = write(tmp_path / "t.csv", "\n".join(",".join(row) for row in rows) + "\n")
    raw = read_table(path, TPS_COLUMNS)
    assert list(raw.cells.index) == [5, 6, 7, 8]
    assert raw.headers["tps_id"] == "tps_id"
    [note] = raw.problems
    assert (note.code, note.severity, note.row) == ("title_rows", "warning", 1)
    assert note.sheet == ("DPT" if suffix == ".xlsx" else None)
    assert "row 4" in note.text_en and "'DAFTAR TPS KOTA MALANG'" in note.text_en


def test_formula_without_a_saved_value_is_named_as_a_formula(tmp_path: Path) -> None:
    rows = [list(row) for row in TPS_ROWS]
    rows[2][6] = "=G2+10"  # voters: required
    rows[3][10] = '=CONCAT("TPS ", B4)'  # notes: optional
    path = write_workbook(tmp_path / "t.xlsx", {"DPT": rows})
    with pytest.raises(InputError) as caught:
        load_tps(path, load_rules())
    found = [(p.row, p.column, p.code, p.sheet) for p in caught.value.problems]
    assert found == [(3, "voters", "formula", "DPT"), (4, "notes", "formula", "DPT")]
    first = caught.value.problems[0]
    assert "'=G2+10'" in first.text_id and "Excel" in first.text_en
    assert "empty" not in first.text_en


def test_every_message_of_a_workbook_names_its_sheet(tmp_path: Path) -> None:
    rows = [list(row) for row in TPS_ROWS]
    rows[4][6] = "banyak"
    path = write_workbook(tmp_path / "tps.xlsx", {"Sampul": COVER, "DPT": rows})
    with pytest.raises(InputError) as caught:
        load_tps(path, load_rules())
    assert [p.sheet for p in caught.value.problems] == ["DPT", "DPT"]
    assert f"{path}, lembar 'DPT', baris 5, kolom 'voters': " in str(caught.value)
    rows[4][6] = "300"
    path = write_workbook(tmp_path / "tps.xlsx", {"Sampul": COVER, "DPT": rows})
    table = load_tps(path, load_rules())
    assert table.frame.attrs["sheet"] == "DPT"
    assert [w.sheet for w in table.warnings] == ["DPT"]


# --- GeoJSON / GeoPackage ---------------------------------------------------------------------


def test_geojson_rows_are_features_with_geometry() -> None:
    raw = read_table(INPUT / "tps.geojson", TPS_COLUMNS)
    assert raw.row_label == "fitur"
    assert list(raw.cells.index) == [1, 2]
    assert raw.geometry is not None
    assert raw.geometry.at[2].equals(Point(112.6612, -7.9731))
    assert raw.cells.at[1, "pemilih"] == "420"


def test_geopackage_in_utm_is_reprojected(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"no_tps": [1]}, geometry=[Point(112.6285, -7.9826)], crs="EPSG:4326"
    ).to_crs("EPSG:32749")
    frame.to_file(tmp_path / "t.gpkg")
    raw = read_table(tmp_path / "t.gpkg", TPS_COLUMNS)
    assert raw.geometry is not None
    point = raw.geometry.at[1]
    assert point.x == pytest.approx(112.6285, abs=1e-7)
    assert point.y == pytest.approx(-7.9826, abs=1e-7)
    assert raw.cells.at[1, "no_tps"] == "1"


def test_geojson_without_geometry_has_none(tmp_path: Path) -> None:
    text = '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": {"lat": -7.9}}]}'  # noqa: E501
    raw = read_table(write(tmp_path / "t.geojson", text), TPS_COLUMNS)
    assert raw.geometry is None
    assert raw.cells.at[1, "lat"] == "-7.9"


# --- unreadable files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "row"),
    [
        ("empty.csv", "empty", None),
        ("header_only.csv", "empty", 1),
        ("unknown_extension.ods", "unknown_format", None),
        ("bad_encoding.csv", "unreadable", None),
    ],
)
def test_unreadable_fixture(name: str, code: str, row: int | None) -> None:
    with pytest.raises(InputError) as caught:
        read_table(BAD / name, TPS_COLUMNS)
    [problem] = caught.value.problems
    assert (problem.code, problem.row, problem.file) == (code, row, str(BAD / name))
    assert problem.text_id and problem.text_en


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("missing.csv", None, "missing_file"),
        ("blank_lines.csv", b"\n ; \n\n", "empty"),
        ("broken.xlsx", b"not a zip", "unreadable"),
        ("broken.geojson", b"{", "unreadable"),
        ("none.geojson", b'{"type": "FeatureCollection", "features": []}', "empty"),
    ],
)
def test_unreadable_generated(tmp_path: Path, name: str, content: bytes | None, code: str) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    assert problem_codes(tmp_path / name) == [code]
