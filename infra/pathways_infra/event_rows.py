"""Reading a service's events table in notification order, as the relay, the check, republish and
history read it: the five columns :class:`~pathways_infra.relay_encoding.Encoder` and
:class:`~pathways_infra.log_digest.LogChain` take."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

EVENT_COLUMNS = "notification_id, originator_id, originator_version, topic, state"


async def rows_after(
    conn: asyncpg.Connection, events_table: str, after: int, limit: int, *, through: int | None = None
) -> list[asyncpg.Record]:
    """Up to ``limit`` events after notification ``after`` (and up to ``through``), in order."""
    bound = "" if through is None else f" AND notification_id <= {int(through)}"
    query = (
        f'SELECT {EVENT_COLUMNS} FROM "{events_table}" WHERE notification_id > $1{bound} '
        f"ORDER BY notification_id LIMIT $2"
    )
    rows: list[asyncpg.Record] = await conn.fetch(query, after, limit)
    return rows


async def pages(
    conn: asyncpg.Connection, events_table: str, page_size: int, *, after: int = 0, through: int | None = None
) -> AsyncIterator[list[asyncpg.Record]]:
    """Every event after ``after`` (and up to ``through``), a page at a time."""
    while rows := await rows_after(conn, events_table, after, page_size, through=through):
        yield rows
        after = rows[-1]["notification_id"]
