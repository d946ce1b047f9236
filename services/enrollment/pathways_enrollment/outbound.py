"""Domain events → integration events. The only place enrollment decides what it tells the world."""

from __future__ import annotations

from datetime import datetime

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import (
    ApplicationScreenedOutV1,
    ParticipantEnrolledV1,
    ParticipantErasedV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
)
from pathways_enrollment.domain.enrollment import (
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    ParticipantEnrolled,
    ParticipantScreened,
)
from pathways_enrollment.domain.participant import ParticipantErased
from pathways_enrollment.domain.project import ProjectApproved
from pathways_infra.eventstore import RecordedEvent


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    match event:
        case ProjectApproved():
            return ProjectOpenedV1(
                occurred_at=occurred_at,
                project_id=event.project_id,
                unit_id=event.unit_id,
                province_code=event.province_code,
                region=event.region,
            )
        case ParticipantEnrolled():
            return _enrolled(event, occurred_at)
        case ParticipantScreened(passed=False):
            return ApplicationScreenedOutV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                province_code=event.province_code,
                region=event.region,
                screened_on=event.screened_on,
                reasons=[reason.value for reason in event.reasons],
            )
        case EnrollmentTransferred():
            return ParticipantTransferredV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                unit_id=event.unit_id,
                province_code=event.province_code,
                region=event.region,
                from_project_id=event.from_project_id,
                from_unit_id=event.from_unit_id,
                from_province_code=event.from_province_code,
                from_region=event.from_region,
                transferred_on=event.transferred_on,
                reason=event.reason.value,
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
        case ParticipantErased():
            return ParticipantErasedV1(
                occurred_at=occurred_at, participant_id=event.participant_id, erased_on=event.erased_on
            )
    return None


def _enrolled(event: ParticipantEnrolled, occurred_at: datetime) -> ParticipantEnrolledV1:
    baseline = event.baseline
    return ParticipantEnrolledV1(
        occurred_at=occurred_at,
        participant_id=event.participant_id,
        enrollment_id=event.enrollment_id,
        project_id=event.project_id,
        unit_id=event.unit_id,
        province_code=event.province_code,
        region=event.region,
        enrolled_on=event.enrolled_on,
        baseline_employment_status=None if baseline is None else baseline.employment_status.value,
        baseline_monthly_income_thb=None if baseline is None else baseline.monthly_income_thb,
        informal_worker=None if baseline is None else baseline.informal_worker,
        covid_affected=None if baseline is None else baseline.covid_affected,
    )
