"""Read model: cohorts, the sessions they held and their members, from the TRAINING stream.

Cohort events are ordered per cohort and membership events per participant; each writes its own
table, so the order between the two does not matter. How many attended a session is counted from
the training records read model's attendance table when asked, and where the members still in the
cohort stand in training (in training, or completed) from its records table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.training import (
    CohortAssignedV1,
    CohortCancelledV1,
    CohortCompletedV1,
    CohortPlannedV1,
    CohortStartedV1,
    CohortTransferredV1,
    TrainingDroppedOutV1,
    TrainingSessionHeldV1,
    TrainingWithdrawnV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel
from pathways_training.domain.cohort import CohortStatus
from pathways_training.domain.curriculum import Track
from pathways_training.domain.training import TrainingStatus

DDL = """
CREATE TABLE IF NOT EXISTS rm_cohorts (
    cohort_id uuid PRIMARY KEY,
    project_id uuid NOT NULL,
    curriculum_id uuid NOT NULL,
    curriculum_version int NOT NULL,
    track text,
    competencies text[] NOT NULL,
    attendance_threshold double precision NOT NULL,
    starts_on date NOT NULL,
    status text NOT NULL,
    started_on date,
    ended_on date,
    cancellation_reason text
);
CREATE INDEX IF NOT EXISTS rm_cohorts_project ON rm_cohorts (project_id);
CREATE INDEX IF NOT EXISTS rm_cohorts_curriculum ON rm_cohorts (curriculum_id);

CREATE TABLE IF NOT EXISTS rm_cohort_sessions (
    cohort_id uuid NOT NULL,
    session_id uuid NOT NULL,
    held_on date NOT NULL,
    hours numeric NOT NULL,
    PRIMARY KEY (cohort_id, session_id)
);

