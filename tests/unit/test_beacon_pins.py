"""services/beacons.py: quicknet is always pinned; a district pins other chains by file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_app.errors import AppError
from inspect_app.services import beacons
from scheduler.beacon import QUICKNET, BeaconError, TestChain
from tests.unit.test_beacon import MAINNET_72785, MAINNET_INFO, QUICKNET_1000


@pytest.fixture
def rehearsal():
    return TestChain.generate(genesis_time=1764633600, secret=b"baoshan rehearsal 2026")


def test_quicknet_alone_when_nothing_is_pinned(tmp_path):
    for setting in (None, "", str(tmp_path / "missing")):
        assert list(beacons.pinned_chains({"DRAND_CHAINS": setting})) == [QUICKNET.hash]
    assert beacons.pinned_chain(QUICKNET.hash, {}) == QUICKNET


def test_a_test_chain_is_refused_unless_pinned(rehearsal):
    with pytest.raises(AppError) as caught:
        beacons.pinned_chain(rehearsal.info.hash, {})
    assert caught.value.code == "UNKNOWN_CHAIN" and rehearsal.info.hash in caught.value.en
    beacon = {"chain_hash": rehearsal.info.hash, **rehearsal.sign(9)}
    with pytest.raises(AppError) as caught:
        beacons.verify_pinned(beacon, settings={})
    assert caught.value.code == "UNKNOWN_CHAIN"


def test_a_folder_of_info_files_pins_each(tmp_path, rehearsal):
    folder = tmp_path / "drand-chains"
    folder.mkdir()
    (folder / "mainnet.json").write_text(json.dumps(MAINNET_INFO), encoding="utf-8")
    (folder / "rehearsal.json").write_text(json.dumps(rehearsal.info.to_info()), encoding="utf-8")
    (folder / "notes.txt").write_text("not a chain", encoding="utf-8")
    settings = {"DRAND_CHAINS": str(folder)}
    pinned = beacons.pinned_chains(settings)
    assert next(iter(pinned)) == QUICKNET.hash and len(pinned) == 3
    assert pinned[rehearsal.info.hash].test_chain
    assert not pinned[MAINNET_INFO["hash"]].test_chain

    chain, verified = beacons.verify_pinned(MAINNET_72785, MAINNET_INFO["hash"], settings)
    assert chain.scheme == "pedersen-bls-chained" and verified.round == 72785
    chain, verified = beacons.verify_pinned(rehearsal.sign(9), rehearsal.info.hash, settings)
    assert chain.test_chain and verified.round == 9


def test_one_file_with_an_array_pins_each(tmp_path, rehearsal):
    path = tmp_path / "chains.json"
    path.write_text(json.dumps([MAINNET_INFO, rehearsal.info.to_info()]), encoding="utf-8")
    assert len(beacons.pinned_chains({"DRAND_CHAINS": str(path)})) == 3


def test_chains_given_in_code_are_checked_like_files(rehearsal):
    pinned = beacons.pinned_chains({"DRAND_CHAINS": [rehearsal.info, MAINNET_INFO]})
    assert pinned[rehearsal.info.hash] == rehearsal.info
    forged = {**rehearsal.info.to_info(), "metadata": {"beaconID": "quicknet"}}
    with pytest.raises(AppError) as caught:
        beacons.pinned_chains({"DRAND_CHAINS": [forged]})
    assert caught.value.code == "BAD_CHAIN_FILE"


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({**MAINNET_INFO, "hash": "00" * 32}), json.dumps(["x"])],
)
def test_a_bad_pinned_file_is_refused_loudly(tmp_path, content):
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(AppError) as caught:
        beacons.pinned_chains({"DRAND_CHAINS": str(tmp_path)})
    assert caught.value.code == "BAD_CHAIN_FILE" and "bad.json" in caught.value.en


def test_the_round_names_its_chain_or_is_quicknets(rehearsal):
    settings = {"DRAND_CHAINS": [rehearsal.info]}
    chain, verified = beacons.verify_pinned(QUICKNET_1000, settings=settings)
    assert chain == QUICKNET and verified.randomness == QUICKNET_1000["randomness"]
    own = {"chain_hash": rehearsal.info.hash, **rehearsal.sign(3)}
    assert beacons.verify_pinned(own, settings=settings)[0] == rehearsal.info


@pytest.mark.parametrize(
    ("beacon", "code"),
    [
        ({**QUICKNET_1000, "round": 1001}, "BAD_SIGNATURE"),
        ({**QUICKNET_1000, "signature": "ab"}, "MALFORMED"),
        ({**QUICKNET_1000, "chain_hash": MAINNET_INFO["hash"]}, "WRONG_CHAIN"),
    ],
)
def test_refusals_carry_the_checkers_code(beacon, code):
    with pytest.raises(AppError) as caught:
        beacons.verify_pinned(beacon, QUICKNET.hash, {})
    error = caught.value
    assert error.code == "BEACON_REFUSED" and error.status == 422
    assert error.errors == {"beacon": [code]} and error.zh and error.en


def test_fetch_round_checks_what_the_relay_answers(monkeypatch):
    class Answer:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self) -> bytes:
            return self.body

    asked = []

    def fake_urlopen(url, timeout):
        asked.append(url)
        return Answer(json.dumps(QUICKNET_1000).encode())

    monkeypatch.setattr(beacons.urllib.request, "urlopen", fake_urlopen)
    assert beacons.fetch_round(QUICKNET, 1000).randomness == QUICKNET_1000["randomness"]
    assert asked == [f"https://api.drand.sh/{QUICKNET.hash}/public/1000"]
    with pytest.raises(BeaconError) as caught:
        beacons.fetch_round(QUICKNET, 999)  # the relay answers round 1000's signature
    assert caught.value.code == "MALFORMED" and "round 1000" in caught.value.en


# --- NIST certificates ------------------------------------------------------------------------

NIST_DATA = Path(__file__).with_name("beacon_data")
NIST_PEM = NIST_DATA / "nist-certificate-528943a5.pem"
NIST_PULSE = json.loads((NIST_DATA / "nist-pulse-2-1921300.json").read_text(encoding="utf-8"))


def test_no_nist_certificate_is_pinned_by_default():
    assert beacons.pinned_certificates({}) == {}
    with pytest.raises(AppError) as caught:
        beacons.verify_pinned_pulse(NIST_PULSE, {})
    assert caught.value.code == "UNKNOWN_CHAIN" and "NIST_CERTIFICATES" in caught.value.en


def test_a_pinned_nist_certificate_checks_its_pulses(tmp_path):
    folder = tmp_path / "nist-certificates"
    folder.mkdir()
    (folder / "engine-2025.pem").write_bytes(NIST_PEM.read_bytes())
    settings = {"NIST_CERTIFICATES": str(folder)}
    certificate, verified = beacons.verify_pinned_pulse(NIST_PULSE, settings)
    assert certificate.certificate_id == NIST_PULSE["pulse"]["certificateId"]
    assert verified.pulse_index == 1921300
    tampered = json.loads(json.dumps(NIST_PULSE))
    tampered["pulse"]["outputValue"] = "00" * 64
    with pytest.raises(AppError) as caught:
        beacons.verify_pinned_pulse(tampered, settings)
    assert caught.value.code == "BEACON_REFUSED"
    assert caught.value.errors == {"beacon": ["RANDOMNESS_MISMATCH"]}


def test_a_bad_pinned_certificate_is_refused_loudly(tmp_path):
    (tmp_path / "broken.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(AppError) as caught:
        beacons.pinned_certificates({"NIST_CERTIFICATES": str(tmp_path)})
    assert caught.value.code == "BAD_CHAIN_FILE" and "broken.pem" in caught.value.en
