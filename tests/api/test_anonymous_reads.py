"""No anonymous GET writes: every GET operation of the OpenAPI document, asked without signing
in, about a drawn joint check and its licences, leaves every table's row count as it was."""

from __future__ import annotations

import re

from inspect_app.db import database
from inspect_app.models import AuditHead, Inspection
from tests.api.test_draw_flow import _plan_freeze_draw, district  # noqa: F401 (fixture)
from tests.factories import login

PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _values(client, code: str, licence_number: str) -> dict[str, dict[str, str]]:
    """A real value for each path parameter, by the path's first segment after /api/v1/."""
    entity = Inspection.select().first().entity.credit_code
    payload = client.get(
        f"/api/v1/licences/{licence_number}/qr", headers=login("licensing", "ASC")
    ).get_json()["payload"]
    by_area = {
        "departments": {"code": "CT"},
        "industries": {"code": "IC"},
        "risk-points": {"code": "IC-01"},
        "entities": {"credit_code": entity},
        "licences": {"number": licence_number},
        "users": {"user_id": "1"},  # issue 13 §1
        "inspectors": {"inspector_code": "CT0001"},
    }
    return by_area, {
        "payload": payload,
        "code": code,
        "inspection_id": "1",
        "feedback_id": "1",
        "notice_id": "1",  # issue 13 §2
        "sha256": "0" * 64,  # issue 13 §5: a photo by its hash
    }


def _counts() -> dict[str, int]:
    tables = sorted(database.get_tables())
    counts = {t: database.execute_sql(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    head = AuditHead.get()
    return counts | {"audit_head.seq": head.seq}


def _url(path: str, by_area: dict, fallback: dict) -> str:
    area = path.removeprefix("/api/v1/").split("/")[0]
    values = by_area.get(area, {}) | {
        k: v for k, v in fallback.items() if k not in by_area.get(area, {})
    }
    return PATH_PARAMETER.sub(lambda m: values[m.group(1)], path)


def test_no_anonymous_get_writes_a_row(app, client, district):  # noqa: F811
    code, _, _ = _plan_freeze_draw(client, login("planner", "CT"))
    by_area, fallback = _values(client, code, district[0].number)
    spec = client.get("/api/openapi.json").get_json()
    gets = [path for path, operations in spec["paths"].items() if "get" in operations]
    assert len(gets) > 20
    before = _counts()
    answers = {}
    for path in gets:
        url = _url(path, by_area, fallback)
        answer = client.get(url, query_string={"payload": fallback["payload"]})
        answers[path] = answer.status_code
        assert _counts() == before, f"anonymous GET {url} ({answer.status_code}) wrote rows"
    assert answers["/api/v1/public/tasks/{code}"] == 200
    assert answers["/api/v1/public/draws/{code}/verify"] == 200
