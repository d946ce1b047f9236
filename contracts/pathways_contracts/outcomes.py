"""Integration events published by the outcomes service (stream OUTCOMES), for integrators too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import IntegrationEvent, ParticipantEvent


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


class EnterpriseKind(StrEnum):
    ENTERPRISE = "ENTERPRISE"
    COMMUNITY_ENTERPRISE = "COMMUNITY_ENTERPRISE"


class EnterpriseStartedV1(IntegrationEvent):
    """Participants who completed training started an enterprise or a community enterprise."""

    SUBJECT: ClassVar[str] = "outcomes.v1.enterprise.started"
    SOURCE_SERVICE: ClassVar[str] = "outcomes"

    enterprise_id: UUID
    kind: EnterpriseKind
    name: str
    project_id: UUID
    enrollment_ids: list[UUID] = Field(description="The participants' enrollments (pseudonymous).")
    members_count: int = Field(ge=1, description="Members in all, participants of the programme or not.")
    products: list[str]
    started_on: date

    def partition_key(self) -> UUID:
        return self.enterprise_id


EVENTS: tuple[type[IntegrationEvent], ...] = (FollowUpsScheduledV1, EmploymentRecordedV1, EnterpriseStartedV1)
