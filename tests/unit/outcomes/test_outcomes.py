"""Outcomes on a case: employment and income observations, compared with the baseline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pathways_outcomes.domain.case import (
    BASELINE_MONTH,
    BaselineIncomeNoted,
    Case,
    EmploymentRecorded,
    EmploymentType,
    FollowUpCompleted,
    TrainingCompletionNoted,
    evolve_case,
    observe_income,
    record_employment,
)
from tests.unit.outcomes.given import (
    COMPLETED_ON,
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    baseline,
    closed,
    dropped,
    employed,
    follow_up_completed,
    given,
    income,
    scheduled,
    then_rejected,
    withdrawn,
)

JOB: dict[str, Any] = {
    "employment_type": EmploymentType.SELF_EMPLOYED,
    "related_to_training": True,
    "monthly_income_thb": Decimal("9500.00"),
    "days_to_first_job": 45,
}


# --- employment ---


def test_employment_is_recorded_on_a_case_whose_training_completed() -> None:
    state = given(evolve_case, scheduled())

    events = record_employment(state, enrollment_id=ENROLLMENT, **JOB)

    assert events == [EmploymentRecorded(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, **JOB)]
    case = given(evolve_case, scheduled(), *events)
    assert case is not None
    assert case.employment == events[0]


def test_employment_found_at_a_completed_follow_up_is_counted_there() -> None:
    history = (scheduled(), follow_up_completed(3))
    state = given(evolve_case, *history)

    events = record_employment(state, enrollment_id=ENROLLMENT, follow_up_month=3, observed_on=DUE[3], **JOB)

    assert events == [
        EmploymentRecorded(
            enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, follow_up_month=3, observed_on=DUE[3], **JOB
        )
    ]
    case = given(evolve_case, *history, *events)
    assert case is not None
    assert case.employed_at(3) == events[0]
    assert case.employed_at(6) is None


def test_employment_at_a_follow_up_needs_that_follow_up_completed() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: record_employment(state, enrollment_id=ENROLLMENT, follow_up_month=3, **JOB),
        rule="follow-up-must-be-completed",
    )
    then_rejected(
        lambda: record_employment(state, enrollment_id=ENROLLMENT, follow_up_month=9, **JOB),
        rule="unknown-follow-up",
    )


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"monthly_income_thb": Decimal("-1")}, "income-must-not-be-negative"),
        ({"days_to_first_job": -1}, "days-to-first-job-not-negative"),
    ],
)
def test_employment_figures_are_checked(overrides: dict[str, Any], rule: str) -> None:
    state = given(evolve_case, scheduled())

    then_rejected(lambda: record_employment(state, enrollment_id=ENROLLMENT, **(JOB | overrides)), rule=rule)


# --- income ---


def test_income_at_a_completed_follow_up_is_observed_and_compared_with_the_enrollment_baseline() -> None:
    history = (baseline(6500), scheduled(), follow_up_completed(6))
    state = given(evolve_case, *history)

    events = observe_income(
        state, enrollment_id=ENROLLMENT, at_month=6, monthly_income_thb=Decimal(8000), observed_on=DUE[6]
    )

    assert events == [income(6, 8000, baseline=6500)]
    case = given(evolve_case, *history, *events)
    assert case is not None
    assert case.income_change(6) == Decimal(1500)
    assert case.income_change(3) is None


def test_a_new_observation_at_the_same_follow_up_replaces_the_earlier_one() -> None:
    case = given(evolve_case, baseline(6500), scheduled(), follow_up_completed(3), income(3, 7000), income(3, 7200))
    assert case is not None

    assert case.income_at(3) == Decimal(7200)
    assert len(case.incomes) == 1


def test_income_at_a_follow_up_needs_that_follow_up_completed() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: observe_income(
            state, enrollment_id=ENROLLMENT, at_month=3, monthly_income_thb=Decimal(1), observed_on=DUE[3]
        ),
        rule="follow-up-must-be-completed",
    )


def test_a_baseline_is_observed_here_only_when_enrollment_reported_none() -> None:
    without = given(evolve_case, scheduled())
    events = observe_income(
        without,
        enrollment_id=ENROLLMENT,
        at_month=BASELINE_MONTH,
        monthly_income_thb=Decimal(5000),
        observed_on=date(2023, 10, 1),
    )
    assert events == [income(BASELINE_MONTH, 5000)]

    known = given(evolve_case, baseline(6500), scheduled())
    then_rejected(
        lambda: observe_income(
            known,
            enrollment_id=ENROLLMENT,
            at_month=BASELINE_MONTH,
            monthly_income_thb=Decimal(5000),
            observed_on=date(2023, 10, 1),
        ),
        rule="baseline-from-enrollment",
    )


def test_the_enrollment_baseline_wins_over_one_observed_here() -> None:
    history = (scheduled(), income(BASELINE_MONTH, 5000), follow_up_completed(3), income(3, 8000))
    own = given(evolve_case, *history)
    learned = given(evolve_case, *history, baseline(6500))
    assert own is not None
    assert learned is not None

    assert (own.baseline_income, own.income_change(3)) == (Decimal(5000), Decimal(3000))
    assert (learned.baseline_income, learned.income_change(3)) == (Decimal(6500), Decimal(1500))


def test_income_is_not_negative() -> None:
    state = given(evolve_case, scheduled(), follow_up_completed(3))

    then_rejected(
        lambda: observe_income(
            state, enrollment_id=ENROLLMENT, at_month=3, monthly_income_thb=Decimal(-5), observed_on=DUE[3]
        ),
        rule="income-must-not-be-negative",
    )


# --- what a follow-up found is observed once it is due ---

DAY_BEFORE_DUE = DUE[3] - timedelta(days=1)
AT_THE_3_MONTH_FOLLOW_UP: list[Callable[[Case | None, date], object]] = [
    lambda s, day: record_employment(s, enrollment_id=ENROLLMENT, follow_up_month=3, observed_on=day, **JOB),
    lambda s, day: observe_income(
        s, enrollment_id=ENROLLMENT, at_month=3, monthly_income_thb=Decimal(8000), observed_on=day
    ),
    lambda s, day: observe_income(
        s, enrollment_id=ENROLLMENT, at_month=None, monthly_income_thb=Decimal(8000), observed_on=day
    ),
]


@pytest.mark.parametrize("when", AT_THE_3_MONTH_FOLLOW_UP, ids=["employment", "income", "income-at-the-latest"])
def test_what_a_follow_up_found_is_not_observed_before_it_was_due(when: Callable[[Case | None, date], object]) -> None:
    state = given(evolve_case, scheduled(), follow_up_completed(3))

    error = then_rejected(lambda: when(state, DAY_BEFORE_DUE), rule="observed-before-follow-up-due")
    assert str(DUE[3]) in str(error) and str(DAY_BEFORE_DUE) in str(error)
    assert when(state, DUE[3]), "the day it was due is fine"


@pytest.mark.parametrize("when", AT_THE_3_MONTH_FOLLOW_UP, ids=["employment", "income", "income-at-the-latest"])
def test_what_a_follow_up_found_may_be_observed_before_the_follow_up_was_answered(
    when: Callable[[Case | None, date], object],
) -> None:
    answered_late = FollowUpCompleted(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, completed_on=DUE[3] + timedelta(days=20)
    )
    state = given(evolve_case, scheduled(), answered_late)

    assert when(state, DUE[3] + timedelta(days=5)), "an employer's payslip may come before the interview"


def test_an_employment_outside_a_follow_up_may_have_been_observed_during_training() -> None:
    state = given(evolve_case, scheduled())
    in_training = COMPLETED_ON - timedelta(days=10)

    assert record_employment(state, enrollment_id=ENROLLMENT, observed_on=in_training, **JOB)


ENROLLED_ON = COMPLETED_ON - timedelta(days=120)
ENROLLED = BaselineIncomeNoted(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, monthly_income_thb=None,
    enrolled_on=ENROLLED_ON,
)  # fmt: skip


def test_an_employment_is_not_observed_before_the_enrollment_day() -> None:
    state = given(evolve_case, ENROLLED, scheduled())

    then_rejected(
        lambda: record_employment(state, enrollment_id=ENROLLMENT, observed_on=ENROLLED_ON - timedelta(days=1), **JOB),
        rule="employment-before-enrollment",
    )
    assert record_employment(state, enrollment_id=ENROLLMENT, observed_on=ENROLLED_ON, **JOB), "the same day is fine"


def test_the_enrollment_day_outlives_a_later_baseline_without_one() -> None:
    """A baseline noted by an older enrollment event (no day) keeps the day already learned."""
    state = given(evolve_case, ENROLLED, scheduled(), baseline(6500))

    assert state is not None and state.enrolled_on == ENROLLED_ON


def test_an_employment_of_a_case_whose_enrollment_day_is_not_known_yet_is_taken() -> None:
    state = given(evolve_case, scheduled())

    assert record_employment(state, enrollment_id=ENROLLMENT, observed_on=date(2001, 1, 1), **JOB)


# --- invariants, for every kind of outcome ---

COMPLETION_AFTER_WITHDRAWAL = TrainingCompletionNoted(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, completed_on=date(2024, 1, 15)
)

NOT_COMPLETED_YET: list[Case | None] = [None, given(evolve_case, baseline(6500))]
OUTCOMES: list[Callable[[Case | None], object]] = [
    lambda s: record_employment(s, enrollment_id=ENROLLMENT, **JOB),
    lambda s: observe_income(
        s, enrollment_id=ENROLLMENT, at_month=BASELINE_MONTH, monthly_income_thb=Decimal(1), observed_on=DUE[6]
    ),
]


@pytest.mark.parametrize("when", OUTCOMES)
@pytest.mark.parametrize("state", NOT_COMPLETED_YET, ids=["unknown", "baseline-only"])
def test_no_outcome_before_the_training_completion_is_learned_retryable(
    when: Callable[[Case | None], object], state: Case | None
) -> None:
    then_rejected(lambda: when(state), rule="training-must-be-completed", retryable=True)


@pytest.mark.parametrize("when", OUTCOMES)
def test_no_outcome_for_a_dropped_case(when: Callable[[Case | None], object]) -> None:
    state = given(evolve_case, dropped())

    then_rejected(lambda: when(state), rule="training-must-be-completed", retryable=False)


@pytest.mark.parametrize("when", OUTCOMES)
@pytest.mark.parametrize(
    ("history", "rule"),
    [
        ((scheduled(), withdrawn()), "case-withdrawn"),
        ((withdrawn(), COMPLETION_AFTER_WITHDRAWAL), "case-withdrawn"),
        ((scheduled(), closed()), "case-closed"),
    ],
)
def test_no_outcome_for_a_withdrawn_or_closed_case(
    when: Callable[[Case | None], object], history: tuple[object, ...], rule: str
) -> None:
    state = given(evolve_case, *history)

    then_rejected(lambda: when(state), rule=rule)


def test_employment_recorded_by_the_first_release_still_reads() -> None:
    case = given(evolve_case, scheduled(), employed(None))
    assert case is not None
    assert case.employment is not None
    assert case.employment.follow_up_month is None
