"""Run real services in the test's event loop: uvicorn on loopback ports, real PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import uvicorn

from pathways_infra.service import ServiceRuntime
from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import SERVICE_NAMES, ServiceName, Settings

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningService:
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    server: uvicorn.Server
    task: asyncio.Task[Any]


@dataclass
class RunningSystem:
    services: dict[ServiceName, RunningService] = field(default_factory=dict)

    def client(self, service: ServiceName) -> httpx.AsyncClient:
        return self.services[service].client

    def runtime(self, service: ServiceName) -> ServiceRuntime:
        return self.services[service].runtime


@contextlib.asynccontextmanager
async def running_system(
    settings: Settings, services: Sequence[ServiceName] = SERVICE_NAMES, *, relay: bool = True
) -> AsyncIterator[RunningSystem]:
    system = RunningSystem()
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        for name in services:
            system.services[name] = await start_service(name, settings, relay=relay)
        yield system
    finally:
        for running in system.services.values():
            running.server.should_exit = True
            await running.client.aclose()
        for running in system.services.values():
            await asyncio.wait_for(running.task, timeout=30)
        # Each uvicorn server puts back the handler it found, and they stop in any order: the last to
        # stop may put back another server's, which would then swallow Ctrl-C in every later test.
        for number, handler in handlers.items():
            signal.signal(number, handler)


async def stop_service(running: RunningService) -> None:
    running.server.should_exit = True
    await running.client.aclose()
    await asyncio.wait_for(running.task, timeout=30)


async def start_service(name: ServiceName, settings: Settings, *, relay: bool) -> RunningService:
    runtime = build_runtime(name, settings, relay=relay)
    port = free_port()
    config = uvicorn.Config(build_app(runtime), host="127.0.0.1", port=port, log_config=None, lifespan="on", ws="none")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"{name} service stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} service did not start within 30s")
        await asyncio.sleep(0.02)
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
    return RunningService(runtime, client, server, task)


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, what: str = "") -> T:
    """Poll until ``probe`` returns something other than None (read models follow events)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or probe}")
        await asyncio.sleep(0.05)


async def get_json_when_found(client: httpx.AsyncClient, path: str, *, timeout: float = 20.0) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(path)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return await eventually(probe, timeout=timeout, what=f"GET {path}")


async def listed_once_known(client: httpx.AsyncClient, path: str, **params: str) -> httpx.Response:
    """A list's answer once the service knows the ids it is filtered by (read models follow the events: until
    then, a 404 naming them)."""

    async def probe() -> httpx.Response | None:
        response = await client.get(path, params=params)
        return None if response.status_code == 404 else response

    return await eventually(probe, what=f"GET {path} {params} once its ids are known")
