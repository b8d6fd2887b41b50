"""The offline basemap: the plan's roads and the boundaries as compact lines for the map page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

ROAD_STYLES = (
    ("minor", 1.5, "#ffffff", "#d0cac0"),
    ("local", 2.5, "#ffffff", "#bdb6aa"),
    ("major", 4.0, "#fbd38d", "#c49a4a"),
)
"""The offline basemap's road styles, drawn in this order: name, weight, colour, casing."""

MAJOR_ROADS = frozenset(
    {"Jalan Arteri", "Jalan Kolektor", "trunk", "primary", "secondary"}
    | {"trunk_link", "primary_link", "secondary_link"}
)

MINOR_ROADS = frozenset({"Jalan Lain", "service", "living_street", "track", "Jalan Setapak"})

SIMPLIFY_DEG = 0.00002
"""Lines are simplified to about 2 m (fewer points to draw) and written at 1e-5 degree."""

_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def encode_line(coordinates: Iterable[Sequence[float]]) -> str:
    """(lon, lat) points as text: zig-zag varints of 1e-5 degree steps, lat then lon, five
    bits a character from ``A-Za-z0-9-_`` (a JSON- and HTML-safe form of Google's polyline)."""
    out: list[str] = []
    last = (0, 0)
    for lon, lat, *_ in coordinates:
        here = (round(lat * 1e5), round(lon * 1e5))
        if out and here == last:
            continue
        for step in (here[0] - last[0], here[1] - last[1]):
            value = step * 2 if step >= 0 else -step * 2 - 1
            while value >= 32:
                out.append(_DIGITS[32 | (value & 31)])
                value >>= 5
            out.append(_DIGITS[value])
        last = here
    return "".join(out)


def line_text(geometry: Any) -> str:
    """A line geometry simplified by :data:`SIMPLIFY_DEG`, encoded."""
    return encode_line(shapely.simplify(geometry, SIMPLIFY_DEG).coords)


def _road_style(road_class: Any) -> int:
    """The :data:`ROAD_STYLES` index of a road class (RBI name or OSM tag, or a list of them)."""
    classes = set(road_class) if isinstance(road_class, list) else {road_class}
    if classes & MAJOR_ROADS:
        return 2
    if classes and classes <= MINOR_ROADS:
        return 0
    return 1


def road_lines(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """The network's roads for the offline basemap, each two-way road once, by style."""
    styles, geometries = [], []
    for u, v, data in graph.edges(data=True):
        if u > v and graph.has_edge(v, u):
            continue
        geometry = data.get("geometry")
        if geometry is None:
            geometry = shapely.LineString(
                [(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)]
            )
        styles.append(_road_style(data.get("road_class", data.get("highway"))))
        geometries.append(geometry)
    lines: list[list[str]] = [[] for _ in ROAD_STYLES]
    simplified = shapely.simplify(np.array(geometries, dtype=object), SIMPLIFY_DEG)
    for style, geometry in zip(styles, simplified, strict=True):
        lines[style].append(encode_line(shapely.get_coordinates(geometry)))
    return [
        {"name": name, "weight": weight, "colour": colour, "casing": casing, "lines": found}
        for (name, weight, colour, casing), found in zip(ROAD_STYLES, lines, strict=True)
        if found
    ]


def areas(frame: gpd.GeoDataFrame, kind: str, labels: bool) -> list[dict[str, Any]]:
    """Boundary outlines (rings simplified to about 3 m) with their names and label points."""
    areas = []
    for row in frame.itertuples():
        geometry = shapely.simplify(row.geometry, 0.00003, preserve_topology=True)
        rings = [
            encode_line(ring.coords)
            for polygon in getattr(geometry, "geoms", [geometry])
            if isinstance(polygon, shapely.Polygon)
            for ring in (polygon.exterior, *polygon.interiors)
        ]
        area: dict[str, Any] = {"name": str(getattr(row, kind, "")), "rings": rings}
        if labels:
            inside = geometry.point_on_surface()
            area["label"] = [round(inside.y, 5), round(inside.x, 5)]
        areas.append(area)
    return areas
