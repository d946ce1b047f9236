"""Outcomes steps over HTTP, shared by tests: a case with its follow-ups scheduled, read once ready."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from tests.support.journeys import Enrolled, complete_training, enroll, open_project
from tests.support.system import RunningSystem, eventually


async def case_when(
    outcomes: httpx.AsyncClient,
    enrolled: Enrolled,
    ready: Callable[[dict[str, Any]], bool],
    *,
    what: str,
    as_of: date | None = None,
) -> dict[str, Any]:
    """The case, once ``ready(case)`` holds (read models follow the events)."""
    params = {} if as_of is None else {"as_of": as_of.isoformat()}

    async def probe() -> dict[str, Any] | None:
        response = await outcomes.get(f"/cases/{enrolled.enrollment_id}", params=params)
        if response.status_code == 404:
            return None
        case: dict[str, Any] = response.json()
        return case if ready(case) else None

    return await eventually(probe, what=what)


def follow_ups(case: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {f["month"]: f for f in case["follow_ups"]}


def due_on(case: dict[str, Any], month: int) -> date:
    return date.fromisoformat(follow_ups(case)[month]["due_on"])


async def completed_case(
    system: RunningSystem, province_code: str = "TH-50", *, project_id: str | None = None
) -> tuple[Enrolled, dict[str, Any]]:
    """A participant enrolled in the project (a new one in the province unless given) and through training,
    once outcomes shows the case with its follow-ups scheduled and the enrollment baseline learned."""
    project = project_id or await open_project(system, name="Herbal soap", province_code=province_code)
    enrolled = await enroll(system, project)
    await complete_training(system, enrolled)
    case = await case_when(
        system.client("outcomes"),
        enrolled,
        lambda c: len(c["follow_ups"]) == 3 and c["baseline"] is not None,
        what="follow-ups scheduled and the enrollment baseline learned",
    )
    return enrolled, case
