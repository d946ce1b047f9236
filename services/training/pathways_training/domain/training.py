"""A participant's training record (id = enrollment id): opened on enrollment, completed or closed.

The record is opened when the enrollment service reports an enrollment, joins a cohort, keeps the
attendance per session and the pre/post skill assessments (a phase may be scored in parts, each
competency once), and ends in one of three ways: completed (see below), dropped out (with a reason),
or withdrawn (learned from the enrollment service). A closed record takes no further change but
the post-training assessment of a completed one, often scored or entered after the last session.

Attendance is measured per *stint* in a cohort: the sessions a participant is expected at are those
its cohort held from the day they joined. A transfer to another cohort ends the stint (keeping the
sessions held there before the transfer day, and the attendance at them) and starts one in the new
cohort from the transfer day, so the attendance history travels with the record. The sessions of a
past stint may still be marked (late, or corrected), in the cohort that held them: they count.

Attendance counts hours, as sessions last any number of them. Completion in a cohort needs the hours
attended (across transfers) to reach the curriculum's threshold (80% unless it says otherwise) of
both the curriculum's hours, as planned for the cohort the participant completes in, and the hours of
the sessions they were expected at. The first keeps a participant from completing after the first
few sessions at a full rate; the second from completing having missed much of a cohort that ran past
its plan. Whichever is on more hours is the one that binds, and the refusal names it.

Rules that depend on another service are checked against what this service has learned from its
events; a command that arrives before the event it depends on is refused with a retryable error.

After a project transfer the record stays in the old project's cohort until staff move it to a cohort
of its new project (a cohort transfer). Until then that cohort takes no attendance at sessions held
from the day the enrollment came into the new project (earlier ones may still be marked, late), no
post-training assessment and no completion. The participant is expected at the old cohort's sessions
held before that day only, however late the cohort transfer is dated.

Days keep the order things happen in: a participant joins a cohort no earlier than the enrollment came
into its project (enrolled, or transferred there), leaves a cohort no earlier than joining it, is
assessed no earlier than the enrollment, post-assessed no earlier than joining the current cohort and
the first pre-assessment, and ends training no earlier than the enrollment and joining the current
cohort; on completion, also no earlier than the first session they were expected at and the last
session of the current cohort they attended. A day that older events do not carry is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from pathways_training.domain.cohort import OPEN_COHORT, Cohort, CohortStatus
from pathways_training.domain.curriculum import DEFAULT_ATTENDANCE_THRESHOLD, Track
from pathways_training.domain.errors import TrainingRuleError, refuse_if_before

__all__ = [
    "DEFAULT_ATTENDANCE_THRESHOLD",
    "MAX_SCORE",
    "AssessmentPhase",
    "AssignedToCohort",
    "Attendance",
    "AttendanceRecorded",
    "CohortStint",
    "CompetencyScore",
    "DropoutReason",
    "EnrollmentTransferNoted",
    "ParticipantDroppedOut",
    "SkillsAssessed",
    "TrainingCompleted",
    "TrainingRecord",
    "TrainingRecordEvent",
    "TrainingRecordOpened",
    "TrainingRecordWithdrawn",
    "TrainingRuleError",
    "TrainingStatus",
    "TransferredToCohort",
    "assess_skills",
    "assessed_cohort_id",
    "assign_to_cohort",
    "attendance_cohort_id",
    "complete",
    "current_cohort_id",
    "default_joining_day",
    "drop_out",
    "earlier_cohort_ids",
    "evolve_record",
    "expected_sessions",
    "falls_short",
    "hours_needed",
    "measured_attendance",
    "note_enrollment_transfer",
    "open_record",
    "record_attendance",
    "session_refused_for",
    "transfer_to_cohort",
    "withdraw_record",
]

MAX_SCORE = Decimal(100)


class TrainingStatus(StrEnum):
    IN_TRAINING = "IN_TRAINING"
    COMPLETED = "COMPLETED"
    DROPPED_OUT = "DROPPED_OUT"
    WITHDRAWN = "WITHDRAWN"


class AssessmentPhase(StrEnum):
    PRE = "PRE"
    POST = "POST"


class DropoutReason(StrEnum):
    FOUND_WORK = "FOUND_WORK"
    HEALTH = "HEALTH"
    FAMILY_DUTIES = "FAMILY_DUTIES"
    MOVED_AWAY = "MOVED_AWAY"
    LOST_CONTACT = "LOST_CONTACT"
    NOT_SUITABLE = "NOT_SUITABLE"
    OTHER = "OTHER"


@dataclass(frozen=True, kw_only=True)
class CompetencyScore:
    competency: str
    score: Decimal  # 0 to 100


@dataclass(frozen=True, kw_only=True)
class TrainingRecordOpened:
    """``enrolled_on`` is the enrollment's day (None in records opened before it was kept, or when not reported)."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    enrolled_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class EnrollmentTransferNoted:
    """The enrollment service moved the enrollment to another project."""

    enrollment_id: UUID
    participant_id: UUID
    from_project_id: UUID
    to_project_id: UUID
    transferred_on: date


