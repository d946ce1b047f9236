"""Curriculum: Draft → CoDesigned → Approved → Retired, in versions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from pathways_training.domain.curriculum import (
    DEFAULT_ATTENDANCE_THRESHOLD,
    Curriculum,
    CurriculumCoDesigned,
    CurriculumContent,
    CurriculumRetired,
    CurriculumRevised,
    CurriculumStatus,
    Track,
    approve_curriculum,
    co_design,
    draft_curriculum,
    evolve_curriculum,
    existing_curriculum,
    retire_curriculum,
    revise_curriculum,
)
from tests.unit.training.given import (
    APPROVED_CURRICULUM,
    COMPETENCIES,
    CONTENT,
    CURRICULUM,
    CURRICULUM_APPROVED,
    CURRICULUM_CO_DESIGNED,
    CURRICULUM_DRAFTED,
    DRAFTED_ON,
    KNOWN_PROJECT,
    PROJECT,
    given,
    then_rejected,
)

REVISED_ON = date(2024, 6, 1)
RETIRED = CurriculumRetired(curriculum_id=CURRICULUM, version=1, retired_on=date(2025, 1, 1))


def _content_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "title": CONTENT.title,
        "track": CONTENT.track,
        "competencies": list(CONTENT.competencies),
        "hours": CONTENT.hours,
        "attendance_threshold": CONTENT.attendance_threshold,
    }
    return args | overrides


# --- drafting ---


def test_drafting_a_curriculum_makes_version_1_a_draft() -> None:
    events = draft_curriculum(
        None,
        curriculum_id=CURRICULUM,
        project=KNOWN_PROJECT,
        project_id=PROJECT,
        drafted_on=DRAFTED_ON,
        **_content_args(),
    )

    assert events == [CURRICULUM_DRAFTED]
    state = given(evolve_curriculum, *events)
    assert state is not None
    assert state.latest.version == 1
    assert state.latest.status is CurriculumStatus.DRAFT


def test_the_attendance_threshold_defaults_to_80_percent() -> None:
    args = _content_args()
    del args["attendance_threshold"]

    [event] = draft_curriculum(
        None, curriculum_id=CURRICULUM, project=KNOWN_PROJECT, project_id=PROJECT, drafted_on=DRAFTED_ON, **args
    )

    assert event.content.attendance_threshold == DEFAULT_ATTENDANCE_THRESHOLD == 0.8


def test_a_curriculum_is_drafted_once() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)

    then_rejected(
        lambda: draft_curriculum(
            state,
            curriculum_id=CURRICULUM,
            project=KNOWN_PROJECT,
            project_id=PROJECT,
            drafted_on=DRAFTED_ON,
            **_content_args(),
        ),
        rule="curriculum-already-exists",
    )


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"competencies": []}, "competencies-required"),
        ({"competencies": ["weaving", "weaving"]}, "competencies-must-be-unique"),
        ({"hours": Decimal(0)}, "hours-must-be-positive"),
        ({"attendance_threshold": 0.0}, "attendance-threshold-out-of-range"),
        ({"attendance_threshold": 1.01}, "attendance-threshold-out-of-range"),
    ],
)
def test_curriculum_content_is_checked(overrides: dict[str, Any], rule: str) -> None:
    then_rejected(
        lambda: draft_curriculum(
            None,
            curriculum_id=CURRICULUM,
            project=KNOWN_PROJECT,
            project_id=PROJECT,
            drafted_on=DRAFTED_ON,
            **_content_args(**overrides),
        ),
        rule=rule,
    )
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)
    then_rejected(
        lambda: revise_curriculum(state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args(**overrides)),
        rule=rule,
    )


def test_a_threshold_of_100_percent_is_allowed() -> None:
    [event] = draft_curriculum(
        None,
        curriculum_id=CURRICULUM,
        project=KNOWN_PROJECT,
        project_id=PROJECT,
        drafted_on=DRAFTED_ON,
        **_content_args(attendance_threshold=1.0),
    )
    assert event.content.attendance_threshold == 1.0


# --- revising ---

UPSKILL = CurriculumContent(
    title="Weaving, upskilled",
    track=Track.UPSKILL,
    competencies=COMPETENCIES,
    hours=Decimal(40),
    attendance_threshold=0.9,
)


def test_revising_a_draft_replaces_its_content_in_the_same_version() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)

    events = revise_curriculum(
        state,
        curriculum_id=CURRICULUM,
        revised_on=REVISED_ON,
        **_content_args(title=UPSKILL.title, track=Track.UPSKILL, hours=Decimal(40), attendance_threshold=0.9),
    )

    assert events == [CurriculumRevised(curriculum_id=CURRICULUM, version=1, content=UPSKILL, revised_on=REVISED_ON)]
    revised = given(evolve_curriculum, CURRICULUM_DRAFTED, *events)
    assert revised is not None
    assert [v.version for v in revised.versions] == [1]
    assert revised.latest.content == UPSKILL


def test_revising_with_the_same_content_changes_nothing() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)

    assert revise_curriculum(state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args()) == []


def test_revising_a_co_designed_version_makes_it_a_draft_again() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED)

    events = revise_curriculum(
        state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args(hours=Decimal(72))
    )

    assert events == [
        CurriculumRevised(
            curriculum_id=CURRICULUM, version=1, content=replace(CONTENT, hours=Decimal(72)), revised_on=REVISED_ON
        )
    ]
    revised = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED, *events)
    assert revised is not None
    assert revised.latest.status is CurriculumStatus.DRAFT


@pytest.mark.parametrize(
    ("history", "v1_status"),
    [(APPROVED_CURRICULUM, CurriculumStatus.APPROVED), ((*APPROVED_CURRICULUM, RETIRED), CurriculumStatus.RETIRED)],
)
def test_revising_an_approved_or_retired_version_opens_the_next_version(
    history: tuple[object, ...], v1_status: CurriculumStatus
) -> None:
    state = given(evolve_curriculum, *history)

    events = revise_curriculum(
        state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args(hours=Decimal(72))
    )

    assert events == [
        CurriculumRevised(
            curriculum_id=CURRICULUM, version=2, content=replace(CONTENT, hours=Decimal(72)), revised_on=REVISED_ON
        )
    ]
    revised = given(evolve_curriculum, *history, *events)
    assert revised is not None
    assert [(v.version, v.status) for v in revised.versions] == [(1, v1_status), (2, CurriculumStatus.DRAFT)]


@pytest.mark.parametrize(
    ("history", "hours", "revised_version"),
    [
        ((CURRICULUM_DRAFTED,), Decimal(72), 1),
        ((CURRICULUM_DRAFTED,), CONTENT.hours, 1),  # unchanged: nothing recorded, still version 1
        ((CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED), Decimal(72), 1),
        (APPROVED_CURRICULUM, Decimal(72), 2),
        ((*APPROVED_CURRICULUM, RETIRED), Decimal(72), 2),
    ],
    ids=["draft", "draft-unchanged", "co-designed", "approved", "retired"],
)
def test_the_version_a_revision_drafted_or_replaced_is_the_newest_after_it(
    history: tuple[object, ...], hours: Decimal, revised_version: int
) -> None:
    state = given(evolve_curriculum, *history)

    events = revise_curriculum(state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args(hours=hours))

    revised = existing_curriculum(given(evolve_curriculum, *history, *events), CURRICULUM)
    assert revised.latest.version == revised_version
    assert revised.latest.status is CurriculumStatus.DRAFT


def test_a_curriculum_must_exist_to_be_revised() -> None:
    then_rejected(
        lambda: revise_curriculum(None, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args()),
        rule="must-exist",
    )
    then_rejected(lambda: existing_curriculum(None, CURRICULUM), rule="must-exist")


# --- co-design, approval, retirement ---


def test_a_draft_is_co_designed_with_a_community() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)
    assessment = uuid4()

    events = co_design(
        state,
        curriculum_id=CURRICULUM,
        version=1,
        community="Ban Na weavers group",
        co_designed_on=date(2024, 1, 10),
        needs_assessment_id=assessment,
    )

    assert events == [replace(CURRICULUM_CO_DESIGNED, needs_assessment_id=assessment)]
    co_designed = given(evolve_curriculum, CURRICULUM_DRAFTED, *events)
    assert co_designed is not None
    assert co_designed.latest.status is CurriculumStatus.CO_DESIGNED
    assert co_designed.latest.co_designed_with == "Ban Na weavers group"


@pytest.mark.parametrize(
    "history", [(CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED), APPROVED_CURRICULUM, (*APPROVED_CURRICULUM, RETIRED)]
)
def test_only_a_draft_is_co_designed(history: tuple[object, ...]) -> None:
    state = given(evolve_curriculum, *history)

    then_rejected(
        lambda: co_design(state, curriculum_id=CURRICULUM, version=1, community="x", co_designed_on=date(2024, 1, 11)),
        rule="curriculum-must-be-draft",
    )


def test_a_co_designed_version_is_approved() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED)

    events = approve_curriculum(state, curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 20))

    assert events == [CURRICULUM_APPROVED]
    approved = given(evolve_curriculum, *APPROVED_CURRICULUM)
    assert approved is not None
    assert approved.latest.status is CurriculumStatus.APPROVED
    assert approved.latest.approved_on == date(2024, 1, 20)
    assert approved.latest.co_designed_with == "Ban Na weavers group"


@pytest.mark.parametrize("history", [(CURRICULUM_DRAFTED,), APPROVED_CURRICULUM, (*APPROVED_CURRICULUM, RETIRED)])
def test_only_a_co_designed_version_is_approved(history: tuple[object, ...]) -> None:
    state = given(evolve_curriculum, *history)

    then_rejected(
        lambda: approve_curriculum(state, curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 20)),
        rule="curriculum-must-be-co-designed",
    )


def test_an_approved_version_is_retired() -> None:
    state = given(evolve_curriculum, *APPROVED_CURRICULUM)

    events = retire_curriculum(state, curriculum_id=CURRICULUM, version=1, retired_on=date(2025, 1, 1))

    assert events == [RETIRED]
    retired = given(evolve_curriculum, *APPROVED_CURRICULUM, *events)
    assert retired is not None
    assert retired.latest.status is CurriculumStatus.RETIRED


@pytest.mark.parametrize(
    "history", [(CURRICULUM_DRAFTED,), (CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED), (*APPROVED_CURRICULUM, RETIRED)]
)
def test_only_an_approved_version_is_retired(history: tuple[object, ...]) -> None:
    state = given(evolve_curriculum, *history)

    then_rejected(
        lambda: retire_curriculum(state, curriculum_id=CURRICULUM, version=1, retired_on=date(2025, 1, 1)),
        rule="curriculum-must-be-approved",
    )


def _co_design_on(state: Curriculum | None, day: date, *, version: int = 1) -> list[CurriculumCoDesigned]:
    return co_design(
        state, curriculum_id=CURRICULUM, version=version, community="Ban Na weavers group", co_designed_on=day
    )


def test_a_draft_is_not_co_designed_before_it_was_drafted() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)  # drafted on 2024-01-05

    error = then_rejected(lambda: _co_design_on(state, date(2024, 1, 4)), rule="co-design-before-draft")
    assert "2024-01-04" in str(error) and "2024-01-05" in str(error)


def test_a_draft_is_co_designed_on_the_day_it_was_drafted() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)

    assert _co_design_on(state, DRAFTED_ON) == [replace(CURRICULUM_CO_DESIGNED, co_designed_on=DRAFTED_ON)]


def test_a_version_replaced_by_a_revision_is_not_co_designed_before_the_revision() -> None:
    revised = CurriculumRevised(curriculum_id=CURRICULUM, version=1, content=UPSKILL, revised_on=date(2024, 1, 12))
    state = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED, revised)  # co-designed on 01-10

    then_rejected(lambda: _co_design_on(state, date(2024, 1, 11)), rule="co-design-before-draft")
    assert _co_design_on(state, date(2024, 1, 12)) != []


def test_a_version_opened_by_a_revision_is_not_co_designed_before_the_revision() -> None:
    v2 = CurriculumRevised(curriculum_id=CURRICULUM, version=2, content=UPSKILL, revised_on=REVISED_ON)
    state = given(evolve_curriculum, *APPROVED_CURRICULUM, v2)

    error = then_rejected(lambda: _co_design_on(state, date(2024, 5, 31), version=2), rule="co-design-before-draft")
    assert "version 2" in str(error)


@pytest.mark.parametrize(
    "history",
    [
        (replace(CURRICULUM_DRAFTED, drafted_on=None),),
        (*APPROVED_CURRICULUM, CurriculumRevised(curriculum_id=CURRICULUM, version=2, content=UPSKILL)),
    ],
    ids=["draft", "revision"],
)
def test_a_version_drafted_before_the_day_was_kept_is_co_designed_on_any_day(history: tuple[object, ...]) -> None:
    state = given(evolve_curriculum, *history)
    version = existing_curriculum(state, CURRICULUM).latest.version

    assert _co_design_on(state, date(2020, 1, 1), version=version) != []


def test_a_revision_is_not_dated_before_the_newest_version_was_drafted() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)  # drafted on 2024-01-05

    error = then_rejected(
        lambda: revise_curriculum(
            state, curriculum_id=CURRICULUM, revised_on=date(2024, 1, 4), **_content_args(hours=Decimal(72))
        ),
        rule="revision-before-draft",
    )
    assert "2024-01-04" in str(error) and "2024-01-05" in str(error)


def test_a_revision_keeps_its_day_as_the_version_drafted_anew() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED)

    events = revise_curriculum(
        state, curriculum_id=CURRICULUM, revised_on=REVISED_ON, **_content_args(hours=Decimal(72))
    )

    revised = existing_curriculum(given(evolve_curriculum, CURRICULUM_DRAFTED, *events), CURRICULUM)
    assert revised.latest.drafted_on == REVISED_ON


def test_a_version_is_not_approved_before_it_was_co_designed() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED)  # co-designed on 2024-01-10

    error = then_rejected(
        lambda: approve_curriculum(state, curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 9)),
        rule="approval-before-co-design",
    )
    assert "2024-01-09" in str(error) and "2024-01-10" in str(error)


def test_a_version_is_approved_on_the_day_it_was_co_designed() -> None:
    state = given(evolve_curriculum, CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED)

    events = approve_curriculum(state, curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 10))

    assert events == [replace(CURRICULUM_APPROVED, approved_on=date(2024, 1, 10))]


def test_a_version_is_not_retired_before_it_was_approved() -> None:
    state = given(evolve_curriculum, *APPROVED_CURRICULUM)  # approved on 2024-01-20

    error = then_rejected(
        lambda: retire_curriculum(state, curriculum_id=CURRICULUM, version=1, retired_on=date(2024, 1, 19)),
        rule="retirement-before-approval",
    )
    assert "2024-01-19" in str(error) and "2024-01-20" in str(error)


def test_a_version_is_retired_on_the_day_it_was_approved() -> None:
    state = given(evolve_curriculum, *APPROVED_CURRICULUM)

    events = retire_curriculum(state, curriculum_id=CURRICULUM, version=1, retired_on=date(2024, 1, 20))

    assert events == [replace(RETIRED, retired_on=date(2024, 1, 20))]


def test_an_earlier_approved_version_stays_approved_while_the_next_is_drafted() -> None:
    v2 = CurriculumRevised(curriculum_id=CURRICULUM, version=2, content=UPSKILL, revised_on=REVISED_ON)
    state = given(evolve_curriculum, *APPROVED_CURRICULUM, v2)
    assert state is not None
    v1 = state.version(1)
    assert v1 is not None
    assert v1.status is CurriculumStatus.APPROVED

    events = retire_curriculum(state, curriculum_id=CURRICULUM, version=1, retired_on=date(2025, 1, 1))
    assert events == [RETIRED]
    then_rejected(
        lambda: approve_curriculum(state, curriculum_id=CURRICULUM, version=2, approved_on=date(2024, 3, 1)),
        rule="curriculum-must-be-co-designed",
    )


@pytest.mark.parametrize(
    "when",
    [
        lambda s: co_design(s, curriculum_id=CURRICULUM, version=3, community="x", co_designed_on=date(2024, 1, 1)),
        lambda s: approve_curriculum(s, curriculum_id=CURRICULUM, version=3, approved_on=date(2024, 1, 1)),
        lambda s: retire_curriculum(s, curriculum_id=CURRICULUM, version=3, retired_on=date(2024, 1, 1)),
    ],
)
def test_commands_name_an_existing_version(when: Any) -> None:
    state = given(evolve_curriculum, *APPROVED_CURRICULUM)

    then_rejected(lambda: when(state), rule="unknown-curriculum-version")


@pytest.mark.parametrize(
    "when",
    [
        lambda: co_design(None, curriculum_id=CURRICULUM, version=1, community="x", co_designed_on=date(2024, 1, 1)),
        lambda: approve_curriculum(None, curriculum_id=CURRICULUM, version=1, approved_on=date(2024, 1, 1)),
        lambda: retire_curriculum(None, curriculum_id=CURRICULUM, version=1, retired_on=date(2024, 1, 1)),
    ],
)
def test_commands_need_an_existing_curriculum(when: Any) -> None:
    then_rejected(when, rule="must-exist")


def test_a_curriculum_does_not_follow_from_an_unknown_event() -> None:
    with pytest.raises(TypeError):
        evolve_curriculum(None, CURRICULUM_APPROVED)
