"""Mentors: coach the career development units and their projects, spread over the country.

A mentor is Active or Inactive. Assignments, to a unit or to a project, run from a first day to a
last day (both included; open-ended until ended). Coaching visits are logged against an assignment
and must fall within it, so an assignment cannot end before a visit logged in it; one visit a day per
assignment (a second is a duplicate, typed in twice). A visit's notes (what was found and agreed) are
free text, published as written like a reason. Deactivating a mentor ends their open assignments on that day.

Neither an assignment nor a visit is dated before the unit was registered, whether it is to the unit or to
one of its projects (a unit registered before the day was kept refuses nothing). Visits are checked too, as an
assignment may still begin earlier: one recorded before this rule, or one to a project whose unit's registration
day was corrected to a later one since (a correction is held to the assignments to the unit itself, not to those to
its projects). A project's proposal day does not bound its assignments: the work that leads
to a proposal comes before it (a mentor may be assigned to a project to prepare it), that day cannot be
corrected, and the unit's registration day, which can, bounds it already.

Mentors are people: their contact (a full name, and a phone if given) is personal data and lives in the
enrollment service's vault, encrypted under a key of the mentor's own, never in events, streams, read
models or logs. Here a mentor is its id, and the contact only as facts without values: it was given
(``MentorContactGiven``, at registration or later), which fields were corrected (``MentorContactRectified``),
and that it was erased (``MentorContactErased``, its key destroyed). None of the three is published: no
stream ever held the contact, and nobody outside enrollment reads mentors. An erased contact is not given
again (the vault keeps a tombstone under the id); the mentor, its assignments and visits stay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    TransitionNotAllowedError,
    refuse_earlier,
    require_existing,
)
from pathways_enrollment.domain.project import ENDED as PROJECT_ENDED
from pathways_enrollment.domain.project import Project
from pathways_enrollment.domain.unit import CareerDevelopmentUnit, UnitStatus, refuse_before_registration


class MentorStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class ContactStatus(StrEnum):
    """Whether the vault holds the mentor's contact."""

    NONE = "NONE"  # never given
    HELD = "HELD"
    ERASED = "ERASED"


FULL_NAME = "full_name"
PHONE = "phone"
CONTACT_FIELDS: tuple[str, ...] = (FULL_NAME, PHONE)
"""A mentor's contact: nothing else of theirs is kept (no national ID, address or date of birth)."""


@dataclass(frozen=True, kw_only=True)
class MentorRegistered:
    mentor_id: UUID


@dataclass(frozen=True, kw_only=True)
class MentorAssigned:
    """Assigned to a project when ``project_id`` is set, otherwise to the unit ``unit_id``."""

    mentor_id: UUID
    assignment_id: UUID
    unit_id: UUID | None
    project_id: UUID | None
    province_code: str
    region: str
    from_date: date


@dataclass(frozen=True, kw_only=True)
class MentorAssignmentEnded:
    mentor_id: UUID
    assignment_id: UUID
    to_date: date


@dataclass(frozen=True, kw_only=True)
class MentorCoachingVisitLogged:
    mentor_id: UUID
    visit_id: UUID
    assignment_id: UUID
    unit_id: UUID | None
    project_id: UUID | None
    province_code: str
    region: str
    visited_on: date
    notes: str | None = None  # findings and agreed actions; absent from visits logged before notes were kept


@dataclass(frozen=True, kw_only=True)
class MentorDeactivated:
    mentor_id: UUID


@dataclass(frozen=True, kw_only=True)
class MentorReactivated:
    mentor_id: UUID


@dataclass(frozen=True, kw_only=True)
class MentorContactGiven:
    """The mentor's contact was stored in the vault: which fields, never their values."""

    mentor_id: UUID
    fields: tuple[str, ...]
    given_on: date


@dataclass(frozen=True, kw_only=True)
class MentorContactRectified:
    """The contact in the vault was corrected (a phone given as null: removed): which fields, never their values."""

    mentor_id: UUID
    fields: tuple[str, ...]
    rectified_on: date