@dataclass(frozen=True, kw_only=True)
class AssignedToCohort:
    """``track`` is the cohort's (None in events recorded before it was copied, or for a cohort without one)."""

    enrollment_id: UUID
    participant_id: UUID
    cohort_id: UUID
    assigned_on: date
    track: Track | None = None


@dataclass(frozen=True, kw_only=True)
class TransferredToCohort:
    """``track`` is the new cohort's (None in events recorded before it was copied, or for a cohort without one)."""

    enrollment_id: UUID
    participant_id: UUID
    from_cohort_id: UUID
    to_cohort_id: UUID
    transferred_on: date
    sessions_expected_in_previous_cohort: tuple[UUID, ...]
    track: Track | None = None


@dataclass(frozen=True, kw_only=True)
class AttendanceRecorded:
    enrollment_id: UUID
    participant_id: UUID
    cohort_id: UUID
    session_id: UUID
    attended: bool


@dataclass(frozen=True, kw_only=True)
class SkillsAssessed:
    enrollment_id: UUID
    participant_id: UUID
    cohort_id: UUID
    phase: AssessmentPhase
    scores: tuple[CompetencyScore, ...]
    assessed_on: date


@dataclass(frozen=True, kw_only=True)
class TrainingCompleted:
    """``attendance_rate`` is of hours in a cohort (of sessions in completions recorded before hours counted),
    and reported outside one. The hours are None outside a cohort and in completions recorded before they
    were kept; ``curriculum_hours`` also for a cohort that did not know them."""

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    attendance_rate: float
    cohort_id: UUID | None = None
    completed_on: date | None = None
    curriculum_id: UUID | None = None
    track: Track | None = None
    hours_attended: Decimal | None = None
    curriculum_hours: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class ParticipantDroppedOut:
    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    reason: DropoutReason
    dropped_out_on: date
    cohort_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class TrainingRecordWithdrawn:
    """The enrollment service reported the enrollment withdrawn: the record is closed."""

    enrollment_id: UUID
    participant_id: UUID
    withdrawn_on: date


TrainingRecordEvent = (
    TrainingRecordOpened
    | EnrollmentTransferNoted
    | AssignedToCohort
    | TransferredToCohort
    | AttendanceRecorded
    | SkillsAssessed
    | TrainingCompleted
    | ParticipantDroppedOut
    | TrainingRecordWithdrawn
)


@dataclass(frozen=True, kw_only=True)
class CohortStint:
    """Time spent in a cohort the participant has left: the sessions they were expected at there."""

    cohort_id: UUID
    joined_on: date
    left_on: date
    expected_sessions: frozenset[UUID]


@dataclass(frozen=True, kw_only=True)
class TrainingRecord:
    """Days are None when the history does not tell them (events recorded before they were kept).

    ``in_project_since`` is when the enrollment came into its current project: the enrollment day, or
    the day of its latest transfer to another project. ``assessments`` holds each phase's scores so
    far, by competency (a phase may be assessed in parts); ``pre_assessed_on`` and ``post_assessed_on``
    are the days of the earliest part of the pre- and post-training assessments.
    """

    enrollment_id: UUID
    participant_id: UUID
    project_id: UUID
    status: TrainingStatus
    attendance_rate: float | None = None
    cohort_id: UUID | None = None
    joined_on: date | None = None
    past_stints: tuple[CohortStint, ...] = field(
        default=(), metadata={"description": "The cohorts the participant left, and the sessions expected there."}
    )
    attendance: Mapping[UUID, bool] = field(
        default_factory=dict, metadata={"description": "Whether the participant attended, by session id."}
    )
    assessments: Mapping[AssessmentPhase, tuple[CompetencyScore, ...]] = field(default_factory=dict)
    completed_on: date | None = None
    dropout_reason: DropoutReason | None = None
    closed_on: date | None = None
    enrolled_on: date | None = None
    in_project_since: date | None = None
    pre_assessed_on: date | None = None
    post_assessed_on: date | None = None


def expected_sessions(state: TrainingRecord, cohort: Cohort | None) -> frozenset[UUID]:
    """Sessions the participant was expected at: past stints, and the current cohort's since joining."""
    expected = frozenset[UUID]().union(*(stint.expected_sessions for stint in state.past_stints))
    if cohort is not None and cohort.cohort_id == state.cohort_id:
        expected |= cohort.sessions_held(from_day=state.joined_on)
    return expected


@dataclass(frozen=True, kw_only=True)
class Attendance:
    """Hours of the sessions a participant was expected at (across transfers), and of those they attended."""

    hours_expected: Decimal
    hours_attended: Decimal

    @property
    def rate(self) -> float:
        """Share of the hours expected that were attended."""
        return float(self.hours_attended / self.hours_expected)


def earlier_cohort_ids(state: TrainingRecord) -> list[UUID]:
    """The cohorts the participant left having been expected at sessions there: their hours count too."""
    return list(dict.fromkeys(stint.cohort_id for stint in state.past_stints if stint.expected_sessions))


