"""Named officers: load a roster, pair them into guard groups (CP-SAT) and re-check the pairs.

:func:`load_roster` returns an :class:`InputTable` whose ``frame`` (no geometry)
has these columns:

- ``nrp`` (str): the 8-digit police NRP as text, leading zeros kept;
- ``name`` (str): spaces collapsed;
- ``rank`` (str): the Polri rank code in upper case (``Brigadir Polisi`` -> ``BRIGPOL``);
- ``unit`` (str): the officer's post id (matched to the posts' ids or names when given);
- ``phone`` (str): ``08…`` digits, ``""`` when absent or not a phone number;
- ``senior`` (bool): whether the rank is in ``rules.assignment.senior_ranks``;
- ``source_row`` (int): the row (CSV/XLSX) or feature number that problems name.

:func:`pair_officers` names the officers of every guard group: each group gets
``officers_from[post]`` officers of that post's unit, in pairs (a trio when the
group's count is odd), each pair led by a senior rank. An empty
``senior_ranks`` list turns the senior rule off. Slots that cannot be named
are listed in :attr:`RosterResult.unfilled` with the reason.

The plan sections (:func:`roster_sections`) hold names, NRP and phone numbers:
they belong in the internal ``plan.json`` only; :func:`redact_roster` gives a
copy of a plan fit for a public edition.
"""

from __future__ import annotations

import copy
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from planner import _cpsat
from planner._tables import (
    CellError,
    Checker,
    Column,
    InputTable,
    normalise_name,
    read_table,
    show,
)
from planner.rules import Rules, load_rules

if TYPE_CHECKING:  # the assignment imports the scenario, which loads rosters
    from planner.assignment import GuardGroup

__all__ = [
    "RANKS",
    "NamedPair",
    "Officer",
    "RosterResult",
    "RosterStats",
    "Unfilled",
    "check_named_pairs",
    "load_roster",
    "normalise_rank",
    "pair_officers",
    "redact_roster",
    "roster_document",
    "roster_sections",
    "synthetic_roster",
    "unfilled_document",
]

NRP = Column("nrp", ("nrp", "nomor_nrp", "no_nrp"))
NAME = Column("name", ("name", "nama", "nama_lengkap"))
RANK = Column("rank", ("rank", "pangkat"))
UNIT = Column("unit", ("unit", "satuan", "kesatuan", "post_id"))
PHONE = Column("phone", ("phone", "telepon", "hp", "no_hp", "no_telp", "telp", "nomor_hp"))

RANKS: tuple[str, ...] = (
    "BHARADA",
    "BHARATU",
    "BHARAKA",
    "BRIPDA",
    "BRIPTU",
    "BRIGPOL",
    "BRIPKA",
    "AIPDA",
    "AIPTU",
    "IPDA",
    "IPTU",
    "AKP",
    "KOMPOL",
    "AKBP",
    "KOMBES",
)
"""Polri ranks from Bhayangkara Dua to Komisaris Besar, junior first."""

_RANK_NAMES: dict[str, str] = {
    "BHAYANGKARADUA": "BHARADA",
    "BHAYANGKARASATU": "BHARATU",
    "BHAYANGKARAKEPALA": "BHARAKA",
    "BRIGADIRPOLISIDUA": "BRIPDA",
    "BRIGADIRDUA": "BRIPDA",
    "BRIGADIRPOLISISATU": "BRIPTU",
    "BRIGADIRSATU": "BRIPTU",
    "BRIGADIR": "BRIGPOL",
    "BRIGADIRPOLISI": "BRIGPOL",
    "BRIG": "BRIGPOL",
    "BRIGADIRPOLISIKEPALA": "BRIPKA",
    "BRIGADIRKEPALA": "BRIPKA",
    "AJUNINSPEKTURPOLISIDUA": "AIPDA",
    "AJUNINSPEKTURDUA": "AIPDA",
    "AJUNINSPEKTURPOLISISATU": "AIPTU",
    "AJUNINSPEKTURSATU": "AIPTU",
    "INSPEKTURPOLISIDUA": "IPDA",
    "INSPEKTURDUA": "IPDA",
    "INSPEKTURPOLISISATU": "IPTU",
    "INSPEKTURSATU": "IPTU",
    "AJUNKOMISARISPOLISI": "AKP",
    "AJUNKOMISARIS": "AKP",
    "KOMISARISPOLISI": "KOMPOL",
    "KOMISARIS": "KOMPOL",
    "AJUNKOMISARISBESARPOLISI": "AKBP",
    "AJUNKOMISARISBESAR": "AKBP",
    "KOMISARISBESARPOLISI": "KOMBES",
    "KOMISARISBESAR": "KOMBES",
    "KOMBESPOL": "KOMBES",
} | {rank: rank for rank in RANKS}
_RANK_ORDER = {rank: position for position, rank in enumerate(RANKS)}
_ACCEPTED_RANKS = ", ".join("BRIGPOL (BRIGADIR)" if r == "BRIGPOL" else r for r in RANKS)


