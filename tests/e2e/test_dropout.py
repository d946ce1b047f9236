"""Dropout across the services: training records it, outcomes refuses outcomes for the case."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import enroll, in_training, open_project
from tests.support.system import eventually, running_system


async def test_a_dropout_closes_training_and_the_case_takes_no_outcome(settings: Settings) -> None:
    async with running_system(settings) as system:
        training = system.client("training")
        outcomes = system.client("outcomes")
        project = await open_project(system, name="Solar repair", province_code="TH-34")
        enrolled = await enroll(system, project, birth_year=1992)
        await in_training(system, enrolled)
        enrollment_id = enrolled.enrollment_id

        dropped = await training.post(f"/training-records/{enrollment_id}/dropout", json={"reason": "FAMILY_DUTIES"})
        twice = await training.post(f"/training-records/{enrollment_id}/dropout", json={"reason": "OTHER"})

        async def dropped_out() -> str | None:
            status: str = (await training.get(f"/training-records/{enrollment_id}")).json()["status"]
            return status if status == "DROPPED_OUT" else None

        await eventually(dropped_out, what="the read model to show the dropout")

        async def refused_for_good() -> dict[str, Any] | None:
            response = await outcomes.post(
                f"/cases/{enrollment_id}/employment",
                json={"employment_type": "WAGE", "related_to_training": False, "monthly_income_thb": "7000"},
            )
            refusal: dict[str, Any] = response.json()
            return refusal if response.status_code == 409 and not refusal.get("retryable") else None

        refusal = await eventually(refused_for_good, what="outcomes to learn of the dropout")

        async def told_why() -> str | None:
            error: str = (await outcomes.get(f"/cases/{enrollment_id}")).json()["error"]
            return error if "dropped out of training" in error else None

        no_case = await eventually(told_why, what="the programme read model to hear of the dropout")
        completion = await training_steps.complete(system, enrolled)
    assert dropped.status_code == 201, dropped.text
    assert twice.status_code == 409
    assert refusal["rule"] == "training-must-be-completed"
    assert completion.status_code == 409
    assert "a case opens only when training is completed" in no_case
