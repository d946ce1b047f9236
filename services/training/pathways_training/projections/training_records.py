"""Read model: participants' training records, as published on the TRAINING stream.

Attendance is shown as the domain measures it: the sessions a participant was expected at are those
of previous cohorts they were expected at (kept on transfer) and those their cohort held from the day
they joined (until the record closed); sessions come from the cohorts read model's table. The rate is
of hours (sessions last any number of them), and ``hours_needed`` what completion asks now: the
threshold's share of the curriculum's hours or, once more hours were held for the participant, of those.

A phase's assessment may come in parts (each scoring competencies not scored before): the phase shows
every part's scores, and the day of its first part, as the domain dates it.

A record in training is *at risk* when the hours it attended are below its cohort's threshold of the
hours held for it: at that pace it will not reach the curriculum's hours either. So that lists can
filter on it without adding up every record's attendance, each row keeps its hours and its cohort's
threshold, measured again by every event that changes them, from tables of this read model's own (the
cohorts' thresholds and sessions: their events may be applied before or after a member's, and a
rebuild of this read model must not wait on the cohorts read model).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.base import OPEN_SET
from pathways_contracts.training import (
    AttendanceRecordedV1,
    CohortAssignedV1,
    CohortPlannedV1,
    CohortTransferredV1,
    SkillsAssessedV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingOpenedV1,
    TrainingProjectChangedV1,
    TrainingSessionHeldV1,
    TrainingWithdrawnV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel
from pathways_infra.thai_time import thai_day
from pathways_training.domain.training import AssessmentPhase, TrainingStatus, falls_short, hours_needed

DDL = """
CREATE TABLE IF NOT EXISTS rm_training_records (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    status text NOT NULL,
    attendance_rate double precision,
    opened_at timestamptz NOT NULL,
    completed_at timestamptz
);
-- Added after the first release (tables created then lack them).
ALTER TABLE rm_training_records
    ADD COLUMN IF NOT EXISTS cohort_id uuid,
    ADD COLUMN IF NOT EXISTS joined_on date,
    ADD COLUMN IF NOT EXISTS previous_sessions_expected uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS completed_on date,
    ADD COLUMN IF NOT EXISTS dropout_reason text,
    ADD COLUMN IF NOT EXISTS closed_on date;
CREATE INDEX IF NOT EXISTS rm_training_records_participant ON rm_training_records (participant_id);
CREATE INDEX IF NOT EXISTS rm_training_records_project ON rm_training_records (project_id, enrollment_id);
CREATE INDEX IF NOT EXISTS rm_training_records_cohort ON rm_training_records (cohort_id, enrollment_id);
-- Period reports (completed or closed in a month) read a few hundred of 14,000 records, not all of them.
CREATE INDEX IF NOT EXISTS rm_training_records_completed_on ON rm_training_records (completed_on)
    WHERE completed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_training_records_closed_on ON rm_training_records (closed_on)
    WHERE closed_on IS NOT NULL;

-- Tables of version 2 counted sessions; at_risk is of hours since version 3 (its index goes with it).
DO $$
BEGIN
    IF EXISTS (SELECT FROM information_schema.columns WHERE table_schema = current_schema()
               AND table_name = 'rm_training_records' AND column_name = 'expected_count') THEN
        ALTER TABLE rm_training_records DROP COLUMN at_risk, DROP COLUMN expected_count, DROP COLUMN attended_count;
    END IF;
END $$;
-- Measured by the handlers (see _MEASURE); at_risk as the domain's falls_short: below the threshold's
-- share of the hours expected, compared exactly (48 of 60 hours meets 80%).
ALTER TABLE rm_training_records
    ADD COLUMN IF NOT EXISTS attendance_threshold double precision,
    ADD COLUMN IF NOT EXISTS expected_hours numeric NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS attended_hours numeric NOT NULL DEFAULT 0;
