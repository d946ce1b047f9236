"""Drives a planned programme through the running services' HTTP APIs, phase by phase.

Every command carries an ``Idempotency-Key`` derived from the seed, so a demo interrupted and run
again continues where it stopped instead of acting twice. A command refused because the event it
depends on has not reached its service yet (a retryable 409, or a 404 for a record another service
is about to open) is retried with backoff; anything else that is not 201 stops the demo.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pathways_infra.http_client import LeanClient, Response

RETRY_FOR_SECONDS = 120.0


class DemoError(RuntimeError):
    """A command the demo sent was refused for a reason waiting cannot fix."""


_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    retries: int = 0
    started: float = field(default_factory=time.perf_counter)
    phases: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def commands(self) -> int:
        return len(self.latencies)

    def record(self, service: str, path: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_kind[f"{service} POST {_ID.sub('{id}', path)}"].append(seconds)

    def percentile(self, share: float) -> float:
        return _percentile(self.latencies, share)

    def slowest_kinds(self, count: int) -> list[dict[str, Any]]:
        """The kinds of command with the highest p99: where a latency tail comes from."""
        by_p99 = sorted(self.by_kind.items(), key=lambda kind: _percentile(kind[1], 0.99), reverse=True)
        return [
            {"command": kind, "count": len(seconds), "p50_ms": round(_percentile(seconds, 0.50) * 1000, 1),
             "p99_ms": round(_percentile(seconds, 0.99) * 1000, 1)}
            for kind, seconds in by_p99[:count]
        ]  # fmt: skip


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@dataclass(frozen=True)
class Command:
    service: str
    path: str
    body: Mapping[str, Any]
    key: str
    waits_for_events: bool = False  # a 404 may mean "not there yet", not "wrong id"


class Driver:
    def __init__(
        self,
        clients: Mapping[str, LeanClient],
        progress: Progress,
        stats: Stats,
        *,
        run_id: str,
        concurrency: int = 96,
    ) -> None:
        self._clients = clients
        self._progress = progress
        self.stats = stats
        self._run_id = run_id
        self._concurrency = concurrency

    def command(self, service: str, path: str, body: Mapping[str, Any], key: str, *, waits: bool = False) -> Command:
        return Command(service, path, body, f"demo-{self._run_id}-{key}", waits)

    async def send(self, command: Command) -> dict[str, Any]:
        client = self._clients[command.service]
        headers = {"Idempotency-Key": command.key, "X-Actor-Id": "pathways-demo", "X-Actor-Role": "programme-officer"}
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        delay = 0.05
        while True:
            began = time.perf_counter()
            response = await client.post(command.path, command.body, headers)
            if response.status_code == 201:
                self.stats.record(command.service, command.path, time.perf_counter() - began)
                answer: dict[str, Any] = response.json()
                return answer
            if not self._worth_waiting(command, response) or time.monotonic() > deadline:
                raise DemoError(f"{command.service} POST {command.path}: {response.status_code} {response.text}")
            self.stats.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    @staticmethod
    def _worth_waiting(command: Command, response: Response) -> bool:
        if response.status_code in (409, 503):  # 503: the service lost its database connection for a moment
            return bool(response.json().get("retryable"))
        return response.status_code == 404 and command.waits_for_events

    async def get(self, service: str, path: str) -> Response:
        return await self._clients[service].get(path)

    async def phase(self, title: str, steps: Iterable[Callable[[], Awaitable[None]]], *, total: int) -> None:
        """Run the steps (each a sequence of commands for one subject), the driver's concurrency at a time."""
        task = self._progress.add_task(title, total=total)
        began = time.perf_counter()
        limit = asyncio.Semaphore(self._concurrency)

        async def one(step: Callable[[], Awaitable[None]]) -> None:
            async with limit:
                await step()
            self._progress.advance(task)

        await asyncio.gather(*(one(step) for step in steps))
        self.stats.phases[title] = time.perf_counter() - began


def progress_bar() -> Progress:
    """On stderr, so that ``--json`` output on stdout stays parseable."""
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        # Lines printed meanwhile go above the bar only when both share a terminal: else into stderr they'd go.
        redirect_stdout=sys.stdout.isatty(),
    )
