"""Risk-point catalogue: the seed matches docs/domain.md, the map says who checks what."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from risk.points import (
    IndustryDepartments,
    LegalBasis,
    RiskPoint,
    checklist_by_department,
    content_hash,
    is_provisional_catalogue,
    parse_risk_points,
    points_by_code,
    risk_map,
    validate_risk_points,
)
from seeds.catalogue_loader import read_document

# docs/domain.md's industries table, transcribed independently of the seed: (code, lead, partners).
DOMAIN_TABLE = [
    ("IC", "CT", ("PS", "FR", "MS")),
    ("FS", "MS", ("EE", "FR", "GR")),
    ("CS", "MS", ("TB", "CM")),
    ("SM", "MS", ("TB", "FR")),
    ("RS", "MS", ("EE", "FR", "GR", "WA")),
    ("HT", "PS", ("HC", "FR", "MS")),
    ("PH", "MS", ("HC",)),
    ("GY", "SP", ("HC", "FR")),
    ("SW", "SP", ("HC", "FR")),
    ("BE", "HC", ("MS",)),
    ("KT", "CT", ("PS", "FR", "HC")),
    ("GA", "CT", ("PS", "FR")),
    ("CI", "CT", ("FR", "HC")),
    ("BK", "CT", ("MS",)),
    ("PV", "CT", ("PS", "FR")),
    ("TA", "CT", ("MS",)),
    ("EL", "CA", ("HC", "FR", "MS")),
    ("CC", "HC", ("ED", "FR", "MS")),
    ("TR", "ED", ("HRSS", "FR")),
    ("CL", "HC", ("EE",)),
    ("AR", "TC", ("EE", "FR")),
    ("GS", "CM", ("EM", "FR", "MS")),
    ("PR", "CT", ("EE", "PS")),
    ("HR", "HRSS", ("MS",)),
    ("SC", "PS", ("HRSS",)),
]
INDUSTRIES = [IndustryDepartments(code, lead, partners) for code, lead, partners in DOMAIN_TABLE]
# docs/glossary.md's department codes, transcribed independently of departments.csv.
DEPARTMENTS = frozenset(
    {
        "CT", "MS", "PS", "FR", "HC", "EE", "GR", "WA", "SP", "CA", "ED", "TC", "CM",
        "EM", "HRSS", "TB", "ASC", "GSO",
    }
)  # fmt: skip
BY_CODE = {industry.code: industry for industry in INDUSTRIES}
FOCUS = ("IC", "FS")

# docs/domain.md's check items of the focus industries: a word of the item's title, its owner.
IC_ITEMS = [
    ("网络文化经营许可证", "CT"),  # licence displayed
    ("未成年人", "CT"),  # no minors, sign posted
    ("实名登记", "PS"),  # real-name registration by ID card
    ("8时至24时", "CT"),  # opening hours
    ("60日", "PS"),  # records kept ≥ 60 days
    ("计算机数量", "CT"),  # no change of address, area, terminals
    ("过滤软件", "CT"),  # filtering software running
    ("安全出口", "FR"),  # fire: exits clear
    ("灭火器", "FR"),  # fire: extinguishers
    ("应急照明", "FR"),  # fire: emergency lighting
    ("吸烟", "FR"),  # fire: no smoking
    ("公安网络安全审核", "PS"),  # public-security network review
]
FS_ITEMS = [
    ("食品经营许可证", "MS"),
    ("健康证明", "MS"),
    ("进货查验", "MS"),
    ("生熟分开", "MS"),
    ("食品添加剂", "MS"),
    ("冷藏冷冻", "MS"),
    ("预包装食品标签", "MS"),
    ("清洗消毒", "MS"),
    ("废弃油脂", "GR"),
    ("污水排放", "EE"),
    ("户外招牌", "GR"),
]


@pytest.fixture(scope="module")
def points() -> list[RiskPoint]:
    return parse_risk_points(read_document("risk_points"))


def _point(code: str = "IC-01", **changes: object) -> RiskPoint:
    base = RiskPoint(
        code=code,
        industry=code.split("-")[0],
        title="不得接纳未成年人",
        content="是否接纳未成年人进入营业场所",
        method="现场巡查，核查在场人员身份证件",
        legal_basis=(LegalBasis("《互联网上网服务营业场所管理条例》第二十一条"),),
        severity="high",
        key_item=True,
        department="CT",
    )
    return replace(base, **changes)


def test_seed_catalogue_is_marked_provisional():
    assert is_provisional_catalogue(read_document("risk_points")) is True


def test_seed_catalogue_has_no_validation_problem(points):
    assert validate_risk_points(points, INDUSTRIES, DEPARTMENTS) == []


def test_every_industry_of_the_domain_table_has_risk_points(points):
    covered = {point.industry for point in points}
    assert covered == set(BY_CODE)


@pytest.mark.parametrize("code", [c for c, _, _ in DOMAIN_TABLE if c not in FOCUS])
def test_other_industries_have_three_to_six_points_by_lead_and_partners(points, code):
    own = [p for p in points if p.industry == code]
    owners = {p.department for p in own}
    assert 3 <= len(own) <= 6
    assert BY_CODE[code].lead in owners
    assert owners & set(BY_CODE[code].partners)


@pytest.mark.parametrize(("word", "department"), IC_ITEMS)
def test_every_internet_cafe_check_item_is_present_with_its_department(points, word, department):
    matching = [p for p in points if p.industry == "IC" and word in p.title]
    assert [p.department for p in matching] == [department]


@pytest.mark.parametrize(("word", "department"), FS_ITEMS)
def test_every_made_and_sold_food_check_item_is_present_with_its_department(
    points, word, department
):
    matching = [p for p in points if p.industry == "FS" and word in p.title]
    assert [p.department for p in matching] == [department]


@pytest.mark.parametrize("code", FOCUS)
def test_every_partner_of_a_focus_industry_owns_check_items(points, code):
    owners = {p.department for p in points if p.industry == code}
    assert owners == {BY_CODE[code].lead, *BY_CODE[code].partners}


def test_fire_items_of_focus_industries_are_high_severity_key_items(points):
    fire = [p for p in points if p.industry in FOCUS and p.department == "FR"]
    assert len(fire) >= 5
    assert all(p.key_item and p.severity == "high" for p in fire)


def test_every_citation_names_a_law_or_a_national_standard(points):
    citations = [b.citation for p in points for b in p.legal_basis]
    assert all(c.startswith(("《", "GB ")) and "》" in c for c in citations)


def test_uncertain_citations_are_marked_provisional_while_core_articles_are_not(points):
    basis = {b.citation: b.provisional for p in points for b in p.legal_basis}
    assert basis["《互联网上网服务营业场所管理条例》第二十一条"] is False
    assert basis["《上海市户外招牌设置管理办法》"] is True


def test_owner_who_is_neither_lead_nor_partner_is_reported():
    problems = validate_risk_points([_point("IC-01", department="HC")], INDUSTRIES, DEPARTMENTS)
    assert any("IC-01" in p and "HC" in p and "牵头或协同" in p for p in problems)


def test_unknown_department_is_reported():
    problems = validate_risk_points([_point("IC-01", department="XX")], INDUSTRIES, DEPARTMENTS)
    assert any("未知部门 XX" in p for p in problems)


def test_duplicate_code_is_reported():
    problems = validate_risk_points([_point("IC-01"), _point("IC-01")], INDUSTRIES, DEPARTMENTS)
    assert any("IC-01" in p and "重复" in p for p in problems)


def test_code_of_another_industry_is_reported():
    problems = validate_risk_points(
        [_point("IC-01", industry="FS", department="MS")], INDUSTRIES, DEPARTMENTS
    )
    assert any("编号应为 FS-NN" in p for p in problems)


def test_industry_without_points_is_reported():
    problems = validate_risk_points([_point("IC-01")], INDUSTRIES, DEPARTMENTS)
    assert any(p.startswith("FS:") for p in problems)
    assert not any(p.startswith("IC:") for p in problems)


def test_point_without_legal_basis_is_reported():
    problems = validate_risk_points([_point("IC-01", legal_basis=())], [BY_CODE["IC"]], DEPARTMENTS)
    assert problems == ["IC-01: 缺少法律依据 (missing legal basis)"]


def test_risk_map_puts_the_lead_first(points):
    departments = list(risk_map(points, BY_CODE["IC"]))
    assert departments == ["CT", "PS", "FR", "MS"]


def test_risk_map_keeps_only_the_industrys_points_sorted_by_code(points):
    food = risk_map(points, BY_CODE["FS"])
    assert [p.code for p in food["GR"]] == ["FS-09", "FS-11"]
    assert all(p.industry == "FS" for items in food.values() for p in items)


def test_risk_map_shows_the_lead_even_when_it_owns_nothing():
    only_fire = [_point("IC-08", department="FR")]
    assert risk_map(only_fire, BY_CODE["IC"]) == {"CT": [], "FR": only_fire}


def test_checklist_by_department_puts_the_lead_first_and_keeps_task_order(points):
    index = points_by_code(points)
    task_items = [index[c] for c in ("IC-09", "IC-03", "IC-02", "IC-08", "IC-01")]
    checklist = checklist_by_department(task_items, lead="CT")
    assert list(checklist) == ["CT", "FR", "PS"]
    assert [p.code for p in checklist["CT"]] == ["IC-02", "IC-01"]
    assert [p.code for p in checklist["FR"]] == ["IC-09", "IC-08"]


def test_content_hash_changes_when_a_point_is_edited():
    original = _point()
    edited = replace(original, method="调阅视频监控")
    assert content_hash(original) != content_hash(edited)


def test_content_hash_is_the_same_for_equal_points():
    assert content_hash(_point()) == content_hash(_point())
    assert len(content_hash(_point())) == 64


def test_catalogue_loads_from_an_explicit_path(tmp_path):
    document = {
        "provisional": False,
        "industries": [
            {
                "industry": "FS",
                "points": [
                    {
                        "code": "FS-01",
                        "title": "食品经营许可证公示",
                        "content": "许可证是否公示",
                        "method": "现场查看",
                        "legal_basis": [{"citation": "《中华人民共和国食品安全法》第三十五条"}],
                        "severity": "medium",
                        "key_item": False,
                        "department": "MS",
                    }
                ],
            }
        ],
    }
    path = tmp_path / "risk_points.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    [point] = parse_risk_points(read_document("risk_points", tmp_path))
    assert (point.industry, point.department, point.legal_basis[0].provisional) == (
        "FS",
        "MS",
        False,
    )
    assert is_provisional_catalogue(read_document("risk_points", tmp_path)) is False
