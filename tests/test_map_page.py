"""The map page itself (no browser): data never re-rendered, inlined assets, the policy."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.inputs.rules import load_rules
from planner.outputs._page import DATA_ELEMENT_ID, STATIC, assemble, script_json
from planner.outputs.basemap import encode_line
from planner.outputs.map_legend import route_colours
from planner.outputs.maps import _road_names, build_map
from tests.city import grid_city
from tests.pages import page_data
from tests.test_exports import synthetic_case

INLINED_BUDGET = 700_000
"""Bytes the inlined libraries and the page's own script and style may add."""
DANGEROUS = ("<", ">", "&", "{", "}", "\u2028", "\u2029")


def decode_line(text: str) -> list[tuple[float, float]]:
    """The (lon, lat) points of :func:`planner.outputs.basemap.encode_line`, as tpsmap.js reads."""
    digits = {
        c: n
        for n, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }
    values, value, shift = [], 0, 0
    for char in text:
        digit = digits[char]
        value |= (digit & 31) << shift
        shift += 5
        if not digit & 32:
            values.append(~(value >> 1) if value & 1 else value >> 1)
            value, shift = 0, 0
    points, lat, lon = [], 0, 0
    for dlat, dlon in zip(values[::2], values[1::2], strict=True):
        lat, lon = lat + dlat, lon + dlon
        points.append((lon / 1e5, lat / 1e5))
    return points


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_script_json_round_trips_and_holds_nothing_to_break_out(value: Any) -> None:
    text = script_json(value)
    assert json.loads(text) == value
    strings = re.findall(r'"(?:[^"\\]|\\.)*"', text)
    assert not any(c in s for s in strings for c in DANGEROUS)
    assert "</script" not in text.lower() and "{{" not in text and "{%" not in text


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-180, max_value=180, allow_nan=False),
            st.floats(min_value=-85, max_value=85, allow_nan=False),
        ),
        max_size=30,
    )
)
def test_encoded_lines_decode_to_the_points_at_a_metre(points: list[tuple[float, float]]) -> None:
    text = encode_line(points)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", text)
    decoded = decode_line(text)
    expected = []
    for lon, lat in points:
        here = (round(lon * 1e5) / 1e5, round(lat * 1e5) / 1e5)
        if not expected or here != expected[-1]:
            expected.append(here)
    assert decoded == pytest.approx(expected, abs=1e-9)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The internal map of the synthetic case, with a street grid as its roads."""
    case = synthetic_case(tmp_path_factory.mktemp("page"))
    roads = grid_city(load_rules(), size=8, step=0.01, origin=(112.58, -8.03))
    return build_map(case.scenario, case.plan, case.boundaries, roads=roads).html


def test_page_loads_nothing_and_runs_only_its_own_scripts(page: str) -> None:
    markup = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", page, flags=re.DOTALL)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", markup, re.I)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy is not None and page.index(policy[0]) < page.index("<script")
    rules = dict(part.strip().split(" ", 1) for part in policy[1].split(";"))
    assert rules["default-src"] == "'none'" and rules["base-uri"] == "'none'"
    assert rules["img-src"] == "data: https://tile.openstreetmap.org"
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.DOTALL)
    code = [body for attributes, body in scripts if "application/json" not in attributes]
    hashes = {
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in code
    }
    assert hashes == set(rules["script-src"].split()) and len(code) == 4
    assert "unsafe-inline" not in rules["script-src"] and "unsafe-eval" not in policy[1]


def test_viewport_allows_pinch_zoom(page: str) -> None:
    viewports = re.findall(r'<meta name="viewport"[^>]*>', page)
    assert viewports == ['<meta name="viewport" content="width=device-width, initial-scale=1">']


def test_inlined_libraries_fit_the_budget(page: str) -> None:
    data = re.search(
        rf'<script type="application/json" id="{DATA_ELEMENT_ID}">.*?</script>', page, re.DOTALL
    )
    assert data is not None
    assert len(page.encode()) - len(data[0].encode()) <= INLINED_BUDGET


def test_template_syntax_in_any_input_is_never_evaluated(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    case = synthetic_case(tmp_path)
    call = f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}"
    case.scenario.tps.loc[0, "name"] = "{{7*7}}"
    case.scenario.tps.loc[1, "notes"] = "akses lewat gang {#3"
    case.scenario.tps.loc[2, "address"] = "{% raw %}"
    case.scenario.posts.loc[0, "notes"] = call
    scenario = type(case.scenario)(call, *list(vars(case.scenario).values())[1:])
    for edition in ("internal", "public"):
        html = build_map(scenario, case.plan, case.boundaries, edition=edition).html
        data = page_data(html)
        assert data["tps"]["name"][0] == "{{7*7}}" and data["panel"]["scenario"] == call
        assert data["tps"]["notes"][1] == "akses lewat gang {#3"
        assert data["tps"]["address"][2] == "{% raw %}" and data["posts"][0]["notes"] == call
        assert "{{" not in html and "{%" not in html and "{#" not in html
    assert not marker.exists()


def test_skeleton_must_stay_offline() -> None:
    with pytest.raises(RuntimeError, match="network"):
        assemble('<head><script src="https://cdn.example/x.js"></script></head>', {})


def test_vendored_files_are_the_npm_packages_listed() -> None:
    manifest = tomllib.loads((STATIC / "vendored.toml").read_text(encoding="utf-8"))
    npm = Path(os.environ.get("TPS_PLANNER_WEB_ASSETS", "/nonexistent")) / "node_modules"
    for entry in manifest["file"]:
        local = STATIC / entry["path"]
        assert hashlib.sha256(local.read_bytes()).hexdigest() == entry["sha256"], entry["path"]
        assert entry["licence"] and (STATIC / Path(entry["path"]).parts[0] / "LICENSE").is_file()
        package = npm / entry["package"]
        if (package / "package.json").is_file():
            version = json.loads((package / "package.json").read_text())["version"]
            assert version == entry["version"]
            assert (package / entry["source"]).read_bytes() == local.read_bytes(), entry["path"]


def test_route_colours_are_distinct_for_any_fleet() -> None:
    for count in (1, 5, 12, 13, 20, 40):
        colours = route_colours(count)
        assert len(colours) == count == len(set(colours))
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)


def test_reserve_points_are_named_by_road_and_kelurahan(tmp_path: Path) -> None:
    graph = grid_city(load_rules(), size=3)
    assert _road_names([(112.60, -7.99)], graph) == [""]  # the RBI roads have no names
    for _, _, data in graph.edges(0, data=True):
        data["name"] = "Jalan Ijen"
    assert _road_names([(112.6001, -7.9899)], graph) == ["Jalan Ijen"]
    case = synthetic_case(tmp_path, n_tps=40)
    data = page_data(build_map(case.scenario, case.plan, case.boundaries, roads=graph).html)
    names = [point["name"] for point in data["reserve"]]
    assert names[0] == "Polresta Malang Kota"
    assert all(re.match(r"Simpang .*, Kel\. \S", name) for name in names[1:])
    assert not any("simpul" in name for name in names)
