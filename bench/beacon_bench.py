"""Beacon checks: what one drand round and one NIST pulse cost to verify, beside a baseline.

    .venv/bin/python bench/beacon_bench.py [--runs 200]

Prints mean milliseconds per operation; nothing is asserted. Baseline: SHA-256 of the round's
signature (what a platform that does not check the signature would do). If py_ecc is installed
(it is not a dependency), its pure-Python verification of the same round is timed once too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from scheduler import beacon
from scheduler.beacon import QUICKNET, TestChain, round_message, verify_round
from scheduler.nist_beacon import certificate_from_pem, verify_pulse

ROUND_1000 = {
    "round": 1000,
    "randomness": "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
    "signature": "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
    "e342b73a8dd2bacbe47e4b6b63ed5e39",
}
DATA = Path(__file__).resolve().parents[1] / "tests" / "unit" / "beacon_data"


def uncached(function, *args):
    """Verification keeps the pairing results it computed; a fair timing starts without them."""
    beacon._pairing_holds.cache_clear()
    return function(*args)


def mean_ms(operation, runs: int) -> float:
    operation()
    start = time.perf_counter()
    for _ in range(runs):
        operation()
    return (time.perf_counter() - start) / runs * 1000


def py_ecc_once() -> float | None:
    try:
        from py_ecc.bls.hash_to_curve import hash_to_G1
        from py_ecc.bls.point_compression import decompress_G1, decompress_G2
        from py_ecc.optimized_bls12_381 import G2, pairing
    except ImportError:
        return None
    key = bytes.fromhex(QUICKNET.public_key)
    start = time.perf_counter()
    signature = decompress_G1(int.from_bytes(bytes.fromhex(ROUND_1000["signature"]), "big"))
    public = decompress_G2((int.from_bytes(key[:48], "big"), int.from_bytes(key[48:], "big")))
    hashed = hash_to_G1(
        round_message(1000), b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_", hashlib.sha256
    )
    assert pairing(G2, signature) == pairing(public, hashed)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    chain = TestChain.generate(genesis_time=1764633600, secret=b"bench test chain key")
    counter = iter(range(1, 10**9))
    certificate = certificate_from_pem((DATA / "nist-certificate-528943a5.pem").read_bytes())
    pulse = json.loads((DATA / "nist-pulse-2-1921300.json").read_text(encoding="utf-8"))
    signature = bytes.fromhex(ROUND_1000["signature"])
    rows = [
        ("baseline: SHA-256 of the signature", mean_ms(lambda: hashlib.sha256(signature), runs)),
        (
            "verify real quicknet round 1000",
            mean_ms(lambda: uncached(verify_round, QUICKNET, ROUND_1000), runs),
        ),
        (
            "the same, its pairing already checked",
            mean_ms(lambda: verify_round(QUICKNET, ROUND_1000), runs),
        ),
        ("test chain: sign a round", mean_ms(lambda: chain.sign(next(counter)), runs)),
        (
            "test chain: sign + verify a round",
            mean_ms(lambda: verify_round(chain.info, chain.sign(next(counter))), runs),
        ),
        (
            "verify real NIST pulse 2/1921300",
            mean_ms(lambda: verify_pulse(certificate, pulse), runs),
        ),
    ]
    slow = py_ecc_once()
    if slow is not None:
        rows.append(("py_ecc (pure Python) verify, once", slow))
    for label, ms in rows:
        print(f"{label:<40} {ms:10.3f} ms")


if __name__ == "__main__":
    main()
