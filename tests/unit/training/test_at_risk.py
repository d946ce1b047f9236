"""A training record at risk: in training, attending less than its cohort's threshold of the hours held for it,
so completion would be refused on them whatever the curriculum's hours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from pathways_infra.listing import Where
from pathways_training.domain.cohort import evolve_cohort
from pathways_training.domain.errors import TrainingRuleError
from pathways_training.domain.training import AttendanceRecorded, complete, evolve_record
from pathways_training.projections.training_records import at_risk
from tests.unit.training.given import (
    COHORT,
    ENROLLMENT,
    PARTICIPANT,
    RECORD_OPENED,
    assigned,
    cohort_planned,
    cohort_started,
    given,
    session_held,
)

A_SHORT_CURRICULUM = Decimal("0.25")  # fewer hours than any cohort below holds: the share of hours held binds


def completion_refused(attended: Decimal, expected: Decimal, threshold: float) -> bool:
    """Whether the domain refuses completion to one who attended ``attended`` of ``expected`` hours held."""
    present = session_held(date(2024, 2, 5), hours=attended) if attended else None
    absent = session_held(date(2024, 2, 6), hours=expected - attended) if attended < expected else None
    held = [s for s in (present, absent) if s is not None]
    planned = cohort_planned(attendance_threshold=threshold, curriculum_hours=A_SHORT_CURRICULUM)
    cohort = given(evolve_cohort, planned, cohort_started(), *held)
    marks = [] if present is None else [_present_at(present.session_id)]
    state = given(evolve_record, RECORD_OPENED, assigned(), *marks)
    try:
        complete(state, enrollment_id=ENROLLMENT, cohort=cohort)
    except TrainingRuleError as refused:
        assert refused.rule == "attendance-threshold"
        return True
    return False


def _present_at(session_id: UUID) -> AttendanceRecorded:
    return AttendanceRecorded(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, cohort_id=COHORT, session_id=session_id, attended=True
    )


@pytest.mark.parametrize("threshold", [0.8, 0.7, 0.75, 0.6, 0.9, 1.0, 0.5, 0.28, 0.14])
def test_at_risk_exactly_when_the_domain_would_refuse_completion(threshold: float) -> None:
    # Hours in halves up to 25: 7 of 25 against 0.28 is on the threshold, not below it.
    halves = [Decimal(n) / 2 for n in range(1, 51)]
    measured = [
        (attended, expected) for expected in halves for attended in [Decimal(0), *halves] if attended <= expected
    ]

    assert [at_risk("IN_TRAINING", attended, expected, threshold) for attended, expected in measured] == [
        completion_refused(attended, expected, threshold) for attended, expected in measured
    ]


def test_on_the_threshold_is_not_at_risk_below_it_is() -> None:
    assert not at_risk("IN_TRAINING", Decimal(48), Decimal(60), 0.8)
    assert at_risk("IN_TRAINING", Decimal("47.5"), Decimal(60), 0.8)
    assert at_risk("IN_TRAINING", Decimal(0), Decimal(6), 0.8)
    assert not at_risk("IN_TRAINING", Decimal(7), Decimal(25), 0.28), "0.28 of 25 hours is 7, exactly"
    assert not at_risk("IN_TRAINING", Decimal("2.4"), Decimal(3), 0.8), "as floats, 2.4 / 3 falls just short of 0.8"


def test_hours_count_not_sessions() -> None:
    # Present at a six-hour day, absent from two one-hour sessions: one session of three, six hours of eight.
    assert not at_risk("IN_TRAINING", Decimal(6), Decimal(8), 0.75)


@pytest.mark.parametrize("status", ["COMPLETED", "DROPPED_OUT", "WITHDRAWN"])
def test_a_record_no_longer_in_training_is_not_at_risk(status: str) -> None:
    assert not at_risk(status, Decimal(1), Decimal(10), 0.8)


def test_no_session_expected_yet_or_no_cohort_is_not_at_risk() -> None:
    assert not at_risk("IN_TRAINING", Decimal(0), Decimal(0), 0.8), "no rate before a session was expected"
    assert not at_risk("IN_TRAINING", Decimal(2), Decimal(10), None), "no threshold outside a cohort"


def test_a_condition_without_a_value_is_kept_as_written_between_numbered_ones() -> None:
    where = Where()
    where.add("project_id = {}", "p")
    where.require("at_risk")
    where.add("cohort_id = {}", "c")

    assert (where.sql, where.args) == ("project_id = $1 AND at_risk AND cohort_id = $2", ["p", "c"])
