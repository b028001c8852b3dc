"""Point maps of the registry and of a task: entities, a draw, a task's progress.

Each builder takes plain rows (dicts or dataclasses, WGS-84 `lat`/`lon`) and returns a
folium Map whose page needs no network (see `maps.assets`); render it with
`maps.render_html` / `maps.write_html` to choose inline or linked assets. Rows without
coordinates are left off the map. On a GCJ-02 provider (高德, 腾讯) every point is
converted before it is written.

Entity fields read from each row: credit_code, name, industry, grade ('A'..'D', or
None when not graded), lat, lon, street (a street code); and, for an ungraded row,
`ungraded_reason` (why it is 未分类, a text shown in the legend with its count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import folium

from maps.page import base_map, finish, fit_to
from maps.points import Codebook, Field, Legend, Point, PointLayer
from maps.rows import Labels, value
from maps.style import (
    COORDINATE_DECIMALS,
    DRAW_STYLES,
    GRADE_STYLES,
    PROGRESS_STYLES,
    UNGRADED_STYLE,
    PointStyle,
)
from maps.tiles import TileProvider, projector, tile_provider

UNGRADED = "-"
UNCLASSIFIED_NOTE = "未分类：缺少评级所需的输入 (no grade: an input is missing)"
UNKNOWN_REASON = "原因未说明 (reason not given)"
GRADE_KEYS = (*GRADE_STYLES, UNGRADED)
DRAW_KEYS = tuple(DRAW_STYLES)
PROGRESS_KEYS = tuple(PROGRESS_STYLES)
TEAM_SEPARATOR = "；"
INSPECTOR_SEPARATOR = "、"

Rows = Iterable[Any]
Placed = tuple[int, int, tuple[str | int, ...]]  # group, style, popup values


class _EntityText:
    """Popup values of an entity; industry and street names are coded, not repeated."""

    def __init__(self, labels: Labels | None) -> None:
        self.labels = labels or Labels()
        self.industries = Codebook()
        self.streets = Codebook()

    def fields(self, *, with_industry: bool) -> list[Field]:
        industry = [Field("行业", self.industries)] if with_industry else []
        return [Field("统一社会信用代码"), *industry, Field("街镇", self.streets)]

    def values(self, row: Any, *, with_industry: bool) -> tuple[str | int, ...]:
        street = self.streets.code(self.labels.street(value(row, "street", "")))
        if not with_industry:
            return str(value(row, "name")), str(value(row, "credit_code")), street
        industry = self.industries.code(self.labels.industry(value(row, "industry")))
        return str(value(row, "name")), str(value(row, "credit_code")), industry, street


def entities_map(
    rows: Rows,
    *,
    tiles: str | TileProvider = "openstreetmap",
    labels: Labels | None = None,
    industries: Collection[str] | None = None,
    grades: Collection[str] | None = None,
    title: str = "宝山区一业一证市场主体分布",
    off_map: Sequence[tuple[str, int]] = (),
) -> folium.Map:
    """Entities coloured by risk grade, one switchable overlay per industry.

    `industries` / `grades` keep only those codes (None keeps all). The legend counts the
    points of each grade and says why the 未分类 ones have none (their `ungraded_reason`);
    `off_map` are (reason, count) of ungraded entities not drawn at all (e.g. no live licence).
    """
    text = _EntityText(labels)
    kept = [
        r for r in rows
        if (industries is None or value(r, "industry") in industries)
        and (grades is None or value(r, "grade") in grades)
    ]  # fmt: skip
    codes = sorted({value(r, "industry") for r in kept})
    group_of = {code: k for k, code in enumerate(codes)}

    def place(row: Any) -> Placed:
        values = text.values(row, with_industry=False)
        return group_of[value(row, "industry")], _grade_index(row), values

    return _point_map(
        kept,
        place,
        provider=tile_provider(tiles),
        title=title,
        groups=[text.labels.industry(c) for c in codes],
        styles=[*GRADE_STYLES.values(), UNGRADED_STYLE],
        fields=text.fields(with_industry=False),
        group_title="行业",
        style_title="风险等级",
        legend=_grade_legend(kept, off_map),
    )


def _grade_legend(
    rows: Sequence[Any], off_map: Sequence[tuple[str, int]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Legend entries with the count of each grade, and the notes on what 未分类 means."""
    drawn = [
        r for r in rows if value(r, "lat", None) is not None and value(r, "lon", None) is not None
    ]
    per_grade = Counter(_grade_index(r) for r in drawn)
    styles = [*GRADE_STYLES.values(), UNGRADED_STYLE]
    entries = [(f"{s.label} {per_grade.get(k, 0)}", s.colour) for k, s in enumerate(styles)]
    reasons = Counter(
        value(r, "ungraded_reason", None) or UNKNOWN_REASON
        for r in drawn
        if _grade_index(r) == len(GRADE_STYLES)
    )
    notes = [f"· {reason}：{count}" for reason, count in sorted(reasons.items())]
    notes += [
        f"· {reason}：{count}（不在图上 not on the map）" for reason, count in off_map if count
    ]
    return entries, ([UNCLASSIFIED_NOTE, *notes] if notes else [])


