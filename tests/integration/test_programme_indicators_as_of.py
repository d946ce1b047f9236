"""Programme indicators as of a day count only what had happened by then, by the day each fact carries.

Hand-written contract events are published onto OUTCOMES, TRAINING and ENROLLMENT in that order (each
stream's facts before those they follow from in the others), one of them twice; only the outcomes
service runs. The report is as of the end of 2025 (``YEAR_END``), asked for long after, when facts of
2026 are recorded too; ``LATER`` is a day after all of them.

- A (Chiang Mai, baseline 5,000): enrolled 2025-03-01, RESKILL, completed 2025-06-01; answered at 3
  months (2025-09-02) with an unrelated job after 30 days and 6,000 baht, corrected to 6,200 on
  2026-02-01; answered at 6 months (2026-03-02) with a related job and 7,000. Founded a community
  enterprise on 2025-10-01 that opened online sales on 2026-02-15. Transferred to Khon Kaen on 2026-02-01.
- B (Bangkok): enrolled 2025-03-01, RESKILL, moved to an UPSKILL cohort on 2026-01-05, dropped out on
  2026-01-20.
- C (Bangkok): enrolled in 2026, its event carrying no day: the day is that of its ``occurred_at`` in
  Thailand (2026-01-10, still the 9th in UTC). In an UPSKILL cohort, withdrawn on 2026-03-01.
- D (Chiang Mai, baseline 6,000): enrolled 2025-04-01, completed RESKILL on 2025-08-01; a job (its event
  carrying no day: 2026-01-15 in Thailand) after 45 days; started an enterprise on 2026-02-01. Its 3-month
  income, 6,000 on 2025-11-01 (as at baseline: not a rise), was corrected to 5,500 on 2026-01-15 (fell).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from nats.js import JetStreamContext

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import ParticipantEnrolledV1
from pathways_contracts.outcomes import (
    EmploymentRecordedV1,
    EmploymentType,
    EnterpriseKind,
    EnterpriseOnlineSalesOpenedV1,
    EnterpriseStartedV1,
    FollowUpCompletedV1,
    FollowUpsScheduledV1,
    IncomeObservedV1,
)
from pathways_contracts.training import (
    CohortAssignedV1,
    CohortTransferredV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
)
from pathways_infra.settings import Settings
from pathways_outcomes.projections import indicators
from tests.integration.test_programme_indicators import caught_up, indicators_in
from tests.support.indicators import per_month, rate
from tests.support.messages import publish_all
from tests.support.stream_cases import AT, Case, Project, transferred, withdrawn
from tests.support.system import eventually, running_system

YEAR_END, LATER = date(2025, 12, 31), date(2026, 6, 30)
C_ENROLLED_AT = datetime(2026, 1, 9, 20, 0, tzinfo=UTC)  # 2026-01-10 03:00 in Thailand
D_EMPLOYED_AT = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
DUE = [date(2025, 9, 1), date(2025, 12, 1), date(2026, 6, 1)]

CHIANG_MAI_UNIT, KHON_KAEN_UNIT = uuid4(), uuid4()
CHIANG_MAI, BANGKOK, KHON_KAEN = (
    Project("TH-50", "NORTH", CHIANG_MAI_UNIT),
    Project("TH-10", "CENTRAL"),  # told without a unit: its cases are in no unit's slice, and UNKNOWN by unit
    Project("TH-40", "NORTHEAST", KHON_KAEN_UNIT),
)
A, B, C, D = Case(CHIANG_MAI), Case(BANGKOK), Case(BANGKOK), Case(CHIANG_MAI)
RESKILL_COHORT, UPSKILL_COHORT = uuid4(), uuid4()
BASELINES = {A: Decimal(5000), D: Decimal(6000)}

AT_YEAR_END = {
    "cases": 3,  # C not enrolled yet
    "training_completion": rate(2, 2),  # B still in training
    "follow_up_completion": per_month(rate(1, 1), rate(0, 1), rate(0, 0)),
    "employment": per_month(rate(1, 1), rate(0, 0), rate(0, 0)),
    "median_income_change_thb": per_month("500.00", None, None),  # A's 3-month income before its correction; D's
    "income_rose": per_month(rate(1, 2), rate(0, 0), rate(0, 0)),  # A 5,000 to 6,000; D stayed at 6,000
    "median_baseline_income_thb": per_month("5500.00", None, None),  # 5,000 and 6,000
    "median_income_thb": per_month("6000.00", None, None),
    "median_days_to_first_job": 30.0,
    "employment_related_to_training": rate(0, 1),  # A's job then
    "enterprises_started": {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1},
    "online_sales_adoption": rate(0, 1),
}
AT_LATER = {
    "cases": 4,
    "training_completion": rate(2, 4),  # B dropped out, C withdrawn
    "follow_up_completion": per_month(rate(1, 1), rate(1, 1), rate(0, 1)),
    "employment": per_month(rate(1, 1), rate(1, 1), rate(0, 0)),
    "median_income_change_thb": per_month("350.00", "2000.00", None),  # 1,200 and -500; A alone at 6 months
    "income_rose": per_month(rate(1, 2), rate(1, 1), rate(0, 0)),  # A to 6,200; D fell to 5,500
    "median_baseline_income_thb": per_month("5500.00", "5000.00", None),
    "median_income_thb": per_month("5850.00", "7000.00", None),  # 5,500 and 6,200; A's 7,000
    "median_days_to_first_job": 37.5,  # 30 and 45
    "employment_related_to_training": rate(1, 2),
    "enterprises_started": {"ENTERPRISE": 1, "COMMUNITY_ENTERPRISE": 1},
    "online_sales_adoption": rate(1, 2),
}


def income(at_month: int, amount: int, on: date, case: Case = A) -> IncomeObservedV1:
    return IncomeObservedV1(**case.ids(), at_month=at_month, monthly_income_thb=Decimal(amount), observed_on=on)


def job(case: Case, *, related: bool, **more: Any) -> EmploymentRecordedV1:
    return EmploymentRecordedV1(
        **{**case.ids(), **more},
        employment_type=EmploymentType.WAGE,
        related_to_training=related,
        monthly_income_thb=Decimal(7000),
    )


def outcomes_stream() -> list[IntegrationEvent]:
    community = EnterpriseStartedV1(
        occurred_at=AT,
        enterprise_id=uuid4(),
        kind=EnterpriseKind.COMMUNITY_ENTERPRISE,
        name="Ban Don weavers",
        project_id=CHIANG_MAI.project_id,
        enrollment_ids=[A.enrollment_id],
        members_count=9,
        products=["indigo scarf"],
        started_on=date(2025, 10, 1),
    )
    shop = community.model_copy(
        update={
            "enterprise_id": uuid4(),
            "kind": EnterpriseKind.ENTERPRISE,
            "enrollment_ids": [D.enrollment_id],
            "started_on": date(2026, 2, 1),
        }
    )
    first_job = job(A, related=False, days_to_first_job=30, follow_up_month=3, observed_on=date(2025, 9, 2))
    return [
        FollowUpsScheduledV1(**A.ids(), project_id=CHIANG_MAI.project_id, due_dates=DUE, completed_on=date(2025, 6, 1)),
        FollowUpCompletedV1(**A.ids(), month=3, completed_on=date(2025, 9, 2)),
        first_job,
        first_job,  # a second copy of the same event
        income(3, 6000, date(2025, 9, 2)),
        community,
        job(D, related=False, days_to_first_job=45, occurred_at=D_EMPLOYED_AT),
        income(3, 6000, date(2025, 11, 1), D),
        income(3, 5500, date(2026, 1, 15), D),
        income(3, 6200, date(2026, 2, 1)),  # corrected in 2026: the 2025 report keeps the first figure
        shop,
        EnterpriseOnlineSalesOpenedV1(
            occurred_at=AT, enterprise_id=community.enterprise_id, channel="Shopee", opened_on=date(2026, 2, 15)
        ),
        FollowUpCompletedV1(**A.ids(), month=6, completed_on=date(2026, 3, 2)),
        job(A, related=True, follow_up_month=6, observed_on=date(2026, 3, 2)),
        income(6, 7000, date(2026, 3, 2)),
    ]


def training_stream() -> list[IntegrationEvent]:
    return [
        CohortAssignedV1(**A.ids(), cohort_id=RESKILL_COHORT, assigned_on=date(2025, 3, 10), track="RESKILL"),
        CohortAssignedV1(**B.ids(), cohort_id=RESKILL_COHORT, assigned_on=date(2025, 3, 10), track="RESKILL"),
        TrainingCompletedV1(
            **A.ids(), project_id=CHIANG_MAI.project_id, attendance_rate=0.9, completed_on=date(2025, 6, 1)
        ),
        TrainingCompletedV1(
            **D.ids(),
            project_id=CHIANG_MAI.project_id,
            attendance_rate=0.9,
            completed_on=date(2025, 8, 1),
            track="RESKILL",
        ),
        CohortTransferredV1(
            **B.ids(),
            from_cohort_id=RESKILL_COHORT,
            to_cohort_id=UPSKILL_COHORT,
            transferred_on=date(2026, 1, 5),
            sessions_expected_in_previous_cohort=[],
            track="UPSKILL",
        ),
        CohortAssignedV1(**C.ids(), cohort_id=UPSKILL_COHORT, assigned_on=date(2026, 1, 20), track="UPSKILL"),
        TrainingDroppedOutV1(
            **B.ids(), project_id=BANGKOK.project_id, reason="HEALTH", dropped_out_on=date(2026, 1, 20)
        ),
    ]


def enrolled(case: Case, on: date | None, **more: Any) -> ParticipantEnrolledV1:
    return ParticipantEnrolledV1(
        **{**case.ids(), **more},
        project_id=case.project.project_id,
        unit_id=case.project.unit_id,
        province_code=case.project.province_code,
        region=case.project.region,
        enrolled_on=on,
        baseline_monthly_income_thb=BASELINES.get(case),
    )


def enrollment_stream() -> list[IntegrationEvent]:
    return [
        enrolled(A, date(2025, 3, 1)),
        enrolled(B, date(2025, 3, 1)),
        enrolled(D, date(2025, 4, 1)),
        enrolled(C, None, occurred_at=C_ENROLLED_AT),
        transferred(A, KHON_KAEN, date(2026, 2, 1)),
        withdrawn(C, was_enrolled=True, on=date(2026, 3, 1)),
    ]


async def test_indicators_as_of_a_day_leave_out_what_happened_after_it(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["outcomes"], relay=False) as system:
        runtime, outcomes = system.runtime("outcomes"), system.client("outcomes")
        for events in (outcomes_stream(), training_stream(), enrollment_stream()):
            await publish_all(operator_js, events)
        await eventually(lambda: caught_up(runtime), what="the indicators consumers to catch up")

        async def asked(**params: Any) -> dict[str, Any]:
            answer = await outcomes.get("/programme/indicators", params=params)
            assert answer.status_code == 200, answer.text
            found: dict[str, Any] = answer.json()
            return found

        year_end, later, today = (
            await asked(as_of=YEAR_END.isoformat()),
            await asked(as_of=LATER.isoformat()),
            await asked(),
        )
        before_c = await asked(as_of="2026-01-09")
        northeast = {day: await asked(as_of=day.isoformat(), region="NORTHEAST") for day in (YEAR_END, LATER)}
        north = {day: await asked(as_of=day.isoformat(), region="NORTH") for day in (YEAR_END, LATER)}
        by_track = {day: await asked(as_of=day.isoformat(), by="track") for day in (YEAR_END, LATER)}
        by_region = {day: await asked(as_of=day.isoformat(), by="region") for day in (YEAR_END, LATER)}
        # Read from the read model: this test publishes no project.opened, so the API knows no unit.
        pool = runtime.pool
        by_unit = {
            day: await indicators.indicators_by_group(pool, indicators.Slice(), indicators.Breakdown.UNIT, on=day)
            for day in (YEAR_END, LATER)
        }
        by_project = {
            day: await indicators.indicators_by_group(pool, indicators.Slice(), indicators.Breakdown.PROJECT, on=day)
            for day in (YEAR_END, LATER)
        }
        in_both_units = {
            day: await indicators.programme_indicators(
                pool, indicators.Slice(unit_ids=(CHIANG_MAI_UNIT, KHON_KAEN_UNIT)), on=day
            )
            for day in (YEAR_END, LATER)
        }
        in_khon_kaen_unit = {
            day: await indicators.programme_indicators(pool, indicators.Slice(unit_ids=(KHON_KAEN_UNIT,)), on=day)
            for day in (YEAR_END, LATER)
        }
    assert indicators_in(year_end) == AT_YEAR_END
    assert indicators_in(later) == AT_LATER
    assert indicators_in(today) == AT_LATER, "as of today, every fact recorded counts"
    assert before_c["cases"] == 3, "C was enrolled on 10 January in Thailand"
    assert [northeast[YEAR_END]["cases"], northeast[LATER]["cases"]] == [0, 1], "A moved in February"
    assert [north[YEAR_END]["cases"], north[LATER]["cases"]] == [2, 1]
    assert north[YEAR_END]["enterprises_started"] == {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1}
    assert northeast[LATER]["enterprises_started"] == {"ENTERPRISE": 0, "COMMUNITY_ENTERPRISE": 1}
    assert cases_by_group(by_track[YEAR_END]) == {"RESKILL": 3, "UPSKILL": 0, "UNKNOWN": 0}
    assert cases_by_group(by_track[LATER]) == {"RESKILL": 2, "UPSKILL": 2, "UNKNOWN": 0}
    assert cases_by_group(by_region[YEAR_END]) == {
        "NORTH": 2, "NORTHEAST": 0, "CENTRAL": 1, "SOUTH": 0, "UNKNOWN": 0,
    }  # fmt: skip
    assert cases_by_group(by_region[LATER]) == {"NORTH": 1, "NORTHEAST": 1, "CENTRAL": 2, "SOUTH": 0, "UNKNOWN": 0}
    for day, whole in ((YEAR_END, AT_YEAR_END), (LATER, AT_LATER)):
        assert indicators_in(by_track[day]) == whole
        assert sum(found["cases"] for found in by_region[day]["groups"].values()) == whole["cases"]
    cm, kk = str(CHIANG_MAI_UNIT), str(KHON_KAEN_UNIT)
    assert {name: found.cases for name, found in by_unit[YEAR_END].groups.items()} == {cm: 2, "UNKNOWN": 1}
    assert {name: found.cases for name, found in by_unit[LATER].groups.items()} == {cm: 1, kk: 1, "UNKNOWN": 2}
    assert {name: found.cases for name, found in by_project[LATER].groups.items()} == {
        str(CHIANG_MAI.project_id): 1, str(KHON_KAEN.project_id): 1, str(BANGKOK.project_id): 2, "UNKNOWN": 0,
    }  # fmt: skip
    assert [in_both_units[YEAR_END].cases, in_both_units[LATER].cases] == [2, 2], "A moved between the two units"
    assert [in_khon_kaen_unit[YEAR_END].cases, in_khon_kaen_unit[LATER].cases] == [0, 1], "A moved in February"
    for day in (YEAR_END, LATER):
        assert by_unit[day].groups["UNKNOWN"].cases == cases_by_group(by_region[day])["CENTRAL"]  # Bangkok's
        assert sum(found.cases for found in by_project[day].groups.values()) == by_project[day].overall.cases


def cases_by_group(answer: dict[str, Any]) -> dict[str, int]:
    return {group: found["cases"] for group, found in answer["groups"].items()}
