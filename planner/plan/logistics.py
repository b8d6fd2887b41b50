"""The ``logistics`` section of ``plan.json``: sites, consignments, escorted routes, guards, tally.

Times are given twice: ``*_s`` in seconds from 00:00 WIB of voting day
(``election_date``, negative before it) and as WIB date-times
(``2024-11-23T08:00+07:00``); days as ``day`` (0 = voting day), ``day_label``
(``H-4``, ``H``, ``H+1``) and ``date``. Keys:

- ``election_date``, ``time_origin`` (voting day 00:00 WIB)
- ``sites``: ``site_id``, ``kind`` (warehouse, ppk, pps), ``name``, ``kecamatan``,
  ``kelurahan``, ``lon``, ``lat``, ``approximate``, ``source`` (table, rules,
  boundary, tps), ``address``, ``notes``
- ``legs``: ``leg``, ``origin``/``destination`` (kinds), ``flow`` (outward, return),
  ``windows`` (``start``/``end`` and ``start_s``/``end_s``)
- ``consignments``: ``consignment_id``, ``leg``, ``origin``/``destination`` (site or
  TPS id), ``kecamatan``, ``tps`` (ids), ``load`` (units)
- ``routes``: ``route_id``, ``leg``, ``area`` (``kota`` or the kecamatan),
  ``truck_id``, ``escort_id``, ``post_id``, ``window`` (index into the leg's),
  ``capacity``, ``officers``, ``start``/``end`` and ``_s``, ``duration_s``,
  ``escort_hours``, ``stops`` (``consignment_id``, ``action`` load/unload,
  ``place``, ``arrival``/``start``/``departure`` and ``_s``, ``load_after``),
  ``geometry`` (``[lon, lat]`` along the roads, from the post and back)
- ``undelivered``: ``consignment_id``, ``leg``, ``kecamatan``, ``origin``,
  ``reason_id``, ``reason_en``
- ``guards``: ``site_id``, ``post_id``, ``start``/``end`` and ``_s``, ``officers``
- ``personnel``: per post and day ``escort``, ``storage``, ``voting`` (guard groups),
  ``patrol`` (crews of the post's patrol routes on voting day), ``total``,
  ``available`` (Polri officers of the post), ``shortfall``
- ``fleet``: per escort ``area`` (``kota``, then each kecamatan) its ``scope`` (city,
  local), ``trucks_limit`` and ``escort_units_limit`` (the rules' numbers; null: sized
  by the solver), ``trucks`` (the most routes in one window of one leg: the trucks
  needed at once) and ``escort_units`` (per post, the most of its routes in one window)
- ``kpis``: ``consignments``, ``delivered``, ``undelivered``, ``routes``,
  ``escort_hours``, ``guard_shifts``, ``guard_officer_shifts``, ``shortfall_days``,
  ``trucks`` (the fleet's trucks summed over the areas)
- ``solver``: per ``leg/area`` status, objective, travel time, escort hours,
  vehicles used and available, trips, consignments, solutions (no wall times:
  they differ from run to run; the log has them)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS, Rules
from planner.progress import WIB
from planner.solve.escorts import EscortRoute
from planner.solve.logistics import CITY, LogisticsPlan


def wib(election_date: str, seconds: int) -> str:
    """Seconds from voting-day midnight as a WIB date-time, ``2024-11-23T08:00+07:00``."""
    midnight = datetime.fromisoformat(election_date).replace(tzinfo=WIB)
    return (midnight + timedelta(seconds=seconds)).isoformat(timespec="minutes")


def day_label(day: int) -> str:
    """``H``, ``H-4``, ``H+1``: a day relative to voting day."""
    return "H" if day == 0 else f"H{day:+d}"


def fleet_used(routes: Sequence[EscortRoute], rules: Rules) -> list[dict[str, Any]]:
    """Per escort area: the rules' fleet limits and the trucks and escort units used at once."""
    trucks: Counter[tuple[str, str, int]] = Counter()
    units: Counter[tuple[str, str, str, int]] = Counter()
    for route in routes:
        trucks[route.area, route.leg, route.window] += 1
        units[route.area, route.post_id, route.leg, route.window] += 1
    areas = sorted({r.area for r in routes}, key=lambda a: (a != CITY, a))
    out = []
    for area in areas:
        scope = "city" if area == CITY else "local"
        fleet = rules.logistics.city if area == CITY else rules.logistics.local
        posts = sorted({post for a, post, _, _ in units if a == area})
        out.append(
            {
                "area": area,
                "scope": scope,
                "trucks_limit": fleet.trucks,
                "escort_units_limit": fleet.escort_units,
                "trucks": max(n for (a, _, _), n in trucks.items() if a == area),
                "escort_units": {
                    post: max(n for (a, p, _, _), n in units.items() if (a, p) == (area, post))
                    for post in posts
                },
            }
        )
    return out


