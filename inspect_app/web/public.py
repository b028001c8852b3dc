"""The public portal (公开门户, no sign-in): home, catalogue, ledger of commitments, a task's
public page by disclosure stage, licence verification. SPEC §12."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from inspect_app import headers
from inspect_app.clock import local, utcnow
from inspect_app.errors import AppError
from inspect_app.services import catalogue_reads, disclosure, ledger, licence_codes
from inspect_app.web import forms, i18n

bp = Blueprint("portal", __name__, template_folder="templates")


@bp.after_request
def _after(response):
    response.headers.setdefault("Content-Security-Policy", headers.strict_page_policy())
    return i18n.remember(response)


@bp.errorhandler(AppError)
def _app_error(error: AppError):
    message = error.zh if i18n.locale() == "zh" else error.en
    return render_template("error.html", status=error.status, message=message), error.status


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/catalogue")
def catalogue():
    return render_template("catalogue.html", industries=catalogue_reads.industries())


@bp.get("/catalogue/<string:code>")
def industry(code: str):
    row, points = catalogue_reads.industry_with_points(code)
    return render_template("industry.html", industry=row, points=points)


@bp.get("/ledger")
def ledger_page():
    values, errors = forms.parse(forms.LedgerQuery(), request.args)
    listing = ledger.ledger(forms.ledger_filter(values), utcnow())
    pager = forms.Pager(values["page"], forms.PAGE_SIZE, listing.count())
    entries = listing.page(pager.number, pager.size)
    return render_template(
        "ledger.html",
        entries=entries,
        pager=pager,
        values=values,
        errors=errors,
        states=forms.STATES,
    )


@bp.get("/tasks/<string:code>")
def task(code: str):
    return render_template("task.html", record=disclosure.public_task(code, utcnow()))


@bp.get("/licences/verify")
def verify():
    values, errors = (
        forms.parse(forms.VerifyQuery(), request.args) if "payload" in request.args else ({}, {})
    )
    answer = _scan(values["payload"]) if values.get("payload") else None
    return render_template("verify.html", values=values, errors=errors, answer=answer)


def _scan(payload: str) -> dict:
    keys = Path(current_app.config["KEYS_DIR"])
    return licence_codes.answer_scan(payload, keys, local(utcnow()).date())


def not_found_page(_error):
    """The layout's 404 for every path outside the API (the API answers its own JSON)."""
    return render_template("error.html", status=404, message=_("页面不存在。")), 404
