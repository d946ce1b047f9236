"""In work or not: a follow-up answered "not working" ends the employment recorded before it."""

from __future__ import annotations

from datetime import date

import pytest

from pathways_outcomes.domain.case import FollowUpCompleted, complete_follow_up, evolve_case, in_work
from tests.unit.outcomes.given import DUE, ENROLLMENT, PARTICIPANT, given, scheduled

JOB_ON, ANSWERED_ON = date(2025, 9, 1), date(2025, 12, 1)


@pytest.mark.parametrize("working", [True, False])
def test_a_completed_follow_up_tells_whether_they_were_working(working: bool) -> None:
    state = given(evolve_case, scheduled())

    events = complete_follow_up(state, enrollment_id=ENROLLMENT, month=3, completed_on=DUE[3], working=working)

    assert events == [
        FollowUpCompleted(
            enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=3, completed_on=DUE[3], working=working
        )
    ]


@pytest.mark.parametrize(
    ("employment", "not_working", "expected"),
    [
        ((None, None, False), (None, None), None),  # told nothing
        ((JOB_ON, 3, True), (None, None), True),
        ((None, None, False), (ANSWERED_ON, 6), False),
        ((JOB_ON, 3, True), (ANSWERED_ON, 6), False),  # the job found at 3 months was gone at 6
        ((date(2026, 1, 15), None, True), (ANSWERED_ON, 6), True),  # a new job after the answer
        ((ANSWERED_ON, None, True), (ANSWERED_ON, 6), True),  # observed the day of the answer: in work
        ((date(2025, 11, 20), 6, True), (ANSWERED_ON, 6), True),  # recorded at that follow-up: corrects it
        ((None, None, True), (ANSWERED_ON, 6), True),  # a job of unknown day is not taken as ended
    ],
)
def test_in_work_is_the_latest_of_the_employment_and_the_not_working_answer(
    employment: tuple[date | None, int | None, bool], not_working: tuple[date | None, int | None], expected: bool | None
) -> None:
    employment_on, employment_month, employed = employment
    not_working_on, not_working_month = not_working

    assert (
        in_work(
            employment_on=employment_on,
            employment_month=employment_month,
            not_working_on=not_working_on,
            not_working_month=not_working_month,
            employed=employed,
        )
        is expected
    )
