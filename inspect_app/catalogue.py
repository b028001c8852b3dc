"""The district's rules, holidays and labels, from one home: what `lianjian seed` stored.

`lianjian seed` reads a catalogue folder (CATALOGUE_DIR, the packaged one by default) and
stores all of it in the database: the registry tables, the holiday calendar, and the rule
documents the app reads at run time (feedback rules, risk grading) in `catalogue_rule`.
Every app node and worker then reads the same rules, whatever its own disk holds. A process
keeps its parsed copy of a document until the stored digest changes. Services reach the
catalogue only through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from threading import Lock
from typing import Any

from inspect_app.config import PACKAGED_CATALOGUE, catalogue_dir
from inspect_app.models import CatalogueRule, Department, Holiday, Industry, Street
from risk.canonical import sha256_hex
from risk.grading_config import GradingConfig, GradingConfigError, parse_grading_config
from risk.points import RiskPoint, parse_risk_points
from seeds.catalogue_loader import Catalogue, CatalogueError, load_catalogue, read_document
from seeds.catalogue_loader import validate as validate_folder

FEEDBACK_RULES = "feedback_rules"
RISK_GRADING = "risk_grading"
# The documents read at run time; risk points are seeded into their own table instead.
STORED_RULES = (FEEDBACK_RULES, RISK_GRADING)
PACKAGED = "packaged"

__all__ = [
    "Catalogue",
    "CatalogueError",
    "feedback_rules",
    "grading_config",
    "holidays",
    "labels",
    "packaged_rules",
    "read_folder",
    "risk_points",
    "store_rules",
    "validate_folder",
]

_cache: dict[str, tuple[str, Any]] = {}
_lock = Lock()


def read_folder(path: Path | str | None = None) -> Catalogue:
    """A catalogue folder, parsed and not yet stored (default: CATALOGUE_DIR)."""
    return load_catalogue(path if path is not None else catalogue_dir())


def risk_points(catalogue: Catalogue) -> list[RiskPoint]:
    """The folder's risk-point catalogue (risk_points.json), parsed."""
    try:
        return parse_risk_points(catalogue.documents["risk_points"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"risk_points.json：{exc}") from exc


def store_rules(catalogue: Catalogue, now: datetime) -> dict[str, str]:
    """Store the folder's rule documents (in the caller's transaction); returns their digests."""
    _check_rules(catalogue.documents)
    digests = {}
    for name in STORED_RULES:
        document = catalogue.documents[name]
        values = {
            "document": document,
            "digest": sha256_hex(document),
            "source": str(catalogue.source)[-255:],
            "loaded_at": now,
        }
        updated = CatalogueRule.update(**values).where(CatalogueRule.name == name).execute()
        if not updated:
            CatalogueRule.create(name=name, **values)
        digests[name] = values["digest"]
    return digests


def _check_rules(documents: Mapping[str, Any]) -> None:
    # Refused before storing: a node must never read rules it cannot apply.
    try:
        parse_grading_config(documents[RISK_GRADING])
    except GradingConfigError as exc:
        raise CatalogueError(f"risk_grading.json：{exc}") from exc
    actions = documents[FEEDBACK_RULES].get("licensing_actions", {})
    missing = set(packaged_rules(FEEDBACK_RULES)["licensing_actions"]) - set(actions)
    if missing:
        raise CatalogueError(
            f"feedback_rules.json：缺少审批处置 (missing actions) {sorted(missing)}"
        )


def packaged_rules(name: str) -> dict[str, Any]:
    """A rule document as the release ships it: the vocabulary fixed at start-up."""
    return read_document(name, PACKAGED_CATALOGUE)


def feedback_rules() -> Mapping[str, Any]:
    """What each outcome leads to, licensing's actions and the disclosure deadline."""
    return _stored(FEEDBACK_RULES, lambda document: document)


def grading_config() -> GradingConfig:
    """The grading weights, half-lives and thresholds the district seeded."""
    return _stored(RISK_GRADING, parse_grading_config)


def holidays() -> dict[date, str]:
    """The working-day calendar: date → `holiday` or `workday`."""
    return {day: kind for day, kind in Holiday.select(Holiday.date, Holiday.kind).tuples()}


def labels():
    """Chinese names of industries, streets and departments, for the maps."""
    from maps import Labels

    def names(model) -> dict[str, str]:
        return dict(model.select(model.code, model.name).tuples())

    return Labels(industries=names(Industry), streets=names(Street), departments=names(Department))


def _stored(name: str, parse):
    # One small query per call: another node may have re-seeded since this process parsed it.
    digest = CatalogueRule.select(CatalogueRule.digest).where(CatalogueRule.name == name).scalar()
    cached = _cache.get(name)
    if cached and cached[0] == (digest or PACKAGED):
        return cached[1]
    with _lock:
        row = CatalogueRule.get_or_none(CatalogueRule.name == name)
        if row is None:
            # A database migrated but not seeded since: the release's own rules.
            _cache[name] = (PACKAGED, parse(packaged_rules(name)))
        else:
            _cache[name] = (row.digest, parse(row.document))
        return _cache[name][1]
