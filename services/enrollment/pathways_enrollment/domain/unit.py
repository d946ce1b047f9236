"""Career development units: the local organisations that run projects.

Lifecycle: Registered → Active ⇄ Suspended, and Deactivated (final) from any of them. A unit is registered on
a day (``registered_on``; units registered before it was kept have none), and may be renamed from a day on
while it is not deactivated (see ``names.py``).

Its projects are proposed on its registration day or later, and the unit notes each one proposed for it
(``ProjectProposalNoted``, in the proposal's transaction: a correction of the day and a proposal never pass
each other). A registration day recorded wrong (left out, so dated the day staff typed it in, or mistyped) is
corrected with ``CareerDevelopmentUnitRegistrationDayCorrected``, which keeps the day it replaces (see
``registration_day.py``). The corrected day is held to what the registration itself is held to: no later than
any of its projects (each from its proposal's day; one proposed before that day was kept, from its first dated
step or rename), nor than its first rename. Mentors' assignments to the unit or its projects, and their coaching
visits, are not dated before its registration day (see ``mentor.py``). The unit notes each mentor assigned to it
(``MentorAssignmentNoted``, in the assignment's transaction, as it notes proposals), and the corrected day is no
later than the first day of any of those assignments still standing (one withdrawn before it began covers no day).
It is not held to assignments to its projects, which it does not know: those may begin before a day corrected
later, and their visits before that day are refused. A deactivated unit is final, as an erased or merged
participant is: it keeps its day, as it keeps its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    TransitionNotAllowedError,
    refuse_earlier,
    refuse_later,
    require_existing,
    require_reason,
)
from pathways_enrollment.domain.names import (
    EarlierName,
    a_new_name,
    after_rename,
    first_named_on,
    refuse_renaming_before,
)
from pathways_enrollment.domain.registration_day import reason_for_correcting, refuse_registered_after_any


class UnitStatus(StrEnum):
    REGISTERED = "REGISTERED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DEACTIVATED = "DEACTIVATED"


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitRegistered:
    unit_id: UUID
    name: str
    province_code: str
    region: str
    registered_on: date | None = None  # None in events recorded before it was kept


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitRenamed:
    unit_id: UUID
    name: str
    previous_name: str
    renamed_on: date


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitRegistrationDayCorrected:
    """The unit was registered on ``registered_on``, not on ``previous_registered_on`` as recorded until then
    (None: registered before the day was kept)."""

    unit_id: UUID
    registered_on: date
    previous_registered_on: date | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProjectProposalNoted:
    """On the unit: a project was proposed for it (``project_id``)."""

    unit_id: UUID
    project_id: UUID


@dataclass(frozen=True, kw_only=True)
class MentorAssignmentNoted:
    """On the unit: mentor ``mentor_id`` was assigned to it (``assignment_id``)."""

    unit_id: UUID
    mentor_id: UUID
    assignment_id: UUID


@dataclass(frozen=True, kw_only=True)
class NotedAssignment:
    mentor_id: UUID
    assignment_id: UUID


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitActivated:
    unit_id: UUID


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitSuspended:
    unit_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitReinstated:
    unit_id: UUID


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnitDeactivated:
    unit_id: UUID
    reason: str


EVENTS: tuple[type, ...] = (
    CareerDevelopmentUnitRegistered,
    CareerDevelopmentUnitActivated,
    CareerDevelopmentUnitSuspended,
    CareerDevelopmentUnitReinstated,
    CareerDevelopmentUnitDeactivated,
    CareerDevelopmentUnitRenamed,
    CareerDevelopmentUnitRegistrationDayCorrected,
    ProjectProposalNoted,
    MentorAssignmentNoted,
)


@dataclass(frozen=True, kw_only=True)
class CareerDevelopmentUnit:
    id: UUID
    name: str
    province_code: str
    region: str
    status: UnitStatus
    registered_on: date | None = None  # None for units registered before the day was kept
    earlier_names: tuple[EarlierName, ...] = ()
    projects: tuple[UUID, ...] = ()  # projects proposed since the unit notes them (see ProjectProposalNoted)
    mentor_assignments: tuple[NotedAssignment, ...] = ()  # since the unit notes them (see MentorAssignmentNoted)

    @property
    def is_active(self) -> bool:
        return self.status == UnitStatus.ACTIVE


def require_active_unit(unit: CareerDevelopmentUnit | None, unit_id: UUID, *, to: str) -> CareerDevelopmentUnit:
    """The unit, if it is Active. A unit not yet active or suspended may be later: that is retryable."""
    found = require_existing(unit, f"career development unit {unit_id}")
    if not found.is_active:
        raise EnrollmentRuleError(
            f"career development unit {unit_id} is {found.status.value}; it must be ACTIVE to {to}",
            rule="unit-not-active",
            retryable=found.status in (UnitStatus.REGISTERED, UnitStatus.SUSPENDED),
        )
    return found


def refuse_before_registration(unit: CareerDevelopmentUnit, day: date, *, action: str, rule: str) -> None:
    """Refuse what the unit would do on ``day``, before it was registered (registered before the day was kept:
    nothing is refused)."""
    refuse_earlier(
        day,
        than=unit.registered_on,
        rule=rule,
        message=f"career development unit {unit.id} was registered on {unit.registered_on}; it cannot {action} "
        f"before, on {day}. If it was registered earlier, correct its registration day first "
        f"(POST /units/{unit.id}/registration-day/correction)",
    )


def _transition(
    state: CareerDevelopmentUnit | None, action: str, allowed_from: tuple[UnitStatus, ...]
) -> CareerDevelopmentUnit:
    unit = require_existing(state, "this career development unit")
    if unit.status not in allowed_from:
        raise TransitionNotAllowedError(aggregate="unit", status=unit.status, action=action, allowed_from=allowed_from)
    return unit


def register_unit(
    state: CareerDevelopmentUnit | None, *, unit_id: UUID, name: str, province_code: str, region: str, on: date
) -> list[CareerDevelopmentUnitRegistered]:
    if state is not None:
        raise EnrollmentRuleError(
            f"career development unit {unit_id} is already registered", rule="unit-registered-once"
        )
    if not name.strip():
        raise EnrollmentRuleError("a career development unit needs a name", rule="name-required")
    return [
        CareerDevelopmentUnitRegistered(
            unit_id=unit_id, name=name.strip(), province_code=province_code, region=region, registered_on=on
        )
    ]


def rename_unit(
    state: CareerDevelopmentUnit | None, *, name: str, renamed_on: date
) -> list[CareerDevelopmentUnitRenamed]:
    """Rename the unit from ``renamed_on`` on; the name it had is kept among its earlier names."""
    unit = require_existing(state, "this career development unit")
    what = f"career development unit {unit.id}"
    if unit.status == UnitStatus.DEACTIVATED:
        raise EnrollmentRuleError(
            f"{what} is DEACTIVATED: a deactivated unit keeps the name it ended with",
            rule="deactivated-unit-cannot-be-renamed",
        )
    new_name = a_new_name(name, current=unit.name, what=what)
    refuse_renaming_before(
        renamed_on, first_day=unit.registered_on, earlier=unit.earlier_names, what=what, first="registration"
    )
    return [
        CareerDevelopmentUnitRenamed(unit_id=unit.id, name=new_name, previous_name=unit.name, renamed_on=renamed_on)
    ]


def note_project_proposal(state: CareerDevelopmentUnit | None, *, project_id: UUID) -> list[ProjectProposalNoted]:
    """The unit knows each project proposed for it, once."""
    unit = require_existing(state, "this career development unit")
    if project_id in unit.projects:
        return []
    return [ProjectProposalNoted(unit_id=unit.id, project_id=project_id)]


def note_mentor_assignment(
    state: CareerDevelopmentUnit | None, *, mentor_id: UUID, assignment_id: UUID
) -> list[MentorAssignmentNoted]:
    """The unit knows each mentor's assignment to it, once."""
    unit = require_existing(state, "this career development unit")
    noted = NotedAssignment(mentor_id=mentor_id, assignment_id=assignment_id)
    if noted in unit.mentor_assignments:
        return []
    return [MentorAssignmentNoted(unit_id=unit.id, mentor_id=mentor_id, assignment_id=assignment_id)]


