"""Synthetic addresses and coordinates inside a street/town (街镇) of Baoshan."""

from __future__ import annotations

import math
from random import Random

from seeds.catalogue_loader import BAOSHAN_LAT, BAOSHAN_LON, KM_PER_DEGREE_LAT, Street

# Real road names of each street/town as far as we know them (approximate: a road may run
# through several 街镇; good enough for synthetic addresses, not for geocoding).
ROADS = {
    "友谊路街道": (
        "牡丹江路",
        "友谊路",
        "密山路",
        "团结路",
        "宝林路",
        "盘古路",
        "海江路",
        "永清路",
    ),
    "吴淞街道": ("淞滨路", "淞兴路", "淞兴西路", "同泰北路", "淞宝路", "塘后路", "同济支路"),
    "张庙街道": ("长江西路", "通河路", "呼玛路", "爱辉路", "虎林路", "泗塘路", "黑龙江路"),
    "罗店镇": ("罗溪路", "沪太路", "美丹路", "美诺路", "罗新路", "市一路", "罗芬路", "月罗公路"),
    "罗泾镇": ("陈川路", "潘川路", "新川沙路", "蕰川公路", "罗宁路", "沪太路"),
    "庙行镇": ("共康路", "共和新路", "场北路", "长江西路", "纪蕴路", "康宁路"),
    "顾村镇": ("陆翔路", "菊太路", "富联路", "联谊路", "电台路", "泰和西路", "共富路", "宝安公路"),
    "大场镇": ("场中路", "沪太路", "南大路", "真大路", "大华路", "汶水路", "祁连山路", "乾溪路"),
    "杨行镇": ("杨泰路", "水产路", "杨北路", "富锦路", "杨鑫路", "江杨北路", "园丰路", "宝杨路"),
    "月浦镇": ("春雷路", "月川路", "宝泉路", "德都路", "龙镇路", "月罗公路", "沪太路"),
    "高境镇": ("殷高西路", "逸仙路", "高境路", "三门路", "江杨南路", "淞发路", "新二路"),
    "淞南镇": ("长江南路", "淞良路", "淞发路", "通南路", "淞南路", "塘后支路"),
}
GENERIC_ROADS = ("沪太路", "长江路", "宝安公路", "共和新路")
ADDRESS_PREFIX = "上海市宝山区"

# House numbers: most shops front a road; some sit in a lane (弄) or on an upper floor.
MAX_HOUSE_NUMBER = 2000
LANE_SHARE = 0.2
MAX_LANE_BUILDING = 60
UPPER_FLOOR_SHARE = 0.15
MAX_FLOOR = 6

# Points are drawn a little inside the street circle so rounding never pushes them out.
RADIUS_MARGIN = 0.98
COORDINATE_DECIMALS = 6
MAX_POINT_TRIES = 50


def address(rng: Random, street: Street) -> str:
    """'上海市宝山区友谊路街道牡丹江路1234号' and its lane/floor variants."""
    road = rng.choice(ROADS.get(street.name, GENERIC_ROADS))
    number = rng.randint(1, MAX_HOUSE_NUMBER)
    if rng.random() < LANE_SHARE:
        place = f"{number}弄{rng.randint(1, MAX_LANE_BUILDING)}号"
    else:
        place = f"{number}号"
    if rng.random() < UPPER_FLOOR_SHARE:
        place += f"{rng.randint(2, MAX_FLOOR)}层"
    return f"{ADDRESS_PREFIX}{street.name}{road}{place}"


def point_in(rng: Random, street: Street) -> tuple[float, float]:
    """A WGS-84 (lat, lon) spread evenly over the street circle, clipped to Baoshan's box."""
    km_per_degree_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(street.lat))
    for _ in range(MAX_POINT_TRIES):
        distance = street.radius_km * RADIUS_MARGIN * math.sqrt(rng.random())
        bearing = rng.random() * math.tau
        lat = round(
            street.lat + distance * math.cos(bearing) / KM_PER_DEGREE_LAT, COORDINATE_DECIMALS
        )
        lon = round(
            street.lon + distance * math.sin(bearing) / km_per_degree_lon, COORDINATE_DECIMALS
        )
        if BAOSHAN_LAT[0] <= lat <= BAOSHAN_LAT[1] and BAOSHAN_LON[0] <= lon <= BAOSHAN_LON[1]:
            return lat, lon
    # A street circle reaching outside the box is a catalogue error validate() reports.
    return street.lat, street.lon
