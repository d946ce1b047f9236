"""A unit's registration day is corrected no later than its mentors' assignments to it: those the unit noted (an
assignment made a moment ago, which no read model has heard of yet) and those made before units noted them, which
only the mentors read model lists."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx

from pathways_enrollment.domain import mentor
from pathways_infra.commands import CommandContext, Session
from pathways_infra.eventstore import Actor
from pathways_infra.settings import Settings
from tests.support.journeys import created
from tests.support.system import eventually, running_system

CONTEXT = CommandContext(actor=Actor(id="test", role="tester"))


async def correct(client: httpx.AsyncClient, unit_id: str, day: str) -> httpx.Response:
    body = {"registered_on": day, "reason": "charter"}
    return await client.post(f"/units/{unit_id}/registration-day/correction", json=body)


async def test_a_mentor_assigned_a_moment_ago_holds_the_correction(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        client = system.client("enrollment")
        unit = {"name": "CDU Nan", "province_code": "TH-55", "registered_on": "2025-01-15"}
        unit_id = created(await client.post("/units", json=unit))["id"]
        mentor_id = created(await client.post("/mentors", json={}))["id"]
        assignment_id = str(uuid4())
        assignment = {"assignment_id": assignment_id, "unit_id": unit_id, "from_date": "2025-02-01"}
        assigned = created(await client.post(f"/mentors/{mentor_id}/assignments", json=assignment))
        noted = (await client.get(f"/units/{unit_id}")).json()["mentor_assignments"]
        listed = (await client.get("/mentors", params={"on": "2025-02-01"})).json()
        too_late = await correct(client, unit_id, "2025-02-02")
        on_its_first_day = await correct(client, unit_id, "2025-02-01")
    assert listed == [], "the read model heard of the assignment: this test would not show what it is for"
    assert len(assigned["event_ids"]) == 2, "the assignment and its note on the unit"
    assert noted == [{"mentor_id": mentor_id, "assignment_id": assignment_id}]
    assert too_late.status_code == 409, too_late.text
    assert too_late.json()["rule"] == "registered-after-mentor-assignment"
    assert f"mentor assignment {assignment_id}" in too_late.json()["error"]
    assert created(on_its_first_day)["event_ids"], "the same day as the assignment's first is fine"


async def test_a_mentor_assigned_before_units_noted_them_holds_the_correction(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Phrae", "province_code": "TH-54"}))["id"]
        mentor_id, assignment_id = uuid4(), uuid4()
        await system.runtime("enrollment").runner.run(
            lambda session: _assigned_long_ago(session, mentor_id, assignment_id, unit_id)
        )
        await eventually(lambda: _listed(client, mentor_id), what="the mentors read model to list the assignment")
        after_it_began = await correct(client, unit_id, "2025-03-02")
        on_its_first_day = await correct(client, unit_id, "2025-03-01")
        record = (await client.get(f"/units/{unit_id}")).json()
    assert after_it_began.status_code == 409, after_it_began.text
    assert after_it_began.json()["rule"] == "registered-after-mentor-assignment"
    assert (
        f"mentor assignment {assignment_id} to career development unit {unit_id} begins on 2025-03-01"
        in after_it_began.json()["error"]
    )
    assert created(on_its_first_day)["event_ids"]
    assert (record["registered_on"], record["mentor_assignments"]) == ("2025-03-01", []), "the unit never noted it"


def _assigned_long_ago(session: Session, mentor_id: UUID, assignment_id: UUID, unit_id: str) -> None:
    """A mentor assigned to the unit from 2025-03-01, as recorded before units noted their mentors' assignments."""
    assigned = mentor.MentorAssigned(
        mentor_id=mentor_id,
        assignment_id=assignment_id,
        unit_id=UUID(unit_id),
        project_id=None,
        province_code="TH-54",
        region="NORTH",
        from_date=date(2025, 3, 1),
    )
    registered = mentor.MentorRegistered(mentor_id=mentor_id)
    session.append(mentor.evolve_mentor, mentor_id, [registered, assigned], CONTEXT)


async def _listed(client: httpx.AsyncClient, mentor_id: UUID) -> list[Any] | None:
    answer = await client.get("/mentors", params={"on": "2025-03-01"})
    assert answer.status_code == 200, answer.text
    return [listed for listed in answer.json() if listed["id"] == str(mentor_id) and listed["units"]] or None
