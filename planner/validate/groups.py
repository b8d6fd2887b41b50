"""Checks of the guard groups: recorded rules and network, each TPS once, pattern, personnel."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx

from planner.validate.base import Validation
from planner.validate.road_times import RoadTimes
from planner.validate.violations import (
    GAP_TOLERANCE,
    TOLERANCE_REL,
    TOLERANCE_S,
    close_enough,
    seconds_en,
    seconds_id,
    within_limit,
)


class GroupChecks(Validation):
    """Guard groups, personnel and key figures."""

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
        """Officers add up, posts keep within polri, borrowing matches the borrowings and
        comes only after the kecamatan's own posts."""
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
        self._post_capacity(drawn)
        self._borrowings(borrowed)
        self._own_posts_first(drawn, borrowed)

    def _post_capacity(self, drawn: Mapping[str, int]) -> None:
        """No post gives more officers than its Polri less the crews of its patrol routes."""
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

    def _borrowings(self, borrowed: Mapping[tuple[str, str], int]) -> None:
        """The ``borrowings`` list holds exactly the officers groups draw from other posts."""
        declared: Counter[tuple[str, str]] = Counter()
        for entry in self.plan["borrowings"]:
            if entry["from_post"] not in self.posts:
                self._unknown_post(entry["from_post"], "daftar 'borrowings'", "'borrowings'")
                continue
            declared[entry["from_post"], entry["to_kecamatan"]] += entry["officers"]
        for post, kecamatan in sorted(set(borrowed) | set(declared)):
            used, listed = borrowed.get((post, kecamatan), 0), declared[post, kecamatan]
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

    def _own_posts_first(
        self, drawn: Mapping[str, int], borrowed: Mapping[tuple[str, str], int]
    ) -> None:
        """No kecamatan borrows while its own posts still have free officers: Polri less the
        officers drawn and, at a Polsek, the crews of all its patrol vehicles."""
        crew = self.rules.patrol.crew
        free: dict[str, dict[str, int]] = defaultdict(dict)
        for post, info in self.posts.items():
            if info["kind"] == "polresta":
                continue
            kept = 0
            if info["kind"] == "polsek":  # a Polsek keeps its patrol crews back
                kept = sum(crew.get(kind, 0) * info[kind] for kind in ("car", "motorbike"))
            left = max(0, info["polri"] - kept) - drawn.get(post, 0)
            if left > 0:
                free[info["kecamatan"]][post] = left
        lenders: dict[str, dict[str, int]] = defaultdict(dict)
        for (post, kecamatan), count in sorted(borrowed.items()):
            if count > 0:
                lenders[kecamatan][post] = count
        for kecamatan in sorted(set(lenders) & set(free)):
            lent, spare = lenders[kecamatan], free[kecamatan]
            lent_text = ", ".join(f"{p} {n}" for p, n in lent.items())
            spare_text = ", ".join(f"{p} {n}" for p, n in sorted(spare.items()))
            self.add(
                "borrowing_before_own",
                kecamatan,
                f"meminjam {sum(lent.values())} personel ({lent_text}) padahal pos sendiri "
                f"masih punya {sum(spare.values())} personel bebas ({spare_text})",
                f"borrows {sum(lent.values())} officers ({lent_text}) while its own posts "
                f"still have {sum(spare.values())} free officers ({spare_text})",
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
        self._officer_bound(expected["officers"])
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
        if not close_enough(kpis["worst_reserve_response_s"], worst):
            self._kpi("kpis.worst_reserve_response_s", kpis["worst_reserve_response_s"], worst)

    def _officer_bound(self, officers: int) -> None:
        """The proven lower bound is at most the officers the groups use; the gap is theirs."""
        bound, gap = self.plan["kpis"]["officers_lower_bound"], self.plan["kpis"]["officer_gap"]
        if bound > officers:
            self.add(
                "lower_bound_above_officers",
                "kpis.officers_lower_bound",
                f"batas bawah terbukti {bound} personel, padahal kelompok memakai {officers}",
                f"a proven lower bound of {bound} officers, but the groups use {officers}",
            )
        actual = (officers - bound) / max(officers, 1)
        if not abs(gap - actual) <= GAP_TOLERANCE:
            self._kpi("kpis.officer_gap", gap, round(actual, 4))

    def _kpi(self, name: str, claimed: Any, actual: Any) -> None:
        if claimed != actual:
            self.add(
                "kpi_mismatch",
                name,
                f"{name} = {claimed}, dihitung dari rencana {actual}",
                f"{name} = {claimed}, recomputed from the plan {actual}",
            )

    # travel limits ----------------------------------------------------------------------

    def travel(self, roads: RoadTimes) -> None:
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
            travel = {m: times.get(("tps", m), math.inf) / factor for m in members}
            farthest = max(members, key=lambda m: travel[m])
            worst = travel[farthest]
            if not within_limit(worst, limit):
                self.add(
                    "travel_limit_exceeded",
                    group["group_id"],
                    f"{farthest} berjarak {seconds_id(worst)} dari jangkar "
                    f"{anchor} (batas {limit:,.0f} s)",
                    f"{farthest} is {seconds_en(worst)} from the anchor "
                    f"{anchor} (limit {limit:,.0f} s)",
                )
            if not close_enough(claimed, worst):
                self.add(
                    "travel_time_mismatch",
                    group["group_id"],
                    f"max_travel_s {claimed:,.1f} s, dihitung ulang {seconds_id(worst)}",
                    f"max_travel_s {claimed:,.1f} s, recomputed {seconds_en(worst)}",
                )
