"""Enrollment commands, one method each: load what the rule needs, let the domain decide, append.

Every method runs as one job on the command runner (group commit), so its events, its personal-data
rows and its idempotency record commit in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID, uuid5

import asyncpg
from pydantic import Field

from pathways_contracts.reference import age_band_of, province_by_iso, region_of
from pathways_enrollment import commands as c
from pathways_enrollment.domain import enrollment as case
from pathways_enrollment.domain import mentor, participant, project, unit
from pathways_enrollment.domain.consent import ConsentPurpose
from pathways_enrollment.domain.errors import EnrollmentRuleError, require_existing
from pathways_enrollment.domain.screening import (
    DEFAULT_INCOME_THRESHOLD_THB,
    BaselineProfile,
    EligibilityCriteria,
    age_on,
)
from pathways_enrollment.personal_data import PersonalDataInCommands
from pathways_enrollment.projections import enrollments, mentors, potential_duplicates, projects
from pathways_enrollment.vault import (
    MENTOR,
    OLDER_GENERATION_REFUSED,
    PersonalData,
    Vault,
    VaultError,
    VaultKeyring,
    VaultKeysBehindError,
)
from pathways_infra.commands import CommandContext, CommandRunner, ConcurrencyError, Evolver, Session
from pathways_infra.decisions import decide
from pathways_infra.http import CommandAccepted, happened_on
from pathways_infra.idempotency import IdempotencyClaim
from pathways_infra.thai_time import thai_day, thai_today

S = TypeVar("S")
Answer = TypeVar("Answer", bound=CommandAccepted)
log = logging.getLogger(__name__)
ENROLLMENT_IDS = UUID("6f1f8a52-3c8e-4c43-9d8e-2f0a7b1c5e11")
Claim = IdempotencyClaim | None


def _unit_of(session: Session, unit_id: UUID | None) -> unit.CareerDevelopmentUnit | None:
    return None if unit_id is None else session.load(unit.evolve_unit, unit_id)[0]


def _unit_visited(
    session: Session, coaching: mentor.Mentor | None, assignment_id: UUID
) -> unit.CareerDevelopmentUnit | None:
    """The unit a visit under the assignment is to (its own, or its project's); None while the assignment is not
    the mentor's, which the decision refuses."""
    assignment = None if coaching is None else next((a for a in coaching.assignments if a.id == assignment_id), None)
    return _unit_of(session, None if assignment is None else assignment.unit_id)


def enrollment_id_for(participant_id: UUID, project_id: UUID, nth: int = 1) -> UUID:
    """The ``nth`` case of a participant in a project. Derived, so a retried application finds the case it
    opened (and is refused) instead of opening a second one; a later one after it closed is the next."""
    name = f"{participant_id}:{project_id}" if nth == 1 else f"{participant_id}:{project_id}:{nth}"
    return uuid5(ENROLLMENT_IDS, name)


def _opened_in(session: Session, participant_id: UUID, project_id: UUID) -> tuple[list[case.Enrollment], UUID]:
    """The cases the participant applied for in the project, in order, and the id the next one takes."""
    opened: list[case.Enrollment] = []
    while (
        found := session.load(case.evolve_enrollment, enrollment_id_for(participant_id, project_id, len(opened) + 1))[0]
    ) is not None:
        opened.append(found)
    return opened, enrollment_id_for(participant_id, project_id, len(opened) + 1)


def _cases_placed_in(
    session: Session, registered: participant.Participant | None, participant_id: UUID, project_id: UUID
) -> tuple[list[case.Enrollment], UUID]:
    """The participant's cases that are or were placed in the project (applied for there, or transferred in
    or out), and the id a new application there takes."""
    opened, next_id = _opened_in(session, participant_id, project_id)
    known = {c.id: c for c in (*opened, *_other_cases(session, registered, next_id))}
    return [c for c in known.values() if any(p.project_id == project_id for p in c.placements)], next_id


def on(context: CommandContext, day: date | datetime) -> CommandContext:
    """The fact happened on ``day`` (unless the caller said exactly when)."""
    return context if context.occurred_at is not None else happened_on(context, day)


def planned_on(context: CommandContext, day: date) -> CommandContext:
    """A fact on an earlier ``day``; from today on, a plan: what happened is that it was decided, now."""
    return context if day >= thai_today() else on(context, day)


def _contact_fields_of(contact: PersonalData | None) -> tuple[str, ...]:
    """The fields of a mentor's contact that hold something."""
    return () if contact is None else tuple(f for f in mentor.CONTACT_FIELDS if getattr(contact, f) is not None)


def baseline_profile(baseline: c.Baseline) -> BaselineProfile:
    return BaselineProfile(**baseline.model_dump(include=set(c.Baseline.model_fields)))


def besides(context: CommandContext) -> CommandContext:
    """The context for another aggregate a command also changes: the caller's If-Match is not about it."""
    return replace(context, expected_version=None)


class Registration(CommandAccepted):
    """The new registration, and whether it was flagged at once: staff at the desk see it then."""

    potential_duplicate_of: UUID | None = Field(
        default=None,
        description="The registration holding the same national ID: this one is flagged as its potential "
        "duplicate, and cannot enroll until that is resolved (POST /participants/{id}/duplicate-resolution).",
    )


class CoachingVisitLogged(CommandAccepted):
    """The mentor's new version (``id`` is the mentor's), and the visit logged."""

    visit_id: UUID = Field(description="The new visit's id (the one given, or one made for it).")


class ScreeningAnswer(CommandAccepted):
    """The case's new version, and what the screening found."""

    passed: bool
    reasons: list[str] = Field(
        default_factory=list, description="Each criterion missed: below-working-age, income-above-threshold, ..."
    )


class BaselineCorrection(CommandAccepted):
    """The case's new version, and the criteria the corrected baseline would have failed at screening."""

    would_have_failed_screening: list[str] = Field(
        default_factory=list,
        description="The project's criteria the corrected baseline misses (income-above-threshold, "
        "not-in-target-group); empty when it meets them. The correction is recorded all the same: screening is "
        "not run again, the participant stays enrolled.",
    )


class ConsentChange(CommandAccepted):
    """The participant's new version; ``event_ids`` are the consent's and those of every case it changed."""

    cases_withdrawn: list[UUID] = Field(
        default_factory=list,
        description="Cases in the programme withdrawn with consent to take part (reason CONSENT_WITHDRAWN)",
    )
    follow_up_consent_told: list[UUID] = Field(
        default_factory=list,
        description="Cases in the programme that told outcomes the participant may, or may no longer, be followed up",
    )
    cases_still_withdrawn: list[UUID] = Field(
        default_factory=list,
        description="Consent to take part given again: the participant's cases withdrawn when they withdrew it "
        "(reason CONSENT_WITHDRAWN), which stay withdrawn (a withdrawal is final)",
    )
    taking_part_again: str | None = Field(
        default=None,
        description="When cases stay withdrawn: how the participant takes part again (a new application)",
    )


def _tell_follow_up_consent(
    session: Session,
    cases: Sequence[UUID],
    consented: bool,
    day: date,
    context: CommandContext,
    valid_until: date | None = None,
) -> tuple[list[UUID], list[UUID]]:
    """Tell each case whether its participant may be followed up, and until when: the cases that told it,
    and their events."""
    tell = partial(case.note_follow_up_consent, consented=consented, changed_on=day, valid_until=valid_until)
    return _on_each_case(session, cases, tell, context)


def _flagged_against(events: Iterable[object]) -> UUID | None:
    """Whom ``events`` flag their participant as a potential duplicate of, if anyone."""
    flags = (e.duplicate_of for e in events if isinstance(e, participant.ParticipantFlaggedAsPotentialDuplicate))
    return next(flags, None)


def _noted_and_listed(noted: Iterable[UUID], listed: Iterable[UUID]) -> list[UUID]:
    """What an aggregate noted of its own (a participant's cases, a unit's projects), with what a read model
    ``listed`` of it: the only record of those from before it noted them. Each is judged by its own history,
    so one listed that has moved on since is left as it is."""
    return sorted({*listed, *noted})


def _cases_of(registered: participant.Participant | None, listed: Iterable[UUID]) -> list[UUID]:
    """The participant's cases: those its registry entry knows, and those the enrollments read model listed."""
    return _noted_and_listed(() if registered is None else registered.cases, listed)


def _left_for_want_of_consent(session: Session, cases: Iterable[UUID]) -> list[UUID]:
    """The cases withdrawn when the participant withdrew consent to take part: they stay so (see
    ``enrollment.left_for_want_of_consent``), and the answer says it rather than letting staff assume otherwise."""
    return [each for each in cases if case.left_for_want_of_consent(session.load(case.evolve_enrollment, each)[0])]


def _project_days(
    session: Session, runs_them: unit.CareerDevelopmentUnit | None, listed: Iterable[UUID]
) -> dict[UUID, date]:
    """The day each of the unit's projects dates from (see ``Project.dates_from``): those it noted, and those the
    projects read model listed for it (proposed before units noted them); projects with no day are left out."""
    if runs_them is None:
        return {}
    loaded = (session.load(project.evolve_project, each)[0] for each in _noted_and_listed(runs_them.projects, listed))
    days = {found.id: found.dates_from for found in loaded if found is not None and found.unit_id == runs_them.id}
    return {project_id: day for project_id, day in days.items() if day is not None}


def _assignment_days(
    session: Session, coached: unit.CareerDevelopmentUnit | None, listed: Iterable[tuple[UUID, UUID]]
) -> dict[UUID, date]:
    """The first day of each mentor's assignment to the unit: those it noted, and those the mentors read model
    listed for it (assigned before units noted them), each judged by its mentor's history; withdrawn ones (ended
    before they began) are left out."""
    if coached is None:
        return {}
    noted = ((each.mentor_id, each.assignment_id) for each in coached.mentor_assignments)
    days: dict[UUID, date] = {}
    for mentor_id, assignment_id in sorted({*noted, *listed}):
        coaching, _ = session.load(mentor.evolve_mentor, mentor_id)
        found = None if coaching is None else next((a for a in coaching.assignments if a.id == assignment_id), None)
        if found is not None and found.target == ("unit", coached.id) and not found.withdrawn:
            days[assignment_id] = found.from_date
    return days


def _other_cases(
    session: Session, registered: participant.Participant | None, enrollment_id: UUID
) -> list[case.Enrollment]:
    """The participant's other cases its registry entry knows (cases opened before it noted them are not)."""
    cases = () if registered is None else registered.cases
    loaded = (session.load(case.evolve_enrollment, other)[0] for other in cases if other != enrollment_id)
    return [other for other in loaded if other is not None]


def _on_each_case(
    session: Session,
    cases: Sequence[UUID],
    decision: Callable[[case.Enrollment | None], Sequence[Any]],
    context: CommandContext,
) -> tuple[list[UUID], list[UUID]]:
    """What ``decision`` makes of each case: the cases it changed, and the events it recorded."""
    changed: list[UUID] = []
    event_ids: list[UUID] = []
    for enrollment_id in cases:
        appended = session.decide(case.evolve_enrollment, enrollment_id, decision, context)
        if appended.event_ids:
            changed.append(enrollment_id)
            event_ids += appended.event_ids
    return changed, event_ids


class DuplicateSettled(CommandAccepted):
    """The newcomer's new version; ``event_ids`` are every event recorded, on it and on its cases."""

    applications_withdrawn: list[UUID] = Field(
        default_factory=list,
        description="A merged registration's applications not yet enrolled, withdrawn (reason DUPLICATE): the person "
        "applies again as the registration that stays.",
    )


class ParticipantErasure(CommandAccepted):
    """The erased participant's new version; ``event_ids`` are every erasure and note recorded."""

    also_erased: list[UUID] = Field(
        default_factory=list, description="Registrations merged into this participant, erased with it."
    )
    follow_up_stopped: list[UUID] = Field(
        default_factory=list,
        description="Cases in the programme no longer followed up: nobody can contact an erased participant.",
    )
    unresolved_potential_duplicates: list[UUID] = Field(
        default_factory=list,
        description=(
            "Registrations flagged as potential duplicates of this participant and never resolved: not erased, "
            "since the national ID matching does not prove they are the same person. Erase each that is, and "
            "resolve the others NOT_A_DUPLICATE."
        ),
    )


class EnrollmentApplication:
    def __init__(self, runner: CommandRunner, vault_keys: VaultKeyring, pool: asyncpg.Pool) -> None:
        self._runner = runner
        self._keys = vault_keys
        self._vault = PersonalDataInCommands(vault_keys)
        self._reader = Vault(vault_keys)
        self._pool = pool

    async def _run(self, job: Callable[[Session], Answer], claim: Claim) -> Answer:
        return await self._runner.run(job, idempotent=claim)

    async def _decide(
        self,
        evolve: Evolver[S],
        aggregate_id: UUID,
        decision: Callable[[S | None], Sequence[Any]],
        context: CommandContext,
        claim: Claim,
    ) -> CommandAccepted:
        return await decide(self._runner, evolve, aggregate_id, lambda _: decision, context, claim)

    # --- career development units ------------------------------------------------------------

    async def register_unit(self, command: c.RegisterUnit, context: CommandContext, claim: Claim) -> CommandAccepted:
        province = province_by_iso(command.province_code)
        when = context if command.registered_on is None else on(context, command.registered_on)

        def job(session: Session) -> CommandAccepted:
            events = unit.register_unit(
                session.load(unit.evolve_unit, command.unit_id)[0],
                unit_id=command.unit_id,
                name=command.name,
                province_code=province.iso,
                region=region_of(province.iso),
                on=command.registered_on or session.today,
            )
            return CommandAccepted.of(session.append(unit.evolve_unit, command.unit_id, events, when))

        return await self._run(job, claim)

    async def rename_unit(
        self, unit_id: UUID, command: c.Rename, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._rename(unit.evolve_unit, unit.rename_unit, unit_id, command, context, claim)

    async def correct_unit_registration_day(
        self, unit_id: UUID, command: c.CorrectUnitRegistrationDay, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Correct the day the unit was registered, held to the days its projects date from and to the first days
        of its mentors' assignments: those the unit noted (read in the job, with the proposal's or assignment's
        transaction, so none made in between is missed) and those the projects and mentors read models list for it
        (made before units noted them), each judged by its own history. The correction happened on the corrected
        day, as the registration it corrects did: "as it happened", the unit was registered from then on."""
        listed = await projects.projects_of(self._pool, unit_id)
        assigned = await mentors.assignments_to_unit(self._pool, unit_id)
        day = command.registered_on

        def correcting(session: Session) -> Callable[[unit.CareerDevelopmentUnit | None], Sequence[Any]]:
            return lambda state: unit.correct_registration_day(
                state,
                registered_on=day,
                reason=command.reason,
                projects=_project_days(session, state, listed),
                mentor_assignments=_assignment_days(session, state, assigned),
            )

        return await decide(self._runner, unit.evolve_unit, unit_id, correcting, on(context, day), claim)

    async def activate_unit(self, unit_id: UUID, context: CommandContext, claim: Claim) -> CommandAccepted:
        return await self._decide(unit.evolve_unit, unit_id, unit.activate_unit, context, claim)

    async def suspend_unit(
        self, unit_id: UUID, command: c.Reason, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            unit.evolve_unit, unit_id, lambda state: unit.suspend_unit(state, reason=command.reason), context, claim
        )

    async def reinstate_unit(self, unit_id: UUID, context: CommandContext, claim: Claim) -> CommandAccepted:
        return await self._decide(unit.evolve_unit, unit_id, unit.reinstate_unit, context, claim)

    async def deactivate_unit(
        self, unit_id: UUID, command: c.Reason, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            unit.evolve_unit, unit_id, lambda state: unit.deactivate_unit(state, reason=command.reason), context, claim
        )

    # --- projects ------------------------------------------------------------------------------

    async def propose_project(
        self, command: c.ProposeProject, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        province = province_by_iso(command.province_code)
        when = context if command.proposed_on is None else on(context, command.proposed_on)

        def job(session: Session) -> CommandAccepted:
            runs_it, _ = session.load(unit.evolve_unit, command.unit_id)
            events = project.propose_project(
                session.load(project.evolve_project, command.project_id)[0],
                project_id=command.project_id,
                name=command.name,
                province_code=province.iso,
                region=region_of(province.iso),
                unit=runs_it,
                unit_id=command.unit_id,
                grant_thb=command.grant_thb,
                on=command.proposed_on or session.today,
                income_threshold_thb=command.income_threshold_thb or DEFAULT_INCOME_THRESHOLD_THB,
            )
            accepted = CommandAccepted.of(session.append(project.evolve_project, command.project_id, events, when))
            note = partial(unit.note_project_proposal, project_id=command.project_id)
            accepted.event_ids += session.decide(unit.evolve_unit, command.unit_id, note, besides(when)).event_ids
            return accepted

        return await self._run(job, claim)

    async def assess_community_needs(
        self, project_id: UUID, command: c.AssessCommunityNeeds, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            project.evolve_project,
            project_id,
            lambda state: project.assess_community_needs(
                state,
                problems=command.problems,
                community_capital=command.community_capital,
                opportunities=command.opportunities,
                assessed_on=command.assessed_on,
            ),
            on(context, command.assessed_on),
            claim,
        )

    async def validate_needs_assessment(
        self, project_id: UUID, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(project.evolve_project, project_id, project.validate_needs_assessment, context, claim)

    async def approve_project(
        self, project_id: UUID, command: c.ProjectStep | None, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        def approve(session: Session, state: project.Project | None, day: date) -> Sequence[Any]:
            return project.approve_project(state, unit=self._unit_running(session, state), on=day)

        return await self._project_step(project_id, command, context, claim, approve)

    async def reject_project(
        self, project_id: UUID, command: c.ProjectStepWithReason, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._project_step(
            project_id,
            command,
            context,
            claim,
            lambda _, state, day: project.reject_project(state, reason=command.reason, on=day),
        )

    async def activate_project(
        self, project_id: UUID, command: c.ProjectStep | None, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        def activate(session: Session, state: project.Project | None, day: date) -> Sequence[Any]:
            return project.activate_project(state, unit=self._unit_running(session, state), on=day)

        return await self._project_step(project_id, command, context, claim, activate)

    async def close_project(
        self, project_id: UUID, command: c.ProjectStep | None, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._project_step(
            project_id, command, context, claim, lambda _, state, day: project.close_project(state, on=day)
        )

    async def terminate_project(
        self, project_id: UUID, command: c.ProjectStepWithReason, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._project_step(
            project_id,
            command,
            context,
            claim,
            lambda _, state, day: project.terminate_project(state, reason=command.reason, on=day),
        )

    async def _project_step(
        self,
        project_id: UUID,
        command: c.ProjectStep | None,
        context: CommandContext,
        claim: Claim,
        step: Callable[[Session, project.Project | None, date], Sequence[Any]],
    ) -> CommandAccepted:
        """A lifecycle step, on the day given (the event's time is that day's start) or today."""
        day = None if command is None else command.on
        when = context if day is None else on(context, day)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(project.evolve_project, project_id)
            events = step(session, state, day or session.today)
            return CommandAccepted.of(session.append(project.evolve_project, project_id, events, when))

        return await self._run(job, claim)

    async def rename_project(
        self, project_id: UUID, command: c.Rename, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._rename(project.evolve_project, project.rename_project, project_id, command, context, claim)

    async def _rename(
        self,
        evolve: Evolver[S],
        rename: Callable[..., Sequence[Any]],
        aggregate_id: UUID,
        command: c.Rename,
        context: CommandContext,
        claim: Claim,
    ) -> CommandAccepted:
        """A unit's or project's rename, on the day given (the event's time is that day's start) or today."""
        when = context if command.renamed_on is None else on(context, command.renamed_on)

        def renaming(session: Session) -> Callable[[S | None], Sequence[Any]]:
            return partial(rename, name=command.name, renamed_on=command.renamed_on or session.today)

        return await decide(self._runner, evolve, aggregate_id, renaming, when, claim)

    @staticmethod
    def _unit_running(session: Session, state: project.Project | None) -> unit.CareerDevelopmentUnit | None:
        runs_it = None if state is None else state.unit_id
        return None if runs_it is None else session.load(unit.evolve_unit, runs_it)[0]

    # --- mentors -------------------------------------------------------------------------------

    async def register_mentor(
        self, command: c.RegisterMentor, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Register the mentor; a contact given is stored in the vault in the same transaction as the events."""
        contact = None if command.contact is None else command.contact.as_personal_data()
        when = context if command.registered_on is None else on(context, command.registered_on)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(mentor.evolve_mentor, command.mentor_id)
            events = mentor.register_mentor(
                state,
                mentor_id=command.mentor_id,
                contact_fields=_contact_fields_of(contact),
                on=command.registered_on or session.today,
            )
            if contact is not None:
                self._vault.store_mentor_contact(session, command.mentor_id, contact)
            return CommandAccepted.of(session.append(mentor.evolve_mentor, command.mentor_id, events, when))

        if contact is None:
            return await self._run(job, claim)
        return await self._under_current_keys(lambda: self._run(job, claim))

    async def give_mentor_contact(
        self, mentor_id: UUID, command: c.GiveMentorContact, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Give the mentor's contact, or correct the fields given (as a participant's rectification: the
        contact held is read first, at the mentor's version then, so two changes at once never lose one
        another). The event names the fields, never their values; the vault stores the whole contact anew,
        under a fresh key."""
        read_at = await self._runner.run(lambda s: s.load(mentor.evolve_mentor, mentor_id)[1])
        if context.expected_version not in (None, read_at):
            raise ConcurrencyError(mentor_id, context.expected_version, read_at)
        held = await self._reader.get(self._pool, mentor_id, MENTOR)
        corrections = command.corrections()
        when = replace(context if command.given_on is None else on(context, command.given_on), expected_version=read_at)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(mentor.evolve_mentor, mentor_id)
            setting = corrections if held is not None else {k: v for k, v in corrections.items() if v is not None}
            events = mentor.give_mentor_contact(state, fields=setting, on=command.given_on or session.today)
            if isinstance(events[0], mentor.MentorContactGiven):
                self._vault.store_mentor_contact(session, mentor_id, PersonalData(**setting))
            elif held is None:
                raise EnrollmentRuleError(f"no contact is held for mentor {mentor_id}", rule="mentor-contact-missing")
            else:
                self._vault.replace(session, mentor_id, held.model_copy(update=corrections))
            return CommandAccepted.of(session.append(mentor.evolve_mentor, mentor_id, events, when))

        return await self._under_current_keys(lambda: self._run(job, claim))

    async def erase_mentor_contact(
        self, mentor_id: UUID, command: c.EraseMentorContact, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Destroy the contact's key and record, and record the erasure, in one transaction. Nothing is
        published: no stream ever held the contact, and nobody outside enrollment reads mentors."""
        when = context if command.erased_on is None else on(context, command.erased_on)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(mentor.evolve_mentor, mentor_id)
            events = mentor.erase_mentor_contact(state, erased_on=command.erased_on or session.today)
            self._vault.erase(session, mentor_id)
            return CommandAccepted.of(session.append(mentor.evolve_mentor, mentor_id, events, when))

        return await self._run(job, claim)

    async def assign_mentor(
        self, mentor_id: UUID, command: c.AssignMentor, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(mentor.evolve_mentor, mentor_id)
            if command.unit_id is not None:
                events = mentor.assign_mentor_to_unit(
                    state,
                    assignment_id=command.assignment_id,
                    unit=session.load(unit.evolve_unit, command.unit_id)[0],
                    unit_id=command.unit_id,
                    from_date=command.from_date,
                )
            else:
                assert command.project_id is not None  # the command's validator guarantees one target
                coached, _ = session.load(project.evolve_project, command.project_id)
                events = mentor.assign_mentor_to_project(
                    state,
                    assignment_id=command.assignment_id,
                    project=coached,
                    project_id=command.project_id,
                    unit=_unit_of(session, None if coached is None else coached.unit_id),
                    from_date=command.from_date,
                )
            when = planned_on(context, command.from_date)
            accepted = CommandAccepted.of(session.append(mentor.evolve_mentor, mentor_id, events, when))
            if command.unit_id is not None:
                note = partial(unit.note_mentor_assignment, mentor_id=mentor_id, assignment_id=command.assignment_id)
                accepted.event_ids += session.decide(unit.evolve_unit, command.unit_id, note, besides(when)).event_ids
            return accepted

        return await self._run(job, claim)

    async def end_mentor_assignment(
        self,
        mentor_id: UUID,
        assignment_id: UUID,
        command: c.EndMentorAssignment,
        context: CommandContext,
        claim: Claim,
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(mentor.evolve_mentor, mentor_id)
            events = mentor.end_mentor_assignment(state, assignment_id=assignment_id, to_date=command.to_date)
            assert state is not None  # end_mentor_assignment requires it
            # A withdrawal (ended before it began) is a decision made now, not a day's fact.
            withdrawn = command.to_date < state.assignment(assignment_id).from_date
            when = context if withdrawn else planned_on(context, command.to_date)
            return CommandAccepted.of(session.append(mentor.evolve_mentor, mentor_id, events, when))

        return await self._run(job, claim)

    async def deactivate_mentor(
        self, mentor_id: UUID, command: c.DeactivateMentor, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            mentor.evolve_mentor,
            mentor_id,
            lambda state: mentor.deactivate_mentor(state, on=command.deactivated_on),
            on(context, command.deactivated_on),
            claim,
        )

    async def reactivate_mentor(self, mentor_id: UUID, context: CommandContext, claim: Claim) -> CommandAccepted:
        return await self._decide(mentor.evolve_mentor, mentor_id, mentor.reactivate_mentor, context, claim)

    async def log_coaching_visit(
        self, mentor_id: UUID, command: c.LogCoachingVisit, context: CommandContext, claim: Claim
    ) -> CoachingVisitLogged:
        def job(session: Session) -> CoachingVisitLogged:
            visited = _unit_visited(session, session.load(mentor.evolve_mentor, mentor_id)[0], command.assignment_id)
            appended = session.decide(
                mentor.evolve_mentor,
                mentor_id,
                lambda state: mentor.log_coaching_visit(
                    state,
                    visit_id=command.visit_id,
                    assignment_id=command.assignment_id,
                    visited_on=command.visited_on,
                    unit=visited,
                    notes=command.notes,
                ),
                on(context, command.visited_on),
            )
            accepted = CommandAccepted.of(appended)
            # Built in the job, so an Idempotency-Key's stored answer names the visit too.
            return CoachingVisitLogged(**accepted.model_dump(), visit_id=command.visit_id)

        return await self._run(job, claim)

    # --- participants --------------------------------------------------------------------------

    async def register_participant(
        self, command: c.RegisterParticipant, context: CommandContext, claim: Claim
    ) -> Registration:
        """Personal data into the vault, the pseudonymous registration (flagged if the national ID is known).

        The national ID is looked up before the command runs, so lookups run side by side. Two first
        registrations of one national ID at once both find no holder: the vault's unique index refuses
        the second at commit, which then answers 409 (retry it, and it is flagged).
        """
        data = command.personal_data
        holder = await self._holder_of(data.national_id)
        when = context if command.registered_on is None else on(context, command.registered_on)

        def job(session: Session) -> Registration:
            participant_id = command.participant_id
            state, _ = session.load(participant.evolve_participant, participant_id)
            flagged_against = participant.flagged_against(
                None if holder is None else session.load(participant.evolve_participant, holder)[0]
            )
            # The national ID's hash and the date of birth (or birth year) stay out of the events: erasure
            # could not remove them from there. An age band is kept instead, for equity breakdowns.
            events: list[Any] = participant.register_participant(
                state,
                participant_id=participant_id,
                sex=command.sex,
                age_band=command.age_band_on(command.registered_on or session.today),
                existing_participant_id=flagged_against,
                registered_on=command.registered_on or session.today,
            )
            if command.consent is not None:
                registered = participant.evolve_participant(None, events[0])
                events += participant.grant_consent(registered, **command.consent.model_dump())
            self._vault.store_new(session, participant_id, data, holds_national_id=flagged_against is None)
            appended = session.append(participant.evolve_participant, participant_id, events, when)
            if flagged_against is not None:
                session.decide(
                    participant.evolve_participant,
                    flagged_against,
                    lambda other: participant.note_potential_duplicate(other, duplicate_id=participant_id),
                    besides(when),
                )
            return Registration(**CommandAccepted.of(appended).model_dump(), potential_duplicate_of=flagged_against)

        return await self._under_current_keys(lambda: self._run(job, claim))

    async def rectify_personal_data(
        self, participant_id: UUID, command: c.RectifyPersonalData, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Correct personal data in the vault (PDPA §35) and record which fields, never their values.

        The data held is read before the command runs, at the participant's version then: the command
        acts only if no other has changed the participant since, so two corrections at once never lose
        one another (the second gets a retryable 409). A corrected national ID is indexed anew (the
        registration indexed next with the old one holds it from then on), and who holds the corrected
        one is looked up as for a registration: this participant is flagged as its potential duplicate."""
        read_at = await self._runner.run(lambda s: s.load(participant.evolve_participant, participant_id)[1])
        if context.expected_version not in (None, read_at):
            raise ConcurrencyError(participant_id, context.expected_version, read_at)
        held = await self._reader.get(self._pool, participant_id)
        corrections = command.corrections()
        new_id = corrections.get(participant.NATIONAL_ID)
        reindexing = new_id is not None and (held is None or held.national_id != new_id)
        holder = await self._holder_of(new_id) if reindexing else None
        old_hashes = await self._national_id_hashes_of(participant_id) if reindexing else []
        when = replace(
            context if command.rectified_on is None else on(context, command.rectified_on), expected_version=read_at
        )

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(participant.evolve_participant, participant_id)
            born = corrections.get(participant.DATE_OF_BIRTH)
            registered_on = None if state is None else state.registered_on
            band = age_band_of(age_on(born, registered_on)) if born and registered_on else None
            rectified_on = command.rectified_on or session.today
            holds = None if holder is None else session.load(participant.evolve_participant, holder)[0]
            events = participant.rectify_personal_data(
                state, fields=corrections, rectified_on=rectified_on, age_band=band, holder=holds
            )
            if held is None:
                raise EnrollmentRuleError(
                    f"no personal data is held for participant {participant_id}", rule="personal-data-missing"
                )
            self._vault.replace(session, participant_id, held.model_copy(update=corrections))
            flagged_against = _flagged_against(events)
            if new_id is not None and reindexing:
                holds_it = flagged_against is None
                self._vault.index_national_id_anew(session, participant_id, new_id, old_hashes, holds=holds_it)
            accepted = CommandAccepted.of(session.append(participant.evolve_participant, participant_id, events, when))
            if flagged_against is not None:
                note = partial(participant.note_potential_duplicate, duplicate_id=participant_id)
                noted = session.decide(participant.evolve_participant, flagged_against, note, besides(when))
                accepted.event_ids += noted.event_ids
            return accepted

        return await self._under_current_keys(lambda: self._run(job, claim))

    async def correct_registration_day(
        self, participant_id: UUID, command: c.CorrectRegistrationDay, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        """Correct the day the participant registered, and the age band taken on it (from the date of birth in
        the vault; without one, the band told stays: a birth year alone is not kept).

        The date of birth is read before the command runs, at the participant's version then (as a
        rectification reads it), and the command acts only at that version (or the caller's If-Match): a date
        of birth corrected in between makes this a retryable 409, never a band of the old one. The cases are
        those the registry knows, read in the job, with those the enrollments read model lists (opened before
        the registry noted them), each judged by its own history. The correction happened on the corrected
        day, as the registration it corrects did: "as it happened", the participant was registered from then on.
        """
        read_at = await self._runner.run(lambda s: s.load(participant.evolve_participant, participant_id)[1])
        listed = await enrollments.cases_of(self._pool, participant_id)
        held = await self._reader.get(self._pool, participant_id) if read_at else None
        born = None if held is None else held.date_of_birth
        day = command.registered_on
        # A stale If-Match fails in the job, not before it: a retry whose first attempt succeeded then gets the
        # first answer.
        expected = read_at if context.expected_version is None else context.expected_version
        when = replace(on(context, day), expected_version=expected)

        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(participant.evolve_participant, participant_id)
            loaded = (session.load(case.evolve_enrollment, each)[0] for each in _cases_of(state, listed))
            applications = {
                found.id: found.applied_on for found in loaded if found and found.participant_id == participant_id
            }
            told = None if state is None else state.age_band
            band = told if born is None or born > day else age_band_of(age_on(born, day))
            events = participant.correct_registration_day(
                state, registered_on=day, reason=command.reason, age_band=band, applications=applications
            )
            if events and born is not None and born > day:
                raise EnrollmentRuleError(
                    f"participant {participant_id} was born on {born}; they cannot have registered before, on {day}",
                    rule="registered-before-birth",
                )
            return CommandAccepted.of(session.append(participant.evolve_participant, participant_id, events, when))

        return await self._run(job, claim)

    async def _under_current_keys(self, register: Callable[[], Awaitable[Answer]]) -> Answer:
        """Vault rows written under keys older than the database's current ones are refused (a rotation
        made newer ones current before this service read them): read the keys file again and retry once."""
        try:
            return await register()
        except ConcurrencyError as conflict:
            if OLDER_GENERATION_REFUSED not in str(conflict):
                raise
        self._keys.reload()
        try:
            return await register()
        except ConcurrencyError as conflict:
            if OLDER_GENERATION_REFUSED not in str(conflict):
                raise
            log.error("vault: the database has newer keys current than this service's keys file holds")
            raise VaultKeysBehindError(
                "the vault's keys were rotated and this service does not hold the current ones yet; retry later"
            ) from None

    async def _national_id_hashes_of(self, participant_id: UUID) -> list[str]:
        """The participant's national-ID hashes under every generation of keys held; none if unreadable."""
        try:
            data = await self._reader.get(self._pool, participant_id)
        except VaultError:
            return []  # tampered rows: the erasure goes ahead, finding the next holder by the stored hash
        return [] if data is None or data.national_id is None else self._reader.national_id_hashes(data.national_id)

    async def _holder_of(self, national_id: str | None) -> UUID | None:
        if national_id is None:
            return None
        return await self._reader.find_by_national_id_hash(self._pool, self._reader.national_id_hashes(national_id))

    async def grant_consent(
        self, participant_id: UUID, command: c.GrantConsent, context: CommandContext, claim: Claim
    ) -> ConsentChange:
        """Grant consent; consent to be followed up, given again or with another end, is told on each case in
        the programme (outcomes follows it up again, until the consent's last day)."""
        listed = await self._cases_if(ConsentPurpose.OUTCOME_FOLLOW_UP in command.purposes, participant_id)
        rejoins = ConsentPurpose.PROGRAMME_PARTICIPATION in command.purposes
        every_case = await enrollments.cases_of(self._pool, participant_id) if rejoins else []
        when = on(context, command.granted_at)

        def job(session: Session) -> ConsentChange:
            state, _ = session.load(participant.evolve_participant, participant_id)
            events = participant.grant_consent(state, **command.model_dump())
            appended = session.append(participant.evolve_participant, participant_id, events, when)
            change = ConsentChange.of(appended)
            if rejoins:
                change.cases_still_withdrawn = _left_for_want_of_consent(session, _cases_of(state, every_case))
                change.taking_part_again = case.TAKING_PART_AGAIN if change.cases_still_withdrawn else None
            if ConsentPurpose.OUTCOME_FOLLOW_UP in command.purposes:
                day = thai_day(command.granted_at)
                change.follow_up_consent_told, told = _tell_follow_up_consent(
                    session, _cases_of(state, listed), True, day, besides(when), command.valid_until
                )
                change.event_ids += told
            return change

        return await self._runner.run(job, idempotent=claim)

    async def withdraw_consent(
        self, participant_id: UUID, command: c.WithdrawConsent, context: CommandContext, claim: Claim
    ) -> ConsentChange:
        """Withdraw consent. Without consent to take part, the participant's cases in the programme are
        withdrawn with it, in the same transaction (reason CONSENT_WITHDRAWN; training and outcomes close
        them as for any withdrawal); without consent to be followed up, each tells outcomes, which stops.
        The cases are the ones the participant's registry entry knows, in the same transaction (one opened a
        moment before is among them), with those the enrollments read model lists (cases opened before the
        registry noted them); each is judged by its own history."""
        leaves = ConsentPurpose.PROGRAMME_PARTICIPATION in command.purposes
        stops = ConsentPurpose.OUTCOME_FOLLOW_UP in command.purposes
        listed = await self._cases_if(leaves or stops, participant_id)
        when = on(context, command.withdrawn_at)

        def job(session: Session) -> ConsentChange:
            state, _ = session.load(participant.evolve_participant, participant_id)
            events = participant.withdraw_consent(state, **command.model_dump())
            appended = session.append(participant.evolve_participant, participant_id, events, when)
            change, day = ConsentChange.of(appended), thai_day(command.withdrawn_at)
            each_case = _cases_of(state, listed) if leaves or stops else []
            if leaves:
                withdraw = partial(case.withdraw_for_want_of_consent, withdrawn_on=day)
                change.cases_withdrawn, withdrawn = _on_each_case(session, each_case, withdraw, besides(when))
                change.event_ids += withdrawn
            if stops:
                change.follow_up_consent_told, told = _tell_follow_up_consent(
                    session, each_case, False, day, besides(when)
                )
                change.event_ids += told
            return change

        return await self._runner.run(job, idempotent=claim)

    async def _cases_if(self, needed: bool, participant_id: UUID) -> list[UUID]:
        return await enrollments.cases_in_programme(self._pool, participant_id) if needed else []

    async def resolve_duplicate(
        self, participant_id: UUID, command: c.ResolveDuplicate, context: CommandContext, claim: Claim
    ) -> DuplicateSettled:
        """Settle the flag on the newcomer, and note it on the participant it was flagged against. A merge
        withdraws the newcomer's open applications (found as consent withdrawal finds cases), which it can no
        longer enroll in: the person applies again as the registration that stays."""
        merging = command.resolution is participant.DuplicateResolution.MERGED
        listed = await enrollments.open_applications(self._pool, participant_id) if merging else []
        when = context if command.resolved_on is None else on(context, command.resolved_on)

        def job(session: Session) -> DuplicateSettled:
            state, _ = session.load(participant.evolve_participant, participant_id)
            other_id = None if state is None else state.duplicate_of
            other = None if other_id is None else session.load(participant.evolve_participant, other_id)[0]
            events = participant.resolve_duplicate(state, resolution=command.resolution, other=other)
            settled = DuplicateSettled.of(session.append(participant.evolve_participant, participant_id, events, when))
            if other is not None:
                outcome = participant.DuplicateOutcome(command.resolution.value)
                session.decide(
                    participant.evolve_participant,
                    other.id,
                    lambda found: participant.note_duplicate_settled(
                        found, duplicate_id=participant_id, outcome=outcome
                    ),
                    besides(when),
                )
            withdraw = partial(case.withdraw_as_duplicate, withdrawn_on=command.resolved_on or session.today)
            applications = _cases_of(state, listed) if merging else []
            settled.applications_withdrawn, withdrawn = _on_each_case(session, applications, withdraw, besides(when))
            settled.event_ids += withdrawn
            return settled

        return await self._runner.run(job, idempotent=claim)

    async def erase_participant(
        self, participant_id: UUID, command: c.Erase, context: CommandContext, claim: Claim
    ) -> ParticipantErasure:
        """Destroy the participant's key and personal data and record the erasure, in one transaction; the same
        for every registration merged into it. Unresolved potential duplicates of it are named, not erased.
        Nobody can contact an erased participant: each case in the programme tells outcomes to stop
        following it up (as a withdrawn consent to be followed up; the cases are found as there).

        The participant's own history knows its duplicates. Those flagged before it kept track of them are
        found in the potential-duplicates read model (read before the command runs; what was flagged since
        is in the history), and each is judged by its own history, never by the read model.
        """
        flagged_before = await potential_duplicates.flagged_against(self._pool, participant_id)
        listed = await enrollments.cases_in_programme(self._pool, participant_id)
        hashes = await self._national_id_hashes_of(participant_id)
        when = context if command.erased_on is None else on(context, command.erased_on)

        def job(session: Session) -> ParticipantErasure:
            state, _ = session.load(participant.evolve_participant, participant_id)
            erased_on = command.erased_on or session.today
            events = participant.erase_participant(state, erased_on=erased_on)
            assert state is not None  # erase_participant requires it
            others = self._participants(
                session, {*flagged_before, *state.potential_duplicates, *state.merged_registrations}
            )
            appended = session.append(participant.evolve_participant, participant_id, events, when)
            self._vault.erase(session, participant_id, hashes)
            event_ids = [*appended.event_ids, *self._settle_own_flag(session, state, besides(when))]
            also_erased = []
            for merged in participant.merged_registrations_of(state, others):
                erasure = participant.erase_merged_registration(merged, survivor=state, erased_on=erased_on)
                if erasure:
                    event_ids += session.append(
                        participant.evolve_participant, merged.id, erasure, besides(when)
                    ).event_ids
                    self._vault.erase(session, merged.id, hashes)  # flagged, then merged: the same national ID
                    also_erased.append(merged.id)
            stopped, told = _tell_follow_up_consent(session, _cases_of(state, listed), False, erased_on, besides(when))
            return ParticipantErasure(
                id=participant_id,
                version=appended.version,
                event_ids=[*event_ids, *told],
                also_erased=also_erased,
                follow_up_stopped=stopped,
                unresolved_potential_duplicates=participant.unresolved_duplicates_of(state, others),
            )

        return await self._runner.run(job, idempotent=claim)

    @staticmethod
    def _participants(session: Session, ids: Iterable[UUID]) -> list[participant.Participant]:
        loaded = (session.load(participant.evolve_participant, each)[0] for each in sorted(ids))
        return [found for found in loaded if found is not None]

    @staticmethod
    def _settle_own_flag(session: Session, erased: participant.Participant, context: CommandContext) -> list[UUID]:
        """An erased potential duplicate is no longer to resolve: the participant it was flagged against notes it."""
        flagged_against = participant.flag_settled_by_erasure(erased)
        if flagged_against is None or session.load(participant.evolve_participant, flagged_against)[0] is None:
            return []
        settled = session.decide(
            participant.evolve_participant,
            flagged_against,
            lambda other: participant.note_duplicate_settled(
                other, duplicate_id=erased.id, outcome=participant.DuplicateOutcome.ERASED
            ),
            context,
        )
        return settled.event_ids

    # --- enrollment cases ----------------------------------------------------------------------

    async def apply(self, command: c.Apply, context: CommandContext, claim: Claim) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            the_project, _ = session.load(project.evolve_project, command.project_id)
            person = session.load(participant.evolve_participant, command.participant_id)[0]
            cases_there, enrollment_id = _cases_placed_in(session, person, command.participant_id, command.project_id)
            events: list[Any] = case.apply_for_enrollment(
                None,
                enrollment_id=enrollment_id,
                participant=person,
                participant_id=command.participant_id,
                project=the_project,
                project_id=command.project_id,
                unit=_unit_of(session, the_project.unit_id if the_project else None),
                applied_on=command.applied_on,
                cases_in_project=cases_there,
            )
            if command.baseline is not None:
                applied = case.evolve_enrollment(None, events[0])
                events += case.record_baseline(applied, profile=baseline_profile(command.baseline))
            when = on(context, command.applied_on)
            accepted = CommandAccepted.of(session.append(case.evolve_enrollment, enrollment_id, events, when))
            note = partial(participant.note_application, enrollment_id=enrollment_id)
            accepted.event_ids += session.decide(
                participant.evolve_participant, command.participant_id, note, besides(when)
            ).event_ids
            return accepted

        return await self._run(job, claim)

    async def record_baseline(
        self, enrollment_id: UUID, command: c.Baseline, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            case.evolve_enrollment,
            enrollment_id,
            lambda state: case.record_baseline(state, profile=baseline_profile(command)),
            context,
            claim,
        )

    async def correct_baseline(
        self, enrollment_id: UUID, command: c.CorrectBaseline, context: CommandContext, claim: Claim
    ) -> BaselineCorrection:
        day = command.corrected_on or thai_today()

        def job(session: Session) -> BaselineCorrection:
            state, _ = session.load(case.evolve_enrollment, enrollment_id)
            the_project = None if state is None else session.load(project.evolve_project, state.project_id)[0]
            criteria = EligibilityCriteria() if the_project is None else the_project.eligibility
            events = case.correct_baseline(
                state,
                profile=baseline_profile(command),
                reason=command.reason,
                corrected_on=day,
                criteria=criteria,
            )
            appended = session.append(case.evolve_enrollment, enrollment_id, events, on(context, day))
            [corrected] = events
            return BaselineCorrection(
                **CommandAccepted.of(appended).model_dump(),
                would_have_failed_screening=[miss.value for miss in corrected.would_have_failed_screening],
            )

        return await self._run(job, claim)

    async def screen(
        self, enrollment_id: UUID, command: c.Screen, context: CommandContext, claim: Claim
    ) -> ScreeningAnswer:
        """Screen against the project's criteria; the date of birth is read from the vault, never stored.

        The vault is read before the command runs: reads run side by side, the command runner is one thread.
        Whose case it is never changes, so the runner's cached state answers that without a trip through
        its queue (which doubled this command's latency under load).
        """
        found = self._runner.peek(enrollment_id)
        if not isinstance(found, case.Enrollment):
            found = await self._runner.run(lambda session: session.load(case.evolve_enrollment, enrollment_id)[0])
        person = None if found is None else await self._reader.get(self._pool, found.participant_id)

        def job(session: Session) -> ScreeningAnswer:
            state = require_existing(
                session.load(case.evolve_enrollment, enrollment_id)[0], f"enrollment {enrollment_id}"
            )
            the_project, _ = session.load(project.evolve_project, state.project_id)
            born = None if person is None else person.date_of_birth
            if born is None:
                raise EnrollmentRuleError(
                    f"participant {state.participant_id} has no date of birth in the vault (never given, or erased): "
                    "screening judges age on the screening day, so give it first with POST "
                    f'/participants/{state.participant_id}/personal-data/rectification {{"date_of_birth": …}}',
                    rule="date-of-birth-required",
                )
            criteria = EligibilityCriteria() if the_project is None else the_project.eligibility
            events = case.screen(state, criteria=criteria, date_of_birth=born, screened_on=command.screened_on)
            when = on(context, command.screened_on)
            appended = session.append(case.evolve_enrollment, enrollment_id, events, when)
            [screened] = events
            return ScreeningAnswer(
                **CommandAccepted.of(appended).model_dump(),
                passed=screened.passed,
                reasons=[reason.value for reason in screened.reasons],
            )

        return await self._runner.run(job, idempotent=claim)

    async def enroll(
        self, enrollment_id: UUID, command: c.Enroll, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(case.evolve_enrollment, enrollment_id)
            found = None if state is None else session.load(participant.evolve_participant, state.participant_id)[0]
            open_project = None if state is None else session.load(project.evolve_project, state.project_id)[0]
            runs_it = _unit_of(session, None if state is None else state.unit_id)
            events = case.enroll(
                state,
                participant=found,
                project=open_project,
                unit=runs_it,
                enrolled_on=command.enrolled_on,
                other_cases=_other_cases(session, found, enrollment_id),
            )
            when = on(context, command.enrolled_on)
            return CommandAccepted.of(session.append(case.evolve_enrollment, enrollment_id, events, when))

        return await self._run(job, claim)

    async def transfer(
        self, enrollment_id: UUID, command: c.Transfer, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        def job(session: Session) -> CommandAccepted:
            state, _ = session.load(case.evolve_enrollment, enrollment_id)
            target, _ = session.load(project.evolve_project, command.to_project_id)
            person = None if state is None else session.load(participant.evolve_participant, state.participant_id)[0]
            cases_there = (
                []
                if state is None
                else _cases_placed_in(session, person, state.participant_id, command.to_project_id)[0]
            )
            events = case.transfer(
                state,
                participant=person,
                to_project=target,
                to_project_id=command.to_project_id,
                transferred_on=command.transferred_on,
                reason=command.reason,
                to_unit_id=command.to_unit_id,
                to_unit=_unit_of(session, command.to_unit_id or (target.unit_id if target else None)),
                cases_in_target_project=cases_there,
            )
            when = on(context, command.transferred_on)
            return CommandAccepted.of(session.append(case.evolve_enrollment, enrollment_id, events, when))

        return await self._run(job, claim)

    async def withdraw(
        self, enrollment_id: UUID, command: c.Withdraw, context: CommandContext, claim: Claim
    ) -> CommandAccepted:
        return await self._decide(
            case.evolve_enrollment,
            enrollment_id,
            lambda state: case.withdraw(state, reason=command.reason, withdrawn_on=command.withdrawn_on),
            on(context, command.withdrawn_on),
            claim,
        )