def logistics_document(plan: LogisticsPlan, rules: Rules) -> dict[str, Any]:
    """The ``logistics`` section of the plan as JSON-ready values."""
    date = plan.election_date
    fleet = fleet_used(plan.routes, rules)

    def times(**values: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, seconds in values.items():
            out[name] = wib(date, seconds)
            out[f"{name}_s"] = seconds
        return out

    return {
        "election_date": date,
        "time_origin": wib(date, 0),
        "sites": [
            {
                "site_id": s.site_id,
                "kind": s.kind,
                "name": s.name,
                "kecamatan": s.kecamatan,
                "kelurahan": s.kelurahan,
                "lon": round(s.longitude, 7),
                "lat": round(s.latitude, 7),
                "approximate": s.approximate,
                "source": s.source,
                "address": s.address,
                "notes": s.notes,
            }
            for s in plan.sites
        ],
        "legs": [
            {
                "leg": leg,
                "origin": LEG_ENDS[leg][0],
                "destination": LEG_ENDS[leg][1],
                "flow": "outward" if leg in FLOWS[0] else "return",
                "windows": [times(start=a, end=b) for a, b in rules.logistics.legs[leg]],
            }
            for leg in LEGS
        ],
        "consignments": [
            {
                "consignment_id": c.consignment_id,
                "leg": c.leg,
                "origin": c.origin,
                "destination": c.destination,
                "kecamatan": c.kecamatan,
                "tps": list(c.tps),
                "load": c.load,
            }
            for c in plan.consignments
        ],
        "routes": [
            {
                "route_id": r.route_id,
                "leg": r.leg,
                "area": r.area,
                "truck_id": r.truck_id,
                "escort_id": r.escort_id,
                "post_id": r.post_id,
                "window": r.window,
                "capacity": r.capacity,
                "officers": r.officers,
                **times(start=r.start_s, end=r.end_s),
                "duration_s": r.end_s - r.start_s,
                "escort_hours": round(r.escort_hours, 2),
                "stops": [
                    {
                        "consignment_id": s.consignment_id,
                        "action": s.action,
                        "place": s.place,
                        **times(arrival=s.arrival_s, start=s.start_s, departure=s.departure_s),
                        "load_after": s.load_after,
                    }
                    for s in r.stops
                ],
                "geometry": [list(c) for c in r.geometry],
            }
            for r in plan.routes
        ],
        "undelivered": [
            {
                "consignment_id": u.consignment_id,
                "leg": u.leg,
                "kecamatan": u.kecamatan,
                "origin": u.origin,
                "reason_id": u.reason_id,
                "reason_en": u.reason_en,
            }
            for u in plan.undelivered
        ],
        "guards": [
            {
                "site_id": g.site_id,
                "post_id": g.post_id,
                **times(start=g.start_s, end=g.end_s),
                "officers": g.officers,
            }
            for g in plan.guards
        ],
        "personnel": [
            {
                "post_id": p.post_id,
                "day": p.day,
                "day_label": day_label(p.day),
                "date": wib(date, p.day * 86_400)[:10],
                "escort": p.escort,
                "storage": p.storage,
                "voting": p.voting,
                "patrol": p.patrol,
                "total": p.total,
                "available": p.available,
                "shortfall": p.shortfall,
            }
            for p in plan.personnel
        ],
        "fleet": fleet,
        "kpis": {
            "consignments": len(plan.consignments),
            "delivered": len(plan.consignments) - len(plan.undelivered),
            "undelivered": len(plan.undelivered),
            "routes": len(plan.routes),
            "escort_hours": round(plan.escort_hours, 2),
            "guard_shifts": len(plan.guards),
            "guard_officer_shifts": sum(g.officers for g in plan.guards),
            "shortfall_days": sum(p.shortfall > 0 for p in plan.personnel),
            "trucks": sum(f["trucks"] for f in fleet),
        },
        "solver": {  # wall times vary from run to run: the plan keeps none
            key: {k: v for k, v in value.items() if not k.endswith("wall_time_s")}
            for key, value in plan.stats.items()
        },
    }
