"""NIST Randomness Beacon 2.0 pulses, checked offline against a pinned signing certificate.

A pulse (``https://beacon.nist.gov/beacon/2.0/chain/C/pulse/P``) carries 512 bits
(``outputValue``) a minute. Cipher suite 0: the beacon signs the pulse's fields, serialised as
below, with RSA PKCS #1 v1.5 over SHA-512, and ``outputValue`` = SHA-512(fields || signature).
``certificateId`` is SHA-512 of the signing certificate's DER bytes, so a pulse names the
certificate it must verify under (docs/beacons.md, "NIST beacon").

Serialisation of the signed fields (all big-endian): each string and each hex value as a 4-byte
length then its bytes (strings in UTF-8, hex values decoded); cipherSuite, period and the status
codes as 4-byte unsigned; chainIndex and pulseIndex as 8-byte unsigned. Order: uri, version,
cipherSuite, period, certificateId, chainIndex, pulseIndex, timeStamp, localRandomValue,
external.sourceId, external.statusCode, external.value, the five listValues (previous, hour, day,
month, year), precommitmentValue, statusCode.

Pure: no I/O; the RSA arithmetic is ``cryptography``'s. Refusals are ``BeaconError`` with the
same codes as drand rounds (scheduler/beacon.py).
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from scheduler.beacon import BeaconError

__all__ = ["NistCertificate", "VerifiedPulse", "certificate_from_pem", "verify_pulse"]

LIST_TYPES = ("previous", "hour", "day", "month", "year")
SUPPORTED_CIPHER_SUITE = 0  # SHA-512, RSA PKCS #1 v1.5
_HEX = re.compile(r"[0-9a-fA-F]+")
_URI = re.compile(r"https://beacon\.nist\.gov/beacon/2\.0/chain/(\d+)/pulse/(\d+)")


def _malformed(zh: str, en: str) -> BeaconError:
    return BeaconError("MALFORMED", zh=zh, en=en)


@dataclass(frozen=True)
class NistCertificate:
    """A pinned NIST beacon signing certificate."""

    certificate_id: str  # SHA-512 of the DER bytes, hex (lowercase)
    pem: str
    subject: str
    not_before: int  # unix seconds
    not_after: int
    label: str = "NIST Randomness Beacon 2.0"


def certificate_from_pem(pem: bytes | str, *, label: str = "") -> NistCertificate:
    """Read a PEM certificate with an RSA key; refuse anything else (BAD_CHAIN_INFO)."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise BeaconError(
            "BAD_CHAIN_INFO", zh="不是有效的 PEM 证书", en="not a valid PEM certificate"
        ) from None
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise BeaconError(
            "BAD_CHAIN_INFO", zh="证书的公钥不是 RSA", en="the certificate's key is not RSA"
        )
    der = certificate.public_bytes(serialization.Encoding.DER)
    return NistCertificate(
        certificate_id=hashlib.sha512(der).hexdigest(),
        pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        subject=certificate.subject.rfc4514_string(),
        not_before=int(certificate.not_valid_before_utc.timestamp()),
        not_after=int(certificate.not_valid_after_utc.timestamp()),
        label=label or "NIST Randomness Beacon 2.0",
    )


@dataclass(frozen=True)
class VerifiedPulse:
    """A pulse whose signature and output value checked against the pinned certificate."""

    chain_index: int
    pulse_index: int
    uri: str
    time: int  # unix seconds of timeStamp
    output_value: str  # hex (lowercase), 512 bits
    certificate_id: str
    status_code: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain_index": self.chain_index,
            "pulse_index": self.pulse_index,
            "uri": self.uri,
            "time": self.time,
            "output_value": self.output_value,
            "certificate_id": self.certificate_id,
            "status_code": self.status_code,
        }


def _string(pulse: Mapping[str, Any], name: str) -> str:
    value = pulse.get(name)
    if not isinstance(value, str) or not value:
        raise _malformed(f"{name} 应为非空字符串", f"{name} must be a non-empty string")
    return value


def _uint(pulse: Mapping[str, Any], name: str, bits: int) -> int:
    value = pulse.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise _malformed(f"{name} 应为非负整数", f"{name} must be a non-negative integer")
    return value


