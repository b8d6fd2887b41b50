"""The deployment maps in headless Chromium: layers, popups, Polsek filter, safety and scale.

Folium pages load Leaflet and its plugins from CDNs this machine cannot reach; every
such request is answered from npm packages in a scratch folder (``TPS_PLANNER_WEB_ASSETS``,
else installed once with npm into the cache), and map tiles get a blank PNG.
"""

from __future__ import annotations

import base64
import csv
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from planner.maps import write_map
from tests.city import node_point, town_plan
from tests.test_exports import XSS_ID, XSS_IMG, XSS_SCRIPT, Case, synthetic_case

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]'")

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ASSETS_VARIABLE = "TPS_PLANNER_WEB_ASSETS"
TILE_HOSTS = ("tile.openstreetmap.org",)
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4a80000000049454e44ae426082"
)
CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}
MAX_HTML_BYTES = 8_000_000
MAX_READY_MS = 3_000.0


def cdn_file(url: str) -> tuple[str, str, str] | None:
    """(npm package, version, path inside it) of a CDN URL folium uses, else ``None``."""
    parts = urlparse(url)
    if parts.netloc == "cdn.jsdelivr.net":  # /npm/PKG@V/PATH or /gh/OWNER/REPO@V/PATH
        found = re.match(r"^/(?:npm|gh/[^/]+)/((?:@[^/]+/)?[^@/]+)@([^/]+)/(.+)$", parts.path)
    elif parts.netloc == "cdnjs.cloudflare.com":  # /ajax/libs/PKG/V/PATH
        found = re.match(r"^/ajax/libs/([^/]+)/([^/]+)/(.+)$", parts.path)
    elif parts.netloc == "code.jquery.com":  # /jquery-V.min.js
        found = re.match(r"^/(jquery)-([\d.]+)((?:\.min)?\.js)$", parts.path)
        return None if found is None else ("jquery", found[2], f"dist/jquery{found[3]}")
    else:
        return None
    return None if found is None else (found[1], found[2], found[3])


def page_packages(html: str) -> set[tuple[str, str]]:
    """Every (package, version) the page's ``<script src>`` and ``<link href>`` load."""
    urls = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    packages = {cdn_file(u)[:2] for u in urls if cdn_file(u) is not None}
    unknown = [u for u in urls if cdn_file(u) is None]
    assert not unknown, f"no npm package known for {unknown}"
    return packages


@dataclass
class WebAssets:
    """npm packages in ``folder/node_modules`` that stand in for the CDNs."""

    folder: Path

    def installed(self, package: str, version: str) -> bool:
        """Whether ``package@version`` is there."""
        manifest = self.folder / "node_modules" / package / "package.json"
        return manifest.is_file() and f'"version": "{version}"' in manifest.read_text()

    def ensure(self, packages: set[tuple[str, str]]) -> None:
        """Install the missing packages with npm (skip the test when npm is absent)."""
        missing = sorted(f"{p}@{v}" for p, v in packages if not self.installed(p, v))
        if not missing:
            return
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"web assets {missing} missing and npm not found ({ASSETS_VARIABLE})")
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [npm, "install", "--prefix", str(self.folder), "--no-audit", "--no-fund"]
        subprocess.run([*command, "--ignore-scripts", "--loglevel=error", *missing], check=True)

    def file(self, package: str, path: str) -> Path | None:
        """The package file a CDN path names (minified name, ``dist/`` or ``src/`` variants)."""
        root = self.folder / "node_modules" / package
        for prefix in ("", "dist/", "src/"):
            for name in (path, path.replace(".min.", ".")):
                if (root / prefix / name).is_file():
                    return root / prefix / name
        return None


@dataclass
class LoadedMap:
    """A map page with what went wrong while it loaded and ran."""

    page: playwright_api.Page
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def count(self, layer: str) -> int:
        """Leaflet layers in one of the map's GeoJSON layers."""
        return self.page.evaluate(f"window.tpsPlanner.layers.{layer}.getLayers().length")


