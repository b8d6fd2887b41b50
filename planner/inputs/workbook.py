"""XLSX workbooks: a table path naming a sheet (``tps.xlsx#DPT``), the values of every sheet
and the formulas of a sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SHEET_MARK = "#"


def split_sheet(path: str | Path) -> tuple[Path, str | None]:
    """The file and the sheet a table path names: ``tps.xlsx#DPT`` -> (``tps.xlsx``, ``DPT``).

    Only a workbook name followed by ``#`` and a sheet names a sheet, and only
    when the path as written is not itself a file.
    """
    path = Path(path)
    name, mark, sheet = path.name.rpartition(SHEET_MARK)
    if mark and sheet and name.lower().endswith(EXCEL_SUFFIXES) and not path.exists():
        return path.with_name(name), sheet
    return path, None


def table_file(path: str | Path) -> Path:
    """The file a table path names, without its ``#SHEET``."""
    return split_sheet(path)[0]


def _as_written(value: Any) -> Any:
    """A cell's value as a person reads it: a whole number without ``.0``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def read_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every worksheet's rows of cell values (saved values, not formulas) by sheet name."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            sheet.title: [
                [_as_written(value) for value in row]
                for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
            ]
            for sheet in book.worksheets
        }
    finally:
        book.close()


def sheet_formulas(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The formula of every formula cell of a sheet by (row, 0-based column position)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        return {
            (row, position): str(cell.value)
            for row, cells in enumerate(book[sheet].iter_rows(min_row=1, min_col=1), start=1)
            for position, cell in enumerate(cells)
            if cell.data_type == "f"
        }
    finally:
        book.close()
