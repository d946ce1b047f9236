"""If-Match: a command acts only if the aggregate is still at the version the caller saw."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from pathways_infra.settings import Settings
from tests.support import training_steps
from tests.support.journeys import enroll, in_training, open_project, register
from tests.support.system import get_json_when_found, running_system
from tests.support.training_steps import FIRST_SESSION_ON, STARTS_ON, iso


async def test_a_stale_if_match_is_refused_and_the_current_one_accepted(settings: Settings) -> None:
    async with running_system(settings) as system:
        project = await open_project(system, name="Herbal soap", province_code="TH-57")
        enrolled = await enroll(system, project, birth_year=1975)
        await in_training(system, enrolled)
        version = await training_steps.ready_to_complete(system, enrolled)
        stale = await training_steps.complete(system, enrolled, headers={"If-Match": f'"{version + 5}"'})
        garbled = await training_steps.complete(system, enrolled, headers={"If-Match": "yesterday"})
        current = await training_steps.complete(system, enrolled, headers={"If-Match": f'"{version}"'})
    assert stale.status_code == 409
    assert stale.json()["rule"] == "optimistic-concurrency"
    assert garbled.status_code == 422
    assert garbled.json()["fields"][0]["field"] == "header.If-Match"
    assert current.status_code == 201
    assert current.json()["version"] == version + 1


async def test_a_record_s_version_is_read_for_if_match_and_a_stale_one_is_refused_before_any_rule(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit_id = (await client.post("/units", json={"name": "Udon Thani CDU", "province_code": "TH-41"})).json()["id"]
        registered = (await client.get(f"/versions/{unit_id}")).json()
        seen = {"If-Match": f'"{registered["version"]}"'}
        activated = await client.post(f"/units/{unit_id}/activation", headers=seen)
        now = (await client.get(f"/versions/{unit_id}")).json()
        # Activating again breaks the unit's lifecycle; with the version seen before, the caller is told
        # first that its view is out of date.
        stale = await client.post(f"/units/{unit_id}/activation", headers=seen)
        current = await client.post(f"/units/{unit_id}/activation", headers={"If-Match": f'"{now["version"]}"'})
        unknown = await client.get(f"/versions/{uuid4()}")
    assert registered == {"id": unit_id, "version": 1}
    assert activated.status_code == 201
    assert now == {"id": unit_id, "version": 2}
    assert (stale.status_code, stale.json()["rule"]) == (409, "optimistic-concurrency")
    assert current.status_code == 409
    assert current.json()["rule"] != "optimistic-concurrency"
    assert unknown.status_code == 404


async def test_a_stale_if_match_on_a_command_that_reads_several_records_is_refused_before_any_rule(
    settings: Settings,
) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        participant_id = await register(system)
        seen = (await client.get(f"/versions/{participant_id}")).json()["version"]
        once = {"If-Match": f'"{seen}"', "Idempotency-Key": "erase-once"}
        erased = await client.post(f"/participants/{participant_id}/erasure", json={}, headers=once)
        retried = await client.post(f"/participants/{participant_id}/erasure", json={}, headers=once)
        # Erasing again breaks a rule; with the version seen before, the caller is told first that its view is stale.
        stale = await client.post(f"/participants/{participant_id}/erasure", json={}, headers={"If-Match": f'"{seen}"'})
        unknown = await client.post(f"/participants/{uuid4()}/erasure", json={}, headers={"If-Match": '"1"'})
        malformed = await client.post(
            f"/participants/{participant_id}/erasure", json={"erased_on": "soon"}, headers={"If-Match": f'"{seen}"'}
        )
    assert erased.status_code == 201, erased.text
    assert (retried.status_code, retried.json()) == (201, erased.json()), "a retry gets the first answer"
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert (stale.status_code, stale.json()["rule"]) == (409, "optimistic-concurrency"), stale.text
    assert f"is at version {erased.json()['version']}, not {seen}" in stale.json()["error"]
    assert unknown.status_code == 404, unknown.text
    assert (malformed.status_code, malformed.json()["fields"][0]["field"]) == (422, "body.erased_on"), "input first"


async def test_a_record_read_carries_its_version_as_etag_for_the_next_if_match(settings: Settings) -> None:
    """Reading the state and its version at once: the caller decides on what it saw, and acts only if unchanged."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        participant_id = await register(system)
        read = await client.get(f"/participants/{participant_id}")
        withdrawal = {"purposes": ["outcome-follow-up"], "withdrawn_at": "2025-06-01T09:00:00+07:00"}
        path = f"/participants/{participant_id}/consents/withdrawal"
        acted = await client.post(path, json=withdrawal, headers={"If-Match": read.headers["ETag"]})
        again = await client.post(path, json=withdrawal, headers={"If-Match": read.headers["ETag"]})
        reread = await client.get(f"/participants/{participant_id}")
    assert read.status_code == 200 and read.headers["ETag"] == '"2"', "registered, consented"
    assert read.json()["id"] == participant_id
    assert acted.status_code == 201, acted.text
    assert (again.status_code, again.json()["rule"]) == (409, "optimistic-concurrency")
    assert reread.headers["ETag"] == f'"{acted.json()["version"]}"'


