"""Officer supply per Polsek and borrowing to cover shortfalls (a small CP-SAT transport model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from ortools.sat.python import cp_model

from planner.inputs.scenario import Scenario
from planner.solve import _cpsat

NEIGHBOUR_BUFFER_DEG = 0.005  # about 550 m: kecamatan whose TPS hulls come this close touch


@dataclass(frozen=True)
class Borrowing:
    """Officers lent by a post to another kecamatan's guard groups."""

    from_post: str
    to_kecamatan: str
    officers: int
    penalty: int


@dataclass(frozen=True)
class Allocation:
    """Officers each kecamatan may use, where they come from, and what is still short."""

    budget: Mapping[str, int]
    sources: Mapping[str, Mapping[str, int]]
    borrowings: tuple[Borrowing, ...]
    shortfall: Mapping[str, int]


def patrol_crews(scenario: Scenario) -> dict[str, int]:
    """Officers each Polsek keeps back for the crews of all its patrol vehicles."""
    crew = scenario.rules.patrol.crew
    polsek = scenario.posts[scenario.posts["kind"] == "polsek"]
    return {
        str(p.post_id): crew["car"] * int(p.cars) + crew["motorbike"] * int(p.motorbikes)
        for p in polsek.itertuples()
    }


def own_posts(scenario: Scenario) -> dict[str, dict[str, int]]:
    """Polri officers free for guard groups at each kecamatan's own posts (Polsek and
    other posts), by post id: a Polsek keeps its patrol crews back."""
    crews = patrol_crews(scenario)
    posts = scenario.posts[scenario.posts["kind"] != "polresta"]
    supply: dict[str, dict[str, int]] = {}
    for post in posts.sort_values("post_id").itertuples():
        free = max(0, int(post.polri) - crews.get(str(post.post_id), 0))
        supply.setdefault(str(post.kecamatan), {})[str(post.post_id)] = free
    return supply


