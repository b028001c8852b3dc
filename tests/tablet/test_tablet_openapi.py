"""The OpenAPI document describes what a tablet receives: a typed schema for every 2xx answer of
the tablet routes, down to the nested fields, and the 304s of the conditional reads."""

from __future__ import annotations

import pytest

TABLET = "/api/v1/tablet/"


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _untyped(document: dict, schema: dict, where: str, seen: set) -> list[str]:
    """Every place under `schema` that says nothing of its type (an empty or free-form object)."""
    if "$ref" in schema:
        name = schema["$ref"]
        if name in seen:
            return []
        seen = seen | {name}
    schema = _resolve(document, schema)
    if "anyOf" in schema:  # a nullable nested schema: apispec adds a bare nullable object
        kinds = [k for k in schema["anyOf"] if k != {"type": "object", "nullable": True}]
        return (
            [f for kind in kinds for f in _untyped(document, kind, where, seen)]
            if kinds
            else [where]
        )
    if schema.get("type") == "array":
        return _untyped(document, schema.get("items", {}), f"{where}[]", seen)
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties")
        if not properties:
            return [where]
        found = []
        for name, field in properties.items():
            found += _untyped(document, field, f"{where}.{name}", seen)
        return found
    return [] if "type" in schema else [where]


def _tablet_answers(document: dict):
    for path, operations in document["paths"].items():
        if path.startswith(TABLET):
            for method, operation in operations.items():
                if method == "parameters":  # the path's own, not an operation
                    continue
                for status, answer in operation["responses"].items():
                    yield f"{method.upper()} {path} {status}", status, answer


def test_every_2xx_answer_of_the_tablet_routes_has_a_typed_schema(document):
    answers = [(where, answer) for where, status, answer in _tablet_answers(document)
               if status.startswith("2")]  # fmt: skip
    assert len(answers) == 10  # the list, the detail, seven writes and a submission asked for

    for where, answer in answers:
        schema = answer["content"]["application/json"]["schema"]
        assert _untyped(document, schema, where, set()) == []


def test_the_offline_copy_types_its_nested_fields(document):
    detail = document["paths"][TABLET + "inspections/{inspection_id}"]["get"]["responses"]["200"]
    schema = _resolve(document, detail["content"]["application/json"]["schema"])
    checklist = _resolve(document, schema["properties"]["checklist"]["items"])
    item = _resolve(document, checklist["properties"]["items"]["items"])

    assert schema["properties"]["updated_at"] == {"type": "string", "format": "date-time"}
    assert item["properties"]["item_version"]["type"] == "integer"
    assert _resolve(document, schema["properties"]["entity"])["properties"]["lat"]["type"] == (
        "number"
    )


def test_the_conditional_reads_declare_their_304(document):
    not_modified = {where for where, status, _ in _tablet_answers(document) if status == "304"}

    assert not_modified == {
        "GET /api/v1/tablet/inspections 304",
        "GET /api/v1/tablet/inspections/{inspection_id} 304",
    }