# --- loading ----------------------------------------------------------------------------


def normalise_rank(text: str) -> str | None:
    """The Polri rank code of a rank as written (``"Bripka."`` -> ``BRIPKA``), else ``None``."""
    key = normalise_name(text).replace("_", "").upper()
    return _RANK_NAMES.get(key)


def parse_rank(text: str) -> str:
    """A Polri rank in any case, with dots or spaces, or spelled out; else :class:`CellError`."""
    rank = normalise_rank(text)
    if rank is None:
        raise CellError(
            "unknown_rank",
            f"pangkat Polri: {_ACCEPTED_RANKS}",
            f"a Polri rank: {_ACCEPTED_RANKS}",
        )
    return rank


_NRP_LABEL = re.compile(r"^nrp\W*", re.IGNORECASE)


def parse_nrp(text: str) -> str:
    """An 8-digit NRP kept as text: ``"NRP. 0012 3456"`` -> ``"00123456"``."""
    digits = re.sub(r"\s+", "", _NRP_LABEL.sub("", text))
    digits = digits.removesuffix(".0")
    if re.fullmatch(r"\d{8}", digits):
        return digits
    if re.fullmatch(r"\d{1,7}", digits):
        raise CellError(
            "nrp_digits",
            "NRP 8 angka; angka nol di depan hilang? format kolom NRP sebagai Teks",
            "an 8-digit NRP; leading zeros lost? format the NRP column as Text",
        )
    raise CellError("not_an_nrp", "NRP 8 angka, mis. 85061234", "an 8-digit NRP like 85061234")


def parse_phone(text: str) -> str:
    """An Indonesian phone number as ``08…`` digits: ``"+62 812-3456-789"`` -> ``"08123456789"``."""
    digits = re.sub(r"[\s().\-/]", "", text)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62") and len(digits) >= 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{8,13}", digits):
        raise CellError(
            "not_a_phone",
            "nomor telepon seperti 0812-3456-7890",
            "a phone number like 0812-3456-7890",
        )
    return digits


def _unit_parser(post_ids: Iterable[str] | Mapping[str, str] | None) -> Callable[[str], str]:
    """A parser of unit cells: any text, or one of the post ids (or names) when given."""
    if post_ids is None:
        return lambda text: " ".join(text.split())
    names = dict(post_ids) if isinstance(post_ids, Mapping) else {p: p for p in post_ids}
    lookup = {normalise_name(str(name)): str(post) for post, name in names.items()}
    lookup |= {normalise_name(str(post)): str(post) for post in names}
    listed = ", ".join(str(p) for p in names)

    def parse(text: str) -> str:
        try:
            return lookup[normalise_name(text)]
        except KeyError:
            raise CellError(
                "unknown_unit",
                f"kode pos dari berkas pos: {listed}",
                f"a post id from the posts file: {listed}",
            ) from None

    return parse


def senior_codes(rules: Rules) -> frozenset[str]:
    """The configured senior ranks as rank codes (unrecognised ones kept in upper case)."""
    return frozenset(normalise_rank(r) or r.upper() for r in rules.assignment.senior_ranks)


