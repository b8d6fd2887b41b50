"""The validated scenario: TPS, posts and rules, and their places on the road network."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np

from planner._errors import InputError, Problem, ProblemLog
from planner.network import NetworkReport
from planner.posts import load_posts
from planner.roster import load_roster
from planner.routing import RoadRouter
from planner.rules import (
    Rules,
    default_rules_dict,
    load_rules,
    merge,
    read_toml,
    rules_from_dict,
)
from planner.snap import EdgeIndex, SnappedPoints, snap_frame
from planner.tps import load_tps


@dataclass(frozen=True)
class Scenario:
    """What planners bring: TPS, posts, an optional named roster, and the rules.

    Column layouts are documented in :mod:`planner.tps`, :mod:`planner.posts`
    and :mod:`planner.roster`.
    """

    name: str
    rules: Rules
    tps: gpd.GeoDataFrame
    posts: gpd.GeoDataFrame
    sources: dict[str, str]
    warnings: tuple[Problem, ...] = ()
    roster: gpd.GeoDataFrame | None = None


@dataclass(frozen=True)
class RoadContext:
    """A scenario placed on a road network, with the router for travel times."""

    graph: nx.MultiDiGraph
    report: NetworkReport
    router: RoadRouter
    tps_points: SnappedPoints
    post_points: SnappedPoints

    def travel_times(self) -> np.ndarray:
        """Seconds between every pair of points, TPS first then posts."""
        return self.router.matrix(SnappedPoints.concat(self.tps_points, self.post_points))


def load_scenario(
    tps_file: str | Path,
    posts_file: str | Path,
    rules: Rules | None = None,
    name: str = "",
    roster_file: str | Path | None = None,
) -> Scenario:
    """Load and validate TPS, posts and the roster, reporting every file's problems at once."""
    rules = rules or load_rules()
    problems: list[Problem] = []
    loaded = {}
    for kind, path, loader in (("tps", tps_file, load_tps), ("posts", posts_file, load_posts)):
        try:
            loaded[kind] = loader(path, rules)
        except InputError as exc:
            problems.extend(exc.problems)
    if roster_file is not None:
        posts = loaded.get("posts")
        units = (
            dict(zip(posts.frame["post_id"], posts.frame["name"], strict=True)) if posts else None
        )
        try:
            loaded["roster"] = load_roster(roster_file, rules, post_ids=units)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    sources = {"tps": str(tps_file), "posts": str(posts_file)}
    if roster_file is not None:
        sources["roster"] = str(roster_file)
    return Scenario(
        name=name or Path(tps_file).stem,
        rules=rules,
        tps=loaded["tps"].frame,
        posts=loaded["posts"].frame,
        sources=sources,
        warnings=tuple(w for table in loaded.values() for w in table.warnings),
        roster=loaded["roster"].frame if "roster" in loaded else None,
    )


def place_on_network(
    scenario: Scenario, graph: nx.MultiDiGraph, report: NetworkReport
) -> RoadContext:
    """Snap TPS and posts to the network; a point too far from any road is an input error."""
    index = EdgeIndex(graph)
    tps_points = snap_frame(index, scenario.tps, "tps_id")
    post_points = snap_frame(index, scenario.posts, "post_id")
    limit = scenario.rules.snap_max_distance_m
    problems = [
        *far_from_road(scenario.tps, tps_points, scenario.sources["tps"], limit),
        *far_from_road(scenario.posts, post_points, scenario.sources["posts"], limit),
    ]
    if problems:
        raise InputError(problems)
    return RoadContext(graph, report, RoadRouter(graph), tps_points, post_points)


def far_from_road(
    frame: gpd.GeoDataFrame, points: SnappedPoints, source: str, limit: float
) -> list[Problem]:
    """Problems for points farther from the network than ``limit`` metres."""
    log = ProblemLog(source, row_label=str(frame.attrs.get("row_label", "baris")))  # type: ignore[arg-type]
    for row, distance, point_id in zip(
        frame["source_row"], points.distance_m, points.ids, strict=True
    ):
        if distance > limit:
            log.add(
                f"'{point_id}' berjarak {distance:,.0f} m dari jalan terdekat "
                f"(batas {limit:,.0f} m): di luar wilayah jaringan jalan atau koordinat salah",
                f"'{point_id}' is {distance:,.0f} m from the nearest road (limit {limit:,.0f} m):"
                " outside the network area or wrong coordinates",
                row=int(row),
                column="latitude/longitude",
                code="far_from_road",
            )
    return log.problems


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario TOML file: its name, rules and input paths (resolved from its folder)."""

    path: Path
    name: str
    rules: Rules
    tps: Path | None
    posts: Path | None
    roster: Path | None
    network: Path | None
    data_dir: Path | None


def read_scenario_file(path: str | Path) -> ScenarioFile:
    """Read a scenario TOML: ``[scenario]``, ``[inputs]`` and rule overrides."""
    path = Path(path)
    raw = read_toml(path)
    inputs = raw.get("inputs", {})

    def resolve(key: str) -> Path | None:
        value = inputs.get(key)
        return None if not value else (path.parent / str(value))

    return ScenarioFile(
        path=path,
        name=str(raw.get("scenario", {}).get("name", path.stem)),
        rules=rules_from_dict(merge(default_rules_dict(), raw), str(path)),
        tps=resolve("tps"),
        posts=resolve("posts"),
        roster=resolve("roster"),
        network=resolve("network"),
        data_dir=resolve("data_dir"),
    )
