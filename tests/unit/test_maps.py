"""Map pages: GCJ-02 conversion, tile providers, offline assets, and what each page carries.

The pages are inspected as HTML here; tests/unit/test_maps_browser.py opens them in a
headless browser.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import folium
import pytest
from folium.plugins import Fullscreen
from hypothesis import given
from hypothesis import strategies as st

from inspect_app.domain.credit_code import complete, is_valid
from maps import (
    STATIC_DIR,
    Labels,
    UnvendoredAsset,
    draw_map,
    entities_map,
    failures_by_street,
    gcj02_to_wgs84,
    progress_map,
    render_html,
    tile_provider,
    wgs84_to_gcj02,
)
from maps.streets import circle_radius_m, count_classes
from maps.style import NO_FAILURE_COLOUR
from seeds.catalogue_loader import load_catalogue

EARTH_RADIUS_M = 6_371_000.0
STREETS = {"BS01": "友谊路街道", "BS04": "罗店镇", "BS08": "大场镇"}
INDUSTRIES = {"IC": "互联网上网服务营业场所", "FS": "现制现售食品", "CS": "便利店"}
DEPARTMENTS = {"MS": "区市场监管局", "FR": "区消防救援支队", "CT": "区文化旅游局"}
LABELS = Labels(industries=INDUSTRIES, streets=STREETS, departments=DEPARTMENTS)
SHOP_NAMES = (
    "上海宝山区极速网咖有限公司",
    "上海宝山区麦香坊烘焙店",
    "宝山区老街坊便利店（个体工商户）",
)

# Reference values from an independent implementation: the npm package coordtransform
# 2.1.2 (wgs84togcj02), run under Node 20. (39.915, 116.404) is the pair printed in that
# package's README; Tiananmen is the pair widely quoted for GCJ-02.
GCJ02_REFERENCES = [
    ((39.9087, 116.3975), (39.91010349934476, 116.40374357265176)),  # 天安门
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    ((31.405, 121.489), (31.40307888999784, 121.49348568868372)),  # 友谊路街道
    ((31.418, 121.338), (31.41615988400049, 121.34258165049448)),  # 罗店镇
    ((31.478, 121.350), (31.476194692576566, 121.3546126604965)),  # 罗泾镇
    ((31.310, 121.414), (31.308195524992737, 121.41865462550294)),  # 大场镇
]


def entity(n: int, **fields: object) -> dict[str, object]:
    """A licensed Baoshan entity with a valid credit code, spread over three streets."""
    street = list(STREETS)[n % len(STREETS)]
    row: dict[str, object] = {
        "credit_code": complete(f"91310113MA1G{n:05d}"),
        "name": SHOP_NAMES[n % len(SHOP_NAMES)],
        "industry": list(INDUSTRIES)[n % len(INDUSTRIES)],
        "grade": "ABCD"[n % 4],
        "lat": 31.30 + (n % 97) * 0.002,
        "lon": 121.33 + (n % 89) * 0.002,
        "street": street,
    }
    row.update(fields)
    return row


def payload(html: str) -> dict:
    """The JSON array the points layer draws from."""
    start = html.index("L.lianjianPoints(") + len("L.lianjianPoints(")
    data, _ = json.JSONDecoder().raw_decode(html, start)
    return data


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


class _Links(HTMLParser):
    """Every <script src> and <link href> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v]


def linked_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def all_pages(tiles: str = "none") -> dict[str, folium.Map]:
    rows = [entity(n) for n in range(12)]
    catalogue = load_catalogue()
    return {
        "entities": entities_map(rows, tiles=tiles, labels=LABELS),
        "draw": draw_map(
            [dict(r, picked=True, team={}, shortfall=False) for r in rows], tiles=tiles
        ),
        "progress": progress_map([dict(r, state="todo") for r in rows], tiles=tiles),
        "failures": failures_by_street(
            catalogue.streets, {"BS01": 3}, failing_points=rows, tiles=tiles
        ),
    }


