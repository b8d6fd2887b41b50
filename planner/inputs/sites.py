"""Logistics storage sites: the KPU warehouse, a PPK per kecamatan and a PPS per kelurahan.

:func:`load_sites` reads an optional table of known sites (CSV, XLSX, GeoJSON,
GeoPackage) with columns ``kind`` (``gudang``/``warehouse``, ``ppk``, ``pps``),
``name``, ``kecamatan``, ``kelurahan`` (a PPS' own), ``latitude``/``longitude``
(or ``koordinat``) and optional ``approximate``, ``address``, ``notes``.
Default places for the sites a table leaves out:
:func:`planner.solve.logistics_sites.logistics_sites`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.errors import Problem
from planner.inputs._reading import Column, normalise_name, read_table
from planner.inputs._tables import (
    ADDRESS,
    COORDINATES,
    KECAMATAN,
    LATITUDE,
    LONGITUDE,
    NOTES,
    Checker,
    InputTable,
    choice,
    parse_boolean,
    parse_place,
)
from planner.inputs.areas import Surroundings, known_places, near_road
from planner.inputs.rules import Rules, load_rules

KIND = Column("kind", ("kind", "jenis", "tipe", "type"))
NAME = Column("name", ("name", "nama", "nama_lokasi"))
KELURAHAN = Column("kelurahan", ("kelurahan", "kel", "desa"))
APPROXIMATE = Column("approximate", ("approximate", "perkiraan", "approx"))
COLUMNS = (
    KIND,
    NAME,
    KECAMATAN,
    KELURAHAN,
    LATITUDE,
    LONGITUDE,
    COORDINATES,
    APPROXIMATE,
    ADDRESS,
    NOTES,
)
"""The columns a sites table may have, which find its header row and sheet."""

parse_kind = choice(
    {"gudang": "warehouse", "gudang_kpu": "warehouse", "warehouse": "warehouse"}
    | {"ppk": "ppk", "pps": "pps"}
)

APPROXIMATE_NOTE = {
    "boundary": "lokasi perkiraan: simpang jalan terdekat pusat wilayah (approximate: "
    "road junction nearest the area's centre)",
    "tps": "lokasi perkiraan: simpang jalan terdekat pusat TPS-nya (approximate: "
    "road junction nearest the centre of its TPS)",
}


@dataclass(frozen=True)
class Site:
    """A storage site; ``source`` says where its place came from (table, rules, boundary, tps)."""

    site_id: str
    kind: str
    name: str
    kecamatan: str
    kelurahan: str
    longitude: float
    latitude: float
    approximate: bool
    address: str = ""
    notes: str = ""
    source: str = "table"


def site_id(kind: str, kecamatan: str = "", kelurahan: str = "") -> str:
    """``gudang_kpu``, ``ppk_<kecamatan>`` or ``pps_<kecamatan>_<kelurahan>``."""
    if kind == "warehouse":
        return "gudang_kpu"
    parts = [kind, kecamatan, *([kelurahan] if kind == "pps" else [])]
    return "_".join(normalise_name(p) for p in parts)


def load_sites(
    path: str | Path, rules: Rules | None = None, surroundings: Surroundings | None = None
) -> InputTable:
    """Read and check a sites table; raise :class:`InputError` listing every error found.

    The frame has ``site_id``, ``kind``, ``name``, ``kecamatan``, ``kelurahan``,
    ``latitude``, ``longitude``, ``approximate``, ``address``, ``notes``,
    ``source_row`` and ``geometry``. One warehouse, one PPK per kecamatan and one
    PPS per kelurahan at most. With ``surroundings``, names are checked against the area's
    and points against the roads.
    """
    rules = load_rules() if rules is None else rules
    check = Checker(read_table(path, COLUMNS))
    kinds = check.values(KIND, parse_kind)
    kecamatan = check.values(KECAMATAN, parse_place, "")
    kelurahan = check.values(KELURAHAN, parse_place, "")
    kecamatan, kelurahan = known_places(check, surroundings, kecamatan, kelurahan, KELURAHAN)
    ids: list[str | None] = []
    for row, kind, kec, kel in zip(check.rows, kinds, kecamatan, kelurahan, strict=True):
        if kind is None or kec is None or kel is None:
            ids.append(None)
            continue
        given = {KECAMATAN: kec, KELURAHAN: kel}
        needed = {"ppk": (KECAMATAN,), "pps": (KECAMATAN, KELURAHAN)}.get(kind, ())
        blank = [column for column in needed if not given[column]]
        for column in blank:
            check.log.add(
                f"{column.name} wajib diisi untuk {kind.upper()}",
                f"{column.name} is required for a {kind.upper()}",
                row=row,
                column=check.label(column),
                code="blank",
            )
        ids.append(None if blank else site_id(kind, kec, kel))
    check.unique(ids, KIND)
    latitude, longitude = check.points(rules)
    near_road(check, surroundings, ids, latitude, longitude)
    return check.table(
        {
            "site_id": ids,
            "kind": kinds,
            "name": check.values(NAME, str, ""),
            "kecamatan": kecamatan,
            "kelurahan": kelurahan,
            "latitude": latitude,
            "longitude": longitude,
            "approximate": check.values(APPROXIMATE, parse_boolean, False),
            "address": check.values(ADDRESS, str, ""),
            "notes": check.values(NOTES, str, ""),
        }
    )


def wanted_sites(tps: pd.DataFrame, warehouse_kecamatan: str) -> list[tuple[str, str, str]]:
    """(kind, kecamatan, kelurahan) of every site the TPS need: warehouse, PPK, PPS."""
    wanted = [("warehouse", warehouse_kecamatan, "")]
    wanted += [("ppk", k, "") for k in sorted(set(tps["kecamatan"]))]
    pairs = sorted(set(zip(tps["kecamatan"], tps["kelurahan"], strict=True)))
    return wanted + [("pps", k, kel) for k, kel in pairs]


def unused_sites(table: InputTable, tps: pd.DataFrame) -> list[Problem]:
    """Warnings for the rows of a sites table no TPS needs (no TPS in their area)."""
    used = {site_id(*key) for key in wanted_sites(tps, "")}
    return [
        Problem(
            table.source,
            f"{row.site_id} tidak dipakai: tidak ada TPS di wilayahnya",
            f"{row.site_id} is not used: no TPS in its area",
            row=int(row.source_row),
            severity="warning",
            code="unused_site",
            sheet=table.frame.attrs.get("sheet"),
        )
        for row in table.frame.itertuples()
        if row.site_id not in used
    ]
