"""Screening policy: who the programme is for, judged from a baseline profile. No aggregate here.

The programme serves low-income, disadvantaged working-age people: working age (15-64 on the screening
date), a baseline monthly income at or below the project's threshold (15,000 THB unless the project
sets another), and at least one target group: informal worker, affected by COVID-19, or unemployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pathways_enrollment.domain.errors import EnrollmentRuleError

DEFAULT_INCOME_THRESHOLD_THB = Decimal("15000")
WORKING_AGE_MIN = 15
WORKING_AGE_MAX = 64


class EmploymentStatus(StrEnum):
    EMPLOYED = "EMPLOYED"
    SELF_EMPLOYED = "SELF_EMPLOYED"
    UNEMPLOYED = "UNEMPLOYED"
    NOT_IN_LABOUR_FORCE = "NOT_IN_LABOUR_FORCE"


@dataclass(frozen=True, kw_only=True)
class BaselineProfile:
    """The participant's situation when applying: the reference that outcomes are measured against."""

    employment_status: EmploymentStatus
    occupation: str | None
    monthly_income_thb: Decimal
    informal_worker: bool
    covid_affected: bool


@dataclass(frozen=True, kw_only=True)
class EligibilityCriteria:
    """What a project screens against. Only the income threshold varies per project."""

    income_threshold_thb: Decimal = DEFAULT_INCOME_THRESHOLD_THB
    min_age: int = WORKING_AGE_MIN
    max_age: int = WORKING_AGE_MAX


class ScreeningReason(StrEnum):
    """Why a participant did not pass screening."""

    BELOW_WORKING_AGE = "below-working-age"
    ABOVE_WORKING_AGE = "above-working-age"
    INCOME_ABOVE_THRESHOLD = "income-above-threshold"
    NOT_IN_TARGET_GROUP = "not-in-target-group"


@dataclass(frozen=True, kw_only=True)
class ScreeningOutcome:
    passed: bool
    reasons: tuple[ScreeningReason, ...]


def check_income(amount: Decimal, *, what: str = "monthly income") -> Decimal:
    """An amount of baht: a finite number, not negative."""
    if not amount.is_finite() or amount < 0:
        raise EnrollmentRuleError(f"{what} must be a number of baht, 0 or more", rule="monthly-income-invalid")
    return amount


def check_profile(profile: BaselineProfile) -> BaselineProfile:
    check_income(profile.monthly_income_thb)
    return profile


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def evaluate(
    profile: BaselineProfile, criteria: EligibilityCriteria, *, date_of_birth: date, on: date
) -> ScreeningOutcome:
    """Every criterion the participant misses, in a stable order; passed when there is none."""
    reasons: list[ScreeningReason] = []
    age = age_on(date_of_birth, on)
    if age < criteria.min_age:
        reasons.append(ScreeningReason.BELOW_WORKING_AGE)
    if age > criteria.max_age:
        reasons.append(ScreeningReason.ABOVE_WORKING_AGE)
    reasons += baseline_misses(profile, criteria)
    return ScreeningOutcome(passed=not reasons, reasons=tuple(reasons))


def baseline_misses(profile: BaselineProfile, criteria: EligibilityCriteria) -> tuple[ScreeningReason, ...]:
    """The criteria the baseline itself misses (income, target group): what a transfer checks again
    against the project it goes to. Age is judged once, at screening."""
    reasons: list[ScreeningReason] = []
    if profile.monthly_income_thb > criteria.income_threshold_thb:
        reasons.append(ScreeningReason.INCOME_ABOVE_THRESHOLD)
    in_target_group = (
        profile.informal_worker or profile.covid_affected or profile.employment_status == EmploymentStatus.UNEMPLOYED
    )
    if not in_target_group:
        reasons.append(ScreeningReason.NOT_IN_TARGET_GROUP)
    return tuple(reasons)
