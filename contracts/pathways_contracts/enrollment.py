"""Integration events published by the enrollment service (stream ENROLLMENT)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from pathways_contracts.base import IntegrationEvent, ParticipantEvent

ProvinceCode = Annotated[str, Field(pattern=r"^TH-\d{2}$", description="ISO 3166-2:TH code of the province.")]
Region = Annotated[str, Field(description="Region of the province in the programme's 4-region scheme.")]


class _EnrollmentEvent(ParticipantEvent):
    SOURCE_SERVICE: ClassVar[str] = "enrollment"


class ProjectOpenedV1(IntegrationEvent):
    """A project opened for enrollment: where it runs and which career development unit runs it."""

    SUBJECT: ClassVar[str] = "enrollment.v1.project.opened"
    SOURCE_SERVICE: ClassVar[str] = "enrollment"

    project_id: UUID
    name: str | None = Field(default=None, description="Not always known to the event that opened it.")
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region

    def partition_key(self) -> UUID:
        return self.project_id


class ParticipantEnrolledV1(_EnrollmentEvent):
    """A screened participant, with consent, was enrolled in a project.

    The baseline fields are the situation the participant applied in (absent for enrollments made
    before screening was recorded); outcomes measure income against them.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.enrolled"

    enrollment_id: UUID
    project_id: UUID
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    enrolled_on: date | None = None
    baseline_employment_status: str | None = Field(
        default=None, description="EMPLOYED, SELF_EMPLOYED, UNEMPLOYED or NOT_IN_LABOUR_FORCE at baseline."
    )
    baseline_monthly_income_thb: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    informal_worker: bool | None = None
    covid_affected: bool | None = None


class ApplicationScreenedOutV1(_EnrollmentEvent):
    """An applicant did not pass screening for a project; the case stays open for a new baseline."""

    SUBJECT: ClassVar[str] = "enrollment.v1.application.screened_out"

    enrollment_id: UUID
    project_id: UUID
    province_code: ProvinceCode
    region: Region
    screened_on: date
    reasons: list[str] = Field(description="below-working-age, income-above-threshold, not-in-target-group, ...")


class ParticipantTransferredV1(_EnrollmentEvent):
    """An enrolled case moved to another project or unit; its history stays with it."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.transferred"

    enrollment_id: UUID
    project_id: UUID = Field(description="The project the case is with from now on.")
    unit_id: UUID | None = None
    province_code: ProvinceCode
    region: Region
    from_project_id: UUID
    from_unit_id: UUID | None = None
    from_province_code: ProvinceCode
    from_region: Region
    transferred_on: date
    reason: str = Field(description="RELOCATION, BETTER_FIT, PROJECT_ENDED or OTHER")


class ParticipantWithdrawnV1(_EnrollmentEvent):
    """A participant's case was withdrawn (before or after enrollment); it gets no further training or follow-ups."""

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.withdrawn"

    enrollment_id: UUID
    project_id: UUID
    reason: str = Field(description="PARTICIPANT_REQUEST, CONSENT_WITHDRAWN, FOUND_EMPLOYMENT, MOVED_AWAY, ...")
    withdrawn_on: date
    was_enrolled: bool


class ParticipantErasedV1(_EnrollmentEvent):
    """A participant's personal data was erased (PDPA). Anyone holding a copy of it must erase it too.

    The pseudonymous id, the journey and the counts stay.
    """

    SUBJECT: ClassVar[str] = "enrollment.v1.participant.erased"

    erased_on: date


EVENTS: tuple[type[IntegrationEvent], ...] = (
    ProjectOpenedV1,
    ParticipantEnrolledV1,
    ApplicationScreenedOutV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ParticipantErasedV1,
)
