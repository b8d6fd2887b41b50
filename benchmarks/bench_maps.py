"""Benchmark the map pages: size, build time and time to interactive in headless Chromium.

Usage::

    python -m benchmarks.bench_maps PLAN_DIR [PLAN_DIR ...] [--runs 5] [--throttle 4]
        [--page FILE.html ...] [--cdn NPM_FOLDER]

Each ``PLAN_DIR`` is a ``tps-planner plan`` or ``demo`` output folder: both editions are
built again from its ``scenario.toml`` and ``plan.json`` (with the road network for the
offline basemap), timed, and loaded ``--runs`` times in Debian's Chromium, every network
request aborted (the page must work offline), after one warm-up load; then as many times
again with the CPU slowed ``--throttle`` times (a weak laptop). Time to interactive is
``window.tpsPlanner.readyMs``: from navigation start to the first frame after every
visible layer is drawn and wired. ``--page`` measures other pages as they are (an
older version's maps, say); ``--cdn`` answers their CDN requests from npm packages in
that folder (``node_modules``), as the old browser tests did. Medians are reported.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, Route, sync_playwright

from planner.inputs.scenario import load_scenario, read_scenario_file
from planner.outputs.maps import build_map
from planner.plan.files import read_plan
from planner.roads.sources import base_data_dir, load_boundaries, resolve_network

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def build_pages(folder: Path, out: Path) -> list[tuple[str, Path, float]]:
    """Both editions of a plan folder's map: (label, file, median build seconds of 3)."""
    spec = read_scenario_file(folder / "scenario.toml")
    assert spec.tps is not None and spec.posts is not None
    scenario = load_scenario(
        spec.tps, spec.posts, spec.rules, spec.name, roster_file=spec.roster, sites_file=spec.sites
    )
    graph, _ = resolve_network(
        spec.rules, network=spec.network, data_dir=spec.data_dir, allow_download=False
    )
    boundaries = load_boundaries(base_data_dir(spec.data_dir))
    plan = read_plan(folder / "plan.json")
    pages = []
    for edition in ("internal", "public"):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            page = build_map(scenario, plan, boundaries, edition=edition, roads=graph)
            times.append(time.perf_counter() - started)
        path = page.save(out / f"{folder.name}-{edition}.html")
        pages.append((f"{folder.name} {edition} ({len(scenario.tps):,} TPS)", path, min(times)))
    return pages


def cdn_file(url: str, npm: Path) -> Path | None:
    """The npm package file a CDN URL of folium's names, if it is in ``npm/node_modules``."""
    parts = urlparse(url)
    if parts.netloc == "cdn.jsdelivr.net":
        found = re.match(r"^/(?:npm|gh/[^/]+)/((?:@[^/]+/)?[^@/]+)@[^/]+/(.+)$", parts.path)
    elif parts.netloc == "cdnjs.cloudflare.com":
        found = re.match(r"^/ajax/libs/([^/]+)/[^/]+/(.+)$", parts.path)
    elif parts.netloc == "code.jquery.com":
        found = re.match(r"^/(jquery)-[\d.]+((?:\.min)?\.js)$", parts.path)
        return None if found is None else npm / "node_modules/jquery/dist" / f"jquery{found[2]}"
    else:
        return None
    if found is None:
        return None
    root = npm / "node_modules" / found[1]
    for prefix in ("", "dist/", "src/"):
        for name in (found[2], found[2].replace(".min.", ".")):
            if (root / prefix / name).is_file():
                return root / prefix / name
    return None


def load_ms(browser: Browser, path: Path, throttle: float, npm: Path | None) -> float:
    """One load of a page: milliseconds from navigation start until it is interactive."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()

    def answer(route: Route) -> None:
        local = None if npm is None else cdn_file(route.request.url, npm)
        if local is None:
            route.abort()
        else:
            kind = "text/css" if local.suffix == ".css" else "application/javascript"
            route.fulfill(status=200, body=local.read_bytes(), content_type=kind)

    page.route(re.compile(r"^https?://"), answer)
    if throttle > 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    page.goto(path.as_uri())
    page.wait_for_function("window.tpsPlanner && window.tpsPlanner.readyMs", timeout=120_000)
    ready = float(page.evaluate("window.tpsPlanner.readyMs"))
    context.close()
    return ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", type=Path, nargs="*", metavar="PLAN_DIR")
    parser.add_argument("--page", type=Path, action="append", default=[], help="a page as is")
    parser.add_argument("--cdn", type=Path, help="npm folder answering CDN requests of --page")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="bench-maps-"))
    pages = [entry for folder in args.folders for entry in build_pages(folder, out)]
    pages += [(f"{p.name} (as is)", p, float("nan")) for p in args.page]
    print(f"Pages in {out}; {args.runs} loads each after a warm-up, all requests aborted.")
    print(
        "| page | size (MB) | build (s) | interactive (ms) | "
        f"interactive, CPU /{args.throttle:g} (ms) |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for label, path, build_s in pages:
            npm = args.cdn if path in args.page else None
            medians = []
            for rate in (1.0, args.throttle):
                load_ms(browser, path, rate, npm)
                medians.append(
                    statistics.median(load_ms(browser, path, rate, npm) for _ in range(args.runs))
                )
            print(
                f"| {label} | {path.stat().st_size / 1e6:.2f} | {build_s:.2f} | "
                f"{medians[0]:.0f} | {medians[1]:.0f} |"
            )
        browser.close()


if __name__ == "__main__":
    main()
