"""What an integrator reads in each service's OpenAPI document: the headers every command takes."""

from __future__ import annotations

from typing import Any

import pytest

from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings


def _openapi(service: ServiceName) -> dict[str, Any]:
    return build_app(build_runtime(service, Settings())).openapi()


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_command_documents_the_actor_and_idempotency_headers(service: ServiceName) -> None:
    paths = _openapi(service)["paths"]
    commands = [(path, op) for path, ops in paths.items() for method, op in ops.items() if method == "post"]
    assert commands
    for path, operation in commands:
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert {"X-Actor-Id", "X-Actor-Role", "X-Actor-Unit", "Idempotency-Key", "If-Match"} <= headers, path


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_queries_take_no_command_headers_and_the_docs_say_actors_are_unauthenticated(service: ServiceName) -> None:
    document = _openapi(service)
    assert "Not authenticated yet" in document["info"]["description"]
    for path, ops in document["paths"].items():
        if "get" in ops:
            headers = {p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "header"}
            assert "X-Actor-Id" not in headers, path
