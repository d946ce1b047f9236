"""A unit registered without its day is dated the day it was typed in, and its projects from earlier years are
refused; staff correct the unit's day, as the refusal says, and the project is then proposed. Integrators hear
of the correction on ENROLLMENT, and the list of units shows the corrected day."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import httpx
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import created
from tests.support.system import eventually, running_system

ON_PAPER = "2024-11-01"
PROPOSED_ON = "2025-02-01"
SUBJECT = "enrollment.v1.unit.registration_day_corrected"


async def correct(client: httpx.AsyncClient, unit_id: str, day: str, **headers: str) -> httpx.Response:
    body = {"registered_on": day, "reason": "charter dated 1 November 2024"}
    return await client.post(f"/units/{unit_id}/registration-day/correction", json=body, headers=headers)


def refused(answer: httpx.Response, status: int = 409) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


async def published_correction(js: JetStreamContext) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        try:
            message = await js.get_last_msg("ENROLLMENT", SUBJECT)
        except NotFoundError:
            return None
        body: dict[str, Any] = json.loads(message.data or b"{}")
        return body

    return await eventually(probe, what=f"a message on {SUBJECT}")


async def test_a_unit_registered_without_its_day_has_it_corrected_and_then_takes_its_earlier_project(
    settings: Settings, operator_js: JetStreamContext
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Phayao", "province_code": "TH-56"}))["id"]
        proposal = {"name": "Lacquerware", "province_code": "TH-56", "unit_id": unit_id, "grant_thb": "300000"}
        back_dated = {**proposal, "proposed_on": PROPOSED_ON}
        trapped = await client.post("/projects", json=back_dated)
        etag = (await client.get(f"/units/{unit_id}")).headers["ETag"]

        buddhist_era = await correct(client, unit_id, "2567-11-01")
        stale = await correct(client, unit_id, ON_PAPER, **{"If-Match": '"7"'})
        once = {"If-Match": etag, "Idempotency-Key": "charter-phayao"}
        corrected = await correct(client, unit_id, ON_PAPER, **once)
        replayed = await correct(client, unit_id, ON_PAPER, **once)
        again = await correct(client, unit_id, ON_PAPER)
        project = await client.post("/projects", json=back_dated)
        too_late = await correct(client, unit_id, "2025-02-02")

        record = (await client.get(f"/units/{unit_id}")).json()
        units = await eventually(
            lambda: _listed_with_day(client, unit_id, ON_PAPER), what="GET /units to show the corrected day"
        )
        message = await published_correction(operator_js)

    way_out = refused(trapped)
    assert way_out["rule"] == "proposed-before-unit-registered"
    assert f"registered on {thai_today()}" in way_out["error"], "left out, the day is the one it was typed in"
    assert f"POST /units/{unit_id}/registration-day/correction" in way_out["error"], "the refusal names the way out"
    assert [f["field"] for f in refused(buddhist_era, 422)["fields"]] == ["body.registered_on"]
    assert refused(stale)["rule"] == "optimistic-concurrency"
    first = created(corrected)
    assert (first["version"], len(first["event_ids"])) == (2, 1), "registered, corrected"
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json() == first
    assert (created(again)["version"], created(again)["event_ids"]) == (2, []), "the same day records nothing"
    project_id = created(project)["id"]
    assert refused(too_late)["rule"] == "registered-after-proposal"
    assert (
        f"project {project_id}" in too_late.json()["error"] and f"dates from {PROPOSED_ON}" in too_late.json()["error"]
    )

    assert (record["registered_on"], record["projects"]) == (ON_PAPER, [project_id])
    assert units == [{"id": unit_id, "registered_on": ON_PAPER}]
    assert (message["unit_id"], message["registered_on"], message["previous_registered_on"]) == (
        unit_id,
        ON_PAPER,
        str(thai_today()),
    )
    assert "reason" not in message, "why stays in the event store"


async def test_mentors_are_not_assigned_nor_visit_before_the_unit_was_registered(settings: Settings) -> None:
    """The unit typed in without its day: a mentor's assignment from earlier is refused until the day is corrected.
    The day then turns out mistyped, a month too early, but the mentor's assignment to the unit begins before the
    later day: the correction is refused, naming the assignment, until the assignment, which never took place, is
    withdrawn. An assignment to one of the unit's projects does not hold the correction back (the unit does not
    know it), and a visit under it dated before the corrected day is refused, naming the day and the way out."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Nan", "province_code": "TH-55"}))["id"]
        mentor = f"/mentors/{created(await client.post('/mentors', json={}))['id']}"
        assignment_id = str(uuid4())
        assignment = {"assignment_id": assignment_id, "unit_id": unit_id, "from_date": "2024-11-15"}
        too_early = await client.post(f"{mentor}/assignments", json=assignment)
        created(await correct(client, unit_id, ON_PAPER))
        assigned = created(await client.post(f"{mentor}/assignments", json=assignment))
        noted = (await client.get(f"/units/{unit_id}")).json()
        after_the_assignment = await correct(client, unit_id, "2024-12-01")
        withdrawal = {"to_date": "2024-11-14"}
        created(await client.post(f"{mentor}/assignments/{assignment_id}/end", json=withdrawal))
        proposal = {"name": "Nan weaving", "province_code": "TH-55", "unit_id": unit_id, "grant_thb": "300000"}
        project_id = created(await client.post("/projects", json={**proposal, "proposed_on": "2024-12-15"}))["id"]
        coaching_id = str(uuid4())
        coaching = {"assignment_id": coaching_id, "project_id": project_id, "from_date": "2024-11-15"}
        created(await client.post(f"{mentor}/assignments", json=coaching))
        later = created(await correct(client, unit_id, "2024-12-01"))
        visit = {"assignment_id": coaching_id, "visited_on": "2024-11-20"}
        visit_too_early = await client.post(f"{mentor}/coaching-visits", json=visit)
        visited = await client.post(f"{mentor}/coaching-visits", json={**visit, "visited_on": "2024-12-01"})

    assigning = refused(too_early)
    assert assigning["rule"] == "assigned-before-unit-registered"
    assert f"registered on {thai_today()}; it cannot have a mentor assigned before, on 2024-11-15" in assigning["error"]
    assert f"POST /units/{unit_id}/registration-day/correction" in assigning["error"], "the refusal names the way out"
    assert len(assigned["event_ids"]) == 2, "the assignment, and the unit noting it"
    assert [a["assignment_id"] for a in noted["mentor_assignments"]] == [assignment_id]
    held_back = refused(after_the_assignment)
    assert held_back["rule"] == "registered-after-mentor-assignment"
    assert (
        f"mentor assignment {assignment_id} to career development unit {unit_id} begins on 2024-11-15"
        in (held_back["error"])
    )
    assert len(later["event_ids"]) == 1, "withdrawn, the assignment holds the day back no more"
    visiting = refused(visit_too_early)
    assert visiting["rule"] == "visited-before-unit-registered"
    assert (
        f"registered on 2024-12-01; it cannot have a coaching visit to its project {project_id} before, on 2024-11-20"
        in visiting["error"]
    )
    assert f"POST /units/{unit_id}/registration-day/correction" in visiting["error"]
    assert visited.status_code == 201, visited.text


async def test_a_deactivated_unit_keeps_its_registration_day(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = created(await client.post("/units", json={"name": "CDU Lampang", "province_code": "TH-52"}))["id"]
        created(await client.post(f"/units/{unit_id}/deactivation", json={"reason": "dissolved"}))
        refusal = await correct(client, unit_id, ON_PAPER)
        unknown = await correct(client, "00000000-0000-4000-8000-000000000000", ON_PAPER)
        record = (await client.get(f"/units/{unit_id}")).json()
    assert refused(refusal)["rule"] == "deactivated-unit-cannot-be-corrected"
    assert record["registered_on"] == str(thai_today())
    assert refused(unknown, 404)["rule"] == "must-exist"


async def _listed_with_day(client: httpx.AsyncClient, unit_id: str, day: str) -> list[dict[str, Any]] | None:
    answer = await client.get("/units")
    assert answer.status_code == 200, answer.text
    found = [{"id": u["id"], "registered_on": u["registered_on"]} for u in answer.json() if u["id"] == unit_id]
    return found if found and found[0]["registered_on"] == day else None