def measured_attendance(
    state: TrainingRecord, cohort: Cohort | None, earlier_cohorts: Sequence[Cohort] = ()
) -> Attendance | None:
    """Hours expected and attended across transfers, or None when no session was held for the participant.

    ``earlier_cohorts`` are those :func:`earlier_cohort_ids` names, which held the sessions of the record's
    past stints.
    """
    expected = expected_sessions(state, cohort)
    if not expected:
        return None
    hours = _hours_of(expected, [*([] if cohort is None else [cohort]), *earlier_cohorts])
    return Attendance(
        hours_expected=sum(hours.values(), Decimal(0)),
        hours_attended=sum((h for s, h in hours.items() if state.attendance.get(s, False)), Decimal(0)),
    )


def _hours_of(sessions: frozenset[UUID], cohorts: Iterable[Cohort]) -> dict[UUID, Decimal]:
    hours = {held.session_id: held.hours for c in cohorts for held in c.sessions if held.session_id in sessions}
    if missing := sessions - hours.keys():
        raise ValueError(f"no cohort given held sessions {sorted(map(str, missing))}: pass the cohorts that did")
    return hours


def hours_needed(threshold: float, hours: Decimal) -> Decimal:
    """The hours of attendance a threshold asks of ``hours`` (0.8 of 60: 48, exactly)."""
    return _share(threshold) * hours


def falls_short(hours_attended: Decimal, hours: Decimal, threshold: float) -> bool:
    """Whether attendance is below the threshold's share of ``hours`` (exactly at it is not)."""
    return hours_attended < hours_needed(threshold, hours)


def _share(threshold: float) -> Decimal:
    # The share as it was written (0.8, not the float's 0.8000000000000000444), so 48 of 60 hours meets
    # 80%; to 15 significant digits, as PostgreSQL turns a double into a numeric (training-records' at_risk).
    return Decimal(f"{threshold:.15g}")


def assessed_cohort_id(state: TrainingRecord | None, *, enrollment_id: UUID) -> UUID:
    """The cohort a record's assessments are made in: the one it is in, also once training is completed
    (a post-training assessment may follow the completion; :func:`assess_skills` says what a closed
    record still takes)."""
    record = _known(state, enrollment_id)
    if record.cohort_id is None:
        _check_not_closed(record)
        raise _not_in_a_cohort(enrollment_id)
    return record.cohort_id


def attendance_cohort_id(state: TrainingRecord | None, *, enrollment_id: UUID, session_id: UUID) -> UUID:
    """The cohort attendance at ``session_id`` is marked in: an earlier cohort's, for a session the
    participant was expected at there (kept on transfer, so it may still be marked late), else the current one."""
    record = _open(state, enrollment_id)
    stint = _stint_expecting(record, session_id)
    return current_cohort_id(record, enrollment_id=enrollment_id) if stint is None else stint.cohort_id


def _stint_expecting(record: TrainingRecord, session_id: UUID) -> CohortStint | None:
    return next((stint for stint in record.past_stints if session_id in stint.expected_sessions), None)


def _not_in_a_cohort(enrollment_id: UUID) -> TrainingRuleError:
    return TrainingRuleError(
        f"enrollment {enrollment_id} is in no cohort; assign it to one first", rule="not-in-a-cohort"
    )


def current_cohort_id(state: TrainingRecord | None, *, enrollment_id: UUID) -> UUID:
    """The cohort an open record is in: attendance, assessments and transfers are measured against it."""
    record = _open(state, enrollment_id)
    if record.cohort_id is None:
        raise _not_in_a_cohort(enrollment_id)
    return record.cohort_id


def open_record(
    state: TrainingRecord | None,
    *,
    enrollment_id: UUID,
    participant_id: UUID,
    project_id: UUID,
    enrolled_on: date | None,
) -> list[TrainingRecordOpened]:
    """Reaction to an enrollment reported by the enrollment service."""
    if state is not None:
        return []  # the enrollment was heard of before: opening is idempotent
    return [
        TrainingRecordOpened(
            enrollment_id=enrollment_id, participant_id=participant_id, project_id=project_id, enrolled_on=enrolled_on
        )
    ]


def note_enrollment_transfer(
    state: TrainingRecord | None, *, enrollment_id: UUID, to_project_id: UUID, transferred_on: date
) -> list[EnrollmentTransferNoted]:
    """Reaction to an enrollment moved to another project; the record then accepts that project's cohorts."""
    record = _known(state, enrollment_id)
    if record.project_id == to_project_id or record.status is not TrainingStatus.IN_TRAINING:
        return []  # already known, or training is over: nothing moves
    return [
        EnrollmentTransferNoted(
            **_ids(enrollment_id, record),
            from_project_id=record.project_id,
            to_project_id=to_project_id,
            transferred_on=transferred_on,
        )
    ]


