"""Outcomes commands, one method each, and the reactions to other services' events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID, uuid4

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pathways_contracts.enrollment import (
    BaselineCorrectedV1,
    FollowUpConsentChangedV1,
    ParticipantEnrolledV1,
    ParticipantErasedV1,
    ParticipantTransferredV1,
    ParticipantWithdrawnV1,
    ProjectOpenedV1,
    ProjectProposedV1,
    ProjectRenamedV1,
)
from pathways_contracts.training import TrainingCompletedV1, TrainingDroppedOutV1
from pathways_infra.command_model import CommandModel, day_of_fact
from pathways_infra.commands import CommandContext, CommandRunner, Session
from pathways_infra.consumer import Inbound
from pathways_infra.decisions import decide
from pathways_infra.http import CommandAccepted
from pathways_infra.idempotency import IdempotencyClaim
from pathways_infra.thai_time import thai_day
from pathways_outcomes.domain.case import (
    Case,
    ClosureReason,
    EmploymentType,
    close_case,
    complete_follow_up,
    evolve_case,
    mark_follow_up_missed,
    note_baseline_correction,
    note_baseline_income,
    note_dropout,
    note_follow_up_consent,
    note_transfer,
    note_withdrawal,
    observe_income,
    record_employment,
    schedule_follow_ups,
)
from pathways_outcomes.domain.enterprise import (
    Enterprise,
    EnterpriseKind,
    add_product,
    begin_operating,
    count_members,
    dissolve_enterprise,
    evolve_enterprise,
    go_dormant,
    join_enterprise,
    open_online_sales_channel,
    register_enterprise,
    start_enterprise,
)
from pathways_outcomes.domain.erasure import evolve_erasure_notice, note_erasure
from pathways_outcomes.domain.follow_ups import MissedReason
from pathways_outcomes.domain.project_reference import (
    evolve_project_reference,
    note_new_project_name,
    note_project,
    note_project_name,
)

Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z][A-Z0-9_]*$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]


def _today_if_none(day: date | None, session: Session) -> date:
    return day if day is not None else session.today


MAX_MEMBERS = 100_000


class _Command(CommandModel):
    """The body of a command of this service."""


class RecordEmployment(_Command):
    employment_type: EmploymentType
    related_to_training: bool
    monthly_income_thb: Money
    days_to_first_job: int | None = Field(default=None, ge=0, le=3650, description="At most ten years.")
    follow_up_month: int | None = Field(
        default=None, ge=3, le=12, description="The completed follow-up (3, 6 or 12) it was learned at."
    )
    observed_on: date | None = None
    occurred_at: datetime | None = Field(default=None, description="When the employment was observed.")

    @model_validator(mode="after")
    def _one_day(self) -> Self:
        self.observed_on = day_of_fact(self.observed_on, self.occurred_at, day_field="observed_on")
        return self


class CompleteFollowUp(_Command):
    """The participant's answers at a follow-up: working or not, and their monthly income now."""

    completed_on: date | None = Field(default=None, description="When they answered; defaults to today.")
    employment_type: EmploymentType | None = Field(
        default=None,
        description="WAGE or SELF_EMPLOYED when working; leave out when not working (the case then shows the "
        "participant out of work from this answer on, until an employment is recorded).",
    )
    related_to_training: bool | None = Field(default=None, description="Required with employment_type.")
    days_to_first_job: int | None = Field(default=None, ge=0, le=3650, description="At most ten years.")
    monthly_income_thb: Money | None = Field(
        default=None, description="Monthly income now: recorded as the income observed at this follow-up."
    )
    income_source: Code = Field(default="SELF_REPORTED", description="SELF_REPORTED, EMPLOYER, BUSINESS_RECORDS, ...")
    occurred_at: datetime | None = None

    @model_validator(mode="after")
    def _one_day(self) -> Self:
        self.completed_on = day_of_fact(self.completed_on, self.occurred_at, day_field="completed_on")
        return self

    @model_validator(mode="after")
    def _employment_is_complete(self) -> Self:
        if self.employment_type is not None:
            missing = [name for name in _EMPLOYMENT_NEEDS if getattr(self, name) is None]
            if missing:
                raise _missing_with_employment_type(type(self).__name__, missing)
        if self.employment_type is None and (
            self.related_to_training is not None or self.days_to_first_job is not None
        ):
            raise ValueError("related_to_training and days_to_first_job describe an employment: give employment_type")
        return self


