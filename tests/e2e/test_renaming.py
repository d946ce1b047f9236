"""A unit's or project's name typed wrong is renamed: the lists and the records show the new name, the records
keep the old one with its days, and integrators hear of it (on ENROLLMENT; on OUTCOMES, a project's place)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import PROJECT_OPENED_ON, PROJECT_PROPOSED_ON, UNIT_REGISTERED_ON, created, open_project
from tests.support.system import RunningSystem, eventually, running_system


def refused(answer: httpx.Response, status: int = 409) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


async def listed(system: RunningSystem, path: str, until: Callable[[list[dict[str, Any]]], bool]) -> Any:
    async def probe() -> list[dict[str, Any]] | None:
        answer = await system.client("enrollment").get(path)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()
        return found if until(found) else None

    return await eventually(probe, what=f"GET {path} to show the change")


async def last_message(js: JetStreamContext, stream: str, subject: str, *, named: str | None = None) -> Any:
    """The body of the last message on ``subject``, once there is one (naming ``named``, if given)."""

    async def probe() -> dict[str, Any] | None:
        try:
            message = await js.get_last_msg(stream, subject)
        except NotFoundError:
            return None
        body: dict[str, Any] = json.loads(message.data or b"{}")
        return body if named in (None, body.get("name")) else None

    return await eventually(probe, what=f"a message on {subject}" + (f" naming {named!r}" if named else ""))


async def test_a_unit_and_a_project_renamed_show_their_new_names_and_keep_the_old_ones(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment", "outcomes"]) as system:
        client = system.client("enrollment")
        project_id = await open_project(system, name="Weaving co-op of Ban Naa", province_code="TH-50")
        unit_id = (await client.get(f"/projects/{project_id}")).json()["unit_id"]
        first_place = await last_message(operator_js, "OUTCOMES", "outcomes.v1.project.placed")

        unit_path = f"/units/{unit_id}/name"
        etag = (await client.get(f"/units/{unit_id}")).headers["ETag"]
        fix = {"name": "CDU Mae Chaem", "renamed_on": "2025-03-01"}
        blank = await client.post(unit_path, json={"name": "  "})
        before_registration = await client.post(unit_path, json={**fix, "renamed_on": "2025-01-14"})
        stale = await client.post(unit_path, json=fix, headers={"If-Match": '"1"'})
        once = {"If-Match": etag, "Idempotency-Key": "rename-unit-1"}
        unit_renamed = await client.post(unit_path, json=fix, headers=once)
        replayed = await client.post(unit_path, json=fix, headers=once)
        unchanged = await client.post(unit_path, json={"name": " CDU Mae Chaem "})

        project_path = f"/projects/{project_id}/name"
        project_renamed = await client.post(
            project_path, json={"name": "Weaving co-op of Ban Na", "renamed_on": "2025-05-01"}
        )
        before_last = await client.post(project_path, json={"name": "Ban Na looms", "renamed_on": "2025-04-30"})
        renamed_today = await client.post(project_path, json={"name": "Ban Na looms"})

        unit_record = (await client.get(f"/units/{unit_id}")).json()
        project_record = (await client.get(f"/projects/{project_id}")).json()
        units = await listed(system, "/units", lambda found: [u["name"] for u in found] == ["CDU Mae Chaem"])
        projects = await listed(system, "/projects", lambda found: [p["name"] for p in found] == ["Ban Na looms"])
        unit_message = await last_message(operator_js, "ENROLLMENT", "enrollment.v1.unit.renamed")
        project_message = await last_message(
            operator_js, "ENROLLMENT", "enrollment.v1.project.renamed", named="Ban Na looms"
        )
        place = await last_message(operator_js, "OUTCOMES", "outcomes.v1.project.placed", named="Ban Na looms")

    assert [f["field"] for f in refused(blank, 422)["fields"]] == ["body.name"]
    assert refused(before_registration)["rule"] == "renamed-before-registration"
    assert refused(stale)["rule"] == "optimistic-concurrency"
    first = created(unit_renamed)
    assert (first["version"], len(first["event_ids"])) == (4, 1), "registered, activated, its project noted, renamed"
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json() == first
    assert refused(unchanged)["rule"] == "name-unchanged"
    created(project_renamed)
    assert refused(before_last)["rule"] == "renamed-before-last-rename"
    created(renamed_today)

    assert (unit_record["name"], unit_record["registered_on"]) == ("CDU Mae Chaem", UNIT_REGISTERED_ON)
    assert unit_record["earlier_names"] == [
        {"name": "CDU TH-50", "named_on": UNIT_REGISTERED_ON, "renamed_on": "2025-03-01"}
    ]
    assert (project_record["name"], project_record["status"]) == ("Ban Na looms", "APPROVED")
    assert project_record["earlier_names"] == [
        {"name": "Weaving co-op of Ban Naa", "named_on": PROJECT_PROPOSED_ON, "renamed_on": "2025-05-01"},
        {"name": "Weaving co-op of Ban Na", "named_on": "2025-05-01", "renamed_on": str(thai_today())},
    ]
    assert (units[0]["id"], units[0]["status"]) == (unit_id, "ACTIVE")
    assert (projects[0]["id"], projects[0]["status_since"]) == (project_id, PROJECT_OPENED_ON)

    assert (unit_message["unit_id"], unit_message["name"], unit_message["previous_name"]) == (
        unit_id,
        "CDU Mae Chaem",
        "CDU TH-50",
    )
    assert unit_message["renamed_on"] == "2025-03-01"
    assert (project_message["project_id"], project_message["unit_id"], project_message["province_code"]) == (
        project_id,
        unit_id,
        "TH-50",
    )
    assert (project_message["name"], project_message["previous_name"]) == ("Ban Na looms", "Weaving co-op of Ban Na")
    assert first_place["name"] == "Weaving co-op of Ban Naa", "placed when it opened, under the name it had then"
    assert (place["project_id"], place["name"], place["province_code"]) == (project_id, "Ban Na looms", "TH-50")


async def test_ended_units_and_projects_keep_the_names_they_ended_with(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit = {"name": "CDU Lampang", "province_code": "TH-52", "registered_on": UNIT_REGISTERED_ON}
        unit_id = created(await client.post("/units", json=unit))["id"]
        proposal = {"name": "Tea garden", "province_code": "TH-52", "unit_id": unit_id, "grant_thb": "300000"}
        tea = created(await client.post("/projects", json=proposal))["id"]
        created(await client.post(f"/projects/{tea}/rejection", json={"reason": "outside the programme"}))
        created(await client.post(f"/units/{unit_id}/deactivation", json={"reason": "dissolved"}))
        project_renamed = await client.post(f"/projects/{tea}/name", json={"name": "Tea garden of Lampang"})
        unit_renamed = await client.post(f"/units/{unit_id}/name", json={"name": "CDU Lampang North"})
        unknown = await client.post(f"/projects/{unit_id}/name", json={"name": "Anything"})
    assert refused(project_renamed)["rule"] == "ended-project-cannot-be-renamed"
    assert refused(unit_renamed)["rule"] == "deactivated-unit-cannot-be-renamed"
    assert refused(unknown, 404)["rule"] == "must-exist"


async def test_a_unit_is_registered_on_its_day_and_its_projects_are_not_proposed_before_it(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        typed_in_today = created(await client.post("/units", json={"name": "CDU Phrae", "province_code": "TH-54"}))[
            "id"
        ]
        on_paper = {"name": "CDU Nan", "province_code": "TH-55", "registered_on": "2025-03-01"}
        nan = created(await client.post("/units", json=on_paper))["id"]
        proposal = {"name": "Silverwork", "province_code": "TH-55", "unit_id": nan, "grant_thb": "300000"}
        too_early = await client.post("/projects", json={**proposal, "proposed_on": "2025-02-28"})
        on_the_day = await client.post("/projects", json={**proposal, "proposed_on": "2025-03-01"})
        for_today_s_unit = await client.post(
            "/projects",
            json={**proposal, "unit_id": typed_in_today, "province_code": "TH-54", "proposed_on": "2025-03-01"},
        )
        nan_record = (await client.get(f"/units/{nan}")).json()
        units = await listed(system, "/units", lambda found: len(found) == 2)
        registered = await last_message(operator_js, "ENROLLMENT", "enrollment.v1.unit.registered", named="CDU Nan")

    assert "2025-03-01" in refused(too_early)["error"] and too_early.json()["rule"] == "proposed-before-unit-registered"
    created(on_the_day)
    assert refused(for_today_s_unit)["rule"] == "proposed-before-unit-registered", "left out, the day is today"
    assert (nan_record["registered_on"], nan_record["earlier_names"]) == ("2025-03-01", [])
    assert [(u["name"], u["registered_on"]) for u in units] == [
        ("CDU Nan", "2025-03-01"),
        ("CDU Phrae", str(thai_today())),
    ]
    assert (registered["unit_id"], registered["registered_on"]) == (nan, "2025-03-01")
