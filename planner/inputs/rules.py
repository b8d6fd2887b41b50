"""Planning rules: the security pattern, road speeds and limits, read from TOML."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_args

from planner._data import data_path
from planner.errors import InputError, Problem, ProblemLog
from planner.inputs._rules_reader import AUTO as AUTO  # "auto" in a rules file: the solver sizes it
from planner.inputs._rules_reader import (
    RulesReader,
    is_number,
    located,
    read_toml,
    unknown_keys,
)

Metaheuristic = Literal[
    "ruin_and_recreate",
    "iterated_local_search",
    "guided_local_search",
    "simulated_annealing",
    "tabu_search",
    "greedy_descent",
]
"""The improvement searches of the routing core (:func:`planner.solve.vrp.solve_vrp`)."""


class RiskCategory(StrEnum):
    """TPS vulnerability category of the police security pattern."""

    KURANG_RAWAN = "kurang_rawan"
    RAWAN = "rawan"
    SANGAT_RAWAN = "sangat_rawan"
    KHUSUS = "khusus"

    @property
    def label(self) -> str:
        """The Indonesian label as people write it."""
        return self.value.replace("_", " ").title()


@dataclass(frozen=True)
class GuardPattern:
    """Officers per guard group, most TPS per group and Linmas per TPS."""

    officers: int
    max_tps: int
    linmas_per_tps: int

    def written(self) -> str:
        """The pattern as police write it, e.g. ``2-2-4``."""
        return f"{self.officers}-{self.max_tps}-{self.max_tps * self.linmas_per_tps}"


@dataclass(frozen=True)
class AssignmentRules:
    """Limits and weights of the guard-group assignment."""

    max_travel_min: float
    motorbike_speed_factor: float
    same_kelurahan: bool
    borrow_penalty_polresta: int
    borrow_penalty_neighbour: int
    balance_weight_s: float
    time_limit_s: float
    relative_gap: float
    deterministic: bool
    search_anchors: int
    senior_ranks: tuple[str, ...]
    risk_weight: Mapping[RiskCategory, int]


@dataclass(frozen=True)
class ReserveRules:
    """How the quick-reaction reserve is staged."""

    model: str
    units: int
    response_limit_min: float
    speed_factor: float
    candidate_road_nodes: int


PATROL_SHIFTS = ("voting", "counting")
"""Patrol shifts of election day: voting (``[patrol]``), then counting (``[patrol.counting]``)."""


@dataclass(frozen=True)
class PatrolShift:
    """One patrol shift: the vehicles' hours, the hours visits count in, visits per category.

    Times are seconds after midnight WIB (``24:00`` is 86400).
    """

    name: str
    shift_s: tuple[int, int]
    visit_s: tuple[int, int]
    max_route_hours: float
    visits: Mapping[RiskCategory, int]


@dataclass(frozen=True)
class PatrolRules:
    """Shifts, visit requirements and search effort of the mobile patrols."""

    shifts: tuple[PatrolShift, ...]
    service_min: float
    min_gap_min: float
    car_speed_factor: float
    motorbike_speed_factor: float
    drop_penalty_s: int
    search: Metaheuristic
    """The improvement search of :func:`planner.solve.vrp.solve_vrp` (``metaheuristic``)."""
    solution_limit: int
    time_limit_s: float
    deterministic: bool
    crew: Mapping[str, int]
    """Officers per patrol vehicle type (``car``, ``motorbike``)."""

    def shift(self, name: str) -> PatrolShift:
        """The shift called ``name`` (``voting`` or ``counting``)."""
        return next(s for s in self.shifts if s.name == name)

    @property
    def planned(self) -> tuple[PatrolShift, ...]:
        """The shifts with any required visit; one whose counts are all 0 is not planned."""
        return tuple(s for s in self.shifts if any(s.visits.values()))


@dataclass(frozen=True)
class WarehouseRules:
    """The KPU warehouse; without coordinates it is placed in its kecamatan, approximately."""

    name: str
    kecamatan: str
    address: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class FleetRules:
    """Trucks and escort units of one kind of leg (city-wide or within a kecamatan).

    ``None`` (``"auto"`` in TOML) leaves the number to the solver
    (:mod:`planner.solve.logistics`: the fewest it needs at once).
    """

    escort_kind: str
    trucks: int | None
    truck_capacity: int
    escort_units: int | None
    escort_units_by_post: Mapping[str, int]

    def units(self, post_id: str) -> int | None:
        """Escort units of a post (``None``: sized by the solver)."""
        return self.escort_units_by_post.get(post_id, self.escort_units)


@dataclass(frozen=True)
class GuardRules:
    """Storage-site guard shifts and the officers each site kind needs per shift."""

    shift_hours: float
    shift_start: time
    officers: Mapping[str, int]


@dataclass(frozen=True)
class LogisticsRules:
    """Goods, handling, escorts, fleets, leg windows and storage guards of the logistics.

    ``legs`` maps each leg of :data:`LEGS` to its working windows in seconds
    from 00:00 WIB of voting day (negative before it).
    """

    election_date: str
    boxes_per_tps: int
    booths_per_tps: int
    box_load: int
    booth_load: int
    handling_min: float
    handling_min_per_unit: float
    truck_speed_factor: float
    escort_officers: int
    escort_max_hours: float
    trip_max_hours: float
    escort_fixed_min: float
    solution_limit: int
    trip_solution_limit: int
    time_limit_s: float
    warehouse: WarehouseRules
    city: FleetRules
    local: FleetRules
    legs: Mapping[str, tuple[tuple[int, int], ...]]
    guards: GuardRules

    @property
    def tps_load(self) -> int:
        """Load units of one TPS' goods (boxes and booths)."""
        return self.boxes_per_tps * self.box_load + self.booths_per_tps * self.booth_load


