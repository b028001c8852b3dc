"""The draw's randomness: HMAC-SHA256 sort keys for entities, uniform positions for teams.

Both are keyed by the seed and separated by a label, so no value computed for one use
can be replayed in another. Exact byte layouts: docs/draw-algorithm.md §5 and §7.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

ENTITY_LABEL = b"double-random/1/entity\x00"
TEAM_LABEL = b"double-random/1/team\x00"
PICK_LABEL_2 = b"double-random/2/pick\x00"
SEPARATOR = b"\x00"
COUNTER_BYTES = 4
_WORDS = struct.Struct(">4Q")  # a block as four 64-bit big-endian words
DIGEST_BYTES = 32
_BLOCK = 64  # SHA-256 block size, the HMAC pad length (RFC 2104)
_IPAD, _OPAD = 0x36, 0x5C


class HmacSha256:
    """HMAC-SHA256 under one key, with both pads hashed once.

    The same bytes as hmac.new(key, msg, 'sha256').digest(); copying the two prepared
    hash states costs less than re-keying for each of a million messages.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, prefix: bytes = b"") -> None:
        block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
        block = block.ljust(_BLOCK, b"\x00")
        self._inner = hashlib.sha256(bytes(b ^ _IPAD for b in block))
        self._inner.update(prefix)  # a fixed message prefix is absorbed once too
        self._outer = hashlib.sha256(bytes(b ^ _OPAD for b in block))

    def digest(self, message: bytes) -> bytes:
        """HMAC of prefix || message."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def labels(algorithm_version: str) -> tuple[bytes, bytes]:
    """The entity and team labels of a version: each version its own domain."""
    if algorithm_version == "double-random/1":
        return ENTITY_LABEL, TEAM_LABEL
    prefix = algorithm_version.encode("ascii")
    return prefix + b"/entity\x00", prefix + b"/team\x00"


def entity_sort_records(
    seed: bytes, entity_ids: Iterable[str], label: bytes = ENTITY_LABEL
) -> list[bytes]:
    """For each id: HMAC(seed, ENTITY_LABEL || id) || id, so bytes order is the draw order.

    The 32-byte key comes first and is fixed-length, so comparing the records compares
    keys first and ids (their UTF-8 bytes) only on a tie.
    """
    mac = HmacSha256(seed, label)
    new_inner, new_outer = mac._inner.copy, mac._outer.copy
    records = []
    append = records.append
    for entity_id in entity_ids:  # the hot loop: one pass, no per-row objects
        raw = entity_id.encode("utf-8")
        inner = new_inner()
        inner.update(raw)
        outer = new_outer()
        outer.update(inner.digest())
        append(outer.digest() + raw)
    return records


def entity_key(seed: bytes, entity_id: str) -> bytes:
    """One entity's version-1 sort key (for reports and tests; the draw uses the records)."""
    return entity_sort_records(seed, [entity_id])[0][:DIGEST_BYTES]


def pick_mac(seed: bytes) -> HmacSha256:
    """Version 2: the MAC of every stratum's pick stream (PICK_LABEL_2 || grade || 0x00 || j)."""
    return HmacSha256(seed, PICK_LABEL_2)


class TeamStream:
    """Uniform positions for one picked entity's team walks, without modulo bias.

    Block j is HMAC(seed, TEAM_LABEL || entity_id || 0x00 || j as 4-byte big-endian);
    each block is read as four 64-bit big-endian words, used in order across all the
    entity's departments. A draw below `bound` masks a word to the bit length of
    bound - 1 and takes the next word while the value is too big; a bound of 1 reads
    no word.
    """

    __slots__ = ("_counter", "_mac", "_prefix", "_words")

    def __init__(self, mac: HmacSha256, entity_id: str) -> None:
        self._mac = mac
        self._prefix = entity_id.encode("utf-8") + SEPARATOR
        self._counter = 0
        self._words: list[int] = []  # the current block's unused words, last first

    def below(self, bound: int) -> int:
        """A uniform integer in [0, bound)."""
        if bound == 1:
            return 0
        mask = (1 << (bound - 1).bit_length()) - 1
        words = self._words
        while True:
            if not words:
                block = self._mac.digest(
                    self._prefix + self._counter.to_bytes(COUNTER_BYTES, "big")
                )
                self._counter += 1
                words.extend(reversed(_WORDS.unpack(block)))
            value = words.pop() & mask
            if value < bound:
                return value


def team_mac(seed: bytes, label: bytes = TEAM_LABEL) -> HmacSha256:
    """The keyed MAC every TeamStream of one draw shares."""
    return HmacSha256(seed, label)
