"""Read model: mentors, their status, and the projects and units they coach, from the ENROLLMENT stream.

A mentor assigned to a career development unit coaches its projects too, while they have not ended (as the
projects read model says): asked for a project's mentors, those of its unit are found through the project's
unit and status, kept here from the project's events.

No name or phone is kept here (no event carries one): a list's ``full_name`` is decrypted from the vault
by the API as each page is read.

A mentor's events are ordered per mentor, but a parked and replayed one arrives late: the status
remembers the stream position of the fact that set it, and only a later fact replaces it; an
assignment's start and end are upserted by assignment, whichever comes first.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import (
    MentorAssignedV1,
    MentorAssignmentEndedV1,
    MentorRegisteredV1,
    MentorStatusChangedV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectStatusChangedV1,
)
from pathways_enrollment.domain.mentor import MentorStatus
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.listing import Page, fetch_page
from pathways_infra.openapi_answers import valued_as
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_mentors (
    mentor_id uuid PRIMARY KEY,
    status text NOT NULL,
    status_position bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS rm_mentor_assignments (
    assignment_id uuid PRIMARY KEY,
    mentor_id uuid NOT NULL,
    unit_id uuid,
    project_id uuid,
    province_code text,
    region text,
    from_date date,
    to_date date
);
CREATE INDEX IF NOT EXISTS rm_mentor_assignments_mentor ON rm_mentor_assignments (mentor_id);

CREATE TABLE IF NOT EXISTS rm_mentor_projects (
    project_id uuid PRIMARY KEY,
    unit_id uuid,
    ended boolean NOT NULL DEFAULT false,
    ended_position bigint NOT NULL DEFAULT 0
);
"""

_STATUS = """
INSERT INTO rm_mentors AS m (mentor_id, status, status_position) VALUES ($1, $2, $3)
ON CONFLICT (mentor_id) DO UPDATE SET status = EXCLUDED.status, status_position = EXCLUDED.status_position
WHERE EXCLUDED.status_position > m.status_position
"""


async def on_registered(conn: asyncpg.Connection, inbound: Inbound[MentorRegisteredV1]) -> None:
    await conn.execute(_STATUS, inbound.event.mentor_id, "ACTIVE", inbound.stream_sequence)


async def on_status_changed(conn: asyncpg.Connection, inbound: Inbound[MentorStatusChangedV1]) -> None:
    await conn.execute(_STATUS, inbound.event.mentor_id, inbound.event.status, inbound.stream_sequence)


async def on_assigned(conn: asyncpg.Connection, inbound: Inbound[MentorAssignedV1]) -> None:
    event = inbound.event
    # Only an active mentor is assigned; position 0 lets any status fact, arriving in any order, win.
    await conn.execute(_STATUS, event.mentor_id, "ACTIVE", 0)
    await conn.execute(
        "INSERT INTO rm_mentor_assignments (assignment_id, mentor_id, unit_id, project_id, province_code, region, "
        "from_date) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (assignment_id) DO UPDATE SET "
        "unit_id = EXCLUDED.unit_id, project_id = EXCLUDED.project_id, province_code = EXCLUDED.province_code, "
        "region = EXCLUDED.region, from_date = EXCLUDED.from_date",
        event.assignment_id, event.mentor_id, event.unit_id, event.project_id, event.province_code, event.region,
        event.from_date,
    )  # fmt: skip


