"""Given events, when a command, then events or a rule error — for the outcomes domain.

``given(evolve, *events)`` folds a history into a state; a test calls the decision function on it and
compares the events it returns, or uses ``then_rejected`` to check the rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from pathways_outcomes.domain.case import (
    BaselineIncomeNoted,
    CaseClosed,
    ClosureReason,
    EmploymentRecorded,
    EmploymentType,
    EnrollmentWithdrawalNoted,
    FollowUpCompleted,
    FollowUpsScheduled,
    IncomeObserved,
    TrainingDropoutNoted,
)
from pathways_outcomes.domain.errors import OutcomesRuleError
from pathways_outcomes.domain.follow_ups import due_dates
from tests.support.given import given
from tests.support.given import then_rejected as _then_rejected

__all__ = ["given", "then_rejected"]


def then_rejected(when: Callable[[], object], *, rule: str, retryable: bool = False) -> OutcomesRuleError:
    return _then_rejected(OutcomesRuleError, when, rule=rule, retryable=retryable)


# One enrollment that completed training on 15 January 2024: follow-ups due 15 April, 15 July 2024, 15 January 2025.

ENROLLMENT = uuid4()
PARTICIPANT = uuid4()
PROJECT = uuid4()
COMPLETED_ON = date(2024, 1, 15)
DUE = {3: date(2024, 4, 15), 6: date(2024, 7, 15), 12: date(2025, 1, 15)}


def scheduled(enrollment_id: UUID = ENROLLMENT, completed_on: date = COMPLETED_ON) -> FollowUpsScheduled:
    return FollowUpsScheduled(
        enrollment_id=enrollment_id,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        completed_on=completed_on,
        due_dates=due_dates(completed_on),
    )


def follow_up_completed(month: int, enrollment_id: UUID = ENROLLMENT) -> FollowUpCompleted:
    return FollowUpCompleted(
        enrollment_id=enrollment_id, participant_id=PARTICIPANT, month=month, completed_on=DUE[month]
    )


def employed(
    month: int | None, enrollment_id: UUID = ENROLLMENT, *, days: int | None = 30, related: bool = True
) -> EmploymentRecorded:
    return EmploymentRecorded(
        enrollment_id=enrollment_id,
        participant_id=PARTICIPANT,
        employment_type=EmploymentType.WAGE,
        related_to_training=related,
        monthly_income_thb=Decimal(9000),
        days_to_first_job=days,
        follow_up_month=month,
        observed_on=DUE[month] if month else None,
    )


def income(
    month: int, amount: int, enrollment_id: UUID = ENROLLMENT, *, baseline: int | None = None, source: str | None = None
) -> IncomeObserved:
    return IncomeObserved(
        enrollment_id=enrollment_id,
        participant_id=PARTICIPANT,
        at_month=month,
        monthly_income_thb=Decimal(amount),
        observed_on=DUE.get(month, date(2023, 10, 1)),
        source=source,
        baseline_monthly_income_thb=None if baseline is None else Decimal(baseline),
    )


def baseline(amount: int, enrollment_id: UUID = ENROLLMENT) -> BaselineIncomeNoted:
    return BaselineIncomeNoted(
        enrollment_id=enrollment_id, participant_id=PARTICIPANT, project_id=PROJECT, monthly_income_thb=Decimal(amount)
    )


def withdrawn(enrollment_id: UUID = ENROLLMENT, on: date = date(2024, 5, 1)) -> EnrollmentWithdrawalNoted:
    return EnrollmentWithdrawalNoted(
        enrollment_id=enrollment_id, participant_id=PARTICIPANT, project_id=PROJECT, withdrawn_on=on
    )


def dropped(enrollment_id: UUID = ENROLLMENT) -> TrainingDropoutNoted:
    return TrainingDropoutNoted(
        enrollment_id=enrollment_id,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        dropped_out_on=date(2023, 12, 1),
        reason="HEALTH",
    )


def closed(
    enrollment_id: UUID = ENROLLMENT,
    on: date = date(2025, 2, 1),
    reason: ClosureReason = ClosureReason.FOLLOW_UP_FINISHED,
) -> CaseClosed:
    return CaseClosed(enrollment_id=enrollment_id, participant_id=PARTICIPANT, closed_on=on, reason=reason)
