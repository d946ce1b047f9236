"""Programme totals from the three streams, whatever order the streams are read in.

Hand-written contract events are published straight onto ENROLLMENT, TRAINING and OUTCOMES, each
stream's facts before the facts they follow from in the others (outcomes first, enrollment last),
with a duplicate copy of some; only the outcomes service runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import (
    ApplicationScreenedOutV1,
    ParticipantEnrolledV1,
    ProjectOpenedV1,
)
from pathways_contracts.outcomes import (
    EmploymentRecordedV1,
    EmploymentType,
    EnterpriseKind,
    EnterpriseMemberJoinedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    IncomeObservedV1,
)
from pathways_contracts.registry import STREAMS
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1, TrainingWithdrawnV1
from pathways_infra.service import ServiceRuntime
from pathways_infra.settings import Settings
from tests.support.messages import publish_all
from tests.support.stream_cases import AT, Case, Project, transferred, withdrawn
from tests.support.system import eventually, running_system

WITHDRAWN_ON = date(2025, 7, 1)
PROVINCES = {"TH-50": "NORTH", "TH-10": "CENTRAL", "TH-40": "NORTHEAST"}


CHIANG_MAI, BANGKOK, KHON_KAEN, CHIANG_MAI_TOO = (
    Project(c, PROVINCES[c]) for c in ("TH-50", "TH-10", "TH-40", "TH-50")
)

WAGE_LATEST = Case(CHIANG_MAI)  # employed twice: the later (by occurred_at) one counts
COMMUNITY = Case(CHIANG_MAI)  # employed, and in a community enterprise and an enterprise
IN_ENTERPRISE = Case(BANGKOK)
SELF_EMPLOYED = Case(BANGKOK)
NO_OUTCOME = Case(CHIANG_MAI)  # screened out first, enrolled later
DROPPED_AND_MOVED = Case(BANGKOK)  # transferred twice, the later transfer published first
SECOND_ENROLLMENT = Case(KHON_KAEN, participant_id=WAGE_LATEST.participant_id)  # still in training
WITHDRAWN_AFTER_COMPLETION = Case(CHIANG_MAI_TOO)
WITHDRAWN_FROM_TRAINING = Case(KHON_KAEN)
SCREENED_OUT = Case(BANGKOK)  # never enrolled; its withdrawal (not enrolled) has no stage either

ENROLLED = [
    WAGE_LATEST,
    COMMUNITY,
    IN_ENTERPRISE,
    SELF_EMPLOYED,
    NO_OUTCOME,
    DROPPED_AND_MOVED,
    SECOND_ENROLLMENT,
    WITHDRAWN_AFTER_COMPLETION,
    WITHDRAWN_FROM_TRAINING,
]
COMPLETED = [WAGE_LATEST, COMMUNITY, IN_ENTERPRISE, SELF_EMPLOYED, NO_OUTCOME, WITHDRAWN_AFTER_COMPLETION]
BASELINES = {WAGE_LATEST: 5000, COMMUNITY: 6000, IN_ENTERPRISE: 7000}

EXPECTED = {
    "participants": 8,
    "enrollments": 9,
    "projects": 4,
    "provinces": 3,
    "regions": 3,
    "screened_out": 1,
    "transferred": 1,
    "by_stage": {"IN_TRAINING": 1, "COMPLETED": 5, "DROPPED_OUT": 1, "WITHDRAWN": 2},
    "by_outcome": {"WAGE": 1, "SELF_EMPLOYED": 1, "ENTERPRISE": 1, "COMMUNITY_ENTERPRISE": 1, "NONE": 1},
    "by_region": {"NORTH": 4, "CENTRAL": 2, "NORTHEAST": 3},
    "income": {
        "baseline_median_thb": "6000.00",
        "latest_median_thb": "8500.00",
        "with_baseline": 3,
        "with_income_observed": 2,
    },
}


def employment(case: Case, kind: EmploymentType, occurred_at: datetime) -> EmploymentRecordedV1:
    return EmploymentRecordedV1(
        **(case.ids() | {"occurred_at": occurred_at}),
        employment_type=kind,
        related_to_training=True,
        monthly_income_thb=Decimal(9000),
    )


def enterprise(kind: EnterpriseKind, *members: Case) -> EnterpriseStartedV1:
    return EnterpriseStartedV1(
        occurred_at=AT,
        enterprise_id=uuid4(),
        kind=kind,
        name="Ban Don weavers",
        project_id=CHIANG_MAI.project_id,
        enrollment_ids=[m.enrollment_id for m in members],
        members_count=9,
        products=["indigo scarf"],
        started_on=date(2025, 6, 1),
    )


def income(case: Case, amount: int) -> IncomeObservedV1:
    return IncomeObservedV1(
        **case.ids(), at_month=3, monthly_income_thb=Decimal(amount), observed_on=date(2025, 9, 1), source="SURVEY"
    )


def outcomes_stream() -> list[IntegrationEvent]:
    community = enterprise(EnterpriseKind.COMMUNITY_ENTERPRISE, COMMUNITY)
    return [
        employment(WAGE_LATEST, EmploymentType.WAGE, datetime(2025, 9, 1, tzinfo=UTC)),
        employment(WAGE_LATEST, EmploymentType.SELF_EMPLOYED, datetime(2025, 8, 1, tzinfo=UTC)),
        employment(COMMUNITY, EmploymentType.WAGE, AT),
        employment(SELF_EMPLOYED, EmploymentType.SELF_EMPLOYED, AT),
        employment(WITHDRAWN_AFTER_COMPLETION, EmploymentType.WAGE, AT),
        community,
        community,  # a second copy of the same event
        enterprise(EnterpriseKind.ENTERPRISE, IN_ENTERPRISE, COMMUNITY),
        income(WAGE_LATEST, 9000),
        income(COMMUNITY, 8000),
    ]


def training_stream() -> list[IntegrationEvent]:
    completed = [
        TrainingCompletedV1(**c.ids(), project_id=c.project.project_id, attendance_rate=0.9, completed_on=AT.date())
        for c in COMPLETED
    ]
    return [
        *completed,
        completed[2],  # a second copy of the same event
        TrainingDroppedOutV1(
            **DROPPED_AND_MOVED.ids(),
            project_id=BANGKOK.project_id,
            reason="HEALTH",
            dropped_out_on=date(2025, 4, 1),
        ),
        TrainingWithdrawnV1(**WITHDRAWN_FROM_TRAINING.ids(), withdrawn_on=date(2025, 4, 1)),
    ]


def enrolled(case: Case) -> ParticipantEnrolledV1:
    baseline = BASELINES.get(case)
    return ParticipantEnrolledV1(
        **case.ids(),
        project_id=case.project.project_id,
        province_code=case.project.province_code,
        region=case.project.region,
        baseline_monthly_income_thb=None if baseline is None else Decimal(baseline),
    )


def screened_out(case: Case) -> ApplicationScreenedOutV1:
    project = case.project
    return ApplicationScreenedOutV1(
        **case.ids(),
        project_id=project.project_id,
        province_code=project.province_code,
        region=project.region,
        screened_on=date(2025, 1, 10),
        reasons=["income-above-threshold"],
    )


def enrollment_stream() -> list[IntegrationEvent]:
    projects = [
        ProjectOpenedV1(
            occurred_at=AT, project_id=p.project_id, name="p", province_code=p.province_code, region=p.region
        )
        for p in (CHIANG_MAI, BANGKOK, KHON_KAEN, CHIANG_MAI_TOO)
    ]
    return [
        *projects,
        screened_out(SCREENED_OUT),
        withdrawn(SCREENED_OUT, was_enrolled=False, on=WITHDRAWN_ON),
        screened_out(NO_OUTCOME),
        *(enrolled(case) for case in ENROLLED),
        enrolled(WAGE_LATEST),  # the same enrollment told twice (a new event): still one
        transferred(DROPPED_AND_MOVED, KHON_KAEN, date(2025, 3, 1)),
        transferred(DROPPED_AND_MOVED, CHIANG_MAI, date(2025, 2, 1)),  # published later, happened earlier
        withdrawn(WITHDRAWN_AFTER_COMPLETION, was_enrolled=True, on=WITHDRAWN_ON),
    ]


async def caught_up(runtime: ServiceRuntime) -> bool | None:
    """Every read-models consumer acknowledged everything in its stream."""
    for source in ("enrollment", "training", "outcomes"):
        stream = STREAMS[source].name
        last = (await runtime.js.stream_info(stream)).state.last_seq
        info = await runtime.js.consumer_info(stream, f"outcomes-read-models-from-{source}")
        if info.ack_floor.stream_seq < last:
            return None
    return True


async def test_totals_count_each_fact_once_whatever_order_the_streams_are_read_in(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        for events in (outcomes_stream(), training_stream(), enrollment_stream()):
            await publish_all(operator_js, events)
        await eventually(lambda: caught_up(runtime), what="the programme consumers to catch up")
        response = await system.client("outcomes").get("/programme/totals")
    assert response.status_code == 200, response.text
    assert response.json() == EXPECTED


async def test_totals_of_an_empty_programme_name_every_stage_and_outcome(settings: Settings) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        totals = (await system.client("outcomes").get("/programme/totals")).json()
    assert totals["enrollments"] == 0
    assert totals["by_stage"] == {"IN_TRAINING": 0, "COMPLETED": 0, "DROPPED_OUT": 0, "WITHDRAWN": 0}
    assert totals["by_outcome"] == {
        "WAGE": 0,
        "SELF_EMPLOYED": 0,
        "ENTERPRISE": 0,
        "COMMUNITY_ENTERPRISE": 0,
        "NONE": 0,
    }
    assert totals["by_region"] == {}


async def test_a_participant_who_joined_an_enterprise_is_counted_in_it_as_its_founders_are(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    founder, joiner = Case(CHIANG_MAI), Case(CHIANG_MAI)
    started = enterprise(EnterpriseKind.COMMUNITY_ENTERPRISE, founder)
    joined = EnterpriseMemberJoinedV1(
        occurred_at=AT,
        enterprise_id=started.enterprise_id,
        enrollment_id=joiner.enrollment_id,
        joined_on=date(2025, 7, 1),
    )
    completed: list[IntegrationEvent] = [
        TrainingCompletedV1(**c.ids(), project_id=c.project.project_id, attendance_rate=0.9, completed_on=AT.date())
        for c in (founder, joiner)
    ]
    opened = ProjectOpenedV1(
        occurred_at=AT, project_id=CHIANG_MAI.project_id, name="p", province_code="TH-50", region="NORTH"
    )
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        await publish_all(operator_js, [started, joined])
        await publish_all(operator_js, completed)
        await publish_all(operator_js, [opened, enrolled(founder), enrolled(joiner)])
        await eventually(lambda: caught_up(runtime), what="the programme consumers to catch up")
        totals = (await system.client("outcomes").get("/programme/totals")).json()
    assert totals["by_outcome"]["COMMUNITY_ENTERPRISE"] == 2, totals["by_outcome"]
    assert totals["by_outcome"]["NONE"] == 0


def answered(case: Case, month: int, on: date, *, working: bool) -> FollowUpCompletedV1:
    return FollowUpCompletedV1(**case.ids(), month=month, completed_on=on, working=working)


def job(case: Case, kind: EmploymentType, on: date, *, at_month: int | None = None) -> EmploymentRecordedV1:
    return employment(case, kind, datetime(on.year, on.month, on.day, 3, tzinfo=UTC)).model_copy(
        update={"observed_on": on, "follow_up_month": at_month}
    )


async def test_a_follow_up_answered_not_working_ends_the_job_recorded_before_it(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    lost_it, found_another, corrected, never, typed_in_late = (Case(CHIANG_MAI) for _ in range(5))
    sept, dec = date(2025, 9, 1), date(2025, 12, 1)
    outcomes: list[IntegrationEvent] = [
        job(lost_it, EmploymentType.WAGE, sept, at_month=3),
        answered(lost_it, 6, dec, working=False),
        job(found_another, EmploymentType.WAGE, sept, at_month=3),
        answered(found_another, 6, dec, working=False),
        job(found_another, EmploymentType.WAGE, date(2026, 1, 15)),
        answered(corrected, 6, dec, working=False),  # then the job found at that follow-up is typed in
        job(corrected, EmploymentType.SELF_EMPLOYED, date(2025, 11, 20), at_month=6),
        answered(never, 3, sept, working=False),
        job(typed_in_late, EmploymentType.WAGE, date(2026, 2, 1)),
        answered(typed_in_late, 6, dec, working=False),  # an earlier answer, typed in after the job
        answered(typed_in_late, 3, sept, working=True),
    ]
    cases = (lost_it, found_another, corrected, never, typed_in_late)
    completed: list[IntegrationEvent] = [
        TrainingCompletedV1(**c.ids(), project_id=c.project.project_id, attendance_rate=0.9, completed_on=AT.date())
        for c in cases
    ]
    opened = ProjectOpenedV1(
        occurred_at=AT, project_id=CHIANG_MAI.project_id, name="p", province_code="TH-50", region="NORTH"
    )
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime = system.runtime("outcomes")
        await publish_all(operator_js, outcomes)
        await publish_all(operator_js, completed)
        await publish_all(operator_js, [opened, *(enrolled(c) for c in cases)])
        await eventually(lambda: caught_up(runtime), what="the programme consumers to catch up")
        totals = (await system.client("outcomes").get("/programme/totals")).json()
    assert totals["by_outcome"] == {
        "WAGE": 2,  # found_another, typed_in_late
        "SELF_EMPLOYED": 1,  # corrected
        "ENTERPRISE": 0,
        "COMMUNITY_ENTERPRISE": 0,
        "NONE": 2,  # lost_it, never
    }
