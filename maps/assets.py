"""Offline pages: folium's CDN links replaced by files vendored in `maps/static`.

folium links Leaflet, jQuery, Bootstrap and icon fonts from CDNs; our pages must render
with no network (tests, an intranet, a file written by `lianjian maps`). Before a map is
rendered, `localise` empties every element's CDN list and puts one element at the top of
the page that either inlines the vendored files (a self-contained page) or links them
under a URL prefix (the app serves `STATIC_DIR` there). Assets our pages do not use are
dropped; an element that asks for an asset we have not vendored is refused rather than
silently left pointing at a CDN.
"""

from __future__ import annotations

import base64
import re
from collections import OrderedDict
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, Figure

STATIC_DIR = Path(__file__).parent / "static"
LEAFLET_DIR = "leaflet-1.9.4"
HEAT_DIR = "leaflet-heat-0.2.0-folium-0.20.0"

# folium's asset names (and our own script's) → file under STATIC_DIR, in load order;
# None = dropped because no page of ours uses it (jQuery is needed only by folium.Popup, refused below).
FOLIUM_ASSETS: dict[str, str | None] = {
    "leaflet_css": f"{LEAFLET_DIR}/leaflet.css",
    "leaflet": f"{LEAFLET_DIR}/leaflet.js",
    "leaflet-heat.js": f"{HEAT_DIR}/leaflet-heat.js",
    "lianjian_points": "lianjian/points.js",
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}
ASSET_ELEMENT = "lianjian_assets"
# Records script errors on <html data-map-errors>, so a headless browser can report them.
ERROR_HOOK = (
    "<script>window.addEventListener('error',function(e){var d=document.documentElement;"
    "d.dataset.mapErrors=(d.dataset.mapErrors||'')+e.message+';';});</script>"
)
_CSS_URL = re.compile(r"url\((images/[\w.-]+\.png)\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


class UnvendoredAsset(ValueError):
    """A map element wants a CDN asset that `maps/static` does not hold."""


def localise(m: folium.Map, asset_prefix: str | None = None) -> folium.Map:
    """Point the map's page at vendored assets: inline if `asset_prefix` is None.

    Idempotent: call again (e.g. with another prefix) after adding elements.
    """
    figure = m.get_root()
    header = figure.header
    needed = set(getattr(header._children.get(ASSET_ELEMENT), "names", ()))
    for element in _walk(figure):
        if isinstance(element, folium.Popup):
            raise UnvendoredAsset("folium.Popup needs jQuery, which offline pages omit")
        needed |= _take_assets(element)
    for name in FOLIUM_ASSETS:  # links a previous render may have left in the header
        header._children.pop(name, None)
    ordered = [name for name, path in FOLIUM_ASSETS.items() if path and name in needed]
    header._children.pop(ASSET_ELEMENT, None)
    _put_first(header, ASSET_ELEMENT, PageAssets(ordered, asset_prefix))
    return m


def render_html(m: folium.Map, *, asset_prefix: str | None = None) -> str:
    """The map's whole page, offline (assets inline, or linked under `asset_prefix`)."""
    localise(m, asset_prefix)
    return m.get_root().render()


def write_html(m: folium.Map, path: Path | str, *, asset_prefix: str | None = None) -> Path:
    """Write the page as UTF-8 and return its path."""
    target = Path(path)
    target.write_text(render_html(m, asset_prefix=asset_prefix), encoding="utf-8")
    return target


def vendored_files() -> list[Path]:
    """Every file the app must serve under its asset prefix (relative to STATIC_DIR)."""
    return sorted(p.relative_to(STATIC_DIR) for p in STATIC_DIR.rglob("*") if p.is_file())


class PageAssets(Element):
    """The page's <script>/<style> for the vendored files, inline or linked."""

    def __init__(self, names: list[str], asset_prefix: str | None) -> None:
        super().__init__()
        self._name = "PageAssets"
        self.names = tuple(names)
        self.asset_prefix = asset_prefix.rstrip("/") if asset_prefix is not None else None

    def render(self, **kwargs: object) -> str:
        parts = [ERROR_HOOK]
        for name in self.names:
            path = FOLIUM_ASSETS[name]
            assert path is not None
            parts.append(self._tag(path))
        return "\n".join(parts)

    def _tag(self, path: str) -> str:
        is_css = path.endswith(".css")
        if self.asset_prefix is not None:
            url = f"{self.asset_prefix}/{path}"
            if is_css:
                return f'<link rel="stylesheet" href="{url}"/>'
            return f'<script src="{url}"></script>'
        if is_css:
            return f"<style>{_inline_css(path)}</style>"
        return f"<script>{_inline_js(path)}</script>"


def _walk(element: Element):
    yield element
    if isinstance(element, Figure):
        for part in (element.header, element.html, element.script):
            yield from _walk(part)
    for child in list(element._children.values()):
        yield from _walk(child)


def _take_assets(element: Element) -> set[str]:
    """Names of the element's CDN assets; its lists are emptied so folium adds no link."""
    names: set[str] = set()
    for attribute in ("default_js", "default_css"):
        for name, url in getattr(element, attribute, ()):
            if name not in FOLIUM_ASSETS:
                raise UnvendoredAsset(f"{type(element).__name__} needs {name} ({url})")
            names.add(name)
        if hasattr(element, attribute):
            setattr(element, attribute, [])
    return names


def _put_first(header: Element, name: str, element: Element) -> None:
    """Add `element` right after the charset <meta>, which must stay in the first 1 kB."""
    element._parent = header
    children = header._children
    rest = [(k, v) for k, v in children.items() if k != "meta_http"]
    ordered = OrderedDict()
    if "meta_http" in children:
        ordered["meta_http"] = children["meta_http"]
    ordered[name] = element
    ordered.update(rest)
    header._children = ordered


@cache
def _inline_js(path: str) -> str:
    text = (STATIC_DIR / path).read_text(encoding="utf-8")
    # The .map is not vendored; a script end tag inside the code would end the element.
    return _SOURCE_MAP.sub("", text).replace("</script", "<\\/script")


@cache
def _inline_css(path: str) -> str:
    folder = (STATIC_DIR / path).parent
    text = (STATIC_DIR / path).read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        data = base64.b64encode((folder / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(data_uri, text).replace("</style", "<\\/style")
