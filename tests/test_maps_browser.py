"""The map pages in headless Chromium: offline, on a phone and a laptop, safe with any text.

Every network request is aborted (the pages inline everything they need); the only
requests a page makes are for map tiles, and when those fail it draws the plan's own
roads instead.
"""

from __future__ import annotations

import base64
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from planner.inputs.rules import load_rules
from planner.outputs.maps import write_map
from planner.plan import schema
from planner.plan.shapes import from_json
from tests.city import grid_city, node_point, town_plan
from tests.test_exports import XSS_ID, XSS_IMG, XSS_SCRIPT, Case, synthetic_case

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TILE_HOSTS = ("tile.openstreetmap.org",)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
PANEL_SHARE = 0.25
"""Controls and panels may cover at most this share of the map as a page opens."""
MAX_PEMILU_BYTES = 5_000_000
LAST_POPUP = """() => {  // the newest popup's content (an older one may still be fading out)
    window.lastPopup = () => [...document.querySelectorAll(".leaflet-popup-content")].pop();
}"""


@dataclass
class LoadedMap:
    """A map page and what happened while it loaded and ran."""

    page: playwright_api.Page
    errors: list[str] = field(default_factory=list)
    tile_failures: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def count(self, layer: str) -> int:
        """Leaflet layers in one of the page's layers (0 before a lazy one is first shown)."""
        return self.page.evaluate(f"tpsPlanner.count({layer!r})")

    def shown(self, layer: str) -> bool:
        """Whether the layer is on the map."""
        return self.page.evaluate(f"tpsPlanner.map.hasLayer(tpsPlanner.layers[{layer!r}])")

    def switch(self, label: str) -> None:
        """Click a layer's toggle as a user does, opening the layer list first if collapsed."""
        self.open_layers()
        self.page.locator(".leaflet-control-layers-list label", has_text=label).click()

    def open_layers(self, touch: bool = False) -> None:
        """Open a collapsed layer list: a tap on its button, or the mouse over it."""
        if self.page.locator(".leaflet-control-layers-expanded").count():
            return
        box = self.page.locator(".leaflet-control-layers-toggle").bounding_box()
        assert box is not None
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.page.touchscreen.tap(*centre) if touch else self.page.mouse.move(*centre)

    def clean(self) -> bool:
        """No script error, no console error but failed tiles, no dialog, no request but tiles."""
        hosts = {urlparse(u).netloc for u in self.requests}
        return not self.errors and not self.dialogs and hosts <= set(TILE_HOSTS)


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_api.Browser]:
    """Debian's Chromium driven by Playwright, once per session."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium; .ci/run does)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


def open_map(
    browser: playwright_api.Browser,
    path: Path,
    viewport: dict[str, int] = LAPTOP,
    touch: bool = False,
    offline: bool = False,
) -> LoadedMap:
    """Load a map page with every request aborted (or the browser offline); wait until ready."""
    context = browser.new_context(viewport=viewport, has_touch=touch, is_mobile=touch)
    context.set_offline(offline)
    page = context.new_page()
    loaded = LoadedMap(page)

    def console(message: playwright_api.ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if urlparse(source).netloc in TILE_HOSTS:
            loaded.tile_failures.append(source)
        else:
            loaded.errors.append(message.text)

    def abort(route: playwright_api.Route) -> None:
        loaded.requests.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^https?://"), abort)
    page.on("console", console)
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.on("dialog", lambda d: (loaded.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.tpsPlanner && window.tpsPlanner.readyMs", timeout=30_000)
    page.evaluate(LAST_POPUP)
    return loaded


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A 300-TPS synthetic case with patrols, named pairs and injection payloads."""
    return synthetic_case(tmp_path_factory.mktemp("browser-case"))


