"""Curricula and cohorts listed for a unit's staff: filtered by project, status, track, community; paged, with
how many match in all (``X-Total-Count``)."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import created, open_project
from tests.support.system import RunningSystem, eventually, running_system
from tests.support.training_steps import COMPETENCIES, FIRST_SESSION_ON, accepted_once_known


async def listed(training: httpx.AsyncClient, path: str, key: str, **params: str) -> tuple[list[str], int]:
    """The ids (``key``) a list endpoint answers, in its order, and how many match in all (``X-Total-Count``)."""
    response = await training.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item[key] for item in response.json()], int(response.headers["X-Total-Count"])


async def co_designed_upskill_curriculum(system: RunningSystem, project_id: str) -> str:
    """An UPSKILL curriculum co-designed with Mae Chaem farmers, not approved."""
    training = system.client("training")
    content = {"title": "Drip irrigation", "track": "UPSKILL", "competencies": ["irrigation"], "hours": "12"}
    drafted = await accepted_once_known(
        training, "/curricula", {"project_id": project_id, "drafted_on": "2025-04-06", **content}
    )
    co_design = {"version": 1, "community": "Mae Chaem farmers", "co_designed_on": "2025-04-12"}
    created(await training.post(f"/curricula/{drafted['id']}/co-design", json=co_design))
    curriculum_id: str = drafted["id"]
    return curriculum_id


async def revised(system: RunningSystem, curriculum_id: str) -> None:
    """An approved curriculum revised: version 2 is a draft, version 1 stays approved."""
    content = {"title": "Weaving, revised", "track": "RESKILL", "competencies": COMPETENCIES, "hours": "72"}
    created(await system.client("training").post(f"/curricula/{curriculum_id}/revision", json=content))


async def planned_cohort(system: RunningSystem, project_id: str, curriculum_id: str, starts_on: str) -> str:
    plan = {"project_id": project_id, "curriculum_id": curriculum_id, "curriculum_version": 1, "starts_on": starts_on}
    cohort_id: str = created(await system.client("training").post("/cohorts", json=plan))["id"]
    return cohort_id


async def test_curricula_and_cohorts_are_listed_with_filters_and_pages(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        soap, dye = await asyncio.gather(
            open_project(system, name="Herbal soap", province_code="TH-50"),
            open_project(system, name="Indigo dye", province_code="TH-47"),
        )
        weaving = await training_steps.approved_curriculum(system, soap)
        irrigation = await co_designed_upskill_curriculum(system, soap)
        dyeing = await training_steps.approved_curriculum(system, dye, drafted_on=date(2025, 4, 7))
        await revised(system, dyeing)
        running = await training_steps.started_cohort(system, soap, weaving)  # starts 2025-05-12
        await training_steps.hold_session(system, running, FIRST_SESSION_ON, attended=[])
        later = await planned_cohort(system, soap, weaving, "2025-06-01")
        elsewhere = await planned_cohort(system, dye, dyeing, "2025-05-20")

        async def caught_up() -> bool | None:
            curricula = [(c["curriculum_id"], c["status"]) for c in (await training.get("/curricula")).json()]
            cohorts = [
                (c["cohort_id"], c["status"], c["sessions_held"]) for c in (await training.get("/cohorts")).json()
            ]
            expected_curricula = [(weaving, "APPROVED"), (irrigation, "CO_DESIGNED"), (dyeing, "DRAFT")]
            expected_cohorts = [(running, "IN_PROGRESS", 1), (elsewhere, "PLANNED", 0), (later, "PLANNED", 0)]
            return (curricula, cohorts) == (expected_curricula, expected_cohorts) or None

        await eventually(caught_up, what="every curriculum and cohort in the read models")
        in_soap = (await training.get("/cohorts", params={"project_id": soap})).json()
        curricula = {
            name: await listed(training, "/curricula", "curriculum_id", **params)
            for name, params in {
                "soap": {"project_id": soap},
                "approved": {"status": "APPROVED"},
                "co-designed": {"status": "CO_DESIGNED"},
                "upskill": {"track": "UPSKILL"},
                "approved upskill": {"status": "APPROVED", "track": "UPSKILL"},
                "weavers": {"community": "WEAVERS"},
                "mae chaem": {"community": "mae chaem", "project_id": soap},
                "page 2": {"limit": "2", "offset": "2"},
                "first of the approved": {"status": "APPROVED", "limit": "1"},
                "past the end": {"offset": "5"},
            }.items()
        }
        cohorts = {
            name: await listed(training, "/cohorts", "cohort_id", **params)
            for name, params in {
                "all": {},
                "in progress": {"status": "IN_PROGRESS"},
                "planned in soap": {"status": "PLANNED", "project_id": soap},
                "on dyeing": {"curriculum_id": dyeing},
                "page 2": {"limit": "1", "offset": "1"},
                "first planned": {"status": "PLANNED", "limit": "1"},
            }.items()
        }
        hours_held = {
            cohort: (await training.get(f"/cohorts/{cohort}")).json()["hours_held"] for cohort in (running, later)
        }
        listed_dyeing = (await training.get("/curricula", params={"project_id": dye})).json()
        one_dyeing = (await training.get(f"/curricula/{dyeing}")).json()
        refused = [
            (field, await training.get(path, params=params))
            for field, path, params in [
                ("query.track", "/curricula", {"track": "BOTH"}),
                ("query.status", "/curricula", {"status": "ACTIVE"}),
                ("query.status", "/cohorts", {"status": "RUNNING"}),
                ("query.curriculum_id", "/cohorts", {"curriculum_id": "weaving"}),
            ]
        ]

    assert hours_held == {running: "3", later: "0"}, "one type, with sessions or without"
    assert curricula == {  # the page, and how many match all pages together
        "soap": ([weaving, irrigation], 2),
        "approved": ([weaving, dyeing], 2),  # dyeing's version 1 is approved, its newest a draft
        "co-designed": ([irrigation], 1),
        "upskill": ([irrigation], 1),
        "approved upskill": ([], 0),
        "weavers": ([weaving, dyeing], 2),
        "mae chaem": ([irrigation], 1),
        "page 2": ([dyeing], 3),
        "first of the approved": ([weaving], 2),
        "past the end": ([], 3),
    }
    assert listed_dyeing == [one_dyeing]
    assert (one_dyeing["status"], one_dyeing["latest_version"]) == ("DRAFT", 2)
    assert cohorts == {
        "all": ([running, elsewhere, later], 3),  # by the day they start
        "in progress": ([running], 1),
        "planned in soap": ([later], 1),
        "on dyeing": ([elsewhere], 1),
        "page 2": ([elsewhere], 3),
        "first planned": ([elsewhere], 2),
    }
    assert [(c["cohort_id"], c["status"], c["members_count"]) for c in in_soap] == [
        (running, "IN_PROGRESS", 0),
        (later, "PLANNED", 0),
    ]
    for field, response in refused:
        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["fields"]] == [field]
