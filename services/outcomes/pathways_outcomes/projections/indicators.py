"""Read model: programme indicators, tracer-study style, from the ENROLLMENT, TRAINING and OUTCOMES streams.

The indicators and their definitions are ``domain/indicators.py``'s; here they are answered in SQL
for the whole programme or a slice of it, so that a request reads a few tables instead of every case.
The cases counted are the enrolled enrollments (applicants never enrolled are not participants); a
slice is where a case was on the day asked about: the region, province, project and unit of its latest
transfer by then (by transfer day, then stream order), else of its enrollment. A slice may name several
projects and several units: the cases in any of them, so that medians are over all of them together.
An enterprise belongs to a slice when at least one of its participants (a member by then) does.

As of a day, every indicator counts only what had happened by then, by the day each fact carries
(``facts_counted_by``): enrolled (``enrolled_on``), withdrawn, completed, dropped out, transferred,
assigned to or moved between cohorts, employment and income observed (``observed_on``), enterprise
started, member joined, online sales opened; a fact that carries no day (an enrollment, completion or
employment told without one) happened on the day of its ``occurred_at`` in Thailand. Follow-ups are
as they stood that day (due by it, answered by it). As of today or later every fact recorded counts,
as it always did: the commands refuse days after today, but an event may still carry one (a caller's
clock a few minutes ahead near midnight, an event published by hand), and it counts from today, not
from a later day, so that the answer as of today is everything known. Without a day asked about, the
API asks about today.

Each source stream writes only its own tables, so the three consumers may run in any order
relative to each other. Within a stream, facts that may be superseded keep their stream sequence
and give way only to later ones (a case's place, a month's income, the latest employment); the
first days to a first job keep the earliest. Other facts are flags, set by upserts, each with the
earliest day it was told to have happened on; a repeated fact (a redelivery, an event published
twice) changes nothing. The superseded facts are also kept each as a row of its own with its day and
sequence (places, tracks, employments, income observations), so that the latest as of a day is
chosen when queried: a row per fact, keyed by its stream sequence, is written once however often it
arrives. Answers about today or later read the columns kept on the case, as before. Whether an open
follow-up is due depends on the day asked about, so it is worked out when queried; follow-ups still
open when a case was withdrawn or closed count as missed, as the domain marks them. Follow-ups that consent
given again opens again (``case.follow_up_consent_restored``, ``follow_ups_reopened``) are missed no more from
the day it was given again (``missed_until``): as of a day between the withdrawal and that day they are
missed, as they stood then (version 5; before, a reopened follow-up was not missed on any day).

This module is its own read model, not more columns on the programme totals: new durable consumers
start from stream sequence 1, so it fills in from the streams' whole history on a running system.

A baseline corrected after enrollment replaces the enrollment's for every day asked about, earlier ones
too: it corrects what the participant's situation was when they applied, which did not change on the
day of the correction (what was recorded when is in the event stores, not here).

Breakdowns group the cases of a slice by their place (region, province, project, unit), by the
participant's sex or age band (from their enrollment) or by their training track (the latest cohort
assignment, cohort transfer or completion that gives one). A case whose group no event told (enrolled
before these were published, never in a cohort) is in the UNKNOWN group: the groups always add up to the
slice. On tables that predate the breakdowns their columns are added empty, and facts read before are
not read again: those cases stay UNKNOWN (even the tracks completions told) until the read model is
rebuilt from the streams.

The days and the tables of superseded facts were added later in the same way: on existing tables
the new columns are empty and the new tables fill from new events only. Facts recorded before count
as having happened on every day asked about: a flag without its day, and a case's place, track,
latest employment, first job or month's income when no row of its kind was kept for the case (the
columns kept on the case answer). A case with such facts recorded both before and after is answered,
as of a past day, from the rows kept since alone. Indicators as of a past day are exact once
``pathways read-models rebuild outcomes indicators`` has read the streams again; answers about
today or later are the same either way.

The unit of each place came later still (version 3), the same way: a place kept before has none, so
its case is in no unit's slice and UNKNOWN by unit until the rebuild. A case whose project is run by
no unit is UNKNOWN by unit for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from pathways_contracts.enrollment import (
    SEXES,
    BaselineCorrectedV1,
    ParticipantEnrolledV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
)
from pathways_contracts.outcomes import (
    CaseClosedV1,
    CaseWithdrawnV1,
    EmploymentRecordedV1,
    EnterpriseMemberJoinedV1,
    EnterpriseOnlineSalesOpenedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    FollowUpConsentRestoredV1,
    FollowUpMissedV1,
    FollowUpsScheduledV1,
    IncomeObservedV1,
)
from pathways_contracts.reference import AGE_BAND_IDS, PROGRAMME_REGIONS, PROVINCES
from pathways_contracts.training import (
    TRACKS,
    CohortAssignedV1,
    CohortTransferredV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
)
from pathways_infra.consumer import Inbound
from pathways_infra.service import ReadModel
from pathways_infra.thai_time import thai_day, thai_today
from pathways_outcomes.domain.case import BASELINE_MONTH
from pathways_outcomes.domain.enterprise import EnterpriseKind
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS
from pathways_outcomes.domain.indicators import (
    UNKNOWN_GROUP,
    IndicatorsByGroup,
    ProgrammeIndicators,
    Rate,
    facts_counted_by,
    groups_in_order,
)

DDL = """
CREATE TABLE IF NOT EXISTS rm_indicators_enrollments (
    enrollment_id uuid PRIMARY KEY,
    enrolled boolean NOT NULL DEFAULT false,
    baseline_income_thb numeric(12, 2),
    withdrawn boolean NOT NULL DEFAULT false,
    project_id uuid,
    province_code text,
    region text,
    placed_on date,
    placed_sequence bigint,
    sex text,
    age_band text
);
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS covid_affected boolean;
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS informal_worker boolean;
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS baseline_corrected_on date;
CREATE TABLE IF NOT EXISTS rm_indicators_training (
    enrollment_id uuid PRIMARY KEY,
    completed boolean NOT NULL DEFAULT false,
    dropped_out boolean NOT NULL DEFAULT false,
    track text,
    track_sequence bigint
);
-- Tables created before the breakdowns lack their columns.
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS sex text, ADD COLUMN IF NOT EXISTS age_band text;
ALTER TABLE rm_indicators_training ADD COLUMN IF NOT EXISTS track text, ADD COLUMN IF NOT EXISTS track_sequence bigint;
CREATE TABLE IF NOT EXISTS rm_indicators_cases (
    enrollment_id uuid PRIMARY KEY,
    ended boolean NOT NULL DEFAULT false,
    first_job_days int,
    first_job_sequence bigint,
    related_to_training boolean,
    employment_sequence bigint
);
CREATE TABLE IF NOT EXISTS rm_indicators_follow_ups (
    enrollment_id uuid NOT NULL,
    month int NOT NULL,
    due_on date,
    completed boolean NOT NULL DEFAULT false,
    missed boolean NOT NULL DEFAULT false,
    employed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (enrollment_id, month)
);
ALTER TABLE rm_indicators_follow_ups ADD COLUMN IF NOT EXISTS completed_on date;
ALTER TABLE rm_indicators_follow_ups ADD COLUMN IF NOT EXISTS missed_on date;
ALTER TABLE rm_indicators_follow_ups ADD COLUMN IF NOT EXISTS missed_until date;
CREATE TABLE IF NOT EXISTS rm_indicators_incomes (
    enrollment_id uuid NOT NULL,
    at_month int NOT NULL,
    income_thb numeric(12, 2) NOT NULL,
    sequence bigint NOT NULL,
    PRIMARY KEY (enrollment_id, at_month)
);
CREATE TABLE IF NOT EXISTS rm_indicators_enterprises (
    enterprise_id uuid PRIMARY KEY,
    kind text,
    sells_online boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS rm_indicators_enterprise_members (
    enterprise_id uuid NOT NULL,
    enrollment_id uuid NOT NULL,
    PRIMARY KEY (enterprise_id, enrollment_id)
);
CREATE INDEX IF NOT EXISTS rm_indicators_enterprise_members_enrollment
    ON rm_indicators_enterprise_members (enrollment_id);
-- The day each fact happened, for indicators as of a day (empty on rows from before they were kept).
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS enrolled_on date,
    ADD COLUMN IF NOT EXISTS withdrawn_on date;
ALTER TABLE rm_indicators_training ADD COLUMN IF NOT EXISTS completed_on date,
    ADD COLUMN IF NOT EXISTS dropped_out_on date;
ALTER TABLE rm_indicators_enterprises ADD COLUMN IF NOT EXISTS started_on date,
    ADD COLUMN IF NOT EXISTS online_on date;
ALTER TABLE rm_indicators_enterprise_members ADD COLUMN IF NOT EXISTS joined_on date;
-- Every fact that may be superseded, with its day: the latest as of a day is chosen when queried.
CREATE TABLE IF NOT EXISTS rm_indicators_places (
    enrollment_id uuid NOT NULL,
    sequence bigint NOT NULL,
    placed_on date NOT NULL,
    project_id uuid NOT NULL,
    province_code text NOT NULL,
    region text NOT NULL,
    PRIMARY KEY (enrollment_id, sequence)
);
CREATE TABLE IF NOT EXISTS rm_indicators_tracks (
    enrollment_id uuid NOT NULL,
    sequence bigint NOT NULL,
    tracked_on date NOT NULL,
    track text NOT NULL,
    PRIMARY KEY (enrollment_id, sequence)
);
CREATE TABLE IF NOT EXISTS rm_indicators_employments (
    enrollment_id uuid NOT NULL,
    sequence bigint NOT NULL,
    observed_on date NOT NULL,
    related_to_training boolean NOT NULL,
    days_to_first_job int,
    PRIMARY KEY (enrollment_id, sequence)
);
CREATE TABLE IF NOT EXISTS rm_indicators_income_observations (
    enrollment_id uuid NOT NULL,
    at_month int NOT NULL,
    sequence bigint NOT NULL,
    observed_on date NOT NULL,
    income_thb numeric(12, 2) NOT NULL,
    PRIMARY KEY (enrollment_id, at_month, sequence)
);
-- The career development unit of a case's place (none: its project has no unit, or told before units were kept).
ALTER TABLE rm_indicators_enrollments ADD COLUMN IF NOT EXISTS unit_id uuid;
ALTER TABLE rm_indicators_places ADD COLUMN IF NOT EXISTS unit_id uuid;
"""

# Table and column names put into SQL text are these constants, never input.
ENROLLMENTS, TRAINING, CASES, FOLLOW_UPS = (
    "rm_indicators_enrollments",
    "rm_indicators_training",
    "rm_indicators_cases",
    "rm_indicators_follow_ups",
)
ENROLLED_PLACE_ON = date.min  # the enrollment's own place comes before any transfer


async def _set_flag(conn: asyncpg.Connection, table: str, column: str, enrollment_id: UUID) -> None:
    await conn.execute(
        f"INSERT INTO {table} (enrollment_id, {column}) VALUES ($1, true) "
        f"ON CONFLICT (enrollment_id) DO UPDATE SET {column} = true",
        enrollment_id,
    )


async def _set_dated_flag(conn: asyncpg.Connection, table: str, column: str, enrollment_id: UUID, on: date) -> None:
    """Set ``column`` and keep in ``{column}_on`` the earliest day it was told to have happened on."""
    await conn.execute(
        f"INSERT INTO {table} AS t (enrollment_id, {column}, {column}_on) VALUES ($1, true, $2) "
        f"ON CONFLICT (enrollment_id) DO UPDATE SET {column} = true, "
        f"{column}_on = LEAST(t.{column}_on, EXCLUDED.{column}_on)",
        enrollment_id, on,
    )  # fmt: skip


def _day_of(day: date | None, inbound: Inbound[Any]) -> date:
    """The day a fact happened: the day it carries, else the Thai day of its ``occurred_at``."""
    return thai_day(inbound.event.occurred_at) if day is None else day


async def _set_follow_up_flag(conn: asyncpg.Connection, column: str, enrollment_id: UUID, month: int) -> None:
    await conn.execute(
        f"INSERT INTO {FOLLOW_UPS} (enrollment_id, month, {column}) VALUES ($1, $2, true) "
        f"ON CONFLICT (enrollment_id, month) DO UPDATE SET {column} = true",
        enrollment_id, month,
    )  # fmt: skip


async def _answer_follow_up(conn: asyncpg.Connection, how: str, enrollment_id: UUID, month: int, on: date) -> None:
    """``how``: completed or missed, on the day it was (so that indicators as of an earlier day leave it out)."""
    # A new miss is open-ended: the window of one undone before is not kept.
    also = ", missed_until = NULL" if how == "missed" else ""
    await conn.execute(
        f"INSERT INTO {FOLLOW_UPS} (enrollment_id, month, {how}, {how}_on) VALUES ($1, $2, true, $3) "
        f"ON CONFLICT (enrollment_id, month) DO UPDATE SET {how} = true, {how}_on = EXCLUDED.{how}_on{also}",
        enrollment_id, month, on,
    )  # fmt: skip


async def _place(
    conn: asyncpg.Connection,
    inbound: Inbound[ParticipantEnrolledV1] | Inbound[ParticipantTransferredV1],
    placed_on: date,
) -> None:
    """Keep the case's place if it is later (by day, then stream order) than the one held; and every place."""
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enrollments AS e (enrollment_id, project_id, unit_id, province_code, region, "
        "placed_on, placed_sequence) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "project_id = EXCLUDED.project_id, unit_id = EXCLUDED.unit_id, province_code = EXCLUDED.province_code, "
        "region = EXCLUDED.region, placed_on = EXCLUDED.placed_on, placed_sequence = EXCLUDED.placed_sequence "
        "WHERE e.placed_on IS NULL "
        "OR (EXCLUDED.placed_on, EXCLUDED.placed_sequence) >= (e.placed_on, e.placed_sequence)",
        event.enrollment_id, event.project_id, event.unit_id, event.province_code, event.region, placed_on,
        inbound.stream_sequence,
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO rm_indicators_places (enrollment_id, sequence, placed_on, project_id, unit_id, province_code, "
        "region) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        event.enrollment_id, inbound.stream_sequence, placed_on, event.project_id, event.unit_id,
        event.province_code, event.region,
    )  # fmt: skip


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enrollments AS e (enrollment_id, enrolled, baseline_income_thb, sex, age_band, "
        "covid_affected, informal_worker, enrolled_on) VALUES ($1, true, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET enrolled = true, "
        "baseline_income_thb = CASE WHEN e.baseline_corrected_on IS NULL THEN EXCLUDED.baseline_income_thb "
        "ELSE e.baseline_income_thb END, sex = COALESCE(EXCLUDED.sex, e.sex), "
        "age_band = COALESCE(EXCLUDED.age_band, e.age_band), "
        "covid_affected = CASE WHEN e.baseline_corrected_on IS NULL "
        "THEN COALESCE(EXCLUDED.covid_affected, e.covid_affected) ELSE e.covid_affected END, "
        "informal_worker = CASE WHEN e.baseline_corrected_on IS NULL "
        "THEN COALESCE(EXCLUDED.informal_worker, e.informal_worker) ELSE e.informal_worker END, "
        "enrolled_on = LEAST(e.enrolled_on, EXCLUDED.enrolled_on)",
        event.enrollment_id, event.baseline_monthly_income_thb, event.sex, event.age_band, event.covid_affected,
        event.informal_worker, _day_of(event.enrolled_on, inbound),
    )  # fmt: skip
    await _place(conn, inbound, ENROLLED_PLACE_ON)


async def on_baseline_corrected(conn: asyncpg.Connection, inbound: Inbound[BaselineCorrectedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enrollments AS e (enrollment_id, baseline_income_thb, covid_affected, "
        "informal_worker, baseline_corrected_on) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE "
        "SET baseline_income_thb = EXCLUDED.baseline_income_thb, covid_affected = EXCLUDED.covid_affected, "
        "informal_worker = EXCLUDED.informal_worker, baseline_corrected_on = EXCLUDED.baseline_corrected_on "
        "WHERE e.baseline_corrected_on IS NULL OR e.baseline_corrected_on <= EXCLUDED.baseline_corrected_on",
        event.enrollment_id, event.baseline_monthly_income_thb, event.covid_affected, event.informal_worker,
        event.corrected_on,
    )  # fmt: skip


async def on_transferred(conn: asyncpg.Connection, inbound: Inbound[ParticipantTransferredV1]) -> None:
    await _place(conn, inbound, inbound.event.transferred_on)


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    event = inbound.event
    await _set_dated_flag(conn, ENROLLMENTS, "withdrawn", event.enrollment_id, event.withdrawn_on)


_LATER_TRACK = (
    "EXCLUDED.track IS NOT NULL AND (t.track_sequence IS NULL OR EXCLUDED.track_sequence >= t.track_sequence)"
)


async def _track(
    conn: asyncpg.Connection,
    inbound: Inbound[CohortAssignedV1] | Inbound[CohortTransferredV1] | Inbound[TrainingCompletedV1],
    tracked_on: date,
    *,
    completed: bool = False,
) -> None:
    """Keep the event's track if it gives one and is later (in stream order) than the one held; and every track."""
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_training AS t (enrollment_id, completed, completed_on, track, track_sequence) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "completed = t.completed OR EXCLUDED.completed, "
        "completed_on = LEAST(t.completed_on, EXCLUDED.completed_on), "
        f"track = CASE WHEN {_LATER_TRACK} THEN EXCLUDED.track ELSE t.track END, "
        f"track_sequence = CASE WHEN {_LATER_TRACK} THEN EXCLUDED.track_sequence ELSE t.track_sequence END",
        event.enrollment_id, completed, tracked_on if completed else None, event.track,
        None if event.track is None else inbound.stream_sequence,
    )  # fmt: skip
    if event.track is not None:
        await conn.execute(
            "INSERT INTO rm_indicators_tracks (enrollment_id, sequence, tracked_on, track) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT DO NOTHING",
            event.enrollment_id, inbound.stream_sequence, tracked_on, event.track,
        )  # fmt: skip


async def on_cohort_assigned(conn: asyncpg.Connection, inbound: Inbound[CohortAssignedV1]) -> None:
    await _track(conn, inbound, inbound.event.assigned_on)


async def on_cohort_transferred(conn: asyncpg.Connection, inbound: Inbound[CohortTransferredV1]) -> None:
    await _track(conn, inbound, inbound.event.transferred_on)


async def on_training_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    await _track(conn, inbound, _day_of(inbound.event.completed_on, inbound), completed=True)


async def on_training_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    event = inbound.event
    await _set_dated_flag(conn, TRAINING, "dropped_out", event.enrollment_id, event.dropped_out_on)


async def on_scheduled(conn: asyncpg.Connection, inbound: Inbound[FollowUpsScheduledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_follow_ups (enrollment_id, month, due_on) SELECT $1, month, due_on "
        "FROM unnest($2::int[], $3::date[]) AS f (month, due_on) "
        "ON CONFLICT (enrollment_id, month) DO UPDATE SET due_on = EXCLUDED.due_on",
        event.enrollment_id, list(FOLLOW_UP_MONTHS[: len(event.due_dates)]), event.due_dates,
    )  # fmt: skip


async def on_follow_up_completed(conn: asyncpg.Connection, inbound: Inbound[FollowUpCompletedV1]) -> None:
    event = inbound.event
    await _answer_follow_up(conn, "completed", event.enrollment_id, event.month, event.completed_on)


async def on_follow_up_missed(conn: asyncpg.Connection, inbound: Inbound[FollowUpMissedV1]) -> None:
    event = inbound.event
    await _answer_follow_up(conn, "missed", event.enrollment_id, event.month, event.missed_on)


async def on_follow_up_consent_restored(conn: asyncpg.Connection, inbound: Inbound[FollowUpConsentRestoredV1]) -> None:
    """The follow-ups consent given again opens again are no longer missed from ``restored_on``: due by their due
    day again; as of an earlier day they stay missed from the day they were."""
    event = inbound.event
    if not event.follow_ups_reopened:
        return
    await conn.execute(
        f"UPDATE {FOLLOW_UPS} SET missed = false, missed_until = $3 "
        "WHERE enrollment_id = $1 AND month = ANY($2::int[])",
        event.enrollment_id, list(event.follow_ups_reopened), event.restored_on,
    )  # fmt: skip


async def on_case_ended(conn: asyncpg.Connection, inbound: Inbound[CaseWithdrawnV1] | Inbound[CaseClosedV1]) -> None:
    await _set_flag(conn, CASES, "ended", inbound.event.enrollment_id)


async def on_employment(conn: asyncpg.Connection, inbound: Inbound[EmploymentRecordedV1]) -> None:
    event = inbound.event
    if event.follow_up_month is not None:
        await _set_follow_up_flag(conn, "employed", event.enrollment_id, event.follow_up_month)
    await conn.execute(
        "INSERT INTO rm_indicators_cases AS c (enrollment_id, related_to_training, employment_sequence) "
        "VALUES ($1, $2, $3) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "related_to_training = EXCLUDED.related_to_training, employment_sequence = EXCLUDED.employment_sequence "
        "WHERE c.employment_sequence IS NULL OR EXCLUDED.employment_sequence >= c.employment_sequence",
        event.enrollment_id, event.related_to_training, inbound.stream_sequence,
    )  # fmt: skip
    if event.days_to_first_job is not None:
        await conn.execute(
            "INSERT INTO rm_indicators_cases AS c (enrollment_id, first_job_days, first_job_sequence) "
            "VALUES ($1, $2, $3) ON CONFLICT (enrollment_id) DO UPDATE SET "
            "first_job_days = EXCLUDED.first_job_days, first_job_sequence = EXCLUDED.first_job_sequence "
            "WHERE c.first_job_sequence IS NULL OR EXCLUDED.first_job_sequence <= c.first_job_sequence",
            event.enrollment_id, event.days_to_first_job, inbound.stream_sequence,
        )  # fmt: skip
    await conn.execute(
        "INSERT INTO rm_indicators_employments (enrollment_id, sequence, observed_on, related_to_training, "
        "days_to_first_job) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        event.enrollment_id, inbound.stream_sequence, _day_of(event.observed_on, inbound), event.related_to_training,
        event.days_to_first_job,
    )  # fmt: skip


async def on_income(conn: asyncpg.Connection, inbound: Inbound[IncomeObservedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_incomes AS i (enrollment_id, at_month, income_thb, sequence) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (enrollment_id, at_month) DO UPDATE SET "
        "income_thb = EXCLUDED.income_thb, sequence = EXCLUDED.sequence WHERE EXCLUDED.sequence >= i.sequence",
        event.enrollment_id, event.at_month, event.monthly_income_thb, inbound.stream_sequence,
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO rm_indicators_income_observations (enrollment_id, at_month, sequence, observed_on, income_thb) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        event.enrollment_id, event.at_month, inbound.stream_sequence, event.observed_on, event.monthly_income_thb,
    )  # fmt: skip


async def _add_members(conn: asyncpg.Connection, enterprise_id: UUID, enrollment_ids: list[UUID], on: date) -> None:
    """Members, each with the earliest day they were told to be in it."""
    await conn.execute(
        "INSERT INTO rm_indicators_enterprise_members AS m (enterprise_id, enrollment_id, joined_on) "
        "SELECT $1, unnest($2::uuid[]), $3 "
        "ON CONFLICT (enterprise_id, enrollment_id) DO UPDATE SET joined_on = LEAST(m.joined_on, EXCLUDED.joined_on)",
        enterprise_id, enrollment_ids, on,
    )  # fmt: skip


async def on_enterprise_started(conn: asyncpg.Connection, inbound: Inbound[EnterpriseStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enterprises AS e (enterprise_id, kind, started_on) VALUES ($1, $2, $3) "
        "ON CONFLICT (enterprise_id) DO UPDATE SET kind = EXCLUDED.kind, "
        "started_on = LEAST(e.started_on, EXCLUDED.started_on)",
        event.enterprise_id, event.kind.value, event.started_on,
    )  # fmt: skip
    await _add_members(conn, event.enterprise_id, event.enrollment_ids, event.started_on)


async def on_member_joined(conn: asyncpg.Connection, inbound: Inbound[EnterpriseMemberJoinedV1]) -> None:
    event = inbound.event
    await _add_members(conn, event.enterprise_id, [event.enrollment_id], event.joined_on)


async def on_online_sales_opened(conn: asyncpg.Connection, inbound: Inbound[EnterpriseOnlineSalesOpenedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enterprises AS e (enterprise_id, sells_online, online_on) VALUES ($1, true, $2) "
        "ON CONFLICT (enterprise_id) DO UPDATE SET sells_online = true, "
        "online_on = LEAST(e.online_on, EXCLUDED.online_on)",
        event.enterprise_id, event.opened_on,
    )  # fmt: skip


READ_MODEL = ReadModel(
    name="indicators",
    ddl=DDL,
    handlers={
        ParticipantEnrolledV1: on_enrolled,
        BaselineCorrectedV1: on_baseline_corrected,
        ParticipantTransferredV1: on_transferred,
        ParticipantWithdrawnV1: on_withdrawn,
        TrainingCompletedV1: on_training_completed,
        TrainingDroppedOutV1: on_training_dropped_out,
        CohortAssignedV1: on_cohort_assigned,
        CohortTransferredV1: on_cohort_transferred,
        FollowUpsScheduledV1: on_scheduled,
        FollowUpCompletedV1: on_follow_up_completed,
        FollowUpMissedV1: on_follow_up_missed,
        FollowUpConsentRestoredV1: on_follow_up_consent_restored,
        CaseWithdrawnV1: on_case_ended,
        CaseClosedV1: on_case_ended,
        EmploymentRecordedV1: on_employment,
        IncomeObservedV1: on_income,
        EnterpriseStartedV1: on_enterprise_started,
        EnterpriseMemberJoinedV1: on_member_joined,
        EnterpriseOnlineSalesOpenedV1: on_online_sales_opened,
    },
    # 2: the day of every fact kept, for as_of.
    # 3: the baseline (income, COVID-19, informal work) is the latest one corrected after enrollment, if any.
    # 4: the unit of every place.
    # 5: a follow-up consent given again opened again stays missed as of the days before (missed_until).
    version=5,
)


@dataclass(frozen=True, kw_only=True)
class Slice:
    """Which cases are reported on: those (on the day asked about) in the region and province given, and in
    any of the projects and any of the units given; all when None or none."""

    region: str | None = None
    province_code: str | None = None
    project_ids: tuple[UUID, ...] = ()
    unit_ids: tuple[UUID, ...] = ()

    def parameters(self) -> tuple[str | None, str | None, list[UUID] | None, list[UUID] | None]:
        return self.region, self.province_code, list(self.project_ids) or None, list(self.unit_ids) or None


class Breakdown(StrEnum):
    """What the cases of a slice can be grouped by."""

    SEX = "sex"
    AGE_BAND = "age_band"
    TRACK = "track"
    REGION = "region"
    PROVINCE = "province_code"
    PROJECT = "project_id"
    UNIT = "unit_id"
    COVID_AFFECTED = "covid_affected"
    INFORMAL_WORKER = "informal_worker"


def _yes_no(column: str) -> str:
    return f"CASE {column} WHEN true THEN 'YES' WHEN false THEN 'NO' END"


# A case's place and track as of $5 (the day facts are counted by; NULL: every fact recorded): the latest held
# by then, else (nothing of it in the history tables, filled only since they were added) the latest recorded.
_PLACE = "CASE WHEN p.enrollment_id IS NULL THEN e.{column} ELSE p.{column} END"
_TRACK = "CASE WHEN k.enrollment_id IS NULL THEN tr.track WHEN k.by_then THEN k.track END"

# The group of a case, in SQL over the slice's tables (e: enrollments, p: place, tr and k: training and track);
# constants, never input.
_GROUP_OF = {
    Breakdown.SEX: "e.sex",
    Breakdown.AGE_BAND: "e.age_band",
    Breakdown.TRACK: _TRACK,
    Breakdown.REGION: _PLACE.format(column="region"),
    Breakdown.PROVINCE: _PLACE.format(column="province_code"),
    Breakdown.PROJECT: f"({_PLACE.format(column='project_id')})::text",
    Breakdown.UNIT: f"({_PLACE.format(column='unit_id')})::text",
    Breakdown.COVID_AFFECTED: _yes_no("e.covid_affected"),
    Breakdown.INFORMAL_WORKER: _yes_no("e.informal_worker"),
}
_WHOLE = "NULL::text"  # one group: the whole slice
KNOWN_GROUPS: dict[Breakdown, tuple[str, ...]] = {
    Breakdown.SEX: SEXES,
    Breakdown.AGE_BAND: AGE_BAND_IDS,
    Breakdown.TRACK: TRACKS,
    Breakdown.REGION: PROGRAMME_REGIONS.region_ids,
    Breakdown.PROVINCE: tuple(province.iso for province in PROVINCES),
    Breakdown.PROJECT: (),  # those with cases in the slice, and those asked about (see indicators_by_group)
    Breakdown.UNIT: (),
    Breakdown.COVID_AFFECTED: ("YES", "NO"),
    Breakdown.INFORMAL_WORKER: ("YES", "NO"),
}


def _by_then(day: str) -> str:
    """Whether a fact of that day had happened by $5: always without $5, or without a day (kept before days were)."""
    return f"COALESCE({day} <= $5, true)"


def _latest_by_then(
    table: str, columns: str, *, key: str = "enrollment_id", day: str, having: str | None = None, first: bool = False
) -> str:
    """Per ``key``, of the rows ``having`` it, the latest (in stream order; the first with ``first``) whose day
    is by $5, with ``by_then`` true, else one with ``by_then`` false. No row without $5: then the columns kept
    on the case, which follow the same order, answer (and faster)."""
    order = "sequence" if first else "sequence DESC"
    where = "$5::date IS NOT NULL" if having is None else f"$5::date IS NOT NULL AND {having}"
    return (
        f"SELECT DISTINCT ON ({key}) {key}, {day} <= $5 AS by_then, {columns} FROM {table} "
        f"WHERE {where} ORDER BY {key}, {day} <= $5 DESC, {order}"
    )


_TRACKS_BY_THEN = _latest_by_then("rm_indicators_tracks", "track", day="tracked_on")
_LATEST_JOBS_BY_THEN = _latest_by_then("rm_indicators_employments", "related_to_training", day="observed_on")
_FIRST_JOBS_BY_THEN = _latest_by_then(
    "rm_indicators_employments",
    "days_to_first_job",
    day="observed_on",
    having="days_to_first_job IS NOT NULL",
    first=True,
)
_INCOMES_BY_THEN = _latest_by_then(
    "rm_indicators_income_observations", "income_thb", key="enrollment_id, at_month", day="observed_on"
)


# Each query is grouped by the slice's `grp` ({group} filled in from _GROUP_OF or _WHOLE).
# $1 region, $2 province code, $3 project ids, $4 unit ids (NULL: any), $5 the day facts are counted by (NULL: all
# of them); each query adds its own parameters after these. A case is in the slice once enrolled, where it was then.
_SLICE = f"""
WITH place AS (
    SELECT DISTINCT ON (enrollment_id) enrollment_id, project_id, unit_id, province_code, region
    FROM rm_indicators_places
    WHERE placed_on <= $5
    ORDER BY enrollment_id, placed_on DESC, sequence DESC
),
track AS ({_TRACKS_BY_THEN}),
slice AS (
    SELECT
        e.enrollment_id,
        e.baseline_income_thb,
        e.withdrawn AND {_by_then("e.withdrawn_on")} AS withdrawn,
        {{group}} AS grp
    FROM rm_indicators_enrollments e
    LEFT JOIN place p USING (enrollment_id)
    LEFT JOIN rm_indicators_training tr USING (enrollment_id)
    LEFT JOIN track k USING (enrollment_id)
    WHERE e.enrolled AND {_by_then("e.enrolled_on")}
        AND ($1::text IS NULL OR {_PLACE.format(column="region")} = $1)
        AND ($2::text IS NULL OR {_PLACE.format(column="province_code")} = $2)
        AND ($3::uuid[] IS NULL OR {_PLACE.format(column="project_id")} = ANY($3))
        AND ($4::uuid[] IS NULL OR {_PLACE.format(column="unit_id")} = ANY($4))
)"""

_COMPLETED = f"t.completed AND {_by_then('t.completed_on')}"
_DROPPED_OUT = f"t.dropped_out AND {_by_then('t.dropped_out_on')}"
_CASES = f"""{_SLICE},
latest_job AS ({_LATEST_JOBS_BY_THEN}),
first_job AS ({_FIRST_JOBS_BY_THEN}),
jobs AS (
    SELECT
        c.enrollment_id,
        CASE WHEN l.enrollment_id IS NULL THEN c.related_to_training WHEN l.by_then THEN l.related_to_training END
            AS related_to_training,
        CASE WHEN f.enrollment_id IS NULL THEN c.first_job_days WHEN f.by_then THEN f.days_to_first_job END
            AS first_job_days
    FROM rm_indicators_cases c
    LEFT JOIN latest_job l USING (enrollment_id)
    LEFT JOIN first_job f USING (enrollment_id)
)
SELECT
    s.grp,
    count(*) AS cases,
    count(*) FILTER (WHERE {_COMPLETED}) AS completed,
    count(*) FILTER (WHERE {_COMPLETED} OR {_DROPPED_OUT} OR s.withdrawn) AS training_over,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY j.first_job_days) AS median_days_to_first_job,
    count(j.related_to_training) AS employed,
    count(*) FILTER (WHERE j.related_to_training) AS related_to_training
FROM slice s
LEFT JOIN rm_indicators_training t USING (enrollment_id)
LEFT JOIN jobs j USING (enrollment_id)
GROUP BY s.grp
"""

# $6 the day asked about, $7 how many follow-ups the panel answered (all of them). A follow-up answered
# after $6 was not answered yet on $6 (rows from before answers were dated count as answered).
_FOLLOW_UPS = f"""{_SLICE},
answered AS (
    SELECT
        f.*,
        f.completed AND COALESCE(f.completed_on <= $6, true) AS completed_by,
        f.missed AND COALESCE(f.missed_on <= $6, true)
            OR COALESCE(f.missed_on <= $6 AND f.missed_until > $6, false) AS missed_by,
        f.completed_on IS NULL AND (f.missed_on IS NULL OR f.missed_until IS NOT NULL) AS undated
    FROM rm_indicators_follow_ups f
),
follow_ups AS (
    SELECT
        slice.grp,
        f.enrollment_id,
        f.month,
        f.completed_by AS completed,
        f.employed,
        f.completed_by OR f.missed_by OR COALESCE(c.ended AND f.undated, false)
            OR COALESCE(f.due_on <= $6, false) AS due
    FROM slice
    JOIN answered f USING (enrollment_id)
    LEFT JOIN rm_indicators_cases c USING (enrollment_id)
),
panel AS (
    SELECT enrollment_id FROM follow_ups GROUP BY enrollment_id HAVING count(*) FILTER (WHERE completed) = $7
)
SELECT
    f.grp,
    f.month,
    count(*) FILTER (WHERE f.due) AS due,
    count(*) FILTER (WHERE f.completed) AS completed,
    count(*) FILTER (WHERE f.completed AND f.employed) AS employed,
    count(*) FILTER (WHERE f.completed AND p.enrollment_id IS NOT NULL) AS panel_completed,
    count(*) FILTER (WHERE f.completed AND f.employed AND p.enrollment_id IS NOT NULL) AS panel_employed
FROM follow_ups f
LEFT JOIN panel p USING (enrollment_id)
GROUP BY f.grp, f.month
"""

# A month's income is its latest observation made by $5. percentile_disc at 0.5 and just above gives the
# two middle values of an even count (the middle one twice of an odd count) from one sort: their mean is the
# exact median, in numeric. The rate and the three medians are over the same cases: those with both a
# baseline and the month's income.
_INCOME_CHANGES = f"""{_SLICE},
observed AS ({_INCOMES_BY_THEN}),
incomes AS (
    SELECT
        i.enrollment_id,
        i.at_month,
        CASE WHEN o.enrollment_id IS NULL THEN i.income_thb WHEN o.by_then THEN o.income_thb END AS income_thb
    FROM rm_indicators_incomes i
    LEFT JOIN observed o USING (enrollment_id, at_month)
),
with_baseline AS (  -- in one pass: incomes joined to themselves would be scanned again for every case
    SELECT
        *,
        max(income_thb) FILTER (WHERE at_month = {BASELINE_MONTH}) OVER (PARTITION BY enrollment_id) AS baseline
    FROM incomes
),
changes AS (
    SELECT s.grp, i.at_month AS month, COALESCE(s.baseline_income_thb, i.baseline) AS baseline, i.income_thb
    FROM slice s
    JOIN with_baseline i ON i.enrollment_id = s.enrollment_id AND i.at_month <> {BASELINE_MONTH}
)
SELECT
    grp,
    month,
    with_both,
    rose,
    (changes[1] + changes[2]) / 2 AS median,
    (baselines[1] + baselines[2]) / 2 AS median_baseline,
    (incomes[1] + incomes[2]) / 2 AS median_income
FROM (
    SELECT
        grp,
        month,
        count(*) AS with_both,
        count(*) FILTER (WHERE income_thb > baseline) AS rose,
        percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY income_thb - baseline) AS changes,
        percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY baseline) AS baselines,
        percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY income_thb) AS incomes
    FROM changes
    WHERE baseline IS NOT NULL AND income_thb IS NOT NULL
    GROUP BY grp, month
) m
"""

# An enterprise started by $5, with a participant among the slice's cases who was a member by then.
_ENTERPRISES = f"""{_SLICE},
started AS (
    SELECT DISTINCT slice.grp, e.enterprise_id, e.kind, e.sells_online AND {_by_then("e.online_on")} AS sells_online
    FROM rm_indicators_enterprises e
    JOIN rm_indicators_enterprise_members m USING (enterprise_id)
    JOIN slice USING (enrollment_id)
    WHERE e.kind IS NOT NULL AND {_by_then("e.started_on")} AND {_by_then("m.joined_on")}
)
SELECT grp, kind, count(*) AS started, count(*) FILTER (WHERE sells_online) AS online
FROM started
GROUP BY grp, kind
"""


@dataclass(frozen=True)
class _Rows:
    """What the queries answered, every row tagged with its group (None: the whole slice)."""

    cases: list[asyncpg.Record]
    follow_ups: list[asyncpg.Record]
    changes: list[asyncpg.Record]
    enterprises: list[asyncpg.Record]

    def by_group(self) -> dict[str | None, _Rows]:
        """Each group's rows, in one pass (a breakdown by project has some 200 groups)."""
        grouped: dict[str | None, _Rows] = {}
        for kind in ("cases", "follow_ups", "changes", "enterprises"):
            for row in getattr(self, kind):
                getattr(grouped.setdefault(row["grp"], _Rows([], [], [], [])), kind).append(row)
        return grouped


_NONE = _Rows([], [], [], [])  # a group with no case


async def programme_indicators(pool: asyncpg.Pool, of: Slice, *, on: date, panel: bool = False) -> ProgrammeIndicators:
    """The indicators of the cases in a slice, with follow-ups due as of ``on``, as the domain defines them."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await _fetch(conn, of, _WHOLE, on=on)
    return _indicators(rows, panel=panel)


async def indicators_by_group(
    pool: asyncpg.Pool, of: Slice, by: Breakdown, *, on: date, panel: bool = False
) -> IndicatorsByGroup:
    """The slice's indicators and those of each group of its cases, read in one snapshot so the groups add up."""
    group = f"COALESCE({_GROUP_OF[by]}, '{UNKNOWN_GROUP}')"
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        whole = await _fetch(conn, of, _WHOLE, on=on)
        grouped = await _fetch(conn, of, group, on=on)
    names = groups_in_order(known_groups(by, of), (row["grp"] for row in grouped.cases))
    by_group = grouped.by_group()
    return IndicatorsByGroup(
        overall=_indicators(whole, panel=panel),
        groups={name: _indicators(by_group.get(name, _NONE), panel=panel) for name in names},
    )


def known_groups(by: Breakdown, of: Slice) -> tuple[str, ...]:
    """The groups listed even with no case: every one there is, or (projects and units, too many to list
    every one) those the slice asked about."""
    asked = {Breakdown.PROJECT: of.project_ids, Breakdown.UNIT: of.unit_ids}.get(by, ())
    return KNOWN_GROUPS[by] + tuple(str(one) for one in asked)


async def _fetch(conn: PoolConnectionProxy, of: Slice, group: str, *, on: date) -> _Rows:
    def grouped(query: str) -> str:
        return query.replace("{group}", group)

    # A generic plan cannot tell whether $5 leaves the history tables out: after a few requests PostgreSQL
    # would settle on one that loops over them for every case, seconds on a few thousand cases.
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")

    asked = (*of.parameters(), facts_counted_by(on, thai_today()))
    return _Rows(
        cases=await conn.fetch(grouped(_CASES), *asked),
        follow_ups=await conn.fetch(grouped(_FOLLOW_UPS), *asked, on, len(FOLLOW_UP_MONTHS)),
        changes=await conn.fetch(grouped(_INCOME_CHANGES), *asked),
        enterprises=await conn.fetch(grouped(_ENTERPRISES), *asked),
    )


def _indicators(rows: _Rows, *, panel: bool) -> ProgrammeIndicators:
    """The indicators of one group's rows (none: a group, or a slice, with no case)."""
    cases = rows.cases[0] if rows.cases else None
    by_month = {row["month"]: row for row in rows.follow_ups}
    by_income_month = {row["month"]: row for row in rows.changes}
    respondents, employed = ("panel_completed", "panel_employed") if panel else ("completed", "employed")
    return ProgrammeIndicators(
        cases=_count(cases, "cases"),
        training_completion=Rate(numerator=_count(cases, "completed"), denominator=_count(cases, "training_over")),
        follow_up_completion={m: _rate(by_month.get(m), "completed", "due") for m in FOLLOW_UP_MONTHS},
        employment={m: _rate(by_month.get(m), employed, respondents) for m in FOLLOW_UP_MONTHS},
        median_income_change_thb=_medians(rows.changes, "median"),
        income_rose={m: _rate(by_income_month.get(m), "rose", "with_both") for m in FOLLOW_UP_MONTHS},
        median_baseline_income_thb=_medians(rows.changes, "median_baseline"),
        median_income_thb=_medians(rows.changes, "median_income"),
        median_days_to_first_job=None if cases is None else cases["median_days_to_first_job"],
        employment_related_to_training=Rate(
            numerator=_count(cases, "related_to_training"), denominator=_count(cases, "employed")
        ),
        enterprises_started={kind: _started(rows.enterprises, kind) for kind in EnterpriseKind},
        online_sales_adoption=Rate(
            numerator=sum(row["online"] for row in rows.enterprises),
            denominator=sum(row["started"] for row in rows.enterprises),
        ),
    )


def _count(row: asyncpg.Record | None, column: str) -> int:
    return 0 if row is None else int(row[column])


def _rate(row: asyncpg.Record | None, numerator: str, denominator: str) -> Rate:
    if row is None:  # nothing of that month in the slice
        return Rate(numerator=0, denominator=0)
    return Rate(numerator=row[numerator], denominator=row[denominator])


def _medians(rows: Sequence[asyncpg.Record], column: str) -> dict[int, Decimal | None]:
    found: dict[int, Decimal] = {row["month"]: row[column] for row in rows}
    return {month: found.get(month) for month in FOLLOW_UP_MONTHS}


def _started(rows: Sequence[asyncpg.Record], kind: EnterpriseKind) -> int:
    return sum(row["started"] for row in rows if row["kind"] == kind.value)
