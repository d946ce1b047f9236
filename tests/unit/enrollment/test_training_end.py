"""The day training reported a case's training over: no withdrawal or transfer is dated before it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pathways_enrollment.domain.enrollment import (
    EnrollmentStatus,
    EnrollmentWithdrawn,
    TrainingEnd,
    TrainingEndNoted,
    WithdrawalReason,
    evolve_enrollment,
    note_training_end,
    transfer,
    withdraw,
    withdraw_for_want_of_consent,
)
from tests.unit.enrollment.facts import case_at, enrolled
from tests.unit.enrollment.given import given
from tests.unit.enrollment.test_transfer_and_withdrawal import moving, withdrawn

ENDED_ON = date(2025, 9, 15)  # after the enrollment (2025-06-09) and the sample transfer day (2025-08-01)
THE_DAY_BEFORE = ENDED_ON - timedelta(days=1)
ENDINGS = [TrainingEnd.COMPLETED, TrainingEnd.DROPPED_OUT]


def ended(how: TrainingEnd, on: date = ENDED_ON) -> TrainingEndNoted:
    return TrainingEndNoted(**case_at(), how=how, ended_on=on)


@pytest.mark.parametrize("how", ENDINGS)
def test_the_end_of_training_is_noted_once(how: TrainingEnd) -> None:
    then = given(evolve_enrollment, *enrolled()).when(note_training_end, how=how, ended_on=ENDED_ON)
    assert then.events == [ended(how)]
    assert then.state is not None and then.state.status is EnrollmentStatus.ENROLLED, "the case stays enrolled"
    assert (
        given(evolve_enrollment, *enrolled(), ended(how)).when(note_training_end, how=how, ended_on=ENDED_ON).events
        == []
    )


def test_a_withdrawal_that_crossed_the_report_on_its_way_does_not_stop_the_note() -> None:
    then = given(evolve_enrollment, *enrolled(), withdrawn()).when(
        note_training_end, how=TrainingEnd.COMPLETED, ended_on=ENDED_ON
    )
    assert then.events == [ended(TrainingEnd.COMPLETED)]


@pytest.mark.parametrize(
    ("how", "said"), [(TrainingEnd.COMPLETED, "completed"), (TrainingEnd.DROPPED_OUT, "ended by dropout")]
)
def test_no_withdrawal_dated_before_training_ended(how: TrainingEnd, said: str) -> None:
    error = given(evolve_enrollment, *enrolled(), ended(how)).rejects(
        withdraw,
        rule="withdrawn-before-training-ended",
        reason=WithdrawalReason.MOVED_AWAY,
        withdrawn_on=THE_DAY_BEFORE,
    )
    assert f"training {said} on {ENDED_ON}; it cannot be withdrawn before, on {THE_DAY_BEFORE}" in str(error)


@pytest.mark.parametrize("how", ENDINGS)
@pytest.mark.parametrize("withdrawn_on", [ENDED_ON, ENDED_ON + timedelta(days=30)], ids=["that-day", "later"])
def test_a_withdrawal_on_or_after_the_end_of_training_is_recorded(how: TrainingEnd, withdrawn_on: date) -> None:
    then = given(evolve_enrollment, *enrolled(), ended(how)).when(
        withdraw, reason=WithdrawalReason.FOUND_EMPLOYMENT, withdrawn_on=withdrawn_on
    )
    assert then.state is not None and then.state.status is EnrollmentStatus.WITHDRAWN


@pytest.mark.parametrize("how", ENDINGS)
def test_no_transfer_dated_before_training_ended(how: TrainingEnd) -> None:
    given(evolve_enrollment, *enrolled(), ended(how)).rejects(
        transfer, rule="transfer-before-training-ended", **moving(transferred_on=THE_DAY_BEFORE)
    )
    then = given(evolve_enrollment, *enrolled(), ended(how)).when(transfer, **moving(transferred_on=ENDED_ON))
    assert then.state is not None and then.state.status is EnrollmentStatus.TRANSFERRED


def test_the_end_of_training_of_an_unknown_case_is_refused() -> None:
    given(evolve_enrollment).rejects(note_training_end, rule="must-exist", how=TrainingEnd.COMPLETED, ended_on=ENDED_ON)


def test_a_consent_withdrawal_dated_before_training_ended_withdraws_the_case_on_the_day_training_ended() -> None:
    """The consent withdrawal itself is always recorded (PDPA §19); the case leaves on the first day its history
    allows, instead of the consent withdrawal being refused."""
    then = given(evolve_enrollment, *enrolled(), ended(TrainingEnd.COMPLETED)).when(
        withdraw_for_want_of_consent, withdrawn_on=THE_DAY_BEFORE
    )
    assert [(e.reason, e.withdrawn_on) for e in then.events if isinstance(e, EnrollmentWithdrawn)] == [
        (WithdrawalReason.CONSENT_WITHDRAWN, ENDED_ON)
    ]
