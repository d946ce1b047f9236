"""Completion to a community enterprise: participants who completed training start one together."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from pathways_infra.settings import Settings
from tests.support.journeys import complete_training, created, enroll, in_training, open_project
from tests.support.system import eventually, get_json_when_found, running_system


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


async def test_a_community_enterprise_grows_registers_sells_online_operates_and_is_dissolved(
    settings: Settings,
) -> None:
    async with running_system(settings) as system:
        outcomes = system.client("outcomes")
        project = await open_project(system, name="Silk weaving", province_code="TH-32")
        founder, joiner = [await enroll(system, project, birth_year=1979) for _ in range(2)]
        dyeing = await open_project(system, name="Silk dyeing", province_code="TH-33")
        elsewhere = await enroll(system, dyeing)
        for member in (founder, joiner, elsewhere):
            await complete_training(system, member)
            await get_json_when_found(outcomes, f"/cases/{member.enrollment_id}")
        start = {
            "kind": "COMMUNITY_ENTERPRISE",
            "name": "Surin silk group",
            "project_id": project,
            "enrollment_ids": [founder.enrollment_id],
            "members_count": 5,
            "products": ["silk scarf"],
            "started_on": "2025-10-01",  # before the channel and the registration below
        }
        enterprise_id = created(await outcomes.post("/enterprises", json=start))["id"]
        path = f"/enterprises/{enterprise_id}"

        too_few = await outcomes.post(f"{path}/registration", json={"registration_number": "CE-3201-0001"})
        from_another_project = await outcomes.post(f"{path}/members", json={"enrollment_id": elsewhere.enrollment_id})
        steps = [
            (f"{path}/members", {"enrollment_id": joiner.enrollment_id}),
            (f"{path}/members-count", {"members_count": 8}),
            (f"{path}/products", {"product": "silk tote"}),
            (f"{path}/online-sales-channel", {"channel": "Shopee", "opened_on": "2025-11-01"}),
            (f"{path}/registration", {"registration_number": "CE-3201-0001", "registered_on": "2025-11-15"}),
            (f"{path}/operating", {}),
            (f"{path}/dormancy", {}),
            (f"{path}/operating", {}),
        ]
        for step, body in steps:
            created(await outcomes.post(step, json=body))
        same_product_again = created(await outcomes.post(f"{path}/products", json={"product": "silk tote"}))

        async def shown_when(status: str) -> dict[str, Any] | None:
            found: dict[str, Any] = (await outcomes.get(path)).json()
            return found if found.get("status") == status and len(found["enrollment_ids"]) == 2 else None

        operating = await eventually(lambda: shown_when("OPERATING"), what="the enterprise operating again")
        solo = {"kind": "ENTERPRISE", "name": "Sisaket dye shop", "project_id": dyeing, "members_count": 1}
        shop = created(await outcomes.post("/enterprises", json={**solo, "enrollment_ids": [elsewhere.enrollment_id]}))
        await get_json_when_found(outcomes, f"/enterprises/{shop['id']}")
        asked: dict[str, dict[str, str | int]] = {
            "first": {"limit": 1},
            "second": {"limit": 1, "offset": 1},
            "silk weaving's": {"project_id": project},
            "operating community enterprises": {"kind": "COMMUNITY_ENTERPRISE", "status": "OPERATING"},
            "dissolved": {"status": "DISSOLVED"},
        }
        lists = {name: await outcomes.get("/enterprises", params=params) for name, params in asked.items()}
        created(await outcomes.post(f"{path}/dissolution", json={"reason": "MEMBERS_LEFT"}))
        dissolved = await eventually(lambda: shown_when("DISSOLVED"), what="the enterprise dissolved")
        after = await outcomes.post(f"{path}/products", json={"product": "silk bag"})
        unknown = await outcomes.post(f"/enterprises/{uuid4()}/products", json={"product": "silk bag"})
    assert too_few.status_code == 409
    assert too_few.json()["rule"] == "community-enterprise-min-members"
    assert from_another_project.status_code == 409, from_another_project.text
    assert from_another_project.json()["rule"] == "member-in-enterprises-project"
    assert same_product_again["event_ids"] == []
    assert sorted(operating["enrollment_ids"]) == sorted([founder.enrollment_id, joiner.enrollment_id])
    assert (operating["members_count"], operating["products"]) == (8, ["silk scarf", "silk tote"])
    assert (operating["online_channels"], operating["online_sales_since"], operating["sells_online"]) == (
        ["Shopee"],
        "2025-11-01",
        True,
    )
    assert (operating["registration_number"], operating["registered_on"]) == ("CE-3201-0001", "2025-11-15")
    assert dissolved["dissolution_reason"] == "MEMBERS_LEFT"
    assert {
        name: ([e["enterprise_id"] for e in answer.json()], answer.headers["X-Total-Count"])
        for name, answer in lists.items()
    } == {
        "first": ([enterprise_id], "2"),  # by the day they started: the shop started today
        "second": ([shop["id"]], "2"),
        "silk weaving's": ([enterprise_id], "1"),
        "operating community enterprises": ([enterprise_id], "1"),
        "dissolved": ([], "0"),
    }
    assert after.status_code == 409
    assert after.json()["rule"] == "enterprise-dissolved"
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "must-exist"
