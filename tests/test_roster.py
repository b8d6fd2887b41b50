"""Named rosters: loading, pairing officers into guard groups and re-checking the pairs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from planner._data import data_path
from planner.demo.roster import synthetic_roster
from planner.errors import InputError
from planner.inputs.posts import load_posts
from planner.inputs.roster import RANKS, load_roster, normalise_rank
from planner.inputs.rules import Rules, load_rules
from planner.plan.document import roster_sections
from planner.plan.shapes import to_json
from planner.solve.assignment import GuardGroup
from planner.solve.pairing import RosterResult, pair_officers
from planner.validate.pairs import check_named_pairs

ROSTER = Path(__file__).parent / "input_data" / "roster"
RULES = load_rules()
POSTS = load_posts(data_path("malang_posts.csv"), RULES).frame
POST_NAMES = dict(zip(POSTS["post_id"], POSTS["name"], strict=True))
SENIOR = "BRIPKA"
JUNIOR = "BRIPTU"
# Officers per unit the Kota Malang demo plan uses (159 guard groups of 2).
DEMO_COUNTS = {
    "polsek_blimbing": 68,
    "polsek_kedungkandang": 80,
    "polsek_klojen": 34,
    "polsek_lowokwaru": 68,
    "polsek_sukun": 68,
}


def codes(path: Path, post_ids: Any = POST_NAMES) -> list[tuple[int | None, str | None, str]]:
    """(row, column, code) of each problem that loading ``path`` as a roster raises."""
    with pytest.raises(InputError) as caught:
        load_roster(path, RULES, post_ids=post_ids)
    return [(p.row, p.column, p.code) for p in caught.value.problems]


def group(gid: str, officers_from: dict[str, int], kecamatan: str = "Klojen") -> GuardGroup:
    """A guard group needing ``officers_from`` officers."""
    officers = sum(officers_from.values())
    return GuardGroup(gid, kecamatan, "t1", ("t1",), officers, 4, 0.0, officers_from)


def roster(**units: list[str]) -> pd.DataFrame:
    """A loaded-roster frame: per unit, the officers' ranks; NRP numbered in order."""
    rows = []
    for unit, ranks in units.items():
        for rank in ranks:
            n = len(rows) + 1
            rows.append((f"{n:08d}", f"Personel {n}", rank, unit, f"0812000{n:05d}"))
    return pd.DataFrame(rows, columns=["nrp", "name", "rank", "unit", "phone"])


def plan_of(groups: list[GuardGroup], result: RosterResult) -> dict[str, Any]:
    """The parts of plan.json the named-pair check reads."""
    plan: dict[str, Any] = {
        "groups": [
            {"group_id": g.group_id, "officers": g.officers, "officers_from": dict(g.officers_from)}
            for g in groups
        ]
    }
    return plan | {key: to_json(value) for key, value in roster_sections(result).items()}


def units_of(result: RosterResult) -> dict[str, dict[str, int]]:
    """Group id -> unit -> named officers."""
    out: dict[str, dict[str, int]] = {}
    for pair in result.pairs:
        for officer in pair.officers:
            per = out.setdefault(pair.group_id, {})
            per[officer.unit] = per.get(officer.unit, 0) + 1
    return out


def senior_count(officers: Any, rules: Rules = RULES) -> int:
    return sum(o.rank in rules.assignment.senior_ranks for o in officers)


# --- loading ----------------------------------------------------------------------------


