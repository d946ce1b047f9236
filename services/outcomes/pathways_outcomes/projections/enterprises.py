"""Read model: enterprises and community enterprises started by participants (OUTCOMES stream)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from pathways_contracts.outcomes import EnterpriseStartedV1
from pathways_infra.consumer import Inbound
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_enterprises (
    enterprise_id uuid PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL,
    project_id uuid NOT NULL,
    enrollment_ids uuid[] NOT NULL,
    members_count int NOT NULL,
    products text[] NOT NULL,
    started_on date NOT NULL
);
"""


async def on_started(conn: asyncpg.Connection, inbound: Inbound[EnterpriseStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enterprises (enterprise_id, kind, name, project_id, enrollment_ids, members_count, products, "
        "started_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        event.enterprise_id, event.kind.value, event.name, event.project_id, event.enrollment_ids,
        event.members_count, event.products, event.started_on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="enterprises",
    ddl=DDL,
    handlers={EnterpriseStartedV1: on_started},
)


async def get_enterprise(pool: asyncpg.Pool, enterprise_id: UUID) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM rm_enterprises WHERE enterprise_id = $1", enterprise_id)
    return dict(row) if row else None
