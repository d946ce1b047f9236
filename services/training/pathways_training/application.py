"""Training commands, one method each: curricula, cohorts and participants' training records.

Each command is a job on the command runner: it loads the aggregates it needs, lets the domain
decide, and appends what was decided. A job may change several aggregates (a session held and the
attendance at it); they commit together or not at all. Days the user gives (``..._on``) default to
today and may be in the past; the day a participant joins a cohort defaults instead to the first day
they could have been in it (``default_joining_day``), so no session held before the assignment was
recorded is left out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import Field, model_validator

from pathways_infra.command_model import ClockTime, CommandModel, MayBeLater, day_of_fact
from pathways_infra.commands import Appended, CommandContext, CommandRunner, Job, Session
from pathways_infra.decisions import decide
from pathways_infra.http import CommandAccepted
from pathways_infra.idempotency import IdempotencyClaim
from pathways_training.domain.cohort import (
    Cohort,
    cancel_cohort,
    complete_cohort,
    evolve_cohort,
    existing_cohort,
    hold_session,
    plan_cohort,
    start_cohort,
    with_curriculum_hours,
)
from pathways_training.domain.curriculum import (
    DEFAULT_ATTENDANCE_THRESHOLD,
    Track,
    approve_curriculum,
    co_design,
    draft_curriculum,
    evolve_curriculum,
    existing_curriculum,
    retire_curriculum,
    revise_curriculum,
)
from pathways_training.domain.project import evolve_project
from pathways_training.domain.training import (
    AssessmentPhase,
    DropoutReason,
    TrainingRecord,
    TrainingRuleError,
    assess_skills,
    assessed_cohort_id,
    assign_to_cohort,
    attendance_cohort_id,
    complete,
    current_cohort_id,
    default_joining_day,
    drop_out,
    earlier_cohort_ids,
    evolve_record,
    record_attendance,
    session_refused_for,
    transfer_to_cohort,
)

A = TypeVar("A", bound=CommandAccepted)

Day = Annotated[
    date | None, Field(description="The day it happened; defaults to today. May be in the past, not the future.")
]
JoiningDay = Annotated[
    date | None,
    Field(
        description=(
            "The day the participant joined (sessions held from it count); may be in the past, not the future. "
            "Defaults to the first day they could have been in the cohort: the later of its start (its planned "
            "start if it has not started, but not after today) and the day the enrollment came into the project."
        )
    ),
]


MAX_VERSION = 1_000_000


class _Command(CommandModel):
    """The body of a command of this service."""


# --- curricula ---


class CurriculumContentFields(_Command):
    title: str = Field(min_length=1, max_length=200)
    track: Track
    competencies: list[str] = Field(
        min_length=1, description="What participants learn; each listed once (pre/post assessments score them)."
    )
    hours: Decimal = Field(gt=0, max_digits=7, decimal_places=2, description="Hours of training in all.")
    attendance_threshold: float = Field(
        default=DEFAULT_ATTENDANCE_THRESHOLD,
        gt=0,
        le=1,
        description=(
            "Share of the hours a participant must attend to complete, of the curriculum's hours and of the hours "
            "of the sessions they were expected at; 0.8 unless given."
        ),
    )

    def content(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "track": self.track,
            "competencies": self.competencies,
            "hours": self.hours,
            "attendance_threshold": self.attendance_threshold,
        }


class DraftCurriculum(CurriculumContentFields):
    curriculum_id: UUID = Field(default_factory=uuid4)
    project_id: UUID = Field(description="A project opened in the enrollment service.")
    drafted_on: Day = None


class ReviseCurriculum(CurriculumContentFields):
    """The whole content of the revised version (it replaces the draft, or opens the next version)."""

    revised_on: Day = None


class CoDesignCurriculum(_Command):
    version: int = Field(ge=1, le=MAX_VERSION, description="The draft version that was co-designed.")
    community: str = Field(min_length=1, max_length=200, description="Who co-designed it, e.g. a community group.")
    co_designed_on: Day = None
    needs_assessment_id: UUID | None = Field(default=None, description="The community needs assessment it answers.")


class ApproveCurriculum(_Command):
    version: int = Field(ge=1, le=MAX_VERSION, description="The co-designed version approved.")
    approved_on: Day = None


class RetireCurriculum(_Command):
    version: int = Field(ge=1, le=MAX_VERSION, description="The approved version retired.")
    retired_on: Day = None


# --- cohorts ---


class PlanCohort(_Command):
    cohort_id: UUID = Field(default_factory=uuid4)
    project_id: UUID
    curriculum_id: UUID
    curriculum_version: int = Field(
        ge=1, le=MAX_VERSION, description="An approved version; the cohort keeps its rules."
    )
    starts_on: Annotated[date, MayBeLater] = Field(description="The planned first day (may be later than today).")


class StartCohort(_Command):
    started_on: Day = None


class HoldSession(_Command):
    session_id: UUID = Field(default_factory=uuid4)
    held_on: date = Field(description="The day the session was held (not before the cohort started).")
    hours: Decimal = Field(gt=0, le=24, max_digits=5, decimal_places=2, description="Hours the session lasted.")
    starts_at: ClockTime | None = Field(
        default=None,
        description=(
            "When the session began, HH:MM on the unit's clock. Tells apart two sessions held the same day: "
            "without it, a second session that day of the same length is refused as the first recorded twice, "
            "and so is any session on a day with one recorded with its start time."
        ),
    )
    distinct_from: list[UUID] = Field(
        default_factory=list,
        max_length=50,
        description=(
            "Sessions held the same day without a start time that this one is not, as staff know: one recorded "
            "without its start time cannot be given it afterwards, so a session of the same length that day is "
            "otherwise refused as that one recorded twice."
        ),
    )
    attended: list[UUID] = Field(
        default_factory=list,
        max_length=5000,
        description="Enrollment ids of the members present; members not listed were absent.",
    )


class AssignMembers(_Command):
    enrollment_ids: list[UUID] = Field(min_length=1, max_length=5000)
    assigned_on: JoiningDay = None


class CompleteCohort(_Command):
    completed_on: Day = None


class CancelCohort(_Command):
    reason: str = Field(min_length=1, max_length=500)
    cancelled_on: Day = None


# --- training records ---


class AssignToCohort(_Command):
    cohort_id: UUID
    assigned_on: JoiningDay = None


class TransferToCohort(_Command):
    to_cohort_id: UUID
    transferred_on: Day = None


class RecordAttendance(_Command):
    session_id: UUID = Field(description="A session the participant's cohort held.")
    attended: bool = Field(default=True, description="Present (true) or absent (false); a new mark corrects.")


class AssessSkills(_Command):
    phase: AssessmentPhase = Field(description="PRE before training, POST after (a POST needs a PRE).")
    scores: dict[str, Decimal] = Field(
        min_length=1,
        description=(
            "Score from 0 to 100 per competency of the cohort's curriculum; a phase may be scored in parts, "
            "each competency once."
        ),
    )
    assessed_on: Day = None


class CompleteTraining(_Command):
    completed_on: Day = None
    attendance_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description=(
            "Only for a participant in no cohort (the first release's flow). In a cohort, the hours attended are "
            "counted from the sessions held and must reach the curriculum's threshold of its hours and of the "
            "hours held for the participant."
        ),
    )
    occurred_at: datetime | None = Field(default=None, description="When training ended; defaults to the day's start.")

    @model_validator(mode="after")
    def _one_day(self) -> Self:
        self.completed_on = day_of_fact(self.completed_on, self.occurred_at, day_field="completed_on")
        return self


class DropOut(_Command):
    reason: DropoutReason
    dropped_out_on: date | None = Field(default=None, description="When the participant left; defaults to today.")


# --- answers of commands that change several aggregates ---


class SessionRecorded(CommandAccepted):
    """The cohort's new version; ``event_ids`` are the session's and every attendance mark's."""

    session_id: UUID
    attended: int = Field(description="Members marked present.")


