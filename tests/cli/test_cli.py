"""The console: `lianjian` lists its commands; import, audit verify and init work on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inspect_app.cli import lianjian
from inspect_app.db import database
from inspect_app.models import AuditEntry, Licence
from tests.factories import make_licence
from tests.importing_data import csv_rows, three_codes

LIANJIAN = str(Path(sys.executable).with_name("lianjian"))


@pytest.mark.slow  # starts the console in a process of its own
def test_help_lists_the_operator_commands(tmp_path):
    result = subprocess.run(
        [LIANJIAN, "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"LIANJIAN_HOME": str(tmp_path)},
    )
    for command in ("init", "seed", "import", "serve", "audit"):
        assert f"  {command} " in result.stdout


@pytest.mark.slow  # starts the console in a process of its own
def test_init_and_seed_on_a_fresh_home_then_again_harmlessly(tmp_path):
    env = os.environ | {
        "LIANJIAN_HOME": str(tmp_path),
        "LIANJIAN_ADMIN_PASSWORD": "初始-密码-2026-宝山",
    }
    env.pop("DATABASE_URL", None)
    first = subprocess.run([LIANJIAN, "init"], capture_output=True, text=True, env=env, check=True)
    assert "0001_initial" in first.stdout and (tmp_path / "keys" / "licence-signing.key").exists()
    assert (
        tmp_path / "keys" / "audit-signing.key"
    ).exists() and "audit key: created" in first.stdout
    again = subprocess.run([LIANJIAN, "init"], capture_output=True, text=True, env=env, check=True)
    assert "up to date" in again.stdout and "kept" in again.stdout
    seeded = subprocess.run([LIANJIAN, "seed"], capture_output=True, text=True, env=env, check=True)
    assert "25 industries" in seeded.stdout and "12 streets" in seeded.stdout
    assert "desks: ASC-LIC, ASC-CREDIT (default)" in seeded.stdout  # issue 13 §2
    verify = subprocess.run([LIANJIAN, "audit", "verify"], capture_output=True, text=True, env=env)
    assert verify.returncode == 0, verify.stderr


def test_import_command_reports_and_is_idempotent(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "licences.csv"
    path.write_text(csv_rows(three_codes()), encoding="utf-8")
    first = runner.invoke(lianjian, args=["import", "licences", str(path)])
    assert first.exit_code == 0, first.output
    assert "created: 3" in first.output
    second = runner.invoke(lianjian, args=["import", "licences", str(path)])
    assert "unchanged: 3" in second.output
    assert Licence.select().count() == 3


def test_import_command_exits_2_and_writes_the_report_on_bad_rows(app, tmp_path):
    runner = app.test_cli_runner()
    text = csv_rows(three_codes()).replace("2026-05-02", "昨天", 1)
    path, report = tmp_path / "licences.csv", tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(
        lianjian, args=["import", "licences", str(path), "--report", str(report)]
    )
    assert result.exit_code == 2
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["created"] == 2
    assert [(e["line"], e["field"]) for e in written["errors"]] == [(3, "issued_at")]


def test_audit_verify_detects_an_edited_row(app):
    make_licence()
    runner = app.test_cli_runner()
    assert runner.invoke(lianjian, args=["audit", "verify"]).exit_code == 0
    entry = AuditEntry.select().order_by(AuditEntry.seq).offset(1).get()
    database.execute_sql(
        "UPDATE audit_entry SET actor = %s WHERE id = %s".replace("%s", database.param),
        ("someone-else", entry.id),
    )
    result = runner.invoke(lianjian, args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {entry.seq}" in result.output


def test_audit_verify_detects_a_deleted_row(app):
    make_licence()
    make_licence()
    runner = app.test_cli_runner()
    middle = AuditEntry.select().order_by(AuditEntry.seq).offset(2).get()
    AuditEntry.delete().where(AuditEntry.id == middle.id).execute()
    result = runner.invoke(lianjian, args=["audit", "verify"])
    assert result.exit_code == 1 and "missing" in result.output


def test_audit_verify_detects_a_truncated_tail(app):
    make_licence()
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    AuditEntry.delete().where(AuditEntry.id == last.id).execute()
    result = app.test_cli_runner().invoke(lianjian, args=["audit", "verify"])
    assert result.exit_code == 1 and "deleted" in result.output


@pytest.mark.slow  # starts the console in a process of its own
def test_serve_answers_over_http_with_its_openapi_document(tmp_path):
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"LIANJIAN_HOME": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    subprocess.run([LIANJIAN, "init"], env=env, capture_output=True, check=True)
    server = subprocess.Popen(
        [LIANJIAN, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        spec = None
        for _ in range(100):  # until it listens (bounded), never a timed assertion
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/openapi.json", timeout=2
                ) as answer:
                    spec = json.loads(answer.read())
                break
            except OSError:
                time.sleep(0.1)
        assert spec is not None, "lianjian serve never answered"
        assert "/api/v1/tablet/inspections" in spec["paths"]
        assert spec["info"]["title"].startswith("一业一证")
    finally:
        server.terminate()
        try:  # gunicorn stops its workers gracefully: slow on a loaded machine, so bounded
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
