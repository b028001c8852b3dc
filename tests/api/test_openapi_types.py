"""The OpenAPI document types every response body a client receives: no field is an untyped
bag, so a client generated from it knows every field."""

from __future__ import annotations

import pytest

COMBINATORS = ("allOf", "anyOf", "oneOf")
# How apispec spells "or null" beside a nested schema under OpenAPI 3.0.
NULL_BRANCH = {"type": "object", "nullable": True}
# A value whose JSON type varies by nature (e.g. a recomputed value that differs), marked so.
ANY_VALUE = "x-any-json-value"


def _untyped(schema: dict, components: dict, path: str, seen: frozenset = frozenset()) -> list:
    """Where, inside `schema`, a value has no type a client could rely on."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _untyped(components[name], components, f"{path}<{name}>", seen | {name})
    for key in COMBINATORS:
        if key in schema:
            return [
                problem
                for index, part in enumerate(schema[key])
                if part != NULL_BRANCH
                for problem in _untyped(part, components, f"{path}.{key}[{index}]", seen)
            ]
    if schema.get(ANY_VALUE):
        return []
    kind = schema.get("type")
    if kind is None:
        return [f"{path}: no type"]
    if kind == "array":
        return _untyped(schema.get("items") or {}, components, f"{path}[]", seen)
    if kind != "object":
        return []
    properties = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    if not properties and not isinstance(extra, dict):
        return [f"{path}: an object without properties"]
    problems = [
        problem
        for name, value in properties.items()
        for problem in _untyped(value, components, f"{path}.{name}", seen)
    ]
    if isinstance(extra, dict):
        problems += _untyped(extra, components, f"{path}.*", seen)
    return problems


def _operations(document: dict):
    for url, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "patch", "delete"):
                yield url, method, operation


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_success_body_has_a_typed_schema(document):
    components = document.get("components", {}).get("schemas", {})
    problems = []
    for url, method, operation in _operations(document):
        for status, response in operation["responses"].items():
            if not str(status).startswith("2"):
                continue
            for media, content in (response.get("content") or {}).items():
                where = f"{method.upper()} {url} {status} {media}"
                if "schema" not in content:
                    problems.append(f"{where}: no schema")
                elif media == "application/json":
                    problems += _untyped(content["schema"], components, where)
    assert problems == []


def test_every_route_of_the_api_is_checked(document):
    checked = {url for url, _, _ in _operations(document)}
    assert {"/api/v1/tasks", "/api/v1/licences/{number}", "/api/v1/public/draws/{code}"} <= checked
