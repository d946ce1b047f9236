"""Read model: enrollment cases as published on the ENROLLMENT stream, from the application on (applied,
screened in or out, enrolled, moved, withdrawn), and how their training ended, from the TRAINING stream.

Training's completion or dropout comes by another consumer than the case, so it may come first: it is
kept in a table of its own, joined when read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.base import OPEN_SET
from pathways_contracts.enrollment import (
    ApplicationReceivedV1,
    ApplicationScreenedInV1,
    ApplicationScreenedOutV1,
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
)
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel
from pathways_infra.thai_time import thai_day


class TrainingEnded(StrEnum):
    """How training ended for a case, as training reported it."""

    COMPLETED = "COMPLETED"
    DROPPED_OUT = "DROPPED_OUT"


class ListedStatus(StrEnum):
    """Where an enrollment stands in this read model. Applications made before the service published them
    are heard of once screened out or enrolled."""

    APPLIED = "APPLIED"
    SCREENED_IN = "SCREENED_IN"
    SCREENED_OUT = "SCREENED_OUT"
    ENROLLED = "ENROLLED"
    TRANSFERRED = "TRANSFERRED"
    WITHDRAWN = "WITHDRAWN"


DDL = """
CREATE TABLE IF NOT EXISTS rm_enrollments (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    unit_id uuid,
    province_code text NOT NULL,
    region text NOT NULL,
    status text NOT NULL,
    enrolled_on date,
    screened_out_reasons text[],
    transfers int NOT NULL DEFAULT 0,
    withdrawal_reason text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE rm_enrollments ADD COLUMN IF NOT EXISTS applied_on date;
CREATE INDEX IF NOT EXISTS rm_enrollments_participant ON rm_enrollments (participant_id);
CREATE INDEX IF NOT EXISTS rm_enrollments_project ON rm_enrollments (project_id, status);
CREATE INDEX IF NOT EXISTS rm_enrollments_unit ON rm_enrollments (unit_id, enrolled_on, enrollment_id);
CREATE INDEX IF NOT EXISTS rm_enrollments_province ON rm_enrollments (province_code, enrolled_on, enrollment_id);
CREATE INDEX IF NOT EXISTS rm_enrollments_enrolled_on ON rm_enrollments (enrolled_on, enrollment_id);
CREATE INDEX IF NOT EXISTS rm_enrollments_applied_on ON rm_enrollments (applied_on);
CREATE TABLE IF NOT EXISTS rm_enrollment_training_ends (
    enrollment_id uuid PRIMARY KEY,
    training_ended text NOT NULL,
    training_ended_on date NOT NULL
);
"""


BEFORE_ENROLLMENT: tuple[ListedStatus, ...] = (
    ListedStatus.APPLIED,
    ListedStatus.SCREENED_IN,
    ListedStatus.SCREENED_OUT,
)


async def on_applied(conn: asyncpg.Connection, inbound: Inbound[ApplicationReceivedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enrollments (enrollment_id, participant_id, project_id, unit_id, province_code, region, "
        "status, applied_on) VALUES ($1, $2, $3, $4, $5, $6, 'APPLIED', $7) ON CONFLICT (enrollment_id) DO NOTHING",
        event.enrollment_id, event.participant_id, event.project_id, event.unit_id, event.province_code,
        event.region, event.applied_on,
    )  # fmt: skip


async def on_screened_in(conn: asyncpg.Connection, inbound: Inbound[ApplicationScreenedInV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enrollments (enrollment_id, participant_id, project_id, province_code, region, status) "
        "VALUES ($1, $2, $3, $4, $5, 'SCREENED_IN') "
        "ON CONFLICT (enrollment_id) DO UPDATE SET status = 'SCREENED_IN', screened_out_reasons = NULL, "
        "updated_at = now()",
        event.enrollment_id, event.participant_id, event.project_id, event.province_code, event.region,
    )  # fmt: skip


async def on_screened_out(conn: asyncpg.Connection, inbound: Inbound[ApplicationScreenedOutV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enrollments (enrollment_id, participant_id, project_id, province_code, region, status, "
        "screened_out_reasons) VALUES ($1, $2, $3, $4, $5, 'SCREENED_OUT', $6) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET status = 'SCREENED_OUT', screened_out_reasons = $6, "
        "updated_at = now()",
        event.enrollment_id, event.participant_id, event.project_id, event.province_code, event.region, event.reasons,
    )  # fmt: skip


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_enrollments (enrollment_id, participant_id, project_id, unit_id, province_code, region, "
        "status, enrolled_on) VALUES ($1, $2, $3, $4, $5, $6, 'ENROLLED', $7) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET status = 'ENROLLED', enrolled_on = $7, "
        "unit_id = COALESCE(EXCLUDED.unit_id, rm_enrollments.unit_id), updated_at = now()",
        event.enrollment_id, event.participant_id, event.project_id, event.unit_id, event.province_code,
        event.region, event.enrolled_on,
    )  # fmt: skip


async def on_transferred(conn: asyncpg.Connection, inbound: Inbound[ParticipantTransferredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enrollments SET status = 'TRANSFERRED', project_id = $2, unit_id = $3, province_code = $4, "
        "region = $5, transfers = transfers + 1, updated_at = now() WHERE enrollment_id = $1",
        event.enrollment_id, event.project_id, event.unit_id, event.province_code, event.region,
    )  # fmt: skip


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_enrollments SET status = 'WITHDRAWN', withdrawal_reason = $2, updated_at = now() "
        "WHERE enrollment_id = $1",
        event.enrollment_id, event.reason,
    )  # fmt: skip


async def on_training_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    event = inbound.event
    ended_on = event.completed_on or thai_day(event.occurred_at)  # null in completions told before it was kept
    await _training_ended(conn, event.enrollment_id, TrainingEnded.COMPLETED, ended_on)


async def on_training_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    event = inbound.event
    await _training_ended(conn, event.enrollment_id, TrainingEnded.DROPPED_OUT, event.dropped_out_on)


async def _training_ended(conn: asyncpg.Connection, enrollment_id: UUID, how: TrainingEnded, on: date) -> None:
    await conn.execute(
        "INSERT INTO rm_enrollment_training_ends (enrollment_id, training_ended, training_ended_on) "
        "VALUES ($1, $2, $3) ON CONFLICT (enrollment_id) DO UPDATE SET training_ended = EXCLUDED.training_ended, "
        "training_ended_on = EXCLUDED.training_ended_on",
        enrollment_id, how.value, on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="enrollments",
    ddl=DDL,
    handlers={
        ApplicationReceivedV1: on_applied,
        ApplicationScreenedInV1: on_screened_in,
        ApplicationScreenedOutV1: on_screened_out,
        ParticipantEnrolledV1: on_enrolled,
        ParticipantTransferredV1: on_transferred,
        ParticipantWithdrawnV1: on_withdrawn,
        TrainingCompletedV1: on_training_completed,
        TrainingDroppedOutV1: on_training_dropped_out,
    },
    # 2: the unit of a case heard of first from its screening is kept once it is enrolled (for unit_id).
    # 3: how training ended, from TRAINING (for training_ended).
    version=3,
    first_source="enrollment",
)


_WITH_TRAINING_ENDS = "rm_enrollments LEFT JOIN rm_enrollment_training_ends USING (enrollment_id)"


class EnrollmentListed(BaseModel):
    """An enrollment case as ``get_enrollment`` and ``list_enrollments`` show it."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID = Field(description="The project the case is with now (where it moved to, once transferred).")
    unit_id: UUID | None = Field(description="The career development unit the case is with now, when known.")
    province_code: str = Field(description="The province the case is in now (ISO 3166-2:TH).")
    region: str = Field(description="The region the case is in now.")
    status: ListedStatus
    enrolled_on: date | None = Field(description="Null until enrolled.")
    screened_out_reasons: list[str] | None = Field(
        description="While SCREENED_OUT, the criteria missed: below-working-age, above-working-age, "
        f"income-above-threshold or not-in-target-group. {OPEN_SET} Null otherwise."
    )
    transfers: int = Field(description="How many times the case moved to another project.")
    withdrawal_reason: str | None = Field(
        description="Once WITHDRAWN: PARTICIPANT_REQUEST, CONSENT_WITHDRAWN, FOUND_EMPLOYMENT, MOVED_AWAY, "
        f"NOT_ELIGIBLE, DUPLICATE or OTHER. {OPEN_SET}"
    )
    updated_at: datetime = Field(description="When this read model last changed the case.")
    applied_on: date | None = Field(description="Null for a case applied for before applications were published.")
    training_ended: TrainingEnded | None = Field(
        description="How the case's training ended, as the training service reported it; null while it goes on."
    )
    training_ended_on: date | None


async def get_enrollment(pool: asyncpg.Pool, enrollment_id: UUID) -> dict[str, Any] | None:
    """The case as ``EnrollmentListed`` documents it."""
    row = await pool.fetchrow(f"SELECT * FROM {_WITH_TRAINING_ENDS} WHERE enrollment_id = $1", enrollment_id)
    return dict(row) if row else None


async def cases_in_programme(pool: asyncpg.Pool, participant_id: UUID) -> list[UUID]:
    """The participant's cases enrolled (or transferred) and not withdrawn, as far as the read model has got."""
    rows = await pool.fetch(
        "SELECT enrollment_id FROM rm_enrollments WHERE participant_id = $1 AND status IN ('ENROLLED', 'TRANSFERRED') "
        "ORDER BY enrollment_id",
        participant_id,
    )
    return [row["enrollment_id"] for row in rows]


async def cases_of(pool: asyncpg.Pool, participant_id: UUID) -> list[UUID]:
    """Every case of the participant, whatever its status, as far as the read model has got."""
    rows = await pool.fetch(
        "SELECT enrollment_id FROM rm_enrollments WHERE participant_id = $1 ORDER BY enrollment_id", participant_id
    )
    return [row["enrollment_id"] for row in rows]


async def open_applications(pool: asyncpg.Pool, participant_id: UUID) -> list[UUID]:
    """The participant's cases applied for and neither enrolled nor withdrawn, as far as the read model has got."""
    rows = await pool.fetch(
        "SELECT enrollment_id FROM rm_enrollments WHERE participant_id = $1 AND status = ANY($2::text[]) "
        "ORDER BY enrollment_id",
        participant_id, list(BEFORE_ENROLLMENT),
    )  # fmt: skip
    return [row["enrollment_id"] for row in rows]


@dataclass(frozen=True)
class EnrollmentFilter:
    """Which cases a list shows; None: any. Unit, province and region are where the case is now."""

    participant_id: UUID | None = None
    project_id: UUID | None = None
    unit_id: UUID | None = None
    region: str | None = None
    province_code: str | None = None
    status: ListedStatus | None = None
    applied_from: date | None = None
    applied_to: date | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    training_ended: TrainingEnded | None = None


async def list_enrollments(
    pool: asyncpg.Pool, of: EnrollmentFilter, *, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """Cases by the day they were enrolled (those not enrolled last), and how many match in all."""
    where = Where()
    where.add("participant_id = {}", of.participant_id)
    where.add("project_id = {}", of.project_id)
    where.add("unit_id = {}", of.unit_id)
    where.add("region = {}", of.region)
    where.add("province_code = {}", of.province_code)
    where.add("status = {}", None if of.status is None else of.status.value)
    where.add("applied_on >= {}", of.applied_from)
    where.add("applied_on <= {}", of.applied_to)
    where.add("enrolled_on >= {}", of.enrolled_from)
    where.add("enrolled_on <= {}", of.enrolled_to)
    where.add("training_ended = {}", None if of.training_ended is None else of.training_ended.value)
    page = await fetch_page(
        pool,
        columns="*",
        source=_WITH_TRAINING_ENDS,
        where=where.sql,
        order_by="enrolled_on NULLS LAST, enrollment_id",
        args=where.args,
        limit=limit,
        offset=offset,
    )
    return page.map(dict)
