"""Read model: outcomes cases: follow-ups, employment, income against the baseline, withdrawal, closure.

Fed by the OUTCOMES stream; by ENROLLMENT for the baseline (its own table: a baseline may come before or
after the case opens; a correction after enrollment replaces it, and the enrollment's baseline told again
after a correction, say republished, does not undo it) and for the project of a case withdrawn while
enrolled; and by TRAINING for dropouts. A case shows once its follow-ups are scheduled, training
reported it dropped out, or outcomes recorded the withdrawal of an enrolled case (a dropout's case, or
one withdrawn during training, has no follow-ups, yet it may be withdrawn and closed, and staff who
closed it expect to see it). Enrollment's withdrawal, training's dropout and what outcomes publishes
come by different consumers, in any order: whichever comes first makes the row. Outcomes' withdrawal and
closure name no project, and outcomes withdraws applicants who never enrolled too, so a row they make
alone is not shown; enrollment's withdrawal of an enrolled case gives the project (the follow-ups'
scheduling or training's dropout, when heard, names the one training ended in). Whether a follow-up is
scheduled, due or overdue depends on the day asked about, so it is worked out when queried, by the
domain's own rule (turned into due-date bounds to select follow-ups by status across cases); the tables
keep only facts. A follow-up that consent given again opens again (``follow_ups_reopened`` of
``case.follow_up_consent_restored``) has its miss undone, as the domain does, from the day consent was given
again (``missed_until``): as of an earlier day it is still missed (version 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from pathways_contracts.base import OPEN_SET
from pathways_contracts.enrollment import BaselineCorrectedV1, ParticipantEnrolledV1, ParticipantWithdrawnV1
from pathways_contracts.outcomes import (
    CaseClosedV1,
    CaseWithdrawnV1,
    EmploymentRecordedV1,
    EmploymentType,
    FollowUpCompletedV1,
    FollowUpConsentRestoredV1,
    FollowUpMissedV1,
    FollowUpsScheduledV1,
    IncomeObservedV1,
)
from pathways_contracts.training import TrainingDroppedOutV1
from pathways_infra.consumer import Inbound
from pathways_infra.listing import Page, Where, fetch_page
from pathways_infra.service import ReadModel
from pathways_outcomes.domain.case import BASELINE_MONTH, in_work
from pathways_outcomes.domain.follow_ups import (
    FOLLOW_UP_MONTHS,
    FollowUp,
    FollowUpStatus,
    MissedReason,
    selecting,
)
from pathways_outcomes.projections import employment_day

DDL = """
CREATE TABLE IF NOT EXISTS rm_cases (
    enrollment_id uuid PRIMARY KEY,
    participant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    follow_ups_due date[] NOT NULL,
    employment_type text,
    related_to_training boolean,
    monthly_income_thb numeric(12, 2),
    days_to_first_job int,
    employment_recorded_at timestamptz
);
ALTER TABLE rm_cases
    ADD COLUMN IF NOT EXISTS completed_on date,
    ADD COLUMN IF NOT EXISTS employment_follow_up_month int,
    ADD COLUMN IF NOT EXISTS withdrawn_on date,
    ADD COLUMN IF NOT EXISTS closed_on date,
    ADD COLUMN IF NOT EXISTS closure_reason text,
    ADD COLUMN IF NOT EXISTS employment_on date,
    ADD COLUMN IF NOT EXISTS not_working_on date,
    ADD COLUMN IF NOT EXISTS not_working_month int;
CREATE TABLE IF NOT EXISTS rm_case_follow_ups (
    enrollment_id uuid NOT NULL,
    month int NOT NULL,
    due_on date NOT NULL,
    completed_on date,
    missed_on date,
    missed_reason text,
    PRIMARY KEY (enrollment_id, month)
);
ALTER TABLE rm_case_follow_ups ADD COLUMN IF NOT EXISTS missed_until date;
CREATE INDEX IF NOT EXISTS rm_case_follow_ups_worklist ON rm_case_follow_ups (due_on, enrollment_id, month);
-- Period reports (answered or missed in a month) read a month's follow-ups, not every case's three.
CREATE INDEX IF NOT EXISTS rm_case_follow_ups_completed_on ON rm_case_follow_ups (completed_on)
    WHERE completed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_case_follow_ups_missed_on ON rm_case_follow_ups (missed_on)
    WHERE missed_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_cases_project ON rm_cases (project_id);