# --- GCJ-02 --------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs", "gcj"), GCJ02_REFERENCES)
def test_wgs84_to_gcj02_matches_an_independent_implementation(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


def test_gcj02_shift_in_baoshan_is_300_to_600_metres():
    for street in load_catalogue().streets:
        shift = distance_m((street.lat, street.lon), wgs84_to_gcj02(street.lat, street.lon))
        assert 300 <= shift <= 600, street.name


def test_gcj02_moves_shanghai_points_south_and_east():
    lat, lon = wgs84_to_gcj02(31.405, 121.489)
    assert lat < 31.405 and lon > 121.489


@pytest.mark.parametrize("point", [(48.8566, 2.3522), (35.6762, 139.6503), (-33.8688, 151.2093)])
def test_points_outside_china_are_not_shifted(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@given(st.floats(18.0, 53.0), st.floats(74.0, 135.0))
def test_gcj02_inverse_round_trips_within_a_metre(lat, lon):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert distance_m((lat, lon), back) < 1.0


# --- tiles ---------------------------------------------------------------------------


def test_chinese_providers_are_gcj02_and_openstreetmap_is_not():
    assert tile_provider("autonavi").shifts_coordinates
    assert tile_provider("tencent").shifts_coordinates
    assert not tile_provider("openstreetmap").shifts_coordinates
    assert not tile_provider("none").shifts_coordinates


def test_provider_aliases_resolve_case_insensitively():
    assert tile_provider("高德") is tile_provider("AutoNavi") is tile_provider("gaode")


def test_unknown_provider_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="autonavi"):
        tile_provider("baidu")


def test_autonavi_page_uses_its_tile_template_with_subdomains_1_to_4():
    html = render_html(entities_map([entity(1)], tiles="autonavi"))
    assert "webrd0{s}.is.autonavi.com/appmaphost" in html
    assert '"subdomains": "1234"' in html


def test_entities_on_autonavi_tiles_are_drawn_at_their_gcj02_position():
    row = entity(7)
    point = payload(render_html(entities_map([row], tiles="autonavi")))["points"][0]
    lat, lon = wgs84_to_gcj02(row["lat"], row["lon"])
    assert point[:2] == [round(lat, 5), round(lon, 5)]


def test_entities_on_openstreetmap_keep_their_wgs84_position():
    row = entity(7)
    point = payload(render_html(entities_map([row], tiles="openstreetmap")))["points"][0]
    assert point[:2] == [round(row["lat"], 5), round(row["lon"], 5)]


def test_blank_background_requests_no_tiles():
    assert "L.tileLayer" not in render_html(entities_map([entity(1)], tiles="none"))


# --- offline assets ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["entities", "draw", "progress", "failures"])
def test_offline_page_links_no_external_script_or_stylesheet(page):
    html = render_html(all_pages(tiles="autonavi")[page])
    assert linked_urls(html) == []
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)  # no CSS fetch either
    # The only web address the page itself asks for is the tile template.
    tile_urls = re.findall(r'L\.tileLayer\(\s*("[^"]+")', html)
    assert [json.loads(u) for u in tile_urls] == [tile_provider("autonavi").url]


@pytest.mark.parametrize("page", ["entities", "draw", "progress", "failures"])
def test_linked_assets_are_served_under_the_prefix_and_exist(page):
    html = render_html(all_pages()[page], asset_prefix="/static/maps/")
    urls = linked_urls(html)
    assert urls and all(u.startswith("/static/maps/") for u in urls)
    for url in urls:
        assert (STATIC_DIR / url.removeprefix("/static/maps/")).is_file()


def test_linked_page_loads_leaflet_before_the_scripts_that_use_it():
    urls = linked_urls(render_html(all_pages()["entities"], asset_prefix="/m"))
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts == ["/m/leaflet-1.9.4/leaflet.js", "/m/lianjian/points.js"]


