"""The scenario: the planners' TPS, posts, roster and sites tables with the rules, checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from planner.errors import InputError, Problem, ProblemLog
from planner.inputs._tables import InputTable
from planner.inputs.areas import Surroundings
from planner.inputs.posts import load_posts
from planner.inputs.roster import load_roster
from planner.inputs.rules import (
    Rules,
    default_rules_dict,
    load_rules,
    located,
    merge,
    read_toml,
    rules_from_dict,
    unknown_key_problems,
)
from planner.inputs.sites import load_sites, unused_sites
from planner.inputs.tps import load_tps


@dataclass(frozen=True)
class Scenario:
    """What planners bring: TPS, posts, an optional named roster and sites table, and the rules.

    Column layouts are documented in :mod:`planner.inputs.tps`, :mod:`planner.inputs.posts`,
    :mod:`planner.inputs.roster` and :mod:`planner.inputs.sites`.
    """

    name: str
    rules: Rules
    tps: gpd.GeoDataFrame
    posts: gpd.GeoDataFrame
    sources: dict[str, str]
    warnings: tuple[Problem, ...] = ()
    roster: gpd.GeoDataFrame | None = None
    sites: gpd.GeoDataFrame | None = None


TABLE_LOADERS: Mapping[str, Callable[..., InputTable]] = {
    "tps": load_tps,
    "posts": load_posts,
    "sites": load_sites,
}
"""The tables with places, by kind; the roster has none (:func:`load_tables`)."""


def load_tables(
    files: Mapping[str, str | Path],
    rules: Rules,
    surroundings: Surroundings | None = None,
) -> tuple[dict[str, InputTable], list[Problem]]:
    """Load and check the tables given (``tps``, ``posts``, ``roster``, ``sites``): the tables
    and every warning, or :class:`InputError` with every problem of every file.

    A roster is checked against the posts' units when the posts are given too.
    """
    problems: list[Problem] = []
    loaded: dict[str, InputTable] = {}
    for kind, loader in TABLE_LOADERS.items():
        if kind in files:
            try:
                loaded[kind] = loader(files[kind], rules, surroundings)
            except InputError as exc:
                problems.extend(exc.problems)
    if "roster" in files:
        posts = loaded["posts"].frame if "posts" in loaded else None
        units = None if posts is None else dict(zip(posts["post_id"], posts["name"], strict=True))
        try:
            loaded["roster"] = load_roster(files["roster"], rules, post_ids=units)
        except InputError as exc:
            problems.extend(exc.problems)
    warnings = [w for table in loaded.values() for w in table.warnings]
    if surroundings is not None:
        warnings += surroundings.warnings()
    if problems:
        raise InputError([*problems, *warnings])
    if "sites" in loaded and "tps" in loaded:
        warnings += unused_sites(loaded["sites"], loaded["tps"].frame)
    return loaded, warnings


def load_scenario(
    tps_file: str | Path,
    posts_file: str | Path,
    rules: Rules | None = None,
    name: str = "",
    roster_file: str | Path | None = None,
    sites_file: str | Path | None = None,
    surroundings: Surroundings | None = None,
) -> Scenario:
    """Load and validate TPS, posts, the roster and the sites table, reporting every file's
    problems at once; with ``surroundings``, names and points are checked against the area's
    boundaries and roads."""
    rules = rules or load_rules()
    given = {"tps": tps_file, "posts": posts_file, "roster": roster_file, "sites": sites_file}
    files = {kind: path for kind, path in given.items() if path is not None}
    loaded, warnings = load_tables(files, rules, surroundings)
    return Scenario(
        name=name or Path(tps_file).stem,
        rules=rules,
        tps=loaded["tps"].frame,
        posts=loaded["posts"].frame,
        sources={kind: str(path) for kind, path in files.items()},
        warnings=tuple(warnings),
        roster=loaded["roster"].frame if "roster" in loaded else None,
        sites=loaded["sites"].frame if "sites" in loaded else None,
    )


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario TOML file: its name, seed, rules and input paths (resolved from its folder).

    ``settings`` is the whole file merged onto the default rules (and any
    overrides), as TOML values: what a copy of the scenario needs to write.
    """

    path: Path
    name: str
    rules: Rules
    tps: Path | None
    posts: Path | None
    roster: Path | None
    sites: Path | None
    network: Path | None
    data_dir: Path | None
    seed: int | None = None
    election: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def tables(self) -> tuple[Path, Path]:
        """The TPS and posts tables its ``[inputs]`` names; :class:`InputError` naming what
        is missing."""
        missing = [key for key in ("tps", "posts") if getattr(self, key) is None]
        if self.tps is None or self.posts is None:
            raise InputError(
                [
                    Problem(
                        str(self.path),
                        f"[inputs] tidak menyebut berkas {', '.join(missing)}",
                        f"[inputs] names no {', '.join(missing)} file",
                        column="inputs",
                    )
                ]
            )
        return self.tps, self.posts

    def load(self, surroundings: Surroundings | None = None) -> Scenario:
        """The scenario of its ``[inputs]``, every table loaded and checked, against the
        ``surroundings`` too when given (:class:`InputError` listing every problem)."""
        tps, posts = self.tables()
        return load_scenario(
            tps, posts, self.rules, self.name, self.roster, self.sites, surroundings
        )

    def network_source(
        self, network: str | Path | None = None, data_dir: str | Path | None = None
    ) -> tuple[str | Path | None, str | Path | None]:
        """(network file, data folder): the ones given (the command line's), else the file's."""
        if network is None and data_dir is None:
            return self.network, self.data_dir
        return network, data_dir


