"""The logistics checks' shared state: the section and scenario indexed, helpers."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime, timedelta
from typing import Any

from planner.inputs.rules import LEG_ENDS, FleetRules, Rules
from planner.inputs.scenario import Scenario
from planner.validate.logistics_spec import Add


class LogisticsState:
    """The logistics section and scenario indexed for the checks, with shared helpers."""

    def __init__(self, scenario: Scenario, plan: Mapping[str, Any], add: Add):
        self.rules: Rules = scenario.rules
        self.logistics = scenario.rules.logistics
        self.plan = plan
        self.section: Mapping[str, Any] = plan["logistics"]
        self.add = add
        tps = scenario.tps
        self.tps_ids = [str(t) for t in tps["tps_id"]]
        self.area = {
            str(t): (str(k), str(kel))
            for t, k, kel in zip(tps["tps_id"], tps["kecamatan"], tps["kelurahan"], strict=True)
        }
        self.posts = {
            str(p.post_id): {
                "kind": str(p.kind),
                "kecamatan": str(p.kecamatan),
                "polri": int(p.polri),
                "lon_lat": (float(p.longitude), float(p.latitude)),
            }
            for p in scenario.posts.itertuples()
        }
        table = scenario.sites
        self.listed = (
            {}
            if table is None
            else {
                str(r.site_id): (round(float(r.longitude), 7), round(float(r.latitude), 7))
                for r in table.itertuples()
            }
        )
        self.site_kind: dict[str, str] = {}
        self.place_of: dict[tuple[str, ...], str] = {}
        self.items: dict[str, Mapping[str, Any]] = {}
        self.all_routes: list[Mapping[str, Any]] = list(self.section["routes"])
        self.carried: set[str] = set()
        self.trucks = 0

    # helpers ----------------------------------------------------------------------------

    def when(self, seconds: float) -> str:
        """Seconds from voting-day midnight as ``YYYY-MM-DD HH:MM`` WIB."""
        try:
            midnight = datetime.fromisoformat(self.logistics.election_date)
        except ValueError:
            return f"{seconds:,.0f} s"
        return f"{midnight + timedelta(seconds=int(seconds)):%Y-%m-%d %H:%M} WIB"

    def _fleet(self, leg: str) -> FleetRules:
        return self.logistics.city if "warehouse" in LEG_ENDS[leg] else self.logistics.local

    def handling(self, load: int) -> int:
        """Seconds to load or unload ``load`` units."""
        per_unit = self.logistics.handling_min_per_unit
        return round(60 * (self.logistics.handling_min + per_unit * load))

    def windows(self, leg: str) -> tuple[tuple[int, int], ...]:
        return self.logistics.legs[leg]

    # rules ------------------------------------------------------------------------------


def place_name(place: Hashable) -> str:
    """The id of a placed point (``("site", id)``, ``("tps", id)``, ``("post", id)``)."""
    return str(place[1]) if isinstance(place, tuple) else str(place)
