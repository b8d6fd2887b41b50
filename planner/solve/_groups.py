"""Guard-group data of one kecamatan, a greedy start, and anchor local search by min-cost flow."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

Groups = list[tuple[int, list[int]]]  # (anchor index, member indices incl. the anchor)


@dataclass(frozen=True)
class KecamatanProblem:
    """The assignment data of one kecamatan, plain arrays so it can go to a worker process."""

    kecamatan: str
    tps_ids: tuple[str, ...]
    kelurahan: np.ndarray  # (n,) kelurahan code per TPS
    capacity: np.ndarray  # (n,) max TPS of a group holding this TPS
    officers: np.ndarray  # (n,) officers a group holding this TPS needs
    weight: np.ndarray  # (n,) risk weight when coverage must be rationed
    travel_s: np.ndarray  # (n, n) anchor j -> TPS i seconds at [j, i], motorbike speed
    max_travel_s: float
    same_kelurahan: bool
    officer_budget: int | None = None

    def allowed_pairs(self) -> list[tuple[int, int]]:
        """(member i, anchor j) pairs the rules allow: candidate pruning by the limits.

        Anchor j reaches i within the travel-time limit (same kelurahan when
        asked), and the anchor is a TPS of the group's most restricted
        category (``capacity[j] <= capacity[i]``): officers post at the most
        vulnerable TPS, and a group's size limit is its anchor's.
        """
        n = len(self.tps_ids)
        reach = self.max_travel_s >= self.travel_s.T  # reach[i, j]: anchor j reaches i
        if self.same_kelurahan:
            reach &= self.kelurahan[:, None] == self.kelurahan[None, :]
        reach &= self.capacity[None, :] <= self.capacity[:, None]
        single = self.capacity == 1
        reach[:, single] = False  # a single-TPS group holds only its anchor
        reach[np.arange(n), np.arange(n)] = True
        return [(int(i), int(j)) for i, j in zip(*np.nonzero(reach), strict=True)]

    def officer_bound(self, pairs: Sequence[tuple[int, int]]) -> int:
        """A lower bound on officers: capacity counting within reachability components.

        TPS in different components of the anchor-reach graph never share a
        group; within one, categories are filled in order of their size limit,
        less restricted TPS using the room left in more restricted groups.
        """
        n = len(self.tps_ids)
        rows, cols = zip(*pairs, strict=True) if pairs else ((), ())
        graph = csr_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        _, component = connected_components(graph, directed=False)
        total = 0
        for label in np.unique(component):
            inside = component == label
            room = 0
            for cap in np.unique(self.capacity[inside]):
                of_cap = inside & (self.capacity == cap)
                need = max(0, int(of_cap.sum()) - room)
                room = max(0, room - int(of_cap.sum()))
                groups = math.ceil(need / cap)
                room += groups * int(cap) - need
                total += groups * int(self.officers[of_cap].min())
        return total


def nearest_anchor_pairs(
    problem: KecamatanProblem, pairs: Sequence[tuple[int, int]], per_tps: int, groups: Groups
) -> list[tuple[int, int]]:
    """The allowed pairs of each TPS with its ``per_tps`` nearest anchors (ties by index),
    itself, and the pairs of ``groups``."""
    pair_array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    member, anchor = pair_array[:, 0], pair_array[:, 1]
    order = np.lexsort((anchor, problem.travel_s[anchor, member], member))
    starts = np.r_[0, np.flatnonzero(np.diff(member[order])) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    keep = np.zeros(len(pair_array), dtype=bool)
    keep[order[rank < per_tps]] = True
    keep |= member == anchor
    chosen = {(int(i), int(j)) for i, j in pair_array[keep]}
    chosen.update((i, j) for j, members in groups for i in members)
    return sorted(chosen)


def greedy_groups(problem: KecamatanProblem, pairs: Sequence[tuple[int, int]]) -> Groups:
    """A feasible start that fills groups: most isolated TPS first, fullest group wins.

    Categories are handled from the most restricted up; a group anchored at a
    TPS takes the nearest unassigned TPS its anchor reaches, restricted ones first.
    """
    n = len(problem.tps_ids)
    reach = np.zeros((n, n), dtype=bool)  # reach[i, j]: i may join anchor j
    for i, j in pairs:
        reach[i, j] = True
    free = np.ones(n, dtype=bool)
    groups: Groups = []
    for cap in np.unique(problem.capacity):
        while True:
            seeds = np.flatnonzero(free & (problem.capacity == cap))
            if len(seeds) == 0:
                break
            isolation = [(reach[s] & free).sum() for s in seeds]
            seed = int(seeds[int(np.argmin(isolation))])
            best: tuple[int, float, int, list[int]] | None = None
            for j in np.flatnonzero(reach[seed] & free & (problem.capacity == cap)):
                members = _fill(problem, reach, free, int(j), seed)
                travel = float(sum(problem.travel_s[j, i] for i in members))
                key = (-len(members), travel, int(j))
                if best is None or key < best[:3]:
                    best = (*key, members)
            assert best is not None, "a seed always reaches itself"
            groups.append((best[2], best[3]))
            free[best[3]] = False
    return groups


def ration_groups(problem: KecamatanProblem, groups: Groups, budget: int) -> Groups:
    """The groups worth most risk weight per officer that fit in ``budget`` officers."""

    def officers(members: list[int]) -> int:
        return int(problem.officers[members].max())

    ranked = sorted(
        groups,
        key=lambda g: (-problem.weight[g[1]].sum() / officers(g[1]), g[0]),
    )
    kept, used = [], 0
    for anchor, members in ranked:
        if used + officers(members) <= budget:
            kept.append((anchor, members))
            used += officers(members)
    return kept


def _fill(
    problem: KecamatanProblem, reach: np.ndarray, free: np.ndarray, anchor: int, seed: int
) -> list[int]:
    """Anchor, seed, then the nearest free TPS the anchor reaches, restricted ones first."""
    members = [anchor] if anchor == seed else [anchor, seed]
    candidates = [i for i in np.flatnonzero(reach[:, anchor] & free) if i not in (anchor, seed)]
    candidates.sort(key=lambda i: (problem.capacity[i], problem.travel_s[anchor, i], i))
    room = int(problem.capacity[anchor]) - len(members)
    return members + [int(i) for i in candidates[: max(room, 0)]]


@dataclass(frozen=True)
class TravelObjective:
    """Stage-3 objective: 10 x travel seconds + weight x |10 x size - target10| per group."""

    travel10: np.ndarray  # (n, n) int, anchor j -> TPS i at [j, i]
    target10: int
    balance_weight: int

    def size_cost(self, size: int) -> int:
        return self.balance_weight * abs(10 * size - self.target10)

    def of(self, groups: Groups) -> int:
        """The objective value of a set of groups."""
        return sum(
            self.size_cost(len(members)) + int(sum(self.travel10[j, i] for i in members if i != j))
            for j, members in groups
        )


def allocate_to_anchors(
    problem: KecamatanProblem,
    pairs: np.ndarray,
    anchors: Sequence[int],
    objective: TravelObjective,
    covered: np.ndarray,
) -> tuple[int, Groups] | None:
    """Optimal members for fixed anchors: a min-cost flow (None when some TPS fits nowhere).

    Each covered non-anchor TPS sends one unit to an anchor it may join; an
    anchor's k-th member costs the marginal balance cost, which is convex in k.
    """
    n = len(problem.tps_ids)
    is_anchor = np.zeros(n, dtype=bool)
    is_anchor[list(anchors)] = True
    member, anchor = pairs[:, 0], pairs[:, 1]
    use = is_anchor[anchor] & ~is_anchor[member] & covered[member]
    member, anchor = member[use], anchor[use]
    sink = n
    tails, heads, costs = [member], [anchor], [objective.travel10[anchor, member]]
    for j in anchors:
        sizes = np.arange(2, int(problem.capacity[j]) + 1)
        marginal = [objective.size_cost(k) - objective.size_cost(k - 1) for k in sizes]
        tails.append(np.full(len(sizes), j))
        heads.append(np.full(len(sizes), sink))
        costs.append(np.asarray(marginal, dtype=np.int64))
    flow = min_cost_flow.SimpleMinCostFlow()
    tail = np.concatenate(tails).astype(np.int32)
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tail,
        np.concatenate(heads).astype(np.int32),
        np.ones(len(tail), dtype=np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    supplies = (covered & ~is_anchor).astype(np.int64)
    flow.set_nodes_supplies(np.arange(n + 1, dtype=np.int32), np.append(supplies, -supplies.sum()))
    if flow.solve() != flow.OPTIMAL:
        return None
    chosen = flow.flows(arcs[: len(member)]) > 0
    groups = {int(j): [int(j)] for j in anchors}
    for i, j in zip(member[chosen], anchor[chosen], strict=True):
        groups[int(j)].append(int(i))
    base = sum(objective.size_cost(1) for _ in anchors)
    result = [(j, sorted(m)) for j, m in sorted(groups.items())]
    return base + flow.optimal_cost(), result


def improve_anchors(
    problem: KecamatanProblem,
    pairs: Sequence[tuple[int, int]],
    groups: Groups,
    objective: TravelObjective,
    passes: int = 4,
) -> tuple[int, Groups]:
    """Move each anchor to its group's medoid while the objective falls (deterministic).

    Every candidate anchor set is allocated optimally by min-cost flow; an
    anchor is only replaced by a TPS of the same size limit, so group counts
    per category, and with them the officers, stay as they are.
    """
    pair_array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    covered = np.zeros(len(problem.tps_ids), dtype=bool)
    covered[[i for _, members in groups for i in members]] = True
    allowed = {(i, j) for i, j in pairs}
    cost, current = objective.of(groups), groups
    first = allocate_to_anchors(problem, pair_array, [j for j, _ in groups], objective, covered)
    if first is not None and first[0] < cost:
        cost, current = first
    for _ in range(passes):
        improved = False
        for j, members in list(current):
            candidates = [
                c
                for c in members
                if problem.capacity[c] == problem.capacity[j]
                and all((i, c) in allowed for i in members)
            ]
            medoid = min(
                candidates,
                key=lambda c: (sum(objective.travel10[c, i] for i in members if i != c), c),
            )
            if medoid == j:
                continue
            anchors = sorted({a for a, _ in current} - {j} | {medoid})
            trial = allocate_to_anchors(problem, pair_array, anchors, objective, covered)
            if trial is not None and trial[0] < cost:
                cost, current = trial
                improved = True
        if not improved:
            break
    return cost, current
