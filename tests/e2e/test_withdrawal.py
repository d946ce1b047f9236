"""Withdrawal across the services: enrollment withdraws the case, training closes the record."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import enroll, in_training, open_project
from tests.support.system import eventually, running_system


async def test_a_withdrawn_case_closes_training_and_refuses_completion(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment = system.client("enrollment")
        training = system.client("training")
        project = await open_project(system, name="Coffee roasting", province_code="TH-57")
        enrolled = await enroll(system, project, sex="M", birth_year=1988)
        await in_training(system, enrolled)
        enrollment_id = enrolled.enrollment_id

        withdrawn = await enrollment.post(
            f"/enrollments/{enrollment_id}/withdrawal",
            json={"reason": "FOUND_EMPLOYMENT", "withdrawn_on": "2026-03-01"},
        )
        again = await enrollment.post(
            f"/enrollments/{enrollment_id}/withdrawal", json={"reason": "OTHER", "withdrawn_on": "2026-03-02"}
        )

        async def status(path: str, client: Any, expected: str) -> str | None:
            found = (await client.get(path)).json()
            return found["status"] if found.get("status") == expected else None

        await eventually(lambda: status(f"/enrollments/{enrollment_id}", enrollment, "WITHDRAWN"), what="withdrawn")
        await eventually(lambda: status(f"/training-records/{enrollment_id}", training, "WITHDRAWN"), what="closed")
        completion = await training_steps.complete(system, enrolled)
        case = await system.client("outcomes").get(f"/cases/{enrollment_id}")
    assert withdrawn.status_code == 201, withdrawn.text
    assert again.status_code == 409
    assert completion.status_code == 409
    assert "withdrawn" in completion.json()["rule"]
    assert case.status_code == 404, "a withdrawn case never completed training, so outcomes has no case for it"
