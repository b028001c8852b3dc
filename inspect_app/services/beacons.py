"""The randomness beacons the platform knows: drand quicknet, plus the chains a district pins.

A chain is pinned by its drand ``/info`` JSON (docs/beacons.md): quicknet always, and every
chain of the ``DRAND_CHAINS`` setting (LIANJIAN_DRAND_CHAINS, default ``<instance>/drand-chains``):
a folder of ``*.json`` files, or one file, each a drand ``/info`` object or a JSON array of them.
Code and tests may also set ``DRAND_CHAINS`` to a list of ``ChainInfo`` (or /info mappings).
A local test chain is accepted only when pinned like this, never by default.

Pure reads: nothing here writes, so nothing is audited.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from inspect_app import config
from inspect_app.errors import AppError
from scheduler.beacon import (
    QUICKNET,
    BeaconError,
    ChainInfo,
    VerifiedRound,
    chain_from_info,
    verify_round,
)
from scheduler.nist_beacon import (
    NistCertificate,
    VerifiedPulse,
    certificate_from_pem,
    verify_pulse,
)

DEFAULT_CHAIN = QUICKNET
DRAND_RELAY = "https://api.drand.sh"


def _from_environment() -> Mapping[str, Any]:
    return {"DRAND_CHAINS": config.drand_chains(), "NIST_CERTIFICATES": config.nist_certificates()}


def pinned_chains(settings: Mapping[str, Any] | None = None) -> dict[str, ChainInfo]:
    """Every pinned chain by chain hash, quicknet first."""
    settings = _from_environment() if settings is None else settings
    chains = {DEFAULT_CHAIN.hash: DEFAULT_CHAIN}
    for chain in _configured(settings.get("DRAND_CHAINS")):
        chains.setdefault(chain.hash, chain)
    return chains


def pinned_chain(chain_hash: str, settings: Mapping[str, Any] | None = None) -> ChainInfo:
    """The pinned chain of this hash; an unknown chain is refused (UNKNOWN_CHAIN)."""
    chains = pinned_chains(settings)
    key = chain_hash.lower() if isinstance(chain_hash, str) else ""
    if key not in chains:
        raise _unknown_chain(chain_hash)
    return chains[key]


def verify_pinned(
    beacon: Mapping[str, Any],
    chain_hash: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> tuple[ChainInfo, VerifiedRound]:
    """Check a drand round against a pinned chain: the one named, else the round's own
    ``chain_hash``, else quicknet. A refusal is BEACON_REFUSED with the checker's code."""
    if chain_hash is None and isinstance(beacon, Mapping):
        named = beacon.get("chain_hash")
        chain_hash = named if isinstance(named, str) else DEFAULT_CHAIN.hash
    chain = pinned_chain(chain_hash or DEFAULT_CHAIN.hash, settings)
    try:
        return chain, verify_round(chain, beacon)
    except BeaconError as error:
        raise beacon_refusal(error) from None


def beacon_refusal(error: BeaconError) -> AppError:
    """The checker's refusal as the API and the console say it (422, code in ``errors``)."""
    return AppError("BEACON_REFUSED", zh=error.zh, en=error.en, errors={"beacon": [error.code]})


def fetch_round(
    chain: ChainInfo, round_number: int, relay: str = DRAND_RELAY, timeout: float = 10.0
) -> VerifiedRound:
    """Fetch a round over HTTP where the machine has internet, and check it before returning.

    Nothing in the platform depends on this: a planner can always paste the round's JSON.
    """
    url = f"{relay.rstrip('/')}/{chain.hash}/public/{int(round_number)}"
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        body = answer.read()
    try:
        beacon = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BeaconError(
            "MALFORMED", zh="中继的回答不是 JSON", en="the relay's answer is not JSON"
        ) from None
    verified = verify_round(chain, beacon)
    if verified.round != round_number:
        raise BeaconError(
            "MALFORMED",
            zh=f"中继返回了第 {verified.round} 轮，而不是第 {round_number} 轮",
            en=f"the relay answered round {verified.round}, not round {round_number}",
        )
    return verified


