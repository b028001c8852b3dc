"""The planner's console pages (SPEC §11): what waits on the home page, the entity directory and
an entity's page, the risk points of the department's industries (edited by their owner)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from inspect_app.access import Action, allows
from inspect_app.api.fields import Text
from inspect_app.clock import utcnow
from inspect_app.domain.task import PartnerAnswer
from inspect_app.errors import AppError
from inspect_app.services import awaiting, catalogue_reads, directory, tasks
from inspect_app.services import risk_points as points
from inspect_app.web import forms, session
from inspect_app.web.console import bp, menu_item
from inspect_app.web.labels import EVENT_LABELS, LICENCE_STATUS_LABELS, OUTCOME_LABELS, PLANNERS
from risk.grading_config import GRADES
from risk.points import SEVERITIES

GRADE_CHOICES = (*GRADES, directory.UNGRADED)
SEVERITY_LABELS = {"high": _l("高"), "medium": _l("中"), "low": _l("低")}
# What the pages say beside a bad field, in the page's language.
FIELD_ERRORS = {
    "q": _l("请输入不超过 64 个字符的名称、信用代码或许可证编号。"),
    "street": _l("未知的街镇，请从列表中选择。"),
    "industry": _l("未知的行业，请从列表中选择。"),
    "grade": _l("未知的风险等级，请从列表中选择。"),
    "page": _l("页码须为正整数。"),
    "title": _l("请输入名称（不超过 128 个字符）。"),
    "content": _l("请输入检查内容（不超过 4000 个字符）。"),
    "method": _l("请输入检查方法（不超过 4000 个字符）。"),
    "severity": _l("请选择风险程度。"),
    "version": _l("版本号无效，请重新打开此页。"),
}

menu_item(_l("主体名录"), "console.entities", *PLANNERS, active=("console.entity",))
menu_item(_l("风险点"), "console.risk_points", *PLANNERS, active=("console.risk_point",))


class DirectoryQuery(forms.PageForm):
    """The directory's filters; street and industry must be the district's own codes."""

    q = Text(max_length=64)
    street = ma.fields.String()
    industry = ma.fields.String()
    grade = ma.fields.String(validate=ma.validate.OneOf(GRADE_CHOICES))
    page = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100_000), load_default=1)

    def __init__(self, streets: list[str], industries: list[str], **kwargs):
        super().__init__(**kwargs)
        self.fields["street"].validators.append(ma.validate.OneOf(streets))
        self.fields["industry"].validators.append(ma.validate.OneOf(industries))


class RiskPointsQuery(forms.PageForm):
    industry = ma.fields.String()

    def __init__(self, industries: list[str], **kwargs):
        super().__init__(**kwargs)
        self.fields["industry"].validators.append(ma.validate.OneOf(industries))


class RiskPointForm(ma.Schema):
    """The editable parts of a risk point (its legal basis is kept as it is)."""

    class Meta:
        unknown = ma.EXCLUDE  # csrf_token

    title = Text(max_length=128, required=True)
    content = Text(max_length=4000, required=True)
    method = Text(max_length=4000, required=True)
    severity = ma.fields.String(required=True, validate=ma.validate.OneOf(SEVERITIES))
    key_item = ma.fields.Boolean(load_default=False, truthy={"on", "1", "true"})
    version = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


# -- home ("what needs me"), rendered by console.home --


@bp.context_processor
def _home_panels() -> dict[str, Any]:
    """What waits for a planner's department, for the home page (console.home) only."""
    who = session.actor()
    if request.endpoint != "console.home" or who is None or who.role not in PLANNERS:
        return {}
    return {
        "partnership_requests": awaiting.partnership_requests(who),
        "overdue_draws": awaiting.overdue_draws(who, utcnow()),
    }


class PartnershipForm(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE  # csrf_token

    answer = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([PartnerAnswer.ACCEPTED.value, PartnerAnswer.DECLINED.value]),
    )


@bp.post("/partnerships/<string:code>/<string:department>")
@session.signed_in(*PLANNERS)
def partnership_answer(code: str, department: str):
    """A partner department's answer to a joint task, from the home page (then back to it)."""
    values, errors = forms.parse(PartnershipForm(), request.form)
    if errors:
        raise AppError("VALIDATION_FAILED", zh="请选择同意参加或不参加", en="Accept or decline")
    answer = PartnerAnswer(values["answer"])
    tasks.answer_partnership(session.actor(), code, department, answer, utcnow())
    return redirect(url_for(".home", answered=code, answer=answer.value), code=303)


