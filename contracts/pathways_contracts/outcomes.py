"""Integration events published by the outcomes service (stream OUTCOMES), for integrators too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import ParticipantEvent


class _OutcomesEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "outcomes"


class EmploymentType(StrEnum):
    WAGE = "WAGE"
    SELF_EMPLOYED = "SELF_EMPLOYED"


class FollowUpsScheduledV1(_OutcomesEvent):
    """Follow-ups at 3, 6 and 12 months after completion were scheduled for a case."""

    SUBJECT: ClassVar[str] = "outcomes.v1.followups.scheduled"

    enrollment_id: UUID
    project_id: UUID
    due_dates: list[date] = Field(description="Due dates of the 3-, 6- and 12-month follow-ups.")


class EmploymentRecordedV1(_OutcomesEvent):
    """A participant's employment after training was recorded."""

    SUBJECT: ClassVar[str] = "outcomes.v1.employment.recorded"

    enrollment_id: UUID
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: Decimal = Field(ge=0, decimal_places=2)
    days_to_first_job: int | None = Field(default=None, ge=0)


EVENTS: tuple[type[_OutcomesEvent], ...] = (FollowUpsScheduledV1, EmploymentRecordedV1)