CREATE TABLE IF NOT EXISTS rm_case_incomes (
    enrollment_id uuid NOT NULL,
    at_month int NOT NULL,
    monthly_income_thb numeric(12, 2) NOT NULL,
    observed_on date NOT NULL,
    source text,
    PRIMARY KEY (enrollment_id, at_month)
);
CREATE TABLE IF NOT EXISTS rm_case_baselines (
    enrollment_id uuid PRIMARY KEY,
    monthly_income_thb numeric(12, 2),
    employment_status text,
    informal_worker boolean,
    covid_affected boolean
);
ALTER TABLE rm_cases
    ALTER COLUMN project_id DROP NOT NULL,
    ALTER COLUMN follow_ups_due SET DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS dropped_out_on date,
    ADD COLUMN IF NOT EXISTS dropout_reason text;
ALTER TABLE rm_case_baselines ADD COLUMN IF NOT EXISTS corrected_on date;
"""


async def on_scheduled(conn: asyncpg.Connection, inbound: Inbound[FollowUpsScheduledV1]) -> None:
    event = inbound.event
    months = list(FOLLOW_UP_MONTHS[: len(event.due_dates)])
    await conn.execute(
        "WITH opened AS (INSERT INTO rm_cases (enrollment_id, participant_id, project_id, follow_ups_due, "
        "completed_on) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "project_id = EXCLUDED.project_id, follow_ups_due = EXCLUDED.follow_ups_due, "
        "completed_on = EXCLUDED.completed_on) "
        "INSERT INTO rm_case_follow_ups (enrollment_id, month, due_on) SELECT $1, month, due_on "
        "FROM unnest($6::int[], $4::date[]) AS f (month, due_on) ON CONFLICT (enrollment_id, month) DO NOTHING",
        event.enrollment_id, event.participant_id, event.project_id, event.due_dates, event.completed_on, months,
    )  # fmt: skip


async def on_employment(conn: asyncpg.Connection, inbound: Inbound[EmploymentRecordedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_cases SET days_to_first_job = COALESCE(days_to_first_job, $2) WHERE enrollment_id = $1",
        event.enrollment_id, event.days_to_first_job,
    )  # fmt: skip
    # The latest observed is the case's employment: one observed earlier and typed in later does not replace it.
    await conn.execute(
        "UPDATE rm_cases SET employment_type = $2, related_to_training = $3, monthly_income_thb = $4, "
        "employment_recorded_at = $5, employment_follow_up_month = $6, employment_on = $7 "
        "WHERE enrollment_id = $1 AND (employment_on IS NULL OR employment_on <= $7)",
        event.enrollment_id, event.employment_type.value, event.related_to_training, event.monthly_income_thb,
        event.occurred_at, event.follow_up_month, employment_day(event),
    )  # fmt: skip


async def on_follow_up_completed(conn: asyncpg.Connection, inbound: Inbound[FollowUpCompletedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_case_follow_ups SET completed_on = $3 WHERE enrollment_id = $1 AND month = $2",
        event.enrollment_id, event.month, event.completed_on,
    )  # fmt: skip
    if event.working is False:
        await conn.execute(
            "UPDATE rm_cases SET not_working_on = $3, not_working_month = $2 "
            "WHERE enrollment_id = $1 AND (not_working_on IS NULL OR not_working_on <= $3)",
            event.enrollment_id, event.month, event.completed_on,
        )  # fmt: skip


async def on_follow_up_missed(conn: asyncpg.Connection, inbound: Inbound[FollowUpMissedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "UPDATE rm_case_follow_ups SET missed_on = $3, missed_reason = $4, missed_until = NULL "
        "WHERE enrollment_id = $1 AND month = $2",
        event.enrollment_id, event.month, event.missed_on, event.reason,
    )  # fmt: skip


async def on_follow_up_consent_restored(conn: asyncpg.Connection, inbound: Inbound[FollowUpConsentRestoredV1]) -> None:
    """The follow-ups consent given again opens again are no longer missed from ``restored_on`` (their misses,
    for want of it, undone from that day)."""
    event = inbound.event
    if not event.follow_ups_reopened:
        return
    await conn.execute(
        "UPDATE rm_case_follow_ups SET missed_until = $3 "
        "WHERE enrollment_id = $1 AND month = ANY($2::int[]) AND completed_on IS NULL AND missed_on IS NOT NULL",
        event.enrollment_id, list(event.follow_ups_reopened), event.restored_on,
    )  # fmt: skip


async def on_income(conn: asyncpg.Connection, inbound: Inbound[IncomeObservedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_case_incomes (enrollment_id, at_month, monthly_income_thb, observed_on, source) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id, at_month) DO UPDATE SET "
        "monthly_income_thb = EXCLUDED.monthly_income_thb, observed_on = EXCLUDED.observed_on, "
        "source = EXCLUDED.source",
        event.enrollment_id, event.at_month, event.monthly_income_thb, event.observed_on, event.source,
    )  # fmt: skip


async def on_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_cases (enrollment_id, participant_id, project_id, dropped_out_on, dropout_reason) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "project_id = EXCLUDED.project_id, dropped_out_on = EXCLUDED.dropped_out_on, "
        "dropout_reason = EXCLUDED.dropout_reason",
        event.enrollment_id, event.participant_id, event.project_id, event.dropped_out_on, event.reason,
    )  # fmt: skip


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[CaseWithdrawnV1]) -> None:
    event = inbound.event
    await conn.execute(
        "WITH case_row AS (INSERT INTO rm_cases (enrollment_id, participant_id, withdrawn_on) VALUES ($1, $4, $2) "
        f"ON CONFLICT (enrollment_id) DO UPDATE SET withdrawn_on = EXCLUDED.withdrawn_on) {_MISS_OPEN_FOLLOW_UPS}",
        event.enrollment_id, event.withdrawn_on, MissedReason.WITHDRAWN.value, event.participant_id,
    )  # fmt: skip


async def on_closed(conn: asyncpg.Connection, inbound: Inbound[CaseClosedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "WITH case_row AS (INSERT INTO rm_cases (enrollment_id, participant_id, closed_on, closure_reason) "
        "VALUES ($1, $4, $2, $5) ON CONFLICT (enrollment_id) DO UPDATE SET closed_on = EXCLUDED.closed_on, "
        f"closure_reason = EXCLUDED.closure_reason) {_MISS_OPEN_FOLLOW_UPS}",
        event.enrollment_id, event.closed_on, MissedReason.CASE_CLOSED.value, event.participant_id, event.reason,
    )  # fmt: skip


async def on_enrollment_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    event = inbound.event
    if not event.was_enrolled:  # an applicant withdrawn before enrollment never had a case to show
        return
    await conn.execute(
        "INSERT INTO rm_cases (enrollment_id, participant_id, project_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET project_id = COALESCE(rm_cases.project_id, EXCLUDED.project_id)",
        event.enrollment_id, event.participant_id, event.project_id,
    )  # fmt: skip


# Follow-ups unanswered when a case is withdrawn or closed are missed: $1 enrollment, $2 day, $3 reason.
_MISS_OPEN_FOLLOW_UPS = (
    "UPDATE rm_case_follow_ups SET missed_on = $2, missed_reason = $3, missed_until = NULL "
    "WHERE enrollment_id = $1 AND completed_on IS NULL AND (missed_on IS NULL OR missed_until IS NOT NULL)"
)


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_case_baselines (enrollment_id, monthly_income_thb, employment_status, informal_worker, "
        "covid_affected) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "monthly_income_thb = EXCLUDED.monthly_income_thb, employment_status = EXCLUDED.employment_status, "
        "informal_worker = EXCLUDED.informal_worker, covid_affected = EXCLUDED.covid_affected "
        "WHERE rm_case_baselines.corrected_on IS NULL",
        event.enrollment_id, event.baseline_monthly_income_thb, event.baseline_employment_status,
        event.informal_worker, event.covid_affected,
    )  # fmt: skip


async def on_baseline_corrected(conn: asyncpg.Connection, inbound: Inbound[BaselineCorrectedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_case_baselines AS b (enrollment_id, monthly_income_thb, employment_status, informal_worker, "
        "covid_affected, corrected_on) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "monthly_income_thb = EXCLUDED.monthly_income_thb, employment_status = EXCLUDED.employment_status, "
        "informal_worker = EXCLUDED.informal_worker, covid_affected = EXCLUDED.covid_affected, "
        "corrected_on = EXCLUDED.corrected_on "
        "WHERE b.corrected_on IS NULL OR b.corrected_on <= EXCLUDED.corrected_on",
        event.enrollment_id, event.baseline_monthly_income_thb, event.baseline_employment_status,
        event.informal_worker, event.covid_affected, event.corrected_on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="cases",
    ddl=DDL,
    handlers={
        FollowUpsScheduledV1: on_scheduled,
        EmploymentRecordedV1: on_employment,
        FollowUpCompletedV1: on_follow_up_completed,
        FollowUpMissedV1: on_follow_up_missed,
        FollowUpConsentRestoredV1: on_follow_up_consent_restored,
        IncomeObservedV1: on_income,
        CaseWithdrawnV1: on_withdrawn,
        CaseClosedV1: on_closed,
        ParticipantEnrolledV1: on_enrolled,
        ParticipantWithdrawnV1: on_enrollment_withdrawn,
        BaselineCorrectedV1: on_baseline_corrected,
        TrainingDroppedOutV1: on_dropped_out,
    },
    # 2: the day of each employment kept, for in_work; dropouts' cases shown (from TRAINING).
    # 3: cases withdrawn during training shown (their project from ENROLLMENT's withdrawal).
    # 4: a baseline is the latest one corrected after enrollment, if any (rows built before may hold the
    #    enrollment's, had a correction been published before this version read it).
    # 5: a follow-up consent given again opened again stays missed as of the days before (missed_until).
    version=5,
)


CaseStatus = Literal["OPEN", "WITHDRAWN", "CLOSED"]
HowTrainingEnded = Literal["COMPLETED", "DROPPED_OUT", "WITHDRAWN"]


class FollowUpShown(BaseModel):
    month: Literal[3, 6, 12] = Field(description="Months after training completed.")
    due_on: date
    status: FollowUpStatus = Field(description="As of the day asked about (`as_of`).")
    completed_on: date | None = Field(description="The day it was answered, if by `as_of`.")
    missed_on: date | None = Field(description="The day it was marked missed, if by `as_of`.")
    missed_reason: MissedReason | None


class FollowUpOnWorklist(FollowUpShown):
    """A follow-up as ``list_follow_ups`` shows it: with its case."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID = Field(description="The project the case was in when its training was completed.")
    case_status: CaseStatus = Field(description="The case's, as of `as_of`.")


