"""Starter files for a planner's own scenario: a commented scenario and example inputs.

``tps-planner init DIR`` writes ``skenario.toml`` (every rule with its default
and source, in Bahasa Indonesia with English), ``tps.csv`` (a few dozen TPS in
one Kota Malang kecamatan, made by the demo's generator: see
:func:`example_tps`), ``pos.csv`` (the Kota Malang posts) and ``personel.csv``
(a made-up named roster of the kecamatan's Polsek).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from planner._atomic import staged_folder, write_text
from planner._data import DEMO_FILE, MALANG_POSTS, data_path
from planner.demo.roster import synthetic_roster
from planner.demo.synthetic import DemoSpec, generate_tps
from planner.errors import InputError, Problem
from planner.inputs.posts import load_posts
from planner.inputs.rules import DEFAULTS_FILE, load_rules, read_toml

SCENARIO_NAME = "skenario.toml"
TPS_NAME = "tps.csv"
POSTS_NAME = "pos.csv"
ROSTER_NAME = "personel.csv"

EXAMPLE_TPS_FILE = "contoh_tps.csv"
"""The example TPS, shipped in the package data (made by :func:`example_tps`)."""
EXAMPLE_KECAMATAN = "Klojen"
EXAMPLE_TPS = 40
EXAMPLE_SEED = 2024
EXAMPLE_RISK_MIX = {"rawan": 0.1, "sangat_rawan": 0.05}
EXAMPLE_POLSEK = "polsek_klojen"
SENIOR_SHARE = 0.5

HEADER = """\
# Skenario tps-planner: rencana pengamanan TPS.
# (tps-planner scenario: a TPS security plan.)
#
# Jalankan (run):   tps-planner plan {scenario} --out hasil
# Jalur berkas dibaca relatif terhadap folder berkas ini.
# (File paths are read relative to this file's folder.)
#
# Setiap aturan di bawah berisi nilai bawaannya beserta sumbernya: ubah yang
# perlu; kunci yang dihapus memakai nilai bawaan tps-planner.
# (Every rule below holds its default and its source: change what you need;
# a key you delete takes tps-planner's default.)
# Kepastian sumber (sureness): C dikonfirmasi dua sumber atau lebih (confirmed),
# S satu sumber (single source), U tidak pasti (uncertain).

[scenario]
# Nama di peta dan daftar jaga (name on the maps and rosters).
name = "Pengamanan TPS Kecamatan {kecamatan} (contoh)"
election = "pilkada2024"  # opsional, dicatat di network.json (optional)
# Benih acak: masukan dan benih yang sama memberi plan.json yang sama persis.
# (Random seed: the same inputs and seed give the very same plan.json.)
seed = {seed}

