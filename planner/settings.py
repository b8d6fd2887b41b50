"""Global, user-changeable settings of tps-planner.

- ``TPS_PLANNER_CACHE_DIR``: folder for downloaded OpenStreetMap networks and
  osmnx's HTTP cache (default ``~/.cache/tps-planner``).
- ``TPS_PLANNER_DATA_DIR``: folder holding offline base data
  (``roads_rbi25k.geojson``, ``kelurahan.geojson``, ``kecamatan.geojson``),
  used when no ``--network`` or ``--data-dir`` is given.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_VARIABLE = "TPS_PLANNER_CACHE_DIR"
DATA_DIR_VARIABLE = "TPS_PLANNER_DATA_DIR"


def cache_dir() -> Path:
    """The cache folder (created on first write by whoever writes)."""
    value = os.environ.get(CACHE_DIR_VARIABLE)
    return Path(value) if value else Path.home() / ".cache" / "tps-planner"


def data_dir_from_environment() -> Path | None:
    """The offline base-data folder named by ``TPS_PLANNER_DATA_DIR``, if set."""
    value = os.environ.get(DATA_DIR_VARIABLE)
    return Path(value) if value else None