@pytest.fixture(scope="session")
def browser() -> Iterator[playwright_api.Browser]:
    """Debian's Chromium driven by Playwright, once per session."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium; .ci/run does)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def web_assets() -> WebAssets:
    """The scratch folder of npm packages: ``TPS_PLANNER_WEB_ASSETS`` or a cache folder."""
    value = os.environ.get(ASSETS_VARIABLE)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return WebAssets(Path(value) if value else cache / "tps-planner-web-assets")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A 300-TPS synthetic case with patrols, named pairs and injection payloads."""
    return synthetic_case(tmp_path_factory.mktemp("browser-case"))


@pytest.fixture(scope="module")
def maps(case: Case, tmp_path_factory: pytest.TempPathFactory, web_assets: WebAssets) -> dict:
    """Both editions written to disk, with the web assets they need at hand."""
    folder = tmp_path_factory.mktemp("maps")
    paths = {
        edition: write_map(
            folder / f"{edition}.html", case.scenario, case.plan, case.boundaries, edition
        )
        for edition in ("internal", "public")
    }
    web_assets.ensure(page_packages(paths["internal"].read_text(encoding="utf-8")))
    return paths


def open_map(browser: playwright_api.Browser, assets: WebAssets, path: Path) -> LoadedMap:
    """Load a map page with CDN requests served from npm packages; wait until it is ready."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    loaded = LoadedMap(page)

    def answer(route: playwright_api.Route) -> None:
        url = route.request.url
        if urlparse(url).netloc in TILE_HOSTS:
            route.fulfill(status=200, body=BLANK_PNG, content_type="image/png")
            return
        where = cdn_file(url)
        local = None if where is None else assets.file(where[0], where[2])
        if local is None:
            loaded.failed.append(url)
            route.fulfill(status=404, body="")
            return
        content_type = CONTENT_TYPES.get(local.suffix, "application/octet-stream")
        route.fulfill(status=200, body=local.read_bytes(), content_type=content_type)

    page.route(re.compile(r"^https?://"), answer)
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.on("requestfailed", lambda r: loaded.failed.append(r.url))
    page.on("dialog", lambda d: (loaded.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("window.tpsPlanner && window.tpsPlanner.readyMs", timeout=20_000)
    return loaded


@pytest.fixture
def internal(browser, web_assets: WebAssets, maps: dict) -> Iterator[LoadedMap]:
    """The internal edition, loaded."""
    loaded = open_map(browser, web_assets, maps["internal"])
    yield loaded
    loaded.page.close()


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_map_loads_every_layer_cleanly(
    browser, web_assets: WebAssets, maps: dict, case: Case, edition: str
) -> None:
    loaded = open_map(browser, web_assets, maps[edition])
    assert loaded.count("tps") == len(case.scenario.tps)
    assert loaded.page.locator("path.tpsmap-tps").count() == len(case.scenario.tps)
    routes = case.plan["patrols"]["routes"]
    assert loaded.count("routes") == 2 * len(routes)  # each route and its arrow line
    assert loaded.page.locator("path[marker-mid]").count() == len(routes)
    assert loaded.count("reserve") == 3 and loaded.count("posts") == 6
    assert loaded.count("kecamatan") == 5 and loaded.count("groups") > 0
    assert loaded.page.locator(".tpsmap-title").inner_text().count("Polsek") >= 5
    assert loaded.errors == [] and loaded.failed == [] and loaded.dialogs == []
    loaded.page.close()


def test_layer_control_hides_and_shows_tps(internal: LoadedMap, case: Case) -> None:
    page = internal.page
    checkbox = page.locator(".leaflet-control-layers-overlays label", has_text="TPS (warna")
    checkbox.locator("input").click()
    assert page.locator("path.tpsmap-tps").count() == 0
    assert not page.evaluate("tpsPlanner.map.hasLayer(tpsPlanner.layers.tps)")
    routes = page.locator(".leaflet-control-layers-overlays label", has_text="Rute patroli")
    routes.locator("input").click()
    assert page.locator("path[marker-mid]").count() == 0
    checkbox.locator("input").click()
    assert page.locator("path.tpsmap-tps").count() == len(case.scenario.tps)


def test_polsek_filter_shows_one_polsek(internal: LoadedMap, case: Case) -> None:
    page = internal.page
    page.select_option("select.tpsmap-filter", "Sukun")
    expected = int((case.scenario.tps["kecamatan"] == "Sukun").sum())
    assert internal.count("tps") == expected
    assert page.locator("path.tpsmap-tps").count() == expected
    assert internal.count("routes") == 4  # Polsek Sukun's two routes and their arrows
    page.select_option("select.tpsmap-filter", "")
    assert internal.count("tps") == len(case.scenario.tps)


def test_click_on_tps_opens_its_popup(internal: LoadedMap, case: Case) -> None:
    tps = case.scenario.tps
    row = tps[tps["risk"] == "kurang_rawan"].iloc[20]
    page = internal.page
    box = page.evaluate(
        """(id) => {
            const layer = tpsPlanner.layers.tps.getLayers()
                .find((l) => l.feature.properties.tps_id === id);
            tpsPlanner.map.setView(layer.getLatLng(), 18, {animate: false});
            const r = layer._path.getBoundingClientRect();
            return [r.x + r.width / 2, r.y + r.height / 2];
        }""",
        row["tps_id"],
    )
    page.mouse.click(*box)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    content = popup.inner_text()
    assert row["tps_id"] in content and row["kelurahan"] in content
    assert "Kerawanan" in content and "Kurang rawan" in content and "Linmas" in content
    assert "Pasangan 1" in content  # the internal edition names the pair


def test_screenshot_is_not_blank(internal: LoadedMap, tmp_path: Path) -> None:
    shot = tmp_path / "map.png"
    internal.page.screenshot(path=str(shot))
    colours = internal.page.evaluate(
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
    assert colours > 200


def test_injected_names_render_as_text(internal: LoadedMap, case: Case) -> None:
    page = internal.page
    ids = [*case.scenario.tps["tps_id"].iloc[:5], case.plan["groups"][0]["anchor"]]
    texts = page.evaluate(
        """(ids) => ids.map((id) => {
            const layer = tpsPlanner.layers.tps.getLayers()
                .find((l) => l.feature.properties.tps_id === id);
            layer.openPopup();
            const node = layer.getPopup().getElement().querySelector(".leaflet-popup-content");
            return [node.textContent, node.querySelectorAll("img, script").length];
        })""",
        ids,
    )
    assert XSS_SCRIPT in texts[0][0] and XSS_IMG in texts[1][0] and XSS_ID in texts[2][0]
    assert XSS_IMG in texts[3][0] and XSS_SCRIPT in texts[4][0]
    assert XSS_IMG in texts[5][0]  # an officer's name in the internal edition
    assert all(count == 0 for _, count in texts)
    page.locator(".search-button").click()
    page.locator("input.search-input").press_sequentially("<img")
    page.locator(".search-tip").first.wait_for(timeout=5_000)
    assert XSS_ID in page.locator(".search-tooltip").inner_text()
    options = page.locator("select.tpsmap-filter").inner_text()
    assert f"Polsek Klojen {XSS_SCRIPT}" in options
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    assert internal.dialogs == [] and internal.failed == [] and internal.errors == []
    assert page.locator(".leaflet-container img[src='x'], .leaflet-container script").count() == 0


@pytest.mark.parametrize("n_tps", [1188, 2452])
def test_scale_html_size_and_time_to_ready(
    browser,
    web_assets: WebAssets,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    n_tps: int,
) -> None:
    big = synthetic_case(tmp_path, n_tps=n_tps, seed=11)
    started = time.perf_counter()
    path = write_map(tmp_path / "map.html", big.scenario, big.plan, big.boundaries)
    build_s = time.perf_counter() - started
    size = path.stat().st_size
    web_assets.ensure(page_packages(path.read_text(encoding="utf-8")))
    first = open_map(browser, web_assets, path)  # warms the browser's caches
    first_ms = first.page.evaluate("tpsPlanner.readyMs")
    first.page.close()
    loaded = open_map(browser, web_assets, path)
    ready_ms = loaded.page.evaluate("tpsPlanner.readyMs")
    assert loaded.count("tps") == n_tps
    assert loaded.errors == [] and loaded.failed == []
    loaded.page.close()
    with capsys.disabled():
        print(
            f"\n[map scale] {n_tps} TPS: HTML {size / 1e6:.2f} MB, built in {build_s:.1f} s, "
            f"ready in {ready_ms:.0f} ms (first load {first_ms:.0f} ms)"
        )
    assert size < MAX_HTML_BYTES
    assert ready_ms < MAX_READY_MS


@pytest.fixture(scope="module")
def logistics_map(
    tmp_path_factory: pytest.TempPathFactory, web_assets: WebAssets
) -> tuple[dict, Path]:
    """The logistics town's plan and its internal map; a PPS named with an injection payload."""
    folder = tmp_path_factory.mktemp("logistics-map")
    sites = folder / "sites.csv"
    lat, lon = node_point(14)
    with sites.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["kind", "name", "kecamatan", "kelurahan", "latitude", "longitude"])
        writer.writerow(["pps", XSS_SCRIPT, "Alpha", "Satu", lat, lon])
    scenario, _, plan = town_plan(folder, sites_file=sites)
    path = write_map(folder / "map.html", scenario, plan)
    web_assets.ensure(page_packages(path.read_text(encoding="utf-8")))
    return plan, path