def correct_registration_day(
    state: CareerDevelopmentUnit | None,
    *,
    registered_on: date,
    reason: str,
    projects: Mapping[UUID, date],
    mentor_assignments: Mapping[UUID, date],
) -> list[CareerDevelopmentUnitRegistrationDayCorrected]:
    """Correct the day the unit was registered; the same day again records nothing (a retry, say).

    ``projects``: the day each of the unit's projects dates from (its proposal's, or for one proposed before
    that day was kept, its first dated step or rename), by project; those with no day are left out.
    ``mentor_assignments``: the first day of each mentor's assignment to the unit, by assignment; those
    withdrawn before they began are left out."""
    unit = require_existing(state, "this career development unit")
    what = f"career development unit {unit.id}"
    if unit.status == UnitStatus.DEACTIVATED:
        raise EnrollmentRuleError(
            f"{what} is DEACTIVATED: a deactivated unit keeps the registration day it ended with",
            rule="deactivated-unit-cannot-be-corrected",
        )
    why = reason_for_correcting(reason)
    if registered_on == unit.registered_on:
        return []
    refuse_registered_after_any(
        registered_on,
        projects,
        rule="registered-after-proposal",
        message=lambda project, since: f"project {project} of {what} dates from {since}; the unit cannot have been "
        f"registered later, on {registered_on}",
    )
    refuse_registered_after_any(
        registered_on,
        mentor_assignments,
        rule="registered-after-mentor-assignment",
        message=lambda assignment, since: f"mentor assignment {assignment} to {what} begins on {since}; the unit "
        f"cannot have been registered later, on {registered_on}. End it the day before it begins to withdraw it "
        f"first, if it never took place",
    )
    first_renamed_on = unit.earlier_names[0].renamed_on if unit.earlier_names else None
    refuse_later(
        registered_on,
        than=first_renamed_on,
        rule="registered-after-rename",
        message=f"{what} was renamed on {first_renamed_on}; it cannot have been registered later, on {registered_on}",
    )
    return [
        CareerDevelopmentUnitRegistrationDayCorrected(
            unit_id=unit.id, registered_on=registered_on, previous_registered_on=unit.registered_on, reason=why
        )
    ]


