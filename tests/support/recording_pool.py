"""A stand-in for a service's read pool, to test its lists in process without servers.

It records the SQL each list sends and answers with the rows it is given, so a test sees which conditions
reach the query and what total the answer tells.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

import asyncpg
import httpx

from pathways_infra.services import build_app, build_runtime
from pathways_infra.settings import ServiceName, Settings


class RecordingPool:
    """Answers every page with ``rows`` and every count with ``total``, knows the ids in ``known`` (of any kind);
    keeps the queries sent."""

    def __init__(self, rows: list[dict[str, Any]] | None = None, total: int = 0, known: Iterable[UUID] = ()) -> None:
        self.rows, self.total, self.known = rows or [], total, frozenset(known)
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
        if is_known_ids_lookup(query):
            return [{"asked": n, "id": one} for n, ids in enumerate(args) for one in ids if one in self.known]
        return self.rows

    async def fetchval(self, query: str, *args: Any) -> int:
        self.sent.append((query, args))
        return self.total

    def as_pool(self) -> asyncpg.Pool:
        return cast(asyncpg.Pool, self)


def is_known_ids_lookup(query: str) -> bool:
    """Whether the query asks which of a request's ids the service knows (one branch per kind, ids in ``$n``)."""
    return query.startswith("SELECT 0 AS asked, known.id FROM (")


@asynccontextmanager
async def in_process(service: ServiceName, pool: RecordingPool) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service's real app, reading from ``pool``; no command reaches an application."""
    app = build_app(build_runtime(service, Settings()))
    app.state.application = SimpleNamespace()
    app.state.pool = pool
    app.state.runner = SimpleNamespace(store=SimpleNamespace(events_table=f"{service}_events"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client
