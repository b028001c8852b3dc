"""Writes maps/static/lianjian/baoshan-outline-approx.geojson from streets.csv, by hand:

    python seeds/catalogue/make_baoshan_outline.py seeds/catalogue/streets.csv \
        > maps/static/lianjian/baoshan-outline-approx.geojson

The outline is APPROXIMATE, not official boundaries: a hand-traced district line, split into
towns by a power (radius-weighted Voronoi) diagram of the catalogue's street centres.
"""

import csv
import json
import sys

# Hand-traced, approximate outline of Baoshan (lon, lat), clockwise from the north-west.
BOUNDARY = [
    (121.305, 31.505),
    (121.345, 31.525),
    (121.400, 31.500),
    (121.450, 31.462),
    (121.490, 31.425),
    (121.515, 31.390),
    (121.512, 31.350),
    (121.500, 31.310),
    (121.470, 31.300),
    (121.430, 31.295),
    (121.385, 31.290),
    (121.365, 31.320),
    (121.335, 31.360),
    (121.300, 31.400),
    (121.290, 31.450),
]


def clip(poly, a, b, c):
    """Keep the part of `poly` where a*x + b*y <= c (Sutherland-Hodgman)."""
    out = []
    for i, p in enumerate(poly):
        q = poly[(i + 1) % len(poly)]
        fp, fq = a * p[0] + b * p[1] - c, a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0) != (fq < 0) and fp != fq:
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


with open(sys.argv[1], encoding="utf-8") as source:
    streets = list(csv.DictReader(source))
features = []
for s in streets:
    x, y = float(s["lon"]), float(s["lat"])
    cell = BOUNDARY
    for o in streets:
        if o is s:
            continue
        ox, oy = float(o["lon"]), float(o["lat"])
        # weighted by radius so large towns get larger cells (a power diagram)
        r1, r2 = float(s["radius_km"]) / 111, float(o["radius_km"]) / 111
        a, b = 2 * (ox - x), 2 * (oy - y)
        c = (ox**2 + oy**2 - r2**2) - (x**2 + y**2 - r1**2)
        cell = clip(cell, a, b, c)
    ring = [[round(px, 4), round(py, 4)] for px, py in cell]
    ring.append(ring[0])
    features.append(
        {
            "type": "Feature",
            "properties": {
                "code": s["code"],
                "name": s["name"],
                "kind": s["kind"],
                "label_at": [float(s["lat"]), float(s["lon"])],
            },
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }
    )
ring = [[x, y] for x, y in BOUNDARY] + [list(BOUNDARY[0])]
features.insert(
    0,
    {
        "type": "Feature",
        "properties": {"code": "BS", "name": "宝山区", "kind": "区"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    },
)
doc = {
    "type": "FeatureCollection",
    "name": "宝山区街镇示意轮廓（近似）",
    "note": "近似示意，非官方行政区划边界：区界为手工描绘的近似折线，街镇为按街镇中心和半径"
    "划分的近似区块（加权 Voronoi）。Approximate sketch, NOT official boundaries: the district "
    "outline is hand-traced, towns are a weighted Voronoi split of the catalogue's street centres.",
    "features": features,
}
json.dump(doc, sys.stdout, ensure_ascii=False, separators=(",", ":"))
