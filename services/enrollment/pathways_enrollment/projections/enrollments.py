"""Read model: enrollments, as published on the ENROLLMENT stream."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from pathways_contracts.enrollment import ParticipantEnrolledV1, ParticipantWithdrawnV1
from pathways_infra.consumer import Inbound
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_enrollments (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    unit_id uuid,
    province_code text NOT NULL,
    region text NOT NULL,
    status text NOT NULL,
    enrolled_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rm_enrollments_participant ON rm_enrollments (participant_id);
"""


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enrollments (enrollment_id, participant_id, project_id, unit_id, province_code, region, "
        "status, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, 'ENROLLED', $7)",
        event.enrollment_id, event.participant_id, event.project_id, event.unit_id, event.province_code,
        event.region, event.occurred_at,
    )  # fmt: skip


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enrollments SET status = 'WITHDRAWN', updated_at = now() WHERE enrollment_id = $1",
        event.enrollment_id,
    )


READ_MODEL = ReadModel(
    name="enrollments",
    ddl=DDL,
    handlers={ParticipantEnrolledV1: on_enrolled, ParticipantWithdrawnV1: on_withdrawn},
)


async def get_enrollment(pool: asyncpg.Pool, enrollment_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM rm_enrollments WHERE enrollment_id = $1", enrollment_id)
    return dict(row) if row else None


async def list_enrollments(
    pool: asyncpg.Pool, *, participant_id: UUID | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT * FROM rm_enrollments WHERE ($1::uuid IS NULL OR participant_id = $1) "
        "ORDER BY enrolled_at, enrollment_id LIMIT $2 OFFSET $3",
        participant_id, limit, offset,
    )  # fmt: skip
    return [dict(row) for row in rows]
