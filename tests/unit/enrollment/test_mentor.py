"""Mentors: Active / Inactive, assignments to units and projects over time, coaching visits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from pathways_enrollment.domain.mentor import (
    MentorAssigned,
    MentorAssignmentEnded,
    MentorCoachingVisitLogged,
    MentorDeactivated,
    MentorReactivated,
    MentorRegistered,
    MentorStatus,
    assign_mentor_to_project,
    assign_mentor_to_unit,
    deactivate_mentor,
    end_mentor_assignment,
    evolve_mentor,
    log_coaching_visit,
    reactivate_mentor,
    register_mentor,
)
from pathways_enrollment.domain.project import (
    ProjectClosed,
    ProjectProposed,
    ProjectRejected,
    ProjectTerminated,
    evolve_project,
)
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnit,
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitDeactivated,
    evolve_unit,
)
from tests.unit.enrollment.facts import (
    MENTOR,
    OTHER_PROVINCE,
    OTHER_REGION,
    OTHER_UNIT,
    PROJECT,
    PROVINCE,
    REGION,
    UNIT,
    active_project,
    active_unit,
    at,
    proposed_project,
    uid,
    unit_registered,
)
from tests.unit.enrollment.given import Decide, fold, given

UNIT_STATE = fold(evolve_unit, active_unit())
OTHER_UNIT_STATE = fold(evolve_unit, active_unit(OTHER_UNIT, OTHER_PROVINCE, OTHER_REGION))
PROJECT_STATE = fold(evolve_project, active_project())
JAN, FEB, MAR, APR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)
A1, A2, VISIT = uid("assignment 1"), uid("assignment 2"), uid("visit 1")

REGISTERED = [MentorRegistered(mentor_id=MENTOR)]
TO_UNIT = MentorAssigned(
    mentor_id=MENTOR,
    assignment_id=A1,
    unit_id=UNIT,
    project_id=None,
    province_code=PROVINCE,
    region=REGION,
    from_date=JAN,
)
TO_PROJECT = MentorAssigned(mentor_id=MENTOR, assignment_id=A2, from_date=FEB, **{**at(), "project_id": PROJECT})
ASSIGNED = [*REGISTERED, TO_UNIT]
ENDED = [*ASSIGNED, MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=MAR)]
INACTIVE = [*REGISTERED, MentorDeactivated(mentor_id=MENTOR)]


def to_unit(**overrides: Any) -> dict[str, Any]:
    return {"assignment_id": A1, "unit": UNIT_STATE, "unit_id": UNIT, "from_date": JAN, **overrides}


def to_project(**overrides: Any) -> dict[str, Any]:
    return {
        "assignment_id": A2,
        "project": PROJECT_STATE,
        "project_id": PROJECT,
        "unit": UNIT_STATE,
        "from_date": FEB,
        **overrides,
    }


def test_register_a_mentor() -> None:
    then = given(evolve_mentor).when(register_mentor, mentor_id=MENTOR)
    assert then.events == REGISTERED
    assert then.state is not None and then.state.status == MentorStatus.ACTIVE


def test_a_mentor_is_registered_once() -> None:
    given(evolve_mentor, *REGISTERED).rejects(register_mentor, rule="mentor-registered-once", mentor_id=MENTOR)


def test_assign_a_mentor_to_a_unit() -> None:
    then = given(evolve_mentor, *REGISTERED).when(assign_mentor_to_unit, **to_unit())
    assert then.events == [TO_UNIT]
    assert then.state is not None and [a.id for a in then.state.open_assignments] == [A1]


def test_assign_a_mentor_to_a_project_carrying_its_unit_and_province() -> None:
    then = given(evolve_mentor, *ASSIGNED).when(assign_mentor_to_project, **to_project())
    assert then.events == [TO_PROJECT]


def test_a_mentor_coaches_several_units_at_once() -> None:
    then = given(evolve_mentor, *ASSIGNED).when(
        assign_mentor_to_unit, **to_unit(assignment_id=A2, unit=OTHER_UNIT_STATE, unit_id=OTHER_UNIT)
    )
    assert then.state is not None and len(then.state.open_assignments) == 2


def test_an_inactive_mentor_is_not_assigned() -> None:
    given(evolve_mentor, *INACTIVE).rejects(assign_mentor_to_unit, rule="mentor-not-active", **to_unit())


def test_an_assignment_is_recorded_once() -> None:
    given(evolve_mentor, *ASSIGNED).rejects(
        assign_mentor_to_unit,
        rule="assignment-recorded-once",
        **to_unit(unit=OTHER_UNIT_STATE, unit_id=OTHER_UNIT),
    )


@pytest.mark.parametrize(
    ("history", "from_date"),
    [(ASSIGNED, FEB), (ENDED, MAR), (ENDED, FEB), (ASSIGNED, date(2024, 12, 1))],
    ids=["still-open", "ends-on-the-new-first-day", "ends-after-it", "new-one-earlier-and-open"],
)
def test_assignments_to_the_same_unit_do_not_overlap(history: list[object], from_date: date) -> None:
    given(evolve_mentor, *history).rejects(
        assign_mentor_to_unit, rule="assignment-overlaps", **to_unit(assignment_id=A2, from_date=from_date)
    )


def test_a_mentor_returns_to_a_unit_after_the_last_assignment_ended() -> None:
    then = given(evolve_mentor, *ENDED).when(assign_mentor_to_unit, **to_unit(assignment_id=A2, from_date=APR))
    assert then.events[0] == MentorAssigned(
        mentor_id=MENTOR,
        assignment_id=A2,
        unit_id=UNIT,
        project_id=None,
        province_code=PROVINCE,
        region=REGION,
        from_date=APR,
    )


def test_a_deactivated_unit_gets_no_mentor() -> None:
    gone = fold(evolve_unit, [unit_registered(), CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="x")])
    given(evolve_mentor, *REGISTERED).rejects(
        assign_mentor_to_unit, rule="assignment-target-ended", **to_unit(unit=gone)
    )


@pytest.mark.parametrize(
    "ending",
    [ProjectClosed(**at()), ProjectTerminated(**at(), reason="x")],
    ids=["closed", "terminated"],
)
def test_an_ended_project_gets_no_mentor(ending: object) -> None:
    project = fold(evolve_project, [*active_project(), ending])
    given(evolve_mentor, *REGISTERED).rejects(
        assign_mentor_to_project, rule="assignment-target-ended", **to_project(project=project)
    )


def test_a_rejected_project_gets_no_mentor() -> None:
    project = fold(evolve_project, [*proposed_project(), ProjectRejected(**at(), reason="x")])
    given(evolve_mentor, *REGISTERED).rejects(
        assign_mentor_to_project, rule="assignment-target-ended", **to_project(project=project)
    )


def test_a_proposed_project_may_get_a_mentor_to_prepare_it() -> None:
    project = fold(evolve_project, proposed_project())
    assert given(evolve_mentor, *REGISTERED).when(assign_mentor_to_project, **to_project(project=project)).events


@pytest.mark.parametrize(
    ("decision", "command"),
    [(assign_mentor_to_unit, to_unit(unit=None)), (assign_mentor_to_project, to_project(project=None))],
    ids=["unit", "project"],
)
def test_assignment_targets_must_exist(decision: Decide, command: dict[str, Any]) -> None:
    given(evolve_mentor, *REGISTERED).rejects(decision, rule="must-exist", **command)


def test_end_an_assignment() -> None:
    then = given(evolve_mentor, *ASSIGNED).when(end_mentor_assignment, assignment_id=A1, to_date=MAR)
    assert then.events == [MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=MAR)]
    assert then.state is not None and then.state.open_assignments == ()


def test_an_assignment_planned_ahead_is_withdrawn_by_ending_it_the_day_before_it_begins() -> None:
    then = given(evolve_mentor, *ASSIGNED).when(end_mentor_assignment, assignment_id=A1, to_date=date(2024, 12, 31))
    assert then.events == [MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=date(2024, 12, 31))]
    assert then.state is not None and then.state.open_assignments == ()
    assert not then.state.assignment(A1).covers(JAN)


def test_a_withdrawn_plan_does_not_keep_the_unit_from_an_earlier_assignment() -> None:
    withdrawn = [*ASSIGNED, MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=date(2024, 12, 31))]
    then = given(evolve_mentor, *withdrawn).when(
        assign_mentor_to_unit, **to_unit(assignment_id=A2, from_date=date(2024, 11, 1))
    )
    assert [(type(e), getattr(e, "assignment_id", None)) for e in then.events] == [(MentorAssigned, A2)]


def test_an_assignment_s_planned_end_may_be_brought_forward_but_not_put_off() -> None:
    then = given(evolve_mentor, *ENDED).when(end_mentor_assignment, assignment_id=A1, to_date=FEB)
    assert then.events == [MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=FEB)]
    assert then.state is not None and not then.state.assignment(A1).covers(date(2025, 2, 2))
    given(evolve_mentor, *ENDED).rejects(
        end_mentor_assignment, rule="assignment-already-ended", assignment_id=A1, to_date=MAR
    )


def test_deactivation_brings_forward_an_assignment_planned_to_end_later_and_leaves_a_withdrawn_one() -> None:
    withdrawn = MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A2, to_date=date(2025, 1, 31))
    then = given(evolve_mentor, *ENDED, TO_PROJECT, withdrawn).when(deactivate_mentor, on=date(2025, 1, 15))
    assert then.events == [
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=date(2025, 1, 15)),
        MentorDeactivated(mentor_id=MENTOR),
    ]


def test_an_assignment_may_end_on_its_first_day() -> None:
    assert given(evolve_mentor, *ASSIGNED).when(end_mentor_assignment, assignment_id=A1, to_date=JAN).events


@pytest.mark.parametrize(
    ("history", "assignment_id", "to_date", "rule"),
    [
        (REGISTERED, A1, MAR, "assignment-not-found"),
        (ENDED, A1, APR, "assignment-already-ended"),
        (ASSIGNED, A1, date(2024, 12, 30), "assignment-ends-before-it-starts"),
    ],
    ids=["unknown", "already-ended", "before-start"],
)
def test_ending_an_assignment_that_breaks_a_rule(
    history: list[object], assignment_id: object, to_date: date, rule: str
) -> None:
    given(evolve_mentor, *history).rejects(
        end_mentor_assignment, rule=rule, assignment_id=assignment_id, to_date=to_date
    )


def visit(visit_id: UUID, visited_on: date, notes: str | None = None) -> MentorCoachingVisitLogged:
    return MentorCoachingVisitLogged(
        mentor_id=MENTOR,
        visit_id=visit_id,
        assignment_id=A1,
        unit_id=UNIT,
        project_id=None,
        province_code=PROVINCE,
        region=REGION,
        visited_on=visited_on,
        notes=notes,
    )


@pytest.mark.parametrize("visited_on", [JAN, FEB, MAR], ids=["first-day", "during", "last-day"])
def test_log_a_coaching_visit_within_the_assignment(visited_on: date) -> None:
    then = given(evolve_mentor, *ENDED).when(
        log_coaching_visit, unit=UNIT_STATE, visit_id=VISIT, assignment_id=A1, visited_on=visited_on
    )
    assert then.events == [visit(VISIT, visited_on)]


@pytest.mark.parametrize("visited_on", [date(2024, 12, 31), date(2025, 3, 2)], ids=["before", "after"])
def test_a_coaching_visit_falls_within_an_assignment(visited_on: date) -> None:
    given(evolve_mentor, *ENDED).rejects(
        log_coaching_visit,
        rule="visit-outside-assignment",
        unit=UNIT_STATE,
        visit_id=VISIT,
        assignment_id=A1,
        visited_on=visited_on,
    )


def test_a_coaching_visit_is_logged_once() -> None:
    given(evolve_mentor, *ASSIGNED, visit(VISIT, FEB)).rejects(
        log_coaching_visit,
        rule="coaching-visit-logged-once",
        unit=UNIT_STATE,
        visit_id=VISIT,
        assignment_id=A1,
        visited_on=FEB,
    )


def test_a_coaching_visit_keeps_its_notes() -> None:
    notes = "Bookkeeping behind by two months; agreed: the unit's treasurer catches up before the next visit."
    then = given(evolve_mentor, *ASSIGNED).when(
        log_coaching_visit, unit=UNIT_STATE, visit_id=VISIT, assignment_id=A1, visited_on=FEB, notes=notes
    )
    assert then.events == [visit(VISIT, FEB, notes)]


def test_a_second_visit_under_an_assignment_on_the_same_day_is_a_duplicate() -> None:
    error = given(evolve_mentor, *ASSIGNED, visit(VISIT, FEB)).rejects(
        log_coaching_visit,
        rule="coaching-visit-duplicate",
        unit=UNIT_STATE,
        visit_id=uid("visit 2"),
        assignment_id=A1,
        visited_on=FEB,
    )
    assert str(VISIT) in str(error)


def test_visits_under_an_assignment_on_other_days_are_not_duplicates() -> None:
    then = given(evolve_mentor, *ASSIGNED, visit(VISIT, FEB)).when(
        log_coaching_visit, unit=UNIT_STATE, visit_id=uid("visit 2"), assignment_id=A1, visited_on=MAR
    )
    assert then.events == [visit(uid("visit 2"), MAR)]
    assert then.state is not None and [v.visited_on for v in then.state.assignment(A1).visits] == [FEB, MAR]


def test_visits_on_the_same_day_under_other_assignments_are_not_duplicates() -> None:
    then = given(evolve_mentor, *ASSIGNED, TO_PROJECT, visit(VISIT, FEB)).when(
        log_coaching_visit, unit=UNIT_STATE, visit_id=uid("visit 2"), assignment_id=A2, visited_on=FEB
    )
    assert then.events == [
        MentorCoachingVisitLogged(mentor_id=MENTOR, visit_id=uid("visit 2"), assignment_id=A2, visited_on=FEB, **at())
    ]


# --- not before the unit was registered ---

REGISTERED_ON = date(2025, 1, 15)


def unit_registered_on(day: date) -> CareerDevelopmentUnit | None:
    return fold(evolve_unit, [unit_registered(registered_on=day), CareerDevelopmentUnitActivated(unit_id=UNIT)])


@pytest.mark.parametrize(
    ("decision", "command", "refused"),
    [
        (assign_mentor_to_unit, to_unit(unit=unit_registered_on(REGISTERED_ON)), "have a mentor assigned"),
        (
            assign_mentor_to_project,
            to_project(unit=unit_registered_on(REGISTERED_ON), from_date=JAN),
            f"have a mentor assigned to its project {PROJECT}",
        ),
    ],
    ids=["to-the-unit", "to-its-project"],
)
def test_a_mentor_is_not_assigned_from_before_the_unit_was_registered(
    decision: Decide, command: dict[str, Any], refused: str
) -> None:
    error = given(evolve_mentor, *REGISTERED).rejects(decision, rule="assigned-before-unit-registered", **command)

    message = str(error)
    registered = f"career development unit {UNIT} was registered on 2025-01-15"
    assert f"{registered}; it cannot {refused} before, on 2025-01-01" in message
    assert f"correct its registration day first (POST /units/{UNIT}/registration-day/correction)" in message


@pytest.mark.parametrize(
    ("decision", "command"),
    [
        (assign_mentor_to_unit, to_unit(unit=unit_registered_on(JAN))),
        (assign_mentor_to_project, to_project(unit=unit_registered_on(JAN), from_date=JAN)),
        (assign_mentor_to_unit, to_unit(from_date=date(2001, 1, 1))),  # registered before the day was kept
    ],
    ids=["unit-on-its-registration-day", "project-on-its-unit-s-registration-day", "unit-without-a-day"],
)
def test_a_mentor_is_assigned_from_the_unit_s_registration_day_or_any_day_when_it_has_none(
    decision: Decide, command: dict[str, Any]
) -> None:
    assert given(evolve_mentor, *REGISTERED).when(decision, **command).events


def test_a_mentor_may_be_assigned_to_a_project_from_before_its_proposal_to_prepare_it() -> None:
    [proposal] = proposed_project()
    assert isinstance(proposal, ProjectProposed)
    proposed_in_march = fold(evolve_project, [replace(proposal, on=MAR)])
    command = to_project(project=proposed_in_march, unit=unit_registered_on(REGISTERED_ON), from_date=FEB)

    then = given(evolve_mentor, *REGISTERED).when(assign_mentor_to_project, **command)

    assert then.events == [TO_PROJECT]


@pytest.mark.parametrize(
    ("history", "assignment_id", "naming"),
    [(ASSIGNED, A1, ""), ([*REGISTERED, TO_PROJECT], A2, f" to its project {PROJECT}")],
    ids=["unit", "project"],
)
def test_a_visit_under_an_assignment_begun_before_the_unit_s_registration_day_is_not_dated_before_it(
    history: list[object], assignment_id: UUID, naming: str
) -> None:
    """As when the unit's day was corrected to a later one after the assignment began."""
    registered_in_march = unit_registered_on(MAR)
    visit_on: dict[str, Any] = {"unit": registered_in_march, "visit_id": VISIT, "assignment_id": assignment_id}

    error = given(evolve_mentor, *history).rejects(
        log_coaching_visit, rule="visited-before-unit-registered", **visit_on, visited_on=date(2025, 2, 20)
    )

    assert f"was registered on 2025-03-01; it cannot have a coaching visit{naming} before, on 2025-02-20" in str(error)
    assert f"POST /units/{UNIT}/registration-day/correction" in str(error)
    assert given(evolve_mentor, *history).when(log_coaching_visit, **visit_on, visited_on=MAR).events


