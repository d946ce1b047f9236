"""Domain events → integration events for the outcomes service (what integrators receive)."""

from __future__ import annotations

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.outcomes import EmploymentRecordedV1, EmploymentType, EnterpriseStartedV1, FollowUpsScheduledV1
from pathways_contracts.outcomes import EnterpriseKind as EnterpriseKindV1
from pathways_infra.eventstore import RecordedEvent
from pathways_outcomes.domain.case import EmploymentRecorded, FollowUpsScheduled
from pathways_outcomes.domain.enterprise import EnterpriseStarted


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
        case EnterpriseStarted():
            return EnterpriseStartedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                kind=EnterpriseKindV1(event.kind.value),
                name=event.name,
                project_id=event.project_id,
                enrollment_ids=list(event.participant_enrollment_ids),
                members_count=event.members_count,
                products=list(event.products),
                started_on=event.started_on,
            )
    return None
