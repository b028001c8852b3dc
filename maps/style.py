"""What the maps look like: colours, sizes, labels and view defaults, in one place.

Presentation settings, not domain rules: a district can restyle its maps by passing its
own `PointStyle`s without touching the builders.
"""

from __future__ import annotations

from dataclasses import dataclass

# Baoshan's middle and a zoom that shows the whole district on a laptop screen; used
# only when a map has nothing to fit its view to.
BAOSHAN_CENTRE = (31.40, 121.42)
DISTRICT_ZOOM = 11
# Never zoom in further than a few blocks when fitting to one or two points.
FIT_MAX_ZOOM = 16
# 5 decimals of a degree is ~1 m: finer than the data's accuracy, and every digit
# dropped saves 100 kB per 100,000 points.
COORDINATE_DECIMALS = 5
# Points keep their full radius from this zoom in (streets and buildings) and shrink by
# POINT_SHRINK_PER_ZOOM for each level further out, down to MIN_POINT_RADIUS_PX, so a
# district-wide view shows density and the high-risk points on top instead of a blot.
# (At 0.65 and 1 px a district view at zoom 11 showed specks nobody could see or click:
# now a D point is still ~4 px across the whole district.)
FULL_SIZE_ZOOM = 14
POINT_SHRINK_PER_ZOOM = 0.85
MIN_POINT_RADIUS_PX = 2.5


@dataclass(frozen=True)
class PointStyle:
    """How one class of point is drawn (a legend entry)."""

    label: str
    colour: str
    radius: float = 4.0
    fill_opacity: float = 0.8
    weight: float = 1.0  # outline width in pixels


# Risk/credit grade (风险分类): D is the highest risk and the most visible.
GRADE_STYLES: dict[str, PointStyle] = {
    "A": PointStyle("A 低", "#2e7d32", radius=4.5),
    "B": PointStyle("B 一般", "#1e88e5", radius=4.5),
    "C": PointStyle("C 较高", "#fb8c00", radius=5.5),
    "D": PointStyle("D 高", "#d32f2f", radius=7.0),
}
UNGRADED_STYLE = PointStyle("未分类", "#9e9e9e", radius=4.0, fill_opacity=0.6)

# A task's draw (抽取结果): who was picked and whether the team could be staffed.
DRAW_STYLES: dict[str, PointStyle] = {
    "unpicked": PointStyle("未抽中", "#9e9e9e", radius=3.5, fill_opacity=0.4, weight=0.5),
    "picked": PointStyle("已抽中", "#3949ab", radius=7.0, fill_opacity=0.9),
    "shortfall": PointStyle(
        "已抽中·检查人员不足", "#d32f2f", radius=8.0, fill_opacity=0.9, weight=2.5
    ),
}

# A task's progress (检查进度).
PROGRESS_STYLES: dict[str, PointStyle] = {
    "todo": PointStyle("待检查", "#1e88e5", radius=6.5),
    "checked": PointStyle("已检查", "#2e7d32", radius=5.5, fill_opacity=0.6),
    "overdue": PointStyle("已逾期", "#d32f2f", radius=7.5, fill_opacity=0.9, weight=2.0),
}

# Failures by street: proportional circles (area ∝ count) on a sequential colour ramp.
FAILURE_RAMP = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_FAILURE_COLOUR = "#bdbdbd"
LARGEST_STREET_CIRCLE_M = 2500.0
SMALLEST_STREET_CIRCLE_M = 250.0
HEAT_RADIUS_PX = 14
# The heat layer's colours from sparse to dense (Leaflet.heat's gradient), for it and its legend.
HEAT_GRADIENT = {0.4: "#0000ff", 0.6: "#00ffff", 0.7: "#00ff00", 0.8: "#ffff00", 1.0: "#ff0000"}
