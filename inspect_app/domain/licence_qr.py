"""The signed QR payload of the industry combined licence (行业综合许可证二维码).

The QR content is what has legal force (docs/domain.md, "The reform"), so it is signed with Ed25519 and can be
checked offline with the published public key alone. The format is specified byte for byte
in docs/licence-qr.md; this module is its reference implementation.

Text layout: ``LJ1.<base32 payload>.<base32 signature>`` (RFC 4648 base32, no padding). Base32
uses only QR "alphanumeric" characters, which pack 5.5 bits per character instead of the 8 of
byte mode: a licence with four permits fits a version 18 symbol at level M where base64url
would need version 20.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from inspect_app.domain import credit_code
from inspect_app.domain.signing_keys import PublicKeyLike, key_id, public_keys

VERSION = "LJ1"
SEPARATOR = "."
SIGNATURE_BYTES = 64  # Ed25519
# No QR symbol holds more (version 40, level L, alphanumeric): longer text is not ours.
MAX_TEXT_CHARS = 4296
# The printed code is a link to the portal's verification page carrying the signed text (so a
# phone's camera opens the answer); the text inside stays checkable offline (docs/licence-qr.md §1).
VERIFY_PATH = "/licences/verify"
PAYLOAD_PARAMETER = "payload"
# A scan may be the link: the signed text plus a base URL of reasonable length.
MAX_SCAN_CHARS = MAX_TEXT_CHARS + 512
QR_ERROR_LEVEL = "m"
QR_SCALE = 4

# Field name -> JSON key: one letter each, because every byte costs QR modules.
JSON_KEYS = {
    "holder_code": "c",
    "holder_name": "h",
    "industry": "i",
    "key_id": "k",
    "licence_number": "n",
    "permits": "p",
    "issued_at": "t",
    "valid_until": "u",
    "version": "v",
}
_FIELDS = {key: field for field, key in JSON_KEYS.items()}

_BASE32 = re.compile(r"[A-Z2-7]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_INDUSTRY = re.compile(r"[A-Z]{2}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
# Control, format (zero-width, bidi override) and surrogate characters: they would let two
# licences look alike on screen or break UTF-8, so no field may contain them.
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\ufeff\ud800-\udfff]"
)

Status = Literal["genuine", "tampered", "malformed"]


class InvalidPayload(ValueError):
    """A payload that must not be signed: a field breaks the format."""


class PermitEntry(NamedTuple):
    """One permit the licence integrates; valid_until None means 长期有效 (no expiry)."""

    permit_code: str
    permit_number: str
    valid_until: str | None


@dataclass(frozen=True)
class LicencePayload:
    """What the QR code asserts. Dates are ISO strings so the bytes signed are obvious.

    Permits are kept sorted by (code, number): the same licence always gives the same bytes.
    """

    licence_number: str
    holder_code: str
    holder_name: str
    industry: str
    permits: tuple[PermitEntry, ...]
    valid_until: str
    issued_at: str
    key_id: str
    version: str = VERSION

    def __post_init__(self) -> None:
        entries = sorted((PermitEntry(*permit) for permit in self.permits), key=_permit_order)
        object.__setattr__(self, "permits", tuple(entries))


@dataclass(frozen=True)
class Reason:
    """Why a payload is not genuine, with a stable code for the service layer."""

    code: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one QR text.

    `payload` is present whenever the content parses, even when tampered (to show what a
    forgery claims): trust it only when `status == "genuine"`.
    """

    status: Status
    payload: LicencePayload | None = None
    reason: Reason | None = None

    @property
    def is_genuine(self) -> bool:
        return self.status == "genuine"


def utc_stamp(moment: datetime) -> str:
    """`issued_at` text for a tz-aware moment: UTC, whole seconds, Z suffix."""
    if moment.tzinfo is None:
        raise ValueError("issued_at needs a timezone-aware datetime")
    return moment.astimezone(UTC).strftime(_UTC_FORMAT)


