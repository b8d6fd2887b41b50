"""The plan's part of the summary table a run prints: guard groups, reserve, patrols and
logistics in a few rows (Bahasa Indonesia with English labels)."""

from __future__ import annotations

from collections.abc import Sequence

from planner.plan import schema
from planner.solve.patrols import SHIFT_LABEL


def plan_rows(plan: schema.Plan) -> list[Row]:
    """Every summary row of the plan: label, value, note."""
    return [*guard_rows(plan), *patrol_rows(plan.patrols), *logistics_rows(plan.logistics)]


Row = tuple[str, str, str]


def guard_rows(plan: schema.Plan) -> list[Row]:
    """Summary rows of the guard groups and the reserve."""
    kpis = plan.kpis
    return [
        ("TPS", f"{kpis.tps:,}", ""),
        ("Kelompok jaga (guard groups)", f"{len(plan.groups):,}", ""),
        (
            "Personel (officers)",
            f"{kpis.officers:,}",
            f"batas bawah {kpis.officers_lower_bound:,}, selisih {kpis.officer_gap:.1%};"
            f" cara manual {kpis.baseline_officers:,} (lower bound, gap; by hand)",
        ),
        (
            "TPS tanpa jaga (uncovered)",
            f"{len(plan.uncovered):,}",
            "lihat plan.json 'uncovered' (see plan.json)" if plan.uncovered else "",
        ),
        (
            "Titik siaga cadangan (reserve points)",
            f"{len(plan.reserve.staging):,}",
            f"respons terlama {kpis.worst_reserve_response_s / 60:.1f} menit "
            f"(worst response, minutes)",
        ),
    ]


def patrol_rows(patrols: schema.Patrols | None) -> list[Row]:
    """Summary rows of the patrols: routes, and visits made per shift."""
    if patrols is None:
        return []
    rows = [("Rute patroli (patrol routes)", f"{len(patrols.routes):,}", "")]
    for shift, own in patrols.kpis.shifts.items():
        rows.append(
            (
                f"Kunjungan patroli {SHIFT_LABEL[shift]} ({shift}-shift patrol visits)",
                f"{own.performed_visits:,}",
                f"dari {own.required_visits:,}; "
                f"{own.required_visits - own.performed_visits:,} terlewat "
                "(of required; dropped)",
            )
        )
    return rows


def logistics_rows(logistics: schema.Logistics | None) -> list[Row]:
    """Summary rows of the logistics: escort routes and the trucks needed."""
    if logistics is None:
        return []
    figures = logistics.kpis
    return [
        (
            "Rute kawal logistik (escort routes)",
            f"{figures.routes:,}",
            f"{figures.escort_hours:,.0f} jam-personel; {figures.delivered:,} dari "
            f"{figures.consignments:,} muatan; {figures.shortfall_days:,} hari-pos "
            "kurang personel (officer-hours; loads; post-days short)",
        ),
        ("Armada logistik (trucks)", f"{figures.trucks:,}", fleet_note(logistics.fleet)),
    ]


def fleet_note(fleet: Sequence[schema.FleetArea]) -> str:
    """Trucks needed at once per escort area, and whether the solver sized them."""
    parts = []
    for area in fleet:
        how = "otomatis" if area.trucks_limit is None else f"batas {area.trucks_limit}"
        parts.append(f"{area.area} {area.trucks} ({how})")
    return "; ".join(parts) + " (per area at once; auto-sized or limit)"
