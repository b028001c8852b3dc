"""drand randomness beacons, checked offline: a round's BLS signature against a pinned chain.

A drand chain publishes its facts at ``/info`` (public key, period, genesis time, scheme,
chain hash) and each round at ``/public/{round}`` (round number, signature, randomness).
Anyone holding the chain's public key can check a round without trusting who handed it over:
the signature is a BLS signature on BLS12-381 over the round's message, and the round's
randomness is SHA-256 of the signature (docs/beacons.md).

Pure: no I/O. The pairing arithmetic is blst's (the ``pyblst`` binding), chosen by measured
speed on this kind of machine (docs/beacons.md, "Library").

Schemes checked here (drand's scheme IDs):

- ``bls-unchained-g1-rfc9380`` (quicknet): signature on G1 (48 bytes), public key on G2
  (96 bytes), message SHA-256(round as 8 bytes big-endian), hash-to-curve per RFC 9380 with DST
  ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``.
- ``pedersen-bls-chained`` (the League of Entropy "default" mainnet): signature on G2
  (96 bytes), public key on G1 (48 bytes), message SHA-256(previous signature || round),
  DST ``BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_``.
- ``pedersen-bls-unchained``: as the chained one, message SHA-256(round).

Any other scheme (e.g. fastnet's retired ``bls-unchained-on-g1``) is refused.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets as _secrets
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pyblst

__all__ = [
    "QUICKNET",
    "QUICKNET_SCHEME",
    "SCHEMES",
    "TEST_CHAIN_BEACON_ID",
    "BeaconError",
    "ChainInfo",
    "TestChain",
    "VerifiedRound",
    "chain_from_info",
    "chain_hash_of",
    "first_round_at_or_after",
    "randomness_of",
    "round_message",
    "round_time",
    "verify_round",
]

QUICKNET_SCHEME = "bls-unchained-g1-rfc9380"
CHAINED_SCHEME = "pedersen-bls-chained"
UNCHAINED_G2_SCHEME = "pedersen-bls-unchained"
DST_G1 = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"
DST_G2 = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
DEFAULT_BEACON_ID = "default"  # drand leaves this ID out of the chain hash
TEST_CHAIN_BEACON_ID = (
    "lianjian-test-chain"  # bound into a test chain's hash, so it cannot be hidden
)
TEST_CHAIN_LABEL = "本地测试链 local test chain (不是公开信标 not a public beacon)"

# The group order r of BLS12-381 and the two generators, compressed (IETF BLS draft, ZCash format).
CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
_G1_GENERATOR = bytes.fromhex(
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac58"
    "6c55e83ff97a1aeffb3af00adb22c6bb"
)
_G2_GENERATOR = bytes.fromhex(
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049"
    "334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051"
    "c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
)
_MAX_ROUND = 2**64 - 1
_HEX = re.compile(r"[0-9a-fA-F]*")


@dataclass(frozen=True)
class _Scheme:
    signature_on_g1: bool  # True: signature 48 bytes on G1, public key 96 bytes on G2
    dst: bytes
    chained: bool

    @property
    def signature_bytes(self) -> int:
        return 48 if self.signature_on_g1 else 96

    @property
    def public_key_bytes(self) -> int:
        return 96 if self.signature_on_g1 else 48


SCHEMES: dict[str, _Scheme] = {
    QUICKNET_SCHEME: _Scheme(signature_on_g1=True, dst=DST_G1, chained=False),
    CHAINED_SCHEME: _Scheme(signature_on_g1=False, dst=DST_G2, chained=True),
    UNCHAINED_G2_SCHEME: _Scheme(signature_on_g1=False, dst=DST_G2, chained=False),
}


class BeaconError(ValueError):
    """A round or a chain description refused; ``code`` says why, ``zh``/``en`` say it to people.

    Codes: MALFORMED (the round's JSON), BAD_CHAIN_INFO (the chain's /info JSON),
    UNSUPPORTED_SCHEME, WRONG_CHAIN, BAD_SIGNATURE, RANDOMNESS_MISMATCH.
    """

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(f"{code}: {en} ({zh})")
        self.code = code
        self.zh = zh
        self.en = en


def _malformed(zh: str, en: str) -> BeaconError:
    return BeaconError("MALFORMED", zh=zh, en=en)


def _bad_info(zh: str, en: str) -> BeaconError:
    return BeaconError("BAD_CHAIN_INFO", zh=zh, en=en)


def _unsupported(scheme: str) -> BeaconError:
    return BeaconError(
        "UNSUPPORTED_SCHEME",
        zh=f"不支持的 drand 签名方案 {scheme!r}（支持：{', '.join(sorted(SCHEMES))}）",
        en=f"unsupported drand scheme {scheme!r} (supported: {', '.join(sorted(SCHEMES))})",
    )


@dataclass(frozen=True)
class ChainInfo:
    """A drand chain as its ``/info`` publishes it, plus how the platform labels it."""

    public_key: str  # hex, compressed point (G2 for quicknet)
    period: int  # seconds between rounds
    genesis_time: int  # unix seconds of round 1
    hash: str  # chain hash, hex
    scheme: str  # drand schemeID
    beacon_id: str = ""
    label: str = ""
    test_chain: bool = False  # a locally generated key: records say so
    group_hash: str = ""

    def to_info(self) -> dict[str, Any]:
        """The chain as drand's ``/info`` JSON (what chain_from_info reads back)."""
        info: dict[str, Any] = {
            "public_key": self.public_key,
            "period": self.period,
            "genesis_time": self.genesis_time,
            "hash": self.hash,
            "groupHash": self.group_hash,
            "schemeID": self.scheme,
            "metadata": {"beaconID": self.beacon_id or DEFAULT_BEACON_ID},
        }
        return info


