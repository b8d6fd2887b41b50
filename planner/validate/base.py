"""The checker's shared state: the plan and the scenario indexed, and the violations found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.inputs.rules import RiskCategory, Rules
from planner.inputs.scenario import Scenario
from planner.validate.violations import Violation


class Validation:
    """One validation of a well-formed plan: plan and scenario indexed, violations in ``found``."""

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
