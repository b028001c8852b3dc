"""Field types shared by the API's schemas: validated at the edge, trusted inside."""

from __future__ import annotations

import unicodedata

import marshmallow as ma
from marshmallow import validate

from inspect_app.clock import EARLIEST_YEAR, LATEST_YEAR, within_years
from inspect_app.domain import credit_code
from inspect_app.guards import lone_surrogate_errors

CREDIT_CLASSES = ("A", "B", "C", "D")
# Baoshan's box with a margin (docs/domain.md: 31.28–31.52 N, 121.30–121.53 E).
DISTRICT_LAT = (31.20, 31.60)
DISTRICT_LON = (121.20, 121.62)
# Control, format (bidi overrides, zero-width), surrogate and private-use characters.
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co"})
# The widest integer column is PostgreSQL's `integer` (ids, versions, counts): an integer beyond it
# is refused here, not by the database (DataError) or by SQLite's driver (OverflowError).
MAX_INT = 2**31 - 1
LONE_SURROGATE = "Contains a lone surrogate."
OUT_OF_YEARS = f"Must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}."


class Text(ma.fields.String):
    """A string without control characters, not blank, NFC-normalised, within a length."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = unicodedata.normalize("NFC", text).strip()
        if any(unicodedata.category(ch) in INVISIBLE for ch in text):
            raise ma.ValidationError("Contains control characters.")
        if not text:
            raise ma.ValidationError("Must not be blank.")
        return text


class CreditCode(ma.fields.String):
    """A unified social credit code whose GB 32100-2015 check character holds."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not credit_code.is_valid(code):
            raise ma.ValidationError("Invalid credit code.")
        return code


def latitude(**kwargs) -> ma.fields.Float:
    return ma.fields.Float(
        validate=validate.Range(*DISTRICT_LAT, error="Outside the district."),
        allow_nan=False,
        **kwargs,
    )


def longitude(**kwargs) -> ma.fields.Float:
    return ma.fields.Float(
        validate=validate.Range(*DISTRICT_LON, error="Outside the district."),
        allow_nan=False,
        **kwargs,
    )


def credit_class(**kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.OneOf(CREDIT_CLASSES), **kwargs)


class Strict(ma.Schema):
    """Every input schema: unknown fields are refused (marshmallow's default, said out loud), and so
    is a lone surrogate in any string or key, before any field reads it (it cannot be stored,
    hashed or answered in UTF-8)."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _no_lone_surrogates(self, data, **kwargs):
        errors = lone_surrogate_errors(data, LONE_SURROGATE)
        if errors:
            raise ma.ValidationError(errors)
        return data


def integer(*, minimum: int = 0, maximum: int = MAX_INT, **kwargs) -> ma.fields.Integer:
    """An integer within bounds (by default one an id or version column can hold)."""
    return ma.fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


def _within_years(value) -> None:
    if not within_years(value):
        raise ma.ValidationError(OUT_OF_YEARS)


class Day(ma.fields.Date):
    """A calendar date (YYYY-MM-DD) within the years the app deals in."""

    def __init__(self, **kwargs):
        super().__init__(validate=_within_years, **kwargs)


class Moment(ma.fields.AwareDateTime):
    """A point in time with its zone (ISO 8601), within the years the app deals in."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=None, validate=_within_years, **kwargs)


LICENCE_NUMBER = validate.Regexp(
    r"^[A-Z0-9][A-Z0-9-]{3,31}$", error="Must be 4–32 capital letters, digits or dashes."
)


def licence_number(**kwargs) -> ma.fields.String:
    """A combined licence number: ASCII, as printed (e.g. BS-IC-2021-000123)."""
    return ma.fields.String(validate=LICENCE_NUMBER, **kwargs)
