"""Load the police posts table from CSV, XLSX, GeoJSON or GeoPackage and check it.

:func:`load_posts` returns an :class:`InputTable` whose ``frame`` has these columns:

- ``post_id`` (str): from an id column, else the name as a lowercase slug
  (``Polsek Blimbing`` -> ``polsek_blimbing``);
- ``name`` (str);
- ``kind`` (str): ``polresta``, ``polsek`` or ``pos`` (the default);
- ``kecamatan`` (str): spaces collapsed, a ``Kec.`` prefix dropped, capitalised;
- ``latitude``, ``longitude`` (float): WGS84 degrees inside ``Rules.area_bbox``;
- ``polri``, ``tni``, ``cars``, ``motorbikes`` (int): personnel and vehicles,
  0 when the column is absent;
- ``approximate`` (bool): whether the location is only approximate;
- ``address``, ``notes`` (str): ``""`` when absent;
- ``source_row`` (int): the row (CSV/XLSX) or feature (GeoJSON/GPKG) number
  that problems name;
- ``geometry``: the EPSG:4326 Point.
"""

from __future__ import annotations

from pathlib import Path

from planner.inputs._reading import Column, normalise_name, read_table, show
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
    parse_count,
    parse_place,
)
from planner.inputs.areas import Surroundings, known_places, near_road
from planner.inputs.rules import Rules, load_rules

__all__ = ["InputTable", "load_posts"]

POST_ID = Column("post_id", ("post_id", "id", "kode"))
NAME = Column("name", ("name", "nama", "nama_pos"))
KIND = Column("kind", ("kind", "jenis", "tipe", "type"))
POLRI = Column("polri", ("polri", "personel_polri", "jumlah_polri"))
TNI = Column("tni", ("tni", "personel_tni"))
CARS = Column("cars", ("cars", "mobil", "r4"))
MOTORBIKES = Column("motorbikes", ("motorbikes", "motor", "sepeda_motor", "r2"))
APPROXIMATE = Column("approximate", ("approximate", "perkiraan", "approx"))
KINDS = ("polresta", "polsek", "pos")
COLUMNS = (
    POST_ID,
    NAME,
    KIND,
    KECAMATAN,
    LATITUDE,
    LONGITUDE,
    COORDINATES,
    POLRI,
    TNI,
    CARS,
    MOTORBIKES,
    APPROXIMATE,
    ADDRESS,
    NOTES,
)
"""The columns a posts table may have, which find its header row and sheet."""

parse_kind = choice({kind: kind for kind in KINDS})


def load_posts(
    path: str | Path, rules: Rules | None = None, surroundings: Surroundings | None = None
) -> InputTable:
    """Read and check a posts table; raise :class:`InputError` listing every error found.

    With ``surroundings``, kecamatan are checked against the area's and points against the
    roads.
    """
    rules = load_rules() if rules is None else rules
    check = Checker(read_table(path, COLUMNS))
    ids_given = check.find(POST_ID) is not None
    names = check.values(NAME, str)
    ids = (
        check.values(POST_ID, str)
        if ids_given
        else [_slug(check, row, name) for row, name in zip(check.rows, names, strict=True)]
    )
    check.unique(ids, POST_ID if ids_given else NAME)
    kecamatan, _ = known_places(check, surroundings, check.values(KECAMATAN, parse_place))
    latitude, longitude = check.points(rules)
    near_road(check, surroundings, ids, latitude, longitude)
    return check.table(
        {
            "post_id": ids,
            "name": names,
            "kind": check.values(KIND, parse_kind, "pos"),
            "kecamatan": kecamatan,
            "latitude": latitude,
            "longitude": longitude,
            **{c.name: check.values(c, parse_count, 0) for c in (POLRI, TNI, CARS, MOTORBIKES)},
            "approximate": check.values(APPROXIMATE, parse_boolean, False),
            "address": check.values(ADDRESS, str, ""),
            "notes": check.values(NOTES, str, ""),
        }
    )


def _slug(check: Checker, row: int, name: str | None) -> str | None:
    """The post id derived from its name, logging a name that gives none."""
    if name is None:
        return None
    slug = normalise_name(name)
    if not slug:
        check.log.add(
            f"nama {show(name)} tidak menghasilkan kode; tambahkan kolom post_id",
            f"name {show(name)} gives no id; add a post_id column",
            row=row,
            column=check.label(NAME),
            code="no_id",
        )
    return slug or None
