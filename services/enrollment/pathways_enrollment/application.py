"""Enrollment commands, one method each. Runs domain decisions through the command runner."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4, uuid5

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pathways_contracts.reference import normalise_province_iso, province_by_iso, region_of
from pathways_enrollment.domain.enrollment import WithdrawalReason, enroll, evolve_enrollment, withdraw
from pathways_enrollment.domain.errors import UnknownAggregateError
from pathways_enrollment.domain.participant import (
    Sex,
    evolve_participant,
    register_participant,
)
from pathways_enrollment.domain.project import evolve_project, register_project
from pathways_infra.commands import CommandContext, CommandRunner, Session
from pathways_infra.http import CommandAccepted
from pathways_infra.idempotency import IdempotencyClaim, recorder_of

ENROLLMENT_IDS = UUID("6f1f8a52-3c8e-4c43-9d8e-2f0a7b1c5e11")


class RegisterProject(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project_id: UUID = Field(default_factory=uuid4)
    name: str = Field(min_length=1, max_length=200)
    province_code: str = Field(description="ISO 3166-2:TH code, e.g. TH-50 (Chiang Mai).", examples=["TH-50"])
    unit_id: UUID | None = None

    @field_validator("province_code")
    @classmethod
    def known_province(cls, code: str) -> str:
        return normalise_province_iso(code)


class RegisterParticipant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID = Field(default_factory=uuid4)
    sex: Sex
    birth_year: int = Field(ge=1900, le=2100)


class WithdrawEnrollment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: WithdrawalReason
    withdrawn_on: date | None = Field(default=None, description="When the case was withdrawn; defaults to today.")


class EnrollParticipant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: UUID
    project_id: UUID


def enrollment_id_for(participant_id: UUID, project_id: UUID) -> UUID:
    """One enrollment per participant and project, so a retried enroll cannot enroll twice."""
    return uuid5(ENROLLMENT_IDS, f"{participant_id}:{project_id}")


class EnrollmentApplication:
    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    async def register_project(
        self, command: RegisterProject, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        province = province_by_iso(command.province_code)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_project, command.project_id)
            events = register_project(
                state,
                project_id=command.project_id,
                name=command.name,
                province_code=province.iso,
                region=region_of(province.iso),
                unit_id=command.unit_id,
            )
            return CommandAccepted.of(session.append(evolve_project, command.project_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))

    async def register_participant(
        self, command: RegisterParticipant, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_participant, command.participant_id)
            events = register_participant(
                state, participant_id=command.participant_id, sex=command.sex, birth_year=command.birth_year
            )
            return CommandAccepted.of(session.append(evolve_participant, command.participant_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))

    async def enroll_participant(
        self, command: EnrollParticipant, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        enrollment_id = enrollment_id_for(command.participant_id, command.project_id)

        def job(session: Session) -> CommandAccepted:
            participant, _ = session.load(evolve_participant, command.participant_id)
            project, _ = session.load(evolve_project, command.project_id)
            state, _ = session.load(evolve_enrollment, enrollment_id)
            events = enroll(
                state,
                enrollment_id=enrollment_id,
                participant=participant,
                participant_id=command.participant_id,
                project=project,
                project_id=command.project_id,
            )
            return CommandAccepted.of(session.append(evolve_enrollment, enrollment_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))

    async def withdraw_enrollment(
        self,
        enrollment_id: UUID,
        command: WithdrawEnrollment,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(evolve_enrollment, enrollment_id)
            if state is None:
                raise UnknownAggregateError(f"enrollment {enrollment_id} is not known")
            withdrawn_on = command.withdrawn_on or session.now.date()
            events = withdraw(state, reason=command.reason, withdrawn_on=withdrawn_on)
            return CommandAccepted.of(session.append(evolve_enrollment, enrollment_id, events, context))

        return await self._runner.run(job, idempotent=recorder_of(idempotency))
