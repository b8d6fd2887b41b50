"""Check the cells of the tables people keep, logging every problem with file, sheet, row and
column."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd

from planner.errors import Problem, ProblemLog
from planner.inputs._reading import Column, RawTable, RowLabel, normalise_name, show
from planner.inputs.rules import Rules

T = TypeVar("T")

ROW_EN: Mapping[RowLabel, str] = {"baris": "row", "fitur": "feature"}


@dataclass(frozen=True, eq=False)
class InputTable:
    """A checked input table: EPSG:4326 points, the path as given and the warnings found.

    ``frame.attrs["row_label"]`` says whether ``source_row`` counts spreadsheet rows
    (``"baris"``) or features (``"fitur"``), ``frame.attrs["sheet"]`` which workbook
    sheet they are on (``None`` for other files).
    """

    frame: gpd.GeoDataFrame
    source: str
    warnings: tuple[Problem, ...]


LATITUDE = Column("latitude", ("latitude", "lat", "lintang", "y"))
LONGITUDE = Column("longitude", ("longitude", "lon", "long", "lng", "bujur", "x"))
COORDINATES = Column("koordinat", ("koordinat", "coordinates", "titik_koordinat"))
KECAMATAN = Column("kecamatan", ("kecamatan", "kec", "district"))
ADDRESS = Column("address", ("address", "alamat", "lokasi"))
NOTES = Column("notes", ("notes", "catatan", "keterangan", "ket"))


class CellError(ValueError):
    """A cell that does not read as its column's type, with what was expected instead."""

    def __init__(self, code: str, expected_id: str, expected_en: str) -> None:
        super().__init__(expected_en)
        self.code = code
        self.expected_id = expected_id
        self.expected_en = expected_en


def accepted_headers(*columns: Column) -> str:
    """The header names accepted for some columns, for a message."""
    return "; ".join(f"{c.name}: {', '.join(c.aliases)}" for c in columns)


# --- cell parsers: text -> value, or CellError ------------------------------------------

_NUMBER = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)"
_DECIMAL = re.compile(_NUMBER)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:(?:\.\d{3})+|(?:,\d{3})+)")
_PAIR = re.compile(rf"\(?\s*({_NUMBER})\s*(?:[,;]\s*|\s+)({_NUMBER})\s*\)?")
_PLACE_PREFIX = re.compile(r"^(?:kecamatan|kelurahan|desa|kec|kel)\b\.?\s*", re.IGNORECASE)
_MAX_WHOLE = 999_999_999


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _decimal(text: str) -> float | None:
    return _float(text) if _DECIMAL.fullmatch(text) else None


def _whole(text: str) -> int | None:
    """A whole number written plainly, with thousands separators (``1.234``) or as ``600.0``."""
    if _GROUPED.fullmatch(text):
        text = re.sub(r"[.,]", "", text)
    value = _decimal(text)
    if value is None or not value.is_integer() or abs(value) > _MAX_WHOLE:
        return None
    return int(value)


def parse_number(text: str) -> float:
    """A decimal number with a decimal point or comma: ``-7,9410`` -> -7.941."""
    value = _decimal(text)
    if value is None:
        raise CellError("not_a_number", "angka desimal, mis. -7.98", "a decimal number like -7.98")
    return value


def parse_count(text: str) -> int:
    """A whole number from 0, thousands separators allowed: ``1.234`` -> 1234."""
    value = _whole(text)
    if value is None or value < 0:
        raise CellError(
            "not_a_count",
            f"bilangan bulat 0 sampai {_MAX_WHOLE}",
            f"a whole number from 0 to {_MAX_WHOLE}",
        )
    return value


def parse_pair(text: str) -> tuple[float, float]:
    """Two numbers as copied from Google Maps: ``"-7.98, 112.63"`` -> (-7.98, 112.63)."""
    match = _PAIR.fullmatch(text)
    if match is None:
        raise CellError(
            "not_a_number",
            "dua angka 'lintang, bujur' seperti -7.98, 112.63",
            "two numbers 'latitude, longitude' like -7.98, 112.63",
        )
    return _float(match[1]), _float(match[2])


def parse_place(text: str) -> str:
    """A kecamatan or kelurahan name without a prefix like ``Kec.``, each word capitalised.

    ``"KEL.  ORO-ORO DOWO"`` -> ``"Oro-oro Dowo"``, as the boundary files write it.
    """
    words = _PLACE_PREFIX.sub("", " ".join(text.split())).split()
    if not words:
        raise CellError("blank", "nama setelah awalan", "a name after the prefix")
    return " ".join(word.capitalize() for word in words)