def _configured(value: Any) -> Iterable[ChainInfo]:
    if value is None or value == "":
        return []
    if isinstance(value, str | Path):
        return _read_path(Path(value))
    chains = []
    for item in value:
        info = item.to_info() if isinstance(item, ChainInfo) else item
        chains.append(_parse(info, "DRAND_CHAINS", label=getattr(item, "label", "")))
    return chains


def _read_path(path: Path) -> list[ChainInfo]:
    if path.is_dir():
        files = sorted(path.glob("*.json"))
    elif path.is_file():
        files = [path]
    else:
        return []  # no folder: only quicknet is pinned
    chains = []
    for file in files:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _bad_file(file, str(error)) from None
        for info in document if isinstance(document, list) else [document]:
            chains.append(_parse(info, str(file)))
    return chains


def _parse(info: Any, where: str, label: str = "") -> ChainInfo:
    try:
        return chain_from_info(info, label=label)
    except BeaconError as error:
        raise _bad_file(where, error.en, error.zh) from None


def _unknown_chain(chain_hash: Any) -> AppError:
    return AppError(
        "UNKNOWN_CHAIN",
        zh=f"未固定的信标链 {chain_hash!r}：只接受 drand quicknet 和本区固定的链",
        en=f"Not a pinned beacon chain: {chain_hash!r} (only drand quicknet and the chains "
        "this district pins are accepted)",
    )


def _bad_file(where: Any, en: str, zh: str | None = None) -> AppError:
    return AppError(
        "BAD_CHAIN_FILE",
        zh=f"固定的信标链文件 {where} 无效：{zh or en}",
        en=f"The pinned beacon chain file {where} is invalid: {en}",
    )


# --- NIST Randomness Beacon 2.0 ----------------------------------------------------------------
# No NIST certificate is pinned by default: NIST rotates its signing certificate (about yearly),
# so a district pins the one(s) it checked, as PEM files in NIST_CERTIFICATES (docs/beacons.md).


def pinned_certificates(settings: Mapping[str, Any] | None = None) -> dict[str, NistCertificate]:
    """Every pinned NIST signing certificate by certificate id (SHA-512 of its DER)."""
    settings = _from_environment() if settings is None else settings
    value = settings.get("NIST_CERTIFICATES")
    if value is None or value == "":
        return {}
    if isinstance(value, str | Path):
        path = Path(value)
        files = sorted(path.glob("*.pem")) if path.is_dir() else [path] if path.is_file() else []
        items: list[Any] = []
        for file in files:
            try:
                items.append((file.read_bytes(), str(file)))
            except OSError as error:
                raise _bad_file(file, str(error)) from None
    else:
        items = [
            (item.pem if isinstance(item, NistCertificate) else item, "NIST_CERTIFICATES")
            for item in value
        ]
    certificates = {}
    for pem, where in items:
        try:
            certificate = certificate_from_pem(pem)
        except BeaconError as error:
            raise _bad_file(where, error.en, error.zh) from None
        certificates[certificate.certificate_id] = certificate
    return certificates


def verify_pinned_pulse(
    pulse: Mapping[str, Any], settings: Mapping[str, Any] | None = None
) -> tuple[NistCertificate, VerifiedPulse]:
    """Check a NIST pulse against the pinned certificate it names (UNKNOWN_CHAIN if none)."""
    inner = pulse.get("pulse", pulse) if isinstance(pulse, Mapping) else pulse
    named = inner.get("certificateId") if isinstance(inner, Mapping) else None
    certificates = pinned_certificates(settings)
    key = named.lower() if isinstance(named, str) else ""
    if key not in certificates:
        raise AppError(
            "UNKNOWN_CHAIN",
            zh=f"未固定的 NIST 信标证书 {str(named)[:16]}…：请先在 NIST_CERTIFICATES 中固定",
            en=f"Not a pinned NIST beacon certificate: {str(named)[:16]}… (pin it in "
            "NIST_CERTIFICATES first)",
        )
    certificate = certificates[key]
    try:
        return certificate, verify_pulse(certificate, pulse)
    except BeaconError as error:
        raise beacon_refusal(error) from None
