"""The map's title panel: the scenario, the edition, key figures, tables and the Polsek filter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from planner import __version__
from planner.inputs.rules import LEGS, PublicEditionRules, RiskCategory
from planner.inputs.scenario import Scenario
from planner.outputs.logistics_layers import day_name, day_of, leg_label
from planner.outputs.map_text import number, risk_label, text
from planner.plan import schema


def title_panel(
    scenario: Scenario,
    plan: schema.Plan,
    figures: Mapping[str, Any],
    edition: str,
    shown: PublicEditionRules,
    lang: str,
    generated: datetime,
) -> dict[str, Any]:
    """The title panel: scenario, edition, key figures, tables and the Polsek filter."""
    t = text(lang)
    per_polsek = figures["per_polsek"].values()
    if shown.show_strengths:
        head = [t["polsek"], t["tps"], t["officers"], t["linmas"]]
        columns = ("tps", "officers", "linmas")
    else:
        head, columns = [t["polsek"], t["tps"]], ("tps",)
    table = [[f["polsek"], *(number(f[c], lang) for c in columns)] for f in per_polsek]
    counts = scenario.tps["risk"].value_counts()
    categories = [
        [risk_label(r.value, lang), number(int(counts.get(r.value, 0)), lang)] for r in RiskCategory
    ]
    sections = [
        {"title": t["key_figures"], "rows": key_figure_rows(figures, shown, lang)},
        {"title": t["per_polsek"], "head": head, "rows": table},
        {"title": t["categories"], "rows": categories},
    ]
    if plan.logistics is not None:
        schedule = logistics_schedule(plan.logistics, lang)
        sections.append({"title": t["schedule"], "rows": schedule})
    edition_text = t["edition_internal" if edition == "internal" else "edition_public"]
    return {
        "scenario": scenario.name,
        "edition": edition_text,
        "meta": f"{t['generated']} {generated:%Y-%m-%d %H:%M} WIB · tps-planner "
        f"{t['version']} {__version__}",
        "sections": sections,
        "filter": [[k, f["polsek"]] for k, f in figures["per_polsek"].items()],
    }


def key_figure_rows(
    figures: Mapping[str, Any], shown: PublicEditionRules, lang: str
) -> list[list[str]]:
    """The key figures as (label, value) rows: coverage, strengths, patrols, reserve, escorts."""
    t = text(lang)
    n = figures["tps"]
    rows: list[list[str]] = []
    if shown.show_guard_gaps:
        share = number(figures["tps_covered"] / n * 100 if n else 0.0, lang, 1)
        covered = f"{number(figures['tps_covered'], lang)} {t['of']} {number(n, lang)}"
        rows.append([t["tps_covered"], f"{covered} ({share}%)"])
    else:
        rows.append([t["tps"], number(n, lang)])
    if shown.show_strengths:
        rows += [
            [t["officers"], number(figures["officers"], lang)],
            [t["linmas"], number(figures["linmas"], lang)],
        ]
    patrols = figures["patrols"]
    if shown.show_guard_gaps and patrols is None:
        rows.append([t["patrol_coverage"], t["no_patrols"]])
    elif shown.show_guard_gaps:
        coverage = f"{number(patrols['tps_visited'], lang)} {t['of']} {number(n, lang)} {t['tps']}"
        if patrols["visit_coverage"] is not None:
            done = number(patrols["visit_coverage"] * 100, lang, 1)
            coverage += f"; {done}% {t['visits_done']}"
        missed = "; ".join(
            f"{t[f'shift_{shift}']} {number(count, lang)}"
            for shift, count in patrols["dropped_by_shift"].items()
        )
        rows += [
            [t["patrol_coverage"], coverage],
            [t["missed_visits"], missed or "0"],
            [t["unpatrolled"], number(patrols["tps_unpatrolled"], lang)],
        ]
    worst = number(figures["reserve"]["worst_response_min"], lang, 1)
    rows.append([t["worst_response"], f"{worst} {t['minutes']}"])
    logistics = figures.get("logistics")
    if logistics is not None and shown.show_strengths:
        rows.append(
            [
                t["logistics"],
                f"{number(logistics['routes'], lang)} {t['logistics_text']}, "
                f"{number(logistics['escort_hours'], lang)} {t['officer_hours']}; "
                f"{number(logistics['undelivered'], lang)} {t['undelivered']}",
            ]
        )
    return rows


def logistics_schedule(section: schema.Logistics, lang: str) -> list[list[str]]:
    """Which legs move goods on which day: ``H-1 (26 Nov)``, ``PPS → TPS``."""
    days: dict[int, set[str]] = defaultdict(set)
    for route in section.routes:
        days[day_of(route.start_s)].add(route.leg)
    return [
        [
            day_name(section.election_date, day, lang),
            ", ".join(leg_label(leg, lang) for leg in LEGS if leg in legs),
        ]
        for day, legs in sorted(days.items())
    ]
