"""Many points, one data array: the layer that lets a district of 100,000 render.

One folium Marker per point writes ~0.75 kB of JavaScript each, and one Leaflet object
per point makes every zoom reproject them all. Here the page carries one compact JSON
array (rounded coordinates, a group index, a style index, popup values with shared
names coded) and `maps/static/lianjian/points.js` draws it straight onto one canvas,
building popups on click from the array. Groups (industries, draw status, progress)
become overlays in a layer control. After drawing, the script sets `data-markers` and
`data-drawn` on the map container and `data-markers` on <body>; the browser tests read
them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from maps.style import FULL_SIZE_ZOOM, MIN_POINT_RADIUS_PX, POINT_SHRINK_PER_ZOOM, PointStyle

# A layer control with more overlays than this starts collapsed (e.g. 25 industries).
MAX_OPEN_GROUPS = 8


@dataclass(frozen=True)
class Point:
    """One point: where, which overlay, which style, and its popup lines."""

    lat: float
    lon: float
    group: int  # index into the layer's groups
    style: int  # index into the layer's styles
    texts: tuple[str | int, ...]  # popup: title, then one value per field (int: coded)


class Codebook:
    """Assigns each distinct text an index, in order of first use."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}

    def code(self, text: str) -> int:
        return self._index.setdefault(text, len(self._index))

    @property
    def texts(self) -> list[str]:
        return list(self._index)


@dataclass(frozen=True)
class Field:
    """A popup line. A coded field holds an index into its codebook, so a name shared by
    many points (an industry, a street) is written once, not once per point."""

    label: str
    codebook: Codebook | None = None


def to_json(value: object) -> str:
    """Compact JSON that is safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class PointLayer(JSCSSMixin):
    """Points drawn on one canvas from one embedded array, grouped into overlays."""

    # Our own script (maps/static/lianjian/points.js), served or inlined like Leaflet.
    default_js: ClassVar[list[tuple[str, str]]] = [("lianjian_points", "lianjian/points.js")]

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.lianjianPoints({{ this.payload }}, {{ this._parent.get_name() }});
        {% endmacro %}

        {% macro header(this, kwargs) %}
            <style>
            .lj-popup { font-size: 13px; line-height: 1.5; }
            .lj-popup .lj-label { color: #616161; }
            </style>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        points: Sequence[Point],
        *,
        groups: Sequence[str],
        styles: Sequence[PointStyle],
        fields: Sequence[Field],
        group_title: str | None,
        style_title: str,
        decimals: int,
    ) -> None:
        super().__init__()
        self._name = "PointLayer"
        rows = [
            [round(p.lat, decimals), round(p.lon, decimals), p.group, p.style, *p.texts]
            for p in points
        ]
        self.payload = to_json(
            {
                "groups": list(groups),
                "styles": [_style(s) for s in styles],
                "fields": [_field(f) for f in fields],
                "groupTitle": group_title,
                "styleTitle": style_title,
                "collapsed": len(groups) > MAX_OPEN_GROUPS,
                "shrink": {
                    "zoom": FULL_SIZE_ZOOM,
                    "per": POINT_SHRINK_PER_ZOOM,
                    "min": MIN_POINT_RADIUS_PX,
                },
                "points": rows,
            }
        )


class Legend(MacroElement):
    """A fixed box in a corner: a title, then a colour swatch per style with its label."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.payload }};
            var legend = L.control({ position: 'bottomright' });
            legend.onAdd = function () {
                var box = L.DomUtil.create('div', 'lj-legend');
                var title = L.DomUtil.create('div', 'lj-legend-title', box);
                title.textContent = data.title;
                data.entries.forEach(function (e) {
                    var row = L.DomUtil.create('div', 'lj-legend-row', box);
                    var swatch = L.DomUtil.create('span', 'lj-swatch', row);
                    swatch.style.background = e.c;
                    row.appendChild(document.createTextNode(e.l));
                });
                if (data.gradient) {
                    var bar = L.DomUtil.create('div', 'lj-gradient', box);
                    bar.style.background = 'linear-gradient(to right,' + data.gradient.join(',') + ')';
                    var ends = L.DomUtil.create('div', 'lj-gradient-ends', box);
                    L.DomUtil.create('span', '', ends).textContent = data.ends[0];
                    L.DomUtil.create('span', '', ends).textContent = data.ends[1];
                }
                (data.notes || []).forEach(function (text) {
                    var note = L.DomUtil.create('div', 'lj-legend-note', box);
                    note.textContent = text;
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}

        {% macro header(this, kwargs) %}
            <style>
            .lj-legend { background: rgba(255,255,255,0.9); padding: 6px 10px; font-size: 12px;
                         line-height: 18px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
            .lj-legend-title { font-weight: bold; margin-bottom: 2px; }
            .lj-legend-note { color: #555; max-width: 260px; }
            .lj-gradient { width: 160px; height: 10px; border-radius: 2px; margin-top: 2px; }
            .lj-gradient-ends { display: flex; justify-content: space-between; width: 160px; }
            .lj-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
                         border-radius: 50%; vertical-align: middle; }
            </style>
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        entries: Sequence[tuple[str, str]],
        notes: Sequence[str] = (),
        *,
        gradient: Sequence[str] = (),
        ends: tuple[str, str] = ("", ""),
    ) -> None:
        """`entries` are (label, colour) pairs, shown in order; `notes` lines of text below; a
        `gradient` (colours, low to high) is drawn as a bar labelled with `ends`."""
        super().__init__()
        self._name = "Legend"
        self.payload = to_json(
            {
                "title": title,
                "entries": [{"l": label, "c": colour} for label, colour in entries],
                "notes": list(notes),
                "gradient": list(gradient) or None,
                "ends": list(ends),
            }
        )


def _field(f: Field) -> dict[str, object]:
    return {"l": f.label} if f.codebook is None else {"l": f.label, "v": f.codebook.texts}


def _style(s: PointStyle) -> dict[str, object]:
    return {"l": s.label, "c": s.colour, "r": s.radius, "o": s.fill_opacity, "w": s.weight}
