"""Two replicas of a service: one runs the consumers, the other stands by and takes over when it
goes, so a participant's events are never applied by two replicas at once."""

from __future__ import annotations

from pathways_infra.settings import Settings
from tests.support.messages import enrolled_event, publish_event
from tests.support.system import eventually, start_service, stop_service

FACTS = "SELECT count(*) FROM rm_programme_enrollment_facts"


async def test_one_replica_consumes_and_the_other_takes_over_when_it_stops(settings: Settings) -> None:
    first = await start_service("outcomes", settings, relay=False)
    second = await start_service("outcomes", settings, relay=False)
    try:
        health = [(await replica.client.get("/health")).json() for replica in (first, second)]
        assert [h["consuming"] for h in health] == [True, False]

        for n in range(1, 21):
            await publish_event(first.runtime.js, enrolled_event(), event_id=f"enrollment:{n}")

        async def facts(count: int) -> int | None:
            found = int(await first.runtime.pool.fetchval(FACTS))
            return found if found >= count else None

        await eventually(lambda: facts(20), what="the first replica to project the enrollments")
        assert sum(c.processed for c in second.runtime.consumers) == 0, "the standby consumed"

        await stop_service(first)
        for n in range(21, 41):
            await publish_event(second.runtime.js, enrolled_event(), event_id=f"enrollment:{n}")

        async def taken_over() -> int | None:
            found = int(await second.runtime.pool.fetchval(FACTS))
            return found if found >= 40 else None

        await eventually(taken_over, timeout=30, what="the second replica to take over the consumers")
        assert (await second.client.get("/health")).json()["consuming"] is True
        assert int(await second.runtime.pool.fetchval(FACTS)) == 40
    finally:
        if not first.task.done():
            await stop_service(first)
        await stop_service(second)