def canonical_json(payload: LicencePayload) -> bytes:
    """The exact bytes that are base32-encoded and signed (docs/licence-qr.md)."""
    document = {key: getattr(payload, field) for field, key in JSON_KEYS.items()}
    document[JSON_KEYS["permits"]] = [list(permit) for permit in payload.permits]
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def encode_payload(payload: LicencePayload, private_key: Ed25519PrivateKey) -> str:
    """Sign a licence payload and return the text to put in its QR code.

    Raises InvalidPayload if a field breaks the format or the payload names another key.
    """
    problem = payload_problem(payload)
    if problem:
        raise InvalidPayload(problem)
    signer = key_id(private_key.public_key())
    if payload.key_id != signer:
        raise InvalidPayload(f"payload names key {payload.key_id} but is signed by {signer}")
    body = _b32encode(canonical_json(payload))
    signature = private_key.sign(_signing_input(body))
    return SEPARATOR.join((VERSION, body, _b32encode(signature)))


def verification_url(text: str, base_url: str) -> str:
    """The link a printed licence's QR code holds: the portal's verification page with the text."""
    query = quote(text, safe="")
    return f"{base_url.rstrip('/')}{VERIFY_PATH}?{PAYLOAD_PARAMETER}={query}"


def scanned_text(scan: object) -> object:
    """The signed text inside a scan: the link's `payload` parameter, or the scan itself when it
    is the bare text (codes printed before the link, or typed in)."""
    if not isinstance(scan, str) or "://" not in scan[:16] or len(scan) > MAX_SCAN_CHARS:
        return scan
    values = parse_qs(urlsplit(scan.strip()).query).get(PAYLOAD_PARAMETER, [])
    return values[0] if len(values) == 1 else scan


def verify_payload(text: object, keys: PublicKeyLike | Mapping[str, PublicKeyLike]) -> Verification:
    """Check a scanned QR text (bare, or the link holding it) against one public key (or a key
    ring after rotations).

    Never raises on the text, whatever it is; a bad key argument is a configuration
    error and does raise. Cancellation and expiry are the caller's business
    (registry and today's date; see `validity_status`).
    """
    ring = public_keys(keys)
    parts = _split(scanned_text(text))
    if isinstance(parts, Reason):
        return Verification("malformed", reason=parts)
    body, body_bytes, signature = parts
    signer = _signer(ring, _signing_input(body), signature)
    payload = _parse(body_bytes)
    if signer is None:
        claimed = payload if isinstance(payload, LicencePayload) else None
        return Verification("tampered", claimed, _not_signed_by(ring, claimed))
    if isinstance(payload, Reason):
        return Verification("malformed", reason=payload)
    if payload.key_id != signer:
        return Verification("malformed", payload, _reason("key_id_mismatch"))
    return Verification("genuine", payload)


def validity_status(payload: LicencePayload, today: date) -> Literal["current", "expired"]:
    """The offline half of "current": the licence's own term, last day included.

    `today` is the date in Asia/Shanghai, where the licence is valid.
    """
    return "current" if today <= date.fromisoformat(payload.valid_until) else "expired"


def expired_permits(payload: LicencePayload, today: date) -> tuple[PermitEntry, ...]:
    """Permits whose own term has ended: each keeps its legal effect separately."""
    return tuple(
        permit
        for permit in payload.permits
        if permit.valid_until is not None and today > date.fromisoformat(permit.valid_until)
    )


def qr_png(text: str, scale: int = QR_SCALE) -> bytes:
    """The QR symbol as PNG bytes: level M at least (segno raises it when it costs nothing)."""
    symbol = segno.make(text, error=QR_ERROR_LEVEL, micro=False)
    buffer = io.BytesIO()
    symbol.save(buffer, kind="png", scale=scale)
    return buffer.getvalue()


def payload_problem(payload: LicencePayload) -> str | None:
    """What is wrong with a payload's fields, or None when it may be signed."""
    strings = [
        payload.licence_number,
        payload.holder_code,
        payload.holder_name,
        payload.industry,
        payload.valid_until,
        payload.issued_at,
        payload.key_id,
        payload.version,
    ]
    for permit in payload.permits:
        strings += [permit.permit_code, permit.permit_number]
    if not all(isinstance(s, str) and s.strip() == s and s for s in strings):
        return "every field must be a non-empty string without surrounding spaces"
    if any(_INVISIBLE.search(s) for s in strings):
        return "fields must not contain control or invisible characters"
    checks = [
        (payload.version == VERSION, f"version must be {VERSION}"),
        (credit_code.is_valid(payload.holder_code), "holder_code is not a valid credit code"),
        (_INDUSTRY.fullmatch(payload.industry), "industry must be a two-letter code"),
        (_KEY_ID.fullmatch(payload.key_id), "key_id must be 16 lowercase hex characters"),
        (_is_iso_date(payload.valid_until), "valid_until must be an ISO date"),
        (_is_utc_stamp(payload.issued_at), "issued_at must be YYYY-MM-DDTHH:MM:SSZ"),
        (
            all(_is_optional_date(p.valid_until) for p in payload.permits),
            "a permit's valid_until must be an ISO date or null",
        ),
    ]
    return next((message for ok, message in checks if not ok), None)


