"""Every outcomes domain event survives the event store's JSON round trip (pydantic, as in pathways_infra)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import TypeAdapter

from pathways_outcomes.domain.case import (
    BaselineCorrectionNoted,
    CaseTransferNoted,
    EmploymentRecorded,
    FollowUpConsentNoted,
    FollowUpMissed,
    TrainingCompletionNoted,
)
from pathways_outcomes.domain.enterprise import (
    EnterpriseBeganOperating,
    EnterpriseDissolved,
    EnterpriseKind,
    EnterpriseMemberJoined,
    EnterpriseMembersCounted,
    EnterpriseProductAdded,
    EnterpriseRegistered,
    EnterpriseStarted,
    EnterpriseWentDormant,
    OnlineSalesChannelOpened,
)
from pathways_outcomes.domain.erasure import ErasureNoted
from pathways_outcomes.domain.follow_ups import MissedReason
from pathways_outcomes.domain.project_reference import ProjectNameNoted, ProjectNoted
from tests.unit.outcomes.given import (
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    baseline,
    closed,
    dropped,
    employed,
    follow_up_completed,
    income,
    scheduled,
    withdrawn,
)

E = uuid4()
DAY = date(2024, 6, 1)
EVENTS: list[object] = [
    scheduled(),
    TrainingCompletionNoted(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, completed_on=DAY),
    dropped(),
    withdrawn(),
    baseline(6500),
    BaselineCorrectionNoted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        monthly_income_thb=Decimal("4500.00"),
        employment_status="SELF_EMPLOYED",
        informal_worker=True,
        covid_affected=False,
        corrected_on=DAY,
    ),
    CaseTransferNoted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=uuid4(),
        province_code="TH-10",
        region="CENTRAL",
        from_project_id=PROJECT,
        transferred_on=DAY,
        told=True,
    ),
    follow_up_completed(3),
    FollowUpMissed(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, month=6, missed_on=DAY, reason=MissedReason.NO_RESPONSE
    ),
    employed(3),
    income(3, 7250),
    FollowUpConsentNoted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        consented=True,
        noted_on=DAY,
        valid_until=DAY,
        restored=True,
        reopened_months=(6, 12),
    ),
    closed(),
    EnterpriseStarted(
        enterprise_id=E,
        kind=EnterpriseKind.COMMUNITY_ENTERPRISE,
        name="Ban Na weavers",
        project_id=PROJECT,
        participant_enrollment_ids=(ENROLLMENT,),
        members_count=9,
        products=("indigo scarf",),
        started_on=DAY,
    ),
    EnterpriseMemberJoined(enterprise_id=E, enrollment_id=uuid4(), joined_on=DAY),
    EnterpriseMembersCounted(enterprise_id=E, members_count=12, counted_on=DAY),
    EnterpriseProductAdded(enterprise_id=E, product="bag", added_on=DAY),
    OnlineSalesChannelOpened(enterprise_id=E, channel="Shopee", opened_on=DAY),
    EnterpriseRegistered(enterprise_id=E, registration_number="CE-1", registered_on=DAY),
    EnterpriseBeganOperating(enterprise_id=E, began_on=DAY),
    EnterpriseWentDormant(enterprise_id=E, dormant_on=DAY),
    EnterpriseDissolved(enterprise_id=E, dissolved_on=DAY, reason="x"),
    ErasureNoted(participant_id=PARTICIPANT, erased_on=DAY),
    ProjectNoted(project_id=PROJECT, name="Nan silverwork", province_code="TH-55", region="NORTH", opened_on=DAY),
    ProjectNameNoted(project_id=PROJECT, name="Nan silverwork"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_event_round_trips_through_json(event: object) -> None:
    adapter: TypeAdapter[object] = TypeAdapter(type(event))

    stored = json.dumps(adapter.dump_python(event, mode="json"))

    assert adapter.validate_python(json.loads(stored)) == event


def test_an_employment_stored_before_the_new_fields_still_reads() -> None:
    old = {
        "enrollment_id": str(ENROLLMENT),
        "participant_id": str(PARTICIPANT),
        "employment_type": "WAGE",
        "related_to_training": True,
        "monthly_income_thb": "9500.00",
        "days_to_first_job": None,
    }

    event = TypeAdapter(EmploymentRecorded).validate_python(old)

    assert (event.monthly_income_thb, event.follow_up_month, event.observed_on) == (Decimal("9500.00"), None, None)


def test_a_consent_noted_before_restorations_were_kept_reads_as_not_restored() -> None:
    old = {
        "enrollment_id": str(ENROLLMENT),
        "participant_id": str(PARTICIPANT),
        "project_id": str(PROJECT),
        "consented": True,
        "noted_on": "2024-06-01",
        "valid_until": None,
    }

    noted = TypeAdapter(FollowUpConsentNoted).validate_python(old)
    assert (noted.restored, noted.reopened_months) == (False, ())


def test_a_correction_noted_before_corrections_were_told_reads_as_untold() -> None:
    old = {
        "enrollment_id": str(ENROLLMENT),
        "participant_id": str(PARTICIPANT),
        "project_id": str(PROJECT),
        "monthly_income_thb": "4500.00",
        "employment_status": "SELF_EMPLOYED",
        "informal_worker": True,
        "covid_affected": False,
        "corrected_on": "2024-06-01",
    }

    assert TypeAdapter(BaselineCorrectionNoted).validate_python(old).told is False, "republished, it stays untold"
