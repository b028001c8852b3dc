"""Bad input always gets a 4xx in the one error shape, in Chinese and English, and writes nothing."""

from __future__ import annotations

import json

import pytest

from inspect_app.models import AuditEntry, Entity
from tests.factories import credit_code, login

GOOD = {
    "name": "上海宝山区庙行便利店",
    "address": "上海市宝山区庙行镇共康路100号",
    "street": "BS11",
    "lat": 31.328,
    "lon": 121.445,
}


def _assert_error_shape(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"code", "status", "message"}
    assert body["code"] == status
    assert body["message"]["zh"] and body["message"]["en"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def licensing(client):
    return login("licensing", "ASC")


def _nothing_written(before):
    assert (Entity.select().count(), AuditEntry.select().count()) == before


def _counts():
    return Entity.select().count(), AuditEntry.select().count()


def test_malformed_json_is_400(client, licensing):
    before = _counts()
    response = client.post(
        "/api/v1/entities",
        data='{"name": "半截',
        content_type="application/json",
        headers=licensing,
    )
    body = _assert_error_shape(response, 400)
    assert body["status"] == "MALFORMED_JSON"
    _nothing_written(before)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "三十一度"),
        ("lon", [121.4]),
        ("name", 12345),
        ("street", None),
        ("lat", "NaN"),
    ],
)
def test_wrong_types_are_422_per_field(client, licensing, field, value):
    before = _counts()
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), field: value},
        headers=licensing,
    )
    body = _assert_error_shape(response, 422)
    assert field in body["errors"]["json"]
    message = body["errors"]["json"][field][0]
    assert message["zh"] and message["en"]
    _nothing_written(before)


def test_unknown_fields_are_refused(client, licensing):
    before = _counts()
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), "is_admin": True},
        headers=licensing,
    )
    body = _assert_error_shape(response, 422)
    assert body["errors"]["json"]["is_admin"][0] == {"zh": "未知字段", "en": "Unknown field."}
    _nothing_written(before)


@pytest.mark.parametrize(
    "code",
    [
        "91310113MA1G000010",  # wrong check character
        "91310113MA1G00001",  # 17 characters
        "91310113MA1G0000I1",  # I is not in the alphabet
        "９１３１０１１３ＭＡ１Ｇ００００１Ｘ",  # full-width digits
        "",
    ],
)
def test_invalid_credit_codes_are_refused(client, licensing, code):
    before = _counts()
    response = client.post("/api/v1/entities", json=GOOD | {"credit_code": code}, headers=licensing)
    body = _assert_error_shape(response, 422)
    assert "credit_code" in body["errors"]["json"]
    _nothing_written(before)


@pytest.mark.parametrize(
    "name",
    [  # a NUL is refused before any view (tests/api/test_nul_characters.py)
        "上海\x07宝山",
        "网吧\u202e名称",
        "\t\n  ",
        "宝" * 129,
        "\ud800",
    ],
)
def test_unicode_edge_cases_are_refused(client, licensing, name):
    before = _counts()
    # ensure_ascii: a lone surrogate travels as the escape \\ud800, as a real client would send it
    payload = json.dumps(GOOD | {"credit_code": credit_code(), "name": name}, ensure_ascii=True)
    response = client.post(
        "/api/v1/entities", data=payload, content_type="application/json", headers=licensing
    )
    body = _assert_error_shape(response, 422)
    assert "name" in body["errors"]["json"]
    _nothing_written(before)


def test_unicode_that_is_fine_is_kept_exactly(client, licensing):
    name = "上海宝山区𠮷野家餐饮店（淞南店）"
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), "name": name},
        headers=licensing,
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == name


def test_sql_looking_strings_are_stored_as_text(client, licensing):
    name = "x'); DROP TABLE entity; --"
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), "name": name},
        headers=licensing,
    )
    assert response.status_code == 201
    assert Entity.get(Entity.name == name)


def test_outside_the_district_is_refused(client, licensing):
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), "lat": 39.9, "lon": 116.4},
        headers=licensing,
    )
    body = _assert_error_shape(response, 422)
    assert body["errors"]["json"]["lat"][0]["zh"] == "坐标不在本区范围内"


