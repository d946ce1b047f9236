"""Training commands, one method each."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pathways_contracts.enrollment import ParticipantEnrolledV1, ParticipantWithdrawnV1
from pathways_infra.commands import CommandContext, CommandRunner, Session
from pathways_infra.consumer import Inbound
from pathways_infra.http import CommandAccepted
from pathways_infra.idempotency import IdempotencyClaim, recorder_of
from pathways_training.domain.training import (
    DropoutReason,
    complete,
    drop_out,
    evolve_record,
    open_record,
    withdraw_record,
)


class CompleteTraining(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attendance_rate: float = Field(ge=0, le=1, description="Share of sessions attended, 0 to 1.")
    occurred_at: datetime | None = Field(default=None, description="When training ended; defaults to now.")


class DropOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: DropoutReason
    dropped_out_on: date | None = Field(default=None, description="When the participant left; defaults to today.")


def open_training_record(session: Session, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    """Reaction: an enrollment elsewhere opens a training record here."""
    event = inbound.event
    state, _ = session.load(evolve_record, event.enrollment_id)
    events = open_record(
        state, enrollment_id=event.enrollment_id, participant_id=event.participant_id, project_id=event.project_id
    )
    session.append(evolve_record, event.enrollment_id, events, inbound.context())


def close_on_withdrawal(session: Session, inbound: Inbound[ParticipantWithdrawnV1]) -> None:
    """Reaction: a withdrawn enrollment closes its open training record (none if it never reached training)."""
    event = inbound.event
    state, _ = session.load(evolve_record, event.enrollment_id)
    if state is None:
        return
    events = withdraw_record(state, enrollment_id=event.enrollment_id, withdrawn_on=event.withdrawn_on)
    session.append(evolve_record, event.enrollment_id, events, inbound.context())


class TrainingApplication:
    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    async def complete_training(
        self,
        enrollment_id: UUID,
        command: CompleteTraining,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_record, enrollment_id)
            events = complete(state, enrollment_id=enrollment_id, attendance_rate=command.attendance_rate)
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))

    async def drop_out(
        self,
        enrollment_id: UUID,
        command: DropOut,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_record, enrollment_id)
            left_on = command.dropped_out_on or session.now.date()
            events = drop_out(state, enrollment_id=enrollment_id, reason=command.reason, dropped_out_on=left_on)
            return CommandAccepted.of(session.append(evolve_record, enrollment_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))
