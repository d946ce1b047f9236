"""Domain events as stored: every one round-trips through the event store's mapper, old shapes still read,
and every case event says where the case is for other services."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from eventsourcing.utils import get_topic

from pathways_enrollment.domain import enrollment, mentor, participant, project, unit
from pathways_enrollment.domain.consent import ConsentPurpose, ConsentWithdrawn
from pathways_enrollment.domain.enrollment import (
    EnrollmentTransferred,
    EnrollmentWithdrawn,
    TransferReason,
    WithdrawalReason,
)
from pathways_enrollment.domain.mentor import (
    MentorAssigned,
    MentorAssignmentEnded,
    MentorCoachingVisitLogged,
    MentorDeactivated,
    MentorReactivated,
    MentorRegistered,
)
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantFlaggedAsPotentialDuplicate,
    ParticipantRegistered,
    Sex,
)
from pathways_enrollment.domain.project import (
    ProjectClosed,
    ProjectRejected,
    ProjectTerminated,
)
from pathways_enrollment.domain.screening import ScreeningReason
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitReinstated,
    CareerDevelopmentUnitSuspended,
)
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent, RecordedEventMapper
from tests.unit.enrollment.facts import (
    CONSENTED_AT,
    MENTOR,
    OTHER_PARTICIPANT,
    PARTICIPANT,
    UNIT,
    active_project,
    active_unit,
    at,
    case_at,
    consented,
    enrolled,
    registered,
    uid,
)

SAMPLES: list[object] = [
    *active_unit(),
    CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit"),
    CareerDevelopmentUnitReinstated(unit_id=UNIT),
    CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved"),
    unit.CareerDevelopmentUnitRenamed(
        unit_id=UNIT, name="Mae Chaem Weavers CDU", previous_name="Mae Chaem CDU", renamed_on=date(2025, 2, 1)
    ),
    unit.CareerDevelopmentUnitRegistrationDayCorrected(
        unit_id=UNIT, registered_on=date(2024, 11, 1), previous_registered_on=None, reason="charter dated 1 Nov 2024"
    ),
    unit.ProjectProposalNoted(unit_id=UNIT, project_id=uid("project")),
    unit.MentorAssignmentNoted(unit_id=UNIT, mentor_id=MENTOR, assignment_id=uid("a")),
    *active_project(),
    project.ProjectRenamed(
        **at(), name="Weaving co-op of Ban Na", previous_name="Weaving co-op", renamed_on=date(2025, 4, 1)
    ),
    ProjectRejected(**at(), reason="x"),
    ProjectClosed(**at()),
    ProjectTerminated(**at(), reason="x"),
    MentorRegistered(mentor_id=MENTOR),
    MentorAssigned(mentor_id=MENTOR, assignment_id=uid("a"), from_date=date(2025, 1, 1), **at()),
    MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=uid("a"), to_date=date(2025, 2, 1)),
    MentorCoachingVisitLogged(
        mentor_id=MENTOR,
        visit_id=uid("v"),
        assignment_id=uid("a"),
        visited_on=date(2025, 1, 9),
        notes="Agreed: a price list for the market stall.",
        **at(),
    ),
    MentorDeactivated(mentor_id=MENTOR),
    MentorReactivated(mentor_id=MENTOR),
    mentor.MentorContactGiven(mentor_id=MENTOR, fields=("full_name", "phone"), given_on=date(2025, 1, 2)),
    mentor.MentorContactRectified(mentor_id=MENTOR, fields=("phone",), rectified_on=date(2025, 3, 2)),
    mentor.MentorContactErased(mentor_id=MENTOR, erased_on=date(2025, 4, 2)),
    registered(),
    ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
    ParticipantDuplicateResolved(
        participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
    ),
    consented(valid_until=date(2026, 5, 30)),
    ConsentWithdrawn(
        participant_id=PARTICIPANT, purposes=(ConsentPurpose.OUTCOME_FOLLOW_UP,), withdrawn_at=CONSENTED_AT
    ),
    *enrolled(),
    EnrollmentTransferred(
        **case_at(),
        from_project_id=uid("p0"),
        from_unit_id=None,
        from_province_code="TH-10",
        from_region="CENTRAL",
        transferred_on=date(2025, 8, 1),
        reason=TransferReason.BETTER_FIT,
    ),
    EnrollmentWithdrawn(**case_at(), reason=WithdrawalReason.OTHER, withdrawn_on=date(2025, 9, 1), was_enrolled=True),
    enrollment.TrainingEndNoted(**case_at(), how=enrollment.TrainingEnd.COMPLETED, ended_on=date(2025, 9, 15)),
    enrollment.FollowUpConsentChanged(**case_at(), consented=False, changed_on=date(2025, 9, 20)),
    enrollment.BaselineCorrected(
        **case_at(),
        profile=enrolled()[1].profile,  # type: ignore[attr-defined]
        reason="income typed 45000 for 4500",
        corrected_on=date(2025, 9, 21),
        would_have_failed_screening=(ScreeningReason.INCOME_ABOVE_THRESHOLD,),
    ),
    participant.ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2025, 10, 1)),
    participant.PersonalDataRectified(
        participant_id=PARTICIPANT, fields=("phone", "date_of_birth"), rectified_on=date(2025, 9, 1), age_band="25-34"
    ),
    participant.ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2025, 10, 1), merged_into=uid("u")),
    participant.PotentialDuplicateNoted(participant_id=OTHER_PARTICIPANT, duplicate_id=PARTICIPANT),
    participant.ApplicationNoted(participant_id=PARTICIPANT, enrollment_id=uid("case")),
    participant.RegistrationDayCorrected(
        participant_id=PARTICIPANT,
        registered_on=date(2025, 5, 2),
        previous_registered_on=date(2025, 6, 20),
        reason="paper form",
        age_band="35-44",
    ),
    participant.PotentialDuplicateSettled(
        participant_id=OTHER_PARTICIPANT, duplicate_id=PARTICIPANT, outcome=participant.DuplicateOutcome.ERASED
    ),
]
ALL_EVENTS = {*unit.EVENTS, *project.EVENTS, *mentor.EVENTS, *participant.EVENTS, *enrollment.EVENTS}
MAPPER = RecordedEventMapper(transcoder=JSONTranscoder())
META = EventMetadata(
    event_id=uuid4(),
    occurred_at=datetime(2025, 6, 9, 3, 0, tzinfo=UTC),
    actor=Actor(id="officer-7", role="programme-officer"),
    correlation_id=uuid4(),
)


def name_of(event_type: type) -> str:
    return event_type.__name__


def stored(event: object) -> RecordedEvent:
    recorded = RecordedEvent(
        originator_id=uuid4(), originator_version=1, timestamp=META.occurred_at, event=event, metadata=META
    )
    return MAPPER.to_domain_event(MAPPER.to_stored_event(recorded))


def test_the_samples_cover_every_event() -> None:
    assert {type(sample) for sample in SAMPLES} == ALL_EVENTS


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: name_of(type(event)))
def test_every_event_round_trips_through_the_event_store_mapper(event: object) -> None:
    assert stored(event).event == event


def test_decimals_stay_exact() -> None:
    baseline = enrolled()[1]
    assert stored(baseline).event.profile.monthly_income_thb == Decimal("6500.00")


@pytest.mark.parametrize(
    ("event_type", "old_data", "expected"),
    [
        (
            ParticipantRegistered,
            {"participant_id": str(PARTICIPANT), "sex": "F", "birth_year": 1984},
            ParticipantRegistered(participant_id=PARTICIPANT, sex=Sex.FEMALE, age_band=None),
        ),
        (
            enrollment.ParticipantEnrolled,
            {
                **{key: str(value) for key, value in case_at().items()},
                "enrolled_on": "2025-06-09",
                "consent_notice_version": "2025-01",
                "screened_on": "2025-06-03",
            },
            enrollment.ParticipantEnrolled(
                **case_at(),
                enrolled_on=date(2025, 6, 9),
                consent_notice_version="2025-01",
                screened_on=date(2025, 6, 3),
            ),
        ),
        (
            participant.ParticipantErased,
            {"participant_id": str(PARTICIPANT), "erased_on": "2025-10-01"},
            participant.ParticipantErased(participant_id=PARTICIPANT, erased_on=date(2025, 10, 1), merged_into=None),
        ),
        (
            unit.CareerDevelopmentUnitRegistered,
            {"unit_id": str(UNIT), "name": "Mae Chaem CDU", "province_code": "TH-50", "region": "NORTH"},
            unit.CareerDevelopmentUnitRegistered(
                unit_id=UNIT, name="Mae Chaem CDU", province_code="TH-50", region="NORTH", registered_on=None
            ),
        ),
        (
            MentorCoachingVisitLogged,
            {
                **{key: str(value) for key, value in at().items()},
                "mentor_id": str(MENTOR),
                "visit_id": str(uid("v")),
                "assignment_id": str(uid("a")),
                "visited_on": "2025-01-09",
            },
            MentorCoachingVisitLogged(
                mentor_id=MENTOR, visit_id=uid("v"), assignment_id=uid("a"), visited_on=date(2025, 1, 9), **at()
            ),
        ),
    ],
    ids=[
        "participant-registered-with-a-birth-year-no-longer-read",
        "participant-enrolled-without-sex-or-age-band",
        "participant-erased-before-merged-registrations-were-erased-with-it",
        "unit-registered-before-its-day-was-kept",
        "coaching-visit-logged-before-notes-were-kept",
    ],
)
def test_events_stored_before_the_richer_domain_still_read(
    event_type: type, old_data: dict[str, object], expected: object
) -> None:
    state = {
        "v": 1,
        "data": old_data,
        "meta": json.loads(json.dumps(dataclasses.asdict(META), default=str)),
        "recorded_at": META.occurred_at.isoformat(),
    }
    old = StoredEvent(
        originator_id=uuid4(), originator_version=1, topic=get_topic(event_type), state=json.dumps(state).encode()
    )
    assert MAPPER.to_domain_event(old).event == expected


@pytest.mark.parametrize("event_type", enrollment.EVENTS, ids=name_of)
def test_every_case_event_says_who_and_where(event_type: type) -> None:
    names = {f.name for f in dataclasses.fields(event_type)}
    assert {"enrollment_id", "participant_id", "project_id", "unit_id", "province_code", "region"} <= names


@pytest.mark.parametrize("event_type", project.EVENTS, ids=name_of)
def test_every_project_event_says_where_the_project_is(event_type: type) -> None:
    names = {f.name for f in dataclasses.fields(event_type)}
    assert {"project_id", "unit_id", "province_code", "region"} <= names


def test_no_event_carries_personal_data() -> None:
    personal = {
        "name", "first_name", "last_name", "national_id", "phone", "address", "date_of_birth", "birth_year",
    }  # fmt: skip
    organisations_named = {
        unit.CareerDevelopmentUnitRegistered, unit.CareerDevelopmentUnitRenamed, project.ProjectProposed,
        project.ProjectRenamed,
    }  # fmt: skip
    for event_type in ALL_EVENTS - organisations_named:
        assert not personal & {f.name for f in dataclasses.fields(event_type)}, event_type.__name__


@pytest.mark.parametrize(
    "evolve",
    [
        unit.evolve_unit,
        project.evolve_project,
        mentor.evolve_mentor,
        participant.evolve_participant,
        enrollment.evolve_enrollment,
    ],
)
def test_evolve_refuses_events_of_other_aggregates(evolve: Callable[[object, object], object]) -> None:
    with pytest.raises(TypeError, match="does not follow from"):
        evolve(None, object())
