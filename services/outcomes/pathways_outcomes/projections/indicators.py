"""Read model: programme indicators, tracer-study style, from the ENROLLMENT, TRAINING and OUTCOMES streams.

The indicators and their definitions are ``domain/indicators.py``'s; here they are answered in SQL
for the whole programme or a slice of it, so that a request reads a few tables instead of every case.
The cases counted are the enrolled enrollments (applicants never enrolled are not participants); a
slice is where a case is now: the region, province and project of its latest transfer (by transfer
day, then stream order), else of its enrollment. An enterprise belongs to a slice when at least
one of its participants does.

Each source stream writes only its own tables, so the three consumers may run in any order
relative to each other. Within a stream, facts that may be superseded keep their stream sequence
and give way only to later ones (a case's place, a month's income, the latest employment); the
first days to a first job keep the earliest. Other facts are flags, set by upserts. Whether an open
follow-up is due depends on the day asked about, so it is worked out when queried; follow-ups still
open when a case was withdrawn or closed count as missed, as the domain marks them.

This module is its own read model, not more columns on the programme totals: new durable consumers
start from stream sequence 1, so it fills in from the streams' whole history on a running system.

Breakdowns group the cases of a slice by the participant's sex or age band (from their enrollment)
or by their training track (the latest cohort assignment, cohort transfer or completion that gives
one). A case whose group no event told (enrolled before these were published, never in a cohort)
is in the UNKNOWN group: the groups always add up to the slice. On tables that predate the
breakdowns their columns are added empty, and facts read before are not read again: those cases
stay UNKNOWN (even the tracks completions told) until the read model is rebuilt from the streams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from pathways_contracts.enrollment import (
    SEXES,
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
from pathways_outcomes.domain.case import BASELINE_MONTH
from pathways_outcomes.domain.enterprise import EnterpriseKind
from pathways_outcomes.domain.follow_ups import FOLLOW_UP_MONTHS
from pathways_outcomes.domain.indicators import (
    UNKNOWN_GROUP,
    IndicatorsByGroup,
    ProgrammeIndicators,
    Rate,
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


async def _set_follow_up_flag(conn: asyncpg.Connection, column: str, enrollment_id: UUID, month: int) -> None:
    await conn.execute(
        f"INSERT INTO {FOLLOW_UPS} (enrollment_id, month, {column}) VALUES ($1, $2, true) "
        f"ON CONFLICT (enrollment_id, month) DO UPDATE SET {column} = true",
        enrollment_id, month,
    )  # fmt: skip


async def _answer_follow_up(conn: asyncpg.Connection, how: str, enrollment_id: UUID, month: int, on: date) -> None:
    """``how``: completed or missed, on the day it was (so that indicators as of an earlier day leave it out)."""
    await conn.execute(
        f"INSERT INTO {FOLLOW_UPS} (enrollment_id, month, {how}, {how}_on) VALUES ($1, $2, true, $3) "
        f"ON CONFLICT (enrollment_id, month) DO UPDATE SET {how} = true, {how}_on = EXCLUDED.{how}_on",
        enrollment_id, month, on,
    )  # fmt: skip


async def _place(
    conn: asyncpg.Connection,
    inbound: Inbound[ParticipantEnrolledV1] | Inbound[ParticipantTransferredV1],
    placed_on: date,
) -> None:
    """Keep the case's place if it is later (by day, then stream order) than the one held."""
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enrollments AS e (enrollment_id, project_id, province_code, region, placed_on, "
        "placed_sequence) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "project_id = EXCLUDED.project_id, province_code = EXCLUDED.province_code, region = EXCLUDED.region, "
        "placed_on = EXCLUDED.placed_on, placed_sequence = EXCLUDED.placed_sequence "
        "WHERE e.placed_on IS NULL "
        "OR (EXCLUDED.placed_on, EXCLUDED.placed_sequence) >= (e.placed_on, e.placed_sequence)",
        event.enrollment_id, event.project_id, event.province_code, event.region, placed_on, inbound.stream_sequence,
    )  # fmt: skip


