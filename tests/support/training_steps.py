"""Training steps over HTTP, shared by tests: a curriculum approved, a cohort started, sessions held.

Days are fixed in the past, as training staff often record them after the fact.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.support.journeys import Enrolled, created
from tests.support.system import RunningSystem, eventually

COMPETENCIES = ["weaving", "natural-dyeing", "online-selling"]
DRAFTED_ON = date(2025, 4, 5)  # curricula are co-designed on 2025-04-10 and approved on 2025-04-20
STARTS_ON = date(2025, 5, 12)  # a week after the journeys' enrollments
FIRST_SESSION_ON = date(2025, 5, 13)
COMPLETED_ON = date(2025, 8, 29)


def iso(day: date) -> str:
    return day.isoformat()


async def accepted_once_known(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], *, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """POST until it is no longer refused as retryable (training has not heard of what it names yet)."""

    async def attempt() -> httpx.Response | None:
        response = await client.post(path, json=body, headers=headers)
        retryable = response.status_code == 409 and response.json().get("retryable")
        return None if retryable else response

    return created(await eventually(attempt, what=f"POST {path} accepted"))


async def approved_curriculum(
    system: RunningSystem,
    project_id: str,
    *,
    attendance_threshold: float = 0.8,
    headers: dict[str, str] | None = None,
    track: str = "RESKILL",
    drafted_on: date = DRAFTED_ON,
    hours: str = "60",
) -> str:
    """A curriculum drafted for the project, co-designed with its community and approved (version 1).

    Completion needs ``attendance_threshold`` of its ``hours`` attended: 48 of 60, sixteen three-hour sessions."""
    training = system.client("training")
    body = {
        "project_id": project_id,
        "title": "Community weaving for online markets",
        "track": track,
        "competencies": COMPETENCIES,
        "hours": hours,
        "attendance_threshold": attendance_threshold,
        "drafted_on": iso(drafted_on),
    }
    drafted = await accepted_once_known(training, "/curricula", body, headers=headers)
    curriculum_id: str = drafted["id"]
    co_design = {"version": 1, "community": "Ban Na weavers group", "co_designed_on": "2025-04-10"}
    created(await training.post(f"/curricula/{curriculum_id}/co-design", json=co_design, headers=headers))
    approval = {"version": 1, "approved_on": "2025-04-20"}
    created(await training.post(f"/curricula/{curriculum_id}/approval", json=approval, headers=headers))
    return curriculum_id


async def started_cohort(
    system: RunningSystem, project_id: str, curriculum_id: str, *, headers: dict[str, str] | None = None
) -> str:
    """A cohort of the project on the curriculum's version 1, started on ``STARTS_ON``."""
    training = system.client("training")
    plan = {
        "project_id": project_id,
        "curriculum_id": curriculum_id,
        "curriculum_version": 1,
        "starts_on": iso(STARTS_ON),
    }
    cohort_id: str = created(await training.post("/cohorts", json=plan, headers=headers))["id"]
    created(await training.post(f"/cohorts/{cohort_id}/start", json={"started_on": iso(STARTS_ON)}, headers=headers))
    return cohort_id


async def hold_session(
    system: RunningSystem,
    cohort_id: str,
    held_on: date,
    *,
    attended: list[Enrolled],
    headers: dict[str, str] | None = None,
    hours: str = "3",
) -> str:
    """A session of the cohort (three hours unless told), attended by ``attended``; its id."""
    body = {"held_on": iso(held_on), "hours": hours, "attended": [e.enrollment_id for e in attended]}
    held = created(await system.client("training").post(f"/cohorts/{cohort_id}/sessions", json=body, headers=headers))
    session_id: str = held["session_id"]
    return session_id


async def ready_to_complete(
    system: RunningSystem, enrolled: Enrolled, *, headers: dict[str, str] | None = None, track: str = "RESKILL"
) -> int:
    """Take an enrolled participant through the only session of a cohort on a three-hour curriculum (all of it);
    the training record's version."""
    training = system.client("training")
    curriculum_id = await approved_curriculum(system, enrolled.project_id, headers=headers, track=track, hours="3")
    cohort_id = await started_cohort(system, enrolled.project_id, curriculum_id, headers=headers)
    record = f"/training-records/{enrolled.enrollment_id}"
    joining = {"cohort_id": cohort_id, "assigned_on": iso(STARTS_ON)}
    await accepted_once_known(training, f"{record}/cohort", joining, headers=headers)
    session_id = await hold_session(system, cohort_id, FIRST_SESSION_ON, attended=[], headers=headers)
    present = await training.post(f"{record}/attendance", json={"session_id": session_id}, headers=headers)
    version: int = created(present)["version"]
    return version


async def complete(
    system: RunningSystem, enrolled: Enrolled, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Ask training to record the participant's completion (attendance is measured, not reported)."""
    path = f"/training-records/{enrolled.enrollment_id}/completion"
    return await system.client("training").post(path, json={"completed_on": iso(COMPLETED_ON)}, headers=headers)