def test_inline_page_embeds_leaflet_and_its_images():
    html = render_html(all_pages()["entities"])
    assert "Leaflet 1.9.4" in html
    assert "url(data:image/png;base64," in html
    assert "sourceMappingURL" not in html


def test_page_declares_utf8_before_its_assets():
    html = render_html(all_pages()["entities"])
    assert html.index("charset=UTF-8") < html.index("<script")


def test_map_element_needing_an_unvendored_asset_is_refused():
    m = entities_map([entity(1)], tiles="none")
    Fullscreen().add_to(m)
    with pytest.raises(UnvendoredAsset, match="Fullscreen"):
        render_html(m)


def test_folium_popup_is_refused_because_offline_pages_have_no_jquery():
    m = entities_map([entity(1)], tiles="none")
    folium.Marker([31.405, 121.489], popup="友谊路街道").add_to(m)
    with pytest.raises(UnvendoredAsset, match="jQuery"):
        render_html(m)


# --- entities ------------------------------------------------------------------------


def test_each_entity_is_one_row_of_the_embedded_array_not_a_marker():
    html = render_html(entities_map([entity(n) for n in range(40)], tiles="none"))
    assert len(payload(html)["points"]) == 40
    assert "L.marker(" not in html and "L.circleMarker(" not in html


def test_street_and_industry_names_are_written_once_however_many_entities():
    rows = [entity(n, street="BS04", industry="IC") for n in range(60)]
    html = render_html(entities_map(rows, tiles="none", labels=LABELS))
    data = json.dumps(payload(html), ensure_ascii=False)  # the base outline names towns too
    assert data.count("罗店镇") == 1
    assert data.count("互联网上网服务营业场所") == 1


def test_coordinates_are_rounded_to_about_a_metre():
    point = payload(render_html(entities_map([entity(1, lat=31.4051234567, lon=121.4893456789)])))
    assert point["points"][0][:2] == [31.40512, 121.48935]


def test_entities_are_grouped_by_industry_and_styled_by_grade():
    rows = [entity(1, industry="IC", grade="D"), entity(2, industry="FS", grade="A")]
    data = payload(render_html(entities_map(rows, tiles="none", labels=LABELS)))
    assert data["groups"] == ["现制现售食品", "互联网上网服务营业场所"]  # by code: FS, IC
    internet_cafe = next(p for p in data["points"] if p[2] == 1)
    assert data["styles"][internet_cafe[3]]["l"] == "D 高"


def test_high_risk_entities_are_drawn_larger_than_low_risk_ones():
    data = payload(render_html(entities_map([entity(1)], tiles="none")))
    radius = {s["l"]: s["r"] for s in data["styles"]}
    assert radius["D 高"] > radius["C 较高"] > radius["A 低"]


def test_popup_shows_credit_code_and_street_name():
    row = entity(5, street="BS08")
    point = payload(render_html(entities_map([row], tiles="none", labels=LABELS)))
    fields = point["fields"]
    values = point["points"][0][4:]
    assert values[0] == row["name"]
    assert is_valid(values[1]) and values[1] == row["credit_code"]
    assert fields[1]["v"][values[2]] == "大场镇"


def test_industry_filter_keeps_only_the_named_industries():
    rows = [entity(n) for n in range(30)]
    data = payload(render_html(entities_map(rows, tiles="none", industries={"IC"})))
    assert data["groups"] == ["IC"] and len(data["points"]) == 10


def test_grade_filter_keeps_only_the_named_grades():
    rows = [entity(n) for n in range(40)]
    data = payload(render_html(entities_map(rows, tiles="none", grades={"C", "D"})))
    assert {data["styles"][p[3]]["l"] for p in data["points"]} == {"C 较高", "D 高"}


def test_ungraded_entity_is_drawn_as_unclassified():
    data = payload(render_html(entities_map([entity(1, grade=None)], tiles="none")))
    assert data["styles"][data["points"][0][3]]["l"] == "未分类"