@pytest.fixture(scope="module")
def maps(case: Case, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both editions, with a street grid over the case as the plan's road network."""
    folder = tmp_path_factory.mktemp("maps")
    roads = grid_city(load_rules(), size=26, rows=22, step=0.004, origin=(112.56, -8.04))
    return {
        edition: write_map(
            folder / f"{edition}.html",
            case.scenario,
            case.plan,
            case.boundaries,
            edition,  # type: ignore[arg-type]
            roads=roads,
        )
        for edition in ("internal", "public")
    }


@pytest.fixture
def internal(browser: playwright_api.Browser, maps: dict[str, Path]) -> Iterator[LoadedMap]:
    """The internal edition on a laptop screen."""
    loaded = open_map(browser, maps["internal"])
    yield loaded
    loaded.page.context.close()


DRAWN = """(layer) => {  // the canvas pixel under each TPS dot: [alpha, red, green, blue]
    const dots = tpsPlanner.layers[layer], r = dots._renderer, scale = devicePixelRatio || 1;
    return dots._points.slice(0, 60).map((point) => {
        const p = point.subtract(r._bounds.min);
        const px = r._ctx.getImageData(Math.round(p.x * scale), Math.round(p.y * scale), 1, 1);
        return [px.data[3], px.data[0], px.data[1], px.data[2]];
    });
}"""


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_works_with_every_request_aborted(
    browser: playwright_api.Browser, maps: dict[str, Path], case: Case, edition: str
) -> None:
    loaded = open_map(browser, maps[edition])
    assert loaded.count("tps") == len(case.scenario.tps)
    assert loaded.shown("tps")
    pixels = loaded.page.evaluate(DRAWN, "tps")
    assert all(alpha > 200 for alpha, *_ in pixels), "TPS not drawn on the canvas"
    assert loaded.page.evaluate("tpsPlanner.offline()"), "tiles failed: the roads basemap"
    assert loaded.page.evaluate("tpsPlanner.map.hasLayer(tpsPlanner.base.roads)")
    assert loaded.clean(), (loaded.errors, loaded.dialogs, loaded.requests)
    assert "OpenStreetMap" in loaded.page.locator(".leaflet-control-layers-base").inner_text()
    loaded.page.context.close()


def test_offline_browser_makes_no_request_and_logs_no_error(
    browser: playwright_api.Browser, maps: dict[str, Path], case: Case
) -> None:
    loaded = open_map(browser, maps["internal"], offline=True)
    assert loaded.requests == [] and loaded.tile_failures == [] and loaded.errors == []
    assert loaded.count("tps") == len(case.scenario.tps) and loaded.page.evaluate(
        "tpsPlanner.offline()"
    )
    notice = loaded.page.locator(".tpsmap-notice").inner_text()
    assert "jaringan jalan" in notice
    loaded.page.context.close()


def control_share(page: playwright_api.Page) -> float:
    """The share of the map the controls and panels cover (their boxes summed)."""
    return page.evaluate(
        """() => {
            const map = tpsPlanner.map.getContainer().getBoundingClientRect();
            let area = 0;
            document.querySelectorAll(".leaflet-control").forEach((node) => {
                const r = node.getBoundingClientRect();
                area += r.width * r.height;
            });
            return area / (map.width * map.height);
        }"""
    )


def tps_on_screen(page: playwright_api.Page, tps_id: str) -> tuple[float, float]:
    """Centre the map on a TPS at street zoom; its point on the screen."""
    return tuple(
        page.evaluate(
            """(id) => {
                const tps = tpsPlanner.data.tps, i = tps.id.indexOf(id);
                const at = L.latLng(tps.lat[i], tps.lon[i]);
                tpsPlanner.map.setView(at, 17, {animate: false});
                const p = tpsPlanner.map.latLngToContainerPoint(at);
                const box = tpsPlanner.map.getContainer().getBoundingClientRect();
                return [box.x + p.x, box.y + p.y];
            }""",
            tps_id,
        )
    )


def colours_in(page: playwright_api.Page, shot: Path) -> int:
    """Distinct colours of a screenshot."""
    page.screenshot(path=str(shot))
    return page.evaluate(
        """async (data) => {
            const image = new Image();
            image.src = "data:image/png;base64," + data;
            await image.decode();
            const canvas = document.createElement("canvas");
            canvas.width = image.width;
            canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const pixels = context.getImageData(0, 0, image.width, image.height).data;
            const seen = new Set();
            for (let i = 0; i < pixels.length; i += 4) {
                seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
            }
            return seen.size;
        }""",
        base64.b64encode(shot.read_bytes()).decode(),
    )


@pytest.mark.parametrize(
    ("screen", "viewport", "touch"), [("phone", PHONE, True), ("laptop", LAPTOP, False)]
)
def test_usable_on_a_phone_and_a_laptop(
    browser: playwright_api.Browser,
    maps: dict[str, Path],
    case: Case,
    tmp_path: Path,
    screen: str,
    viewport: dict[str, int],
    touch: bool,
) -> None:
    loaded = open_map(browser, maps["internal"], viewport, touch)
    page = loaded.page
    assert control_share(page) <= PANEL_SHARE, f"panels cover too much of the {screen} map"
    assert colours_in(page, tmp_path / f"{screen}.png") > 200
    loaded.open_layers(touch)
    inputs = page.locator(".leaflet-control-layers-list input")
    assert inputs.count() >= 9  # 2 bases, boundaries, groups, 2 shifts, missed, reserve, ...
    for n in range(inputs.count()):
        box = inputs.nth(n)
        before = box.is_checked()
        box.click()
        assert box.is_checked() != before or box.get_attribute("type") == "radio"
        if box.get_attribute("type") == "checkbox":
            box.click()
            assert box.is_checked() == before
    page.evaluate(
        "document.querySelector('.leaflet-control-layers').classList"
        ".remove('leaflet-control-layers-expanded')"
    )  # as a tap elsewhere does
    tps = case.scenario.tps
    row = tps[tps["risk"] == "kurang_rawan"].iloc[20]
    x, y = tps_on_screen(page, row["tps_id"])
    page.touchscreen.tap(x, y) if touch else page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content", has_text=row["tps_id"])
    popup.wait_for(timeout=5_000)
    assert row["kelurahan"] in popup.inner_text()
    assert loaded.clean()
    page.context.close()


def test_popup_names_the_pair_and_shows_injected_text_as_text(
    internal: LoadedMap, case: Case
) -> None:
    page = internal.page
    ids = [*case.scenario.tps["tps_id"].iloc[:5], case.plan.groups[0].anchor]
    texts = page.evaluate(
        """(ids) => ids.map((id) => {
            tpsPlanner.openTps(id);
            const node = lastPopup();
            return [node.textContent, node.querySelectorAll("img, script").length];
        })""",
        ids,
    )
    assert XSS_SCRIPT in texts[0][0] and XSS_IMG in texts[1][0] and XSS_ID in texts[2][0]
    assert XSS_IMG in texts[3][0] and XSS_SCRIPT in texts[4][0]
    assert XSS_IMG in texts[5][0]  # an officer's name in the internal edition
    assert "Kerawanan" in texts[5][0] and "Pasangan 1" in texts[5][0] and "Linmas" in texts[5][0]
    assert all(count == 0 for _, count in texts)
    search = page.locator(".tpsmap-search input")
    search.fill("img src")
    assert XSS_ID in page.locator(".tpsmap-search ul").inner_text()
    options = page.locator("select.tpsmap-filter").inner_text()
    assert f"Polsek Klojen {XSS_SCRIPT}" in options
    assert "Uji <b>sintetis</b>" in page.locator(".tpsmap-title h1").inner_text()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert internal.clean()
    assert page.locator(".leaflet-container img[src='x'], .leaflet-container script").count() == 0


def test_polsek_filter_shows_one_polsek(internal: LoadedMap, case: Case) -> None:
    page = internal.page
    page.select_option("select.tpsmap-filter", "Sukun")
    expected = int((case.scenario.tps["kecamatan"] == "Sukun").sum())
    assert internal.count("tps") == expected
    assert internal.count("routes_voting") == 1  # Polsek Sukun's voting route
    page.select_option("select.tpsmap-filter", "")
    assert internal.count("tps") == len(case.scenario.tps)
    assert internal.count("routes_voting") == 5


def test_search_by_number_kelurahan_name_address_and_id(internal: LoadedMap, case: Case) -> None:
    tps = case.scenario.tps
    row = tps.iloc[17]
    kelurahan, number = row["kelurahan"], int(row["tps_number"])
    search = "(q) => tpsPlanner.search(q)"
    page = internal.page
    assert page.evaluate(search, f"{kelurahan} {number}")[0] == row["tps_id"]
    assert page.evaluate(search, f"TPS {number:03d} {kelurahan}")[0] == row["tps_id"]
    assert page.evaluate(search, f"tps {number} {kelurahan.lower()}")[0] == row["tps_id"]
    assert row["tps_id"] in page.evaluate(search, row["address"])
    assert page.evaluate(search, row["tps_id"])[0] == row["tps_id"]
    assert page.evaluate(search, "tidak ada di mana pun") == []
    box = page.locator(".tpsmap-search input")
    box.fill(f"{kelurahan} {number}")
    box.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert row["tps_id"] in popup.inner_text()


def test_patrols_per_shift_distinct_colours_and_missed_visits(
    internal: LoadedMap, case: Case
) -> None:
    page = internal.page
    assert internal.shown("routes_voting") and not internal.shown("routes_counting")
    assert internal.count("routes_counting") == 0  # built when first shown
    internal.switch("penghitungan")
    assert internal.count("routes_counting") == 5
    shifts = page.evaluate("tpsPlanner.data.patrols.shifts")
    for shift in shifts:
        for post in {r["post"] for r in shift["routes"]}:
            colours = [r["colour"] for r in shift["routes"] if r["post"] == post]
            assert len(set(colours)) == len(colours)
        assert all(
            re.fullmatch(r"Polsek \S+.* (motor|mobil) \d+", r["name"]) for r in shift["routes"]
        )
    dropped = {d.tps_id for d in case.plan.patrols.dropped}
    visited = {s.tps_id for r in case.plan.patrols.routes for s in r.stops}
    unvisited = set(case.scenario.tps["tps_id"]) - visited
    unpatrolled = len(unvisited)
    assert internal.count("missed") == len(dropped | unvisited)
    figures = page.locator(".tpsmap-title").inner_text()
    assert "Kunjungan patroli terlewat" in figures and f"{unpatrolled}" in figures
    line = page.evaluate(
        """() => {
            const route = tpsPlanner.layers.routes_voting.getLayers()[0];
            route.fire("click", {latlng: route.getLatLngs()[3]});
            return lastPopup().textContent;
        }"""
    )
    assert "Urutan singgahan" in line and "pemungutan suara" in line and "kunjungan ke-1" in line


def test_public_edition_shows_coordination_only(
    browser: playwright_api.Browser, maps: dict[str, Path], case: Case
) -> None:
    loaded = open_map(browser, maps["public"])
    page = loaded.page
    data = page.evaluate("tpsPlanner.data")
    assert "groups" not in data and "patrols" not in data
    assert set(data["tps"]) >= {"id", "name", "kec", "risk", "reserve"}
    assert not {"group", "anchor", "uncovered", "linmas"} & set(data["tps"])
    assert all("officers" not in post for post in data["posts"])
    text = page.evaluate(
        """(id) => { tpsPlanner.openTps(id);
            return lastPopup().textContent; }""",
        case.plan.groups[0].anchor,
    )
    assert "Polsek" in text and "Kerawanan" in text and "Cadangan" in text
    assert "Pasangan" not in text and "personel" not in text and "Kelompok" not in text
    panel = page.locator(".tpsmap-title").inner_text()
    assert "Edisi publik" in panel and "Personel" not in panel and "Linmas" not in panel
    labels = page.locator(".leaflet-control-layers-overlays").text_content()
    assert "Patroli" not in labels and "Kelompok" not in labels
    assert loaded.clean()
    loaded.page.context.close()


@pytest.mark.parametrize("n_tps", [1188, 2452])
def test_pilkada_and_pemilu_sizes_load(
    browser: playwright_api.Browser, tmp_path: Path, n_tps: int
) -> None:
    big = synthetic_case(tmp_path, n_tps=n_tps, seed=11)
    path = write_map(tmp_path / "map.html", big.scenario, big.plan, big.boundaries)
    assert path.stat().st_size < MAX_PEMILU_BYTES
    loaded = open_map(browser, path)
    assert loaded.count("tps") == n_tps and loaded.clean()
    loaded.page.context.close()


@pytest.fixture(scope="module")
def logistics_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[schema.Plan, Path]:
    """The logistics town's plan and its internal map; a PPS named with an injection payload."""
    folder = tmp_path_factory.mktemp("logistics-map")
    sites = folder / "sites.csv"
    lat, lon = node_point(14)
    with sites.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["kind", "name", "kecamatan", "kelurahan", "latitude", "longitude"])
        writer.writerow(["pps", XSS_SCRIPT, "Alpha", "Satu", lat, lon])
    scenario, roads, document = town_plan(folder, sites_file=sites)
    plan = from_json(document)
    return plan, write_map(folder / "map.html", scenario, plan, roads=roads.graph)


