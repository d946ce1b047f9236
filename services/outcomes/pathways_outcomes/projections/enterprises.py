"""Read model: enterprises and community enterprises started by participants (OUTCOMES stream).

Members, products, online sales channels and the lifecycle status (FORMING, REGISTERED, OPERATING,
DORMANT, DISSOLVED). Each update is idempotent: a member or product already listed is not added again.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.outcomes import (
    EnterpriseBeganOperatingV1,
    EnterpriseDissolvedV1,
    EnterpriseMemberJoinedV1,
    EnterpriseMembersCountedV1,
    EnterpriseOnlineSalesOpenedV1,
    EnterpriseProductAddedV1,
    EnterpriseRegisteredV1,
    EnterpriseStartedV1,
    EnterpriseWentDormantV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel
from pathways_outcomes.domain.enterprise import EnterpriseKind, EnterpriseStatus

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
ALTER TABLE rm_enterprises
    ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'FORMING',
    ADD COLUMN IF NOT EXISTS registration_number text,
    ADD COLUMN IF NOT EXISTS registered_on date,
    ADD COLUMN IF NOT EXISTS online_channels text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS online_sales_since date,
    ADD COLUMN IF NOT EXISTS dissolved_on date,
    ADD COLUMN IF NOT EXISTS dissolution_reason text;
CREATE INDEX IF NOT EXISTS rm_enterprises_project ON rm_enterprises (project_id);
"""


async def on_started(conn: asyncpg.Connection, inbound: Inbound[EnterpriseStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enterprises (enterprise_id, kind, name, project_id, enrollment_ids, members_count, products, "
        "started_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (enterprise_id) DO NOTHING",
        event.enterprise_id, event.kind.value, event.name, event.project_id, event.enrollment_ids,
        event.members_count, event.products, event.started_on,
    )  # fmt: skip


async def on_member_joined(conn: asyncpg.Connection, inbound: Inbound[EnterpriseMemberJoinedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET enrollment_ids = enrollment_ids || $2, members_count = members_count + 1 "
        "WHERE enterprise_id = $1 AND NOT $2 = ANY(enrollment_ids)",
        event.enterprise_id, event.enrollment_id,
    )  # fmt: skip


async def on_members_counted(conn: asyncpg.Connection, inbound: Inbound[EnterpriseMembersCountedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET members_count = $2 WHERE enterprise_id = $1",
        event.enterprise_id,
        event.members_count,
    )


async def on_product_added(conn: asyncpg.Connection, inbound: Inbound[EnterpriseProductAddedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET products = products || $2 WHERE enterprise_id = $1 AND NOT $2 = ANY(products)",
        event.enterprise_id, event.product,
    )  # fmt: skip


async def on_online_sales_opened(conn: asyncpg.Connection, inbound: Inbound[EnterpriseOnlineSalesOpenedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET online_channels = online_channels || $2, "
        "online_sales_since = COALESCE(online_sales_since, $3) "
        "WHERE enterprise_id = $1 AND NOT $2 = ANY(online_channels)",
        event.enterprise_id, event.channel, event.opened_on,
    )  # fmt: skip


async def on_registered(conn: asyncpg.Connection, inbound: Inbound[EnterpriseRegisteredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET status = 'REGISTERED', registration_number = $2, registered_on = $3 "
        "WHERE enterprise_id = $1",
        event.enterprise_id, event.registration_number, event.registered_on,
    )  # fmt: skip


async def on_began_operating(conn: asyncpg.Connection, inbound: Inbound[EnterpriseBeganOperatingV1]) -> None:
    await _set_status(conn, inbound.event.enterprise_id, "OPERATING")


async def on_went_dormant(conn: asyncpg.Connection, inbound: Inbound[EnterpriseWentDormantV1]) -> None:
    await _set_status(conn, inbound.event.enterprise_id, "DORMANT")


async def on_dissolved(conn: asyncpg.Connection, inbound: Inbound[EnterpriseDissolvedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enterprises SET status = 'DISSOLVED', dissolved_on = $2, dissolution_reason = $3 "
        "WHERE enterprise_id = $1",
        event.enterprise_id, event.dissolved_on, event.reason,
    )  # fmt: skip


async def _set_status(conn: asyncpg.Connection, enterprise_id: UUID, status: str) -> None:
    await conn.execute("UPDATE rm_enterprises SET status = $2 WHERE enterprise_id = $1", enterprise_id, status)


READ_MODEL = ReadModel(
    name="enterprises",
    ddl=DDL,
    handlers={
        EnterpriseStartedV1: on_started,
        EnterpriseMemberJoinedV1: on_member_joined,
        EnterpriseMembersCountedV1: on_members_counted,
        EnterpriseProductAddedV1: on_product_added,
        EnterpriseOnlineSalesOpenedV1: on_online_sales_opened,
        EnterpriseRegisteredV1: on_registered,
        EnterpriseBeganOperatingV1: on_began_operating,
        EnterpriseWentDormantV1: on_went_dormant,
        EnterpriseDissolvedV1: on_dissolved,
    },
)


class EnterpriseShown(BaseModel):
    """An enterprise as ``get_enterprise`` and ``list_enterprises`` show it."""

    enterprise_id: UUID
    kind: EnterpriseKind
    name: str
    project_id: UUID
    enrollment_ids: list[UUID] = Field(description="The participants' enrollments among its members.")
    members_count: int = Field(description="All its members, participants of the programme or not.")
    products: list[str]
    started_on: date
    status: EnterpriseStatus
    registration_number: str | None
    registered_on: date | None
    online_channels: list[str] = Field(description="The online sales channels it opened; empty for none.")
    online_sales_since: date | None = Field(description="The day it opened its first online sales channel.")
    dissolved_on: date | None
    dissolution_reason: str | None
    sells_online: bool = Field(description="Whether it opened an online sales channel.")


async def get_enterprise(pool: asyncpg.Pool, enterprise_id: UUID) -> dict[str, Any] | None:
    """The enterprise as ``EnterpriseShown`` documents it."""
    row = await pool.fetchrow("SELECT * FROM rm_enterprises WHERE enterprise_id = $1", enterprise_id)
    return _shown(row) if row else None


async def list_enterprises(
    pool: asyncpg.Pool, *, project_id: UUID | None, kind: str | None, status: str | None, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """Enterprises by the day they started, and how many match in all."""
    where = Where()
    where.add("project_id = {}", project_id)
    where.add("kind = {}", kind)
    where.add("status = {}", status)
    page = await fetch_page(
        pool,
        columns="*",
        source="rm_enterprises",
        where=where.sql,
        order_by="started_on, enterprise_id",
        args=where.args,
        limit=limit,
        offset=offset,
    )
    return page.map(_shown)


def _shown(row: asyncpg.Record) -> dict[str, Any]:
    enterprise = dict(row)
    enterprise["sells_online"] = bool(enterprise["online_channels"])
    return enterprise