async def _read_then_act(
    client: httpx.AsyncClient, record: str, command: str, body: dict[str, Any]
) -> tuple[httpx.Response, httpx.Response, httpx.Response, httpx.Response]:
    """Read ``record`` as recorded, act with its ETag, act again with that (now stale) ETag, read again."""
    read = await client.get(f"{record}/recorded")
    seen = {"If-Match": read.headers["ETag"]}
    acted = await client.post(f"{record}/{command}", json=body, headers=seen)
    stale = await client.post(f"{record}/{command}", json=body, headers=seen)
    return read, acted, stale, await client.get(f"{record}/recorded")


async def test_training_records_read_as_recorded_carry_their_version_as_etag_for_if_match(settings: Settings) -> None:
    async with running_system(settings, ["enrollment", "training"]) as system:
        training = system.client("training")
        project = await open_project(system, name="Bamboo crafts", province_code="TH-57")
        enrolled = await enroll(system, project, birth_year=1983)
        await in_training(system, enrolled)
        curriculum_id = await training_steps.approved_curriculum(system, project)
        cohort_id = await training_steps.started_cohort(system, project, curriculum_id)
        revision = {"title": "Bamboo, revised", "track": "RESKILL", "competencies": ["weaving"], "hours": "40"}
        session = {"held_on": iso(FIRST_SESSION_ON), "hours": "3"}
        joining = {"cohort_id": cohort_id, "assigned_on": iso(STARTS_ON)}
        answers = {
            "curriculum": await _read_then_act(training, f"/curricula/{curriculum_id}", "revision", revision),
            "cohort": await _read_then_act(training, f"/cohorts/{cohort_id}", "sessions", session),
            "record": await _read_then_act(training, f"/training-records/{enrolled.enrollment_id}", "cohort", joining),
        }
        await get_json_when_found(training, f"/cohorts/{cohort_id}")  # the read model follows the events
        read_model = await training.get(f"/cohorts/{cohort_id}")
        of_another_kind = await training.get(f"/cohorts/{curriculum_id}/recorded")
        unknown = await training.get(f"/training-records/{uuid4()}/recorded")

    seen_versions = {name: read.headers["ETag"] for name, (read, *_) in answers.items()}
    assert seen_versions == {"curriculum": '"3"', "cohort": '"2"', "record": '"1"'}, "drafted, co-designed, approved"
    for name, (read, acted, stale, reread) in answers.items():
        assert read.status_code == 200, (name, read.text)
        assert acted.status_code == 201, (name, acted.text)
        assert (stale.status_code, stale.json()["rule"]) == (409, "optimistic-concurrency"), name
        assert reread.headers["ETag"] == f'"{acted.json()["version"]}"', name
    curriculum, cohort, record = (answers[name][3].json() for name in ("curriculum", "cohort", "record"))
    assert [version["status"] for version in curriculum["versions"]] == ["APPROVED", "DRAFT"]
    assert [session["held_on"] for session in cohort["sessions"]] == [iso(FIRST_SESSION_ON)]
    assert (record["cohort_id"], record["status"]) == (cohort_id, "IN_TRAINING")
    assert read_model.status_code == 200 and "ETag" not in read_model.headers, "a read model may be behind"
    assert of_another_kind.status_code == unknown.status_code == 404
