"""Integration events published by the training service (stream TRAINING).

Three kinds: a participant's training record (``training.v1.training.*``, ``…attendance.*``,
``…skills.*``; ordered per participant), curricula (``training.v1.curriculum.*``; ordered per
curriculum) and cohorts (``training.v1.cohort.*``; ordered per cohort).
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field, PlainSerializer, WithJsonSchema

from pathways_contracts.base import OPEN_SET, IntegrationEvent, ParticipantEvent
from pathways_contracts.decimals import PLAIN_NOTATION

TRACKS: tuple[str, ...] = ("RESKILL", "UPSKILL")
Track = Annotated[str, Field(description="RESKILL (new skills for new work) or UPSKILL (better skills, new context).")]
Hours = Annotated[Decimal, Field(gt=0, description="Hours of training."), PLAIN_NOTATION]
AttendedHours = Annotated[Decimal, Field(ge=0, description="Hours of training attended."), PLAIN_NOTATION]
AttendanceThreshold = Annotated[
    float,
    Field(
        gt=0,
        le=1,
        description=(
            "Share a participant must attend to complete, 0 to 1: of the curriculum's hours, and of the hours of "
            "the sessions they were expected at (of sessions, before 2026-12-08)."
        ),
    ),
]
Score = Annotated[Decimal, Field(ge=0, le=100, description="Score from 0 to 100."), PLAIN_NOTATION]


ClockTime = Annotated[
    time,
    PlainSerializer(lambda moment: moment.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
]
"""A time of day as ``HH:MM``, as commands take it (no seconds, no offset)."""


class _TrainingEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "training"


class TrainingOpenedV1(_TrainingEvent):
    """A training record was opened for an enrollment (its id is the enrollment id)."""

    SUBJECT: ClassVar[str] = "training.v1.training.opened"

    enrollment_id: UUID
    project_id: UUID


class TrainingCompletedV1(_TrainingEvent):
    """A participant completed their training."""

    SUBJECT: ClassVar[str] = "training.v1.training.completed"

    enrollment_id: UUID
    project_id: UUID
    attendance_rate: float = Field(
        ge=0,
        le=1,
        description=(
            "Share attended, 0 to 1. In a cohort, of the hours of the sessions the participant was expected at, "
            "across cohort transfers (of the sessions, in messages published before 2026-12-08); outside a cohort, "
            "as reported."
        ),
    )
    completed_on: date | None = Field(default=None, description="The day training ended; follow-ups count from it.")
    cohort_id: UUID | None = None
    curriculum_id: UUID | None = None
    track: str | None = Field(default=None, description="RESKILL or UPSKILL, from the cohort's curriculum.")
    hours_attended: AttendedHours | None = Field(
        default=None,
        description=(
            "Hours of the sessions attended, across cohort transfers (absent outside a cohort and in older messages)."
        ),
    )
    curriculum_hours: Hours | None = Field(
        default=None,
        description=(
            "The hours of the curriculum version followed by the cohort the participant completed in; completion "
            "needed the curriculum's attendance threshold of them (absent outside a cohort and in older messages)."
        ),
    )


class TrainingWithdrawnV1(_TrainingEvent):
    """An open training record was closed because the enrollment was withdrawn."""

    SUBJECT: ClassVar[str] = "training.v1.training.withdrawn"

    enrollment_id: UUID
    withdrawn_on: date


class TrainingDroppedOutV1(_TrainingEvent):
    """A participant dropped out of training; the case gets no outcomes follow-ups."""

    SUBJECT: ClassVar[str] = "training.v1.training.dropped_out"

    enrollment_id: UUID
    project_id: UUID
    reason: str = Field(
        description="FOUND_WORK, HEALTH, FAMILY_DUTIES, MOVED_AWAY, LOST_CONTACT, NOT_SUITABLE or OTHER. " + OPEN_SET
    )
    dropped_out_on: date


class TrainingProjectChangedV1(_TrainingEvent):
    """The enrollment moved to another project: the training record follows it (its history stays)."""

    SUBJECT: ClassVar[str] = "training.v1.training.project_changed"

    enrollment_id: UUID
    project_id: UUID = Field(description="The project the record belongs to from now on.")
    from_project_id: UUID
    transferred_on: date


class CohortAssignedV1(_TrainingEvent):
    """A participant joined a cohort; sessions it holds from ``assigned_on`` count for their attendance."""

    SUBJECT: ClassVar[str] = "training.v1.training.cohort_assigned"

    enrollment_id: UUID
    cohort_id: UUID
    assigned_on: date
    track: Track | None = Field(
        default=None, description="RESKILL or UPSKILL, from the cohort's curriculum (absent in older events)."
    )


class CohortTransferredV1(_TrainingEvent):
    """A participant moved to another cohort mid-training, keeping their attendance history."""

    SUBJECT: ClassVar[str] = "training.v1.training.cohort_transferred"

    enrollment_id: UUID
    from_cohort_id: UUID
    to_cohort_id: UUID
    transferred_on: date
    sessions_expected_in_previous_cohort: list[UUID] = Field(
        description="Sessions of the previous cohort the participant was expected at; they still count."
    )
    track: Track | None = Field(
        default=None, description="RESKILL or UPSKILL, from the new cohort's curriculum (absent in older events)."
    )


class AttendanceRecordedV1(_TrainingEvent):
    """A participant was marked present or absent at a session (a later mark corrects an earlier one)."""

    SUBJECT: ClassVar[str] = "training.v1.attendance.recorded"

    enrollment_id: UUID
    cohort_id: UUID
    session_id: UUID
    attended: bool


class SkillsAssessedV1(_TrainingEvent):
    """A pre- or post-training skills assessment: a score per competency of the cohort's curriculum."""

    SUBJECT: ClassVar[str] = "training.v1.skills.assessed"

    enrollment_id: UUID
    cohort_id: UUID
    phase: str = Field(description="PRE (before training) or POST (after).")
    scores: dict[str, Score] = Field(description="Score per competency.")
    assessed_on: date


