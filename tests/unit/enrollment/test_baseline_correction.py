"""A baseline corrected after enrollment: only of a case in the programme, never re-screened, and judged against
the project's criteria only to say which it would have failed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from pathways_contracts.enrollment import BaselineCorrectedV1
from pathways_enrollment.domain.enrollment import (
    BaselineCorrected,
    EnrollmentStatus,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    TrainingEnd,
    TrainingEndNoted,
    TransferReason,
    WithdrawalReason,
    correct_baseline,
    evolve_enrollment,
    transfer,
)
from pathways_enrollment.domain.participant import evolve_participant
from pathways_enrollment.domain.project import evolve_project
from pathways_enrollment.domain.screening import EligibilityCriteria, EmploymentStatus, ScreeningReason
from pathways_enrollment.domain.unit import evolve_unit
from pathways_enrollment.outbound import translate
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent
from tests.unit.enrollment.facts import (
    APPLIED_ON,
    ENROLLED_ON,
    OTHER_PROJECT,
    PROJECT,
    TRANSFERRED_ON,
    UNIT,
    active_project,
    active_unit,
    applied,
    case_at,
    consenting_participant,
    enrolled,
    profile,
    screened,
    with_baseline,
)
from tests.unit.enrollment.given import fold, given

CORRECTED_ON = date(2025, 9, 1)
TYPED = profile(monthly_income_thb=Decimal("45000"))  # a typing mistake, enrolled on
MEANT = profile(monthly_income_thb=Decimal("4500"))
CRITERIA = EligibilityCriteria()
REASON = "monthly income typed 45000 for 4500"
CASE_EVENT = uuid4()


def correction(**overrides: Any) -> dict[str, Any]:
    return {"profile": MEANT, "reason": REASON, "corrected_on": CORRECTED_ON, "criteria": CRITERIA, **overrides}


def corrected(**overrides: Any) -> BaselineCorrected:
    fields: dict[str, Any] = {"profile": MEANT, "reason": REASON, "corrected_on": CORRECTED_ON}
    return BaselineCorrected(**case_at(), **{**fields, **overrides})


TRANSFERRED = EnrollmentTransferred(
    **case_at(unit_id=None),
    from_project_id=PROJECT,
    from_unit_id=UNIT,
    from_province_code="TH-50",
    from_region="NORTH",
    transferred_on=date(2025, 8, 1),
    reason=TransferReason.BETTER_FIT,
)


def test_an_enrolled_cases_baseline_is_corrected_and_it_stays_enrolled_without_a_new_screening() -> None:
    before = given(evolve_enrollment, *enrolled()).state
    then = given(evolve_enrollment, *enrolled()).when(correct_baseline, **correction())

    assert then.events == [corrected()]
    assert before is not None and then.state is not None
    assert then.state.baseline == MEANT
    assert (then.state.status, then.state.screening, then.state.enrolled_on) == (
        EnrollmentStatus.ENROLLED,
        before.screening,
        ENROLLED_ON,
    )


def test_a_transferred_case_and_one_whose_training_ended_are_corrected_too() -> None:
    ended = TrainingEndNoted(**case_at(unit_id=None), how=TrainingEnd.COMPLETED, ended_on=date(2025, 8, 20))
    then = given(evolve_enrollment, *enrolled(), TRANSFERRED, ended).when(correct_baseline, **correction())

    assert then.events == [BaselineCorrected(**case_at(unit_id=None), profile=MEANT, reason=REASON,
                                             corrected_on=CORRECTED_ON)]  # fmt: skip
    assert then.state is not None and then.state.status == EnrollmentStatus.TRANSFERRED


def test_corrected_again_the_latest_correction_is_the_baseline() -> None:
    again = profile(monthly_income_thb=Decimal("5400"))
    then = given(evolve_enrollment, *enrolled(), corrected()).when(correct_baseline, **correction(profile=again))

    assert then.state is not None and then.state.baseline == again


def test_a_corrected_baseline_that_would_have_failed_screening_is_accepted_and_says_so() -> None:
    outside = profile(
        monthly_income_thb=Decimal("20000"),
        employment_status=EmploymentStatus.EMPLOYED,
        informal_worker=False,
        covid_affected=False,
    )
    then = given(evolve_enrollment, *enrolled()).when(correct_baseline, **correction(profile=outside))

    misses = (ScreeningReason.INCOME_ABOVE_THRESHOLD, ScreeningReason.NOT_IN_TARGET_GROUP)
    assert then.events == [corrected(profile=outside, would_have_failed_screening=misses)]
    assert then.state is not None and then.state.status == EnrollmentStatus.ENROLLED


def test_the_project_s_own_income_threshold_judges_it() -> None:
    strict = EligibilityCriteria(income_threshold_thb=Decimal("4000"))
    then = given(evolve_enrollment, *enrolled()).when(correct_baseline, **correction(criteria=strict))

    [event] = then.events
    assert isinstance(event, BaselineCorrected)
    assert event.would_have_failed_screening == (ScreeningReason.INCOME_ABOVE_THRESHOLD,)


@pytest.mark.parametrize("history", [applied(), with_baseline(), screened()], ids=["applied", "baseline", "screened"])
def test_before_enrollment_the_baseline_is_recorded_again_not_corrected(history: list[object]) -> None:
    given(evolve_enrollment, *history).rejects(correct_baseline, rule="baseline-correction-after-enrollment",
                                               **correction())  # fmt: skip


@pytest.mark.parametrize("was_enrolled", [True, False], ids=["after-enrollment", "before-enrollment"])
def test_a_withdrawn_cases_baseline_is_not_corrected(was_enrolled: bool) -> None:
    history = enrolled() if was_enrolled else applied()
    withdrawn = EnrollmentWithdrawn(
        **case_at(), reason=WithdrawalReason.OTHER, withdrawn_on=CORRECTED_ON, was_enrolled=was_enrolled
    )
    given(evolve_enrollment, *history, withdrawn).rejects(correct_baseline, rule="withdrawn-case-baseline-fixed",
                                                          **correction())  # fmt: skip


def test_the_same_baseline_again_is_no_correction() -> None:
    given(evolve_enrollment, *enrolled()).rejects(
        correct_baseline, rule="baseline-correction-changes-nothing", **correction(profile=profile())
    )


@pytest.mark.parametrize("income", ["-1", "NaN"], ids=["negative", "not-a-number"])
def test_the_corrected_income_is_an_amount_of_baht(income: str) -> None:
    given(evolve_enrollment, *enrolled()).rejects(
        correct_baseline,
        rule="monthly-income-invalid",
        **correction(profile=profile(monthly_income_thb=Decimal(income))),
    )


def test_not_dated_before_the_enrollment_but_on_its_day() -> None:
    given(evolve_enrollment, *enrolled()).rejects(
        correct_baseline, rule="baseline-corrected-before-enrollment", **correction(corrected_on=APPLIED_ON)
    )
    assert given(evolve_enrollment, *enrolled()).when(correct_baseline, **correction(corrected_on=ENROLLED_ON)).events


def test_a_later_transfer_judges_the_corrected_baseline_against_the_target_project() -> None:
    """Transfers check the baseline against the target's criteria: the corrected one, not the one enrolled on."""
    target = fold(evolve_project, active_project(OTHER_PROJECT))
    outside = profile(monthly_income_thb=Decimal("20000"))
    command: dict[str, Any] = {
        "participant": fold(evolve_participant, consenting_participant()),
        "to_project": target,
        "to_project_id": OTHER_PROJECT,
        "transferred_on": TRANSFERRED_ON,
        "reason": TransferReason.BETTER_FIT,
        "to_unit": fold(evolve_unit, active_unit()),
    }
    history = [*enrolled(), corrected(profile=outside, corrected_on=ENROLLED_ON)]
    given(evolve_enrollment, *history).rejects(transfer, rule="transfer-target-criteria-not-met", **command)


def test_the_correction_is_published_with_the_baseline_fields_of_an_enrollment_and_without_its_reason() -> None:
    at = datetime(2025, 9, 1, 3, 0, tzinfo=UTC)
    metadata = EventMetadata(
        event_id=CASE_EVENT, occurred_at=at, actor=Actor(id="o", role="r"), correlation_id=CASE_EVENT
    )
    event = corrected(profile=TYPED)
    message = translate(RecordedEvent(originator_id=CASE_EVENT, originator_version=5, timestamp=at, event=event,
                                      metadata=metadata))  # fmt: skip

    assert message == BaselineCorrectedV1(
        occurred_at=at,
        participant_id=event.participant_id,
        enrollment_id=event.enrollment_id,
        project_id=PROJECT,
        province_code=event.province_code,
        region=event.region,
        corrected_on=CORRECTED_ON,
        baseline_employment_status="SELF_EMPLOYED",
        baseline_monthly_income_thb=Decimal("45000"),
        informal_worker=True,
        covid_affected=False,
    )
    assert REASON not in message.model_dump_json()
