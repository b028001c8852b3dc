"""The draw's input errors, in both languages, and the bound on its integers."""

from __future__ import annotations

MAX_SAFE_INTEGER = 2**53 - 1  # version 2: every integer is exact in RFC 8785 / I-JSON


class DrawInputError(ValueError):
    """Bad input to the draw; carries the field and a message in both languages."""

    def __init__(self, field_name: str, zh: str, en: str) -> None:
        super().__init__(f"{field_name}: {en} ({zh})")
        self.field = field_name
        self.zh = zh
        self.en = en


class InvalidParameters(DrawInputError):
    """The task's draw parameters break a rule (team of two, ratio in [0, 1], …)."""


class InvalidSnapshot(DrawInputError):
    """A frame or pool row is malformed or duplicated."""


class InvalidSeed(DrawInputError):
    """The seed, or the public values it is derived from, is malformed."""
