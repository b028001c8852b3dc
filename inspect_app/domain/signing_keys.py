"""The Ed25519 key pair that signs licence QR payloads (行业综合许可证二维码签名密钥).

The private key stays on the issuing server; the public key is published so that anyone
can check a licence offline. Every payload names the key that signed it (`key_id`), and
rotating the key keeps the old public key beside the new one, so licences printed before a
rotation still verify.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_KEY_FILE = "licence-signing.key"
PUBLIC_KEY_FILE = "licence-signing.pub"
# Public keys of rotated-out pairs: licence-signing-<key id>.pub, kept for old licences.
RETIRED_PUBLIC_KEY_PATTERN = "licence-signing-{key_id}.pub"
RETIRED_PUBLIC_KEY_GLOB = "licence-signing-*.pub"

PRIVATE_KEY_MODE = 0o600  # owner read/write only: the key that gives licences legal force
PUBLIC_KEY_MODE = 0o644  # meant to be published
KEY_DIRECTORY_MODE = 0o700
KEY_ID_HEX_CHARS = 16  # 64 bits of SHA-256: names a key, collisions among a handful are moot

PublicKeyLike = Ed25519PublicKey | bytes

# The audit chain's head is signed with a pair of its own (rotating the licence key leaves it).
AUDIT_PRIVATE_KEY_FILE = "audit-signing.key"
AUDIT_PUBLIC_KEY_FILE = "audit-signing.pub"


class SigningKeyError(Exception):
    """A key file is missing, unreadable or not an Ed25519 key."""


class KeyExists(SigningKeyError, FileExistsError):
    """Refused to overwrite a signing key: rotation must be asked for (force=True)."""


@dataclass(frozen=True)
class KeyPair:
    """Where a generated pair was written, and the id payloads will carry."""

    private_key_path: Path
    public_key_path: Path
    key_id: str
    retired_public_key_path: Path | None = None


def generate_key_pair(directory: Path, *, force: bool = False) -> KeyPair:
    """Write a new signing key pair into `directory`.

    Refuses to replace an existing pair unless `force=True`. On a forced rotation the
    previous public key is kept as licence-signing-<old key id>.pub, so licences signed
    with it can still be verified; the previous private key is destroyed.
    """
    directory = Path(directory)
    private_path = directory / PRIVATE_KEY_FILE
    public_path = directory / PUBLIC_KEY_FILE
    existing = [p for p in (private_path, public_path) if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise KeyExists(f"signing key already present ({names}); pass force=True to rotate")
    directory.mkdir(mode=KEY_DIRECTORY_MODE, parents=True, exist_ok=True)
    retired = _retire_public_key(directory) if public_path.exists() else None

    private_key = Ed25519PrivateKey.generate()
    _write_atomically(private_path, _private_pem(private_key), PRIVATE_KEY_MODE)
    _write_atomically(public_path, _public_pem(private_key.public_key()), PUBLIC_KEY_MODE)
    return KeyPair(private_path, public_path, key_id(private_key.public_key()), retired)


def generate_audit_key_pair(directory: Path) -> KeyPair | None:
    """Write the audit head's signing pair into `directory` if it has none (None: kept).

    The private key stays outside the database, so whoever can write the database cannot sign
    a head of their making.
    """
    directory = Path(directory)
    private_path = directory / AUDIT_PRIVATE_KEY_FILE
    public_path = directory / AUDIT_PUBLIC_KEY_FILE
    if private_path.exists():
        return None
    directory.mkdir(mode=KEY_DIRECTORY_MODE, parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    _write_atomically(private_path, _private_pem(private_key), PRIVATE_KEY_MODE)
    _write_atomically(public_path, _public_pem(private_key.public_key()), PUBLIC_KEY_MODE)
    return KeyPair(private_path, public_path, key_id(private_key.public_key()))


def load_audit_private_key(directory: Path) -> Ed25519PrivateKey:
    """The key that signs the audit chain's head."""
    return load_private_key(directory, AUDIT_PRIVATE_KEY_FILE)


def load_audit_public_keys(directory: Path) -> dict[str, Ed25519PublicKey]:
    """The audit head's public keys of `directory` by key id (empty when there are none)."""
    return public_keys(load_audit_public_key_pems(directory))


def load_audit_public_key_pems(directory: Path) -> dict[str, bytes]:
    """The audit head's public keys as PEM by key id (what is published)."""
    path = Path(directory) / AUDIT_PUBLIC_KEY_FILE
    if not path.exists():
        return {}
    pem = _read(path)
    return {key_id(pem): pem}


def load_private_key(directory: Path, name: str = PRIVATE_KEY_FILE) -> Ed25519PrivateKey:
    """The current signing key of `directory` (the licence key unless another file is named)."""
    pem = _read(Path(directory) / name)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"cannot read the private signing key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the private signing key is not an Ed25519 key")
    return key


def load_public_key_pem(directory: Path) -> bytes:
    """The current public key of `directory` as PEM bytes (what is published)."""
    pem = _read(Path(directory) / PUBLIC_KEY_FILE)
    public_key(pem)  # refuse to hand out something that is not an Ed25519 public key
    return pem


def load_public_keys(directory: Path) -> dict[str, bytes]:
    """Every public key of `directory`, current and retired, as {key id: PEM}.

    This is the key ring a verifier needs after rotations.
    """
    directory = Path(directory)
    paths = [directory / PUBLIC_KEY_FILE, *sorted(directory.glob(RETIRED_PUBLIC_KEY_GLOB))]
    ring: dict[str, bytes] = {}
    for path in paths:
        if path.exists():
            pem = _read(path)
            ring[key_id(pem)] = pem
    return ring


def public_key(key: PublicKeyLike) -> Ed25519PublicKey:
    """An Ed25519 public key from itself or from its PEM (SubjectPublicKeyInfo) bytes."""
    if isinstance(key, Ed25519PublicKey):
        return key
    if not isinstance(key, bytes):
        raise TypeError(f"expected an Ed25519 public key or PEM bytes, got {type(key).__name__}")
    try:
        loaded = serialization.load_pem_public_key(key)
    except ValueError as exc:
        raise SigningKeyError(f"cannot read the public key: {exc}") from exc
    if not isinstance(loaded, Ed25519PublicKey):
        raise SigningKeyError("the public key is not an Ed25519 key")
    return loaded


def public_keys(keys: PublicKeyLike | Mapping[str, PublicKeyLike]) -> dict[str, Ed25519PublicKey]:
    """A key ring {key id: key} from one key or a mapping; ids are recomputed, never trusted."""
    values = keys.values() if isinstance(keys, Mapping) else [keys]
    ring = {}
    for value in values:
        key = public_key(value)
        ring[key_id(key)] = key
    return ring


def key_id(key: PublicKeyLike) -> str:
    """First 16 hex characters of SHA-256 over the 32 raw public key bytes."""
    raw = public_key(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_HEX_CHARS]


def _retire_public_key(directory: Path) -> Path:
    old_pem = _read(directory / PUBLIC_KEY_FILE)
    retired = directory / RETIRED_PUBLIC_KEY_PATTERN.format(key_id=key_id(old_pem))
    _write_atomically(retired, old_pem, PUBLIC_KEY_MODE)
    return retired


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write beside the target with its final mode from the start, then rename over it.

    The file is never visible with looser permissions, and a crash leaves either the old
    file or the new one, never half a key.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, mode)  # the umask may have removed bits we want (0o644 for public keys)
        file.write(data)
        file.flush()
        os.fsync(fd)
    os.replace(temporary, path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read {path}: {exc}") from exc
