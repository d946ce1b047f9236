"""The enrollment baseline whichever comes first, incomes against it, and why a follow-up was missed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pathways_outcomes.domain.case import (
    BaselineIncomeNoted,
    FollowUpMissed,
    evolve_case,
    mark_follow_up_missed,
    note_baseline_income,
    observe_income,
    schedule_follow_ups,
)
from pathways_outcomes.domain.follow_ups import FollowUpStatus, MissedReason
from tests.unit.outcomes.given import (
    COMPLETED_ON,
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    baseline,
    follow_up_completed,
    given,
    income,
    scheduled,
    then_rejected,
)

IDS: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT, "project_id": PROJECT}
PROFILE: dict[str, Any] = {"employment_status": "SELF_EMPLOYED", "informal_worker": True, "covid_affected": True}


def full_baseline(amount: int | None = 6500) -> BaselineIncomeNoted:
    return BaselineIncomeNoted(monthly_income_thb=None if amount is None else Decimal(amount), **PROFILE, **IDS)


# --- the baseline: before or after the case opens ---


def test_a_baseline_before_completion_opens_the_case_and_completion_schedules_on_it() -> None:
    events = note_baseline_income(None, monthly_income_thb=Decimal(6500), **PROFILE, **IDS)
    assert events == [full_baseline()]

    scheduling = schedule_follow_ups(given(evolve_case, *events), completed_on=COMPLETED_ON, **IDS)

    case = given(evolve_case, *events, *scheduling)
    assert case is not None
    assert scheduling == [scheduled()]
    assert (case.baseline_income, case.baseline_employment_status, case.informal_worker, case.covid_affected) == (
        Decimal(6500),
        "SELF_EMPLOYED",
        True,
        True,
    )


def test_a_baseline_after_completion_is_kept_on_the_scheduled_case() -> None:
    state = given(evolve_case, scheduled())

    events = note_baseline_income(state, monthly_income_thb=Decimal(6500), **PROFILE, **IDS)

    case = given(evolve_case, scheduled(), *events)
    assert case is not None
    assert events == [full_baseline()]
    assert (case.baseline_income, len(case.follow_ups)) == (Decimal(6500), 3)


def test_no_baseline_reported_notes_nothing_and_the_same_one_again_changes_nothing() -> None:
    assert note_baseline_income(None, monthly_income_thb=None, **IDS) == []

    state = given(evolve_case, scheduled(), full_baseline())
    assert note_baseline_income(state, monthly_income_thb=Decimal(6500), **PROFILE, **IDS) == []


def test_a_baseline_without_an_income_is_kept_and_leaves_the_baseline_income_to_observe() -> None:
    events = note_baseline_income(None, monthly_income_thb=None, **PROFILE, **IDS)
    assert events == [full_baseline(None)]
    history = (*events, scheduled())

    observed = observe_income(
        given(evolve_case, *history),
        enrollment_id=ENROLLMENT,
        at_month=0,
        monthly_income_thb=Decimal(5000),
        observed_on=date(2023, 10, 1),
    )

    assert observed == [income(0, 5000)]


def test_a_stored_baseline_of_an_income_only_still_reads() -> None:
    case = given(evolve_case, baseline(6500))
    assert case is not None

    assert (case.baseline_income, case.baseline_employment_status) == (Decimal(6500), None)


# --- incomes against the baseline ---


def test_an_income_carries_its_source_and_the_baseline_it_is_compared_with() -> None:
    state = given(evolve_case, baseline(6500), scheduled(), follow_up_completed(3))

    events = observe_income(
        state,
        enrollment_id=ENROLLMENT,
        at_month=3,
        monthly_income_thb=Decimal(8000),
        observed_on=DUE[3],
        source="SELF_REPORTED",
    )

    assert events == [income(3, 8000, baseline=6500, source="SELF_REPORTED")]
    case = given(evolve_case, baseline(6500), scheduled(), follow_up_completed(3), *events)
    assert case is not None
    assert case.incomes[0].source == "SELF_REPORTED"


def test_an_income_without_its_month_belongs_to_the_latest_completed_follow_up() -> None:
    state = given(evolve_case, scheduled(), follow_up_completed(3), follow_up_completed(6))

    events = observe_income(
        state, enrollment_id=ENROLLMENT, at_month=None, monthly_income_thb=Decimal(8000), observed_on=DUE[6]
    )

    assert [e.at_month for e in events] == [6]


def test_an_income_without_its_month_needs_a_completed_follow_up() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: observe_income(
            state, enrollment_id=ENROLLMENT, at_month=None, monthly_income_thb=Decimal(1), observed_on=DUE[3]
        ),
        rule="follow-up-must-be-completed",
    )


# --- why a follow-up was missed ---


@pytest.mark.parametrize("reason", [MissedReason.REFUSED, MissedReason.UNREACHABLE, MissedReason.MOVED_AWAY])
def test_staff_mark_a_follow_up_missed_for_their_reason(reason: MissedReason) -> None:
    state = given(evolve_case, scheduled())

    events = mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=DUE[3], reason=reason)

    assert events == [
        FollowUpMissed(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, missed_on=DUE[3], reason=reason)
    ]
    case = given(evolve_case, scheduled(), *events)
    assert case is not None
    assert case.follow_up_statuses(DUE[3])[3] is FollowUpStatus.MISSED


@pytest.mark.parametrize("reason", [MissedReason.WITHDRAWN, MissedReason.CASE_CLOSED])
def test_withdrawn_and_closed_are_reasons_only_the_case_gives(reason: MissedReason) -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=DUE[3], reason=reason),
        rule="missed-reason-reserved",
    )