@dataclass(frozen=True, kw_only=True)
class MentorContactErased:
    """The contact's key and record were destroyed in the vault."""

    mentor_id: UUID
    erased_on: date


EVENTS: tuple[type, ...] = (
    MentorRegistered,
    MentorAssigned,
    MentorAssignmentEnded,
    MentorCoachingVisitLogged,
    MentorDeactivated,
    MentorReactivated,
    MentorContactGiven,
    MentorContactRectified,
    MentorContactErased,
)


@dataclass(frozen=True, kw_only=True)
class LoggedVisit:
    id: UUID
    visited_on: date


@dataclass(frozen=True, kw_only=True)
class MentorAssignment:
    id: UUID
    unit_id: UUID | None
    project_id: UUID | None
    province_code: str
    region: str
    from_date: date
    to_date: date | None = field(
        default=None,
        metadata={"description": "The last day (included); null while open-ended. Before from_date: withdrawn."},
    )
    last_visit_on: date | None = None
    visits: tuple[LoggedVisit, ...] = field(default=(), metadata={"description": "Coaching visits logged under it."})

    def visit_on(self, day: date) -> LoggedVisit | None:
        return next((visit for visit in self.visits if visit.visited_on == day), None)

    @property
    def target(self) -> tuple[str, UUID | None]:
        return ("project", self.project_id) if self.project_id is not None else ("unit", self.unit_id)

    def covers(self, day: date) -> bool:
        return self.from_date <= day and (self.to_date is None or day <= self.to_date)

    @property
    def day_before(self) -> date:
        """Ended on this day, the assignment covers no day: withdrawn before it began (planned ahead)."""
        return self.from_date - timedelta(days=1)

    @property
    def withdrawn(self) -> bool:
        return self.to_date is not None and self.to_date < self.from_date

    def runs_after(self, day: date) -> bool:
        return self.to_date is None or self.to_date > day


@dataclass(frozen=True, kw_only=True)
class Mentor:
    id: UUID
    status: MentorStatus = MentorStatus.ACTIVE
    assignments: tuple[MentorAssignment, ...] = ()
    visit_ids: frozenset[UUID] = field(default=frozenset(), metadata={"description": "Every coaching visit logged."})
    contact: ContactStatus = field(
        default=ContactStatus.NONE,
        metadata={"description": "Whether the vault holds the contact: NONE (never given), HELD or ERASED."},
    )
    contact_changed_on: date | None = field(
        default=None, metadata={"description": "The day the contact was last given, corrected or erased."}
    )

    @property
    def open_assignments(self) -> tuple[MentorAssignment, ...]:
        return tuple(a for a in self.assignments if a.to_date is None)

    def assignments_after(self, day: date) -> tuple[MentorAssignment, ...]:
        """Those that go on past ``day``: open-ended, or ending (as planned) on a later day."""
        return tuple(a for a in self.assignments if a.runs_after(day) and not a.withdrawn)

    def assignment(self, assignment_id: UUID) -> MentorAssignment:
        for found in self.assignments:
            if found.id == assignment_id:
                return found
        raise EnrollmentRuleError(f"mentor {self.id} has no assignment {assignment_id}", rule="assignment-not-found")


class _WhereFields(TypedDict):
    unit_id: UUID | None
    project_id: UUID | None
    province_code: str
    region: str


def _where(of: MentorAssignment | MentorAssigned) -> _WhereFields:
    """Where an assignment (or its event) has the mentor: the unit or project, and its province and region."""
    return _WhereFields(unit_id=of.unit_id, project_id=of.project_id, province_code=of.province_code, region=of.region)


def register_mentor(
    state: Mentor | None, *, mentor_id: UUID, contact_fields: Iterable[str] = (), on: date | None = None
) -> list[MentorRegistered | MentorContactGiven]:
    """Register the mentor; with ``contact_fields`` (those given, a full name among them), its contact too, ``on``."""
    if state is not None:
        raise EnrollmentRuleError(f"mentor {mentor_id} is already registered", rule="mentor-registered-once")
    registered = MentorRegistered(mentor_id=mentor_id)
    given = tuple(contact_fields)
    if not given:
        return [registered]
    if on is None:
        raise ValueError("a contact given at registration needs the day it was given")
    return [registered, _first_contact(evolve_mentor(None, registered), given, on)]


