"""Outcomes recorded late, the days to a first job, and closure reasons that fit the case.

Given events, when a command, then events or a broken rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pathways_outcomes.domain.case import (
    Case,
    CaseClosed,
    ClosureReason,
    EmploymentRecorded,
    EmploymentType,
    FollowUpCompleted,
    FollowUpConsentNoted,
    FollowUpMissed,
    close_case,
    complete_follow_up,
    evolve_case,
    mark_follow_up_missed,
    observe_income,
    record_employment,
)
from pathways_outcomes.domain.follow_ups import FollowUpStatus, MissedReason
from tests.unit.outcomes.given import (
    COMPLETED_ON,
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    dropped,
    follow_up_completed,
    given,
    scheduled,
    then_rejected,
    withdrawn,
)

WITHDRAWN_ON = date(2024, 5, 1)  # after the 3-month follow-up was due (15 April)
DAY_BEFORE = WITHDRAWN_ON - timedelta(days=1)


def consent_withdrawn(on: date = WITHDRAWN_ON) -> FollowUpConsentNoted:
    return FollowUpConsentNoted(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, consented=False, noted_on=on
    )


def missed(month: int, on: date, reason: MissedReason = MissedReason.NO_RESPONSE) -> FollowUpMissed:
    return FollowUpMissed(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=month, missed_on=on, reason=reason
    )


def completed(month: int, on: date) -> FollowUpCompleted:
    return FollowUpCompleted(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=month, completed_on=on)


def _wage_job(state: Case | None, **recorded: Any) -> list[EmploymentRecorded]:
    """A wage job of 9,000 baht related to the training, recorded with ``recorded``'s days and month."""
    return record_employment(
        state,
        enrollment_id=ENROLLMENT,
        employment_type=EmploymentType.WAGE,
        related_to_training=True,
        monthly_income_thb=Decimal(9000),
        **recorded,
    )


# --- late data entry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("ended", [withdrawn(on=WITHDRAWN_ON), consent_withdrawn()], ids=["withdrawn", "consent"])
def test_a_follow_up_answered_before_the_case_stopped_is_recorded_late(ended: object) -> None:
    state = given(evolve_case, scheduled(), ended)

    events = complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DAY_BEFORE)

    assert events == [completed(3, DAY_BEFORE)]
    case = given(evolve_case, scheduled(), ended, *events)
    assert case is not None and case.follow_up_statuses(WITHDRAWN_ON)[3] is FollowUpStatus.COMPLETED
    three = case.follow_up(3)
    assert three is not None and three.missed_on is None, "the completion stands in place of the miss"


@pytest.mark.parametrize(
    ("ended", "rule"),
    [(withdrawn(on=WITHDRAWN_ON), "case-withdrawn"), (consent_withdrawn(), "follow-up-consent-withdrawn")],
)
def test_nothing_observed_from_the_day_the_case_stopped_is_recorded(ended: object, rule: str) -> None:
    state = given(evolve_case, scheduled(), ended)

    error = then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=WITHDRAWN_ON), rule=rule
    )
    assert str(WITHDRAWN_ON) in str(error) and "may still be recorded" in str(error)


def test_an_income_observed_before_the_withdrawal_at_a_follow_up_answered_before_it_is_recorded() -> None:
    state = given(evolve_case, scheduled(), completed(3, DUE[3]), withdrawn(on=WITHDRAWN_ON))

    events = observe_income(
        state, enrollment_id=ENROLLMENT, at_month=3, monthly_income_thb=Decimal(9000), observed_on=DAY_BEFORE
    )

    assert [e.monthly_income_thb for e in events] == [Decimal(9000)]


def test_an_outcome_without_a_day_is_refused_on_a_withdrawn_case() -> None:
    state = given(evolve_case, scheduled(), completed(3, DUE[3]), withdrawn(on=WITHDRAWN_ON))

    then_rejected(lambda: _wage_job(state, days_to_first_job=None), rule="case-withdrawn")


