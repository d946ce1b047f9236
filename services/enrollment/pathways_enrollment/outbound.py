"""Domain events → integration events. The only place enrollment decides what it tells the world."""

from __future__ import annotations

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import ParticipantEnrolledV1, ParticipantWithdrawnV1
from pathways_enrollment.domain.enrollment import EnrollmentWithdrawn, ParticipantEnrolled
from pathways_infra.eventstore import RecordedEvent


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    match event:
        case ParticipantEnrolled():
            return ParticipantEnrolledV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                unit_id=event.unit_id,
                province_code=event.province_code,
                region=event.region,
            )
        case EnrollmentWithdrawn():
            return ParticipantWithdrawnV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                reason=event.reason.value,
                withdrawn_on=event.withdrawn_on,
                was_enrolled=event.was_enrolled,
            )
    return None