def _contact_fields(fields: Iterable[str]) -> tuple[str, ...]:
    named = set(fields)
    if not named or named - set(CONTACT_FIELDS):
        raise EnrollmentRuleError(
            f"name at least one of {', '.join(CONTACT_FIELDS)} of a mentor's contact, and nothing else",
            rule="mentor-contact-what",
        )
    return tuple(field for field in CONTACT_FIELDS if field in named)


def _refuse_contact_erased(mentor: Mentor, action: str) -> None:
    if mentor.contact is ContactStatus.ERASED:
        raise EnrollmentRuleError(
            f"mentor {mentor.id}'s contact was erased on {mentor.contact_changed_on} and cannot {action}",
            rule="mentor-contact-erased",
        )


def _refuse_before_last_contact_change(mentor: Mentor, day: date, what: str) -> None:
    refuse_earlier(
        day,
        than=mentor.contact_changed_on,
        rule="mentor-contact-before-last-change",
        message=f"mentor {mentor.id}'s contact was last given or corrected on {mentor.contact_changed_on}; "
        f"it cannot be {what} before, on {day}",
    )


def give_mentor_contact(
    state: Mentor | None, *, fields: Iterable[str], on: date
) -> list[MentorContactGiven | MentorContactRectified]:
    """Give the mentor's contact (none held: a full name is needed) or correct the fields named (one held)."""
    mentor = require_existing(state, "this mentor")
    _refuse_contact_erased(mentor, "be given again")
    given = tuple(fields)
    if mentor.contact is ContactStatus.HELD:
        named = _contact_fields(given)
        _refuse_before_last_contact_change(mentor, on, "corrected")
        return [MentorContactRectified(mentor_id=mentor.id, fields=named, rectified_on=on)]
    return [_first_contact(mentor, given, on)]


def _first_contact(mentor: Mentor, given: tuple[str, ...], on: date) -> MentorContactGiven:
    if FULL_NAME not in given:
        raise EnrollmentRuleError(
            f"mentor {mentor.id} has no contact yet: give their full_name with it", rule="mentor-contact-needs-name"
        )
    return MentorContactGiven(mentor_id=mentor.id, fields=_contact_fields(given), given_on=on)


def erase_mentor_contact(state: Mentor | None, *, erased_on: date) -> list[MentorContactErased]:
    """Erase the contact held (PDPA §33): the vault destroys its key; the mentor and its history stay."""
    mentor = require_existing(state, "this mentor")
    _refuse_contact_erased(mentor, "be erased again")
    if mentor.contact is ContactStatus.NONE:
        raise EnrollmentRuleError(
            f"no contact is held for mentor {mentor.id}: there is nothing to erase", rule="mentor-contact-missing"
        )
    _refuse_before_last_contact_change(mentor, erased_on, "erased")
    return [MentorContactErased(mentor_id=mentor.id, erased_on=erased_on)]


def _assign(mentor: Mentor, candidate: MentorAssignment) -> list[MentorAssigned]:
    if mentor.status != MentorStatus.ACTIVE:
        raise EnrollmentRuleError(f"mentor {mentor.id} is inactive and cannot be assigned", rule="mentor-not-active")
    if any(a.id == candidate.id for a in mentor.assignments):
        raise EnrollmentRuleError(f"assignment {candidate.id} is already recorded", rule="assignment-recorded-once")
    for existing in mentor.assignments:
        if existing.target == candidate.target and not existing.withdrawn and existing.runs_after(candidate.day_before):
            kind, target_id = candidate.target
            raise EnrollmentRuleError(
                f"mentor {mentor.id} is already assigned to {kind} {target_id} from {existing.from_date}",
                rule="assignment-overlaps",
            )
    return [
        MentorAssigned(
            mentor_id=mentor.id, assignment_id=candidate.id, **_where(candidate), from_date=candidate.from_date
        )
    ]


