"""Integration events published by the training service (stream TRAINING)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import ParticipantEvent


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
    attendance_rate: float = Field(ge=0, le=1, description="Share of sessions attended, 0 to 1.")
    completed_on: date | None = Field(default=None, description="The day training ended; follow-ups count from it.")
    cohort_id: UUID | None = None
    curriculum_id: UUID | None = None
    track: str | None = Field(default=None, description="RESKILL or UPSKILL, from the cohort's curriculum.")


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
    reason: str = Field(description="FOUND_WORK, HEALTH, FAMILY_DUTIES, MOVED_AWAY, LOST_CONTACT, NOT_SUITABLE, OTHER")
    dropped_out_on: date


EVENTS: tuple[type[_TrainingEvent], ...] = (
    TrainingOpenedV1,
    TrainingCompletedV1,
    TrainingDroppedOutV1,
    TrainingWithdrawnV1,
)
