"""scheduler/beacon.py: drand rounds checked offline against pinned chains.

Real rounds are as drand published them (quicknet rounds 123 and 1000, League of Entropy
mainnet round 72785); the sources are named in docs/beacons.md.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from scheduler.beacon import (
    QUICKNET,
    BeaconError,
    ChainInfo,
    TestChain,
    chain_from_info,
    first_round_at_or_after,
    round_time,
    verify_round,
)

QUICKNET_INFO = {
    "public_key": QUICKNET.public_key,
    "period": 3,
    "genesis_time": 1692803367,
    "hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "groupHash": "f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
    "schemeID": "bls-unchained-g1-rfc9380",
    "metadata": {"beaconID": "quicknet"},
}
QUICKNET_1000 = {
    "round": 1000,
    "randomness": "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
    "signature": "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
    "e342b73a8dd2bacbe47e4b6b63ed5e39",
}
QUICKNET_123 = {
    "round": 123,
    "signature": "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482"
    "e26cd02df835d3546d23c4b13e0dfc92",
}
MAINNET_INFO = {
    "public_key": "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a5699"
    "37c529eeda66c7293784a9402801af31",
    "period": 30,
    "genesis_time": 1595431050,
    "hash": "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    "groupHash": "176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a",
    "schemeID": "pedersen-bls-chained",
    "metadata": {"beaconID": "default"},
}
MAINNET_72785 = {
    "round": 72785,
    "signature": "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959"
    "eb9cfa368b3c1b77d18f02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3c"
    "c6f6cdf59e95526d5a5d82aaa84fa6f181e42",
    "previous_signature": "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8"
    "a609685d9917efbfb0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7"
    "111f71a0ff63d9571704905d3ca6df0b031747",
}


def refused(chain: ChainInfo, beacon) -> BeaconError:
    with pytest.raises(BeaconError) as caught:
        verify_round(chain, beacon)
    assert caught.value.zh and caught.value.en
    return caught.value


def flip(hex_text: str, at: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[at] ^= 0x01
    return raw.hex()


# --- the pinned quicknet facts and real rounds ------------------------------------------------


def test_pinned_quicknet_is_drands_published_info():
    assert chain_from_info(QUICKNET_INFO) == QUICKNET
    assert QUICKNET.to_info() == QUICKNET_INFO
    assert not QUICKNET.test_chain


def test_real_quicknet_round_1000_verifies():
    verified = verify_round(QUICKNET, QUICKNET_1000)
    assert verified.round == 1000
    assert verified.randomness == QUICKNET_1000["randomness"]
    assert verified.chain_hash == QUICKNET.hash
    assert verified.time == 1692803367 + 999 * 3


def test_real_quicknet_round_without_randomness_field_verifies():
    verified = verify_round(QUICKNET, QUICKNET_123)
    expected = hashlib.sha256(bytes.fromhex(QUICKNET_123["signature"])).hexdigest()
    assert verified.randomness == expected


@pytest.mark.parametrize("at", [0, 20, 47])
def test_one_byte_changed_in_a_real_signature_is_refused(at):
    tampered = {**QUICKNET_1000, "signature": flip(QUICKNET_1000["signature"], at)}
    tampered.pop("randomness")
    assert refused(QUICKNET, tampered).code == "BAD_SIGNATURE"


def test_a_real_signature_presented_for_another_round_is_refused():
    assert refused(QUICKNET, {**QUICKNET_1000, "round": 1001}).code == "BAD_SIGNATURE"
    assert refused(QUICKNET, {**QUICKNET_123, "round": 1000}).code == "BAD_SIGNATURE"


def test_randomness_that_is_not_the_hash_of_the_signature_is_refused():
    beacon = {**QUICKNET_1000, "randomness": flip(QUICKNET_1000["randomness"], 31)}
    assert refused(QUICKNET, beacon).code == "RANDOMNESS_MISMATCH"


def test_real_mainnet_chained_round_verifies_and_needs_its_previous_signature():
    mainnet = chain_from_info(MAINNET_INFO)
    assert mainnet.scheme == "pedersen-bls-chained" and not mainnet.test_chain
    assert verify_round(mainnet, MAINNET_72785).round == 72785
    changed = {**MAINNET_72785, "previous_signature": flip(MAINNET_72785["previous_signature"], 0)}
    assert refused(mainnet, changed).code == "BAD_SIGNATURE"
    missing = {k: v for k, v in MAINNET_72785.items() if k != "previous_signature"}
    assert refused(mainnet, missing).code == "MALFORMED"


def test_a_quicknet_round_presented_as_mainnet_is_refused():
    # 48-byte G1 signature where mainnet's scheme signs on G2
    assert refused(chain_from_info(MAINNET_INFO), QUICKNET_1000).code == "MALFORMED"


# --- another chain's rounds -------------------------------------------------------------------


def test_a_test_chain_round_presented_as_quicknet_is_refused():
    chain = TestChain.generate(genesis_time=1692803367, secret=b"rehearsal key 0001")
    assert refused(QUICKNET, chain.sign(1000)).code == "BAD_SIGNATURE"
    labelled = {**chain.sign(1000), "chain_hash": chain.info.hash}
    assert refused(QUICKNET, labelled).code == "WRONG_CHAIN"


def test_a_quicknet_round_presented_as_a_test_chain_round_is_refused():
    chain = TestChain.generate(genesis_time=1692803367, secret=b"rehearsal key 0001")
    assert refused(chain.info, QUICKNET_1000).code == "BAD_SIGNATURE"
    assert refused(chain.info, {**QUICKNET_1000, "chain_hash": QUICKNET.hash}).code == "WRONG_CHAIN"


# --- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beacon",
    [
        None,
        [],
        "round 1000",
        {},
        {"signature": QUICKNET_1000["signature"]},
        {**QUICKNET_1000, "round": 0},
        {**QUICKNET_1000, "round": -1},
        {**QUICKNET_1000, "round": "1000"},
        {**QUICKNET_1000, "round": True},
        {**QUICKNET_1000, "round": 1000.0},
        {**QUICKNET_1000, "round": 2**64},
        {"round": 1000},
        {**QUICKNET_1000, "signature": ""},
        {**QUICKNET_1000, "signature": "zz" * 48},
        {**QUICKNET_1000, "signature": QUICKNET_1000["signature"][:-2]},
        {**QUICKNET_1000, "signature": QUICKNET_1000["signature"] + "00"},
        {**QUICKNET_1000, "signature": QUICKNET_1000["signature"][:-1]},
        {**QUICKNET_1000, "signature": " " + QUICKNET_1000["signature"][1:]},
        {**QUICKNET_1000, "signature": 12345},
        {**QUICKNET_1000, "randomness": "fe29"},
        {**QUICKNET_1000, "randomness": "not hex"},
    ],
    ids=lambda value: json.dumps(value)[:40],
)
def test_malformed_rounds_are_refused(beacon):
    assert refused(QUICKNET, beacon).code == "MALFORMED"


def test_bytes_that_are_not_a_curve_point_are_refused_as_a_bad_signature():
    beacon = {"round": 1000, "signature": "c0" + "00" * 46 + "01"}  # flagged compressed, off curve
    assert refused(QUICKNET, beacon).code == "BAD_SIGNATURE"


def test_an_unsupported_scheme_is_refused_clearly():
    fastnet = {**QUICKNET_INFO, "schemeID": "bls-unchained-on-g1"}
    with pytest.raises(BeaconError) as caught:
        chain_from_info(fastnet)
    assert caught.value.code == "UNSUPPORTED_SCHEME"
    assert "bls-unchained-g1-rfc9380" in caught.value.en
    odd = ChainInfo(**{**QUICKNET.__dict__, "scheme": "bls-bn254-unchained-on-g1"})
    assert refused(odd, QUICKNET_1000).code == "UNSUPPORTED_SCHEME"


@pytest.mark.parametrize(
    "change",
    [
        {"hash": "00" * 32},  # not the hash of the other fields
        {"genesis_time": 1692803368},  # the hash then no longer matches
        {"period": 30},
        {"metadata": {"beaconID": "default"}},
        {"public_key": flip(QUICKNET.public_key, 95)},
        {"public_key": QUICKNET.public_key[:-2]},
        {"period": 0},
        {"period": "3"},
        {"genesis_time": None},
        {"groupHash": None},
        {"metadata": "quicknet"},
    ],
)
def test_chain_info_is_parsed_strictly(change):
    with pytest.raises(BeaconError) as caught:
        chain_from_info({**QUICKNET_INFO, **change})
    assert caught.value.code == "BAD_CHAIN_INFO"


# --- the local test chain ---------------------------------------------------------------------


def test_test_chain_rounds_verify_through_the_same_path():
    chain = TestChain.generate(genesis_time=1764633600, period=3, secret=b"baoshan rehearsal 2026")
    beacon = chain.sign(42)
    assert set(beacon) == {"round", "randomness", "signature"}
    verified = verify_round(chain.info, beacon)
    assert verified.round == 42
    assert verified.randomness == beacon["randomness"]
    assert verified.time == 1764633600 + 41 * 3
    tampered = {**beacon, "signature": flip(beacon["signature"], 10)}
    tampered.pop("randomness")
    assert refused(chain.info, tampered).code == "BAD_SIGNATURE"


def test_test_chain_is_marked_in_its_hash_and_survives_a_round_trip_through_info():
    chain = TestChain.generate(genesis_time=1764633600, secret=b"baoshan rehearsal 2026")
    again = TestChain.generate(genesis_time=1764633600, secret=b"baoshan rehearsal 2026")
    assert again.info == chain.info and again.sign(7) == chain.sign(7)
    parsed = chain_from_info(chain.info.to_info())
    assert parsed == chain.info and parsed.test_chain and "not a public beacon" in parsed.label
    unmarked = {**chain.info.to_info(), "metadata": {"beaconID": "quicknet"}}
    with pytest.raises(BeaconError) as caught:
        chain_from_info(unmarked)
    assert caught.value.code == "BAD_CHAIN_INFO"


def test_different_secrets_give_different_chains():
    one = TestChain.generate(genesis_time=1764633600, secret=b"district one key")
    two = TestChain.generate(genesis_time=1764633600, secret=b"district two key")
    assert one.info.hash != two.info.hash
    assert refused(two.info, one.sign(5)).code == "BAD_SIGNATURE"


# --- round arithmetic -------------------------------------------------------------------------


def test_round_time_is_genesis_plus_period_per_round():
    assert round_time(QUICKNET, 1) == 1692803367
    assert round_time(QUICKNET, 2) == 1692803370
    assert round_time(QUICKNET, 1000) == 1692806364
    with pytest.raises(BeaconError):
        round_time(QUICKNET, 0)


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (0, 1),
        (1692803366.5, 1),
        (1692803367, 1),
        (1692803367.001, 2),
        (1692803369.999, 2),
        (1692803370, 2),
        (1692803370.0001, 3),
        (1692806364, 1000),
        (1692806363, 1000),
        (1692806364.5, 1001),
    ],
)
def test_first_round_at_or_after(unix_time, expected):
    found = first_round_at_or_after(QUICKNET, unix_time)
    assert found == expected
    assert round_time(QUICKNET, found) >= unix_time
    assert found == 1 or round_time(QUICKNET, found - 1) < unix_time


def test_first_round_at_or_after_on_a_slow_chain():
    mainnet = chain_from_info(MAINNET_INFO)
    assert first_round_at_or_after(mainnet, 1597614570) == 72785
    assert first_round_at_or_after(mainnet, 1597614541) == 72785
    assert first_round_at_or_after(mainnet, 1597614540) == 72784


# --- more published vectors -------------------------------------------------------------------


def test_mainnet_round_1_chains_from_the_group_hash():
    mainnet = chain_from_info(MAINNET_INFO)
    first = {
        "round": 1,
        "randomness": "101297f1ca7dc44ef6088d94ad5fb7ba03455dc33d53ddb412bbc4564ed986ec",
        "signature": "8d61d9100567de44682506aea1a7a6fa6e5491cd27a0a0ed349ef6910ac5ac20"
        "ff7bc3e09d7c046566c9f7f3c6f3b10104990e7cb424998203d8f7de586fb7fa5f60045417a432684f85093b"
        "06ca91c769f0e7ca19268375e659c2a2352b4655",
        "previous_signature": MAINNET_INFO["groupHash"],
    }
    verified = verify_round(mainnet, first)
    assert verified.time == MAINNET_INFO["genesis_time"]
    assert verified.randomness == first["randomness"]


def test_drand_clients_own_rfc9380_vector_verifies():
    # drand/drand-client test/beacon-verification.test.ts, "signatures on G1 with DST"
    walkthrough = chain_from_info(
        {
            "public_key": "81d320f220ee9c79e60e19dedc838c31e3ab919b15481e9feb52f643628c4f6a"
            "13fdc52129493875a818109d767272ca0541cbcdcea9335f2870d781b39b845ba8cbd44fdfe4967781cf72ca"
            "5917fc9398bcf97ca0548ed5a709016c4b1ff0f3",
            "period": 3,
            "genesis_time": 1687506816,
            "hash": "af8b6fc95693b058a3a59efe586eb31c2c352fe00cf40c62a427d87c34f7a235",
            "groupHash": "02d678e93908888871b70e3f015b396a8c082bc1493ae5479f8743cb5d972b54",
            "schemeID": "bls-unchained-g1-rfc9380",
            "metadata": {"beaconID": "walkthrough"},
        }
    )
    beacon = {
        "round": 38,
        "randomness": "b2fc21325a24904a6a9e81a6c63f65f6cec3f0b2400df3f4a56b214770e9ccca",
        "signature": "95c93585c513ebbcb4777ff15599b3140e5ec0295faa0e483f3deadd88fa6d43"
        "f0d3703e3a4ce106e8fd6c6987f32126",
    }
    assert verify_round(walkthrough, beacon).round == 38
    assert refused(walkthrough, {**beacon, "round": 55}).code == "BAD_SIGNATURE"
    assert refused(QUICKNET, beacon).code == "BAD_SIGNATURE"


def test_a_round_checked_once_is_still_refused_under_another_key():
    # verify_round keeps pairing results; the key, the message and the signature are all in the key
    one = TestChain.generate(genesis_time=1764633600, secret=b"district one key")
    two = TestChain.generate(genesis_time=1764633600, secret=b"district two key")
    beacon = one.sign(77)
    assert verify_round(one.info, beacon).round == 77
    assert verify_round(one.info, beacon).round == 77
    assert refused(two.info, beacon).code == "BAD_SIGNATURE"
    assert refused(one.info, {**beacon, "round": 78}).code == "BAD_SIGNATURE"