class BaselineShown(BaseModel):
    """The baseline enrollment recorded (the latest correction's, once corrected), as published."""

    monthly_income_thb: Decimal | None
    employment_status: str | None = Field(
        description="EMPLOYED, SELF_EMPLOYED, UNEMPLOYED or NOT_IN_LABOUR_FORCE (null in enrollments published "
        "before it was)."
    )
    informal_worker: bool | None
    covid_affected: bool | None


class IncomeShown(BaseModel):
    at_month: Literal[0, 3, 6, 12] = Field(description="0 (baseline), or the follow-up's month.")
    monthly_income_thb: Decimal
    observed_on: date
    source: str | None = Field(description="How it was learned: SELF_REPORTED, EMPLOYER, ...")
    baseline_monthly_income_thb: Decimal | None = Field(
        description="The baseline it is compared with: enrollment's, else an income observed at month 0."
    )
    change_from_baseline_thb: Decimal | None = Field(description="Null without a baseline, and at month 0.")


class CaseShown(BaseModel):
    """A case as ``get_case`` shows it."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID = Field(description="The project training ended in (or the case was withdrawn from).")
    follow_ups_due: list[date] = Field(description="The follow-ups' due days, as scheduled; empty for none.")
    employment_type: EmploymentType | None = Field(description="The latest employment observed (by `employment_on`).")
    related_to_training: bool | None
    monthly_income_thb: Decimal | None = Field(description="The latest employment's.")
    days_to_first_job: int | None = Field(description="As given with the first employment that gave it.")
    employment_recorded_at: datetime | None = Field(description="When the latest employment was recorded.")
    completed_on: date | None = Field(description="The day training was completed.")
    employment_follow_up_month: int | None = Field(description="The follow-up the latest employment was told at.")
    withdrawn_on: date | None
    closed_on: date | None
    closure_reason: str | None = Field(
        description=f"FOLLOW_UP_FINISHED, LOST_CONTACT, WITHDRAWN, DROPPED_OUT or OTHER. {OPEN_SET}"
    )
    employment_on: date | None = Field(description="The day the latest employment was observed.")
    not_working_on: date | None = Field(description='The day of the latest follow-up answered "not working".')
    not_working_month: int | None = Field(description="That follow-up's month.")
    dropped_out_on: date | None
    dropout_reason: str | None = Field(
        description=f"FOUND_WORK, HEALTH, FAMILY_DUTIES, MOVED_AWAY, LOST_CONTACT, NOT_SUITABLE or OTHER. {OPEN_SET}"
    )
    training: HowTrainingEnded = Field(description="How training ended as far as the case knows.")
    in_work: bool | None = Field(
        description="Whether the participant is in work as far as the case knows; null when it knows neither."
    )
    status: CaseStatus = Field(description="As of `as_of`.")
    as_of: date = Field(description="The day the statuses are as of.")
    follow_ups: list[FollowUpShown] = Field(description="By month.")
    baseline: BaselineShown | None = Field(description="Null until enrollment's baseline is heard of.")
    incomes: list[IncomeShown] = Field(description="By month.")
    latest_income: IncomeShown | None = Field(
        description="The income observed last since training (month 0 aside); null before any."
    )


async def get_case(pool: asyncpg.Pool, enrollment_id: UUID, *, as_of: date) -> dict[str, Any] | None:
    """The case with its follow-ups' status as of a day, and its incomes against the baseline (``CaseShown``);
    None while it does not show (training neither completed nor dropped out, nor the enrolled case withdrawn,
    as far as this read model knows)."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(_SHOWN_CASE, enrollment_id)
        if row is None:
            return None
        follow_ups = await conn.fetch(
            "SELECT * FROM rm_case_follow_ups WHERE enrollment_id = $1 ORDER BY month", enrollment_id
        )
        incomes = await conn.fetch(
            "SELECT * FROM rm_case_incomes WHERE enrollment_id = $1 ORDER BY at_month", enrollment_id
        )
        baseline = await conn.fetchrow("SELECT * FROM rm_case_baselines WHERE enrollment_id = $1", enrollment_id)
    case = dict(row)
    case["training"] = _training(case)
    case["in_work"] = in_work(
        employment_on=case["employment_on"],
        employment_month=case["employment_follow_up_month"],
        not_working_on=case["not_working_on"],
        not_working_month=case["not_working_month"],
        employed=case["employment_type"] is not None,
    )
    case["status"] = _status(case, as_of)
    case["as_of"] = as_of
    case["follow_ups"] = [_follow_up(dict(f), as_of) for f in follow_ups]
    case["baseline"] = _baseline(baseline)
    case["incomes"] = _incomes([dict(i) for i in incomes], baseline)
    case["latest_income"] = _latest_income(case["incomes"])
    return case


