"""Checks of the escort routes: escort, window, post, stops, loads, travel and readiness."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS
from planner.validate.logistics_base import LogisticsState, place_name
from planner.validate.logistics_spec import (
    CITY,
    LEG_TOLERANCE_S,
    POST_TOLERANCE_M,
    TOLERANCE_REL,
    Roads,
)


class RouteChecks(LogisticsState):
    """Escort routes: escorts, windows, posts, stops, loads, travel and readiness."""

    def routes(self, roads: Roads) -> None:
        """Escort, windows, places, handling, load, road travel and readiness of every route."""
        legs: dict[Hashable, list[tuple[Hashable, float, str, int, int]]] = defaultdict(list)
        arrived: dict[tuple[str, str, str], int] = {}
        loads: list[tuple[Mapping[str, Any], Mapping[str, Any], str]] = []
        for route in self.all_routes:
            rid, leg = route["route_id"], route["leg"]
            if leg not in LEGS:
                self.add(
                    "logistics_stop_invalid",
                    rid,
                    f"leg '{leg}' tidak dikenal",
                    f"unknown leg '{leg}'",
                )
                continue
            self._escort(route)
            self._route_window(route)
            places: list[Hashable | None] = [("post", route["post_id"])]
            if route["post_id"] in self.posts:
                self._at_post(roads, route)
            else:
                places[0] = None
            on_board = 0
            for n, stop in enumerate(route["stops"], start=1):
                item = self.items.get(stop["consignment_id"])
                places.append(self._stop(route, n, stop, item))
                if item is None:
                    continue
                on_board += item["load"] if stop["action"] == "load" else -item["load"]
                self._stop_load(route, n, stop, on_board)
                for tps in item["tps"]:
                    if stop["action"] == "unload":
                        arrived[leg, stop["place"], tps] = stop["departure_s"]
                if stop["action"] == "load":
                    loads.append((route, stop, leg))
            places.append(places[0])
            leaves = [route["start_s"], *(s["departure_s"] for s in route["stops"])]
            arrives = [*(s["arrival_s"] for s in route["stops"]), route["end_s"]]
            last = len(places) - 2
            for k, (origin, target) in enumerate(itertools.pairwise(places)):
                if origin is not None and target is not None and origin != target:
                    legs[origin].append((target, arrives[k] - leaves[k], rid, k, last))
        self._travel(roads, legs)
        self._readiness(loads, arrived)

    def _escort(self, route: Mapping[str, Any]) -> None:
        """The escort unit, its officers and its post: the Polsek of the goods' kecamatan."""
        rid, post_id, leg = route["route_id"], route["post_id"], route["leg"]
        if not route["escort_id"].strip() or route["officers"] < self.logistics.escort_officers:
            self.add(
                "logistics_escort_missing",
                rid,
                f"truk tanpa satuan pengawal {self.logistics.escort_officers} personel",
                f"a truck without its escort unit of {self.logistics.escort_officers} officers",
            )
        post = self.posts.get(post_id)
        if post is None:
            self.add(
                "unknown_post",
                post_id,
                f"id pos '{post_id}' (rute {rid}) tidak ada di skenario",
                f"post id '{post_id}' (route {rid}) is not in the scenario",
            )
            return
        if "warehouse" in LEG_ENDS[leg]:
            allowed = post["kind"] == self.logistics.city.escort_kind
            area = CITY
        else:
            kecamatan = {
                self.items[s["consignment_id"]]["kecamatan"]
                for s in route["stops"]
                if s["consignment_id"] in self.items
            }
            allowed = post["kind"] == "polsek" and kecamatan <= {post["kecamatan"]}
            area = post["kecamatan"]
        if not allowed or route["area"] != area:
            self.add(
                "logistics_wrong_escort_post",
                rid,
                f"pos {post_id} ({post['kind']}, {post['kecamatan']}) tidak mengawal "
                f"muatan ini ({route['area']})",
                f"the post {post_id} ({post['kind']}, {post['kecamatan']}) does not escort "
                f"these goods ({route['area']})",
            )

    def _route_window(self, route: Mapping[str, Any]) -> None:
        windows = self.windows(route["leg"])
        rid, start, end = route["route_id"], route["start_s"], route["end_s"]
        if route["window"] >= len(windows):
            a, b = math.inf, -math.inf
        else:
            a, b = windows[route["window"]]
        if not a <= start <= end <= b:
            self.add(
                "logistics_outside_window",
                rid,
                f"rute {self.when(start)} - {self.when(end)} di luar jendela kerjanya",
                f"the route {self.when(start)} - {self.when(end)} leaves its working window",
            )
        longest = self.logistics.escort_max_hours * 3600
        if end - start > longest:
            self.add(
                "logistics_route_too_long",
                rid,
                f"rute {end - start:,.0f} s, batas {longest:,.0f} s (escort_max_hours)",
                f"the route takes {end - start:,.0f} s, the limit is {longest:,.0f} s "
                "(escort_max_hours)",
            )

    def _at_post(self, roads: Roads, route: Mapping[str, Any]) -> None:
        geometry, rid, post = route["geometry"], route["route_id"], route["post_id"]
        ends = (geometry[0], geometry[-1]) if geometry else ((math.inf, math.inf),) * 2
        for end_id, end_en, coordinate in zip(
            ("berangkat", "berakhir"), ("starts", "ends"), ends, strict=True
        ):
            metres = roads.metres_from_placed(("post", post), coordinate)
            if metres > POST_TOLERANCE_M:
                self.add(
                    "logistics_not_at_post",
                    rid,
                    f"geometri rute {end_id} {metres:,.0f} m dari titik pos {post} di jalan",
                    f"the route's geometry {end_en} {metres:,.0f} m from the post {post}'s "
                    "point on the road",
                )

    def _stop(
        self, route: Mapping[str, Any], n: int, stop: Mapping[str, Any], item: Any
    ) -> Hashable | None:
        """Place, action, window and handling of one stop; the stop's place on the roads."""
        subject = f"{route['route_id']} #{n}"
        action, place = stop["action"], stop["place"]
        if item is None:
            return None
        expected = {"load": item["origin"], "unload": item["destination"]}.get(action)
        if item["leg"] != route["leg"] or place != expected:
            self.add(
                "logistics_stop_invalid",
                subject,
                f"{action} {item['consignment_id']} di {place}; seharusnya {expected} "
                f"pada leg {item['leg']}",
                f"{action} of {item['consignment_id']} at {place}; expected {expected} "
                f"on leg {item['leg']}",
            )
        start, arrival = stop["start_s"], stop["arrival_s"]
        if start < arrival or not any(a <= start <= b for a, b in self.windows(route["leg"])):
            self.add(
                "logistics_outside_window",
                subject,
                f"mulai {self.when(start)} (tiba {self.when(arrival)}) di luar jendela leg",
                f"starts at {self.when(start)} (arrives {self.when(arrival)}), outside the "
                "leg's windows or before arriving",
            )
        handling = self.handling(item["load"])
        if stop["departure_s"] != start + handling:
            self.add(
                "logistics_handling_mismatch",
                subject,
                f"berangkat {stop['departure_s'] - start:,} s setelah mulai; bongkar muat "
                f"{item['load']} satuan perlu {handling} s",
                f"leaves {stop['departure_s'] - start:,} s after the start; handling "
                f"{item['load']} units takes {handling} s",
            )
        if place in self.site_kind:
            return ("site", place)
        return ("tps", place) if place in self.area else None

    def _stop_load(
        self, route: Mapping[str, Any], n: int, stop: Mapping[str, Any], on_board: int
    ) -> None:
        subject = f"{route['route_id']} #{n}"
        capacity = self._fleet(route["leg"]).truck_capacity
        if on_board > capacity:
            self.add(
                "logistics_over_capacity",
                subject,
                f"truk memuat {on_board} satuan, kapasitas {capacity}",
                f"the truck carries {on_board} units, its capacity is {capacity}",
            )
        if on_board < 0:
            self.add(
                "logistics_stop_invalid",
                subject,
                "membongkar barang yang belum dimuat",
                "unloads goods it has not loaded",
            )
        if stop["load_after"] != on_board:
            self.add(
                "logistics_load_after_mismatch",
                subject,
                f"load_after {stop['load_after']}, dihitung ulang {on_board}",
                f"load_after {stop['load_after']}, recomputed {on_board}",
            )

    def _travel(
        self, roads: Roads, legs: Mapping[Hashable, Sequence[tuple[Hashable, float, str, int, int]]]
    ) -> None:
        """Each leg takes at least the trucks' road travel time: one Dijkstra per origin."""
        factor = self.logistics.truck_speed_factor
        for origin, out in legs.items():
            cutoff = max(max(b, 0.0) + LEG_TOLERANCE_S for _, b, *_ in out) * factor
            times = roads.times_from(origin, cutoff=cutoff / (1 - TOLERANCE_REL) + 1.0)
            exact: Mapping[Hashable, float] | None = None
            for target, budget, rid, k, last in out:
                road = times.get(target)
                if road is None:
                    exact = exact if exact is not None else roads.times_from(origin)
                    road = exact.get(target, math.inf)
                needed = road / factor
                if needed * (1 - TOLERANCE_REL) <= budget + LEG_TOLERANCE_S:
                    continue
                back = k == last
                a, b = place_name(origin), place_name(target)
                self.add(
                    "logistics_return_too_early" if back else "logistics_arrival_too_early",
                    rid if back else f"{rid} #{k + 1}",
                    f"{budget:,.0f} s dari {a} ke {b}, truk perlu {needed:,.0f} s",
                    f"{budget:,.0f} s from {a} to {b}, a truck needs {needed:,.0f} s",
                )

    def _readiness(
        self,
        loads: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], str]],
        arrived: Mapping[tuple[str, str, str], int],
    ) -> None:
        """Goods load only after the leg before unloaded them there."""
        before = {b: a for flow in FLOWS for a, b in itertools.pairwise(flow)}
        for route, stop, leg in loads:
            if leg not in before:
                continue
            item = self.items[stop["consignment_id"]]
            ready = max(arrived.get((before[leg], stop["place"], t), math.inf) for t in item["tps"])
            if stop["start_s"] < ready:
                self.add(
                    "logistics_loaded_before_arrival",
                    f"{route['route_id']} {item['consignment_id']}",
                    f"dimuat {self.when(stop['start_s'])}, barang tiba dari {before[leg]} "
                    + ("tidak pernah" if math.isinf(ready) else self.when(ready)),
                    f"loaded at {self.when(stop['start_s'])}, the goods arrive from "
                    f"{before[leg]} " + ("never" if math.isinf(ready) else self.when(ready)),
                )
