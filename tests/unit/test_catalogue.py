"""The packaged catalogue: departments, industries, permits, streets, holidays."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from seeds.catalogue_loader import (
    DEFAULT_PATH,
    CatalogueError,
    issuers_outside_team,
    load_catalogue,
    validate,
)

CONVENTION_DEPARTMENTS = {
    "CT": "区文化旅游局", "MS": "区市场监管局", "PS": "区公安分局", "FR": "区消防救援支队",
    "HC": "区卫生健康委", "EE": "区生态环境局", "GR": "区绿化市容局", "WA": "区水务局",
    "SP": "区体育局", "CA": "区民政局", "ED": "区教育局", "TC": "区交通委", "CM": "区商务委",
    "EM": "区应急管理局", "HRSS": "区人力资源社会保障局", "TB": "区烟草专卖局",
    "ASC": "区行政服务中心", "GSO": "区政务服务办公室",
}  # fmt: skip
DOMAIN_INDUSTRIES = [
    "IC", "FS", "CS", "SM", "RS", "HT", "PH", "GY", "SW", "BE", "KT", "GA", "CI",
    "BK", "PV", "TA", "EL", "CC", "TR", "CL", "AR", "GS", "PR", "HR", "SC",
]  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def editable_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_PATH, folder)
    return folder


def test_packaged_catalogue_validates(catalogue):
    assert validate(catalogue) == []


def test_departments_use_the_codes_and_names_of_the_conventions(catalogue):
    assert {d.code: d.name for d in catalogue.departments} == CONVENTION_DEPARTMENTS


def test_tobacco_is_a_monopoly_and_the_service_centre_does_licensing(catalogue):
    assert catalogue.department("TB").kind == "monopoly"
    assert catalogue.department("ASC").kind == "licensing"


def test_catalogue_holds_the_25_industries_of_the_domain_table(catalogue):
    assert [i.code for i in catalogue.industries] == DOMAIN_INDUSTRIES


def test_internet_cafes_are_led_by_culture_with_police_fire_and_market(catalogue):
    ic = catalogue.industry("IC")
    assert ic.name == "互联网上网服务营业场所"
    assert (ic.lead_department, set(ic.partner_departments)) == ("CT", {"PS", "FR", "MS"})


def test_food_made_on_the_spot_is_led_by_market_with_environment_fire_and_greening(catalogue):
    fs = catalogue.industry("FS")
    assert fs.name == "现制现售食品"
    assert (fs.lead_department, set(fs.partner_departments)) == ("MS", {"EE", "FR", "GR"})


def test_six_industries_start_in_may_2021_including_both_focus_industries(catalogue):
    may = {i.code for i in catalogue.industries if i.batch_month == "2021-05"}
    assert len(may) == 6
    assert {"IC", "FS"} <= may


def test_the_other_industries_start_monthly_from_june_to_october_2021(catalogue):
    later = {i.batch_month for i in catalogue.industries if i.batch_month != "2021-05"}
    assert later == {"2021-06", "2021-07", "2021-08", "2021-09", "2021-10"}


def test_only_the_sourced_focus_industries_are_not_provisional(catalogue):
    assert {i.code for i in catalogue.industries if not i.provisional} == {"IC", "FS"}


@pytest.mark.parametrize(
    ("permit_name", "department"),
    [
        ("网络文化经营许可证", "CT"),
        ("公众聚集场所投入使用营业前消防安全检查", "FR"),
        ("消防检查", "FR"),
        ("食品经营许可", "MS"),
        ("排水许可", "WA"),
        ("户外招牌设置", "GR"),
        ("烟草专卖零售许可", "TB"),
        ("特种行业许可证", "PS"),
        ("公共场所卫生许可", "HC"),
    ],
)
def test_each_permit_is_issued_by_the_department_that_owns_it(catalogue, permit_name, department):
    issuers = {p.issuing_department for p in catalogue.permits if p.name == permit_name}
    assert issuers == {department}


def test_internet_cafe_licence_combines_culture_fire_and_optional_food_permits(catalogue):
    permits = {p.name: p for p in catalogue.permits_of("IC")}
    assert set(permits) == {
        "网络文化经营许可证",
        "公众聚集场所投入使用营业前消防安全检查",
        "食品经营许可",
    }
    assert permits["食品经营许可"].conditional
    assert permits["食品经营许可"].condition


def test_issuers_outside_the_joint_team_are_noted_in_the_readme(catalogue):
    readme = (DEFAULT_PATH / "README.md").read_text(encoding="utf-8")
    outside = issuers_outside_team(catalogue)
    assert [p.code for p in outside] == ["FS-P2"]
    for permit in outside:
        assert permit.code in readme


def test_baoshan_has_three_sub_districts_and_nine_towns(catalogue):
    kinds = [s.kind for s in catalogue.streets]
    assert (kinds.count("街道"), kinds.count("镇")) == (3, 9)


def test_holidays_parse_as_dates_of_2025_and_2026(catalogue):
    assert {h.date.year for h in catalogue.holidays} == {2025, 2026}
    assert all(isinstance(h.date, date) for h in catalogue.holidays)


def test_spring_festival_2026_is_nine_days_with_two_makeup_saturdays(catalogue):
    spring = [h for h in catalogue.holidays if h.date.year == 2026 and h.name.startswith("春节")]
    off = [h.date for h in spring if h.kind == "holiday"]
    assert (min(off), max(off), len(off)) == (date(2026, 2, 15), date(2026, 2, 23), 9)
    assert [h.date for h in spring if h.kind == "workday"] == [date(2026, 2, 14), date(2026, 2, 28)]


def test_makeup_workdays_fall_on_weekends(catalogue):
    workdays = [h.date for h in catalogue.holidays if h.kind == "workday"]
    assert workdays
    assert all(d.weekday() >= 5 for d in workdays)


def test_validate_reports_a_permit_issued_by_an_unknown_department(editable_copy):
    path = editable_copy / "permits.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "IC-P9,IC,某许可,XX,false,\n", encoding="utf-8"
    )
    problems = validate(load_catalogue(editable_copy))
    assert any("IC-P9" in p and "XX" in p for p in problems)


def test_validate_reports_a_street_reaching_outside_baoshan(editable_copy):
    path = editable_copy / "streets.csv"
    text = path.read_text(encoding="utf-8").replace("31.310,121.414,2.9", "31.310,121.414,9.0")
    path.write_text(text, encoding="utf-8")
    assert any("BS08" in p for p in validate(load_catalogue(editable_copy)))


def test_loader_accepts_a_file_saved_by_excel_with_a_byte_order_mark(editable_copy):
    path = editable_copy / "departments.csv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8-sig")
    assert load_catalogue(editable_copy).department("CT").name == "区文化旅游局"


def test_loader_names_the_file_and_line_of_a_bad_row(editable_copy):
    path = editable_copy / "industries.csv"
    text = path.read_text(encoding="utf-8").replace(
        "IC,互联网上网服务营业场所,CT,PS;FR;MS,false", "IC,互联网上网服务营业场所,CT,PS;FR;MS,maybe"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"industries\.csv 第 2 行"):
        load_catalogue(editable_copy)
