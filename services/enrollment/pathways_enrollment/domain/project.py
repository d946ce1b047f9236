"""Projects: a grant run by a career development unit in one province.

Lifecycle: Proposed → Approved → Active → Closed; a proposal may be Rejected, an approved or active
project Terminated. A project starts from its area's problems and the community's capital: its
community needs assessment (problems, community capital, opportunities) is drafted, then validated,
and must be validated before the project is approved (projects approved earlier: before it becomes
active); its unit must be active to approve it, as applications go to it. Participants may enroll while the project
is Approved or Active.

Mentors' assignments to projects are facts of the Mentor aggregate (one writer per fact).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict
from uuid import UUID

from pathways_enrollment.domain.errors import (
    EnrollmentRuleError,
    TransitionNotAllowedError,
    refuse_earlier,
    require_existing,
    require_reason,
)
from pathways_enrollment.domain.names import EarlierName, a_new_name, after_rename, refuse_renaming_before
from pathways_enrollment.domain.screening import DEFAULT_INCOME_THRESHOLD_THB, EligibilityCriteria
from pathways_enrollment.domain.unit import (
    CareerDevelopmentUnit,
    UnitStatus,
    refuse_before_registration,
    require_active_unit,
)


class ProjectStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    TERMINATED = "TERMINATED"


OPEN_FOR_ENROLLMENT = frozenset({ProjectStatus.APPROVED, ProjectStatus.ACTIVE})
ENDED = frozenset({ProjectStatus.CLOSED, ProjectStatus.REJECTED, ProjectStatus.TERMINATED})


@dataclass(frozen=True, kw_only=True)
class ProjectEvent:
    """What every project event carries, so that other services need not look the project up."""

    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


@dataclass(frozen=True, kw_only=True)
class ProjectProposed(ProjectEvent):
    name: str
    grant_thb: Decimal
    income_threshold_thb: Decimal
    on: date | None = None  # the day it was proposed (None in events recorded before it was kept)


@dataclass(frozen=True, kw_only=True)
class ProjectStep(ProjectEvent):
    """A step of the project's lifecycle, on the day it was taken (None in events recorded before days were)."""

    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class ProjectApproved(ProjectStep):
    pass


@dataclass(frozen=True, kw_only=True)
class ProjectRejected(ProjectStep):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProjectActivated(ProjectStep):
    pass


@dataclass(frozen=True, kw_only=True)
class ProjectClosed(ProjectStep):
    pass


@dataclass(frozen=True, kw_only=True)
class ProjectTerminated(ProjectStep):
    reason: str


@dataclass(frozen=True, kw_only=True)
class CommunityNeedsAssessed(ProjectEvent):
    """A draft of the assessment; a later draft replaces it until it is validated."""

    problems: tuple[str, ...]
    community_capital: tuple[str, ...]
    opportunities: tuple[str, ...]
    assessed_on: date


