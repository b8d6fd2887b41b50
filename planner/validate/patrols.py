"""Checks of the patrols: vehicles, roads, times, visits and figures per shift."""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.inputs.rules import PatrolShift
from planner.validate.base import Validation
from planner.validate.road_times import RoadTimes
from planner.validate.violations import (
    PATROL_POST_TOLERANCE_M,
    PATROL_TOLERANCE_S,
    TOLERANCE_REL,
    seconds_en,
    seconds_id,
)


class PatrolChecks(Validation):
    """The patrol routes of every shift."""

    # patrols ----------------------------------------------------------------------------

    def patrols(self, roads: RoadTimes) -> None:
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
                        f"rute giliran {second['shift']} berangkat {_hms(second['start_s'])}, "
                        f"sebelum rute giliran {first['shift']} kembali {_hms(first['end_s'])}",
                        f"the {second['shift']} route leaves at {_hms(second['start_s'])}, "
                        f"before the {first['shift']} route is back at {_hms(first['end_s'])}",
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

    def _patrol_geometry(self, roads: RoadTimes, route: Mapping[str, Any]) -> None:
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
                f"rute {_hms(start)}-{_hms(end)} di luar jam dinas "
                f"{_hms(shift[0])}-{_hms(shift[1])}",
                f"the route {_hms(start)}-{_hms(end)} leaves the shift "
                f"{_hms(shift[0])}-{_hms(shift[1])}",
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
                f"kunjungan ke {tps} mulai {_hms(start)}, di luar jam kunjungan "
                f"{_hms(window[0])}-{_hms(window[1])}",
                f"the visit of {tps} starts at {_hms(start)}, outside the window "
                f"{_hms(window[0])}-{_hms(window[1])}",
            )
        if start < arrival:
            self.add(
                "patrol_start_before_arrival",
                subject,
                f"kunjungan ke {tps} mulai {_hms(start)} sebelum tiba {_hms(arrival)}",
                f"the visit of {tps} starts at {_hms(start)}, before the arrival at "
                f"{_hms(arrival)}",
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

    def _patrol_legs(self, roads: RoadTimes, legs: Mapping[Hashable, Sequence[_Leg]]) -> None:
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
                    road = exact.get(leg.target, math.inf)
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
                f"perjalanan ke pos perlu {seconds_id(needed)}",
                f"the route ends {leg.budget:,.0f} s after leaving {names[origin]}, the way "
                f"back to the post takes {seconds_en(needed)}",
            )
            return
        self.add(
            "patrol_arrival_too_early",
            f"{leg.vehicle} #{leg.index + 1}",
            f"tiba di {names[leg.target]} {leg.budget:,.0f} s setelah meninggalkan "
            f"{names[origin]}, perjalanan perlu {seconds_id(needed)}",
            f"arrives at {names[leg.target]} {leg.budget:,.0f} s after leaving "
            f"{names[origin]}, the roads take {seconds_en(needed)}",
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
                    f"kunjungan {_hms(first)} ({a}) dan {_hms(second)} ({b}) berjarak "
                    f"{second - first:,.0f} s, minimal {gap} s (min_gap_min)",
                    f"visits at {_hms(first)} ({a}) and {_hms(second)} ({b}) are "
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


def _hms(seconds: float) -> str:
    """Seconds after midnight as ``HH:MM:SS``."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
