"""`lianjian beacon`: list pinned chains, check a round file, make and use a local test chain.

The beacon commands read and write files only, so they run without an initialised instance.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_app.cli import lianjian
from scheduler.beacon import QUICKNET
from tests.unit.test_beacon import MAINNET_INFO, QUICKNET_1000


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANJIAN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIANJIAN_DRAND_CHAINS", raising=False)  # the suite pins its test chain
    return tmp_path / "home"


def run(*args: str):
    return CliRunner().invoke(lianjian, args=list(args))


def test_chains_lists_quicknet_as_the_default(home):
    result = run("beacon", "chains")
    assert result.exit_code == 0, result.output
    chains = json.loads(result.output)
    assert [c["hash"] for c in chains] == [QUICKNET.hash]
    assert chains[0]["default"] and chains[0]["label"] == "drand quicknet"
    assert not (home / "lianjian.db").exists()  # no instance made or needed


def test_verify_a_real_quicknet_round_file(home, tmp_path):
    path = tmp_path / "round-1000.json"
    path.write_text(json.dumps(QUICKNET_1000), encoding="utf-8")
    result = run("beacon", "verify", str(path))
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["round"] == 1000 and shown["chain"] == "drand quicknet"
    assert shown["randomness"] == QUICKNET_1000["randomness"]
    assert shown["time"] == 1692806364 and shown["time_utc"] == "2023-08-23T15:59:24Z"


def test_verify_refuses_a_tampered_round_in_both_languages(home, tmp_path):
    path = tmp_path / "round.json"
    path.write_text(json.dumps({**QUICKNET_1000, "round": 1001}), encoding="utf-8")
    result = run("beacon", "verify", str(path))
    assert result.exit_code == 1
    assert "签名未通过" in result.output and "does not verify" in result.output
    assert "BAD_SIGNATURE" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "zh", "en"),
    [
        ("{not json", "不是有效的 JSON", "is not valid JSON"),
        (json.dumps({"round": 1000}), "不是十六进制", "is not a hex string"),
    ],
)
def test_verify_refuses_malformed_files(home, tmp_path, content, zh, en):
    path = tmp_path / "round.json"
    path.write_text(content, encoding="utf-8")
    result = run("beacon", "verify", str(path))
    assert result.exit_code == 1 and zh in result.output and en in result.output


def test_verify_refuses_an_unpinned_chain(home, tmp_path):
    path = tmp_path / "round.json"
    path.write_text(json.dumps(QUICKNET_1000), encoding="utf-8")
    result = run("beacon", "verify", str(path), "--chain", MAINNET_INFO["hash"])
    assert result.exit_code == 1 and "Not a pinned beacon chain" in result.output


def test_a_test_chain_from_creation_to_a_verified_round(home, tmp_path):
    chain_dir = tmp_path / "rehearsal"
    created = run("beacon", "test-chain", "create", str(chain_dir), "--genesis", "1764633600")
    assert created.exit_code == 0, created.output
    made = json.loads(created.output)
    assert made["test_chain"] and "not a public beacon" in made["label"] and made["pinned"] is None
    assert (os.stat(chain_dir / "secret.hex").st_mode & 0o777) == 0o600

    round_file = tmp_path / "round-42.json"
    signed = run("beacon", "test-chain", "sign", str(chain_dir), "42", "--out", str(round_file))
    assert signed.exit_code == 0, signed.output
    beacon = json.loads(round_file.read_text(encoding="utf-8"))
    assert beacon["chain_hash"] == made["hash"] and beacon["round"] == 42

    # not pinned: refused
    refused = run("beacon", "verify", str(round_file))
    assert refused.exit_code == 1 and "Not a pinned beacon chain" in refused.output

    # pinned explicitly: verified, and said to be a test chain
    (home / "drand-chains").mkdir(parents=True)
    (home / "drand-chains" / "rehearsal.json").write_bytes((chain_dir / "info.json").read_bytes())
    verified = run("beacon", "verify", str(round_file))
    assert verified.exit_code == 0, verified.output
    shown = json.loads(verified.output)
    assert shown["test_chain"] and shown["round"] == 42 and shown["time"] == 1764633600 + 41 * 3
    assert shown["randomness"] == beacon["randomness"]

    listed = json.loads(run("beacon", "chains").output)
    assert [c["test_chain"] for c in listed] == [False, True]


def test_create_pin_puts_the_chain_in_drand_chains(home, tmp_path):
    created = run("beacon", "test-chain", "create", str(tmp_path / "demo"), "--pin")
    assert created.exit_code == 0, created.output
    made = json.loads(created.output)
    assert made["pinned"].startswith(str(home / "drand-chains"))
    signed = run("beacon", "test-chain", "sign", str(tmp_path / "demo"), "1")
    (tmp_path / "r1.json").write_text(signed.output, encoding="utf-8")
    assert run("beacon", "verify", str(tmp_path / "r1.json")).exit_code == 0


def test_create_does_not_overwrite_a_key_and_sign_needs_a_chain(home, tmp_path):
    chain_dir = tmp_path / "rehearsal"
    assert run("beacon", "test-chain", "create", str(chain_dir)).exit_code == 0
    again = run("beacon", "test-chain", "create", str(chain_dir))
    assert again.exit_code == 1 and "已有测试链密钥" in again.output
    (tmp_path / "empty").mkdir()
    missing = run("beacon", "test-chain", "sign", str(tmp_path / "empty"), "5")
    assert missing.exit_code == 1 and "No test chain" in missing.output


def test_sign_refuses_a_secret_that_is_not_the_chains(home, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("beacon", "test-chain", "create", str(one), "--genesis", "1764633600").exit_code == 0
    assert run("beacon", "test-chain", "create", str(two), "--genesis", "1764633600").exit_code == 0
    (one / "secret.hex").write_bytes((two / "secret.hex").read_bytes())
    result = run("beacon", "test-chain", "sign", str(one), "5")
    assert result.exit_code == 1 and "are not the same chain" in result.output


NIST_DATA = Path(__file__).resolve().parents[1] / "unit" / "beacon_data"


def test_verify_pulse_needs_the_certificate_pinned(home, tmp_path):
    pulse = NIST_DATA / "nist-pulse-2-1921300.json"
    assert json.loads(run("beacon", "certificates").output) == []
    unpinned = run("beacon", "verify-pulse", str(pulse))
    assert unpinned.exit_code == 1 and "Not a pinned NIST beacon certificate" in unpinned.output
    (home / "nist-certificates").mkdir(parents=True)
    pem = (NIST_DATA / "nist-certificate-528943a5.pem").read_bytes()
    (home / "nist-certificates" / "engine.pem").write_bytes(pem)
    listed = json.loads(run("beacon", "certificates").output)
    assert [c["valid_until"] for c in listed] == ["2026-09-04T23:59:59Z"]
    verified = run("beacon", "verify-pulse", str(pulse))
    assert verified.exit_code == 0, verified.output
    shown = json.loads(verified.output)
    assert shown["pulse_index"] == 1921300 and shown["time_utc"] == "2026-08-31T19:04:00Z"
    assert shown["output_value"].startswith("ebc85c439a72062c")
