"""Independent plan checker: re-derives every rule of a ``plan.json`` from the inputs and roads."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import networkx as nx

from planner.inputs.scenario import Scenario, read_scenario_file
from planner.plan.files import read_plan
from planner.plan.schema import Plan
from planner.plan.shapes import to_json
from planner.roads.sources import resolve_network
from planner.validate.groups import GroupChecks
from planner.validate.inputs import changed_inputs
from planner.validate.logistics import (
    check_logistics,
    logistics_points,
)
from planner.validate.pairs import check_named_pairs
from planner.validate.patrols import PatrolChecks
from planner.validate.reserve import ReserveChecks
from planner.validate.road_times import RoadTimes
from planner.validate.structure import check_structure
from planner.validate.violations import Violation, parse_line

# This module deliberately shares no code with the solver (assignment, _groups,
# _group_model, personnel, reserve, routing, snap, patrols, vrp, vrp_check): it
# snaps points and routes on the road graph with its own code, so that a bug
# there cannot hide itself. Named pairs are re-checked by
# :func:`planner.validate.pairs.check_named_pairs`, which shares no code with the pairing.


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
    raise :class:`InputError`. The input files and the network file are compared
    with the hashes the plan records (see :func:`validate_plan`).
    """
    plan = read_plan(plan_json)
    spec = read_scenario_file(scenario_toml)
    scenario = spec.load()
    network, data_dir = spec.network_source(network, data_dir)
    graph, report = resolve_network(
        spec.rules, network=network, data_dir=data_dir, allow_download=False
    )
    return validate_plan(scenario, graph, plan, network_file=report.source)


def validate_plan(
    scenario: Scenario,
    graph: nx.MultiDiGraph,
    plan: Any,
    network_file: str | Path | None = None,
) -> list[Violation]:
    """Every rule the plan breaks (a ``plan.json`` document, or a typed :class:`Plan`); an
    empty list for a valid plan.

    A plan whose structure is broken (missing keys, wrong types) gives only
    ``plan_malformed`` violations, since its content cannot be read safely. A
    plan made from other inputs (``scenario.sources``, and the network when
    ``network_file`` is given, compared by SHA-256) gives only one
    ``inputs_changed`` violation naming them, since every other finding would
    follow from the other inputs.
    Travel times are recomputed on ``graph`` (conventions of
    :mod:`planner.roads.network`) and compared with :data:`TOLERANCE_REL` and
    :data:`TOLERANCE_S` of slack (patrol legs: :data:`PATROL_TOLERANCE_S`).
    The ``patrols`` section is checked when the plan has one, named pairs when
    the plan has ``officer_pairs`` and the scenario a roster, the ``logistics``
    section by :mod:`planner.validate.logistics`.
    """
    if isinstance(plan, Plan):  # the typed plan is checked as the JSON it is written as
        plan = to_json(plan)
    malformed = check_structure(plan)
    if malformed:
        return malformed
    changed = changed_inputs(plan["scenario"], scenario.sources, network_file)
    if changed:
        return changed
    check = PlanValidation(scenario, plan)
    check.rules_and_network(graph)
    check.partition()
    check.group_rules()
    check.personnel()
    check.kpis()
    roads = RoadTimes(graph, check.points_to_place(graph))
    check.travel(roads)
    check.reserve(roads)
    if "patrols" in plan:
        check.patrols(roads)
    if "officer_pairs" in plan and scenario.roster is not None:
        check.named_pairs(scenario.roster)
    if "logistics" in plan:
        check_logistics(scenario, plan, roads, check.add)
    return check.found


class PlanValidation(GroupChecks, ReserveChecks, PatrolChecks):
    """Every check of a well-formed plan."""

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

    # named pairs ------------------------------------------------------------------------

    def named_pairs(self, roster: Any) -> None:
        """The named pairs re-checked against the roster by :func:`check_named_pairs`."""
        for line in check_named_pairs(self.plan, roster, self.rules):
            self.found.append(parse_line(line))
