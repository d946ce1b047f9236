"""Ids, days and event histories that the enrollment domain tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from pathways_enrollment.domain.consent import ConsentGranted, ConsentPurpose
from pathways_enrollment.domain.enrollment import (
    BaselineProfileRecorded,
    EnrollmentApplied,
    ParticipantEnrolled,
    ParticipantScreened,
)
from pathways_enrollment.domain.participant import ParticipantRegistered, Sex
from pathways_enrollment.domain.project import (
    CommunityNeedsAssessed,
    CommunityNeedsAssessmentValidated,
    ProjectActivated,
    ProjectApproved,
    ProjectProposed,
)
from pathways_enrollment.domain.screening import BaselineProfile, EmploymentStatus, ScreeningReason
from pathways_enrollment.domain.unit import CareerDevelopmentUnitActivated, CareerDevelopmentUnitRegistered

_NAMES = UUID("0b5c1e7e-7d7e-4f0e-9a57-5f2d1f6c0a11")


def uid(name: str) -> UUID:
    return uuid5(_NAMES, name)


UNIT = uid("unit mae chaem")
OTHER_UNIT = uid("unit chiang dao")
PROJECT = uid("project weaving")
OTHER_PROJECT = uid("project batik")
PARTICIPANT = uid("participant")
OTHER_PARTICIPANT = uid("other participant")
CASE = uid("case")
MENTOR = uid("mentor")
NATIONAL_ID_HASH = "hmac-sha256:7f3a9c0d2b41e8f6"

PROVINCE, REGION = "TH-50", "NORTH"
OTHER_PROVINCE, OTHER_REGION = "TH-80", "SOUTH"

CONSENTED_AT = datetime(2025, 5, 30, 9, 0, tzinfo=UTC)
APPLIED_ON = date(2025, 6, 2)
SCREENED_ON = date(2025, 6, 3)
ENROLLED_ON = date(2025, 6, 9)
TRANSFERRED_ON = date(2025, 8, 1)
BORN = date(1984, 3, 15)
AGE_BAND = "35-44"  # of someone born on BORN, registering in 2025
NOTICE = "privacy-notice-2025-01"


def unit_registered(
    unit_id: UUID = UNIT, province_code: str = PROVINCE, region: str = REGION, registered_on: date | None = None
) -> object:
    """A unit's registration; without ``registered_on``, as recorded before the day was kept."""
    return CareerDevelopmentUnitRegistered(
        unit_id=unit_id, name="Mae Chaem CDU", province_code=province_code, region=region, registered_on=registered_on
    )


def active_unit(unit_id: UUID = UNIT, province_code: str = PROVINCE, region: str = REGION) -> list[object]:
    return [unit_registered(unit_id, province_code, region), CareerDevelopmentUnitActivated(unit_id=unit_id)]


def at(
    project_id: UUID = PROJECT, unit_id: UUID | None = UNIT, province_code: str = PROVINCE, region: str = REGION
) -> dict[str, Any]:
    """Where a project is: the fields every project event carries."""
    return {"project_id": project_id, "unit_id": unit_id, "province_code": province_code, "region": region}


def proposed_project(project_id: UUID = PROJECT, unit_id: UUID = UNIT, **where: Any) -> list[object]:
    place = at(project_id, unit_id, **where)
    return [
        ProjectProposed(
            **place,
            name="Weaving co-op",
            grant_thb=Decimal("450000"),
            income_threshold_thb=Decimal("15000"),
        )
    ]


def assessed(project_id: UUID = PROJECT, unit_id: UUID = UNIT, **where: Any) -> list[object]:
    place = at(project_id, unit_id, **where)
    return [
        CommunityNeedsAssessed(
            **place,
            problems=("low farm income",),
            community_capital=("hand-loom skills",),
            opportunities=("online craft market",),
            assessed_on=date(2025, 3, 1),
        ),
        CommunityNeedsAssessmentValidated(**place),
    ]


def approved_project(project_id: UUID = PROJECT, unit_id: UUID = UNIT, **where: Any) -> list[object]:
    return [
        *proposed_project(project_id, unit_id, **where),
        *assessed(project_id, unit_id, **where),
        ProjectApproved(**at(project_id, unit_id, **where)),
    ]


def active_project(project_id: UUID = PROJECT, unit_id: UUID = UNIT, **where: Any) -> list[object]:
    return [*approved_project(project_id, unit_id, **where), ProjectActivated(**at(project_id, unit_id, **where))]


def registered(participant_id: UUID = PARTICIPANT, age_band: str | None = AGE_BAND) -> ParticipantRegistered:
    return ParticipantRegistered(
        participant_id=participant_id, sex=Sex.FEMALE, age_band=age_band, national_id_hash=NATIONAL_ID_HASH
    )


def consented(participant_id: UUID = PARTICIPANT, **overrides: Any) -> ConsentGranted:
    fields: dict[str, Any] = {
        "participant_id": participant_id,
        "purposes": (ConsentPurpose.PROGRAMME_PARTICIPATION, ConsentPurpose.OUTCOME_FOLLOW_UP),
        "notice_version": NOTICE,
        "granted_at": CONSENTED_AT,
    }
    return ConsentGranted(**{**fields, **overrides})


def consenting_participant(participant_id: UUID = PARTICIPANT) -> list[object]:
    return [registered(participant_id), consented(participant_id)]


def profile(**overrides: Any) -> BaselineProfile:
    fields: dict[str, Any] = {
        "employment_status": EmploymentStatus.SELF_EMPLOYED,
        "occupation": "rice farmer",
        "monthly_income_thb": Decimal("6500.00"),
        "informal_worker": True,
        "covid_affected": False,
    }
    return BaselineProfile(**{**fields, **overrides})


def case_at(project_id: UUID = PROJECT, unit_id: UUID | None = UNIT, **where: Any) -> dict[str, Any]:
    """The fields every case event carries."""
    return {"enrollment_id": CASE, "participant_id": PARTICIPANT, **at(project_id, unit_id, **where)}


def applied() -> list[object]:
    return [EnrollmentApplied(**case_at(), applied_on=APPLIED_ON)]


def with_baseline(**overrides: Any) -> list[object]:
    return [*applied(), BaselineProfileRecorded(**case_at(), profile=profile(**overrides))]


def screened(*, passed: bool = True) -> list[object]:
    return [
        *with_baseline(),
        ParticipantScreened(
            **case_at(),
            screened_on=SCREENED_ON,
            passed=passed,
            reasons=() if passed else (ScreeningReason.INCOME_ABOVE_THRESHOLD,),
            income_threshold_thb=Decimal("15000"),
        ),
    ]


def enrolled() -> list[object]:
    return [
        *screened(),
        ParticipantEnrolled(
            **case_at(), enrolled_on=ENROLLED_ON, consent_notice_version=NOTICE, screened_on=SCREENED_ON
        ),
    ]