def test_logistics_layers_per_leg_and_day_open_on_demand(
    browser, web_assets: WebAssets, logistics_map: tuple[dict, Path]
) -> None:
    plan, path = logistics_map
    loaded = open_map(browser, web_assets, path)
    page = loaded.page
    keys = page.evaluate("Object.keys(tpsPlanner.layers).filter((k) => k.startsWith('logistics'))")
    lines = "tpsPlanner.layers[k].getLayers().filter((l) => !l.feature.properties.arrow).length"
    assert sum(page.evaluate(f"(k) => {lines}", k) for k in keys) == len(
        plan["logistics"]["routes"]
    )
    shown = "(k) => tpsPlanner.map.hasLayer(tpsPlanner.layers[k])"
    assert not any(page.evaluate(shown, k) for k in [*keys, "sites"])
    control = page.locator(".leaflet-control-layers-overlays label", has_text="PPS → TPS")
    control.locator("input").click()
    assert page.locator("path[marker-mid^='url(#tpsmap-leg-2)']").count() > 0
    text = page.evaluate(
        """(keys) => {
            const k = keys.find((k) => tpsPlanner.map.hasLayer(tpsPlanner.layers[k]));
            const line = tpsPlanner.layers[k].getLayers()
                .find((l) => !l.feature.properties.arrow);
            line.openPopup(line.getBounds().getCenter());
            return line.getPopup().getElement().textContent;
        }""",
        keys,
    )
    assert "PPS → TPS" in text and "Truk" in text and "muat" in text and "bongkar" in text
    page.locator(".leaflet-control-layers-overlays label", has_text="Gudang KPU, PPK").click()
    assert loaded.count("sites") == len(plan["logistics"]["sites"])
    popup = page.evaluate(
        """(name) => {
            const site = tpsPlanner.layers.sites.getLayers()
                .find((l) => l.feature.properties.t === name);
            site.openPopup();
            const node = site.getPopup().getElement();
            return [node.textContent, node.querySelectorAll("img, script").length];
        }""",
        XSS_SCRIPT,
    )
    assert XSS_SCRIPT in popup[0] and "Hari dijaga" in popup[0] and popup[1] == 0
    assert page.evaluate("window.__xss") is None
    assets = [u for u in loaded.failed if urlparse(u).netloc not in TILE_HOSTS]
    assert loaded.errors == [] and assets == [] and loaded.dialogs == []  # popups pan: tiles drop
    page.close()
