"""The way the application layer enrolls today: projects registered outside the lifecycle take
enrollment without a case. It keeps working, and still refuses what must never happen."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from pathways_enrollment.domain.enrollment import EnrollmentStatus, ParticipantEnrolled, enroll, evolve_enrollment
from pathways_enrollment.domain.participant import (
    DuplicateResolution,
    ParticipantDuplicateResolved,
    ParticipantFlaggedAsPotentialDuplicate,
    Sex,
    evolve_participant,
    register_participant,
)
from pathways_enrollment.domain.project import ProjectClosed, evolve_project, register_project
from tests.unit.enrollment.facts import (
    CASE,
    ENROLLED_ON,
    OTHER_PARTICIPANT,
    PARTICIPANT,
    PROJECT,
    PROVINCE,
    REGION,
    at,
    consenting_participant,
    screened,
)
from tests.unit.enrollment.given import fold, given


def legacy_project() -> list[object]:
    return list(
        register_project(None, project_id=PROJECT, name="Batik", province_code=PROVINCE, region=REGION, unit_id=None)
    )


def legacy_participant() -> list[object]:
    return list(register_participant(None, participant_id=PARTICIPANT, sex=Sex.MALE, birth_year=1979))


def as_today(**overrides: Any) -> dict[str, Any]:
    """Exactly what application.py passes today."""
    command: dict[str, Any] = {
        "enrollment_id": CASE,
        "participant": fold(evolve_participant, legacy_participant()),
        "participant_id": PARTICIPANT,
        "project": fold(evolve_project, legacy_project()),
        "project_id": PROJECT,
    }
    return {**command, **overrides}


def test_a_registered_participant_enrolls_directly_in_a_registered_project() -> None:
    then = given(evolve_enrollment).when(enroll, **as_today())
    assert then.events == [
        ParticipantEnrolled(
            enrollment_id=CASE,
            participant_id=PARTICIPANT,
            project_id=PROJECT,
            unit_id=None,
            province_code=PROVINCE,
            region=REGION,
        )
    ]
    event = then.events[0]
    assert isinstance(event, ParticipantEnrolled)
    assert (event.enrolled_on, event.consent_notice_version, event.screened_on) == (None, None, None)
    assert then.state is not None and then.state.status == EnrollmentStatus.ENROLLED


def test_direct_enrollment_is_once_per_project() -> None:
    history = given(evolve_enrollment).when(enroll, **as_today()).events
    given(evolve_enrollment, *history).rejects(enroll, rule="enrolled-once-per-project", **as_today())


def test_direct_enrollment_names_what_is_not_registered() -> None:
    stranger = uuid4()
    error = given(evolve_enrollment).rejects(
        enroll, rule="must-exist", **as_today(participant=None, participant_id=stranger)
    )
    assert f"participant {stranger} is not registered" in str(error)
    error = given(evolve_enrollment).rejects(enroll, rule="must-exist", **as_today(project=None))
    assert f"project {PROJECT} is not registered" in str(error)


def test_direct_enrollment_still_refuses_merged_and_unresolved_duplicates() -> None:
    flag = ParticipantFlaggedAsPotentialDuplicate(participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT)
    merge = ParticipantDuplicateResolved(
        participant_id=PARTICIPANT, duplicate_of=OTHER_PARTICIPANT, resolution=DuplicateResolution.MERGED
    )
    flagged = fold(evolve_participant, [*legacy_participant(), flag])
    merged = fold(evolve_participant, [*legacy_participant(), flag, merge])
    given(evolve_enrollment).rejects(
        enroll, rule="potential-duplicate-unresolved", retryable=True, **as_today(participant=flagged)
    )
    given(evolve_enrollment).rejects(enroll, rule="merged-participant-cannot-enroll", **as_today(participant=merged))


def test_direct_enrollment_stops_when_the_project_closes() -> None:
    closed = fold(evolve_project, [*legacy_project(), ProjectClosed(**at(unit_id=None))])
    given(evolve_enrollment).rejects(enroll, rule="project-not-open-for-enrollment", **as_today(project=closed))


def test_a_registered_project_also_takes_screened_cases() -> None:
    then = given(evolve_enrollment, *screened()).when(
        enroll,
        **as_today(participant=fold(evolve_participant, consenting_participant()), enrolled_on=ENROLLED_ON),
    )
    event = then.events[0]
    assert isinstance(event, ParticipantEnrolled) and event.consent_notice_version is not None
