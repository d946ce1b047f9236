"""Read model: projects, their status and needs assessment, and the mentors coaching them.

A mentor coaches a project when assigned to it, or to its career development unit while the project has not
ended (a unit's mentor coaches what the unit runs; one that is closed, rejected or terminated is no longer run).

Project events are ordered per project and mentor events per mentor, so the two arrive in any order
relative to each other: assignments (to projects and to units) have their own table, keyed by assignment,
and are joined when asked. Every project event says where the project is, so any of them makes its row; a status (and
the needs assessment's, and the name) remembers the stream position of the fact that set it, and only a later
fact replaces it (a parked and replayed event arrives late: a proposal replayed after a rename leaves the new name).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import (
    MentorAssignedV1,
    MentorAssignmentEndedV1,
    ProjectNeedsAssessmentChangedV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
    ProjectStatusChangedV1,
)
from pathways_enrollment.domain.project import ProjectStatus
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.listing import Page, fetch_page
from pathways_infra.openapi_answers import valued_as
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_projects (
    project_id uuid PRIMARY KEY,
    name text,
    unit_id uuid,
    province_code text NOT NULL,
    region text NOT NULL,
    grant_thb numeric(14, 2),
    status text,
    status_position bigint NOT NULL DEFAULT 0,
    needs_assessment_status text,
    needs_assessment_position bigint NOT NULL DEFAULT 0,
    assessed_on date
);
ALTER TABLE rm_projects ADD COLUMN IF NOT EXISTS status_since date;
ALTER TABLE rm_projects ADD COLUMN IF NOT EXISTS name_position bigint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS rm_projects_by_name ON rm_projects (name, project_id);

CREATE TABLE IF NOT EXISTS rm_project_mentors (
    assignment_id uuid PRIMARY KEY,
    mentor_id uuid NOT NULL,
    project_id uuid,
    from_date date,
    to_date date
);
CREATE INDEX IF NOT EXISTS rm_project_mentors_project ON rm_project_mentors (project_id);
ALTER TABLE rm_project_mentors ADD COLUMN IF NOT EXISTS unit_id uuid;
CREATE INDEX IF NOT EXISTS rm_project_mentors_unit ON rm_project_mentors (unit_id) WHERE project_id IS NULL;
"""

_UPSERT = """
INSERT INTO rm_projects AS p (project_id, unit_id, province_code, region, name, grant_thb, status, status_position,
    status_since, name_position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (project_id) DO UPDATE SET
    unit_id = COALESCE(EXCLUDED.unit_id, p.unit_id),
    province_code = EXCLUDED.province_code,
    region = EXCLUDED.region,
    name = CASE WHEN EXCLUDED.name_position > p.name_position THEN EXCLUDED.name ELSE p.name END,
    name_position = GREATEST(EXCLUDED.name_position, p.name_position),
    grant_thb = COALESCE(EXCLUDED.grant_thb, p.grant_thb),
    status = CASE WHEN EXCLUDED.status_position > p.status_position THEN EXCLUDED.status ELSE p.status END,
    status_since = CASE WHEN EXCLUDED.status_position > p.status_position THEN EXCLUDED.status_since
        ELSE p.status_since END,
    status_position = GREATEST(EXCLUDED.status_position, p.status_position)
"""


async def _upsert(
    conn: asyncpg.Connection,
    event: ProjectProposedV1 | ProjectOpenedV1 | ProjectStatusChangedV1,
    position: int,
    *,
    status: str,
    name: str | None = None,
    grant_thb: Decimal | None = None,
    since: date | None = None,
) -> None:
    # A fact that does not name the project gives its name position 0, which replaces no name.
    await conn.execute(
        _UPSERT, event.project_id, event.unit_id, event.province_code, event.region, name, grant_thb, status, position,
        since, 0 if name is None else position,
    )  # fmt: skip


async def on_proposed(conn: asyncpg.Connection, inbound: Inbound[ProjectProposedV1]) -> None:
    event = inbound.event
    await _upsert(
        conn, event, inbound.stream_sequence, status="PROPOSED", name=event.name, grant_thb=event.grant_thb,
        since=event.proposed_on,
    )  # fmt: skip


async def on_opened(conn: asyncpg.Connection, inbound: Inbound[ProjectOpenedV1]) -> None:
    event = inbound.event
    await _upsert(conn, event, inbound.stream_sequence, status="APPROVED", name=event.name, since=event.opened_on)


async def on_status_changed(conn: asyncpg.Connection, inbound: Inbound[ProjectStatusChangedV1]) -> None:
    event = inbound.event
    await _upsert(conn, event, inbound.stream_sequence, status=event.status, since=event.changed_on)


