"""A training record at risk: in training, attending below its cohort's threshold, so completion would be refused."""

from __future__ import annotations

import pytest

from pathways_infra.listing import Where
from pathways_training.domain.errors import TrainingRuleError
from pathways_training.domain.training import complete, evolve_record
from pathways_training.projections.training_records import at_risk
from tests.unit.training.given import ENROLLMENT, RECORD_OPENED, given


def completion_refused(rate: float, threshold: float) -> bool:
    state = given(evolve_record, RECORD_OPENED)
    try:
        complete(state, enrollment_id=ENROLLMENT, attendance_rate=rate, threshold=threshold)
    except TrainingRuleError as refused:
        assert refused.rule == "attendance-threshold"
        return True
    return False


@pytest.mark.parametrize("threshold", [0.8, 0.7, 0.75, 0.6, 0.9, 1.0, 0.5, 0.28, 0.14])
def test_at_risk_exactly_when_the_domain_would_refuse_completion(threshold: float) -> None:
    # Rates as counted, attended / expected: 7/25 against 0.28 is on the threshold, not below it.
    rates = [attended / expected for expected in range(1, 51) for attended in range(expected + 1)]

    assert [at_risk("IN_TRAINING", rate, threshold) for rate in rates] == [
        completion_refused(rate, threshold) for rate in rates
    ]


def test_on_the_threshold_is_not_at_risk_below_it_is() -> None:
    assert not at_risk("IN_TRAINING", 4 / 5, 0.8)
    assert at_risk("IN_TRAINING", 3 / 5, 0.8)
    assert at_risk("IN_TRAINING", 0.0, 0.8)
    assert not at_risk("IN_TRAINING", 7 / 25, 0.28), "compared as a rate: 0.28 * 25 would make 7 fall short"


@pytest.mark.parametrize("status", ["COMPLETED", "DROPPED_OUT", "WITHDRAWN"])
def test_a_record_no_longer_in_training_is_not_at_risk(status: str) -> None:
    assert not at_risk(status, 0.1, 0.8)


def test_no_session_expected_yet_or_no_cohort_is_not_at_risk() -> None:
    assert not at_risk("IN_TRAINING", None, 0.8), "no rate before a session was expected"
    assert not at_risk("IN_TRAINING", 0.2, None), "no threshold outside a cohort"


def test_a_condition_without_a_value_is_kept_as_written_between_numbered_ones() -> None:
    where = Where()
    where.add("project_id = {}", "p")
    where.require("at_risk")
    where.add("cohort_id = {}", "c")

    assert (where.sql, where.args) == ("project_id = $1 AND at_risk AND cohort_id = $2", ["p", "c"])
