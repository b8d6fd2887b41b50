"""One self-contained map page: folium's skeleton, then the inlined assets and the plan's data.

Branca renders every macro's output a second time as a Jinja template, so nothing
that comes from an input file may pass through it. The page is made in two steps:
folium renders a skeleton from constant templates only (the map, its tile layer and
the call that starts ``tpsmap.js``); then :func:`assemble` adds, by plain string
insertion, Leaflet and the page's own script and style (files in ``planner/outputs/static``)
and the plan's data as one JSON block that the script reads and draws as text.
A Content-Security-Policy allows exactly the page's own scripts (by hash) and images
from the tile server, so the page makes no other request and runs no other script.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from planner._atomic import write_text

STATIC = Path(__file__).parent / "static"
DATA_ELEMENT_ID = "tpsmap-data"
TILE_ORIGINS = ("https://tile.openstreetmap.org",)
"""The only hosts a page may load from (map tiles); everything else is inlined."""
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
"""Pinch zoom stays allowed (folium's own viewport forbids it)."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_IN_SCRIPT = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "{": "\\u007b",
        "}": "\\u007d",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.DOTALL)
_EXTERNAL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
_CHARSET = re.compile(r'<meta http-equiv="content-type"[^>]*>')
_CSS_IMAGE = re.compile(r"url\(images/([\w.-]+)\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def script_json(value: Any) -> str:
    """JSON to place inside a ``<script>`` element: no ``<``, ``>``, ``&``, U+2028/9 and no
    braces within strings, so no text in it can close the element or open a template tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_STRING.sub(lambda m: m[0].translate(_IN_SCRIPT), text)


@dataclass(frozen=True)
class MapPage:
    """A finished map page: save it, or show it in a notebook."""

    html: str

    def save(self, path: str | Path) -> Path:
        """Write the page as one HTML file, atomically."""
        write_text(path, self.html)
        return Path(path)

    def _repr_html_(self) -> str:
        """The page in an iframe, as Jupyter shows it."""
        return (
            '<iframe style="width:100%;height:620px;border:0" '
            f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )


def assemble(skeleton: str, data: Mapping[str, Any]) -> MapPage:
    """The page: folium's rendered ``skeleton`` with a phone-friendly viewport, the
    Content-Security-Policy, Leaflet and ``tpsmap`` inlined, and ``data`` as JSON."""
    external = _EXTERNAL.findall(skeleton)
    if external:
        raise RuntimeError(f"map skeleton loads from the network: {external}")
    page, count = _VIEWPORT.subn(VIEWPORT, skeleton)
    charset = _CHARSET.search(page)
    if count != 1 or charset is None or page.count("</head>") != 1:
        raise RuntimeError("unexpected folium page skeleton (viewport, charset, head)")
    head = (
        f"<style>{_style()}</style>\n"
        f"<script>{_script('leaflet/leaflet.js')}</script>\n"
        f"<script>{_script('tpsmap.js')}</script>\n"
        f'<script type="application/json" id="{DATA_ELEMENT_ID}">{script_json(data)}</script>\n'
    )
    page = page.replace("</head>", head + "</head>", 1)
    at = charset.end()
    return MapPage(f"{page[:at]}\n{_policy(page)}{page[at:]}")


def _policy(page: str) -> str:
    """The Content-Security-Policy meta element allowing exactly the page's inline scripts."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for attributes, body in _INLINE_SCRIPT.findall(page)
        if "application/json" not in attributes
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        f"img-src data: {' '.join(TILE_ORIGINS)}; base-uri 'none'; form-action 'none'"
    )
    return f'<meta http-equiv="Content-Security-Policy" content="{policy}">'


@cache
def _script(name: str) -> str:
    """A JavaScript asset, without its source-map comment; never one that closes the element."""
    text = _SOURCE_MAP.sub("", (STATIC / name).read_text(encoding="utf-8"))
    if re.search(r"</script|<!--", text, re.IGNORECASE):
        raise RuntimeError(f"{name} cannot be inlined in a <script> element")
    return text


@cache
def _style() -> str:
    """Leaflet's style sheet with its images as data URIs, then the page's own."""
    leaflet = _CSS_IMAGE.sub(
        lambda m: (
            "url(data:image/png;base64,"
            + base64.b64encode((STATIC / "leaflet" / "images" / m[1]).read_bytes()).decode()
            + ")"
        ),
        (STATIC / "leaflet" / "leaflet.css").read_text(encoding="utf-8"),
    )
    text = leaflet + "\n" + (STATIC / "tpsmap.css").read_text(encoding="utf-8")
    if re.search(r"</style", text, re.IGNORECASE):
        raise RuntimeError("a style sheet cannot be inlined in a <style> element")
    return text