def choice(choices: Mapping[str, T]) -> Callable[[str], T]:
    """A parser for the keys of ``choices`` in any case, with spaces, ``-`` or ``_``."""
    listed = ", ".join(choices)

    def parse(text: str) -> T:
        try:
            return choices[normalise_name(text)]
        except KeyError:
            raise CellError(
                "unknown_value", f"salah satu dari: {listed}", f"one of: {listed}"
            ) from None

    return parse


parse_boolean = choice(
    dict.fromkeys(("true", "ya", "y", "yes", "1"), True)
    | dict.fromkeys(("false", "tidak", "n", "no", "0"), False)
)


# --- checking ---------------------------------------------------------------------------


class Checker:
    """Typed access to a :class:`RawTable`'s columns that logs every problem in one pass."""

    def __init__(self, raw: RawTable) -> None:
        self.raw = raw
        self.log = ProblemLog(raw.source, raw.row_label, list(raw.problems), raw.sheet)
        self.rows: list[int] = list(raw.cells.index)

    def find(self, column: Column) -> str | None:
        """The normalised header used for ``column``: its first alias present in the file."""
        return next((alias for alias in column.aliases if alias in self.raw.headers), None)

    def label(self, column: Column) -> str:
        """The header of ``column`` as written in the file, or its name if absent."""
        header = self.find(column)
        return column.name if header is None else self.raw.headers[header]

    def missing(self, *columns: Column) -> None:
        """Log that a required column is absent; any one of ``columns`` would do."""
        names = " / ".join(c.name for c in columns)
        accepted = accepted_headers(*columns)
        self.log.add(
            f"kolom wajib tidak ada: {names}; judul yang diterima: {accepted}",
            f"required column missing: {names}; accepted headers: {accepted}",
            column=names,
            code="missing_column",
        )

    def values(
        self,
        column: Column,
        parse: Callable[[str], T],
        default: T | None = None,
        *,
        instead: Column | None = None,
    ) -> list[T | None]:
        """Every cell of ``column`` parsed, ``None`` where bad.

        Without ``default`` the column and each cell are required (a missing-column
        error also names ``instead``, a column that would do as well); with it, an
        absent column or blank cell gives the default.
        """
        header = self.find(column)
        if header is None:
            if default is None:
                self.missing(column, *([instead] if instead else []))
            return [default] * len(self.rows)
        cells = self.raw.cells[header]
        return [
            self.cell(row, header, text, parse, default)
            for row, text in zip(self.rows, cells, strict=True)
        ]

    def cell(
        self,
        row: int,
        header: str,
        text: str,
        parse: Callable[[str], T],
        default: T | None = None,
    ) -> T | None:
        """One cell parsed; a blank one gives ``default``, an error when that is ``None``.

        A formula Excel never calculated (no saved value) is an error either way.
        """
        written = self.raw.headers[header]
        formula = self.raw.formulas.get((row, header))
        if formula is not None:
            self.log.add(
                f"sel berisi rumus {show(formula)} tanpa nilai tersimpan; buka berkas di Excel "
                "dan simpan dulu agar nilainya ikut tersimpan",
                f"cell holds the formula {show(formula)} with no saved value; open the file in "
                "Excel and save it first so that its values are saved",
                row=row,
                column=written,
                code="formula",
            )
            return None
        if not text:
            if default is None:
                self.log.add(
                    f"sel kosong; {written} wajib diisi",
                    f"empty cell; {written} is required",
                    row=row,
                    column=written,
                    code="blank",
                )
            return default
        try:
            return parse(text)
        except CellError as exc:
            self.log.add(
                f"{show(text)} tidak sah; harus {exc.expected_id}",
                f"{show(text)} is not valid; expected {exc.expected_en}",
                row=row,
                column=written,
                code=exc.code,
            )
            return None

    def points(self, rules: Rules) -> tuple[list[float | None], list[float | None]]:
        """Latitude and longitude of every row, checked against ``rules.area_bbox``.

        They come from a Point geometry, else the latitude/longitude columns, else a
        combined ``koordinat`` column.
        """
        lat, lon, pair = self.find(LATITUDE), self.find(LONGITUDE), self.find(COORDINATES)
        split = (lat, lon) if lat is not None and lon is not None else None
        if split is None and pair is None and self.raw.geometry is None:
            for header, column in ((lat, LATITUDE), (lon, LONGITUDE)):
                if header is None:
                    self.missing(column, COORDINATES)
            return [None] * len(self.rows), [None] * len(self.rows)
        lats: list[float | None] = []
        lons: list[float | None] = []
        for row in self.rows:
            found = self._point(row, split, pair)
            if found is not None and not self._in_area(row, *found, rules):
                found = None
            lats.append(None if found is None else found[0])
            lons.append(None if found is None else found[1])
        return lats, lons

    def _point(
        self, row: int, split: tuple[str, str] | None, pair: str | None
    ) -> tuple[float, float, str, str] | None:
        """Latitude, longitude and their column labels in one row, or ``None`` if bad."""
        geometry = None if self.raw.geometry is None else self.raw.geometry.at[row]
        if geometry is not None and not geometry.is_empty:
            if geometry.geom_type == "Point":
                return geometry.y, geometry.x, "geometry", "geometry"
            self.log.add(
                f"geometri {geometry.geom_type} bukan titik (Point)",
                f"geometry is a {geometry.geom_type}, expected a Point",
                row=row,
                column="geometry",
                code="not_a_point",
            )
            return None
        if split is not None:
            lat_header, lon_header = split
            lat = self.cell(row, lat_header, self.raw.cells.at[row, lat_header], parse_number)
            lon = self.cell(row, lon_header, self.raw.cells.at[row, lon_header], parse_number)
            if lat is None or lon is None:
                return None
            return lat, lon, self.raw.headers[lat_header], self.raw.headers[lon_header]
        if pair is not None:
            values = self.cell(row, pair, self.raw.cells.at[row, pair], parse_pair)
            written = self.raw.headers[pair]
            return None if values is None else (*values, written, written)
        self.log.add(
            "fitur tanpa geometri titik dan tanpa kolom lintang/bujur",
            "feature has no Point geometry and no latitude/longitude columns",
            row=row,
            column="geometry",
            code="missing_point",
        )
        return None

    def _in_area(
        self, row: int, lat: float, lon: float, lat_label: str, lon_label: str, rules: Rules
    ) -> bool:
        """Whether a point lies in the planning area; log why not (swapped, range, outside)."""
        west, south, east, north = rules.area_bbox

        def inside(y: float, x: float) -> bool:
            return south <= y <= north and west <= x <= east

        both = lat_label if lat_label == lon_label else f"{lat_label}/{lon_label}"
        if inside(lat, lon):
            return True
        if inside(lon, lat):
            self.log.add(
                f"lintang dan bujur tampak tertukar (lintang {lat}, bujur {lon})",
                f"latitude and longitude look swapped (latitude {lat}, longitude {lon})",
                row=row,
                column=both,
                code="swapped",
            )
        elif not (abs(lat) <= 90 and abs(lon) <= 180):
            for value, limit, label, name_id, name_en in (
                (lat, 90, lat_label, "lintang", "latitude"),
                (lon, 180, lon_label, "bujur", "longitude"),
            ):
                if not abs(value) <= limit:
                    self.log.add(
                        f"{name_id} {value} di luar -{limit}..{limit}",
                        f"{name_en} {value} is out of range; expected -{limit}..{limit}",
                        row=row,
                        column=label,
                        code="out_of_range",
                    )
        else:
            self.log.add(
                f"titik ({lat}, {lon}) di luar wilayah perencanaan {rules.area_name}; "
                f"harus lintang {south}..{north}, bujur {west}..{east}",
                f"point ({lat}, {lon}) is outside the planning area {rules.area_name}; "
                f"expected latitude {south}..{north}, longitude {west}..{east}",
                row=row,
                column=both,
                code="outside_area",
            )
        return False

    def unique(self, ids: Sequence[str | None], column: Column) -> None:
        """Log each id that repeats an earlier one, naming the row of the first."""
        first: dict[str, int] = {}
        label = self.label(column)
        for row, value in zip(self.rows, ids, strict=True):
            if value is None:
                continue
            if value in first:
                self.log.add(
                    f"kode {show(value)} ganda; sudah dipakai di {self.raw.row_label} "
                    f"{first[value]}",
                    f"duplicate id {show(value)}; already used in {ROW_EN[self.raw.row_label]} "
                    f"{first[value]}",
                    row=row,
                    column=label,
                    code="duplicate_id",
                )
            else:
                first[value] = row

    def table(self, columns: Mapping[str, Sequence[Any]], points: bool = True) -> InputTable:
        """Raise :class:`InputError` with every problem if any is an error, else the table.

        ``source_row`` is added, and with ``points`` the ``geometry`` from ``columns``'
        ``latitude`` and ``longitude``.
        """
        self.log.problems.sort(key=lambda p: p.row or 0)
        self.log.raise_if_errors()
        frame = pd.DataFrame(dict(columns))
        frame["source_row"] = self.rows
        table = (
            gpd.GeoDataFrame(
                frame,
                geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                crs="EPSG:4326",
            )
            if points
            else gpd.GeoDataFrame(frame)
        )
        table.attrs["row_label"] = self.raw.row_label
        table.attrs["sheet"] = self.raw.sheet
        return InputTable(table, self.raw.source, tuple(self.log.warnings))
