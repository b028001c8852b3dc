"""Sign-in under attack: lockout per account and per address, shared by every node; one cost for
known and unknown names; failures audited; one live token per device."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from inspect_app.clock import utcnow
from inspect_app.db import database, release
from inspect_app.models import AuditEntry, Token, User
from inspect_app.services import auth
from tests.conftest import CHEAP_ARGON2
from tests.factories import PASSWORD, make_user

TOKEN = "/api/v1/auth/token"
WRONG = "猜的密码-123456"
LIFETIMES = auth.TokenLifetimes(staff=timedelta(hours=12), device=timedelta(days=30))


def _sign_in(client, username, password, device="web", address="10.8.1.15"):
    return client.post(
        TOKEN,
        json={"username": username, "password": password, "device": device},
        environ_base={"REMOTE_ADDR": address},
    )


def _fail(client, username, times, address="10.8.1.15"):
    for _ in range(times):
        assert _sign_in(client, username, WRONG, address=address).status_code == 401


def test_a_locked_account_answers_429_with_retry_after_even_for_the_right_password(client):
    make_user("planner", "CT", username="ct-wang")
    _fail(client, "ct-wang", 5)
    right = _sign_in(client, "ct-wang", PASSWORD)
    wrong = _sign_in(client, "ct-wang", WRONG)
    for answer in (right, wrong):
        assert answer.status_code == 429
        assert 0 < int(answer.headers["Retry-After"]) <= 15 * 60
        assert answer.get_json()["status"] == "SIGN_IN_LOCKED"
        assert set(answer.get_json()["message"]) == {"zh", "en"}
    assert right.get_json() == wrong.get_json()
    assert not Token.select().exists()


def test_an_unknown_name_is_locked_like_a_known_one(client):
    make_user("planner", "CT", username="ct-wang")
    _fail(client, "ct-wang", 5)
    _fail(client, "ct-nobody", 5)
    assert _sign_in(client, "ct-wang", WRONG).status_code == 429
    assert _sign_in(client, "ct-nobody", WRONG).status_code == 429


def test_failures_below_the_limit_are_forgotten_on_success(client):
    make_user("planner", "CT", username="ct-wang")
    _fail(client, "ct-wang", 4)
    assert _sign_in(client, "ct-wang", PASSWORD).status_code == 201
    _fail(client, "ct-wang", 4)
    assert _sign_in(client, "ct-wang", PASSWORD).status_code == 201


def test_one_address_trying_many_names_is_locked(client):
    make_user("planner", "CT", username="ct-wang")
    for n in range(20):
        _fail(client, f"guess-{n}", 1, address="203.0.113.9")
    assert _sign_in(client, "ct-wang", PASSWORD, address="203.0.113.9").status_code == 429
    assert _sign_in(client, "ct-wang", PASSWORD, address="10.8.1.15").status_code == 201


def test_the_limits_are_settings(db_url, tmp_path, keys_dir):
    from inspect_app.app import create_app

    app = create_app(
        {
            "DATABASE_URL": db_url,
            "LIANJIAN_HOME": str(tmp_path),
            "KEYS_DIR": str(keys_dir),
            "ARGON2": CHEAP_ARGON2,
            "SIGN_IN_ACCOUNT_LIMIT": 2,
            "SIGN_IN_ACCOUNT_LOCKOUT_MINUTES": 60,
        }
    )
    try:
        client = app.test_client()
        _fail(client, "ct-wang", 2)
        answer = _sign_in(client, "ct-wang", WRONG)
        assert answer.status_code == 429
        assert 15 * 60 < int(answer.headers["Retry-After"]) <= 60 * 60
    finally:
        release(database.obj)


def test_every_node_counts_the_same_failures(db_url, tmp_path, keys_dir):
    """Two app processes on one database: failures on one lock the account on the other."""
    from inspect_app.app import create_app

    settings = {
        "DATABASE_URL": db_url,
        "LIANJIAN_HOME": str(tmp_path),
        "KEYS_DIR": str(keys_dir),
        "ARGON2": CHEAP_ARGON2,
    }
    first, second = create_app(settings), create_app(settings)
    try:
        with first.app_context():
            make_user("planner", "CT", username="ct-wang")
        _fail(first.test_client(), "ct-wang", 3)
        _fail(second.test_client(), "ct-wang", 2)
        assert _sign_in(first.test_client(), "ct-wang", PASSWORD).status_code == 429
    finally:
        release(database.obj)


def test_the_lock_lifts_after_the_lockout(app):
    user = make_user("planner", "CT", username="ct-wang")
    start = utcnow()
    for minute in range(5):
        with pytest.raises(Exception, match="BAD_CREDENTIALS"):
            auth.sign_in(user.username, WRONG, "web", start + timedelta(minutes=minute), LIFETIMES)
    locked_at = start + timedelta(minutes=5)
    with pytest.raises(Exception, match="SIGN_IN_LOCKED"):
        auth.sign_in(user.username, PASSWORD, "web", locked_at, LIFETIMES)
    later = start + timedelta(minutes=4 + 15)
    assert auth.sign_in(user.username, PASSWORD, "web", later, LIFETIMES).username == "ct-wang"


@pytest.fixture
def verify_calls(monkeypatch):
    """Count the argon2 verifications a sign-in runs."""
    calls = []
    original = PasswordHasher.verify

    def spy(self, hash, password):
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


def test_an_unknown_name_costs_one_password_check_like_a_known_one(client, verify_calls):
    make_user("planner", "CT", username="ct-wang")
    assert _sign_in(client, "ct-wang", WRONG).status_code == 401
    assert len(verify_calls) == 1
    assert _sign_in(client, "ct-nobody", WRONG).status_code == 401
    assert len(verify_calls) == 2
    assert verify_calls[1].startswith("$argon2id$")


def test_an_inactive_user_is_checked_against_the_dummy_hash(client, verify_calls):
    user = make_user("planner", "CT", username="ct-wang")
    User.update(active=False).where(User.id == user.id).execute()
    assert _sign_in(client, "ct-wang", PASSWORD).status_code == 401
    assert len(verify_calls) == 1 and verify_calls[0] != user.password_hash


def test_a_failed_sign_in_is_audited_with_name_and_address_never_the_password(client):
    make_user("planner", "CT", username="ct-wang")
    _sign_in(client, "ct-wang", WRONG, device="平板-03", address="10.8.1.77")
    entry = AuditEntry.get(AuditEntry.action == "auth.sign_in_failed")
    assert entry.object_id == "ct-wang"
    assert entry.after == {"username": "ct-wang", "address": "10.8.1.77", "device": "平板-03"}
    stored = " ".join(str(v) for v in entry.__data__.values())
    assert WRONG not in stored and PASSWORD not in stored


def test_the_failure_that_locks_is_audited_with_the_lock(client):
    _fail(client, "ct-nobody", 5)
    entries = list(AuditEntry.select().where(AuditEntry.action == "auth.sign_in_failed"))
    assert len(entries) == 5
    assert "locked_until" in entries[-1].after and "locked_until" not in entries[0].after


def test_a_new_sign_in_on_a_device_revokes_its_earlier_token(client):
    make_user("inspector", "CT", username="insp-zhang")
    first = _sign_in(client, "insp-zhang", PASSWORD, device="平板-03").get_json()["token"]
    other = _sign_in(client, "insp-zhang", PASSWORD, device="平板-04").get_json()["token"]
    second = _sign_in(client, "insp-zhang", PASSWORD, device="平板-03").get_json()["token"]

    def devices(token):
        return client.get("/api/v1/auth/devices", headers={"Authorization": f"Bearer {token}"})

    assert devices(first).status_code == 401
    assert sorted(d["device"] for d in devices(second).get_json()) == ["平板-03", "平板-04"]
    assert devices(other).status_code == 200
    live = Token.select().where(Token.revoked_at.is_null())
    assert sorted(t.device for t in live) == ["平板-03", "平板-04"]


def test_the_token_answer_is_never_stored(client):
    make_user("planner", "CT", username="ct-wang")
    answer = _sign_in(client, "ct-wang", PASSWORD)
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(db_url, tmp_path, keys_dir):
    from inspect_app.app import create_app

    app = create_app(
        {
            "DATABASE_URL": db_url,
            "LIANJIAN_HOME": str(tmp_path),
            "KEYS_DIR": str(keys_dir),
            "ARGON2": CHEAP_ARGON2,
            "TRUSTED_PROXIES": 1,
        }
    )
    try:
        client = app.test_client()
        for n in range(20):
            client.post(
                TOKEN,
                json={"username": f"guess-{n}", "password": WRONG},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
        with app.app_context():
            make_user("planner", "CT", username="ct-wang")
        other = client.post(
            TOKEN,
            json={"username": "ct-wang", "password": PASSWORD},
            headers={"X-Forwarded-For": "10.8.1.15"},
        )
        assert other.status_code == 201
        attacker = client.post(
            TOKEN,
            json={"username": "ct-wang", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert attacker.status_code == 429
    finally:
        release(database.obj)


def test_a_lone_surrogate_password_is_refused_not_a_server_error(client):
    make_user("planner", "CT", username="ct-wang")
    for name in ("ct-wang", "ct-nobody"):
        answer = client.post(
            TOKEN,
            data='{"username": "' + name + '", "password": "\\ud800"}',
            content_type="application/json",
        )
        assert answer.status_code in (401, 422), answer.get_json()
