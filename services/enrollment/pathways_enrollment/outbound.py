"""Domain events → integration events. The only place enrollment decides what it tells the world.

Participants' registrations and consents stay private, and so do mentors' contacts and why a baseline was
corrected (free text about one participant, which may name them); of the registry, only a
potential duplicate and its resolution are told (rare, and pseudonymous). An enrollment tells the
participant's sex and age band (for equity breakdowns), never a date of birth or birth year. A unit's note of a
project proposed for it stays private too: the proposal is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict
from uuid import UUID

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import (
    ApplicationReceivedV1,
    ApplicationScreenedInV1,
    ApplicationScreenedOutV1,
    BaselineCorrectedV1,
    DuplicateResolvedV1,
    FollowUpConsentChangedV1,
    MentorAssignedV1,
    MentorAssignmentEndedV1,
    MentorCoachingVisitLoggedV1,
    MentorRegisteredV1,
    MentorStatusChangedV1,
    ParticipantEnrolledV1,
    ParticipantErasedV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    PotentialDuplicateFlaggedV1,
    ProjectNeedsAssessmentChangedV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
    ProjectStatusChangedV1,
    UnitRegisteredV1,
    UnitRegistrationDayCorrectedV1,
    UnitRenamedV1,
    UnitStatusChangedV1,
)
from pathways_enrollment.domain import mentor, participant, project, unit
from pathways_enrollment.domain.enrollment import (
    BaselineCorrected,
    CaseEvent,
    EnrollmentApplied,
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    FollowUpConsentChanged,
    ParticipantEnrolled,
    ParticipantScreened,
)
from pathways_enrollment.domain.participant import ParticipantErased
from pathways_enrollment.domain.project import ProjectApproved
from pathways_infra.eventstore import RecordedEvent

_UNIT_STATUS_AFTER: dict[type, unit.UnitStatus] = {
    unit.CareerDevelopmentUnitActivated: unit.UnitStatus.ACTIVE,
    unit.CareerDevelopmentUnitSuspended: unit.UnitStatus.SUSPENDED,
    unit.CareerDevelopmentUnitReinstated: unit.UnitStatus.ACTIVE,
    unit.CareerDevelopmentUnitDeactivated: unit.UnitStatus.DEACTIVATED,
}
_MENTOR_STATUS_AFTER: dict[type, mentor.MentorStatus] = {
    mentor.MentorDeactivated: mentor.MentorStatus.INACTIVE,
    mentor.MentorReactivated: mentor.MentorStatus.ACTIVE,
}


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
                opened_on=event.on,
            )
        case EnrollmentApplied():
            placed = _placed(event, occurred_at)
            return ApplicationReceivedV1(**placed, unit_id=event.unit_id, applied_on=event.applied_on)
        case ParticipantEnrolled():
            return _enrolled(event, occurred_at)
        case ParticipantScreened(passed=True):
            return ApplicationScreenedInV1(**_placed(event, occurred_at), screened_on=event.screened_on)
        case ParticipantScreened(passed=False):
            return ApplicationScreenedOutV1(
                **_placed(event, occurred_at),
                screened_on=event.screened_on,
                reasons=[reason.value for reason in event.reasons],
            )
        case EnrollmentTransferred():
            return ParticipantTransferredV1(
                **_placed(event, occurred_at),
                unit_id=event.unit_id,
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
        case FollowUpConsentChanged():
            return FollowUpConsentChangedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                consented=event.consented,
                changed_on=event.changed_on,
                valid_until=event.valid_until,
            )
        case BaselineCorrected():
            return BaselineCorrectedV1(
                **_placed(event, occurred_at),
                corrected_on=event.corrected_on,
                baseline_employment_status=event.profile.employment_status.value,
                baseline_monthly_income_thb=event.profile.monthly_income_thb,
                informal_worker=event.profile.informal_worker,
                covid_affected=event.profile.covid_affected,
            )
        case ParticipantErased():
            return ParticipantErasedV1(
                occurred_at=occurred_at, participant_id=event.participant_id, erased_on=event.erased_on
            )
    organisation = _organisation(event, occurred_at)
    return organisation if organisation is not None else _registry(event, occurred_at)


class _PlacedCaseFields(TypedDict):
    occurred_at: datetime
    participant_id: UUID
    enrollment_id: UUID
    project_id: UUID
    province_code: str
    region: str


def _placed(event: CaseEvent, occurred_at: datetime) -> _PlacedCaseFields:
    """The case, its participant, and the project (with its province and region) the case is with now."""
    return _PlacedCaseFields(
        occurred_at=occurred_at,
        participant_id=event.participant_id,
        enrollment_id=event.enrollment_id,
        project_id=event.project_id,
        province_code=event.province_code,
        region=event.region,
    )


def _organisation(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    """Projects, units and mentors: what exists, its status, and who coaches where."""
    match event:
        case project.ProjectEvent():
            return _project(event, occurred_at)
        case unit.CareerDevelopmentUnitRegistered():
            return UnitRegisteredV1(
                occurred_at=occurred_at,
                unit_id=event.unit_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                registered_on=event.registered_on,
            )
        case unit.CareerDevelopmentUnitRenamed():
            return UnitRenamedV1(
                occurred_at=occurred_at,
                unit_id=event.unit_id,
                name=event.name,
                previous_name=event.previous_name,
                renamed_on=event.renamed_on,
            )
        case unit.CareerDevelopmentUnitRegistrationDayCorrected():
            return UnitRegistrationDayCorrectedV1(
                occurred_at=occurred_at,
                unit_id=event.unit_id,
                registered_on=event.registered_on,
                previous_registered_on=event.previous_registered_on,
            )
        case (
            unit.CareerDevelopmentUnitActivated()
            | unit.CareerDevelopmentUnitSuspended()
            | unit.CareerDevelopmentUnitReinstated()
            | unit.CareerDevelopmentUnitDeactivated()
        ):
            status = _UNIT_STATUS_AFTER[type(event)]
            return UnitStatusChangedV1(occurred_at=occurred_at, unit_id=event.unit_id, status=status.value)
    return _mentor(event, occurred_at)


class _ProjectFields(TypedDict):
    occurred_at: datetime
    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


def _project(event: project.ProjectEvent, occurred_at: datetime) -> IntegrationEvent | None:
    where = _ProjectFields(
        occurred_at=occurred_at,
        project_id=event.project_id,
        unit_id=event.unit_id,
        province_code=event.province_code,
        region=event.region,
    )
    match event:
        case project.ProjectProposed():
            return ProjectProposedV1(**where, name=event.name, grant_thb=event.grant_thb, proposed_on=event.on)
        case project.CommunityNeedsAssessed():
            return ProjectNeedsAssessmentChangedV1(
                **where, needs_assessment_status="DRAFTED", assessed_on=event.assessed_on
            )
        case project.CommunityNeedsAssessmentValidated():
            return ProjectNeedsAssessmentChangedV1(**where, needs_assessment_status="VALIDATED")
        case project.ProjectRenamed():
            return ProjectRenamedV1(
                **where, name=event.name, previous_name=event.previous_name, renamed_on=event.renamed_on
            )
        case project.ProjectStep():
            status = project.STATUS_AFTER[type(event)]
            reason = event.reason if isinstance(event, project.ProjectRejected | project.ProjectTerminated) else None
            return ProjectStatusChangedV1(**where, status=status.value, changed_on=event.on, reason=reason)
    return None


def _mentor(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case mentor.MentorRegistered():
            return MentorRegisteredV1(occurred_at=occurred_at, mentor_id=event.mentor_id)
        case mentor.MentorAssigned():
            return MentorAssignedV1(
                occurred_at=occurred_at,
                mentor_id=event.mentor_id,
                assignment_id=event.assignment_id,
                unit_id=event.unit_id,
                project_id=event.project_id,
                province_code=event.province_code,
                region=event.region,
                from_date=event.from_date,
            )
        case mentor.MentorAssignmentEnded():
            return MentorAssignmentEndedV1(
                occurred_at=occurred_at,
                mentor_id=event.mentor_id,
                assignment_id=event.assignment_id,
                to_date=event.to_date,
            )
        case mentor.MentorCoachingVisitLogged():
            return MentorCoachingVisitLoggedV1(
                occurred_at=occurred_at,
                mentor_id=event.mentor_id,
                visit_id=event.visit_id,
                assignment_id=event.assignment_id,
                unit_id=event.unit_id,
                project_id=event.project_id,
                province_code=event.province_code,
                region=event.region,
                visited_on=event.visited_on,
                notes=event.notes,
            )
        case mentor.MentorDeactivated() | mentor.MentorReactivated():
            return MentorStatusChangedV1(
                occurred_at=occurred_at, mentor_id=event.mentor_id, status=_MENTOR_STATUS_AFTER[type(event)].value
            )
    return None


def _registry(event: object, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case participant.ParticipantFlaggedAsPotentialDuplicate():
            return PotentialDuplicateFlaggedV1(
                occurred_at=occurred_at, participant_id=event.participant_id, duplicate_of=event.duplicate_of
            )
        case participant.ParticipantDuplicateResolved():
            return DuplicateResolvedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                duplicate_of=event.duplicate_of,
                resolution=event.resolution.value,
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
        sex=None if event.sex is None else event.sex.value,
        age_band=event.age_band,
        follow_up_consented=event.follow_up_consented,
        follow_up_consent_until=event.follow_up_consent_until,
    )