CREATE TABLE IF NOT EXISTS rm_cohort_members (
    cohort_id uuid NOT NULL,
    enrollment_id uuid NOT NULL,
    participant_id uuid NOT NULL,
    joined_on date NOT NULL,
    left_on date,
    PRIMARY KEY (cohort_id, enrollment_id)
);
ALTER TABLE rm_cohort_members ADD COLUMN IF NOT EXISTS left_because text;
-- No rebuild for it: sessions held before the start time was kept have none in their events either.
ALTER TABLE rm_cohort_sessions ADD COLUMN IF NOT EXISTS starts_at time;
-- The training records read model finds the hours of sessions of cohorts a participant left by their id.
CREATE INDEX IF NOT EXISTS rm_cohort_sessions_session ON rm_cohort_sessions (session_id);
"""


async def on_planned(conn: asyncpg.Connection, inbound: Inbound[CohortPlannedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_cohorts (cohort_id, project_id, curriculum_id, curriculum_version, track, competencies, "
        "attendance_threshold, starts_on, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'PLANNED') "
        "ON CONFLICT (cohort_id) DO NOTHING",
        event.cohort_id, event.project_id, event.curriculum_id, event.curriculum_version, event.track,
        event.competencies, event.attendance_threshold, event.starts_on,
    )  # fmt: skip


async def on_started(conn: asyncpg.Connection, inbound: Inbound[CohortStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cohorts SET status = 'IN_PROGRESS', started_on = $2 WHERE cohort_id = $1",
        event.cohort_id, event.started_on,
    )  # fmt: skip


async def on_session_held(conn: asyncpg.Connection, inbound: Inbound[TrainingSessionHeldV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_cohort_sessions (cohort_id, session_id, held_on, hours, starts_at) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        event.cohort_id, event.session_id, event.held_on, event.hours, event.starts_at,
    )  # fmt: skip


async def on_completed(conn: asyncpg.Connection, inbound: Inbound[CohortCompletedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cohorts SET status = 'COMPLETED', ended_on = $2 WHERE cohort_id = $1",
        event.cohort_id, event.completed_on,
    )  # fmt: skip


async def on_cancelled(conn: asyncpg.Connection, inbound: Inbound[CohortCancelledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cohorts SET status = 'CANCELLED', ended_on = $2, cancellation_reason = $3 WHERE cohort_id = $1",
        event.cohort_id, event.cancelled_on, event.reason,
    )  # fmt: skip


async def on_assigned(conn: asyncpg.Connection, inbound: Inbound[CohortAssignedV1]) -> None:
    event = inbound.event
    await _joined(conn, event.cohort_id, event.enrollment_id, event.participant_id, event.assigned_on)


async def on_transferred(conn: asyncpg.Connection, inbound: Inbound[CohortTransferredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cohort_members SET left_on = $3, left_because = 'TRANSFERRED' WHERE cohort_id = $1 "
        "AND enrollment_id = $2",
        event.from_cohort_id, event.enrollment_id, event.transferred_on,
    )  # fmt: skip
    await _joined(conn, event.to_cohort_id, event.enrollment_id, event.participant_id, event.transferred_on)


async def on_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    await _left(conn, inbound.event.enrollment_id, inbound.event.dropped_out_on, "DROPPED_OUT")


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[TrainingWithdrawnV1]) -> None:
    await _left(conn, inbound.event.enrollment_id, inbound.event.withdrawn_on, "WITHDRAWN")


async def _left(conn: asyncpg.Connection, enrollment_id: UUID, left_on: date, because: str) -> None:
    """The participant left training, and with it the one cohort they were still in."""
    await conn.execute(
        "UPDATE rm_cohort_members SET left_on = $2, left_because = $3 WHERE enrollment_id = $1 AND left_on IS NULL",
        enrollment_id, left_on, because,
    )  # fmt: skip


async def _joined(
    conn: asyncpg.Connection, cohort_id: UUID, enrollment_id: UUID, participant_id: UUID, joined_on: date
) -> None:
    await conn.execute(
        "INSERT INTO rm_cohort_members (cohort_id, enrollment_id, participant_id, joined_on) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        cohort_id, enrollment_id, participant_id, joined_on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="cohorts",
    ddl=DDL,
    handlers={
        CohortPlannedV1: on_planned,
        CohortStartedV1: on_started,
        TrainingSessionHeldV1: on_session_held,
        CohortCompletedV1: on_completed,
        CohortCancelledV1: on_cancelled,
        CohortAssignedV1: on_assigned,
        CohortTransferredV1: on_transferred,
        TrainingDroppedOutV1: on_dropped_out,
        TrainingWithdrawnV1: on_withdrawn,
    },
    # 2: members who dropped out or were withdrawn keep left_on and left_because (session 16).
    version=2,
)

KNOWN = Known(kind="cohort", query="SELECT cohort_id FROM rm_cohorts WHERE cohort_id = ANY({ids})")
"""The cohorts a list may be filtered by."""


# Members in training by their records (those GET /training-records?cohort_id=…&status=IN_TRAINING lists),
# their rates of hours as the records read model keeps them; one not yet expected at a session has no
# rate, and is not in the mean. Nor is one not yet measured against a threshold: a record from before the
# records read model kept its hours has only part of them.
_ATTENDANCE = """
CROSS JOIN LATERAL (
    SELECT avg((r.attended_hours / r.expected_hours)::double precision)
            FILTER (WHERE r.expected_hours > 0 AND r.attendance_threshold IS NOT NULL) AS mean_attendance_rate,
        count(*) FILTER (WHERE r.at_risk) AS members_at_risk
    FROM rm_training_records r
    WHERE r.cohort_id = c.cohort_id AND r.status = 'IN_TRAINING'
) attendance
"""


class CohortListed(BaseModel):
    """A cohort as ``list_cohorts`` shows it."""

    cohort_id: UUID
    project_id: UUID
    curriculum_id: UUID
    curriculum_version: int
    track: Track | None = Field(description="The curriculum version's; null for cohorts planned before it was kept.")
    competencies: list[str]
    attendance_threshold: float = Field(description="The attendance rate completion needs, from 0 to 1.")
    starts_on: date
    status: CohortStatus
    started_on: date | None
    ended_on: date | None = Field(description="The day it was completed or cancelled.")
    cancellation_reason: str | None
    sessions_held: int
    members_count: int = Field(description="Members who have not left.")
    members_in_training: int = Field(description="Of those, the members whose training record is IN_TRAINING.")
    mean_attendance_rate: float | None = Field(
        description="The mean attendance rate of the members in training; null until a session was expected of one."
    )
    members_at_risk: int = Field(description="Members in training attending below `attendance_threshold`.")


class CohortSession(BaseModel):
    session_id: UUID
    held_on: date
    starts_at: str | None = Field(description="HH:MM on the unit's clock, when given.", examples=["09:00"])
    hours: Decimal
    attended: int = Field(description="How many members attended.")


class CohortMember(BaseModel):
    enrollment_id: UUID
    participant_id: UUID
    joined_on: date
    left_on: date | None
    left_because: Literal["TRANSFERRED", "DROPPED_OUT", "WITHDRAWN"] | None = Field(
        description="Why the member left (TRANSFERRED: to another cohort); null while in the cohort."
    )
    training_status: TrainingStatus | None = Field(
        description="While in the cohort, their training record's status (IN_TRAINING until it says otherwise); "
        "null once they left."
    )


class CohortShown(CohortListed):
    """A cohort as ``get_cohort`` shows it: as listed, with its sessions and members."""

    hours_held: Decimal = Field(description="The hours of the sessions held, together.")
    sessions: list[CohortSession] = Field(description="By day and start time.")
    members: list[CohortMember] = Field(description="Everyone who joined, by the day they joined, those who left too.")


async def get_cohort(pool: asyncpg.Pool, cohort_id: UUID) -> dict[str, Any] | None:
    """The cohort as ``CohortShown`` documents it."""
    row = await pool.fetchrow(
        f"SELECT c.*, attendance.* FROM rm_cohorts c {_ATTENDANCE} WHERE c.cohort_id = $1", cohort_id
    )
    if row is None:
        return None
    sessions = await pool.fetch(
        "SELECT s.session_id, s.held_on, to_char(s.starts_at, 'HH24:MI') AS starts_at, s.hours, "
        "(SELECT count(*) FROM rm_training_attendance a WHERE a.session_id = s.session_id AND a.attended) AS attended "
        "FROM rm_cohort_sessions s WHERE s.cohort_id = $1 ORDER BY s.held_on, s.starts_at, s.session_id",
        cohort_id,
    )
    members = await pool.fetch(_MEMBERS, cohort_id)
    return {
        **dict(row),
        "sessions_held": len(sessions),
        "hours_held": sum((session["hours"] for session in sessions), Decimal(0)),
        "sessions": [dict(session) for session in sessions],
        "members_count": sum(1 for member in members if member["left_on"] is None),
        "members_in_training": sum(1 for member in members if member["training_status"] == "IN_TRAINING"),
        "members": [dict(member) for member in members],
    }


# A member still in the cohort is in training until their record says otherwise (the records read
# model may not have it yet); one who left has left_because instead.
_MEMBERS = """
SELECT m.enrollment_id, m.participant_id, m.joined_on, m.left_on, m.left_because,
    CASE WHEN m.left_on IS NULL THEN COALESCE(r.status, 'IN_TRAINING') END AS training_status