def test_logistics_layers_per_leg_and_day_made_on_demand(
    browser: playwright_api.Browser, logistics_map: tuple[schema.Plan, Path]
) -> None:
    plan, path = logistics_map
    loaded = open_map(browser, path)
    page = loaded.page
    keys = page.evaluate("Object.keys(tpsPlanner.layers).filter((k) => k.startsWith('logistics'))")
    assert keys and not any(loaded.shown(k) for k in [*keys, "sites"])
    assert all(loaded.count(k) == 0 for k in keys)  # nothing built until switched on
    labels = page.locator(".leaflet-control-layers-overlays label")
    for n in range(labels.count()):
        if "Kawal logistik" in labels.nth(n).text_content():
            loaded.switch(labels.nth(n).text_content().strip())
    assert sum(loaded.count(k) for k in keys) == len(plan.logistics.routes)
    text = page.evaluate(
        """(keys) => {
            const k = keys.find((k) => tpsPlanner.layers[k].getLayers().length);
            const line = tpsPlanner.layers[k].getLayers()[0];
            line.fire("click", {latlng: line.getLatLngs()[1]});
            return lastPopup().textContent;
        }""",
        keys,
    )
    assert "Truk" in text and "kawal" in text and ("muat" in text or "bongkar" in text)
    loaded.switch("Gudang KPU, PPK")
    assert loaded.count("sites") == len(plan.logistics.sites)
    popup = page.evaluate(
        """(name) => {
            const n = tpsPlanner.data.logistics.sites.findIndex((site) => site.name === name);
            tpsPlanner.layers.sites.getLayers()[n].fire("click");
            const node = lastPopup();
            return [node.textContent, node.querySelectorAll("img, script").length];
        }""",
        XSS_SCRIPT,
    )
    assert XSS_SCRIPT in popup[0] and "Hari dijaga" in popup[0] and popup[1] == 0
    assert page.evaluate("window.__xss") is None
    assert loaded.clean()
    page.context.close()