def crewed_posts(scenario: Scenario, drawn: Mapping[str, int]) -> pd.DataFrame:
    """The posts table with only the patrol vehicles the officers left after ``drawn``
    (guard-group officers per post) can crew: cars first, then motorbikes."""
    crew = scenario.rules.patrol.crew
    posts = scenario.posts.copy()
    for row, post in posts.iterrows():
        left = int(post["polri"]) - drawn.get(str(post["post_id"]), 0)
        cars = min(int(post["cars"]), max(0, left) // crew["car"])
        left -= cars * crew["car"]
        posts.loc[row, "cars"] = cars
        posts.loc[row, "motorbikes"] = min(
            int(post["motorbikes"]), max(0, left) // crew["motorbike"]
        )
    return posts


def neighbours(scenario: Scenario) -> dict[str, set[str]]:
    """Kecamatan whose TPS areas touch (buffered convex hulls intersect)."""
    hulls = {
        str(k): shapely.convex_hull(shapely.multipoints(np.c_[g.longitude, g.latitude])).buffer(
            NEIGHBOUR_BUFFER_DEG
        )
        for k, g in scenario.tps.groupby("kecamatan")
    }
    return {a: {b for b in hulls if b != a and hulls[a].intersects(hulls[b])} for a in hulls}


def allocate_officers(scenario: Scenario, demand: Mapping[str, int]) -> Allocation:
    """Cover each kecamatan's demand from its own posts, then borrow at least penalty.

    Polresta officers cost ``borrow_penalty_polresta`` each, a neighbouring
    Polsek's spare officers ``borrow_penalty_neighbour``; what cannot be
    borrowed comes from the kecamatan's own patrol crews (fewer vehicles
    patrol), and what is still missing is its shortfall.
    """
    supply = own_posts(scenario)
    polresta = {
        str(p.post_id): int(p.polri)
        for p in scenario.posts[scenario.posts["kind"] == "polresta"].itertuples()
    }
    own_used, deficit, spare = _own_cover(demand, supply)
    model = cp_model.CpModel()
    options = _borrow_options(model, scenario, deficit, polresta, spare)
    polri = dict(zip(scenario.posts["post_id"].astype(str), scenario.posts["polri"], strict=True))
    held = {  # the patrol crews each kecamatan's own posts keep back
        k: sum(int(polri[post]) - free for post, free in supply.get(k, {}).items()) for k in deficit
    }
    short = {k: model.new_int_var(0, need, f"short_{k}") for k, need in deficit.items()}
    crews = {
        k: model.new_int_var(0, min(need, held[k]), f"crews_{k}") for k, need in deficit.items()
    }
    most_crews = model.new_int_var(0, max(deficit.values(), default=0), "most_crews")
    for kecamatan, need in deficit.items():
        lent = [v for (_, k), (v, _) in options.items() if k == kecamatan]
        model.add(sum(lent) + crews[kecamatan] + short[kecamatan] == need)
        model.add(most_crews >= crews[kecamatan])
    lenders = {post: count for post, count in polresta.items()}
    lenders.update({post: count for (_, post), count in spare.items()})
    for post, count in lenders.items():
        model.add(sum(v for (p, _), (v, _) in options.items() if p == post) <= count)
    # in this order: fewest TPS unguarded, fewest patrol crews on guard, those crews
    # spread over the Polsek, least borrowing penalty
    spread = 1 + sum(pen for _, pen in options.values()) * max(1, max(deficit.values(), default=1))
    crew_weight = spread * (1 + sum(deficit.values()))
    short_weight = crew_weight * (1 + sum(deficit.values()))
    model.minimize(
        short_weight * sum(short.values())
        + crew_weight * sum(crews.values())
        + spread * most_crews
        + sum(pen * v for v, pen in options.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    if _cpsat.solve(solver, model) != cp_model.OPTIMAL:
        raise RuntimeError("personnel allocation model not solved to optimality")

    borrowings = []
    sources = {k: dict(v) for k, v in own_used.items()}
    for (post, kecamatan), (var, penalty) in sorted(options.items()):
        lent = solver.value(var)
        if lent:
            borrowings.append(Borrowing(post, kecamatan, lent, penalty))
            sources[kecamatan][post] = sources[kecamatan].get(post, 0) + lent
    for kecamatan, var in crews.items():  # crews stand guard: fewer vehicles patrol
        need = solver.value(var)
        for post, free in sorted(supply.get(kecamatan, {}).items()):
            take = min(need, int(polri[post]) - free)
            sources[kecamatan][post] += take
            need -= take
    shortfall = {k: solver.value(v) for k, v in short.items() if solver.value(v)}
    budget = {k: sum(v.values()) for k, v in sources.items()}
    return Allocation(budget, sources, tuple(borrowings), shortfall)


def _own_cover(
    demand: Mapping[str, int], supply: Mapping[str, Mapping[str, int]]
) -> tuple[dict[str, dict[str, int]], dict[str, int], dict[tuple[str, str], int]]:
    """Each kecamatan's demand taken from its own posts in order.

    Returns the officers used per kecamatan and post, what each kecamatan still
    lacks, and the officers left over per (kecamatan, post).
    """
    own_used: dict[str, dict[str, int]] = {}
    deficit: dict[str, int] = {}
    spare: dict[tuple[str, str], int] = {}
    for kecamatan in sorted(demand):
        need = demand[kecamatan]
        own_used[kecamatan] = {}
        for post, count in supply.get(kecamatan, {}).items():
            take = min(need, count)
            own_used[kecamatan][post] = take
            need -= take
            if count > take:
                spare[kecamatan, post] = count - take
        deficit[kecamatan] = need
    return own_used, deficit, spare


def _borrow_options(
    model: cp_model.CpModel,
    scenario: Scenario,
    deficit: Mapping[str, int],
    polresta: Mapping[str, int],
    spare: Mapping[tuple[str, str], int],
) -> dict[tuple[str, str], tuple[cp_model.IntVar, int]]:
    """A variable and its penalty per (lending post, short kecamatan): every Polresta post,
    and each neighbouring kecamatan's post with officers to spare."""
    rules = scenario.rules.assignment
    adjacent = neighbours(scenario)
    options: dict[tuple[str, str], tuple[cp_model.IntVar, int]] = {}
    for kecamatan, need in deficit.items():
        if need == 0:
            continue
        for post, count in polresta.items():
            var = model.new_int_var(0, min(need, count), f"b_{post}_{kecamatan}")
            options[post, kecamatan] = (var, rules.borrow_penalty_polresta)
        for (other, post), count in spare.items():
            if other in adjacent.get(kecamatan, set()):
                var = model.new_int_var(0, min(need, count), f"b_{post}_{kecamatan}")
                options[post, kecamatan] = (var, rules.borrow_penalty_neighbour)
    return options