def test_unknown_grade_is_refused():
    with pytest.raises(ValueError, match="grade"):
        entities_map([entity(1, grade="E")], tiles="none")


def test_rows_without_coordinates_are_left_off_the_map():
    rows = [entity(1), entity(2, lat=None), entity(3)]
    assert len(payload(render_html(entities_map(rows, tiles="none")))["points"]) == 2


def test_rows_may_be_dataclasses():
    @dataclass(frozen=True)
    class Shop:
        credit_code: str
        name: str
        industry: str
        grade: str
        lat: float
        lon: float
        street: str

    shop = Shop(**entity(3))
    assert payload(render_html(entities_map([shop], tiles="none")))["points"][0][4] == shop.name


def test_entity_names_cannot_break_out_of_the_script():
    html = render_html(entities_map([entity(1, name="</script><script>alert(1)</script>")]))
    assert "<script>alert(1)" not in html
    assert payload(html)["points"][0][4] == "</script><script>alert(1)</script>"


def test_labels_come_from_the_catalogue():
    labels = Labels.from_catalogue(load_catalogue())
    assert labels.industry("IC") == "互联网上网服务营业场所"
    assert labels.street("BS04") == "罗店镇"
    assert labels.department("FR") == "区消防救援支队"


# --- draw and progress ---------------------------------------------------------------


def test_draw_map_separates_unpicked_picked_and_short_staffed_entities():
    rows = [
        entity(1, picked=False, team={}, shortfall=False),
        entity(2, picked=True, team={"MS": ["MS0012", "MS0031"]}, shortfall=False),
        entity(3, picked=True, team={"MS": ["MS0040"]}, shortfall=True),
    ]
    data = payload(render_html(draw_map(rows, tiles="none")))
    assert [data["styles"][p[3]]["l"] for p in data["points"]] == [
        "未抽中",
        "已抽中",
        "已抽中·检查人员不足",
    ]


@pytest.mark.parametrize(
    "team",
    [
        {"CT": ["CT0003", "CT0017"], "FR": ["FR0007"]},
        (("CT", ("CT0003", "CT0017")), ("FR", ("FR0007",))),  # the draw's own shape
    ],
)
def test_draw_popup_lists_the_team_by_department_lead_first(team):
    row = entity(4, industry="IC", picked=True, team=team, shortfall=False)
    data = payload(render_html(draw_map([row], tiles="none", labels=LABELS)))
    assert data["points"][0][-1] == "区文化旅游局：CT0003、CT0017；区消防救援支队：FR0007"


def test_progress_map_draws_to_do_checked_and_overdue_apart():
    rows = [
        entity(1, state="todo"),
        entity(2, state="checked", result="OK"),
        entity(3, state="overdue"),
    ]
    data = payload(render_html(progress_map(rows, tiles="none")))
    assert [data["styles"][p[3]]["l"] for p in data["points"]] == ["待检查", "已检查", "已逾期"]
    assert data["groups"] == ["待检查", "已检查", "已逾期"]


def test_unknown_progress_state_is_refused():
    with pytest.raises(ValueError, match="state"):
        progress_map([entity(1, state="done")], tiles="none")


# --- failures by street --------------------------------------------------------------


def test_street_circle_area_is_proportional_to_its_failures():
    assert circle_radius_m(9, 36) / circle_radius_m(36, 36) == pytest.approx(math.sqrt(9 / 36))


@given(st.integers(1, 500), st.integers(1, 7))
def test_count_classes_cover_every_count_from_one_to_the_largest(largest, most):
    classes = count_classes(largest, most)
    assert len(classes) <= most
    assert [n for lo, hi in classes for n in range(lo, hi + 1)] == list(range(1, largest + 1))


def test_failures_map_draws_one_circle_per_street():
    html = render_html(failures_by_street(load_catalogue().streets, {"BS04": 7}, tiles="none"))
    assert html.count("L.circle(") == 12
    assert "罗店镇 7" in html and "张庙街道 0" in html


