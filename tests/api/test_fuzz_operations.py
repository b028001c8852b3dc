"""A bounded fuzz of every operation in the served OpenAPI document (schemathesis): anonymous and
as each kind of user, with data that fits the document and data that does not, no answer is a
5xx, and every 4xx is in the one bilingual error shape.

Valid requests name real records in their path (KNOWN), so they reach the services; invalid ones
are generated whole, and only for operations with a query, headers or a body to get wrong.
Reproducible (derandomized, no example database) and bounded: EXAMPLES cases per operation, per
generation mode, per caller; SQLite only (the same requests on PostgreSQL would double the time,
and the 64-bit and date bounds it needs are covered on both by tests/api/test_bad_input.py).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from inspect_app.models import User
from tests.factories import auth_header, inspector_with_login, internet_cafes, make_user
from tests.tablet.conftest import draw_joint_check

pytestmark = pytest.mark.slow

EXAMPLES = 10
CALLERS = ("anonymous", "planner", "inspector", "licensing", "admin")


@dataclass
class District:
    """A drawn joint check of internet cafés and one user of each kind (a fresh token for each
    request: a fuzzed sign-out or device revocation must not silence the callers after it), and
    the codes and ids of real records, so that valid requests reach the services."""

    users: dict[str, User] = field(default_factory=dict)
    known: dict[str, str | int] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        if caller == "anonymous":
            return {}
        return auth_header(self.users[caller])

    def path_parameters(self, path: str) -> dict[str, str | int]:
        """Real values for an operation's path parameters (the longest matching prefix wins)."""
        values: dict[str, str | int] = {}
        for prefix in sorted(KNOWN, key=len):
            if path.startswith(prefix):
                values |= {name: self.known[key] for name, key in KNOWN[prefix].items()}
        return {name: value for name, value in values.items() if "{" + name + "}" in path}


# Which real record each path parameter names, by the start of the operation's path.
KNOWN = {
    "/api/v1/departments/": {"code": "department"},
    "/api/v1/industries/": {"code": "industry"},
    "/api/v1/risk-points/": {"code": "risk_point"},
    "/api/v1/entities/": {"credit_code": "entity"},
    "/api/v1/licences/": {"number": "licence"},
    "/api/v1/tasks/": {"code": "task"},
    "/api/v1/maps/tasks/": {"code": "task"},
    "/api/v1/public/": {"code": "task"},
    "/api/v1/tablet/inspections/": {"inspection_id": "inspection", "code": "risk_point"},
    "/api/v1/auth/devices/": {"token_id": "token"},
    "/api/v1/licensing/feedback/": {"feedback_id": "feedback"},
}


def _district(client) -> District:
    licences = internet_cafes(3)
    ct, _ = inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    inspection, *_ = draw_joint_check(client, cafes=2)
    users = {
        "planner": make_user("planner", "CT"),
        "inspector": ct.user,
        "licensing": make_user("licensing", "ASC"),
        "admin": make_user("admin"),
    }
    known = {
        "department": "CT",
        "industry": "IC",
        "risk_point": "IC-01",
        "entity": licences[0].holder.credit_code,
        "licence": licences[0].number,
        "task": inspection.task.code,
        "inspection": inspection.id,
        "token": 1,
        "feedback": 1,
    }
    return District(users, known)


def _has_input(operation) -> bool:
    """Whether a request of this operation can be made invalid in more than its path."""
    return bool(operation.body) or bool(operation.query) or bool(operation.headers)


def _problem(response) -> str | None:
    """What is wrong with an answer, or None: a 5xx, or a 4xx not in the error shape."""
    status, text = response.status_code, response.content.decode("utf-8", "replace")
    if status >= 500:
        return f"{status}: {text[:200]}"
    if status < 400:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    if not (
        isinstance(message, dict)
        and body.get("code") == status
        and body.get("status")
        and message.get("zh")
        and message.get("en")
    ):
        return f"{status} not in the error shape: {text[:200]}"
    return None


def _fuzz(operation, mode: GenerationMode, district: District, caller: str) -> list[str]:
    found: list[str] = []
    fixed = district.path_parameters(operation.path) if mode.is_positive else None

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def run(case):
        response = case.call(headers=district.headers(caller))
        problem = _problem(response)
        if problem:
            found.append(f"{caller} {mode.value} {case.method} {case.formatted_path}: {problem}")

    # Unsatisfiable: nothing of this operation can be made invalid (a GET with fixed parameters)
    with contextlib.suppress(Unsatisfiable):
        run()
    return found


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_operation_answers_5xx_to_anyone(app, client, db_url):
    district = _district(client)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    started, problems = time.monotonic(), []
    for operation in operations:
        modes = list(GenerationMode) if _has_input(operation) else [GenerationMode.POSITIVE]
        for mode in modes:
            for caller in CALLERS:
                problems += _fuzz(operation, mode, district, caller)
    took = time.monotonic() - started
    print(f"fuzzed {len(operations)} operations, {EXAMPLES} examples each, in {took:.0f} s")
    assert not problems, "\n".join(sorted(set(problems)))
