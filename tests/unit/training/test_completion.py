"""Training record endings: completion (the curriculum's hours and the attendance threshold), dropout, withdrawal
learned from enrollment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pathways_training.domain.cohort import (
    Cohort,
    CohortCancelled,
    CohortCompleted,
    evolve_cohort,
    with_curriculum_hours,
)
from pathways_training.domain.curriculum import Track, evolve_curriculum
from pathways_training.domain.training import (
    AttendanceRecorded,
    DropoutReason,
    ParticipantDroppedOut,
    TrainingCompleted,
    TrainingRecordWithdrawn,
    TrainingStatus,
    complete,
    drop_out,
    evolve_record,
    record_attendance,
    transfer_to_cohort,
    withdraw_record,
)
from tests.unit.training.given import (
    APPROVED_CURRICULUM,
    COHORT,
    CURRICULUM,
    ENROLLED_ON,
    ENROLLMENT,
    ENROLLMENT_MOVED,
    OTHER_COHORT,
    OTHER_PROJECT,
    PARTICIPANT,
    PROJECT,
    RECORD_OPENED,
    RECORD_OPENED_ON_ENROLLMENT_DAY,
    assigned,
    cohort_planned,
    cohort_started,
    given,
    session_held,
    then_rejected,
    transferred_to_other_cohort,
)

SESSIONS = [session_held(date(2024, 2, day)) for day in (5, 6, 7, 8, 9)]  # three hours each
SESSIONS_HOURS = Decimal(15)
COMPLETED = TrainingCompleted(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, attendance_rate=0.92
)
DROPPED = ParticipantDroppedOut(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    project_id=PROJECT,
    reason=DropoutReason.HEALTH,
    dropped_out_on=date(2024, 2, 20),
)
WITHDRAWN = TrainingRecordWithdrawn(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, withdrawn_on=date(2024, 2, 20)
)


def cohort(
    *events: object,
    threshold: float = 0.8,
    cohort_id: Any = COHORT,
    project_id: Any = PROJECT,
    curriculum_hours: Decimal | None = SESSIONS_HOURS,
) -> Cohort:
    """A started cohort; its curriculum plans the hours of SESSIONS unless told otherwise."""
    planned = cohort_planned(
        cohort_id, project_id=project_id, attendance_threshold=threshold, curriculum_hours=curriculum_hours
    )
    state = given(evolve_cohort, planned, cohort_started(cohort_id), *events)
    assert state is not None
    return state


def present(*sessions: Any, cohort_id: Any = COHORT) -> list[AttendanceRecorded]:
    return [
        AttendanceRecorded(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            cohort_id=cohort_id,
            session_id=s.session_id,
            attended=True,
        )
        for s in sessions
    ]


# --- completion in a cohort: attendance over the sessions held meets the curriculum's threshold ---


def test_attendance_at_the_threshold_completes_training() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:4]))

    events = complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 3, 1))

    assert events == [
        TrainingCompleted(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            project_id=PROJECT,
            attendance_rate=0.8,
            cohort_id=COHORT,
            completed_on=date(2024, 3, 1),
            curriculum_id=CURRICULUM,
            track=Track.RESKILL,
            hours_attended=Decimal(12),
            curriculum_hours=SESSIONS_HOURS,
        )
    ]
    record = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:4]), *events)
    assert record is not None
    assert (record.status, record.attendance_rate, record.completed_on) == (
        TrainingStatus.COMPLETED,
        0.8,
        date(2024, 3, 1),
    )


def test_attendance_below_the_threshold_of_the_hours_held_does_not_complete_though_past_the_curriculum_s() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))
    ran_past_its_plan = cohort(*SESSIONS, curriculum_hours=Decimal(6))  # 9 hours attended, 4.8 planned

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=ran_past_its_plan, completed_on=date(2024, 3, 1)),
        rule="attendance-threshold",
    )
    assert str(error) == (
        "attendance 60% is below the curriculum's threshold of 80%: attended 9 of the 15 hours of sessions held "
        "for the participant, 12 needed"
    )


def test_the_threshold_is_the_cohort_s_curriculum_threshold() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))

    [event] = complete(
        state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS, threshold=0.6), completed_on=date(2024, 3, 1)
    )
    assert event.attendance_rate == 0.6


def test_sessions_held_before_joining_do_not_count() -> None:
    late = assigned(assigned_on=date(2024, 2, 7))  # misses the sessions of 5 and 6 February
    state = given(evolve_record, RECORD_OPENED, late, *present(*SESSIONS[2:]))

    [event] = complete(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(*SESSIONS, curriculum_hours=Decimal(9)),
        completed_on=date(2024, 3, 1),
    )
    assert (event.attendance_rate, event.hours_attended) == (1.0, Decimal(9))
    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 3, 1)),
        rule="curriculum-hours-not-met",
    )


def test_attendance_counts_across_a_transfer() -> None:
    moved_sessions = [session_held(date(2024, 2, day), cohort_id=OTHER_COHORT) for day in (12, 13, 14, 15, 16)]
    transfer = transferred_to_other_cohort(*SESSIONS)
    # 5 of 5 in the first cohort, 3 of 5 in the second: 8 of 10
    history = (
        RECORD_OPENED,
        assigned(),
        *present(*SESSIONS),
        transfer,
        *present(*moved_sessions[:3], cohort_id=OTHER_COHORT),
    )
    state = given(evolve_record, *history)

    [event] = complete(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(*moved_sessions, cohort_id=OTHER_COHORT),
        earlier_cohorts=[cohort(*SESSIONS)],
        completed_on=date(2024, 3, 1),
    )
    assert (event.attendance_rate, event.hours_attended, event.cohort_id) == (0.8, Decimal(24), OTHER_COHORT)


# --- completion in a cohort: the curriculum's hours, not only the sessions held so far ---

SIXTY_HOURS = Decimal(60)  # the curriculum's plan: ten six-hour days
FORTY_EIGHT = Decimal(48)  # 80% of them
DAYS = [session_held(date(2024, 2, day), hours=Decimal(6)) for day in range(5, 15)]
MOVED_DAYS = [session_held(date(2024, 2, day), cohort_id=OTHER_COHORT, hours=Decimal(6)) for day in range(15, 20)]


def test_every_session_held_so_far_is_not_enough_before_the_curriculum_s_hours_were_attended() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(SESSIONS[0], SESSIONS[1]))
    two_sessions_in = cohort(SESSIONS[0], SESSIONS[1], curriculum_hours=SIXTY_HOURS)  # 100% of what was held

    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=two_sessions_in, completed_on=date(2024, 2, 6)),
        rule="curriculum-hours-not-met",
    )


def test_the_refusal_says_how_many_hours_were_attended_and_how_many_are_needed() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(SESSIONS[0], SESSIONS[1]))

    sixty = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS, curriculum_hours=SIXTY_HOURS)),
        rule="curriculum-hours-not-met",
    )
    thirty = then_rejected(
        lambda: complete(
            state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS, threshold=0.75, curriculum_hours=Decimal(30))
        ),
        rule="curriculum-hours-not-met",
    )

    assert str(sixty) == "attended 6 of the 48 hours needed (80% of the curriculum's 60 hours)"
    assert str(thirty) == "attended 6 of the 22.5 hours needed (75% of the curriculum's 30 hours)"


def test_exactly_the_threshold_of_the_curriculum_s_hours_completes() -> None:
    eight_days = given(evolve_record, RECORD_OPENED, assigned(), *present(*DAYS[:8]))

    [all_held] = complete(eight_days, enrollment_id=ENROLLMENT, cohort=cohort(*DAYS, curriculum_hours=SIXTY_HOURS))
    [so_far] = complete(eight_days, enrollment_id=ENROLLMENT, cohort=cohort(*DAYS[:8], curriculum_hours=SIXTY_HOURS))

    assert (all_held.attendance_rate, all_held.hours_attended, all_held.curriculum_hours) == (
        0.8,
        FORTY_EIGHT,
        SIXTY_HOURS,
    )
    assert (so_far.attendance_rate, so_far.hours_attended) == (1.0, FORTY_EIGHT), (
        "every hour held so far, 48 of 60 planned"
    )


def test_half_an_hour_short_of_the_threshold_of_the_curriculum_s_hours_does_not_complete() -> None:
    shorter = session_held(date(2024, 2, 13), hours=Decimal("5.5"))
    held = [*DAYS[:7], shorter]
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*held))

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*held, curriculum_hours=SIXTY_HOURS)),
        rule="curriculum-hours-not-met",
    )
    assert str(error).startswith("attended 47.5 of the 48 hours needed")


def test_hours_count_not_sessions() -> None:
    day, evening, another_evening = (
        session_held(date(2024, 2, 5), hours=Decimal(6)),
        session_held(date(2024, 2, 6), hours=Decimal(1)),
        session_held(date(2024, 2, 7), hours=Decimal(1)),
    )
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(day))  # one session of three
    held = cohort(day, evening, another_evening, threshold=0.75, curriculum_hours=Decimal(8))

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=held)

    assert (event.attendance_rate, event.hours_attended) == (0.75, Decimal(6))


def test_the_curriculum_s_hours_are_attended_across_a_transfer() -> None:
    first = cohort(*DAYS[:5], curriculum_hours=SIXTY_HOURS)
    history = (RECORD_OPENED, assigned(), *present(*DAYS[:5]), transferred_to_other_cohort(*DAYS[:5]))
    second = cohort(*MOVED_DAYS, cohort_id=OTHER_COHORT, curriculum_hours=SIXTY_HOURS)
    # 30 hours in the first cohort; 18 or 12 of the second's 30
    three_days_on = given(evolve_record, *history, *present(*MOVED_DAYS[:3], cohort_id=OTHER_COHORT))
    two_days_on = given(evolve_record, *history, *present(*MOVED_DAYS[:2], cohort_id=OTHER_COHORT))

    [event] = complete(three_days_on, enrollment_id=ENROLLMENT, cohort=second, earlier_cohorts=[first])
    error = then_rejected(
        lambda: complete(two_days_on, enrollment_id=ENROLLMENT, cohort=second, earlier_cohorts=[first]),
        rule="curriculum-hours-not-met",
    )

    assert (event.hours_attended, event.curriculum_hours, event.cohort_id) == (Decimal(48), SIXTY_HOURS, OTHER_COHORT)
    assert str(error).startswith("attended 42 of the 48 hours needed")


def test_the_curriculum_s_hours_are_those_of_the_cohort_completed_in() -> None:
    thirty_hours = cohort(*DAYS[:5], curriculum_hours=Decimal(30))
    history = (RECORD_OPENED, assigned(), *present(*DAYS[:5]), transferred_to_other_cohort(*DAYS[:5]))
    state = given(evolve_record, *history)  # every hour of a 30-hour curriculum, then moved on

    then_rejected(
        lambda: complete(
            state,
            enrollment_id=ENROLLMENT,
            cohort=cohort(cohort_id=OTHER_COHORT, curriculum_hours=SIXTY_HOURS),
            earlier_cohorts=[thirty_hours],
        ),
        rule="curriculum-hours-not-met",
    )
    [event] = complete(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(cohort_id=OTHER_COHORT, curriculum_hours=Decimal(24)),
        earlier_cohorts=[thirty_hours],
    )
    assert (event.hours_attended, event.curriculum_hours) == (Decimal(30), Decimal(24))


def test_a_cohort_planned_before_it_kept_its_curriculum_s_hours_is_held_to_those_of_the_version_it_follows() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))  # every one of 15 hours held
    planned_before = cohort(*SESSIONS, curriculum_hours=None)
    curriculum = given(evolve_curriculum, *APPROVED_CURRICULUM)  # version 1: 60 hours

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=with_curriculum_hours(planned_before, curriculum)),
        rule="curriculum-hours-not-met",
    )
    assert str(error) == "attended 15 of the 48 hours needed (80% of the curriculum's 60 hours)"


def test_a_cohort_that_held_no_session_for_the_participant_completes_no_one() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(), completed_on=date(2024, 3, 1)),
        rule="no-sessions-held",
    )


def test_completion_in_a_cancelled_cohort_is_refused() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))
    cancelled = cohort(*SESSIONS, CohortCancelled(cohort_id=COHORT, cancelled_on=date(2024, 2, 10), reason="x"))

    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cancelled, completed_on=date(2024, 3, 1)),
        rule="cohort-cancelled",
    )


def test_completion_in_a_completed_cohort_is_fine() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))
    done = cohort(*SESSIONS, CohortCompleted(cohort_id=COHORT, completed_on=date(2024, 2, 28)))

    assert complete(state, enrollment_id=ENROLLMENT, cohort=done, completed_on=date(2024, 3, 1))


# A cohort completes while members are still in training: each of their records can still be finished.

COHORT_DONE = CohortCompleted(cohort_id=COHORT, completed_on=date(2024, 2, 28))


def test_a_member_short_of_the_threshold_when_the_cohort_completed_completes_once_attendance_is_corrected() -> None:
    history = (RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))  # 9 of 15 hours marked when it completed
    done = cohort(*SESSIONS, COHORT_DONE)
    then_rejected(
        lambda: complete(given(evolve_record, *history), enrollment_id=ENROLLMENT, cohort=done),
        rule="curriculum-hours-not-met",
    )

    marked = record_attendance(
        given(evolve_record, *history), enrollment_id=ENROLLMENT, cohort=done, session_id=SESSIONS[3].session_id
    )
    corrected = given(evolve_record, *history, *marked)

    assert complete(corrected, enrollment_id=ENROLLMENT, cohort=done, completed_on=date(2024, 3, 15))


def test_a_member_still_in_training_when_the_cohort_completed_drops_out_after_it() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:2]))

    assert drop_out(state, enrollment_id=ENROLLMENT, reason=DropoutReason.LOST_CONTACT, dropped_out_on=date(2024, 4, 1))


def test_a_member_still_in_training_when_the_cohort_completed_is_withdrawn_after_it() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    assert withdraw_record(state, enrollment_id=ENROLLMENT, withdrawn_on=date(2024, 4, 1))


def test_a_member_still_in_training_when_the_cohort_completed_moves_on_to_another_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:2]))
    done, next_cohort = cohort(*SESSIONS, COHORT_DONE), cohort(cohort_id=OTHER_COHORT)

    [moved] = transfer_to_cohort(
        state, enrollment_id=ENROLLMENT, from_cohort=done, to_cohort=next_cohort, transferred_on=date(2024, 3, 1)
    )

    assert len(moved.sessions_expected_in_previous_cohort) == len(SESSIONS), "attendance history kept"


def test_completion_is_measured_against_the_record_s_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))

    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT), rule="not-in-this-cohort")
    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(cohort_id=OTHER_COHORT)),
        rule="not-in-this-cohort",
    )


def test_in_a_cohort_the_attendance_rate_is_computed_not_reported() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))

    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), attendance_rate=1.0),
        rule="attendance-is-computed",
    )


# --- completion of a record outside any cohort (the first release's flow: a reported rate) ---


def test_a_record_outside_a_cohort_completes_on_a_reported_rate() -> None:
    state = given(evolve_record, RECORD_OPENED)

    events = complete(state, enrollment_id=ENROLLMENT, attendance_rate=0.92)

    assert events == [COMPLETED]


def test_a_reported_rate_below_the_default_threshold_does_not_complete() -> None:
    state = given(evolve_record, RECORD_OPENED)

    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT, attendance_rate=0.79), rule="attendance-threshold")


def test_outside_a_cohort_the_rate_must_be_reported() -> None:
    state = given(evolve_record, RECORD_OPENED)

    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT), rule="attendance-rate-required")
    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort()), rule="not-in-this-cohort")


# --- completion invariants ---


def test_completion_before_the_enrollment_is_known_is_retryable() -> None:
    then_rejected(
        lambda: complete(None, enrollment_id=ENROLLMENT, attendance_rate=0.9),
        rule="enrollment-must-be-known",
        retryable=True,
    )


def test_training_completes_once() -> None:
    state = given(evolve_record, RECORD_OPENED, COMPLETED)

    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT, attendance_rate=0.9), rule="complete-once")


@pytest.mark.parametrize(("ending", "rule"), [(DROPPED, "training-dropped-out"), (WITHDRAWN, "enrollment-withdrawn")])
def test_no_completion_after_dropout_or_withdrawal(ending: object, rule: str) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS), ending)

    then_rejected(lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS)), rule=rule)
    legacy = given(evolve_record, RECORD_OPENED, ending)
    then_rejected(lambda: complete(legacy, enrollment_id=ENROLLMENT, attendance_rate=1.0), rule=rule)


# --- completion in order: not before training began ---


def test_completion_is_not_before_the_enrollment() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)  # enrolled on 2024-01-15

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, attendance_rate=0.9, completed_on=date(2024, 1, 14)),
        rule="training-end-before-enrollment",
    )
    assert "2024-01-14" in str(error) and "2024-01-15" in str(error)
    [event] = complete(state, enrollment_id=ENROLLMENT, attendance_rate=0.9, completed_on=ENROLLED_ON)
    assert event.completed_on == ENROLLED_ON


def test_completion_is_not_before_joining_the_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))  # joined on 2024-01-25

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 1, 24)),
        rule="training-end-before-joining",
    )
    assert "2024-01-24" in str(error) and "2024-01-25" in str(error)


def test_completion_is_not_before_the_first_session_the_participant_was_expected_at() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))  # the first on 2024-02-05

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 2, 4)),
        rule="completion-before-first-session",
    )
    assert "2024-02-04" in str(error) and "2024-02-05" in str(error)


def test_completion_is_not_before_the_last_session_the_participant_attended() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS))  # the last on 2024-02-09

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 2, 8)),
        rule="completion-before-last-session-attended",
    )
    assert "2024-02-08" in str(error) and "2024-02-09" in str(error)


def test_completion_may_be_on_the_day_of_the_last_session_attended_before_later_absences() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:4]))  # absent on 2024-02-09
    # A later session they missed does not hold the completion back.
    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 2, 8))

    assert event.completed_on == date(2024, 2, 8)


def test_completion_may_be_on_the_day_of_the_only_session() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(SESSIONS[0]))

    only = cohort(SESSIONS[0], curriculum_hours=Decimal(3))

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=only, completed_on=date(2024, 2, 5))

    assert event.completed_on == date(2024, 2, 5)


def test_after_a_transfer_training_began_in_the_earlier_cohort() -> None:
    transfer = transferred_to_other_cohort(*SESSIONS)
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS), transfer)
    new_cohort, earlier = cohort(cohort_id=OTHER_COHORT), [cohort(*SESSIONS)]  # no session held yet in the new one

    [event] = complete(
        state, enrollment_id=ENROLLMENT, cohort=new_cohort, earlier_cohorts=earlier, completed_on=date(2024, 2, 10)
    )

    assert (event.attendance_rate, event.completed_on) == (1.0, date(2024, 2, 10))
    then_rejected(
        lambda: complete(
            state, enrollment_id=ENROLLMENT, cohort=new_cohort, earlier_cohorts=earlier, completed_on=date(2024, 2, 9)
        ),
        rule="training-end-before-joining",
    )


# --- after a project transfer: completion waits for a cohort of the new project ---


@pytest.mark.parametrize("threshold", [0.8, 0.2], ids=["its-threshold-met", "any-threshold"])
def test_training_does_not_complete_in_the_old_project_s_cohort_after_a_project_transfer(threshold: float) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS), ENROLLMENT_MOVED)

    old = cohort(*SESSIONS, threshold=threshold)

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=old, completed_on=date(2024, 3, 1)),
        rule="cohort-of-another-project",
    )
    assert f"POST /training-records/{ENROLLMENT}/cohort-transfer" in str(error)


def test_moved_to_a_cohort_of_the_new_project_training_completes_there() -> None:
    early = session_held(date(2024, 2, 1))  # the enrollment moved on 2 February; SESSIONS ran 5-9 February
    in_old_project = (RECORD_OPENED, assigned(), *present(early), ENROLLMENT_MOVED)
    new_sessions = [session_held(date(2024, 2, day), cohort_id=OTHER_COHORT) for day in (12, 13)]
    new = cohort(*new_sessions, cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT, curriculum_hours=Decimal(9))
    old = cohort(early, *SESSIONS)
    [moved] = transfer_to_cohort(
        given(evolve_record, *in_old_project),
        enrollment_id=ENROLLMENT,
        from_cohort=old,
        to_cohort=new,
        transferred_on=date(2024, 2, 10),
    )
    state = given(evolve_record, *in_old_project, moved, *present(*new_sessions, cohort_id=OTHER_COHORT))

    [event] = complete(
        state, enrollment_id=ENROLLMENT, cohort=new, earlier_cohorts=[old], completed_on=date(2024, 3, 1)
    )

    # not expected at the old cohort's sessions held after the move: it took no attendance at them
    assert (event.project_id, event.cohort_id, event.attendance_rate) == (OTHER_PROJECT, OTHER_COHORT, 1.0)


def test_a_participant_drops_out_with_a_reason() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    events = drop_out(state, enrollment_id=ENROLLMENT, reason=DropoutReason.HEALTH, dropped_out_on=date(2024, 2, 20))

    assert events == [
        ParticipantDroppedOut(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            project_id=PROJECT,
            reason=DropoutReason.HEALTH,
            dropped_out_on=date(2024, 2, 20),
            cohort_id=COHORT,
        )
    ]
    record = given(evolve_record, RECORD_OPENED, assigned(), *events)
    assert record is not None
    assert (record.status, record.dropout_reason) == (TrainingStatus.DROPPED_OUT, DropoutReason.HEALTH)


@pytest.mark.parametrize(
    ("ending", "rule"),
    [(COMPLETED, "training-already-completed"), (DROPPED, "training-dropped-out"), (WITHDRAWN, "enrollment-withdrawn")],
)
def test_a_closed_record_does_not_drop_out(ending: object, rule: str) -> None:
    state = given(evolve_record, RECORD_OPENED, ending)

    then_rejected(
        lambda: drop_out(state, enrollment_id=ENROLLMENT, reason=DropoutReason.OTHER, dropped_out_on=date(2024, 3, 1)),
        rule=rule,
    )


def _drop_out_on(state: Any, day: date) -> list[ParticipantDroppedOut]:
    return drop_out(state, enrollment_id=ENROLLMENT, reason=DropoutReason.FAMILY_DUTIES, dropped_out_on=day)


def test_a_dropout_is_not_before_the_enrollment() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)  # enrolled on 2024-01-15

    error = then_rejected(lambda: _drop_out_on(state, date(2024, 1, 14)), rule="training-end-before-enrollment")
    assert "2024-01-14" in str(error) and "2024-01-15" in str(error)
    assert len(_drop_out_on(state, ENROLLED_ON)) == 1


def test_a_participant_assigned_ahead_of_the_cohorts_start_may_drop_out_before_joining_it() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())  # to join on 2024-01-25

    [event] = _drop_out_on(state, date(2024, 1, 24))

    assert event.dropped_out_on == date(2024, 1, 24)


def test_a_participant_may_drop_out_on_joining_before_any_session() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    [event] = _drop_out_on(state, date(2024, 1, 25))

    assert event.dropped_out_on == date(2024, 1, 25)


def test_a_dropout_before_the_enrollment_is_known_is_retryable() -> None:
    then_rejected(
        lambda: drop_out(None, enrollment_id=ENROLLMENT, reason=DropoutReason.OTHER, dropped_out_on=date(2024, 3, 1)),
        rule="enrollment-must-be-known",
        retryable=True,
    )


# --- withdrawal (learned from enrollment) ---


def test_a_withdrawal_closes_an_open_record() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    events = withdraw_record(state, enrollment_id=ENROLLMENT, withdrawn_on=date(2024, 2, 20))

    assert events == [WITHDRAWN]
    record = given(evolve_record, RECORD_OPENED, assigned(), *events)
    assert record is not None
    assert (record.status, record.closed_on) == (TrainingStatus.WITHDRAWN, date(2024, 2, 20))


@pytest.mark.parametrize("ending", [COMPLETED, DROPPED, WITHDRAWN])
def test_a_withdrawal_leaves_a_closed_record_as_it_is(ending: object) -> None:
    state = given(evolve_record, RECORD_OPENED, ending)

    assert withdraw_record(state, enrollment_id=ENROLLMENT, withdrawn_on=date(2024, 3, 1)) == []


def test_a_withdrawal_before_the_enrollment_is_known_is_retryable() -> None:
    then_rejected(
        lambda: withdraw_record(None, enrollment_id=ENROLLMENT, withdrawn_on=date(2024, 3, 1)),
        rule="enrollment-must-be-known",
        retryable=True,
    )
