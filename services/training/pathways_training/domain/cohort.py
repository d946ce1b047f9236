"""A cohort follows one approved curriculum version: Planned → InProgress → Completed / Cancelled.

The cohort keeps what its participants' training records are measured against: the sessions held
(date, hours), the curriculum's competencies, hours and attendance threshold (copied from the approved
version when the cohort is planned, so a later revision of the curriculum does not change the rules
for a cohort under way; cohorts planned before the hours were copied take them from that version).

Days keep their order: a cohort starts no earlier than its curriculum version was approved, sessions
are held from the day it started, and it ends (completed or cancelled) no earlier than its start and
its last session. It may start earlier or later than planned (``starts_on`` is a plan, and plans move).

A session is not recorded twice. Every member is expected at every session, so a session typed in
twice (a paper register entered by two members of staff, one forgetting the start time) splits its
attendance and lowers everyone's rate against the completion threshold. A second session on the same
day is often real (a morning and an afternoon), so what tells sessions apart is their start time
(``starts_at``, optional): two sessions that day whose times overlap are one (a cohort holds one session
at a time). Where either has no start time, only their length can tell them apart: of the same length,
they are taken for one. A session without a start time is refused on a day that has one with a start
time (it can be given its own, and then be checked against it). A session already recorded without one
cannot be given it afterwards, so a different session of the same length that day names it as not
itself (``distinct_from``): only staff can tell.

A cohort completes while members' training records are still open, and does not wait for them: the
cohort does not know its members (each record knows its cohort; a command on the cohort would have to
find them through a read model, which may lag). Their records are finished afterwards as any other:
completed when attendance meets the curriculum's hours and threshold (attendance may still be marked or
corrected, and the completion may be dated after the cohort's), dropped out, withdrawn, or moved to
another cohort. A cancelled cohort, by contrast, completes no one (its members transfer).
``GET /cohorts/{id}`` counts the members still in training (``members_in_training``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pathways_training.domain.curriculum import Curriculum, Track, approved_version
from pathways_training.domain.errors import TrainingRuleError, refuse_if_before
from pathways_training.domain.project import KnownProject, require_known_project


class CohortStatus(StrEnum):
    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


OPEN_COHORT = (CohortStatus.PLANNED, CohortStatus.IN_PROGRESS)


@dataclass(frozen=True, kw_only=True)
class CohortPlanned:
    cohort_id: UUID
    project_id: UUID
    curriculum_id: UUID
    curriculum_version: int
    competencies: tuple[str, ...]
    attendance_threshold: float
    starts_on: date
    track: Track | None = None  # None in cohorts planned before the track was copied
    curriculum_approved_on: date | None = None  # None in cohorts planned before the approval day was copied
    curriculum_hours: Decimal | None = None  # None in cohorts planned before the curriculum's hours were copied


@dataclass(frozen=True, kw_only=True)
class CohortStarted:
    cohort_id: UUID
    started_on: date


@dataclass(frozen=True, kw_only=True)
class TrainingSessionHeld:
    cohort_id: UUID
    session_id: UUID
    held_on: date
    hours: Decimal
    starts_at: time | None = None  # None when not given, and in sessions recorded before it was kept


@dataclass(frozen=True, kw_only=True)
class CohortCompleted:
    cohort_id: UUID
    completed_on: date


@dataclass(frozen=True, kw_only=True)
class CohortCancelled:
    cohort_id: UUID
    cancelled_on: date
    reason: str


CohortEvent = CohortPlanned | CohortStarted | TrainingSessionHeld | CohortCompleted | CohortCancelled


@dataclass(frozen=True, kw_only=True)
class HeldSession:
    session_id: UUID
    held_on: date
    hours: Decimal
    starts_at: time | None = None

    def is_recorded_again_by(self, *, held_on: date, starts_at: time | None, hours: Decimal) -> bool:
        """Whether a session held on ``held_on`` (from ``starts_at``, lasting ``hours``) is this one, as far as
        can be told: with both start times, whether their times overlap (a cohort holds one session at a time);
        with either missing, whether they last as long."""
        if held_on != self.held_on:
            return False
        if starts_at is None or self.starts_at is None:
            return hours == self.hours
        begins, ends = _minute_of(starts_at), _ends_at(starts_at, hours)
        return begins < _ends_at(self.starts_at, self.hours) and _minute_of(self.starts_at) < ends

    def described(self) -> str:
        if self.starts_at is None:
            return f"session {self.session_id} lasting {self.hours} hours, without a start time"
        return f"session {self.session_id} starting at {_clock(self.starts_at)} for {self.hours} hours"


def _clock(moment: time) -> str:
    return moment.isoformat(timespec="minutes")


def _minute_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _ends_at(starts_at: time, hours: Decimal) -> Decimal:
    """The minute of the day a session starting at ``starts_at`` and lasting ``hours`` ends (may pass midnight)."""
    return _minute_of(starts_at) + hours * 60


@dataclass(frozen=True, kw_only=True)
class Cohort:
    cohort_id: UUID
    project_id: UUID
    curriculum_id: UUID
    curriculum_version: int
    competencies: tuple[str, ...]
    attendance_threshold: float = field(metadata={"description": "The attendance rate completion needs, 0 to 1."})
    starts_on: date
    track: Track | None = None
    status: CohortStatus = CohortStatus.PLANNED
    sessions: tuple[HeldSession, ...] = ()
    started_on: date | None = None
    ended_on: date | None = None
    cancellation_reason: str | None = None
    curriculum_approved_on: date | None = None
    curriculum_hours: Decimal | None = None

    def session(self, session_id: UUID) -> HeldSession | None:
        return next((s for s in self.sessions if s.session_id == session_id), None)

    @property
    def last_session_on(self) -> date | None:
        return max((s.held_on for s in self.sessions), default=None)

    def first_session_on(self, *, from_day: date | None = None) -> date | None:
        """The day of the first session held from ``from_day`` (inclusive), if any."""
        return min((s.held_on for s in self._held(from_day, None)), default=None)

    def sessions_held(self, *, from_day: date | None = None, before: date | None = None) -> frozenset[UUID]:
        """Ids of the sessions held from ``from_day`` (inclusive) and before ``before`` (exclusive)."""
        return frozenset(s.session_id for s in self._held(from_day, before))

    def _held(self, from_day: date | None, before: date | None) -> Iterator[HeldSession]:
        return (
            s
            for s in self.sessions
            if (from_day is None or s.held_on >= from_day) and (before is None or s.held_on < before)
        )


def plan_cohort(
    state: Cohort | None,
    *,
    cohort_id: UUID,
    project: KnownProject | None,
    project_id: UUID,
    curriculum: Curriculum | None,
    curriculum_id: UUID,
    curriculum_version: int,
    starts_on: date,
) -> list[CohortPlanned]:
    if state is not None:
        raise TrainingRuleError(f"cohort {cohort_id} already exists", rule="cohort-already-exists")
    require_known_project(project, project_id)
    version = approved_version(curriculum, curriculum_id=curriculum_id, version=curriculum_version)
    if curriculum is not None and curriculum.project_id != project_id:
        raise TrainingRuleError(
            f"curriculum {curriculum_id} was co-designed for project {curriculum.project_id}, not {project_id}",
            rule="curriculum-belongs-to-another-project",
        )
    return [
        CohortPlanned(
            cohort_id=cohort_id,
            project_id=project_id,
            curriculum_id=curriculum_id,
            curriculum_version=curriculum_version,
            competencies=version.content.competencies,
            attendance_threshold=version.content.attendance_threshold,
            starts_on=starts_on,
            track=version.content.track,
            curriculum_approved_on=version.approved_on,
            curriculum_hours=version.content.hours,
        )
    ]


def start_cohort(state: Cohort | None, *, cohort_id: UUID, started_on: date) -> list[CohortStarted]:
    cohort = existing_cohort(state, cohort_id)
    if cohort.status is not CohortStatus.PLANNED:
        raise TrainingRuleError(f"cohort {cohort_id} is {cohort.status}, not planned", rule="cohort-must-be-planned")
    refuse_if_before(
        started_on,
        cohort.curriculum_approved_on,
        rule="cohort-start-before-curriculum-approval",
        what=f"the start of cohort {cohort_id}",
        after=f"the approval of version {cohort.curriculum_version} of curriculum {cohort.curriculum_id}",
    )
    return [CohortStarted(cohort_id=cohort_id, started_on=started_on)]


def hold_session(
    state: Cohort | None,
    *,
    cohort_id: UUID,
    session_id: UUID,
    held_on: date,
    hours: Decimal,
    starts_at: time | None = None,
    distinct_from: Collection[UUID] = (),
) -> list[TrainingSessionHeld]:
    """Hold a session; ``distinct_from`` names sessions held that day without a start time that it is not."""
    cohort = _in_progress(state, cohort_id)
    if cohort.session(session_id) is not None:
        raise TrainingRuleError(f"session {session_id} was already held", rule="session-already-held")
    if hours <= 0:
        raise TrainingRuleError(
            f"a session lasts a positive number of hours, not {hours}", rule="session-hours-positive"
        )
    refuse_if_before(
        held_on,
        cohort.started_on,
        rule="session-before-cohort-start",
        what=f"session {session_id}",
        after=f"the start of cohort {cohort_id}",
    )
    that_day = tuple(s for s in cohort.sessions if s.held_on == held_on)
    if starts_at is None and any(s.starts_at is not None for s in that_day):
        raise _start_time_needed(cohort, held_on, that_day)
    _refuse_duplicate(cohort, that_day, held_on=held_on, starts_at=starts_at, hours=hours, distinct_from=distinct_from)
    return [
        TrainingSessionHeld(
            cohort_id=cohort_id, session_id=session_id, held_on=held_on, hours=hours, starts_at=starts_at
        )
    ]


def _start_time_needed(cohort: Cohort, held_on: date, that_day: tuple[HeldSession, ...]) -> TrainingRuleError:
    """Without its start time, a session could not be checked against those held that day with theirs."""
    held = " and ".join(s.described() for s in that_day)
    which = "that session, mark its attendance on it" if len(that_day) == 1 else "one of them, mark attendance on it"
    return TrainingRuleError(
        f"cohort {cohort.cohort_id} already held {held} on {held_on}: if this is {which}; a different session "
        "that day needs its start time (starts_at), so that the two can be told apart",
        rule="session-start-time-needed",
    )


def _refuse_duplicate(
    cohort: Cohort,
    that_day: tuple[HeldSession, ...],
    *,
    held_on: date,
    starts_at: time | None,
    hours: Decimal,
    distinct_from: Collection[UUID],
) -> None:
    same = next(
        (
            s
            for s in that_day
            if s.is_recorded_again_by(held_on=held_on, starts_at=starts_at, hours=hours)
            and not (s.starts_at is None and s.session_id in distinct_from)
        ),
        None,
    )
    if same is None:
        return
    if starts_at is not None and same.starts_at is not None:
        held = (
            f"starting at {_clock(same.starts_at)} for {same.hours} hours, which one from "
            f"{_clock(starts_at)} for {hours} hours overlaps (one session at a time)"
        )
        other = "starts once that one has ended"
    else:
        held = f"lasting {same.hours} hours, without a start time (which it cannot be given now)"
        other = f"names session {same.session_id} in distinct_from"
        if starts_at is None:
            other = f"is told apart by its start time (starts_at), and {other}"
    raise TrainingRuleError(
        f"cohort {cohort.cohort_id} already held session {same.session_id} on {held_on}, {held}: if this is "
        f"that session, mark its attendance on session {same.session_id}; a different session that day {other}",
        rule="session-duplicate",
    )


def complete_cohort(state: Cohort | None, *, cohort_id: UUID, completed_on: date) -> list[CohortCompleted]:
    cohort = _in_progress(state, cohort_id)
    if not cohort.sessions:
        raise TrainingRuleError(f"cohort {cohort_id} has held no session", rule="cohort-needs-sessions")
    _refuse_end_before_training(cohort, completed_on, what=f"the completion of cohort {cohort_id}")
    return [CohortCompleted(cohort_id=cohort_id, completed_on=completed_on)]


def cancel_cohort(state: Cohort | None, *, cohort_id: UUID, cancelled_on: date, reason: str) -> list[CohortCancelled]:
    cohort = existing_cohort(state, cohort_id)
    if cohort.status not in OPEN_COHORT:
        raise TrainingRuleError(f"cohort {cohort_id} is already {cohort.status}", rule="cohort-already-closed")
    _refuse_end_before_training(cohort, cancelled_on, what=f"the cancellation of cohort {cohort_id}")
    return [CohortCancelled(cohort_id=cohort_id, cancelled_on=cancelled_on, reason=reason)]


def evolve_cohort(state: Cohort | None, event: object) -> Cohort:
    match event:
        case CohortPlanned():
            return Cohort(
                cohort_id=event.cohort_id,
                project_id=event.project_id,
                curriculum_id=event.curriculum_id,
                curriculum_version=event.curriculum_version,
                competencies=event.competencies,
                attendance_threshold=event.attendance_threshold,
                starts_on=event.starts_on,
                track=event.track,
                curriculum_approved_on=event.curriculum_approved_on,
                curriculum_hours=event.curriculum_hours,
            )
        case CohortStarted() if state is not None:
            return replace(state, status=CohortStatus.IN_PROGRESS, started_on=event.started_on)
        case TrainingSessionHeld() if state is not None:
            held = HeldSession(
                session_id=event.session_id, held_on=event.held_on, hours=event.hours, starts_at=event.starts_at
            )
            return replace(state, sessions=(*state.sessions, held))
        case CohortCompleted() if state is not None:
            return replace(state, status=CohortStatus.COMPLETED, ended_on=event.completed_on)
        case CohortCancelled() if state is not None:
            return replace(
                state, status=CohortStatus.CANCELLED, ended_on=event.cancelled_on, cancellation_reason=event.reason
            )
    raise TypeError(f"a cohort does not follow from {type(event).__name__} at {state}")


def with_curriculum_hours(cohort: Cohort, curriculum: Curriculum | None) -> Cohort:
    """The cohort knowing its curriculum's hours: one planned before they were copied takes those of the
    version it follows (approved, so its content no longer changes)."""
    version = None if curriculum is None else curriculum.version(cohort.curriculum_version)
    if cohort.curriculum_hours is not None or version is None:
        return cohort
    return replace(cohort, curriculum_hours=version.content.hours)


def existing_cohort(state: Cohort | None, cohort_id: UUID) -> Cohort:
    """The cohort, which must exist (commands on a training record name one)."""
    if state is None:
        raise TrainingRuleError(f"there is no cohort {cohort_id}", rule="must-exist")
    return state


def _refuse_end_before_training(cohort: Cohort, ended_on: date, *, what: str) -> None:
    """A cohort ends (completed or cancelled) no earlier than it started and held its last session."""
    refuse_if_before(ended_on, cohort.started_on, rule="cohort-end-before-start", what=what, after="its start")
    refuse_if_before(
        ended_on, cohort.last_session_on, rule="cohort-end-before-last-session", what=what, after="its last session"
    )


def _in_progress(state: Cohort | None, cohort_id: UUID) -> Cohort:
    cohort = existing_cohort(state, cohort_id)
    if cohort.status is not CohortStatus.IN_PROGRESS:
        raise TrainingRuleError(
            f"cohort {cohort_id} is {cohort.status}, not in progress", rule="cohort-must-be-in-progress"
        )
    return cohort