def default_joining_day(record: TrainingRecord | None, cohort: Cohort, *, today: date) -> date:
    """The day a participant assigned without one joins ``cohort``: the first day they could have been in it.

    That is the later of the cohort's start (its planned start while it has not started) and the day
    the enrollment came into its project, so an assignment recorded after the fact leaves out none of
    the sessions held since. A planned start after today gives today: a day given is never in the
    future, and a cohort may start earlier than planned (its first sessions would not count).
    """
    cohort_from = cohort.started_on or min(cohort.starts_on, today)
    in_project = None if record is None else record.in_project_since or record.enrolled_on
    return cohort_from if in_project is None else max(cohort_from, in_project)


def assign_to_cohort(
    state: TrainingRecord | None, *, enrollment_id: UUID, cohort: Cohort, assigned_on: date
) -> list[AssignedToCohort]:
    record = _open(state, enrollment_id)
    if record.cohort_id == cohort.cohort_id:
        return []
    if record.cohort_id is not None:
        raise TrainingRuleError(
            f"enrollment {enrollment_id} is already in cohort {record.cohort_id}; transfer it instead",
            rule="already-in-a-cohort",
        )
    _check_can_join(record, cohort)
    _refuse_joining_before_project(record, cohort, assigned_on)
    return [
        AssignedToCohort(
            **_ids(enrollment_id, record),
            cohort_id=cohort.cohort_id,
            assigned_on=assigned_on,
            track=cohort.track,
        )
    ]


def transfer_to_cohort(
    state: TrainingRecord | None,
    *,
    enrollment_id: UUID,
    from_cohort: Cohort,
    to_cohort: Cohort,
    transferred_on: date,
) -> list[TransferredToCohort]:
    """Move the record to another cohort mid-training, keeping its attendance history."""
    record = _open(state, enrollment_id)
    if record.cohort_id is None:
        raise TrainingRuleError(
            f"enrollment {enrollment_id} is in no cohort; assign it to one instead", rule="not-in-a-cohort"
        )
    _check_current_cohort(record, from_cohort)
    if to_cohort.cohort_id == record.cohort_id:
        return []
    _check_can_join(record, to_cohort)
    refuse_if_before(
        transferred_on,
        record.joined_on,
        rule="cohort-transfer-before-joining",
        what=f"the transfer to cohort {to_cohort.cohort_id}",
        after=f"joining cohort {record.cohort_id}",
    )
    _refuse_joining_before_project(record, to_cohort, transferred_on)
    until = _expected_until(record, from_cohort, transferred_on)
    expected = from_cohort.sessions_held(from_day=record.joined_on, before=until)
    return [
        TransferredToCohort(
            **_ids(enrollment_id, record),
            from_cohort_id=from_cohort.cohort_id,
            to_cohort_id=to_cohort.cohort_id,
            transferred_on=transferred_on,
            sessions_expected_in_previous_cohort=tuple(sorted(expected)),
            track=to_cohort.track,
        )
    ]


def _expected_until(record: TrainingRecord, from_cohort: Cohort, transferred_on: date) -> date:
    """The day sessions of ``from_cohort`` stop being expected: the transfer day or, in a cohort of the
    project the enrollment left, the day it left if earlier (the cohort takes no attendance from then)."""
    if from_cohort.project_id == record.project_id or record.in_project_since is None:
        return transferred_on
    return min(transferred_on, record.in_project_since)


def record_attendance(
    state: TrainingRecord | None, *, enrollment_id: UUID, cohort: Cohort, session_id: UUID, attended: bool = True
) -> list[AttendanceRecorded]:
    """Mark a participant present or absent at a session; marking again corrects the earlier mark."""
    record = _open(state, enrollment_id)
    stint = _stint_expecting(record, session_id)
    if stint is not None and stint.cohort_id == cohort.cohort_id and cohort.session(session_id) is not None:
        # A session of an earlier cohort the participant was expected at: it counts, so it may be marked late.
        return _marked(record, cohort, session_id, attended)
    _check_current_cohort(record, cohort)
    session = cohort.session(session_id)
    if session is None:
        raise _session_not_held(record, cohort, session_id)
    if record.in_project_since is not None and session.held_on >= record.in_project_since:
        _refuse_cohort_of_another_project(record, cohort, what=f"attendance at session {session_id}")
    if record.joined_on is not None and session.held_on < record.joined_on:
        raise TrainingRuleError(
            f"session {session_id} on {session.held_on} was before the participant joined on {record.joined_on}",
            rule="session-before-joining",
        )
    return _marked(record, cohort, session_id, attended)


def _marked(record: TrainingRecord, cohort: Cohort, session_id: UUID, attended: bool) -> list[AttendanceRecorded]:
    if record.attendance.get(session_id) == attended:
        return []
    return [
        AttendanceRecorded(
            **_ids(record.enrollment_id, record),
            cohort_id=cohort.cohort_id,
            session_id=session_id,
            attended=attended,
        )
    ]


def _session_not_held(record: TrainingRecord, cohort: Cohort, session_id: UUID) -> TrainingRuleError:
    earlier = earlier_cohort_ids(record)
    also = (
        ""
        if not earlier
        else (
            f", nor was it one enrollment {record.enrollment_id} was expected at in an earlier cohort "
            f"({', '.join(map(str, earlier))})"
        )
    )
    return TrainingRuleError(
        f"cohort {cohort.cohort_id} has held no session {session_id}{also}", rule="session-must-be-held"
    )