# Visits may be logged out of order: the latest of them counts, not the last logged.
VISITED = [*ASSIGNED, visit(VISIT, MAR), visit(uid("visit 2"), FEB)]


def test_an_assignment_does_not_end_before_a_visit_logged_in_it() -> None:
    error = given(evolve_mentor, *VISITED).rejects(
        end_mentor_assignment, rule="assignment-ends-before-visit", assignment_id=A1, to_date=date(2025, 2, 28)
    )
    assert "2025-03-01" in str(error) and "2025-02-28" in str(error)


def test_deactivation_does_not_end_an_assignment_before_a_visit_logged_in_it() -> None:
    given(evolve_mentor, *VISITED).rejects(deactivate_mentor, rule="assignment-ends-before-visit", on=FEB)


def test_an_assignment_may_end_on_the_day_of_its_last_visit() -> None:
    then = given(evolve_mentor, *VISITED).when(end_mentor_assignment, assignment_id=A1, to_date=MAR)
    assert then.state is not None and then.state.assignment(A1).to_date == MAR


def test_a_coaching_visit_names_an_assignment_of_the_mentor() -> None:
    given(evolve_mentor, *ASSIGNED).rejects(
        log_coaching_visit,
        rule="assignment-not-found",
        unit=UNIT_STATE,
        visit_id=VISIT,
        assignment_id=A2,
        visited_on=FEB,
    )