def test_good_roster_loads_with_aliases_and_variants() -> None:
    table = load_roster(ROSTER / "roster.csv", RULES, post_ids=POST_NAMES)
    frame = table.frame
    assert list(frame.columns) == [
        "nrp",
        "name",
        "rank",
        "unit",
        "phone",
        "senior",
        "source_row",
    ]
    assert frame["nrp"].tolist()[:5] == ["00123456", "85061234", "90010001", "78050002", "01020003"]
    assert frame["name"].tolist()[0] == "Agus Setiawan"
    assert frame["rank"].tolist() == ["BRIPKA", "BRIGPOL", "BRIPTU", "AIPTU", "BRIPDA", "AKP"]
    assert frame["unit"].tolist() == ["polsek_klojen"] * 3 + ["polresta"] * 3
    assert frame["senior"].tolist() == [True, False, False, True, False, True]
    assert frame["phone"].tolist()[:3] == ["081234567890", "081311112222", ""]
    assert frame["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    # A bad phone number is a warning and left blank, not an error.
    assert [(w.row, w.code, w.severity) for w in table.warnings] == [(6, "not_a_phone", "warning")]
    assert frame.at[4, "phone"] == ""


def test_units_unchecked_without_posts() -> None:
    frame = load_roster(ROSTER / "unknown_unit.csv", RULES).frame
    assert frame["unit"].tolist() == ["Polsek Batu", "polsek_klojen"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("duplicate_nrp.csv", [(4, "nrp", "duplicate_id")]),
        ("unknown_rank.csv", [(2, "pangkat", "unknown_rank")]),
        ("unknown_unit.csv", [(2, "satuan", "unknown_unit")]),
        ("missing_column.csv", [(None, "rank", "missing_column")]),
        (
            "bad_nrp.csv",
            [(2, "nrp", "nrp_digits"), (3, "nrp", "not_an_nrp"), (4, "nrp", "blank")],
        ),
    ],
)
def test_broken_rosters_name_every_problem(
    name: str, expected: list[tuple[int | None, str, str]]
) -> None:
    assert codes(ROSTER / name) == expected


def test_messages_are_bilingual_and_list_ranks() -> None:
    with pytest.raises(InputError) as caught:
        load_roster(ROSTER / "unknown_rank.csv", RULES)
    text = str(caught.value)
    assert "unknown_rank.csv, baris 2, kolom 'pangkat'" in text
    assert "'Sersan' tidak sah; harus pangkat Polri" in text
    assert "expected a Polri rank" in text
    assert "BRIGPOL (BRIGADIR)" in text and "KOMBES" in text
    with pytest.raises(InputError) as caught:
        load_roster(ROSTER / "unknown_unit.csv", RULES, post_ids=POST_NAMES)
    assert "polsek_klojen" in str(caught.value) and "post id" in str(caught.value)


def test_xlsx_keeps_text_nrp_and_flags_lost_zeros(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["NRP", "Nama", "Pangkat", "Kesatuan", "Telepon"])
    sheet.append(["00123456", "Agus Setiawan", "BRIPKA", "polsek_klojen", "081234567890"])
    sheet.append([1234567, "Budi Santoso", "BRIPTU", "polsek_klojen", None])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    assert codes(path) == [(3, "NRP", "nrp_digits")]
    sheet.delete_rows(3)
    book.save(path)
    assert load_roster(path, RULES, post_ids=POST_NAMES).frame["nrp"].tolist() == ["00123456"]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Bripka.", "BRIPKA"),
        ("  bripka ", "BRIPKA"),
        ("BRIGADIR", "BRIGPOL"),
        ("Brigadir Polisi", "BRIGPOL"),
        ("Brig. Pol.", "BRIGPOL"),
        ("Ajun Komisaris Polisi", "AKP"),
        ("Kompol", "KOMPOL"),
        ("Serka", None),
    ],
)
def test_rank_spellings(written: str, code: str | None) -> None:
    assert normalise_rank(written) == code


def test_rank_list_is_junior_first() -> None:
    assert RANKS[0] == "BHARADA" and RANKS[-1] == "KOMBES" and len(RANKS) == 15


# --- pairing ----------------------------------------------------------------------------