def session_refused_for(refused: TrainingRuleError, *, session_id: UUID, enrollment_id: UUID) -> TrainingRuleError:
    """The refusal of a session held with ``enrollment_id`` among those present, whose mark ``refused``.

    The session and its marks are recorded together or not at all, so one member's refusal refuses the
    whole session: it says so, and how to record it.
    """
    how = (
        "retry once training knows it, or hold the session without it"
        if refused.retryable
        else f"remove {enrollment_id} from attended to record the session and the others' attendance"
    )
    return TrainingRuleError(
        f"session {session_id} was not recorded, nor anyone's attendance at it: {refused} ({how})",
        rule=refused.rule,
        retryable=refused.retryable,
    )


def assess_skills(
    state: TrainingRecord | None,
    *,
    enrollment_id: UUID,
    cohort: Cohort,
    phase: AssessmentPhase,
    scores: Mapping[str, Decimal],
    assessed_on: date,
) -> list[SkillsAssessed]:
    """A pre- or post-training assessment: a score from 0 to 100 per competency of the curriculum.

    A phase may be assessed in parts: a later assessment scores competencies not yet scored in that
    phase, never one already scored. A post-training assessment may be recorded once training is
    completed (it is often scored, or entered, after the last session); nothing is assessed after a
    dropout or a withdrawal."""
    record = _known(state, enrollment_id)
    _refuse_scores_out_of_range(scores)  # whatever the record's state: the scores themselves are wrong
    if not (phase is AssessmentPhase.POST and record.status is TrainingStatus.COMPLETED):
        _check_not_closed(record)
    _check_current_cohort(record, cohort)
    if phase is AssessmentPhase.POST:
        _refuse_cohort_of_another_project(record, cohort, what="a post-training assessment")
    unknown = sorted(set(scores) - set(cohort.competencies))
    if unknown:
        raise TrainingRuleError(
            f"{_quoted(unknown)} {'is' if len(unknown) == 1 else 'are'} not among the curriculum's competencies "
            f"({_quoted(cohort.competencies)}); a competency is named exactly as the curriculum does",
            rule="unknown-competency",
        )
    _refuse_scoring_again(record, phase, scores)
    refuse_if_before(
        assessed_on,
        record.enrolled_on,
        rule="assessment-before-enrollment",
        what=f"the {phase} assessment",
        after="the enrollment",
    )
    if phase is AssessmentPhase.POST:
        _check_post_assessment_order(record, assessed_on)
    elif record.post_assessed_on is not None and assessed_on > record.post_assessed_on:
        raise TrainingRuleError(
            f"the post-training assessment of enrollment {enrollment_id} began on {record.post_assessed_on}; a part "
            f"of the pre-training one cannot be dated after it, on {assessed_on}",
            rule="pre-assessment-after-post",
        )
    return [
        SkillsAssessed(
            **_ids(enrollment_id, record),
            cohort_id=cohort.cohort_id,
            phase=phase,
            scores=tuple(CompetencyScore(competency=name, score=score) for name, score in sorted(scores.items())),
            assessed_on=assessed_on,
        )
    ]


def _refuse_scores_out_of_range(scores: Mapping[str, Decimal]) -> None:
    if not scores:
        raise TrainingRuleError("an assessment scores at least one competency", rule="scores-required")
    out_of_range = sorted(name for name, score in scores.items() if not 0 <= score <= MAX_SCORE)
    if out_of_range:
        raise TrainingRuleError(
            f"scores for {_quoted(out_of_range)} are outside 0 to {MAX_SCORE}", rule="score-out-of-range"
        )


def _quoted(names: Iterable[str]) -> str:
    # As given, quoted: a competency typed with a stray space or capital shows it.
    return ", ".join(map(repr, names))


def _refuse_scoring_again(record: TrainingRecord, phase: AssessmentPhase, scores: Mapping[str, Decimal]) -> None:
    scored = {score.competency for score in record.assessments.get(phase, ())}
    again = sorted(scored & set(scores))
    if again:
        raise TrainingRuleError(
            f"the {phase} assessment of enrollment {record.enrollment_id} already scored {', '.join(again)}",
            rule="assessment-already-recorded",
        )


def _check_post_assessment_order(record: TrainingRecord, assessed_on: date) -> None:
    """A post-training assessment follows a pre-training one: not before its first part, nor before
    joining the cohort it is made in."""
    if AssessmentPhase.PRE not in record.assessments:
        raise TrainingRuleError("a post-training assessment follows a pre-training one", rule="pre-assessment-first")
    refuse_if_before(
        assessed_on,
        record.pre_assessed_on,
        rule="post-assessment-before-pre",
        what="the post-training assessment",
        after="the pre-training one",
    )
    refuse_if_before(
        assessed_on,
        record.joined_on,
        rule="post-assessment-before-joining",
        what="the post-training assessment",
        after=f"joining cohort {record.cohort_id}",
    )