def test_deactivating_a_mentor_ends_the_open_assignments() -> None:
    then = given(evolve_mentor, *ASSIGNED, TO_PROJECT).when(deactivate_mentor, on=APR)
    assert then.events == [
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=APR),
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A2, to_date=APR),
        MentorDeactivated(mentor_id=MENTOR),
    ]
    assert then.state is not None
    assert (then.state.status, then.state.open_assignments) == (MentorStatus.INACTIVE, ())


def test_deactivation_withdraws_an_assignment_planned_to_begin_later() -> None:
    then = given(evolve_mentor, *ASSIGNED, TO_PROJECT).when(deactivate_mentor, on=date(2025, 1, 15))
    assert then.events == [
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A1, to_date=date(2025, 1, 15)),
        MentorAssignmentEnded(mentor_id=MENTOR, assignment_id=A2, to_date=date(2025, 1, 31)),
        MentorDeactivated(mentor_id=MENTOR),
    ]
    assert then.state is not None
    assert not any(then.state.assignment(A2).covers(day) for day in (JAN, FEB, MAR))


def test_reactivate_an_inactive_mentor() -> None:
    then = given(evolve_mentor, *INACTIVE).when(reactivate_mentor)
    assert then.events == [MentorReactivated(mentor_id=MENTOR)]
    assert then.state is not None and then.state.status == MentorStatus.ACTIVE


def test_mentor_transitions_that_are_not_allowed() -> None:
    given(evolve_mentor, *INACTIVE).rejects(deactivate_mentor, rule="mentor-transition-not-allowed", on=APR)
    given(evolve_mentor, *REGISTERED).rejects(reactivate_mentor, rule="mentor-transition-not-allowed")


@pytest.mark.parametrize(
    ("decision", "command"),
    [
        (reactivate_mentor, {}),
        (deactivate_mentor, {"on": APR}),
        (assign_mentor_to_unit, to_unit()),
        (log_coaching_visit, {"unit": UNIT_STATE, "visit_id": VISIT, "assignment_id": A1, "visited_on": FEB}),
    ],
    ids=["reactivate", "deactivate", "assign", "visit"],
)
def test_commands_for_an_unknown_mentor(decision: Decide, command: dict[str, Any]) -> None:
    given(evolve_mentor).rejects(decision, rule="must-exist", **command)