def test_oversize_body_is_413(app, client, licensing):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    before = _counts()
    response = client.post(
        "/api/v1/entities",
        json=GOOD | {"credit_code": credit_code(), "address": "长" * 2000},
        headers=licensing,
    )
    body = _assert_error_shape(response, 413)
    assert body["status"] == "TOO_LARGE"
    _nothing_written(before)


def test_unknown_route_is_404_and_wrong_method_405(client, licensing):
    _assert_error_shape(client.get("/api/v1/nothing-here", headers=licensing), 404)
    body = _assert_error_shape(client.delete("/api/v1/licences", headers=licensing), 405)
    assert body["status"] == "METHOD_NOT_ALLOWED"


def test_unknown_licence_is_404(client, licensing):
    body = _assert_error_shape(
        client.get("/api/v1/licences/BS-IC-1999-000000", headers=licensing), 404
    )
    assert body["message"]["zh"] == "未找到该许可证"


def test_invalid_event_kind_and_missing_reason(client, licensing):
    from tests.factories import make_licence

    licence = make_licence()
    body = _assert_error_shape(
        client.post(
            f"/api/v1/licences/{licence.number}/events", json={"kind": "DESTROY"}, headers=licensing
        ),
        422,
    )
    assert {"kind", "reason"} <= set(body["errors"]["json"])


def test_an_unexpected_failure_is_a_500_without_a_trace(app, client, licensing, monkeypatch):
    from inspect_app.services import entities

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(entities, "create_entity", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post(
        "/api/v1/entities", json=GOOD | {"credit_code": credit_code()}, headers=licensing
    )
    body = _assert_error_shape(response, 500)
    assert body["status"] == "INTERNAL"
    assert "hunter2" not in response.get_data(as_text=True)


# Point 1 of issue 12: no input answers 500, anonymous or signed in, on either database.

NOT_OBJECTS = ["[1]", "[null]", '"x"', "3", "[null, null]"]
# Every operation's path with a plausible value for each of its parameters.
PARAM_VALUES = {"int": "1", "string": "IC", "default": "IC", "path": "x"}


def _every_api_route(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        url = rule.rule
        for name in rule.arguments:
            kind = type(rule._converters[name]).__name__.removesuffix("Converter").lower()
            url = url.replace(f"<{_converter_spelling(rule, name)}>", PARAM_VALUES.get(kind, "1"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def _converter_spelling(rule, name):
    import re

    return re.search(rf"<([^<>]*:)?{name}>", rule.rule).group(0)[1:-1]


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_body_that_is_not_an_object_is_a_4xx_on_every_route_signed_in_or_not(app, client, body):
    planner = login("planner", "CT")
    for method, url in _every_api_route(app):
        for headers in ({}, planner):
            response = client.open(
                url, method=method, data=body, content_type="application/json", headers=headers
            )
            assert response.status_code < 500, (method, url, response.get_data(as_text=True))
            if response.status_code >= 400:
                _assert_error_shape(response, response.status_code)


def test_a_body_that_is_not_an_object_is_a_field_error_where_an_object_is_expected(
    client, licensing
):
    before = _counts()
    response = client.post(
        "/api/v1/entities", data="[1]", content_type="application/json", headers=licensing
    )
    body = _assert_error_shape(response, 422)
    assert body["errors"]["json"]
    _nothing_written(before)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/public/signing-keys"),
        ("POST", "/api/v1/entities"),
        ("POST", "/api/v1/imports/licences"),
    ],
)
def test_deeply_nested_json_is_a_400_before_anything_else(client, method, url):
    response = client.open(
        url,
        method=method,
        data="[" * 50_000 + "]" * 50_000,
        content_type="application/json",
        headers=login("licensing", "ASC"),
    )
    body = _assert_error_shape(response, 400)
    assert body["status"] == "MALFORMED_JSON"


def test_json_nested_just_past_the_limit_is_refused_and_within_it_is_read(client, licensing):
    from inspect_app.guards import MAX_JSON_DEPTH

    too_deep = '{"name": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    response = client.post(
        "/api/v1/entities", data=too_deep, content_type="application/json", headers=licensing
    )
    assert _assert_error_shape(response, 400)["status"] == "MALFORMED_JSON"
    deep_enough = '{"name": ' + "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1) + "}"
    response = client.post(
        "/api/v1/entities", data=deep_enough, content_type="application/json", headers=licensing
    )
    assert "name" in _assert_error_shape(response, 422)["errors"]["json"]