def test_every_pair_has_one_senior_and_seniors_spread() -> None:
    groups = [group("K-001", {"a": 2}), group("K-002", {"a": 2}), group("K-003", {"a": 2})]
    frame = roster(a=[SENIOR, "AIPDA", "AIPTU", "IPDA", JUNIOR, JUNIOR, "BRIPDA"])
    result = pair_officers(groups, frame, RULES)
    assert result.complete and result.stats.status == "optimal"
    assert [(p.group_id, p.pair_no, len(p.officers)) for p in result.pairs] == [
        ("K-001", 1, 2),
        ("K-002", 1, 2),
        ("K-003", 1, 2),
    ]
    # Three juniors are available, so no pair holds two seniors.
    assert [senior_count(p.officers) for p in result.pairs] == [1, 1, 1]
    # The commissioned officer (IPDA) stays free: lowest senior ranks are used first.
    named = {o.rank for p in result.pairs for o in p.officers}
    assert "IPDA" not in named and result.spare == ("00000004",)
    assert result.stats.officers_named == 6 and result.stats.seniors_named == 3
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []


def test_counts_per_unit_respected_with_borrowing() -> None:
    groups = [
        group("K-001", {"a": 1, "polresta": 1}),
        group("K-002", {"a": 2}),
        group("K-003", {"a": 2, "b": 2}),
    ]
    frame = roster(
        a=[SENIOR, JUNIOR, JUNIOR, SENIOR, SENIOR, JUNIOR, JUNIOR],
        polresta=["AIPDA", JUNIOR],
        b=[JUNIOR, JUNIOR],
    )
    result = pair_officers(groups, frame, RULES)
    assert result.complete
    assert units_of(result) == {g.group_id: dict(g.officers_from) for g in groups}
    for pair in result.pairs:
        assert senior_count(pair.officers) >= 1
    assert [len(p.officers) for p in result.pairs if p.group_id == "K-003"] == [2, 2]
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []


def test_odd_groups_get_a_trio_or_a_lone_senior() -> None:
    groups = [group("K-001", {"a": 3}), group("K-002", {"a": 1}), group("K-003", {"a": 5})]
    frame = roster(a=[SENIOR] * 4 + [JUNIOR] * 6)
    result = pair_officers(groups, frame, RULES)
    assert result.complete
    assert [(p.group_id, len(p.officers)) for p in result.pairs] == [
        ("K-001", 3),
        ("K-002", 1),
        ("K-003", 3),
        ("K-003", 2),
    ]
    assert all(senior_count(p.officers) >= 1 for p in result.pairs)
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []


def test_short_unit_is_reported_and_partial_assignment_kept() -> None:
    groups = [group("K-001", {"a": 2}), group("K-002", {"a": 2}), group("K-003", {"missing": 2})]
    frame = roster(a=[SENIOR, SENIOR, JUNIOR])
    result = pair_officers(groups, frame, RULES)
    assert not result.complete
    assert result.stats.officers_named == 3
    assert [(u.group_id, u.unit, u.officers, u.code) for u in result.unfilled] == [
        ("K-001", "a", 1, "short_officers"),
        ("K-003", "missing", 2, "short_officers"),
    ] or [(u.group_id, u.unit, u.officers, u.code) for u in result.unfilled] == [
        ("K-002", "a", 1, "short_officers"),
        ("K-003", "missing", 2, "short_officers"),
    ]
    first = result.unfilled[0]
    assert first.reason_id == "satuan a kurang personel: 3 di daftar, 4 dibutuhkan"
    assert first.reason_en == "unit a is short of officers: 3 on the roster, 4 needed"
    # Both groups of unit a keep a named senior: coverage comes first.
    assert {p.group_id for p in result.pairs} == {"K-001", "K-002"}
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []
    assert any("2 officers from missing missing from the roster" in s for s in result.summary())


def test_missing_seniors_leave_pairs_unfilled_with_reason() -> None:
    groups = [group(f"KLOJEN-K00{i}", {"polsek_klojen": 2}) for i in range(1, 5)]
    frame = roster(polsek_klojen=[SENIOR] + [JUNIOR] * 7)
    result = pair_officers(groups, frame, RULES)
    assert len(result.pairs) == 1 and senior_count(result.pairs[0].officers) == 1
    assert {u.code for u in result.unfilled} == {"no_senior"}
    assert sum(u.officers for u in result.unfilled) == 6
    assert "senior" in result.unfilled[0].reason_id and "senior" in result.unfilled[0].reason_en
    assert result.summary() == [
        "Polsek Klojen: 3 pasangan tanpa personel senior, 6 personel belum bernama / "
        "3 pairs lack a senior, 6 officers unnamed"
    ]
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []


