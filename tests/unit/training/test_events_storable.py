"""Every training domain event survives the event store's JSON round trip (pydantic, as in pathways_infra)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from uuid import uuid4

import pytest
from pydantic import TypeAdapter

from pathways_training.domain.cohort import CohortCancelled, CohortCompleted, CohortPlanned
from pathways_training.domain.curriculum import CurriculumDrafted, CurriculumRetired, CurriculumRevised, Track
from pathways_training.domain.training import (
    AssessmentPhase,
    AssignedToCohort,
    AttendanceRecorded,
    CompetencyScore,
    DropoutReason,
    EnrollmentTransferNoted,
    ParticipantDroppedOut,
    SkillsAssessed,
    TrainingCompleted,
    TrainingRecordOpened,
    TrainingRecordWithdrawn,
    TransferredToCohort,
)
from tests.unit.training.given import (
    APPROVED_CURRICULUM,
    COHORT,
    CONTENT,
    CURRICULUM,
    CURRICULUM_DRAFTED,
    ENROLLMENT,
    PARTICIPANT,
    PROJECT,
    PROJECT_LEARNED,
    RECORD_OPENED,
    RECORD_OPENED_ON_ENROLLMENT_DAY,
    assigned,
    cohort_planned,
    cohort_started,
    session_held,
)

MOVED = TransferredToCohort(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    from_cohort_id=COHORT,
    to_cohort_id=uuid4(),
    transferred_on=date(2024, 2, 10),
    sessions_expected_in_previous_cohort=(uuid4(), uuid4()),
    track=Track.UPSKILL,
)
EVENTS: list[object] = [
    PROJECT_LEARNED,
    *APPROVED_CURRICULUM,
    CurriculumRevised(curriculum_id=CURRICULUM, version=2, content=CONTENT, revised_on=date(2024, 6, 1)),
    CurriculumRetired(curriculum_id=CURRICULUM, version=1, retired_on=date(2025, 1, 1)),
    cohort_planned(),
    cohort_started(),
    session_held(date(2024, 2, 5)),
    session_held(date(2024, 2, 5), starts_at=time(13, 30)),
    CohortCompleted(cohort_id=COHORT, completed_on=date(2024, 4, 1)),
    CohortCancelled(cohort_id=COHORT, cancelled_on=date(2024, 4, 1), reason="flood"),
    RECORD_OPENED,
    RECORD_OPENED_ON_ENROLLMENT_DAY,
    EnrollmentTransferNoted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        from_project_id=PROJECT,
        to_project_id=uuid4(),
        transferred_on=date(2024, 2, 1),
    ),
    assigned(),
    MOVED,
    AttendanceRecorded(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, cohort_id=COHORT, session_id=uuid4(), attended=False
    ),
    SkillsAssessed(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        cohort_id=COHORT,
        phase=AssessmentPhase.POST,
        scores=(CompetencyScore(competency="weaving", score=Decimal("72.5")),),
        assessed_on=date(2024, 4, 1),
    ),
    TrainingCompleted(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        attendance_rate=0.85,
        cohort_id=COHORT,
        completed_on=date(2024, 4, 1),
        curriculum_id=CURRICULUM,
        track=Track.UPSKILL,
        hours_attended=Decimal("50.5"),
        curriculum_hours=Decimal(60),
    ),
    ParticipantDroppedOut(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        project_id=PROJECT,
        reason=DropoutReason.MOVED_AWAY,
        dropped_out_on=date(2024, 3, 1),
        cohort_id=COHORT,
    ),
    TrainingRecordWithdrawn(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, withdrawn_on=date(2024, 3, 1)),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_event_round_trips_through_json(event: object) -> None:
    adapter: TypeAdapter[object] = TypeAdapter(type(event))

    stored = json.dumps(adapter.dump_python(event, mode="json"))

    assert adapter.validate_python(json.loads(stored)) == event


def test_a_completion_stored_before_the_new_fields_still_reads() -> None:
    old = {"enrollment_id": str(ENROLLMENT), "participant_id": str(PARTICIPANT), "project_id": str(PROJECT)}

    event = TypeAdapter(TrainingCompleted).validate_python(old | {"attendance_rate": 0.9})

    assert (event.cohort_id, event.completed_on, event.hours_attended, event.curriculum_hours) == (None,) * 4


def test_a_cohort_planned_before_the_curriculum_s_hours_were_copied_still_reads() -> None:
    stored = TypeAdapter(CohortPlanned).dump_python(cohort_planned(), mode="json")
    del stored["curriculum_hours"]

    assert TypeAdapter(CohortPlanned).validate_python(stored).curriculum_hours is None


def test_a_record_opened_before_the_enrollment_day_was_kept_still_reads() -> None:
    stored = TypeAdapter(TrainingRecordOpened).dump_python(RECORD_OPENED_ON_ENROLLMENT_DAY, mode="json")
    del stored["enrolled_on"]

    assert TypeAdapter(TrainingRecordOpened).validate_python(stored) == RECORD_OPENED


REVISED = CurriculumRevised(curriculum_id=CURRICULUM, version=1, content=CONTENT, revised_on=date(2024, 6, 1))


@pytest.mark.parametrize(
    ("event", "day", "as_read"),
    [
        (CURRICULUM_DRAFTED, "drafted_on", replace(CURRICULUM_DRAFTED, drafted_on=None)),
        (REVISED, "revised_on", replace(REVISED, revised_on=None)),
    ],
    ids=["drafted", "revised"],
)
def test_a_draft_or_revision_recorded_before_its_day_was_kept_still_reads(
    event: CurriculumDrafted | CurriculumRevised, day: str, as_read: CurriculumDrafted | CurriculumRevised
) -> None:
    adapter: TypeAdapter[CurriculumDrafted | CurriculumRevised] = TypeAdapter(type(event))
    stored = adapter.dump_python(event, mode="json")
    del stored[day]

    assert adapter.validate_python(stored) == as_read


def test_a_cohort_planned_before_the_curriculum_approval_day_was_copied_still_reads() -> None:
    stored = TypeAdapter(CohortPlanned).dump_python(cohort_planned(), mode="json")
    del stored["curriculum_approved_on"]

    assert TypeAdapter(CohortPlanned).validate_python(stored) == cohort_planned(curriculum_approved_on=None)


def test_a_cohort_planned_before_the_track_was_copied_still_reads() -> None:
    stored = TypeAdapter(CohortPlanned).dump_python(cohort_planned(), mode="json")
    del stored["track"]

    assert TypeAdapter(CohortPlanned).validate_python(stored).track is None


@pytest.mark.parametrize("event", [assigned(), MOVED], ids=["assigned", "transferred"])
def test_a_cohort_move_stored_before_the_track_was_copied_still_reads(
    event: AssignedToCohort | TransferredToCohort,
) -> None:
    adapter: TypeAdapter[AssignedToCohort | TransferredToCohort] = TypeAdapter(type(event))
    stored = adapter.dump_python(event, mode="json")
    del stored["track"]

    assert adapter.validate_python(stored).track is None