def _target_ended(target: str, status: str) -> EnrollmentRuleError:
    return EnrollmentRuleError(
        f"{target} is {status}; mentors are no longer assigned to it", rule="assignment-target-ended"
    )


def assign_mentor_to_unit(
    state: Mentor | None,
    *,
    assignment_id: UUID,
    unit: CareerDevelopmentUnit | None,
    unit_id: UUID,
    from_date: date,
) -> list[MentorAssigned]:
    mentor = require_existing(state, "this mentor")
    found = require_existing(unit, f"career development unit {unit_id}")
    if found.status == UnitStatus.DEACTIVATED:
        raise _target_ended(f"career development unit {unit_id}", "deactivated")
    refuse_before_registration(
        found, from_date, action="have a mentor assigned", rule="assigned-before-unit-registered"
    )
    return _assign(
        mentor,
        MentorAssignment(
            id=assignment_id,
            unit_id=found.id,
            project_id=None,
            province_code=found.province_code,
            region=found.region,
            from_date=from_date,
        ),
    )


def assign_mentor_to_project(
    state: Mentor | None,
    *,
    assignment_id: UUID,
    project: Project | None,
    project_id: UUID,
    unit: CareerDevelopmentUnit | None,
    from_date: date,
) -> list[MentorAssigned]:
    """``unit``: the project's (None for a project without one)."""
    mentor = require_existing(state, "this mentor")
    found = require_existing(project, f"project {project_id}")
    if found.status in PROJECT_ENDED:
        raise _target_ended(f"project {project_id}", found.status.value)
    if unit is not None:
        refuse_before_registration(
            unit,
            from_date,
            action=f"have a mentor assigned to its project {project_id}",
            rule="assigned-before-unit-registered",
        )
    return _assign(
        mentor,
        MentorAssignment(
            id=assignment_id,
            unit_id=found.unit_id,
            project_id=found.id,
            province_code=found.province_code,
            region=found.region,
            from_date=from_date,
        ),
    )


def _end(mentor: Mentor, assignment: MentorAssignment, to_date: date) -> MentorAssignmentEnded:
    if assignment.to_date is not None and to_date >= assignment.to_date:
        # Brought forward, a planned end (or a deactivation) may end it sooner; it never ends twice or later.
        raise EnrollmentRuleError(
            f"assignment {assignment.id} already ends on {assignment.to_date}; its end may only be brought forward",
            rule="assignment-already-ended",
        )
    refuse_earlier(
        to_date,
        than=assignment.day_before,
        rule="assignment-ends-before-it-starts",
        message=f"assignment {assignment.id} starts on {assignment.from_date} and cannot end before it, on "
        f"{to_date} (ending it on {assignment.day_before} withdraws it as never begun)",
    )
    refuse_earlier(
        to_date,
        than=assignment.last_visit_on,
        rule="assignment-ends-before-visit",
        message=f"a coaching visit on {assignment.last_visit_on} is logged in assignment {assignment.id}; "
        f"it cannot end before, on {to_date}",
    )
    return MentorAssignmentEnded(mentor_id=mentor.id, assignment_id=assignment.id, to_date=to_date)


def end_mentor_assignment(state: Mentor | None, *, assignment_id: UUID, to_date: date) -> list[MentorAssignmentEnded]:
    mentor = require_existing(state, "this mentor")
    return [_end(mentor, mentor.assignment(assignment_id), to_date)]


