"""Notices for integrators, who read OUTCOMES only: an erasure once, and a project's place once, and again
under a new name when the project is renamed after it opened."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from pathways_outcomes.domain.erasure import ErasureNoted, evolve_erasure_notice, note_erasure
from pathways_outcomes.domain.project_reference import (
    ProjectNoted,
    ProjectReference,
    evolve_project_reference,
    note_new_project_name,
    note_project,
    note_project_name,
)

PARTICIPANT, ERASED_ON = uuid4(), date(2026, 2, 1)


def test_the_erasure_is_noted_once() -> None:
    first = note_erasure(None, participant_id=PARTICIPANT, erased_on=ERASED_ON)
    state = evolve_erasure_notice(None, first[0])

    again = note_erasure(state, participant_id=PARTICIPANT, erased_on=ERASED_ON)

    assert first == [ErasureNoted(participant_id=PARTICIPANT, erased_on=ERASED_ON)]
    assert again == [], "told again (a redelivered message), it is not noted twice"


def test_a_project_s_place_is_noted_once() -> None:
    project = uuid4()

    def noted(state: ProjectReference | None) -> list[ProjectNoted]:
        return note_project(
            state, project_id=project, name="Nan silverwork", province_code="TH-55", region="NORTH", opened_on=ERASED_ON
        )

    first = noted(None)
    again = noted(evolve_project_reference(None, first[0]))

    assert first == [
        ProjectNoted(
            project_id=project, name="Nan silverwork", province_code="TH-55", region="NORTH", opened_on=ERASED_ON
        )
    ]
    assert again == []


def test_a_project_s_place_carries_the_name_it_was_proposed_under() -> None:
    project = uuid4()
    named = note_project_name(None, project_id=project, name="Nan silverwork")
    state = evolve_project_reference(None, named[0])

    placed = note_project(state, project_id=project, name=None, province_code="TH-55", region="NORTH", opened_on=None)

    assert [p.name for p in placed] == ["Nan silverwork"]
    assert note_project_name(state, project_id=project, name="Nan silverwork") == [], "told again: nothing new"


def test_a_project_renamed_before_it_opened_is_placed_under_its_new_name() -> None:
    project = uuid4()
    proposed = evolve_project_reference(None, note_project_name(None, project_id=project, name="Nan silverwrok")[0])
    renamed = note_new_project_name(proposed, project_id=project, name="Nan silverwork")
    state = evolve_project_reference(proposed, renamed[0])

    placed = note_project(state, project_id=project, name=None, province_code="TH-55", region="NORTH", opened_on=None)

    assert [p.name for p in placed] == ["Nan silverwork"]


def test_a_project_renamed_after_it_opened_is_placed_again_under_its_new_name() -> None:
    project = uuid4()
    placed = note_project(
        None, project_id=project, name="Nan silverwrok", province_code="TH-55", region="NORTH", opened_on=ERASED_ON
    )
    state = evolve_project_reference(None, placed[0])

    renamed = note_new_project_name(state, project_id=project, name="Nan silverwork")
    told_again = note_new_project_name(
        evolve_project_reference(state, renamed[0]), project_id=project, name="Nan silverwork"
    )

    assert renamed == [
        ProjectNoted(
            project_id=project, name="Nan silverwork", province_code="TH-55", region="NORTH", opened_on=ERASED_ON
        )
    ]
    assert told_again == [], "the name it has: nothing new"
