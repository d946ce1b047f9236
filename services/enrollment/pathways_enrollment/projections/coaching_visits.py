"""Read model: mentors' coaching visits, each with where it was and its notes, from the ENROLLMENT stream.

A mentor's monthly report lists the visits of a month: the day, the project or unit visited (as its
assignment named it), and what was found and agreed. A visit is logged once and never changes, so each
is inserted once (a redelivery changes nothing). Visits logged before ``enrollment.v1.mentor.coaching_visit_logged``
was published are here once republished from the event store.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import MentorCoachingVisitLoggedV1
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel

DDL = """
CREATE TABLE IF NOT EXISTS rm_coaching_visits (
    visit_id uuid PRIMARY KEY,
    mentor_id uuid NOT NULL,
    assignment_id uuid NOT NULL,
    unit_id uuid,
    project_id uuid,
    province_code text NOT NULL,
    region text NOT NULL,
    visited_on date NOT NULL,
    notes text
);
CREATE INDEX IF NOT EXISTS rm_coaching_visits_mentor ON rm_coaching_visits (mentor_id, visited_on, visit_id);
"""


async def on_visit_logged(conn: asyncpg.Connection, inbound: Inbound[MentorCoachingVisitLoggedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_coaching_visits (visit_id, mentor_id, assignment_id, unit_id, project_id, province_code, "
        "region, visited_on, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (visit_id) DO NOTHING",
        event.visit_id, event.mentor_id, event.assignment_id, event.unit_id, event.project_id, event.province_code,
        event.region, event.visited_on, event.notes,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="coaching-visits",
    ddl=DDL,
    handlers={MentorCoachingVisitLoggedV1: on_visit_logged},
    version=1,
)


class CoachingVisitListed(BaseModel):
    id: UUID
    visited_on: date
    assignment_id: UUID
    project_id: UUID | None = Field(description="The project visited, when the assignment is to a project.")
    unit_id: UUID | None = Field(
        description="The career development unit visited (for a project's assignment: the unit running it)."
    )
    province_code: str
    region: str
    notes: str | None = Field(description="What was found and agreed, as written; null when none was written.")


async def list_coaching_visits(
    pool: asyncpg.Pool,
    *,
    mentor_id: UUID,
    visited_from: date | None,
    visited_to: date | None,
    limit: int,
    offset: int,
) -> Page[CoachingVisitListed]:
    """The mentor's visits from ``visited_from`` to ``visited_to`` (both included), by day."""
    where = Where()
    where.add("mentor_id = {}", mentor_id)
    where.add("visited_on >= {}", visited_from)
    where.add("visited_on <= {}", visited_to)
    page = await fetch_page(
        pool,
        columns="visit_id AS id, visited_on, assignment_id, project_id, unit_id, province_code, region, notes",
        source="rm_coaching_visits",
        where=where.sql,
        order_by="visited_on, visit_id",
        args=where.args,
        limit=limit,
        offset=offset,
    )
    return page.map(lambda row: CoachingVisitListed.model_validate(dict(row)))
