"""Read model: outcomes cases (follow-ups and employment), from the OUTCOMES stream."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from pathways_contracts.outcomes import EmploymentRecordedV1, FollowUpsScheduledV1
from pathways_infra.consumer import Inbound
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_cases (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    follow_ups_due date[] NOT NULL,
    employment_type text,
    related_to_training boolean,
    monthly_income_thb numeric(12, 2),
    days_to_first_job int,
    employment_recorded_at timestamptz
);
"""


async def on_scheduled(conn: asyncpg.Connection, inbound: Inbound[FollowUpsScheduledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_cases (enrollment_id, participant_id, project_id, follow_ups_due) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (enrollment_id) DO NOTHING",
        event.enrollment_id, event.participant_id, event.project_id, event.due_dates,
    )  # fmt: skip


async def on_employment(conn: asyncpg.Connection, inbound: Inbound[EmploymentRecordedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cases SET employment_type = $2, related_to_training = $3, monthly_income_thb = $4, "
        "days_to_first_job = $5, employment_recorded_at = $6 WHERE enrollment_id = $1",
        event.enrollment_id, event.employment_type.value, event.related_to_training, event.monthly_income_thb,
        event.days_to_first_job, event.occurred_at,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="cases",
    ddl=DDL,
    handlers={FollowUpsScheduledV1: on_scheduled, EmploymentRecordedV1: on_employment},
)


async def get_case(pool: asyncpg.Pool, enrollment_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM rm_cases WHERE enrollment_id = $1", enrollment_id)
    return dict(row) if row else None