# -- the entity directory --


@bp.get("/entities")
@session.signed_in(*PLANNERS)
def entities():
    streets, industries = list(catalogue_reads.streets()), catalogue_reads.industries()
    schema = DirectoryQuery([s.code for s in streets], [i.code for i in industries])
    values, errors = forms.parse(schema, request.args, FIELD_ERRORS)
    listing = directory.directory(values)
    pager = forms.Pager(values["page"], forms.PAGE_SIZE, listing.count())
    return render_template(
        "console/planner_entities.html",
        rows=listing.page(pager.number, pager.size),
        pager=pager,
        values=values,
        errors=errors,
        street_options=[(s.code, s.name) for s in streets],
        industry_options=[(i.code, i.name) for i in industries],
        grade_options=[(g, g) for g in GRADES] + [(directory.UNGRADED, _l("未分类"))],
    )


@bp.get("/entities/<string:credit_code>")
@session.signed_in(*PLANNERS)
def entity(credit_code: str):
    page = directory.entity_page(session.actor(), credit_code, utcnow())
    return render_template(
        "console/planner_entity.html",
        page=page,
        outcome_labels=OUTCOME_LABELS,
        licence_status_labels=LICENCE_STATUS_LABELS,
        event_labels=EVENT_LABELS,
    )


# -- risk points --


@bp.get("/risk-points")
@session.signed_in(*PLANNERS)
def risk_points():
    who = session.actor()
    mine = my_industries(who)
    values, errors = forms.parse(
        RiskPointsQuery([i.code for i in mine]), request.args, FIELD_ERRORS
    )
    chosen = values.get("industry") or (mine[0].code if mine else None)
    riskmap = points.industry_risk_map(chosen) if chosen else None
    names = {d.code: d.name for d in catalogue_reads.departments()}
    editable = {
        point.code
        for group in (riskmap.departments if riskmap else [])
        for point in group.points
        if allows(who, Action.EDIT_RISK_POINT, point)
    }
    return render_template(
        "console/planner_risk_points.html",
        industries=mine,
        chosen=chosen,
        riskmap=riskmap,
        department_names=names,
        partner_names="、".join(names.get(p, p) for p in (riskmap.partners if riskmap else [])),
        editable=editable,
        values=values,
        errors=errors,
        severity_labels=SEVERITY_LABELS,
    )


def my_industries(who) -> list:
    """The industries the planner's department leads or partners in (an admin: all)."""
    every = catalogue_reads.industries()
    if who.role == "admin":
        return every
    return [i for i in every if who.department in (i.lead.code, *i.partner_codes)]


@bp.get("/risk-points/<string:code>")
@session.signed_in(*PLANNERS)
def risk_point(code: str):
    row = points.point_to_edit(session.actor(), code)
    values = {
        "title": row.title,
        "content": row.content,
        "method": row.method,
        "severity": row.severity,
        "key_item": row.key_item,
        "version": row.version,
    }
    return _edit_page(row, values, {})


@bp.post("/risk-points/<string:code>")
@session.signed_in(*PLANNERS)
def risk_point_post(code: str):
    who = session.actor()
    row = points.point_to_edit(who, code)
    values, errors = forms.parse(RiskPointForm(), request.form, FIELD_ERRORS)
    if not errors:
        changes = {k: v for k, v in values.items() if k != "version"}
        try:
            points.edit_risk_point(who, code, changes, values["version"], utcnow())
        except AppError as error:
            errors = forms.errors_of(error, default_field="version")
    if errors:
        shown = {k: request.form.get(k, "") for k in RiskPointForm().fields} | {
            "key_item": request.form.get("key_item") in ("on", "1", "true")
        }
        return _edit_page(row, shown, errors), 422
    target = url_for(".risk_points", industry=row.industry.code, saved=code)
    return redirect(target, code=303)


def _edit_page(row, values: dict[str, Any], errors: dict[str, Any]) -> str:
    return render_template(
        "console/planner_risk_point.html",
        point=row,
        values=values,
        errors=errors,
        severities=SEVERITIES,
        severity_labels=SEVERITY_LABELS,
    )
