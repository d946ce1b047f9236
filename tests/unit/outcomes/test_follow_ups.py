"""Follow-up status from the date asked about: Scheduled → Due → Overdue; Completed and Missed are facts."""

from __future__ import annotations

from datetime import date

import pytest

from pathways_outcomes.domain.follow_ups import (
    FollowUp,
    FollowUpStatus,
    MissedReason,
    add_months,
    due_dates,
)

DUE_ON = date(2024, 4, 15)
FOLLOW_UP = FollowUp(month=3, due_on=DUE_ON)


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2024, 4, 14), FollowUpStatus.SCHEDULED),
        (date(2024, 4, 15), FollowUpStatus.DUE),  # due from the due date
        (date(2024, 5, 14), FollowUpStatus.DUE),  # 29 days after
        (date(2024, 5, 15), FollowUpStatus.OVERDUE),  # overdue 30 days after the due date
        (date(2025, 1, 1), FollowUpStatus.OVERDUE),
    ],
)
def test_an_open_follow_up_is_scheduled_due_or_overdue_by_date(day: date, status: FollowUpStatus) -> None:
    assert FOLLOW_UP.status_on(day) is status


@pytest.mark.parametrize("day", [date(2024, 1, 1), date(2024, 4, 20), date(2025, 1, 1)])
def test_completed_and_missed_do_not_depend_on_the_date(day: date) -> None:
    completed = FollowUp(month=3, due_on=DUE_ON, completed_on=date(2024, 4, 20))
    missed = FollowUp(month=3, due_on=DUE_ON, missed_on=date(2024, 6, 1), missed_reason=MissedReason.NO_RESPONSE)

    assert completed.status_on(day) is FollowUpStatus.COMPLETED
    assert missed.status_on(day) is FollowUpStatus.MISSED
    assert not completed.is_open
    assert not missed.is_open
    assert FOLLOW_UP.is_open


def test_follow_ups_fall_3_6_and_12_months_after_completion() -> None:
    assert due_dates(date(2024, 1, 15)) == (date(2024, 4, 15), date(2024, 7, 15), date(2025, 1, 15))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 11, 30), 3, date(2024, 2, 29)),  # leap year, shorter month: last day
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 10, 31), 3, date(2025, 1, 31)),  # across the year
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_s_last(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "completed", "missed"),
    [
        (date(2024, 4, 1), FollowUpStatus.SCHEDULED, FollowUpStatus.SCHEDULED),
        (date(2024, 4, 19), FollowUpStatus.DUE, FollowUpStatus.DUE),
        (date(2024, 4, 20), FollowUpStatus.COMPLETED, FollowUpStatus.DUE),
        (date(2024, 5, 31), FollowUpStatus.COMPLETED, FollowUpStatus.OVERDUE),
        (date(2024, 6, 1), FollowUpStatus.COMPLETED, FollowUpStatus.MISSED),
    ],
)
def test_as_it_stood_on_a_day_an_answer_given_later_is_not_known_yet(
    day: date, completed: FollowUpStatus, missed: FollowUpStatus
) -> None:
    """What a worklist or an indicator as of an earlier day shows (the rules ask status_on: answered is final)."""
    answered = FollowUp(month=3, due_on=DUE_ON, completed_on=date(2024, 4, 20))
    given_up = FollowUp(month=3, due_on=DUE_ON, missed_on=date(2024, 6, 1), missed_reason=MissedReason.NO_RESPONSE)
    assert (answered.status_as_of(day), given_up.status_as_of(day)) == (completed, missed)
