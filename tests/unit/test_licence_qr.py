"""The signed QR payload of the industry combined licence, and its signing keys."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import stat
import struct
import zlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from inspect_app.domain.credit_code import complete
from inspect_app.domain.licence_qr import (
    InvalidPayload,
    LicencePayload,
    PermitEntry,
    canonical_json,
    encode_payload,
    expired_permits,
    qr_png,
    utc_stamp,
    validity_status,
    verification_url,
    verify_payload,
)
from inspect_app.domain.signing_keys import (
    KeyExists,
    generate_key_pair,
    key_id,
    load_private_key,
    load_public_key_pem,
    load_public_keys,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "licence-qr.md"
SHANGHAI = timezone(timedelta(hours=8))
HOLDER_CODE = complete("91310113MA1GK" + "0123")
PERMITS = (
    ("CT-WLWH", "沪网文〔2021〕1234-056号", "2024-06-14"),  # 网络文化经营许可证
    ("FR-XFAJ", "沪宝消安检字〔2021〕第0123号", None),  # 消防安全检查, 长期有效
    ("MS-SPJY", "JY13101130123456", "2026-06-14"),  # 食品经营许可
    ("GR-HWZP", "宝绿容招〔2021〕0456号", "2026-06-14"),  # 户外招牌设置
)
# The published test vector (docs/licence-qr.md §6): a private key everyone knows.
VECTOR_SEED = bytes(range(1, 33))
QR_VERSION_LIMIT = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def licence(signing_key: Ed25519PrivateKey, **changes: object) -> LicencePayload:
    payload = LicencePayload(
        licence_number="BS-IC-2021-000123",
        holder_code=HOLDER_CODE,
        holder_name="上海宝山区星际网络科技有限公司",
        industry="IC",
        permits=PERMITS,
        valid_until="2026-06-14",
        issued_at=utc_stamp(datetime(2021, 6, 15, 10, 30, tzinfo=SHANGHAI)),
        key_id=key_id(signing_key.public_key()),
    )
    return dataclasses.replace(payload, **changes)


def b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def unb32(part: str) -> bytes:
    return base64.b32decode(part + "=" * (-len(part) % 8))


def signed_by_hand(body: bytes, signing_key: Ed25519PrivateKey) -> str:
    """Sign arbitrary bytes the documented way, to reach checks behind the signature."""
    text_body = b32(body)
    signature = signing_key.sign(f"LJ1.{text_body}".encode("ascii"))
    return f"LJ1.{text_body}.{b32(signature)}"


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    generate_key_pair(directory)
    return directory


@pytest.fixture
def signing_key(key_dir: Path) -> Ed25519PrivateKey:
    return load_private_key(key_dir)


@pytest.fixture
def public_pem(key_dir: Path) -> bytes:
    return load_public_key_pem(key_dir)


@pytest.fixture
def genuine_text(signing_key: Ed25519PrivateKey) -> str:
    return encode_payload(licence(signing_key), signing_key)


# --- signing keys ---------------------------------------------------------------------


def test_private_key_file_is_readable_by_its_owner_only(key_dir: Path) -> None:
    mode = stat.S_IMODE((key_dir / "licence-signing.key").stat().st_mode)
    assert mode == 0o600


def test_key_files_are_pkcs8_and_subject_public_key_info_pem(key_dir: Path) -> None:
    assert (key_dir / "licence-signing.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    assert (key_dir / "licence-signing.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY")


def test_existing_key_is_not_overwritten_without_force(key_dir: Path) -> None:
    before = (key_dir / "licence-signing.key").read_bytes()
    with pytest.raises(KeyExists):
        generate_key_pair(key_dir)
    assert (key_dir / "licence-signing.key").read_bytes() == before


def test_forced_rotation_replaces_the_key_and_keeps_the_old_public_key(key_dir: Path) -> None:
    old_id = key_id(load_public_key_pem(key_dir))
    rotated = generate_key_pair(key_dir, force=True)
    assert rotated.key_id != old_id
    assert key_id(load_private_key(key_dir).public_key()) == rotated.key_id
    assert set(load_public_keys(key_dir)) == {old_id, rotated.key_id}
    assert stat.S_IMODE(rotated.private_key_path.stat().st_mode) == 0o600


def test_licence_signed_before_rotation_still_verifies_with_the_key_ring(
    key_dir: Path, genuine_text: str
) -> None:
    generate_key_pair(key_dir, force=True)
    assert verify_payload(genuine_text, load_public_keys(key_dir)).status == "genuine"
    assert verify_payload(genuine_text, load_public_key_pem(key_dir)).status == "tampered"


def test_key_id_is_sha256_of_the_raw_public_key_cut_to_16_hex(public_pem: bytes) -> None:
    loaded = serialization.load_pem_public_key(public_pem)
    raw = loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id(public_pem) == hashlib.sha256(raw).hexdigest()[:16]
    assert key_id(loaded) == key_id(public_pem)


# --- encoding -------------------------------------------------------------------------


def test_round_trip_is_genuine_and_gives_back_the_licence(
    signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    payload = licence(signing_key)
    result = verify_payload(encode_payload(payload, signing_key), public_pem)
    assert result.status == "genuine"
    assert result.payload == payload
    assert result.reason is None


def test_reference_implementation_reproduces_the_published_test_vector() -> None:
    vector_key = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED)
    payload = licence(vector_key)
    doc = DOC.read_text(encoding="utf-8")
    assert f"\n{canonical_json(payload).decode('utf-8')}\n" in doc
    assert f"\n{encode_payload(payload, vector_key)}\n" in doc


def test_same_licence_gives_the_same_text_whatever_the_permit_order(
    signing_key: Ed25519PrivateKey,
) -> None:
    shuffled = licence(signing_key, permits=tuple(reversed(PERMITS)))
    assert encode_payload(shuffled, signing_key) == encode_payload(
        licence(signing_key), signing_key
    )


def test_text_uses_only_qr_alphanumeric_characters(genuine_text: str) -> None:
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", genuine_text)


def test_licence_with_four_permits_fits_qr_version_20_at_level_m(genuine_text: str) -> None:
    symbol = segno.make(genuine_text, error="m", boost_error=False, micro=False)
    assert symbol.version <= QR_VERSION_LIMIT


def test_invalid_credit_code_is_never_signed(signing_key: Ed25519PrivateKey) -> None:
    wrong_check = HOLDER_CODE[:17] + ("0" if HOLDER_CODE[17] != "0" else "1")
    with pytest.raises(InvalidPayload):
        encode_payload(licence(signing_key, holder_code=wrong_check), signing_key)


def test_payload_naming_another_key_is_never_signed(signing_key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(InvalidPayload):
        encode_payload(licence(other), signing_key)


def test_issued_at_is_written_in_utc_with_z() -> None:
    assert utc_stamp(datetime(2021, 6, 15, 8, 5, 9, tzinfo=SHANGHAI)) == "2021-06-15T00:05:09Z"


# --- tampering ------------------------------------------------------------------------


def test_flipped_byte_in_the_payload_part_is_tampered(genuine_text: str, public_pem: bytes) -> None:
    tag, body, signature = genuine_text.split(".")
    data = bytearray(unb32(body))
    index = data.index(b"000123")  # the licence number's serial
    data[index + 5] ^= 0x01  # '3' -> '2': still valid JSON, another licence
    result = verify_payload(f"{tag}.{b32(bytes(data))}.{signature}", public_pem)
    assert result.status == "tampered"
    assert result.reason is not None and result.reason.code == "bad_signature"


def test_changed_field_reencoded_without_resigning_is_tampered(
    signing_key: Ed25519PrivateKey, genuine_text: str, public_pem: bytes
) -> None:
    tag, _, signature = genuine_text.split(".")
    forged = licence(signing_key, valid_until="2099-12-31")
    result = verify_payload(f"{tag}.{b32(canonical_json(forged))}.{signature}", public_pem)
    assert result.status == "tampered"
    assert result.payload == forged  # what the forgery claims, for the record


def test_signature_by_another_key_is_tampered(public_pem: bytes) -> None:
    impostor = Ed25519PrivateKey.generate()
    result = verify_payload(encode_payload(licence(impostor), impostor), public_pem)
    assert result.status == "tampered"
    assert result.reason is not None and result.reason.code == "unknown_key"
    assert result.reason.zh and result.reason.en


def test_payload_claiming_our_key_but_signed_by_another_is_tampered(
    signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    impostor = Ed25519PrivateKey.generate()
    text = signed_by_hand(canonical_json(licence(signing_key)), impostor)
    assert verify_payload(text, public_pem).status == "tampered"


def test_any_single_character_change_is_never_genuine(genuine_text: str, public_pem: bytes) -> None:
    @settings(max_examples=200, deadline=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(genuine_text) - 1))
        replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567.Lj1"))
        changed = genuine_text[:index] + replacement + genuine_text[index + 1 :]
        if changed != genuine_text:
            assert verify_payload(changed, public_pem).status in {"tampered", "malformed"}

    check()


def _respelled_signature(text: str) -> str:
    """Same signature bytes, other last character: base32 leaves 3 bits of it unused."""
    last = text[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    respelled = alphabet[alphabet.index(last) ^ 0b001]
    assert unb32(text.split(".")[2][:-1] + respelled) == unb32(text.split(".")[2])
    return text[:-1] + respelled


def test_other_spelling_of_the_same_signature_is_malformed(
    genuine_text: str, public_pem: bytes
) -> None:
    result = verify_payload(_respelled_signature(genuine_text), public_pem)
    assert result.status == "malformed"


# --- garbage --------------------------------------------------------------------------

GARBAGE = [
    "",
    "hello",
    "LJ1",
    "LJ1..",
    "LJ1.AAAA",
    "LJ1.AAAA.AAAA.AAAA",
    "LJ1.mzxw6ytb.mzxw6ytb",  # lower case
    "LJ1.A.AAAAAAAA",  # impossible base32 length
    "LJ1.MZXW6YTB.MZXW6YTB",  # signature too short
    "LJ1.MZ XW6YTB.MZXW6YTB",
    "行业综合许可证 BS-IC-2021-000123",
    "https://example.gov.cn/licence/BS-IC-2021-000123",
    "LJ1." + "A" * 1_000_000 + ".A",
    "\x00\ud800\uffff",
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_malformed(text: str, public_pem: bytes) -> None:
    result = verify_payload(text, public_pem)
    assert result.status == "malformed"
    assert result.payload is None
    assert result.reason is not None and result.reason.zh and result.reason.en


@pytest.mark.parametrize("value", [None, b"LJ1.AAAA.AAAA", 123])
def test_non_text_is_malformed(value: object, public_pem: bytes) -> None:
    assert verify_payload(value, public_pem).status == "malformed"


def test_other_format_version_is_malformed(genuine_text: str, public_pem: bytes) -> None:
    result = verify_payload("LJ2" + genuine_text[3:], public_pem)
    assert result.status == "malformed"
    assert result.reason is not None and result.reason.code == "unsupported_version"


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe not utf-8",
        b"not json",
        b"[" * 2000,  # deeper than the interpreter's recursion limit
        b'{"v":"LJ1"}',
        b"[]",
        b'{"c":NaN}',
    ],
)
def test_signed_content_that_is_not_a_licence_is_malformed(
    body: bytes, signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    assert verify_payload(signed_by_hand(body, signing_key), public_pem).status == "malformed"


def test_signed_content_of_another_version_is_malformed(
    signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    document = json.loads(canonical_json(licence(signing_key)))
    document["v"] = "LJ2"
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    assert verify_payload(signed_by_hand(body, signing_key), public_pem).status == "malformed"


def test_signed_content_with_a_duplicate_key_is_malformed(
    signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    body = canonical_json(licence(signing_key))
    body = body[:-1] + b',"u":"2099-12-31"}'  # a second valid_until, read differently by parsers
    assert verify_payload(signed_by_hand(body, signing_key), public_pem).status == "malformed"


def test_payload_whose_key_id_is_not_the_signer_is_malformed(
    signing_key: Ed25519PrivateKey, public_pem: bytes
) -> None:
    other_id = key_id(Ed25519PrivateKey.generate().public_key())
    body = canonical_json(licence(signing_key, key_id=other_id))
    result = verify_payload(signed_by_hand(body, signing_key), public_pem)
    assert result.status == "malformed"
    assert result.reason is not None and result.reason.code == "key_id_mismatch"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=2000))
def test_arbitrary_text_never_raises_and_is_never_genuine(text: str) -> None:
    public_pem = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED).public_key()
    assert verify_payload(text, public_pem).status in {"tampered", "malformed"}


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(r"\ALJ1\.[A-Z2-7]{0,200}\.[A-Z2-7]{0,120}\Z"))
def test_arbitrary_base32_shaped_text_never_raises_and_is_never_genuine(text: str) -> None:
    public_pem = Ed25519PrivateKey.from_private_bytes(VECTOR_SEED).public_key()
    assert verify_payload(text, public_pem).status in {"tampered", "malformed"}


# --- third party, offline -------------------------------------------------------------


def test_third_party_verifies_offline_with_only_the_public_key_pem(
    genuine_text: str, public_pem: bytes
) -> None:
    # Written from docs/licence-qr.md alone: stdlib + cryptography, none of our code.
    tag, body, signature = genuine_text.split(".")
    assert tag == "LJ1"
    public_key = serialization.load_pem_public_key(public_pem)
    public_key.verify(unb32(signature), f"{tag}.{body}".encode("ascii"))
    claims = json.loads(unb32(body).decode("utf-8"))
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert claims["k"] == hashlib.sha256(raw).hexdigest()[:16]
    assert claims["n"] == "BS-IC-2021-000123"
    assert claims["h"] == "上海宝山区星际网络科技有限公司"
    assert ["CT-WLWH", "沪网文〔2021〕1234-056号", "2024-06-14"] in claims["p"]


def _documented_reader():
    """The Python snippet of docs/licence-qr.md, run exactly as published."""
    snippet = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert snippet is not None
    namespace: dict[str, object] = {}
    exec(snippet.group(1), namespace)
    return namespace["read_licence_qr"]


def test_documented_snippet_reads_a_genuine_licence(genuine_text: str, public_pem: bytes) -> None:
    claims = _documented_reader()(genuine_text, public_pem)
    assert (claims["n"], claims["c"], claims["u"]) == (
        "BS-IC-2021-000123",
        HOLDER_CODE,
        "2026-06-14",
    )


def test_documented_snippet_rejects_a_forged_licence(
    signing_key: Ed25519PrivateKey, genuine_text: str, public_pem: bytes
) -> None:
    tag, _, signature = genuine_text.split(".")
    forged = licence(signing_key, holder_name="上海宝山区某某网吧")
    with pytest.raises(InvalidSignature):
        _documented_reader()(f"{tag}.{b32(canonical_json(forged))}.{signature}", public_pem)


def test_documented_snippet_rejects_another_spelling_of_the_signature(
    genuine_text: str, public_pem: bytes
) -> None:
    with pytest.raises(ValueError):
        _documented_reader()(_respelled_signature(genuine_text), public_pem)


# --- validity -------------------------------------------------------------------------


def test_licence_is_current_through_its_last_day_and_expired_the_day_after(
    signing_key: Ed25519PrivateKey,
) -> None:
    payload = licence(signing_key)
    assert validity_status(payload, date(2026, 6, 14)) == "current"
    assert validity_status(payload, date(2026, 6, 15)) == "expired"


def test_expired_permits_lists_only_permits_past_their_own_term(
    signing_key: Ed25519PrivateKey,
) -> None:
    expired = expired_permits(licence(signing_key), date(2025, 1, 1))
    assert expired == (PermitEntry("CT-WLWH", "沪网文〔2021〕1234-056号", "2024-06-14"),)


def test_permit_without_expiry_never_expires(signing_key: Ed25519PrivateKey) -> None:
    codes = {p.permit_code for p in expired_permits(licence(signing_key), date(2099, 1, 1))}
    assert "FR-XFAJ" not in codes


# --- PNG ------------------------------------------------------------------------------


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def test_qr_png_is_a_valid_png_of_the_symbol(genuine_text: str) -> None:
    png = qr_png(genuine_text, scale=4)
    assert png.startswith(PNG_SIGNATURE)
    chunks = _png_chunks(png)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    expected = segno.make(genuine_text, error="m", micro=False).symbol_size(scale=4)
    assert (width, height) == expected
    pixels = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    samples = {0: 1, 3: 1}[colour]  # greyscale or palette: one sample per pixel
    row_bytes = (width * samples * depth + 7) // 8
    assert interlace == 0
    assert len(pixels) == height * (1 + row_bytes)  # one filter byte per row


def test_the_link_a_printed_code_holds_verifies_offline_like_the_bare_text(
    genuine_text: str, public_pem: bytes
) -> None:
    link = verification_url(genuine_text, "https://www.shbsq.gov.cn/lianjian/")
    assert link == f"https://www.shbsq.gov.cn/lianjian/licences/verify?payload={genuine_text}"
    assert verify_payload(link, public_pem).status == "genuine"
    assert verify_payload(genuine_text, public_pem).status == "genuine"


def test_a_link_without_exactly_one_payload_is_malformed(
    genuine_text: str, public_pem: bytes
) -> None:
    base = "http://localhost:8000/licences/verify"
    for link in (base, f"{base}?payload={genuine_text}&payload={genuine_text}", f"{base}?x=1"):
        assert verify_payload(link, public_pem).status == "malformed", link


def test_documented_snippet_reads_the_link_too(genuine_text: str, public_pem: bytes) -> None:
    claims = _documented_reader()(
        verification_url(genuine_text, "http://localhost:8000"), public_pem
    )
    assert claims["n"] == "BS-IC-2021-000123"
