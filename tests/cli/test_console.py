"""The operator's console never shows a traceback: before `init`, from another folder, on a
duplicate, a missing file or an unreachable database it says one line in Chinese and English,
exits non-zero and creates nothing. The instance folder is found the same from any folder."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_app import config
from inspect_app.cli import lianjian
from inspect_app.models import User
from tests.cli.test_cli import LIANJIAN

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FLASKS_OWN = ("--app", "--env-file", "--debug", "  openapi ", "  run ", "  shell ", "  routes ")


def _one_bilingual_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert CHINESE.search(lines[0]) and re.search(r" / [A-Z]", lines[0]), lines[0]
    assert "Traceback" not in text and "Usage:" not in text
    return lines[0]


def test_help_lists_only_the_consoles_own_commands(tmp_path):
    result = CliRunner().invoke(lianjian, ["--help"], env={"LIANJIAN_HOME": str(tmp_path / "i")})
    assert result.exit_code == 0, result.output
    for command in ("init", "seed", "import", "serve", "audit", "users", "demo", "draw"):
        assert f"  {command} " in result.output
    for theirs in FLASKS_OWN:
        assert theirs not in result.output, theirs
    assert not (tmp_path / "i").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["seed"],
        ["audit", "verify"],
        ["outbox", "status"],
        ["risk", "grade", "91310113MA1GL0001C"],
        ["users", "create", "CT-王芳", "--name", "王芳", "--role", "planner", "--password", "x"],
    ],
)
def test_a_command_before_init_is_refused_in_one_line_and_creates_nothing(tmp_path, args):
    home = tmp_path / "instance"
    result = CliRunner().invoke(lianjian, args, env={"LIANJIAN_HOME": str(home)})
    assert result.exit_code == 1
    line = _one_bilingual_line(result.output)
    assert "lianjian init" in line and str(home) in line
    assert not home.exists()  # no folder, no empty database left behind


def test_import_before_init_is_refused_and_creates_nothing(tmp_path):
    home, source = tmp_path / "instance", tmp_path / "licences.csv"
    source.write_text("licence_number\n", encoding="utf-8")
    result = CliRunner().invoke(
        lianjian, ["import", "licences", str(source)], env={"LIANJIAN_HOME": str(home)}
    )
    assert result.exit_code == 1
    assert "lianjian init" in _one_bilingual_line(result.output)
    assert not home.exists()


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path):
    result = CliRunner().invoke(
        lianjian,
        ["audit", "verify"],
        env={
            "LIANJIAN_HOME": str(tmp_path),
            "DATABASE_URL": "postgresql://lianjian:secret-pw@127.0.0.1:1/nowhere",
        },
    )
    assert result.exit_code == 1
    line = _one_bilingual_line(result.output)
    assert "127.0.0.1:1/nowhere" in line and "secret-pw" not in line


def test_a_duplicate_user_name_is_one_bilingual_line_and_exit_1(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "CT-李娜", "--name", "李娜", "--role", "planner"]
    args += ["--department", "CT", "--password", "Lina-2026-宝山"]
    assert runner.invoke(lianjian, args).exit_code == 0
    again = runner.invoke(lianjian, args)
    assert again.exit_code == 1 and isinstance(again.exception, SystemExit)
    line = _one_bilingual_line(again.output)
    assert "CT-李娜" in line and "已存在" in line and "already taken" in line
    assert User.select().where(User.username == "CT-李娜").count() == 1


def test_an_unknown_department_is_one_bilingual_line(app):
    args = ["users", "create", "ZZ-赵磊", "--name", "赵磊", "--role", "planner"]
    result = app.test_cli_runner().invoke(
        lianjian, [*args, "--department", "ZZ", "--password", "Baoshan-2026-lianjian"]
    )
    assert result.exit_code == 1
    assert "ZZ" in _one_bilingual_line(result.output)


def test_a_missing_file_is_one_bilingual_line(app, tmp_path):
    missing = tmp_path / "没有这个文件.csv"
    result = app.test_cli_runner().invoke(lianjian, ["import", "licences", str(missing)])
    assert result.exit_code == 1
    assert str(missing) in _one_bilingual_line(result.output)


def test_a_missing_catalogue_folder_is_one_bilingual_line(app, tmp_path):
    result = app.test_cli_runner().invoke(lianjian, ["seed", "--catalogue", str(tmp_path / "x")])
    assert result.exit_code == 1
    _one_bilingual_line(result.output)


def test_the_instance_folder_is_the_setting_else_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME")
    assert config.instance_dir() == tmp_path / "home" / ".local" / "share" / "lianjian"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert config.instance_dir() == tmp_path / "home" / ".local" / "share" / "lianjian"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert config.instance_dir() == tmp_path / "data" / "lianjian"
    monkeypatch.setenv("LIANJIAN_HOME", str(tmp_path / "chosen"))
    assert config.instance_dir() == tmp_path / "chosen"
    assert (
        config.from_environment()["DATABASE_URL"] == f"sqlite:///{tmp_path / 'chosen'}/lianjian.db"
    )


def _console(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "LIANJIAN_HOME", "XDG_DATA_HOME")
    }
    return subprocess.run(
        [LIANJIAN, *args],
        cwd=cwd,
        env=env | {"HOME": str(home), "LIANJIAN_ADMIN_PASSWORD": "初始-密码-2026-宝山区"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # the console in processes of its own
def test_from_another_folder_the_console_finds_the_same_instance(tmp_path):
    home, first, other = tmp_path / "home", tmp_path / "repo", tmp_path / "elsewhere"
    for folder in (home, first, other):
        folder.mkdir()
    before = _console(["seed"], other, home)
    assert before.returncode == 1 and "lianjian init" in _one_bilingual_line(before.stderr)
    assert list(home.iterdir()) == [] and list(other.iterdir()) == []
    assert _console(["init"], first, home).returncode == 0
    seeded = _console(["seed"], other, home)
    assert seeded.returncode == 0, seeded.stderr
    assert "25 industries" in seeded.stdout
    assert (home / ".local" / "share" / "lianjian" / "lianjian.db").is_file()
    assert list(first.iterdir()) == [] and list(other.iterdir()) == []
