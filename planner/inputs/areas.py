"""What the tables are checked against besides the rules: the area's kecamatan and kelurahan
names (from its boundaries) and how far their points lie from the roads.

Names are compared by letters and digits only, in any case (``KLOJEN``, ``Klojen ``,
``Gadingkasri`` for ``Gading Kasri``), and a name that matches takes the boundaries'
spelling; one that matches none is an error naming the closest known name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from planner.errors import Problem, did_you_mean
from planner.inputs._tables import KECAMATAN, Checker, Column, parse_place, show

RoadCheck = Callable[[gpd.GeoDataFrame, str], list[Problem]]
"""Problems for the points of one file (columns ``point_id``, ``source_row``, a Point
geometry) too far from any road; the second argument is the file."""
POINT_ID = "point_id"


def name_key(name: str) -> str:
    """A place name as compared: lowercase ASCII letters and digits only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_name.lower() if c.isalnum())


@dataclass(frozen=True)
class AreaNames:
    """The known kecamatan, and the kelurahan of each, by :func:`name_key` in the boundaries'
    spelling."""

    kecamatan: Mapping[str, str]
    kelurahan: Mapping[str, Mapping[str, str]]

    @classmethod
    def from_frames(
        cls, kelurahan: pd.DataFrame | None, kecamatan: pd.DataFrame | None
    ) -> AreaNames | None:
        """The names of kelurahan (columns ``kelurahan``, ``kecamatan``) and kecamatan
        (``kecamatan``) boundaries, written as :func:`parse_place` writes a table's (no
        ``Kecamatan`` prefix, as OpenStreetMap may have); ``None`` when there are neither."""
        if kelurahan is None and kecamatan is None:
            return None
        own: dict[str, dict[str, str]] = {}
        pairs = pd.DataFrame(columns=["kecamatan", "kelurahan"]) if kelurahan is None else kelurahan
        for kec, kel in pairs[["kecamatan", "kelurahan"]].dropna().astype(str).values:
            name = parse_place(kel)
            own.setdefault(parse_place(kec), {})[name_key(name)] = name
        listed = [] if kecamatan is None else kecamatan["kecamatan"].dropna().astype(str)
        names = set(own) | {parse_place(name) for name in listed}
        return cls({name_key(name): name for name in sorted(names)}, own)

    def homes(self, kelurahan: str) -> list[str]:
        """The kecamatan that have a kelurahan of this name."""
        key = name_key(kelurahan)
        return [kec for kec, kels in self.kelurahan.items() if key in kels]


@dataclass(frozen=True)
class Surroundings:
    """What the tables are checked against besides the rules; ``None`` parts are not checked.

    ``names``: the kecamatan and kelurahan of the boundaries; ``near_road``: the check of
    each file's points against the road network.
    """

    names: AreaNames | None = None
    near_road: RoadCheck | None = None

    def warnings(self) -> list[Problem]:
        """A warning when the names cannot be checked (no boundaries)."""
        if self.names is not None:
            return []
        return [
            Problem(
                "(batas wilayah)",
                "nama kecamatan dan kelurahan tidak diperiksa: tidak ada batas wilayah "
                "(kelurahan.geojson, kecamatan.geojson) di folder data",
                "kecamatan and kelurahan names not checked: no boundaries "
                "(kelurahan.geojson, kecamatan.geojson) in the data folder",
                severity="warning",
                code="names_not_checked",
            )
        ]


def known_places(
    check: Checker,
    surroundings: Surroundings | None,
    kecamatan: list[str | None],
    kelurahan: list[str | None] | None = None,
    kelurahan_column: Column | None = None,
) -> tuple[list[str | None], list[str | None]]:
    """Kecamatan and kelurahan (all ``None`` when not given) in the boundaries' spelling; a
    name matching none, or a kelurahan under another kecamatan, is logged naming the closest
    known name."""
    kelurahan = [None] * len(check.rows) if kelurahan is None else kelurahan
    names = None if surroundings is None else surroundings.names
    if names is None:
        return kecamatan, kelurahan
    checked = [
        _place(check, names, row, kec, kel, kelurahan_column)
        for row, kec, kel in zip(check.rows, kecamatan, kelurahan, strict=True)
    ]
    return [kec for kec, _ in checked], [kel for _, kel in checked]


def _place(
    check: Checker,
    names: AreaNames,
    row: int,
    kecamatan: str | None,
    kelurahan: str | None,
    kelurahan_column: Column | None,
) -> tuple[str | None, str | None]:
    """One row's kecamatan and kelurahan as known, ``None`` where logged as wrong."""
    known_kec = names.kecamatan.get(name_key(kecamatan)) if kecamatan else kecamatan
    if known_kec is None and kecamatan:
        hint_id, hint_en = did_you_mean(kecamatan, names.kecamatan.values(), key=name_key)
        check.log.add(
            f"kecamatan {show(kecamatan)} tidak ada di batas wilayah{hint_id}",
            f"kecamatan {show(kecamatan)} is not in the boundaries{hint_en}",
            row=row,
            column=check.label(KECAMATAN),
            code="unknown_kecamatan",
        )
    if not kelurahan or kelurahan_column is None or not names.kelurahan:
        return known_kec, kelurahan
    own = names.kelurahan.get(known_kec or "", {})
    known_kel = own.get(name_key(kelurahan))
    if known_kel is not None:
        return known_kec, known_kel
    homes = names.homes(kelurahan)
    if not known_kec and homes:  # the kecamatan is wrong or blank: logged, or by the table
        return known_kec, kelurahan
    column = check.label(kelurahan_column)
    if homes:
        check.log.add(
            f"kelurahan {show(kelurahan)} ada di kecamatan {', '.join(homes)}, bukan {known_kec}",
            f"kelurahan {show(kelurahan)} is in kecamatan {', '.join(homes)}, not {known_kec}",
            row=row,
            column=column,
            code="wrong_kecamatan",
        )
        return known_kec, None
    everywhere = [kel for kels in names.kelurahan.values() for kel in kels.values()]
    hint_id, hint_en = did_you_mean(kelurahan, own.values() or everywhere, bool(own), name_key)
    where_id, where_en = (
        (f"di kecamatan {known_kec}", f"in kecamatan {known_kec}")
        if own
        else ("di batas wilayah", "in the boundaries")
    )
    check.log.add(
        f"kelurahan {show(kelurahan)} tidak ada {where_id}{hint_id}",
        f"kelurahan {show(kelurahan)} is not {where_en}{hint_en}",
        row=row,
        column=column,
        code="unknown_kelurahan",
    )
    return known_kec, None


def near_road(
    check: Checker,
    surroundings: Surroundings | None,
    ids: Sequence[str | None],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
) -> None:
    """Log the points read (a row with other errors too) that lie too far from any road."""
    if surroundings is None or surroundings.near_road is None:
        return
    label = check.raw.row_label
    read = [
        (row, point_id or f"{label} {row}", lat, lon)
        for row, point_id, lat, lon in zip(check.rows, ids, latitude, longitude, strict=True)
        if lat is not None and lon is not None
    ]
    if not read:
        return
    rows, point_ids, lats, lons = zip(*read, strict=True)
    frame = gpd.GeoDataFrame(
        {"source_row": rows, POINT_ID: point_ids},
        geometry=gpd.points_from_xy(lons, lats),
        crs="EPSG:4326",
    )
    frame.attrs["row_label"] = label
    frame.attrs["sheet"] = check.log.sheet
    check.log.problems.extend(surroundings.near_road(frame, check.raw.source))
