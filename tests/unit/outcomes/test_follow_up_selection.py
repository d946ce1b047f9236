"""Selecting follow-ups by status on a day gives exactly those ``status_on`` gives that status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pathways_outcomes.domain.follow_ups import (
    OVERDUE_AFTER,
    FollowUp,
    FollowUpStatus,
    MissedReason,
    StatusSelection,
    selecting,
)

DAY = date(2025, 12, 10)
DUE_DAYS = [DAY + timedelta(days=offset) for offset in range(-70, 40)]
ANSWERED = date(2025, 12, 1)


def variants(due_on: date) -> list[FollowUp]:
    """The follow-up due that day open, completed and missed."""
    return [
        FollowUp(month=3, due_on=due_on),
        FollowUp(month=3, due_on=due_on, completed_on=ANSWERED),
        FollowUp(month=3, due_on=due_on, missed_on=ANSWERED, missed_reason=MissedReason.UNREACHABLE),
    ]


def selected(selection: StatusSelection, follow_up: FollowUp) -> bool:
    """What a query does with a selection (as ``projections/cases.py`` puts it in SQL)."""
    if follow_up.completed_on is not None:
        answered: FollowUpStatus | None = FollowUpStatus.COMPLETED
    elif follow_up.missed_on is not None:
        answered = FollowUpStatus.MISSED
    else:
        answered = None
    return (
        answered == selection.answered
        and (selection.due_from is None or follow_up.due_on >= selection.due_from)
        and (selection.due_to is None or follow_up.due_on <= selection.due_to)
    )


@pytest.mark.parametrize("status", list(FollowUpStatus))
def test_a_selection_picks_exactly_the_follow_ups_with_that_status(status: FollowUpStatus) -> None:
    selection = selecting(status, DAY)
    for due_on in DUE_DAYS:
        for follow_up in variants(due_on):
            assert selected(selection, follow_up) == (follow_up.status_on(DAY) is status), (status, follow_up)


def test_open_follow_ups_are_selected_by_due_date_around_the_day() -> None:
    assert selecting(FollowUpStatus.SCHEDULED, DAY) == StatusSelection(due_from=DAY + timedelta(days=1))
    assert selecting(FollowUpStatus.DUE, DAY) == StatusSelection(
        due_from=DAY - OVERDUE_AFTER + timedelta(days=1), due_to=DAY
    )
    assert selecting(FollowUpStatus.OVERDUE, DAY) == StatusSelection(due_to=DAY - OVERDUE_AFTER)
    assert selecting(FollowUpStatus.MISSED, DAY) == StatusSelection(answered=FollowUpStatus.MISSED)
