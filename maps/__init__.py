"""Map pages (folium): pure builders that take plain rows and return a folium Map.

Render a map with `render_html` (self-contained, assets inline) or with an
`asset_prefix` under which the app serves `STATIC_DIR`; see docs/maps.md.
"""

from maps.assets import STATIC_DIR, UnvendoredAsset, localise, render_html, write_html
from maps.builders import draw_map, entities_map, progress_map
from maps.coords import gcj02_to_wgs84, wgs84_to_gcj02
from maps.rows import Labels
from maps.streets import failures_by_street
from maps.tiles import PROVIDERS, TileProvider, tile_provider

__all__ = [
    "PROVIDERS",
    "STATIC_DIR",
    "Labels",
    "TileProvider",
    "UnvendoredAsset",
    "draw_map",
    "entities_map",
    "failures_by_street",
    "gcj02_to_wgs84",
    "localise",
    "progress_map",
    "render_html",
    "tile_provider",
    "wgs84_to_gcj02",
    "write_html",
]
