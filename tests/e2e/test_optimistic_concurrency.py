"""If-Match: a command acts only if the aggregate is still at the version the caller saw."""

from __future__ import annotations

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import enroll, in_training, open_project
from tests.support.system import running_system


async def test_a_stale_if_match_is_refused_and_the_current_one_accepted(settings: Settings) -> None:
    async with running_system(settings) as system:
        project = await open_project(system, name="Herbal soap", province_code="TH-57")
        enrolled = await enroll(system, project, birth_year=1975)
        await in_training(system, enrolled)
        version = await training_steps.ready_to_complete(system, enrolled)
        stale = await training_steps.complete(system, enrolled, headers={"If-Match": f'"{version + 5}"'})
        garbled = await training_steps.complete(system, enrolled, headers={"If-Match": "yesterday"})
        current = await training_steps.complete(system, enrolled, headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 409
    assert stale.json()["rule"] == "optimistic-concurrency"
    assert garbled.status_code == 422
    assert garbled.json()["fields"][0]["field"] == "header.If-Match"
    assert current.status_code == 201
    assert current.json()["version"] == version + 1
