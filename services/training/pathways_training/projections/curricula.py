"""Read model: curricula and their versions, from the TRAINING stream (events ordered per curriculum)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.training import (
    CurriculumApprovedV1,
    CurriculumCoDesignedV1,
    CurriculumDraftedV1,
    CurriculumRetiredV1,
    CurriculumRevisedV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.listing import Page, fetch_page
from pathways_infra.service import ReadModel
from pathways_training.domain.curriculum import CurriculumStatus, Track

DDL = """
CREATE TABLE IF NOT EXISTS rm_curricula (
    curriculum_id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    drafted_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS rm_curricula_project ON rm_curricula (project_id);

CREATE TABLE IF NOT EXISTS rm_curriculum_versions (
    curriculum_id uuid NOT NULL,
    version int NOT NULL,
    title text NOT NULL,
    track text NOT NULL,
    competencies text[] NOT NULL,
    hours numeric NOT NULL,
    attendance_threshold double precision NOT NULL,
    status text NOT NULL,
    co_designed_with text,
    co_designed_on date,
    needs_assessment_id uuid,
    approved_on date,
    retired_on date,
    PRIMARY KEY (curriculum_id, version)
);
"""

_UPSERT_DRAFT = """
INSERT INTO rm_curriculum_versions
    (curriculum_id, version, title, track, competencies, hours, attendance_threshold, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'DRAFT')
ON CONFLICT (curriculum_id, version) DO UPDATE SET
    title = EXCLUDED.title, track = EXCLUDED.track, competencies = EXCLUDED.competencies, hours = EXCLUDED.hours,
    attendance_threshold = EXCLUDED.attendance_threshold, status = 'DRAFT',
    co_designed_with = NULL, co_designed_on = NULL, needs_assessment_id = NULL
"""


async def on_drafted(conn: asyncpg.Connection, inbound: Inbound[CurriculumDraftedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_curricula (curriculum_id, project_id, drafted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        event.curriculum_id, event.project_id, event.occurred_at,
    )  # fmt: skip
    await conn.execute(
        _UPSERT_DRAFT,
        event.curriculum_id, event.curriculum_version, event.title, event.track, event.competencies, event.hours,
        event.attendance_threshold,
    )  # fmt: skip


async def on_revised(conn: asyncpg.Connection, inbound: Inbound[CurriculumRevisedV1]) -> None:
    """A revision of the draft replaces it (a draft again); after approval it is the next version."""
    event = inbound.event
    await conn.execute(
        _UPSERT_DRAFT,
        event.curriculum_id, event.curriculum_version, event.title, event.track, event.competencies, event.hours,
        event.attendance_threshold,
    )  # fmt: skip


async def on_co_designed(conn: asyncpg.Connection, inbound: Inbound[CurriculumCoDesignedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_curriculum_versions SET status = 'CO_DESIGNED', co_designed_with = $3, co_designed_on = $4, "
        "needs_assessment_id = $5 WHERE curriculum_id = $1 AND version = $2",
        event.curriculum_id, event.curriculum_version, event.community, event.co_designed_on,
        event.needs_assessment_id,
    )  # fmt: skip


async def on_approved(conn: asyncpg.Connection, inbound: Inbound[CurriculumApprovedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_curriculum_versions SET status = 'APPROVED', approved_on = $3 "
        "WHERE curriculum_id = $1 AND version = $2",
        event.curriculum_id, event.curriculum_version, event.approved_on,
    )  # fmt: skip


async def on_retired(conn: asyncpg.Connection, inbound: Inbound[CurriculumRetiredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_curriculum_versions SET status = 'RETIRED', retired_on = $3 "
        "WHERE curriculum_id = $1 AND version = $2",
        event.curriculum_id, event.curriculum_version, event.retired_on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="curricula",
    ddl=DDL,
    handlers={
        CurriculumDraftedV1: on_drafted,
        CurriculumRevisedV1: on_revised,
        CurriculumCoDesignedV1: on_co_designed,
        CurriculumApprovedV1: on_approved,
        CurriculumRetiredV1: on_retired,
    },
)

KNOWN = Known(kind="curriculum", query="SELECT curriculum_id FROM rm_curricula WHERE curriculum_id = ANY({ids})")
"""The curricula a list may be filtered by."""


class CurriculumVersionShown(BaseModel):
    version: int
    title: str
    track: Track
    competencies: list[str]
    hours: Decimal = Field(description="Hours of training planned.")
    attendance_threshold: float = Field(description="The attendance rate completion needs, from 0 to 1.")
    status: CurriculumStatus
    co_designed_with: str | None = Field(description="The community it was co-designed with; null before.")
    co_designed_on: date | None
    needs_assessment_id: UUID | None = Field(description="The needs assessment the co-design answered, if named.")
    approved_on: date | None
    retired_on: date | None


class CurriculumShown(BaseModel):
    """A curriculum as ``get_curriculum`` and ``list_curricula`` show it."""

    curriculum_id: UUID
    project_id: UUID
    drafted_at: datetime = Field(description="When the first draft was recorded.")
    latest_version: int = Field(description="The newest version's number; `title`, `track` and `status` are its.")
    title: str
    track: Track
    status: CurriculumStatus
    versions: list[CurriculumVersionShown] = Field(description="Every version, the first first.")


async def get_curriculum(pool: asyncpg.Pool, curriculum_id: UUID) -> dict[str, Any] | None:
    """The curriculum, its newest version's title, track and status, and every version (``CurriculumShown``)."""
    curriculum = await pool.fetchrow("SELECT * FROM rm_curricula WHERE curriculum_id = $1", curriculum_id)
    if curriculum is None:
        return None
    [shown] = await _with_versions(pool, [curriculum])
    return shown


# A curriculum is listed when one of its versions matches every filter given (None: any).
_LISTED = """
($1::uuid IS NULL OR c.project_id = $1)
AND EXISTS (
    SELECT 1 FROM rm_curriculum_versions v
    WHERE v.curriculum_id = c.curriculum_id
        AND ($2::text IS NULL OR v.status = $2)
        AND ($3::text IS NULL OR v.track = $3)
        AND ($4::text IS NULL OR strpos(lower(v.co_designed_with), lower($4)) > 0)
)
"""


async def list_curricula(
    pool: asyncpg.Pool,
    *,
    project_id: UUID | None,
    status: str | None,
    track: str | None,
    community: str | None,
    limit: int,
    offset: int,
) -> Page[dict[str, Any]]:
    """Curricula in the order drafted, each as ``get_curriculum`` shows it, and how many match in all.

    ``status``, ``track`` and ``community`` (part of the name of the community it was co-designed
    with, in any case) select curricula with a version matching all of them.
    """
    page = await fetch_page(
        pool,
        columns="c.*",
        source="rm_curricula c",
        where=_LISTED,
        order_by="c.drafted_at, c.curriculum_id",
        args=(project_id, status, track, community),
        limit=limit,
        offset=offset,
    )
    return Page(await _with_versions(pool, page.items), page.total)


async def _with_versions(pool: asyncpg.Pool, curricula: list[asyncpg.Record]) -> list[dict[str, Any]]:
    versions: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in await pool.fetch(
        "SELECT * FROM rm_curriculum_versions WHERE curriculum_id = ANY($1::uuid[]) ORDER BY curriculum_id, version",
        [curriculum["curriculum_id"] for curriculum in curricula],
    ):
        version = dict(row)
        versions[version.pop("curriculum_id")].append(version)
    return [_shown(curriculum, versions[curriculum["curriculum_id"]]) for curriculum in curricula]


def _shown(curriculum: asyncpg.Record, versions: list[dict[str, Any]]) -> dict[str, Any]:
    latest = versions[-1] if versions else {}
    return {
        **dict(curriculum),
        "latest_version": latest.get("version"),
        "title": latest.get("title"),
        "track": latest.get("track"),
        "status": latest.get("status"),
        "versions": versions,
    }
