"""Load the registry catalogue (departments, industries, permits, streets, holidays) from CSV,
and the district's rule documents (feedback rules, risk grading, risk points) from JSON.

The catalogue is seed data, not code: an admin corrects a provisional fact by editing or
replacing a file, and ``validate`` says what no longer fits together.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_PATH = Path(__file__).resolve().parent / "catalogue"

DEPARTMENT_KINDS = ("bureau", "monopoly", "licensing")
STREET_KINDS = ("街道", "镇")
HOLIDAY_KINDS = ("holiday", "workday")
LIST_SEPARATOR = ";"
# The rule documents of a folder; one missing from a replacement folder is the packaged one.
DOCUMENTS = ("feedback_rules", "risk_grading", "risk_points")

# Baoshan's bounding box (docs/domain.md): every street circle must fit inside it.
BAOSHAN_LAT = (31.28, 31.52)
BAOSHAN_LON = (121.30, 121.53)
KM_PER_DEGREE_LAT = 111.32
SATURDAY = 5

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TRUE = {"true": True, "false": False}
_T = TypeVar("_T")


class CatalogueError(ValueError):
    """A catalogue file cannot be read: names the file and line."""


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    short_name: str
    kind: str


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    lead_department: str
    partner_departments: tuple[str, ...]
    provisional: bool
    batch_month: str

    @property
    def departments(self) -> tuple[str, ...]:
        """Lead first, then partners: the joint team of the industry."""
        return (self.lead_department, *self.partner_departments)


@dataclass(frozen=True)
class Permit:
    code: str
    industry: str
    name: str
    issuing_department: str
    conditional: bool
    condition: str


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    kind: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Holiday:
    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    departments: tuple[Department, ...]
    industries: tuple[Industry, ...]
    permits: tuple[Permit, ...]
    streets: tuple[Street, ...]
    holidays: tuple[Holiday, ...]
    source: Path = field(default=DEFAULT_PATH, compare=False)
    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    @cached_property
    def _departments(self) -> dict[str, Department]:
        return {d.code: d for d in self.departments}

    @cached_property
    def _industries(self) -> dict[str, Industry]:
        return {i.code: i for i in self.industries}

    @cached_property
    def _streets(self) -> dict[str, Street]:
        return {s.code: s for s in self.streets}

    @cached_property
    def _permits_by_industry(self) -> dict[str, tuple[Permit, ...]]:
        grouped: dict[str, list[Permit]] = {}
        for permit in self.permits:
            grouped.setdefault(permit.industry, []).append(permit)
        return {code: tuple(items) for code, items in grouped.items()}

    def department(self, code: str) -> Department:
        return self._departments[code]

    def industry(self, code: str) -> Industry:
        return self._industries[code]

    def street(self, code: str) -> Street:
        return self._streets[code]

    def permits_of(self, industry: str) -> tuple[Permit, ...]:
        """The permits an industry's combined licence integrates, in catalogue order."""
        return self._permits_by_industry.get(industry, ())

    def supervising_departments(self) -> tuple[str, ...]:
        """Departments that lead or partner at least one industry, in department order."""
        involved = {code for industry in self.industries for code in industry.departments}
        return tuple(d.code for d in self.departments if d.code in involved)

    def industries_of(self, department: str) -> tuple[str, ...]:
        """Industry codes a department leads or partners in, in industry order."""
        return tuple(i.code for i in self.industries if department in i.departments)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read the five CSV files of a catalogue folder (the packaged one by default)."""
    folder = Path(path) if path is not None else DEFAULT_PATH
    return Catalogue(
        departments=tuple(_read(folder / "departments.csv", _department)),
        industries=tuple(_read(folder / "industries.csv", _industry)),
        permits=tuple(_read(folder / "permits.csv", _permit)),
        streets=tuple(_read(folder / "streets.csv", _street)),
        holidays=tuple(_read(folder / "holidays.csv", _holiday)),
        source=folder,
        documents={name: read_document(name, folder) for name in DOCUMENTS},
    )


def read_document(name: str, path: Path | str | None = None) -> dict[str, Any]:
    """One rule document (`feedback_rules`, ...) of a folder, else the packaged one."""
    file = Path(path if path is not None else DEFAULT_PATH) / f"{name}.json"
    if not file.exists():
        file = DEFAULT_PATH / f"{name}.json"
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CatalogueError(f"{file.name}：{exc}") from exc


def _read(file: Path, build: Callable[[dict[str, str]], _T]) -> Iterator[_T]:
    # utf-8-sig: a file saved from Excel starts with a BOM and must still load.
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                yield build({k: (v or "").strip() for k, v in row.items() if k})
            except (KeyError, ValueError) as exc:
                raise CatalogueError(f"{file.name} 第 {line} 行：{exc!r}") from exc


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())


def _bool(value: str) -> bool:
    return _TRUE[value.lower()]


def _department(row: dict[str, str]) -> Department:
    return Department(row["code"], row["name"], row["short_name"], row["kind"])


def _industry(row: dict[str, str]) -> Industry:
    return Industry(
        code=row["code"],
        name=row["name"],
        lead_department=row["lead_department"],
        partner_departments=_split(row["partner_departments"]),
        provisional=_bool(row["provisional"]),
        batch_month=row["batch_month"],
    )


def _permit(row: dict[str, str]) -> Permit:
    return Permit(
        code=row["code"],
        industry=row["industry"],
        name=row["name"],
        issuing_department=row["issuing_department"],
        conditional=_bool(row["conditional"]),
        condition=row.get("condition", ""),
    )


def _street(row: dict[str, str]) -> Street:
    return Street(
        code=row["code"],
        name=row["name"],
        kind=row["kind"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        radius_km=float(row["radius_km"]),
    )


def _holiday(row: dict[str, str]) -> Holiday:
    return Holiday(date.fromisoformat(row["date"]), row["kind"], row["name"])


def validate(catalogue: Catalogue) -> list[str]:
    """Every broken reference or impossible value, as messages; empty when consistent."""
    return [
        *_duplicates(catalogue),
        *_check_departments(catalogue),
        *_check_industries(catalogue),
        *_check_permits(catalogue),
        *_check_streets(catalogue),
        *_check_holidays(catalogue),
    ]


def issuers_outside_team(catalogue: Catalogue) -> list[Permit]:
    """Permits whose issuing department is neither lead nor partner of their industry.

    Not an error (the domain table says so), but worth a note: that department is not
    drawn into the joint team although it issued one of the licence's permits.
    """
    return [
        p
        for p in catalogue.permits
        if p.industry in catalogue._industries
        and p.issuing_department not in catalogue.industry(p.industry).departments
    ]


def _duplicates(catalogue: Catalogue) -> Iterator[str]:
    tables = {
        "departments.csv": [d.code for d in catalogue.departments],
        "industries.csv": [i.code for i in catalogue.industries],
        "permits.csv": [p.code for p in catalogue.permits],
        "streets.csv": [s.code for s in catalogue.streets],
        "holidays.csv": [h.date.isoformat() for h in catalogue.holidays],
    }
    for file, keys in tables.items():
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                yield f"{file} {key}：重复"
            seen.add(key)


def _check_departments(catalogue: Catalogue) -> Iterator[str]:
    for d in catalogue.departments:
        if d.kind not in DEPARTMENT_KINDS:
            yield f"departments.csv {d.code}：类型 {d.kind} 不在 {DEPARTMENT_KINDS} 中"


def _check_industries(catalogue: Catalogue) -> Iterator[str]:
    known = catalogue._departments
    for i in catalogue.industries:
        for code in i.departments:
            if code not in known:
                yield f"industries.csv {i.code}：部门 {code} 不存在"
            elif known[code].kind == "licensing":
                yield f"industries.csv {i.code}：审批部门 {code} 不能牵头或协同监管"
        if i.lead_department in i.partner_departments:
            yield f"industries.csv {i.code}：牵头部门 {i.lead_department} 也列为协同部门"
        if len(set(i.partner_departments)) != len(i.partner_departments):
            yield f"industries.csv {i.code}：协同部门重复"
        if not _MONTH.match(i.batch_month):
            yield f"industries.csv {i.code}：批次月份 {i.batch_month} 不是 YYYY-MM"
        if not any(not p.conditional for p in catalogue.permits_of(i.code)):
            yield f"industries.csv {i.code}：没有必备许可事项"


def _check_permits(catalogue: Catalogue) -> Iterator[str]:
    for p in catalogue.permits:
        if p.industry not in catalogue._industries:
            yield f"permits.csv {p.code}：行业 {p.industry} 不存在"
        if p.issuing_department not in catalogue._departments:
            yield f"permits.csv {p.code}：发证部门 {p.issuing_department} 不存在"
        if p.conditional != bool(p.condition):
            yield f"permits.csv {p.code}：条件许可必须且只能填写 condition"


def _check_streets(catalogue: Catalogue) -> Iterator[str]:
    for s in catalogue.streets:
        if s.kind not in STREET_KINDS:
            yield f"streets.csv {s.code}：类型 {s.kind} 不在 {STREET_KINDS} 中"
        if s.radius_km <= 0:
            yield f"streets.csv {s.code}：半径应大于 0"
        elif not _circle_inside_baoshan(s):
            yield f"streets.csv {s.code}：{s.name} 的范围超出宝山区边界"


def _circle_inside_baoshan(street: Street) -> bool:
    dlat = street.radius_km / KM_PER_DEGREE_LAT
    dlon = dlat / math.cos(math.radians(street.lat))
    return (
        BAOSHAN_LAT[0] <= street.lat - dlat
        and street.lat + dlat <= BAOSHAN_LAT[1]
        and BAOSHAN_LON[0] <= street.lon - dlon
        and street.lon + dlon <= BAOSHAN_LON[1]
    )


def _check_holidays(catalogue: Catalogue) -> Iterator[str]:
    for h in catalogue.holidays:
        if h.kind not in HOLIDAY_KINDS:
            yield f"holidays.csv {h.date}：类型 {h.kind} 不在 {HOLIDAY_KINDS} 中"
        elif h.kind == "workday" and h.date.weekday() < SATURDAY:
            yield f"holidays.csv {h.date}：调休上班日应为周末"
