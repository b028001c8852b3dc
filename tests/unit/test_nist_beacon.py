"""scheduler/nist_beacon.py: a NIST Randomness Beacon 2.0 pulse checked against its certificate.

The real pulse (chain 2, pulse 1921300, 2026-08-31T19:04Z) and the beacon's signing certificate
(engine.beacon.nist.gov, DER SHA-512 528943a5…) are as NIST published them
(tests/unit/beacon_data/; docs/beacons.md names the source).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import struct
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from scheduler.beacon import BeaconError
from scheduler.nist_beacon import certificate_from_pem, verify_pulse

DATA = Path(__file__).with_name("beacon_data")
PEM = (DATA / "nist-certificate-528943a5.pem").read_bytes()
PULSE = json.loads((DATA / "nist-pulse-2-1921300.json").read_text(encoding="utf-8"))["pulse"]
NIST = certificate_from_pem(PEM)


def refused(pulse, certificate=NIST) -> str:
    with pytest.raises(BeaconError) as caught:
        verify_pulse(certificate, pulse)
    assert caught.value.zh and caught.value.en
    return caught.value.code


def changed(**fields):
    pulse = copy.deepcopy(PULSE)
    pulse.update(fields)
    return pulse


def test_the_pinned_certificate_is_the_one_the_pulse_names():
    assert NIST.certificate_id == PULSE["certificateId"]
    assert "engine.beacon.nist.gov" in NIST.subject


def test_a_real_pulse_verifies():
    verified = verify_pulse(NIST, {"pulse": PULSE})
    assert (verified.chain_index, verified.pulse_index) == (2, 1921300)
    assert verified.output_value == PULSE["outputValue"].lower()
    assert verified.time == int(
        datetime.datetime(2026, 8, 31, 19, 4, tzinfo=datetime.UTC).timestamp()
    )
    assert verify_pulse(NIST, PULSE) == verified  # with or without the API's wrapper


@pytest.mark.parametrize(
    "field", ["localRandomValue", "precommitmentValue", "certificateId", "signatureValue"]
)
def test_one_changed_byte_is_refused(field):
    value = bytearray(bytes.fromhex(PULSE[field]))
    value[7] ^= 0x01
    code = refused(changed(**{field: value.hex().upper()}))
    assert code == ("WRONG_CHAIN" if field == "certificateId" else "BAD_SIGNATURE")


def test_another_pulse_index_is_refused():
    pulse = changed(
        pulseIndex=1921301, uri="https://beacon.nist.gov/beacon/2.0/chain/2/pulse/1921301"
    )
    assert refused(pulse) == "BAD_SIGNATURE"


def test_an_output_value_that_is_not_the_hash_is_refused():
    assert refused(changed(outputValue="00" * 64)) == "RANDOMNESS_MISMATCH"


@pytest.mark.parametrize(
    "pulse",
    [
        None,
        [],
        changed(pulseIndex="1921300"),
        changed(pulseIndex=True),
        changed(uri="https://beacon.nist.gov/beacon/2.0/chain/2/pulse/1"),
        changed(timeStamp="31 August 2026"),
        changed(localRandomValue="ABCD"),
        changed(signatureValue="not hex"),
        changed(listValues=PULSE["listValues"][:4]),
        changed(external="none"),
    ],
    ids=lambda value: json.dumps(value)[:30],
)
def test_malformed_pulses_are_refused(pulse):
    assert refused(pulse) == "MALFORMED"


def test_another_version_or_cipher_suite_is_unsupported():
    assert refused(changed(cipherSuite=1)) == "UNSUPPORTED_SCHEME"
    assert refused(changed(version="1.0")) == "UNSUPPORTED_SCHEME"


def _own_certificate(days: int = 60):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "本地测试 NIST 信标")])
    start = datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, certificate_from_pem(certificate.public_bytes(serialization.Encoding.PEM))


def _signed_by(key, certificate, **fields):
    pulse = changed(certificateId=certificate.certificate_id, **fields)

    def field(raw: bytes) -> bytes:
        return struct.pack(">I", len(raw)) + raw

    links = {item["type"]: bytes.fromhex(item["value"]) for item in pulse["listValues"]}
    message = b"".join(
        [
            field(pulse["uri"].encode()),
            field(pulse["version"].encode()),
            struct.pack(">II", pulse["cipherSuite"], pulse["period"]),
            field(bytes.fromhex(pulse["certificateId"])),
            struct.pack(">QQ", pulse["chainIndex"], pulse["pulseIndex"]),
            field(pulse["timeStamp"].encode()),
            field(bytes.fromhex(pulse["localRandomValue"])),
            field(bytes.fromhex(pulse["external"]["sourceId"])),
            struct.pack(">I", pulse["external"]["statusCode"]),
            field(bytes.fromhex(pulse["external"]["value"])),
            *(field(links[kind]) for kind in ("previous", "hour", "day", "month", "year")),
            field(bytes.fromhex(pulse["precommitmentValue"])),
            struct.pack(">I", pulse["statusCode"]),
        ]
    )
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA512())
    pulse["signatureValue"] = signature.hex().upper()
    pulse["outputValue"] = hashlib.sha512(message + signature).hexdigest().upper()
    return pulse


def test_a_pulse_signed_with_another_key_verifies_only_under_that_certificate():
    key, own = _own_certificate()
    pulse = _signed_by(key, own)
    assert verify_pulse(own, pulse).pulse_index == 1921300
    assert refused(pulse) == "WRONG_CHAIN"  # names another certificate than NIST's
    other_key, _ = _own_certificate()
    forged = _signed_by(other_key, own)  # claims `own`, signed by someone else
    assert refused(forged, own) == "BAD_SIGNATURE"


def test_a_pulse_outside_the_certificates_validity_is_refused():
    key, own = _own_certificate(days=10)  # 2026-08-01 to 2026-08-11; the pulse is 08-31
    assert refused(_signed_by(key, own), own) == "BAD_SIGNATURE"


def test_certificates_that_are_not_rsa_or_not_pem_are_refused():
    with pytest.raises(BeaconError) as caught:
        certificate_from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    assert caught.value.code == "BAD_CHAIN_INFO"
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    now = datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC)
    ec_certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with pytest.raises(BeaconError) as caught:
        certificate_from_pem(ec_certificate.public_bytes(serialization.Encoding.PEM))
    assert caught.value.code == "BAD_CHAIN_INFO"
