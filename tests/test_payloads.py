"""Issue 17: free text of every input is shown literally and never run, in every output.

:func:`payload_plan` builds, from ``tps-planner init``, inputs whose every free-text
field holds an injection payload (template, HTML/JS, spreadsheet formula, line
separator, terminal escape), plans them with the real command line and returns the
output folder; other test modules (the maps) import it. The tests here check the
command line, the console and log, and every output but the maps.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from openpyxl import load_workbook
from pandas.api.types import is_string_dtype

from planner import cli
from planner.errors import Problem
from planner.inputs._tables import parse_place
from planner.inputs.roster import RANKS
from planner.inputs.sites import site_id
from planner.outputs.exports import (
    ESCORT_COLUMNS,
    ESCORT_HEADERS,
    FORMULA_START,
    ROSTER_COLUMNS,
    headers,
    write_roster_csv,
    write_roster_xlsx,
)
from planner.progress import CONTROL_CHARACTERS, WIB, Progress, printable
from tests.conftest import REPO, malang_data_dir

pytestmark = pytest.mark.malang

INPUTS = "masukan"
"""The payload inputs' folder inside the builder's folder; the plan goes to ``hasil``."""
OUTPUT = "hasil"
MARKER_NAME = "ssti-marker"
"""The file the template payload would create, beside the inputs (it must never appear)."""
TEMPLATE_CALL = "{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"
SEVEN_TIMES_SEVEN = "{{7*7}}"
ESCAPE = "\x1b[2J\x1b[31mmerah"
SEPARATOR_NAME = "Nama\u2028Baru"
KELURAHAN_PAYLOADS = (0, 1, 3, 4, 8, 10, 11, 12, 13)
"""Which payloads rename the starter's kelurahan, in name order, after the first two."""
KEPT_KELURAHAN = 2
POST_OFFSET = 6
"""Polsek Klojen (third post) gets the formula payload as its name: every roster row."""
SITE_OFFSET = 3
RANK_FORMS = ("={}", "@{}", "+{}", "-{}", "{{{{ {} }}}}", "{{% {} %}}", "{}'\">")
"""Ranks as written around a valid rank: the reader keeps only the rank code."""
ROADS_FILE = "roads_rbi25k.geojson"
LIMITS = ("--time-limit", "1", "--patrol-solutions", "100")
"""Small search limits: the plan takes about 10 s."""


def payloads(marker: Path) -> tuple[str, ...]:
    """Every payload of issue 17, the template call touching ``marker``."""
    return (
        SEVEN_TIMES_SEVEN,
        "{% raw %}",
        "akses lewat gang {#3",
        TEMPLATE_CALL.format(marker=marker),
        "</script><script>window.__xss=1</script>",
        '"><img src=x onerror="window.__xss=1">',
        "javascript:window.__xss=1",
        "' onmouseover='window.__xss=1' x='",
        '=HYPERLINK("http://example.invalid","klik")',
        "+62 812",
        "-1+2",
        "@SUM(A1)",
        SEPARATOR_NAME,
        ESCAPE,
    )


def payload_texts(out: Path) -> tuple[str, ...]:
    """The payloads of the plan :func:`payload_plan` wrote into ``out``."""
    return payloads(out.parent / INPUTS / MARKER_NAME)


def payload_at(texts: tuple[str, ...], row: int, column: int) -> str:
    """The payload for a cell: down any column of 14 rows or more, every payload."""
    return texts[(row + 5 * column) % len(texts)]


