"""The enrollment case: one participant in one project."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.errors import EnrollmentRuleError, UnknownAggregateError
from pathways_enrollment.domain.participant import Participant
from pathways_enrollment.domain.project import Project


class EnrollmentStatus(StrEnum):
    ENROLLED = "ENROLLED"


@dataclass(frozen=True, kw_only=True)
class ParticipantEnrolled:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


@dataclass(frozen=True, kw_only=True)
class Enrollment:
    id: UUID
    participant_id: UUID
    project_id: UUID
    status: EnrollmentStatus


def enroll(
    state: Enrollment | None,
    *,
    enrollment_id: UUID,
    participant: Participant | None,
    participant_id: UUID,
    project: Project | None,
    project_id: UUID,
) -> list[ParticipantEnrolled]:
    if participant is None:
        raise UnknownAggregateError(f"participant {participant_id} is not registered")
    if project is None:
        raise UnknownAggregateError(f"project {project_id} is not registered")
    if state is not None:
        raise EnrollmentRuleError(
            f"participant {participant.id} is already enrolled in project {project.id}",
            rule="enrolled-once-per-project",
        )
    return [
        ParticipantEnrolled(
            enrollment_id=enrollment_id,
            participant_id=participant.id,
            project_id=project.id,
            unit_id=project.unit_id,
            province_code=project.province_code,
            region=project.region,
        )
    ]


def evolve_enrollment(state: Enrollment | None, event: object) -> Enrollment:
    match event:
        case ParticipantEnrolled():
            return Enrollment(
                id=event.enrollment_id,
                participant_id=event.participant_id,
                project_id=event.project_id,
                status=EnrollmentStatus.ENROLLED,
            )
    raise TypeError(f"an enrollment does not follow from {type(event).__name__}")
