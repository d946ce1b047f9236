"""Domain events → integration events for the outcomes service (what integrators receive)."""

from __future__ import annotations

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.outcomes import (
    EmploymentRecordedV1,
    EmploymentType,
    FollowUpsScheduledV1,
)
from pathways_infra.eventstore import RecordedEvent
from pathways_outcomes.domain.case import EmploymentRecorded, FollowUpsScheduled


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    match event:
        case FollowUpsScheduled():
            return FollowUpsScheduledV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                due_dates=list(event.due_dates),
            )
        case EmploymentRecorded():
            return EmploymentRecordedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                employment_type=EmploymentType(event.employment_type.value),
                related_to_training=event.related_to_training,
                monthly_income_thb=event.monthly_income_thb,
                days_to_first_job=event.days_to_first_job,
            )
    return None