# Checked against drand's published /info for quicknet (docs/beacons.md, "Quicknet facts"):
# the hash below is recomputed from the other fields by chain_hash_of, and real rounds 123 and
# 1000 verify against the key (tests/unit/test_beacon.py).
QUICKNET = ChainInfo(
    public_key=(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5"
        "ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    period=3,
    genesis_time=1692803367,
    hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    scheme=QUICKNET_SCHEME,
    beacon_id="quicknet",
    label="drand quicknet",
    group_hash="f477d5c89f21a17c863a7f937c6a6d15859414d2be09cd448d4279af331c5d3e",
)


def chain_hash_of(
    period: int, genesis_time: int, public_key: bytes, group_hash: bytes, beacon_id: str
) -> str:
    """drand's chain hash: SHA-256(period u32 BE || genesis i64 BE || key || group hash || ID).

    The beacon ID is left out for drand's "default" beacon (as drand does, for compatibility).
    """
    h = hashlib.sha256()
    h.update(period.to_bytes(4, "big"))
    h.update(genesis_time.to_bytes(8, "big", signed=True))
    h.update(public_key)
    h.update(group_hash)
    if beacon_id and beacon_id != DEFAULT_BEACON_ID:
        h.update(beacon_id.encode("utf-8"))
    return h.hexdigest()


def _hex_bytes(value: Any, name: str, length: int | None, error) -> bytes:
    if not isinstance(value, str) or not value or len(value) % 2 or not _HEX.fullmatch(value):
        raise error(f"{name} 不是十六进制字符串", f"{name} is not a hex string")
    raw = bytes.fromhex(value)
    if length is not None and len(raw) != length:
        raise error(
            f"{name} 应为 {length} 字节，收到 {len(raw)} 字节",
            f"{name} must be {length} bytes, got {len(raw)}",
        )
    return raw


def _positive_int(value: Any, name: str, error, maximum: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise error(f"{name} 应为正整数", f"{name} must be a positive integer")
    return value


def chain_from_info(info: Mapping[str, Any], *, label: str = "") -> ChainInfo:
    """Parse drand's ``/info`` JSON, strictly: every field typed, the key a valid point of the
    scheme's group, and the chain hash equal to the one recomputed from the other fields.

    A chain whose beacon ID is ``lianjian-test-chain`` is a local test chain (``test_chain``):
    the ID is part of the chain hash, so the mark cannot be dropped without changing the hash.
    """
    if not isinstance(info, Mapping):
        raise _bad_info("链信息应为 JSON 对象", "chain info must be a JSON object")
    scheme = info.get("schemeID")
    if not isinstance(scheme, str) or not scheme:
        raise _bad_info("链信息缺少 schemeID", "chain info has no schemeID")
    if scheme not in SCHEMES:
        raise _unsupported(scheme)
    spec = SCHEMES[scheme]
    key = _hex_bytes(info.get("public_key"), "public_key", spec.public_key_bytes, _bad_info)
    period = _positive_int(info.get("period"), "period", _bad_info, maximum=2**32 - 1)
    genesis = _positive_int(info.get("genesis_time"), "genesis_time", _bad_info)
    chain_hash = _hex_bytes(info.get("hash"), "hash", 32, _bad_info).hex()
    group_hash = _hex_bytes(info.get("groupHash"), "groupHash", 32, _bad_info).hex()
    metadata = info.get("metadata", {})
    if not isinstance(metadata, Mapping):
        raise _bad_info("metadata 应为 JSON 对象", "metadata must be a JSON object")
    beacon_id = metadata.get("beaconID", DEFAULT_BEACON_ID)
    if not isinstance(beacon_id, str) or not beacon_id:
        raise _bad_info("metadata.beaconID 应为非空字符串", "metadata.beaconID must be a string")
    try:
        _public_key_point(key, spec.signature_on_g1)
    except ValueError:
        raise _bad_info(
            "public_key 不是该方案群上的有效点", "public_key is not a valid point of the group"
        ) from None
    expected = chain_hash_of(period, genesis, key, bytes.fromhex(group_hash), beacon_id)
    if expected != chain_hash:
        raise _bad_info(
            f"链哈希与其余字段不符（应为 {expected}）",
            f"the chain hash does not match the other fields (they give {expected})",
        )
    test_chain = beacon_id == TEST_CHAIN_BEACON_ID
    if test_chain:
        label = TEST_CHAIN_LABEL
    elif not label:
        label = "drand quicknet" if chain_hash == QUICKNET.hash else f"drand {beacon_id}"
    return ChainInfo(
        public_key=key.hex(),
        period=period,
        genesis_time=genesis,
        hash=chain_hash,
        scheme=scheme,
        beacon_id=beacon_id,
        label=label,
        test_chain=test_chain,
        group_hash=group_hash,
    )


def round_time(chain: ChainInfo, round_number: int) -> int:
    """Unix time at which the round is emitted: genesis + (round - 1) × period."""
    _positive_int(round_number, "round", _malformed, maximum=_MAX_ROUND)
    return chain.genesis_time + (round_number - 1) * chain.period


def first_round_at_or_after(chain: ChainInfo, unix_time: float) -> int:
    """The first round whose emission time is at or after ``unix_time`` (exact arithmetic)."""
    if isinstance(unix_time, bool) or not isinstance(unix_time, int | float | Fraction):
        raise TypeError("unix_time must be a number")
    if isinstance(unix_time, float) and not math.isfinite(unix_time):
        raise ValueError("unix_time must be finite")
    elapsed = Fraction(unix_time) - chain.genesis_time
    if elapsed <= 0:
        return 1
    return math.ceil(elapsed / chain.period) + 1


def round_message(round_number: int, previous_signature: bytes = b"") -> bytes:
    """The signed message: SHA-256(previous signature || round as 8 bytes big-endian)."""
    return hashlib.sha256(previous_signature + round_number.to_bytes(8, "big")).digest()


def randomness_of(signature: bytes) -> str:
    """A round's randomness: SHA-256 of its signature, hex."""
    return hashlib.sha256(signature).hexdigest()


@dataclass(frozen=True)
class VerifiedRound:
    """A round whose signature checked against the chain's key."""

    chain_hash: str
    round: int
    signature: str  # hex
    randomness: str  # hex, SHA-256 of the signature
    time: int  # unix seconds the round was emitted
    previous_signature: str = ""  # hex, chained schemes only

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain_hash": self.chain_hash,
            "round": self.round,
            "signature": self.signature,
            "randomness": self.randomness,
            "time": self.time,
            **({"previous_signature": self.previous_signature} if self.previous_signature else {}),
        }


@functools.lru_cache(maxsize=64)
def _public_key_point(key: bytes, signature_on_g1: bool):
    """The decompressed, subgroup-checked public key (blst refuses points off the group)."""
    return (pyblst.BlstP2Element if signature_on_g1 else pyblst.BlstP1Element)().uncompress(key)


@functools.lru_cache(maxsize=2)
def _generator(on_g1: bool):
    if on_g1:
        return pyblst.BlstP1Element().uncompress(_G1_GENERATOR)
    return pyblst.BlstP2Element().uncompress(_G2_GENERATOR)


@functools.lru_cache(maxsize=4096)
def _pairing_holds(scheme: str, key: bytes, message: bytes, signature: bytes) -> bool:
    """The BLS pairing equation for this scheme: a pure function of its arguments, so results
    are kept (a draw's round is checked at draw, again at verify, again in the public record).
    Raises ValueError when the signature is not a point of the group."""
    spec = SCHEMES[scheme]
    key_point = _public_key_point(key, spec.signature_on_g1)
    if spec.signature_on_g1:
        sig_point = pyblst.BlstP1Element().uncompress(signature)
        hashed = pyblst.BlstP1Element.hash_to_group(message, spec.dst)
        return pyblst.final_verify(
            pyblst.miller_loop(sig_point, _generator(False)),
            pyblst.miller_loop(hashed, key_point),
        )
    sig_point = pyblst.BlstP2Element().uncompress(signature)
    hashed = pyblst.BlstP2Element.hash_to_group(message, spec.dst)
    return pyblst.final_verify(
        pyblst.miller_loop(_generator(True), sig_point),
        pyblst.miller_loop(key_point, hashed),
    )


def _bad_signature(round_number: int, chain: ChainInfo) -> BeaconError:
    return BeaconError(
        "BAD_SIGNATURE",
        zh=f"第 {round_number} 轮的签名未通过 {chain.label or chain.hash} 公钥的验证",
        en=f"round {round_number}'s signature does not verify under {chain.label or chain.hash}'s key",
    )


def verify_round(chain: ChainInfo, beacon: Mapping[str, Any]) -> VerifiedRound:
    """Check a round (drand's ``/public/{round}`` JSON) against the chain; refuse with a code.

    ``beacon`` holds ``round`` and ``signature``; ``randomness``, if present, must be
    SHA-256(signature); ``previous_signature`` is required by the chained scheme (and ignored
    by the unchained ones, which do not sign it). An optional ``chain_hash`` (as our round files
    carry) must name this chain.
    """
    spec = SCHEMES.get(chain.scheme)
    if spec is None:
        raise _unsupported(chain.scheme)
    if not isinstance(beacon, Mapping):
        raise _malformed("信标轮次应为 JSON 对象", "the beacon round must be a JSON object")
    claimed_chain = beacon.get("chain_hash")
    if claimed_chain is not None and (
        not isinstance(claimed_chain, str) or claimed_chain.lower() != chain.hash
    ):
        raise BeaconError(
            "WRONG_CHAIN",
            zh=f"该轮次属于另一条链 {claimed_chain!r}，不是 {chain.label or chain.hash}",
            en=f"the round belongs to another chain {claimed_chain!r}, not {chain.label or chain.hash}",
        )
    round_number = _positive_int(beacon.get("round"), "round", _malformed, maximum=_MAX_ROUND)
    signature = _hex_bytes(beacon.get("signature"), "signature", spec.signature_bytes, _malformed)
    previous = b""
    if spec.chained:
        previous = _hex_bytes(
            beacon.get("previous_signature"), "previous_signature", None, _malformed
        )
    claimed_randomness = beacon.get("randomness")
    if claimed_randomness is not None:
        _hex_bytes(claimed_randomness, "randomness", 32, _malformed)
    try:  # the key first: a bad key is the chain's fault, not the round's
        _public_key_point(bytes.fromhex(chain.public_key), spec.signature_on_g1)
    except ValueError:
        raise _bad_info("链的公钥无效", "the chain's public key is invalid") from None
    try:
        ok = _pairing_holds(
            chain.scheme,
            bytes.fromhex(chain.public_key),
            round_message(round_number, previous),
            signature,
        )
    except ValueError:
        raise BeaconError(
            "BAD_SIGNATURE",
            zh=f"第 {round_number} 轮的签名不是曲线群上的有效点",
            en=f"round {round_number}'s signature is not a valid point of the group",
        ) from None
    if not ok:
        raise _bad_signature(round_number, chain)
    randomness = randomness_of(signature)
    if claimed_randomness is not None and claimed_randomness.lower() != randomness:
        raise BeaconError(
            "RANDOMNESS_MISMATCH",
            zh=f"第 {round_number} 轮的 randomness 不等于签名的 SHA-256",
            en=f"round {round_number}'s randomness is not the SHA-256 of its signature",
        )
    return VerifiedRound(
        chain_hash=chain.hash,
        round=round_number,
        signature=signature.hex(),
        randomness=randomness,
        time=round_time(chain, round_number),
        previous_signature=previous.hex(),
    )


class TestChain:
    """A locally generated quicknet-style chain for tests, rehearsals and the demo.

    Its rounds go through the same ``verify_round`` as quicknet's. Its beacon ID
    (``lianjian-test-chain``) is bound into its chain hash, so ``chain_from_info`` always marks
    it ``test_chain`` and labels it as not a public beacon.
    """

    __test__ = False  # not a pytest class

    def __init__(self, info: ChainInfo, secret: bytes) -> None:
        self.info = info
        self.secret = secret
        self._scalar = _scalar_from_secret(secret)

    @classmethod
    def generate(cls, genesis_time: int, period: int = 3, secret: bytes | None = None) -> TestChain:
        """A chain with a key derived from ``secret`` (random if None): same secret, same chain."""
        _positive_int(genesis_time, "genesis_time", _bad_info)
        _positive_int(period, "period", _bad_info, maximum=2**32 - 1)
        if secret is None:
            secret = _secrets.token_bytes(32)
        if not isinstance(secret, bytes) or len(secret) < 16:
            raise ValueError("a test chain's secret must be at least 16 bytes")
        scalar = _scalar_from_secret(secret)
        key = _generator(False).scalar_mul(scalar).compress()
        group_hash = hashlib.sha256(b"lianjian test chain group\x00" + key).digest()
        info = ChainInfo(
            public_key=key.hex(),
            period=period,
            genesis_time=genesis_time,
            hash=chain_hash_of(period, genesis_time, key, group_hash, TEST_CHAIN_BEACON_ID),
            scheme=QUICKNET_SCHEME,
            beacon_id=TEST_CHAIN_BEACON_ID,
            label=TEST_CHAIN_LABEL,
            test_chain=True,
            group_hash=group_hash.hex(),
        )
        return cls(info, secret)

    def sign(self, round_number: int) -> dict[str, Any]:
        """The round exactly as drand's ``/public/{round}`` would publish it."""
        _positive_int(round_number, "round", _malformed, maximum=_MAX_ROUND)
        hashed = pyblst.BlstP1Element.hash_to_group(round_message(round_number), DST_G1)
        signature = hashed.scalar_mul(self._scalar).compress()
        return {
            "round": round_number,
            "randomness": randomness_of(signature),
            "signature": signature.hex(),
        }


def _scalar_from_secret(secret: bytes) -> int:
    digest = hashlib.sha512(b"lianjian test chain key\x00" + secret).digest()
    return int.from_bytes(digest, "big") % (CURVE_ORDER - 1) + 1