async def on_renamed(conn: asyncpg.Connection, inbound: Inbound[ProjectRenamedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_projects AS p (project_id, unit_id, province_code, region, name, name_position) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id) DO UPDATE SET "
        "name = EXCLUDED.name, name_position = EXCLUDED.name_position "
        "WHERE EXCLUDED.name_position > p.name_position",
        event.project_id, event.unit_id, event.province_code, event.region, event.name, inbound.stream_sequence,
    )  # fmt: skip


async def on_needs_assessment_changed(
    conn: asyncpg.Connection, inbound: Inbound[ProjectNeedsAssessmentChangedV1]
) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_projects AS p (project_id, unit_id, province_code, region, needs_assessment_status, "
        "needs_assessment_position, assessed_on) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (project_id) DO UPDATE SET "
        "needs_assessment_status = EXCLUDED.needs_assessment_status, "
        "needs_assessment_position = EXCLUDED.needs_assessment_position, "
        "assessed_on = COALESCE(EXCLUDED.assessed_on, p.assessed_on) "
        "WHERE EXCLUDED.needs_assessment_position > p.needs_assessment_position",
        event.project_id, event.unit_id, event.province_code, event.region, event.needs_assessment_status,
        inbound.stream_sequence, event.assessed_on,
    )  # fmt: skip


async def on_mentor_assigned(conn: asyncpg.Connection, inbound: Inbound[MentorAssignedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_project_mentors (assignment_id, mentor_id, project_id, unit_id, from_date) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (assignment_id) DO UPDATE SET project_id = EXCLUDED.project_id, "
        "unit_id = EXCLUDED.unit_id, from_date = EXCLUDED.from_date",
        event.assignment_id, event.mentor_id, event.project_id, event.unit_id, event.from_date,
    )  # fmt: skip


async def on_mentor_assignment_ended(conn: asyncpg.Connection, inbound: Inbound[MentorAssignmentEndedV1]) -> None:
    # Unit assignments end here too (the event does not say which kind): their rows have no project_id.
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_project_mentors (assignment_id, mentor_id, to_date) VALUES ($1, $2, $3) "
        "ON CONFLICT (assignment_id) DO UPDATE SET to_date = EXCLUDED.to_date",
        event.assignment_id, event.mentor_id, event.to_date,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="projects",
    ddl=DDL,
    handlers={
        ProjectProposedV1: on_proposed,
        ProjectOpenedV1: on_opened,
        ProjectStatusChangedV1: on_status_changed,
        ProjectNeedsAssessmentChangedV1: on_needs_assessment_changed,
        ProjectRenamedV1: on_renamed,
        MentorAssignedV1: on_mentor_assigned,
        MentorAssignmentEndedV1: on_mentor_assignment_ended,
    },
    # 2: unit assignments keep their unit, so a unit's mentors coach its projects (rows before lack it).
    # 3: renames (a name remembers the position of the fact that set it).
    version=3,
)

KNOWN = Known(kind="project", query="SELECT project_id FROM rm_projects WHERE project_id = ANY({ids})")
"""The projects a list may be filtered by: proposed ones too, whatever became of them."""


async def projects_of(pool: asyncpg.Pool, unit_id: UUID) -> list[UUID]:
    """Every project the unit runs, whatever its status, as far as the read model has got."""
    rows = await pool.fetch("SELECT project_id FROM rm_projects WHERE unit_id = $1 ORDER BY project_id", unit_id)
    return [row["project_id"] for row in rows]


# Assigned on the day $1, both ends included (as the domain's MentorAssignment.covers).
_ON_THE_DAY = "a.from_date <= $1 AND (a.to_date IS NULL OR a.to_date >= $1)"
_ENDED = ("CLOSED", "REJECTED", "TERMINATED")
# The assignment a coaches the project p: assigned to it, or to its unit while it has not ended.
_COACHES = (
    "(a.project_id = p.project_id OR (a.project_id IS NULL AND a.unit_id = p.unit_id "
    "AND p.status NOT IN ('CLOSED', 'REJECTED', 'TERMINATED')))"
)


_NAMED = (
    "From the mentor's contact, decrypted from the vault as the page is read (never kept in this read model); "
    "null when no contact was given or it was erased."
)


class MentorAssignmentListed(BaseModel):
    assignment_id: UUID
    mentor_id: UUID
    full_name: str | None = Field(default=None, description=f"The mentor's. {_NAMED}")
    from_date: date
    to_date: date | None = Field(description="The last day (included); null while open-ended.")

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)


Via = Literal["PROJECT", "UNIT"]


class ProjectMentor(BaseModel):
    id: UUID
    full_name: str | None = Field(default=None, description=_NAMED)
    via: Via = Field(
        description="PROJECT: assigned to the project; UNIT: assigned to the project's career development unit "
        "(one assigned both ways is PROJECT)."
    )


