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
