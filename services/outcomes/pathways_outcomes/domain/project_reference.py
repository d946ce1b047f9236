"""Where a project runs, as enrollment told it: passed on to integrators, who read OUTCOMES only.

Outcomes events name a case's project by id alone. An integrator (a provincial employment office, say)
needs its province and region to know which cases are theirs, and may not read ENROLLMENT. So the
project's place is noted once per project (keyed by the project id), when enrollment publishes that it
opened, and published again on OUTCOMES, with the name enrollment published when it was proposed
(kept, unpublished, until then). A project's province and region do not change; its name may: renamed
before it opened, the new name is the one kept; renamed after, its place is noted (and published) again
with the new name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class ProjectNameNoted:
    """The name the project was proposed under: kept for its place, not published on its own."""

    project_id: UUID
    name: str


@dataclass(frozen=True, kw_only=True)
class ProjectNoted:
    project_id: UUID
    name: str | None
    province_code: str
    region: str
    opened_on: date | None


@dataclass(frozen=True, kw_only=True)
class ProjectReference:
    project_id: UUID
    name: str | None = None
    place: ProjectNoted | None = None  # the place integrators were last told, once the project opened

    @property
    def placed(self) -> bool:
        return self.place is not None


def note_project_name(state: ProjectReference | None, *, project_id: UUID, name: str) -> list[ProjectNameNoted]:
    """The proposal's name, unless the project was placed already (its notice is out) or the name is known."""
    if state is not None and (state.placed or state.name == name):
        return []
    return [ProjectNameNoted(project_id=project_id, name=name)]


def note_project(
    state: ProjectReference | None,
    *,
    project_id: UUID,
    name: str | None,
    province_code: str,
    region: str,
    opened_on: date | None,
) -> list[ProjectNoted]:
    """The project's place, once: told again (a redelivery, a project approved again), nothing new."""
    if state is not None and state.placed:
        return []
    known = name if name is not None or state is None else state.name
    return [
        ProjectNoted(project_id=project_id, name=known, province_code=province_code, region=region, opened_on=opened_on)
    ]


def note_new_project_name(
    state: ProjectReference | None, *, project_id: UUID, name: str
) -> list[ProjectNameNoted | ProjectNoted]:
    """The new name: kept for the place while the project has not opened, told with the place again after."""
    if state is not None and state.name == name:
        return []
    if state is None or state.place is None:
        return [ProjectNameNoted(project_id=project_id, name=name)]
    return [replace(state.place, name=name)]


def evolve_project_reference(state: ProjectReference | None, event: object) -> ProjectReference:
    if isinstance(event, ProjectNameNoted):
        return ProjectReference(project_id=event.project_id, name=event.name)
    if isinstance(event, ProjectNoted):
        return ProjectReference(project_id=event.project_id, name=event.name, place=event)
    raise TypeError(f"a project reference does not follow from {type(event).__name__} at {state}")
