"""Read model: registrations flagged as potential duplicates, and how they were resolved.

Only the two pseudonymous participant ids: the national ID that matched stays in the vault. The
resolution remembers the stream position of the fact that set it, so a flag replayed after its
resolution does not put the participant back on the worklist. A flagged registration erased before
anyone resolved it leaves the worklist (resolution ``ERASED``): there is nothing left to compare.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import DuplicateResolvedV1, ParticipantErasedV1, PotentialDuplicateFlaggedV1
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, fetch_page
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_potential_duplicates (
    participant_id uuid PRIMARY KEY,
    duplicate_of uuid NOT NULL,
    flagged_at timestamptz,
    resolution text,
    resolved_at timestamptz,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_potential_duplicates_open ON rm_potential_duplicates (flagged_at, participant_id)
    WHERE resolution IS NULL;
CREATE INDEX IF NOT EXISTS rm_potential_duplicates_of ON rm_potential_duplicates (duplicate_of);
"""

_UPSERT = """
INSERT INTO rm_potential_duplicates AS d (participant_id, duplicate_of, flagged_at, resolution, resolved_at, position)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (participant_id) DO UPDATE SET
    duplicate_of = EXCLUDED.duplicate_of,
    flagged_at = COALESCE(EXCLUDED.flagged_at, d.flagged_at),
    resolution = CASE WHEN EXCLUDED.position > d.position THEN EXCLUDED.resolution ELSE d.resolution END,
    resolved_at = CASE WHEN EXCLUDED.position > d.position THEN EXCLUDED.resolved_at ELSE d.resolved_at END,
    position = GREATEST(EXCLUDED.position, d.position)
"""


async def _upsert(
    conn: asyncpg.Connection,
    event: PotentialDuplicateFlaggedV1 | DuplicateResolvedV1,
    position: int,
    *,
    flagged_at: datetime | None,
    resolution: str | None,
) -> None:
    resolved_at = None if resolution is None else event.occurred_at
    await conn.execute(_UPSERT, event.participant_id, event.duplicate_of, flagged_at, resolution, resolved_at, position)


async def on_flagged(conn: asyncpg.Connection, inbound: Inbound[PotentialDuplicateFlaggedV1]) -> None:
    await _upsert(conn, inbound.event, inbound.stream_sequence, flagged_at=inbound.event.occurred_at, resolution=None)


async def on_resolved(conn: asyncpg.Connection, inbound: Inbound[DuplicateResolvedV1]) -> None:
    event = inbound.event
    await _upsert(conn, event, inbound.stream_sequence, flagged_at=None, resolution=event.resolution)


async def on_erased(conn: asyncpg.Connection, inbound: Inbound[ParticipantErasedV1]) -> None:
    await conn.execute(
        "UPDATE rm_potential_duplicates SET resolution = 'ERASED', resolved_at = $2, position = GREATEST(position, $3) "
        "WHERE participant_id = $1 AND resolution IS NULL",
        inbound.event.participant_id, inbound.event.occurred_at, inbound.stream_sequence,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="potential-duplicates",
    ddl=DDL,
    handlers={
        PotentialDuplicateFlaggedV1: on_flagged,
        DuplicateResolvedV1: on_resolved,
        ParticipantErasedV1: on_erased,
    },
)


class PotentialDuplicateListed(BaseModel):
    participant_id: UUID = Field(description="The newer registration, flagged.")
    duplicate_of: UUID = Field(description="The participant who already held its national ID.")
    flagged_at: datetime


async def list_unresolved(pool: asyncpg.Pool, *, limit: int, offset: int) -> Page[PotentialDuplicateListed]:
    """The worklist: flagged and not yet resolved, oldest flag first."""
    page = await fetch_page(
        pool,
        columns="participant_id, duplicate_of, flagged_at",
        source="rm_potential_duplicates",
        where="resolution IS NULL AND flagged_at IS NOT NULL",
        # flagged the same day (a day given, no moment): in the order they were flagged
        order_by="flagged_at, position, participant_id",
        args=(),
        limit=limit,
        offset=offset,
    )
    return page.map(lambda row: PotentialDuplicateListed.model_validate(dict(row)))


async def flagged_against(pool: asyncpg.Pool, participant_id: UUID) -> list[UUID]:
    """Every registration ever flagged as a potential duplicate of ``participant_id``, resolved or not."""
    rows = await pool.fetch(
        "SELECT participant_id FROM rm_potential_duplicates WHERE duplicate_of = $1 ORDER BY participant_id",
        participant_id,
    )
    return [row["participant_id"] for row in rows]
