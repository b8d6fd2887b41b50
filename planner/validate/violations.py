"""A broken rule (:class:`Violation`), every code's meaning, and the tolerances of the checks."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planner.validate.logistics_spec import (
    LOGISTICS_CODES,
)

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
GAP_TOLERANCE = 0.5e-4 + 1e-9
"""Slack on ``kpis.officer_gap`` (plans round it to 4 decimals)."""

CODES: dict[str, str] = {
    "plan_malformed": "a key is missing or a value has the wrong type",
    "inputs_changed": "the input or network files are not the ones the plan records (SHA-256)",
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
    "borrowing_before_own": "a kecamatan borrows while its own posts still have free officers",
    "reserve_staging_invalid": "a staging point that is neither a post nor a road junction",
    "reserve_staging_unknown": "a TPS' staging point is not among the chosen ones",
    "reserve_tps_missing": "a TPS without staging point or response time",
    "reserve_response_mismatch": "a response time differs from the recomputed one",
    "reserve_not_nearest": "a TPS' staging point is not its nearest chosen one",
    "reserve_beyond_limit": "a TPS beyond the response limit not listed in beyond_limit",
    "reserve_listed_beyond_limit": "a TPS listed in beyond_limit that is within the limit",
    "reserve_too_many_units": "more staging points than reserve units (pcenter, mclp)",
    "kpi_mismatch": "a KPI differs from the figure recomputed from the plan",
    "lower_bound_above_officers": "the proven lower bound exceeds the officers the groups use",
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


def close_enough(claimed: float, actual: float) -> bool:
    """Whether two travel times agree within the tolerance (never when one is unreachable)."""
    if math.isinf(claimed) or math.isinf(actual):
        return claimed == actual
    return abs(claimed - actual) <= TOLERANCE_REL * max(claimed, actual) + TOLERANCE_S


def within_limit(actual: float, limit: float) -> bool:
    """Whether a travel time keeps a limit within the tolerance."""
    return actual <= limit * (1.0 + TOLERANCE_REL) + TOLERANCE_S


def seconds_id(value: float) -> str:
    return "tak terjangkau" if math.isinf(value) else f"{value:,.1f} s"


def seconds_en(value: float) -> str:
    return "unreachable" if math.isinf(value) else f"{value:,.1f} s"


_LINE = re.compile(r"\[(?P<code>[^\]]+)\] (?P<subject>.*?): (?P<rest>.*)", re.DOTALL)


def parse_line(line: str) -> Violation:
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
