"""Submitted joint inspections with each outcome, through the tablet API."""

from __future__ import annotations

import pytest

from tests.tablet.conftest import joint, submit_with  # noqa: F401 (the drawn joint inspection)


@pytest.fixture
def submit(client, joint):  # noqa: F811
    return lambda outcome, result="FAIL": submit_with(client, joint, outcome, result)
