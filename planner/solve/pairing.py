"""Name the officers of every guard group from the roster, each pair led by a senior (CP-SAT).

:func:`pair_officers` names the officers of every guard group: each group gets
``officers_from[post]`` officers of that post's unit, in pairs (a trio when the
group's count is odd), each pair led by a senior rank. An empty
``senior_ranks`` list turns the senior rule off. Slots that cannot be named
are listed in :attr:`RosterResult.unfilled` with the reason.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from ortools.sat.python import cp_model

from planner.inputs.roster import RANK_ORDER, senior_codes
from planner.inputs.rules import Rules
from planner.solve import _cpsat
from planner.solve.assignment import GuardGroup


@dataclass(frozen=True)
class Officer:
    """One named officer."""

    nrp: str
    name: str
    rank: str
    unit: str
    phone: str = ""


@dataclass(frozen=True)
class NamedPair:
    """The named officers of one pair (or trio) of a guard group; ``pair_no`` counts from 1."""

    group_id: str
    pair_no: int
    officers: tuple[Officer, ...]


@dataclass(frozen=True)
class Unfilled:
    """Officer slots of a group's unit left unnamed, and why (Indonesian and English).

    ``code`` is ``short_officers`` (the unit has too few officers on the roster),
    ``no_senior`` (no senior left to lead the pair) or ``no_unit`` (the count
    plan names no unit for these officers).
    """

    group_id: str
    kecamatan: str
    unit: str
    officers: int
    code: str
    reason_id: str
    reason_en: str


@dataclass(frozen=True)
class RosterStats:
    """How the pairing went: solver status, wall time and officer counts."""

    status: str
    wall_s: float
    officers_needed: int
    officers_named: int
    seniors_named: int


@dataclass(frozen=True)
class RosterResult:
    """Named pairs, unfilled slots, roster NRPs left unassigned, and statistics."""

    pairs: tuple[NamedPair, ...]
    unfilled: tuple[Unfilled, ...]
    spare: tuple[str, ...]
    stats: RosterStats

    @property
    def complete(self) -> bool:
        """Whether every officer of every group is named."""
        return not self.unfilled

    def summary(self) -> list[str]:
        """One line per kecamatan and reason, e.g. Polsek Klojen's pairs without a senior."""
        officers: Counter[tuple[str, str, str]] = Counter()
        no_senior: dict[str, Counter[str]] = defaultdict(Counter)
        for u in self.unfilled:
            officers[u.kecamatan, u.code, u.unit] += u.officers
            if u.code == "no_senior":
                no_senior[u.kecamatan][u.group_id] += u.officers
        lines = []
        for kecamatan, per_group in sorted(no_senior.items()):
            pairs = sum(max(1, n // 2) for n in per_group.values())
            total = sum(per_group.values())
            lines.append(
                f"Polsek {kecamatan}: {pairs} pasangan tanpa personel senior, {total} personel "
                f"belum bernama / {pairs} pairs lack a senior, {total} officers unnamed"
            )
        for (kecamatan, code, unit), count in sorted(officers.items()):
            if code == "short_officers":
                lines.append(
                    f"Polsek {kecamatan}: {count} personel dari {unit} tidak ada di daftar / "
                    f"{count} officers from {unit} missing from the roster"
                )
            elif code == "no_unit":
                lines.append(
                    f"Polsek {kecamatan}: {count} personel tanpa satuan asal / "
                    f"{count} officers have no source unit"
                )
        return lines


Pools = defaultdict[tuple[str, bool], list[Officer]]
"""Officers by (unit, senior); a missing pool reads as empty."""


def _team_sizes(officers: int) -> list[int]:
    """Pairs; a trio first when the count is odd; a lone officer when it is 1."""
    if officers <= 1:
        return [officers] if officers else []
    if officers % 2:
        return [3] + [2] * (officers // 2 - 1)
    return [2] * (officers // 2)


def _frame_officers(roster: pd.DataFrame) -> list[Officer]:
    phones = roster["phone"] if "phone" in roster else [""] * len(roster)
    return [
        Officer(str(n), str(m), str(r), str(u), "" if pd.isna(p) else str(p))
        for n, m, r, u, p in zip(
            roster["nrp"], roster["name"], roster["rank"], roster["unit"], phones, strict=True
        )
    ]


def pair_officers(
    groups: Sequence[GuardGroup], roster: pd.DataFrame, rules: Rules, seed: int = 0
) -> RosterResult:
    """Name the officers of every guard group in pairs, each led by a senior rank.

    A CP-SAT model on counts (seniors and others per group and unit) maximises,
    in order: groups with at least one named officer, named officers, and
    fewest seniors used (so seniors spread and pairs of two seniors are rare).
    Officers are then dealt out deterministically: the lowest senior ranks
    first (keeping commissioned officers free), the most experienced others first.
    """
    start = time.perf_counter()
    seniors = senior_codes(rules)
    required = bool(seniors)
    people = _frame_officers(roster)
    pools = _pools(people, seniors)
    have = {u: len(pools[u, True]) + len(pools[u, False]) for u, _ in list(pools)}
    need = [{u: int(n) for u, n in g.officers_from.items() if int(n) > 0} for g in groups]
    model, s, j = _count_model(groups, need, pools, required)
    solver = _solver(rules, seed)
    status = _cpsat.solve(solver, model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def value(var: Any) -> int:
        return int(solver.value(var)) if solved else 0

    seniors_taken = {key: value(var) for key, var in s.items()}
    others_taken = {key: value(var) for key, var in j.items()}
    pairs, left, empty = _name_pairs(groups, need, pools, seniors_taken, others_taken, required)
    unfilled = _unfilled(groups, need, empty, left, have, rules)
    named = sum(len(p.officers) for p in pairs)
    stats = RosterStats(
        status=solver.status_name(status).lower(),
        wall_s=time.perf_counter() - start,
        officers_needed=sum(g.officers for g in groups),
        officers_named=named,
        seniors_named=sum(o.rank in seniors for p in pairs for o in p.officers),
    )
    used = {o.nrp for p in pairs for o in p.officers}
    spare = tuple(sorted(o.nrp for o in people if o.nrp not in used))
    return RosterResult(tuple(pairs), tuple(unfilled), spare, stats)


def _pools(people: Sequence[Officer], seniors: frozenset[str]) -> Pools:
    """The officers by unit and seniority: the lowest senior ranks first, the most
    experienced others first, then by NRP."""
    pools: Pools = defaultdict(list)
    for officer in people:
        pools[officer.unit, officer.rank in seniors].append(officer)
    for (_, senior), pool in pools.items():
        sign = 1 if senior else -1
        pool.sort(key=lambda o: (sign * RANK_ORDER.get(o.rank, -1), o.nrp))
    return pools


def _count_model(
    groups: Sequence[GuardGroup], need: Sequence[Mapping[str, int]], pools: Pools, required: bool
) -> tuple[cp_model.CpModel, dict[tuple[int, str], Any], dict[tuple[int, str], Any]]:
    """The CP-SAT model on counts: seniors ``s`` and others ``j`` named per group and unit.

    Each pair needs a senior when ``required``; the objective weighs covered groups
    over named officers over seniors used. ``pools`` gains an (empty) entry for
    every needed unit it lacks.
    """
    model = cp_model.CpModel()
    s: dict[tuple[int, str], Any] = {}
    j: dict[tuple[int, str], Any] = {}
    for k, counts in enumerate(need):
        for u, n in counts.items():
            s[k, u] = model.new_int_var(0, min(n, len(pools[u, True])), f"s{k}_{u}")
            j[k, u] = model.new_int_var(0, min(n, len(pools[u, False])), f"j{k}_{u}")
            model.add(s[k, u] + j[k, u] <= n)
    for u in sorted({u for counts in need for u in counts}):
        keys = [(k, u) for k, counts in enumerate(need) if u in counts]
        model.add(sum(s[key] for key in keys) <= len(pools[u, True]))
        model.add(sum(j[key] for key in keys) <= len(pools[u, False]))
    filled, senior_used, covered = [], [], []
    for k, (group, counts) in enumerate(zip(groups, need, strict=True)):
        f = sum(s[k, u] + j[k, u] for u in counts)
        sigma = sum(s[k, u] for u in counts)
        model.add(f <= group.officers)
        if required and group.officers == 1:
            model.add(f <= sigma)
        elif required and group.officers % 2:
            trio = model.new_bool_var(f"t{k}")
            model.add(trio <= sigma)
            model.add(f <= 2 * sigma + trio)
        elif required:
            model.add(f <= 2 * sigma)
        c = model.new_bool_var(f"c{k}")
        model.add(c <= (sigma if required else f))
        filled.append(f)
        senior_used.append(sigma)
        covered.append(c)
    slots = sum(sum(counts.values()) for counts in need)
    weight_filled = sum(len(pool) for (_, senior), pool in pools.items() if senior) + 1
    weight_covered = weight_filled * (slots + 1)
    model.maximize(weight_covered * sum(covered) + weight_filled * sum(filled) - sum(senior_used))
    return model, s, j


def _solver(rules: Rules, seed: int) -> cp_model.CpSolver:
    """A one-worker CP-SAT solver seeded with ``seed``, stopped at the assignment's time limit
    (deterministic time when the rules ask for deterministic solves)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.linearization_level = 2  # the full LP proves optimality at once
    params.random_seed = seed
    if rules.assignment.deterministic:
        params.max_deterministic_time = rules.assignment.time_limit_s
    else:
        params.max_time_in_seconds = rules.assignment.time_limit_s
    return solver


def _name_pairs(
    groups: Sequence[GuardGroup],
    need: Sequence[Mapping[str, int]],
    pools: Pools,
    seniors_taken: Mapping[tuple[int, str], int],
    others_taken: Mapping[tuple[int, str], int],
    required: bool,
) -> tuple[list[NamedPair], dict[tuple[str, bool], list[Officer]], list[tuple[int, str, int]]]:
    """Deal the solved counts out of the pools into each group's named pairs.

    ``pools`` holds every needed unit (as :func:`_count_model` leaves it). Returns
    the pairs, the officers left in each pool, and the slots left empty as
    (group index, unit, officers).
    """
    pairs: list[NamedPair] = []
    left = {key: list(pool) for key, pool in pools.items()}
    empty: list[tuple[int, str, int]] = []
    for k, (group, counts) in enumerate(zip(groups, need, strict=True)):
        top: list[Officer] = []
        rest: list[Officer] = []
        for u, n in counts.items():
            ns, nj = seniors_taken[k, u], others_taken[k, u]
            top += left[u, True][:ns]
            rest += left[u, False][:nj]
            del left[u, True][:ns], left[u, False][:nj]
            if n - ns - nj:
                empty.append((k, u, n - ns - nj))
        top.sort(key=lambda o: (-RANK_ORDER.get(o.rank, -1), o.nrp))
        rest.sort(key=lambda o: (-RANK_ORDER.get(o.rank, -1), o.nrp))
        teams = _deal(top if required else [], rest if required else top + rest, group.officers)
        for number, team in enumerate(teams, start=1):
            pairs.append(NamedPair(group.group_id, number, tuple(team)))
    return pairs, left, empty


def _deal(leaders: list[Officer], others: list[Officer], officers: int) -> list[list[Officer]]:
    """Split a group's named officers into teams: one leader each, then the others in turn.

    Without leaders (senior rule off) the officers simply fill pairs in order.
    """
    sizes = _team_sizes(officers)
    total = len(leaders) + len(others)
    count = 0
    while count < len(sizes) and sum(sizes[:count]) < total:
        count += 1
    queue = leaders[:count] + others + leaders[count:]
    teams: list[list[Officer]] = [[officer] for officer in queue[:count]]
    index = 0
    for officer in queue[count:]:
        while len(teams[index % count]) >= sizes[index % count]:
            index += 1
        teams[index % count].append(officer)
        index += 1
    return [t for t in teams if t]


def _unfilled(
    groups: Sequence[GuardGroup],
    need: Sequence[Mapping[str, int]],
    empty: Sequence[tuple[int, str, int]],
    left: Mapping[tuple[str, bool], list[Officer]],
    have: Mapping[str, int],
    rules: Rules,
) -> list[Unfilled]:
    """Why each unnamed slot stayed empty: the unit ran out, or no senior was left."""
    total_need: Counter[str] = Counter()
    for counts in need:
        total_need.update(counts)
    ranks = ", ".join(rules.assignment.senior_ranks)
    entries = []
    for k, unit, count in empty:
        group = groups[k]
        remaining = len(left.get((unit, True), [])) + len(left.get((unit, False), []))
        if remaining == 0:
            on_roster = have.get(unit, 0)
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    unit,
                    count,
                    "short_officers",
                    f"satuan {unit} kurang personel: {on_roster} di daftar, "
                    f"{total_need[unit]} dibutuhkan",
                    f"unit {unit} is short of officers: {on_roster} on the roster, "
                    f"{total_need[unit]} needed",
                )
            )
        else:
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    unit,
                    count,
                    "no_senior",
                    f"tidak ada personel senior ({ranks}) tersisa untuk memimpin pasangan",
                    f"no senior officer ({ranks}) left to lead the pair",
                )
            )
    for group, counts in zip(groups, need, strict=True):
        missing = group.officers - sum(counts.values())
        if missing > 0:
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    "",
                    missing,
                    "no_unit",
                    "rencana jumlah personel tidak menyebut satuan asal",
                    "the count plan names no source unit",
                )
            )
    return sorted(entries, key=lambda u: (u.group_id, u.unit))
