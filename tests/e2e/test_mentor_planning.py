"""A programme officer plans mentors ahead: an assignment from a later day shows on that day's rota,
not today's, and one that has not begun can be withdrawn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import created
from tests.support.system import RunningSystem, eventually, running_system


async def _rota(system: RunningSystem, **params: Any) -> list[dict[str, Any]]:
    response = await system.client("enrollment").get("/mentors", params=params)
    assert response.status_code == 200, response.text
    rota: list[dict[str, Any]] = response.json()
    return rota


async def test_an_assignment_planned_ahead_shows_on_its_day_and_can_be_withdrawn_before_it_begins(
    settings: Settings,
) -> None:
    today = thai_today()
    begins = today + timedelta(days=30)
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Lamphun", "province_code": "TH-51"}))["id"]
        mentor_id = created(await client.post("/mentors", json={}))["id"]
        planned = await client.post(
            f"/mentors/{mentor_id}/assignments", json={"unit_id": unit_id, "from_date": begins.isoformat()}
        )
        assignment = (await client.get(f"/mentors/{mentor_id}")).json()["assignments"][0]

        async def on_the_day() -> list[dict[str, Any]] | None:
            rota = await _rota(system, on=begins.isoformat())
            return rota if rota and rota[0]["units"] else None

        that_day = await eventually(on_the_day, what="the planned assignment on its first day's rota")
        today_rota = await _rota(system)
        no_day = await client.get("/mentors", params={"on": "next month"})
        visit = await client.post(
            f"/mentors/{mentor_id}/coaching-visits",
            json={"assignment_id": assignment["id"], "visited_on": begins.isoformat()},
        )
        too_early = await client.post(
            f"/mentors/{mentor_id}/assignments/{assignment['id']}/end",
            json={"to_date": (begins - timedelta(days=2)).isoformat()},
        )
        withdrawn = await client.post(
            f"/mentors/{mentor_id}/assignments/{assignment['id']}/end",
            json={"to_date": (begins - timedelta(days=1)).isoformat()},
        )

        instead_id = str(uuid4())
        instead = await client.post(
            f"/mentors/{mentor_id}/assignments",
            json={"assignment_id": instead_id, "unit_id": unit_id, "from_date": today.isoformat()},
        )

        async def off_the_rota() -> bool | None:
            units = (await _rota(system, on=begins.isoformat()))[0]["units"]
            return True if [u["assignment_id"] for u in units] == [instead_id] else None

        await eventually(off_the_rota, what="the withdrawn assignment to leave the rota, the new one to take its place")

    assert planned.status_code == 201, planned.text
    assert [u["unit_id"] for u in that_day[0]["units"]] == [unit_id]
    assert (no_day.status_code, no_day.json()["fields"][0]["field"]) == (422, "query.on"), no_day.text
    assert today_rota == [{"id": mentor_id, "status": "ACTIVE", "projects": [], "units": []}]
    assert (visit.status_code, visit.json()["fields"][0]["field"]) == (422, "body.visited_on"), "not yet happened"
    assert (too_early.status_code, too_early.json()["rule"]) == (409, "assignment-ends-before-it-starts")
    assert "withdraws it as never begun" in too_early.json()["error"]
    assert withdrawn.status_code == 201, withdrawn.text
    assert instead.status_code == 201, "a withdrawn plan keeps nobody from the unit"
