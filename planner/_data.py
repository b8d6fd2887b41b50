"""Locate the data files shipped with tps-planner."""

from __future__ import annotations

from pathlib import Path

MALANG_POSTS = "malang_posts.csv"
"""The Kota Malang Polresta and Polsek (approximate locations), shipped as an example."""
DEMO_FILE = "malang_demo.toml"
"""The Kota Malang demo's settings: elections, TPS counts, risk mix, roster."""


def data_dir() -> Path:
    """The shipped ``data`` folder: inside an installed wheel, or the source tree's."""
    packaged = Path(__file__).parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def data_path(name: str) -> Path:
    """Path of one shipped data file."""
    return data_dir() / name
