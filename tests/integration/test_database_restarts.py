"""When PostgreSQL drops a service's connections (a restart, a failover), the service recovers by
itself: the relay starts again and publishes what is committed afterwards, and a command meanwhile
gets a retryable 503, then acts once when sent again with its Idempotency-Key."""

from __future__ import annotations

import asyncio

import asyncpg

from pathways_infra.database import DatabaseAddress
from pathways_infra.settings import Settings
from tests.support.journeys import created
from tests.support.system import eventually, running_system


async def test_the_relay_comes_back_after_its_connections_are_killed(settings: Settings) -> None:
    assert settings.database_url
    database = DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("enrollment"))
    async with running_system(settings, ["enrollment"]) as system:
        enrollment, js = system.client("enrollment"), system.runtime("enrollment").js

        async def messages(at_least: int) -> int | None:
            held = (await js.stream_info("ENROLLMENT")).state.messages
            return held if held >= at_least else None

        created(await enrollment.post("/units", json={"name": "CDU Chiang Mai", "province_code": "TH-50"}))
        before = await eventually(lambda: messages(1), what="the first unit to be published")

        conn = await asyncpg.connect(database.url)
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'pathways-relay-enrollment'"
            )
        finally:
            await conn.close()
        assert killed == 2, "the relay's two connections were not found by their application name"

        created(await enrollment.post("/units", json={"name": "CDU Lampang", "province_code": "TH-52"}))
        await eventually(lambda: messages(before + 1), timeout=30, what="the relay to come back and publish")


async def test_a_command_after_the_database_dropped_its_connections_gets_503_then_acts_once(settings: Settings) -> None:
    assert settings.database_url
    database = DatabaseAddress.parse(settings.database_url).with_database(settings.database_name("enrollment"))
    async with running_system(settings, ["enrollment"], relay=False) as system:
        enrollment = system.client("enrollment")
        created(await enrollment.post("/units", json={"name": "CDU Chiang Mai", "province_code": "TH-50"}))
        conn = await asyncpg.connect(database.url)
        try:
            await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()

        unit = {"name": "CDU Lampang", "province_code": "TH-52"}
        headers = {"Idempotency-Key": "lampang-after-restart"}
        answers = []
        for _ in range(60):
            response = await enrollment.post("/units", json=unit, headers=headers)
            answers.append(response)
            if response.status_code != 503:
                break
            assert response.json()["retryable"] is True and response.headers["Retry-After"] == "1"
            assert "database connection was lost" in response.json()["error"]
            await asyncio.sleep(0.25)
        assert answers[-1].status_code == 201, answers[-1].text
        assert {a.status_code for a in answers} <= {201, 503}, "a lost connection must not be a 500"
        again = await enrollment.post("/units", json=unit, headers=headers)
        assert again.json() == answers[-1].json(), "the retried request acted twice"
