"""Re-check a plan's named pairs against the roster: no CP-SAT, no code shared with pairing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
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
    known = {
        str(n): (str(r).upper(), str(u))
        for n, r, u in zip(roster["nrp"], roster["rank"], roster["unit"], strict=True)
    }
    senior = {normalise_rank(r) or str(r).upper() for r in rules.assignment.senior_ranks}
    groups = {str(g["group_id"]): g for g in plan.get("groups", [])}
    out, named = _check_pairs(plan["officer_pairs"], groups, known, senior)
    return out + _check_counts(groups, named, _unfilled_counts(plan))


def _line(code: str, subject: str, text_id: str, text_en: str) -> str:
    """One violation: its code, its subject, the Indonesian text and the English in brackets."""
    return f"[{code}] {subject}: {text_id} ({text_en})"


def _check_pairs(
    pairs: Sequence[Mapping[str, Any]],
    groups: Mapping[str, Mapping[str, Any]],
    known: Mapping[str, tuple[str, str]],
    senior: set[str],
) -> tuple[list[str], defaultdict[str, Counter[str]]]:
    """Each pair's group, number, size, officers and senior; and the officers named per
    group and unit (those on the roster, by their roster unit)."""
    out: list[str] = []
    named: defaultdict[str, Counter[str]] = defaultdict(Counter)
    seen: dict[str, str] = {}
    numbers: set[tuple[str, int]] = set()
    for pair in pairs:
        gid, number = str(pair.get("group_id")), pair.get("pair_no")
        subject = f"{gid} pasangan {number}"
        if gid not in groups:
            out.append(
                _line("unknown_group", subject, "kelompok tidak ada di rencana", "no such group")
            )
        if (gid, number) in numbers:
            out.append(
                _line("pair_duplicate", subject, "nomor pasangan ganda", "pair number repeated")
            )
        numbers.add((gid, number))
        members = pair.get("officers") or []
        if not 1 <= len(members) <= 3:
            out.append(
                _line(
                    "pair_size",
                    subject,
                    f"{len(members)} personel; harus 1 sampai 3",
                    f"{len(members)} officers; expected 1 to 3",
                )
            )
        lines, found = _check_officers(members, subject, known, seen)
        out += lines
        ranks = [rank for rank, _ in found]
        named[gid].update(unit for _, unit in found)
        if senior and ranks and not senior & set(ranks):
            out.append(
                _line(
                    "pair_without_senior",
                    subject,
                    f"tidak ada personel senior; pangkat: {', '.join(ranks)}",
                    f"no senior officer; ranks: {', '.join(ranks)}",
                )
            )
    return out, named


def _check_officers(
    members: Sequence[Mapping[str, Any]],
    subject: str,
    known: Mapping[str, tuple[str, str]],
    seen: dict[str, str],
) -> tuple[list[str], list[tuple[str, str]]]:
    """A pair's officers: each NRP named once, on the roster, of the unit given.

    Returns the violations and the roster's (rank, unit) of each officer on it;
    ``seen`` keeps the subject that first named each NRP.
    """
    out: list[str] = []
    found: list[tuple[str, str]] = []
    for officer in members:
        nrp = str(officer.get("nrp"))
        if nrp in seen:
            out.append(
                _line(
                    "nrp_reused",
                    subject,
                    f"NRP {nrp} sudah dipakai di {seen[nrp]}",
                    f"NRP {nrp} already named in {seen[nrp]}",
                )
            )
        seen.setdefault(nrp, subject)
        if nrp not in known:
            out.append(
                _line(
                    "unknown_nrp",
                    subject,
                    f"NRP {nrp} tidak ada di daftar personel",
                    f"NRP {nrp} is not on the roster",
                )
            )
            continue
        rank, unit = known[nrp]
        found.append((rank, unit))
        if str(officer.get("unit")) != unit:
            out.append(
                _line(
                    "unit_mismatch",
                    subject,
                    f"NRP {nrp} tercatat di satuan {unit}, bukan {officer.get('unit')}",
                    f"NRP {nrp} belongs to unit {unit}, not {officer.get('unit')}",
                )
            )
    return out, found


def _unfilled_counts(plan: Mapping[str, Any]) -> defaultdict[str, Counter[str]]:
    """The plan's unfilled officers per group and unit (``roster_unfilled``)."""
    unnamed: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for entry in plan.get("roster_unfilled", []):
        unnamed[str(entry.get("group_id"))][str(entry.get("unit", ""))] += int(
            entry.get("officers", 0)
        )
    return unnamed


def _check_counts(
    groups: Mapping[str, Mapping[str, Any]],
    named: defaultdict[str, Counter[str]],
    unnamed: defaultdict[str, Counter[str]],
) -> list[str]:
    """Per group and unit, named plus unfilled officers against ``officers_from``; per
    group, all of them against ``officers``; no unfilled slots for unknown groups."""
    out: list[str] = []
    for gid, group in groups.items():
        expected = {str(u): int(n) for u, n in group.get("officers_from", {}).items()}
        for unit in sorted(set(expected) | set(named[gid]) | set(unnamed[gid]) - {""}):
            got, gap = named[gid][unit], unnamed[gid][unit]
            if got + gap != expected.get(unit, 0):
                out.append(
                    _line(
                        "unit_count_mismatch",
                        gid,
                        f"satuan {unit}: {got} bernama + {gap} kosong, officers_from "
                        f"{expected.get(unit, 0)}",
                        f"unit {unit}: {got} named + {gap} unfilled, officers_from "
                        f"{expected.get(unit, 0)}",
                    )
                )
        total = sum(named[gid].values()) + sum(unnamed[gid].values())
        if total != int(group.get("officers", 0)):
            out.append(
                _line(
                    "officers_unnamed",
                    gid,
                    f"{total} personel bernama atau kosong, kelompok butuh {group.get('officers')}",
                    f"{total} officers named or unfilled, the group needs {group.get('officers')}",
                )
            )
    for gid in sorted(set(unnamed) - set(groups)):
        out.append(
            _line(
                "unknown_group",
                gid,
                "slot kosong untuk kelompok yang tidak ada",
                "unfilled slots for no such group",
            )
        )
    return out