SCENARIO_KEYS = {
    "scenario": dict.fromkeys(("name", "seed", "election")),
    "inputs": dict.fromkeys(("tps", "posts", "roster", "sites", "network", "data_dir")),
}
"""The tables of a scenario file besides the rules, with their keys."""


def read_scenario_file(
    path: str | Path, overrides: Mapping[str, Any] | None = None
) -> ScenarioFile:
    """Read a scenario TOML: ``[scenario]``, ``[inputs]`` and rule overrides.

    ``overrides`` (e.g. :func:`planner.inputs.rules.solver_overrides`) go on top of the file.
    A key neither these tables nor ``data/defaults.toml`` know is an error.
    """
    path = Path(path)
    raw = read_toml(path)
    inputs = raw.get("inputs", {})
    about = raw.get("scenario", {})
    log = ProblemLog(str(path), row_label="baris TOML")
    log.problems += unknown_key_problems(raw, path, SCENARIO_KEYS)
    log.problems += unknown_key_problems(overrides or {}, "overrides")

    def resolve(key: str) -> Path | None:
        value = inputs.get(key)
        if value is not None and not isinstance(value, str):
            log.add(
                f"'inputs.{key}' harus teks berisi jalur berkas, bukan {value!r}",
                f"'inputs.{key}' must be a text holding a file path, not {value!r}",
                column=f"inputs.{key}",
                code="key",
            )
            return None
        return None if not value else (path.parent / value)

    seed = about.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        log.add(
            f"'scenario.seed' harus bilangan bulat >= 0, bukan {seed!r}",
            f"'scenario.seed' must be a whole number >= 0, not {seed!r}",
            column="scenario.seed",
            code="key",
        )
        seed = None
    settings = merge(merge(default_rules_dict(), raw), overrides or {})
    try:
        rules = rules_from_dict(settings, str(path))
    except InputError as exc:
        log.problems.extend(exc.problems)
        rules = None
    files = {key: resolve(key) for key in SCENARIO_KEYS["inputs"]}
    if log.has_errors:
        raise InputError(located(log.problems, path))
    assert rules is not None
    return ScenarioFile(
        path=path,
        name=str(about.get("name", path.stem)),
        rules=rules,
        seed=seed,
        election=None if about.get("election") is None else str(about["election"]),
        settings=settings,
        **files,
    )
