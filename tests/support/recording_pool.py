"""A stand-in for a service's read pool, to test its lists in process without servers.

It records the SQL each list sends and answers with the rows it is given, so a test sees which conditions
reach the query and what total the answer tells.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any, cast

import asyncpg
import httpx

from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import ServiceName, Settings


class RecordingPool:
    """Answers every page with ``rows`` and every count with ``total``; keeps the queries sent."""

    def __init__(self, rows: list[dict[str, Any]] | None = None, total: int = 0) -> None:
        self.rows, self.total = rows or [], total
        self.sent: list[tuple[str, tuple[Any, ...]]] = []
        self.transactions: list[dict[str, Any]] = []

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[RecordingPool]:
        yield self

    @asynccontextmanager
    async def transaction(self, **options: Any) -> AsyncIterator[None]:
        self.transactions.append(options)
        yield

    async def fetch(self, query: str, *args: Any) -> list[dict[str, Any]]:
        self.sent.append((query, args))
        return self.rows

    async def fetchval(self, query: str, *args: Any) -> int:
        self.sent.append((query, args))
        return self.total

    def as_pool(self) -> asyncpg.Pool:
        return cast(asyncpg.Pool, self)


@asynccontextmanager
async def in_process(service: ServiceName, pool: RecordingPool) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service's real app, reading from ``pool``; no command reaches an application."""
    app = build_app(build_runtime(service, Settings()))
    app.state.application = SimpleNamespace()
    app.state.pool = pool
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client