_EMPLOYMENT_NEEDS = ("related_to_training", "monthly_income_thb")


def _missing_with_employment_type(title: str, missing: list[str]) -> ValidationError:
    """Each field left out, at its own place: the caller is told what to add, not what was already given."""
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError("missing", "{field} is required with employment_type", {"field": name}),
                loc=(name,),
                input=None,
            )
            for name in missing
        ],
    )


class MissFollowUp(_Command):
    reason: MissedReason = Field(description="NO_RESPONSE, REFUSED, UNREACHABLE or MOVED_AWAY.")
    missed_on: date | None = Field(default=None, description="Defaults to today.")


class ObserveIncome(_Command):
    monthly_income_thb: Money
    observed_on: date | None = Field(default=None, description="Defaults to today.")
    source: Code = Field(default="SELF_REPORTED", description="SELF_REPORTED, EMPLOYER, BUSINESS_RECORDS, ...")
    at_month: int | None = Field(
        default=None,
        ge=0,
        le=12,
        description="0 (baseline, only when enrollment reported none), 3, 6 or 12; "
        "defaults to the latest completed follow-up.",
    )


class CloseCase(_Command):
    reason: ClosureReason
    closed_on: date | None = Field(default=None, description="Defaults to today.")


class StartEnterprise(_Command):
    enterprise_id: UUID = Field(default_factory=uuid4)
    kind: EnterpriseKind
    name: Label
    project_id: UUID
    enrollment_ids: list[UUID] = Field(min_length=1, description="Enrollments of the participants who start it.")
    members_count: int = Field(
        ge=1, le=MAX_MEMBERS, description="Members in all; a community enterprise needs at least 7."
    )
    products: list[Label] = Field(default_factory=list)
    started_on: date | None = None


class JoinEnterprise(_Command):
    enrollment_id: UUID = Field(
        description="The enrollment of a participant whose training completed in the enterprise's project."
    )
    joined_on: date | None = None


class CountMembers(_Command):
    members_count: int = Field(
        ge=1, le=MAX_MEMBERS, description="Members in all, participants of the programme or not."
    )
    counted_on: date | None = None


class AddProduct(_Command):
    product: Label
    added_on: date | None = None


class OpenOnlineSalesChannel(_Command):
    channel: Label = Field(description="Where it sells online: a marketplace, a shop page, a chat shop.")
    opened_on: date | None = None


class RegisterEnterprise(_Command):
    registration_number: Label
    registered_on: date | None = None


class BeginOperating(_Command):
    began_on: date | None = None


class GoDormant(_Command):
    dormant_on: date | None = None


class DissolutionReason(StrEnum):
    NOT_VIABLE = "NOT_VIABLE"
    MEMBERS_LEFT = "MEMBERS_LEFT"
    MERGED = "MERGED"
    OTHER = "OTHER"


class DissolveEnterprise(_Command):
    reason: DissolutionReason
    dissolved_on: date | None = None


# --- reactions to other services' events ---


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
            completed_on=event.completed_on or thai_day(event.occurred_at),
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


def note_project_proposed(session: Session, inbound: Inbound[ProjectProposedV1]) -> None:
    """Reaction: the proposal's name is kept for the project's place."""
    event = inbound.event
    session.decide(
        evolve_project_reference,
        event.project_id,
        lambda state: note_project_name(state, project_id=event.project_id, name=event.name),
        inbound.context(),
    )


def note_project_opened(session: Session, inbound: Inbound[ProjectOpenedV1]) -> None:
    """Reaction: a project's place goes out to integrators, to whom outcomes events name it by id alone."""
    event = inbound.event
    session.decide(
        evolve_project_reference,
        event.project_id,
        lambda state: note_project(
            state,
            project_id=event.project_id,
            name=event.name,
            province_code=event.province_code,
            region=event.region,
            opened_on=event.opened_on,
        ),
        inbound.context(),
    )


