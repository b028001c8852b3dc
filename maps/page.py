"""The blank page every builder starts from: view, tiles, title, offline assets."""

from __future__ import annotations

import html
from collections.abc import Iterable

import folium

from maps.assets import localise
from maps.outline import OUTLINE_NOTE, MapTitle, Outline
from maps.style import BAOSHAN_CENTRE, DISTRICT_ZOOM, FIT_MAX_ZOOM
from maps.tiles import TileProvider, add_tiles


def base_map(provider: TileProvider, title: str) -> folium.Map:
    """A map centred on Baoshan with the provider's tiles (or, with none, the vendored approximate
    outline of its streets and towns) and the title, on the page and on the map."""
    m = folium.Map(
        location=BAOSHAN_CENTRE, zoom_start=DISTRICT_ZOOM, tiles=None, control_scale=True
    )
    m.get_root().title = html.escape(title)
    add_tiles(m, provider)
    if provider.url is None:
        Outline().add_to(m)
    MapTitle(title, OUTLINE_NOTE if provider.url is None else None).add_to(m)
    return m


def fit_to(m: folium.Map, points: Iterable[tuple[float, float]]) -> None:
    """Zoom the view to the points' bounding box (already on the tiles' datum)."""
    lats: list[float] = []
    lons: list[float] = []
    for lat, lon in points:
        lats.append(lat)
        lons.append(lon)
    if lats:
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], max_zoom=FIT_MAX_ZOOM)


def finish(m: folium.Map) -> folium.Map:
    """Make the page offline-ready (inline assets) so `m.save()` works without a CDN too."""
    return localise(m)
