"""Steps of a participant's journey over HTTP, shared by end-to-end tests.

Each step is what the service's users do for it; tests that are about a later step use these so
that a change in an earlier step's API changes one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.system import RunningSystem, get_json_when_found


@dataclass(frozen=True)
class Enrolled:
    participant_id: str
    enrollment_id: str
    project_id: str


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_project(
    system: RunningSystem, *, name: str = "Community weaving", province_code: str = "TH-50", **extra: Any
) -> str:
    """A project open for enrollment."""
    enrollment = system.client("enrollment")
    project = created(await enrollment.post("/projects", json={"name": name, "province_code": province_code, **extra}))
    project_id: str = project["id"]
    return project_id


async def enroll(
    system: RunningSystem,
    project_id: str,
    *,
    sex: str = "F",
    birth_year: int = 1985,
    headers: dict[str, str] | None = None,
) -> Enrolled:
    """Register a participant and enroll them in the project."""
    enrollment = system.client("enrollment")
    person = created(
        await enrollment.post("/participants", json={"sex": sex, "birth_year": birth_year}, headers=headers)
    )
    body = {"participant_id": person["id"], "project_id": project_id}
    case = created(await enrollment.post("/enrollments", json=body, headers=headers))
    return Enrolled(participant_id=person["id"], enrollment_id=case["id"], project_id=project_id)


async def in_training(system: RunningSystem, enrolled: Enrolled) -> dict[str, Any]:
    """Wait until training has opened the record for the enrollment."""
    return await get_json_when_found(system.client("training"), f"/training-records/{enrolled.enrollment_id}")


async def complete_training(
    system: RunningSystem, enrolled: Enrolled, *, headers: dict[str, str] | None = None
) -> None:
    """Take the participant through training to completion."""
    await in_training(system, enrolled)
    training = system.client("training")
    path = f"/training-records/{enrolled.enrollment_id}/completion"
    created(await training.post(path, json={"attendance_rate": 0.95}, headers=headers))