@dataclass(frozen=True, kw_only=True)
class CommunityNeedsAssessmentValidated(ProjectEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class ProjectRenamed(ProjectEvent):
    name: str
    previous_name: str
    renamed_on: date


EVENTS: tuple[type, ...] = (
    ProjectProposed,
    ProjectApproved,
    ProjectRejected,
    ProjectActivated,
    ProjectClosed,
    ProjectTerminated,
    CommunityNeedsAssessed,
    CommunityNeedsAssessmentValidated,
    ProjectRenamed,
)


@dataclass(frozen=True, kw_only=True)
class CommunityNeedsAssessment:
    problems: tuple[str, ...]
    community_capital: tuple[str, ...]
    opportunities: tuple[str, ...]
    assessed_on: date
    validated: bool = False


@dataclass(frozen=True, kw_only=True)
class Project:
    id: UUID
    name: str
    province_code: str
    region: str
    unit_id: UUID | None
    status: ProjectStatus = ProjectStatus.PROPOSED
    grant_thb: Decimal | None = None
    eligibility: EligibilityCriteria = field(default_factory=EligibilityCriteria)
    needs_assessment: CommunityNeedsAssessment | None = None
    status_since: date | None = field(
        default=None,
        metadata={"description": "The day of the step that set the status (or of the proposal), when told."},
    )
    rejection_reason: str | None = None
    opened_on: date | None = field(
        default=None, metadata={"description": "The day it was approved (opened for enrollment), when told."}
    )
    proposed_on: date | None = field(
        default=None, metadata={"description": "The day it was proposed; null: proposed before the day was kept."}
    )
    earlier_names: tuple[EarlierName, ...] = field(
        default=(), metadata={"description": "The names it had before, each with the days it held it, oldest first."}
    )

    @property
    def is_open_for_enrollment(self) -> bool:
        return self.status in OPEN_FOR_ENROLLMENT

    @property
    def dates_from(self) -> date | None:
        """The first day the project is known to have existed on: its proposal's; for one proposed before that
        day was kept, the earliest day of a step or rename it had (None: nothing about it is dated)."""
        if self.proposed_on is not None:
            return self.proposed_on
        first_renamed_on = self.earlier_names[0].renamed_on if self.earlier_names else None
        return min((d for d in (self.opened_on, self.status_since, first_renamed_on) if d is not None), default=None)

    def was_open_on(self, day: date) -> bool:
        """Open on ``day``, though closed or terminated since: a form from then, typed in after the end."""
        return (
            self.status in (ProjectStatus.CLOSED, ProjectStatus.TERMINATED)
            and self.opened_on is not None
            and self.status_since is not None
            and day < self.status_since
        )


def require_open_project(project: Project | None, project_id: UUID, *, on: date | None = None) -> Project:
    """The project, if participants may enroll in it: open now, or (``on`` given) on that day, before it
    closed or was terminated. A project still proposed may be approved later."""
    found = require_existing(project, f"project {project_id}")
    if found.is_open_for_enrollment or (on is not None and found.was_open_on(on)):
        return found
    since = f" since {found.status_since}" if found.status_since is not None else ""
    if found.rejection_reason is not None:
        since += f" ({found.rejection_reason}; it never opened)"
    raise EnrollmentRuleError(
        f"project {project_id} is {found.status.value}{since}; participants enroll only while it is APPROVED or "
        "ACTIVE" + (f" (not on {on})" if on is not None else ""),
        rule="project-not-open-for-enrollment",
        retryable=found.status == ProjectStatus.PROPOSED,
    )


class _ProjectEventFields(TypedDict):
    project_id: UUID
    unit_id: UUID | None
    province_code: str
    region: str


def _event_fields(project: Project) -> _ProjectEventFields:
    """What every project event carries (see :class:`ProjectEvent`)."""
    return _ProjectEventFields(
        project_id=project.id, unit_id=project.unit_id, province_code=project.province_code, region=project.region
    )


def _transition(state: Project | None, action: str, allowed_from: Iterable[ProjectStatus]) -> Project:
    project = require_existing(state, "this project")
    allowed = tuple(allowed_from)
    if project.status not in allowed:
        raise TransitionNotAllowedError(aggregate="project", status=project.status, action=action, allowed_from=allowed)
    return project


def propose_project(
    state: Project | None,
    *,
    project_id: UUID,
    name: str,
    province_code: str,
    region: str,
    unit: CareerDevelopmentUnit | None,
    unit_id: UUID,
    grant_thb: Decimal,
    on: date,
    income_threshold_thb: Decimal = DEFAULT_INCOME_THRESHOLD_THB,
) -> list[ProjectProposed]:
    if state is not None:
        raise EnrollmentRuleError(f"project {project_id} is already registered", rule="project-registered-once")
    if not name.strip():
        raise EnrollmentRuleError("a project needs a name", rule="name-required")
    found = require_existing(unit, f"career development unit {unit_id}")
    if found.status not in (UnitStatus.REGISTERED, UnitStatus.ACTIVE):
        raise EnrollmentRuleError(
            f"career development unit {unit_id} is {found.status.value} and cannot propose projects",
            rule="unit-cannot-propose-projects",
            retryable=found.status == UnitStatus.SUSPENDED,
        )
    refuse_before_registration(found, on, action="propose a project", rule="proposed-before-unit-registered")
    if not grant_thb.is_finite() or grant_thb <= 0:
        raise EnrollmentRuleError("the grant must be a positive amount of baht", rule="grant-amount-positive")
    if not income_threshold_thb.is_finite() or income_threshold_thb <= 0:
        raise EnrollmentRuleError(
            "the income threshold must be a positive amount of baht", rule="income-threshold-positive"
        )
    return [
        ProjectProposed(
            project_id=project_id,
            unit_id=unit_id,
            province_code=province_code,
            region=region,
            name=name.strip(),
            grant_thb=grant_thb,
            income_threshold_thb=income_threshold_thb,
            on=on,
        )
    ]


def _not_before_the_last_step(p: Project, on: date, action: str) -> None:
    refuse_earlier(
        on,
        than=p.status_since,
        rule="project-step-before-the-last",
        message=f"project {p.id} is {p.status.value} since {p.status_since}; it cannot {action} before, on {on}",
    )


def _require_validated_assessment(p: Project, *, to: str) -> None:
    if p.needs_assessment is None or not p.needs_assessment.validated:
        raise EnrollmentRuleError(
            f"project {p.id} needs a validated community needs assessment before it {to}",
            rule="needs-assessment-required",
        )


def approve_project(state: Project | None, *, unit: CareerDevelopmentUnit | None, on: date) -> list[ProjectApproved]:
    """Open the proposal for enrollment: its curriculum is co-designed from the community's needs, so the
    assessment is validated first; and its unit, which takes the applications, is active."""
    p = _transition(state, "approve", (ProjectStatus.PROPOSED,))
    _not_before_the_last_step(p, on, "be approved")
    _require_validated_assessment(p, to="is approved")
    if p.unit_id is not None:
        require_active_unit(unit, p.unit_id, to="approve its project")
    return [ProjectApproved(**_event_fields(p), on=on)]


def reject_project(state: Project | None, *, reason: str, on: date) -> list[ProjectRejected]:
    p = _transition(state, "reject", (ProjectStatus.PROPOSED,))
    _not_before_the_last_step(p, on, "be rejected")
    return [ProjectRejected(**_event_fields(p), reason=require_reason(reason, action="reject a project"), on=on)]


def activate_project(state: Project | None, *, unit: CareerDevelopmentUnit | None, on: date) -> list[ProjectActivated]:
    """Start the project: approved, its needs assessment validated, and its unit active."""
    p = _transition(state, "activate", (ProjectStatus.APPROVED,))
    _not_before_the_last_step(p, on, "start")
    # Approval checks this too, but projects approved before it did may lack one.
    _require_validated_assessment(p, to="starts")
    if p.unit_id is not None:
        require_active_unit(unit, p.unit_id, to="start a project")
    return [ProjectActivated(**_event_fields(p), on=on)]


def close_project(state: Project | None, *, on: date) -> list[ProjectClosed]:
    p = _transition(state, "close", (ProjectStatus.ACTIVE,))
    _not_before_the_last_step(p, on, "close")
    return [ProjectClosed(**_event_fields(p), on=on)]


def terminate_project(state: Project | None, *, reason: str, on: date) -> list[ProjectTerminated]:
    p = _transition(state, "terminate", (ProjectStatus.APPROVED, ProjectStatus.ACTIVE))
    _not_before_the_last_step(p, on, "be terminated")
    reason = require_reason(reason, action="terminate a project")
    return [ProjectTerminated(**_event_fields(p), reason=reason, on=on)]


def rename_project(state: Project | None, *, name: str, renamed_on: date) -> list[ProjectRenamed]:
    """Rename the project from ``renamed_on`` on, until it ends; the name it had is kept among its earlier names."""
    p = require_existing(state, "this project")
    what = f"project {p.id}"
    if p.status in ENDED:
        since = f" since {p.status_since}" if p.status_since is not None else ""
        raise EnrollmentRuleError(
            f"{what} is {p.status.value}{since}: an ended project keeps the name it ended with",
            rule="ended-project-cannot-be-renamed",
        )
    new_name = a_new_name(name, current=p.name, what=what)
    refuse_renaming_before(renamed_on, first_day=p.proposed_on, earlier=p.earlier_names, what=what, first="proposal")
    return [ProjectRenamed(**_event_fields(p), name=new_name, previous_name=p.name, renamed_on=renamed_on)]


def _findings(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(item.strip() for item in items if item.strip())


def assess_community_needs(
    state: Project | None,
    *,
    problems: Iterable[str],
    community_capital: Iterable[str],
    opportunities: Iterable[str],
    assessed_on: date,
) -> list[CommunityNeedsAssessed]:
    """Record (or redraft) the community needs assessment, before the project starts."""
    p = _transition(state, "assess community needs for", (ProjectStatus.PROPOSED, ProjectStatus.APPROVED))
    if p.needs_assessment is not None and p.needs_assessment.validated:
        raise EnrollmentRuleError(
            f"the community needs assessment of project {p.id} is validated and can no longer change",
            rule="needs-assessment-validated",
        )
    found = {
        "problems": _findings(problems),
        "community capital": _findings(community_capital),
        "opportunities": _findings(opportunities),
    }
    missing = [name for name, items in found.items() if not items]
    if missing:
        raise EnrollmentRuleError(
            f"a community needs assessment names at least one of each; missing: {', '.join(missing)}",
            rule="needs-assessment-incomplete",
        )
    return [
        CommunityNeedsAssessed(
            **_event_fields(p),
            problems=found["problems"],
            community_capital=found["community capital"],
            opportunities=found["opportunities"],
            assessed_on=assessed_on,
        )
    ]


def validate_needs_assessment(state: Project | None) -> list[CommunityNeedsAssessmentValidated]:
    p = _transition(state, "validate the needs assessment of", (ProjectStatus.PROPOSED, ProjectStatus.APPROVED))
    if p.needs_assessment is None:
        raise EnrollmentRuleError(
            f"project {p.id} has no community needs assessment to validate", rule="needs-assessment-required"
        )
    if p.needs_assessment.validated:
        raise EnrollmentRuleError(
            f"the community needs assessment of project {p.id} is already validated", rule="needs-assessment-validated"
        )
    return [CommunityNeedsAssessmentValidated(**_event_fields(p))]


STATUS_AFTER: dict[type, ProjectStatus] = {
    ProjectApproved: ProjectStatus.APPROVED,
    ProjectRejected: ProjectStatus.REJECTED,
    ProjectActivated: ProjectStatus.ACTIVE,
    ProjectClosed: ProjectStatus.CLOSED,
    ProjectTerminated: ProjectStatus.TERMINATED,
}


def evolve_project(state: Project | None, event: object) -> Project:
    match event:
        case ProjectProposed():
            return Project(
                id=event.project_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                unit_id=event.unit_id,
                grant_thb=event.grant_thb,
                eligibility=EligibilityCriteria(income_threshold_thb=event.income_threshold_thb),
                status_since=event.on,
                proposed_on=event.on,
            )
        case ProjectRenamed() if state is not None:
            earlier = after_rename(
                state.earlier_names, first_day=state.proposed_on, name=state.name, renamed_on=event.renamed_on
            )
            return replace(state, name=event.name, earlier_names=earlier)
        case ProjectRejected() if state is not None:
            return replace(state, status=ProjectStatus.REJECTED, status_since=event.on, rejection_reason=event.reason)
        case ProjectApproved() if state is not None:
            return replace(state, status=STATUS_AFTER[type(event)], status_since=event.on, opened_on=event.on)
        case ProjectStep() if state is not None:
            return replace(state, status=STATUS_AFTER[type(event)], status_since=event.on)
        case CommunityNeedsAssessed() if state is not None:
            assessment = CommunityNeedsAssessment(
                problems=event.problems,
                community_capital=event.community_capital,
                opportunities=event.opportunities,
                assessed_on=event.assessed_on,
            )
            return replace(state, needs_assessment=assessment)
        case CommunityNeedsAssessmentValidated() if state is not None and state.needs_assessment is not None:
            return replace(state, needs_assessment=replace(state.needs_assessment, validated=True))
    raise TypeError(f"a project does not follow from {type(event).__name__}")
