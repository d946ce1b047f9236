"""If-Match: a command acts only if the aggregate is still at the version the caller saw."""

from __future__ import annotations

from pathways_infra.settings import Settings
from tests.support.journeys import enroll, in_training, open_project
from tests.support.system import running_system


async def test_a_stale_if_match_is_refused_and_the_current_one_accepted(settings: Settings) -> None:
    async with running_system(settings) as system:
        project = await open_project(system, name="Herbal soap", province_code="TH-57")
        enrolled = await enroll(system, project, birth_year=1975)
        await in_training(system, enrolled)
        enrollment_id = enrolled.enrollment_id
        path = f"/training-records/{enrollment_id}/completion"
        training = system.client("training")
        stale = await training.post(path, json={"attendance_rate": 0.9}, headers={"If-Match": '"7"'})
        garbled = await training.post(path, json={"attendance_rate": 0.9}, headers={"If-Match": "yesterday"})
        current = await training.post(path, json={"attendance_rate": 0.9}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["rule"] == "optimistic-concurrency"
    assert garbled.status_code == 422
    assert garbled.json()["fields"][0]["field"] == "header.If-Match"
    assert current.status_code == 201
    assert current.json()["version"] == 2