ALTER TABLE rm_training_records ADD COLUMN IF NOT EXISTS at_risk boolean GENERATED ALWAYS AS (
    COALESCE(status = 'IN_TRAINING' AND expected_hours > 0
        AND attended_hours < attendance_threshold::numeric * expected_hours, false)
) STORED;
CREATE INDEX IF NOT EXISTS rm_training_records_at_risk ON rm_training_records (enrollment_id) WHERE at_risk;
-- A session held is measured for those expected at it in a cohort they left too (see on_session_held).
CREATE INDEX IF NOT EXISTS rm_training_records_previous_sessions ON rm_training_records
    USING gin (previous_sessions_expected);

CREATE TABLE IF NOT EXISTS rm_training_record_cohorts (
    cohort_id uuid PRIMARY KEY,
    attendance_threshold double precision NOT NULL
);

CREATE TABLE IF NOT EXISTS rm_training_record_sessions (
    cohort_id uuid NOT NULL,
    session_id uuid NOT NULL,
    held_on date NOT NULL,
    PRIMARY KEY (cohort_id, session_id)
);
-- Null in rows of version 2 (until the rebuild).
ALTER TABLE rm_training_record_sessions ADD COLUMN IF NOT EXISTS hours numeric;
CREATE INDEX IF NOT EXISTS rm_training_record_sessions_session ON rm_training_record_sessions (session_id);

CREATE TABLE IF NOT EXISTS rm_training_attendance (
    enrollment_id uuid NOT NULL,
    session_id uuid NOT NULL,
    cohort_id uuid NOT NULL,
    attended boolean NOT NULL,
    PRIMARY KEY (enrollment_id, session_id)
);
CREATE INDEX IF NOT EXISTS rm_training_attendance_session ON rm_training_attendance (session_id);

CREATE TABLE IF NOT EXISTS rm_training_assessments (
    enrollment_id uuid NOT NULL,
    phase text NOT NULL,
    competency text NOT NULL,
    score numeric NOT NULL,
    assessed_on date NOT NULL,
    PRIMARY KEY (enrollment_id, phase, competency)
);
"""


# The hours of the sessions a record is expected at, as the lists show them (_SESSIONS), but from this
# read model's own sessions table (a session not applied yet counts once it is); and its current
# cohort's threshold.
_MEASURE = """
UPDATE rm_training_records r
SET (expected_hours, attended_hours) = (
        SELECT COALESCE(sum(expected.hours), 0), COALESCE(sum(expected.hours) FILTER (WHERE a.attended), 0)
        FROM (
            SELECT s.session_id, s.hours FROM rm_training_record_sessions s
            WHERE s.session_id = ANY(r.previous_sessions_expected)
            UNION
            SELECT s.session_id, s.hours FROM rm_training_record_sessions s
            WHERE s.cohort_id = r.cohort_id AND s.held_on >= r.joined_on
              AND (r.closed_on IS NULL OR s.held_on <= r.closed_on)
        ) expected
        LEFT JOIN rm_training_attendance a ON a.enrollment_id = r.enrollment_id AND a.session_id = expected.session_id
    ),
    attendance_threshold = (
        SELECT c.attendance_threshold FROM rm_training_record_cohorts c WHERE c.cohort_id = r.cohort_id
    )