LEGS = ("warehouse_ppk", "ppk_pps", "pps_tps", "tps_pps", "pps_ppk", "ppk_warehouse")
"""The logistics legs in order: out to the TPS before voting day, back after counting."""
LEG_ENDS: Mapping[str, tuple[str, str]] = {
    leg: (leg.split("_")[0], leg.split("_")[1]) for leg in LEGS
}
"""Each leg's origin and destination kind: ``warehouse``, ``ppk``, ``pps`` or ``tps``."""
FLOWS: tuple[tuple[str, ...], ...] = (LEGS[:3], LEGS[3:])
"""The outward flow (before voting day) and the return flow (after counting)."""
SITE_KINDS = ("warehouse", "ppk", "pps")
"""Storage sites: the KPU warehouse, a PPK per kecamatan, a PPS per kelurahan."""
RESERVE_MODELS = ("lscp", "pcenter", "mclp")
PATROL_VEHICLES = ("car", "motorbike")
"""Patrol vehicle types (:mod:`planner.solve.patrols`)."""
POST_KINDS = ("polresta", "polsek", "pos")


@dataclass(frozen=True)
class PublicEditionRules:
    """What the public map shows besides TPS, categories, Polsek, reserve reach and schedule."""

    show_strengths: bool
    show_timings: bool
    show_routes: bool
    show_guard_gaps: bool


@dataclass(frozen=True)
class MemoryRules:
    """How much memory a plan may take, and the estimate's measured sizes
    (:mod:`planner.solve.memory`); about the machine, not the plan, so not in plan.json."""

    share: float
    base_mib: float
    per_tps_kib: float
    tps_pair_bytes: float
    candidate_pair_bytes: float
    visit_pair_bytes: float


@dataclass(frozen=True)
class Rules:
    """Every rule and limit the planner uses; defaults ship in ``data/defaults.toml``."""

    pattern: Mapping[RiskCategory, GuardPattern]
    max_voters: int
    max_voters_is_error: bool
    timezone: str
    voting_start: time
    voting_end: time
    snap_max_distance_m: float
    node_precision_deg: float
    exclude_classes: tuple[str, ...]
    speeds_kph: Mapping[str, float]
    default_speed_kph: float
    area_name: str
    area_bbox: tuple[float, float, float, float]
    assignment: AssignmentRules
    reserve: ReserveRules
    patrol: PatrolRules
    logistics: LogisticsRules
    public_edition: PublicEditionRules
    memory: MemoryRules

    def speed_for(self, road_class: str | None) -> float:
        """Planning speed in km/h for a road class (RBI name or OSM highway tag)."""
        if road_class is None:
            return self.default_speed_kph
        return self.speeds_kph.get(road_class, self.default_speed_kph)


