"""Requests a service cannot take get an answer saying why, in the shapes its OpenAPI document gives.

The three services' real apps, in process, without servers: every answer below is given before any
handler reads a database (the application is a stand-in that nothing reaches).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from types import SimpleNamespace
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.utils import get_flat_dependant
from fastapi.routing import APIRoute

from pathways_infra.openapi_errors import InvalidRequest, NotFound, Problem
from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings


def _app(service: ServiceName) -> FastAPI:
    app = build_app(build_runtime(service, Settings()))
    app.state.application = SimpleNamespace()
    app.state.runner = SimpleNamespace()
    return app


async def _client(service: ServiceName) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(service)), base_url="http://test") as client:
        yield client


@pytest.fixture
async def training() -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client("training"):
        yield client


def _operations(service: ServiceName) -> list[tuple[str, str, list[str]]]:
    """Every operation: method, a path to it (ids filled in), and the query parameters it takes."""
    operations: list[tuple[str, str, list[str]]] = []
    for route in _app(service).routes:
        if isinstance(route, APIRoute):
            path = re.sub(r"\{[^}]+\}", str(uuid4()), route.path)
            taken = [field.alias for field in get_flat_dependant(route.dependant).query_params]
            operations.extend((method, path, taken) for method in sorted(route.methods))
    return operations


def _operations_taking_a_body(service: ServiceName, *, takes_one: bool = True) -> list[tuple[str, str]]:
    """Every operation that reads a JSON body (or, ``takes_one`` False, every command that takes
    none): method and a path to it (ids filled in)."""
    return [
        (method, re.sub(r"\{[^}]+\}", str(uuid4()), route.path))
        for route in _app(service).routes
        if isinstance(route, APIRoute) and (route.body_field is not None) is takes_one
        for method in sorted(route.methods - {"GET", "HEAD"})
    ]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_operation_refuses_a_query_parameter_it_does_not_take_naming_those_it_takes(
    service: ServiceName,
) -> None:
    async for client in _client(service):
        for method, path, taken in _operations(service):
            answer = await client.request(method, path, params={"statu": "IN_TRAINING"}, json={})

            assert answer.status_code == 422, (method, path, answer.text)
            [refused] = InvalidRequest.model_validate_json(answer.content).fields
            assert (refused.field, refused.type) == ("query.statu", "extra_forbidden"), (method, path)
            assert all(name in refused.message for name in taken), (method, path, refused.message)
            assert taken or "takes no query parameters" in refused.message


async def test_a_filter_a_list_lacks_is_refused_not_ignored(training: httpx.AsyncClient) -> None:
    answer = await training.get("/cohorts", params={"status": "PLANNED", "track": "RESKILL", "limit": 3})

    assert answer.status_code == 422
    [refused] = answer.json()["fields"]
    assert refused["field"] == "query.track"
    assert "GET /cohorts takes only: project_id, curriculum_id, status, limit, offset" in refused["message"]


async def test_a_body_that_is_not_valid_json_is_refused_saying_where(training: httpx.AsyncClient) -> None:
    body = b'{\n  "title": "Weaving",\n  "hours": 12,,\n}'
    answer = await training.post("/curricula", content=body, headers={"content-type": "application/json"})

    assert answer.status_code == 422
    [refused] = answer.json()["fields"]
    assert (refused["field"], refused["type"]) == ("body", "json_invalid")
    assert refused["message"].startswith("The body is not valid JSON")
    assert "line 3, column 15 (character 38)" in refused["message"]


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
async def test_a_body_sent_as_something_else_than_json_is_415_saying_json_is_needed(
    training: httpx.AsyncClient, content_type: str
) -> None:
    answer = await training.post(
        "/curricula", content=b"title=Weaving&hours=12", headers={"content-type": content_type}
    )

    assert answer.status_code == 415
    assert "application/json" in Problem.model_validate_json(answer.content).error
    assert content_type in answer.json()["error"]


@pytest.mark.parametrize("key", ["", "   "])
async def test_an_empty_idempotency_key_is_refused_naming_the_header(training: httpx.AsyncClient, key: str) -> None:
    answer = await training.post(f"/cohorts/{uuid4()}/start", json={}, headers={"Idempotency-Key": key})

    assert answer.status_code == 422
    [refused] = InvalidRequest.model_validate_json(answer.content).fields
    assert refused.field == "header.Idempotency-Key"
    assert "empty" in refused.message


async def test_an_unknown_path_and_a_wrong_method_answer_in_the_documented_shape(training: httpx.AsyncClient) -> None:
    unknown = await training.get("/training-record")
    wrong_method = await training.delete("/cohorts")  # a command (POST) and a list (GET)

    assert unknown.status_code == 404
    assert "/training-record" in NotFound.model_validate_json(unknown.content).error
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, POST"
    said = Problem.model_validate_json(wrong_method.content).error
    assert said == "DELETE is not allowed on /cohorts; it takes GET, POST"


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_operation_refuses_a_query_parameter_given_twice(service: ServiceName) -> None:
    """FastAPI would take the last value: an answer for a day or a status the caller may not have meant."""
    async for client in _client(service):
        for method, path, taken in _operations(service):
            if not taken:
                continue
            name = taken[0]
            answer = await client.request(method, f"{path}?{name}=1&{name}=2", json={})

            assert answer.status_code == 422, (method, path, answer.text)
            [refused] = InvalidRequest.model_validate_json(answer.content).fields
            assert (refused.field, refused.type) == (f"query.{name}", "too_many_values"), (method, path)
            assert "Given more than once" in refused.message


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_command_refuses_a_body_naming_a_key_twice(service: ServiceName) -> None:
    """JSON parsers keep the last of a repeated name; the client may have meant the first."""
    async for client in _client(service):
        for method, path in _operations_taking_a_body(service):
            body = b'{"reason": {"day": "2026-01-01", "day": "2020-01-01"}}'
            answer = await client.request(method, path, content=body, headers={"content-type": "application/json"})

            assert answer.status_code == 422, (method, path, answer.text)
            [refused] = InvalidRequest.model_validate_json(answer.content).fields
            assert (refused.field, refused.type) == ("body", "json_repeated_key"), (method, path)
            assert "'day' more than once" in refused.message


async def test_a_body_without_repeated_keys_gets_past_the_check(training: httpx.AsyncClient) -> None:
    body = b'{"title": "Weaving", "nested": {"title": "again, in another object"}}'
    answer = await training.post("/curricula", content=body, headers={"content-type": "application/json"})

    assert answer.status_code == 422
    types = {field["type"] for field in answer.json()["fields"]}
    assert "missing" in types and "json_repeated_key" not in types, answer.text


@pytest.mark.parametrize("service", ["enrollment"])  # the others' commands all take a body
async def test_every_command_that_takes_no_body_refuses_one_rather_than_drop_it(service: ServiceName) -> None:
    """``{"approved_on": …}`` sent to an approval that records no day would otherwise be lost unsaid."""
    operations = _operations_taking_a_body(service, takes_one=False)
    async for client in _client(service):
        for method, path in operations:
            answer = await client.request(method, path, json={"approved_on": "2025-01-01"})

            assert answer.status_code == 422, (method, path, answer.text)
            [refused] = InvalidRequest.model_validate_json(answer.content).fields
            assert (refused.field, refused.type) == ("body", "extra_forbidden"), (method, path)
            assert "takes no body" in refused.message
