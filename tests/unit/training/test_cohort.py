"""Cohort: Planned → InProgress → Completed / Cancelled, following one approved curriculum version."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from pathways_training.domain.cohort import (
    Cohort,
    CohortCancelled,
    CohortCompleted,
    CohortStatus,
    TrainingSessionHeld,
    cancel_cohort,
    complete_cohort,
    evolve_cohort,
    hold_session,
    plan_cohort,
    start_cohort,
)
from pathways_training.domain.curriculum import CurriculumRetired, Track, evolve_curriculum
from tests.unit.training.given import (
    APPROVED_CURRICULUM,
    COHORT,
    CURRICULUM,
    CURRICULUM_CO_DESIGNED,
    CURRICULUM_DRAFTED,
    KNOWN_PROJECT,
    OTHER_PROJECT,
    PROJECT,
    cohort_planned,
    cohort_started,
    given,
    session_held,
    then_rejected,
)

CANCELLED = CohortCancelled(cohort_id=COHORT, cancelled_on=date(2024, 2, 5), reason="flooding")
COMPLETED = CohortCompleted(cohort_id=COHORT, completed_on=date(2024, 4, 30))


def _plan(curriculum_history: tuple[object, ...], **overrides: Any) -> list[Any]:
    args: dict[str, Any] = {
        "cohort_id": COHORT,
        "project": KNOWN_PROJECT,
        "project_id": PROJECT,
        "curriculum": given(evolve_curriculum, *curriculum_history),
        "curriculum_id": CURRICULUM,
        "curriculum_version": 1,
        "starts_on": date(2024, 2, 1),
    }
    return list(plan_cohort(None, **(args | overrides)))


# --- planning ---


def test_a_cohort_is_planned_on_an_approved_curriculum_version_and_copies_its_rules() -> None:
    events = _plan(APPROVED_CURRICULUM)

    assert events == [cohort_planned()]
    cohort = given(evolve_cohort, *events)
    assert cohort is not None
    assert cohort.status is CohortStatus.PLANNED
    assert cohort.attendance_threshold == 0.8
    assert cohort.track is Track.RESKILL
    assert cohort.competencies == ("weaving", "natural-dyeing", "online-selling")


@pytest.mark.parametrize(
    "history",
    [
        (CURRICULUM_DRAFTED,),
        (CURRICULUM_DRAFTED, CURRICULUM_CO_DESIGNED),
        (*APPROVED_CURRICULUM, CurriculumRetired(curriculum_id=CURRICULUM, version=1, retired_on=date(2024, 1, 30))),
    ],
)
def test_a_cohort_follows_only_an_approved_version(history: tuple[object, ...]) -> None:
    then_rejected(lambda: _plan(history), rule="curriculum-must-be-approved")


def test_a_cohort_needs_an_existing_curriculum_and_version() -> None:
    then_rejected(lambda: _plan(()), rule="must-exist")
    then_rejected(lambda: _plan(APPROVED_CURRICULUM, curriculum_version=2), rule="unknown-curriculum-version")


def test_a_cohort_follows_a_curriculum_of_its_own_project() -> None:
    then_rejected(
        lambda: _plan(APPROVED_CURRICULUM, project_id=OTHER_PROJECT), rule="curriculum-belongs-to-another-project"
    )


def test_a_cohort_is_planned_once() -> None:
    state = given(evolve_cohort, cohort_planned())
    curriculum = given(evolve_curriculum, *APPROVED_CURRICULUM)

    then_rejected(
        lambda: plan_cohort(
            state,
            cohort_id=COHORT,
            project=KNOWN_PROJECT,
            project_id=PROJECT,
            curriculum=curriculum,
            curriculum_id=CURRICULUM,
            curriculum_version=1,
            starts_on=date(2024, 2, 1),
        ),
        rule="cohort-already-exists",
    )


# --- starting ---


def test_a_planned_cohort_starts() -> None:
    state = given(evolve_cohort, cohort_planned())

    events = start_cohort(state, cohort_id=COHORT, started_on=date(2024, 2, 1))

    assert events == [cohort_started()]
    started = given(evolve_cohort, cohort_planned(), *events)
    assert started is not None
    assert started.status is CohortStatus.IN_PROGRESS


def test_a_cohort_keeps_the_day_its_curriculum_version_was_approved() -> None:
    cohort = given(evolve_cohort, *_plan(APPROVED_CURRICULUM))

    assert cohort is not None
    assert cohort.curriculum_approved_on == date(2024, 1, 20)


def test_a_cohort_does_not_start_before_its_curriculum_version_was_approved() -> None:
    state = given(evolve_cohort, cohort_planned())  # version 1 approved on 2024-01-20

    error = then_rejected(
        lambda: start_cohort(state, cohort_id=COHORT, started_on=date(2024, 1, 19)),
        rule="cohort-start-before-curriculum-approval",
    )
    assert "2024-01-19" in str(error) and "2024-01-20" in str(error)


def test_a_cohort_starts_on_the_day_its_curriculum_version_was_approved() -> None:
    state = given(evolve_cohort, cohort_planned())

    assert start_cohort(state, cohort_id=COHORT, started_on=date(2024, 1, 20)) == [
        cohort_started(started_on=date(2024, 1, 20))
    ]


def test_a_cohort_planned_before_the_approval_day_was_kept_starts_on_any_day() -> None:
    state = given(evolve_cohort, cohort_planned(curriculum_approved_on=None))

    assert start_cohort(state, cohort_id=COHORT, started_on=date(2020, 1, 1)) == [
        cohort_started(started_on=date(2020, 1, 1))
    ]


@pytest.mark.parametrize("after", [(cohort_started(),), (CANCELLED,)])
def test_only_a_planned_cohort_starts(after: tuple[object, ...]) -> None:
    state = given(evolve_cohort, cohort_planned(), *after)

    then_rejected(
        lambda: start_cohort(state, cohort_id=COHORT, started_on=date(2024, 2, 2)), rule="cohort-must-be-planned"
    )


# --- sessions ---


def test_a_cohort_in_progress_holds_sessions() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started())
    session = uuid4()

    events = hold_session(state, cohort_id=COHORT, session_id=session, held_on=date(2024, 2, 3), hours=Decimal("2.5"))

    assert events == [
        TrainingSessionHeld(cohort_id=COHORT, session_id=session, held_on=date(2024, 2, 3), hours=Decimal("2.5"))
    ]
    held = given(evolve_cohort, cohort_planned(), cohort_started(), *events)
    assert held is not None
    assert held.sessions_held() == {session}


@pytest.mark.parametrize("history", [(cohort_planned(),), (cohort_planned(), CANCELLED)])
def test_sessions_are_held_only_while_in_progress(history: tuple[object, ...]) -> None:
    state = given(evolve_cohort, *history)

    then_rejected(
        lambda: hold_session(state, cohort_id=COHORT, session_id=uuid4(), held_on=date(2024, 2, 3), hours=Decimal(3)),
        rule="cohort-must-be-in-progress",
    )


def test_a_session_is_held_once() -> None:
    held = session_held(date(2024, 2, 3))
    state = given(evolve_cohort, cohort_planned(), cohort_started(), held)

    then_rejected(
        lambda: hold_session(
            state, cohort_id=COHORT, session_id=held.session_id, held_on=date(2024, 2, 3), hours=Decimal(3)
        ),
        rule="session-already-held",
    )


def test_a_session_lasts_some_hours() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started())

    then_rejected(
        lambda: hold_session(state, cohort_id=COHORT, session_id=uuid4(), held_on=date(2024, 2, 3), hours=Decimal(0)),
        rule="session-hours-positive",
    )


def test_a_session_is_not_held_before_the_cohort_started() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started())

    then_rejected(
        lambda: hold_session(state, cohort_id=COHORT, session_id=uuid4(), held_on=date(2024, 1, 31), hours=Decimal(3)),
        rule="session-before-cohort-start",
    )


# --- a session recorded twice ---

DAY = date(2024, 2, 3)
MORNING, AFTERNOON = time(9), time(13, 30)


def _hold_on(
    state: Cohort | None,
    held_on: date = DAY,
    *,
    hours: str = "3",
    starts_at: time | None = None,
    distinct_from: frozenset[UUID] = frozenset(),
) -> list[TrainingSessionHeld]:
    """A new session (a new id, as a request without one gets)."""
    return hold_session(
        state,
        cohort_id=COHORT,
        session_id=uuid4(),
        held_on=held_on,
        hours=Decimal(hours),
        starts_at=starts_at,
        distinct_from=distinct_from,
    )


UNTIMED = uuid4()  # a session held without a start time, which staff may name as not the new one


@pytest.mark.parametrize(
    ("held", "when"),
    [
        ({"starts_at": MORNING}, {"starts_at": AFTERNOON}),  # morning and afternoon, as long as each other
        ({}, {"hours": "2"}),  # neither gave a start time, but they lasted differently
        ({}, {"starts_at": AFTERNOON, "hours": "2"}),  # the first has no start time; their lengths differ
        ({"session_id": UNTIMED}, {"starts_at": AFTERNOON, "distinct_from": frozenset({UNTIMED})}),
    ],
    ids=["other-start-time", "other-length-no-start-times", "start-time-after-none-other-length", "named-apart"],
)
def test_a_second_session_the_same_day_is_held_when_something_tells_it_apart(
    held: dict[str, Any], when: dict[str, Any]
) -> None:
    first = session_held(DAY, **held)
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    events = _hold_on(state, **when)

    assert [e.held_on for e in events] == [DAY]
    after = given(evolve_cohort, cohort_planned(), cohort_started(), first, *events)
    assert after is not None
    assert after.sessions_held() == {first.session_id, events[0].session_id}


def test_sessions_at_the_same_time_on_other_days_are_held() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started(), session_held(DAY, starts_at=MORNING))

    assert _hold_on(state, date(2024, 2, 10), starts_at=MORNING)


def test_a_session_recorded_again_without_start_times_is_refused_naming_the_session_held() -> None:
    first = session_held(DAY)  # three hours, no start time
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    error = then_rejected(lambda: _hold_on(state), rule="session-duplicate")

    assert f"already held session {first.session_id} on 2024-02-03" in str(error)
    assert f"mark its attendance on session {first.session_id}" in str(error)
    assert f"start time (starts_at), and names session {first.session_id} in distinct_from" in str(error)


def test_a_session_typed_again_with_its_start_time_after_once_without_is_refused_naming_the_first() -> None:
    first = session_held(DAY)  # three hours, the start time forgotten
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    error = then_rejected(lambda: _hold_on(state, starts_at=MORNING), rule="session-duplicate")

    assert f"already held session {first.session_id} on 2024-02-03, lasting 3 hours, without a start time" in str(error)
    assert f"mark its attendance on session {first.session_id}" in str(error)
    assert f"a different session that day names session {first.session_id} in distinct_from" in str(error)


@pytest.mark.parametrize("hours", ["3", "2"], ids=["as-long", "of-another-length"])
def test_a_session_without_its_start_time_on_a_day_with_a_timed_one_is_refused_asking_for_it(hours: str) -> None:
    first = session_held(DAY, starts_at=MORNING, hours=Decimal(3))
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    error = then_rejected(lambda: _hold_on(state, hours=hours), rule="session-start-time-needed")

    assert f"already held session {first.session_id} starting at 09:00 for 3 hours on 2024-02-03" in str(error)
    assert "if this is that session, mark its attendance on it" in str(error)
    assert "needs its start time (starts_at)" in str(error)


def test_asking_for_a_start_time_names_every_session_held_that_day() -> None:
    untimed, timed = session_held(DAY, hours=Decimal(2)), session_held(DAY, starts_at=AFTERNOON)
    state = given(evolve_cohort, cohort_planned(), cohort_started(), untimed, timed)

    error = then_rejected(lambda: _hold_on(state, hours="4"), rule="session-start-time-needed")

    assert (
        f"session {untimed.session_id} lasting 2 hours, without a start time and "
        f"session {timed.session_id} starting at 13:30 for 3 hours on 2024-02-03"
    ) in str(error)
    assert "if this is one of them" in str(error)


def test_naming_a_session_apart_does_not_excuse_an_overlap() -> None:
    first = session_held(DAY, starts_at=MORNING)
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    then_rejected(
        lambda: _hold_on(state, starts_at=time(10), distinct_from=frozenset({first.session_id})),
        rule="session-duplicate",
    )


def test_a_session_starting_when_one_already_did_that_day_is_refused_whatever_its_length() -> None:
    first = session_held(DAY, starts_at=MORNING, hours=Decimal(3))
    state = given(evolve_cohort, cohort_planned(), cohort_started(), session_held(DAY, starts_at=AFTERNOON), first)

    error = then_rejected(lambda: _hold_on(state, hours="3.5", starts_at=MORNING), rule="session-duplicate")

    assert f"already held session {first.session_id} on 2024-02-03, starting at 09:00" in str(error)


def test_a_retry_naming_the_session_held_is_refused_as_already_held_not_as_a_duplicate() -> None:
    """The same request sent again (without an Idempotency-Key) names the same session id."""
    first = session_held(DAY)
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    then_rejected(
        lambda: hold_session(state, cohort_id=COHORT, session_id=first.session_id, held_on=DAY, hours=Decimal(3)),
        rule="session-already-held",
    )


def test_a_history_holding_a_session_recorded_twice_before_the_rule_still_folds() -> None:
    twice = (session_held(DAY), session_held(DAY))

    cohort = given(evolve_cohort, cohort_planned(), cohort_started(), *twice)

    assert cohort is not None
    assert cohort.sessions_held() == {s.session_id for s in twice}


# --- completing and cancelling ---


def test_a_cohort_in_progress_that_held_sessions_completes() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started(), session_held(date(2024, 2, 3)))

    events = complete_cohort(state, cohort_id=COHORT, completed_on=date(2024, 4, 30))

    assert events == [COMPLETED]
    done = given(evolve_cohort, cohort_planned(), cohort_started(), session_held(date(2024, 2, 3)), *events)
    assert done is not None
    assert done.status is CohortStatus.COMPLETED


def test_a_cohort_without_sessions_does_not_complete() -> None:
    state = given(evolve_cohort, cohort_planned(), cohort_started())

    then_rejected(
        lambda: complete_cohort(state, cohort_id=COHORT, completed_on=date(2024, 4, 30)), rule="cohort-needs-sessions"
    )


@pytest.mark.parametrize("history", [(cohort_planned(),), (cohort_planned(), CANCELLED)])
def test_only_a_cohort_in_progress_completes(history: tuple[object, ...]) -> None:
    state = given(evolve_cohort, *history)

    then_rejected(
        lambda: complete_cohort(state, cohort_id=COHORT, completed_on=date(2024, 4, 30)),
        rule="cohort-must-be-in-progress",
    )


@pytest.mark.parametrize("history", [(cohort_planned(),), (cohort_planned(), cohort_started())])
def test_a_planned_or_running_cohort_is_cancelled(history: tuple[object, ...]) -> None:
    state = given(evolve_cohort, *history)

    events = cancel_cohort(state, cohort_id=COHORT, cancelled_on=date(2024, 2, 5), reason="flooding")

    assert events == [CANCELLED]
    cancelled = given(evolve_cohort, *history, *events)
    assert cancelled is not None
    assert cancelled.status is CohortStatus.CANCELLED
    assert cancelled.cancellation_reason == "flooding"


@pytest.mark.parametrize(
    "history",
    [(cohort_planned(), CANCELLED), (cohort_planned(), cohort_started(), session_held(date(2024, 2, 3)), COMPLETED)],
)
def test_a_closed_cohort_is_not_cancelled(history: tuple[object, ...]) -> None:
    state = given(evolve_cohort, *history)

    then_rejected(
        lambda: cancel_cohort(state, cohort_id=COHORT, cancelled_on=date(2024, 5, 1), reason="late"),
        rule="cohort-already-closed",
    )


RUNNING = (cohort_planned(), cohort_started(), session_held(date(2024, 2, 3)), session_held(date(2024, 2, 10)))
"""Started on 2024-02-01; its last session on 2024-02-10."""


def _complete(state: Any, day: date) -> list[Any]:
    return list(complete_cohort(state, cohort_id=COHORT, completed_on=day))


def _cancel(state: Any, day: date) -> list[Any]:
    return list(cancel_cohort(state, cohort_id=COHORT, cancelled_on=day, reason="flooding"))


@pytest.mark.parametrize("end", [_complete, _cancel], ids=["completed", "cancelled"])
def test_a_cohort_does_not_end_before_it_started(end: Any) -> None:
    state = given(evolve_cohort, *RUNNING)

    error = then_rejected(lambda: end(state, date(2024, 1, 31)), rule="cohort-end-before-start")
    assert "2024-01-31" in str(error) and "2024-02-01" in str(error)


@pytest.mark.parametrize("end", [_complete, _cancel], ids=["completed", "cancelled"])
def test_a_cohort_does_not_end_before_its_last_session(end: Any) -> None:
    state = given(evolve_cohort, *RUNNING)

    error = then_rejected(lambda: end(state, date(2024, 2, 9)), rule="cohort-end-before-last-session")
    assert "2024-02-09" in str(error) and "2024-02-10" in str(error)


@pytest.mark.parametrize("end", [_complete, _cancel], ids=["completed", "cancelled"])
def test_a_cohort_ends_on_the_day_of_its_last_session(end: Any) -> None:
    state = given(evolve_cohort, *RUNNING)

    assert len(end(state, date(2024, 2, 10))) == 1


def test_a_planned_cohort_is_cancelled_on_any_day_even_before_it_was_to_start() -> None:
    state = given(evolve_cohort, cohort_planned())  # to start on 2024-02-01

    assert _cancel(state, date(2024, 1, 2)) == [replace(CANCELLED, cancelled_on=date(2024, 1, 2))]


@pytest.mark.parametrize(
    "when",
    [
        lambda: start_cohort(None, cohort_id=COHORT, started_on=date(2024, 2, 1)),
        lambda: hold_session(None, cohort_id=COHORT, session_id=uuid4(), held_on=date(2024, 2, 1), hours=Decimal(1)),
        lambda: complete_cohort(None, cohort_id=COHORT, completed_on=date(2024, 2, 1)),
        lambda: cancel_cohort(None, cohort_id=COHORT, cancelled_on=date(2024, 2, 1), reason="x"),
    ],
)
def test_commands_need_an_existing_cohort(when: Any) -> None:
    then_rejected(when, rule="must-exist")


def test_sessions_held_filters_by_day() -> None:
    early, late = session_held(date(2024, 2, 3)), session_held(date(2024, 3, 3))
    cohort = given(evolve_cohort, cohort_planned(), cohort_started(), early, late)
    assert cohort is not None

    assert cohort.sessions_held(from_day=date(2024, 3, 1)) == {late.session_id}
    assert cohort.sessions_held(before=date(2024, 3, 1)) == {early.session_id}


@pytest.mark.parametrize(
    ("starts_at", "hours", "overlaps"),
    [
        (time(10, 0), "3", True),  # starts during the 09:00 session of three hours
        (time(8, 0), "1.5", True),  # ends during it
        (time(8, 0), "1", False),  # ends as it starts
        (time(12, 0), "3", False),  # starts as it ends
    ],
    ids=["starts-inside", "ends-inside", "ends-as-it-starts", "starts-as-it-ends"],
)
def test_a_session_overlapping_one_held_that_day_is_refused(starts_at: time, hours: str, overlaps: bool) -> None:
    first = session_held(DAY, starts_at=MORNING, hours=Decimal(3))
    state = given(evolve_cohort, cohort_planned(), cohort_started(), first)

    if not overlaps:
        assert _hold_on(state, hours=hours, starts_at=starts_at)
        return
    error = then_rejected(lambda: _hold_on(state, hours=hours, starts_at=starts_at), rule="session-duplicate")
    assert f"starting at 09:00 for 3 hours, which one from {starts_at.isoformat(timespec='minutes')}" in str(error)