DEFAULTS_FILE = "defaults.toml"
UNCHECKED_KEYS = (
    "network.speeds_kph",  # road classes of the user's network
    "logistics.city.escort_units_by_post",  # post ids
    "logistics.local.escort_units_by_post",
    "logistics.warehouse.latitude",  # no default: the warehouse is then placed approximately
    "logistics.warehouse.longitude",
)
"""Dotted keys the defaults cannot list: tables of the user's own names, optional keys."""


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` onto ``base`` (tables merge, other values replace)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def default_rules_dict() -> dict[str, Any]:
    """The shipped defaults as a plain dictionary."""
    return read_toml(data_path(DEFAULTS_FILE))


def load_rules(scenario: str | Path | Mapping[str, Any] | None = None) -> Rules:
    """Rules from the shipped defaults, overridden by a scenario file or dictionary.

    A key the defaults do not know is an error, like a bad value.
    """
    source = "<scenario>"
    override: Mapping[str, Any] = {}
    if isinstance(scenario, str | Path):
        source = str(scenario)
        override = read_toml(scenario)
    elif scenario is not None:
        override = scenario
    problems = unknown_key_problems(override, source)
    try:
        rules = rules_from_dict(merge(default_rules_dict(), override), source)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(located(problems, source))
    return rules


def unknown_key_problems(
    raw: Mapping[str, Any],
    source: str | Path = "<scenario>",
    extra: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Every key of a rules file or dictionary that neither ``data/defaults.toml`` nor
    ``extra`` knows, with the closest known key."""
    log = ProblemLog(str(source), row_label="baris TOML")
    unknown_keys(raw, default_rules_dict() | dict(extra or {}), log, UNCHECKED_KEYS)
    return log.problems


def rules_from_dict(raw: Mapping[str, Any], source: str = "<rules>") -> Rules:
    """Build :class:`Rules` from a merged dictionary, reporting every bad key at once."""
    log = ProblemLog(source, row_label="baris TOML")
    reader = RulesReader(raw, log)
    pattern: dict[RiskCategory, GuardPattern] = {}
    for category in RiskCategory:
        key = f"pattern.{category.value}"
        pattern[category] = GuardPattern(
            officers=reader.integer(f"{key}.officers", minimum=1),
            max_tps=reader.integer(f"{key}.max_tps", minimum=1),
            linmas_per_tps=reader.integer(f"{key}.linmas_per_tps", minimum=0),
        )
    speeds = reader.get("network.speeds_kph", {})
    speeds_kph: dict[str, float] = {}
    for road_class in speeds if isinstance(speeds, Mapping) else {}:
        speeds_kph[road_class] = reader.number(f"network.speeds_kph.{road_class}", positive=True)
    bbox = reader.get("area.bbox", [])
    if not (isinstance(bbox, list) and len(bbox) == 4 and all(is_number(v) for v in bbox)):
        log.add(
            "area.bbox harus [barat, selatan, timur, utara] dalam derajat",
            "area.bbox must be [west, south, east, north] in degrees",
            column="area.bbox",
        )
        bbox = [0.0, 0.0, 0.0, 0.0]
    exclude = reader.get("network.exclude_classes", [])
    voting = _voting_hours(reader)
    rules = Rules(
        pattern=pattern,
        max_voters=reader.integer("tps.max_voters", minimum=1),
        max_voters_is_error=bool(reader.get("tps.max_voters_is_error", False)),
        timezone=str(reader.get("time.timezone", "Asia/Jakarta")),
        voting_start=voting[0],
        voting_end=voting[1],
        snap_max_distance_m=reader.number("network.snap_max_distance_m", positive=True),
        node_precision_deg=reader.number("network.node_precision_deg", positive=True),
        exclude_classes=tuple(str(c) for c in exclude),
        speeds_kph=speeds_kph,
        default_speed_kph=reader.number("network.default_speed_kph", positive=True),
        area_name=str(reader.get("area.name", "")),
        area_bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
        assignment=_assignment_rules(reader),
        reserve=ReserveRules(
            model=reader.choice("reserve.model", RESERVE_MODELS),
            units=reader.integer("reserve.units", 1),
            response_limit_min=reader.number("reserve.response_limit_min", positive=True),
            speed_factor=reader.number("reserve.speed_factor", positive=True),
            candidate_road_nodes=reader.integer("reserve.candidate_road_nodes", 0),
        ),
        patrol=_patrol_rules(reader),
        logistics=_logistics_rules(reader),
        public_edition=PublicEditionRules(
            **{
                key: bool(reader.get(f"public_edition.{key}", False))
                for key in ("show_strengths", "show_timings", "show_routes", "show_guard_gaps")
            }
        ),
        memory=MemoryRules(
            **{
                f.name: reader.number(f"memory.{f.name}", positive=True)
                for f in fields(MemoryRules)
            }
        ),
    )
    log.raise_if_errors()
    return rules


def solver_overrides(
    time_limit_s: float | None = None,
    patrol_solutions: int | None = None,
    patrol_time_limit_s: float | None = None,
    wall_clock: bool = False,
) -> dict[str, Any]:
    """Rule overrides for the solvers' search limits, to merge onto a scenario.

    ``time_limit_s`` is ``assignment.time_limit_s`` (per kecamatan and stage, in
    deterministic time units unless ``wall_clock``), ``patrol_solutions`` is
    ``patrol.solution_limit`` (solutions explored per Polsek), ``patrol_time_limit_s``
    is ``patrol.time_limit_s`` (used with ``wall_clock``). ``wall_clock`` stops both
    solvers on wall time instead: faster to bound, but runs may then differ.
    """
    assignment: dict[str, Any] = {}
    patrol: dict[str, Any] = {}
    if time_limit_s is not None:
        assignment["time_limit_s"] = time_limit_s
    if patrol_solutions is not None:
        patrol["solution_limit"] = patrol_solutions
    if patrol_time_limit_s is not None:
        patrol["time_limit_s"] = patrol_time_limit_s
    if wall_clock:
        assignment["deterministic"] = patrol["deterministic"] = False
    return {k: v for k, v in (("assignment", assignment), ("patrol", patrol)) if v}


def _voting_hours(reader: RulesReader) -> tuple[time, time]:
    """``[time]`` voting_start and voting_end; voting must start before it ends."""
    keys = ("time.voting_start", "time.voting_end")
    start, end = (reader.clock(key) for key in keys)
    readable = not any(p.column in keys for p in reader.log.problems)
    if readable and start >= end:
        reader.log.add(
            f"'{keys[0]}' ({start:%H:%M}) tidak sebelum '{keys[1]}' ({end:%H:%M}): "
            "pemungutan suara harus mulai sebelum selesai",
            f"'{keys[0]}' ({start:%H:%M}) is not before '{keys[1]}' ({end:%H:%M}): "
            "voting must start before it ends",
            column=keys[0],
            code="key",
        )
    return start, end


def _assignment_rules(reader: RulesReader) -> AssignmentRules:
    """The ``[assignment]`` table: how guard groups are formed and solved."""
    return AssignmentRules(
        max_travel_min=reader.number("assignment.max_travel_min", positive=True),
        motorbike_speed_factor=reader.number("assignment.motorbike_speed_factor", positive=True),
        same_kelurahan=bool(reader.get("assignment.same_kelurahan", False)),
        borrow_penalty_polresta=reader.integer("assignment.borrow_penalty_polresta", 0),
        borrow_penalty_neighbour=reader.integer("assignment.borrow_penalty_neighbour", 0),
        balance_weight_s=reader.number("assignment.balance_weight_s"),
        time_limit_s=reader.number("assignment.time_limit_s", positive=True),
        relative_gap=reader.number("assignment.relative_gap"),
        deterministic=bool(reader.get("assignment.deterministic", True)),
        search_anchors=reader.integer("assignment.search_anchors", 1),
        senior_ranks=tuple(str(r).upper() for r in reader.get("assignment.senior_ranks", [])),
        risk_weight={
            c: reader.integer(f"assignment.risk_weight.{c.value}", 1) for c in RiskCategory
        },
    )


def _patrol_rules(reader: RulesReader) -> PatrolRules:
    """The ``[patrol]`` tables: shifts, speeds, the routing search and the crews."""
    return PatrolRules(
        shifts=tuple(_patrol_shift(reader, name) for name in PATROL_SHIFTS),
        service_min=reader.number("patrol.service_min"),
        min_gap_min=reader.number("patrol.min_gap_min"),
        car_speed_factor=reader.number("patrol.car_speed_factor", positive=True),
        motorbike_speed_factor=reader.number("patrol.motorbike_speed_factor", positive=True),
        drop_penalty_s=reader.integer("patrol.drop_penalty_s", 1),
        search=reader.choice("patrol.search", get_args(Metaheuristic)),  # type: ignore[arg-type]
        solution_limit=reader.integer("patrol.solution_limit", 1),
        time_limit_s=reader.number("patrol.time_limit_s", positive=True),
        deterministic=bool(reader.get("patrol.deterministic", True)),
        crew={k: reader.integer(f"patrol.crew.{k}", 1) for k in PATROL_VEHICLES},
    )


def _logistics_rules(reader: RulesReader) -> LogisticsRules:
    """The ``[logistics]`` tables."""

    def fleet(name: str, escort_kind: str) -> FleetRules:
        key = f"logistics.{name}"
        return FleetRules(
            escort_kind=escort_kind,
            trucks=reader.fleet_size(f"{key}.trucks"),
            truck_capacity=reader.integer(f"{key}.truck_capacity", 1),
            escort_units=reader.fleet_size(f"{key}.escort_units"),
            escort_units_by_post=reader.counts(f"{key}.escort_units_by_post"),
        )

    latitude, longitude = (
        reader.get(f"logistics.warehouse.{k}") for k in ("latitude", "longitude")
    )
    return LogisticsRules(
        election_date=reader.date("logistics.election_date"),
        boxes_per_tps=reader.integer("logistics.boxes_per_tps", 0),
        booths_per_tps=reader.integer("logistics.booths_per_tps", 0),
        box_load=reader.integer("logistics.box_load", 0),
        booth_load=reader.integer("logistics.booth_load", 0),
        handling_min=reader.number("logistics.handling_min"),
        handling_min_per_unit=reader.number("logistics.handling_min_per_unit"),
        truck_speed_factor=reader.number("logistics.truck_speed_factor", positive=True),
        escort_officers=reader.integer("logistics.escort_officers", 1),
        escort_max_hours=reader.number("logistics.escort_max_hours", positive=True),
        trip_max_hours=reader.number("logistics.trip_max_hours", positive=True),
        escort_fixed_min=reader.number("logistics.escort_fixed_min"),
        solution_limit=reader.integer("logistics.solution_limit", 1),
        trip_solution_limit=reader.integer("logistics.trip_solution_limit", 1),
        time_limit_s=reader.number("logistics.time_limit_s", positive=True),
        warehouse=WarehouseRules(
            name=str(reader.get("logistics.warehouse.name", "")),
            kecamatan=str(reader.get("logistics.warehouse.kecamatan", "")),
            address=str(reader.get("logistics.warehouse.address", "")),
            latitude=None if latitude is None else reader.number("logistics.warehouse.latitude"),
            longitude=None if longitude is None else reader.number("logistics.warehouse.longitude"),
        ),
        city=fleet("city", str(reader.choice("logistics.city.escort_kind", POST_KINDS))),
        local=fleet("local", "polsek"),
        legs=_legs(reader),
        guards=GuardRules(
            shift_hours=reader.number("logistics.guards.shift_hours", positive=True),
            shift_start=reader.clock("logistics.guards.shift_start"),
            officers={
                kind: reader.integer(f"logistics.guards.officers.{kind}", 0) for kind in SITE_KINDS
            },
        ),
    )


def _legs(reader: RulesReader) -> dict[str, tuple[tuple[int, int], ...]]:
    """Each leg's windows; the legs of one fleet may not overlap in time."""
    legs = {leg: reader.windows(f"logistics.legs.{leg}") for leg in LEGS}
    for fleet in ("city", "local"):
        names = [leg for leg in LEGS if ("warehouse" in LEG_ENDS[leg]) == (fleet == "city")]
        spans = sorted((w, leg) for leg in names for w in legs[leg])
        for (first, a), (second, b) in itertools.pairwise(spans):
            if first[1] > second[0]:
                reader.log.add(
                    f"jendela waktu leg {a} dan {b} bertumpang tindih (armada {fleet})",
                    f"the windows of legs {a} and {b} overlap ({fleet} fleet)",
                    column="logistics.legs",
                    code="key",
                )
    return legs


def _patrol_shift(reader: RulesReader, name: str) -> PatrolShift:
    """The voting shift from ``[patrol]``, the others from ``[patrol.<name>]``."""
    table = "patrol" if name == PATROL_SHIFTS[0] else f"patrol.{name}"
    hours = {}
    for key in ("shift", "visit"):
        first = reader.day_clock(f"{table}.{key}_start")
        last = reader.day_clock(f"{table}.{key}_end")
        if first is not None and last is not None and first > last:
            reader.log.add(
                f"'{table}.{key}_start' setelah '{table}.{key}_end'",
                f"'{table}.{key}_start' is after '{table}.{key}_end'",
                column=f"{table}.{key}_start",
                code="key",
            )
        hours[key] = (first or 0, last or 0)
    return PatrolShift(
        name=name,
        shift_s=hours["shift"],
        visit_s=hours["visit"],
        max_route_hours=reader.number(f"{table}.max_route_hours", positive=True),
        visits={c: reader.integer(f"{table}.visits.{c.value}", 0) for c in RiskCategory},
    )