FROM rm_cohort_members m
LEFT JOIN rm_training_records r ON r.enrollment_id = m.enrollment_id
WHERE m.cohort_id = $1
ORDER BY m.joined_on, m.enrollment_id
"""


_COLUMNS = """c.*,
    (SELECT count(*) FROM rm_cohort_sessions s WHERE s.cohort_id = c.cohort_id) AS sessions_held,
    (SELECT count(*) FROM rm_cohort_members m WHERE m.cohort_id = c.cohort_id AND m.left_on IS NULL) AS members_count,
    (SELECT count(*) FROM rm_cohort_members m LEFT JOIN rm_training_records r ON r.enrollment_id = m.enrollment_id
        WHERE m.cohort_id = c.cohort_id AND m.left_on IS NULL AND COALESCE(r.status, 'IN_TRAINING') = 'IN_TRAINING'
    ) AS members_in_training,
    attendance.mean_attendance_rate, attendance.members_at_risk
"""


async def list_cohorts(
    pool: asyncpg.Pool,
    *,
    project_id: UUID | None,
    curriculum_id: UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Page[dict[str, Any]]:
    """Cohorts by start day, with how many sessions they held, members they have and members still in
    training (not the lists), how those in training attend, and how many match in all."""
    where = Where()
    where.add("c.project_id = {}", project_id)
    where.add("c.curriculum_id = {}", curriculum_id)
    where.add("c.status = {}", status)
    page = await fetch_page(
        pool,
        columns=_COLUMNS,
        source="rm_cohorts c",
        joined=_ATTENDANCE,
        where=where.sql,
        order_by="c.starts_on, c.cohort_id",
        args=where.args,
        limit=limit,
        offset=offset,
    )
    return page.map(dict)
