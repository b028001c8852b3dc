"""`lianjian seed --catalogue DIR` replaces every district rule the app reads, on every node."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date, timedelta

import pytest

from inspect_app import catalogue, config
from inspect_app.cli import lianjian
from inspect_app.clock import local, utcnow
from inspect_app.db import database
from inspect_app.domain.calendar import add_working_days
from inspect_app.models import CatalogueRule, Feedback
from inspect_app.services import seeding
from seeds.catalogue_loader import DEFAULT_PATH, load_catalogue
from tests.factories import login


@pytest.fixture
def district(app, tmp_path):
    """A copy of the packaged catalogue to edit; the packaged one is seeded back afterwards
    (PostgreSQL keeps the catalogue tables between tests)."""
    folder = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_PATH, folder)
    yield folder
    with database.connection_context():
        seeding.load_catalogue(load_catalogue(), "pytest", utcnow())


def _edit_json(folder, name, change) -> None:
    path = folder / f"{name}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def _seed(app, folder) -> None:
    result = app.test_cli_runner().invoke(lianjian, args=["seed", "--catalogue", str(folder)])
    assert result.exit_code == 0, result.output


def _today() -> date:
    return local(utcnow()).date()


def test_a_seeded_rectification_period_sets_the_next_orders_deadline(app, district, submit):
    def thirty_days(rules):
        rules["outcomes"]["FIXED"][0]["rectification_days"] = 30

    _edit_json(district, "feedback_rules", thirty_days)
    _seed(app, district)
    submit("FIXED")
    order = Feedback.get(Feedback.kind == "RECTIFICATION")
    assert order.due_on == _today() + timedelta(days=30)


def test_a_seeded_industry_weight_changes_the_grade(app, client, district, joint):
    code = joint.licence.holder.credit_code
    url = f"/api/v1/entities/{code}/grade"
    before = client.get(url, headers=login("planner", "CT")).get_json()

    def heavier_cafes(grading):
        grading["industry_base_points"]["IC"] += 25

    _edit_json(district, "risk_grading", heavier_cafes)
    _seed(app, district)
    after = client.get(url, headers=login("planner", "CT")).get_json()
    base = {f["code"]: f["points"] for f in after["factors"]}["industry_base"]
    assert base == {f["code"]: f["points"] for f in before["factors"]}["industry_base"] + 25
    assert after["score"] == pytest.approx(before["score"] + 25)


def test_a_seeded_holiday_moves_the_licensing_answer_date(app, district, submit):
    # Every weekday of the next three weeks a day off: the ten working days end later.
    days_off = [
        _today() + timedelta(days=n)
        for n in range(1, 22)
        if (_today() + timedelta(days=n)).weekday() < 5
    ]
    with (district / "holidays.csv").open("a", encoding="utf-8", newline="") as handle:
        existing = {row["date"] for row in csv.DictReader((district / "holidays.csv").open())}
        writer = csv.writer(handle)
        for day in days_off:
            if day.isoformat() not in existing:
                writer.writerow([day.isoformat(), "holiday", "区休息日"])
    _seed(app, district)
    submit("NOBIZ")
    answer = Feedback.get(Feedback.kind == "LICENSING")
    calendar = {h.date: h.kind for h in load_catalogue(district).holidays}
    packaged = {h.date: h.kind for h in load_catalogue().holidays}
    assert answer.due_on == add_working_days(_today(), 10, calendar)
    assert answer.due_on > add_working_days(_today(), 10, packaged)


def test_map_labels_come_from_the_seeded_streets(app, district):
    text = (district / "streets.csv").read_text(encoding="utf-8-sig")
    (district / "streets.csv").write_text(text.replace("友谊路街道", "友谊路街道（新）"), "utf-8")
    _seed(app, district)
    assert catalogue.labels().street("BS01") == "友谊路街道（新）"


def test_rules_another_node_seeded_are_read_without_a_restart(app):
    assert catalogue.feedback_rules()["disclosure_working_days"] == 20
    row = CatalogueRule.get(CatalogueRule.name == catalogue.FEEDBACK_RULES)
    document = row.document | {"disclosure_working_days": 15}
    # What another node's `lianjian seed` leaves in the shared database.
    CatalogueRule.update(document=document, digest="elsewhere").where(
        CatalogueRule.id == row.id
    ).execute()
    try:
        assert catalogue.feedback_rules()["disclosure_working_days"] == 15
    finally:
        CatalogueRule.update(document=row.document, digest=row.digest).where(
            CatalogueRule.id == row.id
        ).execute()


def test_a_database_not_seeded_since_the_upgrade_reads_the_packaged_rules(app):
    rows = list(CatalogueRule.select())
    CatalogueRule.delete().execute()
    try:
        assert catalogue.feedback_rules() == catalogue.packaged_rules(catalogue.FEEDBACK_RULES)
        assert catalogue.grading_config().frequency_cap == 2
    finally:
        for row in rows:
            CatalogueRule.create(**row.__data__)


def test_a_broken_grading_document_is_refused_before_anything_is_stored(app, district):
    _edit_json(district, "risk_grading", lambda grading: grading.pop("grade_thresholds"))
    result = app.test_cli_runner().invoke(lianjian, args=["seed", "--catalogue", str(district)])
    assert result.exit_code != 0
    assert catalogue.grading_config().grade_thresholds["D"] > 0


def test_feedback_rules_without_an_action_the_api_offers_are_refused(app, district):
    _edit_json(
        district, "feedback_rules", lambda rules: rules["licensing_actions"].pop("NO_ACTION")
    )
    result = app.test_cli_runner().invoke(lianjian, args=["seed", "--catalogue", str(district)])
    assert result.exit_code != 0 and "NO_ACTION" in result.output
    assert "NO_ACTION" in catalogue.feedback_rules()["licensing_actions"]


def test_seed_without_a_folder_loads_the_configured_catalogue_dir(app, district):
    _edit_json(district, "feedback_rules", lambda rules: rules.update(disclosure_working_days=25))
    app.config["CATALOGUE_DIR"] = str(district)
    result = app.test_cli_runner().invoke(lianjian, args=["seed"])
    assert result.exit_code == 0, result.output
    assert catalogue.feedback_rules()["disclosure_working_days"] == 25


def test_the_catalogue_dir_setting_defaults_to_the_packaged_folder(monkeypatch, tmp_path):
    assert config.catalogue_dir() == DEFAULT_PATH
    monkeypatch.setenv("LIANJIAN_CATALOGUE_DIR", str(tmp_path))
    assert config.from_environment()["CATALOGUE_DIR"] == str(tmp_path.resolve())
