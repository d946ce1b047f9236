"""Two replicas of a service: one runs the consumers, the other stands by and takes over when it
goes, so a participant's events are never applied by two replicas at once."""

from __future__ import annotations

import asyncio

import nats
import pytest

from pathways_infra.lease import ConsumersLease
from pathways_infra.settings import Settings
from tests.support.messages import as_operator, enrolled_event, publish_event
from tests.support.system import RunningService, eventually, start_service, stop_service

FACTS = "SELECT count(*) FROM rm_programme_enrollment_facts"


async def test_one_replica_consumes_and_the_other_takes_over_when_it_stops(settings: Settings) -> None:
    first = await start_service("outcomes", settings, relay=False)
    second = await start_service("outcomes", settings, relay=False)
    try:
        health = [(await replica.client.get("/health")).json() for replica in (first, second)]
        assert [h["consuming"] for h in health] == [True, False]

        async with as_operator(settings) as js:
            for n in range(1, 21):
                await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")

        async def facts(count: int) -> int | None:
            found = int(await first.runtime.pool.fetchval(FACTS))
            return found if found >= count else None

        await eventually(lambda: facts(20), what="the first replica to project the enrollments")
        assert sum(c.processed for c in second.runtime.consumers) == 0, "the standby consumed"

        await stop_service(first)
        async with as_operator(settings) as js:
            for n in range(21, 41):
                await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")

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


async def test_a_replica_whose_lock_session_ends_stops_consuming_and_the_standby_takes_over(settings: Settings) -> None:
    """PostgreSQL restarted, or the connection killed: the lock went with the session, so the replica
    that held it must stop consuming before the standby, which may now take it, starts."""
    settings = settings.model_copy(update={"consumers_lease_check_seconds": 0.2})
    first = await start_service("outcomes", settings, relay=False)
    second = await start_service("outcomes", settings, relay=False)
    try:
        await _publish_and_project(first, range(1, 11))
        await _end_the_lock_holders_session(first)

        async def consuming(replica: RunningService, expected: bool) -> bool | None:
            return True if (await replica.client.get("/health")).json()["consuming"] is expected else None

        await eventually(lambda: consuming(first, False), timeout=5, what="the first replica to stop consuming")
        processed_by_first = sum(c.processed for c in first.runtime.consumers)
        await eventually(lambda: consuming(second, True), timeout=15, what="the standby to take over")
        await _publish_and_project(second, range(11, 21))
        assert sum(c.processed for c in first.runtime.consumers) == processed_by_first, "both replicas consumed"

        await stop_service(second)  # and the first, standing by again, takes over on a fresh broker
        await eventually(lambda: consuming(first, True), timeout=15, what="the first replica to take over again")
        await _publish_and_project(first, range(21, 31))
    finally:
        for replica in (first, second):
            if not replica.task.done():
                await stop_service(replica)


async def _publish_and_project(replica: RunningService, numbers: range, *, acknowledged_elsewhere: int = 0) -> None:
    """Publish enrollments ``numbers`` and wait until the replica has projected them all but the
    ``acknowledged_elsewhere`` that another consumer took and acknowledged."""
    async with as_operator(replica.runtime.settings) as js:  # as the enrollment service would
        for n in numbers:
            await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")
    expected = numbers[-1] - acknowledged_elsewhere

    async def projected() -> int | None:
        found = int(await replica.runtime.pool.fetchval(FACTS))
        return found if found >= expected else None

    await eventually(projected, timeout=30, what=f"enrollments up to {numbers[-1]} projected")
    assert int(await replica.runtime.pool.fetchval(FACTS)) == expected


async def _end_the_lock_holders_session(replica: RunningService) -> None:
    ended = await replica.runtime.pool.fetchval(
        """SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
             AND a.application_name = 'pathways-consumers-outcomes'"""
    )
    assert ended == 1


async def test_a_replica_starting_while_messages_are_in_flight_waits_before_consuming(settings: Settings) -> None:
    """Its lock is free, but a replica whose session just ended may still be finishing a batch."""
    settings = settings.model_copy(update={"consumers_lease_check_seconds": 0.2})
    await stop_service(await start_service("outcomes", settings, relay=False))  # leaves its durable consumers
    nc = await nats.connect(settings.nats_url or "")
    try:
        js = nc.jetstream()
        for n in range(1, 6):
            await publish_event(js, enrolled_event(), event_id=f"enrollment:{n}")
        # The old holder, mid-batch: five messages delivered to it, not yet acknowledged.
        old_holder = await js.pull_subscribe_bind("outcomes-read-models-from-enrollment", stream="ENROLLMENT")
        batch = await old_holder.fetch(5, timeout=5)

        replica = await start_service("outcomes", settings, relay=False)
        try:
            assert (await replica.client.get("/health")).json()["consuming"] is False
            for msg in batch:  # the old holder finishes its batch within the grace period
                await msg.ack_sync()
            await _publish_and_project(replica, range(6, 11), acknowledged_elsewhere=5)
            assert (await replica.client.get("/health")).json()["consuming"] is True
        finally:
            await stop_service(replica)
    finally:
        await nc.close()


async def test_a_frozen_holder_that_wakes_after_the_takeover_commits_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holder that cannot notice its lock went (a stopped process, a paused VM) wakes with batches in
    hand while another replica consumes: its consumer transactions are fenced and commit nothing."""
    settings = settings.model_copy(update={"consumers_lease_check_seconds": 0.2})

    async def never_notices(self: ConsumersLease, stop: asyncio.Event) -> bool:
        await stop.wait()
        return False

    monkeypatch.setattr(ConsumersLease, "watch", never_notices)
    first = await start_service("outcomes", settings, relay=False)
    monkeypatch.undo()
    second = await start_service("outcomes", settings, relay=False)
    try:
        await _publish_and_project(first, range(1, 11))
        processed_by_first = sum(c.processed for c in first.runtime.consumers)
        await _end_the_lock_holders_session(first)
        await eventually(lambda: _consuming(second), timeout=15, what="the standby to take over")
        assert first.runtime.consuming, "the frozen holder's consumers still run"

        await _publish_and_project(second, range(11, 41))
        assert sum(c.processed for c in first.runtime.consumers) == processed_by_first, "both replicas consumed"
        fenced = {c.name: c.fenced for c in first.runtime.consumers if c.fenced}
        # Both kinds of sink refused: the read models' (asyncpg) and the reactions' (the command runner).
        assert set(fenced) == {"outcomes-read-models-from-enrollment", "outcomes-from-enrollment"}, fenced

        async def reacted() -> bool | None:
            reactions = next(c for c in second.runtime.consumers if c.name == "outcomes-from-enrollment")
            return True if reactions.processed == 30 else None

        await eventually(reacted, what="the new holder to react to every enrollment the old one refused")
    finally:
        for replica in (first, second):
            if not replica.task.done():
                await stop_service(replica)


async def _consuming(replica: RunningService) -> bool | None:
    return True if (await replica.client.get("/health")).json()["consuming"] is True else None