def test_an_answer_given_before_staff_marked_the_follow_up_missed_completes_it() -> None:
    marked_on = DUE[3] + timedelta(days=40)
    state = given(evolve_case, scheduled(), missed(3, marked_on))

    events = complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=marked_on - timedelta(days=1))

    assert events == [completed(3, marked_on - timedelta(days=1))]


@pytest.mark.parametrize(
    "reason", [MissedReason.NO_RESPONSE, MissedReason.REFUSED, MissedReason.UNREACHABLE, MissedReason.MOVED_AWAY]
)
def test_an_answer_given_after_staff_marked_the_follow_up_missed_stands_in_place_of_the_miss(
    reason: MissedReason,
) -> None:
    marked_on = DUE[3] + timedelta(days=40)
    called_back_on = marked_on + timedelta(days=7)
    state = given(evolve_case, scheduled(), missed(3, marked_on, reason))

    events = complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=called_back_on)

    assert events == [completed(3, called_back_on)]
    case = given(evolve_case, scheduled(), missed(3, marked_on, reason), *events)
    assert case is not None and case.follow_up_statuses(called_back_on)[3] is FollowUpStatus.COMPLETED


def test_an_answer_given_after_a_staff_miss_is_refused_once_the_case_was_withdrawn() -> None:
    marked_on = DUE[3] + timedelta(days=40)
    state = given(evolve_case, scheduled(), missed(3, marked_on), withdrawn(on=marked_on + timedelta(days=20)))

    error = then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=marked_on),
        rule="follow-up-missed",
    )
    assert f"marked missed on {marked_on}" in str(error) and "given before then" in str(error)


def test_an_answer_given_after_a_staff_miss_is_refused_once_the_next_follow_up_is_due() -> None:
    state = given(evolve_case, scheduled(), missed(3, DUE[3] + timedelta(days=40)))

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[6]),
        rule="follow-up-round-over",
    )


def test_an_answer_given_after_a_miss_for_want_of_consent_is_refused_when_consent_is_given_again() -> None:
    history = [scheduled(), consent_withdrawn(), missed(3, WITHDRAWN_ON, MissedReason.CONSENT_WITHDRAWN)]
    restored = FollowUpConsentNoted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        consented=True,
        noted_on=WITHDRAWN_ON + timedelta(days=5),
        restored=True,
    )
    state = given(evolve_case, *history, restored)

    then_rejected(
        lambda: complete_follow_up(
            state, enrollment_id=ENROLLMENT, month=3, completed_on=WITHDRAWN_ON + timedelta(days=6)
        ),
        rule="follow-up-missed",
    )


def test_a_missed_follow_up_is_not_marked_missed_again_on_an_earlier_day() -> None:
    marked_on = DUE[3] + timedelta(days=40)
    state = given(evolve_case, scheduled(), missed(3, marked_on))

    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=DUE[3]),
        rule="follow-up-missed",
    )


# --- a follow-up's round ends when the next one falls due ---------------------------------------------


def test_an_answer_given_once_the_next_follow_up_is_due_is_refused_at_the_earlier_month() -> None:
    state = given(evolve_case, scheduled())

    error = then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[6] + timedelta(days=1)),
        rule="follow-up-round-over",
    )
    assert str(DUE[3]) in str(error) and str(DUE[6]) in str(error), "both due days are named"
    assert "recorded as the 6-month follow-up" in str(error)
    assert complete_follow_up(state, enrollment_id=ENROLLMENT, month=6, completed_on=DUE[6] + timedelta(days=1))


@pytest.mark.parametrize(("month", "next_month"), [(3, 6), (6, 12)])
def test_a_follow_up_is_neither_answered_nor_missed_from_the_day_the_next_one_is_due(
    month: int, next_month: int
) -> None:
    state = given(evolve_case, scheduled())

    then_rejected(
        lambda: complete_follow_up(state, enrollment_id=ENROLLMENT, month=month, completed_on=DUE[next_month]),
        rule="follow-up-round-over",
    )
    then_rejected(
        lambda: mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=month, missed_on=DUE[next_month]),
        rule="follow-up-round-over",
    )


