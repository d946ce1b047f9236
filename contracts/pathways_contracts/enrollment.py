"""Integration events published by the enrollment service (stream ENROLLMENT)."""

from __future__ import annotations

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


EVENTS: tuple[type[_EnrollmentEvent], ...] = (ParticipantEnrolledV1,)
