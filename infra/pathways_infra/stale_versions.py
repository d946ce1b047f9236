"""``If-Match``: a command acts only if the record its path names is still at the version the caller saw.

Checked against the event store once the request is valid and before the command runs, so a stale
view is refused before any rule the command would break now, whatever other records it reads. The
commit checks the version again, so a writer in between is still caught.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import asyncpg
from starlette.requests import Request

from pathways_infra.commands import ConcurrencyError
from pathways_infra.request_errors import invalid_header

MAX_VERSION_DIGITS = 18  # fits PostgreSQL's bigint


def version_in(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"3"``, ``W/"3"`` or ``3``); None without one."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= MAX_VERSION_DIGITS):
        raise invalid_header("If-Match", f'expected an aggregate version such as "3", got {if_match!r}')
    return int(tag)


async def stale_version(request: Request) -> ConcurrencyError | None:
    """The refusal due if ``If-Match`` names another version than the path's record (its first id) is
    at; None without the header, for a path with no id, or for a record the store does not hold (the
    command then reports it unknown)."""
    expected = version_in(request.headers.get("if-match"))
    record_id = _first_id_in(request.path_params.values())
    if expected is None or record_id is None:
        return None
    version = await stored_version(request.app.state.pool, request.app.state.runner.store.events_table, record_id)
    return None if version in (None, expected) else ConcurrencyError(record_id, expected, version)


async def stored_version(pool: asyncpg.Pool, events_table: str, record_id: UUID) -> int | None:
    """A record's version in the event store (None if it holds no event of it)."""
    latest = f'SELECT max(originator_version) FROM "{events_table}" WHERE originator_id = $1'
    version: int | None = await pool.fetchval(latest, record_id)
    return version


def _first_id_in(values: Iterable[object]) -> UUID | None:
    for value in values:
        try:
            return value if isinstance(value, UUID) else UUID(str(value))
        except ValueError:
            return None
    return None
