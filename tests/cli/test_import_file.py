"""The licence import file: documented column by column, a template to start from, GBK/GB18030
as Excel saves it on Chinese Windows, and a report that counts rows and problems apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from inspect_app.cli import lianjian
from inspect_app.models import Entity, Licence
from inspect_app.services import importing
from tests.factories import login
from tests.importing_data import HEADER, csv_rows, three_codes

DOC = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"


def test_the_import_format_document_names_every_column():
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE))
    assert set(importing.ImportRowSchema().fields) <= documented
    assert set(importing.PERMIT_FIELDS) <= documented
    for word in importing.STATUS_WORDS:
        assert f"`{word}`" in text
    assert "GB18030" in text and "--template" in text


def test_the_template_prints_every_column_and_an_example_without_an_instance(tmp_path):
    result = CliRunner().invoke(
        lianjian, ["import", "licences", "--template"], env={"LIANJIAN_HOME": str(tmp_path / "i")}
    )
    assert result.exit_code == 0, result.output
    header, example = result.output.splitlines()
    assert header.split(",") == list(importing.ImportRowSchema().fields)
    assert "宝山区" in example
    assert not (tmp_path / "i").exists()


def test_the_template_imports_as_it_is(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "template.csv"
    path.write_text(runner.invoke(lianjian, ["import", "licences", "--template"]).output, "utf-8")
    result = runner.invoke(lianjian, ["import", "licences", str(path)])
    assert result.exit_code == 0, result.output
    assert "created: 1" in result.output and "rejected: 0" in result.output


def test_a_gbk_csv_from_excel_is_read(app, tmp_path):
    path = tmp_path / "审批导出.csv"
    path.write_bytes(csv_rows(three_codes()).encode("gbk"))
    result = app.test_cli_runner().invoke(lianjian, ["import", "licences", str(path)])
    assert result.exit_code == 0, result.output
    assert "created: 3" in result.output and "encoding: gb18030" in result.output
    holder = Licence.get(Licence.number == "BS-FS-2026-000102").holder
    assert Entity.get_by_id(holder).name == "上海宝山区麦香坊烘焙店"


def test_a_gbk_csv_uploaded_over_the_api_is_read(client):
    answer = client.post(
        "/api/v1/imports/licences",
        data=csv_rows(three_codes()).encode("gb18030"),
        content_type="text/csv",
        headers=login("licensing", "ASC"),
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["created"] == 3 and answer.get_json()["encoding"] == "gb18030"


def test_a_file_in_another_encoding_is_refused_with_the_hint_to_save_as_utf8(app, tmp_path):
    path = tmp_path / "licences.csv"
    path.write_bytes(csv_rows(three_codes()).encode("utf-16"))
    result = app.test_cli_runner().invoke(lianjian, ["import", "licences", str(path)])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "UTF-8" in line and "另存为" in line and "Traceback" not in result.output
    assert Licence.select().count() == 0


def test_a_wrong_header_is_refused_once_naming_the_columns(app, tmp_path):
    path = tmp_path / "licences.csv"
    path.write_text(csv_rows(three_codes()).replace("credit_code", "信用代码", 1), "utf-8")
    result = app.test_cli_runner().invoke(lianjian, ["import", "licences", str(path)])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "信用代码" in line and "credit_code" in line and "--template" in line


def test_the_report_counts_rows_and_problems_apart(app, tmp_path):
    good = csv_rows(three_codes()).splitlines()
    # one row, two problems: a bad date and a latitude outside the district
    bad = good[2].replace("2026-05-02", "昨天", 1).replace("31.3808", "39.9", 1)
    path, report = tmp_path / "licences.csv", tmp_path / "report.json"
    path.write_text("\n".join([HEADER, good[1], bad, good[3]]) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        lianjian, ["import", "licences", str(path), "--report", str(report)]
    )
    assert result.exit_code == 2
    written = json.loads(report.read_text(encoding="utf-8"))
    assert (written["rows"], written["created"], written["rejected"]) == (3, 2, 1)
    assert {(e["line"], e["field"]) for e in written["errors"]} == {(3, "issued_at"), (3, "lat")}
    assert "rows: 3" in result.output and "rejected: 1" in result.output
