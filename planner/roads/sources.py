"""Find the road network and boundary files: given file, data folder, cache or download."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx

from planner import settings
from planner.errors import NetworkSourceError, Problem
from planner.inputs.rules import Rules
from planner.roads.network import NetworkReport, cached_network_path, download_network, load_network

ROAD_FILE_NAMES = ("roads_rbi25k.geojson", "roads.gpkg", "roads.geojson", "network.graphml")
KELURAHAN_FILE = "kelurahan.geojson"
KECAMATAN_FILE = "kecamatan.geojson"

HOW_TO_GIVE_A_NETWORK = (
    "Tidak ada jaringan jalan: beri berkas dengan --network PATH (.graphml, .osm, .geojson, "
    ".gpkg, .shp), atau folder data dengan --data-dir DIR / variabel TPS_PLANNER_DATA_DIR, "
    "atau jalankan sekali dengan internet agar OpenStreetMap diunduh dan disimpan.",
    "No road network: give a file with --network PATH (.graphml, .osm, .geojson, .gpkg, .shp), "
    "or a data folder with --data-dir DIR / the TPS_PLANNER_DATA_DIR variable, or run once "
    "with internet so OpenStreetMap is downloaded and cached.",
)


@dataclass(frozen=True)
class Boundaries:
    """Kelurahan and kecamatan polygons (EPSG:4326), when available."""

    kelurahan: gpd.GeoDataFrame | None
    kecamatan: gpd.GeoDataFrame | None


def base_data_dir(data_dir: str | Path | None) -> Path | None:
    """The data folder from the argument, else from ``TPS_PLANNER_DATA_DIR``."""
    if data_dir is not None:
        return Path(data_dir)
    return settings.data_dir_from_environment()


def boundary_folder(network: str | Path | None, data_dir: str | Path | None) -> Path | None:
    """Where boundaries are looked for: the data folder given, else the network file's folder,
    else ``TPS_PLANNER_DATA_DIR``."""
    if data_dir is None and network is not None:
        return Path(network).parent
    return base_data_dir(data_dir)


def find_road_file(folder: Path) -> Path | None:
    """The first known road file in a data folder."""
    for name in ROAD_FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def resolve_network(
    rules: Rules,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
    allow_download: bool = True,
) -> tuple[nx.MultiDiGraph, NetworkReport]:
    """Load the network from, in order: ``network``, the data folder, the cache, OSM."""
    if network is not None:
        return load_network(network, rules)
    folder = base_data_dir(data_dir)
    if folder is not None:
        road_file = find_road_file(folder)
        if road_file is None:
            raise NetworkSourceError(
                [
                    Problem(
                        str(folder),
                        f"folder data tidak berisi berkas jalan ({', '.join(ROAD_FILE_NAMES)})",
                        f"data folder holds no road file ({', '.join(ROAD_FILE_NAMES)})",
                    )
                ]
            )
        return load_network(road_file, rules)
    cached = cached_network_path(f"place-{rules.area_name}")
    if cached.exists():
        return load_network(cached, rules)
    if allow_download:
        try:
            return download_network(rules)
        except (OSError, ConnectionError, ValueError) as exc:
            text_id, text_en = HOW_TO_GIVE_A_NETWORK
            raise NetworkSourceError(
                [Problem("OpenStreetMap", f"{text_id} ({exc})", text_en)]
            ) from None
    raise NetworkSourceError([Problem("(jaringan jalan)", *HOW_TO_GIVE_A_NETWORK)])


def load_boundaries(folder: Path | None) -> Boundaries:
    """Kelurahan and kecamatan polygons from a data folder; missing files give ``None``."""

    def read(name: str) -> gpd.GeoDataFrame | None:
        if folder is None or not (folder / name).is_file():
            return None
        frame = gpd.read_file(folder / name)
        return frame.to_crs("EPSG:4326") if frame.crs is not None else frame

    return Boundaries(kelurahan=read(KELURAHAN_FILE), kecamatan=read(KECAMATAN_FILE))


def download_boundaries(rules: Rules) -> Boundaries:
    """Kelurahan (admin_level 7) and kecamatan (6) polygons of the area from OSM, cached."""
    folder = settings.cache_dir() / "boundaries" / cached_network_path(rules.area_name).stem
    if (folder / KELURAHAN_FILE).is_file():
        return load_boundaries(folder)
    import osmnx as ox

    features = ox.features_from_place(rules.area_name, tags={"boundary": "administrative"})
    polygons = features[features.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index()
    kecamatan = polygons[polygons["admin_level"] == "6"][["name", "geometry"]].rename(
        columns={"name": "kecamatan"}
    )
    kelurahan = polygons[polygons["admin_level"] == "7"][["name", "geometry"]].rename(
        columns={"name": "kelurahan"}
    )
    inside = gpd.sjoin(
        kelurahan.set_geometry(kelurahan.representative_point()), kecamatan, predicate="within"
    )
    kelurahan = kelurahan.assign(kecamatan=inside["kecamatan"]).dropna(subset=["kecamatan"])
    folder.mkdir(parents=True, exist_ok=True)
    kelurahan.to_file(folder / KELURAHAN_FILE, driver="GeoJSON")
    kecamatan.to_file(folder / KECAMATAN_FILE, driver="GeoJSON")
    return Boundaries(kelurahan=kelurahan, kecamatan=kecamatan)
