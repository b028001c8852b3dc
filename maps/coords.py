"""WGS-84 ↔ GCJ-02: the datum shift Chinese web-map tiles (高德, 腾讯) are drawn in.

GPS and our registry store WGS-84. Tiles from Chinese providers are offset by the
state's GCJ-02 obfuscation (a few hundred metres in Shanghai), so an overlay on them
must shift every point the same way or markers land on the wrong block. The forward
transform is the widely published approximation on the Krasovsky 1940 ellipsoid
(accurate to a few metres); the inverse is found by fixed-point iteration.
"""

from __future__ import annotations

import math

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 approximation.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# The approximation's polynomials are centred here (lon 105 E, lat 35 N).
ORIGIN_LON = 105.0
ORIGIN_LAT = 35.0
# Outside this box the obfuscation does not apply (the usual published rectangle).
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)
# Inverse: iterate until the forward image is within ~1 mm (1e-8 degree).
INVERSE_TOLERANCE_DEG = 1e-8
INVERSE_MAX_STEPS = 30


def out_of_china(lat: float, lon: float) -> bool:
    """True where GCJ-02 leaves coordinates unchanged (outside mainland China's box)."""
    return not (CHINA_LON[0] <= lon <= CHINA_LON[1] and CHINA_LAT[0] <= lat <= CHINA_LAT[1])


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) on WGS-84 → (lat, lon) on GCJ-02; unchanged outside China."""
    if out_of_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) on GCJ-02 → WGS-84, exact to well under a metre by iteration."""
    if out_of_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(INVERSE_MAX_STEPS):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = g_lat - lat, g_lon - lon
        if abs(e_lat) < INVERSE_TOLERANCE_DEG and abs(e_lon) < INVERSE_TOLERANCE_DEG:
            break
        w_lat, w_lon = w_lat - e_lat, w_lon - e_lon
    return w_lat, w_lon


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 shift in degrees (Δlat, Δlon) at a WGS-84 point."""
    x, y = lon - ORIGIN_LON, lat - ORIGIN_LAT
    d_lat, d_lon = _shift_lat(x, y), _shift_lon(x, y)
    rad_lat = math.radians(lat)
    magic = 1 - KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    # Metres of shift → degrees on the ellipsoid (meridian and parallel radii).
    d_lat = (d_lat * 180.0) / ((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret
