"""Programme indicators from case and enterprise states."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from pathways_outcomes.domain.case import BaselineIncomeNoted, Case, FollowUpMissed, evolve_case
from pathways_outcomes.domain.enterprise import (
    Enterprise,
    EnterpriseKind,
    EnterpriseStarted,
    OnlineSalesChannelOpened,
    evolve_enterprise,
)
from pathways_outcomes.domain.indicators import (
    UNKNOWN_GROUP,
    Rate,
    employment_rate,
    facts_counted_by,
    groups_in_order,
    indicators_by_group,
    programme_indicators,
    training_completion_rate,
)
from tests.unit.outcomes.given import (
    PARTICIPANT,
    PROJECT,
    baseline,
    dropped,
    employed,
    follow_up_completed,
    given,
    income,
    scheduled,
    withdrawn,
)

A, B, C, D, E, F = (uuid4() for _ in range(6))
ON = date(2025, 2, 20)  # every follow-up is due by then


def case(*events: object) -> Case:
    state = given(evolve_case, *events)
    assert state is not None
    return state


CASES = [
    # A: answered every follow-up, employed at each, income up
    case(
        baseline(6500, A),
        scheduled(A),
        *(follow_up_completed(m, A) for m in (3, 6, 12)),
        *(employed(m, A, days=30) for m in (3, 6, 12)),
        income(3, 7000, A),
        income(6, 8000, A),
    ),
    # B: answered at 3 months (not employed then), missed at 6, found an unrelated job in between
    case(
        baseline(6000, B),
        scheduled(B),
        follow_up_completed(3, B),
        income(3, 6000, B),
        FollowUpMissed(enrollment_id=B, participant_id=PARTICIPANT, month=6, missed_on=date(2024, 9, 1)),
        employed(None, B, days=90, related=False),
    ),
    case(scheduled(C)),  # C: never answered
    case(dropped(D)),  # D: dropped out of training
    case(withdrawn(E, on=date(2023, 12, 1))),  # E: withdrawn before completing
    case(baseline(5000, F)),  # F: still in training
]


def enterprise(kind: EnterpriseKind, *members: UUID, online: bool = False) -> Enterprise:
    enterprise_id = uuid4()
    started = EnterpriseStarted(
        enterprise_id=enterprise_id,
        kind=kind,
        name="x",
        project_id=PROJECT,
        participant_enrollment_ids=members,
        members_count=max(len(members), 7),
        products=(),
        started_on=date(2024, 5, 1),
    )
    channel = OnlineSalesChannelOpened(enterprise_id=enterprise_id, channel="Facebook", opened_on=date(2024, 6, 1))
    state = given(evolve_enterprise, started, *([channel] if online else []))
    assert state is not None
    return state


ENTERPRISES = [
    enterprise(EnterpriseKind.COMMUNITY_ENTERPRISE, A, online=True),
    enterprise(EnterpriseKind.ENTERPRISE, B),
    enterprise(EnterpriseKind.ENTERPRISE, uuid4(), online=True),  # not among the cases reported on
]


def test_programme_indicators() -> None:
    indicators = programme_indicators(CASES, on=ON, enterprises=ENTERPRISES)

    assert indicators.cases == 6
    assert indicators.training_completion == Rate(numerator=3, denominator=5)  # A, B, C of A..E; F in training
    assert indicators.follow_up_completion == {
        3: Rate(numerator=2, denominator=3),
        6: Rate(numerator=1, denominator=3),
        12: Rate(numerator=1, denominator=3),
    }
    assert indicators.employment == {
        3: Rate(numerator=1, denominator=2),
        6: Rate(numerator=1, denominator=1),
        12: Rate(numerator=1, denominator=1),
    }
    assert indicators.median_income_change_thb == {3: Decimal(250), 6: Decimal(1500), 12: None}
    # A rose (6,500 to 7,000), B stayed (6,000); F's baseline has no income beside it, so it is left out
    assert indicators.income_rose == {
        3: Rate(numerator=1, denominator=2),
        6: Rate(numerator=1, denominator=1),
        12: Rate(numerator=0, denominator=0),
    }
    assert indicators.median_baseline_income_thb == {3: Decimal(6250), 6: Decimal(6500), 12: None}
    assert indicators.median_income_thb == {3: Decimal(6500), 6: Decimal(8000), 12: None}
    assert indicators.median_days_to_first_job == 60.0
    assert indicators.employment_related_to_training == Rate(numerator=1, denominator=2)
    assert indicators.enterprises_started == {EnterpriseKind.ENTERPRISE: 1, EnterpriseKind.COMMUNITY_ENTERPRISE: 1}
    assert indicators.online_sales_adoption == Rate(numerator=1, denominator=2)


def test_follow_ups_not_yet_due_or_answered_later_are_counted_as_they_stood_on_the_day() -> None:
    indicators = programme_indicators(CASES, on=date(2024, 5, 1))

    assert indicators.follow_up_completion[3] == Rate(numerator=2, denominator=3)
    # A answered its 12-month follow-up on 15 January 2025: on 1 May 2024 it was not due, nor answered yet.
    assert indicators.follow_up_completion[12] == Rate(numerator=0, denominator=0)
    assert programme_indicators(CASES, on=ON).follow_up_completion[12] == Rate(numerator=1, denominator=3)


def test_facts_after_the_day_counted_by_are_left_out() -> None:
    """As of 1 May 2024: A's 6- and 12-month jobs and incomes and the online channel (1 June) came later."""
    later_income = replace(income(3, 9000, A), observed_on=date(2024, 6, 1))  # a correction made in June
    a = evolve_case(CASES[0], later_income)
    late = case(
        BaselineIncomeNoted(
            enrollment_id=uuid4(), participant_id=PARTICIPANT, project_id=PROJECT, monthly_income_thb=None,
            enrolled_on=date(2024, 5, 2),
        ),
    )  # fmt: skip
    cases = [a, *CASES[1:], late]

    then = programme_indicators(cases, on=ON, enterprises=ENTERPRISES, facts_by=date(2024, 5, 1))
    before_enterprises = programme_indicators(cases, on=ON, enterprises=ENTERPRISES, facts_by=date(2024, 4, 30))
    everything = programme_indicators(cases, on=ON, enterprises=ENTERPRISES)

    assert (then.cases, everything.cases) == (6, 7)
    assert then.training_completion == everything.training_completion == Rate(numerator=3, denominator=5)
    assert then.median_income_change_thb == {3: Decimal(250), 6: None, 12: None}  # A's 3-month income before June
    assert everything.median_income_change_thb == {3: Decimal(1250), 6: Decimal(1500), 12: None}
    assert then.median_days_to_first_job == 60.0  # B's job carries no day: it counts
    assert then.employment_related_to_training == Rate(numerator=1, denominator=2)
    assert then.online_sales_adoption == Rate(numerator=0, denominator=2)
    assert before_enterprises.enterprises_started == {
        EnterpriseKind.ENTERPRISE: 0,
        EnterpriseKind.COMMUNITY_ENTERPRISE: 0,
    }
    assert then.follow_up_completion == everything.follow_up_completion, "follow-ups follow `on`"


def no_baseline(enrollment_id: UUID) -> BaselineIncomeNoted:
    return BaselineIncomeNoted(
        enrollment_id=enrollment_id, participant_id=PARTICIPANT, project_id=PROJECT, monthly_income_thb=None
    )


def test_income_rose_and_the_medians_are_over_the_cases_with_both_a_baseline_and_the_income() -> None:
    rose, fell, stayed, only_baseline, month_zero = (uuid4() for _ in range(5))
    cases = [
        case(baseline(5000, rose), income(3, 6000, rose)),  # +1,000
        case(baseline(7000, fell), income(3, 6500, fell), replace(income(3, 7500, fell), observed_on=date(2024, 6, 1))),
        case(baseline(6000, stayed), income(3, 6000, stayed)),  # 0: not a rise
        case(baseline(9000, only_baseline)),  # no income at 3 months: in none of them
        case(no_baseline(month_zero), income(0, 4000, month_zero), income(3, 4500, month_zero)),  # month 0's: +500
    ]

    then = programme_indicators(cases, on=ON, facts_by=date(2024, 5, 1))  # fell's correction to 7,500 came later
    everything = programme_indicators(cases, on=ON)
    before_any = programme_indicators(cases, on=ON, facts_by=date(2024, 4, 14))  # 3-month incomes: 15 April

    assert then.income_rose[3] == Rate(numerator=2, denominator=4)  # rose and month_zero
    assert then.median_baseline_income_thb[3] == Decimal(5500)  # 4,000 5,000 | 6,000 7,000 (not only_baseline's)
    assert then.median_income_thb[3] == Decimal(6000)  # 4,500 6,000 | 6,000 6,500
    assert then.median_income_change_thb[3] == Decimal(250)  # -500 0 | 500 1,000: not 6,000 − 5,500
    assert everything.income_rose[3] == Rate(numerator=3, denominator=4)  # fell's corrected income rose
    assert everything.median_income_thb[3] == Decimal(6000)  # 4,500 6,000 | 6,000 7,500
    assert everything.median_income_change_thb[3] == Decimal(500)  # 0 500 | 500 1,000
    assert before_any.income_rose[3] == Rate(numerator=0, denominator=0)
    assert (before_any.median_baseline_income_thb[3], before_any.median_income_thb[3]) == (None, None)
    assert everything.income_rose[6] == Rate(numerator=0, denominator=0)


