"""One open case per participant and project: after withdrawing or dropping out, a participant may
apply to the same project again, which opens a new case; the old one stays, as history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pathways_enrollment.domain.enrollment import (
    Enrollment,
    EnrollmentApplied,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    TrainingEnd,
    TrainingEndNoted,
    TransferReason,
    WithdrawalReason,
    apply_for_enrollment,
    evolve_enrollment,
    transfer,
)
from pathways_enrollment.domain.participant import evolve_participant
from pathways_enrollment.domain.project import evolve_project
from pathways_enrollment.domain.unit import evolve_unit
from tests.unit.enrollment.facts import (
    APPLIED_ON,
    CASE,
    OTHER_PROJECT,
    PARTICIPANT,
    PROJECT,
    TRANSFERRED_ON,
    UNIT,
    active_project,
    active_unit,
    applied,
    at,
    case_at,
    consenting_participant,
    enrolled,
    screened,
    uid,
)
from tests.unit.enrollment.given import fold, given

LEFT_ON = date(2025, 7, 1)
SECOND_CASE = uid("second case")
PARTICIPANT_STATE = fold(evolve_participant, consenting_participant())
PROJECT_STATE = fold(evolve_project, active_project())
UNIT_STATE = fold(evolve_unit, active_unit())


def earlier_case(*events: object) -> Enrollment:
    case = fold(evolve_enrollment, events)
    assert case is not None
    return case


def withdrawn_case(*, reason: WithdrawalReason = WithdrawalReason.PARTICIPANT_REQUEST) -> Enrollment:
    left = EnrollmentWithdrawn(**case_at(), reason=reason, withdrawn_on=LEFT_ON, was_enrolled=True)
    return earlier_case(*enrolled(), left)


def training_ended(how: TrainingEnd) -> Enrollment:
    return earlier_case(*enrolled(), TrainingEndNoted(**case_at(), how=how, ended_on=LEFT_ON))


def application_again(*earlier: Enrollment, applied_on: date = date(2025, 9, 1)) -> dict[str, Any]:
    return {
        "enrollment_id": SECOND_CASE,
        "participant": PARTICIPANT_STATE,
        "participant_id": PARTICIPANT,
        "project": PROJECT_STATE,
        "project_id": PROJECT,
        "unit": UNIT_STATE,
        "applied_on": applied_on,
        "cases_in_project": list(earlier),
    }


@pytest.mark.parametrize(
    "earlier",
    [withdrawn_case(), withdrawn_case(reason=WithdrawalReason.MOVED_AWAY), training_ended(TrainingEnd.DROPPED_OUT)],
    ids=["withdrawn", "withdrawn-moved-away", "dropped-out"],
)
def test_a_participant_whose_case_left_the_project_applies_again_as_a_new_case(earlier: Enrollment) -> None:
    then = given(evolve_enrollment).when(apply_for_enrollment, **application_again(earlier))
    assert then.events == [
        EnrollmentApplied(**{**case_at(), "enrollment_id": SECOND_CASE}, applied_on=date(2025, 9, 1))
    ]
    assert then.state is not None and then.state.id == SECOND_CASE


def test_the_new_case_may_start_on_the_day_the_earlier_one_left() -> None:
    given(evolve_enrollment).when(apply_for_enrollment, **application_again(withdrawn_case(), applied_on=LEFT_ON))


@pytest.mark.parametrize(
    "earlier", [withdrawn_case(), training_ended(TrainingEnd.DROPPED_OUT)], ids=["withdrawn", "dropped-out"]
)
def test_no_new_case_dated_before_the_earlier_one_left(earlier: Enrollment) -> None:
    refused = given(evolve_enrollment).rejects(
        apply_for_enrollment,
        rule="new-case-before-earlier-case-left",
        **application_again(earlier, applied_on=date(2025, 6, 30)),
    )
    assert f"case {CASE} left project {PROJECT} on 2025-07-01" in str(refused)


@pytest.mark.parametrize(
    ("earlier", "said"),
    [
        (earlier_case(*applied()), "is still open (APPLIED)"),
        (earlier_case(*enrolled()), "is still open (ENROLLED)"),
        (training_ended(TrainingEnd.COMPLETED), "completed training there"),
        (earlier_case(*screened(passed=False)), "is still open (SCREENED_OUT): withdraw it first"),
    ],
    ids=["applied", "enrolled", "completed", "screened-out"],
)
def test_no_second_case_while_one_holds_its_place_in_the_project(earlier: Enrollment, said: str) -> None:
    refused = given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="enrolled-once-per-project", **application_again(earlier)
    )
    assert f"case {CASE} in project {PROJECT}, which {said}" in str(refused)


def test_a_case_transferred_into_the_project_holds_its_place_there() -> None:
    came_in = EnrollmentTransferred(
        **case_at(),
        from_project_id=OTHER_PROJECT,
        from_unit_id=UNIT,
        from_province_code="TH-80",
        from_region="SOUTH",
        transferred_on=TRANSFERRED_ON,
        reason=TransferReason.RELOCATION,
    )
    given(evolve_enrollment).rejects(
        apply_for_enrollment, rule="enrolled-once-per-project", **application_again(earlier_case(*enrolled(), came_in))
    )


def test_an_earlier_case_that_left_does_not_stop_a_transfer_back_into_the_project() -> None:
    moving_case = [
        EnrollmentApplied(**{**case_at(OTHER_PROJECT), "enrollment_id": SECOND_CASE}, applied_on=APPLIED_ON),
    ]
    state = fold(evolve_enrollment, moving_case)
    assert state is not None
    enrolled_elsewhere = [
        *moving_case,
        *(
            type(event)(**{**vars(event), "enrollment_id": SECOND_CASE, **at(OTHER_PROJECT)})
            for event in enrolled()[1:]
        ),
    ]
    move: dict[str, Any] = {
        "participant": PARTICIPANT_STATE,
        "to_project": PROJECT_STATE,
        "to_project_id": PROJECT,
        "to_unit": UNIT_STATE,
        "transferred_on": date(2025, 9, 1),
        "reason": TransferReason.RELOCATION,
    }
    then = given(evolve_enrollment, *enrolled_elsewhere).when(
        transfer, **move, cases_in_target_project=[withdrawn_case()]
    )
    assert [type(event) for event in then.events] == [EnrollmentTransferred]
    given(evolve_enrollment, *enrolled_elsewhere).rejects(
        transfer, rule="enrolled-once-per-project", **move, cases_in_target_project=[earlier_case(*enrolled())]
    )


def test_a_case_transferred_out_of_the_project_frees_it_from_the_day_it_moved() -> None:
    moved = EnrollmentTransferred(
        **case_at(OTHER_PROJECT),
        from_project_id=PROJECT,
        from_unit_id=UNIT,
        from_province_code="TH-50",
        from_region="NORTH",
        transferred_on=LEFT_ON,
        reason=TransferReason.RELOCATION,
    )
    moved_away = earlier_case(*enrolled(), moved)
    given(evolve_enrollment).when(apply_for_enrollment, **application_again(moved_away, applied_on=LEFT_ON))
    refused = given(evolve_enrollment).rejects(
        apply_for_enrollment,
        rule="new-case-before-earlier-case-left",
        **application_again(moved_away, applied_on=date(2025, 6, 20)),
    )
    assert f"case {CASE} left project {PROJECT} on 2025-07-01" in str(refused)