def activate_unit(state: CareerDevelopmentUnit | None) -> list[CareerDevelopmentUnitActivated]:
    unit = _transition(state, "activate", (UnitStatus.REGISTERED,))
    return [CareerDevelopmentUnitActivated(unit_id=unit.id)]


def suspend_unit(state: CareerDevelopmentUnit | None, *, reason: str) -> list[CareerDevelopmentUnitSuspended]:
    unit = _transition(state, "suspend", (UnitStatus.ACTIVE,))
    return [CareerDevelopmentUnitSuspended(unit_id=unit.id, reason=require_reason(reason, action="suspend a unit"))]


def reinstate_unit(state: CareerDevelopmentUnit | None) -> list[CareerDevelopmentUnitReinstated]:
    unit = _transition(state, "reinstate", (UnitStatus.SUSPENDED,))
    return [CareerDevelopmentUnitReinstated(unit_id=unit.id)]


def deactivate_unit(state: CareerDevelopmentUnit | None, *, reason: str) -> list[CareerDevelopmentUnitDeactivated]:
    unit = _transition(state, "deactivate", (UnitStatus.REGISTERED, UnitStatus.ACTIVE, UnitStatus.SUSPENDED))
    return [
        CareerDevelopmentUnitDeactivated(unit_id=unit.id, reason=require_reason(reason, action="deactivate a unit"))
    ]


def evolve_unit(state: CareerDevelopmentUnit | None, event: object) -> CareerDevelopmentUnit:
    match event:
        case CareerDevelopmentUnitRegistered():
            return CareerDevelopmentUnit(
                id=event.unit_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                status=UnitStatus.REGISTERED,
                registered_on=event.registered_on,
            )
        case CareerDevelopmentUnitRenamed() if state is not None:
            earlier = after_rename(
                state.earlier_names, first_day=state.registered_on, name=state.name, renamed_on=event.renamed_on
            )
            return replace(state, name=event.name, earlier_names=earlier)
        case CareerDevelopmentUnitRegistrationDayCorrected() if state is not None:
            return replace(
                state,
                registered_on=event.registered_on,
                earlier_names=first_named_on(state.earlier_names, event.registered_on),
            )
        case ProjectProposalNoted() if state is not None:
            return replace(state, projects=(*state.projects, event.project_id))
        case MentorAssignmentNoted() if state is not None:
            noted = NotedAssignment(mentor_id=event.mentor_id, assignment_id=event.assignment_id)
            return replace(state, mentor_assignments=(*state.mentor_assignments, noted))
        case CareerDevelopmentUnitActivated() | CareerDevelopmentUnitReinstated() if state is not None:
            return replace(state, status=UnitStatus.ACTIVE)
        case CareerDevelopmentUnitSuspended() if state is not None:
            return replace(state, status=UnitStatus.SUSPENDED)
        case CareerDevelopmentUnitDeactivated() if state is not None:
            return replace(state, status=UnitStatus.DEACTIVATED)
    raise TypeError(f"a career development unit does not follow from {type(event).__name__}")
