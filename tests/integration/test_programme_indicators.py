"""Programme indicators from the three streams, whatever order the streams are read in.

Hand-written contract events are published straight onto OUTCOMES, TRAINING and ENROLLMENT, in that
order (each stream's facts before the facts they follow from in the others), some of them twice;
only the outcomes service runs.

- A (Chiang Mai, baseline 5,000): completed; answered at 3 months, a wage job related to the
  training after 30 days, income 7,000 then corrected to 7,600; in a community enterprise that sells
  online; the case closed before its 6- and 12-month follow-ups.
- B (Chiang Mai, then Khon Kaen; no baseline from enrollment, 4,000 observed at month 0): completed;
  answered at 3 months, not working, income 4,500. Transferred to Khon Kaen on 1 March and to
  Bangkok on 1 February, the later transfer published first.
- C (Bangkok): dropped out of training. D (Bangkok): withdrawn while enrolled.
- E (Khon Kaen): an applicant withdrawn before enrollment, not a case.

For the breakdowns: A is a woman aged 35-44, assigned to a RESKILL cohort then moved to an UPSKILL
one (completed without a track: it stays UPSKILL); B a man aged 25-34 (his enrollment told again
without them, as an older event would be), assigned by an event without a track, completed RESKILL;
C a woman whose age band is not known, in an UPSKILL cohort; D's enrollment carries neither (as
before they were published) and D was never in a cohort.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.outcomes import (
    CaseClosedV1,
    EmploymentRecordedV1,
    EmploymentType,
    EnterpriseKind,
    EnterpriseOnlineSalesOpenedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    FollowUpsScheduledV1,
    IncomeObservedV1,
)
from pathways_contracts.registry import STREAMS
from pathways_contracts.training import (
    CohortAssignedV1,
    CohortTransferredV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingWithdrawnV1,
)
from pathways_infra.service import ServiceRuntime
from pathways_infra.settings import Settings
from tests.support.indicators import per_month, rate
from tests.support.messages import publish_all
from tests.support.stream_cases import AT, Case, Project, transferred, withdrawn
from tests.support.system import eventually, running_system

WITHDRAWN_ON = date(2025, 4, 1)
COMPLETED_ON = date(2025, 6, 1)
DUE = [date(2025, 9, 1), date(2025, 12, 1), date(2026, 6, 1)]
AS_OF = date(2025, 11, 30)  # the 3-month follow-ups are due, the 6-month ones not yet


CHIANG_MAI, BANGKOK, KHON_KAEN = Project("TH-50", "NORTH"), Project("TH-10", "CENTRAL"), Project("TH-40", "NORTHEAST")


A, B, C, D, E = Case(CHIANG_MAI), Case(CHIANG_MAI), Case(BANGKOK), Case(BANGKOK), Case(KHON_KAEN)
BASELINES = {A: Decimal(5000)}


WHOLE = {
    "cases": 4,
    "training_completion": rate(2, 4),
    "follow_up_completion": per_month(rate(2, 2), rate(0, 1), rate(0, 1)),  # A's left open at closure: missed
    "employment": per_month(rate(1, 2), rate(0, 0), rate(0, 0)),
    "median_income_change_thb": per_month("1550.00", None, None),  # 2,600 and 500
    "income_rose": per_month(rate(2, 2), rate(0, 0), rate(0, 0)),  # A 5,000 to 7,600, B 4,000 to 4,500
    "median_baseline_income_thb": per_month("4500.00", None, None),  # 4,000 and 5,000
    "median_income_thb": per_month("6050.00", None, None),  # 4,500 and 7,600
    "median_days_to_first_job": 30.0,
    "employment_related_to_training": rate(1, 1),
    "enterprises_started": {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1},
    "online_sales_adoption": rate(1, 1),
}
NORTHEAST = {
    "cases": 1,
    "training_completion": rate(1, 1),
    "follow_up_completion": per_month(rate(1, 1), rate(0, 0), rate(0, 0)),
    "employment": per_month(rate(0, 1), rate(0, 0), rate(0, 0)),
    "median_income_change_thb": per_month("500.00", None, None),
    "income_rose": per_month(rate(1, 1), rate(0, 0), rate(0, 0)),
    "median_baseline_income_thb": per_month("4000.00", None, None),  # observed at month 0
    "median_income_thb": per_month("4500.00", None, None),
    "median_days_to_first_job": None,
    "employment_related_to_training": rate(0, 0),
    "enterprises_started": {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 0},
    "online_sales_adoption": rate(0, 0),
}


def income(case: Case, at_month: int, amount: int) -> IncomeObservedV1:
    return IncomeObservedV1(
        **case.ids(), at_month=at_month, monthly_income_thb=Decimal(amount), observed_on=date(2025, 9, 2)
    )


def outcomes_stream() -> list[IntegrationEvent]:
    employed = EmploymentRecordedV1(
        **A.ids(),
        employment_type=EmploymentType.WAGE,
        related_to_training=True,
        monthly_income_thb=Decimal(7600),
        days_to_first_job=30,
        follow_up_month=3,
    )
    community = EnterpriseStartedV1(
        occurred_at=AT,
        enterprise_id=uuid4(),
        kind=EnterpriseKind.COMMUNITY_ENTERPRISE,
        name="Ban Don weavers",
        project_id=CHIANG_MAI.project_id,
        enrollment_ids=[A.enrollment_id],
        members_count=9,
        products=["indigo scarf"],
        started_on=date(2025, 9, 10),
    )
    online = EnterpriseOnlineSalesOpenedV1(
        occurred_at=AT, enterprise_id=community.enterprise_id, channel="Shopee", opened_on=date(2025, 10, 1)
    )
    return [
        *(
            FollowUpsScheduledV1(
                **case.ids(), project_id=CHIANG_MAI.project_id, due_dates=DUE, completed_on=COMPLETED_ON
            )
            for case in (A, B)
        ),
        *(FollowUpCompletedV1(**case.ids(), month=3, completed_on=date(2025, 9, 2)) for case in (A, B)),
        employed,
        employed,  # a second copy of the same event
        income(A, 3, 7000),
        income(A, 3, 7600),  # corrected: the later observation counts
        income(B, 0, 4000),
        income(B, 3, 4500),
        community,
        online,
        CaseClosedV1(**A.ids(), closed_on=date(2025, 10, 15), reason="LOST_CONTACT"),
    ]


def training_stream() -> list[IntegrationEvent]:
    completed = [
        TrainingCompletedV1(
            **c.ids(), project_id=c.project.project_id, attendance_rate=0.9, completed_on=COMPLETED_ON, track=track
        )
        for c, track in ((A, None), (B, "RESKILL"))
    ]
    first_cohort, second_cohort = uuid4(), uuid4()
    joined = date(2025, 3, 1)
    return [
        CohortAssignedV1(**A.ids(), cohort_id=first_cohort, assigned_on=joined, track="RESKILL"),
        CohortAssignedV1(**B.ids(), cohort_id=first_cohort, assigned_on=joined),
        CohortAssignedV1(**C.ids(), cohort_id=second_cohort, assigned_on=joined, track="UPSKILL"),
        CohortTransferredV1(
            **A.ids(),
            from_cohort_id=first_cohort,
            to_cohort_id=second_cohort,
            transferred_on=date(2025, 3, 8),
            sessions_expected_in_previous_cohort=[],
            track="UPSKILL",
        ),
        *completed,
        completed[0],  # a second copy of the same event
        TrainingDroppedOutV1(
            **C.ids(), project_id=BANGKOK.project_id, reason="HEALTH", dropped_out_on=date(2025, 4, 1)
        ),
        TrainingWithdrawnV1(**D.ids(), withdrawn_on=date(2025, 4, 1)),
    ]


def enrolled(
    case: Case, *, sex: str | None = None, age_band: str | None = None, covid_affected: bool | None = None
) -> ParticipantEnrolledV1:
    return ParticipantEnrolledV1(
        **case.ids(),
        project_id=case.project.project_id,
        province_code=case.project.province_code,
        region=case.project.region,
        baseline_monthly_income_thb=BASELINES.get(case),
        sex=sex,
        age_band=age_band,
        covid_affected=covid_affected,
    )


def enrollment_stream() -> list[IntegrationEvent]:
    return [
        enrolled(A, sex="F", age_band="35-44", covid_affected=True),
        enrolled(B, sex="M", age_band="25-34", covid_affected=False),
        enrolled(C, sex="F"),
        enrolled(D),
        transferred(B, KHON_KAEN, date(2025, 3, 1)),
        transferred(B, BANGKOK, date(2025, 2, 1)),  # published later, happened earlier
        enrolled(B),  # told again (a new event, as an older one without sex or age band): B stays moved, keeps them
        withdrawn(D, was_enrolled=True, on=WITHDRAWN_ON),
        withdrawn(E, was_enrolled=False, on=WITHDRAWN_ON),
    ]


async def caught_up(runtime: ServiceRuntime) -> bool | None:
    """Every read-models consumer acknowledged everything of its stream it takes (filtered: no ack floor check)."""
    for source in ("enrollment", "training", "outcomes"):
        info = await runtime.js.consumer_info(STREAMS[source].name, f"outcomes-read-models-from-{source}")
        if info.num_pending or info.num_ack_pending:
            return None
    return True


def indicators_in(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in answer.items()
        if key not in ("as_of", "region", "province_code", "project_id", "unit_id", "panel", "by", "groups")
    }


async def test_indicators_count_each_fact_once_whatever_order_the_streams_are_read_in(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime, outcomes = system.runtime("outcomes"), system.client("outcomes")
        for events in (outcomes_stream(), training_stream(), enrollment_stream()):
            await publish_all(operator_js, events)
        await eventually(lambda: caught_up(runtime), what="the indicators consumers to catch up")
        whole = await outcomes.get("/programme/indicators", params={"as_of": AS_OF.isoformat()})
        northeast = await outcomes.get(
            "/programme/indicators", params={"as_of": AS_OF.isoformat(), "region": "NORTHEAST"}
        )
        north = await outcomes.get(
            "/programme/indicators", params={"as_of": AS_OF.isoformat(), "province_code": "TH-50"}
        )
        by = {
            breakdown: (
                await outcomes.get("/programme/indicators", params={"as_of": AS_OF.isoformat(), "by": breakdown})
            ).json()
            for breakdown in ("sex", "age_band", "track", "region", "covid_affected")
        }
    assert whole.status_code == 200, whole.text
    assert indicators_in(whole.json()) == WHOLE
    assert indicators_in(northeast.json()) == NORTHEAST
    assert north.json()["cases"] == 1, "B moved away from Chiang Mai"
    for breakdown, answer in by.items():
        assert (answer["by"], indicators_in(answer)) == (breakdown, WHOLE)
    assert cases_by_group(by["sex"]) == {"F": 2, "M": 1, "X": 0, "UNKNOWN": 1}
    assert cases_by_group(by["age_band"]) == {
        "0-14": 0, "15-24": 0, "25-34": 1, "35-44": 1, "45-59": 0, "60+": 0, "UNKNOWN": 2,
    }  # fmt: skip
    assert cases_by_group(by["track"]) == {"RESKILL": 1, "UPSKILL": 2, "UNKNOWN": 1}
    assert cases_by_group(by["region"]) == {"NORTH": 1, "NORTHEAST": 1, "CENTRAL": 2, "SOUTH": 0, "UNKNOWN": 0}
    assert cases_by_group(by["covid_affected"]) == {"YES": 1, "NO": 1, "UNKNOWN": 2}, "B told again keeps its flag"
    for only_b in (
        by["sex"]["groups"]["M"],
        by["age_band"]["groups"]["25-34"],
        by["track"]["groups"]["RESKILL"],
        by["region"]["groups"]["NORTHEAST"],
        by["covid_affected"]["groups"]["NO"],
    ):
        assert indicators_in(only_b) == NORTHEAST
    upskill = by["track"]["groups"]["UPSKILL"]  # A completed, C dropped out
    assert (upskill["training_completion"], upskill["enterprises_started"]) == (
        rate(1, 2),
        {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1},
    )


def cases_by_group(answer: dict[str, Any]) -> dict[str, int]:
    return {group: found["cases"] for group, found in answer["groups"].items()}