class CurriculumRevision(CommandAccepted):
    """The curriculum's new ``version`` (the aggregate's, for ``If-Match``), and the curriculum version revised."""

    curriculum_version: int = Field(
        description=(
            "The curriculum version the revision drafted or replaced: the newest version after it (the one "
            "to co-design and approve next)."
        )
    )


class MembersAssigned(CommandAccepted):
    """The cohort's version; ``event_ids`` are the assignments recorded (members already in it add none)."""

    assigned: int = Field(description="Participants who joined the cohort with this command.")


class TrainingApplication:
    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    async def _run(self, job: Job[A], idempotency: IdempotencyClaim | None) -> A:
        return await self._runner.run(job, idempotent=idempotency)

    # --- curricula ---

    async def draft_curriculum(
        self, command: DraftCurriculum, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            project, _ = session.load(evolve_project, command.project_id)
            decision = session.decide(
                evolve_curriculum,
                command.curriculum_id,
                lambda state: draft_curriculum(
                    state,
                    curriculum_id=command.curriculum_id,
                    project=project,
                    project_id=command.project_id,
                    drafted_on=command.drafted_on or session.today,
                    **command.content(),
                ),
                context,
            )
            return CommandAccepted.of(decision)

        return await self._run(job, idempotency)

    async def revise_curriculum(
        self,
        curriculum_id: UUID,
        command: ReviseCurriculum,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CurriculumRevision:
        def job(session: Session) -> CurriculumRevision:
            revised = session.decide(
                evolve_curriculum,
                curriculum_id,
                lambda state: revise_curriculum(
                    state,
                    curriculum_id=curriculum_id,
                    revised_on=command.revised_on or session.today,
                    **command.content(),
                ),
                context,
            )
            return CurriculumRevision(
                id=curriculum_id,
                version=revised.version,
                event_ids=revised.event_ids,
                curriculum_version=existing_curriculum(revised.state, curriculum_id).latest.version,
            )

        return await self._run(job, idempotency)

    async def co_design_curriculum(
        self,
        curriculum_id: UUID,
        command: CoDesignCurriculum,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_curriculum,
            curriculum_id,
            lambda session: lambda state: co_design(
                state,
                curriculum_id=curriculum_id,
                version=command.version,
                community=command.community,
                co_designed_on=command.co_designed_on or session.today,
                needs_assessment_id=command.needs_assessment_id,
            ),
            context,
            idempotency,
        )

    async def approve_curriculum(
        self,
        curriculum_id: UUID,
        command: ApproveCurriculum,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_curriculum,
            curriculum_id,
            lambda session: lambda state: approve_curriculum(
                state,
                curriculum_id=curriculum_id,
                version=command.version,
                approved_on=command.approved_on or session.today,
            ),
            context,
            idempotency,
        )

    async def retire_curriculum(
        self,
        curriculum_id: UUID,
        command: RetireCurriculum,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_curriculum,
            curriculum_id,
            lambda session: lambda state: retire_curriculum(
                state,
                curriculum_id=curriculum_id,
                version=command.version,
                retired_on=command.retired_on or session.today,
            ),
            context,
            idempotency,
        )

    # --- cohorts ---

    async def plan_cohort(
        self, command: PlanCohort, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            project, _ = session.load(evolve_project, command.project_id)
            curriculum, _ = session.load(evolve_curriculum, command.curriculum_id)
            decision = session.decide(
                evolve_cohort,
                command.cohort_id,
                lambda state: plan_cohort(
                    state,
                    cohort_id=command.cohort_id,
                    project=project,
                    project_id=command.project_id,
                    curriculum=curriculum,
                    curriculum_id=command.curriculum_id,
                    curriculum_version=command.curriculum_version,
                    starts_on=command.starts_on,
                ),
                context,
            )
            return CommandAccepted.of(decision)

        return await self._run(job, idempotency)

    async def start_cohort(
        self,
        cohort_id: UUID,
        command: StartCohort,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_cohort,
            cohort_id,
            lambda session: lambda state: start_cohort(
                state, cohort_id=cohort_id, started_on=command.started_on or session.today
            ),
            context,
            idempotency,
        )

    async def hold_session(
        self,
        cohort_id: UUID,
        command: HoldSession,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> SessionRecorded:
        """The session and the attendance of every member present, in one transaction."""

        def job(session: Session) -> SessionRecorded:
            held = session.decide(
                evolve_cohort,
                cohort_id,
                lambda state: hold_session(
                    state,
                    cohort_id=cohort_id,
                    session_id=command.session_id,
                    held_on=command.held_on,
                    hours=command.hours,
                    starts_at=command.starts_at,
                    distinct_from=frozenset(command.distinct_from),
                ),
                context,
            )
            cohort = existing_cohort(held.state, cohort_id)
            present = list(dict.fromkeys(command.attended))
            marks = [
                _mark_present(session, enrollment_id, cohort, command.session_id, _members_of(context))
                for enrollment_id in present
            ]
            return SessionRecorded(
                id=cohort_id,
                version=held.version,
                event_ids=[*held.event_ids, *(event_id for mark in marks for event_id in mark.event_ids)],
                session_id=command.session_id,
                attended=len(present),
            )

        return await self._run(job, idempotency)

    async def assign_members(
        self,
        cohort_id: UUID,
        command: AssignMembers,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> MembersAssigned:
        """Many participants join the cohort at once: all of them, or (a rule broken) none."""

        def job(session: Session) -> MembersAssigned:
            checked = session.append(evolve_cohort, cohort_id, [], context)  # If-Match applies to the cohort
            cohort = existing_cohort(checked.state, cohort_id)
            assignments = [
                _assign(session, enrollment_id, cohort, command.assigned_on, _members_of(context))
                for enrollment_id in dict.fromkeys(command.enrollment_ids)
            ]
            return MembersAssigned(
                id=cohort_id,
                version=checked.version,
                event_ids=[event_id for assignment in assignments for event_id in assignment.event_ids],
                assigned=sum(1 for assignment in assignments if assignment.event_ids),
            )

        return await self._run(job, idempotency)

    async def complete_cohort(
        self,
        cohort_id: UUID,
        command: CompleteCohort,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_cohort,
            cohort_id,
            lambda session: lambda state: complete_cohort(
                state, cohort_id=cohort_id, completed_on=command.completed_on or session.today
            ),
            context,
            idempotency,
        )

    async def cancel_cohort(
        self,
        cohort_id: UUID,
        command: CancelCohort,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        return await decide(
            self._runner,
            evolve_cohort,
            cohort_id,
            lambda session: lambda state: cancel_cohort(
                state,
                cohort_id=cohort_id,
                cancelled_on=command.cancelled_on or session.today,
                reason=command.reason,
            ),
            context,
            idempotency,
        )

    # --- training records ---

    async def assign_to_cohort(
        self,
        enrollment_id: UUID,
        command: AssignToCohort,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            cohort = _cohort(session, command.cohort_id)
            return CommandAccepted.of(_assign(session, enrollment_id, cohort, command.assigned_on, context))

        return await self._run(job, idempotency)

    async def transfer_to_cohort(
        self,
        enrollment_id: UUID,
        command: TransferToCohort,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            record, from_cohort = _record_in_cohort(session, enrollment_id)
            to_cohort = _cohort(session, command.to_cohort_id)
            events = transfer_to_cohort(
                record,
                enrollment_id=enrollment_id,
                from_cohort=from_cohort,
                to_cohort=to_cohort,
                transferred_on=command.transferred_on or session.today,
            )
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._run(job, idempotency)

    async def record_attendance(
        self,
        enrollment_id: UUID,
        command: RecordAttendance,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            record, _ = session.load(evolve_record, enrollment_id)
            cohort_id = attendance_cohort_id(record, enrollment_id=enrollment_id, session_id=command.session_id)
            events = record_attendance(
                record,
                enrollment_id=enrollment_id,
                cohort=_cohort(session, cohort_id),
                session_id=command.session_id,
                attended=command.attended,
            )
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._run(job, idempotency)

    async def assess_skills(
        self,
        enrollment_id: UUID,
        command: AssessSkills,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            record, _ = session.load(evolve_record, enrollment_id)
            cohort = _cohort(session, assessed_cohort_id(record, enrollment_id=enrollment_id))
            events = assess_skills(
                record,
                enrollment_id=enrollment_id,
                cohort=cohort,
                phase=command.phase,
                scores=command.scores,
                assessed_on=command.assessed_on or session.today,
            )
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._run(job, idempotency)

    async def complete_training(
        self,
        enrollment_id: UUID,
        command: CompleteTraining,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            record, _ = session.load(evolve_record, enrollment_id)
            cohort = _cohort_of(session, record)
            events = complete(
                record,
                enrollment_id=enrollment_id,
                attendance_rate=command.attendance_rate,
                cohort=None if cohort is None else _with_curriculum_hours(session, cohort),
                earlier_cohorts=[] if record is None else [_cohort(session, c) for c in earlier_cohort_ids(record)],
                completed_on=command.completed_on or session.today,
            )
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._run(job, idempotency)

    async def drop_out(
        self,
        enrollment_id: UUID,
        command: DropOut,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_record, enrollment_id)
            left_on = command.dropped_out_on or session.today
            events = drop_out(state, enrollment_id=enrollment_id, reason=command.reason, dropped_out_on=left_on)
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._run(job, idempotency)


def _cohort(session: Session, cohort_id: UUID) -> Cohort:
    return existing_cohort(session.load(evolve_cohort, cohort_id)[0], cohort_id)


def _cohort_of(session: Session, record: TrainingRecord | None) -> Cohort | None:
    """The cohort the record is in, if any."""
    if record is None or record.cohort_id is None:
        return None
    return _cohort(session, record.cohort_id)


def _with_curriculum_hours(session: Session, cohort: Cohort) -> Cohort:
    """The cohort with its curriculum's hours, read from the curriculum only for cohorts planned before they
    were copied onto them."""
    if cohort.curriculum_hours is not None:
        return cohort
    return with_curriculum_hours(cohort, session.load(evolve_curriculum, cohort.curriculum_id)[0])


def _record_in_cohort(session: Session, enrollment_id: UUID) -> tuple[TrainingRecord | None, Cohort]:
    """An open record and the cohort it is in (a cohort transfer moves it from there)."""
    record, _ = session.load(evolve_record, enrollment_id)
    return record, _cohort(session, current_cohort_id(record, enrollment_id=enrollment_id))


def _members_of(context: CommandContext) -> CommandContext:
    """A cohort command's context for its members' records: If-Match was about the cohort, not them."""
    return replace(context, expected_version=None)


def _assign(
    session: Session, enrollment_id: UUID, cohort: Cohort, assigned_on: date | None, context: CommandContext
) -> Appended[TrainingRecord]:
    """Join the cohort on ``assigned_on``, or (none given) on the first day the participant could have been in it."""
    return session.decide(
        evolve_record,
        enrollment_id,
        lambda record: assign_to_cohort(
            record,
            enrollment_id=enrollment_id,
            cohort=cohort,
            assigned_on=assigned_on or default_joining_day(record, cohort, today=session.today),
        ),
        context,
    )


def _mark_present(
    session: Session, enrollment_id: UUID, cohort: Cohort, session_id: UUID, context: CommandContext
) -> Appended[TrainingRecord]:
    try:
        return session.decide(
            evolve_record,
            enrollment_id,
            lambda record: record_attendance(record, enrollment_id=enrollment_id, cohort=cohort, session_id=session_id),
            context,
        )
    except TrainingRuleError as refused:
        raise session_refused_for(refused, session_id=session_id, enrollment_id=enrollment_id) from refused
