"""Every storage site the logistics needs: the table's, the rules' warehouse, the defaults.

:func:`logistics_sites` gives every site the scenario needs: those of the
table, the warehouse of the rules, and a default place, flagged approximate,
for the others: the road junction inside the kelurahan (kecamatan) boundary
nearest its centre, or, without a boundary, the junction nearest the centre of
its TPS. No two sites share a default junction: a site whose nearest junction
is taken (the warehouse and the PPK of its kecamatan, say) gets the nearest
free one, so each keeps its own marker, stay and guards at its own point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.roads.sources import Boundaries
from planner.inputs.sites import APPROXIMATE_NOTE, Site, site_id, wanted_sites


def logistics_sites(
    scenario: Scenario, graph: nx.MultiDiGraph, boundaries: Boundaries | None = None
) -> tuple[Site, ...]:
    """The warehouse, the PPK of every kecamatan and the PPS of every kelurahan with TPS.

    Sites the scenario's sites table (``scenario.sites``) does not name get default
    places (see the module docstring); the warehouse comes from
    ``rules.logistics.warehouse`` unless the table has one. Sorted: warehouse, PPK, PPS.
    """
    table = scenario.sites
    known = {} if table is None else {str(r.site_id): r for r in table.itertuples()}
    tps = scenario.tps
    centres = {
        "kecamatan": _centres(boundaries.kecamatan if boundaries else None, ("kecamatan",)),
        "kelurahan": _centres(
            boundaries.kelurahan if boundaries else None, ("kecamatan", "kelurahan")
        ),
    }
    warehouse = scenario.rules.logistics.warehouse
    wanted = wanted_sites(tps, warehouse.kecamatan)
    junctions = _Junctions(graph)
    junctions.take(*((float(r.longitude), float(r.latitude)) for r in known.values()))
    sites = []
    for kind, kec, kel in wanted:
        sid = site_id(kind, kec, kel)
        name = {"warehouse": warehouse.name, "ppk": f"PPK {kec}", "pps": f"PPS {kel}"}[kind]
        row = known.get(sid)
        if row is not None:
            sites.append(
                Site(
                    sid,
                    kind,
                    str(row.name) or name,
                    kec,
                    kel,
                    float(row.longitude),
                    float(row.latitude),
                    bool(row.approximate),
                    str(row.address),
                    str(row.notes),
                    "table",
                )
            )
            continue
        if kind == "warehouse" and warehouse.latitude is not None and warehouse.longitude:
            lon, lat, source = warehouse.longitude, warehouse.latitude, "rules"
            junctions.take((lon, lat))
        else:
            level, key = ("kelurahan", (kec, kel)) if kind == "pps" else ("kecamatan", (kec,))
            centre = centres[level].get(key)
            source = "boundary" if centre is not None else "tps"
            if centre is None:
                mask = tps["kecamatan"] == kec
                if kind == "pps":
                    mask &= tps["kelurahan"] == kel
                own = tps[mask] if mask.any() else tps
                centre = (float(own["longitude"].mean()), float(own["latitude"].mean()), None)
            lon, lat = junctions.nearest_free(*centre)
        note = "" if source == "rules" else APPROXIMATE_NOTE[source]
        sites.append(
            Site(
                sid,
                kind,
                name,
                kec,
                kel,
                lon,
                lat,
                True,
                warehouse.address if kind == "warehouse" else "",
                note,
                source,
            )
        )
    return tuple(sites)


def _centres(
    frame: gpd.GeoDataFrame | None, keys: tuple[str, ...]
) -> Mapping[tuple[str, ...], tuple[float, float, shapely.Geometry]]:
    """Centre (lon, lat) and polygon of each area: its centroid, or a point inside when outside."""
    if frame is None or not set(keys) <= set(frame.columns):
        return {}
    out = {}
    for row in frame.itertuples():
        polygon = row.geometry
        if polygon is None or polygon.is_empty:
            continue
        centre = polygon.centroid
        if not polygon.contains(centre):
            centre = polygon.representative_point()
        key = tuple(" ".join(str(getattr(row, k)).split()) for k in keys)
        out[key] = (centre.x, centre.y, polygon)
    return out


class _Junctions:
    """Road junctions (network nodes) to place default sites on, each at most once."""

    def __init__(self, graph: nx.MultiDiGraph):
        xy = [(float(d["x"]), float(d["y"])) for _, d in graph.nodes(data=True)]
        self.xy = np.array(xy, dtype=float).reshape(-1, 2)
        self.free = np.ones(len(self.xy), dtype=bool)

    def take(self, *points: tuple[float, float]) -> None:
        """Mark the junctions at these points (sites placed otherwise) as taken."""
        for lon, lat in points:
            self.free &= ~((self.xy[:, 0] == lon) & (self.xy[:, 1] == lat))

    def nearest_free(
        self, lon: float, lat: float, polygon: shapely.Geometry | None
    ) -> tuple[float, float]:
        """The free junction nearest (lon, lat), among those inside ``polygon`` when it has any;
        it is taken. With none free (a network smaller than its sites), the nearest one."""
        pool = self.free if self.free.any() else np.ones(len(self.xy), dtype=bool)
        if polygon is not None:
            inside = pool & shapely.contains_xy(polygon, self.xy[:, 0], self.xy[:, 1])
            if inside.any():
                pool = inside
        candidates = np.flatnonzero(pool)
        scale = np.cos(np.radians(lat))
        d2 = ((self.xy[candidates, 0] - lon) * scale) ** 2 + (self.xy[candidates, 1] - lat) ** 2
        best = candidates[int(np.argmin(d2))]
        self.free[best] = False
        return float(self.xy[best, 0]), float(self.xy[best, 1])
