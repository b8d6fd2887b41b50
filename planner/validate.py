"""Independent plan checker: re-derives every rule of a ``plan.json`` from the inputs and roads."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

from planner._errors import InputError, Problem
from planner.roster import check_named_pairs
from planner.rules import PatrolShift, RiskCategory, Rules
from planner.scenario import Scenario, load_scenario, read_scenario_file
from planner.sources import resolve_network
from planner.validate_logistics import (
    LOGISTICS_CODES,
    LOGISTICS_SPEC,
    check_logistics,
    logistics_points,
)

# This module deliberately shares no code with the solver (assignment, _groups,
# _group_model, personnel, reserve, routing, snap, patrols, vrp, vrp_check): it
# snaps points and routes on the road graph with its own code, so that a bug
# there cannot hide itself. Named pairs are re-checked by
# :func:`planner.roster.check_named_pairs`, which shares no code with the pairing.

inf = math.inf

TOLERANCE_REL = 0.005
"""Relative slack on recomputed travel times (snapping and rounding differences)."""
TOLERANCE_S = 1.0
"""Absolute slack in seconds on recomputed travel times (plans round times to 0.1 s)."""
POST_LOCATION_TOLERANCE_DEG = 1e-5
"""How far (about 1 m) a staging post's coordinates may be from the post's own."""
JUNCTION_TOLERANCE_M = 5.0
"""How far a ``junction`` staging point may be from a road junction (network node)."""
PATROL_TOLERANCE_S = 3.0
"""Absolute slack in seconds on a patrol leg (the solver rounds travel to whole seconds)."""
PATROL_POST_TOLERANCE_M = 5.0
"""How far a patrol route's geometry may start or end from its post's point on the road."""

CODES: dict[str, str] = {
    "plan_malformed": "a key is missing or a value has the wrong type",
    "rules_mismatch": "the plan records other rules than the scenario's",
    "network_mismatch": "the plan was made on another road network",
    "unknown_tps": "a TPS id the scenario does not hold",
    "group_id_duplicate": "two groups share an id",
    "group_empty": "a group without members",
    "tps_missing": "a TPS neither in a group nor uncovered",
    "tps_in_several_groups": "a TPS in more than one group (or twice in one)",
    "tps_covered_and_uncovered": "a TPS both in a group and uncovered",
    "uncovered_duplicate": "a TPS listed twice as uncovered",
    "uncovered_no_reason": "an uncovered TPS without a reason",
    "anchor_not_member": "a group's anchor is not one of its members",
    "wrong_kecamatan": "a TPS in a group (or uncovered or dropped entry) of another kecamatan",
    "mixed_kelurahan": "a group spans two kelurahan although same_kelurahan is set",
    "group_too_large": "more TPS than the smallest max_tps of the members' categories",
    "too_few_officers": "fewer officers than the strictest member category needs",
    "linmas_mismatch": "linmas differs from the sum of linmas_per_tps over members",
    "travel_limit_exceeded": "a member farther from the anchor than max_travel_min",
    "travel_time_mismatch": "max_travel_s differs from the recomputed travel time",
    "officers_from_mismatch": "officers_from does not add up to officers",
    "unknown_post": "a post id the scenario does not hold",
    "post_over_capacity": "more officers drawn from a post than its polri less its patrol crews",
    "borrowing_undeclared": "officers drawn from outside the kecamatan beyond the borrowings",
    "borrowing_unused": "borrowings declared beyond the officers drawn",
    "reserve_staging_invalid": "a staging point that is neither a post nor a road junction",
    "reserve_staging_unknown": "a TPS' staging point is not among the chosen ones",
    "reserve_tps_missing": "a TPS without staging point or response time",
    "reserve_response_mismatch": "a response time differs from the recomputed one",
    "reserve_not_nearest": "a TPS' staging point is not its nearest chosen one",
    "reserve_beyond_limit": "a TPS beyond the response limit not listed in beyond_limit",
    "reserve_listed_beyond_limit": "a TPS listed in beyond_limit that is within the limit",
    "reserve_too_many_units": "more staging points than reserve units (pcenter, mclp)",
    "kpi_mismatch": "a KPI differs from the figure recomputed from the plan",
    "patrol_post_without_vehicles": "a patrol route from a post that has no vehicles",
    "patrol_vehicle_duplicate": "two patrol routes of one shift share a vehicle id",
    "patrol_vehicle_overlap": "one vehicle's routes in two shifts overlap in time",
    "patrol_unknown_shift": "a patrol route or dropped visit of a shift the rules do not plan",
    "patrol_unknown_vehicle_type": "a patrol vehicle type other than car or motorbike",
    "patrol_too_many_vehicles": "more routes of a vehicle type than the post has vehicles",
    "patrol_not_at_post": "a route's geometry does not start or end at its post",
    "patrol_wrong_kecamatan": "a patrol stop at a TPS outside the post's kecamatan",
    "patrol_outside_window": "a visit's service starts outside the visit window",
    "patrol_start_before_arrival": "a visit's service starts before the vehicle arrives",
    "patrol_service_mismatch": "a visit's departure is not its service start plus service_min",
    "patrol_arrival_too_early": "an arrival sooner after the last departure than the roads allow",
    "patrol_return_too_early": "a route ends sooner after its last visit than the way back takes",
    "patrol_outside_shift": "a route starts before or ends after its shift",
    "patrol_route_too_long": "a route longer than its shift's max_route_hours",
    "patrol_visit_invalid": "a visit number outside 1..the shift's visits of the TPS' category",
    "patrol_visit_duplicate": "a visit of a TPS performed (or dropped) twice",
    "patrol_visit_performed_and_dropped": "a visit both performed and listed as dropped",
    "patrol_visit_missing": "a required visit neither performed nor listed as dropped",
    "patrol_visits_too_close": "two visits of a TPS start closer together than min_gap_min",
    "unknown_group": "a named pair (or unfilled slot) of a group the plan does not hold",
    "pair_duplicate": "two named pairs of a group share a pair number",
    "pair_size": "a named pair without 1 to 3 officers",
    "nrp_reused": "an officer (NRP) named more than once",
    "unknown_nrp": "an NRP that is not on the roster",
    "unit_mismatch": "an officer listed under another unit than the roster's",
    "pair_without_senior": "a named pair without an officer of a senior rank",
    "unit_count_mismatch": "named plus unfilled officers of a unit differ from officers_from",
    "officers_unnamed": "named plus unfilled officers differ from the group's officers",
    "roster_check": "a named-pair finding that could not be read as code, subject and texts",
}
"""Every violation code with a one-line English meaning."""
CODES.update(LOGISTICS_CODES)


@dataclass(frozen=True)
class Violation:
    """One broken rule: a code from :data:`CODES`, texts in both languages, what it concerns."""

    code: str
    text_id: str
    text_en: str
    subject: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.subject}: {self.text_id} ({self.text_en})"


def validate_plan_files(
    scenario_toml: str | Path,
    plan_json: str | Path,
    network: str | Path | None = None,
    data_dir: str | Path | None = None,
) -> list[Violation]:
    """Validate a ``plan.json`` against its scenario file, network and inputs.

    The network comes from ``network``/``data_dir`` when given, else from the
    scenario's ``network`` or ``data_dir``, ``TPS_PLANNER_DATA_DIR`` or the cache
    (never a download); a roster named in ``[inputs]`` is loaded to re-check
    named pairs, a sites table to re-check where its sites are. Unreadable files
    raise :class:`InputError`.
    """
    from planner.plan import read_plan  # only the reader: no plan-building code is used

    plan = read_plan(plan_json)
    spec = read_scenario_file(scenario_toml)
    missing = [k for k in ("tps", "posts") if getattr(spec, k) is None]
    if missing:
        raise InputError(
            [
                Problem(
                    str(scenario_toml),
                    f"[inputs] tidak menyebut berkas {', '.join(missing)}",
                    f"[inputs] names no {', '.join(missing)} file",
                )
            ]
        )
    assert spec.tps is not None and spec.posts is not None
    scenario = load_scenario(
        spec.tps, spec.posts, spec.rules, spec.name, roster_file=spec.roster, sites_file=spec.sites
    )
    if network is None and data_dir is None:
        network, data_dir = spec.network, spec.data_dir
    graph, _ = resolve_network(spec.rules, network=network, data_dir=data_dir, allow_download=False)
    return validate_plan(scenario, graph, plan)


def validate_plan(scenario: Scenario, graph: nx.MultiDiGraph, plan: Any) -> list[Violation]:
    """Every rule the plan breaks; an empty list for a valid plan.

    A plan whose structure is broken (missing keys, wrong types) gives only
    ``plan_malformed`` violations, since its content cannot be read safely.
    Travel times are recomputed on ``graph`` (conventions of
    :mod:`planner.network`) and compared with :data:`TOLERANCE_REL` and
    :data:`TOLERANCE_S` of slack (patrol legs: :data:`PATROL_TOLERANCE_S`).
    The ``patrols`` section is checked when the plan has one, named pairs when
    the plan has ``officer_pairs`` and the scenario a roster, the ``logistics``
    section by :mod:`planner.validate_logistics`.
    """
    malformed = _structure(plan)
    if malformed:
        return malformed
    check = _Checker(scenario, plan)
    check.rules_and_network(graph)
    check.partition()
    check.group_rules()
    check.personnel()
    check.kpis()
    roads = _RoadTimes(graph, check.points_to_place(graph))
    check.travel(roads)
    check.reserve(roads)
    if "patrols" in plan:
        check.patrols(roads)
    if "officer_pairs" in plan and scenario.roster is not None:
        check.named_pairs(scenario.roster)
    if "logistics" in plan:
        check_logistics(scenario, plan, roads, check.add)
    return check.found


# --- structure -------------------------------------------------------------------------

Spec = str | tuple[str, Any] | dict[str, Any]

_KINDS: dict[str, tuple[Callable[[Any], bool], str, str]] = {
    "str": (lambda v: isinstance(v, str), "teks", "text"),
    "bool": (lambda v: isinstance(v, bool), "true/false", "true/false"),
    "int": (
        lambda v: isinstance(v, int) and not isinstance(v, bool),
        "bilangan bulat",
        "a whole number",
    ),
    "count": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "bilangan bulat >= 0",
        "a whole number >= 0",
    ),
    "num": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v),
        "angka",
        "a number",
    ),
    "seconds": (
        lambda v: (
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
        ),
        "angka detik >= 0",
        "a number of seconds >= 0",
    ),
    "lon_lat": (
        lambda v: (
            isinstance(v, list)
            and len(v) == 2
            and all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in v
            )
        ),
        "pasangan [bujur, lintang]",
        "a [lon, lat] pair",
    ),
    "any": (lambda v: True, "", ""),
}

PLAN_SPEC: dict[str, Spec] = {
    "groups": (
        "list",
        {
            "group_id": "str",
            "kecamatan": "str",
            "anchor": "str",
            "members": ("list", "str"),
            "officers": "count",
            "officers_from": ("map", "count"),
            "linmas": "count",
            "max_travel_s": "seconds",
        },
    ),
    "uncovered": (
        "list",
        {"tps_id": "str", "kecamatan": "str", "reason_id": "str", "reason_en": "str"},
    ),
    "borrowings": (
        "list",
        {"from_post": "str", "to_kecamatan": "str", "officers": "count", "penalty": "num"},
    ),
    "reserve": {
        "model": "str",
        "response_limit_s": "seconds",
        "staging": (
            "list",
            {"point_id": "str", "kind": "str", "lon": "num", "lat": "num", "approximate": "bool"},
        ),
        "tps_staging": ("map", "str"),
        "tps_response_s": ("map", "seconds"),
        "beyond_limit": ("list", "str"),
        "solver": "any",
    },
    "kpis": {
        "tps": "count",
        "tps_covered": "count",
        "officers": "count",
        "officers_lower_bound": "count",
        "officer_gap": "num",
        "baseline_officers": "count",
        "linmas": "count",
        "per_polsek": (
            "map",
            {"groups": "count", "tps": "count", "officers": "count", "linmas": "count"},
        ),
        "worst_reserve_response_s": "seconds",
    },
}
"""The parts of the plan format the validator reads: ``list``/``map`` of a spec, or records."""

OPTIONAL_SPEC: dict[str, Spec] = {
    "patrols": {
        "routes": (
            "list",
            {
                "shift": "str",
                "vehicle_id": "str",
                "post_id": "str",
                "vehicle_type": "str",
                "start_s": "seconds",
                "end_s": "seconds",
                "stops": (
                    "list",
                    {
                        "tps_id": "str",
                        "visit": "int",
                        "arrival_s": "seconds",
                        "start_s": "seconds",
                        "departure_s": "seconds",
                    },
                ),
                "geometry": ("list", "lon_lat"),
            },
        ),
        "dropped": (
            "list",
            {"shift": "str", "tps_id": "str", "visit": "int", "kecamatan": "str"},
        ),
        "kpis": {
            "required_visits": "count",
            "performed_visits": "count",
            "coverage": "num",
            "vehicles_used": "count",
        },
    },
    "officer_pairs": (
        "list",
        {
            "group_id": "str",
            "pair_no": "int",
            "officers": ("list", {"nrp": "str", "unit": "str"}),
        },
    ),
    "roster_unfilled": ("list", {"group_id": "str", "unit": "str", "officers": "count"}),
    "logistics": LOGISTICS_SPEC,
}
"""Sections a plan may have (patrol routes, named pairs, logistics), checked when present."""


def _malformed(path: str, text_id: str, text_en: str) -> Violation:
    return Violation("plan_malformed", text_id, text_en, path or "plan")


def _structure(plan: Any) -> list[Violation]:
    """``plan_malformed`` violations for every missing key or wrongly typed value."""
    if not isinstance(plan, Mapping):
        return [
            _malformed(
                "", "rencana harus objek JSON", f"the plan must be a JSON object, not {_show(plan)}"
            )
        ]
    found = _conform(plan, PLAN_SPEC, "")
    for key, spec in OPTIONAL_SPEC.items():
        if key in plan:
            found.extend(_conform(plan[key], spec, key))
    scenario = plan.get("scenario")
    if scenario is not None and not isinstance(scenario, Mapping):
        found.append(
            _malformed(
                "scenario",
                f"'scenario' harus objek, bukan {_show(scenario)}",
                f"'scenario' must be an object, not {_show(scenario)}",
            )
        )
    return found


def _conform(value: Any, spec: Spec, path: str) -> list[Violation]:
    if isinstance(spec, dict):
        if not isinstance(value, Mapping):
            return [
                _malformed(
                    path,
                    f"'{path}' harus objek, bukan {_show(value)}",
                    f"'{path}' must be an object, not {_show(value)}",
                )
            ]
        found = []
        for key, sub in spec.items():
            where = f"{path}.{key}" if path else key
            if key not in value:
                found.append(
                    _malformed(
                        path,
                        f"kunci '{key}' tidak ada di '{path or 'rencana'}'",
                        f"key '{key}' is missing in '{path or 'the plan'}'",
                    )
                )
            else:
                found.extend(_conform(value[key], sub, where))
        return found
    if isinstance(spec, tuple):
        container, sub = spec
        if container == "list":
            if not isinstance(value, list):
                return [
                    _malformed(
                        path,
                        f"'{path}' harus daftar, bukan {_show(value)}",
                        f"'{path}' must be a list, not {_show(value)}",
                    )
                ]
            return [v for i, item in enumerate(value) for v in _conform(item, sub, f"{path}[{i}]")]
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            return [
                _malformed(
                    path,
                    f"'{path}' harus objek dengan kunci teks, bukan {_show(value)}",
                    f"'{path}' must be an object with text keys, not {_show(value)}",
                )
            ]
        return [v for k, item in value.items() for v in _conform(item, sub, f"{path}.{k}")]
    test, name_id, name_en = _KINDS[spec]
    if test(value):
        return []
    return [
        _malformed(
            path,
            f"'{path}' harus {name_id}, bukan {_show(value)}",
            f"'{path}' must be {name_en}, not {_show(value)}",
        )
    ]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- road travel times -----------------------------------------------------------------


class _RoadTimes:
    """The road graph with chosen points inserted as nodes that split the roads they lie on.

    A road is a directed edge together with its twin (the opposite edge with the
    reversed geometry). Each point is snapped to the nearest road in a UTM
    projection and joined to the road's ends (or its neighbours on the road) by
    the matching share of the edge's ``travel_time``.
    """

    def __init__(self, graph: nx.MultiDiGraph, points: Mapping[Hashable, tuple[float, float]]):
        roads: dict[tuple[bytes, Hashable, Hashable], list[Any]] = {}
        for u, v, data in graph.edges(data=True):
            geometry = data.get("geometry")
            if geometry is None:
                a, b = graph.nodes[u], graph.nodes[v]
                geometry = shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])])
            coords = np.round(shapely.get_coordinates(geometry), 7)  # twins match to 1 cm
            forward = (coords.tobytes(), u, v)
            backward = (coords[::-1].tobytes(), v, u)
            key, is_forward = (forward, True) if forward <= backward else (backward, False)
            road = roads.setdefault(key, [geometry if is_forward else geometry.reverse(), inf, inf])
            slot = 1 if is_forward else 2
            road[slot] = min(road[slot], float(data["travel_time"]))
        keys = list(roads)
        lines = np.array([roads[k][0] for k in keys], dtype=object)
        lon_lat = shapely.get_coordinates(lines)
        lon0, lat0 = float(np.mean(lon_lat[:, 0])), float(np.mean(lon_lat[:, 1]))
        zone = int((lon0 + 180.0) // 6.0) % 60 + 1
        epsg = (32700 if lat0 < 0 else 32600) + zone
        to_metric = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

        def project(xy: np.ndarray) -> np.ndarray:
            x, y = to_metric.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        metric = shapely.transform(lines, project)
        self._to_metric = to_metric
        names = list(points)
        lon = np.array([points[n][0] for n in names], dtype=float)
        lat = np.array([points[n][1] for n in names], dtype=float)
        x, y = to_metric.transform(lon, lat)
        where = shapely.points(x, y)
        self.distance_m: dict[Hashable, float] = {}
        self.on_road_xy: dict[Hashable, tuple[float, float]] = {}
        """Where each point was placed on its road (projected metres)."""
        on_road: dict[int, list[tuple[float, Hashable]]] = defaultdict(list)
        if names:
            tree = shapely.STRtree(metric)
            (point_idx, road_idx), distance = tree.query_nearest(
                where, return_distance=True, all_matches=False
            )
            fraction = shapely.line_locate_point(
                metric[road_idx], where[point_idx], normalized=True
            )
            fraction = np.nan_to_num(fraction, nan=0.0)
            placed = shapely.get_coordinates(
                shapely.line_interpolate_point(metric[road_idx], fraction, normalized=True)
            )
            for p, r, d, f, xy in zip(point_idx, road_idx, distance, fraction, placed, strict=True):
                on_road[int(r)].append((float(f), ("point", names[p])))
                self.distance_m[names[p]] = float(d)
                self.on_road_xy[names[p]] = (float(xy[0]), float(xy[1]))
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(graph.nodes)
        for r, key in enumerate(keys):
            _, u, v = key
            _, forward, backward = roads[key]
            chain = [(0.0, u), *sorted(on_road.get(r, []), key=lambda s: s[0]), (1.0, v)]
            for (fa, a), (fb, b) in itertools.pairwise(chain):
                share = fb - fa
                if share <= 0.0:  # the same place: both ways at no cost
                    self._add(a, b, 0.0)
                    self._add(b, a, 0.0)
                    continue
                if forward < inf:
                    self._add(a, b, share * forward)
                if backward < inf:
                    self._add(b, a, share * backward)

    def metres_from_placed(self, name: Hashable, lon_lat: Sequence[float]) -> float:
        """Metres from a placed point's place on its road to ``lon_lat`` (inf if not placed)."""
        if name not in self.on_road_xy:
            return inf
        x, y = self._to_metric.transform(float(lon_lat[0]), float(lon_lat[1]))
        px, py = self.on_road_xy[name]
        return math.hypot(x - px, y - py)

    def _add(self, a: Hashable, b: Hashable, weight: float) -> None:
        if a == b:
            return
        current = self.graph.get_edge_data(a, b)
        if current is None or weight < current["w"]:
            self.graph.add_edge(a, b, w=weight)

    def times_from(self, origin: Hashable, cutoff: float | None = None) -> Mapping[Hashable, float]:
        """``travel_time`` seconds from a placed point to every placed point within ``cutoff``."""
        lengths = nx.single_source_dijkstra_path_length(
            self.graph, ("point", origin), cutoff=cutoff, weight="w"
        )
        return {node[1]: t for node, t in lengths.items() if _is_point(node)}


