"""Training record: opened on enrollment, joins a cohort, moves between cohorts, attendance, assessments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from pathways_training.domain.cohort import Cohort, CohortCancelled, CohortCompleted, evolve_cohort
from pathways_training.domain.curriculum import Track
from pathways_training.domain.training import (
    AssessmentPhase,
    AssignedToCohort,
    AttendanceRecorded,
    CompetencyScore,
    DropoutReason,
    EnrollmentTransferNoted,
    ParticipantDroppedOut,
    SkillsAssessed,
    TrainingCompleted,
    TrainingRecordWithdrawn,
    TrainingStatus,
    TransferredToCohort,
    assess_skills,
    assessed_cohort_id,
    assign_to_cohort,
    attendance_cohort_id,
    current_cohort_id,
    default_joining_day,
    earlier_cohort_ids,
    evolve_record,
    expected_sessions,
    measured_attendance,
    note_enrollment_transfer,
    open_record,
    record_attendance,
    session_refused_for,
    transfer_to_cohort,
)
from tests.unit.training.given import (
    COHORT,
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

S1 = session_held(date(2024, 2, 5))
S2 = session_held(date(2024, 2, 12))
S3 = session_held(date(2024, 2, 19))
O1 = session_held(date(2024, 2, 6), cohort_id=OTHER_COHORT)
O2 = session_held(date(2024, 2, 20), cohort_id=OTHER_COHORT)

COMPLETED = TrainingCompleted(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, attendance_rate=0.9
)
DROPPED = ParticipantDroppedOut(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    project_id=PROJECT,
    reason=DropoutReason.FOUND_WORK,
    dropped_out_on=date(2024, 2, 15),
)
WITHDRAWN = TrainingRecordWithdrawn(
    enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, withdrawn_on=date(2024, 2, 15)
)
CLOSING = [
    (COMPLETED, "training-already-completed"),
    (DROPPED, "training-dropped-out"),
    (WITHDRAWN, "enrollment-withdrawn"),
]


def cohort(
    *events: object,
    cohort_id: Any = COHORT,
    project_id: Any = PROJECT,
    started: bool = True,
    track: Track | None = Track.RESKILL,
) -> Cohort:
    planned = cohort_planned(cohort_id, project_id=project_id, track=track)
    history = [planned, *([cohort_started(cohort_id)] if started else [])]
    state = given(evolve_cohort, *history, *events)
    assert state is not None
    return state


def attended(session: Any, *, cohort_id: Any = COHORT, present: bool = True) -> AttendanceRecorded:
    return AttendanceRecorded(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        cohort_id=cohort_id,
        session_id=session.session_id,
        attended=present,
    )


# --- opening (reaction to an enrollment) ---


def test_an_enrollment_opens_a_record_in_training() -> None:
    events = open_record(
        None, enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, enrolled_on=ENROLLED_ON
    )

    assert events == [RECORD_OPENED_ON_ENROLLMENT_DAY]
    record = given(evolve_record, *events)
    assert record is not None
    assert record.status is TrainingStatus.IN_TRAINING
    assert record.enrolled_on == record.in_project_since == ENROLLED_ON


def test_a_record_opened_before_the_enrollment_day_was_kept_does_not_know_it() -> None:
    record = given(evolve_record, RECORD_OPENED)

    assert record is not None
    assert record.enrolled_on is record.in_project_since is None


def test_opening_is_idempotent() -> None:
    state = given(evolve_record, RECORD_OPENED)

    again = open_record(
        state, enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, project_id=PROJECT, enrolled_on=ENROLLED_ON
    )

    assert again == []


# --- enrollment transfers (learned from enrollment) ---


def test_an_enrollment_transfer_moves_the_record_to_the_new_project() -> None:
    state = given(evolve_record, RECORD_OPENED)

    events = note_enrollment_transfer(
        state, enrollment_id=ENROLLMENT, to_project_id=OTHER_PROJECT, transferred_on=date(2024, 2, 1)
    )

    assert events == [
        EnrollmentTransferNoted(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            from_project_id=PROJECT,
            to_project_id=OTHER_PROJECT,
            transferred_on=date(2024, 2, 1),
        )
    ]
    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, *events)
    assert record is not None
    assert record.project_id == OTHER_PROJECT
    assert (record.enrolled_on, record.in_project_since) == (ENROLLED_ON, date(2024, 2, 1))


def test_an_enrollment_transfer_is_idempotent_and_ignored_once_training_is_over() -> None:
    moved = given(
        evolve_record,
        RECORD_OPENED,
        EnrollmentTransferNoted(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            from_project_id=PROJECT,
            to_project_id=OTHER_PROJECT,
            transferred_on=date(2024, 2, 1),
        ),
    )
    done = given(evolve_record, RECORD_OPENED, COMPLETED)

    for state in (moved, done):
        assert (
            note_enrollment_transfer(
                state, enrollment_id=ENROLLMENT, to_project_id=OTHER_PROJECT, transferred_on=date(2024, 2, 1)
            )
            == []
        )


def test_an_enrollment_transfer_before_the_enrollment_is_retryable() -> None:
    then_rejected(
        lambda: note_enrollment_transfer(
            None, enrollment_id=ENROLLMENT, to_project_id=OTHER_PROJECT, transferred_on=date(2024, 2, 1)
        ),
        rule="enrollment-must-be-known",
        retryable=True,
    )


# --- assignment to a cohort ---


@pytest.mark.parametrize("started", [False, True])
def test_a_record_is_assigned_to_a_planned_or_running_cohort_of_its_project(started: bool) -> None:
    state = given(evolve_record, RECORD_OPENED)

    events = assign_to_cohort(
        state, enrollment_id=ENROLLMENT, cohort=cohort(started=started), assigned_on=date(2024, 1, 25)
    )

    assert events == [assigned()]
    record = given(evolve_record, RECORD_OPENED, *events)
    assert record is not None
    assert (record.cohort_id, record.joined_on) == (COHORT, date(2024, 1, 25))


@pytest.mark.parametrize("track", [Track.UPSKILL, None], ids=["upskill", "cohort-without-a-track"])
def test_an_assignment_tells_the_cohorts_track(track: Track | None) -> None:
    state = given(evolve_record, RECORD_OPENED)

    events = assign_to_cohort(
        state, enrollment_id=ENROLLMENT, cohort=cohort(track=track), assigned_on=date(2024, 1, 25)
    )

    assert events == [assigned(track=track)]


def test_a_transfer_tells_the_new_cohorts_track() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())
    new = cohort(cohort_id=OTHER_COHORT, track=Track.UPSKILL)

    [moved] = transfer_to_cohort(
        state, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=new, transferred_on=date(2024, 2, 1)
    )

    assert isinstance(moved, TransferredToCohort) and moved.track is Track.UPSKILL


def test_assigning_to_the_same_cohort_again_changes_nothing() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    assert assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=cohort(), assigned_on=date(2024, 1, 26)) == []


def test_a_record_in_a_cohort_is_transferred_not_assigned() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    then_rejected(
        lambda: assign_to_cohort(
            state, enrollment_id=ENROLLMENT, cohort=cohort(cohort_id=OTHER_COHORT), assigned_on=date(2024, 2, 1)
        ),
        rule="already-in-a-cohort",
    )


@pytest.mark.parametrize(
    "closing",
    [
        CohortCancelled(cohort_id=COHORT, cancelled_on=date(2024, 2, 2), reason="x"),
        CohortCompleted(cohort_id=COHORT, completed_on=date(2024, 2, 2)),
    ],
)
def test_a_closed_cohort_takes_no_one(closing: object) -> None:
    state = given(evolve_record, RECORD_OPENED)
    closed = cohort(S1, closing)

    then_rejected(
        lambda: assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=closed, assigned_on=date(2024, 2, 3)),
        rule="cohort-not-open",
    )


def test_a_cohort_of_another_project_waits_for_the_enrollment_transfer() -> None:
    state = given(evolve_record, RECORD_OPENED)
    elsewhere = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    then_rejected(
        lambda: assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=elsewhere, assigned_on=date(2024, 2, 1)),
        rule="cohort-in-another-project",
        retryable=True,
    )


def test_assignment_before_the_enrollment_is_retryable() -> None:
    then_rejected(
        lambda: assign_to_cohort(None, enrollment_id=ENROLLMENT, cohort=cohort(), assigned_on=date(2024, 2, 1)),
        rule="enrollment-must-be-known",
        retryable=True,
    )


def test_a_participant_does_not_join_a_cohort_before_the_enrollment() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)  # enrolled on 2024-01-15

    error = then_rejected(
        lambda: assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=cohort(), assigned_on=date(2024, 1, 14)),
        rule="cohort-joining-before-enrollment",
    )
    assert "2024-01-14" in str(error) and "2024-01-15" in str(error)


def test_a_participant_joins_a_cohort_on_the_day_of_the_enrollment() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)

    events = assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=cohort(), assigned_on=ENROLLED_ON)

    assert events == [assigned(assigned_on=ENROLLED_ON)]


def test_a_record_that_does_not_know_the_enrollment_day_joins_on_any_day() -> None:
    state = given(evolve_record, RECORD_OPENED)

    events = assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=cohort(), assigned_on=date(2020, 1, 1))

    assert events == [assigned(assigned_on=date(2020, 1, 1))]


def test_a_participant_joins_a_cohort_of_the_new_project_no_earlier_than_the_enrollment_moved_there() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, ENROLLMENT_MOVED)  # moved on 2024-02-02
    elsewhere = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    then_rejected(
        lambda: assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=elsewhere, assigned_on=date(2024, 2, 1)),
        rule="cohort-joining-before-enrollment",
    )
    [event] = assign_to_cohort(state, enrollment_id=ENROLLMENT, cohort=elsewhere, assigned_on=date(2024, 2, 2))
    assert event.cohort_id == OTHER_COHORT


# --- the day a participant assigned without one joins ---


def test_without_a_day_a_participant_joins_a_running_cohort_on_the_day_it_started() -> None:
    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)  # enrolled on 2024-01-15

    day = default_joining_day(record, cohort(), today=date(2024, 6, 1))  # started on 2024-02-01

    assert day == date(2024, 2, 1)


def test_without_a_day_a_participant_who_came_into_the_project_after_the_start_joins_on_that_day() -> None:
    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, ENROLLMENT_MOVED)  # moved on 2024-02-02
    elsewhere = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)  # started on 2024-02-01

    assert default_joining_day(record, elsewhere, today=date(2024, 6, 1)) == date(2024, 2, 2)


def test_without_a_day_a_participant_joins_a_cohort_not_started_on_its_planned_start() -> None:
    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)
    planned = cohort(started=False)  # to start on 2024-02-01

    assert default_joining_day(record, planned, today=date(2024, 3, 1)) == date(2024, 2, 1)


def test_without_a_day_a_participant_assigned_ahead_of_the_planned_start_joins_today() -> None:
    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)
    planned = cohort(started=False)  # to start on 2024-02-01

    assert default_joining_day(record, planned, today=date(2024, 1, 20)) == date(2024, 1, 20)


def test_without_a_day_a_record_that_does_not_know_the_enrollment_day_joins_on_the_cohorts_start() -> None:
    assert default_joining_day(given(evolve_record, RECORD_OPENED), cohort(), today=date(2024, 6, 1)) == date(
        2024, 2, 1
    )


def test_a_participant_assigned_after_the_fact_without_a_day_is_expected_at_the_sessions_held_since() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY)
    running = cohort(S1, S2)  # held on 2024-02-05 and 2024-02-12

    events = assign_to_cohort(
        state,
        enrollment_id=ENROLLMENT,
        cohort=running,
        assigned_on=default_joining_day(state, running, today=S3.held_on),
    )

    record = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, *events)
    assert record is not None
    assert expected_sessions(record, running) == {S1.session_id, S2.session_id}


# --- transfer between cohorts ---


def test_a_transfer_moves_the_record_to_another_cohort_keeping_its_attendance() -> None:
    history = (RECORD_OPENED, assigned(), attended(S1), attended(S2, present=False))
    state = given(evolve_record, *history)
    old = cohort(S1, S2, S3)  # S3 is held on the transfer day or later: not the participant's any more
    new = cohort(O1, O2, cohort_id=OTHER_COHORT)

    events = transfer_to_cohort(
        state, enrollment_id=ENROLLMENT, from_cohort=old, to_cohort=new, transferred_on=date(2024, 2, 19)
    )

    assert events == [
        TransferredToCohort(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            from_cohort_id=COHORT,
            to_cohort_id=OTHER_COHORT,
            transferred_on=date(2024, 2, 19),
            sessions_expected_in_previous_cohort=tuple(sorted([S1.session_id, S2.session_id])),
            track=Track.RESKILL,
        )
    ]
    record = given(evolve_record, *history, *events, attended(O2, cohort_id=OTHER_COHORT))
    assert record is not None
    assert record.cohort_id == OTHER_COHORT
    assert record.attendance[S1.session_id] is True
    # expected: S1, S2 (old cohort, before the transfer) and O2 (new cohort, from the transfer): 2 of 3 attended
    assert expected_sessions(record, new) == {S1.session_id, S2.session_id, O2.session_id}
    assert earlier_cohort_ids(record) == [COHORT]
    attendance = measured_attendance(record, new, [old])
    assert attendance is not None
    assert (attendance.hours_attended, attendance.hours_expected) == (Decimal(6), Decimal(9))
    assert attendance.rate == pytest.approx(2 / 3)


def test_transferring_to_the_current_cohort_changes_nothing() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    assert (
        transfer_to_cohort(
            state, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=cohort(), transferred_on=date(2024, 2, 1)
        )
        == []
    )


def test_a_record_in_no_cohort_is_assigned_not_transferred() -> None:
    state = given(evolve_record, RECORD_OPENED)

    then_rejected(
        lambda: transfer_to_cohort(
            state,
            enrollment_id=ENROLLMENT,
            from_cohort=cohort(),
            to_cohort=cohort(cohort_id=OTHER_COHORT),
            transferred_on=date(2024, 2, 1),
        ),
        rule="not-in-a-cohort",
    )


def test_a_transfer_names_the_cohort_the_record_is_in() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())
    third = cohort(cohort_id=uuid4())

    then_rejected(
        lambda: transfer_to_cohort(
            state,
            enrollment_id=ENROLLMENT,
            from_cohort=third,
            to_cohort=cohort(cohort_id=OTHER_COHORT),
            transferred_on=date(2024, 2, 1),
        ),
        rule="not-in-this-cohort",
    )


def test_a_transfer_goes_to_an_open_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())
    cancelled = cohort(
        CohortCancelled(cohort_id=OTHER_COHORT, cancelled_on=date(2024, 2, 2), reason="x"), cohort_id=OTHER_COHORT
    )

    then_rejected(
        lambda: transfer_to_cohort(
            state, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=cancelled, transferred_on=date(2024, 2, 3)
        ),
        rule="cohort-not-open",
    )


def test_a_transfer_to_another_project_needs_the_enrollment_transfer_first() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())
    elsewhere = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    then_rejected(
        lambda: transfer_to_cohort(
            state, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=elsewhere, transferred_on=date(2024, 2, 3)
        ),
        rule="cohort-in-another-project",
        retryable=True,
    )

    known = given(evolve_record, RECORD_OPENED, assigned(), ENROLLMENT_MOVED)
    [event] = transfer_to_cohort(
        known, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=elsewhere, transferred_on=date(2024, 2, 3)
    )
    assert event.to_cohort_id == OTHER_COHORT


def test_a_transfer_to_a_cohort_of_the_new_project_is_not_before_the_enrollment_moved_there() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), ENROLLMENT_MOVED)  # moved on 2024-02-02
    elsewhere = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    then_rejected(
        lambda: transfer_to_cohort(
            state, enrollment_id=ENROLLMENT, from_cohort=cohort(), to_cohort=elsewhere, transferred_on=date(2024, 2, 1)
        ),
        rule="cohort-joining-before-enrollment",
    )


def test_a_participant_does_not_leave_a_cohort_before_joining_it() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())  # joined on 2024-01-25

    error = then_rejected(
        lambda: transfer_to_cohort(
            state,
            enrollment_id=ENROLLMENT,
            from_cohort=cohort(),
            to_cohort=cohort(cohort_id=OTHER_COHORT),
            transferred_on=date(2024, 1, 24),
        ),
        rule="cohort-transfer-before-joining",
    )
    assert "2024-01-24" in str(error) and "2024-01-25" in str(error)


def test_a_participant_moves_to_another_cohort_on_the_day_they_joined_the_first() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    [event] = transfer_to_cohort(
        state,
        enrollment_id=ENROLLMENT,
        from_cohort=cohort(),
        to_cohort=cohort(cohort_id=OTHER_COHORT),
        transferred_on=date(2024, 1, 25),
    )

    assert event.transferred_on == date(2024, 1, 25)


# --- attendance ---


def test_attendance_is_recorded_per_session_of_the_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    events = record_attendance(state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id)

    assert events == [attended(S1)]


def test_an_absence_is_recorded_and_a_later_mark_corrects_it() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    absent = record_attendance(
        state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id, attended=False
    )
    assert absent == [attended(S1, present=False)]

    after_absence = given(evolve_record, RECORD_OPENED, assigned(), *absent)
    corrected = record_attendance(after_absence, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id)
    assert corrected == [attended(S1)]
    record = given(evolve_record, RECORD_OPENED, assigned(), *absent, *corrected)
    assert record is not None
    assert record.attendance == {S1.session_id: True}


def test_recording_the_same_mark_again_changes_nothing() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), attended(S1))

    assert record_attendance(state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id) == []


def test_attendance_is_for_a_session_the_cohort_held() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    then_rejected(
        lambda: record_attendance(state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=uuid4()),
        rule="session-must-be-held",
    )


def test_attendance_is_for_the_record_s_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())
    other = cohort(O1, cohort_id=OTHER_COHORT)

    then_rejected(
        lambda: record_attendance(state, enrollment_id=ENROLLMENT, cohort=other, session_id=O1.session_id),
        rule="not-in-this-cohort",
    )


def test_attendance_is_not_recorded_for_a_session_before_joining() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(assigned_on=date(2024, 2, 10)))

    then_rejected(
        lambda: record_attendance(state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id),
        rule="session-before-joining",
    )


def test_attendance_before_the_enrollment_is_retryable() -> None:
    then_rejected(
        lambda: record_attendance(None, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id),
        rule="enrollment-must-be-known",
        retryable=True,
    )


# --- skill assessments ---

PRE = SkillsAssessed(
    enrollment_id=ENROLLMENT,
    participant_id=PARTICIPANT,
    cohort_id=COHORT,
    phase=AssessmentPhase.PRE,
    scores=(CompetencyScore(competency="weaving", score=Decimal(40)),),
    assessed_on=date(2024, 2, 1),
)


def test_a_pre_assessment_scores_competencies_of_the_curriculum() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    events = assess_skills(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(),
        phase=AssessmentPhase.PRE,
        scores={"weaving": Decimal(40)},
        assessed_on=date(2024, 2, 1),
    )

    assert events == [PRE]


def test_a_post_assessment_follows_the_pre_assessment() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE)
    scores = {"weaving": Decimal(80), "online-selling": Decimal("72.5")}

    events = assess_skills(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(),
        phase=AssessmentPhase.POST,
        scores=scores,
        assessed_on=date(2024, 4, 30),
    )

    assert events == [
        SkillsAssessed(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            cohort_id=COHORT,
            phase=AssessmentPhase.POST,
            scores=(
                CompetencyScore(competency="online-selling", score=Decimal("72.5")),
                CompetencyScore(competency="weaving", score=Decimal(80)),
            ),
            assessed_on=date(2024, 4, 30),
        )
    ]
    record = given(evolve_record, RECORD_OPENED, assigned(), PRE, *events)
    assert record is not None
    assert set(record.assessments) == {AssessmentPhase.PRE, AssessmentPhase.POST}


@pytest.mark.parametrize(
    ("history", "phase", "scores", "rule"),
    [
        ((), AssessmentPhase.PRE, {}, "scores-required"),
        ((), AssessmentPhase.PRE, {"pottery": Decimal(50)}, "unknown-competency"),
        ((), AssessmentPhase.PRE, {"weaving": Decimal(101)}, "score-out-of-range"),
        ((), AssessmentPhase.PRE, {"weaving": Decimal(-1)}, "score-out-of-range"),
        ((PRE,), AssessmentPhase.PRE, {"weaving": Decimal(50)}, "assessment-already-recorded"),
        ((), AssessmentPhase.POST, {"weaving": Decimal(50)}, "pre-assessment-first"),
    ],
)
def test_assessment_rules(
    history: tuple[object, ...], phase: AssessmentPhase, scores: dict[str, Decimal], rule: str
) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), *history)

    then_rejected(
        lambda: assess_skills(
            state, enrollment_id=ENROLLMENT, cohort=cohort(), phase=phase, scores=scores, assessed_on=date(2024, 2, 1)
        ),
        rule=rule,
    )


def _assess(
    state: Any, phase: AssessmentPhase, day: date, *, cohort_id: Any = COHORT, **scores: int
) -> list[SkillsAssessed]:
    """``scores`` by competency, ``natural_dyeing`` for natural-dyeing."""
    return assess_skills(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(cohort_id=cohort_id),
        phase=phase,
        scores={name.replace("_", "-"): Decimal(score) for name, score in scores.items()},
        assessed_on=day,
    )


def test_a_phase_assessed_in_part_takes_the_competencies_not_yet_scored() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE)  # PRE scored weaving only, on 2024-02-01

    events = _assess(state, AssessmentPhase.PRE, date(2024, 2, 8), online_selling=55, natural_dyeing=30)

    assert events == [
        SkillsAssessed(
            enrollment_id=ENROLLMENT,
            participant_id=PARTICIPANT,
            cohort_id=COHORT,
            phase=AssessmentPhase.PRE,
            scores=(
                CompetencyScore(competency="natural-dyeing", score=Decimal(30)),
                CompetencyScore(competency="online-selling", score=Decimal(55)),
            ),
            assessed_on=date(2024, 2, 8),
        )
    ]


def test_the_parts_of_a_phase_add_up_by_competency_and_the_first_part_dates_it() -> None:
    second_part = _assess(
        given(evolve_record, RECORD_OPENED, assigned(), PRE), AssessmentPhase.PRE, date(2024, 2, 8), online_selling=55
    )

    record = given(evolve_record, RECORD_OPENED, assigned(), PRE, *second_part)

    assert record is not None
    assert record.assessments[AssessmentPhase.PRE] == (
        CompetencyScore(competency="online-selling", score=Decimal(55)),
        CompetencyScore(competency="weaving", score=Decimal(40)),
    )
    assert record.pre_assessed_on == date(2024, 2, 1)
    [post] = _post_on(record, date(2024, 2, 5))  # after the first part of the pre-assessment is enough
    assert post.assessed_on == date(2024, 2, 5)


def test_a_part_dated_before_the_first_one_dates_the_phase() -> None:
    earlier_part = _assess(
        given(evolve_record, RECORD_OPENED, assigned(), PRE), AssessmentPhase.PRE, date(2024, 1, 26), online_selling=55
    )

    record = given(evolve_record, RECORD_OPENED, assigned(), PRE, *earlier_part)

    assert record is not None
    assert record.pre_assessed_on == date(2024, 1, 26)


def test_a_part_of_the_pre_assessment_is_not_dated_after_the_post_assessment() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE)  # weaving pre-assessed on 2024-02-01
    post = _assess(state, AssessmentPhase.POST, date(2024, 4, 30), weaving=70)
    after_post = given(evolve_record, RECORD_OPENED, assigned(), PRE, *post)

    error = then_rejected(
        lambda: _assess(after_post, AssessmentPhase.PRE, date(2024, 5, 1), online_selling=40),
        rule="pre-assessment-after-post",
    )
    assert "2024-04-30" in str(error)
    assert _assess(after_post, AssessmentPhase.PRE, date(2024, 4, 30), online_selling=40), "the same day is fine"


@pytest.mark.parametrize("phase", list(AssessmentPhase))
def test_a_competency_already_scored_in_the_phase_is_not_scored_again(phase: AssessmentPhase) -> None:
    post = SkillsAssessed(
        enrollment_id=ENROLLMENT,
        participant_id=PARTICIPANT,
        cohort_id=COHORT,
        phase=AssessmentPhase.POST,
        scores=(CompetencyScore(competency="weaving", score=Decimal(70)),),
        assessed_on=date(2024, 4, 30),
    )
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE, post)  # weaving scored in both phases

    error = then_rejected(
        lambda: _assess(state, phase, date(2024, 4, 30), weaving=60, online_selling=55),
        rule="assessment-already-recorded",
    )
    assert "weaving" in str(error) and "online-selling" not in str(error)


@pytest.mark.parametrize("phase", list(AssessmentPhase))
def test_an_assessment_is_not_before_the_enrollment(phase: AssessmentPhase) -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, assigned(), PRE)  # enrolled on 2024-01-15

    error = then_rejected(
        lambda: _assess(state, phase, date(2024, 1, 14), online_selling=50), rule="assessment-before-enrollment"
    )
    assert "2024-01-14" in str(error) and "2024-01-15" in str(error)


def test_a_pre_assessment_may_be_on_the_day_of_the_enrollment_before_joining_a_cohort() -> None:
    state = given(evolve_record, RECORD_OPENED_ON_ENROLLMENT_DAY, assigned())  # joined on 2024-01-25

    [event] = _assess(state, AssessmentPhase.PRE, ENROLLED_ON, weaving=40)

    assert event.assessed_on == ENROLLED_ON


def test_a_post_assessment_is_not_before_joining_the_current_cohort() -> None:
    moved = transferred_to_other_cohort()  # to OTHER_COHORT on 2024-02-10
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE, moved)  # pre-assessed on 2024-02-01

    error = then_rejected(
        lambda: _assess(state, AssessmentPhase.POST, date(2024, 2, 9), cohort_id=OTHER_COHORT, weaving=70),
        rule="post-assessment-before-joining",
    )
    assert "2024-02-09" in str(error) and "2024-02-10" in str(error)
    [event] = _assess(state, AssessmentPhase.POST, date(2024, 2, 10), cohort_id=OTHER_COHORT, weaving=70)
    assert event.cohort_id == OTHER_COHORT


def _post_on(state: Any, day: date) -> list[SkillsAssessed]:
    return assess_skills(
        state,
        enrollment_id=ENROLLMENT,
        cohort=cohort(),
        phase=AssessmentPhase.POST,
        scores={"weaving": Decimal(70)},
        assessed_on=day,
    )


def test_a_post_assessment_is_not_before_the_pre_assessment() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE)  # pre-assessed on 2024-02-01

    error = then_rejected(lambda: _post_on(state, date(2024, 1, 31)), rule="post-assessment-before-pre")
    assert "2024-01-31" in str(error) and "2024-02-01" in str(error)


def test_a_post_assessment_may_be_on_the_day_of_the_pre_assessment() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE)

    [event] = _post_on(state, date(2024, 2, 1))

    assert (event.phase, event.assessed_on) == (AssessmentPhase.POST, date(2024, 2, 1))


def test_an_assessment_is_made_in_the_record_s_cohort() -> None:
    not_in_cohort = given(evolve_record, RECORD_OPENED)

    then_rejected(
        lambda: assess_skills(
            not_in_cohort,
            enrollment_id=ENROLLMENT,
            cohort=cohort(),
            phase=AssessmentPhase.PRE,
            scores={"weaving": Decimal(1)},
            assessed_on=date(2024, 2, 1),
        ),
        rule="not-in-this-cohort",
    )


# --- a closed record takes no change ---


@pytest.mark.parametrize(("closing", "rule"), CLOSING)
def test_a_closed_record_takes_no_change(closing: object, rule: str) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), closing)
    current, other = cohort(S1), cohort(cohort_id=OTHER_COHORT)

    then_rejected(
        lambda: record_attendance(state, enrollment_id=ENROLLMENT, cohort=current, session_id=S1.session_id), rule=rule
    )
    then_rejected(
        lambda: transfer_to_cohort(
            state, enrollment_id=ENROLLMENT, from_cohort=current, to_cohort=other, transferred_on=date(2024, 3, 1)
        ),
        rule=rule,
    )
    then_rejected(
        lambda: assess_skills(
            state,
            enrollment_id=ENROLLMENT,
            cohort=current,
            phase=AssessmentPhase.PRE,
            scores={"weaving": Decimal(1)},
            assessed_on=date(2024, 3, 1),
        ),
        rule=rule,
    )
    fresh = given(evolve_record, RECORD_OPENED, closing)
    then_rejected(
        lambda: assign_to_cohort(fresh, enrollment_id=ENROLLMENT, cohort=current, assigned_on=date(2024, 3, 1)),
        rule=rule,
    )


def test_a_record_does_not_follow_from_an_event_before_it_is_opened() -> None:
    with pytest.raises(TypeError):
        evolve_record(
            None,
            AssignedToCohort(
                enrollment_id=ENROLLMENT, participant_id=PARTICIPANT, cohort_id=COHORT, assigned_on=date(2024, 1, 1)
            ),
        )


# --- the cohort a record's commands are measured against ---


def test_the_current_cohort_is_the_one_the_record_is_in() -> None:
    assert current_cohort_id(given(evolve_record, RECORD_OPENED, assigned()), enrollment_id=ENROLLMENT) == COHORT


def test_a_record_in_no_cohort_has_no_current_cohort() -> None:
    then_rejected(
        lambda: current_cohort_id(given(evolve_record, RECORD_OPENED), enrollment_id=ENROLLMENT),
        rule="not-in-a-cohort",
    )
    then_rejected(
        lambda: current_cohort_id(None, enrollment_id=ENROLLMENT), rule="enrollment-must-be-known", retryable=True
    )


def test_a_record_not_known_yet_is_retryable_and_the_refusal_says_the_id_may_be_wrong() -> None:
    error = then_rejected(
        lambda: current_cohort_id(None, enrollment_id=ENROLLMENT), rule="enrollment-must-be-known", retryable=True
    )

    assert "has not reached training yet" in str(error)
    assert "the id may be wrong" in str(error) and f"GET /training-records/{ENROLLMENT}" in str(error)


@pytest.mark.parametrize(("ending", "rule"), CLOSING)
def test_a_closed_record_has_no_current_cohort(ending: object, rule: str) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), ending)

    then_rejected(lambda: current_cohort_id(state, enrollment_id=ENROLLMENT), rule=rule)


def test_a_post_assessment_may_be_recorded_once_training_is_completed() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE, COMPLETED)

    [event] = _post_on(state, date(2024, 4, 30))

    assert event.phase is AssessmentPhase.POST


def test_a_completed_record_is_assessed_in_the_cohort_it_completed_in() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE, COMPLETED)

    assert assessed_cohort_id(state, enrollment_id=ENROLLMENT) == COHORT


@pytest.mark.parametrize(("ending", "rule"), CLOSING)
def test_a_closed_record_in_no_cohort_is_refused_for_having_ended(ending: object, rule: str) -> None:
    state = given(evolve_record, RECORD_OPENED, ending)

    then_rejected(lambda: assessed_cohort_id(state, enrollment_id=ENROLLMENT), rule=rule)


def test_a_record_in_no_cohort_is_assessed_in_none() -> None:
    then_rejected(
        lambda: assessed_cohort_id(given(evolve_record, RECORD_OPENED), enrollment_id=ENROLLMENT),
        rule="not-in-a-cohort",
    )
    then_rejected(
        lambda: assessed_cohort_id(None, enrollment_id=ENROLLMENT), rule="enrollment-must-be-known", retryable=True
    )


@pytest.mark.parametrize("ended", [(), (COMPLETED,), (DROPPED,), (WITHDRAWN,)], ids=["open", *dict(CLOSING).values()])
@pytest.mark.parametrize("phase", list(AssessmentPhase))
def test_a_score_outside_0_to_100_is_refused_for_the_score_whatever_the_record_s_state(
    ended: tuple[object, ...], phase: AssessmentPhase
) -> None:
    state = given(evolve_record, RECORD_OPENED, assigned(), PRE, *ended)

    error = then_rejected(lambda: _assess(state, phase, date(2024, 4, 30), weaving=750), rule="score-out-of-range")

    assert str(error) == "scores for 'weaving' are outside 0 to 100"


def test_a_competency_not_in_the_curriculum_is_quoted_as_given_and_the_curriculum_s_are_listed() -> None:
    state = given(evolve_record, RECORD_OPENED, assigned())

    error = then_rejected(
        lambda: assess_skills(
            state,
            enrollment_id=ENROLLMENT,
            cohort=cohort(),
            phase=AssessmentPhase.PRE,
            scores={"Weaving ": Decimal(80)},
            assessed_on=date(2024, 2, 1),
        ),
        rule="unknown-competency",
    )

    assert str(error) == (
        "'Weaving ' is not among the curriculum's competencies ('weaving', 'natural-dyeing', 'online-selling'); "
        "a competency is named exactly as the curriculum does"
    )


@pytest.mark.parametrize(
    ("ended", "phase", "rule"),
    [
        (COMPLETED, AssessmentPhase.PRE, "training-already-completed"),
        (DROPPED, AssessmentPhase.POST, "training-dropped-out"),
    ],
)
def test_nothing_else_is_assessed_once_training_has_ended(ended: object, phase: AssessmentPhase, rule: str) -> None:
    history = (
        (RECORD_OPENED, assigned(), ended) if phase is AssessmentPhase.PRE else (RECORD_OPENED, assigned(), PRE, ended)
    )
    state = given(evolve_record, *history)

    then_rejected(
        lambda: assess_skills(
            state,
            enrollment_id=ENROLLMENT,
            cohort=cohort(),
            phase=phase,
            scores={"weaving": Decimal(9)},
            assessed_on=date(2024, 4, 30),
        ),
        rule=rule,
    )


# --- after a project transfer, until the record moves to a cohort of its new project ---

BEFORE_THE_MOVE = session_held(date(2024, 2, 1))  # the enrollment moved to OTHER_PROJECT on 2024-02-02
ON_THE_MOVE = session_held(date(2024, 2, 2))
IN_THE_OLD_PROJECT = (RECORD_OPENED, assigned(), ENROLLMENT_MOVED)  # still in COHORT, of PROJECT


@pytest.mark.parametrize("session", [ON_THE_MOVE, S1], ids=["on-the-day-of-the-move", "after-it"])
def test_the_old_project_s_cohort_takes_no_attendance_from_the_day_the_enrollment_moved(session: Any) -> None:
    state = given(evolve_record, *IN_THE_OLD_PROJECT)

    error = then_rejected(
        lambda: record_attendance(
            state, enrollment_id=ENROLLMENT, cohort=cohort(session), session_id=session.session_id
        ),
        rule="cohort-of-another-project",
    )
    assert f"POST /training-records/{ENROLLMENT}/cohort-transfer" in str(error)
    assert str(OTHER_PROJECT) in str(error) and "2024-02-02" in str(error)


def test_attendance_at_the_old_project_s_sessions_before_the_move_may_still_be_recorded_late() -> None:
    state = given(evolve_record, *IN_THE_OLD_PROJECT)
    old = cohort(BEFORE_THE_MOVE, S1)

    events = record_attendance(state, enrollment_id=ENROLLMENT, cohort=old, session_id=BEFORE_THE_MOVE.session_id)

    assert events == [attended(BEFORE_THE_MOVE)]


def test_the_old_project_s_cohort_takes_no_post_assessment() -> None:
    state = given(evolve_record, *IN_THE_OLD_PROJECT, PRE)

    then_rejected(
        lambda: _assess(state, AssessmentPhase.POST, date(2024, 2, 20), weaving=70), rule="cohort-of-another-project"
    )


def test_a_cohort_transfer_dated_after_the_move_does_not_expect_the_old_cohort_s_sessions_held_since() -> None:
    state = given(evolve_record, *IN_THE_OLD_PROJECT)
    new = cohort(cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    [moved] = transfer_to_cohort(
        state,
        enrollment_id=ENROLLMENT,
        from_cohort=cohort(BEFORE_THE_MOVE, ON_THE_MOVE, S1),
        to_cohort=new,
        transferred_on=date(2024, 2, 10),
    )

    assert moved.sessions_expected_in_previous_cohort == (BEFORE_THE_MOVE.session_id,)
    assert moved.transferred_on == date(2024, 2, 10)


def test_a_record_in_the_old_project_s_cohort_moves_to_a_cohort_of_its_new_project_and_is_measured_there() -> None:
    state = given(evolve_record, *IN_THE_OLD_PROJECT, attended(BEFORE_THE_MOVE), PRE)
    old = cohort(BEFORE_THE_MOVE, S1)
    new_session = session_held(date(2024, 2, 6), cohort_id=OTHER_COHORT)
    new = cohort(new_session, cohort_id=OTHER_COHORT, project_id=OTHER_PROJECT)

    [moved] = transfer_to_cohort(
        state, enrollment_id=ENROLLMENT, from_cohort=old, to_cohort=new, transferred_on=date(2024, 2, 2)
    )
    in_new = given(evolve_record, *IN_THE_OLD_PROJECT, attended(BEFORE_THE_MOVE), PRE, moved)

    assert moved.sessions_expected_in_previous_cohort == (BEFORE_THE_MOVE.session_id,)
    assert record_attendance(in_new, enrollment_id=ENROLLMENT, cohort=new, session_id=new_session.session_id) == [
        attended(new_session, cohort_id=OTHER_COHORT)
    ]
    [post] = assess_skills(
        in_new,
        enrollment_id=ENROLLMENT,
        cohort=new,
        phase=AssessmentPhase.POST,
        scores={"weaving": Decimal(70)},
        assessed_on=date(2024, 2, 20),
    )
    assert post.cohort_id == OTHER_COHORT


# --- attendance at an earlier cohort's sessions, after a cohort transfer ---

LEFT_COHORT_ON = date(2024, 2, 10)  # transferred_to_other_cohort: COHORT to OTHER_COHORT
HELD_AFTER_LEAVING = session_held(date(2024, 2, 12))
MOVED_ON = (RECORD_OPENED, assigned(), transferred_to_other_cohort(S1))  # expected at S1 in COHORT


def test_a_session_of_the_earlier_cohort_held_before_the_transfer_is_marked_in_that_cohort() -> None:
    state = given(evolve_record, *MOVED_ON)

    assert attendance_cohort_id(state, enrollment_id=ENROLLMENT, session_id=S1.session_id) == COHORT
    assert attendance_cohort_id(state, enrollment_id=ENROLLMENT, session_id=O2.session_id) == OTHER_COHORT


def test_a_session_of_the_earlier_cohort_held_before_the_transfer_may_be_marked_late_and_counts() -> None:
    state = given(evolve_record, *MOVED_ON)
    old, new = cohort(S1, HELD_AFTER_LEAVING), cohort(O2, cohort_id=OTHER_COHORT)

    events = record_attendance(state, enrollment_id=ENROLLMENT, cohort=old, session_id=S1.session_id)

    assert events == [attended(S1)]
    marked = given(evolve_record, *MOVED_ON, *events)
    assert marked is not None
    attendance = measured_attendance(marked, new, [old])
    assert attendance is not None
    assert (attendance.hours_attended, attendance.hours_expected) == (Decimal(3), Decimal(6))


def test_a_session_of_the_earlier_cohort_held_after_the_transfer_is_refused_naming_both_cohorts() -> None:
    state = given(evolve_record, *MOVED_ON)
    new = cohort(O2, cohort_id=OTHER_COHORT)
    asked = attendance_cohort_id(state, enrollment_id=ENROLLMENT, session_id=HELD_AFTER_LEAVING.session_id)

    error = then_rejected(
        lambda: record_attendance(
            state, enrollment_id=ENROLLMENT, cohort=new, session_id=HELD_AFTER_LEAVING.session_id
        ),
        rule="session-must-be-held",
    )

    assert asked == OTHER_COHORT
    assert str(error) == (
        f"cohort {OTHER_COHORT} has held no session {HELD_AFTER_LEAVING.session_id}, nor was it one enrollment "
        f"{ENROLLMENT} was expected at in an earlier cohort ({COHORT})"
    )
    then_rejected(
        lambda: record_attendance(
            state,
            enrollment_id=ENROLLMENT,
            cohort=cohort(S1, HELD_AFTER_LEAVING),
            session_id=HELD_AFTER_LEAVING.session_id,
        ),
        rule="not-in-this-cohort",
    )


def test_a_session_no_cohort_held_is_refused_naming_the_cohort_the_record_is_in() -> None:
    error = then_rejected(
        lambda: record_attendance(
            given(evolve_record, RECORD_OPENED, assigned()),
            enrollment_id=ENROLLMENT,
            cohort=cohort(S1),
            session_id=O1.session_id,
        ),
        rule="session-must-be-held",
    )

    assert str(error) == f"cohort {COHORT} has held no session {O1.session_id}"


@pytest.mark.parametrize(("ending", "rule"), CLOSING)
def test_a_closed_record_takes_no_late_mark_at_an_earlier_cohort_s_session(ending: object, rule: str) -> None:
    state = given(evolve_record, *MOVED_ON, ending)

    then_rejected(lambda: attendance_cohort_id(state, enrollment_id=ENROLLMENT, session_id=S1.session_id), rule=rule)
    then_rejected(
        lambda: record_attendance(state, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id),
        rule=rule,
    )


# --- a session held with someone whose mark is refused ---


def test_a_session_refused_for_one_member_says_it_was_not_recorded_and_to_remove_that_member() -> None:
    dropped = given(evolve_record, RECORD_OPENED, assigned(), DROPPED)
    refused = then_rejected(
        lambda: record_attendance(dropped, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id),
        rule="training-dropped-out",
    )

    error = session_refused_for(refused, session_id=S1.session_id, enrollment_id=ENROLLMENT)

    assert (error.rule, error.retryable) == ("training-dropped-out", False)
    assert str(error) == (
        f"session {S1.session_id} was not recorded, nor anyone's attendance at it: enrollment {ENROLLMENT} dropped "
        f"out of training (remove {ENROLLMENT} from attended to record the session and the others' attendance)"
    )


def test_a_session_refused_for_a_member_training_does_not_know_yet_may_be_retried() -> None:
    refused = then_rejected(
        lambda: record_attendance(None, enrollment_id=ENROLLMENT, cohort=cohort(S1), session_id=S1.session_id),
        rule="enrollment-must-be-known",
        retryable=True,
    )

    error = session_refused_for(refused, session_id=S1.session_id, enrollment_id=ENROLLMENT)

    assert (error.rule, error.retryable) == ("enrollment-must-be-known", True)
    assert str(error).startswith(f"session {S1.session_id} was not recorded")
    assert str(error).endswith("(retry once training knows it, or hold the session without it)")
