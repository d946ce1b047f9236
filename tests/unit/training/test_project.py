"""Projects training learns of from the enrollment service; curricula and cohorts need one it knows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from pathways_training.domain.cohort import plan_cohort
from pathways_training.domain.curriculum import Track, draft_curriculum, evolve_curriculum
from pathways_training.domain.project import KnownProject, evolve_project, learn_project
from tests.unit.training.given import (
    APPROVED_CURRICULUM,
    COHORT,
    CURRICULUM,
    PROJECT,
    PROJECT_LEARNED,
    given,
    then_rejected,
)


def _learn(state: KnownProject | None) -> list[object]:
    return list(
        learn_project(
            state, project_id=PROJECT, name="Ban Na weaving", province_code="TH-50", region="NORTH", unit_id=None
        )
    )


def test_a_project_opened_in_enrollment_becomes_known() -> None:
    events = _learn(None)

    assert events == [PROJECT_LEARNED]
    known = given(evolve_project, *events)
    assert known is not None
    assert (known.project_id, known.province_code) == (PROJECT, "TH-50")


def test_hearing_of_a_project_again_changes_nothing() -> None:
    assert _learn(given(evolve_project, PROJECT_LEARNED)) == []


def test_a_curriculum_for_a_project_not_known_yet_is_refused_retryably() -> None:
    then_rejected(
        lambda: draft_curriculum(
            None,
            curriculum_id=CURRICULUM,
            project=None,
            project_id=PROJECT,
            title="Weaving",
            track=Track.RESKILL,
            competencies=["weaving"],
            hours=Decimal(10),
            drafted_on=date(2024, 1, 5),
        ),
        rule="project-must-be-known",
        retryable=True,
    )


def test_a_cohort_for_a_project_not_known_yet_is_refused_retryably() -> None:
    then_rejected(
        lambda: plan_cohort(
            None,
            cohort_id=COHORT,
            project=None,
            project_id=uuid4(),
            curriculum=given(evolve_curriculum, *APPROVED_CURRICULUM),
            curriculum_id=CURRICULUM,
            curriculum_version=1,
            starts_on=date(2024, 2, 1),
        ),
        rule="project-must-be-known",
        retryable=True,
    )