def load_roster(
    path: str | Path,
    rules: Rules | None = None,
    post_ids: Iterable[str] | Mapping[str, str] | None = None,
) -> InputTable:
    """Read and check a roster of named officers; raise :class:`InputError` listing every error.

    ``post_ids`` (ids, or a mapping id -> post name) restricts the unit column to
    the scenario's posts; a unit may then be written as the id or the post name.
    A phone number that does not read as one is a warning and left blank.
    """
    rules = load_rules() if rules is None else rules
    check = Checker(read_table(path))
    nrps = check.values(NRP, parse_nrp)
    check.unique(nrps, NRP)
    names = check.values(NAME, lambda text: " ".join(text.split()))
    ranks = check.values(RANK, parse_rank)
    units = check.values(UNIT, _unit_parser(post_ids))
    phones = _phones(check)
    seniors = senior_codes(rules)
    check.log.problems.sort(key=lambda p: p.row or 0)
    check.log.raise_if_errors()
    frame = pd.DataFrame(
        {
            "nrp": nrps,
            "name": names,
            "rank": ranks,
            "unit": units,
            "phone": phones,
            "senior": [r in seniors for r in ranks],
            "source_row": check.rows,
        }
    )
    table = gpd.GeoDataFrame(frame)
    table.attrs["row_label"] = check.raw.row_label
    return InputTable(table, check.raw.source, tuple(check.log.warnings))


def _phones(check: Checker) -> list[str]:
    """Phone numbers; a bad one is a warning and blank (the column is optional)."""
    header = check.find(PHONE)
    if header is None:
        return [""] * len(check.rows)
    phones = []
    for row, text in zip(check.rows, check.raw.cells[header], strict=True):
        try:
            phones.append(parse_phone(text) if text else "")
        except CellError as exc:
            check.log.add(
                f"{show(text)} bukan nomor telepon ({exc.expected_id}); dikosongkan",
                f"{show(text)} is not a phone number ({exc.expected_en}); left blank",
                row=row,
                column=check.raw.headers[header],
                severity="warning",
                code=exc.code,
            )
            phones.append("")
    return phones


# --- pairing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    """One named officer."""

    nrp: str
    name: str
    rank: str
    unit: str
    phone: str = ""


@dataclass(frozen=True)
class NamedPair:
    """The named officers of one pair (or trio) of a guard group; ``pair_no`` counts from 1."""

    group_id: str
    pair_no: int
    officers: tuple[Officer, ...]


@dataclass(frozen=True)
class Unfilled:
    """Officer slots of a group's unit left unnamed, and why (Indonesian and English).

    ``code`` is ``short_officers`` (the unit has too few officers on the roster),
    ``no_senior`` (no senior left to lead the pair) or ``no_unit`` (the count
    plan names no unit for these officers).
    """

    group_id: str
    kecamatan: str
    unit: str
    officers: int
    code: str
    reason_id: str
    reason_en: str


@dataclass(frozen=True)
class RosterStats:
    """How the pairing went: solver status, wall time and officer counts."""

    status: str
    wall_s: float
    officers_needed: int
    officers_named: int
    seniors_named: int