def _signing_input(body: str) -> bytes:
    """The signature covers the version tag too, so a payload cannot change format."""
    return f"{VERSION}{SEPARATOR}{body}".encode("ascii")


def _split(text: object) -> tuple[str, bytes, bytes] | Reason:
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT_CHARS:
        return _reason("not_a_licence_code")
    parts = text.split(SEPARATOR)
    if len(parts) != 3 or not parts[0].startswith("LJ"):
        return _reason("not_a_licence_code")
    if parts[0] != VERSION:
        return _reason("unsupported_version")
    body_bytes, signature = _b32decode(parts[1]), _b32decode(parts[2])
    if body_bytes is None or signature is None or len(signature) != SIGNATURE_BYTES:
        return _reason("bad_encoding")
    return parts[1], body_bytes, signature


def _signer(ring: dict[str, Ed25519PublicKey], message: bytes, signature: bytes) -> str | None:
    for kid, key in ring.items():
        try:
            key.verify(signature, message)
        except InvalidSignature:
            continue
        return kid
    return None


def _not_signed_by(ring: Mapping[str, object], claimed: LicencePayload | None) -> Reason:
    if claimed is not None and claimed.key_id not in ring:
        return _reason("unknown_key")
    return _reason("bad_signature")


def _parse(body: bytes) -> LicencePayload | Reason:
    try:
        document = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError):
        return _reason("bad_content")
    payload = _from_document(document)
    if payload is None or payload_problem(payload):
        return _reason("bad_content")
    return payload


def _from_document(document: object) -> LicencePayload | None:
    if not isinstance(document, dict) or set(document) != set(_FIELDS):
        return None
    permits = document[JSON_KEYS["permits"]]
    if not isinstance(permits, list) or not all(_is_permit(p) for p in permits):
        return None
    fields = {_FIELDS[key]: value for key, value in document.items()}
    fields["permits"] = tuple(PermitEntry(*p) for p in permits)
    return LicencePayload(**fields)


def _is_permit(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == len(PermitEntry._fields)
        and isinstance(value[0], str)
        and isinstance(value[1], str)
        and (value[2] is None or isinstance(value[2], str))
    )


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _permit_order(permit: PermitEntry) -> tuple[str, str, str]:
    return (permit.permit_code, permit.permit_number, permit.valid_until or "")


def _is_optional_date(value: object) -> bool:
    return value is None or (isinstance(value, str) and _is_iso_date(value))


def _is_iso_date(value: str) -> bool:
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_utc_stamp(value: str) -> bool:
    if not _ISO_UTC.fullmatch(value):
        return False
    try:
        datetime.strptime(value, _UTC_FORMAT)
    except ValueError:
        return False
    return True


def _b32encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _b32decode(text: str) -> bytes | None:
    """Strict base32: only the one canonical spelling of some bytes is accepted.

    The decoder ignores the unused low bits of the last character, so without the
    round-trip check two different texts (one character apart) would carry the same
    signature and both verify.
    """
    if not _BASE32.fullmatch(text):
        return None
    try:
        data = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        return None
    return data if _b32encode(data) == text else None


_REASONS = {
    "not_a_licence_code": ("不是行业综合许可证二维码", "not an industry combined licence QR code"),
    "unsupported_version": ("二维码格式版本不受支持", "unsupported QR code format version"),
    "bad_encoding": ("二维码内容编码无效", "the QR content is not validly encoded"),
    "bad_content": ("二维码内容无法解析", "the QR content cannot be read as a licence"),
    "bad_signature": (
        "签名与内容不符，内容可能被篡改",
        "the signature does not match the content: it may have been altered",
    ),
    "unknown_key": (
        "签名密钥不是本平台的发证密钥",
        "signed with a key that is not one of this platform's issuing keys",
    ),
    "key_id_mismatch": (
        "签名密钥与二维码所载密钥标识不一致",
        "the signing key differs from the key id the payload names",
    ),
}


def _reason(code: str) -> Reason:
    zh, en = _REASONS[code]
    return Reason(code, zh, en)
