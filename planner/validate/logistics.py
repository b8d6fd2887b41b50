"""Independent check of a plan's ``logistics`` section, re-deriving every rule from the inputs.

Called by :func:`planner.validate.checks.validate_plan`, which owns the road graph and
the violation list. Like it, this module shares no code with the solver
(logistics, _trips, storage, sites, routing, snap, vrp): sites are read from the
plan, each TPS' PPS and PPK from its kelurahan and kecamatan, handling times,
windows, capacities, fleets and guard shifts from the rules, and road travel
times from the validator's own shortest paths.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict
from datetime import time
from typing import Any

from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS
from planner.inputs.scenario import Scenario
from planner.validate.logistics_routes import RouteChecks
from planner.validate.logistics_spec import Add, Roads


def logistics_points(
    plan: Mapping[str, Any], posts: Mapping[str, tuple[float, float]]
) -> dict[Hashable, tuple[float, float]]:
    """Sites and escort posts (lon, lat) to place on the road graph; TPS are placed already."""
    section = plan["logistics"]
    points: dict[Hashable, tuple[float, float]] = {
        ("site", s["site_id"]): (float(s["lon"]), float(s["lat"])) for s in section["sites"]
    }
    for route in section["routes"]:
        if route["post_id"] in posts:
            points["post", route["post_id"]] = posts[route["post_id"]]
    return points


def check_logistics(scenario: Scenario, plan: Mapping[str, Any], roads: Roads, add: Add) -> None:
    """Report through ``add(code, subject, text_id, text_en)`` every logistics rule broken."""
    check = LogisticsChecks(scenario, plan, add)
    check.recorded_rules()
    check.sites()
    check.consignments()
    check.deliveries()
    check.routes(roads)
    check.fleet()
    check.guards()
    check.personnel()
    check.kpis()


def _plain(value: Any) -> Any:
    """Rules as JSON values: tuples as lists, clock times as ``HH:MM``."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return value