WHERE {}
"""


async def _measure(conn: asyncpg.Connection, enrollment_id: UUID) -> None:
    await conn.execute(_MEASURE.format("r.enrollment_id = $1"), enrollment_id)


async def _measure_cohort(conn: asyncpg.Connection, cohort_id: UUID) -> None:
    await conn.execute(_MEASURE.format("r.cohort_id = $1"), cohort_id)


async def on_cohort_planned(conn: asyncpg.Connection, inbound: Inbound[CohortPlannedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_training_record_cohorts (cohort_id, attendance_threshold) VALUES ($1, $2) "
        "ON CONFLICT (cohort_id) DO NOTHING",
        event.cohort_id, event.attendance_threshold,
    )  # fmt: skip
    await _measure_cohort(conn, event.cohort_id)


async def on_session_held(conn: asyncpg.Connection, inbound: Inbound[TrainingSessionHeldV1]) -> None:
    """Measured for the cohort's members, and for those who left it expected at the session (their transfer
    may have been applied first)."""
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_training_record_sessions (cohort_id, session_id, held_on, hours) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        event.cohort_id, event.session_id, event.held_on, event.hours,
    )  # fmt: skip
    await conn.execute(
        _MEASURE.format("r.cohort_id = $1 OR r.previous_sessions_expected @> ARRAY[$2::uuid]"),
        event.cohort_id, event.session_id,
    )  # fmt: skip


async def on_opened(conn: asyncpg.Connection, inbound: Inbound[TrainingOpenedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_training_records (enrollment_id, participant_id, project_id, status, opened_at) "
        "VALUES ($1, $2, $3, 'IN_TRAINING', $4) ON CONFLICT (enrollment_id) DO NOTHING",
        event.enrollment_id, event.participant_id, event.project_id, event.occurred_at,
    )  # fmt: skip


async def on_project_changed(conn: asyncpg.Connection, inbound: Inbound[TrainingProjectChangedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET project_id = $2 WHERE enrollment_id = $1", event.enrollment_id, event.project_id
    )


async def on_cohort_assigned(conn: asyncpg.Connection, inbound: Inbound[CohortAssignedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET cohort_id = $2, joined_on = $3 WHERE enrollment_id = $1",
        event.enrollment_id, event.cohort_id, event.assigned_on,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


async def on_cohort_transferred(conn: asyncpg.Connection, inbound: Inbound[CohortTransferredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET cohort_id = $2, joined_on = $3, "
        "previous_sessions_expected = previous_sessions_expected || $4::uuid[] WHERE enrollment_id = $1",
        event.enrollment_id, event.to_cohort_id, event.transferred_on, event.sessions_expected_in_previous_cohort,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


async def on_attendance(conn: asyncpg.Connection, inbound: Inbound[AttendanceRecordedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_training_attendance (enrollment_id, session_id, cohort_id, attended) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (enrollment_id, session_id) DO UPDATE SET attended = EXCLUDED.attended",
        event.enrollment_id, event.session_id, event.cohort_id, event.attended,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


async def on_assessed(conn: asyncpg.Connection, inbound: Inbound[SkillsAssessedV1]) -> None:
    event = inbound.event
    await conn.executemany(
        "INSERT INTO rm_training_assessments (enrollment_id, phase, competency, score, assessed_on) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        [
            (event.enrollment_id, event.phase, competency, score, event.assessed_on)
            for competency, score in event.scores.items()
        ],
    )


async def on_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    event = inbound.event
    completed_on = event.completed_on or thai_day(event.occurred_at)
    await conn.execute(
        "UPDATE rm_training_records SET status = 'COMPLETED', attendance_rate = $2, completed_at = $3, "
        "completed_on = $4, closed_on = $4 WHERE enrollment_id = $1",
        event.enrollment_id, event.attendance_rate, event.occurred_at, completed_on,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


async def on_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET status = 'DROPPED_OUT', dropout_reason = $2, closed_on = $3 "
        "WHERE enrollment_id = $1",
        event.enrollment_id, event.reason, event.dropped_out_on,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[TrainingWithdrawnV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_training_records SET status = 'WITHDRAWN', closed_on = $2 WHERE enrollment_id = $1",
        event.enrollment_id, event.withdrawn_on,
    )  # fmt: skip
    await _measure(conn, event.enrollment_id)


READ_MODEL = ReadModel(
    name="training-records",
    ddl=DDL,
    handlers={
        CohortPlannedV1: on_cohort_planned,
        TrainingSessionHeldV1: on_session_held,
        TrainingOpenedV1: on_opened,
        TrainingProjectChangedV1: on_project_changed,
        CohortAssignedV1: on_cohort_assigned,
        CohortTransferredV1: on_cohort_transferred,
        AttendanceRecordedV1: on_attendance,
        SkillsAssessedV1: on_assessed,
        TrainingCompletedV1: on_completed,
        TrainingWithdrawnV1: on_withdrawn,
        TrainingDroppedOutV1: on_dropped_out,
    },
    # 2: each record keeps its cohort's attendance threshold and its counts, so at_risk can be filtered on.
    # 3: attendance in hours: each record keeps the hours expected and attended, and sessions their hours.
    version=3,
)

# The curriculum's hours are of the version the record's cohort follows (read from the curricula read model).
_COLUMNS = """r.enrollment_id, r.participant_id, r.project_id, r.status, r.cohort_id, r.joined_on, r.attendance_rate,
       r.opened_at, r.completed_on, r.dropout_reason, r.closed_on, r.attendance_threshold,
       sessions.expected AS sessions_expected, sessions.attended AS sessions_attended,
       sessions.hours_expected, sessions.hours_attended,
       (SELECT v.hours FROM rm_cohorts c JOIN rm_curriculum_versions v
            ON v.curriculum_id = c.curriculum_id AND v.version = c.curriculum_version
        WHERE c.cohort_id = r.cohort_id) AS curriculum_hours"""

# Sessions expected: kept from previous cohorts, plus the current cohort's from joining until closing; a
# previous cohort's session counts before its hours are known (hours_expected then leaves it out).
_SESSIONS = """
CROSS JOIN LATERAL (
    SELECT count(*) AS expected, count(*) FILTER (WHERE a.attended) AS attended,
        COALESCE(sum(expected.hours), 0) AS hours_expected,
        COALESCE(sum(expected.hours) FILTER (WHERE a.attended), 0) AS hours_attended
    FROM (
        SELECT p.session_id, s.hours FROM unnest(r.previous_sessions_expected) AS p (session_id)
        LEFT JOIN rm_cohort_sessions s ON s.session_id = p.session_id
        UNION
        SELECT s.session_id, s.hours FROM rm_cohort_sessions s
        WHERE s.cohort_id = r.cohort_id AND s.held_on >= r.joined_on
          AND (r.closed_on IS NULL OR s.held_on <= r.closed_on)
    ) expected
    LEFT JOIN rm_training_attendance a ON a.enrollment_id = r.enrollment_id AND a.session_id = expected.session_id
) sessions
"""


class PhaseAssessment(BaseModel):
    assessed_on: date = Field(description="The day of its first part (a phase may be assessed in parts).")
    scores: dict[str, float] = Field(description="The score (0 to 100) of each competency assessed, by name.")


class TrainingRecordShown(BaseModel):
    """A training record as ``get_record`` and ``list_records`` show it."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    status: TrainingStatus
    cohort_id: UUID | None = Field(description="The cohort the participant is in now; null before one.")
    joined_on: date | None = Field(description="The day they joined that cohort.")
    attendance_rate: float | None = Field(
        description="Hours attended / hours of the sessions expected (as measured at completion, once COMPLETED; "
        "of sessions in completions recorded before hours counted); null before a session was expected."
    )
    opened_at: datetime = Field(description="When the record was opened.")
    completed_on: date | None
    dropout_reason: str | None = Field(
        description="Once DROPPED_OUT: FOUND_WORK, HEALTH, FAMILY_DUTIES, MOVED_AWAY, LOST_CONTACT, NOT_SUITABLE or "
        f"OTHER. {OPEN_SET}"
    )
    closed_on: date | None = Field(description="The day it completed, dropped out or was withdrawn.")
    attendance_threshold: float | None = Field(
        description="The current cohort's: completion needs `attendance_rate` at or above it; null outside a cohort."
    )
    sessions_expected: int
    sessions_attended: int
    hours_expected: Decimal = Field(description="Hours of the sessions the participant was expected at.")
    hours_attended: Decimal = Field(description="Hours of those sessions they attended.")
    curriculum_hours: Decimal | None = Field(
        description="The hours of the curriculum version the current cohort follows; null outside a cohort, or "
        "for a cohort that did not know them."
    )
    hours_needed: Decimal | None = Field(
        description="What completion asks now: `attendance_threshold` of `curriculum_hours` or, once more hours "
        "were held for the participant, of `hours_expected`; null when either is unknown."
    )
    at_risk: bool = Field(description="IN_TRAINING and attending below `attendance_threshold`.")
    assessments: dict[AssessmentPhase, PhaseAssessment] = Field(description="By phase, those assessed.")