[inputs]
# TPS: CSV, XLSX, GeoJSON atau GeoPackage, satu baris per TPS (one row per TPS):
#   no_tps, kelurahan, kecamatan, lintang, bujur, dpt, kerawanan
#   (kerawanan: kurang rawan, rawan, sangat rawan, khusus)
#   XLSX: dibaca dari lembar yang judul kolomnya cocok; lembar tertentu: "data.xlsx#DPT"
#   (XLSX: read from the sheet whose headers fit; a given sheet: "data.xlsx#DPT")
tps = "{tps}"
# Pos polisi (police posts): post_id, name, kind (polresta, polsek, pos), kecamatan,
#   latitude, longitude, polri, tni, cars, motorbikes, approximate
posts = "{posts}"
# Opsional, daftar personel bernama (optional named roster):
#   nrp, nama, pangkat, satuan (post_id pos), no_hp
roster = "{roster}"
# Opsional, lokasi logistik yang diketahui (optional known logistics sites):
#   jenis (gudang, ppk, pps), nama, kecamatan, kelurahan (untuk PPS), lintang, bujur,
#   perkiraan, alamat, catatan. Gudang, PPK atau PPS yang tidak tercantum ditaruh di
#   simpang jalan dekat pusat wilayahnya dan ditandai perkiraan. (Warehouse, PPK or
#   PPS not listed go to a road junction near their area's centre, flagged approximate.)
# sites = "lokasi.csv"
# Jaringan jalan, salah satu (road network, one of):
#   network = "jalan.graphml"   # berkas .graphml, .osm, .geojson, .gpkg atau .shp
#   data_dir = "data/malang"    # folder dengan roads_rbi25k.geojson, kelurahan.geojson,
#                               # kecamatan.geojson
# Tanpa keduanya: --network atau --data-dir pada perintah, $TPS_PLANNER_DATA_DIR,
# cache, atau unduhan OpenStreetMap. (Without either: the command's --network or
# --data-dir, $TPS_PLANNER_DATA_DIR, the cache, or an OpenStreetMap download.)
{network}
# ---------------------------------------------------------------------------
# Aturan dan batas (rules and limits)
# ---------------------------------------------------------------------------
"""


def scenario_template(data_dir: str | Path | None = None, folder: str | Path = ".") -> str:
    """``skenario.toml``: inputs beside it and every default rule, commented.

    ``data_dir`` (made relative to ``folder``, where the file goes) is written as
    the network source when given.
    """
    network = ""
    if data_dir is not None:
        relative = os.path.relpath(Path(data_dir).resolve(), Path(folder).resolve())
        network = f'data_dir = "{Path(relative).as_posix()}"\n'
    defaults = data_path(DEFAULTS_FILE).read_text(encoding="utf-8")
    rules = defaults[defaults.index("\n[") + 1 :]  # without the defaults file's own header
    return (
        HEADER.format(
            scenario=SCENARIO_NAME,
            kecamatan=EXAMPLE_KECAMATAN,
            seed=EXAMPLE_SEED,
            tps=TPS_NAME,
            posts=POSTS_NAME,
            roster=ROSTER_NAME,
            network=network,
        )
        + "\n"
        + rules
    )


def example_tps(graph: nx.MultiDiGraph, kelurahan: gpd.GeoDataFrame) -> pd.DataFrame:
    """The example TPS: the demo's generator, a few dozen TPS in one kecamatan."""
    demo = read_toml(data_path(DEMO_FILE))["demo"]
    spec = DemoSpec(
        kecamatan_tps={EXAMPLE_KECAMATAN: EXAMPLE_TPS},
        max_voters=load_rules().max_voters,
        seed=EXAMPLE_SEED,
        residential_classes=tuple(demo["residential_classes"]),
        risk_mix=EXAMPLE_RISK_MIX,
        voters_beta=tuple(demo["voters_beta"]),
        min_voters=int(demo["min_voters"]),
    )
    return generate_tps(graph, kelurahan, spec)


def write_starter(
    folder: str | Path, force: bool = False, data_dir: str | Path | None = None
) -> list[Path]:
    """Write the scenario and example inputs into ``folder``; the paths, scenario first.

    Existing files are an :class:`InputError` (nothing written) unless ``force``, as are a
    ``folder`` that is a file and a ``data_dir`` that does not exist.
    The files appear together (staged beside ``folder``), or none on Ctrl-C.
    """
    folder = Path(folder)
    files = [folder / n for n in (SCENARIO_NAME, TPS_NAME, POSTS_NAME, ROSTER_NAME)]
    problems = _unwritable(folder, files, force)
    if data_dir is not None and not Path(data_dir).is_dir():
        problems.append(
            Problem(
                str(data_dir),
                "folder data tidak ditemukan",
                "data folder not found",
                column="--data-dir",
            )
        )
    if problems:
        raise InputError(problems)
    frame = load_posts(data_path(MALANG_POSTS), load_rules()).frame
    with staged_folder(folder) as stage:
        scenario, tps, posts, roster = (stage / path.name for path in files)
        write_text(scenario, scenario_template(data_dir, folder))
        shutil.copyfile(data_path(EXAMPLE_TPS_FILE), tps)
        shutil.copyfile(data_path(MALANG_POSTS), posts)
        synthetic_roster(
            frame[frame["post_id"] == EXAMPLE_POLSEK], EXAMPLE_SEED, SENIOR_SHARE
        ).to_csv(roster, index=False, encoding="utf-8")
    return files


def _unwritable(folder: Path, files: list[Path], force: bool) -> list[Problem]:
    """Problems with writing ``files`` into ``folder``: a file in the way of the folder, a
    folder in the way of a file, an existing file without ``force``."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        text_id, text_en = (
            "ini berkas, bukan folder; pilih folder lain",
            "this is a file, not a folder; choose another folder",
        )
        return [Problem(str(blocking), text_id, text_en, column="DIR")]
    problems = [
        Problem(
            str(path),
            "ini folder, bukan berkas; tidak dapat ditimpa",
            "this is a folder, not a file; it cannot be overwritten",
        )
        for path in files
        if path.is_dir()
    ]
    return problems + [
        Problem(
            str(path),
            "berkas sudah ada; pakai --force untuk menimpa",
            "file exists; use --force to overwrite it",
        )
        for path in files
        if path.is_file() and not force
    ]