class LogisticsChecks(RouteChecks):
    """The logistics checks on a well-formed section."""

    def fleet(self) -> None:
        """At most the trucks of an area and the units of a post per window; no double booking."""
        trucks: Counter[tuple[str, str, int]] = Counter()
        units: Counter[tuple[str, str, int]] = Counter()
        for route in self.all_routes:
            if route["leg"] not in LEGS:
                continue
            trucks[route["leg"], route["area"], route["window"]] += 1
            units[route["leg"], route["post_id"], route["window"]] += 1
        for (leg, area, window), count in sorted(trucks.items()):
            have = self._fleet(leg).trucks
            if have is not None and count > have:
                self.add(
                    "logistics_fleet_exceeded",
                    f"{leg}/{area}",
                    f"{count} rute pada jendela {window + 1}, truk hanya {have}",
                    f"{count} routes in window {window + 1}, only {have} trucks",
                )
        for (leg, post, window), count in sorted(units.items()):
            have = self._fleet(leg).units(post)
            if have is not None and count > have:
                self.add(
                    "logistics_fleet_exceeded",
                    f"{leg}/{post}",
                    f"{count} rute pada jendela {window + 1}, satuan pengawal hanya {have}",
                    f"{count} routes in window {window + 1}, only {have} escort units",
                )
        self._fleet_used(trucks, units)
        for key in ("truck_id", "escort_id"):
            spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
            for route in self.all_routes:
                spans[route[key]].append((route["start_s"], route["end_s"], route["route_id"]))
            for name, found in sorted(spans.items()):
                for (_, end, a), (start, _, b) in itertools.pairwise(sorted(found)):
                    if start < end:
                        self.add(
                            "logistics_double_booked",
                            name,
                            f"rute {a} dan {b} berjalan bersamaan",
                            f"routes {a} and {b} overlap in time",
                        )

    def _fleet_used(
        self, trucks: Counter[tuple[str, str, int]], units: Counter[tuple[str, str, int]]
    ) -> None:
        """The ``fleet`` section: per area the most trucks, per post the most units, at once."""
        area_of = {(r["leg"], r["post_id"]): r["area"] for r in self.all_routes}
        used: dict[str, dict[str, Any]] = {}
        for (_, area, _), count in trucks.items():
            row = used.setdefault(area, {"trucks": 0, "escort_units": {}})
            row["trucks"] = max(row["trucks"], count)
        for (leg, post, _), count in units.items():
            mine = used[area_of[leg, post]]["escort_units"]
            mine[post] = max(mine.get(post, 0), count)
        self.trucks = sum(row["trucks"] for row in used.values())
        claimed = self.section.get("fleet")
        found = {
            f.get("area"): {"trucks": f.get("trucks"), "escort_units": f.get("escort_units")}
            for f in claimed or []
            if isinstance(f, Mapping)
        }
        if not isinstance(claimed, list) or found != used:
            self.add(
                "kpi_mismatch",
                "logistics.fleet",
                f"armada tercatat {found}, dihitung dari rute {used}",
                f"fleet recorded {found}, recomputed from the routes {used}",
            )

    def recorded_rules(self) -> None:
        """The plan's recorded logistics rules are the scenario's."""
        recorded = ((self.plan.get("scenario") or {}).get("rules") or {}).get("logistics")
        if not isinstance(recorded, Mapping):
            return
        expected = _plain(asdict(self.logistics))
        for key in sorted(expected):
            if recorded.get(key) != expected[key]:
                self.add(
                    "rules_mismatch",
                    f"scenario.rules.logistics.{key}",
                    f"rencana dibuat dengan logistics.{key} = {recorded.get(key)!r}, "
                    f"skenario {expected[key]!r}",
                    f"the plan was made with logistics.{key} = {recorded.get(key)!r}, "
                    f"the scenario has {expected[key]!r}",
                )

    # sites and consignments ---------------------------------------------------------------

    def sites(self) -> None:
        """One warehouse, a PPK per kecamatan and a PPS per kelurahan of the TPS."""
        ids = Counter(s["site_id"] for s in self.section["sites"])
        for site_id, count in sorted(ids.items()):
            if count > 1:
                self.add(
                    "logistics_site_duplicate",
                    site_id,
                    f"{count} lokasi memakai id ini",
                    f"{count} sites use this id",
                )
        areas: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for site in self.section["sites"]:
            kind = site["kind"]
            self.site_kind[site["site_id"]] = kind
            key = {
                "warehouse": ("warehouse",),
                "ppk": ("ppk", site["kecamatan"]),
                "pps": ("pps", site["kecamatan"], site["kelurahan"]),
            }.get(kind)
            if key is None:
                self.add(
                    "logistics_site_invalid",
                    site["site_id"],
                    f"jenis lokasi '{kind}' tidak dikenal (warehouse, ppk, pps)",
                    f"unknown site kind '{kind}' (warehouse, ppk, pps)",
                )
                continue
            areas[key].append(site["site_id"])
        for key, found in sorted(areas.items()):
            self.place_of[key] = found[0]
            if len(found) > 1:
                self.add(
                    "logistics_site_duplicate",
                    " ".join(key),
                    f"{len(found)} lokasi untuk satu wilayah: {', '.join(found)}",
                    f"{len(found)} sites for one area: {', '.join(found)}",
                )
        self._places()
        needed = {("warehouse",)}
        needed |= {("ppk", k) for k, _ in self.area.values()}
        needed |= {("pps", k, kel) for k, kel in self.area.values()}
        for key in sorted(needed - set(areas)):
            self.add(
                "logistics_site_missing",
                " ".join(key),
                "lokasi penyimpanan wilayah ini tidak ada",
                "the area has no storage site",
            )

    def _places(self) -> None:
        """Table sites where the table puts them; no default place on another site's point."""
        at: dict[tuple[float, float], list[Mapping[str, Any]]] = defaultdict(list)
        for site in self.section["sites"]:
            point = (round(float(site["lon"]), 7), round(float(site["lat"]), 7))
            at[point].append(site)
            listed = self.listed.get(site["site_id"])
            if listed is not None and math.dist(point, listed) > 1e-7:
                self.add(
                    "logistics_site_moved",
                    site["site_id"],
                    f"lokasi di {point}, tabel lokasi menyebut {listed}",
                    f"the site is at {point}, the sites table says {listed}",
                )
        for found in at.values():
            defaults = [s for s in found if s.get("source") in ("boundary", "tps")]
            if len(found) > 1 and defaults:
                names = ", ".join(s["site_id"] for s in found)
                self.add(
                    "logistics_site_shared",
                    defaults[0]["site_id"],
                    f"lokasi bawaan di titik yang sama dengan lokasi lain: {names}",
                    f"a default place on the point of another site: {names}",
                )

    def expected_place(self, kind: str, tps: str) -> str | None:
        """Where a TPS' goods are for a place kind: its own PPS, PPK, the warehouse, the TPS."""
        if kind == "tps":
            return tps
        kecamatan, kelurahan = self.area[tps]
        key = {"warehouse": ("warehouse",), "ppk": ("ppk", kecamatan)}.get(
            kind, ("pps", kecamatan, kelurahan)
        )
        return self.place_of.get(key)

    def consignments(self) -> None:
        """Each TPS' goods in exactly one consignment per leg, between its own sites."""
        ids = Counter(c["consignment_id"] for c in self.section["consignments"])
        on_leg: dict[tuple[str, str], int] = defaultdict(int)
        for item in self.section["consignments"]:
            cid, leg = item["consignment_id"], item["leg"]
            if ids[cid] > 1 or leg not in LEGS:
                self.add(
                    "logistics_consignment_invalid",
                    cid,
                    f"muatan tercatat {ids[cid]} kali atau leg '{leg}' tidak dikenal",
                    f"the consignment is listed {ids[cid]} times or its leg '{leg}' is unknown",
                )
                continue
            self.items[cid] = item
            known = [t for t in item["tps"] if t in self.area]
            for tps in sorted(set(item["tps"]) - set(known)):
                self.add(
                    "unknown_tps",
                    tps,
                    f"id TPS '{tps}' (muatan {cid}) tidak ada di skenario",
                    f"TPS id '{tps}' (consignment {cid}) is not in the scenario",
                )
            for tps in known:
                on_leg[leg, tps] += 1
            origin, destination = LEG_ENDS[leg]
            wrong = [
                t
                for t in known
                if (item["origin"], item["destination"])
                != (self.expected_place(origin, t), self.expected_place(destination, t))
            ]
            if wrong:
                self.add(
                    "logistics_wrong_place",
                    cid,
                    f"dari {item['origin']} ke {item['destination']}, bukan lokasi {wrong[0]}",
                    f"from {item['origin']} to {item['destination']}, not the sites of {wrong[0]}",
                )
            load = self.logistics.tps_load * len(item["tps"])
            if item["load"] != load:
                self.add(
                    "logistics_load_mismatch",
                    cid,
                    f"muatan {item['load']} satuan, {len(item['tps'])} TPS berarti {load}",
                    f"load {item['load']} units, {len(item['tps'])} TPS make {load}",
                )
        for leg in LEGS:
            for tps in self.tps_ids:
                count = on_leg.get((leg, tps), 0)
                if count != 1:
                    self.add(
                        "logistics_tps_missing" if count == 0 else "logistics_tps_duplicate",
                        tps,
                        f"barang TPS ada di {count} muatan leg {leg}",
                        f"the TPS' goods are in {count} consignments of leg {leg}",
                    )

    def deliveries(self) -> None:
        """Each consignment loaded and unloaded once by one route, or listed undelivered."""
        stops: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        for route in self.all_routes:
            for n, stop in enumerate(route["stops"]):
                stops[stop["consignment_id"]].append((route["route_id"], n, stop["action"]))
        listed = Counter(u["consignment_id"] for u in self.section["undelivered"])
        for cid in sorted((set(stops) | set(listed)) - set(self.items)):
            self.add(
                "logistics_consignment_invalid",
                cid,
                "muatan ini tidak ada di daftar muatan",
                "the consignment is not in the consignments list",
            )
        for cid, item in self.items.items():
            found = stops.get(cid, [])
            loads = [(r, n) for r, n, a in found if a == "load"]
            unloads = [(r, n) for r, n, a in found if a == "unload"]
            carried = (
                len(loads) == 1
                and len(unloads) == 1
                and len(found) == 2
                and loads[0][0] == unloads[0][0]
                and loads[0][1] < unloads[0][1]
            )
            if carried:
                self.carried.add(cid)
            if listed[cid] and found:
                self.add(
                    "logistics_delivered_and_listed",
                    cid,
                    "muatan diangkut dan juga tercatat tidak terantar",
                    "the consignment is carried and also listed as undelivered",
                )
            elif listed[cid]:
                self.add(
                    "logistics_undelivered",
                    cid,
                    f"barang {len(item['tps'])} TPS tidak terantar pada leg {item['leg']}",
                    f"the goods of {len(item['tps'])} TPS are not delivered on leg {item['leg']}",
                )
            elif not found:
                self.add(
                    "logistics_consignment_missing",
                    cid,
                    "muatan tidak diangkut dan tidak tercatat tidak terantar",
                    "the consignment is neither carried nor listed as undelivered",
                )
            elif not carried:
                self.add(
                    "logistics_stop_invalid",
                    cid,
                    "muatan harus dimuat sekali lalu dibongkar sekali oleh rute yang sama",
                    "the consignment must be loaded once, then unloaded once, by one route",
                )

    # routes -----------------------------------------------------------------------------

    # storage guards and personnel -------------------------------------------------------

    def site_post(self, site: Mapping[str, Any]) -> str:
        """The post guarding a site: its kecamatan's Polsek, else an escort_kind post."""
        polsek = sorted(
            p
            for p, v in self.posts.items()
            if v["kind"] == "polsek" and v["kecamatan"] == site["kecamatan"]
        )
        spare = sorted(
            p for p, v in self.posts.items() if v["kind"] == self.logistics.city.escort_kind
        )
        return (polsek or spare or [""])[0]

    def guards(self) -> None:
        """Every shift overlapping a stay of goods at a site is guarded from the site's post."""
        windows = [w for leg in LEGS for w in self.windows(leg)]
        first = min(a for a, _ in windows) // 86_400 * 86_400
        last = math.ceil(max(b for _, b in windows) / 86_400) * 86_400
        guard = self.logistics.guards
        length = round(guard.shift_hours * 3600)
        grid = first + guard.shift_start.hour * 3600 + guard.shift_start.minute * 60
        came: dict[tuple[str, str], list[int]] = defaultdict(list)
        went: dict[tuple[str, str], list[int]] = defaultdict(list)
        for route in self.all_routes:
            for stop in route["stops"]:
                where = came if stop["action"] == "unload" else went
                time_s = stop["start_s"] if stop["action"] == "unload" else stop["departure_s"]
                where[route["leg"], stop["place"]].append(time_s)
        stuck = {
            (self.items[u["consignment_id"]]["leg"], self.items[u["consignment_id"]]["origin"])
            for u in self.section["undelivered"]
            if u["consignment_id"] in self.items
        }
        posted: dict[tuple[str, int], list[Mapping[str, Any]]] = defaultdict(list)
        for shift in self.section["guards"]:
            posted[shift["site_id"], shift["start_s"]].append(shift)
        for site in self.section["sites"]:
            sid, kind = site["site_id"], site["kind"]
            need = guard.officers.get(kind, 0)
            post = self.site_post(site)
            for flow in FLOWS:
                into = [leg for leg in flow if LEG_ENDS[leg][1] == kind]
                out = [leg for leg in flow if LEG_ENDS[leg][0] == kind]
                arrivals = came.get((into[0], sid), []) if into else [first]
                if not arrivals or need == 0:
                    continue
                until = last
                if out:
                    departures = went.get((out[0], sid), [])
                    until = max(departures, default=min(arrivals))
                    if not departures or (out[0], sid) in stuck:
                        until = max(until, self.windows(out[0])[-1][1])
                k = (min(arrivals) - grid) // length
                while grid + k * length < until:
                    start = grid + k * length
                    self._shift(site, start, start + length, need, post, posted[sid, start])
                    k += 1

    def _shift(
        self,
        site: Mapping[str, Any],
        start: int,
        end: int,
        need: int,
        post: str,
        found: Sequence[Mapping[str, Any]],
    ) -> None:
        sid = site["site_id"]
        mine = [g for g in found if g["end_s"] >= end]
        officers = sum(g["officers"] for g in mine)
        if officers < need:
            self.add(
                "logistics_guard_missing",
                f"{sid} {self.when(start)}",
                f"{officers} personel jaga untuk giliran {self.when(start)} - {self.when(end)}, "
                f"perlu {need}",
                f"{officers} guards for the shift {self.when(start)} - {self.when(end)}, "
                f"{need} needed",
            )
        for shift in mine:
            if shift["post_id"] != post:
                self.add(
                    "logistics_guard_wrong_post",
                    f"{sid} {self.when(start)}",
                    f"penjaga dari {shift['post_id']}, seharusnya {post}",
                    f"guards from {shift['post_id']}, expected {post}",
                )

    def personnel(self) -> None:
        """Officers per post and day recomputed from routes, guards, voting-day groups and
        patrol crews (``patrol.crew`` per vehicle type of each vehicle driven)."""
        day = 86_400
        escorts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
        for route in self.all_routes:
            for d in range(route["start_s"] // day, (route["end_s"] - 1) // day + 1):
                escorts[route["post_id"], d][route["escort_id"]] = route["officers"]
        storage: Counter[tuple[str, int]] = Counter()
        for shift in self.section["guards"]:
            storage[shift["post_id"], shift["start_s"] // day] += shift["officers"]
        voting: Counter[tuple[str, int]] = Counter()
        for group in self.plan["groups"]:
            for post, officers in group["officers_from"].items():
                voting[post, 0] += officers
        patrol: Counter[tuple[str, int]] = Counter()
        crews = {  # one crew per vehicle for the day, whichever shifts it drives
            (v["post_id"], v["vehicle_id"]): self.rules.patrol.crew.get(v["vehicle_type"], 0)
            for v in (self.plan.get("patrols") or {}).get("routes", [])
        }
        for (post, _), officers in crews.items():
            patrol[post, 0] += officers
        claimed = {(p["post_id"], p["day"]): p for p in self.section["personnel"]}
        for key in sorted({*escorts, *storage, *voting, *patrol, *claimed}):
            post, d = key
            escort = sum(escorts.get(key, {}).values())
            available = self.posts.get(post, {}).get("polri", 0)
            total = escort + storage[key] + voting[key] + patrol[key]
            expected = {
                "escort": escort,
                "storage": storage[key],
                "voting": voting[key],
                "patrol": patrol[key],
                "total": total,
                "available": available,
                "shortfall": max(0, total - available),
            }
            row = claimed.get(key, {})
            wrong = [k for k, v in expected.items() if row.get(k) != v]
            if wrong:
                self.add(
                    "logistics_personnel_mismatch",
                    f"{post} hari {d:+d}",
                    f"{', '.join(wrong)} tercatat {[row.get(k) for k in wrong]}, "
                    f"dihitung ulang {[expected[k] for k in wrong]}",
                    f"{', '.join(wrong)} recorded {[row.get(k) for k in wrong]}, "
                    f"recomputed {[expected[k] for k in wrong]}",
                )

    def kpis(self) -> None:
        """The section's totals recomputed."""
        kpis = self.section["kpis"]
        hours = sum((r["end_s"] - r["start_s"]) * r["officers"] for r in self.all_routes) / 3600
        expected = {
            "consignments": len(self.section["consignments"]),
            "delivered": len(self.carried),
            "undelivered": len(self.section["undelivered"]),
            "routes": len(self.all_routes),
            "guard_shifts": len(self.section["guards"]),
            "guard_officer_shifts": sum(g["officers"] for g in self.section["guards"]),
            "trucks": self.trucks,
        }
        for name, value in expected.items():
            if kpis[name] != value:
                self.add(
                    "kpi_mismatch",
                    f"logistics.kpis.{name}",
                    f"logistics.kpis.{name} = {kpis[name]}, dihitung dari rencana {value}",
                    f"logistics.kpis.{name} = {kpis[name]}, recomputed from the plan {value}",
                )
        if abs(kpis["escort_hours"] - hours) > 0.01:
            self.add(
                "kpi_mismatch",
                "logistics.kpis.escort_hours",
                f"logistics.kpis.escort_hours = {kpis['escort_hours']}, dihitung {hours:.2f}",
                f"logistics.kpis.escort_hours = {kpis['escort_hours']}, recomputed {hours:.2f}",
            )
