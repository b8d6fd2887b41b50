"""The plan's schema: one typed class per section of ``plan.json``.

The writer builds these classes, the outputs read a plan back as them, the validator checks a
document's structure against them and ``docs/plan-format.md`` is written from them: all
through :mod:`planner.plan.shapes`. Times are seconds (``*_s``) beside WIB clock text; ids
are as in the input files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

Count = Annotated[int, "count"]
"""A whole number >= 0."""
Seconds = Annotated[float, "seconds"]
"""A number of seconds >= 0 (a duration, or a clock time on voting day)."""
Number = Annotated[float, "num"]
"""A finite number."""
Real = Annotated[float, "real"]
"""Any number, infinity included (a solver's gap without a bound)."""
LonLat = Annotated[list[float], "lon_lat"]
"""A ``[lon, lat]`` pair in degrees (EPSG:4326)."""
Loose = Annotated[dict[str, Any], "any"]
"""Free-form JSON (solver statistics, the rules as read)."""

FORMAT = "tps-planner/plan"
FORMAT_VERSION = 2


def doc(text: str) -> Any:
    """A field with its documentation."""
    return field(metadata={"doc": text})


def optional(text: str) -> Any:
    """A field that is left out of the document when it is ``None``."""
    return field(default=None, metadata={"doc": text, "omit": True})


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """An input file by name and content hash."""

    file: str = doc(
        "file name (no folder: the plan is the same wherever the files are), with `#SHEET` "
        "when the scenario names its workbook sheet"
    )
    sha256: str = doc("SHA-256 of the file's bytes")


@dataclass(frozen=True, kw_only=True)
class NetworkRecord:
    """Where the road network came from and its size."""

    source: str = doc("file name, or the OpenStreetMap query")
    sha256: str | None = optional("SHA-256 of a network file (absent for a download)")
    nodes: Count = doc("junctions")
    edges: Count = doc("directed road edges")


@dataclass(frozen=True, kw_only=True)
class ScenarioRecord:
    """The inputs the plan was made from."""

    name: str = doc("scenario name")
    sources: dict[str, SourceFile] = doc("per input (tps, posts, roster, sites) its file")
    network: NetworkRecord = doc("the road network")
    rules: Loose = doc(
        "every rule used, the solvers' search limits included; not the machine's `[memory]`"
        " (see docs/rules.md)"
    )


@dataclass(frozen=True, kw_only=True)
class Group:
    """One guard group: officers posted at an anchor TPS, guarding its member TPS."""

    group_id: str = doc("group id")
    kecamatan: str = doc("kecamatan (one Polsek)")
    anchor: str = doc("TPS id where the officers post")
    members: list[str] = doc("TPS ids, anchor included")
    officers: Count = doc("Polri officers")
    officers_from: dict[str, Count] = doc("post id -> officers it sends")
    linmas: Count = doc("Linmas guards")
    max_travel_s: Seconds = doc("longest road time from the anchor to a member")


@dataclass(frozen=True, kw_only=True)
class Uncovered:
    """A TPS no guard group covers, with the reason."""

    tps_id: str = doc("TPS id")
    kecamatan: str = doc("kecamatan")
    reason_id: str = doc("reason (Bahasa Indonesia)")
    reason_en: str = doc("reason (English)")


@dataclass(frozen=True, kw_only=True)
class Borrowing:
    """Officers a post lends to another kecamatan."""

    from_post: str = doc("post id that lends")
    to_kecamatan: str = doc("kecamatan that borrows")
    officers: Count = doc("officers lent")
    penalty: Number = doc("cost of the loan in the personnel model")


@dataclass(frozen=True, kw_only=True)
class StagingPoint:
    """A reserve staging point."""

    point_id: str = doc("post id or road junction id")
    kind: str = doc("``post`` or ``junction``")
    lon: Number = doc("longitude")
    lat: Number = doc("latitude")
    approximate: bool = doc("the post's place is approximate")


@dataclass(frozen=True, kw_only=True)
class SolverFigures:
    """How a solve ended."""

    status: str = doc("optimal, feasible, infeasible or unknown")
    objective: Real = doc("objective value")
    best_bound: Real = doc("best proven bound")
    gap: Real = doc("relative gap between objective and bound")


@dataclass(frozen=True, kw_only=True)
class Reserve:
    """The reserve: staging points and which one answers each TPS."""

    model: str = doc("coverage model (lscp, mclp, p-median, p-center)")
    response_limit_s: Seconds = doc("the response time the reserve must meet")
    staging: list[StagingPoint] = doc("chosen staging points")
    tps_staging: dict[str, str] = doc("TPS id -> staging point id")
    tps_response_s: dict[str, Seconds] = doc("TPS id -> response time")
    beyond_limit: list[str] = doc("TPS ids beyond the response limit")
    solver: SolverFigures = doc("the coverage solve")


@dataclass(frozen=True, kw_only=True)
class PolsekFigures:
    """Guard figures of one kecamatan."""

    groups: Count = doc("guard groups")
    tps: Count = doc("TPS in the groups")
    officers: Count = doc("Polri officers")
    linmas: Count = doc("Linmas guards")


@dataclass(frozen=True, kw_only=True)
class Kpis:
    """The plan's key figures."""

    tps: Count = doc("TPS in the scenario")
    tps_covered: Count = doc("TPS in a guard group")
    officers: Count = doc("officers in guard groups")
    officers_lower_bound: Count = doc("proven lower bound on officers")
    officer_gap: Number = doc("relative gap of officers to the bound")
    baseline_officers: Count = doc("officers with one group per TPS (the manual baseline)")
    linmas: Count = doc("Linmas guards")
    per_polsek: dict[str, PolsekFigures] = doc("kecamatan -> its figures")
    worst_reserve_response_s: Seconds = doc("the slowest reserve response")
    patrol_coverage: Number | None = optional("share of required patrol visits made")


@dataclass(frozen=True, kw_only=True)
class StageSolver:
    """One solve stage of one kecamatan's guard groups."""

    kecamatan: str = doc("kecamatan")
    stage: str = doc("stage (officers, groups, travel)")
    status: str = doc("optimal, feasible, ...")
    objective: Real = doc("objective value")
    best_bound: Real = doc("best proven bound")
    gap: Real = doc("relative gap")


@dataclass(frozen=True, kw_only=True)
class PatrolStop:
    """A patrol's visit to a TPS."""

    tps_id: str = doc("TPS id")
    visit: int = doc("which visit of the TPS in its shift (1, 2, ...)")
    arrival: str = doc("arrival (WIB ``HH:MM``)")
    start: str = doc("start of the visit")
    departure: str = doc("departure")
    arrival_s: Seconds = doc("arrival, seconds after midnight")
    start_s: Seconds = doc("start, seconds after midnight")
    departure_s: Seconds = doc("departure, seconds after midnight")


@dataclass(frozen=True, kw_only=True)
class PatrolRoute:
    """One vehicle's patrol route in one shift."""

    shift: str = doc("``voting`` or ``counting``")
    vehicle_id: str = doc("vehicle id (one vehicle may have a route in each shift)")
    post_id: str = doc("post the vehicle starts and ends at")
    vehicle_type: str = doc("``car`` or ``motorbike``")
    start: str = doc("leaves the post (WIB ``HH:MM``)")
    end: str = doc("back at the post")
    start_s: Seconds = doc("start, seconds after midnight")
    end_s: Seconds = doc("end, seconds after midnight")
    duration_s: Seconds = doc("end - start")
    stops: list[PatrolStop] = doc("visits in order")
    geometry: list[LonLat] = doc("the way along the roads")


@dataclass(frozen=True, kw_only=True)
class DroppedVisit:
    """A required patrol visit no route makes."""

    shift: str = doc("shift")
    tps_id: str = doc("TPS id")
    visit: int = doc("which visit")
    kecamatan: str = doc("kecamatan")
    reason_id: str = doc("reason (Bahasa Indonesia)")
    reason_en: str = doc("reason (English)")


@dataclass(frozen=True, kw_only=True)
class ShiftKpis:
    """Patrol figures of one shift (or of all)."""

    required_visits: Count = doc("visits the rules require")
    performed_visits: Count = doc("visits the routes make")
    coverage: Number = doc("performed / required")
    vehicles_used: Count = doc("routes")


@dataclass(frozen=True, kw_only=True)
class PatrolKpis(ShiftKpis):
    """Patrol figures over all shifts, and per shift."""

    shifts: dict[str, ShiftKpis] = doc("shift -> its figures")


@dataclass(frozen=True, kw_only=True)
class Patrols:
    """Mobile patrols on voting day."""

    routes: list[PatrolRoute] = doc("routes")
    dropped: list[DroppedVisit] = doc("required visits not made")
    kpis: PatrolKpis = doc("figures")
    solver: Loose = doc("per shift and post: status, objective, travel time, solutions")


@dataclass(frozen=True, kw_only=True)
class LogisticsSite:
    """A KPU warehouse, PPK (kecamatan) or PPS (kelurahan) site."""

    site_id: str = doc("site id")
    kind: str = doc("warehouse, ppk or pps")
    name: str = doc("name")
    kecamatan: str = doc("kecamatan")
    kelurahan: str = doc("kelurahan (PPS)")
    lon: Number = doc("longitude")
    lat: Number = doc("latitude")
    approximate: bool = doc("placed by default, not from the sites table")
    source: str = doc("table, rules, boundary or tps")
    address: str = doc("address")
    notes: str = doc("notes")


@dataclass(frozen=True, kw_only=True)
class TimeWindow:
    """A working window of a leg."""

    start: str = doc("WIB date-time")
    start_s: int = doc("seconds from voting day 00:00 WIB (negative before)")
    end: str = doc("WIB date-time")
    end_s: int = doc("seconds from voting day 00:00 WIB")


@dataclass(frozen=True, kw_only=True)
class Leg:
    """A leg of the ballot logistics flow."""

    leg: str = doc("leg name (warehouse_ppk, ppk_pps, pps_tps, ...)")
    origin: str = doc("kind of site it starts at")
    destination: str = doc("kind of site it ends at")
    flow: str = doc("outward or return")
    windows: list[TimeWindow] = doc("working windows")


@dataclass(frozen=True, kw_only=True)
class Consignment:
    """Goods moved on one leg between two places."""

    consignment_id: str = doc("consignment id")
    leg: str = doc("leg")
    origin: str = doc("site or TPS id")
    destination: str = doc("site or TPS id")
    kecamatan: str = doc("kecamatan")
    tps: list[str] = doc("TPS ids whose goods it is")
    load: Count = doc("load units (boxes and booths)")


@dataclass(frozen=True, kw_only=True)
class EscortStop:
    """A truck's stop to load or unload a consignment."""

    consignment_id: str = doc("consignment id")
    action: str = doc("load or unload")
    place: str = doc("site or TPS id")
    arrival: str = doc("WIB date-time")
    arrival_s: int = doc("seconds from voting day 00:00 WIB")
    start: str = doc("start of handling")
    start_s: int = doc("seconds")
    departure: str = doc("departure")
    departure_s: int = doc("seconds")
    load_after: int = doc("load on the truck after the stop")


@dataclass(frozen=True, kw_only=True)
class EscortRoute:
    """A truck route with its police escort."""

    route_id: str = doc("route id")
    leg: str = doc("leg")
    area: str = doc("``kota`` or the kecamatan")
    truck_id: str = doc("truck id")
    escort_id: str = doc("escort unit id")
    post_id: str = doc("post of the escort")
    window: Count = doc("index into the leg's windows")
    capacity: Count = doc("truck capacity in load units")
    officers: Count = doc("escort officers")
    start: str = doc("leaves the post (WIB date-time)")
    start_s: int = doc("seconds from voting day 00:00 WIB")
    end: str = doc("back at the post")
    end_s: int = doc("seconds")
    duration_s: Seconds = doc("end - start")
    escort_hours: Number = doc("officer-hours of escort")
    stops: list[EscortStop] = doc("stops in order")
    geometry: list[LonLat] = doc("the way along the roads, from the post and back")


@dataclass(frozen=True, kw_only=True)
class Undelivered:
    """A consignment no route carries, with the reason."""

    consignment_id: str = doc("consignment id")
    leg: str = doc("leg")
    kecamatan: str = doc("kecamatan")
    origin: str = doc("where its goods wait")
    reason_id: str = doc("reason (Bahasa Indonesia)")
    reason_en: str = doc("reason (English)")


@dataclass(frozen=True, kw_only=True)
class StorageGuard:
    """Officers guarding a storage site for one shift."""

    site_id: str = doc("site id")
    post_id: str = doc("post the guards come from")
    start: str = doc("WIB date-time")
    start_s: int = doc("seconds from voting day 00:00 WIB")
    end: str = doc("WIB date-time")
    end_s: int = doc("seconds")
    officers: Count = doc("officers")


@dataclass(frozen=True, kw_only=True)
class PersonnelDay:
    """One post's officers on duty on one day."""

    post_id: str = doc("post id")
    day: int = doc("0 = voting day")
    day_label: str = doc("``H-4``, ``H``, ``H+1``")
    date: str = doc("ISO date")
    escort: Count = doc("escort officers")
    storage: Count = doc("storage guards")
    voting: Count = doc("guard-group officers (voting day)")
    patrol: Count = doc("patrol crews of the post (voting day)")
    total: Count = doc("all of the above")
    available: Count = doc("Polri officers of the post")
    shortfall: Count = doc("total beyond available")


@dataclass(frozen=True, kw_only=True)
class FleetArea:
    """Trucks and escort units of one escort area."""

    area: str = doc("``kota``, or a kecamatan")
    scope: str = doc("city or local")
    trucks_limit: Count | None = doc("the rules' trucks (null: sized by the solver)")
    escort_units_limit: Count | None = doc("the rules' escort units (null: sized by the solver)")
    trucks: Count = doc("the most routes in one window of one leg: trucks needed at once")
    escort_units: dict[str, Count] = doc("per post, the most of its routes in one window")


@dataclass(frozen=True, kw_only=True)
class LogisticsKpis:
    """Logistics key figures."""

    consignments: Count = doc("consignments")
    delivered: Count = doc("consignments carried")
    undelivered: Count = doc("consignments not carried")
    routes: Count = doc("escorted truck routes")
    escort_hours: Number = doc("escort officer-hours")
    guard_shifts: Count = doc("storage guard shifts")
    guard_officer_shifts: Count = doc("officer-shifts of storage guards")
    shortfall_days: Count = doc("post-days short of officers")
    trucks: Count = doc("the fleet's trucks summed over the areas")


@dataclass(frozen=True, kw_only=True)
class Logistics:
    """Ballot logistics: sites, consignments, escorted routes, storage guards, personnel.

    Times are ``*_s`` seconds from 00:00 WIB of voting day (negative before it) and WIB
    date-times (``2024-11-23T08:00+07:00``).
    """

    election_date: str = doc("voting day (ISO date)")
    time_origin: str = doc("voting day 00:00 WIB")
    sites: list[LogisticsSite] = doc("warehouse, PPK and PPS sites")
    legs: list[Leg] = doc("the legs and their windows")
    consignments: list[Consignment] = doc("goods to move")
    routes: list[EscortRoute] = doc("escorted truck routes")
    undelivered: list[Undelivered] = doc("consignments not carried")
    guards: list[StorageGuard] = doc("storage guard shifts")
    personnel: list[PersonnelDay] = doc("per post and day")
    fleet: list[FleetArea] = doc("per escort area (kota first)")
    kpis: LogisticsKpis = doc("figures")
    solver: Loose = doc(
        "per ``leg/area``: status, objective, travel time, escort hours, vehicles, trips, "
        "consignments, solutions (no wall times: they differ from run to run)"
    )


@dataclass(frozen=True, kw_only=True)
class Officer:
    """A named officer (personal data: internal plan only)."""

    nrp: str = doc("NRP")
    name: str = doc("name")
    rank: str = doc("rank")
    unit: str = doc("post id")
    phone: str = doc("phone")


@dataclass(frozen=True, kw_only=True)
class OfficerPair:
    """A pair of named officers of a guard group."""

    group_id: str = doc("group id")
    pair_no: int = doc("pair number in the group")
    officers: list[Officer] = doc("the officers, senior first")


@dataclass(frozen=True, kw_only=True)
class Unfilled:
    """Officers a group needs that the roster cannot name."""

    group_id: str = doc("group id")
    kecamatan: str = doc("kecamatan")
    unit: str = doc("post id")
    officers: Count = doc("officers not named")
    code: str = doc("short_officers, no_senior or no_unit")
    reason_id: str = doc("reason (Bahasa Indonesia)")
    reason_en: str = doc("reason (English)")


@dataclass(frozen=True, kw_only=True)
class RosterSolver:
    """How naming the officers went."""

    status: str = doc("optimal, feasible, ...")
    officers_needed: Count = doc("officers the groups need")
    officers_named: Count = doc("officers named")
    seniors_named: Count = doc("senior officers named")
    spare_officers: Count = doc("roster officers left over")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """``plan.json``: what was decided. Nothing in it depends on the clock or on folders."""

    format: str = doc(f"``{FORMAT}``")
    format_version: int = doc(f"``{FORMAT_VERSION}``")
    version: str = doc("tps-planner version")
    seed: int = doc("random seed")
    scenario: ScenarioRecord = doc("the inputs")
    groups: list[Group] = doc("guard groups")
    uncovered: list[Uncovered] = doc("TPS without a group")
    borrowings: list[Borrowing] = doc("officers lent between posts")
    reserve: Reserve = doc("the reserve")
    kpis: Kpis = doc("key figures")
    solver: list[StageSolver] = doc("per kecamatan and stage")
    patrols: Patrols | None = optional("mobile patrols (when planned)")
    logistics: Logistics | None = optional("ballot logistics (when planned)")
    officer_pairs: list[OfficerPair] | None = optional(
        "named pairs (a named roster; personal data: internal plan only)"
    )
    roster_unfilled: list[Unfilled] | None = optional("officers the roster cannot name")
    roster_solver: RosterSolver | None = optional("how naming went")
