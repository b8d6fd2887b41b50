"""Named officers: read and check a roster of NRP, names, ranks, units and phones.

:func:`load_roster` returns an :class:`InputTable` whose ``frame`` (no geometry)
has these columns:

- ``nrp`` (str): the 8-digit police NRP as text, leading zeros kept;
- ``name`` (str): spaces collapsed;
- ``rank`` (str): the Polri rank code in upper case (``Brigadir Polisi`` -> ``BRIGPOL``);
- ``unit`` (str): the officer's post id (matched to the posts' ids or names when given);
- ``phone`` (str): ``08…`` digits, ``""`` when absent or not a phone number;
- ``senior`` (bool): whether the rank is in ``rules.assignment.senior_ranks``;
- ``source_row`` (int): the row (CSV/XLSX) or feature number that problems name.

Names, NRP and phone numbers are personal data: they reach only the internal
outputs (:func:`planner.solve.pairing.pair_officers` names the pairs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from planner.inputs._reading import Column, normalise_name, read_table, show
from planner.inputs._tables import CellError, Checker, InputTable
from planner.inputs.rules import Rules, load_rules

NRP = Column("nrp", ("nrp", "nomor_nrp", "no_nrp"))
NAME = Column("name", ("name", "nama", "nama_lengkap"))
RANK = Column("rank", ("rank", "pangkat"))
UNIT = Column("unit", ("unit", "satuan", "kesatuan", "post_id"))
PHONE = Column("phone", ("phone", "telepon", "hp", "no_hp", "no_telp", "telp", "nomor_hp"))
COLUMNS = (NRP, NAME, RANK, UNIT, PHONE)
"""The columns a roster may have, which find its header row and sheet."""

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
RANK_ORDER = {rank: position for position, rank in enumerate(RANKS)}
_ACCEPTED_RANKS = ", ".join("BRIGPOL (BRIGADIR)" if r == "BRIGPOL" else r for r in RANKS)


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
    check = Checker(read_table(path, COLUMNS))
    nrps = check.values(NRP, parse_nrp)
    check.unique(nrps, NRP)
    names = check.values(NAME, lambda text: " ".join(text.split()))
    ranks = check.values(RANK, parse_rank)
    units = check.values(UNIT, _unit_parser(post_ids))
    phones = _phones(check)
    seniors = senior_codes(rules)
    return check.table(
        {
            "nrp": nrps,
            "name": names,
            "rank": ranks,
            "unit": units,
            "phone": phones,
            "senior": [r in seniors for r in ranks],
        },
        points=False,
    )


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
