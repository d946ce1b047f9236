"""Hostile input on every operation of the three services: always an answer that says what is wrong, never a
server error; and whatever got through is carried to every read model with nothing parked."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from pathways_infra.settings import SERVICE_NAMES, Settings
from pathways_infra.status import SystemStatus, read_status
from tests.support.hostile import HostileInput, HostileRequest, ids_in
from tests.support.journeys import enroll, in_training, open_project
from tests.support.system import RunningSystem, eventually, running_system
from tests.support.training_steps import ready_to_complete

SEED = 20261207
REQUESTS_PER_OPERATION = 16


async def _known_ids(client: httpx.AsyncClient, document: dict[str, Any]) -> list[str]:
    """Ids the service lists, so that hostile requests reach the rules behind the 404s too."""
    found: list[str] = []
    for path, operations in document["paths"].items():
        if "get" in operations and "{" not in path:
            response = await client.get(path, params={"limit": "50"})
            found += ids_in(response.text) if response.status_code == 200 else []
    return list(dict.fromkeys(found))


def _fault(request: HostileRequest, response: httpx.Response) -> str | None:
    """What is wrong with the answer, if anything: a server error, or an error that does not say why."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        try:
            reason = response.json()
        except json.JSONDecodeError:
            return f"{response.status_code} without a JSON reason: {response.text[:300]}"
        if not isinstance(reason, dict) or not ({"error", "detail"} & reason.keys()):
            return f"{response.status_code} without an error or detail: {response.text[:300]}"
    return None


async def _send(client: httpx.AsyncClient, request: HostileRequest) -> httpx.Response:
    return await client.request(
        request.method, request.path, params=request.params, headers=request.headers, content=request.content
    )


async def _seeded(system: RunningSystem) -> None:
    project = await open_project(system, name="Herbal soap", province_code="TH-57")
    enrolled = await enroll(system, project, birth_year=1975)
    await in_training(system, enrolled)
    await ready_to_complete(system, enrolled)


@pytest.mark.timeout(300)
async def test_hostile_input_on_every_operation_gets_a_reason_and_parks_nothing(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    faults: list[str] = []
    answered: Counter[int] = Counter()
    async with running_system(settings) as system:
        await _seeded(system)
        for service in SERVICE_NAMES:
            client = system.client(service)
            document = (await client.get("/openapi.json")).json()
            hostile = HostileInput(document, await _known_ids(client, document), seed=SEED)
            for request in hostile.requests(REQUESTS_PER_OPERATION):
                response = await _send(client, request)
                answered[response.status_code // 100] += 1
                fault = _fault(request, response)
                if fault:
                    faults.append(f"{service} {request.method} {request.path} {request.content!r:.200}: {fault}")
        urls = {service: str(system.client(service).base_url) for service in SERVICE_NAMES}

        async def settled() -> SystemStatus | None:
            status = await read_status(operator_js, urls)
            return status if status.caught_up else None

        status = await eventually(settled, timeout=60, what="every message the hostile input caused applied")

    assert faults == []
    assert answered[4] > sum(answered.values()) / 2, answered  # the input was hostile: most of it refused
    assert answered[2] > 20, answered  # and some got through, to reach the consumers
    assert dict(status.parked) == {}, status.parked
