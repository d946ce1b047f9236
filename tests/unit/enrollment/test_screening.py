"""The screening policy: working age on the screening day, low income, and a target group."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pathways_enrollment.domain.screening import (
    EligibilityCriteria,
    EmploymentStatus,
    ScreeningOutcome,
    ScreeningReason,
    age_on,
    evaluate,
)
from tests.unit.enrollment.facts import profile

DEFAULT = EligibilityCriteria()
ON = date(2025, 6, 3)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2010, 6, 3), date(2025, 6, 3), 15),
        (date(2010, 6, 4), date(2025, 6, 3), 14),
        (date(2008, 2, 29), date(2025, 2, 28), 16),
        (date(2008, 2, 29), date(2025, 3, 1), 17),
    ],
    ids=["birthday", "day-before-birthday", "leap-day-not-yet", "leap-day-passed"],
)
def test_age_in_completed_years(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


def test_the_default_income_threshold_is_15000_baht() -> None:
    assert DEFAULT.income_threshold_thb == Decimal("15000")
    assert (DEFAULT.min_age, DEFAULT.max_age) == (15, 64)


@pytest.mark.parametrize(
    ("born", "reasons"),
    [
        (date(2010, 6, 3), ()),
        (date(2010, 6, 4), (ScreeningReason.BELOW_WORKING_AGE,)),
        (date(1960, 6, 4), ()),
        (date(1960, 6, 3), (ScreeningReason.ABOVE_WORKING_AGE,)),
    ],
    ids=["just-15", "still-14", "still-64", "just-65"],
)
def test_working_age_is_15_to_64_on_the_screening_day(born: date, reasons: tuple[ScreeningReason, ...]) -> None:
    assert evaluate(profile(), DEFAULT, date_of_birth=born, on=ON).reasons == reasons


@pytest.mark.parametrize(
    ("income", "threshold", "passed"),
    [("15000", "15000", True), ("15000.01", "15000", False), ("9000", "8000", False), ("0", "15000", True)],
    ids=["at-threshold", "just-above", "above-a-project-threshold", "no-income"],
)
def test_income_at_or_below_the_projects_threshold(income: str, threshold: str, passed: bool) -> None:
    criteria = EligibilityCriteria(income_threshold_thb=Decimal(threshold))
    outcome = evaluate(profile(monthly_income_thb=Decimal(income)), criteria, date_of_birth=date(1984, 3, 15), on=ON)
    assert outcome.passed is passed
    assert (ScreeningReason.INCOME_ABOVE_THRESHOLD in outcome.reasons) is not passed


@pytest.mark.parametrize(
    "situation",
    [
        {"informal_worker": True},
        {"covid_affected": True},
        {"employment_status": EmploymentStatus.UNEMPLOYED},
    ],
    ids=["informal", "covid-affected", "unemployed"],
)
def test_any_one_target_group_qualifies(situation: dict[str, object]) -> None:
    nobody = {"informal_worker": False, "covid_affected": False, "employment_status": EmploymentStatus.EMPLOYED}
    outcome = evaluate(profile(**{**nobody, **situation}), DEFAULT, date_of_birth=date(1984, 3, 15), on=ON)
    assert outcome == ScreeningOutcome(passed=True, reasons=())


def test_every_missed_criterion_is_reported() -> None:
    outsider = profile(
        employment_status=EmploymentStatus.EMPLOYED,
        monthly_income_thb=Decimal("32000"),
        informal_worker=False,
        covid_affected=False,
    )
    assert evaluate(outsider, DEFAULT, date_of_birth=date(1950, 1, 1), on=ON) == ScreeningOutcome(
        passed=False,
        reasons=(
            ScreeningReason.ABOVE_WORKING_AGE,
            ScreeningReason.INCOME_ABOVE_THRESHOLD,
            ScreeningReason.NOT_IN_TARGET_GROUP,
        ),
    )
