"""Load the TPS (polling station) table from CSV, XLSX, GeoJSON or GeoPackage and check it.

:func:`load_tps` returns an :class:`InputTable` whose ``frame`` has these columns:

- ``tps_id`` (str): from an id column, else ``KECAMATAN-KELURAHAN-NNN``
  (e.g. ``KLOJEN-KAUMAN-001``);
- ``tps_number`` (int): the TPS number, 0 when the file gives ids but no numbers;
- ``kelurahan``, ``kecamatan`` (str): spaces collapsed, prefixes such as ``Kec.``
  or ``Kelurahan`` dropped, each word capitalised (``Oro-oro Dowo``); checked against
  the area's boundaries when given (:mod:`planner.inputs.areas`) and then spelt as they are;
- ``latitude``, ``longitude`` (float): WGS84 degrees inside ``Rules.area_bbox``;
- ``voters`` (int): voters on the DPT;
- ``risk`` (str): a :class:`~planner.inputs.rules.RiskCategory` value, ``kurang_rawan``
  for every TPS when the file has no risk column;
- ``name``, ``address``, ``notes`` (str): ``""`` when absent;
- ``source_row`` (int): the row (CSV/XLSX) or feature (GeoJSON/GPKG) number
  that problems name;
- ``geometry``: the EPSG:4326 Point.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from planner.errors import Severity
from planner.inputs._reading import Column, read_table
from planner.inputs._tables import (
    ADDRESS,
    COORDINATES,
    KECAMATAN,
    LATITUDE,
    LONGITUDE,
    NOTES,
    ROW_EN,
    CellError,
    Checker,
    InputTable,
    accepted_headers,
    choice,
    parse_count,
    parse_place,
)
from planner.inputs.areas import Surroundings, known_places, near_road
from planner.inputs.rules import RiskCategory, Rules, load_rules

__all__ = ["InputTable", "load_tps"]

TPS_ID = Column("tps_id", ("id", "tps_id", "id_tps", "kode_tps"))
NUMBER = Column(
    "tps_number",
    ("no_tps", "nomor_tps", "tps", "no", "nomor", "tps_no", "number", "tps_number"),
)
KELURAHAN = Column(
    "kelurahan", ("kelurahan", "kel", "desa", "desa_kelurahan", "kelurahan_desa", "village")
)
VOTERS = Column("voters", ("voters", "dpt", "jumlah_pemilih", "jumlah_dpt", "jml_dpt", "pemilih"))
RISK = Column(
    "risk",
    (
        "risk",
        "risk_category",
        "kerawanan",
        "kategori",
        "kategori_kerawanan",
        "tingkat_kerawanan",
    ),
)
NAME = Column("name", ("name", "nama", "nama_tps"))
COLUMNS = (
    TPS_ID,
    NUMBER,
    KELURAHAN,
    KECAMATAN,
    LATITUDE,
    LONGITUDE,
    COORDINATES,
    VOTERS,
    RISK,
    NAME,
    ADDRESS,
    NOTES,
)
"""The columns a TPS table may have, which find its header row and sheet."""

_TPS_PREFIX = re.compile(r"^(?:tps)?\s*(?:(?:nomor|no)\.?)?\s*", re.IGNORECASE)

parse_risk = choice(
    {category.value: category.value for category in RiskCategory}
    | {
        "low": RiskCategory.KURANG_RAWAN.value,
        "vulnerable": RiskCategory.RAWAN.value,
        "highly_vulnerable": RiskCategory.SANGAT_RAWAN.value,
        "special": RiskCategory.KHUSUS.value,
    }
)


def parse_tps_number(text: str) -> int:
    """A TPS number from 1, written ``1``, ``001``, ``TPS 001`` or ``TPS No. 1``."""
    with contextlib.suppress(CellError):
        value = parse_count(_TPS_PREFIX.sub("", text))
        if value >= 1:
            return value
    raise CellError(
        "not_a_tps_number",
        "nomor TPS seperti 1, 001 atau TPS 001",
        "a TPS number like 1, 001 or TPS 001",
    )


def load_tps(
    path: str | Path, rules: Rules | None = None, surroundings: Surroundings | None = None
) -> InputTable:
    """Read and check a TPS table; raise :class:`InputError` listing every error found.

    With ``surroundings``, names are checked against the area's and points against the roads.
    """
    rules = load_rules() if rules is None else rules
    check = Checker(read_table(path, COLUMNS))
    ids_given = check.find(TPS_ID) is not None
    numbers = check.values(NUMBER, parse_tps_number, 0 if ids_given else None, instead=TPS_ID)
    kelurahan = check.values(KELURAHAN, parse_place)
    kecamatan = check.values(KECAMATAN, parse_place)
    kecamatan, kelurahan = known_places(check, surroundings, kecamatan, kelurahan, KELURAHAN)
    ids = (
        check.values(TPS_ID, str)
        if ids_given
        else list(map(_derived_id, kecamatan, kelurahan, numbers))
    )
    check.unique(ids, TPS_ID if ids_given else NUMBER)
    latitude, longitude = check.points(rules)
    near_road(check, surroundings, ids, latitude, longitude)
    voters = check.values(VOTERS, parse_count)
    _check_voters(check, voters, rules)
    return check.table(
        {
            "tps_id": ids,
            "tps_number": numbers,
            "kelurahan": kelurahan,
            "kecamatan": kecamatan,
            "latitude": latitude,
            "longitude": longitude,
            "voters": voters,
            "risk": _risks(check),
            "name": check.values(NAME, str, ""),
            "address": check.values(ADDRESS, str, ""),
            "notes": check.values(NOTES, str, ""),
        }
    )


def _derived_id(kecamatan: str | None, kelurahan: str | None, number: int | None) -> str | None:
    """``KECAMATAN-KELURAHAN-NNN`` without spaces, or ``None`` if a part is bad."""
    if kecamatan is None or kelurahan is None or number is None:
        return None
    return f"{kecamatan}-{kelurahan}-{number:03d}".upper().replace(" ", "")


def _check_voters(check: Checker, voters: list[int | None], rules: Rules) -> None:
    """Log each TPS with more voters than ``rules.max_voters`` allows."""
    severity: Severity = "error" if rules.max_voters_is_error else "warning"
    for row, count in zip(check.rows, voters, strict=True):
        if count is not None and count > rules.max_voters:
            check.log.add(
                f"{count} pemilih melebihi batas {rules.max_voters} per TPS",
                f"{count} voters exceed the limit of {rules.max_voters} per TPS",
                row=row,
                column=check.label(VOTERS),
                severity=severity,
                code="too_many_voters",
            )


def _risks(check: Checker) -> list[str | None]:
    """Each TPS's risk category; kurang_rawan, with a warning, where the cell is blank or there
    is no risk column."""
    default = RiskCategory.KURANG_RAWAN.value
    if check.find(RISK) is None:
        accepted = accepted_headers(RISK)
        check.log.add(
            f"kolom risk tidak ada; semua TPS dianggap {default} (judul yang diterima: {accepted})",
            f"no risk column; every TPS is taken as {default} (accepted headers: {accepted})",
            column=RISK.name,
            severity="warning",
            code="missing_column",
        )
        return [default] * len(check.rows)
    risks = check.values(RISK, parse_risk, "")
    blank = [row for row, risk in zip(check.rows, risks, strict=True) if risk == ""]
    if blank:
        label, rows = check.label(RISK), _row_ranges(blank)
        check.log.add(
            f"sel {label} kosong di {len(blank)} {check.raw.row_label} ({rows}); "
            f"TPS itu dianggap {default}",
            f"blank {label} cell in {len(blank)} {ROW_EN[check.raw.row_label]}s ({rows}); "
            f"those TPS are taken as {default}",
            row=blank[0],
            column=label,
            severity="warning",
            code="blank_risk",
        )
    return [default if risk == "" else risk for risk in risks]


def _row_ranges(rows: list[int]) -> str:
    """Row numbers in runs: ``[2, 3, 4, 7]`` -> ``2-4, 7``."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