def complete(
    state: TrainingRecord | None,
    *,
    enrollment_id: UUID,
    attendance_rate: float | None = None,
    cohort: Cohort | None = None,
    earlier_cohorts: Sequence[Cohort] = (),
    threshold: float = DEFAULT_ATTENDANCE_THRESHOLD,
    completed_on: date | None = None,
) -> list[TrainingCompleted]:
    """Complete training if attendance meets the curriculum's hours and threshold.

    A record in a cohort is measured against that cohort: pass ``cohort`` (with its curriculum's hours),
    the cohorts :func:`earlier_cohort_ids` names as ``earlier_cohorts``, and no ``attendance_rate`` (the
    hours attended are counted across transfers). A record never assigned to a cohort (the first
    release's flow) takes a reported ``attendance_rate`` and ``threshold``.
    """
    record = _known(state, enrollment_id)
    if record.status is TrainingStatus.COMPLETED:
        raise TrainingRuleError(f"training of enrollment {enrollment_id} is already completed", rule="complete-once")
    _check_not_closed(record)
    if record.cohort_id is None:
        rate = _reported_rate(record, cohort, attendance_rate, threshold)
        attendance = None
    else:
        attendance = _measured_in_cohort(record, cohort, earlier_cohorts, attendance_rate)
        rate = attendance.rate
    if completed_on is not None:
        _refuse_completion_before_training(record, cohort, completed_on)
    return [
        TrainingCompleted(
            **_ids(enrollment_id, record),
            project_id=record.project_id,
            attendance_rate=rate,
            cohort_id=record.cohort_id,
            completed_on=completed_on,
            curriculum_id=None if cohort is None else cohort.curriculum_id,
            track=None if cohort is None else cohort.track,
            hours_attended=None if attendance is None else attendance.hours_attended,
            curriculum_hours=None if cohort is None else cohort.curriculum_hours,
        )
    ]


def _reported_rate(
    record: TrainingRecord, cohort: Cohort | None, attendance_rate: float | None, threshold: float
) -> float:
    """The first release's flow: a record in no cohort completes on the rate reported for it."""
    if cohort is not None:
        _check_current_cohort(record, cohort)  # refuses: the record is in no cohort
    if attendance_rate is None:
        raise TrainingRuleError(
            f"enrollment {record.enrollment_id} is in no cohort: its attendance rate must be reported",
            rule="attendance-rate-required",
        )
    if attendance_rate < threshold:
        raise TrainingRuleError(
            f"attendance {attendance_rate:.0%} is below the curriculum's threshold of {threshold:.0%}",
            rule="attendance-threshold",
        )
    return attendance_rate


def _measured_in_cohort(
    record: TrainingRecord, cohort: Cohort | None, earlier_cohorts: Sequence[Cohort], attendance_rate: float | None
) -> Attendance:
    """The attendance of a record in ``cohort``, which must meet its curriculum's hours and threshold."""
    if cohort is None:
        raise TrainingRuleError(
            f"enrollment {record.enrollment_id} is in cohort {record.cohort_id}: completion is measured against it",
            rule="not-in-this-cohort",
        )
    _check_current_cohort(record, cohort)
    _refuse_cohort_of_another_project(record, cohort, what="completion")
    if attendance_rate is not None:
        raise TrainingRuleError(
            "the attendance rate of a participant in a cohort is computed from the sessions, not reported",
            rule="attendance-is-computed",
        )
    if cohort.status is CohortStatus.CANCELLED:
        raise TrainingRuleError(
            f"cohort {cohort.cohort_id} was cancelled; transfer the participant to another cohort",
            rule="cohort-cancelled",
        )
    attendance = measured_attendance(record, cohort, earlier_cohorts)
    if attendance is None:
        raise TrainingRuleError(
            f"no session was held for enrollment {record.enrollment_id} to attend", rule="no-sessions-held"
        )
    _refuse_attendance_short(attendance, cohort)
    return attendance


def _refuse_attendance_short(attendance: Attendance, cohort: Cohort) -> None:
    """The hours attended must reach the threshold's share of the curriculum's hours and of the hours expected.

    Only the rule on more hours is checked: meeting it meets the other. A cohort that does not know its
    curriculum's hours (the application gives them to those planned before they were copied) is measured
    on the hours expected only.
    """
    threshold, planned = cohort.attendance_threshold, cohort.curriculum_hours
    attended, expected = attendance.hours_attended, attendance.hours_expected
    if planned is not None and planned >= expected:
        if falls_short(attended, planned, threshold):
            raise TrainingRuleError(
                f"attended {_plain(attended)} of the {_plain(hours_needed(threshold, planned))} hours needed "
                f"({_percent(_share(threshold))} of the curriculum's {_plain(planned)} hours)",
                rule="curriculum-hours-not-met",
            )
    elif falls_short(attended, expected, threshold):
        raise TrainingRuleError(
            f"attendance {_percent(attended / expected)} is below the curriculum's threshold of "
            f"{_percent(_share(threshold))}: attended {_plain(attended)} of the {_plain(expected)} hours of sessions "
            f"held for the participant, {_plain(hours_needed(threshold, expected))} needed",
            rule="attendance-threshold",
        )


