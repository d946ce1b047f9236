"""Read model: career development units, their names, registration days and status, from the ENROLLMENT stream.

A unit's events are ordered per unit, but a parked and replayed one arrives late: its status, its name and its
registration day each remember the stream position of the fact that set them, and only a later fact replaces
them (a registration replayed after a rename leaves the new name, and after a correction the corrected day). A
status change, rename or correction seen before the registration keeps a row without a province, left out of
lists until it comes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import (
    UnitRegisteredV1,
    UnitRegistrationDayCorrectedV1,
    UnitRenamedV1,
    UnitStatusChangedV1,
)
from pathways_enrollment.domain.unit import UnitStatus
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.listing import Page, fetch_page
from pathways_infra.openapi_answers import valued_as
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_units (
    unit_id uuid PRIMARY KEY,
    name text,
    province_code text,
    region text,
    status text NOT NULL,
    status_position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_units_by_name ON rm_units (name, unit_id);
ALTER TABLE rm_units ADD COLUMN IF NOT EXISTS registered_on date;
ALTER TABLE rm_units ADD COLUMN IF NOT EXISTS name_position bigint NOT NULL DEFAULT 0;
ALTER TABLE rm_units ADD COLUMN IF NOT EXISTS registered_on_position bigint NOT NULL DEFAULT 0;
"""

# Facts that do not set the name (or the status, or the registration day) give it position 0, which replaces
# nothing.
_UPSERT = """
INSERT INTO rm_units AS u (unit_id, name, province_code, region, status, status_position, registered_on,
    name_position, registered_on_position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (unit_id) DO UPDATE SET
    name = CASE WHEN EXCLUDED.name_position > u.name_position THEN EXCLUDED.name ELSE u.name END,
    name_position = GREATEST(EXCLUDED.name_position, u.name_position),
    province_code = COALESCE(EXCLUDED.province_code, u.province_code),
    region = COALESCE(EXCLUDED.region, u.region),
    registered_on = CASE WHEN EXCLUDED.registered_on_position > u.registered_on_position THEN EXCLUDED.registered_on
        ELSE u.registered_on END,
    registered_on_position = GREATEST(EXCLUDED.registered_on_position, u.registered_on_position),
    status = CASE WHEN EXCLUDED.status_position > u.status_position THEN EXCLUDED.status ELSE u.status END,
    status_position = GREATEST(EXCLUDED.status_position, u.status_position)
"""


async def on_registered(conn: asyncpg.Connection, inbound: Inbound[UnitRegisteredV1]) -> None:
    event, position = inbound.event, inbound.stream_sequence
    await conn.execute(
        _UPSERT, event.unit_id, event.name, event.province_code, event.region, "REGISTERED", position,
        event.registered_on, position, position,
    )  # fmt: skip


async def on_status_changed(conn: asyncpg.Connection, inbound: Inbound[UnitStatusChangedV1]) -> None:
    event = inbound.event
    await conn.execute(_UPSERT, event.unit_id, None, None, None, event.status, inbound.stream_sequence, None, 0, 0)


async def on_renamed(conn: asyncpg.Connection, inbound: Inbound[UnitRenamedV1]) -> None:
    # Seen before the registration, the row is REGISTERED as of position 0, until a status fact comes.
    event = inbound.event
    await conn.execute(
        _UPSERT, event.unit_id, event.name, None, None, "REGISTERED", 0, None, inbound.stream_sequence, 0
    )


async def on_registration_day_corrected(
    conn: asyncpg.Connection, inbound: Inbound[UnitRegistrationDayCorrectedV1]
) -> None:
    event = inbound.event
    await conn.execute(
        _UPSERT, event.unit_id, None, None, None, "REGISTERED", 0, event.registered_on, 0, inbound.stream_sequence
    )


READ_MODEL = ReadModel(
    name="units",
    ddl=DDL,
    handlers={
        UnitRegisteredV1: on_registered,
        UnitStatusChangedV1: on_status_changed,
        UnitRenamedV1: on_renamed,
        UnitRegistrationDayCorrectedV1: on_registration_day_corrected,
    },
    # 2: the registration day, and renames (a name remembers the position of the fact that set it).
    # 3: corrected registration days (the day remembers the position of the fact that set it).
    version=3,
)

KNOWN = Known(kind="unit", query="SELECT unit_id FROM rm_units WHERE unit_id = ANY({ids})")
"""The career development units a list may be filtered by."""


class UnitListed(BaseModel):
    id: UUID
    name: str
    province_code: str
    region: str
    status: Annotated[str, valued_as(UnitStatus)]
    registered_on: date | None = Field(
        description="The day it was registered, as last corrected (null: registered before the day was kept, and "
        "never corrected)."
    )


async def list_units(
    pool: asyncpg.Pool,
    *,
    region: str | None,
    province_code: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Page[UnitListed]:
    page = await fetch_page(
        pool,
        columns="unit_id AS id, name, province_code, region, status, registered_on",
        source="rm_units",
        where="province_code IS NOT NULL AND ($1::text IS NULL OR region = $1) "
        "AND ($2::text IS NULL OR province_code = $2) AND ($3::text IS NULL OR status = $3)",
        order_by="name, unit_id",
        args=(region, province_code, status),
        limit=limit,
        offset=offset,
    )
    return page.map(lambda row: UnitListed.model_validate(dict(row)))