async def on_enrolled(conn: asyncpg.Connection, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enrollments AS e (enrollment_id, enrolled, baseline_income_thb, sex, age_band, "
        "covid_affected, informal_worker) VALUES ($1, true, $2, $3, $4, $5, $6) "
        "ON CONFLICT (enrollment_id) DO UPDATE SET enrolled = true, "
        "baseline_income_thb = EXCLUDED.baseline_income_thb, sex = COALESCE(EXCLUDED.sex, e.sex), "
        "age_band = COALESCE(EXCLUDED.age_band, e.age_band), "
        "covid_affected = COALESCE(EXCLUDED.covid_affected, e.covid_affected), "
        "informal_worker = COALESCE(EXCLUDED.informal_worker, e.informal_worker)",
        event.enrollment_id, event.baseline_monthly_income_thb, event.sex, event.age_band, event.covid_affected,
        event.informal_worker,
    )  # fmt: skip
    await _place(conn, inbound, ENROLLED_PLACE_ON)


async def on_transferred(conn: asyncpg.Connection, inbound: Inbound[ParticipantTransferredV1]) -> None:
    await _place(conn, inbound, inbound.event.transferred_on)


async def on_withdrawn(conn: asyncpg.Connection, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    await _set_flag(conn, ENROLLMENTS, "withdrawn", inbound.event.enrollment_id)


_LATER_TRACK = (
    "EXCLUDED.track IS NOT NULL AND (t.track_sequence IS NULL OR EXCLUDED.track_sequence >= t.track_sequence)"
)


async def _track(
    conn: asyncpg.Connection,
    inbound: Inbound[CohortAssignedV1] | Inbound[CohortTransferredV1] | Inbound[TrainingCompletedV1],
    *,
    completed: bool = False,
) -> None:
    """Keep the event's track if it gives one and is later (in stream order) than the one held."""
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_training AS t (enrollment_id, completed, track, track_sequence) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (enrollment_id) DO UPDATE SET "
        "completed = t.completed OR EXCLUDED.completed, "
        f"track = CASE WHEN {_LATER_TRACK} THEN EXCLUDED.track ELSE t.track END, "
        f"track_sequence = CASE WHEN {_LATER_TRACK} THEN EXCLUDED.track_sequence ELSE t.track_sequence END",
        event.enrollment_id, completed, event.track, None if event.track is None else inbound.stream_sequence,
    )  # fmt: skip


async def on_cohort_assigned(conn: asyncpg.Connection, inbound: Inbound[CohortAssignedV1]) -> None:
    await _track(conn, inbound)


async def on_cohort_transferred(conn: asyncpg.Connection, inbound: Inbound[CohortTransferredV1]) -> None:
    await _track(conn, inbound)


async def on_training_completed(conn: asyncpg.Connection, inbound: Inbound[TrainingCompletedV1]) -> None:
    await _track(conn, inbound, completed=True)


async def on_training_dropped_out(conn: asyncpg.Connection, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    await _set_flag(conn, TRAINING, "dropped_out", inbound.event.enrollment_id)


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


async def on_income(conn: asyncpg.Connection, inbound: Inbound[IncomeObservedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_incomes AS i (enrollment_id, at_month, income_thb, sequence) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (enrollment_id, at_month) DO UPDATE SET "
        "income_thb = EXCLUDED.income_thb, sequence = EXCLUDED.sequence WHERE EXCLUDED.sequence >= i.sequence",
        event.enrollment_id, event.at_month, event.monthly_income_thb, inbound.stream_sequence,
    )  # fmt: skip


async def _add_members(conn: asyncpg.Connection, enterprise_id: UUID, enrollment_ids: list[UUID]) -> None:
    await conn.execute(
        "INSERT INTO rm_indicators_enterprise_members (enterprise_id, enrollment_id) "
        "SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
        enterprise_id, enrollment_ids,
    )  # fmt: skip


async def on_enterprise_started(conn: asyncpg.Connection, inbound: Inbound[EnterpriseStartedV1]) -> None:
    event = inbound.event
    await conn.execute(
        "INSERT INTO rm_indicators_enterprises (enterprise_id, kind) VALUES ($1, $2) "
        "ON CONFLICT (enterprise_id) DO UPDATE SET kind = EXCLUDED.kind",
        event.enterprise_id, event.kind.value,
    )  # fmt: skip
    await _add_members(conn, event.enterprise_id, event.enrollment_ids)


async def on_member_joined(conn: asyncpg.Connection, inbound: Inbound[EnterpriseMemberJoinedV1]) -> None:
    await _add_members(conn, inbound.event.enterprise_id, [inbound.event.enrollment_id])


async def on_online_sales_opened(conn: asyncpg.Connection, inbound: Inbound[EnterpriseOnlineSalesOpenedV1]) -> None:
    await conn.execute(
        "INSERT INTO rm_indicators_enterprises (enterprise_id, sells_online) VALUES ($1, true) "
        "ON CONFLICT (enterprise_id) DO UPDATE SET sells_online = true",
        inbound.event.enterprise_id,
    )


READ_MODEL = ReadModel(
    name="indicators",
    ddl=DDL,
    handlers={
        ParticipantEnrolledV1: on_enrolled,
        ParticipantTransferredV1: on_transferred,
        ParticipantWithdrawnV1: on_withdrawn,
        TrainingCompletedV1: on_training_completed,
        TrainingDroppedOutV1: on_training_dropped_out,
        CohortAssignedV1: on_cohort_assigned,
        CohortTransferredV1: on_cohort_transferred,
        FollowUpsScheduledV1: on_scheduled,
        FollowUpCompletedV1: on_follow_up_completed,
        FollowUpMissedV1: on_follow_up_missed,
        CaseWithdrawnV1: on_case_ended,
        CaseClosedV1: on_case_ended,
        EmploymentRecordedV1: on_employment,
        IncomeObservedV1: on_income,
        EnterpriseStartedV1: on_enterprise_started,
        EnterpriseMemberJoinedV1: on_member_joined,
        EnterpriseOnlineSalesOpenedV1: on_online_sales_opened,
    },
)


@dataclass(frozen=True, kw_only=True)
class Slice:
    """Which cases are reported on: those (now) in the region, province and project given; all when None."""

    region: str | None = None
    province_code: str | None = None
    project_id: UUID | None = None

    def parameters(self) -> tuple[str | None, str | None, UUID | None]:
        return self.region, self.province_code, self.project_id


class Breakdown(StrEnum):
    """What the cases of a slice can be grouped by."""

    SEX = "sex"
    AGE_BAND = "age_band"
    TRACK = "track"
    REGION = "region"
    PROVINCE = "province_code"
    COVID_AFFECTED = "covid_affected"
    INFORMAL_WORKER = "informal_worker"


def _yes_no(column: str) -> str:
    return f"CASE {column} WHEN true THEN 'YES' WHEN false THEN 'NO' END"


# The group of a case, in SQL over the slice's tables (e: enrollments, tr: training); constants, never input.
_GROUP_OF = {
    Breakdown.SEX: "e.sex",
    Breakdown.AGE_BAND: "e.age_band",
    Breakdown.TRACK: "tr.track",
    Breakdown.REGION: "e.region",
    Breakdown.PROVINCE: "e.province_code",
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
    Breakdown.COVID_AFFECTED: ("YES", "NO"),
    Breakdown.INFORMAL_WORKER: ("YES", "NO"),
}

# Each query is grouped by the slice's `grp` ({group} filled in from _GROUP_OF or _WHOLE).
# $1 region, $2 province code, $3 project id; each query adds its own parameters after these.
_SLICE = """
WITH slice AS (
    SELECT e.enrollment_id, e.baseline_income_thb, e.withdrawn, {group} AS grp
    FROM rm_indicators_enrollments e
    LEFT JOIN rm_indicators_training tr USING (enrollment_id)
    WHERE e.enrolled
        AND ($1::text IS NULL OR e.region = $1)
        AND ($2::text IS NULL OR e.province_code = $2)
        AND ($3::uuid IS NULL OR e.project_id = $3)
)"""

_CASES = f"""{_SLICE}
SELECT
    s.grp,
    count(*) AS cases,
    count(*) FILTER (WHERE t.completed) AS completed,
    count(*) FILTER (WHERE t.completed OR t.dropped_out OR s.withdrawn) AS training_over,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.first_job_days) AS median_days_to_first_job,
    count(c.related_to_training) AS employed,
    count(*) FILTER (WHERE c.related_to_training) AS related_to_training
FROM slice s
LEFT JOIN rm_indicators_training t USING (enrollment_id)
LEFT JOIN rm_indicators_cases c USING (enrollment_id)
GROUP BY s.grp
"""

# $4 the day asked about, $5 how many follow-ups the panel answered (all of them). A follow-up answered
# after $4 was not answered yet on $4 (rows from before answers were dated count as answered).
_FOLLOW_UPS = f"""{_SLICE},
answered AS (
    SELECT
        f.*,
        f.completed AND COALESCE(f.completed_on <= $4, true) AS completed_by,
        f.missed AND COALESCE(f.missed_on <= $4, true) AS missed_by,
        f.completed_on IS NULL AND f.missed_on IS NULL AS undated
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
            OR COALESCE(f.due_on <= $4, false) AS due
    FROM slice
    JOIN answered f USING (enrollment_id)
    LEFT JOIN rm_indicators_cases c USING (enrollment_id)
),
panel AS (
    SELECT enrollment_id FROM follow_ups GROUP BY enrollment_id HAVING count(*) FILTER (WHERE completed) = $5
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

# percentile_disc at 0.5 and just above gives the two middle values of an even count (the middle one
# twice of an odd count) from one sort: their mean is the exact median, in numeric.
_INCOME_CHANGES = f"""{_SLICE},
changes AS (
    SELECT s.grp, i.at_month AS month, i.income_thb - COALESCE(s.baseline_income_thb, b.income_thb) AS change
    FROM slice s
    JOIN rm_indicators_incomes i ON i.enrollment_id = s.enrollment_id AND i.at_month <> {BASELINE_MONTH}
    LEFT JOIN rm_indicators_incomes b ON b.enrollment_id = s.enrollment_id AND b.at_month = {BASELINE_MONTH}
)
SELECT grp, month, (middles[1] + middles[2]) / 2 AS median
FROM (
    SELECT grp, month, percentile_disc(ARRAY[0.5, 0.5000000001]) WITHIN GROUP (ORDER BY change) AS middles
    FROM changes
    WHERE change IS NOT NULL
    GROUP BY grp, month
) m
"""

_ENTERPRISES = f"""{_SLICE},
started AS (
    SELECT DISTINCT slice.grp, e.enterprise_id, e.kind, e.sells_online
    FROM rm_indicators_enterprises e
    JOIN rm_indicators_enterprise_members m USING (enterprise_id)
    JOIN slice USING (enrollment_id)
    WHERE e.kind IS NOT NULL
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

    def of(self, group: str | None) -> _Rows:
        def mine(rows: list[asyncpg.Record]) -> list[asyncpg.Record]:
            return [row for row in rows if row["grp"] == group]

        return _Rows(mine(self.cases), mine(self.follow_ups), mine(self.changes), mine(self.enterprises))


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
    names = groups_in_order(KNOWN_GROUPS[by], (row["grp"] for row in grouped.cases))
    return IndicatorsByGroup(
        overall=_indicators(whole, panel=panel),
        groups={name: _indicators(grouped.of(name), panel=panel) for name in names},
    )


async def _fetch(conn: PoolConnectionProxy, of: Slice, group: str, *, on: date) -> _Rows:
    def grouped(query: str) -> str:
        return query.replace("{group}", group)

    return _Rows(
        cases=await conn.fetch(grouped(_CASES), *of.parameters()),
        follow_ups=await conn.fetch(grouped(_FOLLOW_UPS), *of.parameters(), on, len(FOLLOW_UP_MONTHS)),
        changes=await conn.fetch(grouped(_INCOME_CHANGES), *of.parameters()),
        enterprises=await conn.fetch(grouped(_ENTERPRISES), *of.parameters()),
    )


def _indicators(rows: _Rows, *, panel: bool) -> ProgrammeIndicators:
    """The indicators of one group's rows (none: a group, or a slice, with no case)."""
    cases = rows.cases[0] if rows.cases else None
    by_month = {row["month"]: row for row in rows.follow_ups}
    respondents, employed = ("panel_completed", "panel_employed") if panel else ("completed", "employed")
    return ProgrammeIndicators(
        cases=_count(cases, "cases"),
        training_completion=Rate(numerator=_count(cases, "completed"), denominator=_count(cases, "training_over")),
        follow_up_completion={m: _rate(by_month.get(m), "completed", "due") for m in FOLLOW_UP_MONTHS},
        employment={m: _rate(by_month.get(m), employed, respondents) for m in FOLLOW_UP_MONTHS},
        median_income_change_thb=_medians(rows.changes),
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
    if row is None:  # no follow-up of that month in the slice
        return Rate(numerator=0, denominator=0)
    return Rate(numerator=row[numerator], denominator=row[denominator])


def _medians(rows: Sequence[asyncpg.Record]) -> dict[int, Decimal | None]:
    found: dict[int, Decimal] = {row["month"]: row["median"] for row in rows}
    return {month: found.get(month) for month in FOLLOW_UP_MONTHS}


def _started(rows: Sequence[asyncpg.Record], kind: EnterpriseKind) -> int:
    return sum(row["started"] for row in rows if row["kind"] == kind.value)
