"""A made-up roster for the demo: NRP, names, ranks and phones as police write them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs.roster import RANK_ORDER

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
    order = frame["pangkat"].map(RANK_ORDER)
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
