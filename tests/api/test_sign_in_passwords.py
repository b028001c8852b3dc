"""Passwords: a policy wherever one is set, and no published password for demo or synthetic
staff (each instance makes up its own, shown once and kept in a file only its owner reads)."""

from __future__ import annotations

import re
import stat

import pytest

from inspect_app.cli import lianjian
from inspect_app.domain import passwords
from inspect_app.models import User

TOKEN = "/api/v1/auth/token"
STRONG = "宝山区-监管平台-2026"


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("Ab1-short", "ct-wang", passwords.TOO_SHORT),
        ("abcdefghijklmnop", "ct-wang", passwords.ONE_KIND),
        ("123456789012345", "ct-wang", passwords.ONE_KIND),
        ("监管平台宝山区吴淞街道杨行镇", "ct-wang", passwords.ONE_KIND),
        ("CT-WANG-2026-password", "ct-wang", passwords.HAS_USERNAME),
    ],
)
def test_weak_passwords_are_refused_with_a_reason_in_both_languages(password, username, problem):
    found = passwords.problems(password, username)
    assert problem in found
    assert all(set(p) == {"zh", "en"} for p in found)


def test_a_long_mixed_password_passes_and_generated_ones_always_do():
    assert passwords.problems(STRONG, "ct-wang") == []
    assert all(passwords.problems(passwords.generate()) == [] for _ in range(200))


def _users_create(app, password, username="ct-li"):
    return app.test_cli_runner().invoke(
        lianjian,
        args=[
            *("users", "create", username, "--name", "李娜", "--role", "planner"),
            *("--department", "CT", "--password", password),
        ],
    )


def test_users_create_refuses_a_weak_password_and_writes_nothing(app):
    result = _users_create(app, "123456")
    assert result.exit_code != 0
    assert "密码至少 12 个字符" in result.output and "at least 12 characters" in result.output
    assert "Traceback" not in result.output
    assert not User.select().where(User.username == "ct-li").exists()


def test_users_create_refuses_the_username_as_password(app):
    result = _users_create(app, "ct-li-ct-li-2026")
    assert result.exit_code != 0 and "username" in result.output
    assert not User.select().where(User.username == "ct-li").exists()


def test_users_create_with_a_good_password_signs_in(app, client):
    assert _users_create(app, STRONG).exit_code == 0
    answer = client.post(TOKEN, json={"username": "ct-li", "password": STRONG})
    assert answer.status_code == 201


def test_init_refuses_a_weak_admin_password(app):
    result = app.test_cli_runner().invoke(lianjian, args=["init", "--admin-password", "admin"])
    assert result.exit_code != 0 and "密码" in result.output and "password" in result.output
    assert not User.select().where(User.username == "admin").exists()


def test_init_makes_up_an_admin_password_that_meets_the_policy(app, client):
    result = app.test_cli_runner().invoke(lianjian, args=["init"])
    assert result.exit_code == 0, result.output
    password = re.search(r"admin user: created, password (\S+)", result.output).group(1)
    assert passwords.problems(password, "admin") == []
    assert client.post(TOKEN, json={"username": "admin", "password": password}).status_code == 201


def test_synthetic_staff_get_a_password_of_this_instance_shown_once(app, client, tmp_path):
    runner = app.test_cli_runner()
    first = runner.invoke(lianjian, args=["seed", "--synthetic", "120"])
    assert first.exit_code == 0, first.output
    shown = re.search(
        r"staff password \(shown once; kept in (\S+), mode 0600\): (\S+)", first.output
    )
    assert shown, first.output
    kept, password = tmp_path / "staff-password.txt", shown.group(2)
    assert shown.group(1) == str(kept)
    assert kept.read_text(encoding="utf-8").strip() == password
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600

    published = client.post(TOKEN, json={"username": "GSO-user-01", "password": "lianjian-demo"})
    assert published.status_code == 401
    answer = client.post(TOKEN, json={"username": "GSO-user-01", "password": password})
    assert answer.status_code == 201 and answer.get_json()["role"] == "admin"

    again = runner.invoke(lianjian, args=["seed", "--synthetic", "120"])
    assert again.exit_code == 0, again.output
    assert password not in again.output and str(kept) in again.output