class ProjectListed(BaseModel):
    id: UUID
    name: str | None = Field(description="Null for a project known only from an event that does not name it.")
    unit_id: UUID | None
    province_code: str
    region: str
    grant_thb: Decimal | None
    status: Annotated[str, valued_as(ProjectStatus)]
    status_since: date | None = Field(
        default=None,
        description="The day of the step that set the status, or of the proposal while PROPOSED (null: not told, "
        "as in events from before it was).",
    )
    needs_assessment_status: Annotated[str, valued_as(("DRAFTED", "VALIDATED"))] | None = Field(
        description="Null before any draft."
    )
    assessed_on: date | None = Field(description="The day of the latest draft of the needs assessment.")
    mentor_ids: list[UUID] = Field(
        description="Every mentor coaching the project today: assigned to it, then those assigned to its unit "
        "(while the project has not ended: not CLOSED, REJECTED or TERMINATED)."
    )
    mentors: list[ProjectMentor] = Field(
        description="The same mentors as `mentor_ids`, in its order, named, each saying how it coaches (`via`)."
    )
    mentor_assignments: list[MentorAssignmentListed] = Field(
        description="Every assignment to the project itself, past ones included (its unit's are the mentors' own: "
        "`GET /mentors?unit_id=`)."
    )


async def list_projects(
    pool: asyncpg.Pool,
    *,
    region: str | None,
    province_code: str | None,
    unit_id: UUID | None,
    mentor_id: UUID | None,
    status: str | None,
    on: date,
    limit: int,
    offset: int,
) -> Page[ProjectListed]:
    """Projects with the mentors coaching them on ``on`` (``mentor_id`` filters by those: assigned to the project
    or to its unit) and all assignments to the project itself."""
    page = await fetch_page(
        pool,
        columns="project_id AS id, name, unit_id, province_code, region, grant_thb, status, status_since, "
        "needs_assessment_status, assessed_on",
        source="rm_projects p",
        where="status IS NOT NULL "
        "AND ($2::text IS NULL OR region = $2) AND ($3::text IS NULL OR province_code = $3) "
        "AND ($4::uuid IS NULL OR unit_id = $4) AND ($5::text IS NULL OR status = $5) "
        "AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM rm_project_mentors a WHERE a.mentor_id = $6 "
        f"AND a.from_date IS NOT NULL AND {_ON_THE_DAY} AND {_COACHES}))",
        order_by="name NULLS LAST, project_id",
        args=(on, region, province_code, unit_id, status, mentor_id),
        limit=limit,
        offset=offset,
    )
    assignments = await _assignments(pool, [row["id"] for row in page.items])
    coaching_units = await _unit_mentors(
        pool, [row["unit_id"] for row in page.items if row["unit_id"] is not None and row["status"] not in _ENDED], on
    )

    def listed(row: asyncpg.Record) -> ProjectListed:
        history = assignments.get(row["id"], [])
        mentors: dict[UUID, ProjectMentor] = {}
        for a in history:
            if a.covers(on):
                mentors.setdefault(a.mentor_id, ProjectMentor(id=a.mentor_id, via="PROJECT"))
        if row["status"] not in _ENDED:
            for unit_mentor in coaching_units.get(row["unit_id"], []):
                mentors.setdefault(unit_mentor, ProjectMentor(id=unit_mentor, via="UNIT"))
        return ProjectListed(
            **dict(row), mentor_ids=list(mentors), mentors=list(mentors.values()), mentor_assignments=history
        )

    return page.map(listed)


async def _unit_mentors(pool: asyncpg.Pool, unit_ids: list[UUID], on: date) -> dict[UUID, list[UUID]]:
    """The mentors assigned on ``on`` to each of these units, in the order they were assigned."""
    rows = await pool.fetch(
        "SELECT unit_id, mentor_id FROM rm_project_mentors a WHERE project_id IS NULL AND unit_id = ANY($2::uuid[]) "
        f"AND from_date IS NOT NULL AND {_ON_THE_DAY} ORDER BY from_date, assignment_id",
        on, unit_ids,
    )  # fmt: skip
    found: dict[UUID, list[UUID]] = {}
    for row in rows:
        found.setdefault(row["unit_id"], []).append(row["mentor_id"])
    return found


async def _assignments(pool: asyncpg.Pool, project_ids: list[UUID]) -> dict[UUID, list[MentorAssignmentListed]]:
    rows = await pool.fetch(
        "SELECT project_id, assignment_id, mentor_id, from_date, to_date FROM rm_project_mentors "
        "WHERE project_id = ANY($1::uuid[]) AND from_date IS NOT NULL ORDER BY from_date, assignment_id",
        project_ids,
    )
    found: dict[UUID, list[MentorAssignmentListed]] = {}
    for row in rows:
        found.setdefault(row["project_id"], []).append(MentorAssignmentListed.model_validate(dict(row)))
    return found