def note_project_renamed(session: Session, inbound: Inbound[ProjectRenamedV1]) -> None:
    """Reaction: integrators learn a project's new name with its place (at once if it opened, else when it does)."""
    event = inbound.event
    session.decide(
        evolve_project_reference,
        event.project_id,
        lambda state: note_new_project_name(state, project_id=event.project_id, name=event.name),
        inbound.context(),
    )


def note_participant_erased(session: Session, inbound: Inbound[ParticipantErasedV1]) -> None:
    """Reaction: an erased participant's notice goes out to integrators, who may hold what outcomes told them."""
    event = inbound.event
    session.decide(
        evolve_erasure_notice,
        event.participant_id,
        lambda state: note_erasure(state, participant_id=event.participant_id, erased_on=event.erased_on),
        inbound.context(),
    )


def note_enrollment_baseline(session: Session, inbound: Inbound[ParticipantEnrolledV1]) -> None:
    """Reaction: the baseline enrollment measured is what incomes are compared with; its day bounds
    the outcomes recorded for the case.

    It may come before training completion opens the case, or after: either way it is kept.
    """
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: note_baseline_income(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            monthly_income_thb=event.baseline_monthly_income_thb,
            employment_status=event.baseline_employment_status,
            informal_worker=event.informal_worker,
            covid_affected=event.covid_affected,
            enrolled_on=event.enrolled_on,
        ),
        inbound.context(),
    )
    # None: enrolled before enrollment told it. A consent with an end is noted with its last day.
    if event.follow_up_consented is False or event.follow_up_consent_until is not None:
        noted_on = event.enrolled_on or thai_day(event.occurred_at)
        _note_follow_up_consent(
            session,
            inbound,
            event.enrollment_id,
            consented=bool(event.follow_up_consented),
            noted_on=noted_on,
            valid_until=event.follow_up_consent_until,
        )


def note_baseline_corrected(session: Session, inbound: Inbound[BaselineCorrectedV1]) -> None:
    """Reaction: enrollment corrected the baseline after enrollment; incomes are compared with the corrected
    one from now on."""
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: note_baseline_correction(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            monthly_income_thb=event.baseline_monthly_income_thb,
            employment_status=event.baseline_employment_status,
            informal_worker=event.informal_worker,
            covid_affected=event.covid_affected,
            corrected_on=event.corrected_on,
        ),
        inbound.context(),
    )


def note_transferred(session: Session, inbound: Inbound[ParticipantTransferredV1]) -> None:
    """Reaction: the programme counts a transferred case where it moved; integrators, who count it by the project
    outcomes events name, are told once the case has opened."""
    event = inbound.event
    session.decide(
        evolve_case,
        event.enrollment_id,
        lambda state: note_transfer(
            state,
            enrollment_id=event.enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            province_code=event.province_code,
            region=event.region,
            from_project_id=event.from_project_id,
            transferred_on=event.transferred_on,
        ),
        inbound.context(),
    )


def note_follow_up_consent_changed(session: Session, inbound: Inbound[FollowUpConsentChangedV1]) -> None:
    """Reaction: without consent to be followed up, nobody follows the case up; given again, outcomes
    are recorded again, up to the consent's last day if it ends."""
    event = inbound.event
    _note_follow_up_consent(
        session,
        inbound,
        event.enrollment_id,
        consented=event.consented,
        noted_on=event.changed_on,
        valid_until=event.valid_until,
    )


def _note_follow_up_consent(
    session: Session,
    inbound: Inbound[ParticipantEnrolledV1] | Inbound[FollowUpConsentChangedV1],
    enrollment_id: UUID,
    *,
    consented: bool,
    noted_on: date,
    valid_until: date | None = None,
) -> None:
    event = inbound.event
    session.decide(
        evolve_case,
        enrollment_id,
        lambda state: note_follow_up_consent(
            state,
            enrollment_id=enrollment_id,
            participant_id=event.participant_id,
            project_id=event.project_id,
            consented=consented,
            noted_on=noted_on,
            valid_until=valid_until,
        ),
        inbound.context(),
    )


