"""Projects as training knows them: learned from the enrollment service when they open.

Curricula and cohorts belong to a project. The enrollment service owns projects; training learns of
each one from its ``project.opened`` event and refuses curricula and cohorts for a project it has not
heard of yet (retryable: the event may still be on its way).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pathways_training.domain.errors import TrainingRuleError


@dataclass(frozen=True, kw_only=True)
class ProjectLearned:
    """The enrollment service reported the project open."""

    project_id: UUID
    name: str | None
    province_code: str
    region: str
    unit_id: UUID | None = None


@dataclass(frozen=True, kw_only=True)
class KnownProject:
    project_id: UUID
    name: str | None
    province_code: str
    region: str
    unit_id: UUID | None = None


def learn_project(
    state: KnownProject | None,
    *,
    project_id: UUID,
    name: str | None,
    province_code: str,
    region: str,
    unit_id: UUID | None,
) -> list[ProjectLearned]:
    """Reaction to a project opened in the enrollment service; hearing of it again changes nothing."""
    if state is not None:
        return []
    return [
        ProjectLearned(project_id=project_id, name=name, province_code=province_code, region=region, unit_id=unit_id)
    ]


def require_known_project(project: KnownProject | None, project_id: UUID) -> KnownProject:
    if project is None:
        raise TrainingRuleError(
            f"project {project_id} is not known to training (yet: it must open in the enrollment service first)",
            rule="project-must-be-known",
            retryable=True,
        )
    return project


def evolve_project(state: KnownProject | None, event: object) -> KnownProject:
    match event:
        case ProjectLearned():
            return KnownProject(
                project_id=event.project_id,
                name=event.name,
                province_code=event.province_code,
                region=event.region,
                unit_id=event.unit_id,
            )
    raise TypeError(f"a known project does not follow from {type(event).__name__} at {state}")
