"""Read model: programme-wide totals, from the ENROLLMENT, TRAINING and OUTCOMES streams.

A table per source stream, one row per enrollment in each (whatever fact tells of it first creates
it, every handler upserts): the three consumers never write the same row, so they may run in any
order relative to each other and never wait for each other's locks. Facts that may be superseded
(the latest transfer, employment or income) are kept only when they are later than what the row
holds. The tables are joined, and stages and outcomes derived, when queried, with these precedences:

- stage of an enrolled enrollment: WITHDRAWN (withdrawn while enrolled, or withdrawn from training)
  > DROPPED_OUT > COMPLETED > IN_TRAINING;
- outcome of a completed one: COMMUNITY_ENTERPRISE > ENTERPRISE (a founder named when one was
  started, or a participant who joined it since) > the type of the latest employment observed (by
  the day it was observed, then stream order; the case view keeps the same one), unless a later
  follow-up was answered "not working" (the domain's ``in_work``, here in SQL) > NONE;
- region: of the latest transfer (by transferred_on, then stream order), else of the enrollment;
- baseline income: of the latest correction after enrollment (by its day, then stream order), else of
  the enrollment (told again after a correction, it does not undo it).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal, get_args
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.enrollment import (
    ApplicationScreenedOutV1,
    BaselineCorrectedV1,
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
    ProjectStatusChangedV1,
)
from pathways_contracts.outcomes import (
    EmploymentRecordedV1,
    EnterpriseKind,
    EnterpriseMemberJoinedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    IncomeObservedV1,
)
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1, TrainingWithdrawnV1
from pathways_infra.consumer import Inbound
from pathways_infra.known_ids import Known
from pathways_infra.service import ReadModel
from pathways_outcomes.projections import employment_day

Stage = Literal["IN_TRAINING", "COMPLETED", "DROPPED_OUT", "WITHDRAWN"]
Outcome = Literal["WAGE", "SELF_EMPLOYED", "ENTERPRISE", "COMMUNITY_ENTERPRISE", "NONE"]
STAGES: tuple[Stage, ...] = get_args(Stage)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

DDL = """
CREATE TABLE IF NOT EXISTS rm_programme_projects (
    project_id uuid PRIMARY KEY,
    province_code text NOT NULL,
    region text NOT NULL
);
CREATE TABLE IF NOT EXISTS rm_programme_rejected_projects (
    project_id uuid PRIMARY KEY,
    rejected_on date,
    reason text
);
CREATE TABLE IF NOT EXISTS rm_programme_enrollment_facts (
    enrollment_id uuid PRIMARY KEY,
    enrolled boolean NOT NULL DEFAULT false,
    participant_id uuid,
    enrolled_region text,
    baseline_monthly_income_thb numeric(12, 2),
    screened_out boolean NOT NULL DEFAULT false,
    transferred boolean NOT NULL DEFAULT false,
    transfer_on date,
    transfer_sequence bigint,
    transfer_region text,
    withdrawn_while_enrolled boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS rm_programme_training_facts (
    enrollment_id uuid PRIMARY KEY,
    completed boolean NOT NULL DEFAULT false,
    dropped_out boolean NOT NULL DEFAULT false,
    withdrawn boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS rm_programme_outcome_facts (
    enrollment_id uuid PRIMARY KEY,
    in_enterprise boolean NOT NULL DEFAULT false,
    in_community_enterprise boolean NOT NULL DEFAULT false,
    employment_type text,
    employment_at timestamptz,
    employment_sequence bigint,
    income_thb numeric(12, 2),
    income_observed_on date,
    income_at_month int,
    income_sequence bigint
);
ALTER TABLE rm_programme_outcome_facts
    ADD COLUMN IF NOT EXISTS employment_on date,
    ADD COLUMN IF NOT EXISTS employment_month int,
    ADD COLUMN IF NOT EXISTS not_working_on date,
    ADD COLUMN IF NOT EXISTS not_working_month int;
ALTER TABLE rm_programme_enrollment_facts ADD COLUMN IF NOT EXISTS baseline_corrected_on date;
-- The unit running the project (none: it has none, or it opened before units were kept here).
ALTER TABLE rm_programme_projects ADD COLUMN IF NOT EXISTS unit_id uuid;
CREATE INDEX IF NOT EXISTS rm_programme_projects_unit ON rm_programme_projects (unit_id);
CREATE TABLE IF NOT EXISTS rm_programme_enterprises (
    enterprise_id uuid PRIMARY KEY,
    kind text NOT NULL
);
"""

# Table and column names put into SQL text are these constants, never input.
ENROLLMENT_FACTS, TRAINING_FACTS, OUTCOME_FACTS = (
    "rm_programme_enrollment_facts",
    "rm_programme_training_facts",
    "rm_programme_outcome_facts",
)


async def _set_flag(conn: asyncpg.Connection, table: str, column: str, enrollment_ids: list[UUID]) -> None:
    """Upsert one boolean fact about enrollments."""
    await conn.execute(
        f"INSERT INTO {table} (enrollment_id, {column}) SELECT unnest($1::uuid[]), true "
        f"ON CONFLICT (enrollment_id) DO UPDATE SET {column} = true",
        enrollment_ids,
    )


async def on_project_opened(conn: asyncpg.Connection, inbound: Inbound[ProjectOpenedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_projects AS p (project_id, province_code, region, unit_id) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (project_id) DO UPDATE SET province_code = EXCLUDED.province_code, region = EXCLUDED.region, "
        "unit_id = COALESCE(EXCLUDED.unit_id, p.unit_id)",
        event.project_id, event.province_code, event.region, event.unit_id,
    )  # fmt: skip


async def on_project_status_changed(conn: asyncpg.Connection, inbound: Inbound[ProjectStatusChangedV1]) -> None:
    # Only a rejection is kept: a project rejected never opens, so outcomes can say why it has nothing of it.
    event = inbound.event
    if event.status == "REJECTED":
        await conn.execute(
            "INSERT INTO rm_programme_rejected_projects (project_id, rejected_on, reason) VALUES ($1, $2, $3) "
            "ON CONFLICT (project_id) DO NOTHING",
            event.project_id, event.changed_on, event.reason,
        )  # fmt: skip


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_enrollment_facts (enrollment_id, enrolled, participant_id, enrolled_region, "
        "baseline_monthly_income_thb) VALUES ($1, true, $2, $3, $4) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "enrolled = true, participant_id = EXCLUDED.participant_id, enrolled_region = EXCLUDED.enrolled_region, "
        f"baseline_monthly_income_thb = CASE WHEN {ENROLLMENT_FACTS}.baseline_corrected_on IS NULL "
        f"THEN EXCLUDED.baseline_monthly_income_thb ELSE {ENROLLMENT_FACTS}.baseline_monthly_income_thb END",
        event.enrollment_id, event.participant_id, event.region, event.baseline_monthly_income_thb,
    )  # fmt: skip


async def on_baseline_corrected(conn: asyncpg.Connection, inbound: Inbound[BaselineCorrectedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_enrollment_facts AS f (enrollment_id, participant_id, baseline_monthly_income_thb, "
        "baseline_corrected_on) VALUES ($1, $2, $3, $4) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "baseline_monthly_income_thb = EXCLUDED.baseline_monthly_income_thb, "
        "baseline_corrected_on = EXCLUDED.baseline_corrected_on "
        "WHERE f.baseline_corrected_on IS NULL OR f.baseline_corrected_on <= EXCLUDED.baseline_corrected_on",
        event.enrollment_id, event.participant_id, event.baseline_monthly_income_thb, event.corrected_on,
    )  # fmt: skip


async def on_screened_out(conn: asyncpg.Connection, inbound: Inbound[ApplicationScreenedOutV1]) -> None:
    await _set_flag(conn, ENROLLMENT_FACTS, "screened_out", [inbound.event.enrollment_id])


async def on_transferred(conn: asyncpg.Connection, inbound: Inbound[ParticipantTransferredV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_enrollment_facts AS e (enrollment_id, transferred, transfer_on, transfer_sequence, "
        "transfer_region) VALUES ($1, true, $2, $3, $4) ON CONFLICT (enrollment_id) DO UPDATE SET transferred = true, "
        "transfer_on = EXCLUDED.transfer_on, transfer_sequence = EXCLUDED.transfer_sequence, "
        "transfer_region = EXCLUDED.transfer_region "
        "WHERE e.transfer_on IS NULL "
        "OR (EXCLUDED.transfer_on, EXCLUDED.transfer_sequence) >= (e.transfer_on, e.transfer_sequence)",
        event.enrollment_id, event.transferred_on, inbound.stream_sequence, event.region,
    )  # fmt: skip


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    if inbound.event.was_enrolled:  # an applicant withdrawn before enrollment has no stage
        await _set_flag(conn, ENROLLMENT_FACTS, "withdrawn_while_enrolled", [inbound.event.enrollment_id])


async def on_training_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    await _set_flag(conn, TRAINING_FACTS, "completed", [inbound.event.enrollment_id])


async def on_training_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    await _set_flag(conn, TRAINING_FACTS, "dropped_out", [inbound.event.enrollment_id])


async def on_training_withdrawn(conn: asyncpg.Connection, inbound: Inbound[TrainingWithdrawnV1]) -> None:
    await _set_flag(conn, TRAINING_FACTS, "withdrawn", [inbound.event.enrollment_id])


_ENTERPRISE_FLAG = {
    EnterpriseKind.ENTERPRISE: "in_enterprise",
    EnterpriseKind.COMMUNITY_ENTERPRISE: "in_community_enterprise",
}


async def on_enterprise_started(conn: asyncpg.Connection, inbound: Inbound[EnterpriseStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_enterprises (enterprise_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        event.enterprise_id, event.kind.value,
    )  # fmt: skip
    await _set_flag(conn, OUTCOME_FACTS, _ENTERPRISE_FLAG[event.kind], event.enrollment_ids)


async def on_member_joined(conn: asyncpg.Connection, inbound: Inbound[EnterpriseMemberJoinedV1]) -> None:
    """A joiner is in the enterprise as its founders are. The start comes first in the stream; an enterprise
    started before this read model kept kinds is only known after a rebuild."""
    event = inbound.event
    query = "SELECT kind FROM rm_programme_enterprises WHERE enterprise_id = $1"
    kind = await conn.fetchval(query, event.enterprise_id)
    if kind is not None:
        await _set_flag(conn, OUTCOME_FACTS, _ENTERPRISE_FLAG[EnterpriseKind(kind)], [event.enrollment_id])


async def on_employment(conn: asyncpg.Connection, inbound: Inbound[EmploymentRecordedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_outcome_facts AS o (enrollment_id, employment_type, employment_at, "
        "employment_sequence, employment_on, employment_month) VALUES ($1, $2, $3, $4, $5, $6) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET employment_type = EXCLUDED.employment_type, "
        "employment_at = EXCLUDED.employment_at, employment_sequence = EXCLUDED.employment_sequence, "
        "employment_on = EXCLUDED.employment_on, employment_month = EXCLUDED.employment_month "
        "WHERE o.employment_at IS NULL OR (EXCLUDED.employment_on, EXCLUDED.employment_sequence) "
        ">= (COALESCE(o.employment_on, (o.employment_at AT TIME ZONE 'Asia/Bangkok')::date), o.employment_sequence)",
        event.enrollment_id, event.employment_type.value, event.occurred_at, inbound.stream_sequence,
        employment_day(event), event.follow_up_month,
    )  # fmt: skip


async def on_follow_up_completed(conn: asyncpg.Connection, inbound: Inbound[FollowUpCompletedV1]) -> None:
    event = inbound.event
    if event.working is not False:
        return
    await conn.execute(
        "INSERT INTO rm_programme_outcome_facts AS o (enrollment_id, not_working_on, not_working_month) "
        "VALUES ($1, $2, $3) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "not_working_on = EXCLUDED.not_working_on, not_working_month = EXCLUDED.not_working_month "
        "WHERE o.not_working_on IS NULL OR EXCLUDED.not_working_on >= o.not_working_on",
        event.enrollment_id, event.completed_on, event.month,
    )  # fmt: skip


async def on_income(conn: asyncpg.Connection, inbound: Inbound[IncomeObservedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_programme_outcome_facts AS o (enrollment_id, income_thb, income_observed_on, income_at_month, "
        "income_sequence) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "income_thb = EXCLUDED.income_thb, income_observed_on = EXCLUDED.income_observed_on, "
        "income_at_month = EXCLUDED.income_at_month, income_sequence = EXCLUDED.income_sequence "
        "WHERE o.income_observed_on IS NULL OR (EXCLUDED.income_observed_on, EXCLUDED.income_at_month, "
        "EXCLUDED.income_sequence) >= (o.income_observed_on, o.income_at_month, o.income_sequence)",
        event.enrollment_id, event.monthly_income_thb, event.observed_on, event.at_month, inbound.stream_sequence,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="programme",
    ddl=DDL,
    handlers={
        ProjectOpenedV1: on_project_opened,
        ProjectStatusChangedV1: on_project_status_changed,
        ParticipantEnrolledV1: on_enrolled,
        BaselineCorrectedV1: on_baseline_corrected,
        ApplicationScreenedOutV1: on_screened_out,
        ParticipantTransferredV1: on_transferred,
        ParticipantWithdrawnV1: on_withdrawn,
        TrainingCompletedV1: on_training_completed,
        TrainingDroppedOutV1: on_training_dropped_out,
        TrainingWithdrawnV1: on_training_withdrawn,
        EnterpriseStartedV1: on_enterprise_started,
        EnterpriseMemberJoinedV1: on_member_joined,
        EmploymentRecordedV1: on_employment,
        FollowUpCompletedV1: on_follow_up_completed,
        IncomeObservedV1: on_income,
    },
    # 2: joiners of enterprises counted in them; a follow-up answered "not working" ends the earlier job.
    # 3: the baseline is the latest one corrected after enrollment, if any.
    # 4: the unit of each project, so that the indicators know which units there are.
    # 5: rejected projects kept, so a 404 for one says it was rejected (rows before lack them).
    version=5,
)

# One scan of the enrollments, the other streams' facts joined: per-person figures in one aggregate,
# the rest from a few dozen cells (region x stage x outcome). percentile_disc at 0.5 and just above
# gives the two middle values of an even count (the middle one twice of an odd count) from one sort:
# their mean is the exact median.
_TOTALS = """
WITH facts AS (
    SELECT
        e.enrolled,
        e.screened_out,
        e.participant_id,
        e.transferred,
        e.baseline_monthly_income_thb AS baseline,
        o.income_thb AS income,
        COALESCE(e.transfer_region, e.enrolled_region) AS region,
        CASE
            WHEN e.withdrawn_while_enrolled OR t.withdrawn THEN 'WITHDRAWN'
            WHEN t.dropped_out THEN 'DROPPED_OUT'
            WHEN t.completed THEN 'COMPLETED'
            ELSE 'IN_TRAINING'
        END AS stage,
        CASE
            WHEN o.in_community_enterprise THEN 'COMMUNITY_ENTERPRISE'
            WHEN o.in_enterprise THEN 'ENTERPRISE'
            WHEN o.employment_month IS DISTINCT FROM o.not_working_month
                AND o.employment_on < o.not_working_on THEN 'NONE'
            ELSE COALESCE(o.employment_type, 'NONE')
        END AS outcome
    FROM rm_programme_enrollment_facts e
    LEFT JOIN rm_programme_training_facts t USING (enrollment_id)
    LEFT JOIN rm_programme_outcome_facts o USING (enrollment_id)
),
people AS (
    SELECT
        count(DISTINCT participant_id) FILTER (WHERE enrolled) AS participants,
        count(*) FILTER (WHERE screened_out AND NOT enrolled) AS screened_out,
        count(baseline) FILTER (WHERE enrolled) AS with_baseline,
        count(income) FILTER (WHERE enrolled) AS with_income_observed,
        percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY baseline) FILTER (WHERE enrolled)
            AS baseline_middles,
        percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY income) FILTER (WHERE enrolled)
            AS income_middles
    FROM facts
),
cells AS (
    SELECT region, stage, outcome, count(*) AS n, count(*) FILTER (WHERE transferred) AS transferred
    FROM facts
    WHERE enrolled
    GROUP BY region, stage, outcome
)
SELECT
    people.participants,
    (SELECT COALESCE(sum(n), 0)::bigint FROM cells) AS enrollments,
    (SELECT count(*) FROM rm_programme_projects) AS projects,
    (SELECT count(DISTINCT province_code) FROM rm_programme_projects) AS provinces,
    (SELECT count(DISTINCT region) FROM rm_programme_projects) AS regions,
    people.screened_out,
    (SELECT COALESCE(sum(transferred), 0)::bigint FROM cells) AS transferred,
    (SELECT json_object_agg(stage, n) FROM (SELECT stage, sum(n) AS n FROM cells GROUP BY stage) s) AS by_stage,
    (SELECT json_object_agg(outcome, n) FROM (
        SELECT outcome, sum(n) AS n FROM cells WHERE stage = 'COMPLETED' GROUP BY outcome
    ) o) AS by_outcome,
    (SELECT json_object_agg(region, n) FROM (SELECT region, sum(n) AS n FROM cells GROUP BY region) r) AS by_region,
    people.with_baseline,
    people.with_income_observed,
    (people.baseline_middles[1] + people.baseline_middles[2]) / 2 AS baseline_median_thb,
    (people.income_middles[1] + people.income_middles[2]) / 2 AS latest_median_thb
