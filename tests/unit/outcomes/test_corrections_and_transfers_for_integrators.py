"""Integrators read OUTCOMES only: a baseline corrected, or a transfer to another project, of a case they know
(training completed) is told to them once, so that they measure and place it as the programme's figures do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from pathways_outcomes.domain.case import (
    BaselineCorrectionNoted,
    CaseTransferNoted,
    FollowUpsScheduled,
    evolve_case,
    note_baseline_correction,
    note_transfer,
    observe_income,
    schedule_follow_ups,
)
from tests.unit.outcomes.given import (
    COMPLETED_ON,
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    baseline,
    closed,
    dropped,
    follow_up_completed,
    given,
    income,
    scheduled,
)

IDS: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT}
BANGKOK = uuid4()
NAN = uuid4()
OPENED = (baseline(45000), scheduled(), follow_up_completed(3), income(3, 6000, baseline=45000))


def correction(amount: int = 4500, on: date = date(2024, 5, 1)) -> dict[str, Any]:
    return {
        **IDS,
        "project_id": PROJECT,
        "monthly_income_thb": Decimal(amount),
        "employment_status": "SELF_EMPLOYED",
        "informal_worker": True,
        "covid_affected": False,
        "corrected_on": on,
    }


def transfer(to: Any = BANGKOK, on: date = date(2024, 6, 1), *, origin: Any = PROJECT) -> dict[str, Any]:
    return {
        **IDS,
        "project_id": to,
        "province_code": "TH-10",
        "region": "CENTRAL",
        "from_project_id": origin,
        "transferred_on": on,
    }


def test_a_baseline_corrected_after_the_case_opened_is_told_once() -> None:
    case = given(evolve_case, *OPENED)

    first = note_baseline_correction(case, **correction())
    again = note_baseline_correction(given(evolve_case, *OPENED, *first), **correction())

    assert first == [BaselineCorrectionNoted(**correction(), told=True)]
    assert again == [], "heard again (a redelivery, a republish): told once"


def test_a_baseline_corrected_in_training_is_kept_untold_and_the_incomes_carry_it() -> None:
    early = note_baseline_correction(given(evolve_case, baseline(45000)), **correction())
    history = (baseline(45000), *early, scheduled(), follow_up_completed(3))

    observed = observe_income(
        given(evolve_case, *history), enrollment_id=ENROLLMENT, at_month=3, monthly_income_thb=Decimal(6000),
        observed_on=DUE[3],
    )  # fmt: skip

    assert [e.told for e in early] == [False]
    assert [o.baseline_monthly_income_thb for o in observed] == [Decimal(4500)], "the income already says it"


def test_a_transfer_of_an_opened_case_is_told_once_and_the_case_stays_with_training_s_project() -> None:
    case = given(evolve_case, *OPENED)

    first = note_transfer(case, **transfer())
    moved = given(evolve_case, *OPENED, *first)
    again = note_transfer(moved, **transfer())

    assert first == [CaseTransferNoted(**transfer(), told=True)]
    assert again == [], "heard again: told once"
    assert moved is not None and moved.project_id == PROJECT, "its enterprises stay those of training's project"


def test_a_closed_case_transferred_is_told_too() -> None:
    assert [e.told for e in note_transfer(given(evolve_case, *OPENED, closed()), **transfer())] == [True]


def test_only_the_latest_transfer_moves_the_case_and_another_unit_of_its_project_does_not() -> None:
    later = note_transfer(given(evolve_case, *OPENED), **transfer(to=NAN, on=date(2024, 8, 1)))
    case = given(evolve_case, *OPENED, *later)

    older = note_transfer(case, **transfer(to=BANGKOK, on=date(2024, 6, 1)))
    back_the_same_day = note_transfer(case, **transfer(to=PROJECT, on=date(2024, 8, 1), origin=NAN))
    another_unit = note_transfer(case, **transfer(to=NAN, on=date(2024, 9, 1), origin=NAN))

    assert older == [], "an older transfer told after a later one does not move the case back"
    assert [(e.project_id, e.told) for e in back_the_same_day] == [(PROJECT, True)]
    assert another_unit == []


def test_a_dropout_transferred_is_not_told() -> None:
    assert [e.told for e in note_transfer(given(evolve_case, dropped()), **transfer())] == [False]


def test_a_transfer_heard_before_the_completion_is_told_when_the_case_opens_if_it_moved_it_elsewhere() -> None:
    heard_first = note_transfer(given(evolve_case, baseline(45000)), **transfer())
    case = given(evolve_case, baseline(45000), *heard_first)

    opened = schedule_follow_ups(
        case, enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, completed_on=COMPLETED_ON
    )
    heard_again = schedule_follow_ups(
        given(evolve_case, baseline(45000), *heard_first, *opened),
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, completed_on=COMPLETED_ON,
    )  # fmt: skip

    assert [e.told for e in heard_first] == [False]
    assert [type(e) for e in opened] == [FollowUpsScheduled, CaseTransferNoted]
    assert opened[1] == replace(heard_first[0], told=True), "told right after followups.scheduled"
    assert heard_again == [], "the completion heard again: nothing told twice"


def test_a_transfer_in_training_to_the_project_training_completes_in_is_not_told_again() -> None:
    heard_first = note_transfer(given(evolve_case, baseline(45000)), **transfer())

    opened = schedule_follow_ups(
        given(evolve_case, baseline(45000), *heard_first),
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=BANGKOK, completed_on=COMPLETED_ON,
    )  # fmt: skip

    assert [type(e) for e in opened] == [FollowUpsScheduled], "followups.scheduled names where it is"
