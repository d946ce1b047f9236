"""A baseline enrollment corrected after enrollment: incomes are compared with it from then on, and the
enrollment's baseline told again (a republished message) never undoes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from pathways_outcomes.domain.case import (
    BaselineCorrectionNoted,
    BaselineIncomeNoted,
    evolve_case,
    note_baseline_correction,
    note_baseline_income,
    observe_income,
)
from pathways_outcomes.domain.indicators import median_income_change
from tests.unit.outcomes.given import (
    DUE,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    closed,
    follow_up_completed,
    given,
    income,
    scheduled,
)

IDS: dict[str, Any] = {"enrollment_id": ENROLLMENT, "participant_id": PARTICIPANT, "project_id": PROJECT}
PROFILE: dict[str, Any] = {"employment_status": "SELF_EMPLOYED", "informal_worker": True, "covid_affected": False}
ENROLLED_ON = date(2023, 9, 1)
CORRECTED_ON = date(2024, 5, 1)
TYPED = BaselineIncomeNoted(monthly_income_thb=Decimal(45000), enrolled_on=ENROLLED_ON, **PROFILE, **IDS)


def correction(amount: int = 4500, on: date = CORRECTED_ON, **overrides: Any) -> dict[str, Any]:
    return {**IDS, **PROFILE, "monthly_income_thb": Decimal(amount), "corrected_on": on, **overrides}


def corrected(amount: int = 4500, on: date = CORRECTED_ON, **overrides: Any) -> BaselineCorrectionNoted:
    """A correction of HISTORY's case, which had opened: told to integrators."""
    return BaselineCorrectionNoted(**correction(amount, on, **overrides), told=True)


HISTORY = (TYPED, scheduled(), follow_up_completed(3), income(3, 6000, baseline=45000))


def test_a_corrected_baseline_replaces_the_enrollments_and_incomes_compare_with_it() -> None:
    before = given(evolve_case, *HISTORY)
    assert before is not None and before.income_change(3) == Decimal(-39000)

    events = note_baseline_correction(before, **correction())

    assert events == [corrected()]
    case = given(evolve_case, *HISTORY, *events)
    assert case is not None
    assert (case.baseline_income, case.income_change(3), case.enrolled_on, case.baseline_corrected_on) == (
        Decimal(4500),
        Decimal(1500),
        ENROLLED_ON,
        CORRECTED_ON,
    )
    assert median_income_change([case], 3) == Decimal(1500)


def test_the_other_baseline_fields_are_corrected_too() -> None:
    events = note_baseline_correction(
        given(evolve_case, *HISTORY), **correction(45000, employment_status="UNEMPLOYED", covid_affected=True)
    )

    case = given(evolve_case, *HISTORY, *events)
    assert case is not None
    assert (case.baseline_income, case.baseline_employment_status, case.covid_affected) == (
        Decimal(45000),
        "UNEMPLOYED",
        True,
    )


def test_an_income_observed_after_the_correction_carries_the_corrected_baseline() -> None:
    state = given(evolve_case, *HISTORY, corrected(), follow_up_completed(6))

    events = observe_income(
        state, enrollment_id=ENROLLMENT, at_month=6, monthly_income_thb=Decimal(7000), observed_on=DUE[6]
    )

    assert events == [income(6, 7000, baseline=4500)]


def test_a_closed_case_is_corrected_too() -> None:
    state = given(evolve_case, *HISTORY, closed())

    assert note_baseline_correction(state, **correction()) == [corrected()]


def test_a_correction_heard_of_first_opens_the_case() -> None:
    events = note_baseline_correction(None, **correction())

    case = given(evolve_case, *events)
    assert case is not None and case.baseline_income == Decimal(4500)


def test_the_same_correction_again_or_an_older_one_notes_nothing_and_a_later_one_wins() -> None:
    state = given(evolve_case, *HISTORY, corrected())

    assert note_baseline_correction(state, **correction()) == []
    assert note_baseline_correction(state, **correction(5400, on=date(2024, 4, 1))) == []
    later = note_baseline_correction(state, **correction(5400, on=CORRECTED_ON))
    assert later == [corrected(5400)]
    case = given(evolve_case, *HISTORY, corrected(), *later)
    assert case is not None and case.baseline_income == Decimal(5400)


def test_the_enrollments_baseline_told_again_after_a_correction_does_not_undo_it() -> None:
    state = given(evolve_case, *HISTORY, corrected())
    told_again: dict[str, Any] = {**IDS, **PROFILE, "monthly_income_thb": Decimal(45000), "enrolled_on": ENROLLED_ON}

    assert note_baseline_income(state, **told_again) == []
    # Even were it noted (an enrollment day learned only now), the correction stands.
    case = given(evolve_case, *HISTORY, corrected(), replace(TYPED, enrolled_on=date(2023, 9, 2)))
    assert case is not None
    assert (case.baseline_income, case.enrolled_on) == (Decimal(4500), date(2023, 9, 2))