def _raw(value: dict) -> str:
    """JSON as a real client sends a lone surrogate: as the escape \\ud800."""
    return json.dumps(value, ensure_ascii=True)


def test_a_lone_surrogate_in_a_password_is_a_field_error_anonymous(client):
    from tests.factories import make_user

    make_user("admin", username="admin")
    response = client.post(
        "/api/v1/auth/token",
        data=_raw({"username": "admin", "password": "\ud800"}),
        content_type="application/json",
    )
    body = _assert_error_shape(response, 422)
    assert body["errors"]["json"]["password"][0]["en"] == "Contains a lone surrogate."


def test_a_lone_surrogate_in_a_key_or_deep_inside_is_named_by_its_path(client, licensing):
    response = client.post(
        "/api/v1/licences",
        data=_raw({"permits": [{"permit_number": "XF\udfff"}], "\ud800": 1}),
        content_type="application/json",
        headers=licensing,
    )
    errors = _assert_error_shape(response, 422)["errors"]["json"]
    assert errors["permits"]["0"]["permit_number"][0]["zh"]
    assert "\ud800" not in response.get_data(as_text=True)


def test_every_input_schema_refuses_a_lone_surrogate_in_any_string():
    from inspect_app.api.tablet import AmendmentSchema

    with pytest.raises(Exception) as refused:
        AmendmentSchema().load(
            {
                "op_id": "op-000001",
                "base_version": 1,
                "reason": "更正",
                "changes": {"items": {"IC-01": {"result": "PASS", "notes": "\ud800"}}},
            }
        )
    assert refused.value.messages == {
        "changes": {"items": {"IC-01": {"notes": ["Contains a lone surrogate."]}}}
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/auth/devices/99999999999999999999",
        "/api/v1/auth/devices/2147483648",
        "/api/v1/tablet/inspections/99999999999999999999",
        "/api/v1/tablet/inspections/9223372036854775808/submit",
        "/api/v1/licensing/feedback/99999999999999999999",
    ],
)
def test_ids_beyond_the_id_column_are_404(client, url):
    for role, department in (("admin", None), ("inspector", "CT"), ("licensing", "ASC")):
        headers = login(role, department)
        for method in ("GET", "DELETE", "POST"):
            response = client.open(url, method=method, json={}, headers=headers)
            assert response.status_code in (404, 405), response.get_data(as_text=True)
            _assert_error_shape(response, response.status_code)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/licences?page=99999999999999999999", "page"),
        ("/api/v1/entities?page=9223372036854775807", "page"),
        ("/api/v1/tasks?page=4611686018427387904&page_size=2", "page"),
        ("/api/v1/licensing/feedback?page_size=99999999999999999999", "page_size"),
        ("/api/v1/tablet/inspections?limit=99999999999999999999", "limit"),
    ],
)
def test_page_numbers_and_limits_beyond_their_bounds_are_422(client, url, field):
    role = {"/api/v1/tab": ("inspector", "CT"), "/api/v1/lic": ("licensing", "ASC")}
    headers = login(*role.get(url[:11], ("admin", None)))
    if url.startswith("/api/v1/tablet"):
        from tests.factories import inspector_with_login

        _, headers = inspector_with_login("CT0009", "CT")
    body = _assert_error_shape(client.get(url, headers=headers), 422)
    assert field in body["errors"]["query"]


@pytest.fixture
def drawn(client):
    """A drawn joint check of one internet café: (inspection id, the 文化旅游局 member's headers)."""
    from tests.factories import inspector_with_login, internet_cafes
    from tests.tablet.conftest import draw_joint_check

    internet_cafes(1)
    _, ct = inspector_with_login("CT0001", "CT", name="王晓明")
    inspector_with_login("FR0001", "FR", name="陈立", device="平板-07")
    (inspection,) = draw_joint_check(client)
    return inspection.id, ct


