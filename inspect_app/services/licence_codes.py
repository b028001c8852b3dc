"""The licence's signed QR code: issue it from the registry, and answer a scanned one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from inspect_app.domain import licence_qr, signing_keys
from inspect_app.domain.lifecycle import Status
from inspect_app.models import Licence
from inspect_app.services.licences import get_licence, licence_snapshot

# What a scan answers beyond genuine/tampered/malformed, by registry status.
STATUS_ANSWERS = {
    Status.CANCELLED: ("cancelled", "许可证已注销", "The licence has been cancelled"),
    Status.REVOKED: ("revoked", "许可证已被撤销", "The licence has been revoked"),
    Status.SUSPENDED: ("suspended", "许可证已暂停", "The licence is suspended"),
}


def payload_for(licence: Licence, keys_dir: Path) -> licence_qr.LicencePayload:
    snapshot = licence_snapshot(licence)
    ring_id = signing_keys.key_id(signing_keys.load_public_key_pem(keys_dir))
    return licence_qr.LicencePayload(
        licence_number=snapshot["number"],
        holder_code=snapshot["holder_code"],
        holder_name=snapshot["holder_name"],
        industry=snapshot["industry"],
        permits=tuple(
            (p["permit_code"], p["permit_number"], p["valid_until"]) for p in snapshot["permits"]
        ),
        valid_until=snapshot["valid_until"],
        issued_at=licence_qr.utc_stamp(licence.issued_at),
        key_id=ring_id,
    )


def qr_text(licence: Licence, keys_dir: Path) -> str:
    """The signed text a printed licence carries (Ed25519 is deterministic: same licence, same text)."""
    return licence_qr.encode_payload(
        payload_for(licence, keys_dir), signing_keys.load_private_key(keys_dir)
    )


def qr_link(licence: Licence, keys_dir: Path, public_url: str) -> str:
    """What the printed QR code holds: the portal's verification page for the signed text."""
    return licence_qr.verification_url(qr_text(licence, keys_dir), public_url)


@dataclass(frozen=True)
class LicenceQr:
    number: str
    payload: str
    url: str


def qr_for_number(number: str, keys_dir: Path, public_url: str) -> LicenceQr:
    """The signed QR text of a licence, by number, and the link its printed code holds."""
    text = qr_text(get_licence(number), keys_dir)
    return LicenceQr(number, text, licence_qr.verification_url(text, public_url))


def qr_png_for_number(number: str, keys_dir: Path, public_url: str) -> bytes:
    """The licence's QR code as a PNG image: the link to its verification page."""
    return licence_qr.qr_png(qr_link(get_licence(number), keys_dir, public_url))


@dataclass(frozen=True)
class PublicKeys:
    current: str
    keys: dict[str, str]
    audit_keys: dict[str, str]


def public_keys(keys_dir: Path) -> PublicKeys:
    """The id of the signing key and every public key (PEM) by id, retired ones included."""
    current = signing_keys.load_public_key_pem(keys_dir)
    keys = signing_keys.load_public_keys(keys_dir)
    audit = signing_keys.load_audit_public_key_pems(keys_dir)
    return PublicKeys(
        signing_keys.key_id(current),
        {k: pem.decode() for k, pem in keys.items()},
        {k: pem.decode() for k, pem in audit.items()},
    )


def answer_scan(text: str, keys_dir: Path, today: date) -> dict[str, Any]:
    """genuine / tampered / malformed / unknown / cancelled / revoked / suspended / expired / superseded.

    `text` is what was scanned: the link a printed code holds, or the bare signed text."""
    verification = licence_qr.verify_payload(text, signing_keys.load_public_keys(keys_dir))
    if verification.status != "genuine":
        return _answer(
            verification.status,
            verification.reason.zh,
            verification.reason.en,
            verification.payload,
        )
    payload = verification.payload
    licence = Licence.get_or_none(Licence.number == payload.licence_number)
    if licence is None:
        return _answer("unknown", "登记库中无此许可证", "No such licence in the registry", payload)
    if licence.status in STATUS_ANSWERS:
        return _answer(*STATUS_ANSWERS[Status(licence.status)], payload)
    if licence_qr.validity_status(payload, today) == "expired" or licence.valid_until < today:
        return _answer("expired", "许可证已过有效期", "The licence has expired", payload)
    if payload != payload_for(licence, keys_dir):
        return _answer(
            "superseded",
            "二维码内容已过时（许可证已变更或补证），请以最新证照为准",
            "This code is out of date (the licence changed since); use the current one",
            payload,
        )
    return _answer("genuine", "真实有效", "Genuine and current", payload)


def _answer(
    status: str, zh: str, en: str, payload: licence_qr.LicencePayload | None
) -> dict[str, Any]:
    claimed = None
    if payload is not None:
        claimed = {
            "licence_number": payload.licence_number,
            "holder_code": payload.holder_code,
            "holder_name": payload.holder_name,
            "industry": payload.industry,
            "valid_until": payload.valid_until,
            "issued_at": payload.issued_at,
            "permits": [p._asdict() for p in payload.permits],
        }
    return {"status": status, "message": {"zh": zh, "en": en}, "licence": claimed}