def test_senior_ranks_are_configurable() -> None:
    groups = [group("K-001", {"a": 2})]
    frame = roster(a=["BRIGPOL", "BRIPDA"])
    assert not pair_officers(groups, frame, RULES).complete
    wider = load_rules({"assignment": {"senior_ranks": ["Brigadir", "BRIPKA"]}})
    result = pair_officers(groups, frame, wider)
    assert result.complete
    assert check_named_pairs(plan_of(groups, result), frame, wider) == []
    off = load_rules({"assignment": {"senior_ranks": []}})
    result = pair_officers(groups, roster(a=["BRIPDA", "BRIPDA"]), off)
    assert result.complete and result.stats.seniors_named == 0


def test_pairing_is_deterministic() -> None:
    groups = [group(f"K-{i:03d}", {"a": 2, "b": 2} if i % 3 else {"a": 3}) for i in range(30)]
    frame = roster(a=[SENIOR] * 20 + [JUNIOR] * 50, b=[JUNIOR] * 30 + ["AIPDA"] * 5)
    first = pair_officers(groups, frame, RULES, seed=3)
    second = pair_officers(groups, frame.sample(frac=1.0, random_state=1), RULES, seed=3)
    assert roster_sections(first)["officer_pairs"] == roster_sections(second)["officer_pairs"]
    assert first.unfilled == second.unfilled


# --- plan document and independent check --------------------------------------------------


def _good_plan() -> tuple[list[GuardGroup], pd.DataFrame, dict[str, Any]]:
    groups = [group("K-001", {"a": 2}), group("K-002", {"a": 1, "b": 1})]
    frame = roster(a=[SENIOR, JUNIOR, JUNIOR], b=["AIPDA", JUNIOR])
    result = pair_officers(groups, frame, RULES)
    assert result.complete
    return groups, frame, plan_of(groups, result)


def test_plan_document_fields() -> None:
    _, _, plan = _good_plan()
    pair = plan["officer_pairs"][0]
    assert set(pair) == {"group_id", "pair_no", "officers"}
    assert set(pair["officers"][0]) == {"nrp", "name", "rank", "unit", "phone"}
    assert plan["roster_unfilled"] == []
    assert plan["roster_solver"]["officers_named"] == 4


def corrupt(plan: dict[str, Any], how: str, frame: pd.DataFrame) -> dict[str, Any]:
    """A copy of ``plan`` broken one way."""
    bad = copy.deepcopy(plan)
    pairs = bad["officer_pairs"]
    if how == "nrp_twice":
        pairs[1]["officers"][0] = dict(pairs[0]["officers"][0])
    elif how == "no_senior":  # swap K-001's senior with K-002's officer of the same unit
        first, second = pairs[0]["officers"], pairs[1]["officers"]
        i = next(k for k, o in enumerate(first) if o["rank"] == SENIOR)
        j = next(k for k, o in enumerate(second) if o["unit"] == first[i]["unit"])
        first[i], second[j] = second[j], first[i]
    elif how == "unit_count":
        bad["groups"][1]["officers_from"] = {"a": 2}
    elif how == "unknown_nrp":
        pairs[0]["officers"][1]["nrp"] = "99999999"
    elif how == "unfilled_dropped":
        del pairs[1]
    return bad


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("nrp_twice", {"nrp_reused", "unit_count_mismatch"}),
        ("no_senior", {"pair_without_senior"}),
        ("unit_count", {"unit_count_mismatch"}),
        ("unknown_nrp", {"unknown_nrp", "unit_count_mismatch", "officers_unnamed"}),
        ("unfilled_dropped", {"unit_count_mismatch", "officers_unnamed"}),
    ],
)
def test_check_catches_corruptions(how: str, expected: set[str]) -> None:
    _, frame, plan = _good_plan()
    assert check_named_pairs(plan, frame, RULES) == []
    found = check_named_pairs(corrupt(plan, how, frame), frame, RULES)
    assert {line.split("]")[0].lstrip("[") for line in found} == expected
    assert all("(" in line for line in found)  # Indonesian with English in brackets


