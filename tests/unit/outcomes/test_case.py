"""Outcomes case: created from other services' events, follow-ups completed or missed, closure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pathways_outcomes.domain.case import (
    BaselineIncomeNoted,
    Case,
    CaseClosed,
    ClosureReason,
    FollowUpCompleted,
    FollowUpMissed,
    IncomeObserved,
    TrainingCompletionNoted,
    TrainingResult,
    close_case,
    complete_follow_up,
    evolve_case,
    mark_follow_up_missed,
    note_baseline_income,
    note_dropout,
    note_withdrawal,
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
    closed,
    dropped,
    employed,
    follow_up_completed,
    given,
    scheduled,
    then_rejected,
    withdrawn,
)

NOT_COMPLETED_YET: list[Case | None] = [None, given(evolve_case, baseline(6500))]
IDS: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT, "project_id": PROJECT}


# --- training completion learned: follow-ups scheduled ---


def test_a_completed_training_schedules_follow_ups_at_3_6_and_12_months() -> None:
    events = schedule_follow_ups(None, completed_on=COMPLETED_ON, **IDS)

    assert events == [scheduled()]
    assert scheduled().due_dates == (DUE[3], DUE[6], DUE[12])
    case = given(evolve_case, *events)
    assert case is not None
    assert case.training is TrainingResult.COMPLETED
    assert case.follow_up_statuses(date(2024, 1, 16)) == {
        3: FollowUpStatus.SCHEDULED,
        6: FollowUpStatus.SCHEDULED,
        12: FollowUpStatus.SCHEDULED,
    }


def test_scheduling_is_idempotent() -> None:
    state = given(evolve_case, scheduled())

    assert schedule_follow_ups(state, completed_on=COMPLETED_ON, **IDS) == []


def test_a_case_known_from_its_baseline_gets_follow_ups_when_training_completes() -> None:
    state = given(evolve_case, baseline(6500))

    events = schedule_follow_ups(state, completed_on=COMPLETED_ON, **IDS)

    assert events == [scheduled()]
    case = given(evolve_case, baseline(6500), *events)
    assert case is not None
    assert (case.baseline_income_thb, len(case.follow_ups)) == (Decimal(6500), 3)


def test_a_withdrawn_case_gets_no_new_follow_ups_but_keeps_the_completion() -> None:
    state = given(evolve_case, withdrawn(on=date(2024, 1, 10)))

    events = schedule_follow_ups(state, completed_on=COMPLETED_ON, **IDS)

    assert events == [TrainingCompletionNoted(completed_on=COMPLETED_ON, **IDS)]
    case = given(evolve_case, withdrawn(on=date(2024, 1, 10)), *events)
    assert case is not None
    assert (case.training, case.follow_ups) == (TrainingResult.COMPLETED, ())


def test_a_completion_after_a_dropout_is_refused() -> None:
    state = given(evolve_case, dropped())

    then_rejected(lambda: schedule_follow_ups(state, completed_on=COMPLETED_ON, **IDS), rule="completion-after-dropout")


# --- dropout learned: a case marked dropped (decision: not "no case") ---


def test_a_dropout_creates_a_case_marked_dropped() -> None:
    events = note_dropout(None, dropped_out_on=date(2023, 12, 1), reason="HEALTH", **IDS)

    assert events == [dropped()]
    case = given(evolve_case, *events)
    assert case is not None
    assert (case.training, case.dropped_out_on, case.follow_ups) == (TrainingResult.DROPPED_OUT, date(2023, 12, 1), ())


def test_a_dropout_marks_an_existing_case_and_is_idempotent() -> None:
    state = given(evolve_case, baseline(6500))
    assert note_dropout(state, dropped_out_on=date(2023, 12, 1), reason="HEALTH", **IDS) == [dropped()]

    again = given(evolve_case, baseline(6500), dropped())
    assert note_dropout(again, dropped_out_on=date(2023, 12, 1), reason="HEALTH", **IDS) == []


def test_a_dropout_after_completion_is_refused() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: note_dropout(state, dropped_out_on=date(2024, 2, 1), reason="x", **IDS),
        rule="dropout-after-completion",
    )


# --- withdrawal learned ---


def test_a_withdrawal_misses_the_open_follow_ups_and_keeps_the_answered_ones() -> None:
    history = (scheduled(), follow_up_completed(3))
    state = given(evolve_case, *history)

    events = note_withdrawal(state, withdrawn_on=date(2024, 5, 1), **IDS)

    assert events == [withdrawn()]
    case = given(evolve_case, *history, *events)
    assert case is not None
    assert case.follow_up_statuses(date(2024, 5, 2)) == {
        3: FollowUpStatus.COMPLETED,
        6: FollowUpStatus.MISSED,
        12: FollowUpStatus.MISSED,
    }
    six = case.follow_up(6)
    assert six is not None
    assert six.missed_reason is MissedReason.WITHDRAWN


def test_a_withdrawal_may_come_first_and_is_idempotent() -> None:
    assert note_withdrawal(None, withdrawn_on=date(2024, 5, 1), **IDS) == [withdrawn()]
    state = given(evolve_case, withdrawn())
    assert note_withdrawal(state, withdrawn_on=date(2024, 5, 1), **IDS) == []


def test_a_withdrawal_leaves_a_closed_case_as_it_is() -> None:
    state = given(evolve_case, scheduled(), closed())

    assert note_withdrawal(state, withdrawn_on=date(2025, 3, 1), **IDS) == []


# --- baseline learned from enrollment ---


def test_the_baseline_income_is_kept_on_the_case() -> None:
    events = note_baseline_income(None, monthly_income_thb=Decimal(6500), **IDS)

    assert events == [baseline(6500)]
    case = given(evolve_case, *events)
    assert case is not None
    assert case.baseline_income == Decimal(6500)


def test_a_changed_baseline_replaces_it_and_the_same_changes_nothing() -> None:
    state = given(evolve_case, scheduled(), baseline(6500))

    assert note_baseline_income(state, monthly_income_thb=Decimal(6500), **IDS) == []
    assert note_baseline_income(state, monthly_income_thb=Decimal(7000), **IDS) == [
        BaselineIncomeNoted(monthly_income_thb=Decimal(7000), **IDS)
    ]


# --- follow-ups: completed once, missed ---


@pytest.mark.parametrize("day", [DUE[3], date(2024, 6, 1)])
def test_a_due_or_overdue_follow_up_is_completed(day: date) -> None:
    state = given(evolve_case, scheduled())

    events = complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=day)

    assert events == [
        FollowUpCompleted(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, completed_on=day)
    ]
    case = given(evolve_case, scheduled(), *events)
    assert case is not None
    assert case.follow_up_statuses(day)[3] is FollowUpStatus.COMPLETED


def test_a_follow_up_is_not_completed_before_it_is_due() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=date(2024, 4, 14)),
        rule="follow-up-not-yet-due",
    )


def test_a_follow_up_is_completed_once() -> None:
    state = given(evolve_case, scheduled(), follow_up_completed(3))

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=date(2024, 5, 1)),
        rule="follow-up-completed-once",
    )
    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=date(2024, 5, 1)),
        rule="follow-up-completed-once",
    )


def test_a_due_follow_up_is_marked_missed() -> None:
    state = given(evolve_case, scheduled())

    events = mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=6, missed_on=date(2024, 9, 1))

    assert events == [
        FollowUpMissed(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            month=6,
            missed_on=date(2024, 9, 1),
            reason=MissedReason.NO_RESPONSE,
        )
    ]
    case = given(evolve_case, scheduled(), *events)
    assert case is not None
    assert case.follow_up_statuses(date(2024, 9, 1))[6] is FollowUpStatus.MISSED


def test_a_follow_up_is_not_marked_missed_before_it_is_due() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=6, missed_on=date(2024, 7, 14)),
        rule="follow-up-not-yet-due",
    )


def test_a_missed_follow_up_is_not_missed_again() -> None:
    missed = FollowUpMissed(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, missed_on=date(2024, 6, 1))
    state = given(evolve_case, scheduled(), missed)

    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=date(2024, 6, 2)),
        rule="follow-up-missed",
    )


def test_only_the_3_6_and_12_month_follow_ups_exist() -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=9, completed_on=date(2024, 10, 15)),
        rule="unknown-follow-up",
    )


# --- invariants shared by every outcome (follow-ups here; employment and income in test_outcomes) ---


@pytest.mark.parametrize("state", NOT_COMPLETED_YET, ids=["unknown", "baseline-only"])
def test_an_outcome_before_the_completion_is_learned_is_retryable(state: Case | None) -> None:
    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[3]),
        rule="training-must-be-completed",
        retryable=True,
    )


def test_a_dropped_case_gets_no_outcome_and_retrying_will_not_help() -> None:
    state = given(evolve_case, dropped())

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[3]),
        rule="training-must-be-completed",
        retryable=False,
    )


@pytest.mark.parametrize(
    ("history", "rule"),
    [((scheduled(), withdrawn()), "case-withdrawn"), ((scheduled(), closed(on=date(2024, 4, 20))), "case-closed")],
)
def test_a_withdrawn_or_closed_case_accepts_no_outcome(history: tuple[object, ...], rule: str) -> None:
    state = given(evolve_case, *history)

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=12, completed_on=DUE[12]),
        rule=rule,
    )
    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=12, missed_on=DUE[12]),
        rule=rule,
    )


# --- closure ---


def test_closing_misses_the_unanswered_follow_ups() -> None:
    history = (scheduled(), follow_up_completed(3), follow_up_completed(6))
    state = given(evolve_case, *history)

    events = close_case(state, enrollment_id=ENROLLMENT, closed_on=date(2025, 2, 1), reason=ClosureReason.LOST_CONTACT)

    assert events == [closed(reason=ClosureReason.LOST_CONTACT)]
    case = given(evolve_case, *history, *events)
    assert case is not None
    assert case.follow_up_statuses(date(2025, 2, 1)) == {
        3: FollowUpStatus.COMPLETED,
        6: FollowUpStatus.COMPLETED,
        12: FollowUpStatus.MISSED,
    }
    twelve = case.follow_up(12)
    assert twelve is not None
    assert twelve.missed_reason is MissedReason.CASE_CLOSED
    assert case.closure_reason is ClosureReason.LOST_CONTACT


@pytest.mark.parametrize("history", [(dropped(),), (withdrawn(),)])
def test_a_dropped_or_withdrawn_case_can_be_closed(history: tuple[object, ...]) -> None:
    state = given(evolve_case, *history)

    assert close_case(state, enrollment_id=ENROLLMENT, closed_on=date(2025, 2, 1), reason=ClosureReason.OTHER) == [
        CaseClosed(
            enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, closed_on=date(2025, 2, 1), reason=ClosureReason.OTHER
        )
    ]


def test_a_case_is_closed_once() -> None:
    state = given(evolve_case, scheduled(), closed())

    then_rejected(
        lambda: close_case(state, enrollment_id=ENROLLMENT, closed_on=date(2025, 3, 1), reason=ClosureReason.OTHER),
        rule="case-closed",
    )


@pytest.mark.parametrize("state", NOT_COMPLETED_YET, ids=["unknown", "baseline-only"])
def test_a_case_still_in_training_is_not_closed_yet(state: Case | None) -> None:
    then_rejected(
        lambda: close_case(state, enrollment_id=ENROLLMENT, closed_on=date(2025, 3, 1), reason=ClosureReason.OTHER),
        rule="training-must-be-completed",
        retryable=True,
    )


MISSED_IN_AUGUST = FollowUpMissed(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=6, missed_on=date(2024, 8, 1)
)
INCOME_IN_MAY = IncomeObserved(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    at_month=3,
    monthly_income_thb=Decimal(8000),
    observed_on=date(2024, 5, 10),
)
EMPLOYMENT_IN_MARCH = replace(employed(None), observed_on=date(2024, 3, 1))


@pytest.mark.parametrize(
    ("history", "last_fact"),
    [
        ((scheduled(),), COMPLETED_ON),
        ((dropped(),), date(2023, 12, 1)),
        ((scheduled(), withdrawn(on=date(2024, 5, 1))), date(2024, 5, 1)),
        ((scheduled(), follow_up_completed(3)), DUE[3]),
        ((scheduled(), MISSED_IN_AUGUST), date(2024, 8, 1)),
        ((scheduled(), EMPLOYMENT_IN_MARCH), date(2024, 3, 1)),
        ((scheduled(), follow_up_completed(3), INCOME_IN_MAY), date(2024, 5, 10)),
    ],
    ids=["completion", "dropout", "withdrawal", "follow-up-completed", "follow-up-missed", "employment", "income"],
)
def test_a_case_closes_no_earlier_than_the_last_fact_it_knows_of(history: tuple[object, ...], last_fact: date) -> None:
    state = given(evolve_case, *history)

    def close(day: date) -> list[CaseClosed]:
        return close_case(state, enrollment_id=ENROLLMENT, closed_on=day, reason=ClosureReason.OTHER)

    day_before = last_fact - timedelta(days=1)
    error = then_rejected(lambda: close(day_before), rule="closed-before-last-fact")
    assert str(last_fact) in str(error) and str(day_before) in str(error)
    assert close(last_fact), "the same day is fine"


def test_a_fact_stored_without_its_day_does_not_hold_the_closure_back() -> None:
    state = given(evolve_case, scheduled(), employed(None))

    assert close_case(state, enrollment_id=ENROLLMENT, closed_on=COMPLETED_ON, reason=ClosureReason.OTHER)


def test_a_case_does_not_follow_from_an_outcome_before_it_exists() -> None:
    with pytest.raises(TypeError):
        evolve_case(None, follow_up_completed(3))
