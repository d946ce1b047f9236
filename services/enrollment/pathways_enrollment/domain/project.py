"""Projects: a grant run by a career development unit in one province."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pathways_enrollment.domain.errors import EnrollmentRuleError


@dataclass(frozen=True, kw_only=True)
class ProjectRegistered:
    project_id: UUID
    name: str
    province_code: str
    region: str
    unit_id: UUID | None


@dataclass(frozen=True, kw_only=True)
class Project:
    id: UUID
    name: str
    province_code: str
    region: str
    unit_id: UUID | None


def register_project(
    state: Project | None, *, project_id: UUID, name: str, province_code: str, region: str, unit_id: UUID | None
) -> list[ProjectRegistered]:
    if state is not None:
        raise EnrollmentRuleError(f"project {project_id} is already registered", rule="project-registered-once")
    return [
        ProjectRegistered(project_id=project_id, name=name, province_code=province_code, region=region, unit_id=unit_id)
    ]


def evolve_project(state: Project | None, event: object) -> Project:
    match event:
        case ProjectRegistered():
            return Project(
                id=event.project_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                unit_id=event.unit_id,
            )
    raise TypeError(f"a project does not follow from {type(event).__name__}")