def test_an_answer_given_the_day_before_the_next_follow_up_is_due_is_recorded_even_when_typed_in_after_it() -> None:
    day_before = DUE[6] - timedelta(days=1)
    state = given(evolve_case, scheduled(), completed(6, DUE[6] + timedelta(days=10)))

    assert complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=day_before) == [
        completed(3, day_before)
    ]
    assert mark_follow_up_missed(state, enrollment_id=ENROLLMENT, month=3, missed_on=day_before)


def test_the_12_month_follow_up_has_no_later_round_to_end_it() -> None:
    state = given(evolve_case, scheduled())
    years_later = DUE[12] + timedelta(days=400)

    assert complete_follow_up(state, enrollment_id=ENROLLMENT, month=12, completed_on=years_later) == [
        completed(12, years_later)
    ]


# --- the days to a first job -------------------------------------------------------------------------


def _employment(days_to_first_job: int, observed_on: date) -> object:
    state = given(evolve_case, scheduled(), follow_up_completed(3))
    return _wage_job(state, days_to_first_job=days_to_first_job, follow_up_month=3, observed_on=observed_on)


def test_a_first_job_began_by_the_day_it_is_observed() -> None:
    since_completion = (DUE[3] - COMPLETED_ON).days

    assert _employment(since_completion, DUE[3]), "a job that began the day it was observed"
    error = then_rejected(lambda: _employment(3000, DUE[3]), rule="first-job-after-observation")
    assert f"at most {since_completion} days" in str(error) and "not 3000" in str(error)


# --- closure reasons -----------------------------------------------------------------------------------


def _close(*history: object, reason: ClosureReason, on: date = date(2025, 3, 1)) -> list[CaseClosed]:
    return close_case(given(evolve_case, *history), enrollment_id=ENROLLMENT, closed_on=on, reason=reason)


def test_follow_up_finished_needs_every_follow_up_answered() -> None:
    answered = (scheduled(), follow_up_completed(3), follow_up_completed(6), missed(12, DUE[12]))

    error = then_rejected(
        lambda: _close(scheduled(), follow_up_completed(3), reason=ClosureReason.FOLLOW_UP_FINISHED),
        rule="follow-ups-not-finished",
    )
    assert "6-month, 12-month" in str(error)
    assert _close(*answered, reason=ClosureReason.FOLLOW_UP_FINISHED)


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ((scheduled(),), ClosureReason.DROPPED_OUT),
        ((scheduled(),), ClosureReason.WITHDRAWN),
        ((dropped(),), ClosureReason.FOLLOW_UP_FINISHED),
        ((dropped(),), ClosureReason.LOST_CONTACT),
        ((scheduled(), withdrawn(on=WITHDRAWN_ON)), ClosureReason.FOLLOW_UP_FINISHED),
        ((scheduled(), withdrawn(on=WITHDRAWN_ON)), ClosureReason.LOST_CONTACT),
    ],
    ids=["completed-as-dropout", "not-withdrawn", "dropout-finished", "dropout-lost", "withdrawn-finished", "lost"],
)
def test_a_closure_reason_fits_the_case(history: tuple[object, ...], reason: ClosureReason) -> None:
    then_rejected(lambda: _close(*history, reason=reason), rule="closure-reason-does-not-fit")


@pytest.mark.parametrize(
    ("history", "reason"),
    [
        ((dropped(),), ClosureReason.DROPPED_OUT),
        ((scheduled(), withdrawn(on=WITHDRAWN_ON)), ClosureReason.WITHDRAWN),
        ((scheduled(),), ClosureReason.LOST_CONTACT),
        ((scheduled(),), ClosureReason.OTHER),
        ((dropped(),), ClosureReason.OTHER),
    ],
)
def test_a_fitting_reason_closes_the_case(history: tuple[object, ...], reason: ClosureReason) -> None:
    [event] = _close(*history, reason=reason)
    assert event.reason is reason
