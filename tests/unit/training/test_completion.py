"""Training record endings: completion (attendance threshold), dropout, withdrawal learned from enrollment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pathways_training.domain.cohort import Cohort, CohortCancelled, CohortCompleted, evolve_cohort
from pathways_training.domain.curriculum import Track
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

SESSIONS = [session_held(date(2024, 2, day)) for day in (5, 6, 7, 8, 9)]
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


def cohort(*events: object, threshold: float = 0.8, cohort_id: Any = COHORT, project_id: Any = PROJECT) -> Cohort:
    state = given(
        evolve_cohort,
        cohort_planned(cohort_id, project_id=project_id, attendance_threshold=threshold),
        cohort_started(cohort_id),
        *events,
    )
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
        )
    ]
    record = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:4]), *events)
    assert record is not None
    assert (record.status, record.attendance_rate, record.completed_on) == (
        TrainingStatus.COMPLETED,
        0.8,
        date(2024, 3, 1),
    )


def test_attendance_below_the_threshold_does_not_complete() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))

    error = then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 3, 1)),
        rule="attendance-threshold",
    )
    assert "60%" in str(error)


def test_the_threshold_is_the_cohort_s_curriculum_threshold() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))

    [event] = complete(
        state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS, threshold=0.6), completed_on=date(2024, 3, 1)
    )
    assert event.attendance_rate == 0.6


def test_sessions_held_before_joining_do_not_count() -> None:
    late = assigned(assigned_on=date(2024, 2, 7))  # misses the sessions of 5 and 6 February
    state = given(evolve_record, RECORD_OPENED, late, *present(*SESSIONS[2:]))

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=cohort(*SESSIONS), completed_on=date(2024, 3, 1))
    assert event.attendance_rate == 1.0


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
        completed_on=date(2024, 3, 1),
    )
    assert (event.attendance_rate, event.cohort_id) == (0.8, OTHER_COHORT)


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
    history = (RECORD_OPENED, assigned(), *present(*SESSIONS[:3]))  # 60% marked when the cohort completed
    done = cohort(*SESSIONS, COHORT_DONE)
    then_rejected(
        lambda: complete(given(evolve_record, *history), enrollment_id=ENROLLMENT, cohort=done),
        rule="attendance-threshold",
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

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=cohort(SESSIONS[0]), completed_on=date(2024, 2, 5))

    assert event.completed_on == date(2024, 2, 5)


def test_after_a_transfer_training_began_in_the_earlier_cohort() -> None:
    transfer = transferred_to_other_cohort(*SESSIONS)
    state = given(evolve_record, RECORD_OPENED, assigned(), *present(*SESSIONS), transfer)
    new_cohort = cohort(cohort_id=OTHER_COHORT)  # no session held yet

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=new_cohort, completed_on=date(2024, 2, 10))

    assert (event.attendance_rate, event.completed_on) == (1.0, date(2024, 2, 10))
    then_rejected(
        lambda: complete(state, enrollment_id=ENROLLMENT, cohort=new_cohort, completed_on=date(2024, 2, 9)),
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
    new = cohort(*new_sessions, cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)
    [moved] = transfer_to_cohort(
        given(evolve_record, *in_old_project),
        enrollment_id=ENROLLMENT,
        from_cohort=cohort(early, *SESSIONS),
        to_cohort=new,
        transferred_on=date(2024, 2, 10),
    )
    state = given(evolve_record, *in_old_project, moved, *present(*new_sessions, cohort_id=OTHER_COHORT))

    [event] = complete(state, enrollment_id=ENROLLMENT, cohort=new, completed_on=date(2024, 3, 1))

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
