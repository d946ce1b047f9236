"""A participant's training record: opened on enrollment, completed or dropped out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

DEFAULT_ATTENDANCE_THRESHOLD = 0.8


class TrainingRuleError(Exception):
    """A command would break a rule of the training domain."""

    rule = "training-rule"
    retryable = False

    def __init__(self, message: str, *, rule: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        if rule is not None:
            self.rule = rule
        self.retryable = retryable


class TrainingStatus(StrEnum):
    IN_TRAINING = "IN_TRAINING"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True, kw_only=True)
class TrainingRecordOpened:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class TrainingCompleted:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    attendance_rate: float


@dataclass(frozen=True, kw_only=True)
class TrainingRecord:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    status: TrainingStatus
    attendance_rate: float | None = None


def open_record(
    state: TrainingRecord | None, *, enrollment_id: UUID, participant_id: UUID, project_id: UUID
) -> list[TrainingRecordOpened]:
    if state is not None:
        return []  # the enrollment was heard of before: opening is idempotent
    return [TrainingRecordOpened(enrollment_id=enrollment_id, participant_id=participant_id, project_id=project_id)]


def complete(
    state: TrainingRecord | None,
    *,
    enrollment_id: UUID,
    attendance_rate: float,
    threshold: float = DEFAULT_ATTENDANCE_THRESHOLD,
) -> list[TrainingCompleted]:
    if state is None:
        raise TrainingRuleError(
            f"no training record for enrollment {enrollment_id}: the enrollment has not reached training yet",
            rule="enrollment-must-be-known",
            retryable=True,
        )
    if state.status is TrainingStatus.COMPLETED:
        raise TrainingRuleError(f"training of enrollment {enrollment_id} is already completed", rule="complete-once")
    if attendance_rate < threshold:
        raise TrainingRuleError(
            f"attendance {attendance_rate:.0%} is below the curriculum's threshold of {threshold:.0%}",
            rule="attendance-threshold",
        )
    return [
        TrainingCompleted(
            enrollment_id=enrollment_id,
            participant_id=state.participant_id,
            project_id=state.project_id,
            attendance_rate=attendance_rate,
        )
    ]


def evolve_record(state: TrainingRecord | None, event: object) -> TrainingRecord:
    match event:
        case TrainingRecordOpened():
            return TrainingRecord(
                enrollment_id=event.enrollment_id,
                participant_id=event.participant_id,
                project_id=event.project_id,
                status=TrainingStatus.IN_TRAINING,
            )
        case TrainingCompleted() if state is not None:
            return TrainingRecord(
                enrollment_id=state.enrollment_id,
                participant_id=state.participant_id,
                project_id=state.project_id,
                status=TrainingStatus.COMPLETED,
                attendance_rate=event.attendance_rate,
            )
    raise TypeError(f"a training record does not follow from {type(event).__name__} at {state}")
