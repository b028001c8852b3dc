"""Map page build time and size for a district of 100,000 entities, against folium's naive way.

Ours: `maps.entities_map` (one compact JSON array drawn on a shared canvas). Baseline,
measured in the same run: one `folium.Marker` with a popup per point, folium's default
page. The naive build costs ~1 ms a point, so by default it is measured on fewer points
and extrapolated linearly to the full count (said so in the output); pass
`--naive-points 100000` to measure it in full (~1.5 min more). Both sides are also
measured at the baseline's size, so one ratio is free of extrapolation.

    .venv/bin/python bench/maps_bench.py [--points N] [--naive-points M] [--seed S]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from random import Random

import folium

from inspect_app.domain.credit_code import ALPHABET, complete
from maps import Labels, entities_map, render_html
from seeds.catalogue_loader import Catalogue, load_catalogue

DEFAULT_POINTS = 100_000
DEFAULT_NAIVE_POINTS = 20_000
DEFAULT_SEED = 20210612
KM_PER_DEGREE_LAT = 111.32
# Grade mix of a district (most entities low risk), industries drawn evenly.
GRADE_WEIGHTS = {"A": 50, "B": 30, "C": 15, "D": 5}
CODE_PREFIX = "91310113MA1"  # enterprise (9 1), Baoshan division 310113, new-style subject
BRANDS = "鑫盛华佳福瑞祥恒嘉隆兴宝丰源润泰康美悦星月云海晨阳和安顺达新金乐"
SUFFIXES = ("便利店", "面包房", "饭店", "网吧", "药房", "健身馆", "美发店", "书店")
ASSET_PREFIX = "/static/maps"


def synthetic_entities(n: int, seed: int, catalogue: Catalogue) -> list[dict[str, object]]:
    """n entities spread evenly over the street circles (street chosen by circle area)."""
    rng = Random(seed)
    streets = list(catalogue.streets)
    areas = [s.radius_km**2 for s in streets]
    industries = [i.code for i in catalogue.industries]
    grades, grade_weights = zip(*GRADE_WEIGHTS.items(), strict=True)
    rows = []
    for index in range(n):
        street = rng.choices(streets, weights=areas)[0]
        lat, lon = _point_in_circle(rng, street.lat, street.lon, street.radius_km)
        rows.append(
            {
                "credit_code": _credit_code(index),
                "name": f"上海宝山{rng.choice(BRANDS)}{rng.choice(BRANDS)}{rng.choice(SUFFIXES)}",
                "industry": rng.choice(industries),
                "grade": rng.choices(grades, weights=grade_weights)[0],
                "lat": lat,
                "lon": lon,
                "street": street.code,
            }
        )
    return rows


def naive_page(rows: list[dict[str, object]]) -> str:
    """The baseline: one folium Marker (with a popup) per point, folium's default page."""
    m = folium.Map(location=(31.40, 121.42), zoom_start=11)
    for row in rows:
        folium.Marker([row["lat"], row["lon"]], popup=str(row["name"])).add_to(m)
    return m.get_root().render()


def our_page(rows: list[dict[str, object]], labels: Labels, asset_prefix: str | None) -> str:
    return render_html(entities_map(rows, labels=labels), asset_prefix=asset_prefix)


def measure(build: Callable[[], str]) -> tuple[float, int]:
    """(seconds, UTF-8 bytes) of one build-and-render."""
    start = time.perf_counter()
    html = build()
    return time.perf_counter() - start, len(html.encode("utf-8"))


def main() -> None:
    args = _arguments()
    catalogue = load_catalogue()
    labels = Labels.from_catalogue(catalogue)
    rows = synthetic_entities(args.points, args.seed, catalogue)
    naive_rows = rows[: args.naive_points]

    ours_s, ours_b = measure(lambda: our_page(rows, labels, ASSET_PREFIX))
    _, inline_b = measure(lambda: our_page(rows, labels, None))
    naive_s, naive_b = measure(lambda: naive_page(naive_rows))

    print(f"maps bench: {args.points:,} synthetic Baoshan entities (seed {args.seed})")
    print(f"  ours   {args.points:>7,} points  {ours_s:7.2f} s  {_mb(ours_b)} (assets linked)"
          f"  {_mb(inline_b)} (assets inline)")  # fmt: skip
    if len(naive_rows) == len(rows):
        _print_naive(len(rows), naive_s, naive_b, "one Marker per point")
        _print_ratio(
            f"at {args.points:,} points (both measured)", naive_s / ours_s, naive_b / ours_b
        )
        return
    small_s, small_b = measure(lambda: our_page(naive_rows, labels, ASSET_PREFIX))
    print(f"  ours   {len(naive_rows):>7,} points  {small_s:7.2f} s  {_mb(small_b)}")
    _print_naive(len(naive_rows), naive_s, naive_b, "one Marker per point")
    _print_ratio(
        f"at {len(naive_rows):,} points (both measured)", naive_s / small_s, naive_b / small_b
    )
    scale = len(rows) / len(naive_rows)
    est_s, est_b = naive_s * scale, naive_b * scale
    _print_naive(len(rows), est_s, est_b,
                 f"EXTRAPOLATED linearly from {len(naive_rows):,} points, x{scale:g}")  # fmt: skip
    _print_ratio(f"at {args.points:,} points (naive extrapolated)", est_s / ours_s, est_b / ours_b)


def _print_naive(points: int, seconds: float, size: float, note: str) -> None:
    print(f"  naive  {points:>7,} points  {seconds:7.2f} s  {_mb(size)} ({note})")


def _print_ratio(where: str, time_ratio: float, size_ratio: float) -> None:
    print(f"  ratio naive/ours {where}: time {time_ratio:.1f}x  size {size_ratio:.1f}x")


def _point_in_circle(rng: Random, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.random() * math.tau
    d_lat = distance * math.cos(bearing) / KM_PER_DEGREE_LAT
    d_lon = distance * math.sin(bearing) / (KM_PER_DEGREE_LAT * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def _credit_code(index: int) -> str:
    digits = []
    for _ in range(17 - len(CODE_PREFIX)):
        index, digit = divmod(index, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return complete(CODE_PREFIX + "".join(reversed(digits)))


def _mb(size: float) -> str:
    return f"{size / 1e6:8.2f} MB"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=DEFAULT_POINTS)
    parser.add_argument("--naive-points", type=int, default=DEFAULT_NAIVE_POINTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    args.naive_points = max(1, min(args.naive_points, args.points))
    return args


if __name__ == "__main__":
    main()
