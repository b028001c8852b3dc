"""The base layer that needs no internet, and the map's visible title.

With no tile server configured a map would float on grey; instead it gets a vendored outline
of Baoshan and its streets and towns (街镇), drawn from a small GeoJSON file that ships with
the package. That outline is APPROXIMATE — a hand-traced district line and towns split around
the catalogue's street centres — not official boundaries, and every page that shows it says so.
"""

from __future__ import annotations

import json
from functools import cache

from branca.element import MacroElement
from folium.template import Template

from maps.assets import STATIC_DIR
from maps.points import to_json

OUTLINE_FILE = "lianjian/baoshan-outline-approx.geojson"
OUTLINE_NOTE = "底图：宝山区街镇示意轮廓，系近似描绘，非官方行政区划边界 (approximate outline, not official boundaries)"


@cache
def outline_geojson() -> dict:
    """The vendored approximate outline (a FeatureCollection: the district, then its towns)."""
    return json.loads((STATIC_DIR / OUTLINE_FILE).read_text(encoding="utf-8"))


class Outline(MacroElement):
    """District and town outlines with each town's name, under every other layer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, data = {{ this.payload }};
            map.createPane('ljOutline');
            map.getPane('ljOutline').style.zIndex = 250;
            map.createPane('ljTowns');  // names under the points, which must stay clickable
            map.getPane('ljTowns').style.zIndex = 260;
            map.getPane('ljTowns').style.pointerEvents = 'none';
            L.geoJSON(data, {
                pane: 'ljOutline', interactive: false,
                style: function (f) {
                    var district = f.properties.kind === '区';
                    return { color: district ? '#37474f' : '#78909c', weight: district ? 2.5 : 1,
                             dashArray: district ? null : '4 3', fill: district,
                             fillColor: '#eceff1', fillOpacity: 0.6 };
                }
            }).addTo(map);
            data.features.forEach(function (f) {
                if (!f.properties.label_at) { return; }
                L.tooltip({ permanent: true, direction: 'center', className: 'lj-town', pane: 'ljTowns',
                            interactive: false })
                    .setLatLng(f.properties.label_at).setContent(f.properties.name).addTo(map);
            });
            map.attributionControl.addAttribution({{ this.note }});
        })();
        {% endmacro %}

        {% macro header(this, kwargs) %}
            <style>
            .leaflet-container { background: #f5f7f8; }
            .lj-town { background: transparent; border: 0; box-shadow: none; color: #546e7a;
                       font-size: 12px; font-weight: bold; text-shadow: 0 0 3px #fff; }
            .lj-town::before { display: none; }
            </style>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Outline"
        self.payload = to_json(outline_geojson())
        self.note = to_json(OUTLINE_NOTE)


class MapTitle(MacroElement):
    """The map's title (and an optional note) in a box at the top of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.payload }};
            var title = L.control({ position: 'topleft' });
            title.onAdd = function () {
                var box = L.DomUtil.create('div', 'lj-title');
                var heading = L.DomUtil.create('h1', '', box);
                heading.textContent = data.title;
                if (data.note) { L.DomUtil.create('p', '', box).textContent = data.note; }
                L.DomEvent.disableClickPropagation(box);
                return box;
            };
            var map = {{ this._parent.get_name() }};
            title.addTo(map);
            map.attributionControl.setPrefix('Leaflet');  // its default links leafletjs.com
            var box = title.getContainer();  // above the zoom buttons
            box.parentNode.insertBefore(box, box.parentNode.firstChild);
        })();
        {% endmacro %}

        {% macro header(this, kwargs) %}
            <style>
            .lj-title { background: rgba(255,255,255,0.92); padding: 4px 10px; border-radius: 4px;
                        box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 60vw; }
            .lj-title h1 { font-size: 16px; margin: 0; line-height: 1.5; }
            .lj-title p { font-size: 11px; margin: 0; color: #555; }
            </style>
        {% endmacro %}
        """
    )

    def __init__(self, title: str, note: str | None = None) -> None:
        super().__init__()
        self._name = "MapTitle"
        self.payload = to_json({"title": title, "note": note})
