"""A unit is registered on a day; its projects are proposed on that day or later. Units registered before the
day was kept have none, and then nothing is refused. A day recorded wrong (left out, so dated the day it was
typed in) is corrected, no later than the unit's projects, its mentors' assignments and its first rename."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, cast

import pytest
from pydantic import ValidationError

from pathways_enrollment.commands import CorrectUnitRegistrationDay
from pathways_enrollment.domain.errors import UnknownAggregateError
from pathways_enrollment.domain.names import EarlierName
from pathways_enrollment.domain.project import (
    Project,
    ProjectApproved,
    ProjectProposed,
    ProjectRejected,
    ProjectRenamed,
    evolve_project,
    propose_project,
)
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitRegistrationDayCorrected,
    CareerDevelopmentUnitRenamed,
    CareerDevelopmentUnitSuspended,
    MentorAssignmentNoted,
    NotedAssignment,
    ProjectProposalNoted,
    correct_registration_day,
    evolve_unit,
    note_mentor_assignment,
    note_project_proposal,
)
from tests.unit.enrollment.facts import (
    MENTOR,
    OTHER_PROJECT,
    PROJECT,
    PROVINCE,
    REGION,
    UNIT,
    approved_project,
    at,
    proposed_project,
    uid,
    unit_registered,
)
from tests.unit.enrollment.given import fold, given

REGISTERED_ON = date(2025, 1, 15)
WITH_ITS_DAY = [unit_registered(registered_on=REGISTERED_ON), CareerDevelopmentUnitActivated(unit_id=UNIT)]
UNIT_WITH_ITS_DAY = fold(evolve_unit, WITH_ITS_DAY)
UNIT_WITHOUT_A_DAY = fold(evolve_unit, [unit_registered(), CareerDevelopmentUnitActivated(unit_id=UNIT)])


TODAY = date(2025, 6, 20)  # the day staff typed the unit in, without its day: recorded as its registration day
ON_PAPER = date(2024, 11, 1)
REASON = "charter dated 1 November 2024"
TYPED_IN_TODAY = [unit_registered(registered_on=TODAY), CareerDevelopmentUnitActivated(unit_id=UNIT)]
FIRST_RENAME = CareerDevelopmentUnitRenamed(
    unit_id=UNIT, name="Mae Chaem Weavers CDU", previous_name="Mae Chaem CDU", renamed_on=date(2025, 3, 1)
)


def fold_project(history: list[object]) -> Project:
    found = fold(evolve_project, history)
    assert found is not None
    return found


def proposal(**overrides: Any) -> dict[str, Any]:
    command: dict[str, Any] = {
        "project_id": PROJECT,
        "name": "Weaving co-op",
        "province_code": PROVINCE,
        "region": REGION,
        "unit": UNIT_WITH_ITS_DAY,
        "unit_id": UNIT,
        "grant_thb": Decimal("450000"),
        "on": REGISTERED_ON,
    }
    return {**command, **overrides}


def test_a_project_is_proposed_on_the_day_its_unit_was_registered_or_later() -> None:
    then = given(evolve_project).when(propose_project, **proposal())
    assert then.events == [
        ProjectProposed(
            **at(),
            name="Weaving co-op",
            grant_thb=Decimal("450000"),
            income_threshold_thb=Decimal("15000"),
            on=REGISTERED_ON,
        )
    ]
    assert then.state is not None and then.state.proposed_on == REGISTERED_ON


def test_a_project_is_not_proposed_before_its_unit_was_registered() -> None:
    error = given(evolve_project).rejects(
        propose_project, rule="proposed-before-unit-registered", **proposal(on=date(2025, 1, 14))
    )
    assert f"career development unit {UNIT} was registered on 2025-01-15" in str(error)
    assert "cannot propose a project before, on 2025-01-14" in str(error)
    assert f"correct its registration day first (POST /units/{UNIT}/registration-day/correction)" in str(error), (
        "the refusal names the way out"
    )


def test_a_unit_registered_before_its_day_was_kept_takes_a_proposal_of_any_day() -> None:
    assert given(evolve_project).when(propose_project, **proposal(unit=UNIT_WITHOUT_A_DAY, on=date(2001, 1, 1))).events


# --- the unit knows its projects --------------------------------------------------------------------


def test_the_unit_notes_each_project_proposed_for_it_once() -> None:
    then = given(evolve_unit, *WITH_ITS_DAY).when(note_project_proposal, project_id=PROJECT)
    assert then.events == [ProjectProposalNoted(unit_id=UNIT, project_id=PROJECT)]
    assert then.state is not None and then.state.projects == (PROJECT,)
    noted = [*WITH_ITS_DAY, *then.events]
    assert given(evolve_unit, *noted).when(note_project_proposal, project_id=PROJECT).events == []


ASSIGNMENT = uid("assignment")
OTHER_ASSIGNMENT = uid("other assignment")


def test_the_unit_notes_each_mentor_assigned_to_it_once() -> None:
    then = given(evolve_unit, *WITH_ITS_DAY).when(note_mentor_assignment, mentor_id=MENTOR, assignment_id=ASSIGNMENT)
    assert then.events == [MentorAssignmentNoted(unit_id=UNIT, mentor_id=MENTOR, assignment_id=ASSIGNMENT)]
    assert then.state is not None
    assert then.state.mentor_assignments == (NotedAssignment(mentor_id=MENTOR, assignment_id=ASSIGNMENT),)
    noted = [*WITH_ITS_DAY, *then.events]
    again = given(evolve_unit, *noted).when(note_mentor_assignment, mentor_id=MENTOR, assignment_id=ASSIGNMENT)
    assert again.events == []
    another = given(evolve_unit, *noted).when(note_mentor_assignment, mentor_id=MENTOR, assignment_id=OTHER_ASSIGNMENT)
    assert another.state is not None and len(another.state.mentor_assignments) == 2


def test_a_project_dates_from_its_proposal_or_without_one_from_its_first_dated_step_or_rename() -> None:
    proposed = cast(ProjectProposed, proposed_project()[0])
    with_its_day = fold_project([replace(proposed, on=date(2025, 2, 1)), ProjectApproved(**at(), on=TODAY)])
    without: list[object] = [*approved_project()[:-1], ProjectApproved(**at(), on=date(2025, 4, 1))]
    renamed_first = ProjectRenamed(**at(), name="Ban Na", previous_name="Weaving co-op", renamed_on=date(2025, 3, 1))
    rejected: list[object] = [proposed, ProjectRejected(**at(), reason="outside the programme", on=date(2025, 3, 10))]
    assert with_its_day.dates_from == date(2025, 2, 1)
    assert [fold_project(history).dates_from for history in (without, [*without, renamed_first], rejected)] == [
        date(2025, 4, 1),
        date(2025, 3, 1),
        date(2025, 3, 10),
    ]
    assert fold_project(approved_project()).dates_from is None, "nothing about it is dated"


# --- correcting the day -----------------------------------------------------------------------------


def correction(**overrides: Any) -> dict[str, Any]:
    command: dict[str, Any] = {"registered_on": ON_PAPER, "reason": REASON, "projects": {}, "mentor_assignments": {}}
    return {**command, **overrides}


def test_a_correction_keeps_the_day_it_replaces_and_the_unit_is_registered_on_the_right_day() -> None:
    then = given(evolve_unit, *TYPED_IN_TODAY).when(correct_registration_day, **correction())
    assert then.events == [
        CareerDevelopmentUnitRegistrationDayCorrected(
            unit_id=UNIT, registered_on=ON_PAPER, previous_registered_on=TODAY, reason=REASON
        )
    ]
    assert then.state is not None and then.state.registered_on == ON_PAPER


def test_once_corrected_the_project_refused_before_is_proposed() -> None:
    """The way out of the trap: a unit typed in without its day refuses its projects from earlier years until
    its day is corrected."""
    back_dated = proposal(unit=fold(evolve_unit, TYPED_IN_TODAY), on=date(2025, 2, 1))
    given(evolve_project).rejects(propose_project, rule="proposed-before-unit-registered", **back_dated)
    corrected = given(evolve_unit, *TYPED_IN_TODAY).when(correct_registration_day, **correction()).state
    assert given(evolve_project).when(propose_project, **{**back_dated, "unit": corrected}).events


def test_a_unit_registered_before_days_were_kept_is_given_one() -> None:
    then = given(evolve_unit, unit_registered()).when(correct_registration_day, **correction())
    assert [
        e.previous_registered_on for e in then.events if isinstance(e, CareerDevelopmentUnitRegistrationDayCorrected)
    ] == [None]
    assert then.state is not None and then.state.registered_on == ON_PAPER


def test_the_day_already_recorded_records_nothing() -> None:
    then = given(evolve_unit, *TYPED_IN_TODAY).when(correct_registration_day, **correction(registered_on=TODAY))
    assert then.events == []


def test_a_suspended_unit_has_its_day_corrected() -> None:
    suspended = [*TYPED_IN_TODAY, CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit")]
    assert len(given(evolve_unit, *suspended).when(correct_registration_day, **correction()).events) == 1


def test_the_day_may_move_later_up_to_the_first_project_assignment_and_rename() -> None:
    early = [unit_registered(registered_on=date(2024, 1, 1)), FIRST_RENAME]
    projects = {PROJECT: date(2025, 3, 1), OTHER_PROJECT: date(2025, 5, 1)}
    assignments = {ASSIGNMENT: date(2025, 3, 1), OTHER_ASSIGNMENT: date(2025, 4, 1)}
    then = given(evolve_unit, *early).when(
        correct_registration_day,
        **correction(registered_on=date(2025, 3, 1), projects=projects, mentor_assignments=assignments),
    )
    assert then.state is not None and then.state.registered_on == date(2025, 3, 1)


def test_the_first_earlier_name_is_held_from_the_corrected_day() -> None:
    then = given(evolve_unit, *TYPED_IN_TODAY, replace(FIRST_RENAME, renamed_on=TODAY)).when(
        correct_registration_day, **correction()
    )
    assert then.state is not None
    assert then.state.earlier_names == (EarlierName(name="Mae Chaem CDU", named_on=ON_PAPER, renamed_on=TODAY),)


DEACTIVATED = CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved")


@pytest.mark.parametrize(
    ("history", "command", "rule"),
    [
        ([*TYPED_IN_TODAY, DEACTIVATED], {}, "deactivated-unit-cannot-be-corrected"),
        (TYPED_IN_TODAY, {"reason": "  "}, "reason-required"),
        (TYPED_IN_TODAY, {"projects": {PROJECT: date(2024, 10, 31), OTHER_PROJECT: date(2025, 6, 1)}},
         "registered-after-proposal"),
        (TYPED_IN_TODAY, {"mentor_assignments": {ASSIGNMENT: date(2024, 10, 31), OTHER_ASSIGNMENT: date(2025, 6, 1)}},
         "registered-after-mentor-assignment"),
        ([unit_registered(registered_on=date(2024, 1, 1)), FIRST_RENAME], {"registered_on": date(2025, 3, 2)},
         "registered-after-rename"),
    ],
    ids=["deactivated", "no-reason", "after-a-project", "after-a-mentor-assignment", "after-its-first-rename"],
)  # fmt: skip
def test_a_correction_that_breaks_a_rule(history: list[object], command: dict[str, Any], rule: str) -> None:
    given(evolve_unit, *history).rejects(correct_registration_day, rule=rule, **correction(**command))


def test_the_refusal_names_the_first_project_and_both_days() -> None:
    projects = {uid("project 2"): date(2025, 3, 1), PROJECT: date(2025, 2, 1), OTHER_PROJECT: date(2025, 2, 1)}
    refused = given(evolve_unit, *TYPED_IN_TODAY).rejects(
        correct_registration_day,
        rule="registered-after-proposal",
        **correction(registered_on=date(2025, 2, 2), projects=projects),
    )
    first = min(PROJECT, OTHER_PROJECT)
    assert f"project {first} of career development unit {UNIT} dates from 2025-02-01" in str(refused)
    assert "cannot have been registered later, on 2025-02-02" in str(refused)


def test_the_refusal_names_the_first_mentor_assignment_and_both_days() -> None:
    assignments = {
        uid("assignment 2"): date(2025, 3, 1),
        ASSIGNMENT: date(2025, 2, 1),
        OTHER_ASSIGNMENT: date(2025, 2, 1),
    }
    refused = given(evolve_unit, *TYPED_IN_TODAY).rejects(
        correct_registration_day,
        rule="registered-after-mentor-assignment",
        **correction(registered_on=date(2025, 2, 2), mentor_assignments=assignments),
    )
    first = min(ASSIGNMENT, OTHER_ASSIGNMENT)
    assert f"mentor assignment {first} to career development unit {UNIT} begins on 2025-02-01" in str(refused)
    assert "cannot have been registered later, on 2025-02-02" in str(refused)


def test_a_correction_on_the_day_of_a_project_an_assignment_or_the_first_rename_is_fine() -> None:
    then = given(evolve_unit, *TYPED_IN_TODAY, replace(FIRST_RENAME, renamed_on=ON_PAPER)).when(
        correct_registration_day, **correction(projects={PROJECT: ON_PAPER}, mentor_assignments={ASSIGNMENT: ON_PAPER})
    )
    assert len(then.events) == 1


def test_no_correction_for_a_unit_never_registered() -> None:
    with pytest.raises(UnknownAggregateError):
        correct_registration_day(None, **correction())


@pytest.mark.parametrize(
    ("body", "field", "error"),
    [
        ({"registered_on": "2099-05-02", "reason": REASON}, "registered_on", "date_in_future"),
        ({"registered_on": "2567-11-01", "reason": REASON}, "registered_on", "buddhist_era_year"),
        ({"registered_on": "2024-11-01"}, "reason", "missing"),
    ],
    ids=["in-the-future", "buddhist-era", "without-a-reason"],
)
def test_the_command_takes_a_day_that_has_been_and_a_reason(body: dict[str, str], field: str, error: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CorrectUnitRegistrationDay.model_validate(body)
    [found] = refused.value.errors()
    assert (found["loc"], found["type"]) == ((field,), error)
