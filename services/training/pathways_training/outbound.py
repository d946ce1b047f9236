"""Domain events → integration events for the training service: the one place it decides what it tells."""

from __future__ import annotations

from datetime import datetime

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.training import (
    AttendanceRecordedV1,
    CohortAssignedV1,
    CohortCancelledV1,
    CohortCompletedV1,
    CohortPlannedV1,
    CohortStartedV1,
    CohortTransferredV1,
    CurriculumApprovedV1,
    CurriculumCoDesignedV1,
    CurriculumDraftedV1,
    CurriculumRetiredV1,
    CurriculumRevisedV1,
    SkillsAssessedV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingOpenedV1,
    TrainingProjectChangedV1,
    TrainingSessionHeldV1,
    TrainingWithdrawnV1,
)
from pathways_infra.eventstore import RecordedEvent
from pathways_training.domain.cohort import (
    CohortCancelled,
    CohortCompleted,
    CohortPlanned,
    CohortStarted,
    TrainingSessionHeld,
)
from pathways_training.domain.curriculum import (
    CurriculumApproved,
    CurriculumCoDesigned,
    CurriculumDrafted,
    CurriculumRetired,
    CurriculumRevised,
    Track,
)
from pathways_training.domain.training import (
    AssignedToCohort,
    AttendanceRecorded,
    EnrollmentTransferNoted,
    ParticipantDroppedOut,
    SkillsAssessed,
    TrainingCompleted,
    TrainingRecordOpened,
    TrainingRecordWithdrawn,
    TransferredToCohort,
)


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    """The integration event a domain event is published as; None for what stays private (known projects)."""
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    return (
        _record_event(event, occurred_at)
        or _record_ending(event, occurred_at)
        or _curriculum_event(event, occurred_at)
        or _cohort_event(event, occurred_at)
    )


def _record_event(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case TrainingRecordOpened():
            return TrainingOpenedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
            )
        case EnrollmentTransferNoted():
            return TrainingProjectChangedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.to_project_id,
                from_project_id=event.from_project_id,
                transferred_on=event.transferred_on,
            )
        case AssignedToCohort():
            return CohortAssignedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                cohort_id=event.cohort_id,
                assigned_on=event.assigned_on,
                track=_track(event.track),
            )
        case TransferredToCohort():
            return CohortTransferredV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                from_cohort_id=event.from_cohort_id,
                to_cohort_id=event.to_cohort_id,
                transferred_on=event.transferred_on,
                sessions_expected_in_previous_cohort=list(event.sessions_expected_in_previous_cohort),
                track=_track(event.track),
            )
        case AttendanceRecorded():
            return AttendanceRecordedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                cohort_id=event.cohort_id,
                session_id=event.session_id,
                attended=event.attended,
            )
        case SkillsAssessed():
            return SkillsAssessedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                cohort_id=event.cohort_id,
                phase=event.phase.value,
                scores={score.competency: score.score for score in event.scores},
                assessed_on=event.assessed_on,
            )
    return None


def _record_ending(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case TrainingCompleted():
            return TrainingCompletedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                attendance_rate=event.attendance_rate,
                completed_on=event.completed_on,
                cohort_id=event.cohort_id,
                curriculum_id=event.curriculum_id,
                track=_track(event.track),
                hours_attended=event.hours_attended,
                curriculum_hours=event.curriculum_hours,
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


def _curriculum_event(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case CurriculumDrafted():
            content = event.content
            return CurriculumDraftedV1(
                occurred_at=occurred_at,
                curriculum_id=event.curriculum_id,
                project_id=event.project_id,
                curriculum_version=1,
                title=content.title,
                track=content.track.value,
                competencies=list(content.competencies),
                hours=content.hours,
                attendance_threshold=content.attendance_threshold,
            )
        case CurriculumRevised():
            content = event.content
            return CurriculumRevisedV1(
                occurred_at=occurred_at,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.version,
                title=content.title,
                track=content.track.value,
                competencies=list(content.competencies),
                hours=content.hours,
                attendance_threshold=content.attendance_threshold,
            )
        case CurriculumCoDesigned():
            return CurriculumCoDesignedV1(
                occurred_at=occurred_at,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.version,
                community=event.community,
                co_designed_on=event.co_designed_on,
                needs_assessment_id=event.needs_assessment_id,
            )
        case CurriculumApproved():
            return CurriculumApprovedV1(
                occurred_at=occurred_at,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.version,
                approved_on=event.approved_on,
            )
        case CurriculumRetired():
            return CurriculumRetiredV1(
                occurred_at=occurred_at,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.version,
                retired_on=event.retired_on,
            )
    return None


def _cohort_event(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case CohortPlanned():
            return CohortPlannedV1(
                occurred_at=occurred_at,
                cohort_id=event.cohort_id,
                project_id=event.project_id,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.curriculum_version,
                track=_track(event.track),
                competencies=list(event.competencies),
                attendance_threshold=event.attendance_threshold,
                starts_on=event.starts_on,
            )
        case CohortStarted():
            return CohortStartedV1(occurred_at=occurred_at, cohort_id=event.cohort_id, started_on=event.started_on)
        case TrainingSessionHeld():
            return TrainingSessionHeldV1(
                occurred_at=occurred_at,
                cohort_id=event.cohort_id,
                session_id=event.session_id,
                held_on=event.held_on,
                hours=event.hours,
                starts_at=event.starts_at,
            )
        case CohortCompleted():
            return CohortCompletedV1(
                occurred_at=occurred_at, cohort_id=event.cohort_id, completed_on=event.completed_on
            )
        case CohortCancelled():
            return CohortCancelledV1(
                occurred_at=occurred_at, cohort_id=event.cohort_id, cancelled_on=event.cancelled_on, reason=event.reason
            )
    return None


def _track(track: Track | None) -> str | None:
    return None if track is None else track.value