@pytest.fixture(scope="module")
def payload_maps(malang_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of ``tps-planner plan`` on inputs with payloads in every text field."""
    from tests.test_payloads import payload_plan

    return payload_plan(tmp_path_factory.mktemp("payload-maps"), malang_dir)


@pytest.mark.malang
@pytest.mark.parametrize("edition", ["internal", "public"])
def test_payload_plan_maps_show_every_text_literally(
    browser: playwright_api.Browser, payload_maps: Path, edition: str
) -> None:
    from planner.inputs.scenario import load_scenario, read_scenario_file

    spec = read_scenario_file(payload_maps / "scenario.toml")
    assert spec.tps is not None and spec.posts is not None
    scenario = load_scenario(spec.tps, spec.posts, spec.rules, spec.name)
    page_file = payload_maps / ("map.html" if edition == "internal" else "publik/map_public.html")
    loaded = open_map(browser, page_file)
    page = loaded.page
    assert page.locator(".tpsmap-title h1").text_content() == scenario.name
    found = page.evaluate(
        """(ids) => ids.map((id) => {
            tpsPlanner.openTps(id);
            const node = lastPopup();
            return [node.textContent, node.querySelectorAll("*:not(div,table,tr,th,td)").length];
        })""",
        list(scenario.tps["tps_id"]),
    )
    for row, (content, foreign) in zip(scenario.tps.itertuples(), found, strict=True):
        assert foreign == 0, f"markup from input text in the popup of {row.tps_id!r}"
        for value in (row.tps_id, row.name, row.address, row.kelurahan, row.notes):
            assert value in content, (value, content)
    posts = page.evaluate(
        """() => tpsPlanner.layers.posts.getLayers().map((marker, n) => {
            marker.fire("click");
            return lastPopup().textContent;
        })"""
    )
    for post, content in zip(scenario.posts.itertuples(), posts, strict=True):
        assert post.name in content and post.address in content and post.notes in content
    assert any("{{7*7}}" in content for content, _ in found)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert loaded.clean(), (loaded.errors, loaded.dialogs, loaded.requests)
    page.context.close()


def test_measure_tool_adds_taps_and_tps_as_points(internal: LoadedMap, case: Case) -> None:
    page = internal.page
    row = case.scenario.tps.iloc[30]
    x, y = tps_on_screen(page, row["tps_id"])
    page.locator(".tpsmap-ruler").click()
    page.mouse.click(x - 150, y - 120)
    page.mouse.click(x, y)  # on the TPS: a point, not its popup
    label = page.locator(".tpsmap-measure")
    assert re.fullmatch(r"[\d.]+ m|[\d.]+,\d\d km", label.inner_text())
    assert page.locator(".leaflet-popup-content").count() == 0
    metres = page.evaluate(
        """([x, y]) => {
            const map = tpsPlanner.map, box = map.getContainer().getBoundingClientRect();
            const a = map.containerPointToLatLng([x - 150 - box.x, y - 120 - box.y]);
            const b = map.containerPointToLatLng([x - box.x, y - box.y]);
            return map.distance(a, b);
        }""",
        [x, y],
    )
    shown = label.inner_text().replace(".", "").replace(",", ".")
    value = float(shown.split()[0]) * (1000 if shown.endswith("km") else 1)
    assert value == pytest.approx(metres, abs=max(2.0, metres * 0.01))
    page.locator(".tpsmap-ruler").click()
    label.wait_for(state="detached")
    page.mouse.click(x, y)
    page.locator(".leaflet-popup-content", has_text=row["tps_id"]).wait_for()
