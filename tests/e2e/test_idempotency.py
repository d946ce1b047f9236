"""A POST retried with the same Idempotency-Key acts once and answers the same."""

from __future__ import annotations

import asyncio

from pathways_infra.settings import Settings
from tests.support.system import running_system


async def test_the_same_post_twice_with_one_key_acts_once(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        body = {"sex": "F", "birth_year": 1990, "personal_data": {"full_name": "Malee Srisuk"}}
        first = await client.post("/participants", json=body, headers={"Idempotency-Key": "retry-1"})
        again = await client.post("/participants", json=body, headers={"Idempotency-Key": "retry-1"})
        other = await client.post("/participants", json=body, headers={"Idempotency-Key": "retry-2"})
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.json()["id"] != first.json()["id"]
    assert stored == 2, "the retried request recorded a second participant"


async def test_concurrent_retries_with_one_key_act_once(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit = {"name": "Nakhon Ratchasima CDU", "province_code": "TH-30"}
        responses = await asyncio.gather(
            *(client.post("/units", json=unit, headers={"Idempotency-Key": "same"}) for _ in range(8))
        )
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert stored == 1


async def test_a_key_reused_for_a_different_request_is_refused(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        person = {"full_name": "Malee Srisuk"}
        body = {"sex": "F", "birth_year": 1990, "personal_data": person}
        await client.post("/participants", json=body, headers={"Idempotency-Key": "k"})
        reused = await client.post("/participants", json={**body, "birth_year": 1970}, headers={"Idempotency-Key": "k"})
    assert reused.status_code == 422
    assert reused.json()["fields"][0]["field"] == "header.Idempotency-Key"


async def test_a_retry_that_would_now_break_a_rule_gets_the_first_answer(settings: Settings) -> None:
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        unit = await client.post("/units", json={"name": "Khon Kaen CDU", "province_code": "TH-40"})
        path = f"/units/{unit.json()['id']}/activation"
        first = await client.post(path, json=None, headers={"Idempotency-Key": "activate-1"})
        retried = await client.post(path, json=None, headers={"Idempotency-Key": "activate-1"})
        fresh = await client.post(path, json=None, headers={"Idempotency-Key": "activate-2"})
    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json()
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert fresh.status_code == 409, "a second activation under a new key should break the unit's lifecycle rule"


async def test_concurrent_retries_of_a_registration_with_a_national_id_act_once(settings: Settings) -> None:
    """The copies' vault rows collide too; the key says they are repeats, not a conflict to retry."""
    async with running_system(settings, ["enrollment"]) as system:
        client = system.client("enrollment")
        person = {"full_name": "Somsri Jaidee", "national_id": "3100600445635"}
        body = {"sex": "F", "birth_year": 1984, "personal_data": person}
        key = {"Idempotency-Key": "register-somsri"}
        responses = await asyncio.gather(*(client.post("/participants", json=body, headers=key) for _ in range(10)))
        stored = await system.runtime("enrollment").pool.fetchval("SELECT count(*) FROM enrollment_events")
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert stored == 1