def tps_planner(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The console command in a fresh interpreter (this tree's code), output as UTF-8."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "planner.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
    )


def read_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    """A CSV file's rows by header."""
    with path.open(encoding=encoding, newline="") as stream:
        return list(csv.DictReader(stream))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def roads_only(data_dir: Path, folder: Path) -> Path:
    """``folder / "jalan"``: a data folder with the roads of ``data_dir`` and no boundaries."""
    roads = folder / "jalan"
    roads.mkdir(exist_ok=True)
    link = roads / ROADS_FILE
    if not link.exists():
        link.symlink_to((data_dir / ROADS_FILE).resolve())
    return roads


@dataclass(frozen=True)
class PayloadInputs:
    """The starter files with payloads: their folder, the scenario and the payloads."""

    folder: Path
    scenario: Path
    texts: tuple[str, ...]

    @property
    def marker(self) -> Path:
        return self.folder / MARKER_NAME

    def rows(self, name: str) -> list[dict[str, str]]:
        """The rows of an input file as written."""
        return read_rows(self.folder / name)


def write_payload_inputs(folder: Path, data_dir: Path) -> PayloadInputs:
    """``tps-planner init`` into ``folder``, then payloads in every free-text field.

    TPS get an ``id`` column and payloads in ``nama``, ``alamat``, ``catatan`` and all
    kelurahan but two; posts in ``name``, ``address`` and ``notes``; the roster in its
    names, ranks written around a valid rank and a third of the phones; a new
    ``lokasi.csv`` (warehouse, PPK, a PPS per kelurahan) in its names, addresses and
    notes; the scenario in its name. The files stay valid: the scenario's data folder has
    ``data_dir``'s roads but no boundaries, against which the payload kelurahan would be errors.
    """
    init = tps_planner("init", folder, "--data-dir", roads_only(data_dir, folder.parent))
    assert init.returncode == 0, init.stderr
    texts = payloads(folder / MARKER_NAME)

    tps = read_rows(folder / "tps.csv")
    places = sorted({row["kelurahan"] for row in tps})[KEPT_KELURAHAN:]
    renamed = {place: texts[i] for place, i in zip(places, KELURAHAN_PAYLOADS, strict=True)}
    for row, record in enumerate(tps):
        text = payload_at(texts, row, 0)
        record["kelurahan"] = renamed.get(record["kelurahan"], record["kelurahan"])
        for column, key in enumerate(("nama", "alamat", "catatan"), start=1):
            record[key] = payload_at(texts, row, column)
        tps[row] = {"id": text if row < len(texts) else f"{text} #{row + 1}", **record}
    _write_rows(folder / "tps.csv", tps)

    posts = read_rows(folder / "pos.csv")
    for row, record in enumerate(posts):
        for column, key in enumerate(("name", "address", "notes")):
            record[key] = payload_at(texts, row + POST_OFFSET, column)
    _write_rows(folder / "pos.csv", posts)

    roster = read_rows(folder / "personel.csv")
    for row, record in enumerate(roster):
        record["nama"] = payload_at(texts, row, 0)
        record["pangkat"] = RANK_FORMS[row % len(RANK_FORMS)].format(record["pangkat"])
        phone = record["no_hp"]
        record["no_hp"] = payload_at(texts, row, 1) if row % 3 == 0 else f"+62 {phone[1:]}"
    _write_rows(folder / "personel.csv", roster)

    first: dict[str, dict[str, str]] = {}
    for record in tps:
        first.setdefault(record["kelurahan"], record)
    sites = [
        {"jenis": "gudang", "kecamatan": "Sukun", "kelurahan": ""}
        | {"lintang": "-7.9890", "bujur": "112.6190"},
        {"jenis": "ppk", "kecamatan": "Klojen", "kelurahan": ""}
        | {"lintang": "-7.9770", "bujur": "112.6300"},
        *(
            {"jenis": "pps", "kecamatan": "Klojen", "kelurahan": place}
            | {"lintang": record["lintang"], "bujur": record["bujur"]}
            for place, record in first.items()
        ),
    ]
    for row, record in enumerate(sites):
        for column, key in enumerate(("nama", "alamat", "catatan")):
            record[key] = payload_at(texts, row + SITE_OFFSET, column)
    _write_rows(folder / "lokasi.csv", sites)

    scenario = folder / "skenario.toml"
    toml = scenario.read_text(encoding="utf-8")
    name = 'name = "Pengamanan TPS Kecamatan Klojen (contoh)"'
    assert name in toml and '# sites = "lokasi.csv"' in toml
    toml = toml.replace(name, f"name = {json.dumps(texts[3])}")  # JSON escapes are TOML's
    toml = toml.replace('# sites = "lokasi.csv"', 'sites = "lokasi.csv"')
    scenario.write_text(toml, encoding="utf-8")
    return PayloadInputs(folder, scenario, texts)


@dataclass(frozen=True)
class PayloadRun:
    """``tps-planner plan`` of the payload inputs: output folder, exit code, what it printed."""

    inputs: PayloadInputs
    out: Path
    returncode: int
    stdout: str
    stderr: str


def run_payload_plan(inputs: PayloadInputs, out: Path) -> PayloadRun:
    """``tps-planner plan`` of the payload inputs into ``out`` with small search limits."""
    run = tps_planner("plan", inputs.scenario, "--out", out, *LIMITS)
    return PayloadRun(inputs, out, run.returncode, run.stdout, run.stderr)


def payload_plan(folder: Path, data_dir: Path | None = None) -> Path:
    """The output folder ``folder / "hasil"`` of a finished plan of payload inputs.

    The inputs go into ``folder / "masukan"`` (:func:`payload_texts` gives the payloads
    back from the output folder). Fails when the plan does not finish with exit 0 or
    a template payload ran.
    """
    inputs = folder / INPUTS
    inputs.mkdir(parents=True)
    written = write_payload_inputs(inputs, malang_data_dir() if data_dir is None else data_dir)
    run = run_payload_plan(written, folder / OUTPUT)
    assert not written.marker.exists(), "a template payload ran"
    assert run.returncode == 0, run.stderr[-3000:]
    return run.out


# --- expectations: each input's text as the readers keep it --------------------------------


@dataclass(frozen=True)
class Expected:
    """Every free text of the payload inputs as the readers keep it (exact, but kelurahan
    capitalised like place names and whitespace in officer names collapsed)."""

    scenario_name: str
    tps: dict[str, dict[str, str]]
    posts: dict[str, dict[str, str]]
    officers: dict[str, str]
    sites: dict[str, dict[str, str]]

    @classmethod
    def of(cls, inputs: PayloadInputs) -> Expected:
        tps = {
            r["id"]: {
                "name": r["nama"],
                "address": r["alamat"],
                "notes": r["catatan"],
                "kelurahan": parse_place(r["kelurahan"]),
            }
            for r in inputs.rows("tps.csv")
        }
        posts = {
            r["post_id"]: {k: r[k] for k in ("name", "address", "notes")}
            for r in inputs.rows("pos.csv")
        }
        officers = {r["nrp"]: " ".join(r["nama"].split()) for r in inputs.rows("personel.csv")}
        sites = {}
        for r in inputs.rows("lokasi.csv"):
            kind = {"gudang": "warehouse"}.get(r["jenis"], r["jenis"])
            place = parse_place(r["kelurahan"]) if r["kelurahan"] else ""
            sites[site_id(kind, r["kecamatan"], place)] = {
                "name": r["nama"],
                "address": r["alamat"],
                "notes": r["catatan"],
                "kelurahan": place,
            }
        return cls(inputs.texts[3], tps, posts, officers, sites)

    def all_texts(self) -> set[str]:
        """The scenario name and every TPS, post and site text (officers are named only when
        paired)."""
        found = {self.scenario_name, *self.tps}
        for table in (self.tps, self.posts, self.sites):
            found |= {text for fields in table.values() for text in fields.values()}
        return found - {""}


def unguard(cell: str) -> str:
    """A CSV cell's text: the ``'`` before formula-like text taken off; fails on a bare one."""
    assert not cell.startswith(FORMULA_START), f"unguarded formula in CSV: {cell!r}"
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def xlsx_text(text: str) -> str:
    """Text as a workbook cell holds it: ESC and the C0 controls XML forbids escaped."""
    return "".join(ascii(c)[1:-1] if ord(c) < 32 and c not in "\t\n\r" else c for c in text)


def roster_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """A roster CSV's header and data rows, as written (formula guard kept)."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header, *rows = list(csv.reader(stream))
    return header, rows


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def payload_inputs(malang_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> PayloadInputs:
    """The starter files of ``tps-planner init`` with payloads in every free-text field."""
    folder = tmp_path_factory.mktemp("payloads") / INPUTS
    folder.mkdir()
    return write_payload_inputs(folder, malang_dir)


@pytest.fixture(scope="module")
def payload_run(payload_inputs: PayloadInputs) -> PayloadRun:
    """``tps-planner plan`` of the payload inputs, once for the module."""
    return run_payload_plan(payload_inputs, payload_inputs.folder.parent / OUTPUT)


@pytest.fixture(scope="module")
def out(payload_run: PayloadRun) -> Path:
    """The output folder of the finished plan."""
    if payload_run.returncode != 0:
        pytest.fail(f"plan exited {payload_run.returncode}: {payload_run.stderr[-1500:]}")
    return payload_run.out


@pytest.fixture(scope="module")
def expected(payload_inputs: PayloadInputs) -> Expected:
    return Expected.of(payload_inputs)


@pytest.fixture(scope="module")
def plan(out: Path) -> dict[str, Any]:
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))


# --- the command line ----------------------------------------------------------------------


def test_payload_inputs_carry_every_payload(payload_inputs: PayloadInputs) -> None:
    """Each payload is in every table, and the scenario's name is the template call."""
    texts = set(payload_inputs.texts)
    assert len(texts) == 14
    for name, columns in {
        "tps.csv": ("nama", "alamat", "catatan"),
        "pos.csv": ("name", "address", "notes"),
        "personel.csv": ("nama",),
        "lokasi.csv": ("nama", "alamat", "catatan"),
    }.items():
        rows = payload_inputs.rows(name)
        assert {r[c] for r in rows for c in columns} >= texts, name
    tps = payload_inputs.rows("tps.csv")
    assert texts <= {r["id"] for r in tps}
    assert len({r["kelurahan"] for r in tps} & texts) == len(KELURAHAN_PAYLOADS)
    scenario = tomllib.loads(payload_inputs.scenario.read_text(encoding="utf-8"))
    assert scenario["scenario"]["name"] == payload_inputs.texts[3]


def test_check_accepts_the_payload_inputs(payload_inputs: PayloadInputs) -> None:
    """``tps-planner check`` takes every payload file (the ``{#3`` note too), exit 0; the
    scenario's data folder gives the roads."""
    folder = payload_inputs.folder
    assert any(r["catatan"] == "akses lewat gang {#3" for r in payload_inputs.rows("tps.csv"))
    result = tps_planner(
        "check",
        folder / "tps.csv",
        "--posts",
        folder / "pos.csv",
        "--roster",
        folder / "personel.csv",
        "--sites",
        folder / "lokasi.csv",
        "--scenario",
        payload_inputs.scenario,
    )
    assert result.returncode == 0, result.stderr
    assert "TPS: 40" in result.stdout and "Lokasi logistik: 13" in result.stdout
    assert "Traceback" not in result.stderr
    for text in (result.stdout, result.stderr):
        assert CONTROL_CHARACTERS.search(text.replace("\n", "")) is None
    # a phone that is no phone number is named in the warning, escaped, never run
    assert "'\\x1b[2J\\x1b[31mmerah' bukan nomor telepon" in result.stderr
    assert f"'{SEVEN_TIMES_SEVEN}' bukan nomor telepon" in result.stderr
    assert not payload_inputs.marker.exists()


def test_plan_of_the_payload_inputs_succeeds_and_runs_nothing(payload_run: PayloadRun) -> None:
    """``tps-planner plan`` exits 0, no template payload ran, no traceback."""
    assert not payload_run.inputs.marker.exists(), "a template payload ran"
    assert "Traceback" not in payload_run.stderr
    assert payload_run.returncode == 0, payload_run.stderr[-3000:]


def test_validate_accepts_the_payload_plan(out: Path) -> None:
    """``tps-planner validate`` re-reads the copied payload inputs and finds the plan valid."""
    result = tps_planner("validate", out / "plan.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Rencana sah" in result.stdout and "Traceback" not in result.stderr


def test_console_shows_input_text_without_control_characters(payload_run: PayloadRun) -> None:
    """stdout and stderr carry no raw control character; warnings show payloads escaped."""
    assert "Traceback" not in payload_run.stderr
    for text in (payload_run.stdout, payload_run.stderr):
        assert CONTROL_CHARACTERS.search(text.replace("\n", "")) is None
    assert "'\\x1b[2J\\x1b[31mmerah' bukan nomor telepon" in payload_run.stderr
    assert "'Nama\\u2028Baru' bukan nomor telepon" in payload_run.stderr
    assert f"'{SEVEN_TIMES_SEVEN}' bukan nomor telepon" in payload_run.stderr


def test_log_shows_input_text_without_control_characters(out: Path) -> None:
    """``tps-planner.log`` carries no raw control character; payloads show escaped."""
    log = (out / "tps-planner.log").read_text(encoding="utf-8")
    assert CONTROL_CHARACTERS.search(log.replace("\n", "")) is None
    assert "'\\x1b[2J\\x1b[31mmerah' bukan nomor telepon" in log
    assert f"'{SEVEN_TIMES_SEVEN}' bukan nomor telepon" in log
    assert "semua aturan terpenuhi" in log


# --- rosters -------------------------------------------------------------------------------


def test_duty_roster_csv_holds_input_text_as_data(
    out: Path, expected: Expected, plan: dict[str, Any]
) -> None:
    """Post names, TPS ids and officer names exact; formula-like cells start with ``'``."""
    header, rows = roster_csv(out / "duty_roster.csv")
    assert header == [headers("id")[c] for c in ROSTER_COLUMNS]
    table = [dict(zip(ROSTER_COLUMNS, map(unguard, row), strict=True)) for row in rows]
    klojen = expected.posts["polsek_klojen"]["name"]
    assert klojen.startswith("=") and {r["polsek"] for r in table} == {klojen}
    assert all(row[0] == f"'{klojen}" for row in rows), "the guard is on every row"
    members = [tps for r in table for tps in r["tps"].split(", ")]
    assert sorted(members) == sorted(expected.tps), "every TPS id, exact"
    assert {r["anchor"] for r in table} == {g["anchor"] for g in plan["groups"]}
    assert {r["anchor"] for r in table} <= set(expected.tps)
    assert all(r["officers_from"] == f"{klojen} {r['officers']}" for r in table)
    pairs = {g["group_id"]: [] for g in plan["groups"]}
    for pair in plan["officer_pairs"]:
        pairs[pair["group_id"]] += pair["officers"]
    for r in table:
        for officer in pairs[r["group_id"]]:
            assert f"{officer['rank']} {expected.officers[officer['nrp']]}" in r["officer_names"]
        assert all(p == "" or p.isdigit() for p in r["phones"].split("; "))
    assert any(SEVEN_TIMES_SEVEN in r["officer_names"] + r["tps"] for r in table)


def test_escort_roster_csv_holds_site_and_post_names_as_data(out: Path, expected: Expected) -> None:
    """Each table site's name is a guard row's task, exact; posts exact; formulas guarded."""
    header, rows = roster_csv(out / "escort_roster.csv")
    assert header == [ESCORT_HEADERS["id"][c] for c in ESCORT_COLUMNS]
    table = [dict(zip(ESCORT_COLUMNS, map(unguard, row), strict=True)) for row in rows]
    names = {fields["name"] for fields in expected.posts.values()}
    assert {r["polsek"] for r in table} <= names
    guarded = {r["task"] for r in table if r["duty"].startswith("Jaga")}
    assert guarded == {site["name"] for site in expected.sites.values()}
    stops = " ".join(r["stops"] for r in table)
    assert expected.sites["gudang_kpu"]["name"] in stops
    tasks = {row[ESCORT_COLUMNS.index("task")] for row in rows}
    formulas = [s["name"] for s in expected.sites.values() if s["name"].startswith(FORMULA_START)]
    assert len(formulas) == 4 and all(f"'{name}" in tasks for name in formulas)


def test_workbook_holds_the_csv_text_as_text_cells(out: Path, expected: Expected) -> None:
    """Every sheet: the rows of the CSV, text cells of type ``s`` (never a formula), ESC
    shown as ``\\x1b``, the scenario name in each title as written."""
    workbook = load_workbook(out / "duty_roster.xlsx")
    by_sheet: list[tuple[str, list[dict[str, str]]]] = []
    for name in ("duty_roster.csv", "escort_roster.csv"):
        header, rows = roster_csv(out / name)
        table = [dict(zip(header, map(unguard, row), strict=True)) for row in rows]
        polsek = header[0]
        for post in dict.fromkeys(r[polsek] for r in table):
            by_sheet.append((post, [r for r in table if r[polsek] == post]))
    assert len(workbook.worksheets) == len(by_sheet)
    cells = []
    for sheet, (post, rows) in zip(workbook.worksheets, by_sheet, strict=True):
        title = sheet.cell(row=1, column=1).value
        assert f" · {xlsx_text(post)} · {expected.scenario_name} · " in title, sheet.title
        columns = [c.value for c in sheet[2]]
        data = list(sheet.iter_rows(min_row=3))
        assert len(data) == len(rows), sheet.title
        for row, line in zip(data, rows, strict=True):
            for column, cell in zip(columns, row, strict=True):
                value = "" if cell.value is None else cell.value
                assert str(value) == xlsx_text(line[column]), (sheet.title, column)
                assert (
                    cell.data_type == "s" if isinstance(cell.value, str) else cell.data_type != "f"
                )
                cells.append(str(value))
    with zipfile.ZipFile(out / "duty_roster.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets), "no formula"
    text = "\n".join(cells)
    assert "\\x1b[2J\\x1b[31mmerah" in text and "\x1b" not in text
    assert SEPARATOR_NAME in text and SEVEN_TIMES_SEVEN in text
    assert expected.posts["polsek_klojen"]["name"] in cells, "a formula kept as text"


# --- GIS and JSON --------------------------------------------------------------------------


def _geojson(path: Path) -> list[dict[str, Any]]:
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def test_gis_layers_hold_input_text_exact(out: Path, expected: Expected) -> None:
    """GeoPackage and GeoJSON text columns equal each other and the inputs, exact."""
    layers = {}
    for name, _ in pyogrio.list_layers(out / "layers.gpkg"):
        frame = gpd.read_file(out / "layers.gpkg", layer=name)
        text = [c for c in frame.columns if c != "geometry" and is_string_dtype(frame[c])]
        records = frame[text].to_dict("records")
        from_json = _geojson(out / "layers" / f"{name}.geojson")
        assert [{c: p[c] for c in text} for p in from_json] == records, name
        layers[name] = records
    tps = {r["tps_id"]: r for r in layers["tps"]}
    assert {k: {c: tps[k][c] for c in expected.tps[k]} for k in tps} == expected.tps
    posts = {r["post_id"]: r for r in layers["posts"]}
    assert {k: {c: posts[k][c] for c in ("name", "address", "notes")} for k in posts} == (
        expected.posts
    )
    sites = {r["site_id"]: r for r in layers["logistics_sites"]}
    assert {k: {c: sites[k][c] for c in expected.sites[k]} for k in expected.sites} == (
        expected.sites
    )
    members = {r["tps_id"] for r in layers["group_lines"]} | {r["anchor"] for r in tps.values()}
    assert members == set(expected.tps)


def test_json_outputs_hold_input_text_exact(
    out: Path, expected: Expected, plan: dict[str, Any]
) -> None:
    """plan.json, summary.json, network.json and the scenario copy: input text exact."""
    assert plan["scenario"]["name"] == expected.scenario_name
    members = sorted(t for g in plan["groups"] for t in g["members"])
    assert members == sorted(expected.tps) and plan["uncovered"] == []
    officers = [o for pair in plan["officer_pairs"] for o in pair["officers"]]
    assert officers and all(o["name"] == expected.officers[o["nrp"]] for o in officers)
    assert all(o["rank"] in RANKS and (o["phone"] == "" or o["phone"].isdigit()) for o in officers)
    assert any(o["name"] == SEVEN_TIMES_SEVEN for o in officers)
    sites = {s["site_id"]: s for s in plan["logistics"]["sites"]}
    for key, fields in expected.sites.items():
        assert {c: sites[key][c] for c in fields} == fields, key
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == expected.scenario_name
    assert summary["per_polsek"]["Klojen"]["polsek"] == expected.posts["polsek_klojen"]["name"]
    network = json.loads((out / "network.json").read_text(encoding="utf-8"))
    assert {p["post_id"]: p["name"] for p in network["posts"]} == {
        k: v["name"] for k, v in expected.posts.items()
    }
    copy = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert copy["scenario"]["name"] == expected.scenario_name
    for name in ("tps.csv", "pos.csv", "personel.csv", "lokasi.csv"):
        assert (out / name).read_bytes() == (out.parent / INPUTS / name).read_bytes(), name


def _strings(value: Any) -> Iterator[str]:
    """Every string value in a JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_every_input_text_is_a_value_of_the_json_and_gis_outputs(
    out: Path, expected: Expected
) -> None:
    """Each payload, and each TPS, post and site text, is a whole value somewhere, exact."""
    files = ["plan.json", "summary.json", "network.json", *out.glob("layers/*.geojson")]
    values = {
        text
        for name in files
        for text in _strings(json.loads((out / name).read_text(encoding="utf-8")))
    }
    assert set(payload_texts(out)) <= values
    assert expected.all_texts() - values == set()


def test_seven_times_seven_is_never_evaluated(out: Path, expected: Expected) -> None:
    """Wherever ``{{7*7}}`` went in, it comes out as written, never as 49."""
    where = [
        "duty_roster.csv",
        "escort_roster.csv",
        "plan.json",
        "network.json",
        "layers/tps.geojson",
        "layers/posts.geojson",
        "layers/logistics_sites.geojson",
    ]
    for name in where:
        text = (out / name).read_text(encoding="utf-8-sig")
        assert SEVEN_TIMES_SEVEN in text, name
    layer = _geojson(out / "layers" / "tps.geojson")
    ids = [f["tps_id"] for f in layer]
    assert SEVEN_TIMES_SEVEN in ids and f"{SEVEN_TIMES_SEVEN} #15" in ids
    assert not any(f[c].startswith("49") for f in layer for c in ("tps_id", "name", "address"))


# --- the helpers that write text -----------------------------------------------------------


def test_progress_escapes_control_characters_on_console_and_log(tmp_path: Path) -> None:
    """Info, detail and table lines show ESC, tab and line separators escaped; newlines stay."""
    stream = io.StringIO()
    with Progress(stream, verbose=True).logging_to(tmp_path / "run.log") as progress:
        progress.info(f"TPS {ESCAPE}")
        progress.detail(f"pos {SEPARATOR_NAME}\tx")
        with contextlib.redirect_stdout(io.StringIO()) as table:
            progress.table([f"baris {ESCAPE}", "a\nb"])
    log = (tmp_path / "run.log").read_text(encoding="utf-8")
    for text in (stream.getvalue(), table.getvalue(), log):
        assert "\x1b" not in text and "\u2028" not in text and "\t" not in text
    assert "TPS \\x1b[2J\\x1b[31mmerah" in stream.getvalue()
    assert "pos Nama\\u2028Baru\\tx" in log and "baris \\x1b[2J" in table.getvalue()
    assert "a\nb" in log
    assert printable("\x00\x7f\x85\x9b\u2029 ok\n") == "\\x00\\x7f\\x85\\x9b\\u2029 ok\n"


def test_command_line_problems_and_errors_escape_control_characters() -> None:
    """Input problems and internal errors never print a raw control character."""
    problem = Problem(f"tps{ESCAPE}.csv", "teks", "text", row=2, column=f"nama{ESCAPE}")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        cli.print_problems([problem])
    assert "\x1b" not in err.getvalue() and "nama\\x1b[2J\\x1b[31mmerah" in err.getvalue()


def test_roster_writers_guard_formulas_and_escape_what_xlsx_cannot_hold(tmp_path: Path) -> None:
    """CSV: formula-like text after ``'``, other text exact; XLSX: text cells, ESC as
    ``\\x1b``, sheet titles without a leading apostrophe."""
    texts = payloads(tmp_path / MARKER_NAME)
    rows = [
        {c: texts[(i + j) % len(texts)] for j, c in enumerate(ROSTER_COLUMNS)}
        | {"polsek": texts[7] if i % 2 else texts[8], "officers": 2, "linmas": 4}
        for i in range(len(texts))
    ]
    write_roster_csv(tmp_path / "r.csv", rows)
    header, written = roster_csv(tmp_path / "r.csv")
    assert header == [headers("id")[c] for c in ROSTER_COLUMNS]
    for row, line in zip(rows, written, strict=True):
        assert [unguard(c) for c in line] == [str(row[c]) for c in ROSTER_COLUMNS]
    write_roster_xlsx(tmp_path / "r.xlsx", rows, texts[3], datetime(2024, 11, 27, tzinfo=WIB))
    workbook = load_workbook(tmp_path / "r.xlsx")
    assert len(workbook.worksheets) == 2
    assert not any(s.title.startswith("'") or s.title.endswith("'") for s in workbook.worksheets)
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                assert cell.data_type in ("s", "n")
                values.append(cell.value)
    assert "\\x1b[2J\\x1b[31mmerah" in values and texts[8] in values and SEPARATOR_NAME in values
