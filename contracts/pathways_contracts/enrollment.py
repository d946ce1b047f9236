"""Integration events published by the enrollment service (stream ENROLLMENT)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import ParticipantEvent


class _EnrollmentEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"


class ParticipantEnrolledV1(_EnrollmentEvent):
    """A screened participant, with consent, was enrolled in a project."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.enrolled"

    enrollment_id: UUID
    project_id: UUID
    unit_id: UUID | None = None
    province_code: str = Field(pattern=r"^TH-\d{2}$", description="ISO 3166-2:TH code of the project's province.")
    region: str = Field(description="Region of the province in the programme's 4-region scheme.")


class ParticipantWithdrawnV1(_EnrollmentEvent):
    """A participant's case was withdrawn (before or after enrollment); it gets no further training or follow-ups."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.withdrawn"

    enrollment_id: UUID
    project_id: UUID
    reason: str = Field(description="PARTICIPANT_REQUEST, CONSENT_WITHDRAWN, FOUND_EMPLOYMENT, MOVED_AWAY, ...")
    withdrawn_on: date
    was_enrolled: bool


EVENTS: tuple[type[_EnrollmentEvent], ...] = (ParticipantEnrolledV1, ParticipantWithdrawnV1)
