"""Re-check a plan's named pairs against the roster: no CP-SAT, no code shared with pairing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import pandas as pd

from planner.inputs.roster import normalise_rank
from planner.inputs.rules import Rules


def check_named_pairs(plan: Mapping[str, Any], roster: pd.DataFrame, rules: Rules) -> list[str]:
    """Re-check a plan's named pairs against the roster; one line per violation.

    Each NRP is on the roster (with the same unit) and named at most once; each
    pair has 1 to 3 officers and a senior rank; per group and unit, named plus
    unfilled officers equal ``officers_from``, and all add up to ``officers``.
    A plan without ``officer_pairs`` (planned by counts) passes.
    """
    if "officer_pairs" not in plan:
        return []
    out: list[str] = []

    def add(code: str, subject: str, text_id: str, text_en: str) -> None:
        out.append(f"[{code}] {subject}: {text_id} ({text_en})")

    known = {
        str(n): (str(r).upper(), str(u))
        for n, r, u in zip(roster["nrp"], roster["rank"], roster["unit"], strict=True)
    }
    senior = {normalise_rank(r) or str(r).upper() for r in rules.assignment.senior_ranks}
    groups = {str(g["group_id"]): g for g in plan.get("groups", [])}
    named: dict[str, Counter[str]] = defaultdict(Counter)
    seen: dict[str, str] = {}
    numbers: set[tuple[str, int]] = set()
    for pair in plan["officer_pairs"]:
        gid, number = str(pair.get("group_id")), pair.get("pair_no")
        subject = f"{gid} pasangan {number}"
        if gid not in groups:
            add("unknown_group", subject, "kelompok tidak ada di rencana", "no such group")
        if (gid, number) in numbers:
            add("pair_duplicate", subject, "nomor pasangan ganda", "pair number repeated")
        numbers.add((gid, number))
        members = pair.get("officers") or []
        if not 1 <= len(members) <= 3:
            add(
                "pair_size",
                subject,
                f"{len(members)} personel; harus 1 sampai 3",
                f"{len(members)} officers; expected 1 to 3",
            )
        ranks = []
        for officer in members:
            nrp = str(officer.get("nrp"))
            if nrp in seen:
                add(
                    "nrp_reused",
                    subject,
                    f"NRP {nrp} sudah dipakai di {seen[nrp]}",
                    f"NRP {nrp} already named in {seen[nrp]}",
                )
            seen.setdefault(nrp, subject)
            if nrp not in known:
                add(
                    "unknown_nrp",
                    subject,
                    f"NRP {nrp} tidak ada di daftar personel",
                    f"NRP {nrp} is not on the roster",
                )
                continue
            rank, unit = known[nrp]
            ranks.append(rank)
            named[gid][unit] += 1
            if str(officer.get("unit")) != unit:
                add(
                    "unit_mismatch",
                    subject,
                    f"NRP {nrp} tercatat di satuan {unit}, bukan {officer.get('unit')}",
                    f"NRP {nrp} belongs to unit {unit}, not {officer.get('unit')}",
                )
        if senior and ranks and not senior & set(ranks):
            add(
                "pair_without_senior",
                subject,
                f"tidak ada personel senior; pangkat: {', '.join(ranks)}",
                f"no senior officer; ranks: {', '.join(ranks)}",
            )
    unnamed: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in plan.get("roster_unfilled", []):
        unnamed[str(entry.get("group_id"))][str(entry.get("unit", ""))] += int(
            entry.get("officers", 0)
        )
    for gid, group in groups.items():
        expected = {str(u): int(n) for u, n in group.get("officers_from", {}).items()}
        for unit in sorted(set(expected) | set(named[gid]) | set(unnamed[gid]) - {""}):
            got, gap = named[gid][unit], unnamed[gid][unit]
            if got + gap != expected.get(unit, 0):
                add(
                    "unit_count_mismatch",
                    gid,
                    f"satuan {unit}: {got} bernama + {gap} kosong, officers_from "
                    f"{expected.get(unit, 0)}",
                    f"unit {unit}: {got} named + {gap} unfilled, officers_from "
                    f"{expected.get(unit, 0)}",
                )
        total = sum(named[gid].values()) + sum(unnamed[gid].values())
        if total != int(group.get("officers", 0)):
            add(
                "officers_unnamed",
                gid,
                f"{total} personel bernama atau kosong, kelompok butuh {group.get('officers')}",
                f"{total} officers named or unfilled, the group needs {group.get('officers')}",
            )
    for gid in sorted(set(unnamed) - set(groups)):
        add(
            "unknown_group",
            gid,
            "slot kosong untuk kelompok yang tidak ada",
            "unfilled slots for no such group",
        )
    return out
