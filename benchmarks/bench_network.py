"""Benchmark the road network: build, snapping and travel-time matrices on Kota Malang data.

Run from the repository root (or anywhere with tps-planner installed)::

    python -m benchmarks.bench_network [--data-dir DIR] [--repeats 5] [--seed 2024] [--no-one-core]

Wall time is the median (and minimum) of ``--repeats`` untraced runs. Memory is
measured in one more run of each step: the ``tracemalloc`` peak (memory
allocated through Python's allocator during the step, numpy arrays included)
and the growth of the process's ``ru_maxrss`` high-water mark during the
step's timed runs (0 when the step stays below an earlier step's peak).
Targets are for one core: network build < 3 s, 2,452 x 2,452 matrix < 5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely

from planner.inputs.rules import load_rules
from planner.roads.network import load_network
from planner.roads.routing import RoadRouter
from planner.roads.snap import EdgeIndex, SnappedPoints
from planner.settings import DATA_DIR_VARIABLE

ROAD_FILE = "roads_rbi25k.geojson"
POINTS = 2_452
SMALL_MATRIX = 1_188
TARGETS_S = {"network build": 3.0, f"matrix {POINTS:,} x {POINTS:,}": 5.0}


@dataclass(frozen=True)
class Result:
    """Timings and memory of one benchmark step."""

    name: str
    times_s: list[float]
    traced_peak_mib: float
    maxrss_growth_mib: float


def default_data_dir() -> Path:
    """``TPS_PLANNER_DATA_DIR``, else ``../shared/data/malang`` beside the repository."""
    env = os.environ.get(DATA_DIR_VARIABLE)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared/data/malang"


def maxrss_mib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, step: Callable[[], Any], repeats: int) -> Result:
    """Time ``step`` ``repeats`` times, then run it once more under tracemalloc."""
    times = []
    rss_before = maxrss_mib()
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    rss_growth = maxrss_mib() - rss_before  # the first run sets any new high-water mark
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Result(name, times, peak / 2**20, rss_growth)


def points_beside_edges(
    graph: nx.MultiDiGraph, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of ``count`` points a few metres beside random edges."""
    edges = list(graph.edges(data="geometry"))
    chosen = [edges[i][2] for i in rng.integers(len(edges), size=count)]
    spots = shapely.line_interpolate_point(chosen, rng.random(count), normalized=True)
    offset = rng.normal(scale=3e-5, size=(2, count))  # about 3 m
    return shapely.get_x(spots) + offset[0], shapely.get_y(spots) + offset[1]


def pin_to_one_core() -> str:
    """Restrict the process to the first CPU it may use; say which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this system)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def print_table(results: list[Result]) -> None:
    """One line per step: median and minimum time, memory, target."""
    header = (
        f"{'step':<34} {'median s':>9} {'min s':>8} {'tracemalloc peak MiB':>21} "
        f"{'maxrss growth MiB':>18}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        median = statistics.median(r.times_s)
        target = TARGETS_S.get(r.name)
        verdict = (
            "" if target is None else f"< {target:g} s {'ok' if median < target else 'MISSED'}"
        )
        line = (
            f"{r.name:<34} {median:>9.3f} {min(r.times_s):>8.3f} {r.traced_peak_mib:>21.1f} "
            f"{r.maxrss_growth_mib:>18.1f}  {verdict}"
        )
        print(line.rstrip())


def main(argv: list[str] | None = None) -> int:
    """Run every step and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--one-core",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pin the process to one CPU (default: on)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    road_file = args.data_dir / ROAD_FILE
    if not road_file.is_file():
        print(f"road file not found: {road_file} (use --data-dir or {DATA_DIR_VARIABLE})")
        return 2

    pinned = pin_to_one_core() if args.one_core else "not pinned (--no-one-core)"
    rules = load_rules()
    graph, report = load_network(road_file, rules)
    lon, lat = points_beside_edges(graph, POINTS, np.random.default_rng(args.seed))
    ids = [f"TPS {i}" for i in range(POINTS)]
    points: SnappedPoints = EdgeIndex(graph).snap(ids, lon, lat)
    small = points.subset(np.arange(SMALL_MATRIX))
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {pinned}; "
        f"{args.repeats} repeats, seed {args.seed}"
    )
    print(
        f"network: {road_file}: {report.nodes:,} nodes, {report.edges:,} edges; "
        f"{POINTS:,} points a few metres beside random edges\n"
    )

    results = [
        measure("network build", lambda: load_network(road_file, rules), args.repeats),
        measure(
            f"edge index + snap {POINTS:,} points",
            lambda: EdgeIndex(graph).snap(ids, lon, lat),
            args.repeats,
        ),
        measure(
            f"matrix {SMALL_MATRIX:,} x {SMALL_MATRIX:,}",
            lambda: RoadRouter(graph).matrix(small),
            args.repeats,
        ),
        measure(
            f"matrix {POINTS:,} x {POINTS:,}",
            lambda: RoadRouter(graph).matrix(points),
            args.repeats,
        ),
    ]
    print_table(results)
    print("\nmatrices: travel time, RoadRouter built anew each run (sparse graph included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
