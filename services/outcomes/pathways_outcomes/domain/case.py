"""A participant's outcomes case: follow-ups after training, employment and income."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

FOLLOW_UP_MONTHS = (3, 6, 12)


class OutcomesRuleError(Exception):
    """A command would break a rule of the outcomes domain."""

    rule = "outcomes-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        self.retryable = retryable


class EmploymentType(StrEnum):
    WAGE = "WAGE"
    SELF_EMPLOYED = "SELF_EMPLOYED"


@dataclass(frozen=True, kw_only=True)
class FollowUpsScheduled:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    completed_on: date
    due_dates: tuple[date, ...]


@dataclass(frozen=True, kw_only=True)
class EmploymentRecorded:
    enrollment_id: UUID
    participant_id: UUID
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: Decimal
    days_to_first_job: int | None


@dataclass(frozen=True, kw_only=True)
class Case:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    completed_on: date
    due_dates: tuple[date, ...]
    employment: EmploymentRecorded | None = None


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule_follow_ups(
    state: Case | None, *, enrollment_id: UUID, participant_id: UUID, project_id: UUID, completed_on: date
) -> list[FollowUpsScheduled]:
    if state is not None:
        return []  # completion was heard of before: scheduling is idempotent
    return [
        FollowUpsScheduled(
            enrollment_id=enrollment_id,
            participant_id=participant_id,
            project_id=project_id,
            completed_on=completed_on,
            due_dates=tuple(add_months(completed_on, months) for months in FOLLOW_UP_MONTHS),
        )
    ]


def record_employment(
    state: Case | None,
    *,
    enrollment_id: UUID,
    employment_type: EmploymentType,
    related_to_training: bool,
    monthly_income_thb: Decimal,
    days_to_first_job: int | None,
) -> list[EmploymentRecorded]:
    if state is None:
        raise OutcomesRuleError(
            f"no completed training is known for enrollment {enrollment_id}; an outcome needs a completed training "
            "(if training was just completed, retry shortly)",
            rule="training-must-be-completed",
            retryable=True,
        )
    return [
        EmploymentRecorded(
            enrollment_id=enrollment_id,
            participant_id=state.participant_id,
            employment_type=employment_type,
            related_to_training=related_to_training,
            monthly_income_thb=monthly_income_thb,
            days_to_first_job=days_to_first_job,
        )
    ]


def evolve_case(state: Case | None, event: object) -> Case:
    match event:
        case FollowUpsScheduled():
            return Case(
                enrollment_id=event.enrollment_id,
                participant_id=event.participant_id,
                project_id=event.project_id,
                completed_on=event.completed_on,
                due_dates=event.due_dates,
            )
        case EmploymentRecorded() if state is not None:
            return Case(
                enrollment_id=state.enrollment_id,
                participant_id=state.participant_id,
                project_id=state.project_id,
                completed_on=state.completed_on,
                due_dates=state.due_dates,
                employment=event,
            )
    raise TypeError(f"a case does not follow from {type(event).__name__} at {state}")
