"""Failures by street (街镇): a proportional circle per street, optionally a heat layer.

A choropleth needs street boundaries, which the catalogue does not have (only centres
and an approximate radius), and drawing invented polygons would mislead. So each street
gets a circle at its centre whose area is proportional to its number of failures and
whose colour steps up a sequential ramp, with the count written on it. When the failing
entities' own coordinates are given, a heat layer shows where inside the streets they
cluster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import folium
from folium.plugins import HeatMap

from maps.page import base_map, finish, fit_to
from maps.points import Legend
from maps.rows import value
from maps.style import (
    FAILURE_RAMP,
    HEAT_GRADIENT,
    HEAT_RADIUS_PX,
    LARGEST_STREET_CIRCLE_M,
    NO_FAILURE_COLOUR,
    SMALLEST_STREET_CIRCLE_M,
)
from maps.tiles import TileProvider, projector, tile_provider

CIRCLE_FILL_OPACITY = 0.55
HEAT_TITLE = "不合格主体热力"
HEAT_ENDS = ("稀 sparse", "密 dense")


def failures_by_street(
    street_rows: Iterable[Any],
    counts: Mapping[str, int],
    *,
    failing_points: Iterable[Any] | None = None,
    tiles: str | TileProvider = "openstreetmap",
    title: str = "各街镇检查不合格分布",
) -> folium.Map:
    """One circle per street sized and coloured by its failure count.

    `street_rows` have code, name, lat, lon (WGS-84); `counts` maps a street code to its
    number of failures (absent = 0). `failing_points` (rows with lat, lon) adds a heat
    layer of the failing entities.
    """
    provider = tile_provider(tiles)
    project = projector(provider)
    streets = list(street_rows)
    largest = max((counts.get(value(s, "code"), 0) for s in streets), default=0)
    classes = count_classes(largest, len(FAILURE_RAMP))
    centres = [project(value(s, "lat"), value(s, "lon")) for s in streets]
    m = base_map(provider, title)
    fit_to(m, centres)  # before the layers, so they are drawn once in place
    circles = folium.FeatureGroup(name="街镇不合格数").add_to(m)
    for street, centre in zip(streets, centres, strict=True):
        count = counts.get(value(street, "code"), 0)
        _street_circle(street, count, centre, largest, classes).add_to(circles)
    if failing_points is not None:
        heat = [project(value(p, "lat"), value(p, "lon")) for p in failing_points]
        HeatMap(heat, name=HEAT_TITLE, radius=HEAT_RADIUS_PX, gradient=HEAT_GRADIENT).add_to(m)
        folium.LayerControl(collapsed=False).add_to(m)
        Legend(HEAT_TITLE, [], gradient=list(HEAT_GRADIENT.values()), ends=HEAT_ENDS).add_to(m)
    entries = [("0", NO_FAILURE_COLOUR)]
    entries += [
        (_range_label(lo, hi), class_colour(k, len(classes))) for k, (lo, hi) in enumerate(classes)
    ]
    Legend("不合格数", entries).add_to(m)
    return finish(m)


def count_classes(largest: int, most: int) -> list[tuple[int, int]]:
    """Equal-width, non-empty count ranges covering 1..largest, at most `most` of them."""
    if largest < 1:
        return []
    width = math.ceil(largest / most)
    return [(lo, min(largest, lo + width - 1)) for lo in range(1, largest + 1, width)]


def class_colour(k: int, n: int) -> str:
    """Colour of class k of n, spread over the whole ramp so the top class is darkest."""
    if n <= 1:
        return FAILURE_RAMP[-1]
    return FAILURE_RAMP[round(k * (len(FAILURE_RAMP) - 1) / (n - 1))]


def circle_radius_m(count: int, largest: int) -> float:
    """Radius whose area is proportional to the count; never smaller than readable."""
    if count <= 0 or largest <= 0:
        return SMALLEST_STREET_CIRCLE_M
    return max(SMALLEST_STREET_CIRCLE_M, LARGEST_STREET_CIRCLE_M * math.sqrt(count / largest))


def _street_circle(
    street: Any,
    count: int,
    centre: tuple[float, float],
    largest: int,
    classes: list[tuple[int, int]],
) -> folium.Circle:
    colour = NO_FAILURE_COLOUR
    for k, (lo, hi) in enumerate(classes):
        if lo <= count <= hi:
            colour = class_colour(k, len(classes))
    name = str(value(street, "name"))
    return folium.Circle(
        location=list(centre),
        radius=circle_radius_m(count, largest),
        color=colour,
        weight=1,
        fill=True,
        fill_color=colour,
        fill_opacity=CIRCLE_FILL_OPACITY,
        tooltip=folium.Tooltip(f"{name} {count}", permanent=True, direction="center"),
    )


def _range_label(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}–{hi}"
