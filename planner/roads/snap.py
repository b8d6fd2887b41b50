"""Snap points (TPS, posts) to the nearest road edge of the network."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

from planner.roads.network import WGS84


@dataclass(frozen=True)
class SnappedPoints:
    """Points placed on network edges.

    Point ``i`` lies on edge ``(u[i], v[i], key[i])`` at ``fraction[i]`` of its
    length from ``u``; ``distance_m[i]`` is how far the original point was
    from the road, and ``lon``/``lat`` the position on the road.
    """

    ids: tuple[str, ...]
    u: np.ndarray
    v: np.ndarray
    key: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, index: np.ndarray | list[int]) -> SnappedPoints:
        """The points at ``index``, in that order."""
        index = np.asarray(index, dtype=int)
        return SnappedPoints(
            ids=tuple(self.ids[i] for i in index),
            u=self.u[index],
            v=self.v[index],
            key=self.key[index],
            fraction=self.fraction[index],
            distance_m=self.distance_m[index],
            lon=self.lon[index],
            lat=self.lat[index],
        )

    @staticmethod
    def concat(*parts: SnappedPoints) -> SnappedPoints:
        """All points of ``parts`` in order."""
        return SnappedPoints(
            ids=tuple(i for p in parts for i in p.ids),
            **{
                name: np.concatenate([getattr(p, name) for p in parts])
                for name in ("u", "v", "key", "fraction", "distance_m", "lon", "lat")
            },
        )


class EdgeIndex:
    """A spatial index over the network's edges in a local metric projection."""

    def __init__(self, graph: nx.MultiDiGraph):
        edges = list(graph.edges(keys=True, data="geometry"))
        self.uvk = np.array([(u, v, k) for u, v, k, _ in edges], dtype=object)
        geoms = gpd.GeoSeries([g for *_, g in edges], crs=WGS84)
        self.crs = geoms.estimate_utm_crs()
        self.geoms = geoms.to_crs(self.crs).to_numpy()
        self.to_metric = Transformer.from_crs(WGS84, self.crs, always_xy=True)
        self.to_lonlat = Transformer.from_crs(self.crs, WGS84, always_xy=True)
        self.tree = shapely.STRtree(self.geoms)

    def snap(self, ids: list[str], lon: np.ndarray, lat: np.ndarray) -> SnappedPoints:
        """Snap lon/lat points to their nearest edge."""
        x, y = self.to_metric.transform(np.asarray(lon, float), np.asarray(lat, float))
        points = shapely.points(x, y)
        if len(points) == 0:
            none, empty = np.array([], dtype=np.int64), np.array([], dtype=float)
            return SnappedPoints((), none, none, none, empty, empty, empty, empty)
        (point_idx, edge_idx), distance = self.tree.query_nearest(
            points, return_distance=True, all_matches=False
        )
        order = np.argsort(point_idx, kind="stable")
        edge_idx, distance = edge_idx[order], distance[order]
        geoms = self.geoms[edge_idx]
        fraction = shapely.line_locate_point(geoms, points, normalized=True)
        on_road = shapely.line_interpolate_point(geoms, fraction, normalized=True)
        lon_on, lat_on = self.to_lonlat.transform(shapely.get_x(on_road), shapely.get_y(on_road))
        uvk = self.uvk[edge_idx]
        return SnappedPoints(
            ids=tuple(str(i) for i in ids),
            u=uvk[:, 0].astype(np.int64) if len(uvk) else np.array([], np.int64),
            v=uvk[:, 1].astype(np.int64) if len(uvk) else np.array([], np.int64),
            key=uvk[:, 2].astype(np.int64) if len(uvk) else np.array([], np.int64),
            fraction=np.asarray(fraction, float),
            distance_m=np.asarray(distance, float),
            lon=np.asarray(lon_on, float),
            lat=np.asarray(lat_on, float),
        )


def snap_frame(index: EdgeIndex, frame: gpd.GeoDataFrame, id_column: str) -> SnappedPoints:
    """Snap the Point geometries of a GeoDataFrame, naming points by ``id_column``."""
    points = frame.geometry.to_crs(WGS84)
    return index.snap(list(frame[id_column]), points.x.to_numpy(), points.y.to_numpy())