def log_coaching_visit(
    state: Mentor | None,
    *,
    visit_id: UUID,
    assignment_id: UUID,
    visited_on: date,
    unit: CareerDevelopmentUnit | None,
    notes: str | None = None,
) -> list[MentorCoachingVisitLogged]:
    """``unit``: the one the assignment is to, or its project's (None when it names none)."""
    mentor = require_existing(state, "this mentor")
    if visit_id in mentor.visit_ids:
        raise EnrollmentRuleError(f"coaching visit {visit_id} is already logged", rule="coaching-visit-logged-once")
    assignment = mentor.assignment(assignment_id)
    if not assignment.covers(visited_on):
        kind, target_id = assignment.target
        raise EnrollmentRuleError(
            f"mentor {mentor.id} was not assigned to {kind} {target_id} on {visited_on}",
            rule="visit-outside-assignment",
        )
    if unit is not None:
        to_project = "" if assignment.project_id is None else f" to its project {assignment.project_id}"
        refuse_before_registration(
            unit, visited_on, action=f"have a coaching visit{to_project}", rule="visited-before-unit-registered"
        )
    logged = assignment.visit_on(visited_on)
    if logged is not None:
        raise EnrollmentRuleError(
            f"coaching visit {logged.id} is already logged in assignment {assignment.id} on {visited_on}",
            rule="coaching-visit-duplicate",
        )
    return [
        MentorCoachingVisitLogged(
            mentor_id=mentor.id,
            visit_id=visit_id,
            assignment_id=assignment.id,
            **_where(assignment),
            visited_on=visited_on,
            notes=notes,
        )
    ]


def deactivate_mentor(state: Mentor | None, *, on: date) -> list[MentorAssignmentEnded | MentorDeactivated]:
    """Make the mentor inactive, ending on ``on`` each assignment that would go on past it (one
    planned to begin later is withdrawn: ended the day before it begins)."""
    mentor = require_existing(state, "this mentor")
    if mentor.status != MentorStatus.ACTIVE:
        raise TransitionNotAllowedError(
            aggregate="mentor", status=mentor.status, action="deactivate", allowed_from=(MentorStatus.ACTIVE,)
        )
    ended: list[MentorAssignmentEnded | MentorDeactivated] = [
        _end(mentor, a, max(on, a.day_before)) for a in mentor.assignments_after(on)
    ]
    return [*ended, MentorDeactivated(mentor_id=mentor.id)]


def reactivate_mentor(state: Mentor | None) -> list[MentorReactivated]:
    mentor = require_existing(state, "this mentor")
    if mentor.status != MentorStatus.INACTIVE:
        raise TransitionNotAllowedError(
            aggregate="mentor", status=mentor.status, action="reactivate", allowed_from=(MentorStatus.INACTIVE,)
        )
    return [MentorReactivated(mentor_id=mentor.id)]


def _with_visit(assignment: MentorAssignment, event: MentorCoachingVisitLogged) -> MentorAssignment:
    visited_on = event.visited_on
    last = visited_on if assignment.last_visit_on is None else max(assignment.last_visit_on, visited_on)
    visits = (*assignment.visits, LoggedVisit(id=event.visit_id, visited_on=visited_on))
    return replace(assignment, last_visit_on=last, visits=visits)


def evolve_mentor(state: Mentor | None, event: object) -> Mentor:
    match event:
        case MentorRegistered():
            return Mentor(id=event.mentor_id)
        case MentorAssigned() if state is not None:
            assignment = MentorAssignment(id=event.assignment_id, **_where(event), from_date=event.from_date)
            return replace(state, assignments=(*state.assignments, assignment))
        case MentorAssignmentEnded() if state is not None:
            assignments = tuple(
                replace(a, to_date=event.to_date) if a.id == event.assignment_id else a for a in state.assignments
            )
            return replace(state, assignments=assignments)
        case MentorCoachingVisitLogged() if state is not None:
            assignments = tuple(_with_visit(a, event) if a.id == event.assignment_id else a for a in state.assignments)
            return replace(state, visit_ids=state.visit_ids | {event.visit_id}, assignments=assignments)
        case MentorDeactivated() if state is not None:
            return replace(state, status=MentorStatus.INACTIVE)
        case MentorReactivated() if state is not None:
            return replace(state, status=MentorStatus.ACTIVE)
        case MentorContactGiven() if state is not None:
            return replace(state, contact=ContactStatus.HELD, contact_changed_on=event.given_on)
        case MentorContactRectified() if state is not None:
            return replace(state, contact_changed_on=event.rectified_on)
        case MentorContactErased() if state is not None:
            return replace(state, contact=ContactStatus.ERASED, contact_changed_on=event.erased_on)
    raise TypeError(f"a mentor does not follow from {type(event).__name__}")