def _plain(hours: Decimal) -> str:
    """Hours as people write them: 48, not 48.0 or 4.8E+1."""
    return f"{hours.normalize():f}"


def _percent(share: Decimal) -> str:
    # Rounded down, so a share just below a threshold never reads as the threshold itself.
    return f"{_plain((share * 100).quantize(Decimal('0.1'), rounding=ROUND_DOWN))}%"


def drop_out(
    state: TrainingRecord | None, *, enrollment_id: UUID, reason: DropoutReason, dropped_out_on: date
) -> list[ParticipantDroppedOut]:
    record = _open(state, enrollment_id)
    # Not checked against joining the cohort: assigned ahead of its start, a participant may leave before it.
    _refuse_training_end_before_enrollment(record, dropped_out_on, what="the dropout")
    return [
        ParticipantDroppedOut(
            **_ids(enrollment_id, record),
            project_id=record.project_id,
            reason=reason,
            dropped_out_on=dropped_out_on,
            cohort_id=record.cohort_id,
        )
    ]


def withdraw_record(
    state: TrainingRecord | None, *, enrollment_id: UUID, withdrawn_on: date
) -> list[TrainingRecordWithdrawn]:
    """Reaction to a withdrawal reported by the enrollment service: closes an open record.

    A record already closed (completed, dropped out, withdrawn) stays as it is: training is over and
    the withdrawal does not undo it.
    """
    record = _known(state, enrollment_id)
    if record.status is not TrainingStatus.IN_TRAINING:
        return []
    return [
        TrainingRecordWithdrawn(
            enrollment_id=enrollment_id, participant_id=record.participant_id, withdrawn_on=withdrawn_on
        )
    ]


def evolve_record(state: TrainingRecord | None, event: object) -> TrainingRecord:
    match event:
        case TrainingRecordOpened():
            return TrainingRecord(
                enrollment_id=event.enrollment_id,
                participant_id=event.participant_id,
                project_id=event.project_id,
                status=TrainingStatus.IN_TRAINING,
                enrolled_on=event.enrolled_on,
                in_project_since=event.enrolled_on,
            )
        case EnrollmentTransferNoted() if state is not None:
            return replace(state, project_id=event.to_project_id, in_project_since=event.transferred_on)
        case AssignedToCohort() if state is not None:
            return replace(state, cohort_id=event.cohort_id, joined_on=event.assigned_on)
        case TransferredToCohort() if state is not None and state.joined_on is not None:
            stint = CohortStint(
                cohort_id=event.from_cohort_id,
                joined_on=state.joined_on,
                left_on=event.transferred_on,
                expected_sessions=frozenset(event.sessions_expected_in_previous_cohort),
            )
            return replace(
                state,
                cohort_id=event.to_cohort_id,
                joined_on=event.transferred_on,
                past_stints=(*state.past_stints, stint),
            )
        case AttendanceRecorded() if state is not None:
            return replace(state, attendance={**state.attendance, event.session_id: event.attended})
        case SkillsAssessed() if state is not None:
            scores = _merged(state.assessments.get(event.phase, ()), event.scores)
            assessed = replace(state, assessments={**state.assessments, event.phase: scores})
            if event.phase is AssessmentPhase.PRE:
                return replace(assessed, pre_assessed_on=_earliest(state.pre_assessed_on, event.assessed_on))
            return replace(assessed, post_assessed_on=_earliest(state.post_assessed_on, event.assessed_on))
        case TrainingCompleted() if state is not None:
            return replace(
                state,
                status=TrainingStatus.COMPLETED,
                attendance_rate=event.attendance_rate,
                completed_on=event.completed_on,
                closed_on=event.completed_on,
            )
        case ParticipantDroppedOut() if state is not None:
            return replace(
                state,
                status=TrainingStatus.DROPPED_OUT,
                dropout_reason=event.reason,
                closed_on=event.dropped_out_on,
            )
        case TrainingRecordWithdrawn() if state is not None:
            return replace(state, status=TrainingStatus.WITHDRAWN, closed_on=event.withdrawn_on)
    raise TypeError(f"a training record does not follow from {type(event).__name__} at {state}")


def _merged(scored: tuple[CompetencyScore, ...], added: tuple[CompetencyScore, ...]) -> tuple[CompetencyScore, ...]:
    """A phase's scores with those of a later part of its assessment, by competency."""
    by_competency = {score.competency: score for score in (*scored, *added)}
    return tuple(by_competency[name] for name in sorted(by_competency))


def _earliest(known: date | None, day: date) -> date:
    return day if known is None else min(known, day)


class _RecordIds(TypedDict):
    enrollment_id: UUID
    participant_id: UUID


def _ids(enrollment_id: UUID, record: TrainingRecord) -> _RecordIds:
    """What every training record event carries: the enrollment and its participant."""
    return _RecordIds(enrollment_id=enrollment_id, participant_id=record.participant_id)


