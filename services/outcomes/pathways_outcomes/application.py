"""Outcomes commands, one method each, and the reaction to completed training."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from pathways_contracts.enrollment import ParticipantWithdrawnV1
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_infra.commands import CommandContext, CommandRunner, Session
from pathways_infra.consumer import Inbound
from pathways_infra.http import CommandAccepted
from pathways_infra.idempotency import IdempotencyClaim, recorder_of
from pathways_outcomes.domain.case import (
    EmploymentType,
    evolve_case,
    note_dropout,
    note_withdrawal,
    record_employment,
    schedule_follow_ups,
)
from pathways_outcomes.domain.enterprise import EnterpriseKind, evolve_enterprise, start_enterprise


class RecordEmployment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    days_to_first_job: int | None = Field(default=None, ge=0)
    occurred_at: datetime | None = Field(default=None, description="When the employment was observed.")


class StartEnterprise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enterprise_id: UUID = Field(default_factory=uuid4)
    kind: EnterpriseKind
    name: str = Field(min_length=1, max_length=200)
    project_id: UUID
    enrollment_ids: list[UUID] = Field(min_length=1, description="Enrollments of the participants who start it.")
    members_count: int = Field(ge=1, description="Members in all; a community enterprise needs at least 7.")
    products: list[str] = Field(default_factory=list)
    started_on: date | None = None


def schedule_after_completion(session: Session, inbound: Inbound[TrainingCompletedV1]) -> None:
    """Reaction: completed training schedules the 3/6/12-month follow-ups."""
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: schedule_follow_ups(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            completed_on=event.occurred_at.date(),
        ),
        inbound.context(),
    )


def note_dropped_out(session: Session, inbound: Inbound[TrainingDroppedOutV1]) -> None:
    """Reaction: a dropout marks the case dropped; it gets no follow-ups and no outcomes."""
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: note_dropout(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            dropped_out_on=event.dropped_out_on,
            reason=event.reason,
        ),
        inbound.context(),
    )


def note_withdrawn_enrollment(session: Session, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    """Reaction: a withdrawn case gets no new follow-ups, and its open ones are missed."""
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: note_withdrawal(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            withdrawn_on=event.withdrawn_on,
        ),
        inbound.context(),
    )


class OutcomesApplication:
    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    async def record_employment(
        self,
        enrollment_id: UUID,
        command: RecordEmployment,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_case, enrollment_id)
            events = record_employment(
                state,
                enrollment_id=enrollment_id,
                employment_type=command.employment_type,
                related_to_training=command.related_to_training,
                monthly_income_thb=command.monthly_income_thb,
                days_to_first_job=command.days_to_first_job,
            )
            return CommandAccepted.of(session.append(evolve_case, enrollment_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))

    async def start_enterprise(
        self, command: StartEnterprise, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            cases = [
                (enrollment_id, session.load(evolve_case, enrollment_id)[0]) for enrollment_id in command.enrollment_ids
            ]
            state, _ = session.load(evolve_enterprise, command.enterprise_id)
            events = start_enterprise(
                state,
                enterprise_id=command.enterprise_id,
                kind=command.kind,
                name=command.name,
                project_id=command.project_id,
                participant_cases=cases,
                members_count=command.members_count,
                started_on=command.started_on or session.now.date(),
                products=command.products,
            )
            return CommandAccepted.of(session.append(evolve_enterprise, command.enterprise_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))