def _latest_income(incomes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The income observed last since training (the baseline month aside): what the participant earns now,
    as far as the case knows, whether or not the job in the employment columns still holds."""
    since_training = [income for income in incomes if income["at_month"] != BASELINE_MONTH]
    return max(since_training, key=lambda income: (income["observed_on"], income["at_month"]), default=None)


# Enrollment's withdrawal alone gives a project, not a withdrawal outcomes recorded: shown once that comes too.
_SHOWN_CASE = """
SELECT * FROM rm_cases
WHERE enrollment_id = $1 AND project_id IS NOT NULL
    AND (follow_ups_due <> '{}' OR dropped_out_on IS NOT NULL OR withdrawn_on IS NOT NULL)
"""


def _training(case: dict[str, Any]) -> HowTrainingEnded:
    """How training ended as far as the case knows: withdrawn, when neither completed nor dropped out."""
    if case["dropped_out_on"] is not None:
        return "DROPPED_OUT"
    return "COMPLETED" if case["follow_ups_due"] else "WITHDRAWN"


@dataclass(frozen=True, kw_only=True)
class FollowUpFilter:
    """Which follow-ups a worklist shows; None: any. Days' bounds are inclusive: ``due_…`` of the due date,
    ``completed_…`` of the day it was answered, ``missed_…`` of the day it was marked missed."""

    statuses: tuple[FollowUpStatus, ...] = ()
    """Any of these; none: any status."""
    project_id: UUID | None = None
    unit_ids: tuple[UUID, ...] = ()
    """The cases of a project any of these units runs; none: any unit."""
    month: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    missed_from: date | None = None
    missed_to: date | None = None


# Whether a follow-up had been answered by the day asked about ({0}): an answer given later is not known yet.
_NOT_COMPLETED_BY = "(f.completed_on IS NULL OR f.completed_on > {0})"
# A miss undone (consent given again) is a miss only before ``missed_until``.
_MISSED_BY = "(f.missed_on <= {0} AND (f.missed_until IS NULL OR f.missed_until > {0}))"
_NOT_MISSED_BY = "(f.missed_on IS NULL OR f.missed_on > {0} OR f.missed_until <= {0})"
_ANSWERED_BY = {
    FollowUpStatus.COMPLETED: "f.completed_on <= {0}",
    FollowUpStatus.MISSED: f"{_NOT_COMPLETED_BY} AND {_MISSED_BY}",
    None: f"{_NOT_COMPLETED_BY} AND {_NOT_MISSED_BY}",
}


# A unit's cases are those of the projects it runs, as the programme read model knows them (the same table
# tells which units are known), each side by its index; ``project_id`` is the project training ended in.
_OF_UNITS = "c.project_id IN (SELECT project_id FROM rm_programme_projects WHERE unit_id = ANY({}))"


async def list_follow_ups(
    pool: asyncpg.Pool, of: FollowUpFilter, *, as_of: date, limit: int, offset: int
) -> Page[dict[str, Any]]:
    """Follow-ups across cases by due date, each with its status as it stood on a day (answers given later
    are not known yet on it), and how many match in all.

    A withdrawn or closed case's follow-ups left unanswered are missed (as the domain marks them),
    so they never show as work to do. Listed by the day answered (COMPLETED) or missed (MISSED), a follow-up
    is one with that status on ``as_of``.
    """
    where = Where()
    where.add_any([_in_status(status, as_of) for status in dict.fromkeys(of.statuses)])
    where.add("f.due_on >= {}", of.due_from)
    where.add("f.due_on <= {}", of.due_to)
    where.add("c.project_id = {}", of.project_id)
    where.add(_OF_UNITS, list(of.unit_ids) or None)
    where.add("f.month = {}", of.month)
    if of.completed_from is not None or of.completed_to is not None:
        where.add("f.completed_on >= {}", of.completed_from)
        where.add("f.completed_on <= {}", _earliest(of.completed_to, as_of))
    if of.missed_from is not None or of.missed_to is not None:
        where.add("f.missed_on >= {}", of.missed_from)
        where.add("f.missed_on <= {}", _earliest(of.missed_to, as_of))
        # Missed as the status says: an answer given before the miss and typed in later makes it COMPLETED,
        # and consent given again by then undoes it.
        where.add(_NOT_COMPLETED_BY, as_of)
        where.add("(f.missed_until IS NULL OR f.missed_until > {})", as_of)
    page = await fetch_page(
        pool,
        columns="f.*, c.participant_id, c.project_id, c.withdrawn_on, c.closed_on",
        source="rm_case_follow_ups f JOIN rm_cases c USING (enrollment_id)",
        where=where.sql,
        order_by="f.due_on, f.enrollment_id, f.month",
        args=where.args,
        limit=limit,
        offset=offset,
    )
    return page.map(lambda row: _worklist_entry(dict(row), as_of))


def _in_status(status: FollowUpStatus, as_of: date) -> list[tuple[str, Any]]:
    """The conditions (for ``Where.add_any``) of the follow-ups in ``status`` on ``as_of``."""
    selection = selecting(status, as_of)
    return [
        (_ANSWERED_BY[selection.answered], as_of),
        ("f.due_on >= {}", selection.due_from),
        ("f.due_on <= {}", selection.due_to),
    ]


def _worklist_entry(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    return {
        "enrollment_id": row["enrollment_id"],
        "participant_id": row["participant_id"],
        "project_id": row["project_id"],
        **_follow_up(row, as_of),
        "case_status": _status(row, as_of),
    }


def _earliest(*days: date | None) -> date | None:
    return min((day for day in days if day is not None), default=None)


def _status(case: dict[str, Any], as_of: date) -> CaseStatus:
    """The case's status as it stood on ``as_of``: closed or withdrawn from that day on."""
    if _by(case["closed_on"], as_of):
        return "CLOSED"
    if _by(case["withdrawn_on"], as_of):
        return "WITHDRAWN"
    return "OPEN"


def _follow_up(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    undone = _by(row["missed_until"], as_of)
    follow_up = FollowUp(
        month=row["month"],
        due_on=row["due_on"],
        completed_on=row["completed_on"],
        missed_on=None if undone else row["missed_on"],
        missed_reason=MissedReason(row["missed_reason"]) if row["missed_reason"] and not undone else None,
    )
    missed = _by(follow_up.missed_on, as_of)
    return {
        "month": follow_up.month,
        "due_on": follow_up.due_on,
        "status": follow_up.status_as_of(as_of),
        "completed_on": follow_up.completed_on if _by(follow_up.completed_on, as_of) else None,
        "missed_on": follow_up.missed_on if missed else None,
        "missed_reason": follow_up.missed_reason if missed else None,
    }


def _by(day: date | None, as_of: date) -> bool:
    return day is not None and day <= as_of


def _baseline(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {key: row[key] for key in ("monthly_income_thb", "employment_status", "informal_worker", "covid_affected")}


def _incomes(rows: list[dict[str, Any]], baseline: asyncpg.Record | None) -> list[dict[str, Any]]:
    """Each observation with its change from the baseline: enrollment's, else one observed here (month 0)."""
    enrollment_baseline: Decimal | None = baseline["monthly_income_thb"] if baseline is not None else None
    own_baseline = next((r["monthly_income_thb"] for r in rows if r["at_month"] == BASELINE_MONTH), None)
    compared_with = enrollment_baseline if enrollment_baseline is not None else own_baseline
    return [
        {
            **{key: row[key] for key in ("at_month", "monthly_income_thb", "observed_on", "source")},
            "baseline_monthly_income_thb": compared_with,
            "change_from_baseline_thb": None
            if compared_with is None or row["at_month"] == BASELINE_MONTH
            else row["monthly_income_thb"] - compared_with,
        }
        for row in rows
    ]
