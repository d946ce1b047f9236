"""Given events, when a command, then events or a rule error — for the training domain.

``given(evolve, *events)`` folds a history into a state; a test calls the decision function on it and
compares the events it returns, or uses ``then_rejected`` to check the rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from uuid import UUID, uuid4

from pathways_training.domain.cohort import CohortPlanned, CohortStarted, TrainingSessionHeld
from pathways_training.domain.curriculum import (
    CurriculumApproved,
    CurriculumCoDesigned,
    CurriculumContent,
    CurriculumDrafted,
    Track,
)
from pathways_training.domain.errors import TrainingRuleError
from pathways_training.domain.project import KnownProject, ProjectLearned, evolve_project
from pathways_training.domain.training import (
    AssignedToCohort,
    EnrollmentTransferNoted,
    TrainingRecordOpened,
    TransferredToCohort,
)
from tests.support.given import given
from tests.support.given import then_rejected as _then_rejected

__all__ = ["given", "then_rejected"]


def then_rejected(when: Callable[[], object], *, rule: str, retryable: bool = False) -> TrainingRuleError:
    return _then_rejected(TrainingRuleError, when, rule=rule, retryable=retryable)


# A small world: one project, one approved curriculum, a cohort that follows it, one enrollment.

PROJECT = uuid4()
OTHER_PROJECT = uuid4()
CURRICULUM = uuid4()
COHORT = uuid4()
OTHER_COHORT = uuid4()
ENROLLMENT = uuid4()
PARTICIPANT = uuid4()
COMPETENCIES = ("weaving", "natural-dyeing", "online-selling")

PROJECT_LEARNED = ProjectLearned(project_id=PROJECT, name="Ban Na weaving", province_code="TH-50", region="NORTH")
KNOWN_PROJECT: KnownProject | None = given(evolve_project, PROJECT_LEARNED)

CONTENT = CurriculumContent(
    title="Community weaving for online markets",
    track=Track.RESKILL,
    competencies=COMPETENCIES,
    hours=Decimal(60),
    attendance_threshold=0.8,
)
DRAFTED_ON = date(2024, 1, 5)
CURRICULUM_DRAFTED = CurriculumDrafted(
    curriculum_id=CURRICULUM, project_id=PROJECT, content=CONTENT, drafted_on=DRAFTED_ON
)
CURRICULUM_CO_DESIGNED = CurriculumCoDesigned(
    curriculum_id=CURRICULUM, version=1, community="Ban Na weavers group", co_designed_on=date(2024, 1, 10)
)
CURRICULUM_APPROVED = CurriculumApproved(curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 20))
APPROVED_CURRICULUM = (CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED, CURRICULUM_APPROVED)


def cohort_planned(
    cohort_id: UUID = COHORT,
    *,
    project_id: UUID = PROJECT,
    attendance_threshold: float = 0.8,
    track: Track | None = Track.RESKILL,
    curriculum_approved_on: date | None = CURRICULUM_APPROVED.approved_on,
    curriculum_hours: Decimal | None = CONTENT.hours,
) -> CohortPlanned:
    return CohortPlanned(
        cohort_id=cohort_id,
        project_id=project_id,
        curriculum_id=CURRICULUM,
        curriculum_version=1,
        competencies=COMPETENCIES,
        attendance_threshold=attendance_threshold,
        starts_on=date(2024, 2, 1),
        track=track,
        curriculum_approved_on=curriculum_approved_on,
        curriculum_hours=curriculum_hours,
    )


def cohort_started(cohort_id: UUID = COHORT, started_on: date = date(2024, 2, 1)) -> CohortStarted:
    return CohortStarted(cohort_id=cohort_id, started_on=started_on)


def session_held(
    held_on: date,
    *,
    cohort_id: UUID = COHORT,
    session_id: UUID | None = None,
    hours: Decimal = Decimal(3),
    starts_at: time | None = None,
) -> TrainingSessionHeld:
    return TrainingSessionHeld(
        cohort_id=cohort_id, session_id=session_id or uuid4(), held_on=held_on, hours=hours, starts_at=starts_at
    )


RECORD_OPENED = TrainingRecordOpened(enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT)
"""As recorded before the enrollment day was kept: rules about that day are skipped."""
ENROLLED_ON = date(2024, 1, 15)
RECORD_OPENED_ON_ENROLLMENT_DAY = replace(RECORD_OPENED, enrolled_on=ENROLLED_ON)


def assigned(
    cohort_id: UUID = COHORT, assigned_on: date = date(2024, 1, 25), track: Track | None = Track.RESKILL
) -> AssignedToCohort:
    return AssignedToCohort(
        enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, cohort_id=cohort_id, assigned_on=assigned_on, track=track
    )


def transferred_to_other_cohort(*expected: TrainingSessionHeld) -> TransferredToCohort:
    """Moved from COHORT to OTHER_COHORT on 2024-02-10, having been expected at ``expected`` in COHORT."""
    return TransferredToCohort(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        from_cohort_id=COHORT,
        to_cohort_id=OTHER_COHORT,
        transferred_on=date(2024, 2, 10),
        sessions_expected_in_previous_cohort=tuple(s.session_id for s in expected),
    )


ENROLLMENT_MOVED = EnrollmentTransferNoted(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    from_project_id=PROJECT,
    to_project_id=OTHER_PROJECT,
    transferred_on=date(2024, 2, 2),
)
"""The enrollment service moved the enrollment from PROJECT to OTHER_PROJECT on 2024-02-02."""
