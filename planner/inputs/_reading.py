"""Read the tables people keep (CSV, XLSX, GeoJSON, GeoPackage) into cells of text."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd

from planner.errors import InputError, Problem, ProblemLog
from planner.inputs.workbook import (
    EXCEL_SUFFIXES,
    SHEET_MARK,
    read_sheets,
    sheet_formulas,
    split_sheet,
)

RowLabel = Literal["baris", "fitur"]
Records = Sequence[tuple[int, list[str]]]

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg")
DELIMITERS = (",", ";", "\t")
MIN_HEADER_MATCH = 2
"""A row naming this many of a table's columns is taken as its header row."""
HEADER_SEARCH_ROWS = 30
"""The header row is looked for among this many filled rows at the top of a sheet."""


@dataclass(frozen=True)
class Column:
    """An output column and the normalised header names people use for it."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class RawTable:
    """Every cell of one input file as stripped text, indexed by the row number people see.

    ``cells`` has one column per normalised header and ``headers`` maps each back to
    the header as written. ``geometry`` holds the EPSG:4326 feature geometries of a
    GeoJSON/GeoPackage file, or ``None`` when the file has no usable geometry.
    ``problems`` are those found while reading, such as a cell under no header.
    ``sheet`` is the workbook sheet read; ``formulas`` holds, by (row, normalised
    header), the formula of each cell that is a formula with no saved value.
    """

    source: str
    row_label: RowLabel
    cells: pd.DataFrame
    headers: Mapping[str, str]
    geometry: gpd.GeoSeries | None = None
    problems: tuple[Problem, ...] = ()
    sheet: str | None = None
    formulas: Mapping[tuple[int, str], str] = field(default_factory=dict)


def normalise_name(text: str) -> str:
    """Lowercase ASCII with runs of other characters as ``_``: ``"No. TPS"`` -> ``no_tps``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9a-z]+", "_", ascii_text.lower()).strip("_")