def draw_map(
    rows: Rows,
    *,
    tiles: str | TileProvider = "openstreetmap",
    labels: Labels | None = None,
    title: str = "双随机抽取结果",
) -> folium.Map:
    """A task's draw: who was picked, their team, and where staffing fell short.

    Each row is an entity (fields above) plus `picked` (bool), `team` (department code →
    inspector codes, or (department, codes) pairs, lead first; empty when not picked)
    and `shortfall` (bool: the team could not be fully staffed).
    """
    text = _EntityText(labels)
    grades = Codebook()

    def place(row: Any) -> Placed:
        status = _draw_status(row)
        values = text.values(row, with_industry=True)
        team = _team_text(row, text.labels)
        return status, status, (*values, grades.code(_grade_label(row)), team)

    return _point_map(
        list(rows),
        place,
        provider=tile_provider(tiles),
        title=title,
        groups=[s.label for s in DRAW_STYLES.values()],
        styles=list(DRAW_STYLES.values()),
        fields=[*text.fields(with_industry=True), Field("风险等级", grades), Field("检查组")],
        group_title=None,
        style_title="抽取结果",
    )


def progress_map(
    rows: Rows,
    *,
    tiles: str | TileProvider = "openstreetmap",
    labels: Labels | None = None,
    title: str = "检查任务进度",
) -> folium.Map:
    """A task's progress: each picked entity as to do, checked or overdue.

    Each row is an entity plus `state` in {'todo', 'checked', 'overdue'} and, when known,
    `due` (a date or text) and `result` (the inspection outcome, e.g. 'OK').
    """
    text = _EntityText(labels)
    results = Codebook()

    def place(row: Any) -> Placed:
        state = value(row, "state")
        if state not in PROGRESS_STYLES:
            raise ValueError(f"unknown progress state {state!r}; expected one of {PROGRESS_KEYS}")
        k = PROGRESS_KEYS.index(state)
        due = _text(value(row, "due", None))
        result = results.code(_text(value(row, "result", None)))
        return k, k, (*text.values(row, with_industry=True), due, result)

    return _point_map(
        list(rows),
        place,
        provider=tile_provider(tiles),
        title=title,
        groups=[s.label for s in PROGRESS_STYLES.values()],
        styles=list(PROGRESS_STYLES.values()),
        fields=[*text.fields(with_industry=True), Field("检查期限"), Field("检查结果", results)],
        group_title=None,
        style_title="进度",
    )


def _point_map(
    rows: Sequence[Any],
    place: Callable[[Any], Placed],
    *,
    provider: TileProvider,
    title: str,
    groups: Sequence[str],
    styles: Sequence[PointStyle],
    fields: Sequence[Field],
    group_title: str | None,
    style_title: str,
    legend: tuple[Sequence[tuple[str, str]], Sequence[str]] | None = None,
) -> folium.Map:
    """The shared recipe: project, encode once, one PointLayer, a legend, fit the view."""
    project = projector(provider)
    points = []
    for row in rows:
        lat, lon = value(row, "lat", None), value(row, "lon", None)
        if lat is None or lon is None:
            continue
        group, style, values = place(row)
        points.append(Point(*project(lat, lon), group, style, values))
    m = base_map(provider, title)
    fit_to(m, ((p.lat, p.lon) for p in points))  # before the layer: it draws once, in place
    PointLayer(
        points,
        groups=groups,
        styles=styles,
        fields=fields,
        group_title=group_title,
        style_title=style_title,
        decimals=COORDINATE_DECIMALS,
    ).add_to(m)
    entries, notes = legend or ([(s.label, s.colour) for s in styles], ())
    Legend(style_title, entries, notes).add_to(m)
    return finish(m)


def _grade_index(row: Any) -> int:
    grade = value(row, "grade", None) or UNGRADED
    if grade not in GRADE_KEYS:
        raise ValueError(f"unknown risk grade {grade!r}; expected one of {tuple(GRADE_STYLES)}")
    return GRADE_KEYS.index(grade)


def _grade_label(row: Any) -> str:
    grade = value(row, "grade", None)
    return GRADE_STYLES[grade].label if grade in GRADE_STYLES else UNGRADED_STYLE.label


def _draw_status(row: Any) -> int:
    if not value(row, "picked"):
        return DRAW_KEYS.index("unpicked")
    return DRAW_KEYS.index("shortfall" if value(row, "shortfall", False) else "picked")


def _team_text(row: Any, names: Labels) -> str:
    """'区市场监管局：MS0012、MS0031；区消防救援支队：FR0007', lead department first."""
    team = value(row, "team", None) or ()
    pairs = team.items() if isinstance(team, Mapping) else team
    return TEAM_SEPARATOR.join(
        f"{names.department(dept)}：{INSPECTOR_SEPARATOR.join(codes)}" for dept, codes in pairs
    )


def _text(item: object) -> str:
    return "" if item is None else str(item)
