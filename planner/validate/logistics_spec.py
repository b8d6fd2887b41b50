"""The logistics checks' violation codes, tolerances, and the types they share."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Protocol

TOLERANCE_REL = 0.005
"""Relative slack on recomputed travel times (snapping differences)."""
LEG_TOLERANCE_S = 3.0
"""Absolute slack in seconds on a leg (the solver rounds travel up to whole seconds)."""
POST_TOLERANCE_M = 5.0
"""How far a route's geometry may start or end from its post's point on the road."""
CITY = "kota"

LOGISTICS_CODES: dict[str, str] = {
    "logistics_site_missing": "no warehouse, or a kecamatan without PPK or kelurahan without PPS",
    "logistics_site_duplicate": "two sites share an id, or one area has two PPK or PPS",
    "logistics_site_invalid": "a site of unknown kind",
    "logistics_site_shared": "a site placed by default on the point of another site",
    "logistics_site_moved": "a site of the scenario's sites table not at the table's place",
    "logistics_consignment_invalid": "a consignment of unknown leg or id, or listed twice",
    "logistics_wrong_place": "a consignment not between its TPS' own sites for its leg",
    "logistics_load_mismatch": "a consignment's load differs from its TPS' boxes and booths",
    "logistics_tps_missing": "a TPS whose goods no consignment of a leg carries",
    "logistics_tps_duplicate": "a TPS' goods in two consignments of one leg",
    "logistics_undelivered": "a consignment listed as undelivered: its goods do not arrive",
    "logistics_consignment_missing": "a consignment neither carried nor listed as undelivered",
    "logistics_delivered_and_listed": "a consignment carried and also listed as undelivered",
    "logistics_stop_invalid": "a stop at the wrong place, out of order, or a load carried twice",
    "logistics_wrong_escort_post": "a route escorted from a post that may not escort its goods",
    "logistics_escort_missing": "a truck route without its escort unit and officers",
    "logistics_outside_window": "a route or stop outside its leg's working window",
    "logistics_route_too_long": "a route longer than escort_max_hours",
    "logistics_not_at_post": "a route's geometry does not start or end at its escort's post",
    "logistics_handling_mismatch": "a stop's departure is not its start plus the handling time",
    "logistics_over_capacity": "a truck carrying more than its capacity",
    "logistics_load_after_mismatch": "a stop's load_after differs from the recomputed load",
    "logistics_arrival_too_early": "an arrival sooner after the last departure than roads allow",
    "logistics_return_too_early": "a route ends sooner after its last stop than the way back",
    "logistics_loaded_before_arrival": "goods loaded before they arrived from the leg before",
    "logistics_fleet_exceeded": "more routes in a window than trucks or escort units",
    "logistics_double_booked": "a truck or escort unit on two routes at once",
    "logistics_guard_missing": "a storage site without guards for a shift its goods are there",
    "logistics_guard_wrong_post": "storage guards charged to another post than the site's",
    "logistics_personnel_mismatch": "a personnel tally row differs from the recomputed one",
}
"""The logistics violation codes with a one-line English meaning."""

Add = Callable[[str, str, str, str], None]


class Roads(Protocol):
    """The road graph with places inserted (:class:`planner.validate.road_times.RoadTimes`)."""

    def times_from(
        self, origin: Hashable, cutoff: float | None = None
    ) -> Mapping[Hashable, float]: ...

    def metres_from_placed(self, name: Hashable, lon_lat: Sequence[float]) -> float: ...
