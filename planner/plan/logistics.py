"""The ``logistics`` section of ``plan.json`` (:class:`planner.plan.schema.Logistics`).

Times are given twice: ``*_s`` in seconds from 00:00 WIB of voting day
(``election_date``, negative before it) and as WIB date-times
(``2024-11-23T08:00+07:00``); days as ``day`` (0 = voting day), ``day_label``
(``H-4``, ``H``, ``H+1``) and ``date``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from planner.inputs.rules import FLOWS, LEG_ENDS, LEGS, Rules
from planner.plan import schema
from planner.progress import WIB
from planner.solve.escorts import EscortRoute
from planner.solve.logistics import CITY, LogisticsPlan
from planner.solve.storage import PersonnelDay as PostDay


def wib(election_date: str, seconds: int) -> str:
    """Seconds from voting-day midnight as a WIB date-time, ``2024-11-23T08:00+07:00``."""
    midnight = datetime.fromisoformat(election_date).replace(tzinfo=WIB)
    return (midnight + timedelta(seconds=seconds)).isoformat(timespec="minutes")


def day_label(day: int) -> str:
    """``H``, ``H-4``, ``H+1``: a day relative to voting day."""
    return "H" if day == 0 else f"H{day:+d}"


def fleet_used(routes: Sequence[EscortRoute], rules: Rules) -> list[schema.FleetArea]:
    """Per escort area: the rules' fleet limits and the trucks and escort units used at once."""
    trucks: Counter[tuple[str, str, int]] = Counter()
    units: Counter[tuple[str, str, str, int]] = Counter()
    for route in routes:
        trucks[route.area, route.leg, route.window] += 1
        units[route.area, route.post_id, route.leg, route.window] += 1
    areas = sorted({r.area for r in routes}, key=lambda a: (a != CITY, a))
    out = []
    for area in areas:
        fleet = rules.logistics.city if area == CITY else rules.logistics.local
        posts = sorted({post for a, post, _, _ in units if a == area})
        out.append(
            schema.FleetArea(
                area=area,
                scope="city" if area == CITY else "local",
                trucks_limit=fleet.trucks,
                escort_units_limit=fleet.escort_units,
                trucks=max(n for (a, _, _), n in trucks.items() if a == area),
                escort_units={
                    post: max(n for (a, p, _, _), n in units.items() if (a, p) == (area, post))
                    for post in posts
                },
            )
        )
    return out


def logistics_section(plan: LogisticsPlan, rules: Rules) -> schema.Logistics:
    """The ``logistics`` section of the plan."""
    date = plan.election_date
    fleet = fleet_used(plan.routes, rules)
    return schema.Logistics(
        election_date=date,
        time_origin=wib(date, 0),
        sites=[
            schema.LogisticsSite(
                site_id=s.site_id,
                kind=s.kind,
                name=s.name,
                kecamatan=s.kecamatan,
                kelurahan=s.kelurahan,
                lon=round(s.longitude, 7),
                lat=round(s.latitude, 7),
                approximate=s.approximate,
                source=s.source,
                address=s.address,
                notes=s.notes,
            )
            for s in plan.sites
        ],
        legs=_legs(rules, date),
        consignments=[
            schema.Consignment(
                consignment_id=c.consignment_id,
                leg=c.leg,
                origin=c.origin,
                destination=c.destination,
                kecamatan=c.kecamatan,
                tps=list(c.tps),
                load=c.load,
            )
            for c in plan.consignments
        ],
        routes=[_route(r, date) for r in plan.routes],
        undelivered=[
            schema.Undelivered(
                consignment_id=u.consignment_id,
                leg=u.leg,
                kecamatan=u.kecamatan,
                origin=u.origin,
                reason_id=u.reason_id,
                reason_en=u.reason_en,
            )
            for u in plan.undelivered
        ],
        guards=[
            schema.StorageGuard(
                site_id=g.site_id,
                post_id=g.post_id,
                start=wib(date, g.start_s),
                start_s=g.start_s,
                end=wib(date, g.end_s),
                end_s=g.end_s,
                officers=g.officers,
            )
            for g in plan.guards
        ],
        personnel=[_personnel_day(p, date) for p in plan.personnel],
        fleet=fleet,
        kpis=_kpis(plan, fleet),
        solver={  # wall times vary from run to run: the plan keeps none
            key: {k: v for k, v in value.items() if not k.endswith("wall_time_s")}
            for key, value in plan.stats.items()
        },
    )


def _legs(rules: Rules, date: str) -> list[schema.Leg]:
    """Every leg of the flow: where it goes, and its working windows."""
    return [
        schema.Leg(
            leg=leg,
            origin=LEG_ENDS[leg][0],
            destination=LEG_ENDS[leg][1],
            flow="outward" if leg in FLOWS[0] else "return",
            windows=[
                schema.TimeWindow(start=wib(date, a), start_s=a, end=wib(date, b), end_s=b)
                for a, b in rules.logistics.legs[leg]
            ],
        )
        for leg in LEGS
    ]


def _route(route: EscortRoute, date: str) -> schema.EscortRoute:
    """One escorted truck route, its times as WIB date-times and seconds."""
    return schema.EscortRoute(
        route_id=route.route_id,
        leg=route.leg,
        area=route.area,
        truck_id=route.truck_id,
        escort_id=route.escort_id,
        post_id=route.post_id,
        window=route.window,
        capacity=route.capacity,
        officers=route.officers,
        start=wib(date, route.start_s),
        start_s=route.start_s,
        end=wib(date, route.end_s),
        end_s=route.end_s,
        duration_s=route.end_s - route.start_s,
        escort_hours=round(route.escort_hours, 2),
        stops=[
            schema.EscortStop(
                consignment_id=s.consignment_id,
                action=s.action,
                place=s.place,
                arrival=wib(date, s.arrival_s),
                arrival_s=s.arrival_s,
                start=wib(date, s.start_s),
                start_s=s.start_s,
                departure=wib(date, s.departure_s),
                departure_s=s.departure_s,
                load_after=s.load_after,
            )
            for s in route.stops
        ],
        geometry=[list(c) for c in route.geometry],
    )


def _personnel_day(day: PostDay, date: str) -> schema.PersonnelDay:
    """One post's officers on duty on one day."""
    return schema.PersonnelDay(
        post_id=day.post_id,
        day=day.day,
        day_label=day_label(day.day),
        date=wib(date, day.day * 86_400)[:10],
        escort=day.escort,
        storage=day.storage,
        voting=day.voting,
        patrol=day.patrol,
        total=day.total,
        available=day.available,
        shortfall=day.shortfall,
    )


def _kpis(plan: LogisticsPlan, fleet: list[schema.FleetArea]) -> schema.LogisticsKpis:
    """Consignments carried, routes, escort hours, guard shifts, short post-days, trucks."""
    return schema.LogisticsKpis(
        consignments=len(plan.consignments),
        delivered=len(plan.consignments) - len(plan.undelivered),
        undelivered=len(plan.undelivered),
        routes=len(plan.routes),
        escort_hours=round(plan.escort_hours, 2),
        guard_shifts=len(plan.guards),
        guard_officer_shifts=sum(g.officers for g in plan.guards),
        shortfall_days=sum(p.shortfall > 0 for p in plan.personnel),
        trucks=sum(f.trucks for f in fleet),
    )
