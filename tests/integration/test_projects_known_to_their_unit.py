"""A unit's registration day is corrected no later than its projects: those the unit noted (a project proposed a
moment ago, which no read model has heard of yet) and those proposed before units noted them, which only the
projects read model lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx

from pathways_enrollment.domain import project
from pathways_infra.commands import CommandContext, Session
from pathways_infra.eventstore import Actor
from pathways_infra.settings import Settings
from tests.support.journeys import created
from tests.support.system import eventually, running_system

CONTEXT = CommandContext(actor=Actor(id="test", role="tester"))


async def correct(client: httpx.AsyncClient, unit_id: str, day: str) -> httpx.Response:
    body = {"registered_on": day, "reason": "charter"}
    return await client.post(f"/units/{unit_id}/registration-day/correction", json=body)


async def test_a_project_proposed_a_moment_ago_holds_the_correction(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"], relay=False) as system:
        client = system.client("enrollment")
        unit = {"name": "CDU Nan", "province_code": "TH-55", "registered_on": "2025-01-15"}
        unit_id = created(await client.post("/units", json=unit))["id"]
        proposal = {"name": "Silverwork", "province_code": "TH-55", "unit_id": unit_id, "grant_thb": "300000"}
        proposed = created(await client.post("/projects", json={**proposal, "proposed_on": "2025-02-01"}))
        project_id = proposed["id"]
        noted = (await client.get(f"/units/{unit_id}")).json()["projects"]
        listed = (await client.get("/projects")).json()
        too_late = await correct(client, unit_id, "2025-02-02")
    assert listed == [], "the read model heard of the project: this test would not show what it is for"
    assert (len(proposed["event_ids"]), noted) == (2, [project_id]), "the proposal and its note on the unit"
    assert too_late.status_code == 409, too_late.text
    assert too_late.json()["rule"] == "registered-after-proposal"
    assert f"project {project_id}" in too_late.json()["error"]


async def test_a_project_proposed_before_units_noted_them_holds_the_correction_from_its_first_dated_step(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Phrae", "province_code": "TH-54"}))["id"]
        project_id = uuid4()
        await system.runtime("enrollment").runner.run(lambda session: _proposed_long_ago(session, project_id, unit_id))
        await eventually(lambda: _listed(client, unit_id), what="the projects read model to list the project")
        after_its_approval = await correct(client, unit_id, "2025-03-02")
        on_its_approval = await correct(client, unit_id, "2025-03-01")
        record = (await client.get(f"/units/{unit_id}")).json()
    assert after_its_approval.status_code == 409, after_its_approval.text
    assert after_its_approval.json()["rule"] == "registered-after-proposal"
    assert (
        f"project {project_id} of career development unit {unit_id} dates from 2025-03-01"
        in (after_its_approval.json()["error"])
    )
    assert created(on_its_approval)["event_ids"]
    assert (record["registered_on"], record["projects"]) == ("2025-03-01", []), "the unit never noted it"


def _proposed_long_ago(session: Session, project_id: UUID, unit_id: str) -> None:
    """A project as recorded before proposals had a day and units noted them: approved on 2025-03-01."""
    where: dict[str, Any] = {
        "project_id": project_id,
        "unit_id": UUID(unit_id),
        "province_code": "TH-54",
        "region": "NORTH",
    }
    proposed = project.ProjectProposed(
        **where, name="Teak furniture", grant_thb=Decimal("300000"), income_threshold_thb=Decimal("15000")
    )
    approved = project.ProjectApproved(**where, on=date(2025, 3, 1))
    session.append(project.evolve_project, project_id, [proposed, approved], CONTEXT)


async def _listed(client: httpx.AsyncClient, unit_id: str) -> list[Any] | None:
    answer = await client.get("/projects")
    assert answer.status_code == 200, answer.text
    found = [listed for listed in answer.json() if listed["unit_id"] == unit_id]
    return found or None