def test_check_passes_a_plan_by_counts() -> None:
    _, frame, plan = _good_plan()
    assert check_named_pairs({"groups": plan["groups"]}, frame, RULES) == []


# --- demo roster ------------------------------------------------------------------------


def _demo_groups() -> list[GuardGroup]:
    groups = []
    for unit, officers in DEMO_COUNTS.items():
        kecamatan = unit.removeprefix("polsek_").title()
        for number in range(1, officers // 2 + 1):
            groups.append(group(f"{kecamatan.upper()}-K{number:03d}", {unit: 2}, kecamatan))
    return groups


@pytest.fixture(scope="module")
def demo_roster_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "roster.csv"
    synthetic_roster(POSTS, seed=2024, senior_share=0.5).to_csv(path, index=False)
    return path


def test_synthetic_roster_loads_cleanly(demo_roster_file: Path) -> None:
    table = load_roster(demo_roster_file, RULES, post_ids=POST_NAMES)
    frame = table.frame
    assert table.warnings == ()
    assert len(frame) == POSTS["polri"].sum() == 557
    assert frame["nrp"].is_unique and frame["nrp"].str.fullmatch(r"\d{8}").all()
    assert frame["nrp"].str.startswith("0").any()  # leading zeros survive the CSV round trip
    assert frame["phone"].str.fullmatch(r"08\d{10}").all()
    assert frame.groupby("unit").size().to_dict() == dict(
        zip(POSTS["post_id"], POSTS["polri"], strict=True)
    )
    assert frame["name"].is_unique
    assert abs(frame["senior"].mean() - 0.5) < 0.01


def test_synthetic_roster_is_seeded_with_a_realistic_rank_mix() -> None:
    one = synthetic_roster(POSTS, seed=5)
    assert one.equals(synthetic_roster(POSTS, seed=5))
    assert not one.equals(synthetic_roster(POSTS, seed=6))
    assert list(one.columns) == ["nrp", "nama", "pangkat", "satuan", "no_hp"]
    share = one["pangkat"].isin(RULES.assignment.senior_ranks).mean()
    assert 0.33 < share < 0.37
    assert one["pangkat"].isin(["BRIPDA", "BRIPTU", "BRIGPOL"]).mean() > 0.6


def test_synthetic_roster_pairs_the_demo_counts(demo_roster_file: Path) -> None:
    frame = load_roster(demo_roster_file, RULES, post_ids=POST_NAMES).frame
    groups = _demo_groups()
    result = pair_officers(groups, frame, RULES, seed=2024)
    assert result.complete and len(result.pairs) == 159
    assert result.stats.wall_s < 10
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []


def test_too_few_seniors_for_the_demo_counts_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    synthetic_roster(POSTS, seed=2024, senior_share=0.35).to_csv(path, index=False)
    frame = load_roster(path, RULES, post_ids=POST_NAMES).frame
    groups = _demo_groups()
    result = pair_officers(groups, frame, RULES, seed=2024)
    assert {u.code for u in result.unfilled} == {"no_senior"}
    seniors = frame[frame["senior"]].groupby("unit").size()
    # Klojen: 34 officers needed, 19 seniors on a roster of 55: all 17 pairs filled.
    lines = result.summary()
    assert not any(line.startswith("Polsek Klojen") for line in lines)
    kedungkandang = DEMO_COUNTS["polsek_kedungkandang"] // 2 - seniors["polsek_kedungkandang"]
    assert f"Polsek Kedungkandang: {kedungkandang} pasangan tanpa personel senior" in lines[1]
    assert check_named_pairs(plan_of(groups, result), frame, RULES) == []
