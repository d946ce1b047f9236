"""Completion to a community enterprise: participants who completed training start one together."""

from __future__ import annotations

from typing import Any

import httpx

from pathways_infra.settings import Settings
from tests.support.system import get_json_when_found, running_system


async def _completed_enrollment(enrollment: httpx.AsyncClient, training: httpx.AsyncClient, project: str) -> str:
    person = (await enrollment.post("/participants", json={"sex": "F", "birth_year": 1981})).json()
    body = {"participant_id": person["id"], "project_id": project}
    enrollment_id: str = (await enrollment.post("/enrollments", json=body)).json()["id"]
    await get_json_when_found(training, f"/training-records/{enrollment_id}")
    done = await training.post(f"/training-records/{enrollment_id}/completion", json={"attendance_rate": 0.95})
    assert done.status_code == 201, done.text
    return enrollment_id


async def test_participants_who_completed_training_start_a_community_enterprise(settings: Settings) -> None:
    async with running_system(settings) as system:
        enrollment, training = system.client("enrollment"), system.client("training")
        outcomes = system.client("outcomes")
        project = (await enrollment.post("/projects", json={"name": "Indigo dye", "province_code": "TH-47"})).json()
        members = [await _completed_enrollment(enrollment, training, project["id"]) for _ in range(2)]
        untrained = (await enrollment.post("/participants", json={"sex": "M", "birth_year": 1970})).json()
        never_completed = (
            await enrollment.post("/enrollments", json={"participant_id": untrained["id"], "project_id": project["id"]})
        ).json()["id"]
        for enrollment_id in members:
            await get_json_when_found(outcomes, f"/cases/{enrollment_id}")

        def enterprise(enrollment_ids: list[str], members_count: int) -> dict[str, Any]:
            return {
                "kind": "COMMUNITY_ENTERPRISE",
                "name": "Ban Don indigo weavers",
                "project_id": project["id"],
                "enrollment_ids": enrollment_ids,
                "members_count": members_count,
                "products": ["indigo scarf", "table runner"],
            }

        fewer_members_than_participants = await outcomes.post("/enterprises", json=enterprise(members, 1))
        with_untrained = await outcomes.post("/enterprises", json=enterprise([*members, never_completed], 9))
        started = await outcomes.post("/enterprises", json=enterprise(members, 9))
        assert started.status_code == 201, started.text
        shown = await get_json_when_found(outcomes, f"/enterprises/{started.json()['id']}")
    assert fewer_members_than_participants.status_code == 409
    assert fewer_members_than_participants.json()["rule"] == "members-count-below-participants"
    assert with_untrained.status_code == 409
    assert with_untrained.json()["rule"] == "training-must-be-completed"
    assert shown["kind"] == "COMMUNITY_ENTERPRISE"
    assert sorted(shown["enrollment_ids"]) == sorted(members)
    assert shown["members_count"] == 9