def test_street_without_failures_is_grey():
    html = render_html(failures_by_street(load_catalogue().streets, {}, tiles="none"))
    assert html.count(f'"fillColor": "{NO_FAILURE_COLOUR}"') == 12


def test_heat_layer_is_added_only_with_failing_entities():
    streets = load_catalogue().streets
    assert "L.heatLayer" not in render_html(failures_by_street(streets, {}, tiles="none"))
    with_heat = failures_by_street(streets, {"BS01": 1}, failing_points=[entity(1)], tiles="none")
    assert "L.heatLayer" in render_html(with_heat)


def test_street_centres_on_gcj02_tiles_are_shifted():
    street = next(s for s in load_catalogue().streets if s.code == "BS01")
    html = render_html(failures_by_street([street], {"BS01": 2}, tiles="tencent"))
    lat, lon = wgs84_to_gcj02(street.lat, street.lon)
    assert f"[{lat}, {lon}]" in html


def legend(html: str) -> dict:
    """The legend's JSON: its title, entries (label with count, colour) and notes."""
    start = html.index("var data = ", html.index("lj-legend") - 2000) + len("var data = ")
    marker = html.index('"entries"', start)
    start = html.rindex("{", 0, marker)
    data, _ = json.JSONDecoder().raw_decode(html, start)
    return data


def test_the_legend_counts_each_grade_and_says_why_entities_are_unclassified():
    rows = [entity(n) for n in range(8)] + [
        entity(8, grade=None, ungraded_reason="所持许可证的行业未配置基础风险分"),
        entity(9, grade=None, ungraded_reason="所持许可证的行业未配置基础风险分"),
    ]
    html = render_html(entities_map(rows, tiles="none", off_map=[("无有效许可证", 7), ("其他", 0)]))
    data = legend(html)
    labels = [e["l"] for e in data["entries"]]
    assert labels == ["A 低 2", "B 一般 2", "C 较高 2", "D 高 2", "未分类 2"]
    assert data["notes"][0].startswith("未分类：缺少评级所需的输入")
    assert "· 所持许可证的行业未配置基础风险分：2" in data["notes"]
    assert "· 无有效许可证：7（不在图上 not on the map）" in data["notes"]
    assert not any("其他" in note for note in data["notes"])


def test_a_map_with_every_entity_graded_has_no_unclassified_note():
    data = legend(render_html(entities_map([entity(n) for n in range(4)], tiles="none")))
    assert data["notes"] == [] and data["entries"][-1]["l"] == "未分类 0"


def test_the_heat_layer_has_a_legend_from_sparse_to_dense():
    streets = [{"code": "BS04", "name": "罗店镇", "lat": 31.418, "lon": 121.338}]
    html = render_html(
        failures_by_street(streets, {"BS04": 3}, failing_points=[{"lat": 31.42, "lon": 121.34}])
    )
    assert '"title":"不合格主体热力"' in html and '"gradient":["#0000ff"' in html
    assert "稀 sparse" in html and "密 dense" in html


def test_a_url_template_is_the_districts_own_wgs84_tile_server():
    provider = tile_provider("https://tiles.bsq.sh.gov.cn/{z}/{x}/{y}.png")
    assert provider.url == "https://tiles.bsq.sh.gov.cn/{z}/{x}/{y}.png"
    assert not provider.shifts_coordinates
    with pytest.raises(ValueError):
        tile_provider("https://tiles.bsq.sh.gov.cn/no-placeholders.png")


def test_every_map_has_its_title_on_the_map_and_a_blank_one_the_approximate_outline():
    html = render_html(entities_map([entity(1)], tiles="none", title="宝山区网吧分布"))
    assert '{"title":"宝山区网吧分布"' in html
    assert "非官方行政区划边界" in html and "淞南镇" in html
    with_tiles = render_html(entities_map([entity(1)], tiles="openstreetmap"))
    assert "非官方行政区划边界" not in with_tiles and '"title":"宝山区一业一证' in with_tiles