def _hex(value: Any, name: str, length: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * length or not _HEX.fullmatch(value):
        raise _malformed(
            f"{name} 应为 {length} 字节的十六进制", f"{name} must be {length} bytes of hex"
        )
    return bytes.fromhex(value)


def _field(raw: bytes) -> bytes:
    return struct.pack(">I", len(raw)) + raw


def _time(value: str) -> int:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _malformed(
            "timeStamp 不是 ISO 8601 时间", "timeStamp is not an ISO 8601 time"
        ) from None
    if parsed.tzinfo is None:
        raise _malformed("timeStamp 缺少时区", "timeStamp has no time zone")
    return int(parsed.astimezone(UTC).timestamp())


def verify_pulse(certificate: NistCertificate, pulse: Mapping[str, Any]) -> VerifiedPulse:
    """Check a pulse (the API's JSON, with or without its ``{"pulse": ...}`` wrapper)."""
    if isinstance(pulse, Mapping) and set(pulse) == {"pulse"}:
        pulse = pulse["pulse"]
    if not isinstance(pulse, Mapping):
        raise _malformed("脉冲应为 JSON 对象", "the pulse must be a JSON object")
    uri = _string(pulse, "uri")
    version = _string(pulse, "version")
    suite = _uint(pulse, "cipherSuite", 32)
    if suite != SUPPORTED_CIPHER_SUITE or version != "2.0":
        raise BeaconError(
            "UNSUPPORTED_SCHEME",
            zh=f"不支持的 NIST 信标版本 {version!r} 或密码套件 {suite}（支持 2.0 / 0）",
            en=f"unsupported NIST beacon version {version!r} or cipher suite {suite} (2.0 / 0)",
        )
    period = _uint(pulse, "period", 32)
    certificate_id = _hex(pulse.get("certificateId"), "certificateId", 64)
    chain_index = _uint(pulse, "chainIndex", 64)
    pulse_index = _uint(pulse, "pulseIndex", 64)
    matched = _URI.fullmatch(uri)
    if not matched or (int(matched[1]), int(matched[2])) != (chain_index, pulse_index):
        raise _malformed(
            "uri 与 chainIndex/pulseIndex 不符", "uri does not match chainIndex/pulseIndex"
        )
    stamp = _string(pulse, "timeStamp")
    seconds = _time(stamp)
    local = _hex(pulse.get("localRandomValue"), "localRandomValue", 64)
    external = pulse.get("external")
    if not isinstance(external, Mapping):
        raise _malformed("external 应为 JSON 对象", "external must be a JSON object")
    source = _hex(external.get("sourceId"), "external.sourceId", 64)
    external_status = _uint(external, "statusCode", 32)
    external_value = _hex(external.get("value"), "external.value", 64)
    listed = pulse.get("listValues")
    if not isinstance(listed, list) or not all(isinstance(item, Mapping) for item in listed):
        raise _malformed("listValues 应为数组", "listValues must be an array")
    by_type = {item.get("type"): item.get("value") for item in listed}
    if len(listed) != len(LIST_TYPES) or set(by_type) != set(LIST_TYPES):
        raise _malformed(
            "listValues 应为 previous/hour/day/month/year 各一",
            "listValues must hold previous, hour, day, month and year once each",
        )
    links = [_hex(by_type[kind], f"listValues.{kind}", 64) for kind in LIST_TYPES]
    precommitment = _hex(pulse.get("precommitmentValue"), "precommitmentValue", 64)
    status = _uint(pulse, "statusCode", 32)
    signature = pulse.get("signatureValue")
    if (
        not isinstance(signature, str)
        or not signature
        or len(signature) % 2
        or not _HEX.fullmatch(signature)
    ):
        raise _malformed("signatureValue 不是十六进制", "signatureValue is not hex")
    signature_bytes = bytes.fromhex(signature)
    output = _hex(pulse.get("outputValue"), "outputValue", 64)

    if certificate_id.hex() != certificate.certificate_id:
        raise BeaconError(
            "WRONG_CHAIN",
            zh="该脉冲由另一张证书签名，不是固定的 NIST 证书",
            en="the pulse names another signing certificate than the pinned one",
        )
    if not certificate.not_before <= seconds <= certificate.not_after:
        raise BeaconError(
            "BAD_SIGNATURE",
            zh="脉冲时间不在签名证书的有效期内",
            en="the pulse's time is outside the signing certificate's validity",
        )
    message = b"".join(
        [
            _field(uri.encode("utf-8")),
            _field(version.encode("utf-8")),
            struct.pack(">II", suite, period),
            _field(certificate_id),
            struct.pack(">QQ", chain_index, pulse_index),
            _field(stamp.encode("utf-8")),
            _field(local),
            _field(source),
            struct.pack(">I", external_status),
            _field(external_value),
            *(_field(link) for link in links),
            _field(precommitment),
            struct.pack(">I", status),
        ]
    )
    key = _public_key(certificate.pem)
    try:
        key.verify(signature_bytes, message, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature:
        raise BeaconError(
            "BAD_SIGNATURE",
            zh=f"第 {pulse_index} 个脉冲的签名未通过 NIST 证书的验证",
            en=f"pulse {pulse_index}'s signature does not verify under the NIST certificate",
        ) from None
    if hashlib.sha512(message + signature_bytes).digest() != output:
        raise BeaconError(
            "RANDOMNESS_MISMATCH",
            zh=f"第 {pulse_index} 个脉冲的 outputValue 不等于 SHA-512(字段 || 签名)",
            en=f"pulse {pulse_index}'s outputValue is not SHA-512(fields || signature)",
        )
    return VerifiedPulse(
        chain_index=chain_index,
        pulse_index=pulse_index,
        uri=uri,
        time=seconds,
        output_value=output.hex(),
        certificate_id=certificate.certificate_id,
        status_code=status,
    )


def _public_key(pem: str) -> rsa.RSAPublicKey:
    key = x509.load_pem_x509_certificate(pem.encode("ascii")).public_key()
    assert isinstance(key, rsa.RSAPublicKey)  # certificate_from_pem refused anything else
    return key
