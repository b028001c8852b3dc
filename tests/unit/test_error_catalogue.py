"""Every error code the code raises is in the one catalogue, with Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from inspect_app.errors import CATALOGUE, AppError

ROOT = Path(__file__).resolve().parents[2] / "inspect_app"


def test_every_raised_code_is_catalogued():
    used = set()
    for path in ROOT.rglob("*.py"):
        used |= set(re.findall(r'AppError\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert used, "found no AppError at all: the scan is broken"
    assert used <= set(CATALOGUE), sorted(used - set(CATALOGUE))


def test_every_catalogue_entry_speaks_both_languages():
    for kind in CATALOGUE.values():
        assert kind.zh and kind.en and 400 <= kind.http < 600
        assert re.search(r"[\u4e00-\u9fff]", kind.zh), kind.code


def test_framework_errors_map_to_the_generic_code_of_their_status():
    from inspect_app.errors import kind_for_http

    assert kind_for_http(422).code == "VALIDATION_FAILED"
    assert kind_for_http(409).code == "CONFLICT"
    assert kind_for_http(412).code == "STALE_VERSION"
    assert kind_for_http(503).code == "INTERNAL"


def test_one_code_answers_every_stale_write():
    # If-Match answers 412, a tablet's body version 409 (docs/concurrency.md): the code is one.
    assert [code for code in CATALOGUE if "STALE" in code] == ["STALE_VERSION"]
    assert AppError("STALE_VERSION").payload()["code"] == 412
    assert AppError("STALE_VERSION", http=409).payload()["code"] == 409