# --- commands ---

CaseDecision = Callable[[Case | None], Sequence[Any]]
EnterpriseDecision = Callable[[Enterprise | None], Sequence[Any]]


class OutcomesApplication:
    def __init__(self, runner: CommandRunner) -> None:
        self._runner = runner

    async def _decide_case(
        self,
        enrollment_id: UUID,
        decision: Callable[[Session], CaseDecision],
        context: CommandContext,
        idempotency: IdempotencyClaim | None,
    ) -> CommandAccepted:
        """One command on one case: ``decision(session)`` is what the domain decides on its state."""
        return await decide(self._runner, evolve_case, enrollment_id, decision, context, idempotency)

    async def _decide_enterprise(
        self,
        enterprise_id: UUID,
        decision: Callable[[Session], EnterpriseDecision],
        context: CommandContext,
        idempotency: IdempotencyClaim | None,
    ) -> CommandAccepted:
        return await decide(self._runner, evolve_enterprise, enterprise_id, decision, context, idempotency)

    async def record_employment(
        self,
        enrollment_id: UUID,
        command: RecordEmployment,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(_: Session) -> CaseDecision:
            return lambda state: record_employment(
                state,
                enrollment_id=enrollment_id,
                employment_type=command.employment_type,
                related_to_training=command.related_to_training,
                monthly_income_thb=command.monthly_income_thb,
                days_to_first_job=command.days_to_first_job,
                follow_up_month=command.follow_up_month,
                observed_on=command.observed_on,
            )

        return await self._decide_case(enrollment_id, decision, context, idempotency)

    async def complete_follow_up(
        self,
        enrollment_id: UUID,
        month: int,
        command: CompleteFollowUp,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        """Complete the follow-up, then record what it found, all or nothing."""

        def job(session: Session) -> CommandAccepted:
            answered_on = _today_if_none(command.completed_on, session)
            appended = session.decide(
                evolve_case,
                enrollment_id,
                lambda state: complete_follow_up(
                    state,
                    enrollment_id=enrollment_id,
                    month=month,
                    completed_on=answered_on,
                    working=command.employment_type is not None,
                ),
                context,
            )
            event_ids = list(appended.event_ids)
            for answer in _answers(enrollment_id, month, command, answered_on):
                appended = session.decide(evolve_case, enrollment_id, answer, context)
                event_ids += appended.event_ids
            return CommandAccepted(id=enrollment_id, version=appended.version, event_ids=event_ids)

        return await self._runner.run(job, idempotent=idempotency)

    async def miss_follow_up(
        self,
        enrollment_id: UUID,
        month: int,
        command: MissFollowUp,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> CaseDecision:
            missed_on = _today_if_none(command.missed_on, session)
            return lambda state: mark_follow_up_missed(
                state, enrollment_id=enrollment_id, month=month, missed_on=missed_on, reason=command.reason
            )

        return await self._decide_case(enrollment_id, decision, context, idempotency)

    async def observe_income(
        self,
        enrollment_id: UUID,
        command: ObserveIncome,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> CaseDecision:
            observed_on = _today_if_none(command.observed_on, session)
            return lambda state: observe_income(
                state,
                enrollment_id=enrollment_id,
                at_month=command.at_month,
                monthly_income_thb=command.monthly_income_thb,
                observed_on=observed_on,
                source=command.source,
            )

        return await self._decide_case(enrollment_id, decision, context, idempotency)

    async def close_case(
        self,
        enrollment_id: UUID,
        command: CloseCase,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> CaseDecision:
            closed_on = _today_if_none(command.closed_on, session)
            return lambda state: close_case(
                state, enrollment_id=enrollment_id, closed_on=closed_on, reason=command.reason
            )

        return await self._decide_case(enrollment_id, decision, context, idempotency)

    async def start_enterprise(
        self, command: StartEnterprise, context: CommandContext, idempotency: IdempotencyClaim | None = None
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            cases = [
                (enrollment_id, session.load(evolve_case, enrollment_id)[0]) for enrollment_id in command.enrollment_ids
            ]
            started_on = _today_if_none(command.started_on, session)
            return lambda state: start_enterprise(
                state,
                enterprise_id=command.enterprise_id,
                kind=command.kind,
                name=command.name,
                project_id=command.project_id,
                participant_cases=cases,
                members_count=command.members_count,
                started_on=started_on,
                products=command.products,
            )

        return await self._decide_enterprise(command.enterprise_id, decision, context, idempotency)

    async def join_enterprise(
        self,
        enterprise_id: UUID,
        command: JoinEnterprise,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            case, _ = session.load(evolve_case, command.enrollment_id)
            joined_on = _today_if_none(command.joined_on, session)
            return lambda state: join_enterprise(
                state, enterprise_id=enterprise_id, enrollment_id=command.enrollment_id, case=case, joined_on=joined_on
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def count_members(
        self,
        enterprise_id: UUID,
        command: CountMembers,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            counted_on = _today_if_none(command.counted_on, session)
            return lambda state: count_members(
                state, enterprise_id=enterprise_id, members_count=command.members_count, counted_on=counted_on
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def add_product(
        self,
        enterprise_id: UUID,
        command: AddProduct,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            added_on = _today_if_none(command.added_on, session)
            return lambda state: add_product(
                state, enterprise_id=enterprise_id, product=command.product, added_on=added_on
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def open_online_sales_channel(
        self,
        enterprise_id: UUID,
        command: OpenOnlineSalesChannel,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            opened_on = _today_if_none(command.opened_on, session)
            return lambda state: open_online_sales_channel(
                state, enterprise_id=enterprise_id, channel=command.channel, opened_on=opened_on
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def register_enterprise(
        self,
        enterprise_id: UUID,
        command: RegisterEnterprise,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            registered_on = _today_if_none(command.registered_on, session)
            return lambda state: register_enterprise(
                state,
                enterprise_id=enterprise_id,
                registration_number=command.registration_number,
                registered_on=registered_on,
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def begin_operating(
        self,
        enterprise_id: UUID,
        command: BeginOperating,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            began_on = _today_if_none(command.began_on, session)
            return lambda state: begin_operating(state, enterprise_id=enterprise_id, began_on=began_on)

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def go_dormant(
        self,
        enterprise_id: UUID,
        command: GoDormant,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            dormant_on = _today_if_none(command.dormant_on, session)
            return lambda state: go_dormant(state, enterprise_id=enterprise_id, dormant_on=dormant_on)

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)

    async def dissolve_enterprise(
        self,
        enterprise_id: UUID,
        command: DissolveEnterprise,
        context: CommandContext,
        idempotency: IdempotencyClaim | None = None,
    ) -> CommandAccepted:
        def decision(session: Session) -> EnterpriseDecision:
            dissolved_on = _today_if_none(command.dissolved_on, session)
            return lambda state: dissolve_enterprise(
                state, enterprise_id=enterprise_id, dissolved_on=dissolved_on, reason=command.reason.value
            )

        return await self._decide_enterprise(enterprise_id, decision, context, idempotency)


def _answers(enrollment_id: UUID, month: int, command: CompleteFollowUp, answered_on: date) -> list[CaseDecision]:
    """What a completed follow-up found, as decisions on the case: employment, then income."""
    answers: list[CaseDecision] = []
    if command.employment_type is not None:
        employment_type = command.employment_type
        related = bool(command.related_to_training)
        income = command.monthly_income_thb or Decimal(0)
        answers.append(
            lambda state: record_employment(
                state,
                enrollment_id=enrollment_id,
                employment_type=employment_type,
                related_to_training=related,
                monthly_income_thb=income,
                days_to_first_job=command.days_to_first_job,
                follow_up_month=month,
                observed_on=answered_on,
            )
        )
    if command.monthly_income_thb is not None:
        observed = command.monthly_income_thb
        answers.append(
            lambda state: observe_income(
                state,
                enrollment_id=enrollment_id,
                at_month=month,
                monthly_income_thb=observed,
                observed_on=answered_on,
                source=command.income_source,
            )
        )
    return answers
