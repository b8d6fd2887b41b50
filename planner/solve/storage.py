"""Static guards at the logistics storage sites, and the officers each post needs per day.

The tally per post and day counts escort units on duty, storage guards and, on
voting day, the officers of its guard groups and the crews of its patrol
vehicles (``patrol.crew`` officers per vehicle type, one crew per vehicle driven
for the whole day: both shifts, like the guards who stay through counting).

Goods stay at a site from the start of their first unloading there to the end
of their last loading, per flow (out before voting day, back after counting);
at the warehouse also from the start of the logistics horizon (00:00 of its
first day) and, after the return, to its end (24:00 of its last day). Goods a
leg leaves behind stay until the end of its last window. Guard shifts of
``shift_hours`` tile the days from ``shift_start``; every shift overlapping a
stay needs the site kind's officers. Times are seconds from 00:00 WIB of voting
day; day 0 is voting day.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.inputs.rules import FLOWS, LEG_ENDS, Rules
from planner.inputs.scenario import Scenario
from planner.inputs.sites import Site
from planner.solve.assignment import AssignmentResult
from planner.solve.escorts import EscortRoute, Undelivered

if TYPE_CHECKING:
    from planner.solve.patrols import PatrolResult

DAY_S = 86_400


@dataclass(frozen=True)
class GuardShift:
    """Officers guarding a storage site for one shift, from ``post_id``."""

    site_id: str
    post_id: str
    start_s: int
    end_s: int
    officers: int


@dataclass(frozen=True)
class PersonnelDay:
    """Officers a post needs on one day (0 = voting day) and what it has."""

    post_id: str
    day: int
    escort: int
    storage: int
    voting: int
    patrol: int
    available: int

    @property
    def total(self) -> int:
        """Officers needed that day."""
        return self.escort + self.storage + self.voting + self.patrol

    @property
    def shortfall(self) -> int:
        """Officers needed beyond the post's own."""
        return max(0, self.total - self.available)


def horizon(rules: Rules) -> tuple[int, int]:
    """00:00 of the first and 24:00 of the last day any leg works."""
    windows = [w for leg in rules.logistics.legs.values() for w in leg]
    first = min(a for a, _ in windows) // DAY_S * DAY_S
    last = math.ceil(max(b for _, b in windows) / DAY_S) * DAY_S
    return first, last


def stays(
    rules: Rules,
    sites: Sequence[Site],
    routes: Sequence[EscortRoute],
    undelivered: Sequence[Undelivered],
) -> dict[str, list[tuple[int, int]]]:
    """When goods are at each site: (from, to) per flow, in seconds."""
    first, last = horizon(rules)
    legs = rules.logistics.legs
    unloaded: dict[tuple[str, str], list[int]] = defaultdict(list)
    loaded: dict[tuple[str, str], list[int]] = defaultdict(list)
    for route in routes:
        for stop in route.stops:
            if stop.action == "unload":
                unloaded[route.leg, stop.place].append(stop.start_s)
            else:
                loaded[route.leg, stop.place].append(stop.departure_s)
    left = {(u.leg, u.origin) for u in undelivered}
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for site in sites:
        for flow in FLOWS:
            inbound = next((leg for leg in flow if LEG_ENDS[leg][1] == site.kind), None)
            outbound = next((leg for leg in flow if LEG_ENDS[leg][0] == site.kind), None)
            arrivals = [first] if inbound is None else unloaded.get((inbound, site.site_id))
            if not arrivals:
                continue
            if outbound is None:
                until = last
            else:
                departures = loaded.get((outbound, site.site_id), [])
                until = max(departures, default=min(arrivals))
                if (outbound, site.site_id) in left or not departures:
                    until = max(until, legs[outbound][-1][1])
            out[site.site_id].append((min(arrivals), until))
    return dict(out)


def site_posts(scenario: Scenario, sites: Sequence[Site]) -> dict[str, str]:
    """The post each site's guards come from: its kecamatan's Polsek, else an escort_kind post."""
    posts = scenario.posts.sort_values("post_id")
    polsek = posts[posts["kind"] == "polsek"].drop_duplicates("kecamatan")
    by_kecamatan = dict(zip(polsek["kecamatan"], polsek["post_id"], strict=True))
    fallback = posts[posts["kind"] == scenario.rules.logistics.city.escort_kind]["post_id"]
    spare = str(fallback.iloc[0]) if len(fallback) else ""
    return {s.site_id: str(by_kecamatan.get(s.kecamatan, spare)) for s in sites}


def storage_guards(
    scenario: Scenario,
    sites: Sequence[Site],
    routes: Sequence[EscortRoute],
    undelivered: Sequence[Undelivered],
) -> tuple[GuardShift, ...]:
    """Every guard shift that overlaps a stay of goods, per site in time order."""
    rules = scenario.rules
    guard = rules.logistics.guards
    length = round(guard.shift_hours * 3600)
    start = guard.shift_start
    origin = horizon(rules)[0] + start.hour * 3600 + start.minute * 60
    post = site_posts(scenario, sites)
    kind = {s.site_id: s.kind for s in sites}
    shifts = []
    for site_id, intervals in stays(rules, sites, routes, undelivered).items():
        officers = guard.officers[kind[site_id]]
        needed: set[int] = set()
        for a, b in intervals:
            needed.update(range((a - origin) // length, -((origin - b) // length)))
        begin = [origin + k * length for k in sorted(needed)] if officers > 0 else []
        shifts += [GuardShift(site_id, post[site_id], b, b + length, officers) for b in begin]
    return tuple(shifts)


def personnel_tally(
    scenario: Scenario,
    routes: Sequence[EscortRoute],
    guards: Sequence[GuardShift],
    assignment: AssignmentResult | None = None,
    patrols: PatrolResult | None = None,
) -> tuple[PersonnelDay, ...]:
    """Officers each post needs per day: escorts on duty, storage guards, and on voting day
    its guard groups' officers and patrol crews."""
    escorts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for route in routes:
        for day in range(route.start_s // DAY_S, (route.end_s - 1) // DAY_S + 1):
            escorts[route.post_id, day][route.escort_id] = route.officers
    storage: dict[tuple[str, int], int] = defaultdict(int)
    for shift in guards:
        storage[shift.post_id, shift.start_s // DAY_S] += shift.officers
    voting: dict[tuple[str, int], int] = defaultdict(int)
    for group in assignment.groups if assignment is not None else ():
        for post_id, officers in group.officers_from.items():
            voting[post_id, 0] += officers
    crew = scenario.rules.patrol.crew
    driven = {(r.post_id, r.vehicle_id): r.vehicle_type for r in patrols.routes} if patrols else {}
    patrol: dict[tuple[str, int], int] = defaultdict(int)
    for (post_id, _), vehicle_type in driven.items():
        patrol[post_id, 0] += crew[vehicle_type]
    polri = dict(zip(scenario.posts["post_id"], scenario.posts["polri"], strict=True))
    keys = sorted({*escorts, *storage, *voting, *patrol})
    return tuple(
        PersonnelDay(
            post_id,
            day,
            sum(escorts.get((post_id, day), {}).values()),
            storage.get((post_id, day), 0),
            voting.get((post_id, day), 0),
            patrol.get((post_id, day), 0),
            int(polri.get(post_id, 0)),
        )
        for post_id, day in keys
    )