async def on_assignment_ended(conn: asyncpg.Connection, inbound: Inbound[MentorAssignmentEndedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_mentor_assignments (assignment_id, mentor_id, to_date) VALUES ($1, $2, $3) "
        "ON CONFLICT (assignment_id) DO UPDATE SET to_date = EXCLUDED.to_date",
        event.assignment_id, event.mentor_id, event.to_date,
    )  # fmt: skip


_PROJECT = """
INSERT INTO rm_mentor_projects AS p (project_id, unit_id, ended, ended_position) VALUES ($1, $2, $3, $4)
ON CONFLICT (project_id) DO UPDATE SET unit_id = COALESCE(EXCLUDED.unit_id, p.unit_id),
    ended = CASE WHEN EXCLUDED.ended_position > p.ended_position THEN EXCLUDED.ended ELSE p.ended END,
    ended_position = GREATEST(EXCLUDED.ended_position, p.ended_position)
"""
_ENDED = frozenset({"CLOSED", "REJECTED", "TERMINATED"})


async def on_project(conn: asyncpg.Connection, inbound: Inbound[ProjectProposedV1] | Inbound[ProjectOpenedV1]) -> None:
    # Position 0: the project's status facts, arriving in any order, decide whether it ended.
    await conn.execute(_PROJECT, inbound.event.project_id, inbound.event.unit_id, False, 0)


async def on_project_status_changed(conn: asyncpg.Connection, inbound: Inbound[ProjectStatusChangedV1]) -> None:
    event = inbound.event
    await conn.execute(_PROJECT, event.project_id, event.unit_id, event.status in _ENDED, inbound.stream_sequence)


READ_MODEL = ReadModel(
    name="mentors",
    ddl=DDL,
    handlers={
        MentorRegisteredV1: on_registered,
        MentorStatusChangedV1: on_status_changed,
        MentorAssignedV1: on_assigned,
        MentorAssignmentEndedV1: on_assignment_ended,
        ProjectProposedV1: on_project,
        ProjectOpenedV1: on_project,
        ProjectStatusChangedV1: on_project_status_changed,
    },
    # 2: projects' units and ends are kept, so a project's mentors include its unit's (rows before lack them).
    version=2,
)


async def assignments_to_unit(pool: asyncpg.Pool, unit_id: UUID) -> list[tuple[UUID, UUID]]:
    """Every assignment to the unit itself (not to its projects), as (mentor, assignment), whatever its dates,
    as far as the read model has got."""
    rows = await pool.fetch(
        "SELECT mentor_id, assignment_id FROM rm_mentor_assignments WHERE unit_id = $1 AND project_id IS NULL "
        "ORDER BY assignment_id",
        unit_id,
    )
    return [(row["mentor_id"], row["assignment_id"]) for row in rows]


KNOWN = Known(kind="mentor", query="SELECT mentor_id FROM rm_mentors WHERE mentor_id = ANY({ids})")
"""The mentors a list may be filtered by, or whose visits it lists."""

# Assigned on the day $1, both ends included (as the domain's MentorAssignment.covers).
_ON_THE_DAY = "a.from_date <= $1 AND (a.to_date IS NULL OR a.to_date >= $1)"


class Coaching(BaseModel):
    """An assignment of the mentor: to a project (``project_id`` set) or to a career development unit."""

    assignment_id: UUID
    project_id: UUID | None
    unit_id: UUID | None
    province_code: str
    region: str
    from_date: date
    to_date: date | None = Field(description="The last day (included); null while open-ended.")


class MentorListed(BaseModel):
    id: UUID
    via: Literal["PROJECT", "UNIT"] | None = Field(
        default=None,
        description="Asked for a `project_id`: PROJECT when the mentor is assigned to it, UNIT when to its career "
        "development unit (one assigned both ways is PROJECT); null otherwise.",
    )
    full_name: str | None = Field(
        default=None,
        description="From the mentor's contact, decrypted from the vault as the page is read (never kept in this "
        "read model); null when no contact was given or it was erased.",
    )
    status: Annotated[str, valued_as(MentorStatus)]
    projects: list[Coaching] = Field(description="The projects the mentor coaches today (or on the day asked).")
    units: list[Coaching] = Field(
        description="The career development units the mentor coaches today (or on the day asked)."
    )


async def list_mentors(
    pool: asyncpg.Pool,
    *,
    project_id: UUID | None,
    region: str | None,
    province_code: str | None,
    status: str | None,
    on: date,
    limit: int,
    offset: int,
    unit_id: UUID | None = None,
) -> Page[MentorListed]:
    """Mentors with the projects and units they coach on ``on``; the filters are on those assignments
    (``unit_id``: coaching the unit itself, or one of its projects; ``project_id``: the project itself, or its
    unit while the project has not ended)."""
    page = await fetch_page(
        pool,
        columns="mentor_id AS id, status, CASE WHEN $2::uuid IS NULL THEN NULL "
        f"WHEN EXISTS (SELECT 1 FROM rm_mentor_assignments a WHERE a.mentor_id = m.mentor_id AND {_ON_THE_DAY} "
        "AND a.project_id = $2) THEN 'PROJECT' ELSE 'UNIT' END AS via",
        source="rm_mentors m",
        where="($5::text IS NULL OR status = $5) "
        "AND (($2::uuid IS NULL AND $3::text IS NULL AND $4::text IS NULL AND $6::uuid IS NULL) OR EXISTS ("
        "SELECT 1 FROM rm_mentor_assignments a WHERE a.mentor_id = m.mentor_id AND "
        f"{_ON_THE_DAY} AND ($2::uuid IS NULL OR a.project_id = $2 OR (a.project_id IS NULL AND a.unit_id = ("
        "SELECT unit_id FROM rm_mentor_projects WHERE project_id = $2 AND NOT ended))) "
        "AND ($3::text IS NULL OR a.region = $3) AND ($4::text IS NULL OR a.province_code = $4) "
        "AND ($6::uuid IS NULL OR a.unit_id = $6)))",
        order_by="mentor_id",
        args=(on, project_id, region, province_code, status, unit_id),
        limit=limit,
        offset=offset,
    )
    coaching = await _coaching(pool, [row["id"] for row in page.items], on)

    def listed(row: asyncpg.Record) -> MentorListed:
        now = coaching.get(row["id"], [])
        projects = [c for c in now if c.project_id is not None]
        units = [c for c in now if c.project_id is None]
        return MentorListed(id=row["id"], via=row["via"], status=row["status"], projects=projects, units=units)

    return page.map(listed)


async def _coaching(pool: asyncpg.Pool, mentor_ids: list[UUID], on: date) -> dict[UUID, list[Coaching]]:
    rows = await pool.fetch(
        "SELECT mentor_id, assignment_id, project_id, unit_id, province_code, region, from_date, to_date "
        f"FROM rm_mentor_assignments a WHERE mentor_id = ANY($2::uuid[]) AND {_ON_THE_DAY} "
        "ORDER BY from_date, assignment_id",
        on, mentor_ids,
    )  # fmt: skip
    found: dict[UUID, list[Coaching]] = {}
    for row in rows:
        found.setdefault(row["mentor_id"], []).append(Coaching.model_validate(dict(row)))
    return found
