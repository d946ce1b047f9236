"""What enrollment tells the world: each domain event's integration event, or nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from pathways_contracts.base import IntegrationEvent
from pathways_contracts.enrollment import (
    ApplicationReceivedV1,
    ApplicationScreenedInV1,
    ApplicationScreenedOutV1,
    MentorAssignedV1,
    MentorCoachingVisitLoggedV1,
    ParticipantEnrolledV1,
    ProjectNeedsAssessmentChangedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
    ProjectStatusChangedV1,
    UnitRegisteredV1,
    UnitRegistrationDayCorrectedV1,
    UnitRenamedV1,
    UnitStatusChangedV1,
)
from pathways_enrollment.domain.consent import ConsentPurpose, ConsentWithdrawn
from pathways_enrollment.domain.enrollment import EnrollmentApplied, ParticipantEnrolled, ParticipantScreened
from pathways_enrollment.domain.mentor import (
    MentorAssigned,
    MentorAssignmentEnded,
    MentorCoachingVisitLogged,
    MentorContactErased,
    MentorContactGiven,
    MentorContactRectified,
    MentorDeactivated,
    MentorReactivated,
    MentorRegistered,
)
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantFlaggedAsPotentialDuplicate,
    RegistrationDayCorrected,
    Sex,
)
from pathways_enrollment.domain.project import (
    ProjectClosed,
    ProjectProposed,
    ProjectRejected,
    ProjectRenamed,
    ProjectTerminated,
)
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitRegistrationDayCorrected,
    CareerDevelopmentUnitReinstated,
    CareerDevelopmentUnitRenamed,
    CareerDevelopmentUnitSuspended,
    MentorAssignmentNoted,
    ProjectProposalNoted,
)
from pathways_enrollment.outbound import translate
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent
from tests.unit.enrollment.facts import (
    CONSENTED_AT,
    MENTOR,
    OTHER_PARTICIPANT,
    PARTICIPANT,
    UNIT,
    active_project,
    active_unit,
    at,
    consented,
    enrolled,
    proposed_project,
    registered,
    uid,
    unit_registered,
)
from tests.unit.enrollment.facts import screened as screened_facts

OCCURRED_AT = datetime(2025, 6, 9, 3, 0, tzinfo=UTC)
ASSIGNED = MentorAssigned(mentor_id=MENTOR, assignment_id=uid("a"), from_date=date(2025, 1, 1), **at())
UNIT_RENAMED = CareerDevelopmentUnitRenamed(
    unit_id=UNIT, name="Mae Chaem Weavers CDU", previous_name="Mae Chaem CDU", renamed_on=date(2025, 2, 1)
)
UNIT_DAY_CORRECTED = CareerDevelopmentUnitRegistrationDayCorrected(
    unit_id=UNIT, registered_on=date(2024, 11, 1), previous_registered_on=date(2025, 6, 20), reason="charter"
)
PROJECT_RENAMED = ProjectRenamed(
    **at(), name="Ban Na weaving co-op", previous_name="Weaving co-op", renamed_on=date(2025, 6, 1)
)

PUBLISHED: list[tuple[object, str]] = [
    *zip(
        active_unit(),
        ["enrollment.v1.unit.registered", "enrollment.v1.unit.status_changed"],
        strict=True,
    ),
    (CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit"), "enrollment.v1.unit.status_changed"),
    (CareerDevelopmentUnitReinstated(unit_id=UNIT), "enrollment.v1.unit.status_changed"),
    (CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved"), "enrollment.v1.unit.status_changed"),
    *zip(
        active_project(),
        [
            "enrollment.v1.project.proposed",
            "enrollment.v1.project.needs_assessment_changed",
            "enrollment.v1.project.needs_assessment_changed",
            "enrollment.v1.project.opened",
            "enrollment.v1.project.status_changed",
        ],
        strict=True,
    ),
    (ProjectRejected(**at(), reason="x"), "enrollment.v1.project.status_changed"),
    (ProjectClosed(**at()), "enrollment.v1.project.status_changed"),
    (ProjectTerminated(**at(), reason="x"), "enrollment.v1.project.status_changed"),
    (UNIT_RENAMED, "enrollment.v1.unit.renamed"),
    (UNIT_DAY_CORRECTED, "enrollment.v1.unit.registration_day_corrected"),
    (PROJECT_RENAMED, "enrollment.v1.project.renamed"),
    (MentorRegistered(mentor_id=MENTOR), "enrollment.v1.mentor.registered"),
    (ASSIGNED, "enrollment.v1.mentor.assigned"),
    (
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=uid("a"), to_date=date(2025, 2, 1)),
        "enrollment.v1.mentor.assignment_ended",
    ),
    (
        MentorCoachingVisitLogged(
            mentor_id=MENTOR, visit_id=uid("v"), assignment_id=uid("a"), visited_on=date(2025, 1, 9), **at()
        ),
        "enrollment.v1.mentor.coaching_visit_logged",
    ),
    (MentorDeactivated(mentor_id=MENTOR), "enrollment.v1.mentor.status_changed"),
    (MentorReactivated(mentor_id=MENTOR), "enrollment.v1.mentor.status_changed"),
    (
        ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT),
        "enrollment.v1.participant.potential_duplicate_flagged",
    ),
    (
        ParticipantDuplicateResolved(
            participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
        ),
        "enrollment.v1.participant.duplicate_resolved",
    ),
]
PRIVATE: list[object] = [
    registered(),
    consented(),
    ConsentWithdrawn(
        participant_id=PARTICIPANT, purposes=(ConsentPurpose.OUTCOME_FOLLOW_UP,), withdrawn_at=CONSENTED_AT
    ),
    enrolled()[1],  # the baseline: its figures are published with the enrollment, not before
    # Nobody outside enrollment reads the registration day: its correction has no one to tell.
    RegistrationDayCorrected(
        participant_id=PARTICIPANT, registered_on=date(2025, 5, 2), previous_registered_on=None, reason="paper form"
    ),
    # The proposal is told; the unit noting it is how the unit knows its projects, nothing new.
    ProjectProposalNoted(unit_id=UNIT, project_id=uid("project")),
    # The assignment is told; the unit noting it is how the unit knows its mentors' assignments, nothing new.
    MentorAssignmentNoted(unit_id=UNIT, mentor_id=MENTOR, assignment_id=uid("assignment")),
    # A mentor's contact never reaches a stream, and nobody outside enrollment reads mentors: its erasure
    # has no one to tell.
    MentorContactGiven(mentor_id=MENTOR, fields=("full_name", "phone"), given_on=date(2025, 1, 2)),
    MentorContactRectified(mentor_id=MENTOR, fields=("phone",), rectified_on=date(2025, 3, 2)),
    MentorContactErased(mentor_id=MENTOR, erased_on=date(2025, 4, 2)),
]


def published(event: object) -> IntegrationEvent | None:
    metadata = EventMetadata(
        event_id=uuid4(),
        occurred_at=OCCURRED_AT,
        actor=Actor(id="officer-7", role="programme-officer"),
        correlation_id=uuid4(),
    )
    return translate(
        RecordedEvent(
            originator_id=uuid4(), originator_version=1, timestamp=OCCURRED_AT, event=event, metadata=metadata
        )
    )


@pytest.mark.parametrize(("event", "subject"), PUBLISHED, ids=lambda value: type(value).__name__)
def test_organisations_and_duplicate_flags_are_published(event: object, subject: str) -> None:
    found = published(event)
    assert found is not None
    assert (found.SUBJECT, found.occurred_at) == (subject, OCCURRED_AT)


@pytest.mark.parametrize("event", PRIVATE, ids=lambda value: type(value).__name__)
def test_a_participants_registration_consents_and_steps_before_enrollment_stay_private(event: object) -> None:
    assert published(event) is None


def test_an_application_and_its_screening_are_told_as_they_happen() -> None:
    applied, _, screened = screened_facts()
    received, screened_in = published(applied), published(screened)
    assert isinstance(received, ApplicationReceivedV1) and isinstance(applied, EnrollmentApplied)
    assert (received.enrollment_id, received.project_id, received.unit_id, received.applied_on) == (
        applied.enrollment_id,
        applied.project_id,
        applied.unit_id,
        applied.applied_on,
    )
    assert isinstance(screened_in, ApplicationScreenedInV1) and isinstance(screened, ParticipantScreened)
    assert (screened_in.enrollment_id, screened_in.screened_on) == (screened.enrollment_id, screened.screened_on)
    screened_out = published(screened_facts(passed=False)[-1])
    assert isinstance(screened_out, ApplicationScreenedOutV1)
    assert screened_out.reasons == ["income-above-threshold"]


def test_status_changes_name_the_domains_status() -> None:
    statuses = [published(event) for event in [*active_unit(), *active_project()]]
    assert [s.status for s in statuses if isinstance(s, UnitStatusChangedV1 | ProjectStatusChangedV1)] == [
        "ACTIVE",
        "ACTIVE",
    ]
    assessments = [s for s in statuses if isinstance(s, ProjectNeedsAssessmentChangedV1)]
    assert [(a.needs_assessment_status, a.assessed_on) for a in assessments] == [
        ("DRAFTED", date(2025, 3, 1)),
        ("VALIDATED", None),
    ]
    closed = published(ProjectClosed(**at()))
    assert isinstance(closed, ProjectStatusChangedV1)
    assert (closed.status, closed.reason) == ("CLOSED", None)


def test_a_rejection_or_termination_tells_its_reason_and_a_proposal_its_day() -> None:
    rejected = published(ProjectRejected(**at(), reason="outside the programme", on=date(2025, 3, 10)))
    terminated = published(ProjectTerminated(**at(), reason="grant withdrawn"))
    assert isinstance(rejected, ProjectStatusChangedV1) and isinstance(terminated, ProjectStatusChangedV1)
    assert (rejected.status, rejected.changed_on, rejected.reason) == (
        "REJECTED",
        date(2025, 3, 10),
        "outside the programme",
    )
    assert (terminated.status, terminated.reason) == ("TERMINATED", "grant withdrawn")
    proposed = proposed_project()[0]
    assert isinstance(proposed, ProjectProposed)
    proposal = published(replace(proposed, on=date(2025, 3, 1)))
    assert isinstance(proposal, ProjectProposedV1) and proposal.proposed_on == date(2025, 3, 1)


def test_a_unit_tells_the_day_it_was_registered_and_renames_tell_both_names_and_the_day() -> None:
    registration = published(unit_registered(registered_on=date(2025, 1, 15)))
    before_days = published(unit_registered())
    assert isinstance(registration, UnitRegisteredV1) and isinstance(before_days, UnitRegisteredV1)
    assert (registration.name, registration.registered_on, before_days.registered_on) == (
        "Mae Chaem CDU",
        date(2025, 1, 15),
        None,
    )
    unit_renamed = published(UNIT_RENAMED)
    assert isinstance(unit_renamed, UnitRenamedV1)
    assert (unit_renamed.name, unit_renamed.previous_name, unit_renamed.renamed_on) == (
        "Mae Chaem Weavers CDU",
        "Mae Chaem CDU",
        date(2025, 2, 1),
    )
    assert unit_renamed.partition_key() == UNIT
    project_renamed = published(PROJECT_RENAMED)
    assert isinstance(project_renamed, ProjectRenamedV1)
    assert (project_renamed.name, project_renamed.previous_name, project_renamed.renamed_on) == (
        "Ban Na weaving co-op",
        "Weaving co-op",
        date(2025, 6, 1),
    )
    assert (project_renamed.unit_id, project_renamed.province_code, project_renamed.region) == (UNIT, "TH-50", "NORTH")
    assert project_renamed.partition_key() == PROJECT_RENAMED.project_id


def test_a_corrected_unit_registration_day_tells_the_day_and_the_one_it_replaces_but_not_why() -> None:
    corrected = published(UNIT_DAY_CORRECTED)
    assert isinstance(corrected, UnitRegistrationDayCorrectedV1)
    assert (corrected.unit_id, corrected.registered_on, corrected.previous_registered_on) == (
        UNIT,
        date(2024, 11, 1),
        date(2025, 6, 20),
    )
    assert "reason" not in corrected.model_dump()
    assert corrected.partition_key() == UNIT
    given_a_day = published(replace(UNIT_DAY_CORRECTED, previous_registered_on=None))
    assert isinstance(given_a_day, UnitRegistrationDayCorrectedV1) and given_a_day.previous_registered_on is None


def test_a_proposal_and_an_assignment_say_where() -> None:
    proposal = published(active_project()[0])
    assert isinstance(proposal, ProjectProposedV1)
    assert (proposal.name, proposal.province_code, proposal.region, proposal.unit_id) == (
        "Weaving co-op",
        "TH-50",
        "NORTH",
        UNIT,
    )
    assignment = published(ASSIGNED)
    assert isinstance(assignment, MentorAssignedV1)
    assert (assignment.project_id, assignment.unit_id, assignment.region) == (ASSIGNED.project_id, UNIT, "NORTH")
    assert assignment.partition_key() == MENTOR


def test_an_enrollment_tells_the_participants_sex_and_age_band_and_nothing_older() -> None:
    enrollment = enrolled()[-1]
    assert isinstance(enrollment, ParticipantEnrolled)
    told = published(replace(enrollment, sex=Sex.OTHER, age_band="15-24"))
    before_bands = published(enrollment)
    assert isinstance(told, ParticipantEnrolledV1) and isinstance(before_bands, ParticipantEnrolledV1)
    assert (told.sex, told.age_band) == ("X", "15-24")
    assert (before_bands.sex, before_bands.age_band) == (None, None)
    assert not {"birth_year", "date_of_birth"} & set(told.model_dump())


def test_a_coaching_visit_tells_where_and_its_notes_as_written() -> None:
    notes = "Found: stock kept at home. Agreed: a shared store room by March."
    logged = MentorCoachingVisitLogged(
        mentor_id=MENTOR, visit_id=uid("v"), assignment_id=uid("a"), visited_on=date(2025, 1, 9), notes=notes, **at()
    )
    told = published(logged)
    assert isinstance(told, MentorCoachingVisitLoggedV1)
    assert (told.visit_id, told.assignment_id, told.unit_id, told.region, told.visited_on, told.notes) == (
        uid("v"),
        uid("a"),
        UNIT,
        "NORTH",
        date(2025, 1, 9),
        notes,
    )
    assert told.partition_key() == MENTOR