class _CurriculumEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "training"

    curriculum_id: UUID

    def partition_key(self) -> UUID:
        return self.curriculum_id


class CurriculumDraftedV1(_CurriculumEvent):
    """A curriculum was drafted for a project: version 1, to be co-designed with the community."""

    SUBJECT: ClassVar[str] = "training.v1.curriculum.drafted"

    project_id: UUID
    curriculum_version: int = Field(ge=1)
    title: str
    track: Track
    competencies: list[str]
    hours: Hours
    attendance_threshold: AttendanceThreshold


class CurriculumRevisedV1(_CurriculumEvent):
    """A curriculum's content was revised: the draft ``curriculum_version`` (a new one if the last was approved)."""

    SUBJECT: ClassVar[str] = "training.v1.curriculum.revised"

    curriculum_version: int = Field(ge=1)
    title: str
    track: Track
    competencies: list[str]
    hours: Hours
    attendance_threshold: AttendanceThreshold


class CurriculumCoDesignedV1(_CurriculumEvent):
    """A draft version was co-designed with the community."""

    SUBJECT: ClassVar[str] = "training.v1.curriculum.co_designed"

    curriculum_version: int = Field(ge=1)
    community: str
    co_designed_on: date
    needs_assessment_id: UUID | None = None


class CurriculumApprovedV1(_CurriculumEvent):
    """A co-designed version was approved: cohorts may follow it."""

    SUBJECT: ClassVar[str] = "training.v1.curriculum.approved"

    curriculum_version: int = Field(ge=1)
    approved_on: date


class CurriculumRetiredV1(_CurriculumEvent):
    """An approved version was retired: no new cohort follows it."""

    SUBJECT: ClassVar[str] = "training.v1.curriculum.retired"

    curriculum_version: int = Field(ge=1)
    retired_on: date


class _CohortEvent(IntegrationEvent):
    SOURCE_SERVICE: ClassVar[str] = "training"

    cohort_id: UUID

    def partition_key(self) -> UUID:
        return self.cohort_id


class CohortPlannedV1(_CohortEvent):
    """A cohort was planned on an approved curriculum version, whose rules it keeps."""

    SUBJECT: ClassVar[str] = "training.v1.cohort.planned"

    project_id: UUID
    curriculum_id: UUID
    curriculum_version: int = Field(ge=1)
    track: Track | None = None
    competencies: list[str]
    attendance_threshold: AttendanceThreshold
    starts_on: date


class CohortStartedV1(_CohortEvent):
    """A planned cohort started training."""

    SUBJECT: ClassVar[str] = "training.v1.cohort.started"

    started_on: date


class TrainingSessionHeldV1(_CohortEvent):
    """A cohort held a training session; its members' attendance is recorded against it."""

    SUBJECT: ClassVar[str] = "training.v1.cohort.session_held"

    session_id: UUID
    held_on: date
    hours: Hours
    starts_at: ClockTime | None = Field(
        default=None, description="When the session began, HH:MM on the unit's clock (Thai time, no offset), if given."
    )


class CohortCompletedV1(_CohortEvent):
    """A cohort finished its training."""

    SUBJECT: ClassVar[str] = "training.v1.cohort.completed"

    completed_on: date


class CohortCancelledV1(_CohortEvent):
    """A cohort was cancelled; its participants may transfer to another cohort."""

    SUBJECT: ClassVar[str] = "training.v1.cohort.cancelled"

    cancelled_on: date
    reason: str


EVENTS: tuple[type[IntegrationEvent], ...] = (
    TrainingOpenedV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingWithdrawnV1,
    TrainingProjectChangedV1,
    CohortAssignedV1,
    CohortTransferredV1,
    AttendanceRecordedV1,
    SkillsAssessedV1,
    CurriculumDraftedV1,
    CurriculumRevisedV1,
    CurriculumCoDesignedV1,
    CurriculumApprovedV1,
    CurriculumRetiredV1,
    CohortPlannedV1,
    CohortStartedV1,
    TrainingSessionHeldV1,
    CohortCompletedV1,
    CohortCancelledV1,
)
