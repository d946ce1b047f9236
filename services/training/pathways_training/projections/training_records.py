"""Read model: training records, as published on the TRAINING stream."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from pathways_contracts.training import (
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingOpenedV1,
    TrainingWithdrawnV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_training_records (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    status text NOT NULL,
    attendance_rate double precision,
    opened_at timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX IF NOT EXISTS rm_training_records_participant ON rm_training_records (participant_id);
"""


async def on_opened(conn: asyncpg.Connection, inbound: Inbound[TrainingOpenedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_training_records (enrollment_id, participant_id, project_id, status, opened_at) "
        "VALUES ($1, $2, $3, 'IN_TRAINING', $4) ON CONFLICT (enrollment_id) DO NOTHING",
        event.enrollment_id, event.participant_id, event.project_id, event.occurred_at,
    )  # fmt: skip


async def on_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET status = 'COMPLETED', attendance_rate = $2, completed_at = $3 "
        "WHERE enrollment_id = $1",
        event.enrollment_id, event.attendance_rate, event.occurred_at,
    )  # fmt: skip


async def on_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    await conn.execute(
        "UPDATE rm_training_records SET status = 'DROPPED_OUT' WHERE enrollment_id = $1", inbound.event.enrollment_id
    )


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[TrainingWithdrawnV1]) -> None:
    await conn.execute(
        "UPDATE rm_training_records SET status = 'WITHDRAWN' WHERE enrollment_id = $1", inbound.event.enrollment_id
    )


READ_MODEL = ReadModel(
    name="training-records",
    ddl=DDL,
    handlers={
        TrainingOpenedV1: on_opened,
        TrainingCompletedV1: on_completed,
        TrainingWithdrawnV1: on_withdrawn,
        TrainingDroppedOutV1: on_dropped_out,
    },
)


async def get_record(pool: asyncpg.Pool, enrollment_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM rm_training_records WHERE enrollment_id = $1", enrollment_id)
    return dict(row) if row else None
