"""Tables checked against the area (issue 19): kecamatan and kelurahan names as the boundaries
know them, and every point's distance to the roads, with the tables' other problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from planner.errors import InputError, Problem
from planner.inputs.areas import AreaNames, RoadCheck, Surroundings
from planner.inputs.posts import load_posts
from planner.inputs.rules import load_rules
from planner.inputs.scenario import load_tables
from planner.inputs.sites import load_sites
from planner.inputs.tps import load_tps
from planner.roads.placement import RoadDistances
from planner.roads.snap import EdgeIndex
from planner.roads.sources import load_boundaries

RULES = load_rules()
KELURAHAN = pd.DataFrame(
    {
        "kecamatan": ["Klojen", "Klojen", "Klojen", "Sukun", "Sukun"],
        "kelurahan": ["Kauman", "Gading Kasri", "Oro-oro Dowo", "Sukun", "Bandungrejosari"],
    }
)
NAMES = AreaNames.from_frames(KELURAHAN, pd.DataFrame({"kecamatan": ["Klojen", "Sukun"]}))
AREA = Surroundings(names=NAMES)
TPS_HEADER = "no_tps,kelurahan,kecamatan,lintang,bujur,dpt,kerawanan\n"


def tps_file(folder: Path, *places: tuple[str, str]) -> Path:
    """A TPS CSV with one row per (kelurahan, kecamatan), all at one good point."""
    rows = [
        f'{n},"{kel}","{kec}",-7.9826,112.6285,300,rawan' for n, (kel, kec) in enumerate(places, 1)
    ]
    path = folder / "tps.csv"
    path.write_text(TPS_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def raised(load: Callable[..., object], *args: object) -> list[Problem]:
    """The problems the loader raises."""
    with pytest.raises(InputError) as caught:
        load(*args)
    return caught.value.problems


def test_names_as_people_write_them_take_the_boundaries_spelling(tmp_path: Path) -> None:
    path = tps_file(
        tmp_path,
        ("KAUMAN", "KLOJEN"),
        ("Kel. Gadingkasri", "Kec. Klojen"),
        ("oro oro  dowo", "klojen "),
        ("Bandung Rejosari", "SUKUN"),
    )
    frame = load_tps(path, RULES, AREA).frame
    assert frame["kelurahan"].tolist() == [
        "Kauman",
        "Gading Kasri",
        "Oro-oro Dowo",
        "Bandungrejosari",
    ]
    assert frame["kecamatan"].tolist() == ["Klojen", "Klojen", "Klojen", "Sukun"]
    assert frame["tps_id"].tolist()[1] == "KLOJEN-GADINGKASRI-002"


def test_a_name_the_boundaries_do_not_know_is_an_error_naming_the_closest(tmp_path: Path) -> None:
    path = tps_file(
        tmp_path,
        ("Kauman", "Klojenn"),
        ("Kauman", "Sukun"),
        ("Kaumann", "Klojen"),
        ("Xyz", "Klojen"),
        ("Zzz", "Qqq"),
        ("Kauman", "Klojen"),
    )
    problems = raised(load_tps, path, RULES, AREA)
    found = {p.row: p for p in problems if p.row != 6}
    assert sorted(found) == [2, 3, 4, 5]
    assert (found[2].column, found[2].code) == ("kecamatan", "unknown_kecamatan")
    assert (
        found[2].text_id == "kecamatan 'Klojenn' tidak ada di batas wilayah; maksud Anda 'Klojen'?"
    )
    assert (
        found[2].text_en == "kecamatan 'Klojenn' is not in the boundaries; did you mean 'Klojen'?"
    )
    assert (found[3].column, found[3].code) == ("kelurahan", "wrong_kecamatan")
    assert found[3].text_en == "kelurahan 'Kauman' is in kecamatan Klojen, not Sukun"
    assert found[4].text_en == (
        "kelurahan 'Kaumann' is not in kecamatan Klojen; did you mean 'Kauman'?"
    )
    assert found[5].text_en == (
        "kelurahan 'Xyz' is not in kecamatan Klojen; known: Gading Kasri, Kauman, Oro-oro Dowo"
    )
    kecamatan, kelurahan = (p for p in problems if p.row == 6)  # neither is known
    assert kecamatan.text_en == "kecamatan 'Qqq' is not in the boundaries; known: Klojen, Sukun"
    assert kelurahan.text_en == "kelurahan 'Zzz' is not in the boundaries"


def test_posts_and_sites_names_are_checked_too(tmp_path: Path) -> None:
    posts = tmp_path / "pos.csv"
    posts.write_text(
        "post_id,name,kind,kecamatan,latitude,longitude,polri\n"
        "polsek_klojen,Polsek Klojen,polsek,KLOJEN,-7.977,112.630,55\n"
        "polsek_sukun,Polsek Sukun,polsek,Sukunn,-7.990,112.620,50\n",
        encoding="utf-8",
    )
    [problem] = raised(load_posts, posts, RULES, AREA)
    assert (problem.row, problem.column) == (3, "kecamatan") and "'Sukun'?" in problem.text_en
    sites = tmp_path / "lokasi.csv"
    sites.write_text(
        "jenis,nama,kecamatan,kelurahan,lintang,bujur\n"
        "gudang,Gudang,Sukun,,-7.989,112.619\n"
        "pps,PPS Kauman,klojen,kel. kauman,-7.982,112.629\n"
        "pps,PPS Oro,Klojen,Oro-oro Dowoo,-7.968,112.630\n",
        encoding="utf-8",
    )
    [problem] = raised(load_sites, sites, RULES, AREA)
    assert (problem.row, problem.column, problem.code) == (4, "kelurahan", "unknown_kelurahan")
    good = load_sites(sites.with_name("lokasi.csv"), RULES, Surroundings())
    assert len(good.frame) == 3, "without boundaries nothing is checked"


def test_without_boundaries_the_names_are_not_checked_and_that_is_a_warning(
    tmp_path: Path,
) -> None:
    path = tps_file(tmp_path, ("Kauman", "Klojenn"))
    tables, warnings = load_tables({"tps": path}, RULES, Surroundings())
    assert tables["tps"].frame["kecamatan"].tolist() == ["Klojenn"]
    [warning] = warnings
    assert (warning.severity, warning.code) == ("warning", "names_not_checked")
    assert "not checked" in warning.text_en and "tidak diperiksa" in warning.text_id
    assert load_tables({"tps": path}, RULES)[1] == [], "nothing said when nothing is asked"


def far_rows(rows: set[int]) -> RoadCheck:
    """A road check that finds the points of ``rows`` far from any road."""

    def near_road(frame: gpd.GeoDataFrame, source: str) -> list[Problem]:
        return [
            Problem(source, "jauh", "far", row=int(r.source_row), code="far_from_road")
            for r in frame.itertuples()
            if r.source_row in rows
        ]

    return near_road


def test_far_points_come_with_every_other_problem_of_every_file(tmp_path: Path) -> None:
    tps = tmp_path / "tps.csv"
    tps.write_text(
        TPS_HEADER + "1,Kauman,Klojen,-7.98,112.62,banyak,rawan\n"  # bad voters, far
        "2,Kauman,Klojen,-7.99,112.63,300,\n"  # far, blank risk: a warning
        "3,Kauman,Klojen,x,112.63,300,rawan\n",  # no point: not measured
        encoding="utf-8",
    )
    posts = tmp_path / "pos.csv"
    posts.write_text(
        "post_id,name,kind,kecamatan,latitude,longitude,polri\n"
        "p1,Polsek Klojen,polsek,Klojenn,-7.97,112.63,5\n",  # far and misspelt
        encoding="utf-8",
    )
    area = Surroundings(NAMES, far_rows({2, 3, 4}))
    with pytest.raises(InputError) as caught:
        load_tables({"tps": tps, "posts": posts}, RULES, area)
    found = {(Path(p.file).name, p.row, p.code) for p in caught.value.problems}
    assert found == {
        ("tps.csv", 2, "not_a_count"),
        ("tps.csv", 2, "far_from_road"),
        ("tps.csv", 3, "far_from_road"),
        ("tps.csv", 3, "blank_risk"),
        ("tps.csv", 4, "not_a_number"),
        ("pos.csv", 2, "far_from_road"),
        ("pos.csv", 2, "unknown_kecamatan"),
    }


@pytest.mark.malang
def test_the_kota_malang_boundaries_and_roads(
    malang_dir: Path, malang_edge_index: EdgeIndex, tmp_path: Path
) -> None:
    """Every kelurahan of the boundary files is accepted under its kecamatan; a typo and a
    point far from the roads are named together."""
    boundaries = load_boundaries(malang_dir)
    names = AreaNames.from_frames(boundaries.kelurahan, boundaries.kecamatan)
    assert names is not None and len(names.kecamatan) == 5
    assert sum(len(k) for k in names.kelurahan.values()) == 57
    assert boundaries.kelurahan is not None
    pairs = list(
        zip(boundaries.kelurahan["kelurahan"], boundaries.kelurahan["kecamatan"], strict=True)
    )
    every = tps_file(tmp_path, *((kel.upper(), f"Kec. {kec}") for kel, kec in pairs))
    roads = RoadDistances(malang_edge_index, RULES.snap_max_distance_m)
    assert load_tps(every, RULES, Surroundings(names)).frame["kelurahan"].tolist() == [
        kel for kel, _ in pairs
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        TPS_HEADER + "1,Kauman,Klojenn,-7.9826,112.6308,300,rawan\n"
        "2,Wonokoyo,Kedungkandang,-8.0700,112.7000,250,kurang rawan\n",
        encoding="utf-8",
    )
    found = raised(load_tps, bad, RULES, Surroundings(names, roads))
    assert [(p.row, p.code) for p in found] == [(2, "unknown_kecamatan"), (3, "far_from_road")]
    assert (
        "did you mean 'Klojen'?" in found[0].text_en
        and "m from the nearest road" in found[1].text_en
    )