@dataclass(frozen=True)
class RosterResult:
    """Named pairs, unfilled slots, roster NRPs left unassigned, and statistics."""

    pairs: tuple[NamedPair, ...]
    unfilled: tuple[Unfilled, ...]
    spare: tuple[str, ...]
    stats: RosterStats

    @property
    def complete(self) -> bool:
        """Whether every officer of every group is named."""
        return not self.unfilled

    def summary(self) -> list[str]:
        """One line per kecamatan and reason, e.g. Polsek Klojen's pairs without a senior."""
        officers: Counter[tuple[str, str, str]] = Counter()
        no_senior: dict[str, Counter[str]] = defaultdict(Counter)
        for u in self.unfilled:
            officers[u.kecamatan, u.code, u.unit] += u.officers
            if u.code == "no_senior":
                no_senior[u.kecamatan][u.group_id] += u.officers
        lines = []
        for kecamatan, per_group in sorted(no_senior.items()):
            pairs = sum(max(1, n // 2) for n in per_group.values())
            total = sum(per_group.values())
            lines.append(
                f"Polsek {kecamatan}: {pairs} pasangan tanpa personel senior, {total} personel "
                f"belum bernama / {pairs} pairs lack a senior, {total} officers unnamed"
            )
        for (kecamatan, code, unit), count in sorted(officers.items()):
            if code == "short_officers":
                lines.append(
                    f"Polsek {kecamatan}: {count} personel dari {unit} tidak ada di daftar / "
                    f"{count} officers from {unit} missing from the roster"
                )
            elif code == "no_unit":
                lines.append(
                    f"Polsek {kecamatan}: {count} personel tanpa satuan asal / "
                    f"{count} officers have no source unit"
                )
        return lines


def _team_sizes(officers: int) -> list[int]:
    """Pairs; a trio first when the count is odd; a lone officer when it is 1."""
    if officers <= 1:
        return [officers] if officers else []
    if officers % 2:
        return [3] + [2] * (officers // 2 - 1)
    return [2] * (officers // 2)


def _frame_officers(roster: pd.DataFrame) -> list[Officer]:
    phones = roster["phone"] if "phone" in roster else [""] * len(roster)
    return [
        Officer(str(n), str(m), str(r), str(u), "" if pd.isna(p) else str(p))
        for n, m, r, u, p in zip(
            roster["nrp"], roster["name"], roster["rank"], roster["unit"], phones, strict=True
        )
    ]


def pair_officers(
    groups: Sequence[GuardGroup], roster: pd.DataFrame, rules: Rules, seed: int = 0
) -> RosterResult:
    """Name the officers of every guard group in pairs, each led by a senior rank.

    A CP-SAT model on counts (seniors and others per group and unit) maximises,
    in order: groups with at least one named officer, named officers, and
    fewest seniors used (so seniors spread and pairs of two seniors are rare).
    Officers are then dealt out deterministically: the lowest senior ranks
    first (keeping commissioned officers free), the most experienced others first.
    """
    start = time.perf_counter()
    seniors = senior_codes(rules)
    required = bool(seniors)
    people = _frame_officers(roster)
    pools: dict[tuple[str, bool], list[Officer]] = defaultdict(list)
    for officer in people:
        pools[officer.unit, officer.rank in seniors].append(officer)
    for (_, senior), pool in pools.items():
        sign = 1 if senior else -1
        pool.sort(key=lambda o: (sign * _RANK_ORDER.get(o.rank, -1), o.nrp))
    have = {u: len(pools[u, True]) + len(pools[u, False]) for u, _ in list(pools)}

    model = cp_model.CpModel()
    need = [{u: int(n) for u, n in g.officers_from.items() if int(n) > 0} for g in groups]
    s: dict[tuple[int, str], Any] = {}
    j: dict[tuple[int, str], Any] = {}
    for k, counts in enumerate(need):
        for u, n in counts.items():
            s[k, u] = model.new_int_var(0, min(n, len(pools[u, True])), f"s{k}_{u}")
            j[k, u] = model.new_int_var(0, min(n, len(pools[u, False])), f"j{k}_{u}")
            model.add(s[k, u] + j[k, u] <= n)
    for u in sorted({u for counts in need for u in counts}):
        keys = [(k, u) for k, counts in enumerate(need) if u in counts]
        model.add(sum(s[key] for key in keys) <= len(pools[u, True]))
        model.add(sum(j[key] for key in keys) <= len(pools[u, False]))
    filled, senior_used, covered = [], [], []
    for k, (group, counts) in enumerate(zip(groups, need, strict=True)):
        f = sum(s[k, u] + j[k, u] for u in counts)
        sigma = sum(s[k, u] for u in counts)
        model.add(f <= group.officers)
        if required and group.officers == 1:
            model.add(f <= sigma)
        elif required and group.officers % 2:
            trio = model.new_bool_var(f"t{k}")
            model.add(trio <= sigma)
            model.add(f <= 2 * sigma + trio)
        elif required:
            model.add(f <= 2 * sigma)
        c = model.new_bool_var(f"c{k}")
        model.add(c <= (sigma if required else f))
        filled.append(f)
        senior_used.append(sigma)
        covered.append(c)
    slots = sum(sum(counts.values()) for counts in need)
    weight_filled = sum(len(pool) for (_, senior), pool in pools.items() if senior) + 1
    weight_covered = weight_filled * (slots + 1)
    model.maximize(weight_covered * sum(covered) + weight_filled * sum(filled) - sum(senior_used))
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.linearization_level = 2  # the full LP proves optimality at once
    params.random_seed = seed
    if rules.assignment.deterministic:
        params.max_deterministic_time = rules.assignment.time_limit_s
    else:
        params.max_time_in_seconds = rules.assignment.time_limit_s
    status = _cpsat.solve(solver, model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def value(var: Any) -> int:
        return int(solver.value(var)) if solved else 0

    seniors_taken = {key: value(var) for key, var in s.items()}
    others_taken = {key: value(var) for key, var in j.items()}
    pairs: list[NamedPair] = []
    used: set[str] = set()
    left = {key: list(pool) for key, pool in pools.items()}
    empty: list[tuple[int, str, int]] = []
    for k, (group, counts) in enumerate(zip(groups, need, strict=True)):
        top: list[Officer] = []
        rest: list[Officer] = []
        for u, n in counts.items():
            ns, nj = seniors_taken[k, u], others_taken[k, u]
            top += left[u, True][:ns]
            rest += left[u, False][:nj]
            del left[u, True][:ns], left[u, False][:nj]
            if n - ns - nj:
                empty.append((k, u, n - ns - nj))
        top.sort(key=lambda o: (-_RANK_ORDER.get(o.rank, -1), o.nrp))
        rest.sort(key=lambda o: (-_RANK_ORDER.get(o.rank, -1), o.nrp))
        teams = _deal(top if required else [], rest if required else top + rest, group.officers)
        for number, team in enumerate(teams, start=1):
            pairs.append(NamedPair(group.group_id, number, tuple(team)))
            used.update(o.nrp for o in team)
    unfilled = _unfilled(groups, need, empty, left, have, rules)
    named = sum(len(p.officers) for p in pairs)
    stats = RosterStats(
        status=solver.status_name(status).lower(),
        wall_s=time.perf_counter() - start,
        officers_needed=sum(g.officers for g in groups),
        officers_named=named,
        seniors_named=sum(o.rank in seniors for p in pairs for o in p.officers),
    )
    spare = tuple(sorted(o.nrp for o in people if o.nrp not in used))
    return RosterResult(tuple(pairs), tuple(unfilled), spare, stats)


def _deal(leaders: list[Officer], others: list[Officer], officers: int) -> list[list[Officer]]:
    """Split a group's named officers into teams: one leader each, then the others in turn.

    Without leaders (senior rule off) the officers simply fill pairs in order.
    """
    sizes = _team_sizes(officers)
    total = len(leaders) + len(others)
    count = 0
    while count < len(sizes) and sum(sizes[:count]) < total:
        count += 1
    queue = leaders[:count] + others + leaders[count:]
    teams: list[list[Officer]] = [[officer] for officer in queue[:count]]
    index = 0
    for officer in queue[count:]:
        while len(teams[index % count]) >= sizes[index % count]:
            index += 1
        teams[index % count].append(officer)
        index += 1
    return [t for t in teams if t]


def _unfilled(
    groups: Sequence[GuardGroup],
    need: Sequence[Mapping[str, int]],
    empty: Sequence[tuple[int, str, int]],
    left: Mapping[tuple[str, bool], list[Officer]],
    have: Mapping[str, int],
    rules: Rules,
) -> list[Unfilled]:
    """Why each unnamed slot stayed empty: the unit ran out, or no senior was left."""
    total_need: Counter[str] = Counter()
    for counts in need:
        total_need.update(counts)
    ranks = ", ".join(rules.assignment.senior_ranks)
    entries = []
    for k, unit, count in empty:
        group = groups[k]
        remaining = len(left.get((unit, True), [])) + len(left.get((unit, False), []))
        if remaining == 0:
            on_roster = have.get(unit, 0)
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    unit,
                    count,
                    "short_officers",
                    f"satuan {unit} kurang personel: {on_roster} di daftar, "
                    f"{total_need[unit]} dibutuhkan",
                    f"unit {unit} is short of officers: {on_roster} on the roster, "
                    f"{total_need[unit]} needed",
                )
            )
        else:
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    unit,
                    count,
                    "no_senior",
                    f"tidak ada personel senior ({ranks}) tersisa untuk memimpin pasangan",
                    f"no senior officer ({ranks}) left to lead the pair",
                )
            )
    for group, counts in zip(groups, need, strict=True):
        missing = group.officers - sum(counts.values())
        if missing > 0:
            entries.append(
                Unfilled(
                    group.group_id,
                    group.kecamatan,
                    "",
                    missing,
                    "no_unit",
                    "rencana jumlah personel tidak menyebut satuan asal",
                    "the count plan names no source unit",
                )
            )
    return sorted(entries, key=lambda u: (u.group_id, u.unit))


# --- plan document ----------------------------------------------------------------------


def roster_document(result: RosterResult) -> list[dict[str, Any]]:
    """``officer_pairs`` of plan.json: group_id, pair_no, officers (nrp, name, rank, unit, phone).

    Personal data: for the internal plan only (see :func:`redact_roster`).
    """
    return [
        {
            "group_id": p.group_id,
            "pair_no": p.pair_no,
            "officers": [asdict(o) for o in p.officers],
        }
        for p in result.pairs
    ]


def unfilled_document(result: RosterResult) -> list[dict[str, Any]]:
    """``roster_unfilled`` of plan.json: group_id, kecamatan, unit, officers, code, reasons."""
    return [asdict(u) for u in result.unfilled]


def roster_sections(result: RosterResult) -> dict[str, Any]:
    """Every roster key of plan.json; nothing in them depends on the clock."""
    return {
        "officer_pairs": roster_document(result),
        "roster_unfilled": unfilled_document(result),
        "roster_solver": {
            "status": result.stats.status,
            "officers_needed": result.stats.officers_needed,
            "officers_named": result.stats.officers_named,
            "seniors_named": result.stats.seniors_named,
            "spare_officers": len(result.spare),
        },
    }


def redact_roster(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a plan without names, NRP or phone numbers (rank and unit stay)."""
    public = copy.deepcopy(dict(plan))
    if "officer_pairs" in public:
        public["officer_pairs"] = [
            {
                "group_id": p["group_id"],
                "pair_no": p["pair_no"],
                "officers": [{"rank": o["rank"], "unit": o["unit"]} for o in p["officers"]],
            }
            for p in public["officer_pairs"]
        ]
    return public


# --- independent re-check (no CP-SAT, no code shared with the pairing) ------------------


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


# --- demo roster ------------------------------------------------------------------------

_MALE = [
    "Agus",
    "Budi",
    "Dwi",
    "Eko",
    "Fajar",
    "Gilang",
    "Hadi",
    "Imam",
    "Joko",
    "Rizky",
    "Andi",
    "Bambang",
    "Cahyo",
    "Dedi",
    "Dimas",
    "Hendra",
    "Irfan",
    "Yusuf",
    "Rudi",
    "Slamet",
    "Teguh",
    "Wahyu",
    "Yoga",
    "Arif",
    "Bayu",
    "Danang",
    "Heru",
    "Nur",
    "Ahmad",
    "Aditya",
]
_FEMALE = [
    "Sri",
    "Dewi",
    "Siti",
    "Rina",
    "Ayu",
    "Putri",
    "Wulan",
    "Indah",
    "Nanik",
    "Retno",
    "Fitri",
    "Anisa",
]
_FAMILY_MALE = [
    "Setiawan",
    "Santoso",
    "Prasetyo",
    "Wibowo",
    "Saputra",
    "Hidayat",
    "Nugroho",
    "Wahyudi",
    "Susanto",
    "Purnomo",
    "Kurniawan",
    "Firmansyah",
    "Hermawan",
    "Gunawan",
    "Syahputra",
    "Rahman",
    "Hakim",
    "Suryadi",
    "Pratama",
    "Utomo",
    "Sulistyo",
    "Hartono",
    "Wijaya",
    "Ramadhan",
    "Maulana",
    "Kusuma",
    "Harianto",
    "Subagyo",
    "Cahyono",
    "Effendi",
]
_FAMILY_FEMALE = [
    "Lestari",
    "Wulandari",
    "Rahmawati",
    "Handayani",
    "Sari",
    "Puspitasari",
    "Anggraini",
    "Kusumawati",
    "Susanti",
    "Yuliana",
]
_JUNIOR_MIX = {"BRIPDA": 0.35, "BRIPTU": 0.3, "BRIGPOL": 0.35}
_SENIOR_MIX = {"BRIPKA": 0.5, "AIPDA": 0.22, "AIPTU": 0.18, "IPDA": 0.05, "IPTU": 0.03, "AKP": 0.02}
_OPERATORS = ("0811", "0812", "0813", "0815", "0817", "0819", "0821", "0822", "0856", "0857")


def synthetic_roster(posts: pd.DataFrame, seed: int, senior_share: float = 0.35) -> pd.DataFrame:
    """A made-up roster, one officer per ``polri`` count of each post, as police write it.

    Columns ``nrp, nama, pangkat, satuan, no_hp``; ``round(senior_share * polri)``
    officers of each post hold BRIPKA or above, the others mostly BRIPDA, BRIPTU
    and BRIGPOL. NRP are 8 unique digits (birth year and month first, so some
    start with 0); names and phone numbers are invented from small lists.
    """
    rng = np.random.default_rng(seed)
    nrps: set[str] = set()
    names: set[str] = set()
    rows = []
    for post, count in zip(posts["post_id"], posts["polri"], strict=True):
        count = int(count)
        senior = round(senior_share * count)
        for index in range(count):
            is_senior = index < senior
            mix = _SENIOR_MIX if is_senior else _JUNIOR_MIX
            rank = str(rng.choice(list(mix), p=np.array(list(mix.values())) / sum(mix.values())))
            female = rng.random() < 0.12
            rows.append(
                {
                    "nrp": _draw_nrp(rng, nrps, is_senior),
                    "nama": _draw_name(rng, names, female),
                    "pangkat": rank,
                    "satuan": str(post),
                    "no_hp": str(rng.choice(_OPERATORS))
                    + "".join(map(str, rng.integers(0, 10, 8))),
                }
            )
    frame = pd.DataFrame(rows, columns=["nrp", "nama", "pangkat", "satuan", "no_hp"])
    order = frame["pangkat"].map(_RANK_ORDER)
    frame = frame.assign(_order=-order).sort_values(["satuan", "_order", "nrp"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def _draw_nrp(rng: np.random.Generator, taken: set[str], senior: bool) -> str:
    low, high = (1968, 1991) if senior else (1992, 2004)
    while True:
        year = int(rng.integers(low, high))
        nrp = f"{year % 100:02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(0, 10000)):04d}"
        if nrp not in taken:
            taken.add(nrp)
            return nrp


def _draw_name(rng: np.random.Generator, taken: set[str], female: bool) -> str:
    given, family = (_FEMALE, _FAMILY_FEMALE) if female else (_MALE, _FAMILY_MALE)
    name = ""
    for _ in range(50):
        name = f"{rng.choice(given)} {rng.choice(family)}"
        if name not in taken:
            break
    else:
        name = f"{rng.choice(given)} {rng.choice(_MALE)} {rng.choice(family)}"
    taken.add(name)
    return name