def show(value: object) -> str:
    """``repr`` of a value for a message, cut to about 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def header_match(values: Sequence[str], columns: Sequence[Column]) -> int:
    """How many of ``columns`` a row names with one of their header names."""
    names = {normalise_name(value) for value in values}
    return sum(not names.isdisjoint(column.aliases) for column in columns)


# --- reading -------------------------------------------------------------------------


def read_table(path: str | Path, columns: Sequence[Column]) -> RawTable:
    """Read a CSV/TXT, XLSX, GeoJSON or GeoPackage file into a :class:`RawTable`.

    ``columns`` are the table's known columns: the row naming most of them is
    the header (rows above it are titles, skipped with a warning) and, in a
    workbook, the sheet whose header names most of them is read, unless the path
    names a sheet (``tps.xlsx#DPT``).
    """
    path, sheet = split_sheet(path)
    source = str(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _fail(source, "missing_file", "berkas tidak ditemukan", "file not found")
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, columns)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, columns, sheet)
    if suffix in GEO_SUFFIXES:
        return _read_geo(path)
    raise _fail(
        source,
        "unknown_format",
        f"jenis berkas {show(suffix)} tidak dikenal; "
        "gunakan .csv, .txt, .xlsx, .geojson atau .gpkg",
        f"unknown file type {show(suffix)}; use .csv, .txt, .xlsx, .geojson or .gpkg",
    )


def _fail(
    source: str,
    code: str,
    text_id: str,
    text_en: str,
    row: int | None = None,
    sheet: str | None = None,
) -> InputError:
    return InputError([Problem(source, text_id, text_en, row=row, code=code, sheet=sheet)])


def _unreadable(source: str, exc: Exception) -> InputError:
    reason = str(exc)[:80]
    return _fail(
        source,
        "unreadable",
        f"berkas tidak dapat dibaca: {reason}",
        f"cannot read the file: {reason}",
    )


def _decode(data: bytes, source: str) -> str:
    """Text of a file: UTF-16 with a BOM, else UTF-8 (BOM or not), else Windows-1252."""
    bom16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if bom16 else ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _fail(
        source,
        "unreadable",
        "berkas teks bukan UTF-8 atau Windows-1252; simpan ulang sebagai CSV UTF-8",
        "the text file is neither UTF-8 nor Windows-1252; save it again as CSV UTF-8",
    )


def _sniff(text: str) -> str:
    """The delimiter among ``,`` ``;`` and tab that splits the first line into most cells."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d), [])))


def _read_text(path: Path, columns: Sequence[Column]) -> RawTable:
    source = str(path)
    text = _decode(path.read_bytes(), source)
    try:
        delimiter = _sniff(text)
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _unreadable(source, exc) from None
    return _from_sheet(ProblemLog(source), _filled(records), columns)


def _read_excel(path: Path, columns: Sequence[Column], wanted: str | None) -> RawTable:
    """The table on the sheet ``wanted``, else on the sheet whose header fits it best."""
    source = str(path)
    try:
        sheets = {name: _filled(rows) for name, rows in read_sheets(path).items()}
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise _unreadable(source, exc) from None
    if wanted is None:
        sheet, notes = _best_sheet(path, sheets, columns)
    else:
        sheet, notes = _named_sheet(path, list(sheets), wanted), []
    try:
        formulas = sheet_formulas(path, sheet)
    except Exception as exc:  # openpyxl, as above
        raise _unreadable(source, exc) from None
    log = ProblemLog(source, problems=notes, sheet=sheet)
    return _from_sheet(log, sheets[sheet], columns, formulas)


def _named_sheet(path: Path, names: Sequence[str], wanted: str) -> str:
    """The sheet named ``wanted`` (exactly, else in any case); an error listing the sheets."""
    for same in (lambda name: name == wanted, lambda name: name.casefold() == wanted.casefold()):
        found = next(filter(same, names), None)
        if found is not None:
            return found
    listed = ", ".join(map(show, names))
    raise _fail(
        str(path),
        "missing_sheet",
        f"lembar {show(wanted)} tidak ada; lembar di berkas ini: {listed}",
        f"no sheet {show(wanted)}; the sheets of this file: {listed}",
    )


def _best_sheet(
    path: Path, sheets: Mapping[str, Records], columns: Sequence[Column]
) -> tuple[str, list[Problem]]:
    """The only sheet, else the one whose header row names most ``columns``, with a warning
    saying so; no sheet naming any of them is an error listing the sheets."""
    names = list(sheets)
    if len(names) == 1:
        return names[0], []
    fits = {name: _header_at(records, columns)[1] for name, records in sheets.items()}
    best = max(fits.values(), default=0)
    listed = ", ".join(map(show, names))
    how = f"{path.name}{SHEET_MARK}"
    if best < MIN_HEADER_MATCH:
        known = ", ".join(column.name for column in columns)
        raise _fail(
            str(path),
            "no_sheet",
            f"tidak ada lembar dengan judul kolom tabel ini ({known}); lembar di berkas ini: "
            f"{listed}; sebut lembarnya dengan '{how}NAMA_LEMBAR'",
            f"no sheet has this table's headers ({known}); the sheets of this file: {listed}; "
            f"name the sheet with '{how}SHEET_NAME'",
        )
    chosen, *tied = [name for name, fit in fits.items() if fit == best]
    others = ", ".join(show(name) for name in names if name != chosen)
    same_id = f"; lembar {', '.join(map(show, tied))} sama cocoknya" if tied else ""
    same_en = f"; sheet {', '.join(map(show, tied))} fits as well" if tied else ""
    note = Problem(
        str(path),
        f"tabel dibaca dari lembar ini, yang judul kolomnya paling cocok (lembar lain: {others})"
        f"{same_id}; untuk lembar lain tulis '{how}NAMA_LEMBAR'",
        f"table read from this sheet, whose headers fit best (other sheets: {others}){same_en};"
        f" for another sheet write '{how}SHEET_NAME'",
        severity="warning",
        code="sheet_chosen",
        sheet=chosen,
    )
    return chosen, [note]


def _read_geo(path: Path) -> RawTable:
    source = str(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio/GDAL raise many types for damaged files
        raise _unreadable(source, exc) from None
    if len(frame) == 0:
        raise _fail(source, "empty", "berkas tanpa fitur", "the file has no features")
    rows = range(1, len(frame) + 1)
    geometry = None
    if isinstance(frame, gpd.GeoDataFrame):
        points = frame.geometry
        frame = pd.DataFrame(frame.drop(columns=points.name))
        if (points.notna() & ~points.is_empty).any():
            if points.crs is not None and points.crs.to_epsg() != 4326:
                points = points.to_crs(4326)
            geometry = points.set_axis(pd.Index(rows, name="row"))
    features = frame.itertuples(index=False)
    body = [(row, [_text(v) for v in values]) for row, values in zip(rows, features, strict=True)]
    header = [str(c) for c in frame.columns]
    return _raw(ProblemLog(source, "fitur"), header, None, body, geometry)


def _text(value: Any) -> str:
    """A cell as stripped text; missing values become ``""``."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value).strip()


def _filled(records: Sequence[Sequence[Any]]) -> list[tuple[int, list[str]]]:
    """The rows holding any text, as (row number from 1, cells as text)."""
    rows = [(row, [_text(v) for v in values]) for row, values in enumerate(records, start=1)]
    return [(row, values) for row, values in rows if any(values)]


def _header_at(filled: Records, columns: Sequence[Column]) -> tuple[int, int]:
    """Where the header is among filled rows, and how many ``columns`` it names.

    It is the first of the top rows that names most columns, if that is at least
    :data:`MIN_HEADER_MATCH`, else the first row.
    """
    fits = [header_match(values, columns) for _, values in filled[:HEADER_SEARCH_ROWS]]
    best = max(fits, default=0)
    return (fits.index(best), best) if best >= MIN_HEADER_MATCH else (0, best)


def _from_sheet(
    log: ProblemLog,
    filled: Records,
    columns: Sequence[Column],
    formulas: Mapping[tuple[int, int], str] | None = None,
) -> RawTable:
    """A table from a sheet's filled rows: the header found, title rows above it skipped."""
    what_id, what_en = ("lembar", "sheet") if log.sheet else ("berkas", "file")
    if not filled:
        raise _fail(
            log.file, "empty", f"{what_id} kosong", f"the {what_en} is empty", sheet=log.sheet
        )
    at = _header_at(filled, columns)[0]
    titles, ((header_row, header), *body) = filled[:at], filled[at:]
    if not body:
        raise _fail(
            log.file,
            "empty",
            f"{what_id} hanya berisi judul kolom, tanpa data",
            f"the {what_en} has a header row but no data rows",
            row=header_row,
            sheet=log.sheet,
        )
    if titles:
        shown = ", ".join(show(" ".join(filter(None, values))) for _, values in titles[:2])
        log.add(
            f"judul kolom ada di baris {header_row}; {len(titles)} baris di atasnya dilewati "
            f"sebagai judul: {shown}",
            f"the header is in row {header_row}; the {len(titles)} row(s) above it are skipped "
            f"as titles: {shown}",
            row=titles[0][0],
            severity="warning",
            code="title_rows",
        )
    return _raw(log, header, header_row, body, None, formulas)


def _raw(
    log: ProblemLog,
    header: Sequence[str],
    header_row: int | None,
    body: Records,
    geometry: gpd.GeoSeries | None,
    formulas: Mapping[tuple[int, int], str] | None = None,
) -> RawTable:
    """Name the columns by normalised header and report cells no header covers."""
    positions: dict[str, int] = {}
    for position, written in enumerate(header):
        name = normalise_name(written)
        if name in positions:
            log.add(
                f"judul kolom {show(written)} muncul lagi; hanya kolom pertama yang dipakai",
                f"header {show(written)} appears again; only the first such column is used",
                row=header_row,
                column=written,
                severity="warning",
                code="duplicate_column",
            )
        elif name:
            positions[name] = position
    titled = {position for position, written in enumerate(header) if normalise_name(written)}
    columns: dict[str, list[str]] = {name: [] for name in positions}
    for row, cells in body:
        for name, position in positions.items():
            columns[name].append(cells[position] if position < len(cells) else "")
        stray = [v for position, v in enumerate(cells) if v and position not in titled]
        if stray:
            log.add(
                f"nilai di luar kolom berjudul: {show(stray[0])}; "
                "periksa pemisah kolom dan koma desimal",
                f"value under no header: {show(stray[0])}; check the delimiter and decimal commas",
                row=row,
                code="extra_cells",
            )
    cells = pd.DataFrame(columns, index=pd.Index([row for row, _ in body], name="row"), dtype=str)
    headers = {name: header[position] for name, position in positions.items()}
    named = {position: name for name, position in positions.items()}
    uncalculated = {
        (row, named[position]): formula
        for (row, position), formula in (formulas or {}).items()
        if position in named and row in cells.index and not cells.at[row, named[position]]
    }
    row_label: RowLabel = "fitur" if log.row_label == "fitur" else "baris"
    return RawTable(
        log.file, row_label, cells, headers, geometry, tuple(log.problems), log.sheet, uncalculated
    )
