"""Base-map tile providers, and the datum each one is drawn in.

The datum decides whether overlays must be shifted: OpenStreetMap is WGS-84 like our
data; 高德 and 腾讯 tiles are GCJ-02, so every point drawn on them goes through
`maps.coords.wgs84_to_gcj02` first. 'none' is a blank background for offline pages and
tests (no tile request at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import folium

from maps.coords import wgs84_to_gcj02

WGS84 = "WGS-84"
GCJ02 = "GCJ-02"


@dataclass(frozen=True)
class TileProvider:
    """A Leaflet tile URL template and the datum its pictures are drawn in."""

    name: str
    url: str | None  # None: no tiles (blank background)
    attribution: str = ""
    datum: str = WGS84
    subdomains: str = "abc"
    max_zoom: int = 18

    @property
    def shifts_coordinates(self) -> bool:
        """True when WGS-84 overlays must be converted to sit on these tiles."""
        return self.datum == GCJ02


OPENSTREETMAP = TileProvider(
    "openstreetmap",
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    WGS84,
    max_zoom=19,
)
AUTONAVI = TileProvider(
    "autonavi",
    "https://webrd0{s}.is.autonavi.com/appmaphost?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
    "&copy; 高德地图 AutoNavi",
    GCJ02,
    subdomains="1234",
)
# 腾讯 numbers tile rows from the south (TMS), hence Leaflet's {-y}.
TENCENT = TileProvider(
    "tencent",
    "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=3",
    "&copy; 腾讯地图 Tencent",
    GCJ02,
    subdomains="0123",
)
NO_TILES = TileProvider("none", None)

PROVIDERS: dict[str, TileProvider] = {
    p.name: p for p in (OPENSTREETMAP, AUTONAVI, TENCENT, NO_TILES)
}
ALIASES = {"osm": "openstreetmap", "gaode": "autonavi", "amap": "autonavi", "高德": "autonavi",
           "腾讯": "tencent", "qq": "tencent", "blank": "none"}  # fmt: skip


DISTRICT_TILES = "district"
DISTRICT_ATTRIBUTION = "区级瓦片服务 (district tile server)"


def tile_provider(spec: str | TileProvider) -> TileProvider:
    """The provider named `spec` (case-insensitive, aliases allowed), or `spec` itself.

    A URL template (``http(s)://…{z}/{x}/{y}…``) is the district's own tile server, taken to be
    WGS-84 like our data."""
    if isinstance(spec, TileProvider):
        return spec
    if is_tile_url(spec):
        return TileProvider(DISTRICT_TILES, spec.strip(), DISTRICT_ATTRIBUTION)
    key = spec.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ValueError(f"unknown tile provider {spec!r}; known: {known}")
    return PROVIDERS[key]


def is_tile_url(spec: str) -> bool:
    """True for a Leaflet tile URL template with its {z}, {x} and {y}."""
    text = spec.strip()
    return text.startswith(("http://", "https://")) and all(
        part in text for part in ("{z}", "{x}", "{y}")
    )


def projector(provider: TileProvider) -> Callable[[float, float], tuple[float, float]]:
    """The function that places a WGS-84 (lat, lon) on this provider's tiles."""
    return wgs84_to_gcj02 if provider.shifts_coordinates else _unchanged


def add_tiles(m: folium.Map, provider: TileProvider) -> None:
    """Put the provider's tiles under the map (nothing for a blank background)."""
    if provider.url is None:
        return
    folium.TileLayer(
        tiles=provider.url,
        attr=provider.attribution,
        name=provider.name,
        max_zoom=provider.max_zoom,
        control=False,
        subdomains=provider.subdomains,
    ).add_to(m)


def _unchanged(lat: float, lon: float) -> tuple[float, float]:
    return lat, lon
