"""What an integrator reads in each service's OpenAPI document: the headers every command takes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

LOOKUPS = frozenset({"/participants/lookup"})
"""Queries sent as a POST, so that what they look up (a national ID) is never in a URL: no command headers."""


def _app(service: ServiceName) -> FastAPI:
    return build_app(build_runtime(service, Settings()))


FILTERED_BY_ID = frozenset(
    {"/projects", "/mentors", "/enrollments", "/curricula", "/cohorts", "/training-records", "/follow-ups"}
    | {"/enterprises", "/programme/indicators"}
)
"""Queries taking an id as a filter: an unknown one is a 404 naming it."""


def _openapi(service: ServiceName) -> dict[str, Any]:
    return _app(service).openapi()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_command_documents_the_actor_and_idempotency_headers(service: ServiceName) -> None:
    paths = _openapi(service)["paths"]
    commands = [
        (path, op)
        for path, ops in paths.items()
        for method, op in ops.items()
        if method == "post" and path not in LOOKUPS
    ]
    assert commands
    for path, operation in commands:
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert {"X-Actor-Id", "X-Actor-Role", "X-Actor-Unit", "Idempotency-Key", "If-Match"} <= headers, path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_queries_take_no_command_headers_and_the_docs_say_actors_are_unauthenticated(service: ServiceName) -> None:
    document = _openapi(service)
    assert "Not authenticated yet" in document["info"]["description"]
    for path, ops in document["paths"].items():
        queries = [ops[method] for method in ("get", "post") if method in ops and (method == "get" or path in LOOKUPS)]
        for query in queries:
            headers = {p["name"] for p in query.get("parameters", []) if p["in"] == "header"}
            assert "X-Actor-Id" not in headers, path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_503_declares_the_retry_after_header_it_is_sent_with(service: ServiceName) -> None:
    answers = [
        (method, path, operation["responses"]["503"])
        for path, ops in _openapi(service)["paths"].items()
        for method, operation in ops.items()
        if "503" in operation["responses"]
    ]
    assert answers, "no operation documents a 503: this test would show nothing"
    for method, path, answer in answers:
        assert answer.get("headers", {}).get("Retry-After", {}).get("schema") == {"type": "integer", "minimum": 0}, (
            method,
            path,
        )


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_documents_the_errors_it_answers_with_the_bodies_sent(service: ServiceName) -> None:
    document = _openapi(service)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas, "FastAPI's 422 body, which no service sends"
    for path, ops in document["paths"].items():
        for method, operation in ops.items():
            answers = {code: answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                       for code, answer in operation["responses"].items() if int(code) >= 400}  # fmt: skip
            # Every operation refuses a query parameter it does not take; only /health reads no database.
            expected = {"422": "InvalidRequest"} if path == "/health" else {"422": "InvalidRequest", "503": "Problem"}
            if "requestBody" in operation:
                expected |= {"415": "Problem"}  # a body that is not JSON
            if method == "post":
                expected |= {"404": "NotFound", "409": "BrokenRule", "413": "Problem"}
            elif "{" in path or path in FILTERED_BY_ID:
                expected |= {"404": "NotFound"}
            if path.endswith(("/personal-data", "/contact")) and method == "get":
                expected |= {"410": "Problem"}  # erased
            assert answers == expected, (method, path)
            assert all(name in schemas for name in answers.values())


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_command_documents_that_an_idempotency_key_may_not_be_empty(service: ServiceName) -> None:
    for path, ops in _openapi(service)["paths"].items():
        if "post" in ops and path not in LOOKUPS:
            [key] = [p for p in ops["post"]["parameters"] if p["name"] == "Idempotency-Key"]
            assert key["schema"]["minLength"] == 1, path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_list_documents_how_many_rows_match_in_its_total_count_header(service: ServiceName) -> None:
    lists = [
        (path, operation["responses"]["200"])
        for path, ops in _openapi(service)["paths"].items()
        for method, operation in ops.items()
        if method == "get"
        and operation["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {}).get("type")
        == "array"
    ]
    assert lists
    for path, answer in lists:
        assert answer["headers"]["X-Total-Count"]["schema"] == {"type": "integer", "minimum": 0}, path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_404_for_an_unknown_filter_names_the_parameters_that_take_ids(service: ServiceName) -> None:
    for path, ops in _openapi(service)["paths"].items():
        if path in FILTERED_BY_ID:
            operation = ops["get"]
            ids = [p["name"] for p in operation["parameters"] if p["in"] == "query" and p["name"].endswith("_id")]
            assert ids, path
            described = operation["responses"]["404"]["description"]
            assert all(f"`{name}`" in described for name in ids), (path, described)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_query_documents_the_body_it_answers_field_by_field(service: ServiceName) -> None:
    """What an integrator generates a client from: each GET's 200 body typed all the way down (no free-form
    object, no value of any type), every field of every object in it required (each is always sent, null when
    it has no value). tests/e2e/test_demo.py holds the real answers to these schemas."""
    app = _app(service)
    document = app.openapi()
    queries = {route.path for route in app.routes if isinstance(route, APIRoute) and route.include_in_schema
               and "GET" in route.methods}  # fmt: skip
    assert queries == {path for path, operations in document["paths"].items() if "get" in operations}
    components = document["components"]["schemas"]
    for path in sorted(queries):
        answer = document["paths"][path]["get"]["responses"]["200"]
        schema = answer["content"]["application/json"]["schema"]
        assert _vague_parts(schema, components, at="$") == [], f"GET {path}"


def _vague_parts(
    schema: dict[str, Any], components: dict[str, Any], *, at: str, seen: frozenset[str] = frozenset()
) -> list[str]:
    """Where ``schema`` does not say what a value is, or leaves out whether an object's field is there."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return [] if name in seen else _vague_parts(components[name], components, at=name, seen=seen | {name})
    if "anyOf" in schema:
        return [part for option in schema["anyOf"] for part in _vague_parts(option, components, at=at, seen=seen)]
    if "enum" in schema or "const" in schema:
        return []
    kind = schema.get("type")
    if kind == "array":
        return _vague_parts(schema.get("items", {}), components, at=f"{at}[]", seen=seen)
    if kind == "object" and "properties" in schema:
        properties: dict[str, Any] = schema["properties"]
        optional = sorted(set(properties) - set(schema.get("required", [])))
        vague = [f"{at}: {', '.join(optional)} not required"] if optional else []
        for name, field in properties.items():
            vague += _vague_parts(field, components, at=f"{at}.{name}", seen=seen)
        return vague
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return _vague_parts(schema["additionalProperties"], components, at=f"{at}{{}}", seen=seen)
    if kind in ("string", "integer", "number", "boolean", "null"):
        return []
    return [f"{at}: no shape ({schema})"]
