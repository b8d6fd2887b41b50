"""Checks of the reserve: staging points, each TPS' staging and response time, the figures."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping

import networkx as nx
import numpy as np

from planner.validate.base import Validation
from planner.validate.road_times import RoadTimes, nearest_node_m
from planner.validate.violations import (
    JUNCTION_TOLERANCE_M,
    POST_LOCATION_TOLERANCE_DEG,
    TOLERANCE_REL,
    TOLERANCE_S,
    close_enough,
    seconds_en,
    seconds_id,
    within_limit,
)


class ReserveChecks(Validation):
    """The quick-reaction reserve."""

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
                metres = nearest_node_m(node_xy, lon_lat)
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

    def reserve(self, roads: RoadTimes) -> None:
        """Staging points, response times, the limit, the unit count, nearest staging."""
        plan = self.reserve_plan
        limit = self.rules.reserve.response_limit_min * 60.0
        self._reserve_settings(limit)
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
            self._reserve_response(tps, point, claimed[tps], response, limit, tps in beyond)

    def _reserve_settings(self, limit: float) -> None:
        """The plan's reserve model and response limit are the scenario's; no more staging
        points than reserve units (``pcenter`` and ``mclp``)."""
        plan = self.reserve_plan
        rules = self.rules.reserve
        if plan["model"] != rules.model:
            self.add(
                "rules_mismatch",
                "reserve.model",
                f"model cadangan {plan['model']}, skenario {rules.model}",
                f"reserve model {plan['model']}, the scenario's {rules.model}",
            )
        if not close_enough(plan["response_limit_s"], limit):
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

    def _reserve_response(
        self,
        tps: str,
        point: str,
        claimed_s: float,
        response: Mapping[str, Mapping[Hashable, float]],
        limit: float,
        listed_beyond: bool,
    ) -> None:
        """One TPS' response from its staging ``point``: the claimed time recomputed, the
        point the nearest, and the TPS in ``beyond_limit`` exactly when over ``limit``."""
        speed = self.rules.reserve.speed_factor
        actual = response[point].get(("tps", tps), math.inf) / speed
        if not close_enough(claimed_s, actual):
            self.add(
                "reserve_response_mismatch",
                tps,
                f"waktu respons dari {point} {claimed_s:,.1f} s, dihitung ulang "
                f"{seconds_id(actual)}",
                f"response time from {point} {claimed_s:,.1f} s, recomputed {seconds_en(actual)}",
            )
        best_point = min(response, key=lambda s: (response[s].get(("tps", tps), math.inf), s))
        best = response[best_point].get(("tps", tps), math.inf) / speed
        if not within_limit(actual, best):
            self.add(
                "reserve_not_nearest",
                tps,
                f"titik siaga {point} ({seconds_id(actual)}), terdekat {best_point} "
                f"({seconds_id(best)})",
                f"staging point {point} ({seconds_en(actual)}), the nearest is "
                f"{best_point} ({seconds_en(best)})",
            )
        if not listed_beyond and not within_limit(actual, limit):
            self.add(
                "reserve_beyond_limit",
                tps,
                f"respons {seconds_id(actual)} melebihi batas {limit:,.0f} s, "
                "tidak tercatat di beyond_limit",
                f"response {seconds_en(actual)} exceeds the {limit:,.0f} s limit, "
                "not listed in beyond_limit",
            )
        if listed_beyond and actual < limit * (1.0 - TOLERANCE_REL) - TOLERANCE_S:
            self.add(
                "reserve_listed_beyond_limit",
                tps,
                f"tercatat di beyond_limit, padahal respons {seconds_id(actual)} "
                f"dalam batas {limit:,.0f} s",
                f"listed in beyond_limit, but the response {seconds_en(actual)} is "
                f"within the {limit:,.0f} s limit",
            )