def _is_point(node: Hashable) -> bool:
    return isinstance(node, tuple) and len(node) == 2 and node[0] == "point"


def _close(claimed: float, actual: float) -> bool:
    """Whether two travel times agree within the tolerance (never when one is unreachable)."""
    if math.isinf(claimed) or math.isinf(actual):
        return claimed == actual
    return abs(claimed - actual) <= TOLERANCE_REL * max(claimed, actual) + TOLERANCE_S


def _within(actual: float, limit: float) -> bool:
    """Whether a travel time keeps a limit within the tolerance."""
    return actual <= limit * (1.0 + TOLERANCE_REL) + TOLERANCE_S


def _seconds(value: float) -> str:
    return "tak terjangkau" if math.isinf(value) else f"{value:,.1f} s"


def _seconds_en(value: float) -> str:
    return "unreachable" if math.isinf(value) else f"{value:,.1f} s"


# --- the checks ------------------------------------------------------------------------


class _Checker:
    """Runs the checks on a well-formed plan, collecting violations in ``found``."""

    def __init__(self, scenario: Scenario, plan: Mapping[str, Any]):
        self.scenario = scenario
        self.rules: Rules = scenario.rules
        self.plan = plan
        self.found: list[Violation] = []
        tps = scenario.tps
        self.tps_ids: list[str] = [str(t) for t in tps["tps_id"]]
        self.kecamatan = dict(zip(self.tps_ids, map(str, tps["kecamatan"]), strict=True))
        self.kelurahan = dict(zip(self.tps_ids, map(str, tps["kelurahan"]), strict=True))
        self.risk = dict(
            zip(self.tps_ids, (RiskCategory(str(r)) for r in tps["risk"]), strict=True)
        )
        self.lon_lat = dict(
            zip(
                self.tps_ids,
                zip(tps["longitude"].astype(float), tps["latitude"].astype(float), strict=True),
                strict=True,
            )
        )
        posts = scenario.posts
        self.posts: dict[str, dict[str, Any]] = {
            str(p.post_id): {
                "kind": str(p.kind),
                "kecamatan": str(p.kecamatan),
                "polri": int(p.polri),
                "lon_lat": (float(p.longitude), float(p.latitude)),
                "car": int(p.cars),
                "motorbike": int(p.motorbikes),
            }
            for p in posts.itertuples()
        }
        self.groups: list[Mapping[str, Any]] = list(plan["groups"])
        self.reserve_plan: Mapping[str, Any] = plan["reserve"]
        self.staging_places: dict[str, tuple[float, float]] = {}

    def add(self, code: str, subject: str, text_id: str, text_en: str) -> None:
        """Record one violation."""
        self.found.append(Violation(code, text_id, text_en, subject))

    def known_members(self, group: Mapping[str, Any]) -> list[str]:
        """The members of a group that are TPS of the scenario."""
        return [m for m in group["members"] if m in self.kecamatan]

    # rules and network ------------------------------------------------------------------

    def rules_and_network(self, graph: nx.MultiDiGraph) -> None:
        """The plan's recorded rules and network match the scenario's and the graph."""
        recorded = self.plan.get("scenario") or {}
        rules = recorded.get("rules")
        if isinstance(rules, Mapping):
            expected: dict[tuple[str | int, ...], Any] = {
                ("assignment", "max_travel_min"): self.rules.assignment.max_travel_min,
                ("assignment", "motorbike_speed_factor"): (
                    self.rules.assignment.motorbike_speed_factor
                ),
                ("assignment", "same_kelurahan"): self.rules.assignment.same_kelurahan,
                ("reserve", "model"): self.rules.reserve.model,
                ("reserve", "units"): self.rules.reserve.units,
                ("reserve", "response_limit_min"): self.rules.reserve.response_limit_min,
                ("reserve", "speed_factor"): self.rules.reserve.speed_factor,
            }
            for category, pattern in self.rules.pattern.items():
                for name in ("officers", "max_tps", "linmas_per_tps"):
                    expected["pattern", category.value, name] = getattr(pattern, name)
            if "patrols" in self.plan:
                patrol = self.rules.patrol
                for k, shift in enumerate(patrol.shifts):
                    expected["patrol", "shifts", k, "name"] = shift.name
                    expected["patrol", "shifts", k, "shift_s"] = list(shift.shift_s)
                    expected["patrol", "shifts", k, "visit_s"] = list(shift.visit_s)
                    expected["patrol", "shifts", k, "max_route_hours"] = shift.max_route_hours
                    for category, count in shift.visits.items():
                        expected["patrol", "shifts", k, "visits", category.value] = count
                for name in (
                    "service_min",
                    "min_gap_min",
                    "car_speed_factor",
                    "motorbike_speed_factor",
                ):
                    expected["patrol", name] = getattr(patrol, name)
            for path, value in expected.items():
                node: Any = rules
                for part in path:
                    if isinstance(part, int):
                        node = node[part] if isinstance(node, list) and part < len(node) else None
                    else:
                        node = node.get(part) if isinstance(node, Mapping) else None
                if node != value:
                    dotted = ".".join(map(str, path))
                    self.add(
                        "rules_mismatch",
                        f"scenario.rules.{dotted}",
                        f"rencana dibuat dengan {dotted} = {node!r}, skenario {value!r}",
                        f"the plan was made with {dotted} = {node!r}, the scenario has {value!r}",
                    )
        network = recorded.get("network")
        if isinstance(network, Mapping):
            for name, actual in (
                ("nodes", graph.number_of_nodes()),
                ("edges", graph.number_of_edges()),
            ):
                claimed = network.get(name)
                if isinstance(claimed, int) and claimed != actual:
                    self.add(
                        "network_mismatch",
                        f"scenario.network.{name}",
                        f"rencana dibuat pada jaringan dengan {claimed} {name}, "
                        f"jaringan ini {actual}",
                        f"the plan was made on a network with {claimed} {name}, this one has "
                        f"{actual}",
                    )

    # every TPS once ---------------------------------------------------------------------

    def partition(self) -> None:
        """Every TPS in exactly one group or uncovered; ids known; group ids unique."""
        in_groups: dict[str, list[str]] = defaultdict(list)
        ids = Counter(g["group_id"] for g in self.groups)
        for group_id, count in sorted(ids.items()):
            if count > 1:
                self.add(
                    "group_id_duplicate",
                    group_id,
                    f"{count} kelompok memakai id '{group_id}'",
                    f"{count} groups use the id '{group_id}'",
                )
        for group in self.groups:
            gid = group["group_id"]
            for member in group["members"]:
                if member in self.kecamatan:
                    in_groups[member].append(gid)
                else:
                    self._unknown(member, f"anggota kelompok {gid}", f"a member of group {gid}")
            anchor = group["anchor"]
            if anchor not in self.kecamatan and anchor not in group["members"]:
                self._unknown(anchor, f"jangkar kelompok {gid}", f"the anchor of {gid}")
        uncovered: Counter[str] = Counter()
        for entry in self.plan["uncovered"]:
            tps = entry["tps_id"]
            if tps not in self.kecamatan:
                self._unknown(tps, "daftar 'uncovered'", "the 'uncovered' list")
                continue
            uncovered[tps] += 1
            if not entry["reason_id"].strip() or not entry["reason_en"].strip():
                self.add(
                    "uncovered_no_reason",
                    tps,
                    "TPS tanpa pengamanan tanpa alasan (reason_id dan reason_en)",
                    "uncovered TPS without a reason (reason_id and reason_en)",
                )
            if entry["kecamatan"] != self.kecamatan[tps]:
                self.add(
                    "wrong_kecamatan",
                    tps,
                    f"tercatat di kecamatan {entry['kecamatan']}, padahal di {self.kecamatan[tps]}",
                    f"listed under kecamatan {entry['kecamatan']}, but lies in "
                    f"{self.kecamatan[tps]}",
                )
        for tps in self.tps_ids:
            groups = in_groups.get(tps, [])
            if len(groups) > 1:
                self.add(
                    "tps_in_several_groups",
                    tps,
                    f"TPS ada di {len(groups)} kelompok: {', '.join(groups)}",
                    f"the TPS is in {len(groups)} groups: {', '.join(groups)}",
                )
            if groups and uncovered[tps]:
                self.add(
                    "tps_covered_and_uncovered",
                    tps,
                    f"TPS ada di kelompok {groups[0]} dan juga di daftar tanpa pengamanan",
                    f"the TPS is in group {groups[0]} and also listed as uncovered",
                )
            if uncovered[tps] > 1:
                self.add(
                    "uncovered_duplicate",
                    tps,
                    f"TPS tercatat {uncovered[tps]} kali tanpa pengamanan",
                    f"the TPS is listed {uncovered[tps]} times as uncovered",
                )
            if not groups and not uncovered[tps]:
                self.add(
                    "tps_missing",
                    tps,
                    "TPS tidak ada di kelompok mana pun dan tidak tercatat tanpa pengamanan",
                    "the TPS is in no group and not listed as uncovered",
                )

    def _unknown(self, tps: str, where_id: str, where_en: str) -> None:
        self.add(
            "unknown_tps",
            tps,
            f"id TPS '{tps}' ({where_id}) tidak ada di skenario",
            f"TPS id '{tps}' ({where_en}) is not in the scenario",
        )

    # group rules ------------------------------------------------------------------------

    def group_rules(self) -> None:
        """Anchor, kecamatan, kelurahan, size, officers and linmas of each group."""
        pattern = self.rules.pattern
        for group in self.groups:
            gid, kecamatan = group["group_id"], group["kecamatan"]
            if not group["members"]:
                self.add("group_empty", gid, "kelompok tanpa TPS", "a group without TPS")
                continue
            if group["anchor"] not in group["members"]:
                self.add(
                    "anchor_not_member",
                    gid,
                    f"jangkar {group['anchor']} bukan anggota kelompok",
                    f"the anchor {group['anchor']} is not a member of the group",
                )
            members = self.known_members(group)
            for tps in members:
                if self.kecamatan[tps] != kecamatan:
                    self.add(
                        "wrong_kecamatan",
                        gid,
                        f"{tps} di kecamatan {self.kecamatan[tps]}, kelompok di {kecamatan}",
                        f"{tps} lies in kecamatan {self.kecamatan[tps]}, the group in {kecamatan}",
                    )
            kelurahan = sorted({self.kelurahan[t] for t in members})
            if self.rules.assignment.same_kelurahan and len(kelurahan) > 1:
                self.add(
                    "mixed_kelurahan",
                    gid,
                    f"kelompok mencakup kelurahan {', '.join(kelurahan)} (same_kelurahan)",
                    f"the group spans kelurahan {', '.join(kelurahan)} (same_kelurahan)",
                )
            if not members:
                continue
            categories = [self.risk[t] for t in members]
            limit = min(pattern[c].max_tps for c in categories)
            if len(group["members"]) > limit:
                self.add(
                    "group_too_large",
                    gid,
                    f"{len(group['members'])} TPS, pola mengizinkan paling banyak {limit}",
                    f"{len(group['members'])} TPS, the pattern allows at most {limit}",
                )
            need = max(pattern[c].officers for c in categories)
            if group["officers"] < need:
                self.add(
                    "too_few_officers",
                    gid,
                    f"{group['officers']} personel, pola memerlukan {need}",
                    f"{group['officers']} officers, the pattern needs {need}",
                )
            linmas = sum(pattern[c].linmas_per_tps for c in categories)
            if group["linmas"] != linmas:
                self.add(
                    "linmas_mismatch",
                    gid,
                    f"linmas {group['linmas']}, seharusnya {linmas}",
                    f"linmas {group['linmas']}, should be {linmas}",
                )

    # personnel --------------------------------------------------------------------------

    def personnel(self) -> None:
        """Officers add up, posts keep within polri, borrowing matches the borrowings."""
        drawn: Counter[str] = Counter()
        borrowed: Counter[tuple[str, str]] = Counter()
        for group in self.groups:
            gid, kecamatan = group["group_id"], group["kecamatan"]
            sources: Mapping[str, int] = group["officers_from"]
            if sum(sources.values()) != group["officers"]:
                self.add(
                    "officers_from_mismatch",
                    gid,
                    f"officers_from berjumlah {sum(sources.values())}, "
                    f"officers {group['officers']}",
                    f"officers_from adds up to {sum(sources.values())}, "
                    f"officers is {group['officers']}",
                )
            for post, count in sources.items():
                info = self.posts.get(post)
                if info is None:
                    self._unknown_post(post, f"kelompok {gid}", f"group {gid}")
                    continue
                drawn[post] += count
                if info["kind"] == "polresta" or info["kecamatan"] != kecamatan:
                    borrowed[post, kecamatan] += count
        crew = self.rules.patrol.crew
        driven = {  # patrol crews are not on guard: one per vehicle on the road
            (str(r["post_id"]), str(r["vehicle_id"])): str(r["vehicle_type"])
            for r in self.plan.get("patrols", {}).get("routes", [])
        }
        for post, count in sorted(drawn.items()):
            info = self.posts[post]
            patrolling = sum(crew.get(kind, 0) for (p, _), kind in driven.items() if p == post)
            free = info["polri"] - patrolling
            if count > free:
                self.add(
                    "post_over_capacity",
                    post,
                    f"{count} personel diambil, pos hanya punya {free} Polri di luar awak "
                    f"patroli ({info['polri']} - {patrolling})",
                    f"{count} officers drawn, the post has only {free} Polri besides its "
                    f"patrol crews ({info['polri']} - {patrolling})",
                )
        declared: Counter[tuple[str, str]] = Counter()
        for entry in self.plan["borrowings"]:
            if entry["from_post"] not in self.posts:
                self._unknown_post(entry["from_post"], "daftar 'borrowings'", "'borrowings'")
                continue
            declared[entry["from_post"], entry["to_kecamatan"]] += entry["officers"]
        for post, kecamatan in sorted(set(borrowed) | set(declared)):
            used, listed = borrowed[post, kecamatan], declared[post, kecamatan]
            if used > listed:
                self.add(
                    "borrowing_undeclared",
                    post,
                    f"{used} personel dipinjam untuk {kecamatan}, tercatat di borrowings {listed}",
                    f"{used} officers lent to {kecamatan}, 'borrowings' lists {listed}",
                )
            elif listed > used:
                self.add(
                    "borrowing_unused",
                    post,
                    f"borrowings mencatat {listed} personel untuk {kecamatan}, dipakai {used}",
                    f"'borrowings' lists {listed} officers for {kecamatan}, groups use {used}",
                )

    def _unknown_post(self, post: str, where_id: str, where_en: str) -> None:
        self.add(
            "unknown_post",
            post,
            f"id pos '{post}' ({where_id}) tidak ada di skenario",
            f"post id '{post}' ({where_en}) is not in the scenario",
        )

    # KPIs -------------------------------------------------------------------------------

    def kpis(self) -> None:
        """Totals and per-Polsek figures recomputed from the groups."""
        kpis = self.plan["kpis"]
        covered = {m for g in self.groups for m in self.known_members(g)}
        per_polsek: dict[str, dict[str, int]] = {}
        for group in self.groups:
            figures = per_polsek.setdefault(
                group["kecamatan"], {"groups": 0, "tps": 0, "officers": 0, "linmas": 0}
            )
            figures["groups"] += 1
            figures["tps"] += len(group["members"])
            figures["officers"] += group["officers"]
            figures["linmas"] += group["linmas"]
        expected: dict[str, Any] = {
            "tps": len(self.tps_ids),
            "tps_covered": len(covered),
            "officers": sum(g["officers"] for g in self.groups),
            "linmas": sum(g["linmas"] for g in self.groups),
        }
        for name, value in expected.items():
            self._kpi(f"kpis.{name}", kpis[name], value)
        claimed = kpis["per_polsek"]
        for kecamatan in sorted(set(per_polsek) | set(claimed)):
            for name in ("groups", "tps", "officers", "linmas"):
                self._kpi(
                    f"kpis.per_polsek.{kecamatan}.{name}",
                    claimed.get(kecamatan, {}).get(name, 0),
                    per_polsek.get(kecamatan, {}).get(name, 0),
                )
        responses = self.reserve_plan["tps_response_s"].values()
        worst = max(responses, default=0.0)
        if not _close(kpis["worst_reserve_response_s"], worst):
            self._kpi("kpis.worst_reserve_response_s", kpis["worst_reserve_response_s"], worst)

    def _kpi(self, name: str, claimed: Any, actual: Any) -> None:
        if claimed != actual:
            self.add(
                "kpi_mismatch",
                name,
                f"{name} = {claimed}, dihitung dari rencana {actual}",
                f"{name} = {claimed}, recomputed from the plan {actual}",
            )

    # travel limits ----------------------------------------------------------------------

    def points_to_place(self, graph: nx.MultiDiGraph) -> dict[Hashable, tuple[float, float]]:
        """TPS and valid staging points (lon, lat) to insert into the road graph."""
        points: dict[Hashable, tuple[float, float]] = {
            ("tps", t): self.lon_lat[t] for t in self.tps_ids
        }
        self.staging_places = self._staging_places(graph)
        points.update({("staging", s): p for s, p in self.staging_places.items()})
        if "patrols" in self.plan:
            for route in self.plan["patrols"]["routes"]:
                post = self.posts.get(route["post_id"])
                if post is not None:
                    points["post", route["post_id"]] = post["lon_lat"]
        if "logistics" in self.plan:
            posts = {p: v["lon_lat"] for p, v in self.posts.items()}
            points.update(logistics_points(self.plan, posts))
        return points

    def travel(self, roads: _RoadTimes) -> None:
        """Anchor-to-member road travel by motorbike within the limit and as claimed."""
        factor = self.rules.assignment.motorbike_speed_factor
        limit = self.rules.assignment.max_travel_min * 60.0
        for group in self.groups:
            anchor = group["anchor"]
            members = self.known_members(group)
            if anchor not in self.kecamatan or not members:
                continue
            claimed = group["max_travel_s"]
            horizon = max(limit, claimed) * (1.0 + 2 * TOLERANCE_REL) + 2 * TOLERANCE_S
            times = roads.times_from(("tps", anchor), cutoff=horizon * factor)
            if any(("tps", m) not in times for m in members):  # too far: time it exactly
                times = roads.times_from(("tps", anchor))
            travel = {m: times.get(("tps", m), inf) / factor for m in members}
            farthest = max(members, key=lambda m: travel[m])
            worst = travel[farthest]
            if not _within(worst, limit):
                self.add(
                    "travel_limit_exceeded",
                    group["group_id"],
                    f"{farthest} berjarak {_seconds(worst)} dari jangkar "
                    f"{anchor} (batas {limit:,.0f} s)",
                    f"{farthest} is {_seconds_en(worst)} from the anchor "
                    f"{anchor} (limit {limit:,.0f} s)",
                )
            if not _close(claimed, worst):
                self.add(
                    "travel_time_mismatch",
                    group["group_id"],
                    f"max_travel_s {claimed:,.1f} s, dihitung ulang {_seconds(worst)}",
                    f"max_travel_s {claimed:,.1f} s, recomputed {_seconds_en(worst)}",
                )

    # reserve ----------------------------------------------------------------------------

    def _staging_places(self, graph: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
        """Where each valid staging point lies; invalid ones are reported and left out."""
        places: dict[str, tuple[float, float]] = {}
        staging = self.reserve_plan["staging"]
        counts = Counter(s["point_id"] for s in staging)
        node_xy = np.array(
            [(float(d["x"]), float(d["y"])) for _, d in graph.nodes(data=True)], dtype=float
        ).reshape(-1, 2)
        seen: set[str] = set()
        for point in staging:
            pid, kind = point["point_id"], point["kind"]
            if pid in seen:
                continue
            seen.add(pid)
            lon_lat = (float(point["lon"]), float(point["lat"]))
            problem: tuple[str, str] | None = None
            if counts[pid] > 1:
                problem = (f"tercatat {counts[pid]} kali", f"listed {counts[pid]} times")
            elif kind == "post":
                post = self.posts.get(pid)
                if post is None:
                    problem = ("bukan pos di skenario", "not a post of the scenario")
                elif max(abs(a - b) for a, b in zip(lon_lat, post["lon_lat"], strict=True)) > (
                    POST_LOCATION_TOLERANCE_DEG
                ):
                    problem = (
                        f"koordinat {lon_lat} bukan lokasi pos {post['lon_lat']}",
                        f"coordinates {lon_lat} are not the post's location {post['lon_lat']}",
                    )
                else:
                    lon_lat = post["lon_lat"]
            elif kind == "junction":
                metres = _nearest_node_m(node_xy, lon_lat)
                if metres > JUNCTION_TOLERANCE_M:
                    problem = (
                        f"berjarak {metres:,.0f} m dari simpul jalan terdekat",
                        f"{metres:,.0f} m from the nearest road junction",
                    )
            else:
                problem = (
                    f"jenis '{kind}' tidak dikenal (post, junction)",
                    f"unknown kind '{kind}' (post, junction)",
                )
            if problem is None:
                places[pid] = lon_lat
            else:
                self.add(
                    "reserve_staging_invalid",
                    pid,
                    f"titik siaga cadangan tidak sah: {problem[0]}",
                    f"invalid reserve staging point: {problem[1]}",
                )
        return places

    def reserve(self, roads: _RoadTimes) -> None:
        """Staging points, response times, the limit, the unit count, nearest staging."""
        plan = self.reserve_plan
        rules = self.rules.reserve
        limit = rules.response_limit_min * 60.0
        if plan["model"] != rules.model:
            self.add(
                "rules_mismatch",
                "reserve.model",
                f"model cadangan {plan['model']}, skenario {rules.model}",
                f"reserve model {plan['model']}, the scenario's {rules.model}",
            )
        if not _close(plan["response_limit_s"], limit):
            self.add(
                "rules_mismatch",
                "reserve.response_limit_s",
                f"batas respons {plan['response_limit_s']} s, skenario {limit:,.0f} s",
                f"response limit {plan['response_limit_s']} s, the scenario's {limit:,.0f} s",
            )
        if rules.model in ("pcenter", "mclp") and len(plan["staging"]) > rules.units:
            self.add(
                "reserve_too_many_units",
                "reserve.staging",
                f"{len(plan['staging'])} titik siaga, satuan cadangan hanya {rules.units}",
                f"{len(plan['staging'])} staging points, only {rules.units} reserve units",
            )
        staging_ids = {s["point_id"] for s in plan["staging"]}
        assigned: Mapping[str, str] = plan["tps_staging"]
        claimed: Mapping[str, float] = plan["tps_response_s"]
        beyond = set(plan["beyond_limit"])
        for where, ids in (
            ("tps_staging", assigned),
            ("tps_response_s", claimed),
            ("beyond_limit", plan["beyond_limit"]),
        ):
            for tps in sorted(set(ids) - set(self.kecamatan)):
                self._unknown(tps, f"reserve.{where}", f"reserve.{where}")
        speed = rules.speed_factor
        response: dict[str, Mapping[Hashable, float]] = {
            s: roads.times_from(("staging", s)) for s in sorted(self.staging_places)
        }
        for tps in self.tps_ids:
            if tps not in assigned or tps not in claimed:
                self.add(
                    "reserve_tps_missing",
                    tps,
                    "TPS tanpa titik siaga cadangan atau waktu respons",
                    "the TPS has no reserve staging point or response time",
                )
                continue
            point = assigned[tps]
            if point not in staging_ids:
                self.add(
                    "reserve_staging_unknown",
                    tps,
                    f"titik siaga '{point}' tidak ada di reserve.staging",
                    f"staging point '{point}' is not in reserve.staging",
                )
                continue
            if point not in response:
                continue  # an invalid staging point, reported already
            actual = response[point].get(("tps", tps), inf) / speed
            if not _close(claimed[tps], actual):
                self.add(
                    "reserve_response_mismatch",
                    tps,
                    f"waktu respons dari {point} {claimed[tps]:,.1f} s, dihitung ulang "
                    f"{_seconds(actual)}",
                    f"response time from {point} {claimed[tps]:,.1f} s, recomputed "
                    f"{_seconds_en(actual)}",
                )
            best_point = min(response, key=lambda s: (response[s].get(("tps", tps), inf), s))
            best = response[best_point].get(("tps", tps), inf) / speed
            if not _within(actual, best):
                self.add(
                    "reserve_not_nearest",
                    tps,
                    f"titik siaga {point} ({_seconds(actual)}), terdekat {best_point} "
                    f"({_seconds(best)})",
                    f"staging point {point} ({_seconds_en(actual)}), the nearest is "
                    f"{best_point} ({_seconds_en(best)})",
                )
            if tps not in beyond and not _within(actual, limit):
                self.add(
                    "reserve_beyond_limit",
                    tps,
                    f"respons {_seconds(actual)} melebihi batas {limit:,.0f} s, "
                    "tidak tercatat di beyond_limit",
                    f"response {_seconds_en(actual)} exceeds the {limit:,.0f} s limit, "
                    "not listed in beyond_limit",
                )
            if tps in beyond and actual < limit * (1.0 - TOLERANCE_REL) - TOLERANCE_S:
                self.add(
                    "reserve_listed_beyond_limit",
                    tps,
                    f"tercatat di beyond_limit, padahal respons {_seconds(actual)} "
                    f"dalam batas {limit:,.0f} s",
                    f"listed in beyond_limit, but the response {_seconds_en(actual)} is "
                    f"within the {limit:,.0f} s limit",
                )

    # patrols ----------------------------------------------------------------------------

    def patrols(self, roads: _RoadTimes) -> None:
        """Vehicles, places, times and road travel of the routes; every visit accounted for.

        Each route and dropped visit belongs to a planned shift, whose hours and
        visit counts apply; spacing applies to the visits of one shift.
        """
        section = self.plan["patrols"]
        shifts = {s.name: s for s in self.rules.patrol.planned}
        routes: list[Mapping[str, Any]] = []
        for route in section["routes"]:
            if self._known_shift(shifts, route["shift"], route["vehicle_id"]):
                routes.append(route)
        patrol = self.rules.patrol
        factors = {"car": patrol.car_speed_factor, "motorbike": patrol.motorbike_speed_factor}
        legs: dict[Hashable, list[_Leg]] = defaultdict(list)
        starts: dict[tuple[str, str], list[tuple[float, int, str]]] = defaultdict(list)
        self._patrol_vehicles(routes)
        for route in routes:
            vid, post_id = route["vehicle_id"], route["post_id"]
            shift = shifts[route["shift"]]
            post = self.posts.get(post_id)
            factor = factors.get(route["vehicle_type"])
            if post is not None:
                self._patrol_geometry(roads, route)
            self._patrol_route_times(shift, route)
            places: list[Hashable | None] = [("post", post_id) if post is not None else None]
            leaves = [float(route["start_s"])]
            arrives: list[float] = []
            for number, stop in enumerate(route["stops"], start=1):
                tps = stop["tps_id"]
                known = tps in self.kecamatan
                if known:
                    starts[shift.name, tps].append((float(stop["start_s"]), stop["visit"], vid))
                    if post is not None and self.kecamatan[tps] != post["kecamatan"]:
                        self.add(
                            "patrol_wrong_kecamatan",
                            vid,
                            f"kunjungan {number} ke {tps} di kecamatan {self.kecamatan[tps]}, "
                            f"pos {post_id} di {post['kecamatan']}",
                            f"stop {number} at {tps} in kecamatan {self.kecamatan[tps]}, "
                            f"the post {post_id} is in {post['kecamatan']}",
                        )
                else:
                    self._unknown(tps, f"rute patroli {vid}", f"patrol route {vid}")
                self._patrol_stop_times(shift, vid, number, stop)
                places.append(("tps", tps) if known else None)
                arrives.append(float(stop["arrival_s"]))
                leaves.append(float(stop["departure_s"]))
            places.append(places[0])
            arrives.append(float(route["end_s"]))
            if factor is None:
                continue
            for leg, (origin, target) in enumerate(itertools.pairwise(places)):
                if origin is not None and target is not None:
                    budget = arrives[leg] - leaves[leg]
                    legs[origin].append(_Leg(target, budget, factor, vid, leg, len(places) - 2))
        self._patrol_legs(roads, legs)
        self._patrol_visits(shifts, starts)
        self._patrol_kpis(shifts, routes)

    def _known_shift(self, shifts: Mapping[str, PatrolShift], name: str, subject: str) -> bool:
        """Whether ``name`` is a planned shift; a ``patrol_unknown_shift`` violation if not."""
        if name in shifts:
            return True
        self.add(
            "patrol_unknown_shift",
            subject,
            f"giliran '{name}' tidak direncanakan ({', '.join(shifts)})",
            f"the shift '{name}' is not planned ({', '.join(shifts)})",
        )
        return False

    def _patrol_vehicles(self, routes: Sequence[Mapping[str, Any]]) -> None:
        """Posts with vehicles, one route per vehicle and shift, no overlap across shifts,
        no more vehicles of a type than the post's."""
        by_vehicle: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for route in routes:
            by_vehicle[route["vehicle_id"]].append(route)
        for vid, own in sorted(by_vehicle.items()):
            for shift, count in sorted(Counter(r["shift"] for r in own).items()):
                if count > 1:
                    self.add(
                        "patrol_vehicle_duplicate",
                        vid,
                        f"{count} rute patroli giliran {shift} memakai kendaraan '{vid}'",
                        f"{count} patrol routes of the {shift} shift use the vehicle '{vid}'",
                    )
            ordered = sorted(own, key=lambda r: (r["start_s"], r["end_s"]))
            for first, second in itertools.pairwise(ordered):
                if first["shift"] != second["shift"] and second["start_s"] < first["end_s"]:
                    self.add(
                        "patrol_vehicle_overlap",
                        vid,
                        f"rute giliran {second['shift']} berangkat {_clock(second['start_s'])}, "
                        f"sebelum rute giliran {first['shift']} kembali {_clock(first['end_s'])}",
                        f"the {second['shift']} route leaves at {_clock(second['start_s'])}, "
                        f"before the {first['shift']} route is back at {_clock(first['end_s'])}",
                    )
        used: Counter[tuple[str, str, str]] = Counter()
        for route in routes:
            vid, post_id, kind = route["vehicle_id"], route["post_id"], route["vehicle_type"]
            post = self.posts.get(post_id)
            if post is None:
                self._unknown_post(post_id, f"rute patroli {vid}", f"patrol route {vid}")
            elif post["car"] + post["motorbike"] == 0:
                self.add(
                    "patrol_post_without_vehicles",
                    vid,
                    f"rute patroli dari pos {post_id}, yang tidak punya kendaraan",
                    f"a patrol route from the post {post_id}, which has no vehicles",
                )
            if kind not in ("car", "motorbike"):
                self.add(
                    "patrol_unknown_vehicle_type",
                    vid,
                    f"jenis kendaraan '{kind}' tidak dikenal (car, motorbike)",
                    f"unknown vehicle type '{kind}' (car, motorbike)",
                )
            elif post is not None and post["car"] + post["motorbike"] > 0:
                used[route["shift"], post_id, kind] += 1
        for (shift, post_id, kind), count in sorted(used.items()):
            have = self.posts[post_id][kind]
            if count > have:
                self.add(
                    "patrol_too_many_vehicles",
                    post_id,
                    f"{count} rute {_VEHICLE_ID[kind]} giliran {shift}, pos hanya punya {have}",
                    f"{count} {kind} routes in the {shift} shift, the post has only {have}",
                )

    def _patrol_geometry(self, roads: _RoadTimes, route: Mapping[str, Any]) -> None:
        """The route's line starts and ends at its post's place on the road."""
        geometry, vid, post = route["geometry"], route["vehicle_id"], route["post_id"]
        if not geometry:
            if route["stops"]:
                self.add(
                    "patrol_not_at_post",
                    vid,
                    f"rute dengan kunjungan tanpa geometri dari dan ke pos {post}",
                    f"a route with visits but no geometry from and to the post {post}",
                )
            return
        for end_id, end_en, coordinate in (
            ("berangkat", "starts", geometry[0]),
            ("berakhir", "ends", geometry[-1]),
        ):
            metres = roads.metres_from_placed(("post", post), coordinate)
            if metres > PATROL_POST_TOLERANCE_M:
                self.add(
                    "patrol_not_at_post",
                    vid,
                    f"geometri rute {end_id} {metres:,.0f} m dari titik pos {post} di jalan",
                    f"the route's geometry {end_en} {metres:,.0f} m from the post {post}'s "
                    "point on the road",
                )

    def _patrol_route_times(self, patrol: PatrolShift, route: Mapping[str, Any]) -> None:
        """Start and end inside the shift, the duration within max_route_hours."""
        shift = patrol.shift_s
        start, end, vid = route["start_s"], route["end_s"], route["vehicle_id"]
        if start < shift[0] or end > shift[1]:
            self.add(
                "patrol_outside_shift",
                vid,
                f"rute {_clock(start)}-{_clock(end)} di luar jam dinas "
                f"{_clock(shift[0])}-{_clock(shift[1])}",
                f"the route {_clock(start)}-{_clock(end)} leaves the shift "
                f"{_clock(shift[0])}-{_clock(shift[1])}",
            )
        longest = patrol.max_route_hours * 3600.0
        if end - start > longest:
            self.add(
                "patrol_route_too_long",
                vid,
                f"rute {end - start:,.0f} s, batas {longest:,.0f} s (max_route_hours)",
                f"the route takes {end - start:,.0f} s, the limit is {longest:,.0f} s "
                "(max_route_hours)",
            )

    def _patrol_stop_times(
        self, shift: PatrolShift, vid: str, number: int, stop: Mapping[str, Any]
    ) -> None:
        """Service start inside the visit window, not before arrival; departure after service."""
        window = shift.visit_s
        service = round(self.rules.patrol.service_min * 60)
        tps, arrival, start, departure = (
            stop["tps_id"],
            stop["arrival_s"],
            stop["start_s"],
            stop["departure_s"],
        )
        subject = f"{vid} #{number}"
        if not window[0] <= start <= window[1]:
            self.add(
                "patrol_outside_window",
                subject,
                f"kunjungan ke {tps} mulai {_clock(start)}, di luar jam kunjungan "
                f"{_clock(window[0])}-{_clock(window[1])}",
                f"the visit of {tps} starts at {_clock(start)}, outside the window "
                f"{_clock(window[0])}-{_clock(window[1])}",
            )
        if start < arrival:
            self.add(
                "patrol_start_before_arrival",
                subject,
                f"kunjungan ke {tps} mulai {_clock(start)} sebelum tiba {_clock(arrival)}",
                f"the visit of {tps} starts at {_clock(start)}, before the arrival at "
                f"{_clock(arrival)}",
            )
        if departure != start + service:
            self.add(
                "patrol_service_mismatch",
                subject,
                f"berangkat dari {tps} {departure - start:,.0f} s setelah mulai, "
                f"service_min {service} s",
                f"leaves {tps} {departure - start:,.0f} s after the start, service_min is "
                f"{service} s",
            )

    def _patrol_legs(self, roads: _RoadTimes, legs: Mapping[Hashable, Sequence[_Leg]]) -> None:
        """Each leg takes at least the road travel time: one Dijkstra per distinct origin."""
        for origin, out in legs.items():
            cutoff = max(max(leg.budget, 0.0) + PATROL_TOLERANCE_S for leg in out)
            cutoff *= max(leg.factor for leg in out) / (1.0 - TOLERANCE_REL)
            times = roads.times_from(origin, cutoff=cutoff + 1.0)
            exact: Mapping[Hashable, float] | None = None
            for leg in out:
                road = times.get(leg.target)
                if road is None:  # beyond the cutoff: too slow anyway, time it exactly
                    if exact is None:
                        exact = roads.times_from(origin)
                    road = exact.get(leg.target, inf)
                needed = road / leg.factor
                if needed * (1.0 - TOLERANCE_REL) <= leg.budget + PATROL_TOLERANCE_S:
                    continue
                self._leg_too_short(origin, leg, needed)

    def _leg_too_short(self, origin: Hashable, leg: _Leg, needed: float) -> None:
        """A ``patrol_arrival_too_early`` or ``patrol_return_too_early`` violation."""
        names = {origin: _place_name(origin), leg.target: _place_name(leg.target)}
        if leg.index == leg.stops:  # the way back to the post
            self.add(
                "patrol_return_too_early",
                leg.vehicle,
                f"rute berakhir {leg.budget:,.0f} s setelah meninggalkan {names[origin]}, "
                f"perjalanan ke pos perlu {_seconds(needed)}",
                f"the route ends {leg.budget:,.0f} s after leaving {names[origin]}, the way "
                f"back to the post takes {_seconds_en(needed)}",
            )
            return
        self.add(
            "patrol_arrival_too_early",
            f"{leg.vehicle} #{leg.index + 1}",
            f"tiba di {names[leg.target]} {leg.budget:,.0f} s setelah meninggalkan "
            f"{names[origin]}, perjalanan perlu {_seconds(needed)}",
            f"arrives at {names[leg.target]} {leg.budget:,.0f} s after leaving "
            f"{names[origin]}, the roads take {_seconds_en(needed)}",
        )

    def _patrol_visits(
        self,
        shifts: Mapping[str, PatrolShift],
        starts: Mapping[tuple[str, str], list[tuple[float, int, str]]],
    ) -> None:
        """Each TPS' visits 1..k of each shift once, performed or dropped, spaced by min_gap_min."""
        dropped: dict[tuple[str, str], list[int]] = defaultdict(list)
        for entry in self.plan["patrols"]["dropped"]:
            tps = entry["tps_id"]
            if tps not in self.kecamatan:
                self._unknown(tps, "patrols.dropped", "patrols.dropped")
                continue
            if self._known_shift(shifts, entry["shift"], tps):
                dropped[entry["shift"], tps].append(entry["visit"])
            if entry["kecamatan"] != self.kecamatan[tps]:
                self.add(
                    "wrong_kecamatan",
                    tps,
                    f"kunjungan patroli tak terlaksana tercatat di kecamatan {entry['kecamatan']}, "
                    f"padahal di {self.kecamatan[tps]}",
                    f"dropped patrol visit listed under kecamatan {entry['kecamatan']}, but "
                    f"the TPS lies in {self.kecamatan[tps]}",
                )
        for shift, tps in itertools.product(shifts.values(), self.tps_ids):
            self._patrol_tps_visits(
                shift, tps, starts.get((shift.name, tps), []), dropped.get((shift.name, tps), [])
            )

    def _patrol_tps_visits(
        self,
        shift: PatrolShift,
        tps: str,
        performed: Sequence[tuple[float, int, str]],
        missed: Sequence[int],
    ) -> None:
        """One TPS' visits in one shift: valid numbers, each once, none missing, spaced apart."""
        gap = round(self.rules.patrol.min_gap_min * 60)
        need = shift.visits[self.risk[tps]]
        done = [visit for _, visit, _ in performed]
        category, name = self.risk[tps].value, shift.name
        for visit in sorted({v for v in [*done, *missed] if not 1 <= v <= need}):
            self.add(
                "patrol_visit_invalid",
                tps,
                f"kunjungan ke-{visit} giliran {name}, kategori {category} hanya perlu {need}",
                f"visit {visit} of the {name} shift, the {category} category needs only {need}",
            )
        for listed, what_id, what_en in (
            (done, "dilakukan", "performed"),
            (missed, "tercatat tak terlaksana", "listed as dropped"),
        ):
            for visit, count in sorted(Counter(listed).items()):
                if count > 1:
                    self.add(
                        "patrol_visit_duplicate",
                        tps,
                        f"kunjungan ke-{visit} giliran {name} {what_id} {count} kali",
                        f"visit {visit} of the {name} shift {what_en} {count} times",
                    )
        for visit in sorted(set(done) & set(missed)):
            self.add(
                "patrol_visit_performed_and_dropped",
                tps,
                f"kunjungan ke-{visit} dilakukan dan juga tercatat tak terlaksana",
                f"visit {visit} is performed and also listed as dropped",
            )
        for visit in sorted(set(range(1, need + 1)) - set(done) - set(missed)):
            self.add(
                "patrol_visit_missing",
                tps,
                f"kunjungan wajib ke-{visit} tidak dilakukan dan tidak tercatat tak terlaksana",
                f"required visit {visit} is neither performed nor listed as dropped",
            )
        times = sorted(performed)
        for (first, _, a), (second, _, b) in itertools.pairwise(times):
            if second - first < gap:
                self.add(
                    "patrol_visits_too_close",
                    tps,
                    f"kunjungan {_clock(first)} ({a}) dan {_clock(second)} ({b}) berjarak "
                    f"{second - first:,.0f} s, minimal {gap} s (min_gap_min)",
                    f"visits at {_clock(first)} ({a}) and {_clock(second)} ({b}) are "
                    f"{second - first:,.0f} s apart, at least {gap} s (min_gap_min)",
                )

    def _patrol_kpis(
        self, shifts: Mapping[str, PatrolShift], routes: Sequence[Mapping[str, Any]]
    ) -> None:
        """Required and performed visits, coverage and routes, per shift and in total."""
        claimed = self.plan["patrols"]["kpis"]
        per_shift = claimed.get("shifts")
        if not isinstance(per_shift, Mapping) or set(per_shift) != set(shifts):
            self._kpi("patrols.kpis.shifts", sorted(per_shift or {}), sorted(shifts))
            per_shift = {}
        totals = Counter[str]()
        for shift in shifts.values():
            own = [r for r in routes if r["shift"] == shift.name]
            figures = {
                "required_visits": sum(shift.visits[self.risk[t]] for t in self.tps_ids),
                "performed_visits": sum(len(r["stops"]) for r in own),
                "vehicles_used": len(own),
            }
            totals.update(figures)
            if shift.name in per_shift:
                self._patrol_figures(
                    f"patrols.kpis.shifts.{shift.name}", per_shift[shift.name], figures
                )
        self._patrol_figures("patrols.kpis", claimed, totals)
        total = self.plan["kpis"].get("patrol_coverage")
        if total is not None and total != claimed["coverage"]:
            self._kpi("kpis.patrol_coverage", total, claimed["coverage"])

    def _patrol_figures(
        self, where: str, claimed: Mapping[str, Any], actual: Mapping[str, int]
    ) -> None:
        """Claimed visit counts, routes and coverage against the recomputed ones."""
        for name, value in actual.items():
            self._kpi(f"{where}.{name}", claimed.get(name), value)
        coverage = round(actual["performed_visits"] / max(actual["required_visits"], 1), 4)
        if abs(claimed.get("coverage", -1) - coverage) > 1e-4:
            self._kpi(f"{where}.coverage", claimed.get("coverage"), coverage)

    # named pairs ------------------------------------------------------------------------

    def named_pairs(self, roster: Any) -> None:
        """The named pairs re-checked against the roster by :func:`check_named_pairs`."""
        for line in check_named_pairs(self.plan, roster, self.rules):
            self.found.append(_parse_line(line))


@dataclass(frozen=True)
class _Leg:
    """One leg of a patrol route: where to, the time the plan allows, the vehicle's speed."""

    target: Hashable
    budget: float
    """Seconds from leaving the origin to arriving at ``target``, as the plan says."""
    factor: float
    vehicle: str
    index: int
    """0 for the leg from the post, ``stops`` for the leg back to it."""
    stops: int


_VEHICLE_ID = {"car": "mobil", "motorbike": "sepeda motor"}


def _place_name(place: Hashable) -> str:
    """The id of a placed point (``("tps", id)`` or ``("post", id)``)."""
    return str(place[1]) if isinstance(place, tuple) else str(place)


def _clock(seconds: float) -> str:
    """Seconds after midnight as ``HH:MM:SS``."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


_LINE = re.compile(r"\[(?P<code>[^\]]+)\] (?P<subject>.*?): (?P<rest>.*)", re.DOTALL)


def _parse_line(line: str) -> Violation:
    """A ``[code] subject: text_id (text_en)`` line as a :class:`Violation`."""
    match = _LINE.fullmatch(line)
    if match is None:
        return Violation("roster_check", line, line, "officer_pairs")
    rest = match["rest"]
    depth, opening = 0, -1
    if rest.endswith(")"):
        for i in range(len(rest) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(rest[i], 0)
            if depth == 0:
                opening = i
                break
    if opening <= 0:
        text_id = text_en = rest
    else:
        text_id, text_en = rest[:opening].rstrip(), rest[opening + 1 : -1]
    return Violation(match["code"], text_id, text_en, match["subject"])


def _nearest_node_m(node_xy: np.ndarray, lon_lat: Sequence[float]) -> float:
    """Metres (equirectangular approximation) from a point to the nearest network node."""
    if len(node_xy) == 0:
        return inf
    lon, lat = lon_lat
    dx = (node_xy[:, 0] - lon) * math.cos(math.radians(lat))
    dy = node_xy[:, 1] - lat
    return float(np.sqrt(np.min(dx * dx + dy * dy)) * 111_320.0)