async def get_record(pool: asyncpg.Pool, enrollment_id: UUID) -> dict[str, Any] | None:
    """The record as ``TrainingRecordShown`` documents it."""
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM rm_training_records r {_SESSIONS} WHERE r.enrollment_id = $1", enrollment_id
    )
    if row is None:
        return None
    [record] = await _with_assessments(pool, [row])
    return record


@dataclass(frozen=True)
class RecordFilter:
    """Which records a list shows: each field given narrows it (``after``: enrollment ids above it; the days'
    bounds are inclusive: ``completed_…`` the day training completed, ``closed_…`` the day the record closed,
    completed, dropped out or withdrawn)."""

    project_id: UUID | None = None
    cohort_id: UUID | None = None
    status: str | None = None
    at_risk: bool | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    after: UUID | None = None


async def list_records(pool: asyncpg.Pool, of: RecordFilter, *, limit: int, offset: int) -> Page[dict[str, Any]]:
    """Records by enrollment id, and how many match in all (``after`` aside: it only says where the page starts)."""
    where = Where()
    where.add("r.project_id = {}", of.project_id)
    where.add("r.cohort_id = {}", of.cohort_id)
    where.add("r.status = {}", of.status)
    if of.at_risk is not None:  # a literal, so the plan can use the partial index on at_risk
        where.require("r.at_risk" if of.at_risk else "NOT r.at_risk")
    where.add("r.completed_on >= {}", of.completed_from)
    where.add("r.completed_on <= {}", of.completed_to)
    where.add("r.closed_on >= {}", of.closed_from)
    where.add("r.closed_on <= {}", of.closed_to)
    page = await fetch_page(
        pool,
        columns=_COLUMNS,
        source="rm_training_records r",
        joined=_SESSIONS,
        where=where.sql,
        order_by="r.enrollment_id",
        args=where.args,
        after=("r.enrollment_id > {}", of.after),
        limit=limit,
        offset=offset,
    )
    return Page(await _with_assessments(pool, page.items), page.total)