def test_facts_count_by_the_day_asked_about_unless_it_is_today_or_later() -> None:
    today = date(2026, 6, 30)
    assert facts_counted_by(date(2025, 12, 31), today) == date(2025, 12, 31)
    assert facts_counted_by(today, today) is None
    assert facts_counted_by(date(2027, 1, 1), today) is None


def test_the_panel_keeps_the_same_people_each_round() -> None:
    assert employment_rate(CASES, 3, panel=True) == Rate(numerator=1, denominator=1)  # only A answered all three


def test_rates_keep_numerator_and_denominator_and_have_no_value_when_empty() -> None:
    assert Rate(numerator=1, denominator=4).value == 0.25
    assert training_completion_rate([]).value is None
    empty = programme_indicators([], on=ON)
    assert empty.median_income_change_thb == {3: None, 6: None, 12: None}
    assert empty.income_rose == {m: Rate(numerator=0, denominator=0) for m in (3, 6, 12)}
    assert empty.median_baseline_income_thb == empty.median_income_thb == {3: None, 6: None, 12: None}
    assert empty.median_days_to_first_job is None
    assert empty.enterprises_started == {EnterpriseKind.ENTERPRISE: 0, EnterpriseKind.COMMUNITY_ENTERPRISE: 0}


def test_groups_partition_the_cases_with_the_unknown_ones_in_their_own_group() -> None:
    sex = {A: "F", B: "M", C: "F", D: "M", E: "Q"}  # F: not known; E: a group no one expected

    by_sex = indicators_by_group(
        CASES, lambda c: sex.get(c.enrollment_id), known=("F", "M", "X"), on=ON, enterprises=ENTERPRISES
    )

    assert list(by_sex.groups) == ["F", "M", "X", "Q", UNKNOWN_GROUP]
    assert {name: found.cases for name, found in by_sex.groups.items()} == {
        "F": 2,
        "M": 2,
        "X": 0,
        "Q": 1,
        UNKNOWN_GROUP: 1,
    }
    assert sum(found.cases for found in by_sex.groups.values()) == by_sex.overall.cases == len(CASES)
    assert by_sex.overall == programme_indicators(CASES, on=ON, enterprises=ENTERPRISES)
    women = [c for c in CASES if c.enrollment_id in (A, C)]
    assert by_sex.groups["F"] == programme_indicators(women, on=ON, enterprises=ENTERPRISES)
    assert by_sex.groups["X"] == programme_indicators([], on=ON, enterprises=ENTERPRISES)


def test_an_enterprise_counts_in_each_group_of_its_participants() -> None:
    shared = [enterprise(EnterpriseKind.COMMUNITY_ENTERPRISE, A, B)]
    sex = {A: "F", B: "M"}

    by_sex = indicators_by_group(CASES[:2], lambda c: sex[c.enrollment_id], known=("F", "M"), on=ON, enterprises=shared)

    started = {
        name: found.enterprises_started[EnterpriseKind.COMMUNITY_ENTERPRISE] for name, found in by_sex.groups.items()
    }
    assert started == {"F": 1, "M": 1, UNKNOWN_GROUP: 0}
    assert by_sex.overall.enterprises_started[EnterpriseKind.COMMUNITY_ENTERPRISE] == 1


def test_unknown_comes_last_and_known_groups_are_listed_even_when_empty() -> None:
    assert groups_in_order(("F", "M"), ["UNKNOWN", "Z", "F", "A"]) == ["F", "M", "A", "Z", UNKNOWN_GROUP]
    assert groups_in_order((), []) == [UNKNOWN_GROUP]
