"""Domain events → integration events for the training service."""

from __future__ import annotations

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.training import (
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingOpenedV1,
    TrainingWithdrawnV1,
)
from pathways_infra.eventstore import RecordedEvent
from pathways_training.domain.training import (
    ParticipantDroppedOut,
    TrainingCompleted,
    TrainingRecordOpened,
    TrainingRecordWithdrawn,
)


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    match event:
        case TrainingRecordOpened():
            return TrainingOpenedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
            )
        case TrainingCompleted():
            return TrainingCompletedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                attendance_rate=event.attendance_rate,
            )
        case ParticipantDroppedOut():
            return TrainingDroppedOutV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                reason=event.reason.value,
                dropped_out_on=event.dropped_out_on,
            )
        case TrainingRecordWithdrawn():
            return TrainingWithdrawnV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                withdrawn_on=event.withdrawn_on,
            )
    return None