def test_integers_in_bodies_are_bounded(client, drawn):
    inspection_id, ct = drawn
    for name, value in (("item_version", 2**64), ("item_version", -1)):
        body = {"op_id": "op-00000001", "item_version": 0, "result": "PASS"} | {name: value}
        response = client.put(
            f"/api/v1/tablet/inspections/{inspection_id}/items/IC-01", json=body, headers=ct
        )
        assert name in _assert_error_shape(response, 422)["errors"]["json"]


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T00:00:00Z"]
)
def test_extreme_times_in_the_sync_are_422(client, since):
    from tests.factories import inspector_with_login

    _, headers = inspector_with_login("CT0009", "CT")
    response = client.get(
        "/api/v1/tablet/inspections", query_string={"updated_since": since}, headers=headers
    )
    assert "updated_since" in _assert_error_shape(response, 422)["errors"]["query"]


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1000-01-01T00:00:00"]
)
def test_a_sync_cursor_of_an_extreme_time_is_422(client, stamp):
    import base64

    from tests.factories import inspector_with_login

    _, headers = inspector_with_login("CT0009", "CT")
    cursor = base64.urlsafe_b64encode(f"{stamp}|1".encode()).decode().rstrip("=")
    response = client.get(
        "/api/v1/tablet/inspections", query_string={"cursor": cursor}, headers=headers
    )
    assert "cursor" in _assert_error_shape(response, 422)["errors"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scope": {"licensed_until": "9999-12-31"}}, "scope"),
        ({"scope": {"licensed_from": "0001-01-01"}}, "scope"),
        ({"period_start": "0418-07-25"}, "period_start"),
        ({"deadline": "9999-12-31"}, "deadline"),
    ],
)
def test_a_task_with_extreme_dates_is_refused_when_planned(client, changes, field):
    from tests.factories import joint_ic_task_body

    response = client.post(
        "/api/v1/tasks", json=joint_ic_task_body(**changes), headers=login("planner", "CT")
    )
    assert field in _assert_error_shape(response, 422)["errors"]["json"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/licences",
            {"valid_until": "9999-12-31", "issued_at": "0001-01-01T00:00:00+14:00"},
            "valid_until",
        ),
        ("/api/v1/entities/x/complaints", {"received_on": "0001-01-01", "summary": "投诉"}, None),
    ],
)
def test_other_dates_are_bounded_too(client, url, body, field):
    response = client.post(url, json=body, headers=login("admin"))
    errors = _assert_error_shape(response, 422)["errors"]["json"]
    assert set(body) - {"summary"} <= set(errors)


def test_the_draw_map_of_a_draft_task_is_409(client):
    from tests.factories import joint_ic_task_body

    planner = login("planner", "CT")
    code = client.post("/api/v1/tasks", json=joint_ic_task_body(), headers=planner).get_json()[
        "code"
    ]
    response = client.get(f"/api/v1/maps/tasks/{code}/draw?tiles=none", headers=planner)
    assert _assert_error_shape(response, 409)["status"] == "TASK_NOT_FROZEN"


def _integers(schema: dict, spec: dict, where: str):
    """Every integer in a (request) schema of the OpenAPI document, with where it is."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "integer":
        yield where, schema
    for name, child in (schema.get("properties") or {}).items():
        yield from _integers(child, spec, f"{where}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _integers(schema[key], spec, f"{where}[]")


def test_every_integer_an_operation_reads_is_bounded_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            parameters = operations.get("parameters", []) + operation.get("parameters", [])
            for parameter in parameters:
                if "schema" in parameter:
                    found += _integers(parameter["schema"], spec, f"{path} {parameter['name']}")
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                found += _integers(content.get("schema", {}), spec, f"{method} {path} body")
    unbounded = [where for where, schema in found if {"minimum", "maximum"} - set(schema)]
    assert found and not unbounded


def test_an_imported_row_with_an_extreme_date_is_reported_not_stored(client):
    from tests.importing_data import three_codes

    row = {
        "licence_number": "BS-IC-2026-000301",
        "credit_code": three_codes()[0],
        "entity_name": "上海宝山区罗店网络会所",
        "address": "上海市宝山区罗店镇美丹路88号",
        "street": "BS04",
        "lat": 31.418,
        "lon": 121.338,
        "industry": "IC",
        "issued_at": "0001-01-01",
        "valid_until": "9999-12-31",
        "permits": [
            {
                "permit_code": "IC-P1",
                "permit_number": "WWW310113000301",
                "valid_from": "2026-06-01",
                "valid_until": "9999-12-31",
            }
        ],
    }
    response = client.post("/api/v1/imports/licences", json=[row], headers=login("admin"))
    report = response.get_json()
    assert response.status_code == 200 and report["created"] == 0
    assert {"issued_at", "valid_until"} <= {e["field"] for e in report["errors"]}
