"""What integrators receive: each outcomes domain event on its subject; facts learned from others are not told again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from pathways_contracts.outcomes import (
    CaseBaselineCorrectedV1,
    CaseTransferredV1,
    FollowUpConsentRestoredV1,
    FollowUpConsentWithdrawnV1,
)
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent
from pathways_outcomes.domain.case import BaselineCorrectionNoted, CaseTransferNoted, FollowUpConsentNoted
from pathways_outcomes.outbound import translate
from tests.unit.outcomes.given import baseline, dropped
from tests.unit.outcomes.test_events_storable import EVENTS

AT = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
SUBJECTS = {
    "FollowUpsScheduled": "outcomes.v1.followups.scheduled",
    "TrainingCompletionNoted": None,
    "TrainingDropoutNoted": None,
    "EnrollmentWithdrawalNoted": "outcomes.v1.case.withdrawn",
    "BaselineIncomeNoted": None,
    "FollowUpConsentNoted": "outcomes.v1.case.follow_up_consent_restored",  # the sample is a restoration
    "BaselineCorrectionNoted": None,  # the sample was heard in training: not told
    "CaseTransferNoted": "outcomes.v1.case.transferred",  # the sample is told
    "FollowUpCompleted": "outcomes.v1.followup.completed",
    "FollowUpMissed": "outcomes.v1.followup.missed",
    "EmploymentRecorded": "outcomes.v1.employment.recorded",
    "IncomeObserved": "outcomes.v1.income.observed",
    "CaseClosed": "outcomes.v1.case.closed",
    "EnterpriseStarted": "outcomes.v1.enterprise.started",
    "EnterpriseMemberJoined": "outcomes.v1.enterprise.member_joined",
    "EnterpriseMembersCounted": "outcomes.v1.enterprise.members_counted",
    "EnterpriseProductAdded": "outcomes.v1.enterprise.product_added",
    "OnlineSalesChannelOpened": "outcomes.v1.enterprise.online_sales_opened",
    "EnterpriseRegistered": "outcomes.v1.enterprise.registered",
    "EnterpriseBeganOperating": "outcomes.v1.enterprise.began_operating",
    "EnterpriseWentDormant": "outcomes.v1.enterprise.went_dormant",
    "EnterpriseDissolved": "outcomes.v1.enterprise.dissolved",
    "ErasureNoted": "outcomes.v1.participant.erased",
    "ProjectNoted": "outcomes.v1.project.placed",
    "ProjectNameNoted": None,
}


def recorded(event: object) -> RecordedEvent:
    metadata = EventMetadata(event_id=uuid4(), occurred_at=AT, actor=Actor(id="t", role="r"), correlation_id=uuid4())
    return RecordedEvent(originator_id=uuid4(), originator_version=1, timestamp=AT, event=event, metadata=metadata)


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_each_domain_event_goes_out_on_its_subject_or_not_at_all(event: object) -> None:
    translated = translate(recorded(event))

    assert (translated.SUBJECT if translated else None) == SUBJECTS[type(event).__name__]
    if translated is not None:
        assert translated.occurred_at == AT


def test_facts_learned_from_enrollment_and_training_are_not_published_again() -> None:
    assert translate(recorded(baseline(6500))) is None
    assert translate(recorded(dropped())) is None


def test_consent_withdrawn_and_given_again_after_it_stopped_is_told_to_integrators() -> None:
    ids: dict[str, Any] = {"enrollment_id": uuid4(), "participant_id": uuid4(), "project_id": uuid4()}
    day, until = date(2025, 9, 10), date(2026, 9, 30)
    withdrawn = FollowUpConsentNoted(**ids, consented=False, noted_on=day)
    with_an_end = FollowUpConsentNoted(**ids, consented=True, noted_on=day, valid_until=until)
    restored = FollowUpConsentNoted(
        **ids, consented=True, noted_on=day, valid_until=until, restored=True, reopened_months=(6, 12)
    )

    told = translate(recorded(restored))

    assert translate(recorded(withdrawn)) == FollowUpConsentWithdrawnV1(
        occurred_at=AT,
        participant_id=ids["participant_id"],
        enrollment_id=ids["enrollment_id"],
        withdrawn_on=day,
    ), "a case still in training has no follow-up to miss: only this tells integrators"
    assert translate(recorded(with_an_end)) is None
    assert told == FollowUpConsentRestoredV1(
        occurred_at=AT,
        participant_id=ids["participant_id"],
        enrollment_id=ids["enrollment_id"],
        restored_on=day,
        valid_until=until,
        follow_ups_reopened=[6, 12],
    ), "the follow-ups open again are named"


def test_a_baseline_corrected_or_a_transfer_of_an_opened_case_is_told() -> None:
    ids: dict[str, Any] = {"enrollment_id": uuid4(), "participant_id": uuid4()}
    day, moved_to, moved_from = date(2025, 9, 10), uuid4(), uuid4()
    profile: dict[str, Any] = {"employment_status": "UNEMPLOYED", "informal_worker": True, "covid_affected": True}
    corrected = BaselineCorrectionNoted(
        **ids, project_id=moved_from, monthly_income_thb=Decimal(4500), corrected_on=day, **profile
    )
    transferred = CaseTransferNoted(
        **ids, project_id=moved_to, province_code="TH-10", region="CENTRAL", from_project_id=moved_from,
        transferred_on=day,
    )  # fmt: skip

    assert translate(recorded(corrected)) is None, "heard before the case opened: its incomes carry it"
    assert translate(recorded(transferred)) is None
    assert translate(recorded(replace(corrected, told=True))) == CaseBaselineCorrectedV1(
        occurred_at=AT,
        **ids,
        baseline_monthly_income_thb=Decimal(4500),
        informal_worker=True,
        covid_affected=True,
        corrected_on=day,
    ), "what the indicators group incomes by, and no employment status"
    assert translate(recorded(replace(transferred, told=True))) == CaseTransferredV1(
        occurred_at=AT, **ids, project_id=moved_to, province_code="TH-10", region="CENTRAL",
        from_project_id=moved_from, transferred_on=day,
    )  # fmt: skip