async def _with_assessments(pool: asyncpg.Pool, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    scored = await pool.fetch(
        "SELECT enrollment_id, phase, competency, score, assessed_on FROM rm_training_assessments "
        "WHERE enrollment_id = ANY($1::uuid[]) ORDER BY competency",
        [row["enrollment_id"] for row in rows],
    )
    assessments: dict[UUID, dict[str, dict[str, Any]]] = defaultdict(dict)
    for score in scored:
        phase = assessments[score["enrollment_id"]].setdefault(
            score["phase"], {"assessed_on": score["assessed_on"], "scores": {}}
        )
        phase["assessed_on"] = min(phase["assessed_on"], score["assessed_on"])
        phase["scores"][score["competency"]] = float(score["score"])
    return [_record(row, assessments.get(row["enrollment_id"], {})) for row in rows]


def _record(row: asyncpg.Record, assessments: dict[str, dict[str, Any]]) -> dict[str, Any]:
    record = dict(row)
    expected, attended = record["hours_expected"], record["hours_attended"]
    threshold, planned = record["attendance_threshold"], record["curriculum_hours"]
    if record["status"] != "COMPLETED":  # once completed, the rate measured at completion stands
        record["attendance_rate"] = float(attended / expected) if expected else None
    record["at_risk"] = at_risk(record["status"], attended, expected, threshold)
    needed = None if threshold is None or planned is None else hours_needed(threshold, max(planned, expected))
    record.update(
        hours_expected=_plain(expected),
        hours_attended=_plain(attended),
        curriculum_hours=None if planned is None else _plain(planned),
        hours_needed=None if needed is None else _plain(needed),
        assessments=assessments,
    )
    return record


def at_risk(status: str, hours_attended: Decimal, hours_expected: Decimal, threshold: float | None) -> bool:
    """Whether a record in training attended less than its cohort's threshold of the hours held for it (as
    the domain refuses completion on them); never before a session was expected of it."""
    return (
        status == "IN_TRAINING"
        and hours_expected > 0
        and threshold is not None
        and falls_short(hours_attended, hours_expected, threshold)
    )


def _plain(hours: Decimal) -> Decimal:
    """48, not 48.0: hours as they were given (numeric sums and products keep every decimal place)."""
    return Decimal(f"{hours.normalize():f}")
