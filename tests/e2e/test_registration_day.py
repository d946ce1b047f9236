"""A registration sent without its day is dated the day it was typed in; staff correct the day from the paper
form, and the application dated before it is taken."""

from __future__ import annotations

from typing import Any

import httpx

from pathways_infra.settings import Settings
from pathways_infra.thai_time import thai_today
from tests.support.journeys import created, open_project, register
from tests.support.system import running_system

ON_PAPER = "2025-05-01"


async def correct(client: httpx.AsyncClient, participant_id: str, day: str, **headers: str) -> httpx.Response:
    body = {"registered_on": day, "reason": "paper form dated 1 May 2025"}
    return await client.post(f"/participants/{participant_id}/registration-day/correction", json=body, headers=headers)


def refused(answer: httpx.Response, status: int = 409) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_a_registration_day_left_out_is_corrected_and_the_earlier_application_is_then_taken(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        project_id = await open_project(system)
        person = await register(system, registered_on=None)
        application = {"participant_id": person, "project_id": project_id, "applied_on": "2025-05-02"}
        before = await client.post("/enrollments", json=application)
        etag = (await client.get(f"/participants/{person}")).headers["ETag"]

        buddhist_era = await correct(client, person, "2568-05-01")
        stale = await correct(client, person, ON_PAPER, **{"If-Match": '"7"'})
        before_birth = await correct(client, person, "1985-03-31")
        corrected = await correct(client, person, ON_PAPER, **{"If-Match": etag, "Idempotency-Key": "paper-17"})
        replayed = await correct(client, person, ON_PAPER, **{"If-Match": etag, "Idempotency-Key": "paper-17"})
        again = await correct(client, person, ON_PAPER)
        after = await client.post("/enrollments", json=application)
        too_late = await correct(client, person, "2025-05-03")
        registry = (await client.get(f"/participants/{person}")).json()

    assert refused(before)["rule"] == "applied-before-registration"
    assert f"registered on {thai_today()}" in before.json()["error"], "left out, it was dated the day it was sent"
    assert [f["field"] for f in refused(buddhist_era, 422)["fields"]] == ["body.registered_on"]
    assert "2025" in buddhist_era.text, "it names the year meant"
    assert refused(stale)["rule"] == "optimistic-concurrency"
    assert refused(before_birth)["rule"] == "registered-before-birth"
    first = created(corrected)
    assert (first["version"], len(first["event_ids"])) == (3, 1), "registered, consented, corrected"
    assert replayed.headers.get("Idempotent-Replayed") == "true" and replayed.json() == first
    assert (created(again)["version"], created(again)["event_ids"]) == (3, []), "the same day records nothing"
    assert created(after)["id"]
    assert refused(too_late)["rule"] == "registered-after-application"
    assert "applied on 2025-05-02" in too_late.json()["error"]
    assert (registry["registered_on"], registry["cases"]) == (ON_PAPER, [created(after)["id"]])
