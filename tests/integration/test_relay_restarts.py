"""A service whose relay loses its PostgreSQL connection starts the relay again: what is committed
afterwards still reaches the stream."""

from __future__ import annotations

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
