"""Completion to a community enterprise: participants who completed training start one together."""

from __future__ import annotations

from typing import Any

from pathways_infra.settings import Settings
from tests.support.journeys import complete_training, enroll, in_training, open_project
from tests.support.system import get_json_when_found, running_system


async def test_participants_who_completed_training_start_a_community_enterprise(settings: Settings) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        project = await open_project(system, name="Indigo dye", province_code="TH-47")
        members = [await enroll(system, project, birth_year=1981) for _ in range(2)]
        for member in members:
            await complete_training(system, member)
        never_completed = await enroll(system, project, sex="M", birth_year=1970)
        await in_training(system, never_completed)
        for member in members:
            await get_json_when_found(outcomes, f"/cases/{member.enrollment_id}")
        member_ids = [member.enrollment_id for member in members]

        def enterprise(enrollment_ids: list[str], members_count: int) -> dict[str, Any]:
            return {
                "kind": "COMMUNITY_ENTERPRISE",
                "name": "Ban Don indigo weavers",
                "project_id": project,
                "enrollment_ids": enrollment_ids,
                "members_count": members_count,
                "products": ["indigo scarf", "table runner"],
            }

        fewer_members_than_participants = await outcomes.post("/enterprises", json=enterprise(member_ids, 1))
        with_untrained = await outcomes.post(
            "/enterprises", json=enterprise([*member_ids, never_completed.enrollment_id], 9)
        )
        started = await outcomes.post("/enterprises", json=enterprise(member_ids, 9))
        assert started.status_code == 201, started.text
        shown = await get_json_when_found(outcomes, f"/enterprises/{started.json()['id']}")
    assert fewer_members_than_participants.status_code == 409
    assert fewer_members_than_participants.json()["rule"] == "members-count-below-participants"
    assert with_untrained.status_code == 409
    assert with_untrained.json()["rule"] == "training-must-be-completed"
    assert shown["kind"] == "COMMUNITY_ENTERPRISE"
    assert sorted(shown["enrollment_ids"]) == sorted(member_ids)
    assert shown["members_count"] == 9
