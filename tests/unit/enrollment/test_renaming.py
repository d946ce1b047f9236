"""A unit's or project's name typed wrong (or changed since) is renamed from a day on; the names it had are kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import cast

import pytest

from pathways_enrollment.domain.names import EarlierName
from pathways_enrollment.domain.project import (
    Project,
    ProjectClosed,
    ProjectProposed,
    ProjectRejected,
    ProjectRenamed,
    ProjectTerminated,
    evolve_project,
    rename_project,
)
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnit,
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitRenamed,
    CareerDevelopmentUnitSuspended,
    evolve_unit,
    rename_unit,
)
from tests.unit.enrollment.facts import UNIT, active_project, approved_project, at, proposed_project, unit_registered
from tests.unit.enrollment.given import Given, fold, given

REGISTERED_ON = date(2025, 1, 15)
REGISTERED = [unit_registered(registered_on=REGISTERED_ON)]
ACTIVE = [*REGISTERED, CareerDevelopmentUnitActivated(unit_id=UNIT)]
SUSPENDED = [*ACTIVE, CareerDevelopmentUnitSuspended(unit_id=UNIT, reason="audit")]
DEACTIVATED = [*ACTIVE, CareerDevelopmentUnitDeactivated(unit_id=UNIT, reason="dissolved")]

PROPOSED_ON = date(2025, 2, 1)
PROPOSED = [replace(cast(ProjectProposed, proposed_project()[0]), on=PROPOSED_ON)]
APPROVED = [*PROPOSED, *approved_project()[1:]]
ACTIVE_PROJECT = [*PROPOSED, *active_project()[1:]]


def given_unit(history: list[object]) -> Given[CareerDevelopmentUnit]:
    return given(evolve_unit, *history)


def fold_unit(history: list[object]) -> CareerDevelopmentUnit:
    state = fold(evolve_unit, history)
    assert state is not None
    return state


def given_project(history: list[object]) -> Given[Project]:
    return given(evolve_project, *history)


def fold_project(history: list[object]) -> Project:
    state = fold(evolve_project, history)
    assert state is not None
    return state


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("history", [REGISTERED, ACTIVE, SUSPENDED], ids=["registered", "active", "suspended"])
def test_a_unit_is_renamed_and_keeps_the_name_it_had_with_its_days(history: list[object]) -> None:
    then = given_unit(history).when(rename_unit, name=" Mae Chaem Weavers CDU ", renamed_on=date(2025, 3, 1))
    assert then.events == [
        CareerDevelopmentUnitRenamed(
            unit_id=UNIT, name="Mae Chaem Weavers CDU", previous_name="Mae Chaem CDU", renamed_on=date(2025, 3, 1)
        )
    ]
    assert then.state is not None
    assert then.state.name == "Mae Chaem Weavers CDU"
    assert then.state.earlier_names == (
        EarlierName(name="Mae Chaem CDU", named_on=REGISTERED_ON, renamed_on=date(2025, 3, 1)),
    )
    assert then.state.status == fold_unit(history).status, "a rename changes no status"


def test_a_unit_renamed_twice_keeps_both_earlier_names_in_order() -> None:
    first = rename_unit(fold_unit(ACTIVE), name="Mae Chaem Weavers", renamed_on=date(2025, 3, 1))
    then = given_unit([*ACTIVE, *first]).when(rename_unit, name="Mae Chaem Weaving Centre", renamed_on=date(2025, 3, 1))
    assert then.state is not None and then.state.name == "Mae Chaem Weaving Centre"
    assert then.state.earlier_names == (
        EarlierName(name="Mae Chaem CDU", named_on=REGISTERED_ON, renamed_on=date(2025, 3, 1)),
        EarlierName(name="Mae Chaem Weavers", named_on=date(2025, 3, 1), renamed_on=date(2025, 3, 1)),
    )


@pytest.mark.parametrize("name", ["Mae Chaem CDU", "  Mae Chaem CDU "], ids=["same", "same-with-spaces"])
def test_a_unit_is_not_renamed_to_the_name_it_has(name: str) -> None:
    error = given_unit(ACTIVE).rejects(rename_unit, rule="name-unchanged", name=name, renamed_on=date(2025, 3, 1))
    assert "is named 'Mae Chaem CDU' already" in str(error)


def test_a_change_of_case_alone_is_a_rename() -> None:
    then = given_unit(ACTIVE).when(rename_unit, name="MAE CHAEM CDU", renamed_on=date(2025, 3, 1))
    assert then.state is not None and then.state.name == "MAE CHAEM CDU"


def test_a_unit_is_not_renamed_to_nothing() -> None:
    given_unit(ACTIVE).rejects(rename_unit, rule="name-required", name="  ", renamed_on=date(2025, 3, 1))


def test_a_deactivated_unit_is_not_renamed() -> None:
    error = given_unit(DEACTIVATED).rejects(
        rename_unit, rule="deactivated-unit-cannot-be-renamed", name="Anything", renamed_on=date(2025, 3, 1)
    )
    assert "is DEACTIVATED" in str(error)


def test_a_unit_is_not_renamed_before_it_was_registered() -> None:
    error = given_unit(ACTIVE).rejects(
        rename_unit, rule="renamed-before-registration", name="Mae Chaem Weavers", renamed_on=date(2025, 1, 14)
    )
    assert "registration on 2025-01-15; it cannot be renamed before, on 2025-01-14" in str(error)
    assert given_unit(ACTIVE).when(rename_unit, name="Mae Chaem Weavers", renamed_on=REGISTERED_ON).events


def test_a_unit_is_not_renamed_before_its_last_rename() -> None:
    renamed = [*ACTIVE, *rename_unit(fold_unit(ACTIVE), name="Mae Chaem Weavers", renamed_on=date(2025, 3, 1))]
    error = given_unit(renamed).rejects(
        rename_unit, rule="renamed-before-last-rename", name="Weaving Centre", renamed_on=date(2025, 2, 28)
    )
    assert "last renamed on 2025-03-01" in str(error)


def test_a_unit_registered_before_its_day_was_kept_is_renamed_on_any_day() -> None:
    then = given_unit([unit_registered()]).when(rename_unit, name="Mae Chaem Weavers", renamed_on=date(2001, 1, 1))
    assert then.state is not None
    assert then.state.earlier_names == (EarlierName(name="Mae Chaem CDU", named_on=None, renamed_on=date(2001, 1, 1)),)


def test_an_unknown_unit_is_not_renamed() -> None:
    given_unit([]).rejects(rename_unit, rule="must-exist", name="Anything", renamed_on=date(2025, 3, 1))


# --- projects ------------------------------------------------------------------------------------


@pytest.mark.parametrize("history", [PROPOSED, APPROVED, ACTIVE_PROJECT], ids=["proposed", "approved", "active"])
def test_a_project_is_renamed_where_it_is_and_keeps_the_name_it_had(history: list[object]) -> None:
    then = given_project(history).when(rename_project, name="Ban Na weaving co-op", renamed_on=date(2025, 6, 1))
    assert then.events == [
        ProjectRenamed(**at(), name="Ban Na weaving co-op", previous_name="Weaving co-op", renamed_on=date(2025, 6, 1))
    ]
    assert then.state is not None
    assert then.state.name == "Ban Na weaving co-op"
    assert then.state.earlier_names == (
        EarlierName(name="Weaving co-op", named_on=PROPOSED_ON, renamed_on=date(2025, 6, 1)),
    )
    before = fold_project(history)
    assert (then.state.status, then.state.status_since) == (before.status, before.status_since)


@pytest.mark.parametrize(
    "history",
    [
        [*ACTIVE_PROJECT, ProjectClosed(**at(), on=date(2025, 9, 1))],
        [*PROPOSED, ProjectRejected(**at(), reason="outside the programme", on=date(2025, 3, 1))],
        [*ACTIVE_PROJECT, ProjectTerminated(**at(), reason="grant withdrawn", on=date(2025, 9, 1))],
    ],
    ids=["closed", "rejected", "terminated"],
)
def test_a_project_that_ended_is_not_renamed(history: list[object]) -> None:
    error = given_project(history).rejects(
        rename_project, rule="ended-project-cannot-be-renamed", name="Anything", renamed_on=date(2025, 10, 1)
    )
    assert "an ended project keeps the name it ended with" in str(error)


def test_a_project_is_not_renamed_to_the_name_it_has_or_to_nothing() -> None:
    given_project(APPROVED).rejects(
        rename_project, rule="name-unchanged", name="Weaving co-op ", renamed_on=date(2025, 6, 1)
    )
    given_project(APPROVED).rejects(rename_project, rule="name-required", name=" ", renamed_on=date(2025, 6, 1))


def test_a_project_is_not_renamed_before_its_proposal() -> None:
    error = given_project(APPROVED).rejects(
        rename_project, rule="renamed-before-proposal", name="Ban Na weaving", renamed_on=date(2025, 1, 31)
    )
    assert "proposal on 2025-02-01" in str(error)
    assert given_project(APPROVED).when(rename_project, name="Ban Na weaving", renamed_on=PROPOSED_ON).events


def test_a_project_is_not_renamed_before_its_last_rename() -> None:
    first = rename_project(fold_project(APPROVED), name="Ban Na weaving", renamed_on=date(2025, 6, 1))
    given_project([*APPROVED, *first]).rejects(
        rename_project, rule="renamed-before-last-rename", name="Ban Na looms", renamed_on=date(2025, 5, 31)
    )
    then = given_project([*APPROVED, *first]).when(rename_project, name="Ban Na looms", renamed_on=date(2025, 7, 1))
    assert then.state is not None
    assert [(n.name, n.named_on, n.renamed_on) for n in then.state.earlier_names] == [
        ("Weaving co-op", PROPOSED_ON, date(2025, 6, 1)),
        ("Ban Na weaving", date(2025, 6, 1), date(2025, 7, 1)),
    ]


def test_a_project_proposed_before_its_day_was_kept_is_renamed_on_any_day() -> None:
    assert given_project(approved_project()).when(rename_project, name="Ban Na", renamed_on=date(2001, 1, 1)).events


def test_an_unknown_project_is_not_renamed() -> None:
    given_project([]).rejects(rename_project, rule="must-exist", name="Anything", renamed_on=date(2025, 6, 1))