FROM people
"""


class IncomeTotals(BaseModel):
    baseline_median_thb: Decimal | None = Field(description="The median baseline income of the enrollments with one.")
    latest_median_thb: Decimal | None = Field(
        description="The median of the latest income observed of each enrollment with one."
    )
    with_baseline: int = Field(description="Enrollments with a baseline income.")
    with_income_observed: int = Field(description="Enrollments with an income observed.")


class ProgrammeTotals(BaseModel):
    """What ``totals`` answers."""

    participants: int = Field(description="Participants enrolled (once each, however many enrollments).")
    enrollments: int = Field(description="Enrollments enrolled.")
    projects: int = Field(description="Projects opened.")
    provinces: int = Field(description="Provinces with a project opened.")
    regions: int = Field(description="Regions with a project opened.")
    screened_out: int = Field(description="Applications screened out and never enrolled.")
    transferred: int = Field(description="Enrollments transferred to another project.")
    by_stage: dict[Stage, int] = Field(description="Enrollments by stage; every stage is always there.")
    by_outcome: dict[Outcome, int] = Field(
        description="Completed enrollments by outcome (the first that holds, in the order listed); every outcome "
        "is always there."
    )
    by_region: dict[str, int] = Field(
        description="Enrollments by the region they are in now; regions with none left out."
    )
    income: IncomeTotals


async def totals(pool: asyncpg.Pool) -> dict[str, Any]:
    """Programme totals (``ProgrammeTotals``), as the module docstring defines them; every stage and outcome is
    always present."""
    (row,) = await pool.fetch(_TOTALS)  # an aggregate: always one row
    return {
        **{key: row[key] for key in ("participants", "enrollments", "projects", "provinces", "regions")},
        **{key: row[key] for key in ("screened_out", "transferred")},
        "by_stage": _counts(row["by_stage"], STAGES),
        "by_outcome": _counts(row["by_outcome"], OUTCOMES),
        "by_region": _counts(row["by_region"], ()),
        "income": {
            "baseline_median_thb": _money(row["baseline_median_thb"]),
            "latest_median_thb": _money(row["latest_median_thb"]),
            "with_baseline": row["with_baseline"],
            "with_income_observed": row["with_income_observed"],
        },
    }


def _counts(aggregated: str | None, always: tuple[str, ...]) -> dict[str, int]:
    counted: dict[str, int] = json.loads(aggregated) if aggregated else {}
    return {**dict.fromkeys(always, 0), **counted}


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount.quantize(Decimal("0.01")))


async def why_no_case(pool: asyncpg.Pool, enrollment_id: UUID) -> str:
    """Why an enrollment has no outcomes case, as far as the programme's facts tell: a case shows when
    training is completed or dropped out, or the enrolled case is withdrawn."""
    row = await pool.fetchrow(
        "SELECT e.enrolled, e.screened_out, e.withdrawn_while_enrolled, t.dropped_out, t.withdrawn "
        "FROM rm_programme_enrollment_facts e LEFT JOIN rm_programme_training_facts t USING (enrollment_id) "
        "WHERE e.enrollment_id = $1",
        enrollment_id,
    )
    if row is None or not (row["enrolled"] or row["screened_out"]):
        return "not known here (yet: read models follow the events)"
    if not row["enrolled"]:
        return "screened out, never enrolled: only enrolled participants who complete training have a case"
    if row["dropped_out"]:
        # The cases read model learns dropouts by the same consumer: it lacks those from before it did (or parked).
        return (
            "dropped out of training, before the case view showed dropouts "
            "(an operator shows it with: pathways read-models rebuild outcomes cases)"
        )
    if row["withdrawn_while_enrolled"] or row["withdrawn"]:
        # The cases read model learns these withdrawals by the same consumer: it lacks those from before it did.
        return (
            "withdrawn during training: its case shows once outcomes has recorded enrollment's withdrawal (one "
            "withdrawn before the case view showed these, an operator shows with: "
            "pathways read-models rebuild outcomes cases)"
        )
    return (
        "still in training (or its end not heard of yet): its case shows once training reports it completed "
        "or dropped out, or enrollment withdraws it"
    )


async def _rejection(pool: asyncpg.Pool, project_id: UUID) -> str | None:
    """Why outcomes never heard a project open, when it did hear why: it was rejected (None otherwise)."""
    rejected = await pool.fetchrow(
        "SELECT rejected_on, reason FROM rm_programme_rejected_projects WHERE project_id = $1", project_id
    )
    if rejected is None:
        return None
    day = "" if rejected["rejected_on"] is None else f" on {rejected['rejected_on']}"
    reason = "" if rejected["reason"] is None else f": {rejected['reason']}"
    return f"project {project_id} was rejected{day}{reason}; it never opened, so it has no cases"


KNOWN_PROJECTS = Known(
    kind="project",
    query="SELECT project_id FROM rm_programme_projects WHERE project_id = ANY({ids})",
    explain=_rejection,
)
"""The projects outcomes heard open (every project cases can be in did); a rejected one's 404 says so, and why."""

KNOWN_UNITS = Known(kind="unit", query="SELECT DISTINCT unit_id FROM rm_programme_projects WHERE unit_id = ANY({ids})")
"""The units running a project outcomes heard open (every unit cases can be in runs one)."""