def _known(state: TrainingRecord | None, enrollment_id: UUID) -> TrainingRecord:
    if state is None:
        raise TrainingRuleError(
            f"no training record for enrollment {enrollment_id}: the enrollment has not reached training yet "
            f"(if this stays refused, the id may be wrong: GET /training-records/{enrollment_id} says whether "
            "training knows it)",
            rule="enrollment-must-be-known",
            retryable=True,
        )
    return state


def _check_not_closed(record: TrainingRecord) -> None:
    match record.status:
        case TrainingStatus.COMPLETED:
            raise TrainingRuleError(
                f"training of enrollment {record.enrollment_id} is completed", rule="training-already-completed"
            )
        case TrainingStatus.DROPPED_OUT:
            raise TrainingRuleError(
                f"enrollment {record.enrollment_id} dropped out of training", rule="training-dropped-out"
            )
        case TrainingStatus.WITHDRAWN:
            raise TrainingRuleError(f"enrollment {record.enrollment_id} was withdrawn", rule="enrollment-withdrawn")


def _open(state: TrainingRecord | None, enrollment_id: UUID) -> TrainingRecord:
    record = _known(state, enrollment_id)
    _check_not_closed(record)
    return record


def _check_current_cohort(record: TrainingRecord, cohort: Cohort) -> None:
    if cohort.cohort_id != record.cohort_id:
        raise TrainingRuleError(
            f"enrollment {record.enrollment_id} is not in cohort {cohort.cohort_id}", rule="not-in-this-cohort"
        )


def _check_can_join(record: TrainingRecord, cohort: Cohort) -> None:
    if cohort.status not in OPEN_COHORT:
        raise TrainingRuleError(f"cohort {cohort.cohort_id} is {cohort.status}", rule="cohort-not-open")
    if cohort.project_id != record.project_id:
        raise TrainingRuleError(
            f"cohort {cohort.cohort_id} belongs to project {cohort.project_id}, but enrollment {record.enrollment_id} "
            f"is in project {record.project_id} (if the enrollment was transferred there, retry once that is known)",
            rule="cohort-in-another-project",
            retryable=True,
        )


def _refuse_cohort_of_another_project(record: TrainingRecord, cohort: Cohort, *, what: str) -> None:
    """The record's cohort belongs to the project the enrollment left: it must move to one of its project."""
    if cohort.project_id == record.project_id:
        return
    since = "" if record.in_project_since is None else f" on {record.in_project_since}"
    raise TrainingRuleError(
        f"cohort {cohort.cohort_id} belongs to project {cohort.project_id}, but enrollment {record.enrollment_id} "
        f"moved to project {record.project_id}{since}: {what} is refused there; move the record to a cohort of "
        f"its project first (POST /training-records/{record.enrollment_id}/cohort-transfer)",
        rule="cohort-of-another-project",
    )


def _refuse_joining_before_project(record: TrainingRecord, cohort: Cohort, joined_on: date) -> None:
    """A participant joins a cohort of their project no earlier than the enrollment came into that project."""
    refuse_if_before(
        joined_on,
        record.in_project_since,
        rule="cohort-joining-before-enrollment",
        what=f"joining cohort {cohort.cohort_id}",
        after=f"the enrollment in project {record.project_id}",
    )


def _refuse_training_end_before_enrollment(record: TrainingRecord, ended_on: date, *, what: str) -> None:
    refuse_if_before(
        ended_on, record.enrolled_on, rule="training-end-before-enrollment", what=what, after="the enrollment"
    )


def _refuse_completion_before_training(record: TrainingRecord, cohort: Cohort | None, completed_on: date) -> None:
    """Training completes no earlier than the enrollment, joining the current cohort, the first
    session the participant was expected at, and the last session of that cohort they attended."""
    _refuse_training_end_before_enrollment(record, completed_on, what="the completion")
    if record.cohort_id is not None:
        refuse_if_before(
            completed_on,
            record.joined_on,
            rule="training-end-before-joining",
            what="the completion",
            after=f"joining cohort {record.cohort_id}",
        )
    if cohort is not None:
        refuse_if_before(
            completed_on,
            _first_session_expected(record, cohort),
            rule="completion-before-first-session",
            what="the completion",
            after="the first session the participant was expected at",
        )
        refuse_if_before(
            completed_on,
            _last_session_attended(record, cohort),
            rule="completion-before-last-session-attended",
            what="the completion",
            after=f"the last session the participant attended in cohort {cohort.cohort_id}",
        )


def _first_session_expected(record: TrainingRecord, cohort: Cohort) -> date | None:
    """The day of the first session the participant was expected at, if it was in the current cohort.

    None when they were expected at sessions of an earlier cohort: training began there, before they
    joined this one (and the end of training is checked against joining).
    """
    if any(stint.expected_sessions for stint in record.past_stints):
        return None
    return cohort.first_session_on(from_day=record.joined_on)


def _last_session_attended(record: TrainingRecord, cohort: Cohort) -> date | None:
    """The day of the latest session of ``cohort`` the participant is marked present at, if any."""
    return max((s.held_on for s in cohort.sessions if record.attendance.get(s.session_id, False)), default=None)
