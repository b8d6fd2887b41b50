"""Shared fixtures: the offline Kota Malang data and networks built from it."""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

if TYPE_CHECKING:
    import networkx as nx

    from planner.inputs.rules import Rules
    from planner.roads.network import NetworkReport
    from planner.roads.snap import EdgeIndex

REPO = Path(__file__).resolve().parents[1]
INPUT_DATA = Path(__file__).parent / "input_data"


def csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file, header first."""
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


def write_workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """An XLSX with these sheets (name -> rows) in order; formulas are saved without values."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def malang_data_dir() -> Path:
    """``TPS_PLANNER_DATA_DIR`` or ``../shared/data/malang`` beside the repository."""
    env = os.environ.get("TPS_PLANNER_DATA_DIR")
    return Path(env) if env else REPO.parent / "shared" / "data" / "malang"


@pytest.fixture(scope="session")
def malang_dir() -> Path:
    """The Kota Malang data folder; skips the test with the reason when it is absent."""
    folder = malang_data_dir()
    if not (folder / "roads_rbi25k.geojson").is_file():
        pytest.skip(f"Kota Malang data not found at {folder} (set TPS_PLANNER_DATA_DIR)")
    return folder


@pytest.fixture(scope="session")
def malang_network(malang_dir: Path):
    """The drivable Kota Malang network (graph, report) from the RBI roads, built once."""
    from planner.inputs.rules import load_rules
    from planner.roads.network import load_network

    return load_network(malang_dir / "roads_rbi25k.geojson", load_rules())


@pytest.fixture(scope="session")
def default_rules() -> Rules:
    """The shipped default rules."""
    from planner.inputs.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def malang_edge_index(
    malang_network: tuple[nx.MultiDiGraph, NetworkReport],
) -> EdgeIndex:
    """The edge index of the Kota Malang network, built once."""
    from planner.roads.snap import EdgeIndex

    return EdgeIndex(malang_network[0])


@pytest.fixture(scope="session")
def starter(malang_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tps-planner init`` with the Kota Malang data folder: the scenario file."""
    from planner.demo.starter import write_starter

    folder = tmp_path_factory.mktemp("mulai")
    return write_starter(folder, data_dir=malang_dir)[0]
