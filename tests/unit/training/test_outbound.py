"""Every training domain event but the private ones is published as a valid integration event."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from uuid import uuid4

import pytest

from pathways_contracts.training import (
    EVENTS,
    CohortAssignedV1,
    CohortPlannedV1,
    CohortTransferredV1,
    SkillsAssessedV1,
    TrainingCompletedV1,
    TrainingSessionHeldV1,
)
from pathways_infra.eventstore import Actor, EventMetadata, RecordedEvent
from pathways_training.domain.project import ProjectLearned
from pathways_training.domain.training import (
    AssessmentPhase,
    AssignedToCohort,
    CompetencyScore,
    SkillsAssessed,
    TrainingCompleted,
    TransferredToCohort,
)
from pathways_training.outbound import translate
from tests.unit.training.given import COHORT, ENROLLMENT, PARTICIPANT, session_held
from tests.unit.training.test_events_storable import EVENTS as DOMAIN_EVENTS

OCCURRED = datetime(2024, 4, 1, 9, tzinfo=UTC)


def recorded(event: object) -> RecordedEvent:
    metadata = EventMetadata(
        event_id=uuid4(), occurred_at=OCCURRED, actor=Actor(id="t", role="tester"), correlation_id=uuid4()
    )
    return RecordedEvent(
        originator_id=uuid4(), originator_version=1, timestamp=OCCURRED, event=event, metadata=metadata
    )


PUBLISHED = [event for event in DOMAIN_EVENTS if not isinstance(event, ProjectLearned)]


@pytest.mark.parametrize("event", PUBLISHED, ids=lambda e: type(e).__name__)
def test_a_domain_event_is_published_as_a_contract_event(event: object) -> None:
    published = translate(recorded(event))

    assert published is not None
    assert type(published) in EVENTS
    assert published.occurred_at == OCCURRED
    assert type(published).model_validate_json(published.model_dump_json()) == published


def test_a_session_is_published_with_its_start_time_when_one_was_given() -> None:
    with_time = translate(recorded(session_held(date(2024, 2, 5), starts_at=time(13, 30))))
    without = translate(recorded(session_held(date(2024, 2, 5))))

    assert isinstance(with_time, TrainingSessionHeldV1)
    assert isinstance(without, TrainingSessionHeldV1)
    assert with_time.model_dump(mode="json")["starts_at"] == "13:30"
    assert without.starts_at is None


def test_what_training_learned_of_projects_stays_private() -> None:
    assert not [event for event in DOMAIN_EVENTS if isinstance(event, ProjectLearned) and translate(recorded(event))]


def test_a_completion_tells_its_day_cohort_curriculum_and_track() -> None:
    [completed] = [event for event in DOMAIN_EVENTS if isinstance(event, TrainingCompleted)]

    published = translate(recorded(completed))

    assert isinstance(published, TrainingCompletedV1)
    assert (published.completed_on, published.cohort_id, published.curriculum_id, published.track) == (
        completed.completed_on,
        completed.cohort_id,
        completed.curriculum_id,
        "UPSKILL",
    )


def test_a_completion_tells_the_hours_attended_and_the_curriculum_s_hours() -> None:
    [completed] = [event for event in DOMAIN_EVENTS if isinstance(event, TrainingCompleted)]

    published = translate(recorded(completed))

    assert isinstance(published, TrainingCompletedV1)
    body = published.model_dump(mode="json")
    assert (body["hours_attended"], body["curriculum_hours"]) == ("50.5", "60")


def test_a_planned_cohort_tells_its_track() -> None:
    [planned] = [translate(recorded(e)) for e in DOMAIN_EVENTS if type(e).__name__ == "CohortPlanned"]

    assert isinstance(planned, CohortPlannedV1)
    assert planned.track == "RESKILL"


def test_joining_or_moving_to_a_cohort_tells_its_track() -> None:
    moves = [translate(recorded(e)) for e in DOMAIN_EVENTS if isinstance(e, AssignedToCohort | TransferredToCohort)]

    assert [(type(m), getattr(m, "track", None)) for m in moves] == [
        (CohortAssignedV1, "RESKILL"),
        (CohortTransferredV1, "UPSKILL"),
    ]


def test_a_later_part_of_an_assessment_publishes_only_the_scores_it_adds() -> None:
    second_part = SkillsAssessed(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        cohort_id=COHORT,
        phase=AssessmentPhase.PRE,
        scores=(CompetencyScore(competency="online-selling", score=Decimal(55)),),
        assessed_on=date(2024, 2, 8),
    )

    published = translate(recorded(second_part))

    # Readers keep a score per competency: the part adds to what the first part published.
    assert isinstance(published, SkillsAssessedV1)
    assert (published.phase, published.scores, published.assessed_on) == (
        "PRE",
        {"online-selling": Decimal(55)},
        date(2024, 2, 8),
    )
