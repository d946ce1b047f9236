"""Domain events → integration events for the outcomes service (what integrators receive).

Facts learned from other services (a baseline, a completion or dropout) are theirs to publish; only
what they change here is told again (a withdrawn case stops its follow-ups; consent to be followed up
withdrawn stops its outcomes, and given again lets it take them again; a baseline corrected or a transfer
to another project, of a case integrators know, changes how they measure or where they count it).
"""

from __future__ import annotations

from datetime import datetime

from pathways_contracts import outcomes as v1
from pathways_contracts.base import IntegrationEvent
from pathways_infra.eventstore import RecordedEvent
from pathways_outcomes.domain.case import (
    BaselineCorrectionNoted,
    CaseClosed,
    CaseEvent,
    CaseTransferNoted,
    EmploymentRecorded,
    EnrollmentWithdrawalNoted,
    FollowUpCompleted,
    FollowUpConsentNoted,
    FollowUpMissed,
    FollowUpsScheduled,
    IncomeObserved,
)
from pathways_outcomes.domain.enterprise import (
    EnterpriseBeganOperating,
    EnterpriseDissolved,
    EnterpriseEvent,
    EnterpriseMemberJoined,
    EnterpriseMembersCounted,
    EnterpriseProductAdded,
    EnterpriseRegistered,
    EnterpriseStarted,
    EnterpriseWentDormant,
    OnlineSalesChannelOpened,
)
from pathways_outcomes.domain.erasure import ErasureNoted
from pathways_outcomes.domain.project_reference import ProjectNoted


def translate(recorded: RecordedEvent) -> IntegrationEvent | None:
    event = recorded.event
    occurred_at = recorded.metadata.occurred_at
    if isinstance(event, CaseEvent):
        return _case_event(event, occurred_at)
    if isinstance(event, EnterpriseEvent):
        return _enterprise_event(event, occurred_at)
    if isinstance(event, ProjectNoted):
        return v1.ProjectPlaceV1(
            occurred_at=occurred_at,
            project_id=event.project_id,
            name=event.name,
            province_code=event.province_code,
            region=event.region,
            opened_on=event.opened_on,
        )
    if isinstance(event, ErasureNoted):
        return v1.ParticipantErasureNoticeV1(
            occurred_at=occurred_at, participant_id=event.participant_id, erased_on=event.erased_on
        )
    return None


def _case_event(event: CaseEvent, occurred_at: datetime) -> IntegrationEvent | None:
    match event:
        case FollowUpsScheduled():
            return v1.FollowUpsScheduledV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                due_dates=list(event.due_dates),
                completed_on=event.completed_on,
            )
        case EmploymentRecorded():
            return v1.EmploymentRecordedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                employment_type=v1.EmploymentType(event.employment_type.value),
                related_to_training=event.related_to_training,
                monthly_income_thb=event.monthly_income_thb,
                days_to_first_job=event.days_to_first_job,
                follow_up_month=event.follow_up_month,
                observed_on=event.observed_on,
            )
        case FollowUpCompleted():
            return v1.FollowUpCompletedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                month=event.month,
                completed_on=event.completed_on,
                working=event.working,
            )
        case FollowUpMissed():
            return v1.FollowUpMissedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                month=event.month,
                missed_on=event.missed_on,
                reason=event.reason.value,
            )
        case IncomeObserved():
            return v1.IncomeObservedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                at_month=event.at_month,
                monthly_income_thb=event.monthly_income_thb,
                observed_on=event.observed_on,
                source=event.source,
                baseline_monthly_income_thb=event.baseline_monthly_income_thb,
            )
        case EnrollmentWithdrawalNoted():
            return v1.CaseWithdrawnV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                withdrawn_on=event.withdrawn_on,
            )
        case FollowUpConsentNoted(restored=True):
            return v1.FollowUpConsentRestoredV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                restored_on=event.noted_on,
                valid_until=event.valid_until,
                follow_ups_reopened=list(event.reopened_months),
            )
        case FollowUpConsentNoted(consented=False):
            return v1.FollowUpConsentWithdrawnV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                withdrawn_on=event.noted_on,
            )
        case BaselineCorrectionNoted(told=True):
            return v1.CaseBaselineCorrectedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                baseline_monthly_income_thb=event.monthly_income_thb,
                informal_worker=event.informal_worker,
                covid_affected=event.covid_affected,
                corrected_on=event.corrected_on,
            )
        case CaseTransferNoted(told=True):
            return v1.CaseTransferredV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                project_id=event.project_id,
                province_code=event.province_code,
                region=event.region,
                from_project_id=event.from_project_id,
                transferred_on=event.transferred_on,
            )
        case CaseClosed():
            return v1.CaseClosedV1(
                occurred_at=occurred_at,
                participant_id=event.participant_id,
                enrollment_id=event.enrollment_id,
                closed_on=event.closed_on,
                reason=event.reason.value,
            )
    return None


def _enterprise_event(event: EnterpriseEvent, occurred_at: datetime) -> IntegrationEvent:
    match event:
        case EnterpriseStarted():
            return v1.EnterpriseStartedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                kind=v1.EnterpriseKind(event.kind.value),
                name=event.name,
                project_id=event.project_id,
                enrollment_ids=list(event.participant_enrollment_ids),
                members_count=event.members_count,
                products=list(event.products),
                started_on=event.started_on,
            )
        case EnterpriseMemberJoined():
            return v1.EnterpriseMemberJoinedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                enrollment_id=event.enrollment_id,
                joined_on=event.joined_on,
            )
        case EnterpriseMembersCounted():
            return v1.EnterpriseMembersCountedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                members_count=event.members_count,
                counted_on=event.counted_on,
            )
        case EnterpriseProductAdded():
            return v1.EnterpriseProductAddedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                product=event.product,
                added_on=event.added_on,
            )
        case OnlineSalesChannelOpened():
            return v1.EnterpriseOnlineSalesOpenedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                channel=event.channel,
                opened_on=event.opened_on,
            )
        case EnterpriseRegistered():
            return v1.EnterpriseRegisteredV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                registration_number=event.registration_number,
                registered_on=event.registered_on,
            )
        case EnterpriseBeganOperating():
            return v1.EnterpriseBeganOperatingV1(
                occurred_at=occurred_at, enterprise_id=event.enterprise_id, began_on=event.began_on
            )
        case EnterpriseWentDormant():
            return v1.EnterpriseWentDormantV1(
                occurred_at=occurred_at, enterprise_id=event.enterprise_id, dormant_on=event.dormant_on
            )
        case EnterpriseDissolved():
            return v1.EnterpriseDissolvedV1(
                occurred_at=occurred_at,
                enterprise_id=event.enterprise_id,
                dissolved_on=event.dissolved_on,
                reason=event.reason,
            )
